//! Fund supervision's case ledger (案件台账), its write operations (one `Op::Case` variant): cases that move forward
//! only through 线索 → 核查 → 立案 → 处理 → 结案, findings taken into a case, outcomes (a suspension outcome writes the
//! agreement suspension the gateway enforces, in the same commit) and small attachments.

use crate::db::{Fail, Stmt};
use crate::supervision::{self, SupervisionOp};
use crate::{Op, SuspensionRow, now_text, params};

/// Where a case came from: (code, Chinese name).
pub const SOURCES: &[(&str, &str)] =
    &[("smart", "智能监控"), ("flying", "飞行检查"), ("tipoff", "举报"), ("self", "自查自纠"), ("cross", "交叉检查")];

/// The statuses of a case, in the only order it may move through: (code, Chinese name).
pub const STATUSES: &[(&str, &str)] =
    &[("clue", "线索"), ("verify", "核查"), ("filed", "立案"), ("handle", "处理"), ("closed", "结案")];

pub const CLUE: &str = "clue";
pub const HANDLE: &str = "handle";
pub const CLOSED: &str = "closed";

/// Outcome kinds: (code, Chinese name).
pub const OUTCOMES: &[(&str, &str)] =
    &[("recover", "追回基金"), ("fine", "罚款/违约金"), ("deposit", "扣除质量保证金"), ("suspend", "暂停医保服务协议")];

/// The largest attachment stored (bytes).
pub const MAX_ATTACHMENT: usize = 2 * 1024 * 1024;

fn name_of(list: &[(&'static str, &'static str)], code: &str) -> &'static str {
    list.iter().find(|(c, _)| *c == code).map_or("未知", |(_, n)| n)
}

pub fn source_name(code: &str) -> &'static str {
    name_of(SOURCES, code)
}

pub fn status_name(code: &str) -> &'static str {
    name_of(STATUSES, code)
}

pub fn outcome_name(code: &str) -> &'static str {
    name_of(OUTCOMES, code)
}

/// 1 for 线索 … 5 for 结案; 0 for an unknown status.
pub fn status_seq(code: &str) -> i64 {
    STATUSES.iter().position(|(c, _)| *c == code).map_or(0, |i| i as i64 + 1)
}

/// The status that follows `code` (None after 结案).
pub fn next_status(code: &str) -> Option<&'static str> {
    let i = STATUSES.iter().position(|(c, _)| *c == code)?;
    STATUSES.get(i + 1).map(|(c, _)| *c)
}

/// A case as it is opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCase {
    pub case_id: String,
    pub source: String,
    pub fixmedins_code: String,
    pub psn_no: Option<String>,
    pub title: String,
    /// YYYY-MM-DD.
    pub due_date: String,
    pub opened_by: String,
    /// The note of the first step (线索).
    pub note: String,
}

/// One outcome of a case (recorded while it is in 处理).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeRow {
    pub outcome_id: String,
    pub case_id: String,
    pub fixmedins_code: String,
    /// `recover`, `fine`, `deposit` or `suspend`.
    pub kind: String,
    /// Fen; 0 for a suspension.
    pub amount: i64,
    pub begndate: Option<String>,
    pub enddate: Option<String>,
    pub note: String,
    pub actor: String,
}

/// A file kept with a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRow {
    pub attachment_id: String,
    pub case_id: String,
    pub name: String,
    pub content_type: String,
    pub content: Vec<u8>,
    pub actor: String,
}

/// One change to the case ledger.
#[derive(Debug, Clone)]
pub enum CaseOp {
    /// Opens a case in 线索; a case id already stored fails as Duplicate.
    Open(NewCase),
    /// Moves a case from `from` to the status right after it; fails as Conflict if `to` is not that status (no
    /// skipping, no going back) or the case is no longer in `from` (someone else moved it first).
    Advance { case_id: String, from: String, to: String, actor: String, note: String },
    /// Takes a finding into a case that is not closed; Conflict if the finding is in another case already.
    Link { case_id: String, finding_id: String },
    /// Records an outcome; Conflict unless the case is in 处理. Use [`outcome_ops`] to build the whole job.
    Outcome(OutcomeRow),
    /// Stores an attachment; Conflict if the case does not exist.
    Attach(AttachmentRow),
}

fn never(m: String) -> Stmt {
    Stmt::new("UPDATE supervision_case SET updated_at = updated_at WHERE 1 = 0", params![]).one(Fail::Conflict(m))
}

fn case_in(case_id: &str, cond: &'static str, params: Vec<crate::Param>, m: String) -> Stmt {
    let sql = format!("UPDATE supervision_case SET updated_at = $1 WHERE case_id = $2 AND {cond}");
    let mut p = params![now_text(), case_id];
    p.extend(params);
    Stmt::new(sql, p).one(Fail::Conflict(m))
}

pub(crate) fn push(out: &mut Vec<Stmt>, op: CaseOp) {
    match op {
        CaseOp::Open(c) => {
            let now = now_text();
            out.push(
                Stmt::new(
                    "INSERT INTO supervision_case (case_id, source, fixmedins_code, psn_no, title, status, due_date,
                       opened_by, opened_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
                    params![
                        c.case_id.clone(),
                        c.source,
                        c.fixmedins_code,
                        c.psn_no,
                        c.title,
                        CLUE,
                        c.due_date,
                        c.opened_by.clone(),
                        now.clone()
                    ],
                )
                .dup(Fail::Duplicate(format!("案件 {} 已存在", c.case_id))),
            );
            out.push(Stmt::new(
                "INSERT INTO case_step (case_id, status, seq, actor, at, note) VALUES ($1, $2, $3, $4, $5, $6)",
                params![c.case_id, CLUE, 1_i64, c.opened_by, now, c.note],
            ));
        }
        CaseOp::Advance { case_id, from, to, actor, note } => {
            if next_status(&from) != Some(to.as_str()) {
                out.push(never(format!(
                    "案件 {case_id} 不能从“{}”直接变为“{}”：状态只能依次推进（线索 → 核查 → 立案 → 处理 → 结案）",
                    status_name(&from),
                    status_name(&to)
                )));
                return;
            }
            let now = now_text();
            let closed = (to == CLOSED).then(|| now.clone());
            let m = format!("案件 {case_id} 已不处于“{}”状态，可能已被他人办理，请刷新后重试", status_name(&from));
            out.push(
                Stmt::new(
                    "UPDATE supervision_case SET status = $1, updated_at = $2, closed_at = COALESCE($3, closed_at)
                     WHERE case_id = $4 AND status = $5",
                    params![to.clone(), now.clone(), closed, case_id.clone(), from],
                )
                .one(Fail::Conflict(m)),
            );
            out.push(Stmt::new(
                "INSERT INTO case_step (case_id, status, seq, actor, at, note) VALUES ($1, $2, $3, $4, $5, $6)",
                params![case_id, to.clone(), status_seq(&to), actor, now, note],
            ));
        }
        CaseOp::Link { case_id, finding_id } => {
            out.push(case_in(
                &case_id,
                "status <> $3",
                params![CLOSED],
                format!("案件 {case_id} 不存在或已结案，不能再归入疑点"),
            ));
            out.push(
                Stmt::new(
                    "UPDATE audit_finding SET case_id = $1 WHERE finding_id = $2 AND (case_id IS NULL OR case_id = $1)",
                    params![case_id, finding_id.clone()],
                )
                .one(Fail::Conflict(format!("疑点 {finding_id} 不存在或已归入其他案件"))),
            );
        }
        CaseOp::Outcome(o) => {
            out.push(case_in(
                &o.case_id,
                "status = $3",
                params![HANDLE],
                format!("案件 {} 不处于“处理”阶段，不能记录处理结果", o.case_id),
            ));
            out.push(
                Stmt::new(
                    "INSERT INTO case_outcome (outcome_id, case_id, fixmedins_code, kind, amount, begndate, enddate,
                       note, actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    params![
                        o.outcome_id.clone(),
                        o.case_id,
                        o.fixmedins_code,
                        o.kind,
                        o.amount,
                        o.begndate,
                        o.enddate,
                        o.note,
                        o.actor,
                        now_text()
                    ],
                )
                .dup(Fail::Duplicate(format!("处理结果 {} 已存在", o.outcome_id))),
            );
        }
        CaseOp::Attach(a) => {
            out.push(case_in(&a.case_id, "1 = 1", params![], format!("案件 {} 不存在", a.case_id)));
            out.push(
                Stmt::new(
                    "INSERT INTO case_attachment (attachment_id, case_id, name, content_type, size, content, actor, at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    params![
                        a.attachment_id.clone(),
                        a.case_id,
                        a.name,
                        a.content_type,
                        a.content.len() as i64,
                        to_hex(&a.content),
                        a.actor,
                        now_text()
                    ],
                )
                .dup(Fail::Duplicate(format!("附件 {} 已存在", a.attachment_id))),
            );
        }
    }
}

/// The whole job of an outcome: the outcome; for a suspension the agreement suspension the gateway enforces and the
/// institution epoch (so that every gateway reads agreements again); for a recovery, each of `recovered` (confirmed
/// findings) marked 已追回 by `actor` — any of them no longer confirmed fails the job as Conflict.
pub fn outcome_ops(o: OutcomeRow, recovered: &[String]) -> Vec<Op> {
    let mut ops = Vec::new();
    if o.kind == "suspend" {
        ops.push(Op::AddSuspension(SuspensionRow {
            fixmedins_code: o.fixmedins_code.clone(),
            begndate: o.begndate.clone().unwrap_or_default(),
            enddate: o.enddate.clone(),
            reason: format!("案件 {} 处理：{}", o.case_id, o.note),
        }));
        ops.push(Op::BumpEpoch("institution".into()));
    }
    if o.kind == "recover" {
        for f in recovered {
            ops.push(Op::Supervision(SupervisionOp::ReviewFinding {
                finding_id: f.clone(),
                from: supervision::CONFIRMED.into(),
                to: supervision::RECOVERED.into(),
                reviewer: o.actor.clone(),
                note: format!("案件 {} 追回", o.case_id),
            }));
        }
    }
    ops.insert(0, Op::Case(CaseOp::Outcome(o)));
    ops
}

pub(crate) fn to_hex(b: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push(D[usize::from(x >> 4)] as char);
        s.push(D[usize::from(x & 15)] as char);
    }
    s
}

pub(crate) fn from_hex(s: &str) -> Vec<u8> {
    let v = |c: u8| match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    };
    s.as_bytes().chunks(2).filter(|p| p.len() == 2).map(|p| (v(p[0]) << 4) | v(p[1])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_move_one_step_forward() {
        assert_eq!(next_status("clue"), Some("verify"));
        assert_eq!(next_status("handle"), Some("closed"));
        assert_eq!(next_status("closed"), None);
        assert_eq!((status_seq("clue"), status_seq("closed"), status_seq("x")), (1, 5, 0));
        assert_eq!(from_hex(&to_hex(&[0, 15, 16, 255])), vec![0, 15, 16, 255]);
    }
}
