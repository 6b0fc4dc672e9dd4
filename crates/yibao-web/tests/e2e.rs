//! Runs the browser end-to-end test (tests/e2e/web.mjs: Debian's Chromium driven by playwright-core) against a real
//! server on SQLite with the demo county, then checks the amounts the pages showed against the engine: the pure
//! `yibao_core::settle` on the same bill, and the settlement the gateway stored.
//!
//! Outside CI it skips, loudly, when node, Chromium or the e2e packages are missing; in CI (`CI` set) it fails.
//! `YIBAO_SCREENSHOTS=docs/screenshots` keeps the screenshots (that is how the README's pictures are made).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::{Value, json};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn missing() -> Option<String> {
    let e2e = repo().join("tests/e2e");
    if Command::new("node").arg("--version").output().map(|o| !o.status.success()).unwrap_or(true) {
        return Some("node 未安装".into());
    }
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Some(format!("{chromium} 不存在（apt-get install chromium）"));
    }
    if !e2e.join("node_modules/playwright-core").exists() {
        return Some("tests/e2e/node_modules 缺失（cd tests/e2e && npm ci）".into());
    }
    None
}

/// What the pure engine computes for person 1's bill (no settlement before it this year) at H99900100001 (二级).
fn engine(today: &str) -> yibao_core::Settlement {
    let policy = yibao_core::Policy::from_toml("demo", yibao_gateway::demo::DEMO_PACK).unwrap();
    let year: i32 = today[..4].parse().unwrap();
    let req = json!({
        "person": { "psn_no": psn(1), "psn_name": "张建国", "certno": yibao_gateway::demo::id_number("19580312", 3), "gend": "1",
            "brdy": "1958-03-12", "insutype": "390", "psn_type": "1601",
            "enrollments": [{ "insutype": "390", "year": year - 1 }, { "insutype": "390", "year": year }],
            "chosen_fixmedins_code": "H99900100004" },
        "accumulators": { "year": year, "admissions": 0 },
        "visit": { "mdtrt_id": "E2E", "fixmedins_code": "H99900100001", "hosp_lv": "2", "med_type": "11", "begntime": today,
            "diagnoses": [{ "diag_code": "J06.9", "diag_name": "急性上呼吸道感染" }], "medfee_sumamt": "110.00",
            "fee_lines": [
                { "feedetl_sn": "L0001", "med_list_codg": "XJ01DDA100B002010101953", "pric": "12.5", "cnt": "4", "det_item_fee_sumamt": "50.00" },
                { "feedetl_sn": "L0002", "med_list_codg": "001102000010000", "pric": "30", "cnt": "2", "det_item_fee_sumamt": "60.00" }
            ] }
    });
    let req: yibao_core::SettleRequest = serde_json::from_value(req).expect("request");
    yibao_core::settle(&policy, &req).expect("engine settles")
}

#[test]
fn browser_end_to_end() {
    if let Some(why) = missing() {
        if std::env::var_os("CI").is_some() {
            panic!("端到端浏览器测试无法运行：{why}");
        }
        eprintln!(
            "\n!!!!!!!! 跳过端到端浏览器测试：{why} !!!!!!!!\n!!!!!!!! .ci/run 会安装它们；本地请先运行 .ci/run 中的安装步骤 !!!!!!!!\n"
        );
        return;
    }
    run(async {
        let env = start("sqlite").await;
        // Some settlements of other people, so that the statistics and bulletin pages have figures.
        let drug = "XJ01DDA100B002010101953";
        for (inst, p, it, kind, mt, lines) in [
            ("H99900100002", 2, "390", "otp", "11", format!("{drug} 30 3")),
            ("H99900100003", 4, "390", "ipt", "21", format!("{drug} 1000 120")),
            ("H99900100003", 9, "390", "ipt", "21", format!("{drug} 2000 400")),
            ("H99900100004", 5, "390", "ipt", "21", format!("{drug} 500 100")),
            ("H99900100002", 6, "310", "otp", "11", format!("{drug} 20 5")),
        ] {
            settle_bill(&env, "admin", inst, &psn(p), it, kind, mt, &lines).await;
        }
        // A held finding for the auditor to confirm and take into a case.
        let today = chrono::Local::now().format("%Y-%m-%d").to_string();
        let finding = yibao_store::supervision::FindingRow {
            finding_id: "E2E0001".into(),
            source: "review".into(),
            run_id: None,
            rule_id: "DUP01".into(),
            rule_name: "重复收费".into(),
            sev_deg: "1".into(),
            psn_no: Some(psn(2)),
            fixmedins_code: "H99900100002".into(),
            setl_ids: "S1".into(),
            occurred_on: today.clone(),
            amount: 1_234,
            evidence: "同一天两次收取同一诊查费".into(),
            status: "held".into(),
        };
        let op = yibao_store::supervision::SupervisionOp::InsertFindings(vec![finding]);
        env.store.commit(vec![yibao_store::Op::Supervision(op)]).await.unwrap();
        let out = std::env::temp_dir().join(format!("yibao-e2e-{}.json", std::process::id()));
        let shots = std::env::var("YIBAO_SCREENSHOTS")
            .map(|s| repo().join(s))
            .unwrap_or_else(|_| std::env::temp_dir().join("yibao-e2e-shots"));
        let base = env.base.clone();
        let (out2, shots2) = (out.clone(), shots.clone());
        let status = tokio::task::spawn_blocking(move || {
            Command::new("node")
                .arg("web.mjs")
                .arg(&base)
                .arg(&out2)
                .arg(&shots2)
                .current_dir(repo().join("tests/e2e"))
                .status()
        })
        .await
        .unwrap()
        .expect("node runs");
        assert!(status.success(), "browser end-to-end test failed (see its output above)");
        let seen: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        // The shown figures are the engine's, to the fen.
        let today = chrono::Local::now().format("%Y-%m-%d").to_string();
        let s = engine(&today);
        let shown = |k: &str| seen["preview"][k].as_str().unwrap_or_default().to_string();
        let yuan = |f: yibao_core::Fen| yibao_web::ui::yuan(f.0);
        assert_eq!(shown("medfee_sumamt"), yuan(s.medfee_sumamt));
        assert_eq!(shown("inscp_scp_amt"), yuan(s.inscp_scp_amt));
        assert_eq!(shown("act_pay_dedc"), yuan(s.act_pay_dedc));
        assert_eq!(shown("fund_pay_sumamt"), yuan(s.fund_pay_sumamt));
        assert_eq!(shown("psn_part_amt"), yuan(s.psn_part_amt));
        assert_eq!(shown("psn_cash_pay"), yuan(s.psn_cash_pay));
        assert_eq!(shown("fund_390100"), yuan(s.funds.hifp_pay));
        assert_eq!(seen["slip"], seen["preview"]);
        // And the settlement the gateway stored (now reversed) holds the same amounts.
        let setl_id = seen["setl_id"].as_str().unwrap();
        let st = env.store.settlement(&psn(1), setl_id).await.unwrap().expect("stored settlement");
        assert_eq!(st.fund_pay_sumamt, s.fund_pay_sumamt.0);
        assert_eq!(st.psn_cash_pay, s.psn_cash_pay.0);
        assert!(st.reversed_by.is_some(), "the slip was reversed in the browser");
        let exp: Vec<String> = serde_json::from_str(&st.explanation).unwrap();
        assert_eq!(seen["explanation"].as_array().unwrap().len(), exp.len());
        // The suspension made in the browser is in force.
        let today_s = env.store.suspension_on("H99900100001", &today).await.unwrap();
        assert!(today_s.is_some());
        // The auditor's review, case and suspension outcome are in the store.
        assert_eq!(env.store.finding("E2E0001").await.unwrap().unwrap().row.status, "confirmed");
        let case_id = seen["case_url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
        let case = env.store.case(&case_id, &today).await.unwrap().expect("the case opened in the browser");
        assert_eq!((case.status.as_str(), case.suspensions), ("handle", 1));
        assert_eq!(env.store.finding("E2E0001").await.unwrap().unwrap().case_id, Some(case_id));
        let s2 = env.store.suspension_on("H99900100002", &today).await.unwrap().expect("suspended by the case");
        assert!(s2.reason.contains("暂停医保服务协议 3 个月"), "{s2:?}");
    });
}
