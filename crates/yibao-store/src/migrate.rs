//! Schema migrations: numbered SQL files in `migrations/`, the same text for SQLite and PostgreSQL, each applied once
//! and atomically, recorded in `schema_migration`.

use crate::Result;

/// (version, name, SQL), in order.
pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "ledger", include_str!("../migrations/0001_ledger.sql")),
    (2, "gateway_log", include_str!("../migrations/0002_gateway_log.sql")),
    (3, "hot_state", include_str!("../migrations/0003_hot_state.sql")),
    (4, "ledger_order", include_str!("../migrations/0004_ledger_order.sql")),
    (5, "catalogue_households", include_str!("../migrations/0005_catalogue_households.sql")),
    (6, "staff", include_str!("../migrations/0006_staff.sql")),
    (7, "stats", include_str!("../migrations/0007_stats.sql")),
    (8, "supervision", include_str!("../migrations/0008_supervision.sql")),
    (9, "fsi", include_str!("../migrations/0009_fsi.sql")),
    (10, "review_facts", include_str!("../migrations/0010_review_facts.sql")),
    (11, "cases", include_str!("../migrations/0011_cases.sql")),
    (12, "stats_people", include_str!("../migrations/0012_stats_people.sql")),
    (13, "rule_packs", include_str!("../migrations/0013_rule_packs.sql")),
];

pub(crate) const TRACKING: &str = "CREATE TABLE IF NOT EXISTS schema_migration (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

/// Versions recorded by the sqlx migrator that earlier releases used, so that their databases are not migrated twice.
pub(crate) const FROM_SQLX: &str = "INSERT INTO schema_migration (version, name, applied_at)
     SELECT version, description, CAST(installed_on AS TEXT) FROM _sqlx_migrations WHERE success
     ON CONFLICT (version) DO NOTHING";

/// The script that applies one migration and records it (run as one transaction).
pub(crate) fn script(version: i64, name: &str, sql: &str) -> String {
    format!(
        "{sql}\n;INSERT INTO schema_migration (version, name, applied_at) VALUES ({version}, '{}', '{}');",
        name.replace('\'', "''"),
        crate::now_text()
    )
}

pub(crate) fn sqlite(c: &rusqlite::Connection) -> Result<()> {
    c.execute_batch(TRACKING)?;
    let sqlx_table: i64 = c.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        [],
        |r| r.get(0),
    )?;
    if sqlx_table > 0 {
        c.execute_batch(FROM_SQLX)?;
    }
    for (v, name, sql) in MIGRATIONS {
        let done: i64 = c.query_row("SELECT COUNT(*) FROM schema_migration WHERE version = ?1", [v], |r| r.get(0))?;
        if done == 0 {
            c.execute_batch(&format!("BEGIN IMMEDIATE;\n{}\nCOMMIT;", script(*v, name, sql))).inspect_err(|_| {
                let _ = c.execute_batch("ROLLBACK");
            })?;
        }
    }
    Ok(())
}

pub(crate) async fn postgres(pg: &crate::postgres::Pg) -> Result<()> {
    pg.script(TRACKING).await?;
    let has_sqlx = pg
        .rows("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM pg_tables WHERE tablename = '_sqlx_migrations'", &[])
        .await?;
    if has_sqlx.first().is_some_and(|r| r.int("n") > 0) {
        pg.script(FROM_SQLX).await?;
    }
    for (v, name, sql) in MIGRATIONS {
        let done = pg.rows("SELECT version FROM schema_migration WHERE version = $1", &[crate::Param::Int(*v)]).await?;
        if done.is_empty() {
            // One simple-protocol message with several statements runs as one implicit transaction.
            pg.script(&script(*v, name, sql)).await?;
        }
    }
    Ok(())
}
