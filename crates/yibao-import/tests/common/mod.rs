//! What the import tests share: fixtures, fictional ID numbers, temporary directories, the PostgreSQL server, and
//! running an import that must not fail as a whole.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use yibao_core::codes::id_check_char;
use yibao_import::{Kind, Report, import};
use yibao_store::Store;

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// A fictional ID number in area 999002: birth yyyymmdd, a 3-digit sequence (odd = male), and its check character.
pub fn id_number(birth: &str, seq: u32) -> String {
    let first = format!("999002{birth}{seq:03}");
    format!("{first}{}", id_check_char(&first))
}

pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "yibao-import-{tag}-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

pub fn pg_admin() -> String {
    std::env::var("YIBAO_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

pub async fn run(store: &Store, kind: Kind, path: &Path, skip_bad: bool) -> Report {
    import(store, kind, path, skip_bad).await.unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn rows_of(r: &Report) -> Vec<usize> {
    r.bad.iter().map(|b| b.row).collect()
}

/// Runs a scenario on a fresh SQLite store in a temporary directory (also given to the scenario for its files).
pub async fn on_sqlite(tag: &str, scenario: impl AsyncFnOnce(&Store, &Path)) {
    let dir = temp_dir(tag);
    let store = Store::open(&dir.join("data").display().to_string()).await.expect("store opens");
    scenario(&store, &dir).await;
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs a scenario on a fresh PostgreSQL database of this test process; databases left by finished runs with this
/// prefix are dropped first.
pub async fn on_postgres(prefix: &str, scenario: impl AsyncFnOnce(&Store, &Path)) {
    if let Err(e) = yibao_store::drop_stale_postgres_databases(&pg_admin(), prefix).await {
        eprintln!("could not drop old test databases: {e}");
    }
    let url =
        yibao_store::create_postgres_database(&pg_admin(), prefix).await.expect("PostgreSQL reachable (see .ci/run)");
    let store = Store::open(&url).await.expect("store opens");
    let dir = temp_dir(prefix);
    scenario(&store, &dir).await;
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
