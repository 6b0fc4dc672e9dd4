//! The server backend: PostgreSQL (and PostgreSQL-compatible distributed engines) through sqlx — reads on a
//! connection pool, writes through one writer task that commits every waiting job in one transaction (group
//! commit), each job in its own savepoint.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgArguments, PgPoolOptions, PgRow};
use sqlx::query::Query;
use sqlx::{Column, Executor, PgPool, Postgres, Row as _, TypeInfo};
use tokio::sync::mpsc;

use crate::db::{Job, MAX_BATCH, Param, Row, Stmt, Val};
use crate::{Result, StoreError};

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> StoreError {
        StoreError::Db(e.to_string())
    }
}

pub(crate) struct Pg {
    pub(crate) pool: PgPool,
    writer: mpsc::UnboundedSender<Job>,
}

fn bind<'q>(mut q: Query<'q, Postgres, PgArguments>, params: &'q [Param]) -> Query<'q, Postgres, PgArguments> {
    for p in params {
        q = match p {
            Param::Int(i) => q.bind(*i),
            Param::Text(t) => q.bind(t.as_str()),
            Param::NullInt => q.bind(None::<i64>),
            Param::NullText => q.bind(None::<String>),
        };
    }
    q
}

fn row(r: &PgRow, cols: &Arc<[String]>) -> Result<Row> {
    let mut vals = Vec::with_capacity(cols.len());
    for (i, c) in r.columns().iter().enumerate() {
        let v = match c.type_info().name() {
            "INT8" => r.try_get::<Option<i64>, _>(i)?.map_or(Val::Null, Val::Int),
            "INT4" => r.try_get::<Option<i32>, _>(i)?.map_or(Val::Null, |v| Val::Int(i64::from(v))),
            "INT2" => r.try_get::<Option<i16>, _>(i)?.map_or(Val::Null, |v| Val::Int(i64::from(v))),
            "BOOL" => r.try_get::<Option<bool>, _>(i)?.map_or(Val::Null, |v| Val::Int(i64::from(v))),
            "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" => r.try_get::<Option<String>, _>(i)?.map_or(Val::Null, Val::Text),
            other => {
                return Err(StoreError::Invalid(format!(
                    "列 {} 的类型 {other} 不在账本使用的类型之内（请写 CAST(… AS BIGINT)）",
                    c.name()
                )));
            }
        };
        vals.push(v);
    }
    Ok(Row { cols: cols.clone(), vals })
}

impl Pg {
    pub(crate) async fn open(url: &str) -> Result<Pg> {
        let pool =
            PgPoolOptions::new().max_connections(12).acquire_timeout(Duration::from_secs(30)).connect(url).await?;
        let (tx, rx) = mpsc::unbounded_channel();
        let rx = Arc::new(tokio::sync::Mutex::new(rx));
        let wpool = PgPoolOptions::new().max_connections(WRITERS as u32).connect(url).await?;
        for _ in 0..WRITERS {
            tokio::spawn(writer(wpool.clone(), rx.clone()));
        }
        Ok(Pg { pool, writer: tx })
    }

    pub(crate) async fn rows(&self, sql: &str, params: &[Param]) -> Result<Vec<Row>> {
        let q = bind(sqlx::query(sqlx::AssertSqlSafe(sql)), params);
        let rs = q.fetch_all(&self.pool).await?;
        let Some(first) = rs.first() else { return Ok(Vec::new()) };
        let cols: Arc<[String]> = first.columns().iter().map(|c| c.name().to_string()).collect::<Vec<_>>().into();
        rs.iter().map(|r| row(r, &cols)).collect()
    }

    pub(crate) fn submit(&self, job: Job) -> Result<()> {
        self.writer.send(job).map_err(|_| StoreError::WriterGone)
    }

    /// Runs a script of several statements (migrations).
    pub(crate) async fn script(&self, sql: &str) -> Result<()> {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).execute(&self.pool).await?;
        Ok(())
    }
}

async fn exec(c: &mut sqlx::PgConnection, s: &Stmt) -> Result<()> {
    let q = bind(sqlx::query(sqlx::AssertSqlSafe(&*s.sql)), &s.params);
    match q.execute(&mut *c).await {
        Ok(r) => s.check(r.rows_affected()),
        Err(sqlx::Error::Database(d)) if d.is_unique_violation() => Err(s.duplicate(d.message())),
        // Deadlock or serialization failure between two writers: the job did nothing; its caller runs it again.
        Err(sqlx::Error::Database(d)) if matches!(d.code().as_deref(), Some("40P01" | "40001")) => {
            Err(StoreError::Conflict(format!("与并发写入冲突（{}）", d.message())))
        }
        Err(e) => Err(e.into()),
    }
}

/// Runs one job in its own savepoint: the outer error is fatal to the batch (the savepoint could not be managed), the
/// inner one is the job's own failure, rolled back alone.
async fn run_job(c: &mut sqlx::PgConnection, stmts: &[Stmt]) -> Result<Result<()>> {
    c.execute("SAVEPOINT job").await?;
    let mut r = Ok(());
    for s in stmts {
        if let Err(e) = exec(c, s).await {
            r = Err(e);
            break;
        }
    }
    match &r {
        Ok(()) => c.execute("RELEASE SAVEPOINT job").await?,
        Err(_) => c.execute("ROLLBACK TO SAVEPOINT job").await?,
    };
    Ok(r)
}

/// How many transactions commit side by side. Every statement is a round trip to the server, so one connection
/// spends most of its time waiting; several writers keep the server busy, and its own group commit joins their WAL
/// flushes. Jobs of one person never run in two writers at once for a gateway (it holds the person's lock until the
/// commit), and the version checks turn anything else into a conflict that the caller retries.
const WRITERS: usize = 4;

async fn writer(pool: PgPool, rx: Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<Job>>>) {
    loop {
        let jobs = {
            let mut rx = rx.lock().await;
            let Some(first) = rx.recv().await else { return };
            let mut jobs = vec![first];
            while jobs.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(j) => jobs.push(j),
                    Err(_) => break,
                }
            }
            jobs
        };
        let mut results = Vec::with_capacity(jobs.len());
        let outcome: Result<()> = async {
            let mut c = pool.acquire().await?;
            c.execute("BEGIN").await?;
            for j in &jobs {
                match run_job(&mut c, &j.stmts).await {
                    Ok(r) => results.push(r),
                    Err(e) => {
                        let _ = c.execute("ROLLBACK").await;
                        return Err(e);
                    }
                }
            }
            if let Err(e) = c.execute("COMMIT").await {
                return Err(e.into());
            }
            Ok(())
        }
        .await;
        if let Err(e) = outcome {
            tracing::error!(error = %e, jobs = jobs.len(), "batch commit failed");
            let msg = e.to_string();
            results = jobs.iter().map(|_| Err(StoreError::Invalid(format!("提交失败：{msg}")))).collect();
        }
        for (job, r) in jobs.into_iter().zip(results) {
            let _ = job.reply.send(r);
        }
    }
}
