//! The case ledger's reads: one case with its steps, outcomes and attachments, a filtered page of cases with the
//! overdue flag, an attachment's bytes, and supervision statistics for a period as the bureaus' reports give them.

use crate::cases::{CLOSED, from_hex};
use crate::db::Row;
use crate::supervision::HELD;
use crate::{Param, Result, Store, params};

/// A case as stored, with the totals of its outcomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRecord {
    pub case_id: String,
    pub source: String,
    pub fixmedins_code: String,
    pub psn_no: Option<String>,
    pub title: String,
    pub status: String,
    pub due_date: String,
    pub opened_by: String,
    pub opened_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
    /// Not closed and past its due date (as of the day the read was asked for).
    pub overdue: bool,
    pub recovered: i64,
    pub fine: i64,
    pub deposit: i64,
    pub suspensions: i64,
}

/// One step a case reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseStep {
    pub status: String,
    pub seq: i64,
    pub actor: String,
    pub at: String,
    pub note: String,
}

/// A recorded outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeRecord {
    pub outcome_id: String,
    pub kind: String,
    pub amount: i64,
    pub begndate: Option<String>,
    pub enddate: Option<String>,
    pub note: String,
    pub actor: String,
    pub at: String,
}

/// An attachment's description (the bytes are read by [`Store::case_attachment`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentInfo {
    pub attachment_id: String,
    pub case_id: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub actor: String,
    pub at: String,
}

/// Which cases a list shows; empty fields do not filter. The period is the day a case was opened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    pub from: String,
    pub to: String,
    pub fixmedins_code: String,
    pub source: String,
    pub status: String,
    /// Only cases overdue on `today`.
    pub overdue_only: bool,
    /// YYYY-MM-DD: the day overdue is judged on.
    pub today: String,
}

/// Fund supervision's figures for a period (YYYY-MM-DD, inclusive), in the words of the bureaus' reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SupervisionStats {
    /// 检查定点医药机构（家次）: cases opened in the period, one per case and institution.
    pub inspected: i64,
    /// Distinct institutions of those cases.
    pub inspected_institutions: i64,
    /// 处理违规机构（家次）: distinct (case, institution) with an outcome recorded in the period.
    pub handled: i64,
    /// Cases opened, and cases closed, in the period.
    pub cases_opened: i64,
    pub cases_closed: i64,
    /// Open cases past their due date today.
    pub overdue: i64,
    /// Outcomes recorded in the period (fen): 追回基金, 罚款/违约金, 扣除质量保证金.
    pub recovered: i64,
    pub fines: i64,
    pub deposit: i64,
    /// 暂停医保服务协议（家次）: suspension outcomes recorded in the period.
    pub suspended: i64,
    /// Findings of the period still held (待查), their number and amount (fen).
    pub held_count: i64,
    pub held_amount: i64,
    /// Findings raised in the period (by the day the violation happened).
    pub findings: i64,
}

const CASE_COLS: &str = "c.case_id AS case_id, c.source AS source, c.fixmedins_code AS fixmedins_code, c.psn_no AS psn_no,
    c.title AS title, c.status AS status, c.due_date AS due_date, c.opened_by AS opened_by, c.opened_at AS opened_at,
    c.updated_at AS updated_at, c.closed_at AS closed_at,
    CAST(COALESCE((SELECT SUM(o.amount) FROM case_outcome o WHERE o.case_id = c.case_id AND o.kind = 'recover'), 0) AS BIGINT) AS recovered,
    CAST(COALESCE((SELECT SUM(o.amount) FROM case_outcome o WHERE o.case_id = c.case_id AND o.kind = 'fine'), 0) AS BIGINT) AS fine,
    CAST(COALESCE((SELECT SUM(o.amount) FROM case_outcome o WHERE o.case_id = c.case_id AND o.kind = 'deposit'), 0) AS BIGINT) AS deposit,
    CAST((SELECT COUNT(*) FROM case_outcome o WHERE o.case_id = c.case_id AND o.kind = 'suspend') AS BIGINT) AS suspensions";

fn case_record(r: &Row, today: &str) -> CaseRecord {
    let status = r.text("status");
    let due_date = r.text("due_date");
    CaseRecord {
        case_id: r.text("case_id"),
        source: r.text("source"),
        fixmedins_code: r.text("fixmedins_code"),
        psn_no: r.opt_text("psn_no"),
        title: r.text("title"),
        overdue: status != CLOSED && due_date.as_str() < today,
        status,
        due_date,
        opened_by: r.text("opened_by"),
        opened_at: r.text("opened_at"),
        updated_at: r.text("updated_at"),
        closed_at: r.opt_text("closed_at"),
        recovered: r.int("recovered"),
        fine: r.int("fine"),
        deposit: r.int("deposit"),
        suspensions: r.int("suspensions"),
    }
}

impl CaseFilter {
    const COND: &str = "($1 = '' OR c.opened_at >= $1) AND ($2 = '' OR c.opened_at <= $2)
        AND ($3 = '' OR c.fixmedins_code = $3) AND ($4 = '' OR c.source = $4) AND ($5 = '' OR c.status = $5)
        AND ($6 = '' OR (c.status <> 'closed' AND c.due_date < $6))";

    fn params(&self) -> Vec<Param> {
        let to = if self.to.is_empty() { String::new() } else { format!("{} 23:59:59", self.to) };
        let overdue = if self.overdue_only { self.today.clone() } else { String::new() };
        params![&self.from, to, &self.fixmedins_code, &self.source, &self.status, overdue]
    }
}

impl Store {
    /// A case, with overdue judged on `today` (YYYY-MM-DD).
    pub async fn case(&self, case_id: &str, today: &str) -> Result<Option<CaseRecord>> {
        let sql = format!("SELECT {CASE_COLS} FROM supervision_case c WHERE c.case_id = $1");
        Ok(self.row(&sql, params![case_id]).await?.map(|r| case_record(&r, today)))
    }

    /// A page of cases (newest first) and how many match.
    pub async fn cases_page(&self, f: &CaseFilter, offset: i64, limit: i64) -> Result<(Vec<CaseRecord>, i64)> {
        let list = (CASE_COLS, "supervision_case c", CaseFilter::COND, "c.opened_at DESC, c.case_id DESC");
        let (rows, total) = self.page(list, f.params(), offset, limit).await?;
        Ok((rows.iter().map(|r| case_record(r, &f.today)).collect(), total))
    }

    /// The steps a case reached, in order.
    pub async fn case_steps(&self, case_id: &str) -> Result<Vec<CaseStep>> {
        let rows = self.rows("SELECT * FROM case_step WHERE case_id = $1 ORDER BY seq", params![case_id]).await?;
        Ok(rows
            .iter()
            .map(|r| CaseStep {
                status: r.text("status"),
                seq: r.int("seq"),
                actor: r.text("actor"),
                at: r.text("at"),
                note: r.text("note"),
            })
            .collect())
    }

    pub async fn case_outcomes(&self, case_id: &str) -> Result<Vec<OutcomeRecord>> {
        let rows = self
            .rows("SELECT * FROM case_outcome WHERE case_id = $1 ORDER BY at, outcome_id", params![case_id])
            .await?;
        Ok(rows
            .iter()
            .map(|r| OutcomeRecord {
                outcome_id: r.text("outcome_id"),
                kind: r.text("kind"),
                amount: r.int("amount"),
                begndate: r.opt_text("begndate"),
                enddate: r.opt_text("enddate"),
                note: r.text("note"),
                actor: r.text("actor"),
                at: r.text("at"),
            })
            .collect())
    }

    pub async fn case_attachments(&self, case_id: &str) -> Result<Vec<AttachmentInfo>> {
        let rows = self
            .rows(
                "SELECT attachment_id, case_id, name, content_type, size, actor, at FROM case_attachment
                 WHERE case_id = $1 ORDER BY at, attachment_id",
                params![case_id],
            )
            .await?;
        Ok(rows.iter().map(attachment_info).collect())
    }

    /// An attachment of a case and its bytes.
    pub async fn case_attachment(&self, case_id: &str, id: &str) -> Result<Option<(AttachmentInfo, Vec<u8>)>> {
        let r = self
            .row("SELECT * FROM case_attachment WHERE case_id = $1 AND attachment_id = $2", params![case_id, id])
            .await?;
        Ok(r.map(|r| (attachment_info(&r), from_hex(&r.text("content")))))
    }

    /// Supervision statistics for a period (YYYY-MM-DD, inclusive); overdue is judged on `today`.
    pub async fn supervision_stats(&self, from: &str, to: &str, today: &str) -> Result<SupervisionStats> {
        let to_end = format!("{to} 23:59:59");
        let one = |sql: &'static str, p: Vec<Param>| async move {
            self.scan(sql, p).await.map(|r| r.first().map_or((0, 0), |r| (r.int_at(0), r.int_at(1))))
        };
        let (inspected, inspected_institutions) = one(
            "SELECT CAST(COUNT(*) AS BIGINT), CAST(COUNT(DISTINCT fixmedins_code) AS BIGINT) FROM supervision_case
             WHERE opened_at >= $1 AND opened_at <= $2",
            params![from, &to_end],
        )
        .await?;
        let (cases_closed, _) = one(
            "SELECT CAST(COUNT(*) AS BIGINT), CAST(0 AS BIGINT) FROM supervision_case WHERE closed_at >= $1 AND closed_at <= $2",
            params![from, &to_end],
        )
        .await?;
        let (overdue, _) = one(
            "SELECT CAST(COUNT(*) AS BIGINT), CAST(0 AS BIGINT) FROM supervision_case WHERE status <> 'closed' AND due_date < $1",
            params![today],
        )
        .await?;
        // One pass over the period's outcomes for all five figures.
        let outcomes = self
            .scan(
                "SELECT CAST(COUNT(DISTINCT case_id) AS BIGINT) AS handled,
                   CAST(COALESCE(SUM(CASE WHEN kind = 'suspend' THEN 1 ELSE 0 END), 0) AS BIGINT) AS suspended,
                   CAST(COALESCE(SUM(CASE WHEN kind = 'recover' THEN amount ELSE 0 END), 0) AS BIGINT) AS recovered,
                   CAST(COALESCE(SUM(CASE WHEN kind = 'fine' THEN amount ELSE 0 END), 0) AS BIGINT) AS fines,
                   CAST(COALESCE(SUM(CASE WHEN kind = 'deposit' THEN amount ELSE 0 END), 0) AS BIGINT) AS deposit
                 FROM case_outcome WHERE at >= $1 AND at <= $2",
                params![from, &to_end],
            )
            .await?;
        let outcome = |name: &str| outcomes.first().map_or(0, |r| r.int(name));
        let (handled, suspended) = (outcome("handled"), outcome("suspended"));
        let (recovered, fines, deposit) = (outcome("recovered"), outcome("fines"), outcome("deposit"));
        let (held_count, held_amount) = one(
            "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM audit_finding
             WHERE status = $3 AND occurred_on >= $1 AND occurred_on <= $2",
            params![from, to, HELD],
        )
        .await?;
        let (findings, _) = one(
            "SELECT CAST(COUNT(*) AS BIGINT), CAST(0 AS BIGINT) FROM audit_finding WHERE occurred_on >= $1 AND occurred_on <= $2",
            params![from, to],
        )
        .await?;
        Ok(SupervisionStats {
            inspected,
            inspected_institutions,
            handled,
            cases_opened: inspected,
            cases_closed,
            overdue,
            recovered,
            fines,
            deposit,
            suspended,
            held_count,
            held_amount,
            findings,
        })
    }
}

fn attachment_info(r: &Row) -> AttachmentInfo {
    AttachmentInfo {
        attachment_id: r.text("attachment_id"),
        case_id: r.text("case_id"),
        name: r.text("name"),
        content_type: r.text("content_type"),
        size: r.int("size"),
        actor: r.text("actor"),
        at: r.text("at"),
    }
}
