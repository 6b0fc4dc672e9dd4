//! Administration: staff accounts (create, change role, reset password and unlock, disable), the audit log (who did
//! what, when, and whose personal data they viewed), and the figures staff enter: 全年筹资总额 and registered
//! population.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use yibao_store::Op;
use yibao_store::staff::AuditFilter;
use yibao_store::webop::WebOp;

use crate::App;
use crate::auth::{self, Area, Role, Staff};
use crate::table::{Cell, Field, TablePage};
use crate::ui::{self, Layout, PAGE_SIZE, Pager, esc};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/admin/users", get(users).post(save_user))
        .route("/admin/audit", get(audit))
        .route("/admin/figures", get(figures).post(save_figure))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Done {
    done: String,
}

const ROLES: [Role; 6] =
    [Role::Clerk, Role::Reviewer, Role::Auditor, Role::Statistician, Role::Admin, Role::Institution];

async fn users(State(app): State<App>, staff: Staff, Query(q): Query<Done>) -> Response {
    if let Err(r) = staff.require(Area::Users) {
        return r;
    }
    let list = match app.store.staff_users().await {
        Ok(l) => l,
        Err(e) => return ui::internal(Some(&staff), e),
    };
    let now = yibao_store::now_text();
    let mut t = TablePage::new(
        Layout::new(&staff, "用户管理", "/admin/users"),
        "/admin/users",
        &["用户名", "姓名", "角色", "所属机构", "状态", "连续失败"],
    );
    if !q.done.is_empty() {
        t.notice = format!("已保存账号 {}", q.done);
    }
    for u in &list {
        let role = Role::parse(&u.role).map_or(u.role.as_str(), |r| r.name_zh());
        let state = match (&u.locked_until, u.active) {
            (_, false) => "已停用".to_string(),
            (Some(l), _) if *l > now => format!("锁定至 {l}"),
            _ => "正常".into(),
        };
        t.rows.push(vec![
            Cell::t(&u.username),
            Cell::t(&u.display_name),
            Cell::t(role),
            Cell::t(u.fixmedins_code.clone().unwrap_or_default()),
            Cell::t(state),
            Cell::n(u.failed.to_string()),
        ]);
    }
    let roles: String =
        ROLES.iter().map(|r| format!("<option value=\"{}\">{}</option>", r.code(), r.name_zh())).collect();
    t.after = format!(
        "<h2>新建或修改账号（保存即重置密码并解锁）</h2><form method=\"post\" action=\"/admin/users\" class=\"filters\">
<input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"rid\" value=\"{}\">
<label>用户名 <input name=\"username\" required pattern=\"[A-Za-z0-9_.-]{{3,32}}\"></label><label>姓名 <input name=\"display_name\" required></label>
<label>角色 <select name=\"role\">{roles}</select></label><label>所属机构（机构操作员） <input name=\"fixmedins_code\"></label>
<label>新密码（至少 10 位，含字母和数字） <input type=\"password\" name=\"password\" required minlength=\"10\"></label>
<label class=\"check\"><input type=\"checkbox\" name=\"active\" value=\"1\" checked> 启用</label><button type=\"submit\">保存</button></form>",
        esc(&staff.csrf),
        ui::new_rid()
    );
    ui::render_ok(&t)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UserForm {
    csrf: String,
    rid: String,
    username: String,
    display_name: String,
    role: String,
    fixmedins_code: String,
    password: String,
    active: String,
}

/// A password an account may be given: at least 10 characters with letters and digits.
pub fn password_ok(pw: &str) -> bool {
    pw.chars().count() >= 10 && pw.chars().any(|c| c.is_ascii_alphabetic()) && pw.chars().any(|c| c.is_ascii_digit())
}

async fn save_user(State(app): State<App>, staff: Staff, Form(f): Form<UserForm>) -> Response {
    if let Err(r) = staff.require_post(Area::Users, &f.csrf) {
        return r;
    }
    let user = f.username.trim();
    if user.len() < 3 || user.len() > 32 || !user.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)) {
        return ui::bad(&staff, "用户名应为 3–32 位字母、数字或 _ . -");
    }
    let Some(role) = Role::parse(&f.role) else { return ui::bad(&staff, &format!("角色“{}”无效", f.role)) };
    if f.display_name.trim().is_empty() {
        return ui::bad(&staff, "请填写姓名");
    }
    if !password_ok(&f.password) {
        return ui::bad(&staff, "密码至少 10 位，并同时包含字母和数字");
    }
    let inst = f.fixmedins_code.trim().to_string();
    if role == Role::Institution {
        match app.store.institution(&inst).await {
            Ok(Some(_)) => {}
            Ok(None) => return ui::bad(&staff, &format!("机构操作员须填写已登记的机构编码（“{inst}”不存在）")),
            Err(e) => return ui::internal(Some(&staff), e),
        }
    }
    let to = format!("/admin/users?done={user}");
    if let Ok(Some(done)) = app.store.web_request(&f.rid).await {
        return Redirect::to(&done).into_response();
    }
    let ops = vec![
        auth::user_op(
            user,
            f.display_name.trim(),
            role.code(),
            (role == Role::Institution).then_some(inst),
            &f.password,
            f.active == "1",
        ),
        Op::Web(WebOp::Request {
            request_id: f.rid.clone(),
            username: staff.username.clone(),
            action: "user".into(),
            result: to.clone(),
        }),
        ui::audit_row(
            &app,
            &staff.username,
            "保存账号",
            "staff",
            user,
            &format!("角色 {}；启用 {}", role.name_zh(), f.active == "1"),
        ),
    ];
    match app.store.commit(ops).await {
        Ok(()) | Err(yibao_store::StoreError::Duplicate(_)) => Redirect::to(&to).into_response(),
        Err(e) => ui::internal(Some(&staff), e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AuditQuery {
    actor: String,
    action: String,
    from: String,
    to: String,
    page: i64,
}

async fn audit(State(app): State<App>, staff: Staff, Query(q): Query<AuditQuery>) -> Response {
    if let Err(r) = staff.require(Area::AuditLog) {
        return r;
    }
    let f = AuditFilter { actor: q.actor.clone(), action: q.action.clone(), from: q.from.clone(), to: q.to.clone() };
    let page = q.page.max(1);
    let (rows, total) = match app.store.audit_page(&f, Pager::offset(page), PAGE_SIZE).await {
        Ok(x) => x,
        Err(e) => return ui::internal(Some(&staff), e),
    };
    let mut t = TablePage::new(
        Layout::new(&staff, "操作日志", "/admin/audit"),
        "/admin/audit",
        &["时间", "操作人", "操作", "对象", "对象编号", "详情"],
    );
    t.filters = vec![
        Field::text("actor", "操作人", &q.actor),
        Field::text("action", "操作", &q.action),
        Field::date("from", "开始日期", &q.from),
        Field::date("to", "结束日期", &q.to),
    ];
    for r in rows {
        t.rows.push(vec![
            Cell::t(r.at),
            Cell::t(r.actor),
            Cell::t(r.action),
            Cell::t(r.entity),
            Cell::t(r.entity_id),
            Cell::t(r.detail),
        ]);
    }
    let qs = ui::query_string(&[("actor", &q.actor), ("action", &q.action), ("from", &q.from), ("to", &q.to)]);
    t.pager = Some(Pager::new(&format!("/admin/audit?{qs}"), page, total));
    ui::render_ok(&t)
}

async fn figures(State(app): State<App>, staff: Staff, Query(q): Query<Done>) -> Response {
    if let Err(r) = staff.require(Area::Figures) {
        return r;
    }
    let (budgets, pops) = match (app.store.fund_budgets().await, app.store.populations().await) {
        (Ok(b), Ok(p)) => (b, p),
        (Err(e), _) | (_, Err(e)) => return ui::internal(Some(&staff), e),
    };
    let mut t = TablePage::new(
        Layout::new(&staff, "筹资总额与户籍人口", "/admin/figures"),
        "/admin/figures",
        &["项目", "统筹区", "年度", "险种", "数值"],
    );
    if !q.done.is_empty() {
        t.notice = "已保存。".into();
    }
    for (a, y, it, v) in budgets {
        t.rows.push(vec![
            Cell::t("全年筹资总额（元）"),
            Cell::t(a),
            Cell::t(y.to_string()),
            Cell::t(ui::insutype_zh(&it)),
            Cell::n(ui::yuan(v)),
        ]);
    }
    for (a, y, v) in pops {
        t.rows.push(vec![
            Cell::t("户籍人口（人）"),
            Cell::t(a),
            Cell::t(y.to_string()),
            Cell::t(""),
            Cell::n(v.to_string()),
        ]);
    }
    let year = chrono::Datelike::year(&chrono::Local::now());
    let admdvs = esc(&app.gw.default_admdvs);
    t.after = format!(
        "<h2>录入</h2><form method=\"post\" action=\"/admin/figures\" class=\"filters\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"rid\" value=\"{rid}\">
<label>项目 <select name=\"what\"><option value=\"raised\">全年筹资总额（元）</option><option value=\"population\">户籍人口（人）</option></select></label>
<label>统筹区 <input name=\"admdvs\" value=\"{admdvs}\" required size=\"8\"></label><label>年度 <input name=\"year\" value=\"{year}\" size=\"5\" required></label>
<label>险种（筹资） <select name=\"insutype\"><option value=\"390\">390 城乡居民</option><option value=\"310\">310 职工</option></select></label>
<label>数值 <input name=\"value\" required data-testid=\"figure-value\"></label><button type=\"submit\">保存</button></form>",
        csrf = esc(&staff.csrf),
        rid = ui::new_rid()
    );
    ui::render_ok(&t)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FigureForm {
    csrf: String,
    rid: String,
    what: String,
    admdvs: String,
    year: String,
    insutype: String,
    value: String,
}

async fn save_figure(State(app): State<App>, staff: Staff, Form(f): Form<FigureForm>) -> Response {
    if let Err(r) = staff.require_post(Area::Figures, &f.csrf) {
        return r;
    }
    let Ok(year) = f.year.trim().parse::<i64>() else {
        return ui::bad(&staff, &format!("年度“{}”无效", f.year));
    };
    if !(2000..=2100).contains(&year) || f.admdvs.trim().len() != 6 {
        return ui::bad(&staff, "请填写 6 位统筹区代码和有效年度");
    }
    let (op, detail) = match f.what.as_str() {
        "raised" => {
            let Ok(v) = f.value.trim().replace(',', "").parse::<yibao_core::Fen>() else {
                return ui::bad(&staff, &format!("金额“{}”无效（元，最多两位小数）", f.value));
            };
            if v.0 < 0 || !matches!(f.insutype.as_str(), "310" | "390") {
                return ui::bad(&staff, "金额不能为负，险种应为 310 或 390");
            }
            let op = WebOp::SetBudget {
                admdvs: f.admdvs.trim().into(),
                year,
                insutype: f.insutype.clone(),
                raised: v.0,
                by: staff.username.clone(),
            };
            (op, format!("{year} 年 {} 全年筹资总额 {v} 元", f.insutype))
        }
        "population" => {
            let Ok(v) = f.value.trim().replace(',', "").parse::<i64>() else {
                return ui::bad(&staff, &format!("人数“{}”无效", f.value));
            };
            if v <= 0 {
                return ui::bad(&staff, "户籍人口应大于 0");
            }
            (
                WebOp::SetPopulation {
                    admdvs: f.admdvs.trim().into(),
                    year,
                    registered: v,
                    by: staff.username.clone(),
                },
                format!("{year} 年户籍人口 {v} 人"),
            )
        }
        other => return ui::bad(&staff, &format!("项目“{other}”无效")),
    };
    if let Ok(Some(done)) = app.store.web_request(&f.rid).await {
        return Redirect::to(&done).into_response();
    }
    let to = "/admin/figures?done=1".to_string();
    let ops = vec![
        Op::Web(op),
        Op::Web(WebOp::Request {
            request_id: f.rid.clone(),
            username: staff.username.clone(),
            action: "figure".into(),
            result: to.clone(),
        }),
        ui::audit_row(&app, &staff.username, "录入统计基数", "figure", f.admdvs.trim(), &detail),
    ];
    match app.store.commit(ops).await {
        Ok(()) | Err(yibao_store::StoreError::Duplicate(_)) => Redirect::to(&to).into_response(),
        Err(e) => ui::internal(Some(&staff), e),
    }
}
