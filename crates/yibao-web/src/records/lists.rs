//! List pages: people, identities, institutions with their agreements, the catalogue, visits and settlements.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use yibao_core::codes::kind;
use yibao_store::stats_query::{SetlFilter, StatsFilter};
use yibao_store::webop::WebOp;
use yibao_store::{Op, SuspensionRow, params};

use crate::auth::{Area, Staff};
use crate::export::{self, Sheet, X};
use crate::table::{Cell, Field, TablePage};
use crate::ui::{self, Layout, PAGE_SIZE, Pager, esc};
use crate::{App, Web};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/records/people", get(people))
        .route("/records/identities", get(identities))
        .route("/records/institutions", get(institutions))
        .route("/records/institutions/{code}/suspend", post(suspend))
        .route("/records/institutions/{code}/resume", post(resume))
        .route("/records/catalogue", get(catalogue))
        .route("/records/visits", get(visits))
        .route("/records/settlements", get(settlements))
        .route("/records/settlements.xlsx", get(settlements_xlsx))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    pub q: String,
    pub page: i64,
    pub from: String,
    pub to: String,
    pub admdvs: String,
    pub inst: String,
    pub insutype: String,
    pub med_type: String,
    pub identity: String,
    pub code: String,
    pub done: String,
}

fn bureau_only(staff: &Staff) -> Result<(), Response> {
    staff.require(Area::People)?;
    if staff.fixmedins_code.is_some() {
        return Err(staff.require(Area::Users).unwrap_err());
    }
    Ok(())
}

async fn people(State(app): State<App>, staff: Staff, Query(q): Query<ListQuery>) -> Response {
    if let Err(r) = bureau_only(&staff) {
        return r;
    }
    let mut t = TablePage::new(
        Layout::new(&staff, "参保人员", "/records/people"),
        "/records/people",
        &["人员编号", "姓名", "身份证号", "性别", "出生日期", "统筹区", ""],
    );
    t.filters = vec![Field::text("q", "身份证号/姓名/人员编号", &q.q)];
    let page = q.page.max(1);
    let (list, total) = if q.q.trim().is_empty() {
        let total = match app.store.row("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM person", params![]).await {
            Ok(r) => r.map_or(0, |r| r.int("n")),
            Err(e) => return ui::internal(Some(&staff), e),
        };
        let rows = match app
            .store
            .scan("SELECT * FROM person ORDER BY psn_no LIMIT $1 OFFSET $2", params![PAGE_SIZE, Pager::offset(page)])
            .await
        {
            Ok(r) => r,
            Err(e) => return ui::internal(Some(&staff), e),
        };
        let list: Vec<(String, String, String, String, String, String)> = rows
            .iter()
            .map(|r| {
                (
                    r.text("psn_no"),
                    r.text("psn_name"),
                    r.text("certno"),
                    r.text("gend"),
                    r.text("brdy"),
                    r.text("admdvs"),
                )
            })
            .collect();
        (list, total)
    } else {
        match crate::window::find_people(&app, &staff, &q.q).await {
            Ok(p) => {
                let n = p.len() as i64;
                (p.into_iter().map(|p| (p.psn_no, p.psn_name, p.certno, p.gend, p.brdy, p.admdvs)).collect(), n)
            }
            Err(e) => return ui::internal(Some(&staff), e),
        }
    };
    t.rows = list
        .iter()
        .map(|(psn, name, cert, gend, brdy, adm)| {
            vec![
                Cell::t(psn),
                Cell::t(ui::mask_name(name)),
                Cell::t(ui::mask_id(cert)),
                Cell::t(ui::label(kind::GEND, gend)),
                Cell::t(brdy),
                Cell::t(adm),
                Cell::link("查看", format!("/window/person/{psn}")),
            ]
        })
        .collect();
    t.pager = Some(Pager::new(&format!("/records/people?{}", ui::query_string(&[("q", &q.q)])), page, total));
    ui::render_ok(&t)
}

async fn identities(State(app): State<App>, staff: Staff, Query(q): Query<ListQuery>) -> Response {
    if let Err(r) = bureau_only(&staff) {
        return r;
    }
    let dict =
        app.gw.policy("").map(|p| p.dict.clone()).unwrap_or_else(|_| yibao_core::codes::Dictionaries::national());
    let codes: Vec<(String, String)> =
        dict.codes("psn_idet_type").map(|(c, l)| (c.to_string(), format!("{c} {l}"))).collect();
    let mut t = TablePage::new(
        Layout::new(&staff, "身份人员", "/records/people"),
        "/records/identities",
        &["人员编号", "姓名", "身份证号", "身份", "开始", "结束", "来源"],
    );
    t.filters = vec![Field::select("code", "身份类别", &q.code, codes)];
    let page = q.page.max(1);
    let cond = "($1 = '' OR i.code = $1)";
    let total = app
        .store
        .scan(&format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM identity i WHERE {cond}"), params![&q.code])
        .await
        .ok()
        .and_then(|r| r.first().map(|r| r.int("n")))
        .unwrap_or(0);
    let rows = match app
        .store
        .scan(
            &format!(
                "SELECT i.psn_no AS psn_no, p.psn_name AS psn_name, p.certno AS certno, i.code AS code, i.begndate AS begndate,
                   i.enddate AS enddate, i.source AS source FROM identity i LEFT JOIN person p ON p.psn_no = i.psn_no
                 WHERE {cond} ORDER BY i.psn_no, i.code LIMIT $2 OFFSET $3"
            ),
            params![&q.code, PAGE_SIZE, Pager::offset(page)],
        )
        .await
    {
        Ok(r) => r,
        Err(e) => return ui::internal(Some(&staff), e),
    };
    t.rows = rows
        .iter()
        .map(|r| {
            vec![
                Cell::link(r.text("psn_no"), format!("/window/person/{}", r.text("psn_no"))),
                Cell::t(ui::mask_name(&r.text("psn_name"))),
                Cell::t(ui::mask_id(&r.text("certno"))),
                Cell::t(format!("{} {}", r.text("code"), dict.label_or_code("psn_idet_type", &r.text("code")))),
                Cell::t(r.text("begndate")),
                Cell::t(r.opt_text("enddate").unwrap_or_else(|| "长期".into())),
                Cell::t(r.text("source")),
            ]
        })
        .collect();
    t.pager = Some(Pager::new(&format!("/records/identities?{}", ui::query_string(&[("code", &q.code)])), page, total));
    ui::render_ok(&t)
}

async fn suspensions(app: &Web) -> yibao_store::Result<Vec<SuspensionRow>> {
    let rows =
        app.store.rows("SELECT * FROM agreement_suspension ORDER BY fixmedins_code, begndate", params![]).await?;
    Ok(rows
        .iter()
        .map(|r| SuspensionRow {
            fixmedins_code: r.text("fixmedins_code"),
            begndate: r.text("begndate"),
            enddate: r.opt_text("enddate"),
            reason: r.text("reason"),
        })
        .collect())
}

async fn institutions(State(app): State<App>, staff: Staff, Query(q): Query<ListQuery>) -> Response {
    if let Err(r) = staff.require(Area::Records) {
        return r;
    }
    let (insts, susp) = match (app.store.institutions().await, suspensions(&app).await) {
        (Ok(i), Ok(s)) => (i, s),
        (Err(e), _) | (_, Err(e)) => return ui::internal(Some(&staff), e),
    };
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    let manage = staff.role.can(Area::Agreements);
    let mut t = TablePage::new(
        Layout::new(&staff, "定点医药机构", "/records/institutions"),
        "/records/institutions",
        &["机构编码", "名称", "类型", "等级", "统筹区", "协议状态", "暂停记录"],
    );
    t.filters = vec![Field::text("q", "名称或编码", &q.q)];
    if q.done == "suspend" {
        t.notice = "已暂停该机构的医保结算服务，自暂停开始日起结算将被拒绝。".into();
    } else if q.done == "resume" {
        t.notice = "已恢复该机构的医保结算服务。".into();
    }
    for i in insts.iter().filter(|i| staff.fixmedins_code.as_ref().is_none_or(|c| *c == i.fixmedins_code)) {
        if !q.q.is_empty() && !i.fixmedins_name.contains(q.q.trim()) && !i.fixmedins_code.contains(q.q.trim()) {
            continue;
        }
        let mine: Vec<&SuspensionRow> = susp.iter().filter(|s| s.fixmedins_code == i.fixmedins_code).collect();
        let now = mine.iter().find(|s| s.begndate <= today && s.enddate.as_ref().is_none_or(|e| *e >= today));
        let status = match now {
            Some(s) => {
                format!("暂停中（{} 至 {}）", s.begndate, s.enddate.clone().unwrap_or_else(|| "另行通知".into()))
            }
            None => "正常".into(),
        };
        let history: Vec<String> = mine
            .iter()
            .map(|s| match &s.enddate {
                Some(e) if *e < s.begndate => format!("{} 起（已取消）：{}", s.begndate, s.reason),
                e => format!("{}～{}：{}", s.begndate, e.clone().unwrap_or_else(|| "另行通知".into()), s.reason),
            })
            .collect();
        t.rows.push(vec![
            Cell::t(&i.fixmedins_code),
            Cell::t(&i.fixmedins_name),
            Cell::t(if i.fixmedins_type == "2" { "定点零售药店" } else { "定点医疗机构" }),
            Cell::t(ui::hosp_lv_zh(&i.hosp_lv)),
            Cell::t(&i.admdvs),
            Cell::t(status),
            Cell::t(history.join("；")),
        ]);
    }
    if manage {
        let options: String = insts
            .iter()
            .map(|i| {
                format!(
                    "<option value=\"{}\">{}（{}）</option>",
                    esc(&i.fixmedins_code),
                    esc(&i.fixmedins_name),
                    esc(&i.fixmedins_code)
                )
            })
            .collect();
        let open: String = susp
            .iter()
            .filter(|s| s.enddate.as_ref().is_none_or(|e| *e >= today))
            .map(|s| {
                let v = format!("{}|{}", s.fixmedins_code, s.begndate);
                format!(
                    "<option value=\"{}\">{} 自 {} 起（{}）</option>",
                    esc(&v),
                    esc(&s.fixmedins_code),
                    esc(&s.begndate),
                    esc(&s.reason)
                )
            })
            .collect();
        let csrf = esc(&staff.csrf);
        t.after = format!(
            "<h2>暂停医保结算服务</h2><form method=\"post\" class=\"filters\" data-confirm=\"确认暂停该机构的医保结算服务？\" onsubmit=\"this.action='/records/institutions/'+this.code.value+'/suspend'\" action=\"/records/institutions/-/suspend\">
<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"rid\" value=\"{rid1}\">
<label>机构 <select name=\"code\" data-testid=\"suspend-inst\">{options}</select></label>
<label>暂停开始 <input type=\"date\" name=\"begndate\" value=\"{today}\" required></label>
<label>暂停结束（空为另行通知） <input type=\"date\" name=\"enddate\"></label>
<label class=\"wide\">原因 <input name=\"reason\" required maxlength=\"200\" data-testid=\"suspend-reason\" placeholder=\"如：专项检查发现违规，暂停 3 个月\"></label>
<button type=\"submit\" class=\"danger\" data-testid=\"suspend\">暂停</button></form>
<h2>恢复医保结算服务</h2><form method=\"post\" class=\"filters\" onsubmit=\"this.action='/records/institutions/'+this.which.value.split('|')[0]+'/resume'\" action=\"/records/institutions/-/resume\">
<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"rid\" value=\"{rid2}\">
<label>暂停记录 <select name=\"which\" data-testid=\"resume-which\">{open}</select></label>
<label>恢复日期（当日起恢复） <input type=\"date\" name=\"enddate\" value=\"{today}\" required></label>
<button type=\"submit\" data-testid=\"resume\">恢复</button></form>",
            rid1 = ui::new_rid(),
            rid2 = ui::new_rid(),
        );
    }
    ui::render_ok(&t)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AgreementForm {
    csrf: String,
    rid: String,
    begndate: String,
    enddate: String,
    reason: String,
    which: String,
}

fn valid_date(d: &str) -> bool {
    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok()
}

#[allow(clippy::too_many_arguments)]
/// Runs an agreement change once per request id, with its audit row, and makes the gateway read agreements again.
async fn agreement_change(
    app: &Web,
    staff: &Staff,
    rid: &str,
    op: Op,
    action: &str,
    code: &str,
    detail: String,
    to: &str,
) -> Response {
    match app.store.web_request(rid).await {
        Ok(Some(done)) => return Redirect::to(&done).into_response(),
        Ok(None) => {}
        Err(e) => return ui::internal(Some(staff), e),
    }
    let ops = vec![
        op,
        Op::Web(WebOp::Request {
            request_id: rid.into(),
            username: staff.username.clone(),
            action: action.into(),
            result: to.into(),
        }),
        ui::audit_row(app, &staff.username, action, "institution", code, &detail),
    ];
    match app.store.commit(ops).await {
        Ok(()) => {
            app.gw.forget_institutions();
            Redirect::to(to).into_response()
        }
        Err(yibao_store::StoreError::Duplicate(m)) if m.contains(rid) => Redirect::to(to).into_response(),
        Err(yibao_store::StoreError::Duplicate(m) | yibao_store::StoreError::Conflict(m)) => ui::bad(staff, &m),
        Err(e) => ui::internal(Some(staff), e),
    }
}

async fn suspend(
    State(app): State<App>,
    staff: Staff,
    Path(code): Path<String>,
    Form(f): Form<AgreementForm>,
) -> Response {
    if let Err(r) = staff.require(Area::Agreements).and_then(|_| staff.check_csrf(&f.csrf)) {
        return r;
    }
    match app.store.institution(&code).await {
        Ok(Some(_)) => {}
        Ok(None) => return ui::bad(&staff, &format!("机构编码 {code} 不存在")),
        Err(e) => return ui::internal(Some(&staff), e),
    }
    if !valid_date(&f.begndate) {
        return ui::bad(&staff, "暂停开始日期无效（应为 年-月-日）");
    }
    let end = f.enddate.trim().to_string();
    if !end.is_empty() && (!valid_date(&end) || end < f.begndate) {
        return ui::bad(&staff, "暂停结束日期无效或早于开始日期");
    }
    let reason = f.reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return ui::bad(&staff, "请填写暂停原因（200 字以内）");
    }
    let op = Op::AddSuspension(SuspensionRow {
        fixmedins_code: code.clone(),
        begndate: f.begndate.clone(),
        enddate: (!end.is_empty()).then_some(end.clone()),
        reason: reason.to_string(),
    });
    let detail = format!("暂停 {} 至 {}；原因：{reason}", f.begndate, if end.is_empty() { "另行通知" } else { &end });
    agreement_change(&app, &staff, &f.rid, op, "暂停医保结算服务", &code, detail, "/records/institutions?done=suspend")
        .await
}

async fn resume(
    State(app): State<App>,
    staff: Staff,
    Path(code): Path<String>,
    Form(f): Form<AgreementForm>,
) -> Response {
    if let Err(r) = staff.require(Area::Agreements).and_then(|_| staff.check_csrf(&f.csrf)) {
        return r;
    }
    let begndate = f.which.split_once('|').map(|(_, b)| b.to_string()).unwrap_or(f.begndate.clone());
    if !valid_date(&begndate) || !valid_date(&f.enddate) {
        return ui::bad(&staff, "请选择暂停记录并填写有效的恢复日期");
    }
    if f.enddate < begndate {
        return ui::bad(&staff, &format!("恢复日期 {} 早于暂停开始日期 {begndate}", f.enddate));
    }
    // The agreement is suspended through the day before it resumes (resuming on the first day cancels it).
    let end = chrono::NaiveDate::parse_from_str(&f.enddate, "%Y-%m-%d")
        .map(|d| d.pred_opt().unwrap_or(d))
        .unwrap_or_default();
    let end = end.format("%Y-%m-%d").to_string();
    let op = Op::Web(WebOp::EndSuspension {
        fixmedins_code: code.clone(),
        begndate: begndate.clone(),
        enddate: end.clone(),
    });
    let detail = format!("恢复：自 {begndate} 起的暂停于 {end} 结束，{} 起恢复结算", f.enddate);
    agreement_change(&app, &staff, &f.rid, op, "恢复医保结算服务", &code, detail, "/records/institutions?done=resume")
        .await
}

async fn catalogue(State(app): State<App>, staff: Staff, Query(q): Query<ListQuery>) -> Response {
    if let Err(r) = staff.require(Area::Records) {
        return r;
    }
    let policy = match app.gw.policy("") {
        Ok(p) => p,
        Err(e) => return ui::bad(&staff, &e.msg),
    };
    let mut t = TablePage::new(
        Layout::new(
            &staff,
            &format!("医保目录（{} 政策版本 {}）", policy.region_name, policy.version),
            "/records/catalogue",
        ),
        "/records/catalogue",
        &["目录编码", "名称", "等级", "先行自付比例", "最高限价（元）", "限定"],
    );
    t.filters = vec![Field::text("q", "名称或编码", &q.q)];
    let query = q.q.trim();
    let items: Vec<_> = policy
        .catalogue
        .iter()
        .filter(|i| query.is_empty() || i.name.contains(query) || i.code.contains(query))
        .collect();
    let page = q.page.max(1);
    for i in items.iter().skip(Pager::offset(page) as usize).take(PAGE_SIZE as usize) {
        let sp: Vec<String> = i
            .selfpay_prop
            .iter()
            .map(|(t, r)| format!("{}：{}", if t == "*" { "各险种" } else { t }, r.percent()))
            .collect();
        let caps: Vec<String> = i
            .price_cap
            .iter()
            .map(|(l, p)| format!("{}：{p}", if l == "*" { "各级" } else { ui::hosp_lv_zh(l) }))
            .collect();
        let mut limits = Vec::new();
        if let Some(s) = &i.sex {
            limits.push(format!("限性别 {}", ui::label(kind::GEND, s)));
        }
        if let Some(a) = i.age_min {
            limits.push(format!("{a} 岁以上"));
        }
        t.rows.push(vec![
            Cell::t(&i.code),
            Cell::t(&i.name),
            Cell::t(i.lv.name_zh()),
            Cell::t(sp.join("；")),
            Cell::t(caps.join("；")),
            Cell::t(limits.join("；")),
        ]);
    }
    t.pager =
        Some(Pager::new(&format!("/records/catalogue?{}", ui::query_string(&[("q", &q.q)])), page, items.len() as i64));
    ui::render_ok(&t)
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

async fn visits(State(app): State<App>, staff: Staff, Query(q): Query<ListQuery>) -> Response {
    if let Err(r) = staff.require(Area::Records) {
        return r;
    }
    let insts = inst_options(&app, &staff).await;
    let inst = staff.fixmedins_code.clone().unwrap_or_else(|| {
        if q.inst.is_empty() { insts.first().map(|i| i.0.clone()).unwrap_or_default() } else { q.inst.clone() }
    });
    let (from, to) = default_period(&q);
    let mut t = TablePage::new(
        Layout::new(&staff, "就诊记录", "/records/visits"),
        "/records/visits",
        &["就诊ID", "人员编号", "姓名", "险种", "医疗类别", "类型", "状态", "开始", "结束"],
    );
    let mut inst_field = Field::select("inst", "定点机构", &inst, insts);
    inst_field.options.remove(0);
    t.filters = vec![inst_field, Field::date("from", "开始日期", &from), Field::date("to", "结束日期", &to)];
    let page = q.page.max(1);
    let cond = "v.fixmedins_code = $1 AND v.begntime >= $2 AND v.begntime <= $3";
    let p = params![&inst, &from, format!("{to} 23:59:59")];
    let total = app
        .store
        .scan(&format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM visit v WHERE {cond}"), p.clone())
        .await
        .ok()
        .and_then(|r| r.first().map(|r| r.int("n")))
        .unwrap_or(0);
    let mut p2 = p;
    p2.extend(params![PAGE_SIZE, Pager::offset(page)]);
    let rows = match app
        .store
        .scan(
            &format!(
                "SELECT v.*, p.psn_name AS psn_name FROM visit v LEFT JOIN person p ON p.psn_no = v.psn_no WHERE {cond}
                 ORDER BY v.begntime DESC, v.mdtrt_id DESC LIMIT $4 OFFSET $5"
            ),
            p2,
        )
        .await
    {
        Ok(r) => r,
        Err(e) => return ui::internal(Some(&staff), e),
    };
    for r in &rows {
        t.rows.push(vec![
            Cell::t(r.text("mdtrt_id")),
            Cell::link(r.text("psn_no"), format!("/window/person/{}", r.text("psn_no"))),
            Cell::t(ui::mask_name(&r.text("psn_name"))),
            Cell::t(ui::insutype_zh(&r.text("insutype"))),
            Cell::t(ui::label(kind::MED_TYPE, &r.text("med_type"))),
            Cell::t(if r.text("kind") == "ipt" { "住院" } else { "门诊" }),
            Cell::t(r.text("state")),
            Cell::t(r.text("begntime")),
            Cell::t(r.text("endtime")),
        ]);
    }
    let qs = ui::query_string(&[("inst", &inst), ("from", &from), ("to", &to)]);
    t.pager = Some(Pager::new(&format!("/records/visits?{qs}"), page, total));
    ui::render_ok(&t)
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
    let (rows, total) = match app.store.settlement_page(&f, Pager::offset(page), PAGE_SIZE).await {
        Ok(x) => x,
        Err(e) => return ui::internal(Some(&staff), e),
    };
    let insts = inst_options(&app, &staff).await;
    let name = |c: &str| insts.iter().find(|i| i.0 == c).map_or(c.to_string(), |i| i.1.clone());
    let dict = yibao_core::codes::Dictionaries::national();
    let mut t =
        TablePage::new(Layout::new(&staff, "结算记录", "/records/settlements"), "/records/settlements", &SETL_HEADERS);
    let idet: Vec<(String, String)> = app
        .gw
        .policy("")
        .map(|p| p.dict.codes("psn_idet_type").map(|(c, l)| (c.to_string(), format!("{c} {l}"))).collect())
        .unwrap_or_default();
    t.filters = vec![
        Field::date("from", "开始日期", &f.stats.from),
        Field::date("to", "结束日期", &f.stats.to),
        Field::select("inst", "定点机构", &f.fixmedins_code, insts.clone()),
        Field::select(
            "insutype",
            "险种",
            &f.insutype,
            dict.codes(kind::INSUTYPE).map(|(c, l)| (c.to_string(), format!("{c} {l}"))).collect(),
        ),
        Field::select(
            "med_type",
            "医疗类别",
            &f.med_type,
            dict.codes(kind::MED_TYPE).map(|(c, l)| (c.to_string(), format!("{c} {l}"))).collect(),
        ),
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
    t.pager = Some(Pager::new(&format!("/records/settlements?{qs}"), page, total));
    ui::render_ok(&t)
}

/// The most rows one export writes.
const EXPORT_MAX: i64 = 200_000;

async fn settlements_xlsx(State(app): State<App>, staff: Staff, Query(q): Query<ListQuery>) -> Response {
    if let Err(r) = staff.require(Area::Records) {
        return r;
    }
    let f = setl_filter(&staff, &q);
    let (rows, total) = match app.store.settlement_page(&f, 0, EXPORT_MAX).await {
        Ok(x) => x,
        Err(e) => return ui::internal(Some(&staff), e),
    };
    if total > EXPORT_MAX {
        return ui::bad(
            &staff,
            &format!("符合条件的结算 {total} 笔，超过单次导出上限 {EXPORT_MAX} 笔，请缩小期间或增加筛选条件。"),
        );
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
    let audit = ui::audit_row(
        &app,
        &staff.username,
        "导出结算记录",
        "settlement",
        "",
        &format!("{} 笔；{}", rows.len(), setl_qs(&f)),
    );
    if let Err(e) = app.store.commit(vec![audit]).await {
        return ui::internal(Some(&staff), e);
    }
    match export::xlsx(&[sheet]) {
        Ok(b) => export::download(b, &format!("结算记录_{}_{}.xlsx", f.stats.from, f.stats.to), export::XLSX),
        Err(e) => ui::internal(Some(&staff), e),
    }
}
