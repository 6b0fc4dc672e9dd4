//! The ledger store: one API over embedded SQLite (default) and PostgreSQL, with batched durable commits.
//!
//! Writes go through a single writer task that gathers the jobs waiting at that moment into one database
//! transaction (group commit), each job in its own savepoint, and acknowledges every job only after the commit is on
//! disk (SQLite: WAL with `synchronous=FULL`; PostgreSQL: `synchronous_commit` as configured, `on` by default). A job
//! that fails (a duplicate key, a changed state, a version conflict) is rolled back alone; the others commit.

pub mod ops;
pub mod read;
pub mod rows;
pub mod verify;

use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use tokio::sync::{mpsc, oneshot};

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
    Db(#[from] sqlx::Error),
    #[error("数据库迁移失败：{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
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

struct Job {
    ops: Vec<Op>,
    reply: oneshot::Sender<Result<()>>,
}

/// A handle to the store: a pool for reads and the writer for batched commits. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub backend: Backend,
    read: AnyPool,
    writer: mpsc::Sender<Job>,
}

/// The largest number of jobs committed in one transaction.
const MAX_BATCH: usize = 512;

impl Store {
    /// Opens a store: a `postgres://` URL, a `sqlite:` URL, or a directory (created if needed) holding `yibao.db`.
    /// Applies migrations.
    pub async fn open(target: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if target.starts_with("postgres://") || target.starts_with("postgresql://") {
            (Backend::Postgres, target.to_string())
        } else if let Some(rest) = target.strip_prefix("sqlite:") {
            (Backend::Sqlite, format!("sqlite:{rest}"))
        } else {
            let dir = Path::new(target);
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Invalid(format!("无法创建数据目录 {target}：{e}")))?;
            (Backend::Sqlite, format!("sqlite://{}?mode=rwc", dir.join("yibao.db").display()))
        };
        let opts: AnyConnectOptions = url.parse()?;
        let pragmas = backend == Backend::Sqlite;
        let pool = |n: u32| {
            AnyPoolOptions::new()
                .max_connections(n)
                .acquire_timeout(Duration::from_secs(30))
                .after_connect(move |conn, _| {
                    Box::pin(async move {
                        if pragmas {
                            conn.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=OFF;")
                                .await?;
                        }
                        Ok(())
                    })
                })
                .connect_with(opts.clone())
        };
        let write = pool(1).await?;
        sqlx::migrate!("./migrations").run(&write).await?;
        let read = pool(if pragmas { 4 } else { 8 }).await?;
        let (tx, rx) = mpsc::channel(4096);
        tokio::spawn(writer(write, rx));
        Ok(Store { backend, read, writer: tx })
    }

    /// Commits a job's operations atomically (batched with other jobs); returns once durable.
    pub async fn commit(&self, ops: Vec<Op>) -> Result<()> {
        let (reply, rx) = oneshot::channel();
        self.writer.send(Job { ops, reply }).await.map_err(|_| StoreError::WriterGone)?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    /// The pool for reads.
    pub fn pool(&self) -> &AnyPool {
        &self.read
    }
}

async fn writer(pool: AnyPool, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let results = commit_batch(&pool, &jobs).await;
        for (job, r) in jobs.into_iter().zip(results) {
            let _ = job.reply.send(r);
        }
    }
}

/// Runs every job in its own savepoint inside one transaction; if the commit fails, every job fails.
async fn commit_batch(pool: &AnyPool, jobs: &[Job]) -> Vec<Result<()>> {
    let mut results: Vec<Result<()>> = Vec::with_capacity(jobs.len());
    let outcome: Result<()> = async {
        let mut tx = pool.begin().await?;
        for job in jobs {
            let mut sp = sqlx::Connection::begin(&mut *tx).await?;
            let mut r = Ok(());
            for op in &job.ops {
                if let Err(e) = ops::apply(&mut sp, op).await {
                    r = Err(e);
                    break;
                }
            }
            match r {
                Ok(()) => sp.commit().await?,
                Err(_) => sp.rollback().await?,
            }
            results.push(r);
        }
        tx.commit().await?;
        Ok(())
    }
    .await;
    match outcome {
        Ok(()) => results,
        Err(e) => {
            tracing::error!(error = %e, jobs = jobs.len(), "batch commit failed");
            let msg = e.to_string();
            jobs.iter().map(|_| Err(StoreError::Invalid(format!("提交失败：{msg}")))).collect()
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
    sqlx::any::install_default_drivers();
    let name = format!(
        "{prefix}_{}_{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default().unsigned_abs() % 1_000_000_000_000
    );
    let mut c = sqlx::AnyConnection::connect(admin_url).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut c).await?;
    c.close().await?;
    let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
    Ok(format!("{base}/{name}"))
}

/// Drops databases made by [`create_postgres_database`] with this prefix in other (finished) processes.
pub async fn drop_stale_postgres_databases(admin_url: &str, prefix: &str) -> Result<usize> {
    use sqlx::{Connection, Row};
    sqlx::any::install_default_drivers();
    let mut c = sqlx::AnyConnection::connect(admin_url).await?;
    let mine = format!("{prefix}_{}_", std::process::id());
    let names: Vec<String> =
        sqlx::query::<sqlx::Any>("SELECT CAST(datname AS TEXT) AS datname FROM pg_database WHERE datname LIKE $1")
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
