//! 3101/3102 事前/事中 screening, 3103 feedback and the `on_settle` option over real HTTP, on SQLite and PostgreSQL,
//! with a rule pack read from files (knowledge CSVs beside the pack) keyed on the demo county's catalogue.

mod common;

use common::*;
use serde_json::{Value, json};
use yibao_core::Fen;

const CT: &str = "002103000010000"; // X线计算机体层(CT)平扫, 乙类
const CONSULT: &str = "001101000010000"; // 一般诊疗费
const AMOXICILLIN: &str = "XJ01CAA040E001010101446"; // 阿莫西林胶囊

/// T01: CT only at 三级 hospitals (明确违规); T02: 阿莫西林 dispensed again while the last supply lasts (可疑).
fn pack(mode: &str) -> String {
    format!(
        r#"[pack]
admdvs = "999001"
name = "测试县基金监管规则库"
version = "t1"

[on_settle]
default = "{mode}"

[[rule]]
id = "T01"
name = "限医疗机构级别使用"
template = "institution_limit"
begin = 2024-01-01
trig_scen = [2, 4, 6, 7, 8, 9]
basis = "本县诊疗项目支付管理办法"
knowledge = "knowledge/institution_limit.csv"

[[rule]]
id = "T02"
name = "重复开药"
template = "repeat_supply"
begin = 2024-01-01
trig_scen = [2, 6, 7]
knowledge = "knowledge/drug_supply.csv"
[rule.params]
max_overlap_days = 5
"#
    )
}

const FILES: &[(&str, &str)] = &[
    (
        "knowledge/institution_limit.csv",
        "项目编码,项目名称,最低医院等级,限定机构类型\n002103000010000,X线计算机体层(CT)平扫,3,\n",
    ),
    (
        "knowledge/drug_supply.csv",
        "项目编码,项目名称,包装数量,每日用量,药品分组\nXJ01CAA040E001010101446,阿莫西林胶囊,1,3,阿莫西林\n",
    ),
];

async fn env_with(backend: &str, mode: &str) -> Env {
    start_with(backend, Some(rules_from_files(&pack(mode), FILES))).await
}

/// Runs a test body against both backends with a rule pack in the given `on_settle` mode.
macro_rules! both_with_rules {
    ($name:ident, $mode:expr, $body:expr) => {
        mod $name {
            use super::*;
            #[test]
            fn sqlite() {
                common::run(async { ($body)(env_with("sqlite", $mode).await).await })
            }
            #[test]
            fn postgres() {
                common::run(async { ($body)(env_with("postgres", $mode).await).await })
            }
        }
    };
}

fn order(rx_id: &str, code: &str, pric: &str, cnt: &str, sumamt: &str) -> Value {
    json!({ "rx_id": rx_id, "hilist_code": code, "hilist_name": "", "pric": pric, "cnt": cnt, "sumamt": sumamt,
            "drord_begn_date": today(), "curr_drord_flag": "1" })
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut k: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    k.sort();
    k
}

both_with_rules!(screening_3101_3102, "off", |env: Env| async move {
    let (h1, h2, h3) = (&env.clients[0], &env.clients[1], &env.clients[2]);
    let p = psn(1);
    // A visit at a 二级 hospital with a CT (only at 三级) and a consultation.
    let (mdtrt_id, _) = outpatient(h1, &p, "390", &[(CT, "150", "1", "150.00"), (CONSULT, "10", "1", "10.00")]).await;

    // 3102 without orders: the visit's uploaded lines are screened.
    let out = ok(h1, "3102", screen_input(&p, &mdtrt_id, "H99900100001", "6", vec![])).await;
    let result = out["result"].as_array().unwrap();
    assert_eq!(result.len(), 1, "{out}");
    let r = &result[0];
    assert_eq!(
        keys(r),
        sorted(&[
            "jr_id",
            "rule_id",
            "rule_name",
            "vola_cont",
            "patn_id",
            "mdtrt_id",
            "vola_amt",
            "vola_amt_stas",
            "sev_deg",
            "vola_evid",
            "vola_bhvr_type",
            "task_id",
            "judge_result_detail_dtos"
        ])
    );
    assert_eq!(r["rule_id"], "T01");
    assert_eq!(r["rule_name"], "限医疗机构级别使用");
    assert_eq!(r["sev_deg"], "1");
    assert_eq!(r["patn_id"], p);
    assert_eq!(r["mdtrt_id"], mdtrt_id);
    assert_eq!(r["task_id"], "TASK1");
    assert_eq!(r["vola_evid"], "本县诊疗项目支付管理办法");
    assert_eq!(fen(&r["vola_amt"]), Fen(15_000));
    assert!(!r["vola_cont"].as_str().unwrap().is_empty());
    let d = &r["judge_result_detail_dtos"][0];
    assert_eq!(keys(d), sorted(&["jrd_id", "patn_id", "mdtrt_id", "rx_id", "vola_item_type", "vola_amt"]));
    assert_eq!(d["rx_id"], "F0");
    assert_eq!(d["vola_item_type"], "1");
    assert_eq!(fen(&d["vola_amt"]), Fen(15_000));

    // 3101 with orders in the message (收费登记), at the per-service path; a visit without the CT has no finding.
    let url = h1.url_for("/fsi/api/riskConService/beforeAnalyze");
    let orders = vec![order("RX1", CT, "150", "1", "150"), order("RX2", CONSULT, "10", "1", "10")];
    let a = h1.post_to(&url, &h1.envelope("3101", &h1.msgid(), screen_input(&p, &mdtrt_id, "", "2", orders))).await;
    let a = a.unwrap();
    assert_eq!(a["infcode"], 0, "{a}");
    assert_eq!(a["output"]["result"][0]["rule_id"], "T01");
    assert_eq!(a["output"]["result"][0]["judge_result_detail_dtos"][0]["rx_id"], "RX1");
    let clean =
        ok(h1, "3101", screen_input(&p, &mdtrt_id, "", "2", vec![order("RX2", CONSULT, "10", "1", "10")])).await;
    assert_eq!(clean["result"], json!([]), "{clean}");

    // The same CT at a 三级 hospital passes.
    let (m3, _) = outpatient(h3, &p, "390", &[(CT, "150", "1", "150.00")]).await;
    let out = ok(h3, "3102", screen_input(&p, &m3, "H99900100003", "6,7", vec![])).await;
    assert_eq!(out["result"], json!([]), "{out}");

    // 事前 at registration (scene 1) comes before the visit exists: the HIS's own id is accepted.
    let pre = ok(h1, "3101", screen_input(&p, "HIS-0001", "", "1", vec![order("RX1", CT, "150", "1", "150")])).await;
    assert!(pre["result"].is_array());

    // An institution screens only its own visits and patients known to the ledger.
    let m = refused(h2, "3102", screen_input(&p, &mdtrt_id, "", "6", vec![])).await;
    assert!(m.contains("不属于本机构"), "{m}");
    let m = refused(h2, "3102", screen_input(&p, &mdtrt_id, "H99900100001", "6", vec![])).await;
    assert!(m.contains("medins_id") && m.contains("不是本机构"), "{m}");
    let m = refused(h1, "3102", screen_input(&p, "NO-SUCH-VISIT", "", "6", vec![])).await;
    assert!(m.contains("fsi_encounter_dtos[0].mdtrt_id") && m.contains("不存在"), "{m}");
    let m = refused(h1, "3102", screen_input("99900199999999", &mdtrt_id, "", "6", vec![])).await;
    assert!(m.contains("patient_dtos[0].patn_id") && m.contains("不存在"), "{m}");

    // Malformed input: scenes of the other service, no scene, bad scene, no patients, missing fields.
    let m = refused(h1, "3101", screen_input(&p, &mdtrt_id, "", "6", vec![])).await;
    assert!(m.contains("3101 事前提醒的触发场景应为 1–5"), "{m}");
    let m = refused(h1, "3102", screen_input(&p, &mdtrt_id, "", "2", vec![])).await;
    assert!(m.contains("3102 事中提醒的触发场景应为 6–10"), "{m}");
    let m = refused(h1, "3102", screen_input(&p, &mdtrt_id, "", "", vec![])).await;
    assert!(m.contains("trig_scen") && m.contains("未给出触发场景"), "{m}");
    let m = refused(h1, "3102", screen_input(&p, &mdtrt_id, "", "6,x", vec![])).await;
    assert!(m.contains("触发场景“x”无效"), "{m}");
    let m = refused(h1, "3102", json!({ "data": { "trig_scen": "6", "patient_dtos": [] } })).await;
    assert!(m.contains("patient_dtos") && m.contains("没有患者"), "{m}");
    let mut no_type = screen_input(&p, &mdtrt_id, "", "6", vec![]);
    no_type["data"]["patient_dtos"][0]["fsi_encounter_dtos"][0]["med_type"] = json!("");
    let m = refused(h1, "3102", no_type).await;
    assert!(m.contains("patient_dtos[0].fsi_encounter_dtos[0].med_type") && m.contains("缺少医疗类别"), "{m}");
    let m =
        refused(h1, "3102", screen_input(&p, &mdtrt_id, "", "6", vec![json!({ "rx_id": "RX9", "cnt": "1" })])).await;
    assert!(m.contains("fsi_order_dtos[0].hilist_code"), "{m}");

    // 3103 feedback: recorded once for a repeated msgid; malformed feedback stores nothing.
    let fb = json!({ "data": { "warn_type": "1", "warns": [
        { "warn_rslt_id": r["jr_id"], "dspo_way": "1", "dspo_way_rea": "已改为转诊上级医院检查" },
        { "warn_rslt_id": "TASK1-0002", "dspo_way": "2", "dspo_way_rea": "" } ] } });
    let msgid = h1.msgid();
    let first = h1.call_with("3103", &msgid, fb.clone()).await.unwrap();
    assert_eq!(first["infcode"], 0, "{first}");
    let again = h1.call_with("3103", &msgid, fb.clone()).await.unwrap();
    assert_eq!(again, first);
    let rows = env.store.fsi_feedback("H99900100001").await.unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].warn_rslt_id, r["jr_id"].as_str().unwrap());
    assert_eq!(rows[0].dspo_way_rea, "已改为转诊上级医院检查");
    assert_eq!((rows[0].seq, rows[1].seq), (1, 2));
    assert!(rows.iter().all(|x| x.msgid == msgid));
    // At its per-service path too.
    let url = h1.url_for("/fsi/api/riskConService/feedback");
    let one = json!({ "data": { "warn_type": "1", "warns": { "warn_rslt_id": "TASK1-0003", "dspo_way": "1" } } });
    let a = h1.post_to(&url, &h1.envelope("3103", &h1.msgid(), one)).await.unwrap();
    assert_eq!(a["infcode"], 0, "{a}");
    let m = refused(h1, "3103", json!({ "data": { "warn_type": "1", "warns": [] } })).await;
    assert!(m.contains("warns") && m.contains("没有反馈内容"), "{m}");
    let m = refused(h1, "3103", json!({ "data": { "warn_type": "1", "warns": [{ "warn_rslt_id": "X" }] } })).await;
    assert!(m.contains("warns[0].dspo_way") && m.contains("缺少处理方式"), "{m}");
    let m = refused(h1, "3103", json!({ "data": { "warns": [{ "warn_rslt_id": "X", "dspo_way": "1" }] } })).await;
    assert!(m.contains("warn_type"), "{m}");
    assert_eq!(env.store.fsi_feedback("H99900100001").await.unwrap().len(), 3);

    // With screening off at settlement, the CT visit settles as before and nothing is held.
    let total = Fen(16_000);
    let st = ok(h1, "2207", setl_input(&p, &mdtrt_id, "390", total, "0")).await;
    assert!(st.get("fsi_result").is_none(), "{st}");
    assert!(env.store.settle_findings(&p).await.unwrap().is_empty());
});

both_with_rules!(refuse_mode, "refuse", |env: Env| async move {
    let h1 = &env.clients[0];
    let p = psn(1);
    let (mdtrt_id, total) =
        outpatient(h1, &p, "390", &[(CONSULT, "10", "1", "10.00"), (CT, "150", "1", "150.00")]).await;
    for infno in ["2206", "2207"] {
        let m = refused(h1, infno, setl_input(&p, &mdtrt_id, "390", total, "0")).await;
        assert!(m.contains("明确违规") && m.contains("T01") && m.contains("限医疗机构级别使用"), "{m}");
        assert!(m.contains("明细 F1") && m.contains("150.00"), "{m}");
    }
    // Nothing stored: no settlement, no finding, the visit still open.
    let list = ok(h1, "5205", json!({ "data": { "psn_no": p, "begntime": today(), "endtime": today() } })).await;
    assert_eq!(list["data"].as_array().map_or(0, Vec::len), 0, "{list}");
    assert!(env.store.settle_findings(&p).await.unwrap().is_empty());
    assert_eq!(env.store.visit(&p, &mdtrt_id).await.unwrap().unwrap().state, "registered");
    // A visit without the violation settles.
    let (clean, t2) = outpatient(h1, &p, "390", &[(CONSULT, "10", "1", "10.00")]).await;
    let st = ok(h1, "2207", setl_input(&p, &clean, "390", t2, "0")).await;
    assert!(st.get("fsi_result").is_none(), "{st}");

    // Inpatient 2304 is refused the same way.
    let adm = ok(h1, "2401", admit_input(&p, "390", "21")).await;
    let ipt = adm["result"]["mdtrt_id"].as_str().unwrap().to_string();
    ok(h1, "2301", json!({ "feedetail": [line(&p, &ipt, "Z1", CT, "150", "1", "150")] })).await;
    let dscg = json!({ "dscginfo": { "psn_no": p, "mdtrt_id": ipt, "insutype": "390", "endtime": now(), "dscg_way": "1", "dise_codg": "" } });
    ok(h1, "2402", dscg).await;
    let data = json!({ "data": { "psn_no": p, "mdtrt_id": ipt, "insutype": "390", "mdtrt_cert_type": "02", "medfee_sumamt": "150", "acct_used_flag": "0", "mid_setl_flag": "0" } });
    let m = refused(h1, "2304", data).await;
    assert!(m.contains("T01") && m.contains("明细 Z1"), "{m}");
    assert!(env.store.live_settlement_of_visit(&p, &ipt).await.unwrap().is_none());
    assert!(env.store.settle_findings(&p).await.unwrap().is_empty());
});

both_with_rules!(flag_mode, "flag", |env: Env| async move {
    let h1 = &env.clients[0];
    let p = psn(1);
    let (mdtrt_id, total) =
        outpatient(h1, &p, "390", &[(CONSULT, "10", "1", "10.00"), (CT, "150", "1", "150.00")]).await;
    // 2206 shows the findings and stores nothing.
    let pre = ok(h1, "2206", setl_input(&p, &mdtrt_id, "390", total, "0")).await;
    assert_eq!(pre["fsi_result"][0]["rule_id"], "T01", "{pre}");
    assert!(env.store.settle_findings(&p).await.unwrap().is_empty());
    // 2207 settles and holds the violation amount in the same commit; a repeated msgid holds nothing more.
    let msgid = h1.msgid();
    let a = h1.call_with("2207", &msgid, setl_input(&p, &mdtrt_id, "390", total, "0")).await.unwrap();
    assert_eq!(a["infcode"], 0, "{a}");
    let setl_id = a["output"]["setlinfo"]["setl_id"].as_str().unwrap().to_string();
    assert_eq!(fen(&a["output"]["setlinfo"]["medfee_sumamt"]), total);
    assert_eq!(fen(&a["output"]["fsi_result"][0]["vola_amt"]), Fen(15_000));
    let again = h1.call_with("2207", &msgid, setl_input(&p, &mdtrt_id, "390", total, "0")).await.unwrap();
    assert_eq!(again, a);
    let held = env.store.settle_findings(&p).await.unwrap();
    assert_eq!(held.len(), 1, "{held:?}");
    let (_, rule, setl_ids, amount, status) = &held[0];
    assert_eq!((rule.as_str(), setl_ids.as_str(), *amount, status.as_str()), ("T01", setl_id.as_str(), 15_000, "held"));
    assert!(env.store.settlement(&p, &setl_id).await.unwrap().is_some());

    // 重复开药 needs the person's earlier dispensing: a second 阿莫西林 supply while the first (40 days) lasts.
    let (v1, t1) = outpatient(h1, &p, "390", &[(AMOXICILLIN, "1.25", "120", "150.00")]).await;
    let st = ok(h1, "2207", setl_input(&p, &v1, "390", t1, "0")).await;
    assert!(st.get("fsi_result").is_none(), "{st}");
    let (v2, t2) = outpatient(h1, &p, "390", &[(AMOXICILLIN, "1.25", "30", "37.50")]).await;
    let out = ok(h1, "3102", screen_input(&p, &v2, "", "6", vec![])).await;
    assert_eq!(out["result"][0]["rule_id"], "T02", "{out}");
    assert_eq!(out["result"][0]["sev_deg"], "2");
    let st = ok(h1, "2207", setl_input(&p, &v2, "390", t2, "0")).await;
    let s2 = st["setlinfo"]["setl_id"].as_str().unwrap().to_string();
    let held = env.store.settle_findings(&p).await.unwrap();
    assert_eq!(held.len(), 2, "{held:?}");
    assert_eq!((held[1].1.as_str(), held[1].2.as_str(), held[1].4.as_str()), ("T02", s2.as_str(), "held"));
    assert!(held[1].3 > 0);
});

/// A rule switched off for a region (`[switch.<区划>]`) does not run for that region's institutions.
mod switched_off_in_region {
    use super::*;

    async fn body(env: Env) {
        let h1 = &env.clients[0];
        let p = psn(1);
        let (mdtrt_id, total) = outpatient(h1, &p, "390", &[(CT, "150", "1", "150.00")]).await;
        let out = ok(h1, "3102", screen_input(&p, &mdtrt_id, "", "6", vec![])).await;
        assert_eq!(out["result"], json!([]), "{out}");
        // on_settle refuse, yet the switched-off rule refuses nothing.
        ok(h1, "2207", setl_input(&p, &mdtrt_id, "390", total, "0")).await;
    }

    fn rules() -> yibao_gateway::screening::Screening {
        rules_from_files(&format!("{}\n[switch.\"999001\"]\nT01 = false\n", pack("refuse")), FILES)
    }

    #[test]
    fn sqlite() {
        common::run(async { body(start_with("sqlite", Some(rules())).await).await })
    }

    #[test]
    fn postgres() {
        common::run(async { body(start_with("postgres", Some(rules())).await).await })
    }
}
