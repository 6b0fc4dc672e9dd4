//! Planted violations: which persons and institutions get one, and the settlements that make it — one kind per rule
//! of the demo pack, each recorded as ground truth.

use rustc_hash::FxHashMap;

use super::Planted;
use super::catalogue::item;
use super::people::{Calendar, Event, Flavor, Kind, Places, Profile, Spec, pick, place_stay};
use crate::review::Institution;

/// What a planted case changes in an otherwise normal settlement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Twist {
    /// One more line: `boxes` units of `item`, at `price_yuan` if given.
    AddLine { item: usize, boxes: i64, price_yuan: Option<i64>, ownpay: bool },
    /// An oral drug for more days than an ordinary visit allows.
    Oversupply,
    /// One more bed day than the stay has.
    ExtraBedDay,
    /// 30 hours of monitoring in one day.
    LongMonitor,
    /// 特级护理 and 一级护理 the same day.
    NursingPair,
    /// 静脉输液 and 静脉注射 the same day without a documented modifier.
    InfusionPair,
    /// The last n days of the stay charge only bed and nursing.
    IdleDays(i32),
    /// A chronic drug again while the last month's supply lasts.
    RepeatBox,
    /// A drug outside the registered disease's list on a chronic visit.
    OffList,
}

/// The planted case kinds, by the demo pack's rule IDs.
pub const PLANTED_RULES: [&str; 24] = [
    "R01", "R02", "R03", "R04", "R05", "R06", "R07", "R08", "R09", "R10", "R11", "R12", "R13", "R14", "B01", "B02",
    "B03", "B04", "B05", "B06", "B07", "B08", "B09", "B10",
];

/// One person's planted case: the rule, its ground-truth index, and the institution it must happen at (if fixed).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Assigned {
    pub rule: &'static str,
    pub tag: usize,
    pub inst: Option<u32>,
}

/// Who gets which plant.
pub(crate) struct Plan {
    pub person: FxHashMap<u32, Assigned>,
    pub truth: Vec<Planted>,
    /// Institutions whose prices are inflated (次均费用 outliers).
    pub expensive: Vec<u32>,
}

fn eligible(rule: &str, p: &Spec, year: i32) -> bool {
    let light = matches!(p.profile, Profile::None | Profile::Occasional) && p.death.is_none();
    match rule {
        "R01" => light && p.adult(year) && p.gend == "1",
        "R03" => light && p.child(year),
        "R12" | "R13" => p.profile == Profile::Chronic && p.death.is_none(),
        "R14" => p.death.is_some_and(|d| d < 330) && p.profile != Profile::Chemo,
        "B06" | "B07" => light,
        _ => light && p.adult(year),
    }
}

/// Picks the persons and institutions for `per_rule` cases of every kind.
pub(crate) fn plan(
    rng: &mut fastrand::Rng,
    specs: &[Spec],
    places: &Places,
    insts: &[Institution],
    per_rule: u32,
    year: i32,
) -> Plan {
    let mut person = FxHashMap::default();
    let mut truth = Vec::new();
    let expensive = vec![places.township[0], places.pharmacy[0], places.secondary[0]];
    let crowded = places.township[1];
    let mut take = |rule: &'static str, inst: Option<u32>, person: &mut FxHashMap<u32, _>, truth: &mut Vec<Planted>| {
        for _ in 0..2000 {
            let p = &specs[rng.usize(0..specs.len())];
            if !person.contains_key(&p.idx) && eligible(rule, p, year) {
                person.insert(p.idx, Assigned { rule, tag: truth.len(), inst });
                truth.push(Planted { rule_id: rule, psn_no: None, fixmedins_code: None, setl_ids: Vec::new() });
                return;
            }
        }
    };
    for rule in PLANTED_RULES.iter().filter(|r| !matches!(**r, "B09" | "B10")) {
        for _ in 0..per_rule {
            take(rule, None, &mut person, &mut truth);
        }
    }
    for _ in 0..(per_rule / 2).max(10) {
        take("B02", Some(crowded), &mut person, &mut truth);
    }
    let code = |i: u32| Some(insts[i as usize].code.clone());
    for &i in &expensive {
        truth.push(Planted { rule_id: "B09", psn_no: None, fixmedins_code: code(i), setl_ids: Vec::new() });
    }
    truth.push(Planted { rule_id: "B10", psn_no: None, fixmedins_code: code(crowded), setl_ids: Vec::new() });
    Plan { person, truth, expensive }
}

fn with(mut e: Event, tag: usize, twist: Option<Twist>, inst: Option<u32>) -> Event {
    e.tag = Some(tag);
    e.twist = twist;
    e.inst = inst;
    e
}

fn add(code: &str) -> Option<Twist> {
    Some(Twist::AddLine { item: item(code), boxes: 1, price_yuan: None, ownpay: false })
}

/// Adds the events of a planted case to a person's year; false when the calendar had no room.
pub(crate) fn place(
    rng: &mut fastrand::Rng,
    a: Assigned,
    p: &Spec,
    cal: &mut Calendar,
    places: &Places,
    ev: &mut Vec<Event>,
) -> bool {
    let Assigned { rule, tag, inst } = a;
    let days = cal.stay.len() as i32;
    let out = Kind::Outpatient { emergency: false };
    let medical = Flavor::Medical("J18.9");
    let mut visit = |rng: &mut fastrand::Rng, cal: &mut Calendar, twist: Option<Twist>, inst: Option<u32>| match cal
        .free_day(rng, 0, days)
    {
        Some(d) => {
            ev.push(with(Event::new(d, out.clone()), tag, twist, inst));
            true
        }
        None => false,
    };
    match rule {
        "R01" => visit(rng, cal, add("S0331"), None),
        "R02" => visit(rng, cal, add("D0960"), None),
        "R03" => visit(rng, cal, add("D0917"), None),
        "R04" => visit(rng, cal, add("S0340"), Some(p.township)),
        "R05" => visit(rng, cal, add("D0980"), None),
        "R06" => visit(rng, cal, add("D0991"), None),
        "R07" => visit(rng, cal, add("S0390"), Some(p.township)),
        "R08" => {
            let t = Some(Twist::AddLine { item: item("S0301"), boxes: 1, price_yuan: Some(150), ownpay: false });
            let inst = pick(rng, &places.tertiary);
            visit(rng, cal, t, Some(inst))
        }
        "R11" => visit(rng, cal, Some(Twist::Oversupply), None),
        "R09" | "R10" | "B02" => {
            let (los, twist) = match rule {
                "R09" => (rng.i32(4..=8), if rng.bool() { Twist::ExtraBedDay } else { Twist::LongMonitor }),
                "R10" => (rng.i32(4..=8), if rng.bool() { Twist::NursingPair } else { Twist::InfusionPair }),
                _ => (rng.i32(9..=12), Twist::IdleDays(rng.i32(3..=5))),
            };
            let Some(i) = place_stay(rng, cal, ev, los, medical, 45) else { return false };
            ev[i] = with(ev[i].clone(), tag, Some(twist), inst);
            true
        }
        "R12" => {
            let chronic: Vec<i32> =
                ev.iter().filter(|e| matches!(e.kind, Kind::Chronic) && e.day + 12 < cal.last).map(|e| e.day).collect();
            for _ in 0..8 {
                let Some(&c) = chronic.get(rng.usize(0..chronic.len().max(1))) else { return false };
                let d = c + rng.i32(9..=12);
                if cal.free(d) {
                    cal.busy[d as usize] = true;
                    ev.push(with(Event::new(d, Kind::Chronic), tag, Some(Twist::RepeatBox), None));
                    return true;
                }
            }
            false
        }
        "R13" => match cal.free_day(rng, 0, days) {
            Some(d) => {
                ev.push(with(Event::new(d, Kind::Chronic), tag, Some(Twist::OffList), None));
                true
            }
            None => false,
        },
        "R14" => {
            let d = cal.last + rng.i32(5..=30);
            if d >= days {
                return false;
            }
            ev.push(with(Event::new(d, Kind::Pharmacy), tag, None, None));
            true
        }
        "B01" => {
            let (l1, gap, l2) = (rng.i32(4..=8), rng.i32(2..=10), rng.i32(3..=6));
            let (dx1, dx2) =
                pick(rng, &[("J18.9", "J18.0"), ("I63.9", "I63.8"), ("J44.1", "J44.0"), ("K29.7", "K29.5")]);
            for _ in 0..24 {
                let b = rng.i32(0..(cal.last - 30).max(1));
                let (e1, b2) = (b + l1, b + l1 + gap);
                if cal.stay_fits(b, b2 + l2, 45) {
                    cal.take_stay(b, b2 + l2);
                    let first = Kind::Stay { los: l1, flavor: Flavor::Medical(dx1) };
                    ev.push(with(Event::new(b, first), tag, None, None));
                    ev.push(with(
                        Event::new(b2, Kind::Stay { los: l2, flavor: Flavor::Medical(dx2) }),
                        tag,
                        None,
                        None,
                    ));
                    debug_assert!(e1 < b2);
                    return true;
                }
            }
            false
        }
        "B03" => {
            let los = rng.i32(6..=10);
            let Some(i) = place_stay(rng, cal, ev, los, medical, 45) else { return false };
            ev[i] = with(ev[i].clone(), tag, None, None);
            let d = ev[i].day + rng.i32(2..=los - 2);
            let kind = if rng.bool() { out } else { Kind::Pharmacy };
            ev.push(with(Event::new(d, kind), tag, None, None));
            true
        }
        "B04" => {
            for _ in 0..24 {
                let b = rng.i32(0..(cal.last - 12).max(1));
                if cal.stay_fits(b, b + 9, 45) {
                    cal.take_stay(b, b + 9);
                    let a = Kind::Stay { los: 7, flavor: medical };
                    ev.push(with(Event::new(b, a), tag, None, Some(p.township)));
                    let second = Kind::Stay { los: 6, flavor: Flavor::Medical("I20.0") };
                    let elsewhere =
                        [pick(rng, &places.secondary), pick(rng, &places.tertiary), pick(rng, &places.township)];
                    let other = elsewhere.into_iter().find(|i| *i != p.township).unwrap_or(elsewhere[0]);
                    ev.push(with(Event::new(b + 3, second), tag, None, Some(other)));
                    return true;
                }
            }
            false
        }
        "B05" => {
            let Some(d) = cal.free_day(rng, 0, days) else { return false };
            let where_ = [p.village, p.township, pick(rng, &places.secondary), pick(rng, &places.tertiary)];
            for (k, (inst, minute)) in where_.iter().zip([510u16, 615, 840, 980]).enumerate() {
                let mut e = with(Event::new(d, out.clone()), tag, None, Some(*inst));
                e.minute = Some(minute + k as u16);
                ev.push(e);
            }
            true
        }
        "B06" => {
            let Some(start) = (0..24)
                .map(|_| rng.i32(0..(cal.last - 26).max(1)))
                .find(|s| [0, 4, 9, 13, 18, 24].iter().all(|o| cal.free(s + o)))
            else {
                return false;
            };
            for o in [0, 4, 9, 13, 18, 24] {
                cal.busy[(start + o) as usize] = true;
                let t = Some(Twist::AddLine { item: item("D1003"), boxes: 100, price_yuan: None, ownpay: false });
                ev.push(with(Event::new(start + o, Kind::Pharmacy), tag, t, None));
            }
            true
        }
        "B07" => {
            let mut placed = 0;
            for k in 0..3 {
                if let Some(d) = cal.free_day(rng, k * days / 3, (k + 1) * days / 3) {
                    let mut e = with(Event::new(d, Kind::Pharmacy), tag, None, None);
                    e.minute = Some(rng.u16(1350..1436));
                    ev.push(e);
                    placed += 1;
                }
            }
            placed == 3
        }
        "B08" => {
            let Some(d) = cal.free_day(rng, 0, days) else { return false };
            let mut shops = places.pharmacy.clone();
            rng.shuffle(&mut shops);
            for (k, minute) in [600u16, 612, 625, 638].into_iter().enumerate() {
                let mut e = with(Event::new(d, Kind::Pharmacy), tag, None, Some(shops[k]));
                e.minute = Some(minute);
                ev.push(e);
            }
            true
        }
        _ => false,
    }
}
