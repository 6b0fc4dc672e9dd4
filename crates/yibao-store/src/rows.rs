//! The ledger's records as Rust values: what is written and what is read back.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstitutionRow {
    pub fixmedins_code: String,
    pub fixmedins_name: String,
    pub fixmedins_type: String,
    pub hosp_lv: String,
    pub admdvs: String,
    pub paasid: String,
    pub secret: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuspensionRow {
    pub fixmedins_code: String,
    pub begndate: String,
    pub enddate: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRow {
    pub psn_no: String,
    pub certno: String,
    pub psn_cert_type: String,
    pub psn_name: String,
    pub gend: String,
    pub brdy: String,
    pub naty: String,
    pub hhold_id: Option<String>,
    pub admdvs: String,
    pub chosen_fixmedins_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentRow {
    pub psn_no: String,
    pub insutype: String,
    pub year: i64,
    pub psn_type: String,
    pub psn_insu_stas: String,
    pub cvlserv_flag: String,
    pub emp_name: String,
    pub insu_date: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityRow {
    pub psn_no: String,
    pub code: String,
    pub begndate: String,
    pub enddate: Option<String>,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiseaseRow {
    pub psn_no: String,
    pub code: String,
    pub name: String,
    pub begndate: String,
    pub enddate: Option<String>,
}

/// 就诊 (门诊挂号 or 住院登记).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitRow {
    pub psn_no: String,
    pub mdtrt_id: String,
    pub fixmedins_code: String,
    pub insutype: String,
    pub med_type: String,
    /// "otp" or "ipt".
    pub kind: String,
    pub state: String,
    pub begntime: String,
    pub endtime: Option<String>,
    pub ipt_otp_no: String,
    pub mdtrt_cert_type: String,
    /// JSON array of diagnoses.
    pub diagnoses: String,
    pub opsp_dise_code: Option<String>,
    /// JSON of the input as received.
    pub detail: String,
    /// Bumped by every change to the visit (optimistic concurrency between gateway instances).
    pub version: i64,
}

/// One uploaded fee line with its classification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeLineRow {
    pub psn_no: String,
    pub mdtrt_id: String,
    pub feedetl_sn: String,
    pub chrg_bchno: String,
    pub med_list_codg: String,
    pub medins_list_codg: String,
    pub fee_ocur_time: String,
    pub pric: i64,
    pub cnt: i64,
    pub det_item_fee_sumamt: i64,
    pub hosp_appr_flag: String,
    pub fulamt_ownpay_amt: i64,
    pub overlmt_amt: i64,
    pub preselfpay_amt: i64,
    pub inscp_scp_amt: i64,
    pub selfpay_prop: i64,
    pub chrgitm_lv: String,
    pub state: String,
    pub setl_id: Option<String>,
    pub detail: String,
}

/// A settlement or a reversal (amounts negated), with its per-fund rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementRow {
    pub psn_no: String,
    pub setl_id: String,
    pub mdtrt_id: String,
    pub fixmedins_code: String,
    pub insutype: String,
    pub year: i64,
    pub med_type: String,
    pub kind: String,
    pub reverses: Option<String>,
    pub reversed_by: Option<String>,
    pub setl_time: String,
    pub msgid: String,
    pub policy_version: String,
    pub medfee_sumamt: i64,
    pub fulamt_ownpay_amt: i64,
    pub overlmt_selfpay: i64,
    pub preselfpay_amt: i64,
    pub inscp_scp_amt: i64,
    pub act_pay_dedc: i64,
    pub hifp_pay: i64,
    pub cvlserv_pay: i64,
    pub hifes_pay: i64,
    pub hifmi_pay: i64,
    pub hifob_pay: i64,
    pub maf_pay: i64,
    pub hifdm_pay: i64,
    pub oth_pay: i64,
    pub fund_pay_sumamt: i64,
    pub psn_part_amt: i64,
    pub acct_pay: i64,
    pub psn_cash_pay: i64,
    pub hosp_part_amt: i64,
    pub balc: i64,
    /// JSON {setlinfo, setldetail}.
    pub output: String,
    /// JSON accumulator delta: {"admissions": n, "amounts": {name: fen}} with amounts in fen.
    pub delta: String,
    /// JSON array of the Chinese explanation lines.
    pub explanation: String,
    pub details: Vec<SetlDetailRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetlDetailRow {
    pub fund_pay_type: String,
    pub fund_payamt: i64,
    pub inscp_scp_amt: i64,
    pub crt_payb_lmt_amt: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: String,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub detail: String,
}

/// A processed request as logged under its msgid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    pub infno: String,
    pub digest: String,
    pub response: String,
}
