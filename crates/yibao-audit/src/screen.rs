//! 事前/事中 screening (3101/3102): the rules in force on a date, switched on for the visit's region and matching the
//! trigger scene, run over one visit. One hash lookup per fee line finds every item rule that has a row for it.

use chrono::NaiveDate;
use yibao_core::Fen;

use crate::encounter::Encounter;
use crate::evidence::Facts;
use crate::finding::{Finding, FindingLine};
use crate::rules::RulePack;
use crate::templates::{Ctx, Hit, Mode};

/// 触发场景 (trig_scen) codes: 3101 事前 1–5, 3102 事中 6–10.
pub mod trig_scen {
    pub const OUTPATIENT_REGISTRATION: u8 = 1;
    pub const OUTPATIENT_CHARGING: u8 = 2;
    pub const ADMISSION: u8 = 3;
    pub const INPATIENT_CHARGING: u8 = 4;
    pub const INPATIENT_ORDER: u8 = 5;
    pub const OUTPATIENT_SETTLEMENT: u8 = 6;
    pub const OUTPATIENT_PRESETTLEMENT: u8 = 7;
    pub const INPATIENT_SETTLEMENT: u8 = 8;
    pub const INPATIENT_PRESETTLEMENT: u8 = 9;
    pub const PHARMACY_SWIPE: u8 = 10;

    /// Whether a scene belongs to 3101 (事前) rather than 3102 (事中).
    pub fn is_prior(s: u8) -> bool {
        (1..=5).contains(&s)
    }
}

/// Which rules a check runs.
#[derive(Debug, Clone, Copy)]
pub struct Selection<'s> {
    /// The rules in force on this date.
    pub date: NaiveDate,
    /// Rules that run in any of these scenes; `None` = every screening rule (事后 re-audit of settled visits).
    pub trig_scen: Option<&'s [u8]>,
    /// Only these rule IDs (3101 `rule_ids`); empty = all.
    pub rule_ids: &'s [&'s str],
}

/// Runs the rules in force on `date`, switched on for the visit's region, that run in scene `trig_scen`.
pub fn evaluate(pack: &RulePack, enc: &Encounter, trig_scen: u8, date: NaiveDate) -> Vec<Finding> {
    Screener::new(pack).run(enc, &Selection { date, trig_scen: Some(&[trig_scen]), rule_ids: &[] })
}

/// [`evaluate`] with a full selection (several scenes, a rule-ID filter).
pub fn evaluate_selected(pack: &RulePack, enc: &Encounter, sel: &Selection) -> Vec<Finding> {
    Screener::new(pack).run(enc, sel)
}

/// A reusable screen: keeps its scratch space between visits (for batch re-audit of many settlements).
pub struct Screener<'p> {
    pack: &'p RulePack,
    active: Vec<bool>,
    rows: Vec<u32>,
    group: Vec<(u32, u32, usize)>,
    pending: Vec<(u32, usize, Hit)>,
}

impl<'p> Screener<'p> {
    pub fn new(pack: &'p RulePack) -> Screener<'p> {
        Screener {
            pack,
            active: vec![false; pack.rules.len()],
            rows: Vec::new(),
            group: Vec::new(),
            pending: Vec::new(),
        }
    }

    fn select(&mut self, enc: &Encounter, sel: &Selection) -> bool {
        let region = enc.visit.admdvs;
        let mut any = false;
        for (i, r) in self.pack.rules.iter().enumerate() {
            let on = r.compiled.mode() != Mode::Review
                && r.effective_on(sel.date)
                && sel.trig_scen.is_none_or(|s| s.iter().any(|s| r.in_scene(*s)))
                && (sel.rule_ids.is_empty() || sel.rule_ids.contains(&r.info.id.as_str()))
                && self.pack.is_on(i, region);
            self.active[i] = on;
            any |= on;
        }
        any
    }

    /// Checks one visit.
    pub fn run(&mut self, enc: &Encounter, sel: &Selection) -> Vec<Finding> {
        if !self.select(enc, sel) {
            return Vec::new();
        }
        let pack = self.pack;
        let v = &enc.visit;
        let inpatient = pack.is_inpatient(v.med_type);
        let los = match v.end {
            Some(e) => (e - v.begin).num_days().max(1),
            None if inpatient => (sel.date - v.begin).num_days().max(0) + 1,
            None => 1,
        };
        let cx = Ctx {
            enc,
            dict: &pack.dict,
            age: enc.person.brdy.and_then(|b| v.begin.years_since(b)),
            level: v.medins_lv.and_then(|l| l.parse().ok()),
            inpatient,
            emergency: v.emergency || pack.visit_kinds.emergency_med_types.iter().any(|m| m == v.med_type),
            los,
        };
        self.pending.clear();
        self.group.clear();
        for (i, line) in enc.lines.iter().enumerate() {
            let entries = pack.index.get(line.code).map_or(&[][..], Vec::as_slice);
            let mut k = 0;
            while k < entries.len() {
                let r = entries[k].0;
                let end = k + entries[k..].iter().take_while(|e| e.0 == r).count();
                if self.active[r as usize] {
                    let compiled = &pack.rules[r as usize].compiled;
                    match compiled.mode() {
                        Mode::Line => {
                            self.rows.clear();
                            self.rows.extend(entries[k..end].iter().map(|e| e.1));
                            if let Some(h) = compiled.line(&self.rows, &cx, i) {
                                merge(&mut self.pending, r, i, h, enc);
                            }
                        }
                        Mode::Group => self.group.extend(entries[k..end].iter().map(|e| (r, e.1, i))),
                        _ => {}
                    }
                }
                k = end;
            }
            for &r in &pack.every_line {
                if !self.active[r as usize] {
                    continue;
                }
                self.rows.clear();
                self.rows.extend(entries.iter().filter(|e| e.0 == r).map(|e| e.1));
                if let Some(h) = pack.rules[r as usize].compiled.line(&self.rows, &cx, i) {
                    merge(&mut self.pending, r, i, h, enc);
                }
            }
        }
        self.group.sort_unstable_by_key(|g| (g.0, g.2));
        let mut k = 0;
        while k < self.group.len() {
            let r = self.group[k].0;
            let end = k + self.group[k..].iter().take_while(|g| g.0 == r).count();
            let cands: Vec<(u32, usize)> = self.group[k..end].iter().map(|g| (g.1, g.2)).collect();
            for h in pack.rules[r as usize].compiled.group(&cands, &cx) {
                let first = h.lines.first().map_or(0, |l| l.0);
                self.pending.push((r, first, h));
            }
            k = end;
        }
        for &r in &pack.per_visit {
            if self.active[r as usize] {
                for h in pack.rules[r as usize].compiled.visit(&cx) {
                    self.pending.push((r, h.lines.first().map_or(0, |l| l.0), h));
                }
            }
        }
        self.pending.sort_by_key(|p| (p.0, p.1));
        self.pending.drain(..).map(|(r, _, h)| finding(pack, r, h, enc)).collect()
    }
}

/// Lines of the same item hit by the same rule make one finding.
fn merge(pending: &mut Vec<(u32, usize, Hit)>, r: u32, i: usize, h: Hit, enc: &Encounter) {
    let code = enc.lines[i].code;
    if let Some((_, _, p)) = pending.iter_mut().find(|(pr, pi, _)| *pr == r && enc.lines[*pi].code == code) {
        p.lines.extend(h.lines);
        p.amount += h.amount;
    } else {
        pending.push((r, i, h));
    }
}

fn finding(pack: &RulePack, r: u32, mut h: Hit, enc: &Encounter) -> Finding {
    let rule = &pack.rules[r as usize];
    let v = &enc.visit;
    common_facts(&mut h.facts, &rule.info.name, h.amount, h.date);
    h.facts.set("psn_no", enc.person.psn_no).set("mdtrt_id", v.mdtrt_id).set("institution", v.fixmedins_code);
    Finding {
        rule: rule.info.clone(),
        psn_no: enc.person.psn_no.to_string(),
        mdtrt_id: v.mdtrt_id.to_string(),
        fixmedins_code: v.fixmedins_code.to_string(),
        date: h.date,
        amount: h.amount,
        lines: h
            .lines
            .iter()
            .map(|&(i, role, amount)| FindingLine {
                index: i,
                line_id: enc.lines[i].id.to_string(),
                code: enc.lines[i].code.to_string(),
                role,
                amount,
            })
            .collect(),
        text: rule.evidence.render(&h.facts),
    }
}

/// The placeholders every finding fills, screen or review.
pub(crate) fn common_facts(f: &mut Facts, rule_name: &str, amount: Fen, date: NaiveDate) {
    f.set("rule_name", rule_name).set("amount", amount.grouped()).set("date", date);
}
