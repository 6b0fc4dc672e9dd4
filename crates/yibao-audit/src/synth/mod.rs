//! A synthetic county year with planted violations: deterministic by seed, normal behaviour that breaks no rule of
//! the demo pack (most people never see a doctor; outpatient visits of 5–20 lines, stays of 20–60 lines charged day
//! by day, chronic and dialysis patients, chemotherapy cycles, births, pharmacies), and a known set of cases of
//! every rule's kind, returned as ground truth — for tests, benchmarks and `yibao gen`.

pub mod catalogue;
mod drafts;
mod people;
mod plant;

use chrono::{Duration, NaiveDate};
use rustc_hash::FxHashMap;
use yibao_core::money::line_amount;
use yibao_core::{Fen, Ratio};

pub use catalogue::{DEMO_PACK_TOML, KNOWLEDGE_FILES, demo_pack, knowledge_file};
pub use plant::PLANTED_RULES;

use crate::finding::Case;
use crate::knowledge::{Col, RowReader, Table};
use crate::review::{LineIn, PersonIn, Registry, Report, SettlementIn, Shard, ShardBuilder};
use crate::rules::{RulePack, audit_dictionaries};
use drafts::{Drafter, Shop, modifier_text};
use people::{Calendar, Places};

/// A line of [`stay_lines`]: (code, 收费类别, unit price, quantity, day offset from admission).
pub type StayLine = (&'static str, &'static str, &'static str, &'static str, i64);

/// A 7-day pneumonia stay in the demo pack's codes: 50 lines, with 特级护理 and 一级护理 charged on the same day
/// (one 重复收费). The one stay the screening benchmarks time (`benches/screen.rs`, the gateway's `fsi_bench`).
pub fn stay_lines() -> Vec<StayLine> {
    let mut v = vec![
        ("S0401", "04", "20", "1", 0),
        ("S0402", "04", "10", "1", 0),
        ("S0403", "04", "60", "1", 0),
        ("S0404", "04", "40", "1", 0),
        ("S0406", "04", "30", "1", 0),
        ("S0302", "03", "60", "1", 0),
        ("S0304", "03", "25", "1", 0),
        ("S0703", "07", "80", "1", 0),
    ];
    for day in 0..7 {
        v.extend([("S0101", "01", "30", "1", day), ("S0701", "07", "25", "1", day), ("S0202", "02", "20", "1", day)]);
        v.extend([("S0501", "05", "12", "1", day), ("D0921", "09", "18", "2", day)]);
    }
    v.extend([("D0920", "09", "4", "3", 1), ("M0801", "08", "5", "7", 1), ("S0510", "05", "8", "20", 1)]);
    v.extend((1..=4).map(|day| ("S0411", "04", "5", "3", day)));
    v.truncate(50);
    v
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    pub seed: u64,
    pub persons: u32,
    pub year: i32,
    /// Planted cases of each person-level kind.
    pub plants: u32,
    /// How many shards the persons are split into (as a sharded ledger would yield them).
    pub shards: u32,
}

impl Config {
    /// A county year: 210,000 insured, about 1,020,000 settlements and 8,900,000 fee lines.
    pub fn county_year() -> Config {
        Config { seed: 2026, persons: 210_000, year: 2025, plants: 30, shards: 1 }
    }
    /// A small year for tests: about 4.6 settlements per person, 8 planted cases of each kind, two shards.
    pub fn small(persons: u32) -> Config {
        Config { seed: 7, persons, year: 2025, plants: 8, shards: 2 }
    }
}

/// One planted case: the rule that must find it, and who and what it involves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planted {
    pub rule_id: &'static str,
    pub psn_no: Option<String>,
    pub fixmedins_code: Option<String>,
    pub setl_ids: Vec<String>,
}

impl Planted {
    /// Whether a case found by review is this planted case.
    pub fn matches(&self, c: &Case) -> bool {
        c.rule.id == self.rule_id
            && (self.psn_no.is_none() || c.psn_no == self.psn_no)
            && (self.fixmedins_code.is_none() || c.fixmedins_code == self.fixmedins_code)
            && (self.setl_ids.is_empty() || c.setl_ids.iter().any(|s| self.setl_ids.contains(s)))
    }
}

/// The generated year.
#[derive(Debug, Clone)]
pub struct SynthYear {
    pub registry: Registry,
    pub shards: Vec<Shard>,
    pub truth: Vec<Planted>,
}

impl SynthYear {
    pub fn settlements(&self) -> usize {
        self.shards.iter().map(Shard::settlements).sum()
    }
    pub fn lines(&self) -> usize {
        self.shards.iter().map(Shard::lines).sum()
    }
}

fn rng_for(seed: u64, n: u64) -> fastrand::Rng {
    fastrand::Rng::with_seed(seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

fn days_per_box() -> FxHashMap<usize, i32> {
    const COLS: &[Col] = &[
        Col::req("code", "项目编码", &[]),
        Col::opt("name", "项目名称", &[]),
        Col::req("pack", "包装数量", &[]),
        Col::req("daily_dose", "每日用量", &[]),
        Col::opt("group", "药品分组", &[]),
    ];
    let text = knowledge_file("knowledge/drug_supply.csv").expect("demo pack has a supply table");
    let table = Table::from_bytes("drug_supply.csv", text.as_bytes()).expect("supply table reads");
    let dict = audit_dictionaries();
    let mut r = RowReader::new(&table, COLS, &dict);
    let rows =
        r.rows(|c| Some((c.req("code")?.to_string(), c.req_parse::<i32>("pack")?, c.req_parse::<i32>("daily_dose")?)));
    rows.into_iter().map(|(code, pack, dose)| (catalogue::item(&code), pack / dose)).collect()
}

/// Generates a year.
pub fn generate(cfg: &Config) -> SynthYear {
    let mut registry = Registry::default();
    let insts = catalogue::institutions();
    for i in &insts {
        registry.institution(i.clone());
    }
    let places = Places::new(&insts);
    let jan1 = NaiveDate::from_ymd_opt(cfg.year, 1, 1).expect("valid year");
    let days = (NaiveDate::from_ymd_opt(cfg.year + 1, 1, 1).expect("valid year") - jan1).num_days() as i32;
    let specs: Vec<people::Spec> =
        (0..cfg.persons).map(|i| people::person(&mut rng_for(cfg.seed, u64::from(i)), i, cfg.year, &places)).collect();
    let mut plan = plant::plan(&mut rng_for(cfg.seed, u64::MAX), &specs, &places, &insts, cfg.plants, cfg.year);
    let mut factor_rng = rng_for(cfg.seed, u64::MAX - 1);
    let mut factor: Vec<i64> = insts.iter().map(|_| factor_rng.i64(85..=115)).collect();
    for &i in &plan.expensive {
        factor[i as usize] = 220;
    }
    let shop = Shop { places: &places, insts: &insts, factor: &factor, year: cfg.year, days_per_box: days_per_box() };
    let world = World { cfg, shop: &shop, places: &places, jan1, days };
    let per_shard = cfg.persons.div_ceil(cfg.shards.max(1)).max(1);
    let mut shards = Vec::new();
    for chunk in specs.chunks(per_shard as usize) {
        let mut b = ShardBuilder::new(&mut registry);
        for p in chunk {
            world.person_year(p, &mut plan, &mut b);
        }
        shards.push(b.finish());
    }
    plan.truth.retain(|t| t.psn_no.is_none() || !t.setl_ids.is_empty());
    SynthYear { registry, shards, truth: plan.truth }
}

/// What every person's year is generated in.
struct World<'a> {
    cfg: &'a Config,
    shop: &'a Shop<'a>,
    places: &'a Places,
    jan1: NaiveDate,
    days: i32,
}

impl World<'_> {
    fn person_year(&self, p: &people::Spec, plan: &mut plant::Plan, b: &mut ShardBuilder) {
        let (cfg, jan1) = (self.cfg, self.jan1);
        let mut rng = rng_for(cfg.seed ^ 0x5EED, u64::from(p.idx));
        let mut cal = Calendar::new(self.days, p.death);
        let mut events = people::schedule(&mut rng, p, &mut cal, cfg.year, self.days);
        let psn_no = format!("999001{:08}", p.idx);
        if let Some(&a) = plan.person.get(&p.idx)
            && plant::place(&mut rng, a, p, &mut cal, self.places, &mut events)
        {
            plan.truth[a.tag].psn_no = Some(psn_no.clone());
        }
        events.sort_by_key(|e| (e.day, e.minute.unwrap_or(0)));
        let date = |d: i32| jan1 + Duration::days(i64::from(d));
        b.person(PersonIn { psn_no: &psn_no, gend: Some(p.gend), brdy: Some(p.birth), death_date: p.death.map(date) })
            .expect("persons are generated in psn_no order");
        if let Some(d) = p.disease {
            b.registration(d, NaiveDate::from_ymd_opt(cfg.year - 1, 1, 1).expect("valid date"), None);
        }
        let mut drafter = Drafter::new(self.shop, &mut rng, p);
        for (k, e) in events.iter().enumerate() {
            let d = drafter.settle(e);
            let setl_id = format!("SE{psn_no}{k:03}");
            if let Some(t) = d.tag {
                plan.truth[t].setl_ids.push(setl_id.clone());
            }
            let amounts: Vec<Fen> = d.lines.iter().map(|l| line_amount(l.price, l.qty)).collect();
            let claimed: Fen = d.lines.iter().zip(&amounts).filter(|(l, _)| !l.ownpay).map(|(_, a)| *a).sum();
            let ratio = match d.med_type {
                "21" | "52" => 7000,
                "14" => 6000,
                "41" => 4000,
                _ => 5000,
            };
            let inst = &self.shop.insts[d.inst as usize];
            b.settlement(SettlementIn {
                setl_id: &setl_id,
                mdtrt_id: &format!("MD{psn_no}{k:03}"),
                fixmedins_code: &inst.code,
                med_type: d.med_type,
                insutype: d.insutype,
                begin: date(d.begin),
                end: date(d.end),
                minute: d.minute,
                main_dx: d.dx,
                opsp_dise: d.opsp,
                emergency: d.emergency,
                total: amounts.iter().copied().sum(),
                fund: claimed.mul_ratio(Ratio(ratio)),
            })
            .expect("institution is registered");
            for (l, amount) in d.lines.iter().zip(amounts) {
                let it = &catalogue::ITEMS[l.item];
                b.line(LineIn {
                    code: it.code,
                    name: it.name,
                    class: it.class,
                    date: date(d.begin + i32::from(l.day)),
                    qty: l.qty,
                    price: l.price,
                    amount,
                    ownpay: l.ownpay,
                    modifier: l.modifier.then(modifier_text),
                })
                .expect("line fits its settlement");
            }
        }
    }
}

/// How well one rule found its planted cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Score {
    pub rule_id: String,
    pub rule_name: String,
    pub planted: usize,
    /// Planted cases with at least one matching finding.
    pub recalled: usize,
    pub findings: usize,
    /// Findings that match a planted case.
    pub matched: usize,
}

/// `num ÷ den` as a percentage with one decimal ("97.5%"; "—" when `den` is 0).
pub fn percent(num: usize, den: usize) -> String {
    if den == 0 {
        return "—".to_string();
    }
    let tenths = (num * 1000 + den / 2) / den;
    format!("{}.{}%", tenths / 10, tenths % 10)
}

impl Score {
    pub fn recall(&self) -> String {
        percent(self.recalled, self.planted)
    }
    pub fn precision(&self) -> String {
        percent(self.matched, self.findings)
    }
}

/// Recall and precision of every rule of the pack on the planted set.
pub fn score(pack: &RulePack, report: &Report, truth: &[Planted]) -> Vec<Score> {
    let mut by_rule: FxHashMap<&str, Vec<&Planted>> = FxHashMap::default();
    for t in truth {
        by_rule.entry(t.rule_id).or_default().push(t);
    }
    pack.rules()
        .iter()
        .map(|r| {
            let id = r.info.id.as_str();
            let planted = by_rule.get(id).map_or(&[][..], Vec::as_slice);
            let cases: Vec<&Case> = report.cases_of(id).collect();
            Score {
                rule_id: id.to_string(),
                rule_name: r.info.name.clone(),
                planted: planted.len(),
                recalled: planted.iter().filter(|p| cases.iter().any(|c| p.matches(c))).count(),
                findings: cases.len(),
                matched: cases.iter().filter(|c| planted.iter().any(|p| p.matches(c))).count(),
            }
        })
        .collect()
}

/// The scores as a table for people.
pub fn score_table(scores: &[Score]) -> String {
    let mut s = String::from("规则  模板名称                               埋点  召回  召回率   命中  正确  精确率\n");
    for x in scores {
        s.push_str(&format!(
            "{:<5} {:<36} {:>5} {:>5} {:>7} {:>5} {:>5} {:>7}\n",
            x.rule_id,
            x.rule_name,
            x.planted,
            x.recalled,
            x.recall(),
            x.findings,
            x.matched,
            x.precision()
        ));
    }
    s
}
