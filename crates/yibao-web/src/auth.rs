//! Sign-in and roles: argon2id password hashes, server-side sessions that expire, CSRF tokens, lock-out after
//! repeated failures, and the table of which role may reach which area (checked on the server for every route).

use askama::Template;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use yibao_store::Op;
use yibao_store::webop::WebOp;

use crate::ui::{self, Layout};
use crate::{App, Web};

/// Consecutive failed sign-ins that lock an account, and for how long.
pub const MAX_FAILURES: i64 = 5;
pub const LOCK_MINUTES: i64 = 15;
const COOKIE: &str = "yibao_session";
const LOGIN_COOKIE: &str = "yibao_login";

/// A staff role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Clerk,
    Reviewer,
    Auditor,
    Statistician,
    Admin,
    Institution,
}

/// What a route belongs to; [`Role::can`] says who may reach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// Settle, print, reverse at the service window.
    Window,
    /// Find people and open their page.
    People,
    /// Whole ID numbers and names on a person's own page.
    WholeIdentity,
    /// Institutions, catalogue, policy versions, visits and settlements (read).
    Records,
    /// Suspend and resume institutions' agreements.
    Agreements,
    /// Upload policy packs.
    PolicyUpload,
    Statistics,
    /// 全年筹资总额 and registered population.
    Figures,
    Bulletin,
    AuditLog,
    Users,
    /// Fund supervision's findings and held money: review (排除 / 确认违规), institutions' payable.
    FindingReview,
    /// Fund supervision's case ledger and its statistics.
    Supervision,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "clerk" => Role::Clerk,
            "reviewer" => Role::Reviewer,
            "auditor" => Role::Auditor,
            "statistician" => Role::Statistician,
            "admin" => Role::Admin,
            "institution" => Role::Institution,
            _ => return None,
        })
    }

    pub fn code(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Reviewer => "reviewer",
            Role::Auditor => "auditor",
            Role::Statistician => "statistician",
            Role::Admin => "admin",
            Role::Institution => "institution",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Role::Clerk => "经办",
            Role::Reviewer => "审核",
            Role::Auditor => "监管",
            Role::Statistician => "统计",
            Role::Admin => "管理员",
            Role::Institution => "定点机构操作员",
        }
    }

    pub fn can(self, a: Area) -> bool {
        use Area::*;
        use Role::*;
        match self {
            Admin => true,
            Clerk => matches!(a, Window | People | WholeIdentity | Records),
            Reviewer => matches!(a, People | WholeIdentity | Records | FindingReview),
            Auditor => matches!(
                a,
                People | WholeIdentity | Records | Agreements | Statistics | AuditLog | FindingReview | Supervision
            ),
            Statistician => matches!(a, Records | Statistics | Figures | Bulletin),
            Institution => matches!(a, Window | People | Records),
        }
    }
}

/// The signed-in staff member of a request.
#[derive(Debug, Clone)]
pub struct Staff {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// For an institution operator: the only institution whose data they see.
    pub fixmedins_code: Option<String>,
    pub csrf: String,
}

impl Staff {
    /// Refuses with 403 unless the role may reach the area.
    pub fn require(&self, a: Area) -> Result<(), Response> {
        if self.role.can(a) {
            Ok(())
        } else {
            Err(ui::message(
                Some(self),
                StatusCode::FORBIDDEN,
                "无权访问",
                "您的角色无权使用此功能。如需开通，请联系系统管理员。",
            ))
        }
    }

    /// Refuses a mutating request unless the role may reach the area and the CSRF token is the session's.
    pub fn require_post(&self, a: Area, csrf: &str) -> Result<(), Response> {
        self.require(a)?;
        self.check_csrf(csrf)
    }

    /// Refuses a mutating request whose CSRF token is not the session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), Response> {
        if !token.is_empty() && constant_eq(token.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(ui::message(
                Some(self),
                StatusCode::FORBIDDEN,
                "请求已失效",
                "页面已过期或来源不明（CSRF 校验失败），请刷新页面后重试。",
            ))
        }
    }

    /// Refuses unless the staff member may see this institution's data.
    pub fn check_institution(&self, code: &str) -> Result<(), Response> {
        match &self.fixmedins_code {
            Some(own) if own != code => Err(ui::message(
                Some(self),
                StatusCode::FORBIDDEN,
                "无权访问",
                "定点机构操作员只能查看和办理本机构的业务。",
            )),
            _ => Ok(()),
        }
    }
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

// argon2id parameters (OWASP's minimum recommendation): 19 MiB, 2 passes, 1 lane.
const M_COST: u32 = 19 * 1024;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

fn argon(m: u32, t: u32, p: u32) -> argon2::Argon2<'static> {
    let params = argon2::Params::new(m, t, p, Some(32)).expect("valid argon2 parameters");
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

/// `argon2id$m$t$p$salt$hash` for a password, with a fresh random salt.
pub fn hash_password(pw: &str) -> String {
    let salt = ui::random_bytes::<16>();
    let mut out = [0u8; 32];
    argon(M_COST, T_COST, P_COST).hash_password_into(pw.as_bytes(), &salt, &mut out).expect("argon2 hashes");
    format!("argon2id${M_COST}${T_COST}${P_COST}${}${}", hex::encode(salt), hex::encode(out))
}

/// Whether a password matches a stored hash.
pub fn verify_password(pw: &str, stored: &str) -> bool {
    let parts: Vec<&str> = stored.split('$').collect();
    let [algo, m, t, p, salt, hash] = parts[..] else { return false };
    let (Ok(m), Ok(t), Ok(p), Ok(salt), Ok(hash)) =
        (m.parse(), t.parse(), p.parse(), hex::decode(salt), hex::decode(hash))
    else {
        return false;
    };
    if algo != "argon2id" || hash.len() != 32 {
        return false;
    }
    let mut out = [0u8; 32];
    argon(m, t, p).hash_password_into(pw.as_bytes(), &salt, &mut out).is_ok() && constant_eq(&out, &hash)
}

/// The operation that creates or replaces an account.
pub fn user_op(user: &str, name: &str, role: &str, inst: Option<String>, pw: &str, active: bool) -> Op {
    Op::Web(WebOp::UpsertUser {
        username: user.to_string(),
        display_name: name.to_string(),
        role: role.to_string(),
        fixmedins_code: inst,
        pw_hash: hash_password(pw),
        active,
    })
}

/// Why a request has no staff member: not signed in (or expired), so go to the sign-in page.
pub struct SignIn(String);

impl IntoResponse for SignIn {
    fn into_response(self) -> Response {
        Redirect::to(&format!("/login?next={}", ui::url_encode(&self.0))).into_response()
    }
}

impl FromRequestParts<App> for Staff {
    type Rejection = SignIn;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Staff, SignIn> {
        let next = parts.uri.path_and_query().map_or("/home".to_string(), |p| p.to_string());
        let next = if parts.method == axum::http::Method::GET { next } else { "/home".to_string() };
        let token = cookie(&parts.headers, COOKIE).ok_or_else(|| SignIn(next.clone()))?;
        let s =
            app.store.staff_session(&sha256_hex(&token)).await.ok().flatten().ok_or_else(|| SignIn(next.clone()))?;
        if s.ended || s.expires_at <= yibao_store::now_text() {
            return Err(SignIn(next));
        }
        let u =
            app.store.staff_user(&s.username).await.ok().flatten().filter(|u| u.active).ok_or(SignIn(next.clone()))?;
        let role = Role::parse(&u.role).ok_or(SignIn(next))?;
        Ok(Staff {
            username: u.username,
            display_name: u.display_name,
            role,
            fixmedins_code: if role == Role::Institution { Some(u.fixmedins_code.unwrap_or_default()) } else { None },
            csrf: s.csrf,
        })
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    error: String,
    next: String,
    token: String,
    username: String,
}

#[derive(Deserialize)]
struct NextQuery {
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    token: String,
}

fn login_page(error: &str, next: &str, username: &str, status: StatusCode) -> Response {
    let token = ui::random_hex(16);
    let page =
        LoginPage { error: error.to_string(), next: next.to_string(), token: token.clone(), username: username.into() };
    let mut r = (status, ui::render(&page)).into_response();
    let c = format!("{LOGIN_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict");
    r.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(&c).expect("cookie text"));
    r
}

async fn login_get(Query(q): Query<NextQuery>) -> Response {
    login_page("", &q.next, "", StatusCode::OK)
}

/// Only local paths are followed after sign-in.
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_string()
    } else {
        "/home".into()
    }
}

async fn login_post(State(app): State<App>, headers: HeaderMap, Form(f): Form<LoginForm>) -> Response {
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if f.token.is_empty() || !constant_eq(f.token.as_bytes(), expected.as_bytes()) {
        return login_page("登录页面已过期，请重新输入。", &f.next, &f.username, StatusCode::FORBIDDEN);
    }
    let username = f.username.trim().to_string();
    let now = yibao_store::now_text();
    let user = match app.store.staff_user(&username).await {
        Ok(u) => u,
        Err(e) => return ui::internal(None, e),
    };
    let Some(user) = user.filter(|u| u.active) else {
        // Same work and the same answer as a wrong password, so that names cannot be probed.
        let _ = verify_password(&f.password, &hash_password("x"));
        audit_sign_in(&app, &username, "登录失败", "用户名不存在或已停用").await;
        return login_page("用户名或密码错误。", &f.next, &username, StatusCode::UNAUTHORIZED);
    };
    if let Some(until) = user.locked_until.as_deref().filter(|u| *u > now.as_str()) {
        audit_sign_in(&app, &username, "登录被拒", "账号锁定中").await;
        let msg = format!("连续 {MAX_FAILURES} 次密码错误，账号已锁定至 {until}，请稍后再试或联系系统管理员解锁。");
        return login_page(&msg, &f.next, &username, StatusCode::FORBIDDEN);
    }
    if !verify_password(&f.password, &user.pw_hash) {
        let lock_until = (chrono::Local::now() + chrono::Duration::minutes(LOCK_MINUTES)).format("%Y-%m-%d %H:%M:%S");
        let ops = vec![
            Op::Web(WebOp::LoginFailed {
                username: username.clone(),
                max: MAX_FAILURES,
                lock_until: lock_until.to_string(),
            }),
            ui::audit_row(&app, &username, "登录失败", "staff", &username, "密码错误"),
        ];
        if let Err(e) = app.store.commit(ops).await {
            return ui::internal(None, e);
        }
        let left = MAX_FAILURES - user.failed - 1;
        let msg = if left > 0 {
            format!("用户名或密码错误。再错 {left} 次账号将被锁定 {LOCK_MINUTES} 分钟。")
        } else {
            format!("用户名或密码错误。账号已锁定至 {lock_until}。")
        };
        return login_page(&msg, &f.next, &username, StatusCode::UNAUTHORIZED);
    }
    let token = ui::random_hex(32);
    let csrf = ui::random_hex(16);
    let expires = (chrono::Local::now() + chrono::Duration::hours(app.session_hours)).format("%Y-%m-%d %H:%M:%S");
    let ops = vec![
        Op::Web(WebOp::LoginOk { username: username.clone() }),
        Op::Web(WebOp::InsertSession {
            token_hash: sha256_hex(&token),
            username: username.clone(),
            csrf,
            expires_at: expires.to_string(),
        }),
        ui::audit_row(&app, &username, "登录", "staff", &username, ""),
    ];
    if let Err(e) = app.store.commit(ops).await {
        return ui::internal(None, e);
    }
    let mut r = Redirect::to(&safe_next(&f.next)).into_response();
    let max_age = app.session_hours * 3600;
    let c = format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}");
    r.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(&c).expect("cookie text"));
    r
}

async fn audit_sign_in(app: &Web, username: &str, action: &str, detail: &str) {
    let _ = app.store.commit(vec![ui::audit_row(app, username, action, "staff", username, detail)]).await;
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(State(app): State<App>, staff: Staff, headers: HeaderMap, Form(f): Form<CsrfForm>) -> Response {
    if let Err(r) = staff.check_csrf(&f.csrf) {
        return r;
    }
    let token = cookie(&headers, COOKIE).unwrap_or_default();
    let ops = vec![
        Op::Web(WebOp::EndSession { token_hash: sha256_hex(&token) }),
        ui::audit_row(&app, &staff.username, "退出登录", "staff", &staff.username, ""),
    ];
    if let Err(e) = app.store.commit(ops).await {
        return ui::internal(Some(&staff), e);
    }
    let mut r = Redirect::to("/login").into_response();
    let c = format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    r.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(&c).expect("cookie text"));
    r
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    l: Layout,
    cards: Vec<(&'static str, &'static str, &'static str)>,
}

async fn home(staff: Staff) -> Response {
    let all: &[(Area, &str, &str, &str)] = &[
        (Area::Window, "/window", "一站式结算窗口", "查找参保人，录入费用，预结算、结算、打印结算单、撤销"),
        (Area::People, "/records/people", "参保人员", "人员、参保、身份、账户与年度累计"),
        (Area::Records, "/records/settlements", "结算记录", "按期间、机构、险种、医疗类别、身份筛选并导出"),
        (Area::Records, "/records/institutions", "定点医药机构", "协议状态，暂停与恢复医保结算服务"),
        (Area::Records, "/records/policies", "政策版本", "查看、对比、上传政策包"),
        (Area::Statistics, "/stats", "统计分析", "基金支出、实际补偿比、受益人次、大病分段、参保、机构排名"),
        (Area::Bulletin, "/bulletin", "工作简报", "按期间生成半年工作报告数据草稿，编辑并导出 Word"),
        (
            Area::FindingReview,
            "/supervision/findings",
            "基金监管疑点",
            "剔除待查的疑点，排除或确认违规；机构应付与暂扣金额",
        ),
        (Area::Supervision, "/supervision/cases", "案件台账", "线索、核查、立案、处理、结案，追回、罚款与暂停协议"),
        (Area::AuditLog, "/admin/audit", "操作日志", "谁在何时做了什么、查看了谁的个人信息"),
        (Area::Users, "/admin/users", "用户管理", "账号、角色与解锁"),
    ];
    let cards = all.iter().filter(|(a, ..)| staff.role.can(*a)).map(|(_, h, t, d)| (*h, *t, *d)).collect();
    ui::render_ok(&Home { l: Layout::new(&staff, "首页", ""), cards })
}

pub fn routes() -> Router<App> {
    Router::new()
        .route("/login", get(login_get).post(login_post))
        .route("/logout", post(logout))
        .route("/home", get(home))
}
