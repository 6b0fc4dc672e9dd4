//! The 事前/事中 service's records (one `Op::Fsi` variant): 3103 feedback rows, and the one read screening needs —
//! a person's recent dispensing across institutions.

use crate::db::{Fail, Stmt};
use crate::{Result, Store, params};

/// One warning's disposition sent back with 3103 (事前事中服务反馈).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackRow {
    pub feedback_id: String,
    pub fixmedins_code: String,
    pub msgid: String,
    /// Position in `warns[]`, from 1.
    pub seq: i64,
    pub warn_type: String,
    pub warn_rslt_id: String,
    pub dspo_way: String,
    pub dspo_way_rea: String,
    pub opter: String,
    pub received_at: String,
}

/// One earlier settled line of a person (for 重复开药 and similar rules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispensedRow {
    pub mdtrt_id: String,
    pub fixmedins_code: String,
    /// `yyyy-MM-dd HH:mm:ss` as uploaded.
    pub fee_ocur_time: String,
    pub med_list_codg: String,
    /// Quantity in the store's fixed-point unit (as `fee_line.cnt`).
    pub cnt: i64,
}

/// One change to the 事前/事中 service's records.
#[derive(Debug, Clone)]
pub enum FsiOp {
    /// Records the warnings answered by one 3103 call; a row already stored fails as Duplicate.
    InsertFeedback(Vec<FeedbackRow>),
}

pub(crate) fn push(out: &mut Vec<Stmt>, op: FsiOp) {
    match op {
        FsiOp::InsertFeedback(rows) => {
            for f in rows {
                out.push(
                    Stmt::new(
                        "INSERT INTO fsi_feedback (feedback_id, fixmedins_code, msgid, seq, warn_type, warn_rslt_id,
                           dspo_way, dspo_way_rea, opter, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                        params![
                            f.feedback_id.clone(),
                            f.fixmedins_code,
                            f.msgid.clone(),
                            f.seq,
                            f.warn_type,
                            f.warn_rslt_id,
                            f.dspo_way,
                            f.dspo_way_rea,
                            f.opter,
                            f.received_at
                        ],
                    )
                    .dup(Fail::Duplicate(format!("反馈 {}（报文 {}）已记录", f.feedback_id, f.msgid))),
                );
            }
        }
    }
}

fn feedback(r: &crate::Row) -> FeedbackRow {
    FeedbackRow {
        feedback_id: r.text("feedback_id"),
        fixmedins_code: r.text("fixmedins_code"),
        msgid: r.text("msgid"),
        seq: r.int("seq"),
        warn_type: r.text("warn_type"),
        warn_rslt_id: r.text("warn_rslt_id"),
        dspo_way: r.text("dspo_way"),
        dspo_way_rea: r.text("dspo_way_rea"),
        opter: r.text("opter"),
        received_at: r.text("received_at"),
    }
}

impl Store {
    /// The feedback an institution sent, oldest first.
    pub async fn fsi_feedback(&self, fixmedins_code: &str) -> Result<Vec<FeedbackRow>> {
        let rows = self
            .rows(
                "SELECT * FROM fsi_feedback WHERE fixmedins_code = $1 ORDER BY received_at, msgid, seq",
                params![fixmedins_code],
            )
            .await?;
        Ok(rows.iter().map(feedback).collect())
    }

    /// A person's settled lines since `since` (`yyyy-MM-dd`) in visits other than `except_mdtrt_id`, with the
    /// institution of each: one read on the ledger's person-first keys.
    pub async fn recent_dispensing(
        &self,
        psn_no: &str,
        since: &str,
        except_mdtrt_id: &str,
    ) -> Result<Vec<DispensedRow>> {
        let rows = self
            .rows(
                "SELECT l.mdtrt_id, v.fixmedins_code, l.fee_ocur_time, l.med_list_codg, l.cnt
                 FROM fee_line l JOIN visit v ON v.psn_no = l.psn_no AND v.mdtrt_id = l.mdtrt_id
                 WHERE l.psn_no = $1 AND l.state = 'settled' AND l.fee_ocur_time >= $2 AND l.mdtrt_id <> $3
                 ORDER BY l.fee_ocur_time",
                params![psn_no, since, except_mdtrt_id],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| DispensedRow {
                mdtrt_id: r.text("mdtrt_id"),
                fixmedins_code: r.text("fixmedins_code"),
                fee_ocur_time: r.text("fee_ocur_time"),
                med_list_codg: r.text("med_list_codg"),
                cnt: r.int("cnt"),
            })
            .collect())
    }

    /// The findings flagged at settlement (source `settle`) for a person, oldest first: (finding_id, rule_id,
    /// setl_ids, amount, status).
    pub async fn settle_findings(&self, psn_no: &str) -> Result<Vec<(String, String, String, i64, String)>> {
        let rows = self
            .rows(
                "SELECT finding_id, rule_id, setl_ids, amount, status FROM audit_finding
                 WHERE psn_no = $1 AND source = 'settle' ORDER BY found_at, finding_id",
                params![psn_no],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| (r.text("finding_id"), r.text("rule_id"), r.text("setl_ids"), r.int("amount"), r.text("status")))
            .collect())
    }
}
