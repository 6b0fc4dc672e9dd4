//! List pages: people, enrollments, identities, institutions with their agreements, and the catalogue.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use yibao_core::codes::kind;
use yibao_store::webop::WebOp;
use yibao_store::{Op, SuspensionRow, params};

use crate::auth::{Area, Staff};
use crate::supervision::{Change, apply, valid_date};
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
        .route("/records/enrollments", get(enrollments))
        .route("/records/catalogue", get(catalogue))
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

/// One page of `SELECT select FROM from_where ORDER BY order` and the number of rows matching; `params` are the
/// query's own, the page's LIMIT and OFFSET follow them.
pub(crate) async fn page_of(
    app: &Web,
    select: &str,
    from_where: &str,
    order: &str,
    params: Vec<yibao_store::Param>,
    offset: i64,
    limit: i64,
) -> yibao_store::Result<(Vec<yibao_store::Row>, i64)> {
    let total = app
        .store
        .scan(&format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {from_where}"), params.clone())
        .await?
        .first()
        .map_or(0, |r| r.int("n"));
    let n = params.len();
    let mut p = params;
    p.extend(params![limit, offset]);
    let sql = format!("SELECT {select} FROM {from_where} ORDER BY {order} LIMIT ${} OFFSET ${}", n + 1, n + 2);
    Ok((app.store.scan(&sql, p).await?, total))
}

pub(crate) fn bureau_only(staff: &Staff) -> Result<(), Response> {
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
    t.before =
        "<p><a href=\"/records/enrollments\">参保登记</a> · <a href=\"/records/identities\">身份人员</a></p>".into();
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
    let (rows, total) = match page_of(
        &app,
        "i.psn_no AS psn_no, p.psn_name AS psn_name, p.certno AS certno, i.code AS code, i.begndate AS begndate,
         i.enddate AS enddate, i.source AS source",
        "identity i LEFT JOIN person p ON p.psn_no = i.psn_no WHERE ($1 = '' OR i.code = $1)",
        "i.psn_no, i.code",
        params![&q.code],
        Pager::offset(page),
        PAGE_SIZE,
    )
    .await
    {
        Ok(x) => x,
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

/// Runs an agreement change once per request id, with its audit row, and makes the gateway read agreements again.
#[allow(clippy::too_many_arguments)]
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
    // Gateways in other processes keep agreements in memory: the epoch makes them read again.
    let ops = vec![op, Op::BumpEpoch("institution".into())];
    let c = Change { ops, action, entity: "institution", entity_id: code, detail, to: to.into() };
    let r = apply(app, staff, rid, c).await;
    if r.status().is_redirection() {
        app.gw.forget_institutions();
    }
    r
}

async fn suspend(
    State(app): State<App>,
    staff: Staff,
    Path(code): Path<String>,
    Form(f): Form<AgreementForm>,
) -> Response {
    if let Err(r) = staff.require_post(Area::Agreements, &f.csrf) {
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
    if let Err(r) = staff.require_post(Area::Agreements, &f.csrf) {
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

async fn enrollments(State(app): State<App>, staff: Staff, Query(q): Query<ListQuery>) -> Response {
    if let Err(r) = bureau_only(&staff) {
        return r;
    }
    let year = q
        .from
        .get(..4)
        .and_then(|y| y.parse::<i64>().ok())
        .unwrap_or_else(|| i64::from(chrono::Datelike::year(&chrono::Local::now())));
    let dict = yibao_core::codes::Dictionaries::national();
    let mut t = TablePage::new(
        Layout::new(&staff, "参保登记", "/records/people"),
        "/records/enrollments",
        &["人员编号", "姓名", "年度", "险种", "人员类别", "参保状态", "单位", "参保日期"],
    );
    t.filters = vec![
        Field::text("from", "年度", &year.to_string()),
        Field::select(
            "insutype",
            "险种",
            &q.insutype,
            dict.codes(kind::INSUTYPE).map(|(c, l)| (c.to_string(), format!("{c} {l}"))).collect(),
        ),
    ];
    let page = q.page.max(1);
    let (rows, total) = match page_of(
        &app,
        "e.*, p.psn_name AS psn_name",
        "enrollment e LEFT JOIN person p ON p.psn_no = e.psn_no WHERE e.year = $1 AND ($2 = '' OR e.insutype = $2)",
        "e.psn_no, e.insutype",
        params![year, &q.insutype],
        Pager::offset(page),
        PAGE_SIZE,
    )
    .await
    {
        Ok(x) => x,
        Err(e) => return ui::internal(Some(&staff), e),
    };
    for r in &rows {
        t.rows.push(vec![
            Cell::link(r.text("psn_no"), format!("/window/person/{}", r.text("psn_no"))),
            Cell::t(ui::mask_name(&r.text("psn_name"))),
            Cell::t(r.text("year")),
            Cell::t(ui::insutype_zh(&r.text("insutype"))),
            Cell::t(ui::label(kind::PSN_TYPE, &r.text("psn_type"))),
            Cell::t(if r.text("psn_insu_stas") == "1" {
                "正常参保".to_string()
            } else {
                format!("状态 {}", r.text("psn_insu_stas"))
            }),
            Cell::t(r.text("emp_name")),
            Cell::t(r.text("insu_date")),
        ]);
    }
    let qs = ui::query_string(&[("from", &year.to_string()), ("insutype", &q.insutype)]);
    t.pager = Some(Pager::new(&format!("/records/enrollments?{qs}"), page, total));
    ui::render_ok(&t)
}
