//! What the engine settles: the person, this year's accumulators, and the visit with its fee lines (see docs/settle-request.md).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer};

use crate::money::{Fen, Price, Qty};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettleRequest {
    pub person: Person,
    #[serde(default)]
    pub accumulators: Accumulators,
    pub visit: Visit,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// 人员编号.
    pub psn_no: String,
    #[serde(default)]
    pub psn_name: String,
    /// 证件号码 (居民身份证).
    #[serde(default)]
    pub certno: String,
    #[serde(default = "default_cert_type")]
    pub psn_cert_type: String,
    /// 性别 1 男 / 2 女.
    pub gend: String,
    #[serde(default)]
    pub naty: String,
    /// 出生日期.
    #[serde(deserialize_with = "de_date")]
    pub brdy: NaiveDate,
    /// The 险种 to settle against.
    pub insutype: String,
    /// 人员类别.
    pub psn_type: String,
    /// 公务员标志.
    #[serde(default = "zero_flag")]
    pub cvlserv_flag: String,
    /// Yearly enrollments (参保); the visit's year must be among them with status 1 (正常参保).
    pub enrollments: Vec<Enrollment>,
    /// 人员身份 (医疗救助 identities etc.), with optional validity dates.
    #[serde(default)]
    pub identities: Vec<Identity>,
    /// Registered 门慢特 diseases (their codes).
    #[serde(default)]
    pub registered_diseases: Vec<String>,
    /// 个人账户余额 before this settlement.
    #[serde(default)]
    pub account_balance: Fen,
    /// The person's chosen (签约) facility, if any.
    #[serde(default)]
    pub chosen_fixmedins_code: Option<String>,
}

fn default_cert_type() -> String {
    "01".to_string()
}
fn zero_flag() -> String {
    "0".to_string()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enrollment {
    pub insutype: String,
    pub year: i32,
    /// 参保状态: "1" 正常参保; anything else (e.g. "4" 暂停) does not cover.
    #[serde(default = "active")]
    pub psn_insu_stas: String,
}

fn active() -> String {
    "1".to_string()
}

/// An identity code, written either as "12" or as `{"code": "12", "begndate": "2024-01-01", "enddate": null}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub code: String,
    pub begndate: Option<NaiveDate>,
    pub enddate: Option<NaiveDate>,
}

impl Identity {
    pub fn valid_on(&self, d: NaiveDate) -> bool {
        self.begndate.is_none_or(|b| b <= d) && self.enddate.is_none_or(|e| d <= e)
    }
}

impl<'de> Deserialize<'de> for Identity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Code(String),
            Full {
                code: String,
                #[serde(default, deserialize_with = "de_opt_date")]
                begndate: Option<NaiveDate>,
                #[serde(default, deserialize_with = "de_opt_date")]
                enddate: Option<NaiveDate>,
            },
        }
        Ok(match Raw::deserialize(d)? {
            Raw::Code(code) => Identity { code, begndate: None, enddate: None },
            Raw::Full { code, begndate, enddate } => Identity { code, begndate, enddate },
        })
    }
}

/// The person's totals for the year so far (from the ledger), by accumulator name.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Accumulators {
    /// The year these totals are for; when given it must be the visit's year.
    #[serde(default)]
    pub year: Option<i32>,
    /// Admissions already settled this year.
    #[serde(default)]
    pub admissions: i64,
    /// Money totals by name, e.g. "hifp.inpatient.paid".
    #[serde(default)]
    pub amounts: BTreeMap<String, Fen>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Visit {
    /// 就诊ID.
    #[serde(default)]
    pub mdtrt_id: String,
    /// 定点医药机构编号.
    #[serde(default)]
    pub fixmedins_code: String,
    #[serde(default)]
    pub fixmedins_name: String,
    /// 医院等级 (the benefit tier of the institution).
    pub hosp_lv: String,
    /// 医疗类别.
    pub med_type: String,
    /// 开始时间 (admission or visit).
    #[serde(deserialize_with = "de_date")]
    pub begntime: NaiveDate,
    /// 结束时间 (discharge); the policy and the accumulator year follow this date when present.
    #[serde(default, deserialize_with = "de_opt_date")]
    pub endtime: Option<NaiveDate>,
    #[serde(default)]
    pub diagnoses: Vec<Diagnosis>,
    /// 门慢特病种 code the visit is for (2203 dise_codg).
    #[serde(default)]
    pub opsp_dise_code: Option<String>,
    /// 个人账户使用标志 "0"/"1".
    #[serde(default = "zero_flag")]
    pub acct_used_flag: String,
    /// 医疗费总额 as the hospital states it; must equal the sum of the lines when given.
    #[serde(default)]
    pub medfee_sumamt: Option<Fen>,
    pub fee_lines: Vec<FeeLine>,
}

impl Visit {
    /// The date that selects the policy period and the accumulator year.
    pub fn settle_date(&self) -> NaiveDate {
        self.endtime.unwrap_or(self.begntime)
    }
    pub fn year(&self) -> i32 {
        self.settle_date().year()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Diagnosis {
    pub diag_code: String,
    #[serde(default)]
    pub diag_name: String,
}

/// One 费用明细 line as 2204/2301 upload it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeLine {
    pub feedetl_sn: String,
    /// 医疗目录编码 (national code).
    pub med_list_codg: String,
    #[serde(default)]
    pub medins_list_codg: String,
    /// Item name as the hospital knows it (for the explanation when the code is not in the catalogue).
    #[serde(default)]
    pub name: String,
    pub pric: Price,
    pub cnt: Qty,
    pub det_item_fee_sumamt: Fen,
    /// 医院审批标志: "1" approved use of a restricted item.
    #[serde(default)]
    pub hosp_appr_flag: String,
}

/// Reads "2024-05-01", "2024-05-01 10:00:00" or "2024-05-01T10:00:00" as a date.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let d = s.trim().get(..10)?;
    NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()
}

fn de_date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let s = String::deserialize(d)?;
    parse_date(&s)
        .ok_or_else(|| serde::de::Error::custom(format!("日期“{s}”格式应为 YYYY-MM-DD (invalid date \"{s}\")")))
}

fn de_opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    match s {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => parse_date(&s)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("日期“{s}”格式应为 YYYY-MM-DD (invalid date \"{s}\")"))),
    }
}
