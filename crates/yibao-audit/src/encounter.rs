//! The neutral input every 事前/事中 rule reads: a person, one visit with its fee lines, and recent dispensing.
//!
//! It borrows its text from whoever built it (a 3101 request, the gateway's ledger rows, a batch shard), so building
//! one costs no copies. The gateway fills it for 2206/2207/2304 checks; [`crate::fsi`] fills it from a 3101 request.

use chrono::NaiveDate;
use yibao_core::{Fen, Price, Qty};

/// The insured person as the rules need them.
#[derive(Debug, Clone, Default)]
pub struct Person<'a> {
    /// 人员编号 (`psn_no`, 3101 `patn_id`).
    pub psn_no: &'a str,
    /// 性别 code (`gend`: 1 男, 2 女); `None` when unknown (sex rules then pass).
    pub gend: Option<&'a str>,
    /// 出生日期; `None` when unknown (age rules then pass).
    pub brdy: Option<NaiveDate>,
    /// 死亡日期, from the civil-affairs exchange.
    pub death_date: Option<NaiveDate>,
    /// 门慢门特备案. `None` when the caller does not know them: the chronic-drug rule is then not run, rather than
    /// flag every drug of a person whose registrations were not looked up.
    pub diseases: Option<Vec<RegisteredDisease<'a>>>,
}

/// One 门慢门特 registration (2503 备案): the disease and its validity period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegisteredDisease<'a> {
    /// 病种编码 (`opsp_dise_code`), in the coding the knowledge rows use.
    pub code: &'a str,
    pub begin: NaiveDate,
    pub end: Option<NaiveDate>,
}

impl RegisteredDisease<'_> {
    pub fn valid_on(&self, d: NaiveDate) -> bool {
        self.begin <= d && self.end.is_none_or(|e| d <= e)
    }
}

/// One visit (就诊): an outpatient visit, an inpatient stay or a pharmacy purchase.
#[derive(Debug, Clone, Default)]
pub struct Visit<'a> {
    /// 就诊ID (`mdtrt_id`).
    pub mdtrt_id: &'a str,
    /// 统筹区 whose rule switches apply (the institution's region); `None` = the pack's own region.
    pub admdvs: Option<&'a str>,
    /// 定点医药机构编号.
    pub fixmedins_code: &'a str,
    /// 医院等级 (`hosp_lv` code: 1 一级, 2 二级, 3 三级, 0 未定级).
    pub medins_lv: Option<&'a str>,
    /// 定点医药机构类型 (`medins_type` code).
    pub medins_type: Option<&'a str>,
    /// 医疗类别 (`med_type`).
    pub med_type: &'a str,
    /// 险种 (`insutype`).
    pub insutype: &'a str,
    /// Visit day or admission day.
    pub begin: NaiveDate,
    /// Discharge day; `None` while the stay is still open.
    pub end: Option<NaiveDate>,
    /// 急诊 (the 2204 `exp_content.er_flag`).
    pub emergency: bool,
    /// Diagnosis codes (ICD-10 医保版), main diagnosis first.
    pub diagnoses: Vec<&'a str>,
    /// The 门慢门特 disease this visit settles for (2203 `dise_codg` on a med_type 14 visit).
    pub opsp_dise_code: Option<&'a str>,
}

/// One fee line (费用明细 / 医嘱).
#[derive(Debug, Clone, Copy, Default)]
pub struct Line<'a> {
    /// 明细流水号 (`feedetl_sn`, 3101 `rx_id`).
    pub id: &'a str,
    /// 医保目录编码 (`med_list_codg`, 3101 `hilist_code`).
    pub code: &'a str,
    pub name: &'a str,
    /// 医疗收费项目类别 (`med_chrgitm_type`: 01 床位费 … 09 西药费 …).
    pub class: Option<&'a str>,
    pub price: Price,
    pub qty: Qty,
    /// 明细项目费用总额.
    pub amount: Fen,
    /// The part the hospital declared fully self-paid (自费协议, 丙类 signed off by the patient).
    pub ownpay: Fen,
    /// 费用发生日期.
    pub date: NaiveDate,
    /// A documented modifier (单独收费说明) that lets a bypassable pair of items pass.
    pub modifier: Option<&'a str>,
}

impl Line<'_> {
    /// The amount claimed for fund payment: everything not declared self-paid.
    pub fn claimed(&self) -> Fen {
        (self.amount - self.ownpay).max0()
    }
}

/// One earlier dispensing of a drug to the same person (for 重复开药), from the ledger.
#[derive(Debug, Clone, Copy)]
pub struct PastDispense<'a> {
    pub mdtrt_id: &'a str,
    pub fixmedins_code: &'a str,
    pub date: NaiveDate,
    pub code: &'a str,
    pub qty: Qty,
}

/// Everything one check looks at.
#[derive(Debug, Clone, Default)]
pub struct Encounter<'a> {
    pub person: Person<'a>,
    pub visit: Visit<'a>,
    pub lines: Vec<Line<'a>>,
    /// The person's recent dispensing before this visit (e.g. the last 90 days); empty when unknown.
    pub history: Vec<PastDispense<'a>>,
}
