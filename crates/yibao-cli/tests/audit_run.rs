//! `yibao audit run` and its rules, on SQLite and PostgreSQL: the demo pack (said so) only while the store holds no
//! rule pack; then the region's stored version in force, with the run id the 事后审核 web page gives for the same
//! region and period; a missing region is refused; `--rules FILE` keeps working.

use std::process::Output;

use chrono::NaiveDate;
use yibao_gateway::screening::library::review_tag;
use yibao_store::review_run::{fingerprint, run_id};

mod common;
use common::{repo, text, yibao};

/// The run id an `audit run` printed.
fn printed_run(o: &Output) -> String {
    let t = text(o);
    let line = t.lines().find(|l| l.starts_with("审核批次 ")).unwrap_or_else(|| panic!("no run line: {t}"));
    line.split_whitespace().nth(1).unwrap().to_string()
}

const PERIOD: &str = "2026-01-01..2026-03-31";

fn scenario(data: &str) {
    let (from, to) = (NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(), NaiveDate::from_ymd_opt(2026, 3, 31).unwrap());
    let demo = repo().join("crates/yibao-audit/data/demo_rules.toml");
    // No rule pack stored: the demo pack, said so.
    let o = yibao(&["audit", "run", "--data", data, "--period", PERIOD, "--admdvs", "999001", "--threads", "1"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("系统中没有任何规则库，使用内置演示规则包"), "{}", text(&o));
    let demo_tag = fingerprint(yibao_audit::synth::DEMO_PACK_TOML);
    assert_eq!(printed_run(&o), run_id(Some("999001"), from, to, &demo_tag));

    let o = yibao(&[
        "rules",
        "install",
        "--data",
        data,
        "--version",
        "v1",
        "--effective",
        "2020-01-01",
        demo.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    // The region's version in force, and the web page's run id.
    let o = yibao(&["audit", "run", "--data", data, "--period", PERIOD, "--admdvs", "999001", "--threads", "1"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("规则库：统筹区 999001 在用版本 v1"), "{}", text(&o));
    assert_eq!(printed_run(&o), run_id(Some("999001"), from, to, &review_tag("999001", "v1")));
    // Packs are stored, so no region and no file is refused rather than reviewed with the demo pack.
    let o = yibao(&["audit", "run", "--data", data, "--period", PERIOD]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("请用 --admdvs 指定统筹区"), "{}", text(&o));
    let o = yibao(&["audit", "run", "--data", data, "--period", PERIOD, "--admdvs", "999002"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("统筹区 999002 没有今天") && text(&o).contains("999001"), "{}", text(&o));
    // A file keeps working, tagged by its text.
    let o = yibao(&[
        "audit",
        "run",
        "--data",
        data,
        "--period",
        PERIOD,
        "--rules",
        demo.to_str().unwrap(),
        "--threads",
        "1",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("规则包：文件"), "{}", text(&o));
    let file_tag = fingerprint(&std::fs::read_to_string(&demo).unwrap());
    assert_eq!(printed_run(&o), run_id(None, from, to, &file_tag));
}

#[test]
fn sqlite_rules_of_a_run() {
    let data = std::env::temp_dir().join(format!("yibao-audit-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    scenario(data.to_str().unwrap());
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn postgres_rules_of_a_run() {
    let admin =
        std::env::var("YIBAO_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let url = rt.block_on(async {
        if let Err(e) = yibao_store::drop_stale_postgres_databases(&admin, "yibao_auditcli").await {
            eprintln!("could not drop old test databases: {e}");
        }
        yibao_store::create_postgres_database(&admin, "yibao_auditcli").await.expect("PostgreSQL reachable")
    });
    scenario(&url);
}
