//! 3101/3102 input → [`Encounter`]s, [`Finding`]s → `output.result[]`, and the whole check in one call.

use chrono::NaiveDate;
use serde::Deserialize;
use yibao_core::money::line_amount;
use yibao_core::{Fen, Price, Qty};

use super::{FeedbackRequest, FsiOutput, FsiRequest, JudgeDetail, JudgeResult};
use crate::encounter::{Encounter, Line, Person, Visit};
use crate::finding::Finding;
use crate::rules::RulePack;
use crate::screen::{Selection, evaluate_selected};

/// Why a 3101/3102/3103 input could not be read; the message names the field, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FsiError {
    #[error("输入不是有效的 3101/3102 报文：{0}")]
    Json(String),
    #[error("{path}：{reason}")]
    Field { path: String, reason: String },
    #[error("未给出触发场景 trig_scen，也未给出 rule_ids")]
    NoScene,
}

fn field(path: String, reason: &str) -> FsiError {
    FsiError::Field { path, reason: reason.to_string() }
}

/// The `data` node of an `input` (or the node itself; Hainan wraps it in `trigScen`).
fn data_node(input: &serde_json::Value) -> &serde_json::Value {
    input.get("data").or_else(|| input.get("trigScen")).filter(|v| v.is_object()).unwrap_or(input)
}

/// Reads a 3101/3102 `input` (or its `data`), leniently.
pub fn parse_request(input: &serde_json::Value) -> Result<FsiRequest, FsiError> {
    FsiRequest::deserialize(data_node(input)).map_err(|e| FsiError::Json(e.to_string()))
}

/// Reads a 3103 `input` (or its `data`).
pub fn parse_feedback(input: &serde_json::Value) -> Result<FeedbackRequest, FsiError> {
    FeedbackRequest::deserialize(data_node(input)).map_err(|e| FsiError::Json(e.to_string()))
}

/// One [`Encounter`] per `fsi_encounter_dtos[]` entry, borrowing from the request. Death dates, 门慢门特
/// registrations and dispensing history are not in the message: the caller adds them from its ledger.
pub fn encounters(req: &FsiRequest) -> Result<Vec<Encounter<'_>>, FsiError> {
    let mut out = Vec::new();
    for (pi, p) in req.patient_dtos.iter().enumerate() {
        let pp = format!("patient_dtos[{pi}]");
        if p.patn_id.is_empty() {
            return Err(field(format!("{pp}.patn_id"), "缺少人员编号"));
        }
        for (ei, e) in p.fsi_encounter_dtos.iter().enumerate() {
            let ep = format!("{pp}.fsi_encounter_dtos[{ei}]");
            let need = |v: &str, name: &str, what: &str| {
                if v.is_empty() { Err(field(format!("{ep}.{name}"), what)) } else { Ok(()) }
            };
            need(&e.mdtrt_id, "mdtrt_id", "缺少就诊ID")?;
            need(&e.med_type, "med_type", "缺少医疗类别")?;
            need(&e.insutype, "insutype", "缺少险种类型")?;
            let begin = e.adm_date.ok_or_else(|| field(format!("{ep}.adm_date"), "缺少入院（就诊）日期"))?;
            let mut dx: Vec<(&str, bool, &str)> = e
                .fsi_diagnose_dtos
                .iter()
                .filter(|d| !d.dise_codg.is_empty())
                .map(|d| (d.dise_codg.as_str(), d.maindise_flag == "1", d.dias_srt_no.as_str()))
                .collect();
            dx.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.2.parse::<u32>().ok().cmp(&b.2.parse::<u32>().ok())));
            let mut diagnoses: Vec<&str> = Vec::with_capacity(dx.len() + 1);
            if let Some(m) = e.dscg_main_dise_codg.as_deref()
                && !dx.iter().any(|d| d.1)
            {
                diagnoses.push(m);
            }
            for (code, _, _) in &dx {
                if !diagnoses.contains(code) {
                    diagnoses.push(code);
                }
            }
            let mut lines = Vec::with_capacity(e.fsi_order_dtos.len());
            for (oi, o) in e.fsi_order_dtos.iter().enumerate() {
                if o.hilist_code.is_empty() {
                    return Err(field(format!("{ep}.fsi_order_dtos[{oi}].hilist_code"), "缺少医保目录编码"));
                }
                let qty = o.cnt.unwrap_or(Qty(Qty::ONE));
                let price = o.pric.or(o.hilist_pric).unwrap_or(Price(0));
                lines.push(Line {
                    id: &o.rx_id,
                    code: &o.hilist_code,
                    name: if o.hilist_name.is_empty() { &o.hosplist_name } else { &o.hilist_name },
                    class: o.med_chrgitm_type.as_deref().or(o.chrg_type.as_deref()),
                    price,
                    qty,
                    amount: o.sumamt.unwrap_or_else(|| line_amount(price, qty)),
                    ownpay: o.ownpay_amt.unwrap_or(Fen::ZERO),
                    date: o.drord_begn_date.unwrap_or(begin),
                    modifier: o.modifier.as_deref(),
                });
            }
            out.push(Encounter {
                person: Person {
                    psn_no: &p.patn_id,
                    gend: p.gend.as_deref(),
                    brdy: p.brdy,
                    death_date: None,
                    diseases: None,
                },
                visit: Visit {
                    mdtrt_id: &e.mdtrt_id,
                    admdvs: e.medins_admdvs.as_deref().or(p.poolarea.as_deref()),
                    fixmedins_code: &e.medins_id,
                    medins_lv: e.medins_lv.as_deref(),
                    medins_type: e.medins_type.as_deref(),
                    med_type: &e.med_type,
                    insutype: &e.insutype,
                    begin,
                    end: e.dscg_date,
                    emergency: e.er_flag == "1",
                    diagnoses,
                    opsp_dise_code: e.opsp_dise_codg.as_deref(),
                },
                lines,
                history: Vec::new(),
            });
        }
    }
    Ok(out)
}

/// `output.result[]` for the findings of one call, with result and detail IDs derived from `task_id`.
pub fn result(task_id: &str, findings: &[Finding]) -> FsiOutput {
    let prefix = if task_id.is_empty() { "JR" } else { task_id };
    let result = findings
        .iter()
        .enumerate()
        .map(|(n, f)| {
            let jr_id = format!("{prefix}-{:04}", n + 1);
            JudgeResult {
                judge_result_detail_dtos: f
                    .lines
                    .iter()
                    .enumerate()
                    .map(|(k, l)| JudgeDetail {
                        jrd_id: format!("{jr_id}-{}", k + 1),
                        patn_id: f.psn_no.clone(),
                        mdtrt_id: f.mdtrt_id.clone(),
                        rx_id: l.line_id.clone(),
                        vola_item_type: l.role.code().to_string(),
                        vola_amt: l.amount,
                    })
                    .collect(),
                jr_id,
                rule_id: f.rule.id.clone(),
                rule_name: f.rule.name.clone(),
                vola_cont: f.text.clone(),
                patn_id: f.psn_no.clone(),
                mdtrt_id: f.mdtrt_id.clone(),
                vola_amt: f.amount,
                vola_amt_stas: "1".to_string(),
                sev_deg: f.rule.sev_deg.clone(),
                vola_evid: f.rule.basis.clone(),
                vola_bhvr_type: f.rule.vola_bhvr_type.clone(),
                task_id: task_id.to_string(),
            }
        })
        .collect();
    FsiOutput { result }
}

/// A whole 3101/3102 call without ledger enrichment: every encounter of the request screened with the rules in force
/// on `date` for the request's scenes (or, without scenes, its `rule_ids`).
pub fn check(pack: &RulePack, req: &FsiRequest, date: NaiveDate) -> Result<FsiOutput, FsiError> {
    if req.trig_scen.is_empty() && req.rule_ids.is_empty() {
        return Err(FsiError::NoScene);
    }
    let ids: Vec<&str> =
        if req.trig_scen.is_empty() { req.rule_ids.iter().map(String::as_str).collect() } else { Vec::new() };
    let sel = Selection { date, trig_scen: (!req.trig_scen.is_empty()).then_some(&req.trig_scen[..]), rule_ids: &ids };
    let mut findings = Vec::new();
    for enc in encounters(req)? {
        findings.extend(evaluate_selected(pack, &enc, &sel));
    }
    Ok(result(&req.task_id, &findings))
}
