//! Policy packs: reading, validating and compiling a region's benefit rules (政策包) into what the engine runs.

pub mod check;
pub mod diagnostic;
pub mod model;

use std::path::Path;

use chrono::NaiveDate;

pub use diagnostic::{Diagnostic, FieldPath, PackErrors};
pub use model::{BaseKind, Conditions, PackFile, Payer, Scope};

use crate::catalogue::Catalogue;
use crate::codes::{Dictionaries, default_setlinfo_field, kind};
use crate::money::{Fen, Ratio};

/// A region's compiled, validated policy: what the engine settles with.
#[derive(Debug, Clone)]
pub struct Policy {
    pub admdvs: String,
    pub region_name: String,
    pub version: String,
    pub dict: Dictionaries,
    pub catalogue: Catalogue,
    pub schemes: Vec<Scheme>,
    /// Shapes that are valid but probably not meant (see `check::warnings`), located in the file.
    pub warnings: Vec<Diagnostic>,
}

/// One scheme in one effective period.
#[derive(Debug, Clone)]
pub struct Scheme {
    pub insutype: String,
    pub name: String,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    pub overlimit_paid_by: Payer,
    pub account: Option<model::AccountDef>,
    pub preselfpay_overrides: Vec<model::PreselfpayOverrideDef>,
    pub combined_caps: Vec<CombinedCap>,
    pub layers: Vec<Layer>,
    /// Accumulator names; the engine works on slots indexed into this list.
    pub slots: Vec<String>,
    pub admissions_slot: usize,
    /// 医疗类别 that count as an admission.
    pub inpatient_med_types: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct CombinedCap {
    pub name: String,
    pub paid_slots: Vec<usize>,
    pub cap: Fen,
}

/// The setlinfo column a fund pays into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FundField {
    HifpPay,
    CvlservPay,
    HifesPay,
    HifmiPay,
    HifobPay,
    MafPay,
    HifdmPay,
    OthPay,
}

impl FundField {
    pub fn parse(s: &str) -> Option<FundField> {
        Some(match s {
            "hifp_pay" => FundField::HifpPay,
            "cvlserv_pay" => FundField::CvlservPay,
            "hifes_pay" => FundField::HifesPay,
            "hifmi_pay" => FundField::HifmiPay,
            "hifob_pay" => FundField::HifobPay,
            "maf_pay" => FundField::MafPay,
            "hifdm_pay" => FundField::HifdmPay,
            "oth_pay" => FundField::OthPay,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Layer {
    pub id: String,
    pub name: String,
    pub fund_pay_type: String,
    pub fund_pay_type_name: String,
    pub field: FundField,
    pub required: bool,
    pub benefits: Vec<Benefit>,
}

#[derive(Debug, Clone)]
pub struct Benefit {
    pub id: String,
    pub name: String,
    pub when: Conditions,
    pub base: BaseKind,
    pub above_cap_of: Option<usize>,
    pub include_deductible: bool,
    pub include_preselfpay: bool,
    pub scope: Scope,
    pub deductible: Vec<model::DeductibleRow>,
    pub ratio: Vec<RatioRow>,
    pub cap: Option<Fen>,
    pub quota: Vec<Quota>,
    pub pool: String,
    pub paid_slot: usize,
    /// Year-scoped benefits keep their accumulated base here.
    pub base_slot: Option<usize>,
    pub adjust: Vec<model::AdjustDef>,
}

#[derive(Debug, Clone)]
pub struct RatioRow {
    pub hosp_lv: Option<String>,
    pub psn_type: Option<String>,
    pub chosen_facility: Option<bool>,
    pub bands: Vec<Band>,
}

/// A band of the base from `from` to `to` (exclusive; open when `None`) paid at `ratio`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Band {
    pub from: Fen,
    pub to: Option<Fen>,
    pub ratio: Ratio,
}

#[derive(Debug, Clone)]
pub struct Quota {
    pub id: String,
    pub name: String,
    pub diseases: Vec<String>,
    pub amount: Fen,
    pub slot: usize,
}

impl Policy {
    /// Reads, validates and compiles a pack file.
    pub fn load(path: &Path) -> Result<Policy, PackErrors> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| PackErrors {
            file: file.clone(),
            diagnostics: vec![Diagnostic::new(
                FieldPath::root(),
                format!("无法读取文件：{e}"),
                format!("cannot read file: {e}"),
            )],
        })?;
        Policy::from_toml(&file, &text)
    }

    /// Parses, validates and compiles pack text; `file` names it in errors.
    pub fn from_toml(file: &str, text: &str) -> Result<Policy, PackErrors> {
        let pack: PackFile = toml::from_str(text)
            .map_err(|e| PackErrors { file: file.to_string(), diagnostics: vec![syntax_diagnostic(text, &e)] })?;
        let mut dict = Dictionaries::national();
        for (k, codes) in &pack.dict {
            dict.extend(k, codes);
        }
        let locate = |mut v: Vec<Diagnostic>| {
            for d in &mut v {
                if let Some((l, c)) = diagnostic::locate(text, &d.path) {
                    d.line = Some(l);
                    d.column = Some(c);
                }
            }
            v
        };
        let diagnostics = check::check_pack(&pack, &dict);
        if !diagnostics.is_empty() {
            return Err(PackErrors { file: file.to_string(), diagnostics: locate(diagnostics) });
        }
        let warnings = locate(check::warnings(&pack));
        let mut policy = compile(pack, dict);
        policy.warnings = warnings;
        Ok(policy)
    }

    /// The scheme in force for a 险种 on a date.
    pub fn scheme_for(&self, insutype: &str, date: NaiveDate) -> Option<&Scheme> {
        self.schemes.iter().find(|s| s.insutype == insutype && s.from <= date && s.to.is_none_or(|t| date <= t))
    }
}

/// Turns a TOML/serde error into a located diagnostic with a Chinese explanation of the common cases.
pub fn syntax_diagnostic(text: &str, e: &toml::de::Error) -> Diagnostic {
    let msg = e.message().trim().to_string();
    let mut d = Diagnostic::new(FieldPath::root(), serde_message_zh(&msg), msg);
    if let Some(span) = e.span() {
        let (l, c) = diagnostic::line_col(text, span);
        d.line = Some(l);
        d.column = Some(c);
    }
    d
}

/// The Chinese explanation of a serde/TOML error message (missing or unknown field, unknown variant, wrong type,
/// bad date); messages that are already bilingual (money, ratio) are kept as they are.
pub fn serde_message_zh(msg: &str) -> String {
    if msg.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
        // Our own value errors (money, ratio, dates) are already bilingual.
        return msg.to_string();
    }
    if let Some(f) = between(msg, "missing field `", "`") {
        format!("缺少必填字段“{f}”")
    } else if let Some(f) = between(msg, "unknown field `", "`") {
        let expected = msg
            .split_once("expected")
            .map(|(_, r)| format!("；可用字段：{}", r.trim().trim_start_matches("one of ").replace('`', "")))
            .unwrap_or_default();
        format!("未知字段“{f}”（拼写错误？）{expected}")
    } else if let Some(v) = between(msg, "unknown variant `", "`") {
        let expected = msg
            .split_once("expected")
            .map(|(_, r)| format!("；可选值：{}", r.trim().trim_start_matches("one of ").replace('`', "")))
            .unwrap_or_default();
        format!("取值“{v}”不在可选范围内{expected}")
    } else if msg.contains("invalid type") {
        format!("字段类型不对：{msg}")
    } else if msg.contains("input contains invalid characters") || msg.contains("invalid date") {
        "日期格式应为 YYYY-MM-DD".to_string()
    } else {
        format!("TOML 语法错误：{msg}")
    }
}

fn between<'a>(s: &'a str, a: &str, b: &str) -> Option<&'a str> {
    let start = s.find(a)? + a.len();
    let end = s[start..].find(b)? + start;
    Some(&s[start..end])
}

/// Builds the engine's view of a validated pack.
fn compile(pack: PackFile, dict: Dictionaries) -> Policy {
    let catalogue = Catalogue::from_defs(&pack.catalogue);
    let inpatient: Vec<String> = dict.codes(kind::INPATIENT_MED_TYPE).map(|(c, _)| c.to_string()).collect();
    let schemes = pack.scheme.iter().map(|s| compile_scheme(s, &dict, &inpatient)).collect();
    Policy {
        admdvs: pack.region.admdvs,
        region_name: pack.region.name,
        version: pack.region.version,
        dict,
        catalogue,
        schemes,
        warnings: Vec::new(),
    }
}

fn compile_scheme(s: &model::SchemeDef, dict: &Dictionaries, inpatient: &[String]) -> Scheme {
    let mut slots: Vec<String> = vec!["admissions".to_string()];
    let mut slot = |name: String| -> usize {
        if let Some(i) = slots.iter().position(|s| *s == name) {
            i
        } else {
            slots.push(name);
            slots.len() - 1
        }
    };
    let mut layers = Vec::new();
    for l in &s.layer {
        let field_name =
            l.setlinfo_field.clone().unwrap_or_else(|| default_setlinfo_field(&l.fund_pay_type).to_string());
        let benefits = l
            .benefit
            .iter()
            .map(|b| {
                let pool = b.pool.clone().unwrap_or_else(|| format!("{}.{}", l.id, b.id));
                let paid_slot = slot(format!("{pool}.paid"));
                let base_slot = (b.scope == Scope::Year).then(|| slot(format!("{pool}.base")));
                let quota = b
                    .quota
                    .iter()
                    .map(|q| Quota {
                        id: q.id.clone(),
                        name: q.name.clone(),
                        diseases: q.diseases.clone(),
                        amount: q.amount,
                        slot: slot(format!("{pool}.quota.{}", q.id)),
                    })
                    .collect();
                Benefit {
                    id: b.id.clone(),
                    name: b.name.clone(),
                    when: b.when.clone(),
                    base: b.base,
                    above_cap_of: b.above_cap_of.as_ref().and_then(|of| s.layer.iter().position(|x| &x.id == of)),
                    include_deductible: b.include_deductible,
                    include_preselfpay: b.include_preselfpay,
                    scope: b.scope,
                    deductible: b.deductible.clone(),
                    ratio: b
                        .ratio
                        .iter()
                        .map(|r| RatioRow {
                            hosp_lv: r.hosp_lv.clone(),
                            psn_type: r.psn_type.clone(),
                            chosen_facility: r.chosen_facility,
                            bands: match (&r.ratio, &r.bands) {
                                (Some(x), _) => vec![Band { from: Fen::ZERO, to: None, ratio: *x }],
                                (None, Some(b)) => {
                                    b.iter().map(|b| Band { from: b.from, to: b.to, ratio: b.ratio }).collect()
                                }
                                (None, None) => Vec::new(),
                            },
                        })
                        .collect(),
                    cap: b.cap,
                    quota,
                    pool,
                    paid_slot,
                    base_slot,
                    adjust: b.adjust.clone(),
                }
            })
            .collect();
        layers.push(Layer {
            id: l.id.clone(),
            name: l.name.clone(),
            fund_pay_type: l.fund_pay_type.clone(),
            fund_pay_type_name: dict.label_or_code(kind::FUND_PAY_TYPE, &l.fund_pay_type).to_string(),
            field: FundField::parse(&field_name).unwrap_or(FundField::OthPay),
            required: l.required,
            benefits,
        });
    }
    let combined_caps = s
        .combined_cap
        .iter()
        .map(|c| CombinedCap {
            name: c.name.clone(),
            paid_slots: c.pools.iter().map(|p| slot(format!("{p}.paid"))).collect(),
            cap: c.cap,
        })
        .collect();
    Scheme {
        insutype: s.insutype.clone(),
        name: s.name.clone(),
        from: s.from,
        to: s.to,
        overlimit_paid_by: s.overlimit_paid_by,
        account: s.account.clone(),
        preselfpay_overrides: s.preselfpay_override.clone(),
        combined_caps,
        layers,
        slots,
        admissions_slot: 0,
        inpatient_med_types: inpatient.to_vec(),
    }
}
