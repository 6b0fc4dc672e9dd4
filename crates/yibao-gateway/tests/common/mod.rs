//! Test harness: a real gateway on 127.0.0.1 over a fresh SQLite directory or a fresh PostgreSQL database,
//! seeded with the demo county, and signing clients for its institutions.

#![allow(dead_code)]

use std::sync::Arc;

use serde_json::{Value, json};
use yibao_core::Fen;
use yibao_gateway::client::Client;
use yibao_gateway::{Gateway, demo, router};
use yibao_store::{Op, Store};

pub struct Env {
    pub clients: Vec<Client>,
    pub store: Store,
    pub base: String,
    /// What the store was opened from (a directory or a postgres:// URL).
    pub target: String,
}

/// The PostgreSQL server tests create their databases on.
pub fn pg_admin() -> String {
    std::env::var("YIBAO_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// Serves a gateway on `store` at a free local port; returns its base URL and signing clients (msgid sequences from
/// `first_seq`, so that a second client of an institution does not repeat the first's msgids).
async fn serve(store: Store, first_seq: u64) -> (String, Vec<Client>) {
    serve_with(store, first_seq, None).await
}

/// [`serve`] with a fund-supervision rule pack loaded.
async fn serve_with(
    store: Store,
    first_seq: u64,
    rules: Option<yibao_gateway::screening::Screening>,
) -> (String, Vec<Client>) {
    let gw = Arc::new(Gateway::new(store, demo::DEMO_ADMDVS.to_string()));
    gw.load_policies(&[demo::DEMO_ADMDVS.to_string()]).await.expect("policy loads");
    if let Some(r) = rules {
        gw.set_screening(r);
    }
    gw.claim_node().await.expect("node claimed");
    gw.watch_epochs().await.expect("epochs readable");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(gw)).await.unwrap() });
    let base = format!("http://{addr}");
    let clients = demo::INSTITUTIONS
        .iter()
        .map(|(code, name, _, _, paasid, secret)| {
            Client::new(&base, code, name, paasid, secret, demo::DEMO_ADMDVS).with_sequence_from(first_seq)
        })
        .collect();
    (base, clients)
}

/// A second gateway instance serving the same ledger (as a second server would on the same PostgreSQL, or a second
/// process on the same SQLite file), with its own memory; returns signing clients for it.
pub async fn second_gateway(target: &str) -> Vec<Client> {
    serve(Store::open(target).await.expect("store opens"), 5_000).await.1
}

pub async fn start(backend: &str) -> Env {
    start_with(backend, None).await
}

/// A rule pack written to a fresh directory with its knowledge files beside it, and loaded as the gateway would
/// load `yibao serve --rules FILE`.
pub fn rules_from_files(pack: &str, files: &[(&str, &str)]) -> yibao_gateway::screening::Screening {
    let dir = std::env::temp_dir().join(format!(
        "yibao-rules-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let file = dir.join("rules.toml");
    std::fs::write(&file, pack).unwrap();
    yibao_gateway::screening::Screening::load(&file).unwrap_or_else(|e| panic!("{e}"))
}

/// [`start`] with a rule pack loaded in the gateway.
pub async fn start_with(backend: &str, rules: Option<yibao_gateway::screening::Screening>) -> Env {
    let target = match backend {
        "sqlite" => {
            let dir = std::env::temp_dir().join(format!(
                "yibao-test-{}-{}",
                std::process::id(),
                chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
            ));
            dir.display().to_string()
        }
        _ => {
            // Databases left by earlier test processes are dropped once per process.
            static CLEAN: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
            CLEAN
                .get_or_init(|| async {
                    if let Err(e) = yibao_store::drop_stale_postgres_databases(&pg_admin(), "yibao_t").await {
                        eprintln!("could not drop old test databases: {e}");
                    }
                })
                .await;
            yibao_store::create_postgres_database(&pg_admin(), "yibao_t")
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
    let (base, clients) = serve_with(store.clone(), 0, rules).await;
    Env { clients, store, base, target }
}

/// Calls and expects success; returns the `output` node.
pub async fn ok(c: &Client, infno: &str, input: Value) -> Value {
    let a = c.call(infno, input).await.unwrap();
    assert_eq!(a["infcode"], 0, "{infno} failed: {}", a["err_msg"]);
    a["output"].clone()
}

/// Calls and expects a refusal; returns `err_msg`.
pub async fn refused(c: &Client, infno: &str, input: Value) -> String {
    let a = c.call(infno, input).await.unwrap();
    assert_eq!(a["infcode"], -1, "{infno} should be refused: {a}");
    let m = a["err_msg"].as_str().unwrap().to_string();
    assert!(!m.is_empty());
    m
}

pub fn fen(v: &Value) -> Fen {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{v}: {e}"))
}

/// Demo person n's psn_no and ID number.
pub fn psn(n: u32) -> String {
    format!("99900100000000{n:06}")
}

pub fn today() -> String {
    chrono::Local::now().format("%Y-%m-%d").to_string()
}

pub fn now() -> String {
    chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string()
}

/// 2201 input.
pub fn register_input(psn_no: &str, insutype: &str) -> Value {
    json!({ "data": {
        "psn_no": psn_no, "insutype": insutype, "begntime": now(), "mdtrt_cert_type": "02", "mdtrt_cert_no": "x",
        "ipt_otp_no": format!("MZ{}", chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()), "atddr_no": "D001",
        "dr_name": "王医生", "dept_code": "A01", "dept_name": "内科", "caty": "A03",
    }})
}

/// One fee line for 2204/2301.
pub fn line(psn_no: &str, mdtrt_id: &str, sn: &str, code: &str, pric: &str, cnt: &str, sum: &str) -> Value {
    json!({
        "feedetl_sn": sn, "mdtrt_id": mdtrt_id, "psn_no": psn_no, "chrg_bchno": "B1", "fee_ocur_time": now(),
        "med_list_codg": code, "medins_list_codg": format!("H-{code}"), "det_item_fee_sumamt": sum, "cnt": cnt,
        "pric": pric, "bilg_dept_codg": "A01", "bilg_dept_name": "内科", "bilg_dr_codg": "D001", "bilg_dr_name": "王医生",
    })
}

/// Registers an outpatient visit with med_type 11 and uploads lines; returns (mdtrt_id, total).
pub async fn outpatient(c: &Client, psn_no: &str, insutype: &str, lines: &[(&str, &str, &str, &str)]) -> (String, Fen) {
    let out = ok(c, "2201", register_input(psn_no, insutype)).await;
    let mdtrt_id = out["data"]["mdtrt_id"].as_str().unwrap().to_string();
    ok(
        c,
        "2203",
        json!({ "mdtrtinfo": { "mdtrt_id": mdtrt_id, "psn_no": psn_no, "med_type": "11", "begntime": now() },
                "diseinfo": [{ "diag_type": "1", "diag_srt_no": "1", "diag_code": "J06.9", "diag_name": "急性上呼吸道感染" }] }),
    )
    .await;
    let feedetail: Vec<Value> = lines
        .iter()
        .enumerate()
        .map(|(i, (code, p, n, s))| line(psn_no, &mdtrt_id, &format!("F{i}"), code, p, n, s))
        .collect();
    ok(c, "2204", json!({ "feedetail": feedetail })).await;
    let total: Fen = lines.iter().map(|(_, _, _, s)| s.parse::<Fen>().unwrap()).sum();
    (mdtrt_id, total)
}

/// The 2206/2207 `data` node.
pub fn setl_input(psn_no: &str, mdtrt_id: &str, insutype: &str, total: Fen, acct: &str) -> Value {
    json!({ "data": {
        "psn_no": psn_no, "mdtrt_cert_type": "02", "mdtrt_cert_no": "x", "med_type": "11", "medfee_sumamt": total.to_string(),
        "psn_setlway": "01", "mdtrt_id": mdtrt_id, "chrg_bchno": "B1", "insutype": insutype, "acct_used_flag": acct, "invono": "INV1",
    }})
}

/// Runs a test body on a fresh runtime.
pub fn run<F: std::future::Future<Output = ()>>(f: F) {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap().block_on(f)
}

/// Runs a test body against both backends.
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

/// What the funds paid this year for a person, by the 5206 accumulators (the sum of the `.paid` pools).
pub async fn paid_this_year(c: &Client, psn_no: &str) -> Fen {
    let cum = ok(c, "5206", json!({ "data": { "psn_no": psn_no, "cum_ym": today()[..7].replace('-', "") } })).await;
    cum["cuminfo"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["cum_type_code"].as_str().unwrap().ends_with(".paid"))
        .map(|r| fen(&r["cum"]))
        .sum()
}

/// A 3101/3102 `input` for one visit, with orders (empty: the gateway screens the visit's uploaded lines). The
/// gateway takes the person and the institution's level and type from the ledger, whatever the message says.
pub fn screen_input(psn_no: &str, mdtrt_id: &str, medins_id: &str, scenes: &str, orders: Vec<Value>) -> Value {
    json!({ "data": {
        "syscode": "HIS", "task_id": "TASK1", "trig_scen": scenes,
        "patient_dtos": [{
            "patn_id": psn_no, "patn_name": "张建国", "gend": "2", "brdy": "2020-01-01", "poolarea": "999001",
            "curr_mdtrt_id": mdtrt_id,
            "fsi_encounter_dtos": [{
                "mdtrt_id": mdtrt_id, "medins_id": medins_id, "medins_name": "", "medins_lv": "3", "med_type": "11",
                "insutype": "390", "adm_date": today(), "dscg_main_dise_codg": "J06.9",
                "fsi_diagnose_dtos": [{ "dise_id": "1", "maindise_flag": "1", "dias_srt_no": "1", "dise_codg": "J06.9", "dise_name": "急性上呼吸道感染" }],
                "fsi_order_dtos": orders,
            }]
        }]
    }})
}

/// Calls 3102 until `done` holds for its answer (a gateway looks at the rules epoch once a second); panics after a
/// generous while.
pub async fn until_3102(c: &Client, input: &Value, done: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..300 {
        last = c.call("3102", input.clone()).await.unwrap();
        if done(&last) {
            return last;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("3102 never gave the expected answer; the last: {last}");
}

/// The `field` of each row of a 3101/3102 answer's `output.result`.
pub fn result_field(a: &Value, field: &str) -> Vec<String> {
    a["output"]["result"]
        .as_array()
        .map(|r| r.iter().map(|x| x[field].as_str().unwrap_or_default().to_string()).collect())
        .unwrap_or_default()
}

/// A 2401 input.
pub fn admit_input(psn_no: &str, insutype: &str, med_type: &str) -> Value {
    json!({ "mdtrtinfo": {
        "psn_no": psn_no, "insutype": insutype, "begntime": now(), "mdtrt_cert_type": "02", "mdtrt_cert_no": "x",
        "med_type": med_type, "ipt_no": "ZY001", "atddr_no": "D1", "chfpdr_name": "李医生", "adm_diag_dscr": "肺炎",
        "adm_dept_codg": "A03", "adm_dept_name": "呼吸内科", "adm_bed": "12", "dscg_maindiag_code": "J18.9",
        "dscg_maindiag_name": "肺炎" },
      "diseinfo": [{ "psn_no": psn_no, "diag_type": "1", "maindiag_flag": "1", "diag_srt_no": "1", "diag_code": "J18.9", "diag_name": "肺炎" }] })
}
