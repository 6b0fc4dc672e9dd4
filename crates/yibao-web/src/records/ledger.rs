//! The ledger's lists: visits (by institution) and settlements, filtered by period, region, institution, scheme,
//! med_type, identity and person, paginated on the server and exported to xlsx.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use yibao_core::codes::kind;
use yibao_store::params;
use yibao_store::stats_query::{SetlFilter, StatsFilter};

use super::lists::ListQuery;
use crate::auth::{Area, Staff};
use crate::export::{self, Sheet, X};
use crate::table::{Cell, Field, TablePage};
use crate::ui::{self, Layout, PAGE_SIZE, Pager};
use crate::{App, Web};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/records/visits", get(visits))
        .route("/records/visits.xlsx", get(visits_xlsx))
        .route("/records/settlements", get(settlements))
        .route("/records/settlements.xlsx", get(settlements_xlsx))
}

fn default_period(q: &ListQuery) -> (String, String) {
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    let from = if q.from.is_empty() { format!("{}-01-01", &today[..4]) } else { q.from.clone() };
    let to = if q.to.is_empty() { today } else { q.to.clone() };
    (from, to)
}

async fn inst_options(app: &Web, staff: &Staff) -> Vec<(String, String)> {
    app.store
        .institutions()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|i| staff.fixmedins_code.as_ref().is_none_or(|c| *c == i.fixmedins_code))
        .map(|i| (i.fixmedins_code, i.fixmedins_name))
        .collect()
}

/// The visits a list shows: one institution (the index it is read by), a period of visit start, and filters.
struct VisitFilter {
    inst: String,
    from: String,
    to: String,
    insutype: String,
    med_type: String,
    identity: String,
}

impl VisitFilter {
    const COND: &str =
        "v.fixmedins_code = $1 AND v.begntime >= $2 AND v.begntime <= $3 AND ($4 = '' OR v.insutype = $4)
        AND ($5 = '' OR v.med_type = $5) AND ($6 = '' OR v.psn_no IN (SELECT psn_no FROM identity WHERE code = $6))";

    fn params(&self) -> Vec<yibao_store::Param> {
        params![&self.inst, &self.from, format!("{} 23:59:59", self.to), &self.insutype, &self.med_type, &self.identity]
    }

    fn qs(&self) -> String {
        ui::query_string(&[
            ("inst", &self.inst),
            ("from", &self.from),
            ("to", &self.to),
            ("insutype", &self.insutype),
            ("med_type", &self.med_type),
            ("identity", &self.identity),
        ])
    }
}

async fn visit_filter(app: &Web, staff: &Staff, q: &ListQuery) -> (VisitFilter, Vec<(String, String)>) {
    let insts = inst_options(app, staff).await;
    let inst = staff.fixmedins_code.clone().unwrap_or_else(|| {
        if q.inst.is_empty() { insts.first().map(|i| i.0.clone()).unwrap_or_default() } else { q.inst.clone() }
    });
    let (from, to) = default_period(q);
    let f = VisitFilter {
        inst,
        from,
        to,
        insutype: q.insutype.clone(),
        med_type: q.med_type.clone(),
        identity: q.identity.clone(),
    };
    (f, insts)
}

/// A page of visits (newest first) and how many match.
async fn visit_rows(
    app: &Web,
    f: &VisitFilter,
    offset: i64,
    limit: i64,
) -> yibao_store::Result<(Vec<yibao_store::Row>, i64)> {
    super::lists::page_of(
        app,
        "v.psn_no AS psn_no, v.mdtrt_id AS mdtrt_id, v.insutype AS insutype, v.med_type AS med_type, v.kind AS kind,
         v.state AS state, v.begntime AS begntime, v.endtime AS endtime, p.psn_name AS psn_name",
        &format!("visit v LEFT JOIN person p ON p.psn_no = v.psn_no WHERE {}", VisitFilter::COND),
        "v.begntime DESC, v.mdtrt_id DESC",
        f.params(),
        offset,
        limit,
    )
    .await
}

const VISIT_HEADERS: [&str; 9] = ["就诊ID", "人员编号", "姓名", "险种", "医疗类别", "类型", "状态", "开始", "结束"];

fn visit_cells(r: &yibao_store::Row) -> [String; 9] {
    [
        r.text("mdtrt_id"),
        r.text("psn_no"),
        ui::mask_name(&r.text("psn_name")),
        ui::insutype_zh(&r.text("insutype")),
        ui::label(kind::MED_TYPE, &r.text("med_type")),
        if r.text("kind") == "ipt" { "住院" } else { "门诊" }.to_string(),
        r.text("state"),
        r.text("begntime"),
        r.text("endtime"),
    ]
}

fn idet_options(app: &Web) -> Vec<(String, String)> {
    app.gw
        .policy("")
        .map(|p| p.dict.codes("psn_idet_type").map(|(c, l)| (c.to_string(), format!("{c} {l}"))).collect())
        .unwrap_or_default()
}

fn dict_options(k: &str) -> Vec<(String, String)> {
    yibao_core::codes::Dictionaries::national().codes(k).map(|(c, l)| (c.to_string(), format!("{c} {l}"))).collect()
}

async fn visits(State(app): State<App>, staff: Staff, Query(q): Query<ListQuery>) -> Response {
    if let Err(r) = staff.require(Area::Records) {
        return r;
    }
    let (f, insts) = visit_filter(&app, &staff, &q).await;
    let mut t = TablePage::new(Layout::new(&staff, "就诊记录", "/records/visits"), "/records/visits", &VISIT_HEADERS);
    let mut inst_field = Field::select("inst", "定点机构", &f.inst, insts);
    inst_field.options.remove(0);
    t.filters = vec![
        inst_field,
        Field::date("from", "开始日期", &f.from),
        Field::date("to", "结束日期", &f.to),
        Field::select("insutype", "险种", &f.insutype, dict_options(kind::INSUTYPE)),
        Field::select("med_type", "医疗类别", &f.med_type, dict_options(kind::MED_TYPE)),
        Field::select("identity", "身份", &f.identity, idet_options(&app)),
    ];
    let page = q.page.max(1);
    let (rows, total) = match visit_rows(&app, &f, Pager::offset(page), PAGE_SIZE).await {
        Ok(x) => x,
        Err(e) => return ui::internal(Some(&staff), e),
    };
    for r in &rows {
        let mut cells: Vec<Cell> = visit_cells(r).into_iter().map(Cell::t).collect();
        cells[1].href = format!("/window/person/{}", r.text("psn_no"));
        t.rows.push(cells);
    }
    t.export = format!("/records/visits.xlsx?{}", f.qs());
    t.pager = Some(Pager::new(&format!("/records/visits?{}", f.qs()), page, total));
    ui::render_ok(&t)
}

async fn visits_xlsx(State(app): State<App>, staff: Staff, Query(q): Query<ListQuery>) -> Response {
    if let Err(r) = staff.require(Area::Records) {
        return r;
    }
    let (f, _) = visit_filter(&app, &staff, &q).await;
    let (rows, total) = match visit_rows(&app, &f, 0, EXPORT_MAX).await {
        Ok(x) => x,
        Err(e) => return ui::internal(Some(&staff), e),
    };
    if total > EXPORT_MAX {
        return too_many(&staff, total);
    }
    let sheet = Sheet {
        name: "就诊记录".into(),
        title: format!("就诊记录 {} {} 至 {}", f.inst, f.from, f.to),
        headers: VISIT_HEADERS.iter().map(|h| h.to_string()).collect(),
        rows: rows.iter().map(|r| visit_cells(r).into_iter().map(X::T).collect()).collect(),
    };
    let detail = format!("{} 条；{}", rows.len(), f.qs());
    export::logged_xlsx(
        &app,
        &staff,
        ("导出就诊记录", "export", &detail),
        &[sheet],
        &format!("就诊记录_{}_{}_{}.xlsx", f.inst, f.from, f.to),
    )
    .await
}

fn too_many(staff: &Staff, total: i64) -> Response {
    ui::bad(staff, &format!("符合条件的记录 {total} 条，超过单次导出上限 {EXPORT_MAX} 条，请缩小期间或增加筛选条件。"))
}

fn setl_filter(staff: &Staff, q: &ListQuery) -> SetlFilter {
    let (from, to) = default_period(q);
    SetlFilter {
        stats: StatsFilter { from, to, admdvs: q.admdvs.clone() },
        fixmedins_code: staff.fixmedins_code.clone().unwrap_or_else(|| q.inst.clone()),
        insutype: q.insutype.clone(),
        med_type: q.med_type.clone(),
        identity: q.identity.clone(),
        psn_no: q.q.trim().to_string(),
    }
}

fn setl_qs(f: &SetlFilter) -> String {
    ui::query_string(&[
        ("from", &f.stats.from),
        ("to", &f.stats.to),
        ("admdvs", &f.stats.admdvs),
        ("inst", &f.fixmedins_code),
        ("insutype", &f.insutype),
        ("med_type", &f.med_type),
        ("identity", &f.identity),
        ("q", &f.psn_no),
    ])
}

const SETL_HEADERS: [&str; 12] = [
    "结算日期",
    "结算ID",
    "人员编号",
    "定点机构",
    "险种",
    "医疗类别",
    "状态",
    "医疗费总额",
    "统筹基金",
    "大病保险",
    "医疗救助",
    "基金支付合计",
];

fn state_zh(kind: &str, live: bool) -> &'static str {
    match (kind, live) {
        ("reverse", _) => "撤销记录",
        (_, false) => "已撤销",
        _ => "正常",
    }
}

async fn settlements(State(app): State<App>, staff: Staff, Query(q): Query<ListQuery>) -> Response {
    if let Err(r) = staff.require(Area::Records) {
        return r;
    }
    let f = setl_filter(&staff, &q);
    let page = q.page.max(1);
    let (rows, total) = match app.store.settlement_page(&f, Pager::offset(page), PAGE_SIZE, LIST_MAX + 1).await {
        Ok(x) => x,
        Err(e) => return ui::internal(Some(&staff), e),
    };
    let insts = inst_options(&app, &staff).await;
    let name = |c: &str| insts.iter().find(|i| i.0 == c).map_or(c.to_string(), |i| i.1.clone());
    let mut t =
        TablePage::new(Layout::new(&staff, "结算记录", "/records/settlements"), "/records/settlements", &SETL_HEADERS);
    let idet = idet_options(&app);
    t.filters = vec![
        Field::date("from", "开始日期", &f.stats.from),
        Field::date("to", "结束日期", &f.stats.to),
        Field::select("inst", "定点机构", &f.fixmedins_code, insts.clone()),
        Field::select("insutype", "险种", &f.insutype, dict_options(kind::INSUTYPE)),
        Field::select("med_type", "医疗类别", &f.med_type, dict_options(kind::MED_TYPE)),
        Field::select("identity", "身份", &f.identity, idet),
        Field::text("q", "人员编号", &f.psn_no),
    ];
    for r in &rows {
        t.rows.push(vec![
            Cell::t(&r.day),
            Cell::link(&r.setl_id, format!("/settlement/{}/{}", r.psn_no, r.setl_id)),
            Cell::t(&r.psn_no),
            Cell::t(name(&r.fixmedins_code)),
            Cell::t(ui::insutype_zh(&r.insutype)),
            Cell::t(ui::label(kind::MED_TYPE, &r.med_type)),
            Cell::t(state_zh(&r.kind, r.live)),
            Cell::n(ui::yuan(r.sums.medfee)),
            Cell::n(ui::yuan(r.sums.hifp)),
            Cell::n(ui::yuan(r.sums.hifmi)),
            Cell::n(ui::yuan(r.sums.maf)),
            Cell::n(ui::yuan(r.sums.fund)),
        ]);
    }
    let qs = setl_qs(&f);
    t.export = format!("/records/settlements.xlsx?{qs}");
    if total > LIST_MAX {
        t.notice = format!(
            "符合条件的结算超过 {LIST_MAX} 笔，列表只翻到第 {LIST_MAX} 笔；请缩小期间或增加筛选条件，或导出 xlsx。"
        );
    }
    t.pager = Some(Pager::new(&format!("/records/settlements?{qs}"), page, total.min(LIST_MAX)));
    ui::render_ok(&t)
}

/// The most rows one export writes.
const EXPORT_MAX: i64 = 200_000;
/// The most settlements a list counts and pages through.
const LIST_MAX: i64 = 10_000;

async fn settlements_xlsx(State(app): State<App>, staff: Staff, Query(q): Query<ListQuery>) -> Response {
    if let Err(r) = staff.require(Area::Records) {
        return r;
    }
    let f = setl_filter(&staff, &q);
    let (rows, total) = match app.store.settlement_page(&f, 0, EXPORT_MAX, EXPORT_MAX + 1).await {
        Ok(x) => x,
        Err(e) => return ui::internal(Some(&staff), e),
    };
    if total > EXPORT_MAX {
        return too_many(&staff, total);
    }
    let sheet = Sheet {
        name: "结算记录".into(),
        title: format!("结算记录 {} 至 {}", f.stats.from, f.stats.to),
        headers: SETL_HEADERS.iter().map(|h| h.to_string()).collect(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    X::T(r.day.clone()),
                    X::T(r.setl_id.clone()),
                    X::T(r.psn_no.clone()),
                    X::T(r.fixmedins_code.clone()),
                    X::T(r.insutype.clone()),
                    X::T(r.med_type.clone()),
                    X::T(state_zh(&r.kind, r.live).into()),
                    X::Fen(r.sums.medfee),
                    X::Fen(r.sums.hifp),
                    X::Fen(r.sums.hifmi),
                    X::Fen(r.sums.maf),
                    X::Fen(r.sums.fund),
                ]
            })
            .collect(),
    };
    let detail = format!("{} 笔；{}", rows.len(), setl_qs(&f));
    export::logged_xlsx(
        &app,
        &staff,
        ("导出结算记录", "export", &detail),
        &[sheet],
        &format!("结算记录_{}_{}.xlsx", f.stats.from, f.stats.to),
    )
    .await
}
