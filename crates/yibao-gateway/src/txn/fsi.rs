//! 3101 事前提醒, 3102 事中提醒 and 3103 反馈: the region's rule pack run over the visits a hospital sends, enriched
//! with what the ledger knows (sex, birth date, 门慢门特 registrations, uploaded lines, recent dispensing).
//!
//! An institution screens only its own patients' visits: every encounter names a visit of this institution in the
//! ledger, except at 门诊挂号 / 住院登记 (scenes 1 and 3), which come before the visit exists.

use std::sync::Arc;

use serde_json::json;
use yibao_audit::TemplateKind;
use yibao_audit::fsi::{self, FsiError, FsiOutput};
use yibao_audit::screen::{Selection, evaluate_selected, trig_scen};
use yibao_store::Op;
use yibao_store::fsi::{DispensedRow, FeedbackRow, FsiOp};

use super::Call;
use crate::envelope::{GwError, GwResult};
use crate::screening::ledger;
use crate::state::{PersonCtx, VisitCtx};
use crate::{Outcome, raw};

/// The most order lines one 3101/3102 call may carry.
const MAX_ORDERS: usize = 5000;
/// The most warnings one 3103 call may answer.
const MAX_WARNS: usize = 1000;

fn input_error(e: FsiError) -> GwError {
    GwError::new(match e {
        FsiError::Field { path, reason } => format!("字段 input.data.{path}：{reason}"),
        FsiError::NoScene => "字段 input.data.trig_scen：未给出触发场景（也未给出 rule_ids）".to_string(),
        other => other.to_string(),
    })
}

/// What the ledger holds for one encounter.
struct Known {
    person: Arc<PersonCtx>,
    visit: Option<Arc<VisitCtx>>,
    past: Vec<DispensedRow>,
    /// From `person_death` (the after-death rule).
    death: Option<chrono::NaiveDate>,
}

pub async fn analyze(c: &Call<'_>) -> GwResult<Outcome> {
    let prior = c.env.infno == "3101";
    let req = fsi::parse_request(&c.env.input).map_err(input_error)?;
    if req.trig_scen.is_empty() && req.rule_ids.is_empty() {
        return Err(input_error(FsiError::NoScene));
    }
    if let Some(s) = req.trig_scen.iter().find(|s| trig_scen::is_prior(**s) != prior) {
        return Err(GwError::new(if prior {
            format!("字段 input.data.trig_scen：3101 事前提醒的触发场景应为 1–5，收到 {s}（6–10 为事中，请用 3102）")
        } else {
            format!("字段 input.data.trig_scen：3102 事中提醒的触发场景应为 6–10，收到 {s}（1–5 为事前，请用 3101）")
        }));
    }
    if req.patient_dtos.is_empty() {
        return Err(GwError::new("字段 input.data.patient_dtos：没有患者信息"));
    }
    let mut orders = 0;
    for (pi, p) in req.patient_dtos.iter().enumerate() {
        if p.fsi_encounter_dtos.is_empty() {
            return Err(GwError::new(format!("字段 input.data.patient_dtos[{pi}].fsi_encounter_dtos：没有就诊信息")));
        }
        orders += p.fsi_encounter_dtos.iter().map(|e| e.fsi_order_dtos.len()).sum::<usize>();
    }
    if orders > MAX_ORDERS {
        return Err(GwError::new(format!("一次最多审核 {MAX_ORDERS} 条医嘱/处方明细，收到 {orders} 条")));
    }
    let screening = c
        .gw
        .screening(&c.env.insuplc_admdvs)
        .ok_or_else(|| GwError::new("本统筹区未配置基金监管规则库，暂不能提供事前事中审核服务，请联系医保经办机构"))?;
    let pack = &screening.pack;
    let mut encs = fsi::encounters(&req).map_err(input_error)?;
    let today = ledger::today();
    let ids: Vec<&str> =
        if req.trig_scen.is_empty() { req.rule_ids.iter().map(String::as_str).collect() } else { Vec::new() };
    let sel =
        Selection { date: today, trig_scen: (!req.trig_scen.is_empty()).then_some(&req.trig_scen[..]), rule_ids: &ids };
    let before_visit = !req.trig_scen.is_empty()
        && req.trig_scen.iter().all(|s| matches!(*s, trig_scen::OUTPATIENT_REGISTRATION | trig_scen::ADMISSION));
    let region = Some(c.inst.admdvs.as_str());
    let history = ledger::needs(pack, &sel, region, TemplateKind::RepeatSupply);
    let death = ledger::needs(pack, &sel, region, TemplateKind::AfterDeath);

    // What the ledger knows, encounter by encounter (the order `encounters` gives them in).
    let mut known: Vec<Known> = Vec::with_capacity(encs.len());
    let mut at = Vec::with_capacity(encs.len());
    for (pi, p) in req.patient_dtos.iter().enumerate() {
        for ei in 0..p.fsi_encounter_dtos.len() {
            at.push(format!("patient_dtos[{pi}].fsi_encounter_dtos[{ei}]"));
        }
    }
    for (k, enc) in encs.iter().enumerate() {
        let (psn_no, mdtrt_id) = (enc.person.psn_no, enc.visit.mdtrt_id);
        let person = c.gw.state.person(&c.gw.store, psn_no).await?.ok_or_else(|| {
            GwError::new(format!(
                "字段 input.data.{}.patn_id：人员编号“{psn_no}”不存在",
                at[k].split('.').next().unwrap_or("")
            ))
        })?;
        let medins = enc.visit.fixmedins_code;
        if !medins.is_empty() && medins != c.inst.fixmedins_code {
            return Err(GwError::new(format!(
                "字段 input.data.{}.medins_id：“{medins}”不是本机构（{}），只能审核本机构的就诊",
                at[k], c.inst.fixmedins_code
            )));
        }
        let visit = c.gw.state.visit(&c.gw.store, psn_no, mdtrt_id).await?;
        match &visit {
            Some(v) if v.row.fixmedins_code != c.inst.fixmedins_code => {
                return Err(GwError::new(format!(
                    "字段 input.data.{}.mdtrt_id：就诊“{mdtrt_id}”不属于本机构，只能审核本机构的就诊",
                    at[k]
                )));
            }
            None if !before_visit => {
                return Err(GwError::new(format!(
                    "字段 input.data.{}.mdtrt_id：就诊ID“{mdtrt_id}”不存在（或不属于人员 {psn_no}）；\
                     挂号/入院之后的审核须使用平台返回的就诊ID",
                    at[k]
                )));
            }
            _ => {}
        }
        let past = if history { ledger::read_history(&c.gw.store, psn_no, mdtrt_id, today).await? } else { Vec::new() };
        let death = if death { ledger::death_date(&c.gw.store, psn_no).await? } else { None };
        known.push(Known { person, visit, past, death });
    }

    // The ledger is the authority on the person; a visit sent without orders is screened on its uploaded lines.
    let policy = c.policy()?;
    let diseases: Vec<_> = known.iter().map(|k| ledger::diseases(&k.person)).collect();
    let mut findings = Vec::new();
    for (k, enc) in encs.iter_mut().enumerate() {
        let kn = &known[k];
        enc.person = ledger::person(&kn.person, &diseases[k], kn.death);
        enc.visit.admdvs = region;
        enc.visit.fixmedins_code = &c.inst.fixmedins_code;
        // The institution's registered level and type, not what the message says.
        enc.visit.medins_lv = Some(c.inst.hosp_lv.as_str());
        enc.visit.medins_type = Some(c.inst.fixmedins_type.as_str());
        if enc.lines.is_empty()
            && let Some(v) = &kn.visit
        {
            enc.lines = ledger::lines(&policy, &v.uploaded, enc.visit.begin);
        }
        enc.history = ledger::history(&kn.past);
        findings.extend(evaluate_selected(pack, enc, &sel));
    }
    let out: FsiOutput = fsi::result(&req.task_id, &findings);
    Ok(Outcome::read(out))
}

pub async fn feedback(c: &Call<'_>) -> GwResult<Outcome> {
    let fb = fsi::parse_feedback(&c.env.input).map_err(input_error)?;
    if fb.warn_type.is_empty() {
        return Err(GwError::new("字段 input.data.warn_type：缺少反馈类型"));
    }
    if fb.warns.is_empty() {
        return Err(GwError::new("字段 input.data.warns：没有反馈内容"));
    }
    if fb.warns.len() > MAX_WARNS {
        return Err(GwError::new(format!("一次最多反馈 {MAX_WARNS} 条提醒，收到 {} 条", fb.warns.len())));
    }
    let long = |v: &str, max: usize| v.chars().count() > max;
    if long(&fb.warn_type, 6) {
        return Err(GwError::new("字段 input.data.warn_type：长度不能超过 6 个字符"));
    }
    let received_at = yibao_store::now_text();
    let mut rows = Vec::with_capacity(fb.warns.len());
    for (i, w) in fb.warns.iter().enumerate() {
        let f = |name: &str| format!("字段 input.data.warns[{i}].{name}");
        if w.warn_rslt_id.is_empty() {
            return Err(GwError::new(format!("{}：缺少违规标识（3101/3102 返回的 jr_id）", f("warn_rslt_id"))));
        }
        if w.dspo_way.is_empty() {
            return Err(GwError::new(format!("{}：缺少处理方式", f("dspo_way"))));
        }
        for (name, v, max) in [
            ("warn_rslt_id", &w.warn_rslt_id, 60),
            ("dspo_way", &w.dspo_way, 6),
            ("dspo_way_rea", &w.dspo_way_rea, 500),
        ] {
            if long(v, max) {
                return Err(GwError::new(format!("{}：长度不能超过 {max} 个字符", f(name))));
            }
        }
        rows.push(FeedbackRow {
            feedback_id: c.gw.ids.id('K'),
            fixmedins_code: c.inst.fixmedins_code.clone(),
            msgid: c.env.msgid.clone(),
            seq: i as i64 + 1,
            warn_type: fb.warn_type.clone(),
            warn_rslt_id: w.warn_rslt_id.clone(),
            dspo_way: w.dspo_way.clone(),
            dspo_way_rea: w.dspo_way_rea.clone(),
            opter: c.env.opter.clone(),
            received_at: received_at.clone(),
        });
    }
    Ok(Outcome {
        output: raw(&json!({})),
        ops: vec![Op::Fsi(FsiOp::InsertFeedback(rows))],
        psn_no: None,
        touches: None,
        effects: Vec::new(),
        guard: None,
    })
}
