//! The pack's `[on_settle]` table: what a settlement (2206/2207/2303/2304) does with the 事中 findings of its visit,
//! for the pack's regions by default and per county.

use std::collections::BTreeMap;

use yibao_core::policy::{Diagnostic, FieldPath};

/// What a settlement does with the 事中 findings of its visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnSettle {
    /// No screening at settlement.
    #[default]
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

    pub fn name_zh(self) -> &'static str {
        match self {
            OnSettle::Off => "不审核",
            OnSettle::Flag => "记为待查",
            OnSettle::Refuse => "明确违规拒绝结算",
        }
    }
}

/// The settlement option of a pack: a default and per-region overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OnSettleModes {
    pub default: OnSettle,
    pub by_region: BTreeMap<String, OnSettle>,
}

impl OnSettleModes {
    /// The option for the region where care is given.
    pub fn for_region(&self, admdvs: &str) -> OnSettle {
        self.by_region.get(admdvs).copied().unwrap_or(self.default)
    }
}

/// Reads the `[on_settle]` table (`default = "flag"`, `"999002" = "refuse"`), every bad key or mode a diagnostic.
pub(crate) fn read(table: &BTreeMap<String, toml::Value>, out: &mut Vec<Diagnostic>) -> OnSettleModes {
    let mut modes = OnSettleModes::default();
    let p = FieldPath::root().key("on_settle");
    for (k, v) in table {
        let mut err = |zh: String| out.push(Diagnostic::new(p.key(k), zh.clone(), zh));
        let Some(mode) = v.as_str().and_then(OnSettle::parse) else {
            err(format!(
                "[on_settle] “{k}”的取值 {v} 无效：应为 \"off\"（不审核）、\"flag\"（记为待查）或 \"refuse\"（拒绝结算）"
            ));
            continue;
        };
        if k == "default" {
            modes.default = mode;
        } else if k.len() == 6 && k.bytes().all(|b| b.is_ascii_digit()) {
            modes.by_region.insert(k.clone(), mode);
        } else {
            err(format!("[on_settle] 键“{k}”无效：应为 default 或 6 位医保区划代码"));
        }
    }
    modes
}
