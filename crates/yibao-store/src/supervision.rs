//! Fund supervision's write operations (one `Op::Supervision` variant): review runs, findings, and the review of a
//! finding's held money (剔除待查 → 排除 / 确认违规 → 已追回).

use crate::db::{Fail, Stmt};
use crate::params;

/// A finding of 事后 review or 事中 screening, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingRow {
    pub finding_id: String,
    /// `review` or `settle`.
    pub source: String,
    pub run_id: Option<String>,
    pub rule_id: String,
    pub rule_name: String,
    pub sev_deg: String,
    pub psn_no: Option<String>,
    pub fixmedins_code: String,
    /// Comma-separated 结算ID, the suspect one last.
    pub setl_ids: String,
    /// YYYY-MM-DD.
    pub occurred_on: String,
    /// Fen at stake.
    pub amount: i64,
    pub evidence: String,
    /// `held` for a new finding.
    pub status: String,
}

/// A finished review run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRow {
    pub run_id: String,
    pub admdvs: String,
    pub period_from: String,
    pub period_to: String,
    pub opter: String,
    pub started_at: String,
    pub finished_at: String,
    pub settlements: i64,
    pub findings: i64,
    /// JSON.
    pub summary: String,
}

/// The statuses a finding moves through.
pub const HELD: &str = "held";
pub const CLEARED: &str = "cleared";
pub const CONFIRMED: &str = "confirmed";
pub const RECOVERED: &str = "recovered";

/// The Chinese name of a finding status.
pub fn status_name(status: &str) -> &'static str {
    match status {
        HELD => "待查",
        CLEARED => "已排除",
        CONFIRMED => "确认违规",
        RECOVERED => "已追回",
        _ => "未知",
    }
}

/// One change to fund supervision's records.
#[derive(Debug, Clone)]
pub enum SupervisionOp {
    /// Records a review run; a second run with the same id fails as Duplicate.
    InsertRun(RunRow),
    /// Adds findings; a finding id already stored fails as Duplicate.
    InsertFindings(Vec<FindingRow>),
    /// Moves a finding from `from` to `to` (held → cleared | confirmed, confirmed → recovered); fails as Conflict if
    /// the finding is not in `from` (someone else reviewed it first).
    ReviewFinding { finding_id: String, from: String, to: String, reviewer: String, note: String },
    /// Takes a finding into a supervision case.
    LinkFinding { finding_id: String, case_id: String },
}

pub(crate) fn push(out: &mut Vec<Stmt>, op: SupervisionOp) {
    match op {
        SupervisionOp::InsertRun(r) => out.push(
            Stmt::new(
                "INSERT INTO audit_run (run_id, admdvs, period_from, period_to, opter, started_at, finished_at,
                   settlements, findings, summary) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                params![
                    r.run_id.clone(),
                    r.admdvs,
                    r.period_from,
                    r.period_to,
                    r.opter,
                    r.started_at,
                    r.finished_at,
                    r.settlements,
                    r.findings,
                    r.summary
                ],
            )
            .dup(Fail::Duplicate(format!("审核批次 {} 已存在", r.run_id))),
        ),
        SupervisionOp::InsertFindings(rows) => {
            let now = crate::now_text();
            for f in rows {
                out.push(
                    Stmt::new(
                        "INSERT INTO audit_finding (finding_id, source, run_id, rule_id, rule_name, sev_deg, psn_no,
                           fixmedins_code, setl_ids, occurred_on, amount, evidence, found_at, status)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                        params![
                            f.finding_id.clone(),
                            f.source,
                            f.run_id,
                            f.rule_id,
                            f.rule_name,
                            f.sev_deg,
                            f.psn_no,
                            f.fixmedins_code,
                            f.setl_ids,
                            f.occurred_on,
                            f.amount,
                            f.evidence,
                            now.clone(),
                            f.status
                        ],
                    )
                    .dup(Fail::Duplicate(format!("疑点 {} 已存在", f.finding_id))),
                );
            }
        }
        SupervisionOp::ReviewFinding { finding_id, from, to, reviewer, note } => {
            let m = format!("疑点 {finding_id} 不是“{}”状态，可能已被他人处理", status_name(&from));
            out.push(
                Stmt::new(
                    "UPDATE audit_finding SET status = $1, reviewer = $2, reviewed_at = $3, review_note = $4
                     WHERE finding_id = $5 AND status = $6",
                    params![to, reviewer, crate::now_text(), note, finding_id, from],
                )
                .one(Fail::Conflict(m)),
            );
        }
        SupervisionOp::LinkFinding { finding_id, case_id } => {
            let m = format!("疑点 {finding_id} 不存在");
            out.push(
                Stmt::new("UPDATE audit_finding SET case_id = $1 WHERE finding_id = $2", params![case_id, finding_id])
                    .one(Fail::Conflict(m)),
            );
        }
    }
}
