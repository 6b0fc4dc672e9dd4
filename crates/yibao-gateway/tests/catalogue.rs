//! An imported catalogue version reaches a running gateway over real HTTP, on SQLite and PostgreSQL: after the
//! import, 2204 classifies lines by the version's 等级, 先行自付比例 per 险种 and 限价 per hospital level, within
//! about a second and without a restart; a version that starts in the future changes nothing today.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};
use yibao_core::{Fen, Ratio};
use yibao_gateway::client::Client;
use yibao_import::{CatalogueTarget, import_catalogue};

/// 甲类 in the demo pack.
const AMOXICILLIN: &str = "XJ01CAA040E001010101446";
/// In no catalogue until the import.
const NEW_ITEM: &str = "XT9990010000000000001";

/// Uploads one more line to the visit and returns its 2204 result row.
async fn classify(c: &Client, psn_no: &str, mdtrt_id: &str, sn: &str, code: &str, price: &str) -> Value {
    let out = ok(c, "2204", json!({ "feedetail": [line(psn_no, mdtrt_id, sn, code, price, "1", price)] })).await;
    out["result"][0].clone()
}

fn ratio(v: &Value) -> Ratio {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{v}: {e}"))
}

async fn import(env: &Env, name: &str, csv: &str, version: &str, from: Option<&str>) {
    let file = std::env::temp_dir().join(format!("yibao-gw-{}-{name}", std::process::id()));
    std::fs::write(&file, csv).unwrap();
    let t = CatalogueTarget {
        admdvs: yibao_gateway::demo::DEMO_ADMDVS.to_string(),
        version: version.to_string(),
        from: from.map(|f| f.parse().unwrap()),
    };
    let r = import_catalogue(&env.store, &file, &t, false).await.unwrap();
    assert!(r.bad.is_empty() && r.imported > 0, "{r:?}");
    let _ = std::fs::remove_file(&file);
}

both_backends!(imported_catalogue_reaches_the_gateway, |env: Env| async move {
    let h1 = &env.clients[0]; // a level-2 hospital
    let (resident, employee) = (psn(1), psn(6));
    let (visit, _) = outpatient(h1, &resident, "390", &[(AMOXICILLIN, "10", "1", "10.00")]).await;
    let (visit6, _) = outpatient(h1, &employee, "310", &[(AMOXICILLIN, "10", "1", "10.00")]).await;
    let before = classify(h1, &resident, &visit, "B1", AMOXICILLIN, "10").await;
    assert_eq!((before["chrgitm_lv"].as_str(), fen(&before["preselfpay_amt"])), (Some("01"), Fen::ZERO), "{before}");
    let unknown = classify(h1, &resident, &visit, "B2", NEW_ITEM, "50").await;
    assert_eq!((unknown["chrgitm_lv"].as_str(), fen(&unknown["fulamt_ownpay_amt"])), (Some("03"), Fen(5000)));

    // 2026.1 from today: amoxicillin becomes 乙类 (职工 5%, 居民 15%); the new item is 甲类, capped at 40 yuan at
    // level-2 hospitals.
    import(
        &env,
        "v1.csv",
        &format!(
            "医保目录编码,名称,收费项目等级,职工先行自付比例,居民先行自付比例,一级限价,二级限价,三级限价\n\
             {AMOXICILLIN},阿莫西林胶囊,乙类,5%,15%,,,\n{NEW_ITEM},测试注射液,甲类,,,30,40,45\n"
        ),
        "2026.1",
        None,
    )
    .await;
    let imported = Instant::now();
    let mut n = 0;
    let after = loop {
        n += 1;
        let r = classify(h1, &resident, &visit, &format!("P{n}"), AMOXICILLIN, "10").await;
        if r["chrgitm_lv"] == "02" {
            break r;
        }
        assert!(imported.elapsed() < Duration::from_secs(5), "the gateway did not reload the catalogue: {r}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(imported.elapsed() < Duration::from_millis(2500), "reloaded after {:?}", imported.elapsed());
    assert_eq!(ratio(&after["selfpay_prop"]), Ratio(1500), "{after}");
    assert_eq!((fen(&after["preselfpay_amt"]), fen(&after["inscp_scp_amt"])), (Fen(150), Fen(850)));
    let emp = classify(h1, &employee, &visit6, "E1", AMOXICILLIN, "10").await;
    assert_eq!((ratio(&emp["selfpay_prop"]), fen(&emp["preselfpay_amt"])), (Ratio(500), Fen(50)), "{emp}");
    let new = classify(h1, &resident, &visit, "N1", NEW_ITEM, "50").await;
    assert_eq!(new["chrgitm_lv"], "01", "{new}");
    assert_eq!((fen(&new["overlmt_amt"]), fen(&new["inscp_scp_amt"])), (Fen(1000), Fen(4000)), "{new}");
    assert_eq!(fen(&new["pric_uplmt_amt"]), Fen(4000));

    // A version from 2099 is stored and reloaded, but today 2026.1 stays in force.
    import(
        &env,
        "v2.csv",
        &format!("医保目录编码,名称,收费项目等级\n{AMOXICILLIN},阿莫西林胶囊,丙类\n"),
        "2099.1",
        Some("2099-01-01"),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let still = classify(h1, &resident, &visit, "S1", AMOXICILLIN, "10").await;
    assert_eq!((still["chrgitm_lv"].as_str(), fen(&still["preselfpay_amt"])), (Some("02"), Fen(150)), "{still}");
});
