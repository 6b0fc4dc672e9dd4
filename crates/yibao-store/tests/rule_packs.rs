//! Rule pack versions per region on SQLite and PostgreSQL: a version stored whole with its knowledge files (bytes as
//! given) and read back, newest first by effective date then install order, the version in force on a date, a second
//! insert of a version refused without writing anything, and the `rules` epoch bumped per install.

use yibao_store::rule_packs::{NewRulePack, RuleFileRow, RulePackOp};
use yibao_store::{Op, Store, StoreError};

fn pack(admdvs: &str, version: &str, effective: &str, files: Vec<RuleFileRow>) -> Op {
    Op::RulePack(RulePackOp::Insert(Box::new(NewRulePack {
        admdvs: admdvs.into(),
        version: version.into(),
        name: "测试规则库".into(),
        effective: effective.into(),
        source: "rules.toml".into(),
        pack: format!("[pack]\nversion = \"{version}\"\n"),
        files,
        installed_by: "auditor".into(),
    })))
}

async fn epoch(store: &Store) -> i64 {
    store.epochs().await.unwrap().into_iter().find(|(n, _)| n == "rules").map(|(_, v)| v).unwrap()
}

async fn round_trip(store: &Store) {
    let e0 = epoch(store).await;
    let csv = RuleFileRow { name: "knowledge/a.csv".into(), content: "编码,名称\nX1,甲\n".as_bytes().to_vec() };
    let xlsx = RuleFileRow { name: "knowledge/b.xlsx".into(), content: vec![0x50, 0x4b, 0, 255, 13, 10] };
    store.commit(vec![pack("999001", "v1", "2026-01-01", vec![csv.clone(), xlsx.clone()])]).await.unwrap();
    assert_eq!(epoch(store).await, e0 + 1);
    store.commit(vec![pack("999001", "v2", "2026-01-01", vec![])]).await.unwrap();
    store.commit(vec![pack("999001", "v3", "2099-01-01", vec![])]).await.unwrap();
    store.commit(vec![pack("999002", "v1", "2026-01-01", vec![])]).await.unwrap();
    assert_eq!(epoch(store).await, e0 + 4);

    let e = store.commit(vec![pack("999001", "v1", "2026-02-01", vec![csv.clone()])]).await.unwrap_err();
    assert!(matches!(&e, StoreError::Duplicate(m) if m.contains("统筹区 999001 的规则库版本 v1 已存在")), "{e}");
    assert_eq!(epoch(store).await, e0 + 4, "a refused install bumps nothing");

    let vs = store.rule_pack_versions("999001").await.unwrap();
    let names: Vec<(&str, i64, &str)> = vs.iter().map(|v| (v.version.as_str(), v.seq, v.effective.as_str())).collect();
    assert_eq!(names, [("v3", 3, "2099-01-01"), ("v2", 2, "2026-01-01"), ("v1", 1, "2026-01-01")]);
    assert_eq!(
        (vs[2].installed_by.as_str(), vs[2].source.as_str(), vs[2].name.as_str()),
        ("auditor", "rules.toml", "测试规则库")
    );
    assert_eq!(vs[2].installed_at.len(), 19);
    assert_eq!(store.rule_pack_regions().await.unwrap(), ["999001", "999002"]);

    let in_force =
        |d: &'static str| async move { store.rule_pack_in_force("999001", d).await.unwrap().map(|v| v.version) };
    assert_eq!(in_force("2025-12-31").await, None);
    assert_eq!(in_force("2026-06-01").await.as_deref(), Some("v2"), "the later install among equal dates");
    assert_eq!(in_force("2099-01-01").await.as_deref(), Some("v3"));

    let (text, files) = store.rule_pack_content("999001", "v1").await.unwrap().unwrap();
    assert_eq!(text, "[pack]\nversion = \"v1\"\n");
    assert_eq!(files, [csv, xlsx], "files by name with their bytes, the refused second insert added none");
    assert_eq!(store.rule_pack_content("999001", "v9").await.unwrap(), None);
}

#[tokio::test]
async fn sqlite_rule_pack_versions() {
    let dir = std::env::temp_dir().join(format!(
        "yibao-store-rules-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    let store = Store::open(&dir.display().to_string()).await.unwrap();
    round_trip(&store).await;
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn postgres_rule_pack_versions() {
    let admin =
        std::env::var("YIBAO_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
    if let Err(e) = yibao_store::drop_stale_postgres_databases(&admin, "yibao_srul").await {
        eprintln!("could not drop old test databases: {e}");
    }
    let url = yibao_store::create_postgres_database(&admin, "yibao_srul").await.expect("PostgreSQL reachable");
    round_trip(&Store::open(&url).await.unwrap()).await;
}
