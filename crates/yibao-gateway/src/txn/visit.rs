//! Visits: 2201/2202 门诊挂号 and its cancellation, 2203 门诊就诊信息, 2401–2405 入院、出院、变更与撤销.

use chrono::{Datelike, NaiveDate};
use serde_json::{Value, json};

use super::{Call, data};
use crate::Outcome;
use crate::envelope::{GwError, GwResult, Obj};
use crate::state::{Effect, VisitCtx};
use yibao_core::codes::kind;
use yibao_store::{Op, VisitRow};

/// Refuses unless the person exists and is enrolled (status 1) in the scheme for the year of `date`.
async fn check_enrolled(c: &Call<'_>, psn_no: &str, insutype: &str, date: NaiveDate) -> GwResult<()> {
    if !c.person(psn_no).await?.enrolled(insutype, date) {
        return Err(GwError::new(format!(
            "人员 {psn_no} 在 {} 年度未正常参加险种 {insutype}，不能享受医保待遇",
            date.year()
        )));
    }
    Ok(())
}

/// Reads `diseinfo[]` into the stored diagnoses JSON.
fn diagnoses(c: &Call<'_>) -> GwResult<String> {
    let list = match c.env.input.get("diseinfo") {
        None | Some(Value::Null) => Vec::new(),
        Some(_) => c.nodes("diseinfo")?,
    };
    let mut out = Vec::with_capacity(list.len());
    for d in list {
        out.push(json!({
            "diag_type": d.opt_str("diag_type", 3)?,
            "diag_srt_no": d.opt_str("diag_srt_no", 2)?,
            "diag_code": d.str("diag_code", 20)?,
            "diag_name": d.opt_str("diag_name", 100)?,
            "maindiag_flag": d.opt_str("maindiag_flag", 1)?,
        }));
    }
    Ok(Value::Array(out).to_string())
}

/// A 医疗类别 that must fit the visit's kind: inpatient codes only for admissions, the others only for outpatient visits.
fn med_type(c: &Call<'_>, o: &Obj<'_>, inpatient: bool) -> GwResult<String> {
    let m = o.code("med_type", 6, "医疗类别", |v| c.known(kind::MED_TYPE, v))?;
    if c.known(kind::INPATIENT_MED_TYPE, &m) != inpatient {
        let what = if inpatient {
            "住院就诊须使用住院类医疗类别（如 21 普通住院）"
        } else {
            "门诊就诊不能使用住院类医疗类别"
        };
        return Err(GwError::new(format!("字段 {}.med_type“{m}”：{what}", o.node)));
    }
    Ok(m)
}

pub async fn register(c: &Call<'_>) -> GwResult<Outcome> {
    let d = c.node("data")?;
    let psn_no = d.str("psn_no", 30)?;
    let insutype = d.code("insutype", 6, "险种", |v| c.known(kind::INSUTYPE, v))?;
    let begntime = d.str("begntime", 19)?;
    let date = d.date("begntime")?;
    let cert_type = d.code("mdtrt_cert_type", 3, "就诊凭证类型", |v| c.known(kind::MDTRT_CERT_TYPE, v))?;
    d.str("mdtrt_cert_no", 600)?;
    let ipt_otp_no = d.str("ipt_otp_no", 30)?;
    for f in ["atddr_no", "dr_name", "dept_code", "dept_name", "caty"] {
        d.str(f, 50)?;
    }
    check_enrolled(c, &psn_no, &insutype, date).await?;
    c.check_agreement(&date.to_string())?;
    let mdtrt_id = c.gw.ids.id('M');
    let visit = VisitRow {
        psn_no: psn_no.clone(),
        mdtrt_id: mdtrt_id.clone(),
        fixmedins_code: c.inst.fixmedins_code.clone(),
        insutype,
        med_type: "11".to_string(),
        kind: "otp".to_string(),
        state: "registered".to_string(),
        begntime,
        endtime: None,
        ipt_otp_no: ipt_otp_no.clone(),
        mdtrt_cert_type: cert_type,
        diagnoses: "[]".to_string(),
        opsp_dise_code: None,
        detail: c.env.input.to_string(),
        version: 1,
    };
    Ok(new_visit(visit, data(json!({ "mdtrt_id": mdtrt_id, "psn_no": psn_no, "ipt_otp_no": ipt_otp_no }))))
}

pub async fn cancel_registration(c: &Call<'_>) -> GwResult<Outcome> {
    let d = c.node("data")?;
    let psn_no = d.str("psn_no", 30)?;
    let mdtrt_id = d.str("mdtrt_id", 30)?;
    d.str("ipt_otp_no", 30)?;
    let x = c.visit(&psn_no, &mdtrt_id).await?;
    let v = &x.row;
    if v.kind != "otp" {
        return Err(GwError::new(format!("就诊 {mdtrt_id} 是住院就诊，请使用 2404 入院撤销")));
    }
    if v.state != "registered" {
        return Err(GwError::new(format!(
            "就诊 {mdtrt_id} 当前状态为“{}”，已结算的挂号须先撤销结算",
            state_zh(&v.state)
        )));
    }
    Ok(visit_change(
        vec![
            Op::CancelFeeLines { psn_no: psn_no.clone(), mdtrt_id: mdtrt_id.clone(), feedetl_sn: Vec::new() },
            Op::VisitState {
                psn_no: psn_no.clone(),
                mdtrt_id: mdtrt_id.clone(),
                from: v.state.clone(),
                to: "cancelled".into(),
                endtime: None,
            },
        ],
        v,
        None,
    ))
}

pub async fn outpatient_info(c: &Call<'_>) -> GwResult<Outcome> {
    let m = c.node("mdtrtinfo")?;
    let psn_no = m.str("psn_no", 30)?;
    let mdtrt_id = m.str("mdtrt_id", 30)?;
    let med_type = med_type(c, &m, false)?;
    m.date("begntime")?;
    let dise = m.opt_str("dise_codg", 30)?;
    let diag = diagnoses(c)?;
    let x = c.visit(&psn_no, &mdtrt_id).await?;
    let v = &x.row;
    if v.kind != "otp" {
        return Err(GwError::new(format!("就诊 {mdtrt_id} 是住院就诊，请使用 2403 入院信息变更")));
    }
    if v.state != "registered" {
        return Err(GwError::new(format!("就诊 {mdtrt_id} 当前状态为“{}”，不能上传就诊信息", state_zh(&v.state))));
    }
    Ok(visit_change(
        vec![Op::VisitInfo {
            psn_no: psn_no.clone(),
            mdtrt_id: mdtrt_id.clone(),
            med_type: med_type.clone(),
            diagnoses: diag.clone(),
            opsp_dise_code: dise.clone(),
        }],
        v,
        Some(changed(&x, |r| {
            r.med_type = med_type;
            r.diagnoses = diag;
            r.opsp_dise_code = dise;
        })),
    ))
}

pub async fn admit(c: &Call<'_>) -> GwResult<Outcome> {
    let m = c.node("mdtrtinfo")?;
    let psn_no = m.str("psn_no", 30)?;
    let insutype = m.code("insutype", 6, "险种", |v| c.known(kind::INSUTYPE, v))?;
    let begntime = m.str("begntime", 19)?;
    let date = m.date("begntime")?;
    let cert_type = m.code("mdtrt_cert_type", 3, "就诊凭证类型", |v| c.known(kind::MDTRT_CERT_TYPE, v))?;
    m.str("mdtrt_cert_no", 600)?;
    let med_type = med_type(c, &m, true)?;
    let ipt_no = m.str("ipt_no", 30)?;
    for f in [
        "atddr_no",
        "chfpdr_name",
        "adm_diag_dscr",
        "adm_dept_codg",
        "adm_dept_name",
        "adm_bed",
        "dscg_maindiag_code",
        "dscg_maindiag_name",
    ] {
        m.str(f, 200)?;
    }
    let dise = m.opt_str("dise_codg", 30)?;
    let diag = diagnoses(c)?;
    check_enrolled(c, &psn_no, &insutype, date).await?;
    c.check_agreement(&date.to_string())?;
    let mdtrt_id = c.gw.ids.id('M');
    let visit = VisitRow {
        psn_no: psn_no.clone(),
        mdtrt_id: mdtrt_id.clone(),
        fixmedins_code: c.inst.fixmedins_code.clone(),
        insutype,
        med_type,
        kind: "ipt".to_string(),
        state: "admitted".to_string(),
        begntime,
        endtime: None,
        ipt_otp_no: ipt_no,
        mdtrt_cert_type: cert_type,
        diagnoses: diag,
        opsp_dise_code: dise,
        detail: c.env.input.to_string(),
        version: 1,
    };
    Ok(new_visit(visit, json!({ "result": { "mdtrt_id": mdtrt_id } })))
}

/// The node 2402/2403/2404/2405 carry (some clients use `data` instead of the documented one).
fn node_or_data<'a>(c: &'a Call<'_>, name: &'a str) -> GwResult<Obj<'a>> {
    if c.env.input.get(name).is_some() { c.node(name) } else { c.node("data") }
}

pub async fn discharge(c: &Call<'_>) -> GwResult<Outcome> {
    let d = node_or_data(c, "dscginfo")?;
    let psn_no = d.str("psn_no", 30)?;
    let mdtrt_id = d.str("mdtrt_id", 30)?;
    let endtime = d.str("endtime", 19)?;
    let end = d.date("endtime")?;
    d.str("dscg_way", 6)?;
    let dise = d.opt_str("dise_codg", 30)?;
    let x = c.visit(&psn_no, &mdtrt_id).await?;
    let v = &x.row;
    if v.kind != "ipt" || v.state != "admitted" {
        return Err(GwError::new(format!("就诊 {mdtrt_id} 当前状态为“{}”，不能办理出院", state_zh(&v.state))));
    }
    let begin = yibao_core::settlement::request::parse_date(&v.begntime).unwrap_or(end);
    if end < begin {
        return Err(GwError::new(format!("字段 dscginfo.endtime 出院时间 {endtime} 早于入院时间 {}", v.begntime)));
    }
    let diag = if c.env.input.get("diseinfo").is_some() { diagnoses(c)? } else { v.diagnoses.clone() };
    let dise = dise.or(v.opsp_dise_code.clone());
    Ok(visit_change(
        vec![
            Op::VisitInfo {
                psn_no: psn_no.clone(),
                mdtrt_id: mdtrt_id.clone(),
                med_type: v.med_type.clone(),
                diagnoses: diag.clone(),
                opsp_dise_code: dise.clone(),
            },
            Op::VisitState {
                psn_no: psn_no.clone(),
                mdtrt_id: mdtrt_id.clone(),
                from: "admitted".into(),
                to: "discharged".into(),
                endtime: Some(endtime.clone()),
            },
        ],
        v,
        Some(changed(&x, |r| {
            r.diagnoses = diag;
            r.opsp_dise_code = dise;
            r.state = "discharged".into();
            r.endtime = Some(endtime);
        })),
    ))
}

pub async fn change_admission(c: &Call<'_>) -> GwResult<Outcome> {
    let a = node_or_data(c, "adminfo")?;
    let psn_no = a.str("psn_no", 30)?;
    let mdtrt_id = a.str("mdtrt_id", 30)?;
    let x = c.visit(&psn_no, &mdtrt_id).await?;
    let v = &x.row;
    if v.kind != "ipt" || v.state != "admitted" {
        return Err(GwError::new(format!("就诊 {mdtrt_id} 当前状态为“{}”，不能变更入院信息", state_zh(&v.state))));
    }
    let med_type = match a.opt_str("med_type", 6)? {
        Some(_) => med_type(c, &a, true)?,
        None => v.med_type.clone(),
    };
    let dise = a.opt_str("dise_codg", 30)?.or(v.opsp_dise_code.clone());
    let diag = if c.env.input.get("diseinfo").is_some() { diagnoses(c)? } else { v.diagnoses.clone() };
    Ok(visit_change(
        vec![Op::VisitInfo {
            psn_no: psn_no.clone(),
            mdtrt_id: mdtrt_id.clone(),
            med_type: med_type.clone(),
            diagnoses: diag.clone(),
            opsp_dise_code: dise.clone(),
        }],
        v,
        Some(changed(&x, |r| {
            r.med_type = med_type;
            r.diagnoses = diag;
            r.opsp_dise_code = dise;
        })),
    ))
}

pub async fn cancel_admission(c: &Call<'_>) -> GwResult<Outcome> {
    let d = c.node("data")?;
    let psn_no = d.str("psn_no", 30)?;
    let mdtrt_id = d.str("mdtrt_id", 30)?;
    let x = c.visit(&psn_no, &mdtrt_id).await?;
    let v = &x.row;
    if v.kind != "ipt" || v.state != "admitted" {
        return Err(GwError::new(format!("就诊 {mdtrt_id} 当前状态为“{}”，不能撤销入院", state_zh(&v.state))));
    }
    if !x.uploaded.is_empty() {
        return Err(GwError::new(format!(
            "就诊 {mdtrt_id} 还有 {} 条费用明细，请先用 2302 撤销费用明细",
            x.uploaded.len()
        )));
    }
    Ok(visit_change(
        vec![Op::VisitState {
            psn_no: psn_no.clone(),
            mdtrt_id: mdtrt_id.clone(),
            from: "admitted".into(),
            to: "cancelled".into(),
            endtime: None,
        }],
        v,
        None,
    ))
}

pub async fn undo_discharge(c: &Call<'_>) -> GwResult<Outcome> {
    let d = c.node("data")?;
    let psn_no = d.str("psn_no", 30)?;
    let mdtrt_id = d.str("mdtrt_id", 30)?;
    let x = c.visit(&psn_no, &mdtrt_id).await?;
    let v = &x.row;
    if v.kind != "ipt" || v.state != "discharged" {
        return Err(GwError::new(format!(
            "就诊 {mdtrt_id} 当前状态为“{}”，不能撤销出院（已结算的须先撤销结算）",
            state_zh(&v.state)
        )));
    }
    Ok(visit_change(
        vec![Op::VisitState {
            psn_no: psn_no.clone(),
            mdtrt_id: mdtrt_id.clone(),
            from: "discharged".into(),
            to: "admitted".into(),
            endtime: None,
        }],
        v,
        Some(changed(&x, |r| r.state = "admitted".into())),
    ))
}

/// A change to a visit read as `v`, answered with an empty output (the request log records who made it). `after` is
/// the open visit as it will be, or None when it leaves the open states.
fn visit_change(ops: Vec<Op>, v: &VisitRow, after: Option<VisitCtx>) -> Outcome {
    let effect = match after {
        Some(x) => Effect::PutVisit(Box::new(x)),
        None => Effect::DropVisit { psn_no: v.psn_no.clone(), mdtrt_id: v.mdtrt_id.clone() },
    };
    Outcome::change(json!({}), ops, v.psn_no.clone(), vec![effect]).touching(v)
}

/// The open visit after a change to its row: one version higher.
pub fn changed(x: &VisitCtx, f: impl FnOnce(&mut VisitRow)) -> VisitCtx {
    let mut n = x.clone();
    f(&mut n.row);
    n.row.version += 1;
    n
}

/// A visit just registered or admitted: stored, answered with `output`, and kept open in memory.
fn new_visit(visit: VisitRow, output: serde_json::Value) -> Outcome {
    let psn_no = visit.psn_no.clone();
    let ctx = VisitCtx { row: visit.clone(), uploaded: Vec::new(), serials: Default::default() };
    Outcome::change(output, vec![Op::InsertVisit(visit)], psn_no, vec![Effect::PutVisit(Box::new(ctx))])
}

/// Chinese name of a visit state.
pub fn state_zh(s: &str) -> &'static str {
    match s {
        "registered" => "已挂号",
        "admitted" => "在院",
        "discharged" => "已出院",
        "settled" => "已结算",
        "cancelled" => "已撤销",
        _ => "未知",
    }
}
