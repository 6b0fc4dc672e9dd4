//! Supervision statistics for a period, in the words of the bureaus' reports: institutions inspected, cases, fines,
//! recovered funds, suspended agreements and the held money still outstanding.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::{check_period, period, today};
use crate::App;
use crate::auth::{Area, Staff};
use crate::table::{Cell, Field, TablePage};
use crate::ui::{self, Layout};

pub fn routes() -> Router<App> {
    Router::new().route("/supervision/stats", get(stats))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StatsQuery {
    from: String,
    to: String,
}

async fn stats(State(app): State<App>, staff: Staff, Query(q): Query<StatsQuery>) -> Response {
    if let Err(r) = staff.require(Area::Supervision) {
        return r;
    }
    let (from, to) = period(q.from.trim(), q.to.trim());
    if let Err(r) = check_period(&staff, &from, &to) {
        return r;
    }
    let s = match app.store.supervision_stats(&from, &to, &today()).await {
        Ok(s) => s,
        Err(e) => return ui::internal(Some(&staff), e),
    };
    let mut t = TablePage::new(
        Layout::new(&staff, "基金监管统计", "/supervision/cases"),
        "/supervision/stats",
        &["指标", "数值"],
    );
    t.filters = vec![Field::date("from", "开始日期", &from), Field::date("to", "结束日期", &to)];
    let rows: Vec<(&str, String)> = vec![
        ("检查定点医药机构（家次）", s.inspected.to_string()),
        ("涉及定点医药机构（家）", s.inspected_institutions.to_string()),
        ("处理违规定点医药机构（家次）", s.handled.to_string()),
        ("登记案件（件）", s.cases_opened.to_string()),
        ("结案（件）", s.cases_closed.to_string()),
        ("超期未结案件（件，截至今日）", s.overdue.to_string()),
        ("追回违规医保基金（元）", ui::yuan(s.recovered)),
        ("罚款/违约金（元）", ui::yuan(s.fines)),
        ("扣除质量保证金（元）", ui::yuan(s.deposit)),
        ("暂停医保服务协议（家次）", s.suspended.to_string()),
        ("发现疑点（条）", s.findings.to_string()),
        ("待查暂扣疑点（条）", s.held_count.to_string()),
        ("待查暂扣金额（元）", ui::yuan(s.held_amount)),
    ];
    t.rows = rows.into_iter().map(|(k, v)| vec![Cell::t(k), Cell::n(v)]).collect();
    t.before = format!(
        "<p class=\"hint\">案件按登记日期、处理结果按登记日期、疑点按违规发生日期计入 {from} 至 {to}。\
追回违规医保基金 {} 万元，罚款/违约金 {} 万元。</p>",
        ui::wan(s.recovered),
        ui::wan(s.fines)
    );
    ui::render_ok(&t)
}
