//! Loads a period of the ledger's settlements (with their visits, fee lines and the persons' facts) into the
//! columnar shards of 事后 review (`yibao_audit::review`), fast: rows are read straight off the engine (borrowed,
//! never materialised as generic rows), fee lines on two connections at once, then built person by person in
//! psn_no order into shards of a bounded number of persons.
//!
//! ```text
//! institution + institution_kind ─┐
//! catalogue_item (name, category) ┤
//! person, person_death, registered_disease ─┐
//! settlement ⋈ visit (period, not reversed) ┴─ by person ─┐
//! fee_line (two key ranges in parallel) ── runs by setl_id ┴─ ShardBuilder ─▶ Registry + Shards
//! ```

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use yibao_audit::review::{Institution, LineIn, PersonIn, Registry, SettlementIn, Shard, ShardBuilder};
use yibao_core::{Fen, Price, Qty};

use crate::db::Param;
use crate::{Engine, Result, Store, StoreError, params};

/// What to load.
#[derive(Debug, Clone)]
pub struct LoadSpec {
    /// First and last settlement day, inclusive.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Only persons insured in this region (`person.admdvs`); `None` = every person.
    pub admdvs: Option<String>,
    /// Persons (with settlements in the period) per shard.
    pub shard_persons: usize,
}

/// The loaded period.
pub struct Loaded {
    pub registry: Registry,
    pub shards: Vec<Shard>,
    pub persons: usize,
    pub settlements: usize,
    pub lines: usize,
    /// Time reading the database, and building the shards.
    pub read: Duration,
    pub build: Duration,
}

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

/// Runs `sql` and calls `f` on every row, on the calling thread (SQLite: its own connection).
pub(crate) async fn each<F>(store: &Store, sql: &str, params: Vec<Param>, mut f: F) -> Result<()>
where
    F: FnMut(&dyn Cells),
{
    match &*store.engine {
        Engine::Sqlite(s) => {
            let c = s.connection()?;
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
fn minute(s: &str) -> u16 {
    let b = s.as_bytes();
    if b.len() < 16 {
        return 0;
    }
    let d = |i: usize| u16::from(b[i].wrapping_sub(b'0')).min(9);
    (d(11) * 10 + d(12)) * 60 + d(14) * 10 + d(15)
}

/// Strings back to back.
#[derive(Default)]
struct Strs {
    text: String,
    ends: Vec<u32>,
}

impl Strs {
    fn push(&mut self, s: &str) -> u32 {
        self.text.push_str(s);
        self.ends.push(self.text.len() as u32);
        (self.ends.len() - 1) as u32
    }
    fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }
    fn len(&self) -> usize {
        self.ends.len()
    }
}

/// Small code lists interned locally.
#[derive(Default)]
struct Codes {
    ids: FxHashMap<String, u32>,
    names: Vec<String>,
}

impl Codes {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(i) = self.ids.get(s) {
            return *i;
        }
        let i = self.names.len() as u32;
        self.ids.insert(s.to_string(), i);
        self.names.push(s.to_string());
        i
    }
}

struct Setl {
    person: u32,
    inst: u32,
    med: u32,
    ins: u32,
    begin: NaiveDate,
    end: NaiveDate,
    minute: u16,
    dx: u32,
    opsp: Option<u32>,
    emergency: bool,
    total: i64,
    fund: i64,
}

/// One fee line, compact.
#[derive(Clone, Copy)]
struct LineRec {
    code: u32,
    modifier: u32,
    ownpay: bool,
    date: NaiveDate,
    qty: i64,
    price: i64,
    amount: i64,
}

/// One reader's fee lines: the lines, their codes, and runs of consecutive lines of one settlement.
#[derive(Default)]
struct LinePart {
    lines: Vec<LineRec>,
    codes: Codes,
    modifiers: Codes,
    /// (setl_id, first line, end).
    runs: Vec<(String, u32, u32)>,
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
        let modifier = if detail.len() > 2 {
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

/// Reads the fee lines of key range `[lo, hi)` (by mdtrt_id; empty bound = open).
async fn line_part(store: Store, lo: String, hi: String) -> Result<LinePart> {
    let mut sql = LINE_SQL.to_string();
    let mut p = Vec::new();
    if !lo.is_empty() {
        p.push(Param::Text(lo));
        sql.push_str(&format!(" AND mdtrt_id >= ${}", p.len()));
    }
    if !hi.is_empty() {
        p.push(Param::Text(hi));
        sql.push_str(&format!(" AND mdtrt_id < ${}", p.len()));
    }
    let mut part = LinePart::default();
    each(&store, &sql, p, |r| part.add(r)).await?;
    Ok(part)
}

/// Fee lines in `ranges.len()` parts read at once: SQLite on threads with their own connections, PostgreSQL on
/// pooled connections.
async fn line_parts(store: &Store, bounds: Vec<(String, String)>) -> Result<Vec<LinePart>> {
    let mut out = Vec::new();
    match &*store.engine {
        Engine::Sqlite(_) => {
            let handles: Vec<_> = bounds
                .into_iter()
                .map(|(lo, hi)| {
                    let s = store.clone();
                    std::thread::spawn(move || futures_executor(line_part(s, lo, hi)))
                })
                .collect();
            for h in handles {
                out.push(h.join().map_err(|_| StoreError::Invalid("读取费用明细的线程异常退出".into()))??);
            }
        }
        Engine::Postgres(_) => {
            let tasks: Vec<_> =
                bounds.into_iter().map(|(lo, hi)| tokio::spawn(line_part(store.clone(), lo, hi))).collect();
            for t in tasks {
                out.push(t.await.map_err(|e| StoreError::Invalid(e.to_string()))??);
            }
        }
    }
    Ok(out)
}

/// Runs a future that never waits (SQLite reads) to completion on this thread.
fn futures_executor<T>(f: impl std::future::Future<Output = T>) -> T {
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("current-thread runtime");
    rt.block_on(f)
}

fn main_dx(diagnoses: &str) -> String {
    #[derive(serde::Deserialize)]
    struct D {
        #[serde(default)]
        diag_code: String,
        #[serde(default)]
        maindiag_flag: Option<String>,
    }
    let list: Vec<D> = serde_json::from_str(diagnoses).unwrap_or_default();
    let main = list.iter().find(|d| d.maindiag_flag.as_deref() == Some("1")).or(list.first());
    main.map(|d| d.diag_code.clone()).unwrap_or_default()
}

/// Loads the period.
pub async fn load_review(store: &Store, spec: &LoadSpec) -> Result<Loaded> {
    let t = Instant::now();
    let mut registry = Registry::default();
    let insts = store
        .scan(
            "SELECT i.fixmedins_code, i.fixmedins_name, i.fixmedins_type, i.hosp_lv, k.medins_type FROM institution i
             LEFT JOIN institution_kind k ON k.fixmedins_code = i.fixmedins_code ORDER BY i.fixmedins_code",
            params![],
        )
        .await?;
    for r in &insts {
        let kind = r.opt_text("medins_type").unwrap_or_else(|| r.text("fixmedins_type"));
        registry.institution(Institution {
            code: r.text("fixmedins_code"),
            name: r.text("fixmedins_name"),
            medins_type: kind,
            level: r.text("hosp_lv"),
        });
    }
    // Item names and 收费项目类别 from the catalogue versions, the newest last.
    let mut items: FxHashMap<String, (String, String)> = FxHashMap::default();
    for r in store
        .scan(
            "SELECT ci.code, ci.name, ci.category FROM catalogue_item ci JOIN catalogue_version cv
               ON cv.admdvs = ci.admdvs AND cv.version = ci.version ORDER BY cv.begndate, cv.loaded_at",
            params![],
        )
        .await?
    {
        items.insert(r.text("code"), (r.text("name"), r.opt_text("category").unwrap_or_default()));
    }

    // Persons of the region with their facts.
    let mut persons: Vec<(String, String, Option<NaiveDate>)> = Vec::new();
    let (sql, p) = match &spec.admdvs {
        Some(a) => ("SELECT psn_no, gend, brdy FROM person WHERE admdvs = $1", params![a]),
        None => ("SELECT psn_no, gend, brdy FROM person", params![]),
    };
    each(store, sql, p, |r| persons.push((r.text(0).to_string(), r.text(1).to_string(), ymd(r.text(2))))).await?;
    persons.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let index: FxHashMap<&str, u32> = persons.iter().enumerate().map(|(i, p)| (p.0.as_str(), i as u32)).collect();
    let mut deaths: FxHashMap<u32, NaiveDate> = FxHashMap::default();
    each(store, "SELECT psn_no, death_date FROM person_death", params![], |r| {
        if let (Some(&i), Some(d)) = (index.get(r.text(0)), ymd(r.text(1))) {
            deaths.insert(i, d);
        }
    })
    .await?;
    let mut diseases: FxHashMap<u32, Vec<(String, NaiveDate, Option<NaiveDate>)>> = FxHashMap::default();
    each(store, "SELECT psn_no, code, begndate, enddate FROM registered_disease", params![], |r| {
        if let (Some(&i), Some(b)) = (index.get(r.text(0)), ymd(r.text(2))) {
            diseases.entry(i).or_default().push((r.text(1).to_string(), b, r.opt(3).and_then(ymd)));
        }
    })
    .await?;

    // Settlements of the period, with their visits.
    let from = spec.from.format("%Y-%m-%d").to_string();
    let to = (spec.to + chrono::Duration::days(1)).format("%Y-%m-%d").to_string();
    let mut setls: Vec<Setl> = Vec::new();
    let (mut setl_ids, mut mdtrt_ids) = (Strs::default(), Strs::default());
    let (mut med, mut ins, mut dxs) = (Codes::default(), Codes::default(), Codes::default());
    let mut unknown_inst: Option<(String, String)> = None;
    each(
        store,
        "SELECT s.psn_no, s.setl_id, s.mdtrt_id, s.fixmedins_code, s.med_type, s.insutype, s.setl_time,
                s.medfee_sumamt, s.fund_pay_sumamt, v.begntime, v.diagnoses, v.opsp_dise_code, v.detail
           FROM settlement s JOIN visit v ON v.mdtrt_id = s.mdtrt_id AND v.psn_no = s.psn_no
          WHERE s.kind = 'settle' AND s.reversed_by IS NULL AND s.setl_time >= $1 AND s.setl_time < $2",
        params![&from, &to],
        |r| {
            let Some(&person) = index.get(r.text(0)) else { return };
            let Some(inst) = registry.institution_id(r.text(3)) else {
                unknown_inst.get_or_insert_with(|| (r.text(1).to_string(), r.text(3).to_string()));
                return;
            };
            let end = ymd(r.text(6)).unwrap_or_default();
            let detail = r.text(12);
            setl_ids.push(r.text(1));
            mdtrt_ids.push(r.text(2));
            setls.push(Setl {
                person,
                inst,
                med: med.id(r.text(4)),
                ins: ins.id(r.text(5)),
                begin: ymd(r.text(9)).unwrap_or(end).min(end),
                end,
                minute: minute(r.text(6)),
                dx: dxs.id(&main_dx(r.text(10))),
                opsp: r.opt(11).filter(|d| !d.is_empty()).map(|d| dxs.id(d)),
                emergency: detail.contains("\"er_flag\":\"1\""),
                total: r.int(7),
                fund: r.int(8),
            });
        },
    )
    .await?;
    if let Some((s, i)) = unknown_inst {
        return Err(StoreError::Invalid(format!("结算 {s} 的定点医药机构 {i} 不在机构表中")));
    }

    // Fee lines: two key ranges split at the settlements' median visit.
    let bounds = {
        let mut keys: Vec<&str> = (0..mdtrt_ids.len()).map(|i| mdtrt_ids.get(i)).collect();
        let parts = 2usize;
        if keys.len() < 1000 {
            vec![(String::new(), String::new())]
        } else {
            keys.sort_unstable();
            let cuts: Vec<String> = (1..parts).map(|k| keys[keys.len() * k / parts].to_string()).collect();
            let mut b = Vec::new();
            let mut lo = String::new();
            for c in cuts {
                b.push((lo, c.clone()));
                lo = c;
            }
            b.push((lo, String::new()));
            b
        }
    };
    let parts = line_parts(store, bounds).await?;
    let read = t.elapsed();

    // Lines to their settlements.
    let t = Instant::now();
    let by_id: FxHashMap<&str, u32> = (0..setl_ids.len()).map(|i| (setl_ids.get(i), i as u32)).collect();
    let mut runs: Vec<(u32, u8, u32, u32)> = Vec::new();
    for (k, part) in parts.iter().enumerate() {
        for (id, a, b) in &part.runs {
            if let Some(&s) = by_id.get(id.as_str()) {
                runs.push((s, k as u8, *a, *b));
            }
        }
    }
    drop(by_id);
    runs.sort_unstable_by_key(|r| (r.0, r.1, r.2));
    // Settlements by person.
    let mut order: Vec<u32> = (0..setls.len() as u32).collect();
    order.sort_unstable_by_key(|&s| setls[s as usize].person);
    let mut run_at = vec![0u32; setls.len() + 1];
    {
        let mut j = 0;
        for (s, at) in run_at.iter_mut().enumerate() {
            while j < runs.len() && (runs[j].0 as usize) < s {
                j += 1;
            }
            *at = j as u32;
        }
    }

    let inst_codes: Vec<String> = registry.institutions.iter().map(|i| i.code.clone()).collect();
    let mut shards = Vec::new();
    let (mut n_persons, mut n_lines) = (0usize, 0usize);
    let mut b = ShardBuilder::new(&mut registry);
    let mut in_shard = 0usize;
    let mut i = 0;
    let bad = |e: yibao_audit::review::dataset::DatasetError| StoreError::Invalid(e.to_string());
    while i < order.len() {
        let p = setls[order[i] as usize].person;
        let (psn, gend, brdy) = &persons[p as usize];
        if in_shard == spec.shard_persons.max(1) {
            shards.push(b.finish());
            b = ShardBuilder::new(&mut registry);
            in_shard = 0;
        }
        in_shard += 1;
        n_persons += 1;
        let gend = Some(gend.as_str()).filter(|g| !g.is_empty());
        b.person(PersonIn { psn_no: psn, gend, brdy: *brdy, death_date: deaths.get(&p).copied() }).map_err(bad)?;
        for (code, begin, end) in diseases.get(&p).map_or(&[][..], Vec::as_slice) {
            b.registration(code, *begin, *end);
        }
        while i < order.len() && setls[order[i] as usize].person == p {
            let s = order[i] as usize;
            let x = &setls[s];
            b.settlement(SettlementIn {
                setl_id: setl_ids.get(s),
                mdtrt_id: mdtrt_ids.get(s),
                fixmedins_code: &inst_codes[x.inst as usize],
                med_type: &med.names[x.med as usize],
                insutype: &ins.names[x.ins as usize],
                begin: x.begin,
                end: x.end,
                minute: x.minute,
                main_dx: &dxs.names[x.dx as usize],
                opsp_dise: x.opsp.map(|d| dxs.names[d as usize].as_str()),
                emergency: x.emergency,
                total: Fen(x.total),
                fund: Fen(x.fund),
            })
            .map_err(bad)?;
            for &(_, k, a, e) in &runs[run_at[s] as usize..run_at[s + 1] as usize] {
                let part = &parts[k as usize];
                for l in &part.lines[a as usize..e as usize] {
                    let code = part.codes.names[l.code as usize].as_str();
                    let (name, class) = items.get(code).map_or((code, ""), |(n, c)| (n.as_str(), c.as_str()));
                    b.line(LineIn {
                        code,
                        name,
                        class,
                        date: l.date.max(x.begin),
                        qty: Qty(l.qty),
                        price: Price(l.price),
                        amount: Fen(l.amount),
                        ownpay: l.ownpay,
                        modifier: (l.modifier > 0).then(|| part.modifiers.names[l.modifier as usize - 1].as_str()),
                    })
                    .map_err(bad)?;
                    n_lines += 1;
                }
            }
            i += 1;
        }
    }
    shards.push(b.finish());
    Ok(Loaded {
        registry,
        shards,
        persons: n_persons,
        settlements: setls.len(),
        lines: n_lines,
        read,
        build: t.elapsed(),
    })
}
