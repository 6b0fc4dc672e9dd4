//! The web interface's write operations (one `Op::Web` variant): staff accounts, sessions, processed form requests,
//! window drafts, staff-entered figures, bulletins, agreement resumption, and the statistics rollup refresh.

use crate::db::{Fail, Stmt};
use crate::params;

/// One change made by the web interface.
#[derive(Debug, Clone)]
pub enum WebOp {
    /// Creates or replaces a staff account (the failure count and lock are cleared).
    UpsertUser {
        username: String,
        display_name: String,
        role: String,
        fixmedins_code: Option<String>,
        pw_hash: String,
        active: bool,
    },
    /// A failed sign-in: counts it, and locks the account until `lock_until` once `max` failures are reached.
    LoginFailed {
        username: String,
        max: i64,
        lock_until: String,
    },
    /// A successful sign-in clears the failure count.
    LoginOk {
        username: String,
    },
    InsertSession {
        token_hash: String,
        username: String,
        csrf: String,
        expires_at: String,
    },
    EndSession {
        token_hash: String,
    },
    /// Records a processed form; a second record of the same request id fails as Duplicate.
    Request {
        request_id: String,
        username: String,
        action: String,
        result: String,
    },
    /// The window's pre-settled bill: the visit registered for it.
    Draft {
        request_id: String,
        username: String,
        psn_no: String,
        fixmedins_code: String,
        mdtrt_id: String,
        kind: String,
        content: String,
        settle_input: String,
    },
    SetBudget {
        admdvs: String,
        year: i64,
        insutype: String,
        raised: i64,
        by: String,
    },
    SetPopulation {
        admdvs: String,
        year: i64,
        registered: i64,
        by: String,
    },
    SaveBulletin {
        id: String,
        title: String,
        admdvs: String,
        from: String,
        to: String,
        body: String,
        by: String,
    },
    /// Ends an institution's open (or later-ending) suspension on `enddate` (an enddate before its begndate
    /// cancels it); Conflict if there is no such suspension.
    EndSuspension {
        fixmedins_code: String,
        begndate: String,
        enddate: String,
    },
    /// Statements of a statistics refresh, built by `stats.rs`.
    Stats(Vec<StatStmt>),
}

/// A statement of the statistics refresh (SQL and parameters, run as they are).
#[derive(Debug, Clone)]
pub struct StatStmt {
    pub sql: String,
    pub params: Vec<crate::Param>,
}

pub(crate) fn push(out: &mut Vec<Stmt>, op: WebOp) {
    let now = crate::now_text();
    match op {
        WebOp::UpsertUser { username, display_name, role, fixmedins_code, pw_hash, active } => out.push(Stmt::new(
            "INSERT INTO staff_user (username, display_name, role, fixmedins_code, pw_hash, failed, locked_until, active, created_at)
             VALUES ($1, $2, $3, $4, $5, 0, NULL, $6, $7)
             ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name, role = excluded.role,
               fixmedins_code = excluded.fixmedins_code, pw_hash = excluded.pw_hash, failed = 0, locked_until = NULL,
               active = excluded.active",
            params![username, display_name, role, fixmedins_code, pw_hash, i64::from(active), now],
        )),
        WebOp::LoginFailed { username, max, lock_until } => out.push(Stmt::new(
            "UPDATE staff_user SET failed = failed + 1,
               locked_until = CASE WHEN failed + 1 >= $1 THEN $2 ELSE locked_until END WHERE username = $3",
            params![max, lock_until, username],
        )),
        WebOp::LoginOk { username } => out.push(Stmt::new(
            "UPDATE staff_user SET failed = 0, locked_until = NULL WHERE username = $1",
            params![username],
        )),
        WebOp::InsertSession { token_hash, username, csrf, expires_at } => out.push(Stmt::new(
            "INSERT INTO staff_session (token_hash, username, csrf, created_at, expires_at, ended_at) VALUES ($1, $2, $3, $4, $5, NULL)",
            params![token_hash, username, csrf, now, expires_at],
        )),
        WebOp::EndSession { token_hash } => out.push(Stmt::new(
            "UPDATE staff_session SET ended_at = $1 WHERE token_hash = $2 AND ended_at IS NULL",
            params![now, token_hash],
        )),
        WebOp::Request { request_id, username, action, result } => {
            let m = format!("表单请求 {request_id} 已处理");
            out.push(
                Stmt::new(
                    "INSERT INTO web_request (request_id, username, action, result, created_at) VALUES ($1, $2, $3, $4, $5)",
                    params![request_id, username, action, result, now],
                )
                .dup(Fail::Duplicate(m)),
            );
        }
        WebOp::Draft { request_id, username, psn_no, fixmedins_code, mdtrt_id, kind, content, settle_input } => {
            out.push(Stmt::new(
                "INSERT INTO window_draft (request_id, username, psn_no, fixmedins_code, mdtrt_id, kind, content, settle_input, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (request_id) DO UPDATE SET psn_no = excluded.psn_no, fixmedins_code = excluded.fixmedins_code,
                   mdtrt_id = excluded.mdtrt_id, kind = excluded.kind, content = excluded.content,
                   settle_input = excluded.settle_input, updated_at = excluded.updated_at",
                params![request_id, username, psn_no, fixmedins_code, mdtrt_id, kind, content, settle_input, now],
            ))
        }
        WebOp::SetBudget { admdvs, year, insutype, raised, by } => out.push(Stmt::new(
            "INSERT INTO fund_budget (admdvs, year, insutype, raised, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (admdvs, year, insutype) DO UPDATE SET raised = excluded.raised, updated_by = excluded.updated_by,
               updated_at = excluded.updated_at",
            params![admdvs, year, insutype, raised, by, now],
        )),
        WebOp::SetPopulation { admdvs, year, registered, by } => out.push(Stmt::new(
            "INSERT INTO region_population (admdvs, year, registered, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (admdvs, year) DO UPDATE SET registered = excluded.registered, updated_by = excluded.updated_by,
               updated_at = excluded.updated_at",
            params![admdvs, year, registered, by, now],
        )),
        WebOp::SaveBulletin { id, title, admdvs, from, to, body, by } => out.push(Stmt::new(
            "INSERT INTO bulletin (id, title, admdvs, period_from, period_to, body, created_by, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (id) DO UPDATE SET title = excluded.title, body = excluded.body, updated_at = excluded.updated_at",
            params![id, title, admdvs, from, to, body, by, now],
        )),
        WebOp::EndSuspension { fixmedins_code, begndate, enddate } => {
            let m = format!("机构 {fixmedins_code} 自 {begndate} 起的暂停记录不存在或已在 {enddate} 前结束");
            out.push(
                Stmt::new(
                    "UPDATE agreement_suspension SET enddate = $1
                     WHERE fixmedins_code = $2 AND begndate = $3 AND (enddate IS NULL OR enddate > $1)",
                    params![enddate, fixmedins_code, begndate],
                )
                .one(Fail::Conflict(m)),
            );
        }
        WebOp::Stats(stmts) => out.extend(stmts.into_iter().map(|s| Stmt::new(s.sql, s.params))),
    }
}
