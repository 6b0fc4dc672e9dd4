//! Loads a period of the ledger's settlements (with their visits, fee lines and the persons' facts) into the
//! columnar shards of 事后 review (`yibao_audit::review`): every table read in one sequential scan by the readers
//! of [`crate::review_read`], in parallel, joined in memory, then built person by person in psn_no order into
//! shards of a bounded number of persons.
//!
//! ```text
//! institution + institution_kind, catalogue_item (name, category)          (small)
//! person + person_death + registered_disease ─┐
//! settlement (period, not reversed) ──────────┼─ join by psn_no, mdtrt_id ─┐
//! visit (begin, main diagnosis, disease) ─────┘                             │
//! fee_line (two cuts in parallel) ── runs of one setl_id ───────────────────┴─ ShardBuilder ─▶ Registry + Shards
//! ```

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use yibao_audit::review::{Institution, LineIn, PersonIn, Registry, SettlementIn, Shard, ShardBuilder};
use yibao_core::{Fen, Price, Qty};

use crate::review_read::{self as rd, LinePart, spawn};
use crate::{Result, Store, StoreError, params};

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
    pub persons: usize,
    pub settlements: usize,
    pub lines: usize,
    /// Time reading the database, and building the shards.
    pub read: Duration,
    pub build: Duration,
}

/// A registered disease: code, first and last day.
type Registered<'a> = (&'a str, NaiveDate, Option<NaiveDate>);

/// A settlement of the period, joined to its person and visit.
struct Setl {
    /// Row in the settlement reader's columns.
    row: u32,
    person: u32,
    inst: u32,
    med: u32,
    ins: u32,
    begin: NaiveDate,
    end: NaiveDate,
    minute: u16,
    /// Main diagnosis in the visit reader's codes (`u32::MAX`: no visit found).
    dx: u32,
    opsp: Option<u32>,
    emergency: bool,
    total: i64,
    fund: i64,
}

/// Phase timings on stderr when `YIBAO_LOAD_TRACE` is set.
fn trace(t: &Instant, what: &str) {
    if std::env::var_os("YIBAO_LOAD_TRACE").is_some() {
        eprintln!("  载入 {what}：{:.2} 秒", t.elapsed().as_secs_f64());
    }
}

/// Loads the period, handing each shard to `on_shard` as soon as it is built (then it can be reviewed and
/// dropped, and the next shard reuses its memory); `build` excludes the time spent in `on_shard`.
pub async fn load_review(store: &Store, spec: &LoadSpec, mut on_shard: impl FnMut(&Registry, Shard)) -> Result<Loaded> {
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

    let from = spec.from.format("%Y-%m-%d").to_string();
    let to = spec.to.format("%Y-%m-%d").to_string();
    let persons = spawn(store, {
        let a = spec.admdvs.clone();
        move |s| rd::persons(s, a)
    });
    let setls = spawn(store, {
        let (f, t) = (from.clone(), to.clone());
        move |s| rd::settlements(s, f, t)
    });
    let visits = spawn(store, {
        let f = from.clone();
        move |s| rd::visits(s, f)
    });
    let (persons, st, vs) = (persons.join().await?, setls.join().await?, visits.join().await?);
    trace(&t, "persons, settlements, visits");
    // Fee lines in cuts read at once (one per core), while the settlements are joined to their persons and visits.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let cuts = rd::line_cuts(store, if st.setl_id.len() < 1000 { 1 } else { cores }).await?;
    let expect = (rd::line_estimate(store).await? / cuts.len()).min(1 << 26) + 1024;
    let jobs: Vec<_> = cuts.into_iter().map(|(lo, hi)| spawn(store, move |s| rd::lines(s, lo, hi, expect))).collect();

    let persons_list = &persons.list;
    let index: FxHashMap<&str, u32> = persons_list.iter().enumerate().map(|(i, p)| (p.0.as_str(), i as u32)).collect();
    let deaths: FxHashMap<u32, NaiveDate> =
        persons.deaths.iter().filter_map(|(p, d)| Some((*index.get(p.as_str())?, *d))).collect();
    let mut diseases: FxHashMap<u32, Vec<Registered>> = FxHashMap::default();
    for (p, code, b, e) in &persons.diseases {
        if let Some(&i) = index.get(p.as_str()) {
            diseases.entry(i).or_default().push((code, *b, *e));
        }
    }
    let visit_of: FxHashMap<&str, u32> = (0..vs.mdtrt_id.len()).map(|i| (vs.mdtrt_id.get(i), i as u32)).collect();
    let inst_ids: Vec<Option<u32>> = st.inst.names.iter().map(|c| registry.institution_id(c)).collect();
    let mut setls: Vec<Setl> = Vec::with_capacity(st.setl_id.len());
    for i in 0..st.setl_id.len() {
        let Some(&person) = index.get(st.psn.get(i)) else { continue };
        let (inst, med, ins) = st.codes[i];
        let Some(inst) = inst_ids[inst as usize] else {
            let code = &st.inst.names[inst as usize];
            return Err(StoreError::Invalid(format!("结算 {} 的定点医药机构 {code} 不在机构表中", st.setl_id.get(i))));
        };
        let end = st.end[i];
        let v = visit_of.get(st.mdtrt_id.get(i)).map(|&v| v as usize);
        let (dx, opsp, emergency) = v.map_or((u32::MAX, u32::MAX, false), |v| vs.cols[v]);
        setls.push(Setl {
            row: i as u32,
            person,
            inst,
            med,
            ins,
            begin: v.and_then(|v| vs.begin[v]).unwrap_or(end).min(end),
            end,
            minute: st.minute[i],
            dx,
            opsp: (opsp != u32::MAX).then_some(opsp),
            emergency,
            total: st.money[i].0,
            fund: st.money[i].1,
        });
    }
    drop(visit_of);
    let mut parts: Vec<LinePart> = Vec::new();
    for j in jobs {
        parts.push(j.join().await?);
    }
    trace(&t, "lines");
    let read = t.elapsed();
    // Lines to their settlements.
    let t = Instant::now();
    let by_id: FxHashMap<&str, u32> =
        setls.iter().enumerate().map(|(i, x)| (st.setl_id.get(x.row as usize), i as u32)).collect();
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
    let mut handed = Duration::ZERO;
    let (mut n_persons, mut n_lines) = (0usize, 0usize);
    let mut b = ShardBuilder::new(&mut registry);
    let mut in_shard = 0usize;
    let mut i = 0;
    let bad = |e: yibao_audit::review::dataset::DatasetError| StoreError::Invalid(e.to_string());
    while i < order.len() {
        let p = setls[order[i] as usize].person;
        let (psn, gend, brdy) = &persons_list[p as usize];
        if in_shard == spec.shard_persons.max(1) {
            let shard = b.finish();
            let h = Instant::now();
            on_shard(&registry, shard);
            handed += h.elapsed();
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
                setl_id: st.setl_id.get(x.row as usize),
                mdtrt_id: st.mdtrt_id.get(x.row as usize),
                fixmedins_code: &inst_codes[x.inst as usize],
                med_type: &st.med.names[x.med as usize],
                insutype: &st.ins.names[x.ins as usize],
                begin: x.begin,
                end: x.end,
                minute: x.minute,
                main_dx: vs.dx.names.get(x.dx as usize).map_or("", String::as_str),
                opsp_dise: x.opsp.map(|d| vs.dx.names[d as usize].as_str()),
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
    let shard = b.finish();
    let h = Instant::now();
    on_shard(&registry, shard);
    handed += h.elapsed();
    Ok(Loaded {
        registry,
        persons: n_persons,
        settlements: setls.len(),
        lines: n_lines,
        read,
        build: t.elapsed().saturating_sub(handed),
    })
}
