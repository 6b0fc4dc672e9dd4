//! The embedded backend: SQLite in WAL mode through rusqlite — reads on pooled connections in the calling thread,
//! writes on one writer thread that commits every waiting job in one durable transaction (group commit).
//!
//! A call costs a function call per statement, not a hand-off between threads: that is what lets one small machine
//! carry a province's settlement load.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, ToSql, types::ToSqlOutput, types::ValueRef};

use crate::db::{Job, MAX_BATCH, Param, Row, Stmt, Val, sqlite_sql};
use crate::{Result, StoreError};

impl ToSql for Param {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Param::Int(i) => ToSqlOutput::from(*i),
            Param::Text(t) => ToSqlOutput::from(t.as_str()),
            Param::NullInt | Param::NullText => ToSqlOutput::from(rusqlite::types::Null),
        })
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::Db(e.to_string())
    }
}

pub(crate) struct Sqlite {
    path: PathBuf,
    readers: Mutex<Vec<Connection>>,
    writer: mpsc::Sender<Job>,
}

fn open_conn(path: &Path) -> Result<Connection> {
    let c = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    c.busy_timeout(Duration::from_secs(10))?;
    c.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF; PRAGMA cache_size=-65536;
         PRAGMA temp_store=MEMORY;",
    )?;
    c.set_prepared_statement_cache_capacity(256);
    Ok(c)
}

impl Sqlite {
    /// Opens (creating) the database file, applies migrations, and starts the writer thread.
    pub(crate) fn open(path: &Path, migrate: impl FnOnce(&Connection) -> Result<()>) -> Result<Sqlite> {
        let w = open_conn(path)?;
        migrate(&w)?;
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("yibao-sqlite-writer".into())
            .spawn(move || writer(w, rx))
            .map_err(|e| StoreError::Invalid(format!("无法启动写入线程：{e}")))?;
        Ok(Sqlite { path: path.to_path_buf(), readers: Mutex::new(Vec::new()), writer: tx })
    }

    fn reader(&self) -> Result<Connection> {
        if let Some(c) = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop() {
            return Ok(c);
        }
        let c = open_conn(&self.path)?;
        c.execute_batch("PRAGMA query_only=1; PRAGMA mmap_size=1073741824;")?;
        Ok(c)
    }

    fn give_back(&self, c: Connection) {
        let mut g = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if g.len() < 64 {
            g.push(c);
        }
    }

    /// Runs a read on a pooled connection in this thread.
    pub(crate) fn rows(&self, sql: &str, params: &[Param]) -> Result<Vec<Row>> {
        let c = self.reader()?;
        let r = query(&c, sql, params);
        self.give_back(c);
        r
    }

    pub(crate) fn submit(&self, job: Job) -> Result<()> {
        self.writer.send(job).map_err(|_| StoreError::WriterGone)
    }

    /// A connection of its own, for bulk work (generation, plain-insert benchmarks) outside the writer.
    pub(crate) fn connection(&self) -> Result<Connection> {
        open_conn(&self.path)
    }
}

pub(crate) fn query(c: &Connection, sql: &str, params: &[Param]) -> Result<Vec<Row>> {
    let mut st = c.prepare_cached(&sqlite_sql(sql))?;
    let cols: Arc<[String]> = st.column_names().map(|s| s.to_string()).collect::<Vec<_>>().into();
    let n = cols.len();
    let mut rows = st.query(rusqlite::params_from_iter(params.iter()))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let mut vals = Vec::with_capacity(n);
        for i in 0..n {
            vals.push(match r.get_ref(i)? {
                ValueRef::Null => Val::Null,
                ValueRef::Integer(v) => Val::Int(v),
                ValueRef::Real(f) => Val::Int(f as i64),
                ValueRef::Text(t) => Val::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => Val::Text(String::from_utf8_lossy(b).into_owned()),
            });
        }
        out.push(Row { cols: cols.clone(), vals });
    }
    Ok(out)
}

fn is_unique(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.code == rusqlite::ErrorCode::ConstraintViolation
            && matches!(f.extended_code, rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY | rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE))
}

/// Runs one statement and checks its effect.
pub(crate) fn exec(c: &Connection, s: &Stmt) -> Result<()> {
    let mut st = c.prepare_cached(&sqlite_sql(&s.sql))?;
    match st.execute(rusqlite::params_from_iter(s.params.iter())) {
        Ok(n) => s.check(n as u64),
        Err(e) if is_unique(&e) => Err(s.duplicate(&e.to_string())),
        Err(e) => Err(e.into()),
    }
}

/// Runs one job in its own savepoint: the outer error is fatal to the batch, the inner one is the job's own
/// failure, rolled back alone.
fn run_job(c: &Connection, stmts: &[Stmt]) -> Result<Result<()>> {
    simple(c, "SAVEPOINT job")?;
    let r = stmts.iter().try_for_each(|s| exec(c, s));
    if r.is_err() {
        simple(c, "ROLLBACK TO job")?;
    }
    simple(c, "RELEASE job")?;
    Ok(r)
}

/// A parameterless statement, prepared once per connection.
fn simple(c: &Connection, sql: &str) -> Result<()> {
    c.prepare_cached(sql)?.execute([])?;
    Ok(())
}

fn writer(c: Connection, rx: mpsc::Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let mut results = Vec::with_capacity(jobs.len());
        let outcome: Result<()> = (|| {
            simple(&c, "BEGIN IMMEDIATE")?;
            for j in &jobs {
                results.push(run_job(&c, &j.stmts)?);
            }
            simple(&c, "COMMIT")?;
            Ok(())
        })();
        if let Err(e) = outcome {
            tracing::error!(error = %e, jobs = jobs.len(), "batch commit failed");
            let _ = c.execute_batch("ROLLBACK");
            let msg = e.to_string();
            results = jobs.iter().map(|_| Err(StoreError::Invalid(format!("提交失败：{msg}")))).collect();
        }
        for (job, r) in jobs.into_iter().zip(results) {
            let _ = job.reply.send(r);
        }
    }
}
