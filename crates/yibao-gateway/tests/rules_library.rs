//! Stored rule pack versions on a running gateway, on SQLite and PostgreSQL: installing a version (as `yibao rules
//! install` and the 规则库 page do) changes 3102's answers without a restart, and the settlement option follows the
//! version's `[on_settle]`.

mod common;

use common::*;
use serde_json::Value;
use yibao_gateway::screening::library::{Install, PackUpload, install};

const CT: &str = "002103000010000"; // X线计算机体层(CT)平扫, only at 三级 in the knowledge file

fn upload(version: &str, extra: &str) -> PackUpload {
    let text = format!(
        r#"[pack]
admdvs = "999001"
name = "测试县基金监管规则库"
version = "{version}"

[[rule]]
id = "T01"
name = "限医疗机构级别使用（{version}）"
template = "institution_limit"
begin = 2024-01-01
trig_scen = [6]
knowledge = "knowledge/institution_limit.csv"
{extra}"#
    );
    let csv = "项目编码,项目名称,最低医院等级,限定机构类型\n002103000010000,X线计算机体层(CT)平扫,3,\n";
    PackUpload {
        file: "rules.toml".into(),
        text,
        // As a browser sends it: the file's own name, without the folder the pack names.
        files: [("institution_limit.csv".to_string(), csv.as_bytes().to_vec())].into(),
    }
}

fn screen_input(psn_no: &str, mdtrt_id: &str) -> Value {
    common::screen_input(psn_no, mdtrt_id, "H99900100001", "6", Vec::new())
}

async fn body(env: Env) {
    let h1 = &env.clients[0];
    let p = psn(1);
    let (mdtrt_id, total) = outpatient(h1, &p, "390", &[(CT, "150", "1", "150.00")]).await;
    let input = screen_input(&p, &mdtrt_id);
    let a = h1.call("3102", input.clone()).await.unwrap();
    assert_eq!(a["infcode"], -1, "no rule pack yet: {a}");

    let how = Install { version: None, effective: &today(), by: "审计员" };
    let (region, version, fresh) = install(&env.store, &upload("v1", ""), &how, false).await.unwrap();
    assert_eq!((region.as_str(), version.as_str(), fresh), ("999001", "v1", true));
    let a = until_3102(h1, &input, |a| a["infcode"] == 0).await;
    assert_eq!(result_field(&a, "rule_name"), ["限医疗机构级别使用（v1）"], "{a}");

    // v2 renames the rule and refuses 明确违规 at settlement.
    let v2 = upload("v2", "sev_deg = \"1\"\n[on_settle]\ndefault = \"refuse\"\n");
    install(&env.store, &v2, &how, false).await.unwrap();
    let a = until_3102(h1, &input, |a| result_field(a, "rule_name") == ["限医疗机构级别使用（v2）"]).await;
    assert_eq!(a["output"]["result"][0]["sev_deg"], "1", "{a}");
    let m = refused(h1, "2207", setl_input(&p, &mdtrt_id, "390", total, "0")).await;
    assert!(m.contains("T01") || m.contains("限医疗机构级别使用"), "{m}");

    // v3 switches the rule off for the county: 3102 finds nothing and the settlement goes through.
    install(&env.store, &upload("v3", "[switch.\"999001\"]\nT01 = false\n"), &how, false).await.unwrap();
    until_3102(h1, &input, |a| a["infcode"] == 0 && result_field(a, "rule_name").is_empty()).await;
    ok(h1, "2207", setl_input(&p, &mdtrt_id, "390", total, "0")).await;

    // A version effective tomorrow is stored but not yet served.
    let tomorrow = (chrono::Local::now() + chrono::Duration::days(1)).format("%Y-%m-%d").to_string();
    install(&env.store, &upload("v4", ""), &Install { effective: &tomorrow, ..how.clone() }, false).await.unwrap();
    let vs = env.store.rule_pack_versions("999001").await.unwrap();
    assert_eq!(vs.iter().map(|v| v.version.as_str()).collect::<Vec<_>>(), ["v4", "v3", "v2", "v1"]);
    assert_eq!(env.store.rule_pack_in_force("999001", &today()).await.unwrap().unwrap().version, "v3");

    // The same version again is refused; with `same_ok` (serve --rules) identical content is accepted.
    let e = install(&env.store, &upload("v1", ""), &how, false).await.unwrap_err();
    assert!(e.to_string().contains("规则库版本 v1 已存在"), "{e}");
    let (_, _, fresh) = install(&env.store, &upload("v1", ""), &how, true).await.unwrap();
    assert!(!fresh);
    let e = install(&env.store, &upload("v1", "enabled = false\n"), &how, true).await.unwrap_err();
    assert!(e.to_string().contains("已存在且内容不同"), "{e}");
}

#[test]
fn sqlite() {
    common::run(async { body(start("sqlite").await).await })
}

#[test]
fn postgres() {
    common::run(async { body(start("postgres").await).await })
}
