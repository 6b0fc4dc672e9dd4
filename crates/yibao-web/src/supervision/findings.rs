//! Findings (疑点): the list filtered by period, institution, rule, status and the 事后 review run that raised them
//! (paginated on the server, people masked, exported to xlsx), one finding with its evidence, and its review — 排除,
//! 确认违规, or 已追回 directly.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use yibao_store::Op;
use yibao_store::supervision::{self, CLEARED, CONFIRMED, HELD, RECOVERED, SupervisionOp};
use yibao_store::supervision_read::{FindingFilter, FindingRecord};

use super::{Change, apply, check_period, hidden, inst_name, institutions, masked_person, pairs};
use crate::App;
use crate::auth::{Area, Staff};
use crate::export::{self, Sheet, X};
use crate::table::{Cell, Field, TablePage};
use crate::ui::{self, Layout, PAGE_SIZE, Pager, esc};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/supervision/findings", get(list))
        .route("/supervision/findings.xlsx", get(xlsx))
        .route("/supervision/findings/{id}", get(detail))
        .route("/supervision/findings/{id}/review", post(review))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FindingQuery {
    from: String,
    to: String,
    inst: String,
    rule: String,
    status: String,
    /// A 事后 review run's id (from the 事后审核 page).
    run: String,
    page: i64,
    done: String,
}

impl FindingQuery {
    fn filter(&self) -> FindingFilter {
        FindingFilter {
            from: self.from.trim().into(),
            to: self.to.trim().into(),
            fixmedins_code: self.inst.clone(),
            rule_id: self.rule.clone(),
            status: self.status.clone(),
            case_id: String::new(),
            run_id: self.run.trim().into(),
        }
    }

    fn qs(&self) -> String {
        ui::query_string(&[
            ("from", &self.from),
            ("to", &self.to),
            ("inst", &self.inst),
            ("rule", &self.rule),
            ("status", &self.status),
            ("run", &self.run),
        ])
    }
}

/// A page of the findings the query selects, and how many match.
async fn page_of(
    app: &crate::Web,
    q: &FindingQuery,
    offset: i64,
    limit: i64,
) -> yibao_store::Result<(Vec<FindingRecord>, i64)> {
    app.store.findings_page(&q.filter(), offset, limit).await
}

const STATUSES: &[(&str, &str)] =
    &[(HELD, "待查"), (CONFIRMED, "确认违规"), (RECOVERED, "已追回"), (CLEARED, "已排除")];

const HEADERS: [&str; 10] =
    ["疑点编号", "发生日期", "定点机构", "规则", "严重程度", "人员", "金额（元）", "状态", "来源", "案件"];

fn source_zh(s: &str) -> &'static str {
    if s == "settle" { "事中（结算时）" } else { "事后审核" }
}

/// Each person of the findings once, masked.
async fn people(app: &crate::Web, rows: &[FindingRecord]) -> HashMap<String, String> {
    let mut m = HashMap::new();
    for p in rows.iter().filter_map(|f| f.row.psn_no.as_deref()) {
        if !m.contains_key(p) {
            m.insert(p.to_string(), masked_person(app, Some(p)).await);
        }
    }
    m
}

/// A finding's cells as a list shows them (the person masked).
fn cells(insts: &[(String, String)], people: &HashMap<String, String>, f: &FindingRecord) -> [String; 10] {
    let r = &f.row;
    [
        r.finding_id.clone(),
        r.occurred_on.clone(),
        inst_name(insts, &r.fixmedins_code),
        format!("{} {}", r.rule_id, r.rule_name),
        r.sev_deg.clone(),
        r.psn_no.as_ref().and_then(|p| people.get(p)).cloned().unwrap_or_else(|| "（机构层面）".into()),
        ui::yuan(r.amount),
        supervision::status_name(&r.status).to_string(),
        source_zh(&r.source).to_string(),
        f.case_id.clone().unwrap_or_default(),
    ]
}

async fn list(State(app): State<App>, staff: Staff, Query(q): Query<FindingQuery>) -> Response {
    if let Err(r) = staff.require(Area::FindingReview) {
        return r;
    }
    if let Err(r) = check_period(&staff, q.from.trim(), q.to.trim()) {
        return r;
    }
    let page = q.page.max(1);
    let (rows, total) = match page_of(&app, &q, Pager::offset(page), PAGE_SIZE).await {
        Ok(x) => x,
        Err(e) => return ui::internal(Some(&staff), e),
    };
    let insts = institutions(&app).await;
    let rules: Vec<(String, String)> = app
        .store
        .finding_rules()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(id, name)| (id.clone(), format!("{id} {name}")))
        .collect();
    let mut t =
        TablePage::new(Layout::new(&staff, "基金监管疑点", "/supervision/findings"), "/supervision/findings", &HEADERS);
    t.filters = vec![
        Field::date("from", "发生日期自", &q.from),
        Field::date("to", "至", &q.to),
        Field::select("inst", "定点机构", &q.inst, insts.clone()),
        Field::select("rule", "规则", &q.rule, rules),
        Field::select("status", "状态", &q.status, pairs(STATUSES)),
        Field::text("run", "审核批次", &q.run),
    ];
    t.before =
        "<p><a href=\"/supervision/payable\">机构应付与暂扣金额</a> · <a href=\"/supervision/runs\">事后审核</a>"
            .to_string();
    if staff.role.can(Area::Supervision) {
        t.before
            .push_str(" · <a href=\"/supervision/cases\">案件台账</a> · <a href=\"/supervision/stats\">监管统计</a>");
    }
    t.before.push_str("</p>");
    if !q.done.is_empty() {
        t.notice = format!("疑点 {} 已处理。", q.done);
    } else if !q.run.is_empty() {
        t.notice = format!("审核批次 {} 的疑点 {total} 条。", q.run);
    }
    let who = people(&app, &rows).await;
    for f in &rows {
        let mut c: Vec<Cell> = cells(&insts, &who, f).into_iter().map(Cell::t).collect();
        c[0].href = format!("/supervision/findings/{}", f.row.finding_id);
        c[6].num = true;
        if let Some(k) = f.case_id.as_ref().filter(|_| staff.role.can(Area::Supervision)) {
            c[9].href = format!("/supervision/cases/{k}");
        }
        t.rows.push(c);
    }
    let qs = q.qs();
    t.export = format!("/supervision/findings.xlsx?{qs}");
    t.pager = Some(Pager::new(&format!("/supervision/findings?{qs}"), page, total));
    ui::render_ok(&t)
}

/// The most findings one export writes.
const EXPORT_MAX: i64 = 100_000;

async fn xlsx(State(app): State<App>, staff: Staff, Query(q): Query<FindingQuery>) -> Response {
    if let Err(r) = staff.require(Area::FindingReview) {
        return r;
    }
    if let Err(r) = check_period(&staff, q.from.trim(), q.to.trim()) {
        return r;
    }
    let (rows, total) = match page_of(&app, &q, 0, EXPORT_MAX).await {
        Ok(x) => x,
        Err(e) => return ui::internal(Some(&staff), e),
    };
    if total > EXPORT_MAX {
        return ui::bad(&staff, &format!("符合条件的疑点 {total} 条，超过单次导出上限 {EXPORT_MAX} 条，请缩小条件。"));
    }
    let insts = institutions(&app).await;
    let mut out = Vec::with_capacity(rows.len());
    let who = people(&app, &rows).await;
    for f in &rows {
        let c = cells(&insts, &who, f);
        let mut row: Vec<X> = c.into_iter().map(X::T).collect();
        row[6] = X::Fen(f.row.amount);
        out.push(row);
    }
    let sheet = Sheet {
        name: "监管疑点".into(),
        title: format!("基金监管疑点 {}", q.qs()),
        headers: HEADERS.iter().map(|h| h.to_string()).collect(),
        rows: out,
    };
    let detail = format!("{total} 条；{}", q.qs());
    export::logged_xlsx(&app, &staff, ("导出监管疑点", "export", &detail), &[sheet], "监管疑点.xlsx").await
}

async fn detail(State(app): State<App>, staff: Staff, Path(id): Path<String>) -> Response {
    if let Err(r) = staff.require(Area::FindingReview) {
        return r;
    }
    let f = match app.store.finding(&id).await {
        Ok(Some(f)) => f,
        Ok(None) => return ui::not_found(&staff, &format!("疑点 {id} 不存在")),
        Err(e) => return ui::internal(Some(&staff), e),
    };
    let insts = institutions(&app).await;
    let r = &f.row;
    let mut t =
        TablePage::new(Layout::new(&staff, &format!("疑点 {id}"), "/supervision/findings"), "", &["项目", "内容"]);
    let case = f.case_id.clone().unwrap_or_else(|| "未归入案件".into());
    let kv: Vec<(&str, String)> = vec![
        ("状态", supervision::status_name(&r.status).to_string()),
        (
            "来源",
            format!("{}{}", source_zh(&r.source), r.run_id.as_ref().map_or(String::new(), |x| format!("（批次 {x}）"))),
        ),
        ("规则", format!("{} {}（严重程度 {}）", r.rule_id, r.rule_name, r.sev_deg)),
        ("定点机构", inst_name(&insts, &r.fixmedins_code)),
        ("人员", masked_person(&app, r.psn_no.as_deref()).await),
        ("发生日期", r.occurred_on.clone()),
        ("涉及结算", r.setl_ids.replace(',', "、")),
        ("暂扣金额（元）", ui::yuan(r.amount)),
        ("疑点证据", r.evidence.clone()),
        ("发现时间", f.found_at.clone()),
        ("审核人", f.reviewer.clone().unwrap_or_default()),
        ("审核时间", f.reviewed_at.clone().unwrap_or_default()),
        ("审核意见", f.review_note.clone().unwrap_or_default()),
        ("所属案件", case),
    ];
    t.rows = kv.into_iter().map(|(k, v)| vec![Cell::t(k), Cell::t(v)]).collect();
    // The run's other findings.
    if let Some(run) = &r.run_id {
        t.rows[1][1].href = format!("/supervision/findings?run={}", ui::url_encode(run));
    }
    t.before = "<p><a href=\"/supervision/findings\">返回疑点列表</a></p>".into();
    let actions: &[(&str, &str, &str)] = match r.status.as_str() {
        HELD => &[("clear", "排除（不违规，放行支付）", ""), ("confirm", "确认违规", "danger")],
        CONFIRMED => &[("recover", "登记已追回", "")],
        _ => &[],
    };
    if !actions.is_empty() {
        let buttons: String = actions
            .iter()
            .map(|(a, l, c)| format!("<button type=\"submit\" name=\"action\" value=\"{a}\" class=\"{c}\" data-testid=\"review-{a}\">{l}</button>"))
            .collect();
        t.after = format!(
            "<h2>审核</h2><form method=\"post\" action=\"/supervision/findings/{}/review\" class=\"filters\">{}
<input type=\"hidden\" name=\"from\" value=\"{}\">
<label class=\"wide\">审核意见 <input name=\"note\" required maxlength=\"500\" data-testid=\"review-note\"></label>{buttons}</form>",
            esc(&id),
            hidden(&staff),
            esc(&r.status)
        );
    }
    ui::render_ok(&t)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReviewForm {
    csrf: String,
    rid: String,
    action: String,
    /// The status the page showed (a finding reviewed by someone else since is a conflict).
    from: String,
    note: String,
}

async fn review(State(app): State<App>, staff: Staff, Path(id): Path<String>, Form(f): Form<ReviewForm>) -> Response {
    if let Err(r) = staff.require_post(Area::FindingReview, &f.csrf) {
        return r;
    }
    let (from, to, what) = match f.action.as_str() {
        "clear" => (HELD, CLEARED, "排除疑点"),
        "confirm" => (HELD, CONFIRMED, "确认违规"),
        "recover" => (CONFIRMED, RECOVERED, "登记追回"),
        other => return ui::bad(&staff, &format!("审核操作“{other}”无效（应为 排除、确认违规 或 登记追回）")),
    };
    if !f.from.is_empty() && f.from != from {
        return ui::bad(
            &staff,
            &format!("疑点状态“{}”不能执行“{what}”，请刷新疑点页面按当前状态办理", supervision::status_name(&f.from)),
        );
    }
    let note = f.note.trim();
    if note.is_empty() || note.chars().count() > 500 {
        return ui::bad(&staff, "请填写审核意见（500 字以内）");
    }
    let finding = match app.store.finding(&id).await {
        Ok(Some(x)) => x,
        Ok(None) => return ui::bad(&staff, &format!("疑点 {id} 不存在")),
        Err(e) => return ui::internal(Some(&staff), e),
    };
    let op = Op::Supervision(SupervisionOp::ReviewFinding {
        finding_id: id.clone(),
        from: from.into(),
        to: to.into(),
        reviewer: staff.username.clone(),
        note: note.into(),
    });
    let detail =
        format!("{what}：{} 元，机构 {}；意见：{note}", ui::yuan(finding.row.amount), finding.row.fixmedins_code);
    let c = Change {
        ops: vec![op],
        action: what,
        entity: "finding",
        entity_id: &id,
        detail,
        to: format!("/supervision/findings/{id}"),
    };
    apply(&app, &staff, &f.rid, c).await
}
