//! Every public worked example in tests/fixtures/public_worked_examples.json reproduces to the fen through the CLI,
//! from the policy pack and request file kept in the repo. Expected values are read from the fixture file itself.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use yibao_core::Fen;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `yibao settle` and returns the parsed JSON output.
fn settle(pack: &str, request: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_yibao"))
        .arg("settle")
        .arg("--policy")
        .arg(repo().join("packs/fixtures").join(pack))
        .arg("--request")
        .arg(repo().join("tests/fixtures").join(request))
        .output()
        .expect("yibao runs");
    assert!(out.status.success(), "settle failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("settle prints JSON")
}

fn fen(v: &Value) -> Fen {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{v} is not an amount: {e}"))
}

/// The fixture's `exact_to_the_fen` value for an example, else its `expected` or `bill` value.
fn expected(id: &str, key: &str) -> Fen {
    let text = std::fs::read_to_string(repo().join("tests/fixtures/public_worked_examples.json")).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    let ex = all.as_array().unwrap().iter().find(|e| e["id"] == id).unwrap_or_else(|| panic!("no example {id}"));
    let v = ex["exact_to_the_fen"].get(key).or_else(|| ex["expected"].get(key)).or_else(|| ex["bill"].get(key));
    fen(v.unwrap_or_else(|| panic!("{id} has no {key}")))
}

fn setl(out: &Value, field: &str) -> Fen {
    fen(&out["setlinfo"][field])
}

fn detail(out: &Value, fund_pay_type: &str) -> Fen {
    let rows = out["setldetail"].as_array().unwrap();
    let row = rows
        .iter()
        .find(|r| r["fund_pay_type"] == fund_pay_type)
        .unwrap_or_else(|| panic!("no setldetail {fund_pay_type}"));
    fen(&row["fund_payamt"])
}

/// The identities of §2.3 hold in the printed output.
fn assert_identities(out: &Value) {
    let s = |f| setl(out, f);
    assert_eq!(
        s("medfee_sumamt"),
        s("fulamt_ownpay_amt") + s("overlmt_selfpay") + s("preselfpay_amt") + s("inscp_scp_amt")
    );
    assert_eq!(s("medfee_sumamt"), s("fund_pay_sumamt") + s("psn_part_amt") + s("hosp_part_amt"));
    assert_eq!(s("psn_part_amt"), s("acct_pay") + s("psn_cash_pay"));
    let funds = ["hifp_pay", "cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay", "maf_pay", "hifdm_pay", "oth_pay"];
    assert_eq!(s("fund_pay_sumamt"), funds.iter().map(|f| s(f)).sum::<Fen>());
}

#[test]
fn ex01_yubei_assistance_and_tilt() {
    let out = settle("ex01_yubei_2023.toml", "ex01_request.json");
    assert_identities(&out);
    assert_eq!(setl(&out, "hifp_pay"), expected("ex01", "basic_fund"));
    assert_eq!(detail(&out, "610100"), expected("ex01", "large_expense_medical_assistance"));
    assert_eq!(detail(&out, "610102"), expected("ex01", "tilt_assistance"));
    assert_eq!(
        setl(&out, "maf_pay"),
        expected("ex01", "large_expense_medical_assistance") + expected("ex01", "tilt_assistance")
    );
    assert_eq!(setl(&out, "fund_pay_sumamt"), expected("ex01", "total_reimbursed"));
    assert_eq!(setl(&out, "psn_part_amt"), expected("ex01", "personal_total_derived"));
    assert_eq!(setl(&out, "act_pay_dedc"), Fen::yuan(300));
}

#[test]
fn ex02_critical_illness_bands() {
    let out = settle("ex02_critical_bands_2024.toml", "ex02_request.json");
    assert_identities(&out);
    assert_eq!(setl(&out, "hifmi_pay"), expected("ex02", "critical_total"));
    let bands = out["explanation"]["layers"][1]["bands"].as_array().unwrap();
    let pays: Vec<Fen> = bands.iter().map(|b| fen(&b["pay"])).collect();
    assert_eq!(pays, vec![expected("ex02", "segment1"), expected("ex02", "segment2"), expected("ex02", "segment3")]);
}

#[test]
fn ex03_guangzhou_exact_not_rounded() {
    let out = settle("ex03_guangzhou_2022.toml", "ex03_request.json");
    assert_identities(&out);
    assert_eq!(setl(&out, "hifp_pay"), expected("ex03", "basic_fund"));
    // The source rounded 大病 to 0.737万; to the fen it is 7374.00.
    assert_eq!(setl(&out, "hifmi_pay"), expected("ex03", "critical_fund_exact"));
    assert_eq!(setl(&out, "fund_pay_sumamt"), expected("ex03", "total_reimbursed_exact"));
    assert_eq!(setl(&out, "psn_part_amt"), expected("ex03", "personal_total_exact"));
    assert_eq!(setl(&out, "fulamt_ownpay_amt"), expected("ex03", "full_self_pay_items"));
    assert_eq!(setl(&out, "preselfpay_amt"), expected("ex03", "class_B_prepay"));
}

#[test]
fn ex05_zhaoqing_special_disease_outpatient() {
    let out = settle("ex05_zhaoqing_2022.toml", "ex05_request.json");
    assert_identities(&out);
    assert_eq!(setl(&out, "hifp_pay"), expected("ex05", "fund"));
    assert_eq!(setl(&out, "psn_part_amt"), expected("ex05", "personal_total"));
    assert_eq!(setl(&out, "act_pay_dedc"), Fen::ZERO);
}

#[test]
fn ex19_qingyuan_large_amount_above_cap() {
    let out = settle("ex19_qingyuan_2023.toml", "ex19_request.json");
    assert_identities(&out);
    assert_eq!(setl(&out, "hifp_pay"), expected("ex19", "basic_fund"));
    assert_eq!(setl(&out, "hifob_pay"), expected("ex19", "large_amount_fund"));
    assert_eq!(setl(&out, "hifmi_pay"), expected("ex19", "critical_fund"));
    assert_eq!(setl(&out, "fund_pay_sumamt"), expected("ex19", "total_reimbursed"));
    assert_eq!(setl(&out, "psn_part_amt"), expected("ex19", "personal_total"));
    // The basic fund hit its cap; the delta records it.
    assert_eq!(fen(&out["accumulators"]["delta"]["amounts"]["hifp.inpatient.paid"]), Fen::yuan(65_000));
}

#[test]
fn explanation_names_rule_parameters_and_arithmetic() {
    let out = Command::new(env!("CARGO_BIN_EXE_yibao"))
        .args(["settle", "--explain", "--policy"])
        .arg(repo().join("packs/fixtures/ex03_guangzhou_2022.toml"))
        .arg("--request")
        .arg(repo().join("tests/fixtures/ex03_request.json"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("政策范围内费用 99,800.00 元，扣除起付线 500.00 元后按 70% 支付：69,510.00 元"), "{text}");
    assert!(text.contains("12,290.00 元按 60% 支付：7,374.00 元"), "{text}");
    assert!(text.contains("现金支付 23,116.00 元"), "{text}");
}
