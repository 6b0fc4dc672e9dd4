//! Page building blocks: the layout and navigation by role, rendering, messages, money and ratio formatting (exact,
//! from fen), masking, pagination, request ids and audit rows.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use yibao_store::{AuditRow, Op};

use crate::Web;
use crate::auth::{Area, Staff};

/// One navigation entry.
pub struct Nav {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

/// What every page's frame shows.
pub struct Layout {
    pub title: String,
    pub user: String,
    pub role: String,
    pub nav: Vec<Nav>,
    pub csrf: String,
}

const NAV: &[(&str, &str, Area)] = &[
    ("/window", "一站式结算", Area::Window),
    ("/records/people", "参保人员", Area::People),
    ("/records/settlements", "结算记录", Area::Records),
    ("/records/visits", "就诊记录", Area::Records),
    ("/records/institutions", "定点机构", Area::Records),
    ("/records/catalogue", "医保目录", Area::Records),
    ("/records/policies", "政策版本", Area::Records),
    ("/stats", "统计分析", Area::Statistics),
    ("/bulletin", "工作简报", Area::Bulletin),
    ("/supervision/findings", "监管疑点", Area::FindingReview),
    ("/supervision/cases", "案件台账", Area::Supervision),
    ("/supervision/rules", "规则库", Area::FindingReview),
    ("/supervision/runs", "事后审核", Area::FindingReview),
    ("/admin/figures", "筹资与人口", Area::Figures),
    ("/admin/audit", "操作日志", Area::AuditLog),
    ("/admin/users", "用户管理", Area::Users),
];

impl Layout {
    /// The frame for a staff member's page; `active` is the navigation entry's path.
    pub fn new(staff: &Staff, title: &str, active: &str) -> Layout {
        let nav = NAV
            .iter()
            .filter(|(_, _, a)| staff.role.can(*a))
            .filter(|(h, _, _)| staff.fixmedins_code.is_none() || !h.starts_with("/records/p"))
            .map(|(href, label, _)| Nav { href, label, active: *href == active })
            .collect();
        Layout {
            title: title.to_string(),
            user: staff.display_name.clone(),
            role: staff.role.name_zh().to_string(),
            nav,
            csrf: staff.csrf.clone(),
        }
    }
}

pub fn render<T: Template>(t: &T) -> Html<String> {
    Html(t.render().unwrap_or_else(|e| format!("页面生成失败：{}", esc(&e.to_string()))))
}

pub fn render_ok<T: Template>(t: &T) -> Response {
    render(t).into_response()
}

#[derive(Template)]
#[template(path = "message.html")]
struct Message {
    l: Option<Layout>,
    title: String,
    text: String,
}

/// A page with one message (an error, a refusal, a confirmation).
pub fn message(staff: Option<&Staff>, status: StatusCode, title: &str, text: &str) -> Response {
    let l = staff.map(|s| Layout::new(s, title, ""));
    (status, render(&Message { l, title: title.to_string(), text: text.to_string() })).into_response()
}

/// Bad input: what is wrong, in Chinese; nothing was changed.
pub fn bad(staff: &Staff, text: &str) -> Response {
    message(Some(staff), StatusCode::UNPROCESSABLE_ENTITY, "输入有误，未作任何修改", text)
}

pub fn not_found(staff: &Staff, what: &str) -> Response {
    message(Some(staff), StatusCode::NOT_FOUND, "未找到", what)
}

pub fn internal(staff: Option<&Staff>, e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "web request failed");
    message(staff, StatusCode::INTERNAL_SERVER_ERROR, "系统错误", &format!("处理失败，请稍后重试（{e}）"))
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).expect("the system's random source");
    b
}

pub fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).expect("the system's random source");
    hex::encode(b)
}

/// A fresh request id for a mutating form.
pub fn new_rid() -> String {
    format!("W{}", random_hex(12))
}

/// An audit-log row for a staff action.
pub fn audit_row(app: &Web, actor: &str, action: &str, entity: &str, entity_id: &str, detail: &str) -> Op {
    Op::Audit(AuditRow {
        id: app.gw.ids.id('A'),
        at: yibao_store::now_text(),
        actor: actor.to_string(),
        action: action.to_string(),
        entity: entity.to_string(),
        entity_id: entity_id.to_string(),
        detail: detail.to_string(),
    })
}

pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

pub fn url_encode(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => o.push(b as char),
            _ => o.push_str(&format!("%{b:02X}")),
        }
    }
    o
}

/// Yuan with thousands separators: 1,234.56.
pub fn yuan(fen: i64) -> String {
    yibao_core::Fen(fen).grouped().to_string()
}

/// 万元 with two decimals, rounded half-up (13782.30).
pub fn wan(fen: i64) -> String {
    let v = yibao_core::money::round_div(i128::from(fen), 10_000);
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// num ÷ den as a percentage with two decimals, rounded half-up ("53.65%"); "—" when den is 0.
pub fn pct(num: i64, den: i64) -> String {
    if den <= 0 {
        return "—".to_string();
    }
    let v = yibao_core::money::round_div(i128::from(num) * 10_000, i128::from(den));
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    format!("{sign}{}.{:02}%", a / 100, a % 100)
}

pub fn mask_id(id: &str) -> String {
    yibao_core::codes::mask_id(id)
}

pub fn mask_name(n: &str) -> String {
    yibao_core::codes::mask_name(n)
}

/// A page position in a server-paginated list.
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub prev: String,
    pub next: String,
}

pub const PAGE_SIZE: i64 = 50;

impl Pager {
    /// `base` is the list's URL with its filters, without `page`.
    pub fn new(base: &str, page: i64, total: i64) -> Pager {
        let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
        let sep = if base.contains('?') { '&' } else { '?' };
        let link =
            |p: i64| if p >= 1 && p <= pages && p != page { format!("{base}{sep}page={p}") } else { String::new() };
        Pager { page, pages, total, prev: link(page - 1), next: link(page + 1) }
    }

    pub fn offset(page: i64) -> i64 {
        (page.max(1) - 1) * PAGE_SIZE
    }
}

/// A query string from (name, value) pairs, leaving out empty values.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    let parts: Vec<String> =
        pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", url_encode(v))).collect();
    parts.join("&")
}

/// Labels from the national dictionaries (the region's pack may extend them).
pub fn label(kind: &str, code: &str) -> String {
    static DICT: std::sync::OnceLock<yibao_core::codes::Dictionaries> = std::sync::OnceLock::new();
    let d = DICT.get_or_init(yibao_core::codes::Dictionaries::national);
    match d.label(kind, code) {
        Some(l) => format!("{code} {l}"),
        None => code.to_string(),
    }
}

pub fn hosp_lv_zh(lv: &str) -> &'static str {
    match lv {
        "1" => "一级",
        "2" => "二级",
        "3" => "三级",
        _ => "未定级",
    }
}

pub fn insutype_zh(t: &str) -> String {
    label(yibao_core::codes::kind::INSUTYPE, t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_exact() {
        assert_eq!(wan(13_782_300_000), "13782.30");
        assert_eq!(wan(14_299_949), "14.30");
        assert_eq!(wan(-5_000), "-0.01");
        assert_eq!(pct(5365, 10_000), "53.65%");
        assert_eq!(pct(2924, 10_000), "29.24%");
        assert_eq!(pct(1, 3), "33.33%");
        assert_eq!(pct(2, 3), "66.67%");
        assert_eq!(pct(1, 0), "—");
        assert_eq!(yuan(123_456_789), "1,234,567.89");
        assert_eq!(url_encode("/a b?c=中"), "/a%20b%3Fc%3D%E4%B8%AD");
    }
}
