//! Whole outpatient and inpatient flows over real HTTP, on SQLite and on PostgreSQL, with the amounts checked
//! against the engine and the ledger checked after reversal.

mod common;

use common::*;
use serde_json::{Value, json};
use yibao_core::Fen;
use yibao_core::settlement::SettleRequest;

/// The same visit, settled by the pure engine, for comparison with what the gateway answered.
fn engine(req: Value) -> yibao_core::Settlement {
    let policy = yibao_core::Policy::from_toml("demo", yibao_gateway::demo::DEMO_PACK).unwrap();
    let req: SettleRequest = serde_json::from_value(req).unwrap();
    yibao_core::settle(&policy, &req).unwrap()
}

both_backends!(outpatient_flow, |env: Env| async move {
    let h1 = &env.clients[0];
    let p = psn(1);
    // 9001 sign-in, 1101 person, 2001 eligibility.
    let s = ok(h1, "9001", json!({ "signIn": { "opter_no": "0001", "mac": "00:00", "ip": "127.0.0.1" } })).await;
    assert!(!s["signinoutb"]["sign_no"].as_str().unwrap().is_empty());
    let certno = yibao_gateway::demo::id_number("19580312", 3);
    let info = ok(h1, "1101", json!({ "data": { "mdtrt_cert_type": "02", "mdtrt_cert_no": certno } })).await;
    assert_eq!(info["baseinfo"]["psn_no"], p);
    assert_eq!(info["insuinfo"][0]["insutype"], "390");
    let t = ok(h1, "2001", json!({ "data": { "psn_no": p, "insutype": "390", "med_type": "11", "begntime": now() } }))
        .await;
    assert_eq!(t["trtinfo"][0]["trt_enjymnt_flag"], "1");

    // 2201 → 2203 → 2204 (甲类 + 乙类 + 丙类).
    let lines = [
        ("001101000010000", "10", "1", "10.00"),
        ("XJ01CAA040E001010101446", "1.25", "120", "150.00"),
        ("XC10AAA093A001010104036", "3.333333", "3", "10.00"),
        ("XA11JAA001A001010100001", "45", "1", "45.00"),
    ];
    let (mdtrt_id, total) = outpatient(h1, &p, "390", &lines).await;
    assert_eq!(total, Fen(21500));

    // 2206 pre-settlement equals 2207 settlement, and both equal the engine.
    let pre = ok(h1, "2206", setl_input(&p, &mdtrt_id, "390", total, "0")).await;
    assert_eq!(pre["setlinfo"]["setl_id"], "");
    let out = ok(h1, "2207", setl_input(&p, &mdtrt_id, "390", total, "0")).await;
    let si = &out["setlinfo"];
    let setl_id = si["setl_id"].as_str().unwrap().to_string();
    assert!(!setl_id.is_empty());
    for f in ["medfee_sumamt", "hifp_pay", "fund_pay_sumamt", "psn_cash_pay", "preselfpay_amt", "fulamt_ownpay_amt"] {
        assert_eq!(pre["setlinfo"][f], si[f], "{f}");
    }
    let year: i32 = today()[..4].parse().unwrap();
    let expect = engine(json!({
        "person": { "psn_no": p, "gend": "1", "brdy": "1958-03-12", "insutype": "390", "psn_type": "1601",
                    "enrollments": [{ "insutype": "390", "year": year }], "chosen_fixmedins_code": "H99900100004" },
        "visit": { "fixmedins_code": "H99900100001", "hosp_lv": "2", "med_type": "11", "begntime": today(),
                   "diagnoses": [{ "diag_code": "J06.9" }],
                   "fee_lines": lines.iter().enumerate().map(|(i, (c, pr, n, s))| json!({
                       "feedetl_sn": format!("F{i}"), "med_list_codg": c, "pric": pr, "cnt": n, "det_item_fee_sumamt": s })).collect::<Vec<_>>() }
    }));
    assert_eq!(fen(&si["hifp_pay"]), expect.funds.hifp_pay);
    assert_eq!(fen(&si["fund_pay_sumamt"]), expect.fund_pay_sumamt);
    assert_eq!(fen(&si["psn_part_amt"]), expect.psn_part_amt);
    assert_eq!(fen(&si["fulamt_ownpay_amt"]), Fen(4500));
    assert!(expect.fund_pay_sumamt.0 > 0);
    assert_eq!(
        fen(&si["medfee_sumamt"]),
        fen(&si["fund_pay_sumamt"]) + fen(&si["psn_part_amt"]) + fen(&si["hosp_part_amt"])
    );

    // 5203 / 5204 / 5205 / 5206 see it.
    let q = ok(h1, "5203", json!({ "data": { "psn_no": p, "setl_id": setl_id, "mdtrt_id": mdtrt_id } })).await;
    assert_eq!(fen(&q["setlinfo"]["hifp_pay"]), expect.funds.hifp_pay);
    let fl = ok(h1, "5204", json!({ "data": { "psn_no": p, "setl_id": setl_id, "mdtrt_id": mdtrt_id } })).await;
    assert_eq!(fl["data"].as_array().unwrap().len(), 4);
    let list = ok(h1, "5205", json!({ "data": { "psn_no": p, "begntime": today(), "endtime": today() } })).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    let paid = paid_this_year(h1, &p).await;
    assert_eq!(paid, expect.fund_pay_sumamt);

    // Uploading after settlement and settling twice are refused.
    let m =
        refused(h1, "2204", json!({ "feedetail": [line(&p, &mdtrt_id, "F9", "001101000010000", "10", "1", "10")] }))
            .await;
    assert!(m.contains("已结算"), "{m}");
    let m = refused(h1, "2207", setl_input(&p, &mdtrt_id, "390", total, "0")).await;
    assert!(m.contains("已结算"), "{m}");

    // 2208 reversal: negative amounts, accumulators back to zero; reversing again or reversing the reversal is refused.
    let rv = ok(h1, "2208", json!({ "data": { "psn_no": p, "setl_id": setl_id, "mdtrt_id": mdtrt_id } })).await;
    let rid = rv["setlinfo"]["setl_id"].as_str().unwrap().to_string();
    assert_ne!(rid, setl_id);
    assert_eq!(fen(&rv["setlinfo"]["hifp_pay"]), -expect.funds.hifp_pay);
    assert_eq!(fen(&rv["setlinfo"]["medfee_sumamt"]), -total);
    let cum = ok(h1, "5206", json!({ "data": { "psn_no": p, "cum_ym": today()[..7].replace('-', "") } })).await;
    assert!(
        cum["cuminfo"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| fen(&r["cum"]).is_zero() || r["cum_type_code"] == "admissions"),
        "{cum}"
    );
    let m = refused(h1, "2208", json!({ "data": { "psn_no": p, "setl_id": setl_id, "mdtrt_id": mdtrt_id } })).await;
    assert!(m.contains("已于撤销记录"), "{m}");
    let m = refused(h1, "2208", json!({ "data": { "psn_no": p, "setl_id": rid, "mdtrt_id": mdtrt_id } })).await;
    assert!(m.contains("不能再撤销"), "{m}");

    // After reversal the visit can be settled again, with the same result.
    let again = ok(h1, "2207", setl_input(&p, &mdtrt_id, "390", total, "0")).await;
    assert_eq!(fen(&again["setlinfo"]["hifp_pay"]), expect.funds.hifp_pay);

    // 2202: a fresh registration can be cancelled; then it cannot be used.
    let r = ok(h1, "2201", register_input(&p, "390")).await;
    let m2 = r["data"]["mdtrt_id"].as_str().unwrap().to_string();
    ok(h1, "2202", json!({ "data": { "psn_no": p, "mdtrt_id": m2, "ipt_otp_no": "x" } })).await;
    let m =
        refused(h1, "2204", json!({ "feedetail": [line(&p, &m2, "F1", "001101000010000", "10", "1", "10")] })).await;
    assert!(m.contains("已撤销"), "{m}");
});

both_backends!(inpatient_flow, |env: Env| async move {
    let h3 = &env.clients[2]; // 三级
    let p = psn(4); // 特困 resident with dialysis registered
    let adm = ok(
        h3,
        "2401",
        json!({ "mdtrtinfo": {
            "psn_no": p, "insutype": "390", "coner_name": "家属", "tel": "1", "begntime": now(), "mdtrt_cert_type": "02",
            "mdtrt_cert_no": "x", "med_type": "21", "ipt_no": "ZY001", "medrcdno": "B1", "atddr_no": "D1", "chfpdr_name": "李医生",
            "adm_diag_dscr": "肺炎", "adm_dept_codg": "A03", "adm_dept_name": "呼吸内科", "adm_bed": "12",
            "dscg_maindiag_code": "J18.9", "dscg_maindiag_name": "肺炎", "main_cond_dscr": "", "dise_codg": "", "dise_name": "" },
          "diseinfo": [{ "psn_no": p, "diag_type": "1", "maindiag_flag": "1", "diag_srt_no": "1", "diag_code": "J18.9", "diag_name": "肺炎" }] }),
    )
    .await;
    let mdtrt_id = adm["result"]["mdtrt_id"].as_str().unwrap().to_string();
    let lines = vec![
        line(&p, &mdtrt_id, "Z1", "001102000010000", "30", "100", "3000"),
        line(&p, &mdtrt_id, "Z2", "XJ01DDA100B002010101953", "12.5", "20", "250"),
        line(&p, &mdtrt_id, "Z3", "002501010010000", "20", "2", "40"),
    ];
    let up = ok(h3, "2301", json!({ "feedetail": lines })).await;
    assert_eq!(up["result"].as_array().unwrap().len(), 3);
    // A refund line (negative count) and a cancellation.
    ok(h3, "2301", json!({ "feedetail": [line(&p, &mdtrt_id, "Z4", "002501010010000", "20", "-1", "-20")] })).await;
    ok(h3, "2302", json!({ "data": { "psn_no": p, "mdtrt_id": mdtrt_id, "feedetl_sn": "Z3" } })).await;
    // Settling before discharge is refused; 2403 change; 2402 discharge; 2405 undo; discharge again.
    let m = refused(h3, "2304", json!({ "data": { "psn_no": p, "mdtrt_id": mdtrt_id, "insutype": "390", "mdtrt_cert_type": "02", "medfee_sumamt": "3230" } })).await;
    assert!(m.contains("尚未出院"), "{m}");
    ok(h3, "2403", json!({ "adminfo": { "psn_no": p, "mdtrt_id": mdtrt_id, "med_type": "21" } })).await;
    let dscg = json!({ "dscginfo": { "psn_no": p, "mdtrt_id": mdtrt_id, "insutype": "390", "endtime": now(), "dscg_way": "1", "dise_codg": "" } });
    ok(h3, "2402", dscg.clone()).await;
    ok(h3, "2405", json!({ "data": { "psn_no": p, "mdtrt_id": mdtrt_id } })).await;
    ok(h3, "2402", dscg).await;
    // Sum mismatch, then 2303 / 2304.
    let data = |sum: &str| json!({ "data": { "psn_no": p, "mdtrt_id": mdtrt_id, "insutype": "390", "mdtrt_cert_type": "02", "medfee_sumamt": sum, "acct_used_flag": "0", "mid_setl_flag": "0" } });
    let m = refused(h3, "2304", data("999")).await;
    assert!(m.contains("不符"), "{m}");
    let pre = ok(h3, "2303", data("3230")).await;
    let st = ok(h3, "2304", data("3230")).await;
    let si = &st["setlinfo"];
    assert_eq!(fen(&si["fund_pay_sumamt"]), fen(&pre["setlinfo"]["fund_pay_sumamt"]));
    assert_eq!(fen(&si["medfee_sumamt"]), Fen(323_000));
    // 特困: basic at 三级 plus 医疗救助 and 倾斜救助 (maf_pay) after the basic fund.
    assert!(fen(&si["hifp_pay"]).0 > 0);
    assert_eq!(
        fen(&si["medfee_sumamt"]),
        fen(&si["fund_pay_sumamt"]) + fen(&si["psn_part_amt"]) + fen(&si["hosp_part_amt"])
    );
    let setl_id = si["setl_id"].as_str().unwrap().to_string();
    // The admission counted; 2305 gives it back.
    let ym = today()[..7].replace('-', "");
    let cum = ok(h3, "5206", json!({ "data": { "psn_no": p, "cum_ym": ym } })).await;
    assert!(
        cum["cuminfo"].as_array().unwrap().iter().any(|r| r["cum_type_code"] == "admissions" && r["cum"] == 1),
        "{cum}"
    );
    let m = refused(h3, "2208", json!({ "data": { "psn_no": p, "setl_id": setl_id, "mdtrt_id": mdtrt_id } })).await;
    assert!(m.contains("2305"), "{m}");
    ok(h3, "2305", json!({ "data": { "psn_no": p, "setl_id": setl_id, "mdtrt_id": mdtrt_id } })).await;
    let cum = ok(h3, "5206", json!({ "data": { "psn_no": p, "cum_ym": ym } })).await;
    assert!(cum["cuminfo"].as_array().unwrap().iter().all(|r| r["cum"] == 0 || fen(&r["cum"]).is_zero()), "{cum}");
    // 2404 on a fresh admission without lines.
    let adm2 = ok(h3, "2401", json!({ "mdtrtinfo": {
        "psn_no": p, "insutype": "390", "begntime": now(), "mdtrt_cert_type": "02", "mdtrt_cert_no": "x", "med_type": "21",
        "ipt_no": "ZY002", "atddr_no": "D1", "chfpdr_name": "李", "adm_diag_dscr": "x", "adm_dept_codg": "A", "adm_dept_name": "A",
        "adm_bed": "1", "dscg_maindiag_code": "J18.9", "dscg_maindiag_name": "肺炎" } })).await;
    let m3 = adm2["result"]["mdtrt_id"].as_str().unwrap();
    ok(h3, "2404", json!({ "data": { "psn_no": p, "mdtrt_id": m3 } })).await;
});

both_backends!(account_pays_and_is_refunded, |env: Env| async move {
    let h1 = &env.clients[0];
    let p = psn(6); // employee with a 3,000 account
    // 1101 shows the balance on the scheme whose policy has an account (310), and none on a resident's (390).
    let info = ok(h1, "1101", json!({ "data": { "mdtrt_cert_type": "01", "mdtrt_cert_no": p } })).await;
    assert_eq!(info["insuinfo"][0]["insutype"], "310", "{info}");
    assert_eq!(fen(&info["insuinfo"][0]["balc"]), Fen::yuan(3000));
    let res = ok(h1, "1101", json!({ "data": { "mdtrt_cert_type": "01", "mdtrt_cert_no": psn(2) } })).await;
    assert_eq!(res["insuinfo"][0]["insutype"], "390");
    assert_eq!(fen(&res["insuinfo"][0]["balc"]), Fen::ZERO);
    let (mdtrt_id, total) = outpatient(h1, &p, "310", &[("XC10AAA093A001010104036", "20", "5", "100.00")]).await;
    let st = ok(h1, "2207", setl_input(&p, &mdtrt_id, "310", total, "1")).await;
    let si = &st["setlinfo"];
    let acct = fen(&si["acct_pay"]);
    assert!(acct.0 > 0, "{si}");
    assert_eq!(fen(&si["psn_part_amt"]), acct + fen(&si["psn_cash_pay"]));
    assert_eq!(fen(&si["balc"]), Fen::yuan(3000) - acct);
    assert_eq!(env.store.account_balance(&p).await.unwrap(), Some(300_000 - acct.0));
    let setl_id = si["setl_id"].as_str().unwrap();
    ok(h1, "2208", json!({ "data": { "psn_no": p, "setl_id": setl_id, "mdtrt_id": mdtrt_id } })).await;
    assert_eq!(env.store.account_balance(&p).await.unwrap(), Some(300_000));
});

both_backends!(per_service_paths_and_dictionary, |env: Env| async move {
    let h1 = &env.clients[0];
    let url = h1.url_for("/fsi/api/catalogqueryservice/queryDataDic");
    let a =
        h1.post_to(&url, &h1.envelope("1901", &h1.msgid(), json!({ "data": { "type": "med_type" } }))).await.unwrap();
    assert_eq!(a["infcode"], 0, "{a}");
    assert!(a["output"]["list"].as_array().unwrap().iter().any(|x| x["value"] == "21"));
    // The body's infno must match the path's.
    let a = h1.post_to(&url, &h1.envelope("1101", &h1.msgid(), json!({ "data": {} }))).await.unwrap();
    assert_eq!(a["infcode"], -1);
    assert!(a["err_msg"].as_str().unwrap().contains("不一致"));
    // Every listed path answers.
    for (infno, path) in yibao_gateway::txn::all() {
        let a = h1.post_to(&h1.url_for(path), &h1.envelope(infno, &h1.msgid(), json!({}))).await.unwrap();
        assert!(a["infcode"] == 0 || a["err_msg"].as_str().unwrap().contains("input"), "{infno} {path}: {a}");
    }
});
