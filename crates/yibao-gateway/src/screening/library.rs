//! The rule library as versioned data: a pack with its knowledge files' contents validated and stored as a region's
//! version (`yibao rules install`, `serve --rules`, the 规则库 page), and a running gateway serving each region's
//! newest version in force, switching within a second of an install (the `rules` cache epoch) or of a version's
//! first day.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use yibao_audit::rules::RulePackFile;
use yibao_audit::{RuleErrors, RulePack};
use yibao_core::policy::{Diagnostic, FieldPath};
use yibao_store::rule_packs::{NewRulePack, RULES_EPOCH, RuleFileRow, RulePackOp};
use yibao_store::{Op, Store, StoreError};

use super::Screening;
use crate::Gateway;

/// The cache epoch an install bumps.
pub const EPOCH: &str = RULES_EPOCH;

/// A pack as given: its file name, TOML text and knowledge files (contents by name).
#[derive(Debug, Clone, Default)]
pub struct PackUpload {
    pub file: String,
    pub text: String,
    pub files: BTreeMap<String, Vec<u8>>,
}

/// The knowledge file names a pack's rules use (none when the text does not parse: validation says why).
fn knowledge_names(text: &str) -> Vec<String> {
    toml::from_str::<RulePackFile>(text)
        .map(|p| p.rule.into_iter().filter_map(|r| r.knowledge).collect())
        .unwrap_or_default()
}

fn base(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

impl PackUpload {
    /// Reads a pack file and the knowledge files it names, relative to its folder (a missing one is reported by
    /// [`PackUpload::validate`]).
    pub fn read(path: &Path) -> Result<PackUpload, String> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| format!("无法读取规则库文件 {file}：{e}"))?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut files = BTreeMap::new();
        for name in knowledge_names(&text) {
            if let Ok(bytes) = std::fs::read(dir.join(&name)) {
                files.insert(name, bytes);
            }
        }
        Ok(PackUpload { file, text, files })
    }

    /// The bytes of a knowledge file the pack names: by that name, or by its last part (a browser sends only that).
    fn lookup(&self, name: &str) -> Option<&Vec<u8>> {
        self.files.get(name).or_else(|| {
            let mut same = self.files.iter().filter(|(k, _)| base(k) == base(name));
            match (same.next(), same.next()) {
                (Some((_, v)), None) => Some(v),
                _ => None,
            }
        })
    }

    /// Validates and compiles the pack against its files; every problem located by file, line and field.
    pub fn validate(&self) -> Result<RulePack, RuleErrors> {
        RulePack::from_toml_with(&self.file, &self.text, &|name| {
            self.lookup(name).cloned().ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "找不到该文件（命令行按相对于规则库文件的路径读取；网页上传时请与规则库文件一并选择）".to_string(),
                )
            })
        })
    }

    /// The knowledge files the pack uses, under the names it uses.
    fn used_files(&self) -> Vec<RuleFileRow> {
        let mut names = knowledge_names(&self.text);
        names.sort();
        names.dedup();
        names
            .into_iter()
            .filter_map(|n| self.lookup(&n).map(|c| RuleFileRow { name: n.clone(), content: c.clone() }))
            .collect()
    }
}

/// What to store a pack as.
#[derive(Debug, Clone)]
pub struct Install<'a> {
    /// The version label; the pack's `[pack] version` when `None`.
    pub version: Option<&'a str>,
    /// `YYYY-MM-DD` from which gateways use it.
    pub effective: &'a str,
    pub by: &'a str,
}

/// The validated pack and the version to store (commit [`insert`] of it with whatever else the caller logs).
pub fn prepare(upload: &PackUpload, how: &Install) -> Result<(RulePack, NewRulePack), RuleErrors> {
    let pack = upload.validate()?;
    let refuse = |path: FieldPath, zh: String| RuleErrors {
        file: upload.file.clone(),
        diagnostics: vec![Diagnostic::new(path, zh.clone(), zh)],
    };
    if chrono::NaiveDate::parse_from_str(how.effective, "%Y-%m-%d").is_err() {
        return Err(refuse(FieldPath::root(), format!("生效日期“{}”无效（应为 年-月-日）", how.effective)));
    }
    let version = how.version.map_or(pack.version.clone(), |v| v.trim().to_string());
    if version.is_empty() || version.chars().count() > 40 || version.contains(char::is_whitespace) {
        return Err(refuse(FieldPath::root(), format!("版本号“{version}”无效：不能为空、含空格或超过 40 个字符")));
    }
    let new = NewRulePack {
        admdvs: pack.admdvs.clone(),
        version,
        name: pack.name.clone(),
        effective: how.effective.to_string(),
        source: base(&upload.file).to_string(),
        pack: upload.text.clone(),
        files: upload.used_files(),
        installed_by: how.by.to_string(),
    };
    Ok((pack, new))
}

/// The operation that stores a prepared version (and bumps the `rules` epoch).
pub fn insert(new: NewRulePack) -> Op {
    Op::RulePack(RulePackOp::Insert(Box::new(new)))
}

/// Why an install stored nothing.
#[derive(Debug)]
pub enum InstallError {
    Invalid(RuleErrors),
    /// The region has this version already (with other content, when installing idempotently).
    Exists(String),
    Store(StoreError),
}

impl std::fmt::Display for InstallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InstallError::Invalid(e) => write!(f, "{e}"),
            InstallError::Exists(m) => write!(f, "{m}"),
            InstallError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for InstallError {}

/// A stored version: (region, version, whether this call stored it).
pub type Installed = (String, String, bool);

/// Validates and stores a pack as a region's version. With `same_ok` a version already stored with exactly this
/// text and these files is accepted as installed (`serve --rules` at every start); otherwise it is refused.
pub async fn install(
    store: &Store,
    upload: &PackUpload,
    how: &Install<'_>,
    same_ok: bool,
) -> Result<Installed, InstallError> {
    let (_, new) = prepare(upload, how).map_err(InstallError::Invalid)?;
    let (admdvs, version) = (new.admdvs.clone(), new.version.clone());
    let (text, files) = (new.pack.clone(), new.files.clone());
    match store.commit(vec![insert(new)]).await {
        Ok(()) => Ok((admdvs, version, true)),
        Err(StoreError::Duplicate(m)) => {
            let stored = store.rule_pack_content(&admdvs, &version).await.map_err(InstallError::Store)?;
            if same_ok && stored == Some((text, files)) {
                Ok((admdvs, version, false))
            } else if same_ok {
                Err(InstallError::Exists(format!(
                    "统筹区 {admdvs} 的规则库版本 {version} 已存在且内容不同：修改规则库请同时修改 [pack] version"
                )))
            } else {
                Err(InstallError::Exists(m))
            }
        }
        Err(e) => Err(InstallError::Store(e)),
    }
}

fn today() -> String {
    chrono::Local::now().format("%Y-%m-%d").to_string()
}

/// The rules tag of a 事后 review run with a region's stored version (part of its run id,
/// `yibao_store::review_run::run_id`): versions are unique per region and immutable, so the same region, period and
/// version give the same run wherever it is started.
pub fn review_tag(admdvs: &str, version: &str) -> String {
    yibao_store::review_run::fingerprint(&format!("{admdvs}@{version}"))
}

/// The region's version in force on `date`, compiled; `None` when the region has none in force.
pub async fn in_force(store: &Store, admdvs: &str, date: &str) -> Result<Option<Screening>, String> {
    let Some(row) = store.rule_pack_in_force(admdvs, date).await.map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    let Some((text, files)) = store.rule_pack_content(admdvs, &row.version).await.map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    let upload = PackUpload {
        file: format!("{admdvs}@{}", row.version),
        text,
        files: files.into_iter().map(|f| (f.name, f.content)).collect(),
    };
    let pack = upload.validate().map_err(|e| e.to_string())?;
    let mut s = Screening::from_pack(pack, &upload.file);
    s.stored = Some(row.version);
    Ok(Some(s))
}

/// Loads every region's stored version in force today that is not loaded already. A region without stored versions
/// keeps the pack it was given.
pub async fn reload(gw: &Gateway) -> Result<(), String> {
    let day = today();
    for region in gw.store.rule_pack_regions().await.map_err(|e| e.to_string())? {
        let wanted = gw.store.rule_pack_in_force(&region, &day).await.map_err(|e| e.to_string())?;
        let Some(wanted) = wanted else { continue };
        let loaded = gw.screening_of(&region).and_then(|s| s.stored.clone());
        if loaded.as_deref() == Some(wanted.version.as_str()) {
            continue;
        }
        if let Some(s) = in_force(&gw.store, &region, &day).await? {
            tracing::info!(admdvs = %region, version = ?s.stored, "rule pack loaded");
            gw.set_screening(s);
        }
    }
    Ok(())
}

/// Watches the `rules` epoch and the date once a second and reloads when either moves (a failed reload is tried
/// again the next second); the first look loads too. Runs until the gateway is dropped.
pub fn watch(gw: &Arc<Gateway>) {
    crate::catalogue::watch_versions(gw, EPOCH, "rule pack", |gw| async move { reload(&gw).await });
}

/// yibao-audit's demo pack (its synthetic county's codes) with its knowledge files, as an upload.
pub fn demo_upload() -> PackUpload {
    use yibao_audit::synth::catalogue::{DEMO_PACK_TOML, KNOWLEDGE_FILES};
    PackUpload {
        file: "demo_rules.toml".into(),
        text: DEMO_PACK_TOML.into(),
        files: KNOWLEDGE_FILES.iter().map(|(n, t)| (n.to_string(), t.as_bytes().to_vec())).collect(),
    }
}
