//! The gateway's fund-supervision rule packs (one per region, with their knowledge files) and the per-region
//! `on_settle` option: what 2206/2207/2303/2304 do with the 事中 findings of the visit being settled.
//!
//! A rule pack file is the `yibao-audit` format (see docs/audit.md) plus one optional table read by the gateway:
//!
//! ```toml
//! [on_settle]            # off | flag | refuse
//! default = "flag"       # every region of the pack
//! "999002" = "refuse"    # one county under it
//! ```
//!
//! The table's lines are blanked (not removed) before the pack is compiled, so the pack's own error messages keep
//! their line numbers.

pub mod ledger;
pub mod settle;

use std::collections::BTreeMap;
use std::path::Path;

use yibao_audit::RulePack;

/// What a settlement does with the 事中 findings of its visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnSettle {
    /// No screening at settlement.
    Off,
    /// The settlement goes through; each finding is stored as held money (剔除待查) in the same commit.
    Flag,
    /// A settlement with 明确违规 (sev_deg "1") findings is refused; other findings are flagged as with `Flag`.
    Refuse,
}

impl OnSettle {
    pub fn parse(s: &str) -> Option<OnSettle> {
        match s {
            "off" => Some(OnSettle::Off),
            "flag" => Some(OnSettle::Flag),
            "refuse" => Some(OnSettle::Refuse),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            OnSettle::Off => "off",
            OnSettle::Flag => "flag",
            OnSettle::Refuse => "refuse",
        }
    }
}

/// The 严重程度 code of 明确违规 in the audit dictionary (data/audit_dict.toml); refuse mode refuses on it.
pub const SEV_CERTAIN: &str = "1";

/// A region's compiled rule pack with its settlement option.
#[derive(Debug, Clone)]
pub struct Screening {
    pub pack: RulePack,
    /// Where it was read from (for messages).
    pub source: String,
    default: OnSettle,
    by_region: BTreeMap<String, OnSettle>,
}

impl Screening {
    /// A pack with one settlement option for all its regions.
    pub fn new(pack: RulePack, source: &str, on_settle: OnSettle) -> Screening {
        Screening { pack, source: source.to_string(), default: on_settle, by_region: BTreeMap::new() }
    }

    /// The demo pack of `yibao-audit` (its synthetic county's codes), screening only on 3101/3102.
    pub fn demo() -> Screening {
        Screening::new(yibao_audit::synth::demo_pack(), "demo_rules.toml", OnSettle::Off)
    }

    /// Reads a pack file and the knowledge files beside it; every problem is reported with file and line.
    pub fn load(path: &Path) -> Result<Screening, String> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| format!("无法读取规则库文件 {file}：{e}"))?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Screening::from_toml_with(&file, &text, &|name| std::fs::read(dir.join(name)))
    }

    /// Parses pack text; `read` gives a knowledge file's bytes by the name the pack uses.
    pub fn from_toml_with(
        file: &str,
        text: &str,
        read: &dyn Fn(&str) -> std::io::Result<Vec<u8>>,
    ) -> Result<Screening, String> {
        let (pack_text, table) = split_on_settle(text);
        let (default, by_region) = parse_on_settle(file, &table)?;
        let pack = RulePack::from_toml_with(file, &pack_text, read).map_err(|e| e.to_string())?;
        Ok(Screening { pack, source: file.to_string(), default, by_region })
    }

    /// The settlement option for the region where care is given (the institution's region).
    pub fn on_settle(&self, admdvs: &str) -> OnSettle {
        self.by_region.get(admdvs).copied().unwrap_or(self.default)
    }

    /// A one-line description for the start-up message.
    pub fn describe(&self) -> String {
        let screening = self.pack.rules().iter().filter(|r| !r.trig_scen.is_empty()).count();
        let mut s = format!(
            "{}（统筹区 {}，版本 {}，事前事中规则 {screening} 条，结算时 on_settle = {}",
            self.pack.name,
            self.pack.admdvs,
            self.pack.version,
            self.default.name()
        );
        for (r, m) in &self.by_region {
            s.push_str(&format!("，{r} = {}", m.name()));
        }
        s.push('）');
        s
    }
}

/// Splits the `[on_settle]` table out of a pack's text: (the text with its lines blanked, the table's lines).
fn split_on_settle(text: &str) -> (String, Vec<(usize, String)>) {
    let mut out = String::with_capacity(text.len());
    let mut table = Vec::new();
    let mut inside = false;
    for (n, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.starts_with('[') {
            inside = t.trim_end().split('#').next().map(str::trim) == Some("[on_settle]");
        }
        if inside {
            table.push((n + 1, line.to_string()));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    (out, table)
}

fn parse_on_settle(file: &str, lines: &[(usize, String)]) -> Result<(OnSettle, BTreeMap<String, OnSettle>), String> {
    let mut default = OnSettle::Off;
    let mut by_region = BTreeMap::new();
    let text: String = lines.iter().map(|(_, l)| format!("{l}\n")).collect();
    if text.trim().is_empty() {
        return Ok((default, by_region));
    }
    let first = lines.first().map_or(0, |l| l.0);
    let err = |line: usize, msg: String| format!("规则库 {file} 第 {line} 行：[on_settle] {msg}");
    let parsed: toml::Table = toml::from_str(&text).map_err(|e| {
        let at = e.span().map_or(0, |s| text[..s.start.min(text.len())].matches('\n').count());
        err(first + at, format!("无法解析：{}", e.message()))
    })?;
    let Some(toml::Value::Table(t)) = parsed.get("on_settle") else {
        return Err(err(first, "应为一个表".to_string()));
    };
    for (k, v) in t {
        let line = lines
            .iter()
            .find(|(_, l)| l.trim_start().trim_start_matches('"').starts_with(k.as_str()))
            .map_or(first, |l| l.0);
        let mode = v.as_str().and_then(OnSettle::parse).ok_or_else(|| {
            err(
                line,
                format!("“{k}”的取值 {v} 无效：应为 \"off\"（不审核）、\"flag\"（记为待查）或 \"refuse\"（拒绝结算）"),
            )
        })?;
        if k == "default" {
            default = mode;
        } else if k.len() == 6 && k.bytes().all(|b| b.is_ascii_digit()) {
            by_region.insert(k.clone(), mode);
        } else {
            return Err(err(line, format!("键“{k}”无效：应为 default 或 6 位医保区划代码")));
        }
    }
    Ok((default, by_region))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PACK: &str = r#"[pack]
admdvs = "999001"
name = "测试规则库"
version = "1"

[on_settle]
default = "flag"
"999002" = "refuse"

[[rule]]
id = "R01"
name = "限性别"
template = "sex_limit"
begin = 2024-01-01
trig_scen = [6]
row = [{ code = "X1", gend = "2" }]
"#;

    fn none(name: &str) -> std::io::Result<Vec<u8>> {
        Err(std::io::Error::new(std::io::ErrorKind::NotFound, name.to_string()))
    }

    #[test]
    fn the_on_settle_table_is_read_per_region_and_the_pack_compiles_without_it() {
        let s = Screening::from_toml_with("t.toml", PACK, &none).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.on_settle("999001"), OnSettle::Flag);
        assert_eq!(s.on_settle("999002"), OnSettle::Refuse);
        assert_eq!(s.pack.rules().len(), 1);
    }

    #[test]
    fn a_bad_mode_or_key_is_named_with_its_line() {
        let e = Screening::from_toml_with("t.toml", &PACK.replace("\"refuse\"", "\"block\""), &none).unwrap_err();
        assert!(e.contains("第 8 行") && e.contains("“999002”的取值") && e.contains("refuse"), "{e}");
        let e = Screening::from_toml_with("t.toml", &PACK.replace("\"999002\"", "\"abc\""), &none).unwrap_err();
        assert!(e.contains("键“abc”无效"), "{e}");
    }

    #[test]
    fn pack_errors_keep_their_line_numbers() {
        let e = Screening::from_toml_with("t.toml", &PACK.replace("sex_limit", "no_such"), &none).unwrap_err();
        assert!(e.contains("t.toml:13:12:"), "{e}");
    }
}
