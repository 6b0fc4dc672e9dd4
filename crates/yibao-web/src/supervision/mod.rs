//! Fund supervision's pages (基金监管): findings with their held money and review, institutions' payable, the case
//! ledger with its timeline, outcomes and attachments, supervision statistics, the rule library (规则库), and the
//! 事后 review runs (事后审核).
//! Reviewers (审核) may review findings and read the rule library; the case ledger and rule uploads are the
//! auditors' (监管). Every change runs once per form request id and is logged.

mod case_detail;
mod cases;
mod findings;
mod multipart;
mod payable;
mod rules;
mod runs;
mod stats;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use yibao_store::webop::WebOp;
use yibao_store::{Op, StoreError};

use crate::auth::Staff;
use crate::ui;
use crate::{App, Web};

pub fn routes() -> Router<App> {
    findings::routes()
        .merge(payable::routes())
        .merge(cases::routes())
        .merge(case_detail::routes())
        .merge(stats::routes())
        .merge(rules::routes())
        .merge(runs::routes())
}

pub(crate) fn today() -> String {
    chrono::Local::now().format("%Y-%m-%d").to_string()
}

/// A period from the query, the year so far by default.
pub(crate) fn period(from: &str, to: &str) -> (String, String) {
    let t = today();
    let from = if from.is_empty() { format!("{}-01-01", &t[..4]) } else { from.to_string() };
    let to = if to.is_empty() { t } else { to.to_string() };
    (from, to)
}

pub(crate) fn valid_date(d: &str) -> bool {
    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok()
}

/// Refuses a period whose dates are not YYYY-MM-DD.
pub(crate) fn check_period(staff: &Staff, from: &str, to: &str) -> Result<(), Response> {
    for (name, d) in [("开始日期", from), ("结束日期", to)] {
        if !d.is_empty() && !valid_date(d) {
            return Err(ui::bad(staff, &format!("{name}“{d}”无效（应为 年-月-日）")));
        }
    }
    Ok(())
}

/// The institutions, (code, name), for filters and forms.
pub(crate) async fn institutions(app: &Web) -> Vec<(String, String)> {
    app.store
        .institutions()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|i| (i.fixmedins_code.clone(), format!("{}（{}）", i.fixmedins_name, i.fixmedins_code)))
        .collect()
}

pub(crate) fn inst_name(insts: &[(String, String)], code: &str) -> String {
    insts.iter().find(|i| i.0 == code).map_or(code.to_string(), |i| i.1.clone())
}

/// A person's masked name and ID number for lists ("张*国 130302**********14").
pub(crate) async fn masked_person(app: &Web, psn_no: Option<&str>) -> String {
    let Some(p) = psn_no.filter(|p| !p.is_empty()) else { return "（机构层面）".into() };
    match app.store.person(p).await {
        Ok(Some(p)) => format!("{} {}", ui::mask_name(&p.psn_name), ui::mask_id(&p.certno)),
        _ => ui::mask_id(p),
    }
}

/// `<option>`s from (value, label) pairs, `selected` marked.
pub(crate) fn options(list: &[(String, String)], selected: &str) -> String {
    list.iter()
        .map(|(v, l)| {
            let sel = if v == selected { " selected" } else { "" };
            format!("<option value=\"{}\"{sel}>{}</option>", ui::esc(v), ui::esc(l))
        })
        .collect()
}

pub(crate) fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(c, n)| (c.to_string(), n.to_string())).collect()
}

/// The hidden fields every mutating form carries: the session's CSRF token and a fresh request id.
pub(crate) fn hidden(staff: &Staff) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"rid\" value=\"{}\">",
        ui::esc(&staff.csrf),
        ui::new_rid()
    )
}

/// What one change is: its operations and how the audit log describes it.
pub(crate) struct Change<'a> {
    pub ops: Vec<Op>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub detail: String,
    /// Where the browser goes afterwards.
    pub to: String,
}

/// Runs a change once per request id, with its audit row: a resubmitted form goes where the first went; a conflict
/// (someone else changed it first) or a duplicate is told in Chinese and changes nothing.
pub(crate) async fn apply(app: &Web, staff: &Staff, rid: &str, c: Change<'_>) -> Response {
    if rid.is_empty() || rid.len() > 64 {
        return ui::bad(staff, "表单缺少有效的请求编号（rid），请刷新页面后重试");
    }
    match app.store.web_request(rid).await {
        Ok(Some(done)) => return Redirect::to(&done).into_response(),
        Ok(None) => {}
        Err(e) => return ui::internal(Some(staff), e),
    }
    // The request id first: a form sent twice at once fails as its duplicate, not as a conflict with itself.
    let mut ops = vec![Op::Web(WebOp::Request {
        request_id: rid.into(),
        username: staff.username.clone(),
        action: c.action.into(),
        result: c.to.clone(),
    })];
    ops.extend(c.ops);
    ops.push(ui::audit_row(app, &staff.username, c.action, c.entity, c.entity_id, &c.detail));
    match app.store.commit(ops).await {
        Ok(()) => Redirect::to(&c.to).into_response(),
        Err(StoreError::Duplicate(m)) if m.contains(rid) => Redirect::to(&c.to).into_response(),
        Err(StoreError::Conflict(m)) => ui::message(Some(staff), StatusCode::CONFLICT, "未能办理，未作任何修改", &m),
        Err(StoreError::Duplicate(m)) => ui::bad(staff, &m),
        Err(e) => ui::internal(Some(staff), e),
    }
}
