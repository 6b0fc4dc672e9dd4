//! The gateway's fund-supervision rule packs (one per region, with their knowledge files) and the per-region
//! `on_settle` option: what 2206/2207/2303/2304 do with the 事中 findings of the visit being settled.
//!
//! The option is the pack's own `[on_settle]` table (yibao-audit's format, see docs/audit.md):
//!
//! ```toml
//! [on_settle]            # off | flag | refuse
//! default = "flag"       # every region of the pack
//! "999002" = "refuse"    # one county under it
//! ```
//!
//! Packs are versioned data in the store ([`library`]): a running gateway serves each region's newest version in
//! force and switches within a second when one is installed.

pub mod ledger;
pub mod library;
pub mod settle;

use std::path::Path;

use yibao_audit::RulePack;
pub use yibao_audit::rules::{OnSettle, OnSettleModes};

/// The 严重程度 code of 明确违规 in the audit dictionary (data/audit_dict.toml); refuse mode refuses on it.
pub const SEV_CERTAIN: &str = "1";

/// A region's compiled rule pack with its settlement option.
#[derive(Debug, Clone)]
pub struct Screening {
    pub pack: RulePack,
    /// Where it was read from (for messages).
    pub source: String,
    on_settle: OnSettleModes,
    /// The stored version it was loaded from (`None` when set as given).
    pub stored: Option<String>,
}

impl Screening {
    /// A pack with its own `[on_settle]` table.
    pub fn from_pack(pack: RulePack, source: &str) -> Screening {
        let on_settle = pack.on_settle.clone();
        Screening { pack, source: source.to_string(), on_settle, stored: None }
    }

    /// A pack with one settlement option for all its regions (whatever its table says).
    pub fn new(pack: RulePack, source: &str, on_settle: OnSettle) -> Screening {
        let on_settle = OnSettleModes { default: on_settle, by_region: Default::default() };
        Screening { pack, source: source.to_string(), on_settle, stored: None }
    }

    /// The demo pack of `yibao-audit` (its synthetic county's codes), screening only on 3101/3102.
    pub fn demo() -> Screening {
        Screening::new(yibao_audit::synth::demo_pack(), "demo_rules.toml", OnSettle::Off)
    }

    /// Reads a pack file and the knowledge files beside it; every problem is reported with file and line.
    pub fn load(path: &Path) -> Result<Screening, String> {
        let pack = RulePack::load(path).map_err(|e| e.to_string())?;
        Ok(Screening::from_pack(pack, &path.display().to_string()))
    }

    /// Parses pack text; `read` gives a knowledge file's bytes by the name the pack uses.
    pub fn from_toml_with(
        file: &str,
        text: &str,
        read: &dyn Fn(&str) -> std::io::Result<Vec<u8>>,
    ) -> Result<Screening, String> {
        let pack = RulePack::from_toml_with(file, text, read).map_err(|e| e.to_string())?;
        Ok(Screening::from_pack(pack, file))
    }

    /// The settlement option for the region where care is given (the institution's region).
    pub fn on_settle(&self, admdvs: &str) -> OnSettle {
        self.on_settle.for_region(admdvs)
    }

    /// A one-line description for the start-up message.
    pub fn describe(&self) -> String {
        let screening = self.pack.rules().iter().filter(|r| !r.trig_scen.is_empty()).count();
        let mut s = format!(
            "{}（统筹区 {}，版本 {}，事前事中规则 {screening} 条，结算时 on_settle = {}",
            self.pack.name,
            self.pack.admdvs,
            self.pack.version,
            self.on_settle.default.name()
        );
        for (r, m) in &self.on_settle.by_region {
            s.push_str(&format!("，{r} = {}", m.name()));
        }
        s.push('）');
        s
    }
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
        assert!(e.contains("t.toml:8:12:") && e.contains("“999002”的取值") && e.contains("refuse"), "{e}");
        let e = Screening::from_toml_with("t.toml", &PACK.replace("\"999002\"", "\"abc\""), &none).unwrap_err();
        assert!(e.contains("键“abc”无效"), "{e}");
    }

    #[test]
    fn pack_errors_keep_their_line_numbers() {
        let e = Screening::from_toml_with("t.toml", &PACK.replace("sex_limit", "no_such"), &none).unwrap_err();
        assert!(e.contains("t.toml:13:12:"), "{e}");
    }
}
