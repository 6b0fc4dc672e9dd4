//! The web interface for bureau staff (in Chinese): sign-in and roles, the one-stop service window, records,
//! statistics with charts and xlsx export, and the work bulletin — served by the same process as the gateway.
//!
//! Every route checks its role on the server ([`auth::Area`]); every mutating form carries the session's CSRF token
//! and a request id (a resubmitted form has no second effect); every action and every view of a whole ID number is
//! written to the audit log. Money moves only through [`yibao_gateway::Gateway::call_as`].

// Handlers refuse with a ready page (`Result<(), Response>`): the refusal is the response, not an error to box.
#![allow(clippy::result_large_err)]

pub mod admin;
pub mod auth;
pub mod bill;
pub mod bulletin;
pub mod charts;
pub mod export;
pub mod records;
pub mod slip;
pub mod stats;
pub mod supervision;
pub mod table;
pub mod ui;
pub mod window;

use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use yibao_gateway::Gateway;
use yibao_store::Store;

/// Shared state of the web interface.
pub struct Web {
    pub gw: Arc<Gateway>,
    pub store: Store,
    /// How long a session lasts from sign-in.
    pub session_hours: i64,
}

pub type App = Arc<Web>;

impl Web {
    pub fn new(gw: Arc<Gateway>) -> App {
        let store = gw.store.clone();
        Arc::new(Web { gw, store, session_hours: 8 })
    }
}

/// The web routes (merge with `yibao_gateway::router` to serve both on one port).
pub fn router(app: App) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/home") }))
        .route("/static/{file}", get(static_file))
        .merge(auth::routes())
        .merge(window::routes())
        .merge(records::routes())
        .merge(stats::routes())
        .merge(bulletin::routes())
        .merge(admin::routes())
        .merge(supervision::routes())
        .with_state(app)
}

const CSS: &str = include_str!("../static/yibao.css");
const JS: &str = include_str!("../static/yibao.js");

async fn static_file(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let (body, ty) = match file.as_str() {
        "yibao.css" => (CSS, "text/css; charset=utf-8"),
        "yibao.js" => (JS, "text/javascript; charset=utf-8"),
        _ => return (StatusCode::NOT_FOUND, "未找到").into_response(),
    };
    ([(header::CONTENT_TYPE, ty), (header::CACHE_CONTROL, "max-age=3600")], body).into_response()
}

/// The demo accounts `yibao serve --demo` creates: (username, password, display name, role, institution).
pub const DEMO_ACCOUNTS: &[(&str, &str, &str, &str, Option<&str>)] = &[
    ("jingban", "Jingban#2024", "窗口经办 王敏", "clerk", None),
    ("shenhe", "Shenhe#2024", "待遇审核 李强", "reviewer", None),
    ("jianguan", "Jianguan#2024", "基金监管 赵磊", "auditor", None),
    ("tongji", "Tongji#2024", "统计 孙丽", "statistician", None),
    ("admin", "Admin#2024", "系统管理员", "admin", None),
    ("yiyuan1", "Yiyuan#2024", "县人民医院医保办 周婷", "institution", Some("H99900100001")),
];

/// Creates the demo accounts that do not exist yet, and the demo county's raised fund and registered population for
/// this year and last when none are entered; returns how many accounts were created.
pub async fn seed_demo_accounts(store: &Store) -> yibao_store::Result<usize> {
    let mut ops = Vec::new();
    let year = i64::from(chrono::Datelike::year(&chrono::Local::now()));
    let admdvs = yibao_gateway::demo::DEMO_ADMDVS;
    for y in [year - 1, year] {
        if store.raised_fund(admdvs, y, None).await? == 0 {
            // 示范县 is a fictional county of ten people: 3 and 1 million yuan raised (in fen).
            for (insutype, raised) in [("390", 300_000_000_i64), ("310", 100_000_000)] {
                ops.push(yibao_store::Op::Web(yibao_store::webop::WebOp::SetBudget {
                    admdvs: admdvs.into(),
                    year: y,
                    insutype: insutype.into(),
                    raised,
                    by: "demo".into(),
                }));
            }
        }
        if store.registered_population(admdvs, y).await?.is_none() {
            ops.push(yibao_store::Op::Web(yibao_store::webop::WebOp::SetPopulation {
                admdvs: admdvs.into(),
                year: y,
                registered: 12,
                by: "demo".into(),
            }));
        }
    }
    let mut n = 0;
    for (user, pw, name, role, inst) in DEMO_ACCOUNTS {
        if store.staff_user(user).await?.is_none() {
            ops.push(auth::user_op(user, name, role, inst.map(str::to_string), pw, true));
            n += 1;
        }
    }
    if !ops.is_empty() {
        store.commit(ops).await?;
    }
    Ok(n)
}
