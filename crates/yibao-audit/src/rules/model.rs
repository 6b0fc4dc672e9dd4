//! The rule pack file format (TOML), exactly as a bureau's fund-supervision staff write it. See `docs/audit.md`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Deserialize;
use yibao_core::policy::model::{de_date, de_opt_date};

use crate::templates::TemplateKind;

/// One region's rule library (规则库) in one version.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulePackFile {
    pub pack: PackHeader,
    /// Extensions of the national and audit dictionaries: `[dict.insutype] "610" = "工伤保险"`.
    #[serde(default)]
    pub dict: BTreeMap<String, BTreeMap<String, String>>,
    /// Which settlements count as inpatient, pharmacy or emergency.
    #[serde(default)]
    pub visit_kinds: VisitKindsDef,
    #[serde(default)]
    pub rule: Vec<RuleDef>,
    /// Per-region switches for the counties under this pack: `[switch."341022"] R0105 = false`.
    #[serde(default)]
    pub switch: BTreeMap<String, BTreeMap<String, bool>>,
    /// What settlements do with their 事中 findings: `[on_settle] default = "flag"`, `"341022" = "refuse"`
    /// (`off` | `flag` | `refuse`; checked with the pack, see `rules::settle`).
    #[serde(default)]
    pub on_settle: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackHeader {
    /// 统筹区划 (6 digits).
    pub admdvs: String,
    pub name: String,
    /// The rule library's version, e.g. "2026.1".
    pub version: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VisitKindsDef {
    /// 医疗类别 of inpatient stays; empty = the dictionary `inpatient_med_type`.
    pub inpatient_med_types: Vec<String>,
    /// 医疗类别 of pharmacy purchases.
    pub pharmacy_med_types: Vec<String>,
    /// Institution types that are pharmacies (their settlements are purchases whatever the med_type).
    pub pharmacy_medins_types: Vec<String>,
    /// 医疗类别 of emergency visits.
    pub emergency_med_types: Vec<String>,
}

impl Default for VisitKindsDef {
    fn default() -> VisitKindsDef {
        VisitKindsDef {
            inpatient_med_types: Vec::new(),
            pharmacy_med_types: vec!["41".into()],
            pharmacy_medins_types: vec!["6".into()],
            emergency_med_types: vec!["13".into()],
        }
    }
}

fn yes() -> bool {
    true
}

/// One rule: a template, its parameters and knowledge rows, when and where it applies, and what it says.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    /// 规则ID, unique in the pack ("R0101").
    pub id: String,
    pub name: String,
    pub template: TemplateKind,
    /// Switched on by default; `[switch.<admdvs>]` overrides it per region.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Effective from (inclusive).
    #[serde(deserialize_with = "de_date")]
    pub begin: NaiveDate,
    /// Effective to (inclusive); open when absent.
    #[serde(default, deserialize_with = "de_opt_date")]
    pub end: Option<NaiveDate>,
    /// 触发场景 1–10 the rule runs in (3101/3102); empty = only in 事后 review.
    #[serde(default)]
    pub trig_scen: Vec<u8>,
    /// 严重程度 (dictionary `sev_deg`); default by template.
    #[serde(default)]
    pub sev_deg: Option<String>,
    /// 违规行为分类 (dictionary `vola_bhvr_type`); default by template.
    #[serde(default)]
    pub vola_bhvr_type: Option<String>,
    /// 违规依据: the policy text the rule rests on.
    #[serde(default)]
    pub basis: String,
    /// 违规内容 template with `{placeholders}`; default by template.
    #[serde(default)]
    pub evidence: Option<String>,
    /// Knowledge file (CSV or xlsx), relative to the pack file.
    #[serde(default)]
    pub knowledge: Option<String>,
    /// Template parameters (thresholds, windows, code lists).
    #[serde(default)]
    pub params: toml::Table,
    /// Knowledge rows written in the pack instead of a file.
    #[serde(default)]
    pub row: Vec<toml::Table>,
}
