//! Fund-supervision rule pack versions per region (one `Op::RulePack` variant): the pack text, its knowledge files'
//! contents, who installed it and its effective date; installing bumps the `rules` cache epoch.

use crate::cases::{from_hex, to_hex};
use crate::db::{Fail, Stmt};
use crate::{Result, Store, now_text, params};

/// The cache epoch a rule pack install bumps (once per job, by `ops::statements` with the other epochs).
pub const RULES_EPOCH: &str = "rules";

/// One stored rule pack version (without its text and files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulePackRow {
    pub admdvs: String,
    pub version: String,
    /// Install order in the region, from 1.
    pub seq: i64,
    pub name: String,
    /// `YYYY-MM-DD` from which gateways use it.
    pub effective: String,
    pub source: String,
    pub installed_by: String,
    pub installed_at: String,
}

/// A knowledge file of a version, by the name the pack uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleFileRow {
    pub name: String,
    pub content: Vec<u8>,
}

/// A version to store.
#[derive(Debug, Clone)]
pub struct NewRulePack {
    pub admdvs: String,
    pub version: String,
    pub name: String,
    pub effective: String,
    pub source: String,
    pub pack: String,
    pub files: Vec<RuleFileRow>,
    pub installed_by: String,
}

/// One change to the stored rule packs.
#[derive(Debug, Clone)]
pub enum RulePackOp {
    /// Stores a version with its files and bumps the `rules` epoch; fails as Duplicate when the region has it.
    Insert(Box<NewRulePack>),
}

pub(crate) fn push(out: &mut Vec<Stmt>, op: RulePackOp) {
    match op {
        RulePackOp::Insert(p) => {
            let m = format!(
                "统筹区 {} 的规则库版本 {} 已存在，未作任何修改（新规则库请使用新的版本号）",
                p.admdvs, p.version
            );
            out.push(
                Stmt::new(
                    "INSERT INTO rule_pack_version (admdvs, version, seq, name, effective, source, pack, installed_by, installed_at)
                     SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5, $6, $7, $8 FROM rule_pack_version WHERE admdvs = $1",
                    params![
                        p.admdvs.clone(),
                        p.version.clone(),
                        p.name,
                        p.effective,
                        p.source,
                        p.pack,
                        p.installed_by,
                        now_text()
                    ],
                )
                .dup(Fail::Duplicate(m)),
            );
            for f in p.files {
                out.push(Stmt::new(
                    "INSERT INTO rule_pack_file (admdvs, version, name, size, content) VALUES ($1, $2, $3, $4, $5)",
                    params![p.admdvs.clone(), p.version.clone(), f.name, f.content.len() as i64, to_hex(&f.content)],
                ));
            }
        }
    }
}

fn row(r: &crate::Row) -> RulePackRow {
    RulePackRow {
        admdvs: r.text("admdvs"),
        version: r.text("version"),
        seq: r.int("seq"),
        name: r.text("name"),
        effective: r.text("effective"),
        source: r.text("source"),
        installed_by: r.text("installed_by"),
        installed_at: r.text("installed_at"),
    }
}

const COLS: &str = "admdvs, version, seq, name, effective, source, installed_by, installed_at";

impl Store {
    /// A region's rule pack versions, newest first (by effective date, then install order).
    pub async fn rule_pack_versions(&self, admdvs: &str) -> Result<Vec<RulePackRow>> {
        let sql = format!("SELECT {COLS} FROM rule_pack_version WHERE admdvs = $1 ORDER BY effective DESC, seq DESC");
        Ok(self.rows(&sql, params![admdvs]).await?.iter().map(row).collect())
    }

    /// The regions with stored rule packs.
    pub async fn rule_pack_regions(&self) -> Result<Vec<String>> {
        let rows = self.rows("SELECT DISTINCT admdvs FROM rule_pack_version ORDER BY admdvs", params![]).await?;
        Ok(rows.iter().map(|r| r.text("admdvs")).collect())
    }

    /// The region's version in force on `date` (`YYYY-MM-DD`): the newest whose effective date has come.
    pub async fn rule_pack_in_force(&self, admdvs: &str, date: &str) -> Result<Option<RulePackRow>> {
        let sql = format!(
            "SELECT {COLS} FROM rule_pack_version WHERE admdvs = $1 AND effective <= $2 ORDER BY effective DESC, seq DESC LIMIT 1"
        );
        Ok(self.row(&sql, params![admdvs, date]).await?.as_ref().map(row))
    }

    /// A version's pack text and knowledge files (by name), if stored.
    pub async fn rule_pack_content(&self, admdvs: &str, version: &str) -> Result<Option<(String, Vec<RuleFileRow>)>> {
        let Some(r) = self
            .row("SELECT pack FROM rule_pack_version WHERE admdvs = $1 AND version = $2", params![admdvs, version])
            .await?
        else {
            return Ok(None);
        };
        let files = self
            .rows(
                "SELECT name, content FROM rule_pack_file WHERE admdvs = $1 AND version = $2 ORDER BY name",
                params![admdvs, version],
            )
            .await?
            .iter()
            .map(|f| RuleFileRow { name: f.text("name"), content: from_hex(&f.text("content")) })
            .collect();
        Ok(Some((r.text("pack"), files)))
    }
}
