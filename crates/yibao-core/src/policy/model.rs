//! The policy pack file format (TOML), exactly as a bureau administrator writes it. See `docs/policy-packs.md`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::money::{Fen, Price, Ratio};

/// One region's policy pack: header, dictionary extensions, catalogue, and scheme periods.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackFile {
    pub region: RegionDef,
    /// Extensions of the national dictionaries: `[dict.med_type] "9901" = "重大疾病门诊"`.
    #[serde(default)]
    pub dict: BTreeMap<String, BTreeMap<String, String>>,
    /// 医保目录: drugs, services and materials.
    #[serde(default)]
    pub catalogue: Vec<CatalogueItemDef>,
    /// One entry per scheme (险种) and effective period.
    #[serde(default)]
    pub scheme: Vec<SchemeDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionDef {
    /// 统筹区划 (6 digits).
    pub admdvs: String,
    pub name: String,
    /// The pack's version label, e.g. "2024.2".
    pub version: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueItemDef {
    /// 医保目录编码 (`med_list_codg`).
    pub code: String,
    pub name: String,
    /// 收费项目等级 01 甲类 / 02 乙类 / 03 丙类.
    pub lv: String,
    /// 医疗收费项目类别 (`med_chrgitm_type`).
    #[serde(default)]
    pub category: Option<String>,
    /// 先行自付比例 by 险种; key "*" for every scheme.
    #[serde(default)]
    pub selfpay_prop: BTreeMap<String, Ratio>,
    /// 最高限价 by hospital level; key "*" for every level.
    #[serde(default)]
    pub price_cap: BTreeMap<String, Price>,
    /// Restriction: only for this sex (gend code).
    #[serde(default)]
    pub sex: Option<String>,
    #[serde(default)]
    pub age_min: Option<u32>,
    #[serde(default)]
    pub age_max: Option<u32>,
    /// Restriction: only at hospitals of at least this level.
    #[serde(default)]
    pub min_hosp_lv: Option<String>,
    /// Restriction: only for these 医疗类别.
    #[serde(default)]
    pub med_types: Option<Vec<String>>,
}

/// One scheme (险种) for one effective period.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemeDef {
    pub insutype: String,
    pub name: String,
    /// First day in force.
    #[serde(deserialize_with = "de_date")]
    pub from: NaiveDate,
    /// Last day in force; open-ended when absent.
    #[serde(default, deserialize_with = "de_opt_date")]
    pub to: Option<NaiveDate>,
    /// Who bears 超限价 amounts: "patient" (default) or "hospital" (then they are 医院负担).
    #[serde(default)]
    pub overlimit_paid_by: Payer,
    /// Personal account (职工个人账户); absent for schemes without one.
    #[serde(default)]
    pub account: Option<AccountDef>,
    /// 先行自付 exceptions, e.g. dialysis without the 10% first self-pay.
    #[serde(default)]
    pub preselfpay_override: Vec<PreselfpayOverrideDef>,
    /// Caps over several pools together (e.g. 统筹 + 大额 ≤ 90万).
    #[serde(default)]
    pub combined_cap: Vec<CombinedCapDef>,
    /// Fund layers in the order they pay.
    #[serde(default)]
    pub layer: Vec<LayerDef>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Payer {
    #[default]
    Patient,
    Hospital,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountDef {
    /// `fund_pay_type` written for the account row in setldetail (default 310200).
    #[serde(default = "default_account_fund")]
    pub fund_pay_type: String,
    /// Whether the account may pay 全自费 amounts (default no).
    #[serde(default)]
    pub pays_ownpay: bool,
    /// Whether the account may pay 超限价 amounts (default no).
    #[serde(default)]
    pub pays_overlimit: bool,
    /// Whether the account may pay 先行自付 amounts (default yes).
    #[serde(default = "yes")]
    pub pays_preselfpay: bool,
}

fn default_account_fund() -> String {
    "310200".to_string()
}
fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreselfpayOverrideDef {
    pub name: String,
    /// Catalogue codes the override applies to.
    pub items: Vec<String>,
    #[serde(default)]
    pub when: Conditions,
    pub selfpay_prop: Ratio,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CombinedCapDef {
    pub name: String,
    /// Pool names (see `BenefitDef::pool`).
    pub pools: Vec<String>,
    pub cap: Fen,
}

/// A fund (基金) that pays in the cascade.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerDef {
    /// Short name used in accumulator keys and references, e.g. "hifp", "hifmi", "maf".
    pub id: String,
    pub name: String,
    pub fund_pay_type: String,
    /// The setlinfo column (default derived from fund_pay_type).
    #[serde(default)]
    pub setlinfo_field: Option<String>,
    /// When true, a visit that no benefit of this layer covers is refused.
    #[serde(default)]
    pub required: bool,
    /// Benefit variants; the first whose `when` matches the visit applies.
    #[serde(default)]
    pub benefit: Vec<BenefitDef>,
}

/// What a visit must be for a benefit (or an adjustment, or an override) to apply. Empty lists match everything.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    #[serde(default)]
    pub med_types: Vec<String>,
    #[serde(default)]
    pub hosp_lvs: Vec<String>,
    /// 人员类别 codes or categories (prefix match: "12" = every 退休 code).
    #[serde(default)]
    pub psn_types: Vec<String>,
    /// Any one of these identities, valid on the visit date.
    #[serde(default)]
    pub identities: Vec<String>,
    /// Any diagnosis (or the registered 门慢特 disease) beginning with one of these codes.
    #[serde(default)]
    pub diseases: Vec<String>,
    /// The visit's disease must be a 门慢特 disease the person is registered for.
    #[serde(default)]
    pub registered_disease: bool,
    /// Only at (true) / away from (false) the person's chosen facility (签约/定点).
    #[serde(default)]
    pub chosen_facility: Option<bool>,
    #[serde(default)]
    pub age_min: Option<u32>,
    #[serde(default)]
    pub age_max: Option<u32>,
}

/// What a layer's benefit pays on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BaseKind {
    /// 符合政策范围金额 of the visit.
    #[default]
    InRange,
    /// What is left of the in-range amount after the earlier layers (合规自付).
    PersonalBurden,
    /// The in-range amount beyond the point where another layer's cap is used up (`above_cap_of`).
    AboveCap,
}

/// Whether deductible and bands read the visit alone or the year so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    #[default]
    Visit,
    Year,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenefitDef {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub when: Conditions,
    #[serde(default)]
    pub base: BaseKind,
    /// For `base = "above_cap"`: the id of the earlier layer whose cap this layer continues.
    #[serde(default)]
    pub above_cap_of: Option<String>,
    /// For `personal_burden`: keep the deductible the basic fund did not pay in the base (default true).
    #[serde(default = "yes")]
    pub include_deductible: bool,
    /// Add the visit's 先行自付 amount to the base (default false).
    #[serde(default)]
    pub include_preselfpay: bool,
    #[serde(default)]
    pub scope: Scope,
    /// 起付线 rows; no rows means no deductible.
    #[serde(default)]
    pub deductible: Vec<DeductibleRow>,
    /// 支付比例 rows: a flat ratio or bands; the first row that matches applies.
    #[serde(default)]
    pub ratio: Vec<RatioRow>,
    /// 年度封顶线 on this benefit's pool; none means no cap.
    #[serde(default)]
    pub cap: Option<Fen>,
    /// 年度限额 per disease group (门慢特).
    #[serde(default)]
    pub quota: Vec<QuotaDef>,
    /// Accumulator pool (default "<layer>.<benefit>"); benefits naming the same pool share its cap.
    #[serde(default)]
    pub pool: Option<String>,
    /// Identity and disease adjustments, applied in order when they match.
    #[serde(default)]
    pub adjust: Vec<AdjustDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeductibleRow {
    #[serde(default)]
    pub hosp_lv: Option<String>,
    /// Nth admission of the year; the row with the largest value not above the actual count applies (3 = 3rd and later).
    #[serde(default)]
    pub admission: Option<u32>,
    #[serde(default)]
    pub psn_type: Option<String>,
    pub amount: Fen,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatioRow {
    #[serde(default)]
    pub hosp_lv: Option<String>,
    #[serde(default)]
    pub psn_type: Option<String>,
    #[serde(default)]
    pub chosen_facility: Option<bool>,
    /// A flat ratio.
    #[serde(default)]
    pub ratio: Option<Ratio>,
    /// Or progressive bands (分段累进) over the base, in yuan from 0.
    #[serde(default)]
    pub bands: Option<Vec<BandDef>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandDef {
    pub from: Fen,
    /// Upper end (exclusive); open when absent.
    #[serde(default)]
    pub to: Option<Fen>,
    pub ratio: Ratio,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotaDef {
    pub id: String,
    pub name: String,
    pub diseases: Vec<String>,
    pub amount: Fen,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdjustDef {
    pub name: String,
    #[serde(default)]
    pub when: Conditions,
    /// Replace the deductible.
    #[serde(default)]
    pub deductible: Option<Fen>,
    /// Multiply the deductible (0.5 = 起付线减半).
    #[serde(default)]
    pub deductible_factor: Option<Ratio>,
    /// Replace the cap.
    #[serde(default)]
    pub cap: Option<Fen>,
    /// Remove the cap (取消封顶线).
    #[serde(default)]
    pub no_cap: bool,
    /// Replace every band's ratio with this one.
    #[serde(default)]
    pub ratio: Option<Ratio>,
    /// Add points to every band's ratio (at most 100%).
    #[serde(default)]
    pub ratio_add: Option<Ratio>,
}

/// A date written as a TOML date (`2024-07-01`) or a string (`"2024-07-01"`).
#[derive(Deserialize)]
#[serde(untagged)]
enum DateText {
    Toml(toml::value::Datetime),
    Text(String),
}

impl DateText {
    fn date<E: serde::de::Error>(self) -> Result<NaiveDate, E> {
        let bad = |s: String| E::custom(format!("日期“{s}”格式应为 YYYY-MM-DD (invalid date \"{s}\")"));
        match self {
            DateText::Toml(dt) => match (dt.date, dt.time) {
                (Some(d), None) => NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                    .ok_or_else(|| bad(dt.to_string())),
                _ => Err(bad(dt.to_string())),
            },
            DateText::Text(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| bad(s)),
        }
    }
}

/// Reads a date written as a TOML date or a "YYYY-MM-DD" string (for `deserialize_with` in any pack format).
pub fn de_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    DateText::deserialize(d)?.date()
}

/// [`de_date`] for an optional date.
pub fn de_opt_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    Option::<DateText>::deserialize(d)?.map(DateText::date).transpose()
}
