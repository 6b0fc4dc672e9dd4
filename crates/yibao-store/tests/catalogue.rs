//! Catalogue versions and households in the ledger, on SQLite and PostgreSQL: a version written whole with its
//! ratios and caps and read back as it was given, a second header refused without writing anything, the catalogue
//! epoch bumped once per job, and households backfilled for people stored before households could be imported.

use std::collections::BTreeMap;

use yibao_core::policy::CatalogueItemDef;
use yibao_core::{Price, Ratio};
use yibao_store::{HouseholdRow, Op, Store, StoreError};

fn item(code: &str, lv: &str) -> CatalogueItemDef {
    CatalogueItemDef {
        code: code.to_string(),
        name: format!("项目{code}"),
        lv: lv.to_string(),
        category: None,
        selfpay_prop: BTreeMap::new(),
        price_cap: BTreeMap::new(),
        sex: None,
        age_min: None,
        age_max: None,
        min_hosp_lv: None,
        med_types: None,
    }
}

fn header(version: &str, begndate: &str) -> Op {
    Op::InsertCatalogueVersion {
        admdvs: "999001".into(),
        version: version.into(),
        begndate: begndate.into(),
        source: format!("{version}.csv"),
    }
}

fn items(version: &str, items: Vec<CatalogueItemDef>) -> Op {
    Op::InsertCatalogueItems { admdvs: "999001".into(), version: version.into(), items }
}

async fn epoch(store: &Store) -> i64 {
    store.epochs().await.unwrap().into_iter().find(|(n, _)| n == "catalogue").map(|(_, v)| v).unwrap()
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "yibao-store-{tag}-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ))
}

async fn versions_round_trip(store: &Store) {
    let mut full = item("B001", "02");
    full.category = Some("09".into());
    full.selfpay_prop = [("310".to_string(), Ratio(500)), ("390".to_string(), Ratio(1500))].into();
    full.price_cap = [("*".to_string(), Price(12_345_678)), ("3".to_string(), Price(20_000_000))].into();
    full.sex = Some("2".into());
    full.age_min = Some(18);
    full.age_max = Some(50);
    full.min_hosp_lv = Some("2".into());
    full.med_types = Some(vec!["21".into(), "22".into()]);
    // More items than one multi-row insert holds.
    let many: Vec<CatalogueItemDef> = (0..450).map(|i| item(&format!("A{i:04}"), "01")).collect();
    let before = epoch(store).await;
    store
        .commit(vec![header("2026.1", "2026-01-01"), items("2026.1", [vec![full.clone()], many].concat())])
        .await
        .unwrap();
    assert_eq!(epoch(store).await, before + 1, "one bump for the job");
    let read = store.catalogue_items("999001", "2026.1").await.unwrap();
    assert_eq!(read.len(), 451);
    assert_eq!(read.iter().find(|d| d.code == "B001"), Some(&full), "read back as given");

    // A second header for the version fails, and the job's items with it.
    let e = store.commit(vec![header("2026.1", "2026-02-01"), items("2026.1", vec![item("C001", "01")])]).await;
    assert!(matches!(&e, Err(StoreError::Duplicate(m)) if m.contains("目录版本 2026.1 已存在")), "{e:?}");
    let e = store.commit(vec![items("2026.1", vec![item("C002", "01"), item("B001", "03")])]).await;
    assert!(matches!(e, Err(StoreError::Duplicate(_))), "{e:?}");
    assert_eq!(store.catalogue_items("999001", "2026.1").await.unwrap().len(), 451, "nothing of the failed jobs");
    assert_eq!(store.catalogue_version("999001", "2026.1").await.unwrap().unwrap().begndate, "2026-01-01");

    store.commit(vec![header("2025.1", "2025-01-01"), items("2025.1", vec![item("B001", "01")])]).await.unwrap();
    assert_eq!(store.latest_catalogue("999001").await.unwrap().unwrap().version, "2026.1");
    assert_eq!(store.catalogue_in_force("999001", "2025-12-31").await.unwrap().unwrap().version, "2025.1");
    assert!(store.latest_catalogue("999002").await.unwrap().is_none());

    let h = HouseholdRow { hhold_id: "H1".into(), admdvs: "999001".into(), address: "幸福路1号".into() };
    store.commit(vec![Op::UpsertHousehold(h.clone())]).await.unwrap();
    let moved = HouseholdRow { address: "新街2号".into(), ..h };
    store.commit(vec![Op::UpsertHousehold(moved.clone())]).await.unwrap();
    assert_eq!(store.household("H1").await.unwrap(), Some(moved));
}

#[tokio::test]
async fn sqlite_catalogue_versions() {
    let dir = temp_dir("catalogue");
    let store = Store::open(&dir.display().to_string()).await.unwrap();
    versions_round_trip(&store).await;
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn postgres_catalogue_versions() {
    let admin =
        std::env::var("YIBAO_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
    if let Err(e) = yibao_store::drop_stale_postgres_databases(&admin, "yibao_scat").await {
        eprintln!("could not drop old test databases: {e}");
    }
    let url = yibao_store::create_postgres_database(&admin, "yibao_scat").await.expect("PostgreSQL reachable");
    versions_round_trip(&Store::open(&url).await.unwrap()).await;
}

/// A ledger from before households could be imported: the migration gives every household people name a row.
#[tokio::test]
async fn households_named_by_stored_people_are_backfilled() {
    let dir = temp_dir("backfill");
    let store = Store::open(&dir.display().to_string()).await.unwrap();
    let c = store.sqlite_connection().unwrap().unwrap();
    c.execute_batch(
        "DROP TABLE catalogue_version; DROP TABLE catalogue_item; DROP TABLE catalogue_selfpay;
         DROP TABLE catalogue_price_cap; DROP INDEX person_hhold; DELETE FROM cache_epoch WHERE name = 'catalogue';
         DELETE FROM schema_migration WHERE version = 5;
         INSERT INTO person (psn_no, certno, psn_cert_type, psn_name, gend, brdy, naty, hhold_id, admdvs, created_at)
         VALUES ('P1', 'C1', '01', '甲', '1', '1980-01-01', '01', 'HH1', '999002', '2024-01-01 00:00:00'),
                ('P2', 'C2', '01', '乙', '2', '1982-01-01', '01', 'HH1', '999002', '2024-01-01 00:00:00'),
                ('P3', 'C3', '01', '丙', '1', '1990-01-01', '01', NULL, '999002', '2024-01-01 00:00:00');",
    )
    .unwrap();
    drop(c);
    drop(store);
    let store = Store::open(&dir.display().to_string()).await.unwrap();
    let h = store.household("HH1").await.unwrap().expect("backfilled");
    assert_eq!((h.admdvs.as_str(), h.address.as_str()), ("999002", ""));
    assert_eq!(store.household_members("HH1").await.unwrap().len(), 2);
    assert_eq!(epoch(&store).await, 0);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
