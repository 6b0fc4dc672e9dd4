//! 事中 screening at settlement (2206/2207, 2303/2304): the visit's uploaded lines checked with the region's rule
//! pack; by the region's `on_settle`, a settlement with 明确违规 lines is refused, or its findings are stored as
//! held money in the settlement's own commit.

use yibao_audit::fsi::JudgeResult;
use yibao_audit::screen::{Selection, evaluate_selected, trig_scen};
use yibao_audit::{Finding, TemplateKind};
use yibao_core::Policy;
use yibao_store::supervision::{FindingRow, HELD, SupervisionOp};
use yibao_store::{FeeLineRow, Op};

use super::{OnSettle, SEV_CERTAIN, ledger};
use crate::envelope::{GwError, GwResult};
use crate::state::VisitCtx;
use crate::txn::Call;

/// The findings of the visit being settled, and what the region does with them.
#[derive(Debug, Clone)]
pub struct SettleCheck {
    pub mode: OnSettle,
    pub findings: Vec<Finding>,
}

impl SettleCheck {
    /// The findings as 3102 `result[]` rows (shown in the settlement's output as `fsi_result`).
    pub fn result(&self, task_id: &str) -> Vec<JudgeResult> {
        yibao_audit::fsi::result(task_id, &self.findings).result
    }

    /// The findings as held money against a settlement (剔除待查), for the settlement's commit.
    pub fn ops(&self, c: &Call<'_>, setl_id: &str) -> Vec<Op> {
        if self.findings.is_empty() {
            return Vec::new();
        }
        let rows = self
            .findings
            .iter()
            .map(|f| FindingRow {
                finding_id: c.gw.ids.id('F'),
                source: "settle".to_string(),
                run_id: None,
                rule_id: f.rule.id.clone(),
                rule_name: f.rule.name.clone(),
                sev_deg: f.rule.sev_deg.clone(),
                psn_no: Some(f.psn_no.clone()),
                fixmedins_code: f.fixmedins_code.clone(),
                setl_ids: setl_id.to_string(),
                occurred_on: f.date.format("%Y-%m-%d").to_string(),
                amount: f.amount.0,
                evidence: format!("{}（涉及明细：{}）", f.text, lines_zh(f)),
                status: HELD.to_string(),
            })
            .collect();
        vec![Op::Supervision(SupervisionOp::InsertFindings(rows))]
    }
}

/// "F1（违规项 12.00 元）、F2（涉及项 0.00 元）".
fn lines_zh(f: &Finding) -> String {
    f.lines
        .iter()
        .map(|l| {
            let role = if l.role.code() == "1" { "违规项" } else { "涉及项" };
            format!("{}（{role} {} 元）", l.line_id, l.amount)
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// The scene a settlement call is screened in.
fn scene(c: &Call<'_>, pack: &yibao_audit::RulePack, v: &VisitCtx) -> u8 {
    let pharmacy = pack.visit_kinds.pharmacy_med_types.contains(&v.row.med_type)
        || pack.visit_kinds.pharmacy_medins_types.contains(&c.inst.fixmedins_type);
    match c.env.infno.as_str() {
        "2206" if pharmacy => trig_scen::PHARMACY_SWIPE,
        "2207" if pharmacy => trig_scen::PHARMACY_SWIPE,
        "2206" => trig_scen::OUTPATIENT_PRESETTLEMENT,
        "2207" => trig_scen::OUTPATIENT_SETTLEMENT,
        "2303" => trig_scen::INPATIENT_PRESETTLEMENT,
        _ => trig_scen::INPATIENT_SETTLEMENT,
    }
}

/// Screens the lines about to be settled; refuses (nothing stored) in `refuse` mode when a 明确违规 finding is
/// among them. `None` when the region does not screen at settlement.
pub async fn check(c: &Call<'_>, policy: &Policy, x: &VisitCtx, rows: &[FeeLineRow]) -> GwResult<Option<SettleCheck>> {
    let Some(s) = c.gw.screening(&c.env.insuplc_admdvs) else { return Ok(None) };
    let mode = s.on_settle(&c.inst.admdvs);
    if mode == OnSettle::Off {
        return Ok(None);
    }
    let pack = &s.pack;
    let today = ledger::today();
    let scenes = [scene(c, pack, x)];
    let sel = Selection { date: today, trig_scen: Some(&scenes), rule_ids: &[] };
    let region = Some(c.inst.admdvs.as_str());
    let v = &x.row;
    let p = c.person(&v.psn_no).await?;
    let past = if ledger::needs(pack, &sel, region, TemplateKind::RepeatSupply) {
        ledger::read_history(&c.gw.store, &v.psn_no, &v.mdtrt_id, today).await?
    } else {
        Vec::new()
    };
    let diseases = ledger::diseases(&p);
    let death = if ledger::needs(pack, &sel, region, TemplateKind::AfterDeath) {
        ledger::death_date(&c.gw.store, &v.psn_no).await?
    } else {
        None
    };
    let diagnoses = ledger::diagnoses(v);
    let visit = ledger::visit(c.inst, v, &diagnoses)?;
    let enc = yibao_audit::Encounter {
        person: ledger::person(&p, &diseases, death),
        lines: ledger::lines(policy, rows, visit.begin),
        visit,
        history: ledger::history(&past),
    };
    let findings = evaluate_selected(pack, &enc, &sel);
    if mode == OnSettle::Refuse {
        let certain: Vec<&Finding> = findings.iter().filter(|f| f.rule.sev_deg == SEV_CERTAIN).collect();
        if !certain.is_empty() {
            let named: Vec<String> = certain
                .iter()
                .take(5)
                .map(|f| {
                    let ids: Vec<&str> = f.lines.iter().map(|l| l.line_id.as_str()).collect();
                    format!("规则 {} {}（明细 {}，违规金额 {} 元）", f.rule.id, f.rule.name, ids.join("、"), f.amount)
                })
                .collect();
            let more = if certain.len() > 5 { format!("等 {} 项", certain.len()) } else { String::new() };
            return Err(GwError::new(format!(
                "事中审核发现明确违规，不予结算：{}{more}。请撤销或更正相关费用明细后再结算",
                named.join("；")
            )));
        }
    }
    Ok(Some(SettleCheck { mode, findings }))
}
