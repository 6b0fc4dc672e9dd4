//! The 3101/3102/3103 interface: hospital input read leniently (numbers as strings, an object for a list, dates with
//! times, comma-separated scenes), the result written with the national field names and exact amounts.

mod common;

use common::d;
use serde_json::json;
use yibao_audit::fsi::{FsiError, check, encounters, parse_feedback, parse_request, result};
use yibao_audit::screen::evaluate;
use yibao_audit::synth::demo_pack;
use yibao_core::{Fen, Price, Qty};

fn request() -> serde_json::Value {
    json!({
        "data": {
            "syscode": "HIS01",
            "task_id": "T20250310001",
            "trig_scen": "6,7",
            "rule_ids": "",
            "patient_dtos": {
                "patn_id": "P001",
                "patn_name": "测试",
                "gend": 1,
                "brdy": "1980-05-01 00:00:00",
                "poolarea": "999001",
                "curr_mdtrt_id": "MD001",
                "fsi_encounter_dtos": [{
                    "mdtrt_id": "MD001",
                    "medins_id": "H9990010004",
                    "medins_lv": "2",
                    "medins_type": 1,
                    "adm_date": "2025-03-10 09:12:00",
                    "med_type": "11",
                    "insutype": 390,
                    "medfee_sumamt": "138.00",
                    "fsi_diagnose_dtos": [
                        {"dise_codg": "K29.7", "maindise_flag": "0", "dias_srt_no": "2"},
                        {"dise_codg": "J06.9", "maindise_flag": "1", "dias_srt_no": 1}
                    ],
                    "fsi_order_dtos": [
                        {"rx_id": "RX1", "hilist_code": "S0331", "hilist_name": "宫颈细胞学检查", "chrg_type": "04",
                         "cnt": "1", "pric": "120.000000", "sumamt": 120.0, "ownpay_amt": ""},
                        {"rx_id": 2, "hilist_code": "D0910", "hilist_name": "阿莫西林胶囊", "chrg_type": "09",
                         "cnt": 2, "pric": 9, "drord_begn_date": "20250310"}
                    ]
                }]
            }
        }
    })
}

#[test]
fn lenient_input_becomes_an_encounter() {
    let req = parse_request(&request()).unwrap();
    assert_eq!(req.trig_scen, [6, 7]);
    assert!(req.rule_ids.is_empty());
    let encs = encounters(&req).unwrap();
    assert_eq!(encs.len(), 1);
    let e = &encs[0];
    assert_eq!((e.person.psn_no, e.person.gend, e.person.brdy), ("P001", Some("1"), Some(d("1980-05-01"))));
    assert_eq!(e.visit.admdvs, Some("999001"), "poolarea when medins_admdvs is absent");
    assert_eq!((e.visit.medins_type, e.visit.insutype, e.visit.begin), (Some("1"), "390", d("2025-03-10")));
    assert_eq!(e.visit.diagnoses, ["J06.9", "K29.7"], "main diagnosis first");
    assert_eq!(e.person.diseases, None, "3101 carries no registrations: the chronic-drug rule stays quiet");
    let l = &e.lines[1];
    assert_eq!(
        (l.id, l.qty, l.price, l.amount),
        ("2", Qty(20_000), Price(9_000_000), Fen(1_800)),
        "sumamt from pric × cnt"
    );
    assert_eq!(e.lines[0].ownpay, Fen::ZERO, "an empty ownpay_amt is none");
}

#[test]
fn one_call_gives_the_national_result_shape() {
    let out = check(&demo_pack(), &parse_request(&request()).unwrap(), d("2025-03-10")).unwrap();
    let v = serde_json::to_value(&out).unwrap();
    let r = &v["result"];
    assert_eq!(r.as_array().unwrap().len(), 2, "{v:#}");
    let sex = &r[0];
    assert_eq!(sex["jr_id"], "T20250310001-0001");
    assert_eq!(sex["rule_id"], "R01");
    assert_eq!(sex["rule_name"], "限性别使用的药品和诊疗项目");
    assert_eq!(sex["vola_cont"], "参保人性别为男，【宫颈细胞学检查】(S0331)限女性使用，涉及医保基金120.00元。");
    assert_eq!((sex["patn_id"].as_str(), sex["mdtrt_id"].as_str()), (Some("P001"), Some("MD001")));
    assert_eq!(sex["sev_deg"], "1");
    assert_eq!(sex["vola_bhvr_type"], "1");
    assert_eq!(sex["vola_amt_stas"], "1");
    assert!(sex["vola_evid"].as_str().unwrap().contains("区分性别使用"));
    assert_eq!(sex["task_id"], "T20250310001");
    let detail = &sex["judge_result_detail_dtos"][0];
    assert_eq!(detail["jrd_id"], "T20250310001-0001-1");
    assert_eq!((detail["rx_id"].as_str(), detail["vola_item_type"].as_str()), (Some("RX1"), Some("1")));
    let text = serde_json::to_string(&out).unwrap();
    assert!(text.contains(r#""vola_amt":120.00"#), "amounts are exact JSON numbers: {text}");
    assert_eq!(r[1]["rule_id"], "R11", "8 days of 阿莫西林 on an ordinary visit");
    assert!(text.contains(r#""vola_amt":2.25"#), "{text}");
    let back: yibao_audit::fsi::FsiOutput = serde_json::from_str(&text).unwrap();
    assert_eq!(back, out);
}

#[test]
fn rule_ids_select_rules_when_no_scene_is_given() {
    let mut v = request();
    v["data"]["trig_scen"] = json!(null);
    v["data"]["rule_ids"] = json!(["R11"]);
    let out = check(&demo_pack(), &parse_request(&v).unwrap(), d("2025-03-10")).unwrap();
    assert_eq!(out.result.iter().map(|r| r.rule_id.as_str()).collect::<Vec<_>>(), ["R11"]);
    v["data"]["rule_ids"] = json!([]);
    assert_eq!(check(&demo_pack(), &parse_request(&v).unwrap(), d("2025-03-10")), Err(FsiError::NoScene));
}

#[test]
fn the_gateway_adds_what_the_message_lacks() {
    let req = parse_request(&request()).unwrap();
    let mut encs = encounters(&req).unwrap();
    encs[0].person.death_date = Some(d("2025-03-01"));
    let f = evaluate(&demo_pack(), &encs[0], 6, d("2025-03-10"));
    assert!(f.iter().any(|f| f.rule.id == "R14"), "death date from the ledger");
    let out = result("", &f);
    assert!(out.result[0].jr_id.starts_with("JR-"), "ids without a task_id");
}

#[test]
fn bad_input_names_the_field() {
    let mut v = request();
    v["data"]["patient_dtos"]["fsi_encounter_dtos"][0]["adm_date"] = json!("");
    let req = parse_request(&v).unwrap();
    let e = encounters(&req).unwrap_err();
    assert_eq!(e.to_string(), "patient_dtos[0].fsi_encounter_dtos[0].adm_date：缺少入院（就诊）日期");
    v["data"]["patient_dtos"]["fsi_encounter_dtos"][0]["adm_date"] = json!("下周一");
    let e = parse_request(&v).unwrap_err();
    assert!(e.to_string().contains("“下周一”不是日期"), "{e}");
    v["data"]["patient_dtos"]["fsi_encounter_dtos"][0]["adm_date"] = json!("2025-03-10");
    v["data"]["trig_scen"] = json!("12");
    assert!(parse_request(&v).unwrap_err().to_string().contains("触发场景“12”无效"));
}

#[test]
fn feedback_3103() {
    let fb = parse_feedback(&json!({"data": {"warn_type": 1, "warns": {"warn_rslt_id": "T-0001", "dspo_way": "1",
        "dspo_way_rea": "已与患者沟通，改为自费"}}}))
    .unwrap();
    assert_eq!(fb.warn_type, "1");
    assert_eq!(fb.warns.len(), 1, "one object stands for a list of one");
    assert_eq!(fb.warns[0].warn_rslt_id, "T-0001");
}
