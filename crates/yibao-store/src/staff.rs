//! Reads for the web interface's own tables: staff accounts, sessions, processed requests, drafts, staff-entered
//! figures, bulletins and the audit log.

use crate::db::Row;
use crate::{AuditRow, Result, Store, params};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub fixmedins_code: Option<String>,
    pub pw_hash: String,
    pub failed: i64,
    pub locked_until: Option<String>,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffSession {
    pub username: String,
    pub csrf: String,
    pub expires_at: String,
    pub ended: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub username: String,
    pub psn_no: String,
    pub fixmedins_code: String,
    pub mdtrt_id: String,
    pub kind: String,
    pub content: String,
    pub settle_input: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bulletin {
    pub id: String,
    pub title: String,
    pub admdvs: String,
    pub period_from: String,
    pub period_to: String,
    pub body: String,
    pub created_by: String,
    pub updated_at: String,
}

/// Which audit rows a page shows.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: String,
    pub action: String,
    pub from: String,
    pub to: String,
}

fn user(r: &Row) -> StaffUser {
    StaffUser {
        username: r.text("username"),
        display_name: r.text("display_name"),
        role: r.text("role"),
        fixmedins_code: r.opt_text("fixmedins_code"),
        pw_hash: r.text("pw_hash"),
        failed: r.int("failed"),
        locked_until: r.opt_text("locked_until"),
        active: r.int("active") == 1,
    }
}

pub(crate) fn audit_row(r: &Row) -> AuditRow {
    AuditRow {
        id: r.text("id"),
        at: r.text("at"),
        actor: r.text("actor"),
        action: r.text("action"),
        entity: r.text("entity"),
        entity_id: r.text("entity_id"),
        detail: r.text("detail"),
    }
}

impl Store {
    pub async fn staff_user(&self, username: &str) -> Result<Option<StaffUser>> {
        Ok(self.row("SELECT * FROM staff_user WHERE username = $1", params![username]).await?.as_ref().map(user))
    }

    pub async fn staff_users(&self) -> Result<Vec<StaffUser>> {
        Ok(self.rows("SELECT * FROM staff_user ORDER BY role, username", params![]).await?.iter().map(user).collect())
    }

    pub async fn staff_session(&self, token_hash: &str) -> Result<Option<StaffSession>> {
        let r = self.row("SELECT * FROM staff_session WHERE token_hash = $1", params![token_hash]).await?;
        Ok(r.map(|r| StaffSession {
            username: r.text("username"),
            csrf: r.text("csrf"),
            expires_at: r.text("expires_at"),
            ended: r.opt_text("ended_at").is_some(),
        }))
    }

    /// What a processed form request resulted in (e.g. the page it redirected to), if it was processed.
    pub async fn web_request(&self, request_id: &str) -> Result<Option<String>> {
        let r = self.row("SELECT result FROM web_request WHERE request_id = $1", params![request_id]).await?;
        Ok(r.map(|r| r.text("result")))
    }

    pub async fn window_draft(&self, request_id: &str) -> Result<Option<Draft>> {
        let r = self.row("SELECT * FROM window_draft WHERE request_id = $1", params![request_id]).await?;
        Ok(r.map(|r| Draft {
            username: r.text("username"),
            psn_no: r.text("psn_no"),
            fixmedins_code: r.text("fixmedins_code"),
            mdtrt_id: r.text("mdtrt_id"),
            kind: r.text("kind"),
            content: r.text("content"),
            settle_input: r.text("settle_input"),
        }))
    }

    /// 全年筹资总额 entered for a year (all schemes, or one), in a region ("" = all regions).
    pub async fn raised_fund(&self, admdvs: &str, year: i64, insutype: Option<&str>) -> Result<i64> {
        let r = self
            .row(
                "SELECT CAST(COALESCE(SUM(raised), 0) AS BIGINT) AS v FROM fund_budget
                 WHERE year = $1 AND ($2 = '' OR admdvs = $2) AND ($3 = '' OR insutype = $3)",
                params![year, admdvs, insutype.unwrap_or("")],
            )
            .await?;
        Ok(r.map_or(0, |r| r.int("v")))
    }

    /// Every raised-fund figure: (admdvs, year, insutype, raised).
    pub async fn fund_budgets(&self) -> Result<Vec<(String, i64, String, i64)>> {
        let rows = self.rows("SELECT * FROM fund_budget ORDER BY year DESC, admdvs, insutype", params![]).await?;
        Ok(rows.iter().map(|r| (r.text("admdvs"), r.int("year"), r.text("insutype"), r.int("raised"))).collect())
    }

    /// Registered population of a region ("" = all regions) in a year, if entered.
    pub async fn registered_population(&self, admdvs: &str, year: i64) -> Result<Option<i64>> {
        let r = self
            .row(
                "SELECT CAST(SUM(registered) AS BIGINT) AS v FROM region_population WHERE year = $1 AND ($2 = '' OR admdvs = $2)",
                params![year, admdvs],
            )
            .await?;
        Ok(r.and_then(|r| r.opt_int("v")))
    }

    pub async fn populations(&self) -> Result<Vec<(String, i64, i64)>> {
        let rows = self.rows("SELECT * FROM region_population ORDER BY year DESC, admdvs", params![]).await?;
        Ok(rows.iter().map(|r| (r.text("admdvs"), r.int("year"), r.int("registered"))).collect())
    }

    pub async fn bulletins(&self) -> Result<Vec<Bulletin>> {
        let rows = self.rows("SELECT * FROM bulletin ORDER BY updated_at DESC, id", params![]).await?;
        Ok(rows.iter().map(bulletin).collect())
    }

    pub async fn bulletin(&self, id: &str) -> Result<Option<Bulletin>> {
        Ok(self.row("SELECT * FROM bulletin WHERE id = $1", params![id]).await?.as_ref().map(bulletin))
    }

    /// A page of the audit log, newest first, and the number of matching rows.
    pub async fn audit_page(&self, f: &AuditFilter, offset: i64, limit: i64) -> Result<(Vec<AuditRow>, i64)> {
        let to = if f.to.is_empty() { String::new() } else { format!("{} 23:59:59", f.to) };
        let cond =
            "($1 = '' OR actor = $1) AND ($2 = '' OR action = $2) AND ($3 = '' OR at >= $3) AND ($4 = '' OR at <= $4)";
        let p = params![&f.actor, &f.action, &f.from, to];
        let (rows, total) = self.page(("*", "audit_log", cond, "at DESC, id DESC"), p, offset, limit).await?;
        Ok((rows.iter().map(audit_row).collect(), total))
    }
}

fn bulletin(r: &Row) -> Bulletin {
    Bulletin {
        id: r.text("id"),
        title: r.text("title"),
        admdvs: r.text("admdvs"),
        period_from: r.text("period_from"),
        period_to: r.text("period_to"),
        body: r.text("body"),
        created_by: r.text("created_by"),
        updated_at: r.text("updated_at"),
    }
}
