//! Refusals over real HTTP, on SQLite and on PostgreSQL: every malformed or inconsistent call gets `infcode` -1 with
//! a Chinese `err_msg` naming the field or the problem, and leaves nothing behind — no request-log row for its msgid,
//! no settlement, no accumulator or account change, no change to the visit or the fee lines it names.

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::{Value, json};
use yibao_core::Fen;
use yibao_gateway::client::Client;
use yibao_store::{AuditRow, FeeLineRow, SettlementRow, VisitRow};

/// A psn_no that belongs to nobody.
const NOBODY: &str = "99900100000000999999";

/// Two 甲类 lines, 160.00 in all.
const LINES: [(&str, &str, &str, &str); 2] =
    [("001101000010000", "10", "1", "10.00"), ("XJ01CAA040E001010101446", "1.25", "120", "150.00")];

/// Everything a call could have stored that a refused call must leave as it was.
#[derive(Debug, PartialEq)]
struct Ledger {
    settlements: Vec<SettlementRow>,
    accumulators: BTreeMap<(String, i64, String, String), i64>,
    balances: Vec<Option<i64>>,
    /// The visits the call names (every psn_no × mdtrt_id found in its body), with their lines and audit trail.
    visits: Vec<(Option<VisitRow>, Vec<FeeLineRow>, Vec<AuditRow>)>,
}

/// Every string value of the fields named `key`, anywhere in `v`.
fn strings_of(v: &Value, key: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match x {
                    Value::String(s) if k == key => out.push(s.clone()),
                    _ => strings_of(x, key, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| strings_of(x, key, out)),
        _ => {}
    }
}

async fn ledger(env: &Env, body: &Value) -> Ledger {
    let st = &env.store;
    let mut balances = Vec::new();
    for n in 1..=10 {
        balances.push(st.account_balance(&psn(n)).await.unwrap());
    }
    let (mut people, mut ids) = (Vec::new(), Vec::new());
    strings_of(body, "psn_no", &mut people);
    strings_of(body, "mdtrt_id", &mut ids);
    let mut visits = Vec::new();
    for p in &people {
        for m in &ids {
            visits.push((
                st.visit(p, m).await.unwrap(),
                st.fee_lines(p, m, None).await.unwrap(),
                st.audit_for("visit", m).await.unwrap(),
            ));
        }
    }
    Ledger {
        settlements: st.all_settlements().await.unwrap(),
        accumulators: st.all_accumulators().await.unwrap(),
        balances,
        visits,
    }
}

/// Checks a refusal: infcode -1, `needle` in err_msg, empty output, no log row for the msgid, ledger unchanged.
async fn check_refused(env: &Env, code: &str, body: &Value, a: &Value, needle: &str, before: Ledger) -> String {
    assert_eq!(a["infcode"], -1, "should be refused (expected “{needle}”): {a}");
    let m = a["err_msg"].as_str().unwrap_or_default().to_string();
    assert!(m.contains(needle), "err_msg “{m}” should contain “{needle}”");
    assert_eq!(a["output"], json!({}), "{a}");
    if let Some(id) = body.get("msgid").and_then(Value::as_str) {
        assert_eq!(env.store.logged_response(code, id).await.unwrap(), None, "refused msgid {id} was logged: {m}");
    }
    assert!(ledger(env, body).await == before, "the refused call ({m}) changed what is stored");
    m
}

/// Posts a whole (signed) body and expects a refusal that stores nothing.
async fn refuse_body(env: &Env, c: &Client, body: &Value, needle: &str) -> String {
    let before = ledger(env, body).await;
    let a = c.post(body).await.unwrap();
    check_refused(env, &c.fixmedins_code, body, &a, needle, before).await
}

/// Calls with a fresh msgid and expects a refusal that stores nothing.
async fn refuse(env: &Env, c: &Client, infno: &str, input: Value, needle: &str) -> String {
    let body = c.envelope(infno, &c.msgid(), input);
    refuse_body(env, c, &body, needle).await
}

/// Posts raw bytes to `/fsi/api` with the given headers.
async fn raw(env: &Env, c: &Client, headers: &[(&str, String)], body: Vec<u8>) -> Value {
    let mut r = c.http().post(format!("{}/fsi/api", env.base)).header("content-type", "application/json");
    for (k, v) in headers {
        r = r.header(*k, v);
    }
    r.body(body).send().await.unwrap().json().await.unwrap()
}

/// The four x-tif headers, signed with `secret` at `ts`.
fn signed(paasid: &str, secret: &str, ts: i64, nonce: &str) -> Vec<(&'static str, String)> {
    let ts = ts.to_string();
    vec![
        ("x-tif-paasid", paasid.to_string()),
        ("x-tif-timestamp", ts.clone()),
        ("x-tif-nonce", nonce.to_string()),
        ("x-tif-signature", yibao_gateway::auth::signature(&ts, secret, nonce)),
    ]
}

fn nonce() -> String {
    format!("n-{}", chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default())
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Posts raw headers and body and expects a refusal that stores nothing.
async fn refuse_raw(env: &Env, c: &Client, headers: &[(&str, String)], body: &Value, needle: &str) -> String {
    let before = ledger(env, body).await;
    let a = raw(env, c, headers, serde_json::to_vec(body).unwrap()).await;
    check_refused(env, &c.fixmedins_code, body, &a, needle, before).await
}

/// An admitted inpatient with one uploaded line (30.00); returns the mdtrt_id.
async fn inpatient(c: &Client, psn_no: &str) -> String {
    let adm = ok(c, "2401", admit_input(psn_no, "390", "21")).await;
    let id = adm["result"]["mdtrt_id"].as_str().unwrap().to_string();
    ok(c, "2301", json!({ "feedetail": [line(psn_no, &id, "Z1", "001102000010000", "30", "1", "30")] })).await;
    id
}

fn discharge_input(psn_no: &str, mdtrt_id: &str) -> Value {
    json!({ "dscginfo": { "psn_no": psn_no, "mdtrt_id": mdtrt_id, "insutype": "390", "endtime": now(), "dscg_way": "1" } })
}

fn reverse_input(psn_no: &str, mdtrt_id: &str, setl_id: &str) -> Value {
    json!({ "data": { "psn_no": psn_no, "setl_id": setl_id, "mdtrt_id": mdtrt_id } })
}

/// `setl_input` with one field of `data` replaced.
fn setl_with(p: &str, mdtrt_id: &str, total: Fen, field: &str, v: Value) -> Value {
    let mut i = setl_input(p, mdtrt_id, "390", total, "0");
    i["data"][field] = v;
    i
}

async fn state(env: &Env, p: &str, mdtrt_id: &str) -> String {
    env.store.visit(p, mdtrt_id).await.unwrap().expect("visit stored").state
}

/// The sum of a person's `*.paid` accumulators this year.
async fn paid(env: &Env, p: &str, insutype: &str) -> Fen {
    let year: i64 = today()[..4].parse().unwrap();
    let (acc, _) = env.store.accumulators(p, year, insutype).await.unwrap();
    acc.iter().filter(|(k, _)| k.ends_with(".paid")).map(|(_, v)| Fen(*v)).sum()
}

both_backends!(envelope_refusals, |env: Env| async move {
    let h1 = &env.clients[0];
    let p = psn(1);
    // Unknown transaction number.
    let m = refuse(&env, h1, "9999", json!({ "data": {} }), "infno").await;
    assert!(m.contains("9999"), "{m}");
    // A body that is not JSON, and JSON that is not an object.
    let hs = signed(&h1.paasid, h1.secret(), unix_now(), &nonce());
    let before = ledger(&env, &json!({})).await;
    let a = raw(&env, h1, &hs, b"{\"infno\": \"2201\", ".to_vec()).await;
    check_refused(&env, &h1.fixmedins_code, &json!({}), &a, "不是有效的 JSON", before).await;
    let hs = signed(&h1.paasid, h1.secret(), unix_now(), &nonce());
    let before = ledger(&env, &json!({})).await;
    let a = raw(&env, h1, &hs, b"42".to_vec()).await;
    check_refused(&env, &h1.fixmedins_code, &json!({}), &a, "不是 JSON 对象", before).await;

    // Envelope fields: missing msgid, overlong msgid, bad or missing inf_time, missing input / fixmedins_code.
    let base = h1.envelope("2201", &h1.msgid(), register_input(&p, "390"));
    let mut b = base.clone();
    b.as_object_mut().unwrap().remove("msgid");
    refuse_body(&env, h1, &b, "缺少必填字段 msgid").await;
    let mut b = base.clone();
    b["msgid"] = json!(format!("{}X", h1.msgid())); // 31 characters
    let m = refuse_body(&env, h1, &b, "字段 msgid 超长").await;
    assert!(m.contains("30"), "{m}");
    for bad in ["2024/01/01 10:00:00", "20240101100000", "2024-13-01 10:00:00", "2024-01-01 24:00:00"] {
        let mut b = base.clone();
        b["msgid"] = json!(h1.msgid());
        b["inf_time"] = json!(bad);
        let m = refuse_body(&env, h1, &b, "字段 inf_time").await;
        assert!(m.contains("格式错误") && m.contains(bad), "{m}");
    }
    let mut b = base.clone();
    b["msgid"] = json!(h1.msgid());
    b.as_object_mut().unwrap().remove("inf_time");
    refuse_body(&env, h1, &b, "缺少必填字段 inf_time").await;
    let mut b = base.clone();
    b["msgid"] = json!(h1.msgid());
    b.as_object_mut().unwrap().remove("input");
    refuse_body(&env, h1, &b, "缺少必填字段 input").await;
    let mut b = base.clone();
    b["msgid"] = json!(h1.msgid());
    b["infno"] = json!("2201000");
    refuse_body(&env, h1, &b, "字段 infno 超长").await;

    // Overlong fields inside input.
    let mut i = register_input(&p, "390");
    i["data"]["psn_no"] = json!(format!("{p}12345678901")); // 31 characters
    let m = refuse(&env, h1, "2201", i, "字段 data.psn_no 超长").await;
    assert!(m.contains("最多 30"), "{m}");
    let mut i = register_input(&p, "390");
    i["data"]["ipt_otp_no"] = json!("Z".repeat(31));
    refuse(&env, h1, "2201", i, "字段 data.ipt_otp_no 超长").await;
    // A missing node and a missing required field.
    refuse(&env, h1, "2201", json!({ "mdtrtinfo": {} }), "input.data").await;
    let mut i = register_input(&p, "390");
    i["data"].as_object_mut().unwrap().remove("psn_no");
    refuse(&env, h1, "2201", i, "缺少必填字段 data.psn_no").await;

    // The envelope itself was fine: the same registration is accepted.
    ok(h1, "2201", register_input(&p, "390")).await;
});

both_backends!(dates_and_unknown_codes, |env: Env| async move {
    let h1 = &env.clients[0];
    let p = psn(1);
    for bad in ["2024-02-30 10:00:00", "2024/01/01 10:00:00", "20240101", "yesterday"] {
        let mut i = register_input(&p, "390");
        i["data"]["begntime"] = json!(bad);
        let m = refuse(&env, h1, "2201", i, "字段 data.begntime").await;
        assert!(m.contains("格式错误"), "{m}");
    }
    // Codes that are in no dictionary.
    let m = refuse(&env, h1, "2201", register_input(&p, "999"), "字段 data.insutype").await;
    assert!(m.contains("“999”不存在"), "{m}");
    let mut i = register_input(&p, "390");
    i["data"]["mdtrt_cert_type"] = json!("09");
    let m = refuse(&env, h1, "2201", i, "字段 data.mdtrt_cert_type").await;
    assert!(m.contains("“09”不存在"), "{m}");
    let certno = yibao_gateway::demo::id_number("19580312", 3);
    let m = refuse(
        &env,
        h1,
        "1101",
        json!({ "data": { "mdtrt_cert_type": "09", "mdtrt_cert_no": certno } }),
        "字段 data.mdtrt_cert_type",
    )
    .await;
    assert!(m.contains("“09”"), "{m}");
    let m = refuse(&env, h1, "2401", admit_input(&p, "390", "77"), "字段 mdtrtinfo.med_type").await;
    assert!(m.contains("“77”不存在"), "{m}");
    refuse(&env, h1, "2401", admit_input(&p, "999", "21"), "字段 mdtrtinfo.insutype").await;

    // On a registered visit: 2203 with an unknown med_type, 2204 with a bad fee_ocur_time, 2207 with insutype 999.
    let (mdtrt_id, total) = outpatient(h1, &p, "390", &LINES).await;
    let info = |med_type: &str| {
        json!({ "mdtrtinfo": { "mdtrt_id": mdtrt_id, "psn_no": p, "med_type": med_type, "begntime": now() },
                "diseinfo": [{ "diag_type": "1", "diag_srt_no": "1", "diag_code": "K29.7", "diag_name": "胃炎" }] })
    };
    let m = refuse(&env, h1, "2203", info("77"), "字段 mdtrtinfo.med_type").await;
    assert!(m.contains("“77”不存在"), "{m}");
    let mut l = line(&p, &mdtrt_id, "F7", "001101000010000", "10", "1", "10");
    l["fee_ocur_time"] = json!("2024-02-30 08:00:00");
    let m = refuse(&env, h1, "2204", json!({ "feedetail": [l] }), "feedetail.fee_ocur_time").await;
    assert!(m.contains("第 1 条明细"), "{m}");
    let m = refuse(&env, h1, "2207", setl_input(&p, &mdtrt_id, "999", total, "0"), "字段 data.insutype").await;
    assert!(m.contains("999"), "{m}");
    let m = refuse(
        &env,
        h1,
        "2207",
        setl_with(&p, &mdtrt_id, total, "mdtrt_cert_type", json!("09")),
        "字段 data.mdtrt_cert_type",
    )
    .await;
    assert!(m.contains("09"), "{m}");
    assert_eq!(state(&env, &p, &mdtrt_id).await, "registered");
    ok(h1, "2207", setl_input(&p, &mdtrt_id, "390", total, "0")).await;
});

both_backends!(amount_refusals, |env: Env| async move {
    let h1 = &env.clients[0];
    let p = psn(1);
    let (mdtrt_id, total) = outpatient(h1, &p, "390", &LINES).await;
    assert_eq!(total, Fen(16000));
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!("-160.00"), "金额不能为负数", "-160.00"),
        (json!(-160), "金额不能为负数", "-160"),
        (json!("abc"), "金额无效", "不是数字"),
        (json!("160,00"), "金额无效", "不是数字"),
        (json!("160.001"), "金额无效", "小数位超过 2 位"),
        (json!(1.234), "金额无效", "小数位超过 2 位"),
        (json!(true), "应为数字", "medfee_sumamt"),
        (json!(""), "缺少必填字段", "medfee_sumamt"),
        (json!("160.01"), "不符", "160.00"),
    ];
    for (v, a, b) in cases {
        let m =
            refuse(&env, h1, "2207", setl_with(&p, &mdtrt_id, total, "medfee_sumamt", v.clone()), "data.medfee_sumamt")
                .await;
        assert!(m.contains(a) && m.contains(b), "{v}: {m}");
        // Pre-settlement reads the same field the same way.
        let m2 = refused(h1, "2206", setl_with(&p, &mdtrt_id, total, "medfee_sumamt", v.clone())).await;
        assert_eq!(m2, m, "{v}");
    }
    // Flags and the amounts later interface versions state with the settlement.
    let m =
        refuse(&env, h1, "2207", setl_with(&p, &mdtrt_id, total, "acct_used_flag", json!("2")), "data.acct_used_flag")
            .await;
    assert!(m.contains("0 或 1"), "{m}");
    refuse(&env, h1, "2207", setl_with(&p, &mdtrt_id, total, "psn_setlway", json!("02")), "data.psn_setlway").await;
    refuse(
        &env,
        h1,
        "2207",
        setl_with(&p, &mdtrt_id, total, "fulamt_ownpay_amt", json!("45.00")),
        "data.fulamt_ownpay_amt",
    )
    .await;
    refuse(&env, h1, "2207", setl_with(&p, &mdtrt_id, total, "inscp_scp_amt", json!("abc")), "data.inscp_scp_amt")
        .await;

    // Fee-line amounts, prices and counts.
    let bad_line = |f: &str, v: Value| {
        let mut l = line(&p, &mdtrt_id, "F9", "001101000010000", "10", "1", "10");
        l[f] = v;
        json!({ "feedetail": [l] })
    };
    let line_cases: Vec<(&str, Value, &str)> = vec![
        ("pric", json!("abc"), "单价无效"),
        ("pric", json!("-10"), "单价不能为负数"),
        ("pric", json!("1.0000001"), "小数位超过 6 位"),
        ("cnt", json!("1.00001"), "小数位超过 4 位"),
        ("cnt", json!("x"), "数量无效"),
        ("cnt", json!("0"), "数量不能为 0"),
        ("cnt", json!("-1"), "门诊明细数量不能为负数"),
        ("det_item_fee_sumamt", json!("10.001"), "小数位超过 2 位"),
        ("det_item_fee_sumamt", json!("ten"), "金额无效"),
        ("det_item_fee_sumamt", json!(null), "缺少必填字段"),
    ];
    for (f, v, needle) in line_cases {
        let m = refuse(&env, h1, "2204", bad_line(f, v.clone()), &format!("feedetail.{f}")).await;
        assert!(m.contains(needle) && m.contains("第 1 条明细"), "{f}={v}: {m}");
    }

    // Nothing of the above touched the visit: it settles once, for 160.00.
    assert_eq!(state(&env, &p, &mdtrt_id).await, "registered");
    assert_eq!(env.store.fee_lines(&p, &mdtrt_id, None).await.unwrap().len(), 2);
    assert!(env.store.all_settlements().await.unwrap().is_empty());
    let out = ok(h1, "2207", setl_input(&p, &mdtrt_id, "390", total, "0")).await;
    assert_eq!(fen(&out["setlinfo"]["medfee_sumamt"]), total);
});

both_backends!(numbers_as_strings_or_numbers_and_single_element_lists, |env: Env| async move {
    let h1 = &env.clients[0];
    let p = psn(1);
    // 2201 with `data` as a one-element list.
    let mut r = register_input(&p, "390");
    r["data"] = json!([r["data"].clone()]);
    let out = ok(h1, "2201", r).await;
    let mdtrt_id = out["data"]["mdtrt_id"].as_str().unwrap().to_string();
    ok(
        h1,
        "2203",
        json!({ "mdtrtinfo": [{ "mdtrt_id": mdtrt_id, "psn_no": p, "med_type": "11", "begntime": now() }],
                "diseinfo": { "diag_type": "1", "diag_srt_no": 1, "diag_code": "J06.9", "diag_name": "急性上呼吸道感染" } }),
    )
    .await;
    // One line with every number a string, one with JSON numbers, sent as a single object.
    ok(h1, "2204", json!({ "feedetail": [line(&p, &mdtrt_id, "F1", "001101000010000", "10.00", "1.0000", "10.00")] }))
        .await;
    let mut l = line(&p, &mdtrt_id, "F2", "XJ01CAA040E001010101446", "", "", "");
    l["pric"] = json!(1.25);
    l["cnt"] = json!(120);
    l["det_item_fee_sumamt"] = json!(150.0);
    ok(h1, "2204", json!({ "feedetail": l })).await;
    let lines = env.store.fee_lines(&p, &mdtrt_id, Some("uploaded")).await.unwrap();
    assert_eq!(lines.iter().map(|l| l.det_item_fee_sumamt).sum::<i64>(), 16000);

    // Pre-settlement with JSON numbers in an object, and with strings in a one-element list, agree.
    let as_numbers = json!({ "data": {
        "psn_no": p, "mdtrt_cert_type": "02", "mdtrt_cert_no": "x", "med_type": 11, "medfee_sumamt": 160,
        "psn_setlway": "01", "mdtrt_id": mdtrt_id, "chrg_bchno": "B1", "insutype": 390, "acct_used_flag": 0 } });
    let as_strings = json!({ "data": [{
        "psn_no": p, "mdtrt_cert_type": "02", "mdtrt_cert_no": "x", "med_type": "11", "medfee_sumamt": "160.00",
        "psn_setlway": "01", "mdtrt_id": mdtrt_id, "chrg_bchno": "B1", "insutype": "390", "acct_used_flag": "0",
        "fulamt_ownpay_amt": "0", "overlmt_selfpay": "0.00", "preselfpay_amt": "0", "inscp_scp_amt": "160.00", "invono": "INV1" }] });
    let mut a = ok(h1, "2206", as_numbers.clone()).await;
    let mut b = ok(h1, "2206", as_strings.clone()).await;
    // medins_setl_id echoes each call's msgid; everything else is the same.
    a["setlinfo"]["medins_setl_id"] = json!("");
    b["setlinfo"]["medins_setl_id"] = json!("");
    assert_eq!(a, b);
    let st = ok(h1, "2207", as_strings).await;
    let si = &st["setlinfo"];
    assert_eq!(fen(&si["medfee_sumamt"]), Fen(16000));
    assert_eq!(si["fund_pay_sumamt"], a["setlinfo"]["fund_pay_sumamt"]);
    assert!(fen(&si["fund_pay_sumamt"]).0 > 0, "{si}");
    // The queries take numbers as strings and a one-element list too.
    let setl_id = si["setl_id"].as_str().unwrap();
    let q = ok(h1, "5203", json!({ "data": [{ "psn_no": p, "setl_id": setl_id, "mdtrt_id": mdtrt_id }] })).await;
    assert_eq!(q["setlinfo"]["setl_id"], setl_id);
    let ym: i64 = today()[..7].replace('-', "").parse().unwrap();
    let cum = ok(h1, "5206", json!({ "data": { "psn_no": p, "cum_ym": ym } })).await;
    assert!(!cum["cuminfo"].as_array().unwrap().is_empty());
});

both_backends!(person_not_insured, |env: Env| async move {
    let h1 = &env.clients[0];
    let m = refuse(&env, h1, "2201", register_input(NOBODY, "390"), "psn_no").await;
    assert!(m.contains(NOBODY) && m.contains("不存在"), "{m}");
    refuse(&env, h1, "2401", admit_input(NOBODY, "390", "21"), NOBODY).await;
    refuse(
        &env,
        h1,
        "2001",
        json!({ "data": { "psn_no": NOBODY, "insutype": "390", "med_type": "11", "begntime": now() } }),
        "psn_no",
    )
    .await;
    refuse(
        &env,
        h1,
        "5205",
        json!({ "data": { "psn_no": NOBODY, "begntime": today(), "endtime": today() } }),
        "psn_no",
    )
    .await;
    // Demo person 1 is a resident (390): not enrolled in the employee scheme 310; person 6 is the reverse.
    let m = refuse(&env, h1, "2201", register_input(&psn(1), "310"), "未正常参加险种 310").await;
    assert!(m.contains(&psn(1)), "{m}");
    refuse(&env, h1, "2401", admit_input(&psn(1), "310", "21"), "未正常参加险种 310").await;
    refuse(&env, h1, "2201", register_input(&psn(6), "390"), "未正常参加险种 390").await;
    // 2001 answers (a query) but says no.
    let t =
        ok(h1, "2001", json!({ "data": { "psn_no": psn(1), "insutype": "310", "med_type": "11", "begntime": now() } }))
            .await;
    assert_eq!(t["trtinfo"][0]["trt_enjymnt_flag"], "0");
    // A visit registered for 390 cannot be settled as 310.
    let (mdtrt_id, total) = outpatient(h1, &psn(1), "390", &LINES).await;
    let m = refuse(&env, h1, "2207", setl_input(&psn(1), &mdtrt_id, "310", total, "0"), "data.insutype").await;
    assert!(m.contains("不一致"), "{m}");
});

both_backends!(suspended_institution, |env: Env| async move {
    let h2 = &env.clients[1];
    assert_eq!(h2.fixmedins_code, "H99900100002");
    let p = psn(1);
    // A visit registered and billed before the suspension.
    let (mdtrt_id, total) = outpatient(h2, &p, "390", &LINES).await;
    let adm = ok(h2, "2401", admit_input(&psn(2), "390", "21")).await;
    let ipt = adm["result"]["mdtrt_id"].as_str().unwrap().to_string();
    ok(h2, "2301", json!({ "feedetail": [line(&psn(2), &ipt, "Z1", "001102000010000", "30", "1", "30")] })).await;
    ok(h2, "2402", discharge_input(&psn(2), &ipt)).await;
    env.store
        .commit(vec![yibao_store::Op::AddSuspension(yibao_store::SuspensionRow {
            fixmedins_code: h2.fixmedins_code.clone(),
            begndate: today(),
            enddate: Some(today()),
            reason: "违规使用医保基金，责令整改".into(),
        })])
        .await
        .unwrap();
    // Gateways keep agreements in memory and learn of the change through the institution cache epoch (within a
    // second): wait until the read-only 2001 check sees it, then check every refusal.
    let check = json!({ "data": { "psn_no": p, "insutype": "390", "med_type": "11", "begntime": now() } });
    for _ in 0..100 {
        if ok(h2, "2001", check.clone()).await["trtinfo"][0]["trt_enjymnt_flag"] == "0" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let m = refuse(&env, h2, "2201", register_input(&p, "390"), "暂停").await;
    assert!(m.contains("违规使用医保基金"), "{m}");
    refuse(&env, h2, "2207", setl_input(&p, &mdtrt_id, "390", total, "0"), "暂停").await;
    refuse(&env, h2, "2206", setl_input(&p, &mdtrt_id, "390", total, "0"), "暂停").await;
    refuse(&env, h2, "2401", admit_input(&psn(3), "390", "21"), "暂停").await;
    let data = json!({ "data": { "psn_no": psn(2), "mdtrt_id": ipt, "insutype": "390", "mdtrt_cert_type": "02", "medfee_sumamt": "30", "acct_used_flag": "0" } });
    refuse(&env, h2, "2304", data, "暂停").await;
    assert_eq!(state(&env, &p, &mdtrt_id).await, "registered");
    let t = ok(h2, "2001", json!({ "data": { "psn_no": p, "insutype": "390", "med_type": "11", "begntime": now() } }))
        .await;
    assert_eq!(t["trtinfo"][0]["trt_enjymnt_flag"], "0");
    assert!(t["trtinfo"][0]["trt_chk_rslt"].as_str().unwrap().contains("暂停"), "{t}");
    // Other institutions are not affected.
    let (m1, t1) = outpatient(&env.clients[0], &p, "390", &LINES).await;
    ok(&env.clients[0], "2207", setl_input(&p, &m1, "390", t1, "0")).await;
});

both_backends!(paasid_and_institution, |env: Env| async move {
    let (h1, h2) = (&env.clients[0], &env.clients[1]);
    let body = h1.envelope("2201", &h1.msgid(), register_input(&psn(1), "390"));
    // An unknown paasid, correctly signed with some secret.
    let hs = signed("nobody", "whatever", unix_now(), &nonce());
    let m = refuse_raw(&env, h1, &hs, &body, "x-tif-paasid").await;
    assert!(m.contains("“nobody”未登记"), "{m}");
    // h2's credentials with h1's envelope: the paasid belongs to another institution.
    let m = refuse_body(&env, h2, &body, "fixmedins_code").await;
    assert!(m.contains("H99900100001") && m.contains("H99900100002") && m.contains("不一致"), "{m}");
    assert_eq!(env.store.logged_response(&h1.fixmedins_code, body["msgid"].as_str().unwrap()).await.unwrap(), None);
    // An institution code that does not exist.
    let mut b = body.clone();
    b["fixmedins_code"] = json!("H00000000000");
    refuse_body(&env, h1, &b, "fixmedins_code").await;
    // The same body with the right credentials is accepted.
    assert_eq!(h1.post(&body).await.unwrap()["infcode"], 0);
});

both_backends!(authentication_headers, |env: Env| async move {
    let h1 = &env.clients[0];
    let body = || h1.envelope("2201", &h1.msgid(), register_input(&psn(1), "390"));
    let full = || signed(&h1.paasid, h1.secret(), unix_now(), &nonce());
    // No headers at all, then each one missing.
    refuse_raw(&env, h1, &[], &body(), "缺少请求头 x-tif-paasid").await;
    for name in ["x-tif-timestamp", "x-tif-nonce", "x-tif-signature"] {
        let hs: Vec<_> = full().into_iter().filter(|(k, _)| *k != name).collect();
        refuse_raw(&env, h1, &hs, &body(), &format!("缺少请求头 {name}")).await;
    }
    // Wrong signature: another institution's secret, a tampered one, one made for another nonce.
    let n = nonce();
    let hs = signed(&h1.paasid, "demo-secret-h2", unix_now(), &n);
    refuse_raw(&env, h1, &hs, &body(), "x-tif-signature 签名校验失败").await;
    let mut hs = full();
    hs[3].1 = "0".repeat(64);
    refuse_raw(&env, h1, &hs, &body(), "x-tif-signature 签名校验失败").await;
    let mut hs = full();
    hs[2].1 = format!("{}x", hs[2].1);
    refuse_raw(&env, h1, &hs, &body(), "x-tif-signature 签名校验失败").await;
    // Stale and future timestamps (> 300 s), and one that is not a number.
    let hs = signed(&h1.paasid, h1.secret(), unix_now() - 400, &nonce());
    refuse_raw(&env, h1, &hs, &body(), "x-tif-timestamp").await;
    let hs = signed(&h1.paasid, h1.secret(), unix_now() - 301, &nonce());
    let m = refuse_raw(&env, h1, &hs, &body(), "超过允许的 300 秒").await;
    assert!(m.contains("x-tif-timestamp"), "{m}");
    let hs = signed(&h1.paasid, h1.secret(), unix_now() + 400, &nonce());
    refuse_raw(&env, h1, &hs, &body(), "超过允许的 300 秒").await;
    let mut hs = full();
    hs[1].1 = "yesterday".into();
    refuse_raw(&env, h1, &hs, &body(), "x-tif-timestamp").await;
    // Replayed nonce: the first request is accepted, the same headers on a new request are refused.
    let hs = full();
    let first = body();
    let a = raw(&env, h1, &hs, serde_json::to_vec(&first).unwrap()).await;
    assert_eq!(a["infcode"], 0, "{a}");
    let m = refuse_raw(&env, h1, &hs, &body(), "x-tif-nonce").await;
    assert!(m.contains("已使用"), "{m}");
    // Even the identical request again is refused at the nonce (the msgid replay comes after authentication).
    let a = raw(&env, h1, &hs, serde_json::to_vec(&first).unwrap()).await;
    assert_eq!(a["infcode"], -1, "{a}");
    assert!(a["err_msg"].as_str().unwrap().contains("x-tif-nonce"), "{a}");
});

both_backends!(outpatient_visit_in_wrong_state, |env: Env| async move {
    let h1 = &env.clients[0];
    let p = psn(1);
    // No lines yet.
    let r = ok(h1, "2201", register_input(&p, "390")).await;
    let empty = r["data"]["mdtrt_id"].as_str().unwrap().to_string();
    refuse(&env, h1, "2207", setl_input(&p, &empty, "390", Fen(0), "0"), "没有待结算的费用明细").await;

    let (mdtrt_id, total) = outpatient(h1, &p, "390", &LINES).await;
    let st = ok(h1, "2207", setl_input(&p, &mdtrt_id, "390", total, "0")).await;
    let setl_id = st["setlinfo"]["setl_id"].as_str().unwrap().to_string();
    let paid_once = paid(&env, &p, "390").await;
    assert_eq!(paid_once, fen(&st["setlinfo"]["fund_pay_sumamt"]));
    // Settling twice, uploading or cancelling lines after settlement, cancelling the registration, new diagnosis.
    let m = refuse(&env, h1, "2207", setl_input(&p, &mdtrt_id, "390", total, "0"), "已结算").await;
    assert!(m.contains(&mdtrt_id) && m.contains("不能重复结算"), "{m}");
    refuse(&env, h1, "2206", setl_input(&p, &mdtrt_id, "390", total, "0"), "不能重复结算").await;
    let m = refuse(
        &env,
        h1,
        "2204",
        json!({ "feedetail": [line(&p, &mdtrt_id, "F9", "001101000010000", "10", "1", "10")] }),
        "已结算",
    )
    .await;
    assert!(m.contains("不能上传费用明细"), "{m}");
    refuse(
        &env,
        h1,
        "2205",
        json!({ "data": { "psn_no": p, "mdtrt_id": mdtrt_id, "chrg_bchno": "0000" } }),
        "不能撤销费用明细",
    )
    .await;
    refuse(
        &env,
        h1,
        "2202",
        json!({ "data": { "psn_no": p, "mdtrt_id": mdtrt_id, "ipt_otp_no": "x" } }),
        "须先撤销结算",
    )
    .await;
    refuse(
        &env,
        h1,
        "2203",
        json!({ "mdtrtinfo": { "mdtrt_id": mdtrt_id, "psn_no": p, "med_type": "11", "begntime": now() } }),
        "不能上传就诊信息",
    )
    .await;
    // A reversal naming another visit, or another person.
    refuse(&env, h1, "2208", reverse_input(&p, &empty, &setl_id), "data.mdtrt_id").await;
    refuse(&env, h1, "2208", reverse_input(&psn(2), &mdtrt_id, &setl_id), "setl_id").await;
    refuse(&env, h1, "2208", reverse_input(&p, &mdtrt_id, "S0000000000000000000"), "不存在").await;
    assert_eq!(paid(&env, &p, "390").await, paid_once);

    // Reverse; then reversing twice and reversing the reversal are refused.
    let rv = ok(h1, "2208", reverse_input(&p, &mdtrt_id, &setl_id)).await;
    let rid = rv["setlinfo"]["setl_id"].as_str().unwrap().to_string();
    assert_eq!(paid(&env, &p, "390").await, Fen(0));
    let m = refuse(&env, h1, "2208", reverse_input(&p, &mdtrt_id, &setl_id), "不能重复撤销").await;
    assert!(m.contains(&rid), "{m}");
    let m = refuse(&env, h1, "2208", reverse_input(&p, &mdtrt_id, &rid), "撤销记录").await;
    assert!(m.contains("不能再撤销"), "{m}");
    assert_eq!(env.store.all_settlements().await.unwrap().len(), 2);

    // A cancelled registration can be neither billed nor settled.
    ok(h1, "2202", json!({ "data": { "psn_no": p, "mdtrt_id": empty, "ipt_otp_no": "x" } })).await;
    refuse(
        &env,
        h1,
        "2204",
        json!({ "feedetail": [line(&p, &empty, "F1", "001101000010000", "10", "1", "10")] }),
        "已撤销",
    )
    .await;
    refuse(&env, h1, "2207", setl_input(&p, &empty, "390", Fen(1000), "0"), "已撤销").await;
    refuse(&env, h1, "2202", json!({ "data": { "psn_no": p, "mdtrt_id": empty, "ipt_otp_no": "x" } }), "已撤销").await;
});

both_backends!(inpatient_and_outpatient_mixed_up, |env: Env| async move {
    let h1 = &env.clients[0];
    let p = psn(1);
    let (otp, total) = outpatient(h1, &p, "390", &LINES).await;
    let ipt = inpatient(h1, &p).await;
    // Discharging an outpatient visit; outpatient transactions on the inpatient visit and the reverse.
    let m = refuse(&env, h1, "2402", discharge_input(&p, &otp), "不能办理出院").await;
    assert!(m.contains(&otp), "{m}");
    refuse(&env, h1, "2404", json!({ "data": { "psn_no": p, "mdtrt_id": otp } }), "不能撤销入院").await;
    refuse(&env, h1, "2405", json!({ "data": { "psn_no": p, "mdtrt_id": ipt } }), "不能撤销出院").await;
    refuse(&env, h1, "2202", json!({ "data": { "psn_no": p, "mdtrt_id": ipt, "ipt_otp_no": "x" } }), "2404").await;
    refuse(
        &env,
        h1,
        "2204",
        json!({ "feedetail": [line(&p, &ipt, "F1", "001101000010000", "10", "1", "10")] }),
        "2301",
    )
    .await;
    refuse(
        &env,
        h1,
        "2301",
        json!({ "feedetail": [line(&p, &otp, "Z9", "001101000010000", "10", "1", "10")] }),
        "2204",
    )
    .await;
    refuse(&env, h1, "2404", json!({ "data": { "psn_no": p, "mdtrt_id": ipt } }), "2302").await;
    ok(h1, "2402", discharge_input(&p, &ipt)).await;
    let m = refuse(&env, h1, "2207", setl_input(&p, &ipt, "390", Fen(3000), "0"), "是住院就诊").await;
    assert!(m.contains("2304"), "{m}");
    refuse(&env, h1, "2206", setl_input(&p, &ipt, "390", Fen(3000), "0"), "是住院就诊").await;
    let ipt_data = |id: &str, sum: &str| json!({ "data": { "psn_no": p, "mdtrt_id": id, "insutype": "390", "mdtrt_cert_type": "02", "medfee_sumamt": sum, "acct_used_flag": "0" } });
    refuse(&env, h1, "2304", ipt_data(&otp, &total.to_string()), "是门诊就诊").await;
    refuse(&env, h1, "2402", discharge_input(&p, &ipt), "不能办理出院").await;
    // Settled inpatient: the outpatient reversal is refused and the inpatient one works.
    let st = ok(h1, "2304", ipt_data(&ipt, "30")).await;
    let setl_id = st["setlinfo"]["setl_id"].as_str().unwrap().to_string();
    refuse(&env, h1, "2208", reverse_input(&p, &ipt, &setl_id), "2305").await;
    refuse(&env, h1, "2405", json!({ "data": { "psn_no": p, "mdtrt_id": ipt } }), "须先撤销结算").await;
    ok(h1, "2305", reverse_input(&p, &ipt, &setl_id)).await;
});

both_backends!(fee_line_consistency, |env: Env| async move {
    let h1 = &env.clients[0];
    let p = psn(1);
    let (mdtrt_id, total) = outpatient(h1, &p, "390", &LINES).await; // lines F0, F1
    // medfee_sumamt against the uploaded lines.
    let m = refuse(&env, h1, "2207", setl_input(&p, &mdtrt_id, "390", total + Fen(1), "0"), "data.medfee_sumamt").await;
    assert!(m.contains("160.01") && m.contains("160.00") && m.contains("不符"), "{m}");
    refuse(&env, h1, "2207", setl_input(&p, &mdtrt_id, "390", Fen(15000), "0"), "不符").await;
    // det_item_fee_sumamt ≠ pric × cnt (also by a fen, and in the second line of a batch).
    let m = refuse(
        &env,
        h1,
        "2204",
        json!({ "feedetail": [line(&p, &mdtrt_id, "F5", "001101000010000", "10", "2", "25")] }),
        "feedetail.det_item_fee_sumamt",
    )
    .await;
    assert!(m.contains("不符") && m.contains("20.00"), "{m}");
    let lines = json!({ "feedetail": [
        line(&p, &mdtrt_id, "F5", "001101000010000", "10", "1", "10"),
        line(&p, &mdtrt_id, "F6", "XJ01CAA040E001010101446", "3.333333", "3", "10.01"),
    ] });
    let m = refuse(&env, h1, "2204", lines, "det_item_fee_sumamt").await;
    assert!(m.contains("第 2 条明细"), "{m}");
    // Duplicate feedetl_sn within one upload, and against an earlier upload of the same visit.
    let dup = json!({ "feedetail": [
        line(&p, &mdtrt_id, "F5", "001101000010000", "10", "1", "10"),
        line(&p, &mdtrt_id, "F5", "XJ01CAA040E001010101446", "1.25", "8", "10"),
    ] });
    let m = refuse(&env, h1, "2204", dup, "feedetl_sn“F5”在本次上传中重复").await;
    assert!(m.contains("第 2 条明细"), "{m}");
    let again = json!({ "feedetail": [
        line(&p, &mdtrt_id, "F5", "001101000010000", "10", "1", "10"),
        line(&p, &mdtrt_id, "F1", "XJ01CAA040E001010101446", "1.25", "8", "10"),
    ] });
    let m = refuse(&env, h1, "2204", again, "feedetl_sn“F1”").await;
    assert!(m.contains("已上传"), "{m}");
    // Lines of two visits, or of two people, in one upload.
    let r = ok(h1, "2201", register_input(&p, "390")).await;
    let other = r["data"]["mdtrt_id"].as_str().unwrap().to_string();
    let mixed = json!({ "feedetail": [
        line(&p, &mdtrt_id, "F5", "001101000010000", "10", "1", "10"),
        line(&p, &other, "F6", "001101000010000", "10", "1", "10"),
    ] });
    refuse(&env, h1, "2204", mixed, "同一次就诊").await;
    refuse(&env, h1, "2204", json!({ "feedetail": [] }), "input.feedetail").await;
    refuse(
        &env,
        h1,
        "2204",
        json!({ "feedetail": [line(&psn(2), &mdtrt_id, "F5", "001101000010000", "10", "1", "10")] }),
        "mdtrt_id",
    )
    .await;
    // None of it stored: F5 was in none of the refused batches' results; the visit settles for 160.00.
    let stored = env.store.fee_lines(&p, &mdtrt_id, None).await.unwrap();
    assert_eq!(stored.iter().map(|l| l.feedetl_sn.as_str()).collect::<Vec<_>>(), ["F0", "F1"]);
    assert!(env.store.fee_lines(&p, &other, None).await.unwrap().is_empty());
    ok(h1, "2207", setl_input(&p, &mdtrt_id, "390", total, "0")).await;
});

both_backends!(another_institutions_visit, |env: Env| async move {
    let (h1, h2) = (&env.clients[0], &env.clients[1]);
    let p = psn(1);
    let (mdtrt_id, total) = outpatient(h1, &p, "390", &LINES).await;
    let not_ours = "不属于本机构";
    refuse(
        &env,
        h2,
        "2204",
        json!({ "feedetail": [line(&p, &mdtrt_id, "F9", "001101000010000", "10", "1", "10")] }),
        not_ours,
    )
    .await;
    refuse(
        &env,
        h2,
        "2203",
        json!({ "mdtrtinfo": { "mdtrt_id": mdtrt_id, "psn_no": p, "med_type": "11", "begntime": now() } }),
        not_ours,
    )
    .await;
    refuse(&env, h2, "2205", json!({ "data": { "psn_no": p, "mdtrt_id": mdtrt_id, "chrg_bchno": "0000" } }), not_ours)
        .await;
    refuse(&env, h2, "2206", setl_input(&p, &mdtrt_id, "390", total, "0"), not_ours).await;
    refuse(&env, h2, "2207", setl_input(&p, &mdtrt_id, "390", total, "0"), not_ours).await;
    refuse(&env, h2, "2202", json!({ "data": { "psn_no": p, "mdtrt_id": mdtrt_id, "ipt_otp_no": "x" } }), not_ours)
        .await;
    let st = ok(h1, "2207", setl_input(&p, &mdtrt_id, "390", total, "0")).await;
    let setl_id = st["setlinfo"]["setl_id"].as_str().unwrap().to_string();
    // h2 sees nothing of it.
    let q = json!({ "data": { "psn_no": p, "setl_id": setl_id, "mdtrt_id": mdtrt_id } });
    let m = refuse(&env, h2, "5203", q.clone(), "setl_id").await;
    assert!(m.contains(not_ours), "{m}");
    refuse(&env, h2, "5204", q.clone(), not_ours).await;
    refuse(&env, h2, "2208", q, not_ours).await;
    let list = ok(h2, "5205", json!({ "data": { "psn_no": p, "begntime": today(), "endtime": today() } })).await;
    assert_eq!(list["data"], json!([]));
    // h1 still does, with the lines it uploaded only.
    let q = ok(h1, "5203", json!({ "data": { "psn_no": p, "setl_id": setl_id, "mdtrt_id": mdtrt_id } })).await;
    assert_eq!(q["setlinfo"]["setl_id"], setl_id);
    let fl = ok(h1, "5204", json!({ "data": { "psn_no": p, "setl_id": setl_id } })).await;
    assert_eq!(fl["data"].as_array().unwrap().len(), 2);
    let list = ok(h1, "5205", json!({ "data": { "psn_no": p, "begntime": today(), "endtime": today() } })).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
});

both_backends!(same_msgid_twice, |env: Env| async move {
    let h1 = &env.clients[0];
    let p = psn(6); // employee with a 3,000 account: the account must be charged once
    // 2201 twice with one msgid: the same visit.
    let msgid = h1.msgid();
    let reg = register_input(&p, "310");
    let a = h1.call_with("2201", &msgid, reg.clone()).await.unwrap();
    let b = h1.call_with("2201", &msgid, reg).await.unwrap();
    assert_eq!(a["infcode"], 0, "{a}");
    assert_eq!(a, b);

    let (mdtrt_id, total) = outpatient(h1, &p, "310", &[("XC10AAA093A001010104036", "20", "5", "100.00")]).await;
    let msgid = h1.msgid();
    let input = setl_input(&p, &mdtrt_id, "310", total, "1");
    let first = h1.call_with("2207", &msgid, input.clone()).await.unwrap();
    assert_eq!(first["infcode"], 0, "{first}");
    let second = h1.call_with("2207", &msgid, input.clone()).await.unwrap();
    assert_eq!(second["output"], first["output"]);
    assert_eq!(second["output"]["setlinfo"]["setl_id"], first["output"]["setlinfo"]["setl_id"]);
    assert_eq!(second, first);
    // The logged answer is this one.
    let logged: Value =
        serde_json::from_str(&env.store.logged_response(&h1.fixmedins_code, &msgid).await.unwrap().unwrap()).unwrap();
    assert_eq!(logged, first);
    // One settlement, one charge to the account, accumulators of one settlement.
    let si = &first["output"]["setlinfo"];
    let list = ok(h1, "5205", json!({ "data": { "psn_no": p, "begntime": today(), "endtime": today() } })).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(env.store.all_settlements().await.unwrap().len(), 1);
    assert_eq!(paid(&env, &p, "310").await, fen(&si["fund_pay_sumamt"]));
    let acct = fen(&si["acct_pay"]);
    assert!(acct.0 > 0, "{si}");
    assert_eq!(env.store.account_balance(&p).await.unwrap(), Some(300_000 - acct.0));
    let cum_paid = paid_this_year(h1, &p).await;
    assert_eq!(cum_paid, fen(&si["fund_pay_sumamt"]));

    // The same holds for the reversal: repeated, it reverses once.
    let setl_id = si["setl_id"].as_str().unwrap();
    let rmsg = h1.msgid();
    let r1 = h1.call_with("2208", &rmsg, reverse_input(&p, &mdtrt_id, setl_id)).await.unwrap();
    let r2 = h1.call_with("2208", &rmsg, reverse_input(&p, &mdtrt_id, setl_id)).await.unwrap();
    assert_eq!(r1["infcode"], 0, "{r1}");
    assert_eq!(r1, r2);
    assert_eq!(env.store.all_settlements().await.unwrap().len(), 2);
    assert_eq!(env.store.account_balance(&p).await.unwrap(), Some(300_000));
    assert_eq!(paid(&env, &p, "310").await, Fen(0));

    // A refused call leaves its msgid unused: corrected, the same msgid is accepted.
    let (m2, t2) = outpatient(h1, &p, "310", &[("001101000010000", "10", "1", "10.00")]).await;
    let msgid = h1.msgid();
    let bad = h1.call_with("2207", &msgid, setl_input(&p, &m2, "310", t2 + Fen(100), "0")).await.unwrap();
    assert_eq!(bad["infcode"], -1, "{bad}");
    let good = h1.call_with("2207", &msgid, setl_input(&p, &m2, "310", t2, "0")).await.unwrap();
    assert_eq!(good["infcode"], 0, "{good}");
    assert_eq!(good["output"]["setlinfo"]["mdtrt_id"], m2);
});

// ---- Gateway bugs: each test asserts the correct behaviour and is ignored until the fix lands. ----

both_backends!(begntime_with_impossible_time, |env: Env| async move {
    let h1 = &env.clients[0];
    let mut i = register_input(&psn(1), "390");
    i["data"]["begntime"] = json!(format!("{} 25:61:00", today()));
    refuse(&env, h1, "2201", i, "字段 data.begntime").await;
    let mut i = register_input(&psn(1), "390");
    i["data"]["begntime"] = json!(format!("{}T08:00:00", today()));
    refuse(&env, h1, "2201", i, "字段 data.begntime").await;
});

both_backends!(msgid_reused_for_another_transaction, |env: Env| async move {
    let h1 = &env.clients[0];
    let p = psn(1);
    let (mdtrt_id, total) = outpatient(h1, &p, "390", &LINES).await;
    let msgid = h1.msgid();
    let r = h1.call_with("2201", &msgid, register_input(&p, "390")).await.unwrap();
    assert_eq!(r["infcode"], 0, "{r}");
    // The HIS reuses the msgid for a settlement: answering with the 2201 output as success is wrong.
    let before = ledger(&env, &json!({})).await;
    let body = h1.envelope("2207", &msgid, setl_input(&p, &mdtrt_id, "390", total, "0"));
    let a = h1.post(&body).await.unwrap();
    assert_eq!(a["infcode"], -1, "2207 answered with the 2201 answer: {a}");
    assert!(a["err_msg"].as_str().unwrap().contains("msgid"), "{a}");
    assert!(ledger(&env, &json!({})).await == before);
});

both_backends!(msgid_reused_for_another_visit, |env: Env| async move {
    let h1 = &env.clients[0];
    let p = psn(1);
    let (a_id, a_total) = outpatient(h1, &p, "390", &LINES).await;
    let (b_id, b_total) = outpatient(h1, &p, "390", &[("001101000010000", "10", "1", "10.00")]).await;
    let msgid = h1.msgid();
    let a = h1.call_with("2207", &msgid, setl_input(&p, &a_id, "390", a_total, "0")).await.unwrap();
    assert_eq!(a["infcode"], 0, "{a}");
    let b = h1.call_with("2207", &msgid, setl_input(&p, &b_id, "390", b_total, "0")).await.unwrap();
    assert_eq!(b["infcode"], -1, "2207 for visit {b_id} answered with the settlement of {a_id}: {b}");
    assert!(b["err_msg"].as_str().unwrap().contains("msgid"), "{b}");
});

both_backends!(unknown_insuplc_admdvs_is_named, |env: Env| async move {
    let h1 = &env.clients[0];
    let mut body = h1.envelope("2201", &h1.msgid(), register_input(&psn(1), "390"));
    body["insuplc_admdvs"] = json!("888888");
    refuse_body(&env, h1, &body, "888888").await;
});

both_backends!(outpatient_visit_with_inpatient_med_type, |env: Env| async move {
    let h1 = &env.clients[0];
    let p = psn(1);
    let r = ok(h1, "2201", register_input(&p, "390")).await;
    let mdtrt_id = r["data"]["mdtrt_id"].as_str().unwrap().to_string();
    let info = json!({ "mdtrtinfo": { "mdtrt_id": mdtrt_id, "psn_no": p, "med_type": "21", "begntime": now() } });
    refuse(&env, h1, "2203", info, "mdtrtinfo.med_type").await;
    refuse(&env, h1, "2401", admit_input(&p, "390", "11"), "mdtrtinfo.med_type").await;
});
