//! Test harness: the gateway and the web interface on 127.0.0.1 over a fresh SQLite directory or PostgreSQL
//! database, with the demo county, its policy and the demo accounts; a cookie-keeping client that signs in.

#![allow(dead_code)]

use std::sync::Arc;

use yibao_gateway::{Gateway, demo};
use yibao_store::{Op, Store};

pub struct Env {
    pub store: Store,
    pub gw: Arc<Gateway>,
    pub app: yibao_web::App,
    pub base: String,
}

pub fn pg_admin() -> String {
    std::env::var("YIBAO_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

pub async fn start(backend: &str) -> Env {
    let target = match backend {
        "sqlite" => std::env::temp_dir()
            .join(format!(
                "yibao-web-{}-{}",
                std::process::id(),
                chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
            ))
            .display()
            .to_string(),
        _ => {
            static CLEAN: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
            CLEAN
                .get_or_init(|| async {
                    let _ = yibao_store::drop_stale_postgres_databases(&pg_admin(), "yibao_w").await;
                })
                .await;
            yibao_store::create_postgres_database(&pg_admin(), "yibao_w")
                .await
                .expect("PostgreSQL reachable (see .ci/run)")
        }
    };
    let store = Store::open(&target).await.expect("store opens");
    demo::seed(&store).await.expect("demo seeds");
    store
        .commit(vec![Op::InsertPolicyVersion {
            admdvs: demo::DEMO_ADMDVS.into(),
            version: "2024.1".into(),
            pack: demo::DEMO_PACK.into(),
        }])
        .await
        .expect("policy stored");
    yibao_web::seed_demo_accounts(&store).await.expect("accounts");
    let gw = Arc::new(Gateway::new(store.clone(), demo::DEMO_ADMDVS.to_string()));
    gw.load_policies(&[demo::DEMO_ADMDVS.to_string()]).await.expect("policy loads");
    let app = yibao_web::Web::new(gw.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = yibao_gateway::router(gw.clone()).merge(yibao_web::router(app.clone()));
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    Env { store, gw, app, base: format!("http://{addr}") }
}

pub fn run<F: std::future::Future<Output = ()>>(f: F) {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap().block_on(f)
}

#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[test]
            fn sqlite() {
                common::run(async { ($body)(common::start("sqlite").await).await })
            }
            #[test]
            fn postgres() {
                common::run(async { ($body)(common::start("postgres").await).await })
            }
        }
    };
}

/// A browser-like client: keeps cookies, does not follow redirects.
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

pub struct Page {
    pub status: u16,
    pub location: String,
    pub body: String,
}

impl Page {
    /// The value of the first `name="…" value="…"` hidden field.
    pub fn field(&self, name: &str) -> String {
        let key = format!("name=\"{name}\" value=\"");
        self.body.split(&key).nth(1).and_then(|r| r.split('"').next()).unwrap_or_default().to_string()
    }

    /// The text of the element with `attr="value"` (e.g. data-field="fund_pay_sumamt").
    pub fn text_of(&self, attr: &str) -> Option<String> {
        let after = self.body.split(&format!("{attr}\">")).nth(1)?;
        Some(after.split('<').next()?.to_string())
    }
}

impl Client {
    pub fn new(base: &str) -> Client {
        let http =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Client { http, base: base.to_string() }
    }

    async fn page(r: reqwest::Response) -> Page {
        let status = r.status().as_u16();
        let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        Page { status, location, body: r.text().await.unwrap_or_default() }
    }

    pub async fn get(&self, path: &str) -> Page {
        Self::page(self.http.get(format!("{}{path}", self.base)).send().await.unwrap()).await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        Self::page(self.http.post(format!("{}{path}", self.base)).form(form).send().await.unwrap()).await
    }

    /// Posts a `multipart/form-data` body made by [`multipart_body`].
    pub async fn post_multipart(&self, path: &str, (content_type, body): (String, Vec<u8>)) -> Page {
        let r = self.http.post(format!("{}{path}", self.base)).header("content-type", content_type).body(body);
        Self::page(r.send().await.unwrap()).await
    }

    /// Signs in; returns the sign-in answer.
    pub async fn login(&self, user: &str, pw: &str) -> Page {
        let p = self.get("/login").await;
        let token = p.field("token");
        self.post("/login", &[("username", user), ("password", pw), ("token", &token), ("next", "/home")]).await
    }

    /// A new client signed in as a demo account.
    pub async fn signed_in(base: &str, user: &str) -> Client {
        let c = Client::new(base);
        let pw = yibao_web::DEMO_ACCOUNTS.iter().find(|a| a.0 == user).unwrap().1;
        let p = c.login(user, pw).await;
        assert_eq!(p.status, 303, "sign-in as {user}: {}", p.body);
        c
    }
}

/// A `multipart/form-data` body and its content type: text fields, then files as (field, file name, type, bytes).
pub fn multipart_body(fields: &[(&str, &str)], files: &[(&str, &str, &str, &[u8])]) -> (String, Vec<u8>) {
    let b = "----yibaoTestBoundary7";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    }
    for (field, name, content_type, data) in files {
        body.extend(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n")
                .as_bytes(),
        );
        body.extend(*data);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

pub fn staff(user: &str) -> yibao_web::auth::Staff {
    let (u, _, name, role, inst) = *yibao_web::DEMO_ACCOUNTS.iter().find(|a| a.0 == user).unwrap();
    yibao_web::auth::Staff {
        username: u.into(),
        display_name: name.into(),
        role: yibao_web::auth::Role::parse(role).unwrap(),
        fixmedins_code: inst.map(str::to_string),
        csrf: String::new(),
    }
}

pub fn psn(n: u32) -> String {
    format!("99900100000000{n:06}")
}

pub fn now_local() -> String {
    chrono::Local::now().format("%Y-%m-%dT%H:%M").to_string()
}

/// Pre-settles and settles a bill through the window's code path; returns (psn_no, setl_id).
#[allow(clippy::too_many_arguments)]
pub async fn settle_bill(
    env: &Env,
    user: &str,
    inst: &str,
    psn_no: &str,
    insutype: &str,
    kind: &str,
    med_type: &str,
    lines: &str,
) -> (String, String) {
    let staff = staff(user);
    let f = yibao_web::bill::BillForm {
        rid: format!("T{}", yibao_web::ui::random_hex(8)),
        psn_no: psn_no.into(),
        insutype: insutype.into(),
        fixmedins_code: inst.into(),
        kind: kind.into(),
        med_type: med_type.into(),
        begntime: now_local(),
        endtime: now_local(),
        diagnoses: "J18.9 肺炎".into(),
        lines: lines.into(),
        ..Default::default()
    };
    let b = yibao_web::bill::parse(&f).expect("bill parses");
    yibao_web::bill::preview(&env.app, &staff, &b).await.expect("pre-settles");
    yibao_web::bill::settle(&env.app, &staff, &f.rid).await.expect("settles")
}
