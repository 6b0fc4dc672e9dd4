//! The national 事前事中 interface (3101 事前提醒, 3102 事中, 3103 反馈) with its field names: `input.data` of a
//! 3101/3102 call read leniently, the `output.result[]` written strictly, and the conversions to and from the
//! neutral [`crate::Encounter`] and [`crate::Finding`].

mod convert;
pub mod lenient;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use yibao_core::{Fen, Price, Qty};

pub use convert::{FsiError, check, encounters, parse_feedback, parse_request, result};

/// `input.data` of 3101/3102.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FsiRequest {
    #[serde(deserialize_with = "lenient::string")]
    pub syscode: String,
    #[serde(deserialize_with = "lenient::string")]
    pub task_id: String,
    /// Only these rules (optional).
    #[serde(deserialize_with = "lenient::codes")]
    pub rule_ids: Vec<String>,
    /// 触发场景; preferred over `rule_ids` when both are given.
    #[serde(deserialize_with = "lenient::scenes")]
    pub trig_scen: Vec<u8>,
    #[serde(deserialize_with = "lenient::one_or_many")]
    pub patient_dtos: Vec<PatientDto>,
}

/// One patient (`patient_dtos[]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PatientDto {
    /// = psn_no.
    #[serde(deserialize_with = "lenient::string")]
    pub patn_id: String,
    #[serde(deserialize_with = "lenient::string")]
    pub patn_name: String,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub gend: Option<String>,
    #[serde(deserialize_with = "lenient::opt_date")]
    pub brdy: Option<NaiveDate>,
    /// 统筹区.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub poolarea: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub curr_mdtrt_id: String,
    /// History the HIS sends along (kept as sent; the gateway supplies history from its ledger).
    pub fsi_his_data_dto: Option<serde_json::Value>,
    #[serde(deserialize_with = "lenient::one_or_many")]
    pub fsi_encounter_dtos: Vec<EncounterDto>,
}

/// One visit (`fsi_encounter_dtos[]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EncounterDto {
    #[serde(deserialize_with = "lenient::string")]
    pub mdtrt_id: String,
    /// 定点医药机构编号.
    #[serde(deserialize_with = "lenient::string")]
    pub medins_id: String,
    #[serde(deserialize_with = "lenient::string")]
    pub medins_name: String,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub medins_admdvs: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub medins_type: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub medins_lv: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub wardarea_codg: String,
    #[serde(deserialize_with = "lenient::string")]
    pub wardno: String,
    #[serde(deserialize_with = "lenient::string")]
    pub bedno: String,
    #[serde(deserialize_with = "lenient::opt_date")]
    pub adm_date: Option<NaiveDate>,
    #[serde(deserialize_with = "lenient::opt_date")]
    pub dscg_date: Option<NaiveDate>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub dscg_main_dise_codg: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub dscg_main_dise_name: String,
    #[serde(deserialize_with = "lenient::string")]
    pub dr_codg: String,
    #[serde(deserialize_with = "lenient::string")]
    pub adm_dept_codg: String,
    #[serde(deserialize_with = "lenient::string")]
    pub adm_dept_name: String,
    #[serde(deserialize_with = "lenient::string")]
    pub dscg_dept_codg: String,
    #[serde(deserialize_with = "lenient::string")]
    pub dscg_dept_name: String,
    #[serde(deserialize_with = "lenient::string")]
    pub med_mdtrt_type: String,
    #[serde(deserialize_with = "lenient::string")]
    pub med_type: String,
    #[serde(deserialize_with = "lenient::string")]
    pub matn_stas: String,
    #[serde(deserialize_with = "lenient::opt_fixed")]
    pub medfee_sumamt: Option<Fen>,
    #[serde(deserialize_with = "lenient::opt_fixed")]
    pub ownpay_amt: Option<Fen>,
    #[serde(deserialize_with = "lenient::opt_fixed")]
    pub selfpay_amt: Option<Fen>,
    #[serde(deserialize_with = "lenient::opt_fixed")]
    pub acct_payamt: Option<Fen>,
    #[serde(deserialize_with = "lenient::opt_fixed")]
    pub ma_amt: Option<Fen>,
    #[serde(deserialize_with = "lenient::opt_fixed")]
    pub hifp_payamt: Option<Fen>,
    #[serde(deserialize_with = "lenient::string")]
    pub setl_totlnum: String,
    #[serde(deserialize_with = "lenient::string")]
    pub insutype: String,
    #[serde(deserialize_with = "lenient::string")]
    pub reim_flag: String,
    /// 异地结算标志.
    #[serde(deserialize_with = "lenient::string")]
    pub out_setl_flag: String,
    /// Yibao extension: 急诊标志 (1 = emergency), as 2204 `exp_content.er_flag`.
    #[serde(deserialize_with = "lenient::string")]
    pub er_flag: String,
    /// Yibao extension: the 门慢门特 disease the visit settles for.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub opsp_dise_codg: Option<String>,
    #[serde(deserialize_with = "lenient::one_or_many")]
    pub fsi_diagnose_dtos: Vec<DiagnoseDto>,
    #[serde(deserialize_with = "lenient::one_or_many")]
    pub fsi_order_dtos: Vec<OrderDto>,
    #[serde(deserialize_with = "lenient::one_or_many")]
    pub fsi_operation_dtos: Vec<OperationDto>,
}

/// One diagnosis (`fsi_diagnose_dtos[]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DiagnoseDto {
    #[serde(deserialize_with = "lenient::string")]
    pub dise_id: String,
    #[serde(deserialize_with = "lenient::string")]
    pub inout_dise_type: String,
    /// 1 = main diagnosis.
    #[serde(deserialize_with = "lenient::string")]
    pub maindise_flag: String,
    #[serde(deserialize_with = "lenient::string")]
    pub dias_srt_no: String,
    #[serde(deserialize_with = "lenient::string")]
    pub dise_codg: String,
    #[serde(deserialize_with = "lenient::string")]
    pub dise_name: String,
    #[serde(deserialize_with = "lenient::opt_date")]
    pub dise_date: Option<NaiveDate>,
}

/// One order or prescription line (`fsi_order_dtos[]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OrderDto {
    #[serde(deserialize_with = "lenient::string")]
    pub rx_id: String,
    #[serde(deserialize_with = "lenient::string")]
    pub rxno: String,
    #[serde(deserialize_with = "lenient::string")]
    pub grpno: String,
    #[serde(deserialize_with = "lenient::string")]
    pub long_drord_flag: String,
    #[serde(deserialize_with = "lenient::string")]
    pub hilist_type: String,
    /// 收费类别 (the med_chrgitm_type codes).
    #[serde(deserialize_with = "lenient::opt_string")]
    pub chrg_type: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub drord_bhvr: String,
    #[serde(deserialize_with = "lenient::string")]
    pub hilist_code: String,
    #[serde(deserialize_with = "lenient::string")]
    pub hilist_name: String,
    #[serde(deserialize_with = "lenient::string")]
    pub hilist_dosform: String,
    #[serde(deserialize_with = "lenient::string")]
    pub hilist_lv: String,
    #[serde(deserialize_with = "lenient::opt_fixed")]
    pub hilist_pric: Option<Price>,
    #[serde(deserialize_with = "lenient::opt_fixed")]
    pub lv1_hosp_item_pric: Option<Price>,
    #[serde(deserialize_with = "lenient::opt_fixed")]
    pub lv2_hosp_item_pric: Option<Price>,
    #[serde(deserialize_with = "lenient::opt_fixed")]
    pub lv3_hosp_item_pric: Option<Price>,
    #[serde(deserialize_with = "lenient::string")]
    pub hilist_memo: String,
    #[serde(deserialize_with = "lenient::string")]
    pub hosplist_code: String,
    #[serde(deserialize_with = "lenient::string")]
    pub hosplist_name: String,
    #[serde(deserialize_with = "lenient::string")]
    pub hosplist_dosform: String,
    #[serde(deserialize_with = "lenient::opt_fixed")]
    pub cnt: Option<Qty>,
    #[serde(deserialize_with = "lenient::opt_fixed")]
    pub pric: Option<Price>,
    #[serde(deserialize_with = "lenient::opt_fixed")]
    pub sumamt: Option<Fen>,
    #[serde(deserialize_with = "lenient::opt_fixed")]
    pub ownpay_amt: Option<Fen>,
    #[serde(deserialize_with = "lenient::opt_fixed")]
    pub selfpay_amt: Option<Fen>,
    #[serde(deserialize_with = "lenient::string")]
    pub spec: String,
    #[serde(deserialize_with = "lenient::string")]
    pub spec_unt: String,
    #[serde(deserialize_with = "lenient::opt_date")]
    pub drord_begn_date: Option<NaiveDate>,
    #[serde(deserialize_with = "lenient::opt_date")]
    pub drord_stop_date: Option<NaiveDate>,
    #[serde(deserialize_with = "lenient::string")]
    pub drord_dept_codg: String,
    #[serde(deserialize_with = "lenient::string")]
    pub drord_dept_name: String,
    #[serde(deserialize_with = "lenient::string")]
    pub drord_dr_codg: String,
    #[serde(deserialize_with = "lenient::string")]
    pub drord_dr_name: String,
    #[serde(deserialize_with = "lenient::string")]
    pub drord_dr_profttl: String,
    /// 1 = an order of this call (本次).
    #[serde(deserialize_with = "lenient::string")]
    pub curr_drord_flag: String,
    /// Yibao extension: 医疗收费项目类别 when the HIS sends it (else `chrg_type` is used).
    #[serde(deserialize_with = "lenient::opt_string")]
    pub med_chrgitm_type: Option<String>,
    /// Yibao extension: a documented modifier (单独收费说明) that lets a bypassable item pair pass.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub modifier: Option<String>,
}

/// One operation (`fsi_operation_dtos[]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OperationDto {
    #[serde(deserialize_with = "lenient::string")]
    pub setl_list_oprn_id: String,
    #[serde(deserialize_with = "lenient::string")]
    pub oprn_code: String,
    #[serde(deserialize_with = "lenient::string")]
    pub oprn_name: String,
    #[serde(deserialize_with = "lenient::string")]
    pub main_oprn_flag: String,
    #[serde(deserialize_with = "lenient::opt_date")]
    pub oprn_date: Option<NaiveDate>,
    #[serde(deserialize_with = "lenient::string")]
    pub anst_way: String,
    #[serde(deserialize_with = "lenient::string")]
    pub oper_dr_name: String,
    #[serde(deserialize_with = "lenient::string")]
    pub oper_dr_code: String,
    #[serde(deserialize_with = "lenient::string")]
    pub anst_dr_name: String,
    #[serde(deserialize_with = "lenient::string")]
    pub anst_dr_code: String,
}

/// `output` of 3101/3102: one `result[]` entry per violation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FsiOutput {
    pub result: Vec<JudgeResult>,
}

/// One violation (`result[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgeResult {
    pub jr_id: String,
    pub rule_id: String,
    pub rule_name: String,
    /// 违规内容 (the evidence text).
    pub vola_cont: String,
    pub patn_id: String,
    pub mdtrt_id: String,
    pub vola_amt: Fen,
    /// 违规金额计算状态 (dictionary `vola_amt_stas`).
    pub vola_amt_stas: String,
    /// 严重程度 (dictionary `sev_deg`).
    pub sev_deg: String,
    /// 违规依据.
    pub vola_evid: String,
    /// 违规行为分类 (dictionary `vola_bhvr_type`).
    pub vola_bhvr_type: String,
    pub task_id: String,
    pub judge_result_detail_dtos: Vec<JudgeDetail>,
}

/// One line of a violation (`judge_result_detail_dtos[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgeDetail {
    pub jrd_id: String,
    pub patn_id: String,
    pub mdtrt_id: String,
    pub rx_id: String,
    /// 1 违规项, 2 涉及项.
    pub vola_item_type: String,
    pub vola_amt: Fen,
}

/// `input.data` of 3103 事前事中服务反馈: what the clinician did with each warning.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct FeedbackRequest {
    /// 反馈类型.
    #[serde(deserialize_with = "lenient::string")]
    pub warn_type: String,
    #[serde(deserialize_with = "lenient::one_or_many")]
    pub warns: Vec<Warn>,
}

/// One warning's disposition.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Warn {
    /// The `jr_id` answered.
    #[serde(deserialize_with = "lenient::string")]
    pub warn_rslt_id: String,
    /// 处理方式 (regional dictionary).
    #[serde(deserialize_with = "lenient::string")]
    pub dspo_way: String,
    /// 处理原因.
    #[serde(deserialize_with = "lenient::string")]
    pub dspo_way_rea: String,
}
