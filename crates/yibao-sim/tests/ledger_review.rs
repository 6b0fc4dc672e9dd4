//! A seeded synthetic county year written into the ledger (SQLite and PostgreSQL) verifies clean, and 事后 review
//! through the ledger loader finds exactly what review finds on the generated dataset itself — every planted case —
//! stores each case once as a held finding, and a second run of the same period stores nothing.

use chrono::NaiveDate;
use yibao_audit::review::{ReviewOptions, review};
use yibao_audit::synth::{self, Config, DEMO_PACK_TOML, demo_pack};
use yibao_sim::year::{YearSpec, write_year};
use yibao_store::Store;
use yibao_store::review_run::{ReviewRequest, fingerprint, run_review};

const PERSONS: u32 = 3_000;
const YEAR: i32 = 2026;

type Key = (String, Option<String>, Option<String>, Vec<String>, i64);

fn key(c: &yibao_audit::Case) -> Key {
    (c.rule.id.clone(), c.psn_no.clone(), c.fixmedins_code.clone(), c.setl_ids.clone(), c.amount.0)
}

async fn count(store: &Store, sql: &str, p: Vec<yibao_store::Param>) -> i64 {
    store.row(sql, p).await.unwrap().unwrap().int_at(0)
}

async fn county_year_round_trip(store: &Store) {
    let spec = YearSpec { persons: PERSONS, year: YEAR, seed: 7, plants: 8, admdvs: "999001".to_string() };
    let rep = write_year(store, &spec, |_| {}).await.unwrap();
    assert!(rep.settlements > PERSONS as usize * 4, "about 4.8 settlements a person: {}", rep.settlements);
    let v = store.verify().await.unwrap();
    assert!(v.ok(), "{:?}", &v.problems[..v.problems.len().min(5)]);
    assert_eq!(v.settlements, rep.settlements);

    // The same year, generated in memory, reviewed directly.
    let cfg = Config { seed: 7, persons: PERSONS, year: YEAR, plants: 8, shards: 1 };
    let mem = synth::generate(&cfg);
    let pack = demo_pack();
    let opts = ReviewOptions { region: Some("999001"), ..ReviewOptions::default() };
    let direct = review(&pack, &mem.registry, &mem.shards, opts);

    let tag = fingerprint(DEMO_PACK_TOML);
    let (from, to) = (NaiveDate::from_ymd_opt(YEAR, 1, 1).unwrap(), NaiveDate::from_ymd_opt(YEAR, 12, 31).unwrap());
    let req =
        ReviewRequest { from, to, admdvs: Some("999001"), opter: "test", pack: &pack, rules_tag: &tag, threads: 2 };
    let (sum, report) = run_review(store, &req).await.unwrap();
    assert!(!sum.already_stored);
    assert_eq!(sum.settlements, rep.settlements);
    assert_eq!(sum.lines, rep.lines);
    let (mut a, mut b): (Vec<Key>, Vec<Key>) =
        (report.cases.iter().map(key).collect(), direct.cases.iter().map(key).collect());
    a.sort();
    b.sort();
    assert_eq!(a, b, "review through the ledger finds what review of the generated dataset finds");

    // Every planted case is found (B10, the hit-rate outlier, needs a larger county to stand out from its peers).
    let truth: Vec<synth::Planted> = rep.planted.iter().map(|p| p.to_planted()).collect();
    assert_eq!(truth, mem.truth);
    for s in synth::score(&pack, &report, &truth) {
        if s.rule_id != "B10" {
            assert!(s.planted > 0, "rule {} has planted cases", s.rule_id);
            assert_eq!(
                s.recalled, s.planted,
                "rule {}: {} of {} planted cases found",
                s.rule_id, s.recalled, s.planted
            );
        }
    }

    // Stored once, held.
    let stored = count(
        store,
        "SELECT COUNT(*) FROM audit_finding WHERE run_id = $1 AND source = 'review' AND status = 'held'",
        yibao_store::params![&sum.run_id],
    )
    .await;
    assert_eq!(stored as usize, sum.findings);
    assert!(sum.findings > 0 && sum.findings <= report.cases.len());
    for t in truth.iter().filter(|t| t.rule_id != "B10") {
        let rows = store
            .rows(
                "SELECT psn_no, fixmedins_code, setl_ids FROM audit_finding WHERE run_id = $1 AND rule_id = $2",
                yibao_store::params![&sum.run_id, t.rule_id],
            )
            .await
            .unwrap();
        let hits = rows
            .iter()
            .filter(|r| {
                (t.psn_no.is_none() || r.opt_text("psn_no") == t.psn_no)
                    && (t.fixmedins_code.is_none() || Some(r.text("fixmedins_code")) == t.fixmedins_code)
                    && (t.setl_ids.is_empty()
                        || r.text("setl_ids").split(',').any(|s| t.setl_ids.iter().any(|x| x == s)))
            })
            .count();
        assert!(hits >= 1, "planted {t:?} stored as a finding");
    }
    let runs =
        count(store, "SELECT COUNT(*) FROM audit_run WHERE run_id = $1", yibao_store::params![&sum.run_id]).await;
    assert_eq!(runs, 1);

    // Again: nothing new.
    let (again, _) = run_review(store, &req).await.unwrap();
    assert!(again.already_stored);
    assert_eq!(again.run_id, sum.run_id);
    let all = count(store, "SELECT COUNT(*) FROM audit_finding", yibao_store::params![]).await;
    assert_eq!(all as usize, sum.findings);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_county_year_reviewed_through_the_ledger() {
    let dir = std::env::temp_dir().join(format!("yibao-sim-review-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir.display().to_string()).await.unwrap();
    county_year_round_trip(&store).await;
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_county_year_reviewed_through_the_ledger() {
    let admin =
        std::env::var("YIBAO_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
    if let Err(e) = yibao_store::drop_stale_postgres_databases(&admin, "yibao_sreview").await {
        eprintln!("could not drop old test databases: {e}");
    }
    let url = yibao_store::create_postgres_database(&admin, "yibao_sreview").await.expect("PostgreSQL reachable");
    county_year_round_trip(&Store::open(&url).await.unwrap()).await;
}
