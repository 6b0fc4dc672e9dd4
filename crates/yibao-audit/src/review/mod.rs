//! 事后 review: pure functions over a year of settlements. Person-level detectors (分解住院, 挂床, 住院期间门诊,
//! 同时住院, 同日多次, 高频购药, 夜间/集中刷卡) and, optionally, every screening rule re-run on every settled visit go
//! person by person, partitioned over threads; institution-level detectors (次均费用, 规则命中率 against peers) run
//! on the merged per-institution figures.
//!
//! ```text
//! shard ─┬─ persons 0..k   ─ thread ─ cases + figures ─┐
//!        └─ persons k..n   ─ thread ─ cases + figures ─┴─ merge ─ (next shard …) ─ finish: peer detectors ─ Report
//! ```

pub mod dataset;
pub mod peers;
mod reaudit;
pub mod stays;
pub mod visits;

use std::ops::Range;

use yibao_core::Fen;

pub use dataset::{Day, Institution, LineIn, PersonIn, Registry, SettlementIn, Shard, ShardBuilder};

use crate::evidence::Facts;
use crate::finding::Case;
use crate::rules::RulePack;
use crate::screen::common_facts;
use crate::templates::{Build, Compiled, TemplateKind, VisitKind};

/// A review template's compiled parameters.
#[derive(Debug, Clone)]
pub(crate) enum Detector {
    Split(stays::Split),
    Bed(stays::Bed),
    DuringStay(stays::DuringStay),
    Concurrent(stays::Concurrent),
    SameDay(visits::SameDay),
    Frequent(visits::Frequent),
    Night(visits::Night),
    Burst(visits::Burst),
    PeerCost(peers::PeerCost),
    PeerHits(peers::PeerHits),
}

impl Detector {
    pub(crate) fn compile(t: TemplateKind, params: &toml::Table, b: &mut Build) -> Option<Detector> {
        use TemplateKind::*;
        Some(match t {
            SplitAdmission => Detector::Split(stays::Split::compile(params, b)?),
            BedHolding => Detector::Bed(stays::Bed::compile(params, b)?),
            VisitDuringStay => Detector::DuringStay(stays::DuringStay::compile(params, b)?),
            ConcurrentStays => Detector::Concurrent(stays::Concurrent::compile(params, b)?),
            SameDayVisits => Detector::SameDay(visits::SameDay::compile(params, b)?),
            FrequentPurchase => Detector::Frequent(visits::Frequent::compile(params, b)?),
            NightSwipes => Detector::Night(visits::Night::compile(params, b)?),
            BurstSwipes => Detector::Burst(visits::Burst::compile(params, b)?),
            PeerCost => Detector::PeerCost(peers::PeerCost::compile(params, b)?),
            PeerHitRate => Detector::PeerHits(peers::PeerHits::compile(params, b)?),
            _ => unreachable!("screening templates compile elsewhere"),
        })
    }

    fn per_person(&self) -> bool {
        !matches!(self, Detector::PeerCost(_) | Detector::PeerHits(_))
    }

    fn run(&self, r: u32, live: &Live, cx: &PersonCx, out: &mut Sink) {
        match self {
            Detector::Split(d) => d.run(r, live, cx, out),
            Detector::Bed(d) => d.run(r, live, cx, out),
            Detector::DuringStay(d) => d.run(r, cx, out),
            Detector::Concurrent(d) => d.run(r, cx, out),
            Detector::SameDay(d) => d.run(r, cx, out),
            Detector::Frequent(d) => d.run(r, live, cx, out),
            Detector::Night(d) => d.run(r, cx, out),
            Detector::Burst(d) => d.run(r, cx, out),
            Detector::PeerCost(_) | Detector::PeerHits(_) => {}
        }
    }

    fn class_codes(&self) -> &[String] {
        match self {
            Detector::Bed(d) => &d.idle_classes,
            Detector::Frequent(d) => &d.drug_classes,
            _ => &[],
        }
    }
}

/// A detector with its code lists turned into the registry's IDs, for one shard.
pub(crate) struct Live {
    rule: u32,
    /// By class ID: in the detector's class list.
    pub classes: [bool; 256],
    /// By diagnosis ID: a planned readmission diagnosis.
    pub planned: Vec<bool>,
    /// By med_type ID: in the detector's med_type list.
    pub med_types: [bool; 256],
}

/// One person's settlements and what the detectors share about them.
pub(crate) struct PersonCx<'a> {
    pub shard: &'a Shard,
    pub reg: &'a Registry,
    pub p: usize,
    pub setls: Range<usize>,
    /// Kind of every settlement of the shard.
    pub kinds: &'a [VisitKind],
    /// By diagnosis ID: its ICD-10 three-character category ID.
    pub dx_cat: &'a [u32],
}

impl PersonCx<'_> {
    pub(crate) fn date(&self, s: usize) -> chrono::NaiveDate {
        dataset::date(self.shard.end[s])
    }
    pub(crate) fn inst_name(&self, s: usize) -> &str {
        &self.reg.institutions[self.shard.inst[s] as usize].name
    }
    pub(crate) fn of_kind(&self, kinds: &[VisitKind]) -> impl Iterator<Item = usize> + '_ {
        let want: Vec<VisitKind> = kinds.to_vec();
        self.setls.clone().filter(move |s| want.contains(&self.kinds[*s]))
    }
}

/// Per-institution figures: settlements and totals by kind, and each rule's cases.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub rules: usize,
    /// By institution: settlements by [`VisitKind`].
    pub settlements: Vec<[u32; 3]>,
    /// By institution: 医疗费总额 by kind, fen.
    pub totals: Vec<[i64; 3]>,
    hits: Vec<u32>,
    hit_amounts: Vec<i64>,
    /// First and last settlement day seen.
    pub first_day: Option<Day>,
    pub last_day: Option<Day>,
}

impl Figures {
    fn new(rules: usize, institutions: usize) -> Figures {
        let mut f = Figures { rules, ..Figures::default() };
        f.grow(institutions);
        f
    }
    fn grow(&mut self, institutions: usize) {
        if self.settlements.len() < institutions {
            self.settlements.resize(institutions, [0; 3]);
            self.totals.resize(institutions, [0; 3]);
            self.hits.resize(institutions * self.rules, 0);
            self.hit_amounts.resize(institutions * self.rules, 0);
        }
    }
    fn merge(&mut self, o: &Figures) {
        self.grow(o.settlements.len());
        for (i, (s, t)) in o.settlements.iter().zip(&o.totals).enumerate() {
            for k in 0..3 {
                self.settlements[i][k] += s[k];
                self.totals[i][k] += t[k];
            }
        }
        for (a, b) in self.hits.iter_mut().zip(&o.hits) {
            *a += b;
        }
        for (a, b) in self.hit_amounts.iter_mut().zip(&o.hit_amounts) {
            *a += b;
        }
        self.first_day = match (self.first_day, o.first_day) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last_day = self.last_day.max(o.last_day);
    }
    /// Cases of rule `rule` held against institution `inst`, and their amount.
    pub fn hits(&self, inst: usize, rule: usize) -> (u32, Fen) {
        let i = inst * self.rules + rule;
        (self.hits.get(i).copied().unwrap_or(0), Fen(self.hit_amounts.get(i).copied().unwrap_or(0)))
    }
}

/// Whom a case is held against: the person, the institution, the settlements involved (suspect last), the day.
pub(crate) struct Against<'s> {
    pub psn: Option<&'s str>,
    pub inst: Option<u32>,
    pub setl_ids: Vec<String>,
    pub day: Day,
}

/// Where a thread's cases and figures go.
pub(crate) struct Sink<'a> {
    pack: &'a RulePack,
    reg: &'a Registry,
    pub cases: Vec<Case>,
    pub figures: Figures,
    pub scratch: Vec<u8>,
    pub buys: Vec<(u32, Day, u32, i64)>,
}

impl<'a> Sink<'a> {
    fn new(pack: &'a RulePack, reg: &'a Registry) -> Sink<'a> {
        Sink {
            pack,
            reg,
            cases: Vec::new(),
            figures: Figures::new(pack.rules.len(), reg.institutions.len()),
            scratch: Vec::new(),
            buys: Vec::new(),
        }
    }

    /// Records a case of rule `r` (if the rule is in force on the case's day).
    pub(crate) fn case(&mut self, r: u32, at: Against, amount: Fen, mut facts: Facts) {
        let rule = &self.pack.rules[r as usize];
        let d = dataset::date(at.day);
        if !rule.effective_on(d) {
            return;
        }
        common_facts(&mut facts, &rule.info.name, amount, d);
        let code = at.inst.map(|i| self.reg.institutions[i as usize].code.clone());
        facts.set("psn_no", at.psn.unwrap_or("—")).set("institution", code.as_deref().unwrap_or("—"));
        facts.set("mdtrt_id", "—");
        if let Some(i) = at.inst {
            self.count(i as usize, r as usize, amount);
        }
        self.cases.push(Case {
            rule: rule.info.clone(),
            psn_no: at.psn.map(str::to_string),
            fixmedins_code: code,
            setl_ids: at.setl_ids,
            date: d,
            amount,
            text: rule.evidence.render(&facts),
        });
    }

    fn count(&mut self, inst: usize, rule: usize, amount: Fen) {
        self.figures.grow(inst + 1);
        let i = inst * self.figures.rules + rule;
        self.figures.hits[i] += 1;
        self.figures.hit_amounts[i] += amount.0;
    }

    /// A person-level case over settlements `setls` (suspect last), held against the suspect's institution.
    pub(crate) fn person_case(&mut self, r: u32, cx: &PersonCx, setls: &[usize], amount: Fen, facts: Facts) {
        let sh = cx.shard;
        let Some(&last) = setls.last() else { return };
        let ids = setls.iter().map(|s| sh.setl_id.get(*s).to_string()).collect();
        let at =
            Against { psn: Some(sh.psn_no.get(cx.p)), inst: Some(sh.inst[last]), setl_ids: ids, day: sh.end[last] };
        self.case(r, at, amount, facts);
    }
}

/// How a review runs.
#[derive(Debug, Clone, Copy)]
pub struct ReviewOptions<'o> {
    /// Threads to use; 0 = every core.
    pub threads: usize,
    /// Also re-run every screening rule on every settled visit (事后 re-audit).
    pub reaudit: bool,
    /// The region whose rule switches apply (`None` = the pack's own).
    pub region: Option<&'o str>,
    /// How far back a settled visit's dispensing history reaches for 重复开药, in days.
    pub history_days: i32,
}

impl Default for ReviewOptions<'_> {
    fn default() -> Self {
        ReviewOptions { threads: 0, reaudit: true, region: None, history_days: 90 }
    }
}

/// What a review found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub cases: Vec<Case>,
    pub figures: Figures,
    pub persons: usize,
    pub settlements: usize,
    pub lines: usize,
}

impl Report {
    pub fn cases_of<'r>(&'r self, rule_id: &'r str) -> impl Iterator<Item = &'r Case> + 'r {
        self.cases.iter().filter(move |c| c.rule.id == rule_id)
    }
}

/// A review fed shard by shard (as the ledger's partitions arrive), finished with the institution-level detectors.
pub struct Review<'p> {
    pack: &'p RulePack,
    opts: ReviewOptions<'p>,
    report: Report,
}

impl<'p> Review<'p> {
    pub fn new(pack: &'p RulePack, opts: ReviewOptions<'p>) -> Review<'p> {
        Review { pack, opts, report: Report { figures: Figures::new(pack.rules.len(), 0), ..Report::default() } }
    }

    fn on(&self, r: usize) -> bool {
        self.pack.is_on(r, self.opts.region)
    }

    /// Runs the person-level detectors over one shard.
    pub fn feed(&mut self, reg: &Registry, shard: &Shard) {
        let pack = self.pack;
        let kinds = visit_kinds(pack, reg, shard);
        let dx_cat = categories(reg);
        let lives: Vec<(&Detector, Live)> = pack
            .rules
            .iter()
            .enumerate()
            .filter(|(i, _)| self.on(*i))
            .filter_map(|(i, r)| match &r.compiled {
                Compiled::Review(d) if d.per_person() => Some((d, live(i as u32, d, reg))),
                _ => None,
            })
            .collect();
        let threads = match self.opts.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        let parts = partitions(shard, threads);
        let opts = self.opts;
        let run = |persons: Range<usize>| {
            let mut sink = Sink::new(pack, reg);
            let mut reaudit = opts.reaudit.then(|| reaudit::Reaudit::new(pack, reg, opts));
            for p in persons {
                let cx = PersonCx { shard, reg, p, setls: shard.person_setls(p), kinds: &kinds, dx_cat: &dx_cat };
                for s in cx.setls.clone() {
                    let (i, k) = (shard.inst[s] as usize, kinds[s] as usize);
                    sink.figures.settlements[i][k] += 1;
                    sink.figures.totals[i][k] += shard.total[s];
                    let d = shard.end[s];
                    sink.figures.first_day = Some(sink.figures.first_day.map_or(d, |f| f.min(d)));
                    sink.figures.last_day = sink.figures.last_day.max(Some(d));
                }
                for (d, live) in &lives {
                    d.run(live.rule, live, &cx, &mut sink);
                }
                if let Some(ra) = reaudit.as_mut() {
                    ra.person(&cx, &mut sink);
                }
            }
            (sink.cases, sink.figures)
        };
        let results: Vec<(Vec<Case>, Figures)> = if parts.len() <= 1 {
            parts.into_iter().map(run).collect()
        } else {
            std::thread::scope(|sc| {
                let handles: Vec<_> = parts.into_iter().map(|p| sc.spawn(|| run(p))).collect();
                handles.into_iter().map(|h| h.join().expect("review thread panicked")).collect()
            })
        };
        for (cases, figures) in results {
            self.report.cases.extend(cases);
            self.report.figures.merge(&figures);
        }
        self.report.persons += shard.persons();
        self.report.settlements += shard.settlements();
        self.report.lines += shard.lines();
    }

    /// Runs the institution-level detectors and returns everything found.
    pub fn finish(mut self, reg: &Registry) -> Report {
        let pack = self.pack;
        let mut sink = Sink::new(pack, reg);
        sink.figures = std::mem::take(&mut self.report.figures);
        sink.figures.grow(reg.institutions.len());
        for (i, r) in pack.rules.iter().enumerate() {
            if !self.on(i) {
                continue;
            }
            match &r.compiled {
                Compiled::Review(Detector::PeerCost(d)) => d.run(i as u32, reg, &mut sink),
                Compiled::Review(Detector::PeerHits(d)) => d.run(i as u32, pack, reg, &mut sink),
                _ => {}
            }
        }
        self.report.cases.append(&mut sink.cases);
        self.report.figures = sink.figures;
        self.report
    }
}

/// Reviews a whole dataset: every shard, then the institution-level detectors.
pub fn review(pack: &RulePack, reg: &Registry, shards: &[Shard], opts: ReviewOptions) -> Report {
    let mut r = Review::new(pack, opts);
    for s in shards {
        r.feed(reg, s);
    }
    r.finish(reg)
}

fn live(rule: u32, d: &Detector, reg: &Registry) -> Live {
    let mut classes = [false; 256];
    for c in d.class_codes() {
        if let Some(id) = reg.classes.get(c) {
            classes[id as usize] = true;
        }
    }
    let planned = match d {
        Detector::Split(s) => (0..reg.diagnoses.len() as u32).map(|i| s.is_planned(reg.diagnoses.name(i))).collect(),
        _ => Vec::new(),
    };
    let mut med_types = [false; 256];
    if let Detector::Frequent(f) = d {
        for m in &f.exclude_med_types {
            if let Some(id) = reg.med_types.get(m) {
                med_types[id as usize] = true;
            }
        }
    }
    Live { rule, classes, planned, med_types }
}

/// The kind of every settlement: inpatient by med_type, pharmacy by med_type or institution type, else outpatient.
fn visit_kinds(pack: &RulePack, reg: &Registry, shard: &Shard) -> Vec<VisitKind> {
    let vk = &pack.visit_kinds;
    let by_med: Vec<VisitKind> = (0..reg.med_types.len() as u32)
        .map(|m| {
            let code = reg.med_types.name(m);
            if pack.is_inpatient(code) {
                VisitKind::Inpatient
            } else if vk.pharmacy_med_types.iter().any(|c| c == code) {
                VisitKind::Pharmacy
            } else {
                VisitKind::Outpatient
            }
        })
        .collect();
    let pharmacy: Vec<bool> =
        reg.institutions.iter().map(|i| vk.pharmacy_medins_types.contains(&i.medins_type)).collect();
    (0..shard.settlements())
        .map(|s| {
            let k = by_med[shard.med_type[s] as usize];
            if k == VisitKind::Outpatient && pharmacy[shard.inst[s] as usize] { VisitKind::Pharmacy } else { k }
        })
        .collect()
}

/// Each diagnosis's ICD-10 three-character category ("J18.902" → "J18").
fn categories(reg: &Registry) -> Vec<u32> {
    let mut cats = dataset::Interner::default();
    (0..reg.diagnoses.len() as u32)
        .map(|i| {
            let d = reg.diagnoses.name(i);
            cats.intern(d.get(..3).unwrap_or(d))
        })
        .collect()
}

/// Splits the persons into `n` ranges with about the same number of settlements each.
fn partitions(shard: &Shard, n: usize) -> Vec<Range<usize>> {
    let persons = shard.persons();
    let total = shard.settlements().max(1);
    let mut out = Vec::with_capacity(n);
    let mut start = 0;
    for k in 1..=n {
        let goal = total * k / n;
        let mut end = start;
        while end < persons && (k == n || (shard.setl_start[end + 1] as usize) <= goal) {
            end += 1;
        }
        if end > start {
            out.push(start..end);
        }
        start = end;
    }
    out
}
