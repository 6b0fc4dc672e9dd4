//! The ledger store: one API over embedded SQLite (default) and PostgreSQL, with batched durable commits.
//!
//! Writes go through a single writer task that gathers the jobs waiting at that moment into one database
//! transaction (group commit), each job in its own savepoint, and acknowledges every job only after the commit is on
//! disk (SQLite: WAL with `synchronous=FULL`; PostgreSQL: `synchronous_commit` as configured, `on` by default). A job
//! that fails (a duplicate key, a changed state, a version conflict) is rolled back alone; the others commit.

pub mod bulk;
pub mod cases;
pub mod cases_read;
pub mod catalogue;
mod db;
pub mod deaths;
pub mod fsi;
pub mod household;
mod migrate;
pub mod ops;
mod postgres;
pub mod read;
pub mod review_load;
mod review_read;
pub mod review_run;
pub mod rows;
pub mod rule_packs;
mod sqlite;
pub mod staff;
pub mod stats;
mod stats_people;
pub mod stats_query;
pub mod supervision;
pub mod supervision_read;
pub mod verify;
pub mod webop;

use std::path::Path;
use std::sync::Arc;

use tokio::sync::oneshot;

pub use catalogue::CatalogueVersionRow;
pub use db::{Param, Row, Val};
pub use deaths::DeathRow;
pub use household::HouseholdRow;
pub use ops::Op;
pub use rows::*;

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("数据库错误：{0}")]
    Db(String),
    /// A unique key already exists (duplicate msgid, feedetl_sn, …).
    #[error("重复：{0}")]
    Duplicate(String),
    /// A conditional update found the row in another state (someone else changed it first).
    #[error("状态已变化：{0}")]
    Conflict(String),
    #[error("个人账户余额不足")]
    InsufficientBalance,
    #[error("写入服务已停止")]
    WriterGone,
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

pub(crate) enum Engine {
    Sqlite(sqlite::Sqlite),
    Postgres(postgres::Pg),
}

/// A handle to the store: reads, and the writer for batched commits. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub backend: Backend,
    pub(crate) engine: Arc<Engine>,
}

impl Store {
    /// Opens a store: a `postgres://` URL, a `sqlite:` path, or a directory (created if needed) holding `yibao.db`.
    /// Applies migrations.
    pub async fn open(target: &str) -> Result<Store> {
        if target.starts_with("postgres://") || target.starts_with("postgresql://") {
            let pg = postgres::Pg::open(target).await?;
            migrate::postgres(&pg).await?;
            return Ok(Store { backend: Backend::Postgres, engine: Arc::new(Engine::Postgres(pg)) });
        }
        let file = match target.strip_prefix("sqlite:") {
            Some(rest) => {
                let f = Path::new(rest.trim_start_matches("//")).to_path_buf();
                if let Some(dir) = f.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| StoreError::Invalid(format!("无法创建数据目录 {}：{e}", dir.display())))?;
                }
                f
            }
            None => {
                let dir = Path::new(target);
                std::fs::create_dir_all(dir)
                    .map_err(|e| StoreError::Invalid(format!("无法创建数据目录 {target}：{e}")))?;
                dir.join("yibao.db")
            }
        };
        let db = tokio::task::spawn_blocking(move || sqlite::Sqlite::open(&file, migrate::sqlite))
            .await
            .map_err(|e| StoreError::Invalid(e.to_string()))??;
        Ok(Store { backend: Backend::Sqlite, engine: Arc::new(Engine::Sqlite(db)) })
    }

    /// Commits a job's operations atomically (batched with other jobs); returns once durable.
    pub async fn commit(&self, ops: Vec<Op>) -> Result<()> {
        let stmts = ops::statements(ops, self.backend);
        let (reply, rx) = oneshot::channel();
        match &*self.engine {
            Engine::Sqlite(s) => s.submit(db::Job { stmts, reply })?,
            Engine::Postgres(p) => p.submit(db::Job { stmts, reply })?,
        }
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    /// A short read (point lookups, a visit's lines): on SQLite it runs in the calling thread.
    pub async fn rows(&self, sql: &str, params: Vec<Param>) -> Result<Vec<Row>> {
        match &*self.engine {
            Engine::Sqlite(s) => s.rows(sql, &params),
            Engine::Postgres(p) => p.rows(sql, &params).await,
        }
    }

    /// The first row of a short read.
    pub async fn row(&self, sql: &str, params: Vec<Param>) -> Result<Option<Row>> {
        Ok(self.rows(sql, params).await?.into_iter().next())
    }

    /// A long read (statistics, exports, verification): on SQLite it runs on a blocking thread, so that it does not
    /// hold up the calls being answered.
    pub async fn scan(&self, sql: &str, params: Vec<Param>) -> Result<Vec<Row>> {
        match &*self.engine {
            Engine::Sqlite(_) => {
                let me = self.clone();
                let sql = sql.to_string();
                tokio::task::spawn_blocking(move || match &*me.engine {
                    Engine::Sqlite(s) => s.rows(&sql, &params),
                    Engine::Postgres(_) => unreachable!("checked above"),
                })
                .await
                .map_err(|e| StoreError::Invalid(e.to_string()))?
            }
            Engine::Postgres(p) => p.rows(sql, &params).await,
        }
    }

    /// A page of a filtered list and how many rows match: `SELECT {cols} FROM {from} WHERE {cond} ORDER BY {order}`,
    /// where `cond` uses `params` ($1…$n) and the page's limit and offset follow them.
    pub async fn page(
        &self,
        (cols, from, cond, order): (&str, &str, &str, &str),
        params: Vec<Param>,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<Row>, i64)> {
        let count = format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {from} WHERE {cond}");
        let total = self.scan(&count, params.clone()).await?.first().map_or(0, |r| r.int("n"));
        let n = params.len();
        let sql = format!("SELECT {cols} FROM {from} WHERE {cond} ORDER BY {order} LIMIT ${} OFFSET ${}", n + 1, n + 2);
        let mut p = params;
        p.extend([Param::Int(limit), Param::Int(offset)]);
        Ok((self.scan(&sql, p).await?, total))
    }

    /// Adds one to a counter and returns its new value, atomically across processes and servers.
    pub async fn next_counter(&self, name: &str) -> Result<i64> {
        const SQL: &str = "UPDATE counter SET value = value + 1 WHERE name = $1 RETURNING value";
        let rows = match &*self.engine {
            Engine::Sqlite(s) => {
                let c = s.connection()?;
                let name = name.to_string();
                tokio::task::spawn_blocking(move || sqlite::query(&c, SQL, &[Param::Text(name)]))
                    .await
                    .map_err(|e| StoreError::Invalid(e.to_string()))??
            }
            Engine::Postgres(p) => p.rows(SQL, &[Param::Text(name.to_string())]).await?,
        };
        rows.first().map(|r| r.int_at(0)).ok_or_else(|| StoreError::Invalid(format!("计数器 {name} 不存在")))
    }

    /// A SQLite connection of its own, for bulk work outside the writer (None on PostgreSQL).
    pub fn sqlite_connection(&self) -> Option<Result<rusqlite::Connection>> {
        match &*self.engine {
            Engine::Sqlite(s) => Some(s.connection()),
            Engine::Postgres(_) => None,
        }
    }

    /// The PostgreSQL pool (None on SQLite), for bulk work and benchmarks.
    pub fn pg_pool(&self) -> Option<&sqlx::PgPool> {
        match &*self.engine {
            Engine::Sqlite(_) => None,
            Engine::Postgres(p) => Some(&p.pool),
        }
    }
}

/// Now, as the ledger writes times: `yyyy-MM-dd HH:mm:ss` (local time of the bureau's server).
pub fn now_text() -> String {
    chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Creates an empty PostgreSQL database next to `admin_url`'s and returns its URL (for tests and benchmarks that
/// need a clean ledger on a real server).
pub async fn create_postgres_database(admin_url: &str, prefix: &str) -> Result<String> {
    use sqlx::Connection;
    let name = format!(
        "{prefix}_{}_{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default().unsigned_abs() % 1_000_000_000_000
    );
    let mut c = sqlx::PgConnection::connect(admin_url).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut c).await?;
    c.close().await?;
    let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
    Ok(format!("{base}/{name}"))
}

/// Drops databases made by [`create_postgres_database`] with this prefix in other (finished) processes.
pub async fn drop_stale_postgres_databases(admin_url: &str, prefix: &str) -> Result<usize> {
    use sqlx::{Connection, Row};
    let mut c = sqlx::PgConnection::connect(admin_url).await?;
    let mine = format!("{prefix}_{}_", std::process::id());
    let names: Vec<String> =
        sqlx::query("SELECT CAST(datname AS TEXT) AS datname FROM pg_database WHERE datname LIKE $1")
            .bind(format!("{prefix}\\_%"))
            .fetch_all(&mut c)
            .await?
            .iter()
            .filter_map(|r| r.try_get::<String, _>(0).ok())
            .filter(|n| !n.starts_with(&mine))
            .collect();
    for n in &names {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {n} WITH (FORCE)"))).execute(&mut c).await?;
    }
    c.close().await?;
    Ok(names.len())
}
