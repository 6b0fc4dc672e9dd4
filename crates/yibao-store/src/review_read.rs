//! The fast readers behind [`crate::review_load`]: rows read straight off the engine (cells borrowed, never turned
//! into generic rows), each table in one sequential scan — persons, settlements, visits and fee lines on parallel
//! connections (SQLite: threads with connections of their own; PostgreSQL: pooled connections) — joined in memory.
//! Index lookups are avoided on purpose: the ledger's settlement and line tables are in id (time) order, so reading
//! them by person or by time index would be a random read per row.

use std::future::Future;

use chrono::NaiveDate;
use rustc_hash::FxHashMap;

use crate::db::Param;
use crate::{Engine, Result, Store, StoreError, params};

/// A row as the readers see it: cells by position, borrowed from the engine's buffers.
pub(crate) trait Cells {
    fn opt(&self, i: usize) -> Option<&str>;
    fn text(&self, i: usize) -> &str {
        self.opt(i).unwrap_or("")
    }
    fn int(&self, i: usize) -> i64;
}

impl Cells for rusqlite::Row<'_> {
    fn opt(&self, i: usize) -> Option<&str> {
        self.get_ref(i).ok().and_then(|v| v.as_str().ok())
    }
    fn int(&self, i: usize) -> i64 {
        self.get_ref(i).ok().and_then(|v| v.as_i64().ok()).unwrap_or(0)
    }
}

impl Cells for sqlx::postgres::PgRow {
    fn opt(&self, i: usize) -> Option<&str> {
        use sqlx::Row as _;
        self.try_get::<Option<&str>, _>(i).ok().flatten()
    }
    fn int(&self, i: usize) -> i64 {
        use sqlx::Row as _;
        self.try_get::<Option<i64>, _>(i).ok().flatten().unwrap_or(0)
    }
}

/// Runs `sql` and calls `f` on every row (SQLite: on a connection of its own, in the calling thread).
pub(crate) async fn each<F>(store: &Store, sql: &str, params: Vec<Param>, mut f: F) -> Result<()>
where
    F: FnMut(&dyn Cells),
{
    match &*store.engine {
        Engine::Sqlite(s) => {
            let c = s.connection()?;
            // Read the file through a memory map: no copy of every page from the OS cache.
            c.execute_batch("PRAGMA mmap_size=68719476736;")?;
            let mut st = c.prepare(sql)?;
            let mut rows = st.query(rusqlite::params_from_iter(params.iter()))?;
            while let Some(r) = rows.next()? {
                f(r);
            }
            Ok(())
        }
        Engine::Postgres(p) => {
            use futures_util::TryStreamExt;
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for p in &params {
                q = match p {
                    Param::Int(i) => q.bind(*i),
                    Param::Text(t) => q.bind(t.as_str()),
                    Param::NullInt => q.bind(None::<i64>),
                    Param::NullText => q.bind(None::<String>),
                };
            }
            let mut rows = q.fetch(&p.pool);
            while let Some(r) = rows.try_next().await? {
                f(&r);
            }
            Ok(())
        }
    }
}

/// A reader running alongside the others.
pub(crate) enum Job<T> {
    Thread(std::thread::JoinHandle<Result<T>>),
    Task(tokio::task::JoinHandle<Result<T>>),
}

/// Starts a reader: SQLite on a thread of its own (its reads never wait, so a current-thread runtime drives them),
/// PostgreSQL as a task on the runtime.
pub(crate) fn spawn<T, Fut>(store: &Store, make: impl FnOnce(Store) -> Fut + Send + 'static) -> Job<T>
where
    T: Send + 'static,
    Fut: Future<Output = Result<T>> + Send + 'static,
{
    let s = store.clone();
    match &*store.engine {
        Engine::Sqlite(_) => Job::Thread(std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().build().expect("current-thread runtime");
            rt.block_on(make(s))
        })),
        Engine::Postgres(_) => Job::Task(tokio::spawn(make(s))),
    }
}

impl<T> Job<T> {
    pub(crate) async fn join(self) -> Result<T> {
        match self {
            Job::Thread(h) => h.join().map_err(|_| StoreError::Invalid("读取台账的线程异常退出".into()))?,
            Job::Task(t) => t.await.map_err(|e| StoreError::Invalid(e.to_string()))?,
        }
    }
}

/// `YYYY-MM-DD…` → date, without allocating.
pub(crate) fn ymd(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |a, c| c.is_ascii_digit().then(|| a * 10 + u32::from(c - b'0')))
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

/// Minutes after midnight of `YYYY-MM-DD HH:MM…` (0 when absent).
pub(crate) fn minute(s: &str) -> u16 {
    let b = s.as_bytes();
    if b.len() < 16 {
        return 0;
    }
    let d = |i: usize| u16::from(b[i].wrapping_sub(b'0')).min(9);
    (d(11) * 10 + d(12)) * 60 + d(14) * 10 + d(15)
}

/// Strings back to back.
#[derive(Default)]
pub(crate) struct Strs {
    text: String,
    ends: Vec<u32>,
}

impl Strs {
    pub(crate) fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.ends.push(self.text.len() as u32);
    }
    pub(crate) fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }
}

/// Small code lists interned locally.
#[derive(Default)]
pub(crate) struct Codes {
    ids: FxHashMap<String, u32>,
    pub(crate) names: Vec<String>,
}

impl Codes {
    pub(crate) fn id(&mut self, s: &str) -> u32 {
        if let Some(i) = self.ids.get(s) {
            return *i;
        }
        let i = self.names.len() as u32;
        self.ids.insert(s.to_string(), i);
        self.names.push(s.to_string());
        i
    }
}

/// Persons with their facts, sorted by psn_no.
#[derive(Default)]
pub(crate) struct Persons {
    /// (psn_no, gend, brdy).
    pub list: Vec<(String, String, Option<NaiveDate>)>,
    pub deaths: Vec<(String, NaiveDate)>,
    /// (psn_no, disease, begin, end).
    pub diseases: Vec<(String, String, NaiveDate, Option<NaiveDate>)>,
}

pub(crate) async fn persons(store: Store, admdvs: Option<String>) -> Result<Persons> {
    let mut out = Persons::default();
    let (sql, p) = match &admdvs {
        Some(a) => ("SELECT psn_no, gend, brdy FROM person WHERE admdvs = $1", params![a]),
        None => ("SELECT psn_no, gend, brdy FROM person", params![]),
    };
    each(&store, sql, p, |r| out.list.push((r.text(0).to_string(), r.text(1).to_string(), ymd(r.text(2))))).await?;
    out.list.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    each(&store, "SELECT psn_no, death_date FROM person_death", params![], |r| {
        if let Some(d) = ymd(r.text(1)) {
            out.deaths.push((r.text(0).to_string(), d));
        }
    })
    .await?;
    each(&store, "SELECT psn_no, code, begndate, enddate FROM registered_disease", params![], |r| {
        if let Some(b) = ymd(r.text(2)) {
            out.diseases.push((r.text(0).to_string(), r.text(1).to_string(), b, r.opt(3).and_then(ymd)));
        }
    })
    .await?;
    Ok(out)
}

/// Settlements of the period (not reversed), columns as read.
#[derive(Default)]
pub(crate) struct Setls {
    pub psn: Strs,
    pub setl_id: Strs,
    pub mdtrt_id: Strs,
    pub inst: Codes,
    pub med: Codes,
    pub ins: Codes,
    /// (institution, med_type, insutype) codes.
    pub codes: Vec<(u32, u32, u32)>,
    pub end: Vec<NaiveDate>,
    pub minute: Vec<u16>,
    /// (医疗费总额, 基金支付总额).
    pub money: Vec<(i64, i64)>,
}

pub(crate) async fn settlements(store: Store, from: String, to: String) -> Result<Setls> {
    let mut s = Setls::default();
    // substr(): a sequential scan, not the time index (a random read per settlement).
    each(
        &store,
        "SELECT psn_no, setl_id, mdtrt_id, fixmedins_code, med_type, insutype, setl_time, medfee_sumamt, fund_pay_sumamt
           FROM settlement WHERE kind = 'settle' AND reversed_by IS NULL
            AND substr(setl_time, 1, 10) >= $1 AND substr(setl_time, 1, 10) <= $2",
        params![&from, &to],
        |r| {
            s.psn.push(r.text(0));
            s.setl_id.push(r.text(1));
            s.mdtrt_id.push(r.text(2));
            let codes = (s.inst.id(r.text(3)), s.med.id(r.text(4)), s.ins.id(r.text(5)));
            s.codes.push(codes);
            s.end.push(ymd(r.text(6)).unwrap_or_default());
            s.minute.push(minute(r.text(6)));
            s.money.push((r.int(7), r.int(8)));
        },
    )
    .await?;
    Ok(s)
}

/// Visits: what review needs of the visit a settlement closes.
#[derive(Default)]
pub(crate) struct Visits {
    pub mdtrt_id: Strs,
    pub begin: Vec<Option<NaiveDate>>,
    pub dx: Codes,
    /// (main diagnosis, 门慢门特 disease (`u32::MAX` = none), emergency).
    pub cols: Vec<(u32, u32, bool)>,
}

fn main_dx(diagnoses: &str) -> String {
    #[derive(serde::Deserialize)]
    struct D<'a> {
        #[serde(default, borrow)]
        diag_code: std::borrow::Cow<'a, str>,
        #[serde(default)]
        maindiag_flag: Option<std::borrow::Cow<'a, str>>,
    }
    let list: Vec<D> = serde_json::from_str(diagnoses).unwrap_or_default();
    let main = list.iter().find(|d| d.maindiag_flag.as_deref() == Some("1")).or(list.first());
    main.map(|d| d.diag_code.to_string()).unwrap_or_default()
}

pub(crate) async fn visits(store: Store, from: String) -> Result<Visits> {
    let mut v = Visits::default();
    each(
        &store,
        "SELECT mdtrt_id, begntime, diagnoses, opsp_dise_code, detail FROM visit
          WHERE substr(COALESCE(endtime, begntime), 1, 10) >= $1",
        params![&from],
        |r| {
            v.mdtrt_id.push(r.text(0));
            v.begin.push(ymd(r.text(1)));
            let dx = v.dx.id(&main_dx(r.text(2)));
            let opsp = r.opt(3).filter(|d| !d.is_empty()).map_or(u32::MAX, |d| v.dx.id(d));
            v.cols.push((dx, opsp, r.text(4).contains("\"er_flag\":\"1\"")));
        },
    )
    .await?;
    Ok(v)
}

/// One fee line, compact.
#[derive(Clone, Copy)]
pub(crate) struct LineRec {
    pub code: u32,
    pub modifier: u32,
    pub ownpay: bool,
    pub date: NaiveDate,
    pub qty: i64,
    pub price: i64,
    pub amount: i64,
}

/// One reader's fee lines: the lines, their codes, and runs of consecutive lines of one settlement.
#[derive(Default)]
pub(crate) struct LinePart {
    pub lines: Vec<LineRec>,
    pub codes: Codes,
    pub modifiers: Codes,
    /// (setl_id, first line, end).
    pub runs: Vec<(String, u32, u32)>,
}

impl LinePart {
    fn add(&mut self, r: &dyn Cells) {
        let setl = r.text(0);
        let n = self.lines.len() as u32;
        match self.runs.last_mut() {
            Some(run) if run.0 == setl => run.2 = n + 1,
            _ => self.runs.push((setl.to_string(), n, n + 1)),
        }
        let code = self.codes.id(r.text(1));
        let date = ymd(r.text(2)).unwrap_or_default();
        let amount = r.int(5);
        let ownpay = amount != 0 && r.int(6) == amount;
        let detail = r.text(7);
        // Most lines carry no modifier: look for the key before parsing the line's detail.
        let modifier = if detail.contains("\"modifier\"") {
            serde_json::from_str::<serde_json::Value>(detail)
                .ok()
                .and_then(|v| v.get("modifier").and_then(|m| m.as_str()).map(|m| self.modifiers.id(m) + 1))
                .unwrap_or(0)
        } else {
            0
        };
        self.lines.push(LineRec { code, modifier, ownpay, date, qty: r.int(4), price: r.int(3), amount });
    }
}

const LINE_SQL: &str =
    "SELECT setl_id, med_list_codg, fee_ocur_time, pric, cnt, det_item_fee_sumamt, fulamt_ownpay_amt,
    detail FROM fee_line WHERE setl_id IS NOT NULL AND state = 'settled'";

/// How the line table is cut for parallel readers: into ranges of its physical order, so that each reader scans
/// its part sequentially and no row is read twice — SQLite by rowid, PostgreSQL by page (ctid ranges, a TID range
/// scan). A cut is `[lo, hi)`.
pub(crate) async fn line_cuts(store: &Store, parts: usize) -> Result<Vec<(i64, i64)>> {
    if parts <= 1 {
        return Ok(vec![(i64::MIN, i64::MIN)]);
    }
    let (lo, hi) = match &*store.engine {
        Engine::Sqlite(_) => {
            let r = store.row("SELECT MIN(rowid), MAX(rowid) FROM fee_line", params![]).await?;
            r.map_or((0, 0), |r| (r.int_at(0), r.int_at(1) + 1))
        }
        Engine::Postgres(_) => {
            let sql = "SELECT CAST(pg_relation_size('fee_line') / current_setting('block_size')::bigint AS BIGINT)";
            let r = store.row(sql, params![]).await?;
            (0, r.map_or(0, |r| r.int_at(0)) + 1)
        }
    };
    let step = ((hi - lo + parts as i64 - 1) / parts as i64).max(1);
    Ok((0..parts as i64)
        .map(|k| (lo + k * step, if k + 1 == parts as i64 { i64::MAX } else { lo + (k + 1) * step }))
        .collect())
}

/// About how many fee lines the table holds (SQLite: its rowid span; PostgreSQL: the planner's count).
pub(crate) async fn line_estimate(store: &Store) -> Result<usize> {
    let sql = match &*store.engine {
        Engine::Sqlite(_) => "SELECT COALESCE(MAX(rowid) - MIN(rowid) + 1, 0) FROM fee_line",
        Engine::Postgres(_) => "SELECT CAST(GREATEST(reltuples, 0) AS BIGINT) FROM pg_class WHERE relname = 'fee_line'",
    };
    Ok(store.row(sql, params![]).await?.map_or(0, |r| r.int_at(0).max(0) as usize))
}

/// Reads the fee lines of one cut, about `expect` of them (reserved up front: growing a vector of millions of lines
/// by doubling costs fresh pages and copies).
pub(crate) async fn lines(store: Store, lo: i64, hi: i64, expect: usize) -> Result<LinePart> {
    let mut sql = LINE_SQL.to_string();
    if lo != i64::MIN {
        // Numbers we computed, not input: written into the text.
        match &*store.engine {
            Engine::Sqlite(_) => sql.push_str(&format!(" AND rowid >= {lo} AND rowid < {hi}")),
            Engine::Postgres(_) => {
                sql.push_str(&format!(" AND ctid >= '({lo},0)'::tid"));
                if hi != i64::MAX {
                    sql.push_str(&format!(" AND ctid < '({hi},0)'::tid"));
                }
            }
        }
    }
    let mut part = LinePart::default();
    part.lines.reserve(expect);
    each(&store, &sql, Vec::new(), |r| part.add(r)).await?;
    Ok(part)
}
