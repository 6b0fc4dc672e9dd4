//! The case ledger's list (案件台账) with overdue flags, filtered by period, institution, source and status, and
//! opening a case (线索).

use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use yibao_store::Op;
use yibao_store::cases::{self, CaseOp, NewCase, SOURCES, STATUSES};
use yibao_store::cases_read::CaseFilter;

use super::{Change, apply, check_period, hidden, inst_name, institutions, options, pairs, today, valid_date};
use crate::App;
use crate::auth::{Area, Staff};
use crate::table::{Cell, Field, TablePage};
use crate::ui::{self, Layout, PAGE_SIZE, Pager, esc};

pub fn routes() -> Router<App> {
    Router::new().route("/supervision/cases", get(list).post(open))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CaseQuery {
    from: String,
    to: String,
    inst: String,
    source: String,
    status: String,
    overdue: String,
    page: i64,
}

const HEADERS: [&str; 11] = [
    "案件编号",
    "案件名称",
    "来源",
    "定点机构",
    "状态",
    "办结期限",
    "是否超期",
    "追回（元）",
    "罚款/违约金（元）",
    "扣保证金（元）",
    "立案登记",
];

async fn list(State(app): State<App>, staff: Staff, Query(q): Query<CaseQuery>) -> Response {
    if let Err(r) = staff.require(Area::Supervision) {
        return r;
    }
    if let Err(r) = check_period(&staff, q.from.trim(), q.to.trim()) {
        return r;
    }
    let f = CaseFilter {
        from: q.from.trim().into(),
        to: q.to.trim().into(),
        fixmedins_code: q.inst.clone(),
        source: q.source.clone(),
        status: q.status.clone(),
        overdue_only: q.overdue == "1",
        today: today(),
    };
    let page = q.page.max(1);
    let (rows, total) = match app.store.cases_page(&f, Pager::offset(page), PAGE_SIZE).await {
        Ok(x) => x,
        Err(e) => return ui::internal(Some(&staff), e),
    };
    let insts = institutions(&app).await;
    let mut t = TablePage::new(Layout::new(&staff, "案件台账", "/supervision/cases"), "/supervision/cases", &HEADERS);
    t.filters = vec![
        Field::date("from", "登记日期自", &q.from),
        Field::date("to", "至", &q.to),
        Field::select("inst", "定点机构", &q.inst, insts.clone()),
        Field::select("source", "来源", &q.source, pairs(SOURCES)),
        Field::select("status", "状态", &q.status, pairs(STATUSES)),
        Field::select("overdue", "超期", &q.overdue, vec![("1".into(), "仅超期".into())]),
    ];
    t.before = "<p><a href=\"/supervision/findings\">监管疑点</a> · <a href=\"/supervision/payable\">机构应付与暂扣金额</a> · \
<a href=\"/supervision/stats\">监管统计</a></p>"
        .into();
    for c in &rows {
        t.rows.push(vec![
            Cell::link(&c.case_id, format!("/supervision/cases/{}", c.case_id)),
            Cell::t(&c.title),
            Cell::t(cases::source_name(&c.source)),
            Cell::t(inst_name(&insts, &c.fixmedins_code)),
            Cell::t(cases::status_name(&c.status)),
            Cell::t(&c.due_date),
            Cell::t(if c.overdue { "超期" } else { "" }),
            Cell::n(ui::yuan(c.recovered)),
            Cell::n(ui::yuan(c.fine)),
            Cell::n(ui::yuan(c.deposit)),
            Cell::t(format!("{} {}", c.opened_at, c.opened_by)),
        ]);
    }
    let qs = ui::query_string(&[
        ("from", &q.from),
        ("to", &q.to),
        ("inst", &q.inst),
        ("source", &q.source),
        ("status", &q.status),
        ("overdue", &q.overdue),
    ]);
    t.pager = Some(Pager::new(&format!("/supervision/cases?{qs}"), page, total));
    let due = (chrono::Local::now() + chrono::Duration::days(30)).format("%Y-%m-%d");
    t.after = format!(
        "<h2>登记案件线索</h2><form method=\"post\" action=\"/supervision/cases\" class=\"filters\">{}
<label>来源 <select name=\"source\" data-testid=\"case-source\">{}</select></label>
<label>定点机构 <select name=\"inst\" data-testid=\"case-inst\">{}</select></label>
<label>涉及人员编号（可空） <input name=\"psn_no\" maxlength=\"40\"></label>
<label class=\"wide\">案件名称 <input name=\"title\" required maxlength=\"100\" data-testid=\"case-title\"></label>
<label>办结期限 <input type=\"date\" name=\"due_date\" value=\"{due}\" required></label>
<label class=\"wide\">线索说明 <input name=\"note\" maxlength=\"500\"></label>
<button type=\"submit\" data-testid=\"case-open\">登记</button></form>",
        hidden(&staff),
        options(&pairs(SOURCES), ""),
        options(&insts, ""),
    );
    ui::render_ok(&t)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OpenForm {
    csrf: String,
    rid: String,
    source: String,
    inst: String,
    psn_no: String,
    title: String,
    due_date: String,
    note: String,
}

async fn open(State(app): State<App>, staff: Staff, Form(f): Form<OpenForm>) -> Response {
    if let Err(r) = staff.require_post(Area::Supervision, &f.csrf) {
        return r;
    }
    if !SOURCES.iter().any(|(c, _)| *c == f.source) {
        return ui::bad(&staff, &format!("案件来源“{}”无效", esc(&f.source)));
    }
    match app.store.institution(&f.inst).await {
        Ok(Some(_)) => {}
        Ok(None) => return ui::bad(&staff, &format!("定点机构编码“{}”不存在", f.inst)),
        Err(e) => return ui::internal(Some(&staff), e),
    }
    let psn = f.psn_no.trim();
    if !psn.is_empty() {
        match app.store.person(psn).await {
            Ok(Some(_)) => {}
            Ok(None) => return ui::bad(&staff, &format!("涉及人员编号“{psn}”不存在")),
            Err(e) => return ui::internal(Some(&staff), e),
        }
    }
    let title = f.title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        return ui::bad(&staff, "请填写案件名称（100 字以内）");
    }
    let due = f.due_date.trim();
    if !valid_date(due) {
        return ui::bad(&staff, &format!("办结期限“{due}”无效（应为 年-月-日）"));
    }
    if f.note.chars().count() > 500 {
        return ui::bad(&staff, "线索说明应在 500 字以内");
    }
    let case_id = app.gw.ids.id('K');
    let op = Op::Case(CaseOp::Open(NewCase {
        case_id: case_id.clone(),
        source: f.source.clone(),
        fixmedins_code: f.inst.clone(),
        psn_no: (!psn.is_empty()).then(|| psn.to_string()),
        title: title.into(),
        due_date: due.into(),
        opened_by: staff.username.clone(),
        note: f.note.trim().into(),
    }));
    let detail = format!("{}：{title}；机构 {}；期限 {due}", cases::source_name(&f.source), f.inst);
    let c = Change {
        ops: vec![op],
        action: "登记案件",
        entity: "case",
        entity_id: &case_id,
        detail,
        to: format!("/supervision/cases/{case_id}"),
    };
    apply(&app, &staff, &f.rid, c).await
}
