//! The work bulletin (工作简报): a draft in the style of the bureaus' half-year reports, filled with the system's
//! figures for a chosen period, editable, saved, and exported as Word (docx) or printed to PDF.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use yibao_store::Op;
use yibao_store::webop::WebOp;

use crate::auth::{Area, Staff};
use crate::export;
use crate::stats::{self, PeriodQuery, StatsData};
use crate::ui::{self, Layout};
use crate::{App, Web};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/bulletin", get(draft))
        .route("/bulletin/save", post(save))
        .route("/bulletin/docx", post(docx_post))
        .route("/bulletin/saved/{id}", get(saved))
        .route("/bulletin/saved/{id}/docx", get(saved_docx))
}

fn md(date: &str) -> String {
    let m: u32 = date.get(5..7).and_then(|x| x.parse().ok()).unwrap_or(0);
    let d: u32 = date.get(8..10).and_then(|x| x.parse().ok()).unwrap_or(0);
    format!("{m}月{d}日")
}

fn pct_num(a: i64, b: i64) -> String {
    ui::pct(a, b).trim_end_matches('%').to_string()
}

/// The generated draft: a title and paragraphs, every figure from the ledger for the period.
pub fn generate(d: &StatsData, region: &str) -> (String, Vec<String>) {
    let f = &d.f;
    let upto = md(&f.to);
    let w = ui::wan;
    let title = format!("{region}医疗保障局{}年工作简报（{}至{}）", d.year, md(&f.from), upto);
    let mut p = Vec::new();
    p.push("一、基本医疗保险基金运行情况".to_string());
    p.push(format!(
        "截至{upto}，全县医保基金共支出{}万元，占全年筹资总额的{}%，其中住院支出{}万元，门诊支出{}万元，综合实际补偿比达{}%。期间共结算{}人次，医疗费总额{}万元。",
        w(d.total.fund),
        pct_num(d.total.fund, d.raised),
        w(d.ipt.fund),
        w(d.otp.fund),
        pct_num(d.total.fund, d.total.medfee),
        d.total.n,
        w(d.total.medfee)
    ));
    for (it, s, raised) in &d.by_scheme {
        p.push(format!(
            "{}：结算{}人次，基金支付{}万元（占该险种全年筹资{}%），实际补偿比{}%。",
            ui::insutype_zh(it).split_once(' ').map_or(it.as_str(), |(_, n)| n),
            s.n,
            w(s.fund),
            pct_num(s.fund, *raised),
            pct_num(s.fund, s.medfee)
        ));
    }
    let lv: Vec<String> = d
        .levels
        .iter()
        .map(|l| format!("{}医院{}%", ui::hosp_lv_zh(&l.hosp_lv), pct_num(l.sums.fund, l.sums.medfee)))
        .collect();
    if !lv.is_empty() {
        p.push(format!("分医院等级实际补偿比：{}。", lv.join("，")));
    }
    let h = &d.hifmi;
    p.push("二、城乡居民大病保险".to_string());
    p.push(format!(
        "截至{upto}，大病保险补偿{}人次，医疗总费用{}万元，基本医疗实际补偿{}万元，实际补偿比{}%，大病保险实际补偿{}万元，实际补偿比{}%。",
        h.n,
        w(h.medfee),
        w(h.hifp),
        pct_num(h.hifp, h.medfee),
        w(h.hifmi),
        pct_num(h.hifmi, h.medfee)
    ));
    let b = &d.bands;
    p.push(format!(
        "享受大病保险万元以上补偿的{}人次。其中，1-3万元的{}人次；3-5万元的{}人次；5万元以上的{}人次。",
        b.n[1] + b.n[2] + b.n[3],
        b.n[1],
        b.n[2],
        b.n[3]
    ));
    let maf = d.tiers.iter().find(|t| t.tier == "maf");
    let (people, times, amount) = maf.map_or((0, 0, 0), |t| (t.people, t.times, t.amount));
    p.push("三、困难人员医疗救助".to_string());
    p.push(format!(
        "截至{upto}，共救助困难群众{people}人、{times}人次，救助资金{}万元，其中一站式救助{times}人次，救助资金{}万元，手工救助0人次。",
        w(amount),
        w(amount)
    ));
    p.push("四、参保情况".to_string());
    let mut parts: Vec<String> = d
        .enroll
        .iter()
        .map(|e| {
            let change = e.this_year - e.last_year;
            format!(
                "{}参保{}人，比上年{}{}人",
                ui::insutype_zh(&e.insutype).split_once(' ').map_or(e.insutype.as_str(), |(_, n)| n),
                e.this_year,
                if change >= 0 { "增加" } else { "减少" },
                change.abs()
            )
        })
        .collect();
    if let Some(reg) = d.registered {
        let insured: i64 =
            d.enroll.iter().filter(|e| matches!(e.insutype.as_str(), "310" | "390")).map(|e| e.this_year).sum();
        parts.push(format!("户籍人口{reg}人，基本医疗保险参保率达{}%", pct_num(insured, reg)));
    }
    p.push(format!(
        "{}年度，{}。",
        d.year,
        if parts.is_empty() { "暂无参保数据".to_string() } else { parts.join("；") }
    ));
    p.push("五、定点医药机构费用情况".to_string());
    let top: Vec<String> = d
        .top_fund
        .iter()
        .take(5)
        .map(|i| format!("{}（基金支付{}万元，{}人次）", i.name, w(i.sums.fund), i.sums.n))
        .collect();
    if !top.is_empty() {
        p.push(format!("基金支出居前的定点医药机构依次为：{}。", top.join("、")));
    }
    p.push("（本稿数据由医保信息系统按结算记录自动生成，口径为期间内未撤销的结算；请核对后再行印发。）".to_string());
    (title, p)
}

#[derive(Template)]
#[template(path = "bulletin.html")]
struct Page {
    l: Layout,
    from: String,
    to: String,
    admdvs: String,
    regions: Vec<(String, String)>,
    id: String,
    title: String,
    body: String,
    rid: String,
    saved: Vec<yibao_store::staff::Bulletin>,
    notice: String,
}

async fn region_name(app: &Web, admdvs: &str) -> String {
    app.gw.policy(admdvs).map(|p| p.region_name.clone()).unwrap_or_default()
}

async fn draft(State(app): State<App>, staff: Staff, Query(q): Query<PeriodQuery>) -> Response {
    let d = match stats::load(&app, &staff, Area::Bulletin, &q).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let f = d.f.clone();
    let (title, paras) = generate(&d, &region_name(&app, &f.admdvs).await);
    ui::render_ok(&Page {
        l: Layout::new(&staff, "工作简报", "/bulletin"),
        regions: stats::regions(&app).await,
        id: format!("B{}", ui::random_hex(8)),
        title,
        body: paras.join("\n"),
        rid: ui::new_rid(),
        saved: app.store.bulletins().await.unwrap_or_default(),
        notice: String::new(),
        from: f.from,
        to: f.to,
        admdvs: f.admdvs,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SaveForm {
    csrf: String,
    rid: String,
    id: String,
    title: String,
    body: String,
    from: String,
    to: String,
    admdvs: String,
}

async fn save(State(app): State<App>, staff: Staff, Form(f): Form<SaveForm>) -> Response {
    if let Err(r) = staff.require_post(Area::Bulletin, &f.csrf) {
        return r;
    }
    if f.title.trim().is_empty() || f.body.trim().is_empty() {
        return ui::bad(&staff, "简报标题和正文不能为空。");
    }
    if !f.id.starts_with('B') || f.id.len() > 40 {
        return ui::bad(&staff, "简报编号无效。");
    }
    let to = format!("/bulletin/saved/{}", f.id);
    let ops = vec![
        Op::Web(WebOp::SaveBulletin {
            id: f.id.clone(),
            title: f.title.trim().to_string(),
            admdvs: f.admdvs.clone(),
            from: f.from.clone(),
            to: f.to.clone(),
            body: f.body.clone(),
            by: staff.username.clone(),
        }),
        Op::Web(WebOp::Request {
            request_id: f.rid.clone(),
            username: staff.username.clone(),
            action: "bulletin".into(),
            result: to.clone(),
        }),
        ui::audit_row(&app, &staff.username, "保存工作简报", "bulletin", &f.id, f.title.trim()),
    ];
    match app.store.commit(ops).await {
        Ok(()) | Err(yibao_store::StoreError::Duplicate(_)) => Redirect::to(&to).into_response(),
        Err(e) => ui::internal(Some(&staff), e),
    }
}

async fn saved(State(app): State<App>, staff: Staff, Path(id): Path<String>) -> Response {
    if let Err(r) = staff.require(Area::Bulletin) {
        return r;
    }
    let b = match app.store.bulletin(&id).await {
        Ok(Some(b)) => b,
        Ok(None) => return ui::not_found(&staff, &format!("简报 {id} 不存在")),
        Err(e) => return ui::internal(Some(&staff), e),
    };
    ui::render_ok(&Page {
        l: Layout::new(&staff, "工作简报", "/bulletin"),
        regions: stats::regions(&app).await,
        id: b.id.clone(),
        title: b.title.clone(),
        body: b.body.clone(),
        rid: ui::new_rid(),
        saved: app.store.bulletins().await.unwrap_or_default(),
        notice: format!("已保存（{} 于 {}）", b.created_by, b.updated_at),
        from: b.period_from,
        to: b.period_to,
        admdvs: b.admdvs,
    })
}

fn to_docx(staff: &Staff, title: &str, body: &str) -> Response {
    let mut paras = vec![title.trim().to_string()];
    paras.extend(body.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string));
    match export::docx(&paras) {
        Ok(b) => export::download(b, &format!("{}.docx", title.trim()), export::DOCX),
        Err(e) => ui::internal(Some(staff), e),
    }
}

async fn docx_post(staff: Staff, Form(f): Form<SaveForm>) -> Response {
    if let Err(r) = staff.require_post(Area::Bulletin, &f.csrf) {
        return r;
    }
    to_docx(&staff, &f.title, &f.body)
}

async fn saved_docx(State(app): State<App>, staff: Staff, Path(id): Path<String>) -> Response {
    if let Err(r) = staff.require(Area::Bulletin) {
        return r;
    }
    match app.store.bulletin(&id).await {
        Ok(Some(b)) => to_docx(&staff, &b.title, &b.body),
        Ok(None) => ui::not_found(&staff, &format!("简报 {id} 不存在")),
        Err(e) => ui::internal(Some(&staff), e),
    }
}
