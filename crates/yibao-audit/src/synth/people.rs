//! Synthetic insured persons and their year: who they are (sex, age, scheme, chronic disease, death), and on which
//! days they are admitted, see a doctor, or buy drugs — normal behaviour that breaks no rule of the demo pack.

use chrono::{Datelike, NaiveDate};

use super::catalogue::{ITEMS, Role, item};
use super::plant::Twist;

/// How much care a person uses in the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Profile {
    None,
    Occasional,
    Frequent,
    Chronic,
    Dialysis,
    Chemo,
}

/// One synthetic person.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    pub idx: u32,
    pub gend: &'static str,
    pub birth: NaiveDate,
    pub insutype: &'static str,
    pub profile: Profile,
    /// Day of the year of death.
    pub death: Option<i32>,
    /// The registered 门慢门特 disease.
    pub disease: Option<&'static str>,
    /// Chronic drugs (item indices) dispensed at each chronic visit.
    pub regimen: Vec<usize>,
    /// Institution indices: home village clinic, home township hospital, usual pharmacy.
    pub village: u32,
    pub township: u32,
    pub pharmacy: u32,
}

impl Spec {
    pub(crate) fn age(&self, year: i32) -> i32 {
        year - self.birth.year()
    }
    pub(crate) fn adult(&self, year: i32) -> bool {
        self.age(year) >= 19
    }
    pub(crate) fn child(&self, year: i32) -> bool {
        (3..=16).contains(&self.age(year))
    }
}

/// Institution index ranges by kind (see `INSTITUTION_MIX`).
#[derive(Debug, Clone)]
pub(crate) struct Places {
    pub tertiary: Vec<u32>,
    pub secondary: Vec<u32>,
    pub specialist: Vec<u32>,
    pub township: Vec<u32>,
    pub village: Vec<u32>,
    pub pharmacy: Vec<u32>,
}

impl Places {
    pub(crate) fn new(insts: &[crate::review::Institution]) -> Places {
        let pick = |t: &[&str]| -> Vec<u32> {
            insts
                .iter()
                .enumerate()
                .filter(|(_, i)| t.contains(&i.medins_type.as_str()))
                .map(|(k, _)| k as u32)
                .collect()
        };
        let lv = |l: &str| -> Vec<u32> {
            insts
                .iter()
                .enumerate()
                .filter(|(_, i)| i.level == l && i.medins_type != "3")
                .map(|(k, _)| k as u32)
                .collect()
        };
        Places {
            tertiary: lv("3"),
            secondary: lv("2"),
            specialist: pick(&["3"]),
            township: pick(&["4"]),
            village: pick(&["5"]),
            pharmacy: pick(&["6"]),
        }
    }
}

pub(crate) fn pick<T: Copy>(rng: &mut fastrand::Rng, v: &[T]) -> T {
    v[rng.usize(0..v.len())]
}

/// Draws one person.
pub(crate) fn person(rng: &mut fastrand::Rng, idx: u32, year: i32, places: &Places) -> Spec {
    let gend = if rng.bool() { "1" } else { "2" };
    let age = match rng.u32(0..100) {
        0..18 => rng.i32(0..18),
        18..78 => rng.i32(18..65),
        _ => rng.i32(65..92),
    };
    let birth = NaiveDate::from_ymd_opt(year - age, rng.u32(1..=12), rng.u32(1..=28)).expect("valid birth date");
    let insutype = if (20..65).contains(&age) && rng.u32(0..100) < 35 { "310" } else { "390" };
    let r = rng.u32(0..1000);
    let profile = match r {
        0..500 => Profile::None,
        500..850 => Profile::Occasional,
        850..950 => Profile::Frequent,
        950..992 if age >= 35 => Profile::Chronic,
        992..995 if age >= 18 => Profile::Dialysis,
        995..1000 if age >= 30 => Profile::Chemo,
        _ => Profile::Occasional,
    };
    let (disease, regimen) = match profile {
        Profile::Chronic if rng.bool() => ("I10", vec![item("D0901"), item("D0902"), item("D0903")]),
        Profile::Chronic => ("E11", vec![item("D0904"), item("D0905"), item("D0906")]),
        Profile::Dialysis => ("N18", vec![item("D0907")]),
        _ => ("", Vec::new()),
    };
    let mut regimen = regimen;
    if profile == Profile::Chronic {
        regimen.truncate(rng.usize(1..=2));
    }
    let death = (rng.u32(0..1000) < 6).then(|| rng.i32(30..365));
    Spec {
        idx,
        gend,
        birth,
        insutype,
        profile,
        death,
        disease: (!disease.is_empty()).then_some(disease),
        regimen,
        village: pick(rng, &places.village),
        township: pick(rng, &places.township),
        pharmacy: pick(rng, &places.pharmacy),
    }
}

/// What happens on a day.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Outpatient { emergency: bool },
    Pharmacy,
    Chronic,
    Dialysis,
    Stay { los: i32, flavor: Flavor },
}

/// The kind of stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    Medical(&'static str),
    Surgery(&'static str),
    Chemo(&'static str),
    Birth,
}

/// One settlement to generate: on which day, where (if fixed), how, and whether it is part of a planted case.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub day: i32,
    pub kind: Kind,
    pub inst: Option<u32>,
    pub minute: Option<u16>,
    pub twist: Option<Twist>,
    /// Index of the planted case this settlement belongs to.
    pub tag: Option<usize>,
}

impl Event {
    pub(crate) fn new(day: i32, kind: Kind) -> Event {
        Event { day, kind, inst: None, minute: None, twist: None, tag: None }
    }
}

/// Which days are taken: by a stay (no other care), or by a visit (no second visit that day).
#[derive(Debug, Clone)]
pub(crate) struct Calendar {
    pub stay: Vec<bool>,
    pub busy: Vec<bool>,
    pub last: i32,
}

impl Calendar {
    pub(crate) fn new(days: i32, death: Option<i32>) -> Calendar {
        let n = days as usize;
        Calendar { stay: vec![false; n], busy: vec![false; n], last: death.unwrap_or(days - 1).min(days - 1) }
    }
    pub(crate) fn free(&self, d: i32) -> bool {
        d >= 0 && d <= self.last && !self.stay[d as usize] && !self.busy[d as usize]
    }
    /// A free day in `from..to`, found by a few random draws.
    pub(crate) fn free_day(&mut self, rng: &mut fastrand::Rng, from: i32, to: i32) -> Option<i32> {
        let to = to.min(self.last + 1);
        if from >= to {
            return None;
        }
        for _ in 0..24 {
            let d = rng.i32(from..to);
            if self.free(d) {
                self.busy[d as usize] = true;
                return Some(d);
            }
        }
        None
    }
    /// Whether `b..=e` and 45 days around it hold no other stay.
    pub(crate) fn stay_fits(&self, b: i32, e: i32, margin: i32) -> bool {
        b >= 0
            && e <= self.last
            && (b - margin..=e + margin).all(|d| d < 0 || d as usize >= self.stay.len() || !self.stay[d as usize])
            && (b..=e).all(|d| !self.busy[d as usize])
    }
    pub(crate) fn take_stay(&mut self, b: i32, e: i32) {
        for d in b..=e {
            self.stay[d as usize] = true;
        }
    }
}

const MEDICAL_DX: &[&str] = &["J18.9", "I63.9", "I20.0", "J44.1", "N39.0", "K29.7", "S72.0", "E11.9", "I10"];

/// A person's normal year.
pub(crate) fn schedule(rng: &mut fastrand::Rng, p: &Spec, cal: &mut Calendar, year: i32, days: i32) -> Vec<Event> {
    let mut ev = Vec::new();
    let (outpatient, pharmacy, stays) = match p.profile {
        Profile::None => (0, 0, 0),
        Profile::Occasional => (rng.u32(1..=6), rng.u32(0..=3), u32::from(rng.u32(0..100) < 10)),
        Profile::Frequent => (rng.u32(5..=20), rng.u32(3..=12), rng.u32(0..=2)),
        Profile::Chronic => (rng.u32(0..=3), rng.u32(0..=4), u32::from(rng.u32(0..100) < 50)),
        Profile::Dialysis => (rng.u32(0..=2), rng.u32(0..=2), 0),
        Profile::Chemo => (rng.u32(1..=3), rng.u32(0..=2), 0),
    };
    let female_adult = p.gend == "2" && (20..=40).contains(&p.age(year));
    if female_adult && p.insutype == "310" && rng.u32(0..100) < 4 {
        let los = rng.i32(3..=5);
        place_stay(rng, cal, &mut ev, los, Flavor::Birth, 0);
    }
    for _ in 0..stays {
        let flavor = match rng.u32(0..10) {
            0 => Flavor::Surgery("K35.8"),
            1 => Flavor::Surgery("K80.1"),
            _ => Flavor::Medical(pick(rng, MEDICAL_DX)),
        };
        let los = if matches!(flavor, Flavor::Surgery(_)) { rng.i32(5..=10) } else { rng.i32(3..=12) };
        place_stay(rng, cal, &mut ev, los, flavor, 45);
    }
    if p.profile == Profile::Chemo {
        let mut b = rng.i32(0..40);
        let mut first = true;
        while b + 4 < cal.last {
            let los = rng.i32(3..=4);
            if cal.stay_fits(b, b + los, 0) {
                cal.take_stay(b, b + los);
                let dx = if first { "C34.9" } else { "Z51.1" };
                ev.push(Event::new(b, Kind::Stay { los, flavor: Flavor::Chemo(dx) }));
                first = false;
            }
            b += los + rng.i32(11..=15);
        }
    }
    match p.profile {
        Profile::Chronic => recurring(rng, cal, &mut ev, 28, Kind::Chronic, |r| r.i32(28..=30)),
        Profile::Dialysis => recurring(rng, cal, &mut ev, 3, Kind::Dialysis, |r| if r.u32(0..3) == 0 { 3 } else { 2 }),
        _ => {}
    }
    for _ in 0..outpatient {
        if let Some(d) = cal.free_day(rng, 0, days) {
            ev.push(Event::new(d, Kind::Outpatient { emergency: rng.u32(0..100) < 5 }));
        }
    }
    for _ in 0..pharmacy {
        if let Some(d) = cal.free_day(rng, 0, days) {
            ev.push(Event::new(d, Kind::Pharmacy));
        }
    }
    ev
}

/// Visits of one kind from a random day before `first`, every `step` days, on the days that are free.
fn recurring(
    rng: &mut fastrand::Rng,
    cal: &mut Calendar,
    ev: &mut Vec<Event>,
    first: i32,
    kind: Kind,
    mut step: impl FnMut(&mut fastrand::Rng) -> i32,
) {
    let mut d = rng.i32(0..first);
    while d <= cal.last {
        if cal.free(d) {
            cal.busy[d as usize] = true;
            ev.push(Event::new(d, kind.clone()));
        }
        d += step(rng);
    }
}

/// Places a stay of `los` days at a random place with `margin` free days around it.
pub(crate) fn place_stay(
    rng: &mut fastrand::Rng,
    cal: &mut Calendar,
    ev: &mut Vec<Event>,
    los: i32,
    flavor: Flavor,
    margin: i32,
) -> Option<usize> {
    for _ in 0..24 {
        let b = rng.i32(0..(cal.last - los).max(1));
        if cal.stay_fits(b, b + los, margin) {
            cal.take_stay(b, b + los);
            ev.push(Event::new(b, Kind::Stay { los, flavor }));
            return Some(ev.len() - 1);
        }
    }
    None
}

/// Oral drugs for adults and for children (item indices).
pub(crate) fn orals(child: bool) -> Vec<usize> {
    if child {
        vec![item("D0960"), item("D1160"), item("D0916"), item("D0912")]
    } else {
        ITEMS.iter().enumerate().filter(|(_, i)| i.role == Role::Oral).map(|(k, _)| k).collect()
    }
}
