//! The fee lines of each synthetic settlement: outpatient visits (5–20 lines), inpatient stays (20–60 lines, charged
//! day by day), chronic-disease visits, dialysis sessions and pharmacy purchases — and the twists planted cases add.

use rustc_hash::FxHashMap;
use yibao_core::{Price, Qty};

use super::catalogue::{ITEMS, Role, item, price};
use super::people::{Event, Flavor, Kind, Places, Spec, orals, pick};
use super::plant::Twist;
use crate::review::Institution;

/// One settlement before it goes into the shard.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub inst: u32,
    pub med_type: &'static str,
    pub insutype: &'static str,
    pub begin: i32,
    pub end: i32,
    pub minute: u16,
    pub dx: &'static str,
    pub opsp: Option<&'static str>,
    pub emergency: bool,
    pub lines: Vec<LineDraft>,
    pub tag: Option<usize>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct LineDraft {
    pub item: usize,
    pub day: u16,
    pub qty: Qty,
    pub price: Price,
    pub ownpay: bool,
    pub modifier: bool,
}

/// What every person's drafts share: places, institution price factors, drug pack sizes.
pub(crate) struct Shop<'a> {
    pub places: &'a Places,
    pub insts: &'a [Institution],
    /// Each institution's price factor, percent.
    pub factor: &'a [i64],
    pub year: i32,
    /// Days one billing unit of a drug lasts (pack ÷ daily dose, rounded down).
    pub days_per_box: FxHashMap<usize, i32>,
}

/// Drafts one person's settlements in day order, keeping track of the drug supply they hold.
pub(crate) struct Drafter<'a, 'r> {
    shop: &'a Shop<'a>,
    rng: &'r mut fastrand::Rng,
    p: &'a Spec,
    supply_end: Vec<(usize, i32)>,
}

const MODIFIER: &str = "单独收费说明";
/// Days before a normal person buys the same drug again.
const COOL_DOWN: i32 = 10;

pub(crate) fn modifier_text() -> &'static str {
    MODIFIER
}

impl<'a, 'r> Drafter<'a, 'r> {
    pub(crate) fn new(shop: &'a Shop<'a>, rng: &'r mut fastrand::Rng, p: &'a Spec) -> Drafter<'a, 'r> {
        Drafter { shop, rng, p, supply_end: Vec::new() }
    }

    fn draft(&self, inst: u32, med_type: &'static str, e: &Event, minute: u16) -> Draft {
        Draft {
            inst,
            med_type,
            insutype: self.p.insutype,
            begin: e.day,
            end: e.day,
            minute: e.minute.unwrap_or(minute),
            dx: "",
            opsp: None,
            emergency: false,
            lines: Vec::new(),
            tag: e.tag,
        }
    }

    fn add(&self, d: &mut Draft, it: usize, day: i32, units: i64) {
        let inst = &self.shop.insts[d.inst as usize];
        let p = price(&ITEMS[it], &inst.level, self.shop.factor[d.inst as usize]);
        let ownpay = ITEMS[it].lv == "03";
        let day = (day - d.begin) as u16;
        d.lines.push(LineDraft { item: it, day, qty: Qty(units * Qty::ONE), price: p, ownpay, modifier: false });
    }

    fn active(&self, it: usize, day: i32) -> bool {
        self.supply_end.iter().any(|(i, end)| *i == it && *end > day)
    }

    /// Dispenses `boxes` of a drug on `day`; returns false (and dispenses nothing) while an earlier supply lasts.
    /// Normal people do not buy the same drug again within [`COOL_DOWN`] days either.
    fn dispense(&mut self, d: &mut Draft, it: usize, day: i32, boxes: i64) -> bool {
        if ["09", "10", "11"].contains(&ITEMS[it].class) {
            if self.active(it, day) {
                return false;
            }
            let lasts = self.shop.days_per_box.get(&it).map_or(0, |per| per * boxes as i32);
            let end = day + lasts.max(COOL_DOWN);
            match self.supply_end.iter_mut().find(|(i, _)| *i == it) {
                Some(s) => s.1 = s.1.max(end),
                None => self.supply_end.push((it, end)),
            }
        }
        self.add(d, it, day, boxes);
        true
    }

    fn some_orals(&mut self, d: &mut Draft, day: i32, n: usize) {
        let pool = orals(self.p.child(self.shop.year));
        for _ in 0..n {
            let it = pick(self.rng, &pool);
            if !d.lines.iter().any(|l| l.item == it) {
                self.dispense(d, it, day, 1);
            }
        }
    }

    fn of_role(&mut self, role: Role) -> usize {
        let pool: Vec<usize> = ITEMS.iter().enumerate().filter(|(_, i)| i.role == role).map(|(k, _)| k).collect();
        pick(self.rng, &pool)
    }

    /// Adds `n` distinct items of a role.
    fn some(&mut self, d: &mut Draft, role: Role, day: i32, n: usize) {
        for _ in 0..n {
            let it = self.of_role(role);
            // 静脉注射 only ever comes with 静脉输液 and a documented modifier (the bypassable pair).
            if ITEMS[it].code == "S0502" {
                continue;
            }
            if !d.lines.iter().any(|l| l.item == it && l.day as i32 == day - d.begin) {
                self.add(d, it, day, 1);
            }
        }
    }

    pub(crate) fn settle(&mut self, e: &Event) -> Draft {
        let mut d = match &e.kind {
            Kind::Outpatient { emergency } => self.outpatient(e, *emergency),
            Kind::Pharmacy => self.pharmacy(e),
            Kind::Chronic => self.chronic(e),
            Kind::Dialysis => self.dialysis(e),
            Kind::Stay { los, flavor } => self.stay(e, *los, *flavor),
        };
        if let Some(Twist::Oversupply) = e.twist {
            let pool = orals(false);
            let it = pool.iter().copied().find(|i| !self.active(*i, e.day)).unwrap_or(pool[0]);
            let boxes = i64::from(7 / self.shop.days_per_box[&it] + 2);
            self.supply_end.retain(|(i, _)| *i != it);
            self.dispense(&mut d, it, e.day, boxes);
        }
        if let Some(Twist::AddLine { item, boxes, price_yuan, ownpay }) = &e.twist {
            if !self.dispense(&mut d, *item, e.day, *boxes) {
                self.add(&mut d, *item, e.day, *boxes);
            }
            let l = d.lines.last_mut().expect("line just added");
            if let Some(y) = price_yuan {
                l.price = Price(y * Price::ONE);
            }
            l.ownpay = *ownpay;
        }
        d
    }

    fn outpatient(&mut self, e: &Event, emergency: bool) -> Draft {
        let places = self.shop.places;
        let inst = e.inst.unwrap_or_else(|| match self.rng.u32(0..100) {
            _ if emergency => pick(self.rng, &places.secondary),
            0..45 => self.p.village,
            45..75 => self.p.township,
            75..95 => pick(self.rng, &places.secondary),
            _ => pick(self.rng, &places.tertiary),
        });
        let level: u32 = self.shop.insts[inst as usize].level.parse().unwrap_or(0);
        let minute = self.rng.u16(480..1050);
        let mut d = self.draft(inst, if emergency { "13" } else { "11" }, e, minute);
        d.emergency = emergency;
        d.dx = pick(self.rng, &["J06.9", "K29.7", "M54.5", "L30.9", "R51", "J20.9", "H10.9", "I10", "E11.9"]);
        let day = e.day;
        self.add(&mut d, item("S0201"), day, 1);
        if emergency {
            let n = self.rng.usize(1..=3);
            self.some(&mut d, Role::Lab, day, n);
            for code in ["S0501", "D0920", "M0801"] {
                self.add(&mut d, item(code), day, 1);
            }
            self.dispense(&mut d, item("D1101"), day, 1);
            return d;
        }
        let target = match level {
            0 => self.rng.usize(5..=10),
            1 => self.rng.usize(7..=16),
            _ => self.rng.usize(10..=20),
        };
        let n_drugs = self.rng.usize(1..=4);
        self.some_orals(&mut d, day, n_drugs);
        if self.rng.u32(0..100) < 30 {
            let it = self.of_role(Role::Patent);
            let q = self.rng.i64(1..=2);
            self.dispense(&mut d, it, day, q);
        }
        self.compliant_extras(&mut d, level, day);
        let mut guard = 0;
        while d.lines.len() < target && guard < 40 {
            guard += 1;
            let r = self.rng.u32(0..10);
            let role = if level == 0 {
                if r < 5 { Role::Treat } else { Role::Material }
            } else {
                match r {
                    0..4 => Role::Lab,
                    4..6 => Role::Exam,
                    6..8 => Role::Treat,
                    _ => Role::Material,
                }
            };
            self.some(&mut d, role, day, 1);
        }
        d
    }

    /// Restricted items where their rows allow them (the non-hitting side of every restriction rule).
    fn compliant_extras(&mut self, d: &mut Draft, level: u32, day: i32) {
        let year = self.shop.year;
        let r = self.rng.u32(0..1000);
        let adult = self.p.adult(year);
        match r {
            0..30 if adult && self.p.gend == "2" && level >= 1 => self.add(d, item("S0331"), day, 1),
            30..50 if adult && self.p.gend == "1" && self.p.age(year) >= 50 => {
                self.add(d, item("S0330"), day, 1);
                self.dispense(d, item("D0951"), day, 1);
            }
            50..90 if adult => {
                self.dispense(d, item("D0917"), day, 1);
            }
            90..100 if level >= 1 => {
                self.add(d, item("S0390"), day, 1);
            }
            100..102 if level == 3 => self.add(d, item("S0340"), day, 1),
            _ => {}
        }
    }

    fn pharmacy(&mut self, e: &Event) -> Draft {
        let inst = e.inst.unwrap_or_else(|| {
            if self.rng.u32(0..100) < 70 { self.p.pharmacy } else { pick(self.rng, &self.shop.places.pharmacy) }
        });
        let minute = self.rng.u16(480..1260);
        let mut d = self.draft(inst, "41", e, minute);
        let day = e.day;
        let n = self.rng.usize(1..=3);
        self.some_orals(&mut d, day, n);
        match self.rng.u32(0..100) {
            0..30 => {
                let it = self.of_role(Role::Patent);
                self.dispense(&mut d, it, day, 1);
            }
            30..45 => {
                let it = pick(self.rng, &[item("D1001"), item("D1002")]);
                let grams = self.rng.i64(50..=200);
                self.dispense(&mut d, it, day, grams);
            }
            45..48 => {
                self.dispense(&mut d, item("D0999"), day, 1);
            }
            _ => {}
        }
        if d.lines.is_empty() && !["D1102", "D1101", "D1002"].iter().any(|c| self.dispense(&mut d, item(c), day, 1)) {
            self.add(&mut d, item("M0803"), day, 2);
        }
        d
    }

    fn chronic(&mut self, e: &Event) -> Draft {
        let inst = e.inst.unwrap_or(self.p.township);
        let minute = self.rng.u16(480..1050);
        let mut d = self.draft(inst, "14", e, minute);
        d.opsp = self.p.disease;
        d.dx = if self.p.disease == Some("I10") { "I10" } else { "E11.9" };
        let day = e.day;
        self.add(&mut d, item("S0201"), day, 1);
        match e.twist {
            Some(Twist::RepeatBox) => {
                let it = self.p.regimen[0];
                let per = self.shop.days_per_box[&it];
                let end = day + per;
                if let Some(s) = self.supply_end.iter_mut().find(|(i, _)| *i == it) {
                    s.1 = s.1.max(end);
                }
                self.add(&mut d, it, day, 1);
            }
            Some(Twist::OffList) => {
                let pool = orals(false);
                let it = pool.iter().copied().find(|i| !self.active(*i, day)).unwrap_or(pool[0]);
                self.dispense(&mut d, it, day, 1);
            }
            _ => {
                let lab = if self.p.disease == Some("E11") { "S0405" } else { "S0304" };
                self.add(&mut d, item(lab), day, 1);
                for it in self.p.regimen.clone() {
                    let per = self.shop.days_per_box[&it];
                    let boxes = i64::from(28 / per);
                    self.supply_end.retain(|(i, _)| *i != it);
                    self.dispense(&mut d, it, day, boxes);
                }
            }
        }
        d
    }

    fn dialysis(&mut self, e: &Event) -> Draft {
        let places = self.shop.places;
        let inst = e.inst.unwrap_or(places.secondary[self.p.idx as usize % places.secondary.len()]);
        let minute = self.rng.u16(480..900);
        let mut d = self.draft(inst, "14", e, minute);
        d.opsp = Some("N18");
        d.dx = "N18.5";
        for code in ["S0560", "M0801", "M0802", "D0920", "S0202"] {
            self.add(&mut d, item(code), e.day, 1);
        }
        if e.day % 30 < 3 {
            for code in ["S0401", "S0404", "S0406"] {
                self.add(&mut d, item(code), e.day, 1);
            }
        }
        if e.day % 7 < 2 {
            self.add(&mut d, item("D0907"), e.day, 1);
        }
        d
    }

    fn stay(&mut self, e: &Event, los: i32, flavor: Flavor) -> Draft {
        let places = self.shop.places;
        let inst = e.inst.unwrap_or_else(|| match flavor {
            Flavor::Chemo(_) => pick(self.rng, &places.tertiary),
            Flavor::Birth => pick(self.rng, &places.specialist),
            _ => match self.rng.u32(0..100) {
                0..35 => self.p.township,
                35..80 => pick(self.rng, &places.secondary),
                _ => pick(self.rng, &places.tertiary),
            },
        });
        let level: u32 = self.shop.insts[inst as usize].level.parse().unwrap_or(0);
        let (med_type, dx) = match flavor {
            Flavor::Medical(dx) | Flavor::Surgery(dx) | Flavor::Chemo(dx) => ("21", dx),
            Flavor::Birth => ("52", "O80.0"),
        };
        let minute = self.rng.u16(540..960);
        let mut d = self.draft(inst, med_type, e, minute);
        d.end = e.day + los;
        d.dx = dx;
        if flavor == Flavor::Birth {
            d.insutype = "510";
        }
        let b = e.day;
        let idle = match e.twist {
            Some(Twist::IdleDays(k)) => k,
            _ => 0,
        };
        let nursing =
            if matches!(e.twist, Some(Twist::NursingPair)) || self.rng.u32(0..100) < 30 { "S0701" } else { "S0702" };
        // Admission day: labs and exams.
        let n = self.rng.usize(3..=6);
        self.some(&mut d, Role::Lab, b, n);
        let n = self.rng.usize(1..=3);
        self.some(&mut d, Role::Exam, b, n);
        match self.rng.u32(0..100) {
            0..2 if level >= 2 => self.add(&mut d, item("D0970"), b + 1, 1),
            2..5 => self.add(&mut d, item("D0980"), b + 1, 1),
            5..6 if level == 3 => self.add(&mut d, item("S0340"), b, 1),
            _ => {}
        }
        match flavor {
            Flavor::Surgery(dx) => {
                let op = if dx == "K35.8" { "S0601" } else { "S0602" };
                for code in [op, "M0802", "S0505"] {
                    self.add(&mut d, item(code), b + 1, 1);
                }
            }
            Flavor::Chemo(_) => {
                self.add(&mut d, item("D0930"), b + 1, 5);
                self.add(&mut d, item("D0920"), b + 1, 2);
            }
            Flavor::Birth => {
                self.add(&mut d, item("D0990"), b, 2);
                if self.rng.bool() {
                    self.add(&mut d, item("D0950"), b + 1, 1);
                }
            }
            Flavor::Medical(_) => {}
        }
        let fixed = d.lines.len();
        let per_day = ((60 - fixed as i32 - 3 * los) / los).clamp(1, 4) as usize;
        for day in b..b + los {
            self.add(&mut d, item("S0101"), day, 1);
            self.add(&mut d, item(nursing), day, 1);
            if day >= b + los - idle {
                continue;
            }
            self.add(&mut d, item("S0202"), day, 1);
            let n = self.rng.usize(1..=per_day);
            for _ in 0..n {
                self.daily_treatment(&mut d, day);
            }
        }
        while d.lines.len() < 20 {
            self.some(&mut d, Role::Lab, b + 1, 1);
        }
        match e.twist {
            Some(Twist::ExtraBedDay) => self.add(&mut d, item("S0101"), b + los, 1),
            Some(Twist::LongMonitor) => self.add(&mut d, item("S0510"), b + 1, 30),
            Some(Twist::NursingPair) => self.add(&mut d, item("S0703"), b, 1),
            Some(Twist::InfusionPair) => {
                self.add(&mut d, item("S0501"), b + 1, 1);
                self.add(&mut d, item("S0502"), b + 1, 1);
            }
            _ => {}
        }
        d
    }

    fn daily_treatment(&mut self, d: &mut Draft, day: i32) {
        let off = (day - d.begin) as u16;
        let has = |d: &Draft, code: &str| d.lines.iter().any(|l| l.day == off && ITEMS[l.item].code == code);
        match self.rng.u32(0..10) {
            0..3 if !has(d, "S0501") => {
                self.add(d, item("S0501"), day, 1);
                self.add(d, item("M0801"), day, 1);
                let fluid = pick(self.rng, &[item("D0920"), item("D0922"), item("D0921"), item("D0923")]);
                self.add(d, fluid, day, 1);
                if self.rng.u32(0..10) == 0 {
                    self.add(d, item("S0502"), day, 1);
                    d.lines.last_mut().expect("line just added").modifier = true;
                }
            }
            3..5 if !has(d, "S0411") => {
                let q = self.rng.i64(2..=4);
                self.add(d, item("S0411"), day, q)
            }
            5..6 if !has(d, "S0510") => {
                let q = self.rng.i64(6..=24);
                self.add(d, item("S0510"), day, q)
            }
            _ => {
                let it = self.of_role(Role::Treat);
                let code = ITEMS[it].code;
                if code != "S0502" && !has(d, code) {
                    self.add(d, it, day, 1);
                } else {
                    self.add(d, item("S0503"), day, 1);
                }
            }
        }
    }
}
