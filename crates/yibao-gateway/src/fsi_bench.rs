//! Latency of 3101/3102 over HTTP for a 50-line inpatient stay: a gateway on a scratch store (the demo county and
//! the `yibao-audit` demo rule pack) on a local port, called by one signing client, one call at a time.
//!
//! `yibao bench-fsi --data DIR|postgres://…` or `cargo bench -j2 -p yibao-gateway --bench fsi`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use yibao_store::{Op, Store, StoreError};

use crate::client::Client;
use crate::screening::Screening;
use crate::{Gateway, demo, router};

/// One measured call kind.
#[derive(Debug, Clone)]
pub struct Report {
    pub name: &'static str,
    pub calls: usize,
    /// `result[]` rows of one answer.
    pub findings: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        write!(
            f,
            "{:<34} {:>6} 次  违规 {:>2} 条  p50 {:>6.3} ms  p99 {:>6.3} ms  max {:>7.3} ms",
            self.name,
            self.calls,
            self.findings,
            ms(self.p50),
            ms(self.p99),
            ms(self.max)
        )
    }
}

fn sum(price: &str, qty: &str) -> String {
    let p: yibao_core::Price = price.parse().unwrap_or(yibao_core::Price(0));
    let q: yibao_core::Qty = qty.parse().unwrap_or(yibao_core::Qty(0));
    yibao_core::money::line_amount(p, q).to_string()
}

async fn ok(c: &Client, infno: &str, input: Value) -> Result<Value, String> {
    let a = c.call(infno, input).await?;
    if a["infcode"] != 0 {
        return Err(format!("{infno}: {}", a["err_msg"]));
    }
    Ok(a["output"].clone())
}

fn percentile(sorted: &[Duration], per_mille: usize) -> Duration {
    let i = ((sorted.len().saturating_sub(1)) * per_mille).div_ceil(1000);
    sorted.get(i).copied().unwrap_or_default()
}

/// Starts a gateway on `target` (a scratch directory or postgres:// URL; the demo county is seeded if absent), then
/// times `calls` calls of each kind after a warm-up.
pub async fn run(target: &str, calls: usize) -> Result<Vec<Report>, String> {
    let e = |e: StoreError| e.to_string();
    let store = Store::open(target).await.map_err(e)?;
    demo::seed(&store).await.map_err(e)?;
    let op = Op::InsertPolicyVersion {
        admdvs: demo::DEMO_ADMDVS.into(),
        version: "bench".into(),
        pack: demo::DEMO_PACK.into(),
    };
    match store.commit(vec![op]).await {
        Ok(()) | Err(StoreError::Duplicate(_)) => {}
        Err(x) => return Err(x.to_string()),
    }
    let gw = Arc::new(Gateway::new(store, demo::DEMO_ADMDVS.to_string()));
    gw.load_policies(&[demo::DEMO_ADMDVS.to_string()]).await?;
    gw.claim_node().await.map_err(e)?;
    gw.set_screening(Screening::demo());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|x| x.to_string())?;
    let addr = listener.local_addr().map_err(|x| x.to_string())?;
    tokio::spawn(async move { axum::serve(listener, router(gw)).await });
    let (code, name, _, _, paasid, secret) = demo::INSTITUTIONS[0];
    let c = Client::new(&format!("http://{addr}"), code, name, paasid, secret, demo::DEMO_ADMDVS)
        .with_sequence_from(chrono::Utc::now().timestamp() as u64 % 5000);

    // A stay with the 50 lines uploaded (2401, 2301).
    let psn_no = "99900100000000000001";
    let today = chrono::Local::now().date_naive();
    let adm = today - chrono::Duration::days(7);
    let at = |d: chrono::NaiveDate| format!("{} 09:00:00", d.format("%Y-%m-%d"));
    let admitted = ok(
        &c,
        "2401",
        json!({ "mdtrtinfo": {
            "psn_no": psn_no, "insutype": "390", "coner_name": "家属", "tel": "1", "begntime": at(adm), "mdtrt_cert_type": "02",
            "mdtrt_cert_no": "x", "med_type": "21", "ipt_no": format!("ZY{}", chrono::Utc::now().timestamp_micros()), "medrcdno": "B1", "atddr_no": "D1",
            "chfpdr_name": "李医生", "adm_diag_dscr": "肺炎", "adm_dept_codg": "A03", "adm_dept_name": "呼吸内科", "adm_bed": "12",
            "dscg_maindiag_code": "J18.9", "dscg_maindiag_name": "肺炎", "main_cond_dscr": "", "dise_codg": "", "dise_name": "" },
          "diseinfo": [{ "psn_no": psn_no, "diag_type": "1", "maindiag_flag": "1", "diag_srt_no": "1", "diag_code": "J18.9", "diag_name": "肺炎" }] }),
    )
    .await?;
    let mdtrt_id = admitted["result"]["mdtrt_id"].as_str().unwrap_or_default().to_string();
    let lines = yibao_audit::synth::stay_lines();
    let day = |d: i64| adm + chrono::Duration::days(d);
    let feedetail: Vec<Value> = lines
        .iter()
        .enumerate()
        .map(|(i, (code, _, p, n, d))| {
            json!({ "feedetl_sn": format!("B{i:03}"), "mdtrt_id": mdtrt_id, "psn_no": psn_no, "fee_ocur_time": at(day(*d)),
                    "med_list_codg": code, "medins_list_codg": format!("H-{code}"), "det_item_fee_sumamt": sum(p, n),
                    "cnt": n, "pric": p, "bilg_dept_codg": "A03", "bilg_dept_name": "呼吸内科" })
        })
        .collect();
    ok(&c, "2301", json!({ "feedetail": feedetail })).await?;
    let orders: Vec<Value> = lines
        .iter()
        .enumerate()
        .map(|(i, (code, class, p, n, d))| {
            json!({ "rx_id": format!("B{i:03}"), "hilist_code": code, "med_chrgitm_type": class, "pric": p, "cnt": n,
                    "sumamt": sum(p, n), "drord_begn_date": day(*d).format("%Y-%m-%d").to_string(), "curr_drord_flag": "1" })
        })
        .collect();
    // An outpatient visit of the same person: 门诊结算 runs 重复开药, which reads the person's earlier dispensing.
    let reg = ok(
        &c,
        "2201",
        json!({ "data": { "psn_no": psn_no, "insutype": "390", "begntime": at(today), "mdtrt_cert_type": "02",
            "mdtrt_cert_no": "x", "ipt_otp_no": format!("MZ{}", chrono::Utc::now().timestamp_micros()), "atddr_no": "D001",
            "dr_name": "王医生", "dept_code": "A01", "dept_name": "内科", "caty": "A03" } }),
    )
    .await?;
    let otp_id = reg["data"]["mdtrt_id"].as_str().unwrap_or_default().to_string();
    let input = |scene: &str, orders: &[Value]| {
        let (visit, med_type) = if scene == "6" { (&otp_id, "11") } else { (&mdtrt_id, "21") };
        json!({ "data": { "syscode": "HIS", "task_id": "BENCH", "trig_scen": scene, "patient_dtos": [{
            "patn_id": psn_no, "patn_name": "张建国", "curr_mdtrt_id": visit,
            "fsi_encounter_dtos": [{ "mdtrt_id": visit, "medins_id": code, "med_type": med_type, "insutype": "390",
                "adm_date": adm.format("%Y-%m-%d").to_string(), "dscg_date": today.format("%Y-%m-%d").to_string(),
                "dscg_main_dise_codg": "J18.9",
                "fsi_diagnose_dtos": [{ "maindise_flag": "1", "dias_srt_no": "1", "dise_codg": "J18.9", "dise_name": "肺炎" }],
                "fsi_order_dtos": orders }] }] } })
    };
    let kinds: [(&'static str, &str, Value); 4] = [
        ("3101 事前（住院收费登记，50 条医嘱）", "3101", input("4", &orders)),
        ("3102 事中（住院结算，50 条医嘱）", "3102", input("8", &orders)),
        ("3102 事中（住院结算，已上传 50 条明细）", "3102", input("8", &[])),
        ("3102 事中（门诊结算，50 条，读既往用药）", "3102", input("6", &orders)),
    ];
    let mut reports = Vec::new();
    for (name, infno, body) in kinds {
        let first = ok(&c, infno, body.clone()).await?;
        let findings = first["result"].as_array().map_or(0, Vec::len);
        for _ in 0..calls.min(200) {
            ok(&c, infno, body.clone()).await?;
        }
        let mut times = Vec::with_capacity(calls);
        for _ in 0..calls {
            let envelope = c.envelope(infno, &c.msgid(), body.clone());
            let t = Instant::now();
            let a = c.post(&envelope).await?;
            times.push(t.elapsed());
            if a["infcode"] != 0 {
                return Err(format!("{infno}: {}", a["err_msg"]));
            }
        }
        times.sort_unstable();
        reports.push(Report {
            name,
            calls,
            findings,
            p50: percentile(&times, 500),
            p99: percentile(&times, 990),
            max: times.last().copied().unwrap_or_default(),
        });
    }
    Ok(reports)
}
