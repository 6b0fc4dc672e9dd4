//! The embedded backend: SQLite in WAL mode through rusqlite — reads on pooled connections in the calling thread,
//! writes on one writer thread that commits every waiting job in one durable transaction (group commit).
//!
//! A call costs a function call per statement, not a hand-off between threads: that is what lets one small machine
//! carry a province's settlement load.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, ToSql, types::ToSqlOutput, types::ValueRef};

use crate::db::{Job, MAX_BATCH, Param, Row, Stmt, Val, sqlite_sql, sqlite_text};
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
    stop: Arc<AtomicBool>,
}

impl Drop for Sqlite {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn open_conn(path: &Path) -> Result<Connection> {
    let c = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    c.busy_timeout(Duration::from_secs(10))?;
    c.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF; PRAGMA temp_store=MEMORY;",
    )?;
    c.set_prepared_statement_cache_capacity(256);
    Ok(c)
}

/// The writer's page cache in KiB: large enough to keep the hot B-tree pages of every table it appends to (64 MiB),
/// except while the database is under 1 GiB. There SQLite's page balancing briefly gives a page the number of the
/// lock-byte page (the page at 1 GiB), which makes every commit sweep the whole page cache for pages past the end
/// of the file — about a millisecond per commit with 64 MiB (seen with perf and gdb); 16 MiB holds a small
/// database's hot pages anyway.
fn writer_cache_kib(path: &Path) -> i64 {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if size >= 1 << 30 { 65_536 } else { 16_384 }
}

impl Sqlite {
    /// Opens (creating) the database file, applies migrations, and starts the writer thread.
    pub(crate) fn open(path: &Path, migrate: impl FnOnce(&Connection) -> Result<()>) -> Result<Sqlite> {
        let w = open_conn(path)?;
        migrate(&w)?;
        // The writer's page cache holds the hot B-tree pages of every table it appends to.
        w.execute_batch(&format!("PRAGMA cache_size=-{};", writer_cache_kib(path)))?;
        let stop = Arc::new(AtomicBool::new(false));
        // Checkpoints run on their own thread, so that commits never wait for one.
        w.execute_batch("PRAGMA wal_autocheckpoint=0;")?;
        let cp = open_conn(path)?;
        std::thread::Builder::new()
            .name("yibao-sqlite-checkpoint".into())
            .spawn({
                let stop = stop.clone();
                move || checkpointer(cp, stop)
            })
            .map_err(|e| StoreError::Invalid(format!("无法启动检查点线程：{e}")))?;
        // The writer does not wait for the disk; the syncer does, and acknowledges (see `syncer`).
        w.execute_batch("PRAGMA synchronous=OFF;")?;
        let (stx, srx) = mpsc::channel::<Pending>();
        let wal = PathBuf::from(format!("{}-wal", path.display()));
        std::thread::Builder::new()
            .name("yibao-sqlite-sync".into())
            .spawn(move || syncer(wal, srx))
            .map_err(|e| StoreError::Invalid(format!("无法启动同步线程：{e}")))?;
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("yibao-sqlite-writer".into())
            .spawn(move || writer(w, rx, stx))
            .map_err(|e| StoreError::Invalid(format!("无法启动写入线程：{e}")))?;
        Ok(Sqlite { path: path.to_path_buf(), readers: Mutex::new(Vec::new()), writer: tx, stop })
    }

    fn reader(&self) -> Result<Connection> {
        if let Some(c) = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop() {
            return Ok(c);
        }
        let c = open_conn(&self.path)?;
        c.execute_batch("PRAGMA query_only=1;")?;
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
    let mut st = c.prepare_cached(&sqlite_text(&s.sql))?;
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

/// Runs every job of a batch in one transaction without savepoints (the common case: nothing fails, and a savepoint
/// per job would copy every page it touches into the statement journal). Returns false, with the transaction rolled
/// back, as soon as a statement fails; true with the transaction still open when all succeeded.
fn all_or_nothing(c: &Connection, jobs: &[Job]) -> Result<bool> {
    simple(c, "BEGIN IMMEDIATE")?;
    for j in jobs {
        if j.stmts.iter().try_for_each(|s| exec(c, s)).is_err() {
            simple(c, "ROLLBACK")?;
            return Ok(false);
        }
    }
    Ok(true)
}

/// A parameterless statement, prepared once per connection.
fn simple(c: &Connection, sql: &str) -> Result<()> {
    c.prepare_cached(sql)?.execute([])?;
    Ok(())
}

/// Copies committed WAL frames into the database file in the background (PASSIVE: never blocks the writer or
/// readers), and truncates the WAL when it has grown large and a moment without readers allows it. Stops with the
/// store.
fn checkpointer(c: Connection, stop: Arc<AtomicBool>) {
    let mut last_log = 0i64;
    loop {
        std::thread::sleep(Duration::from_millis(200));
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let r: rusqlite::Result<(i64, i64, i64)> =
            c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)));
        match r {
            // (busy, frames in the WAL, frames checkpointed)
            Ok((_, log, done)) => {
                if log > 262_144 && log == done && last_log > 0 {
                    let _ = c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
                }
                last_log = log;
            }
            Err(rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::DatabaseBusy => {}
            Err(_) => return,
        }
    }
}

/// Replies waiting for the WAL to reach the disk.
type Pending = Vec<(tokio::sync::oneshot::Sender<Result<()>>, Result<()>)>;

/// Makes committed batches durable: one `fdatasync` of the WAL covers every batch committed before it, and only
/// then are their jobs acknowledged. The writer goes on with the next batch meanwhile.
///
/// The writer's connection runs with `synchronous=OFF`, so its COMMIT writes the WAL frames without waiting for the
/// disk; this thread supplies the sync. That is as safe as `synchronous=FULL` for everything acknowledged: WAL
/// frames are only ever appended (or the WAL restarted after a complete, synced checkpoint), recovery keeps every
/// commit whose frames are intact and drops a torn tail, and a batch is acknowledged only after an fsync that
/// covers its frames and those of every earlier batch. Checkpoints run on a connection with `synchronous=FULL`,
/// which syncs the WAL before copying frames into the database file.
fn syncer(wal: PathBuf, rx: mpsc::Receiver<Pending>) {
    let mut file: Option<std::fs::File> = None;
    while let Ok(first) = rx.recv() {
        let mut replies = first;
        while let Ok(more) = rx.try_recv() {
            replies.extend(more);
        }
        if file.is_none() {
            file = std::fs::File::open(&wal).ok();
        }
        let synced = match &file {
            Some(f) => f.sync_data().map_err(|e| e.to_string()),
            None => Err(format!("找不到预写日志文件 {}", wal.display())),
        };
        if let Err(e) = &synced {
            tracing::error!(error = %e, "WAL fsync failed: acknowledging nothing");
        }
        for (reply, r) in replies {
            let r = match (&synced, r) {
                (Ok(()), r) => r,
                (Err(e), Ok(())) => Err(StoreError::Invalid(format!("写入磁盘失败：{e}"))),
                (Err(_), Err(e)) => Err(e),
            };
            let _ = reply.send(r);
        }
    }
}

fn writer(c: Connection, rx: mpsc::Receiver<Job>, sync: mpsc::Sender<Pending>) {
    let mut stat = (std::time::Instant::now(), 0u64, 0u64, Duration::ZERO, Duration::ZERO);
    while let Ok(first) = rx.recv() {
        if std::env::var_os("YIBAO_WSTAT").is_some() && stat.0.elapsed() > Duration::from_secs(2) {
            eprintln!("writer: {} batches, {} jobs, exec {:?}, commit {:?}", stat.1, stat.2, stat.3, stat.4);
            stat = (std::time::Instant::now(), 0, 0, Duration::ZERO, Duration::ZERO);
        }
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let mut results = Vec::with_capacity(jobs.len());
        let outcome: Result<()> = (|| {
            let t0 = std::time::Instant::now();
            if !all_or_nothing(&c, &jobs)? {
                // A job failed: run the batch again with each job in its own savepoint, so that it fails alone.
                simple(&c, "BEGIN IMMEDIATE")?;
                for j in &jobs {
                    results.push(run_job(&c, &j.stmts)?);
                }
            } else {
                results.extend(jobs.iter().map(|_| Ok(())));
            }
            let t1 = std::time::Instant::now();
            simple(&c, "COMMIT")?;
            stat.1 += 1;
            stat.2 += jobs.len() as u64;
            stat.3 += t1 - t0;
            stat.4 += t1.elapsed();
            Ok(())
        })();
        if let Err(e) = outcome {
            tracing::error!(error = %e, jobs = jobs.len(), "batch commit failed");
            let _ = c.execute_batch("ROLLBACK");
            let msg = e.to_string();
            results = jobs.iter().map(|_| Err(StoreError::Invalid(format!("提交失败：{msg}")))).collect();
        }
        let pending: Pending = jobs.into_iter().map(|j| j.reply).zip(results).collect();
        if let Err(mpsc::SendError(p)) = sync.send(pending) {
            for (reply, _) in p {
                let _ = reply.send(Err(StoreError::WriterGone));
            }
        }
    }
}
