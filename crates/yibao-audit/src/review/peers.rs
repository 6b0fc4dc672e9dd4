//! Institutions far above their peers (same type and level): on 次均费用 by visit kind, and on a rule's hit rate.
//! The robust bar is median + max(k × MAD, a floor), in integer arithmetic.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer};
use yibao_core::money::{parse_scaled, round_div};
use yibao_core::{Fen, Ratio};

use super::dataset::{Registry, year_start};
use super::stays::parse_kinds;
use super::{Against, Sink};
use crate::evidence::Facts;
use crate::rules::RulePack;
use crate::templates::{Build, Compiled, TemplateKind, VisitKind};

/// A non-negative decimal factor with four decimals ("3", "2.5").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Factor(pub i64);

impl Factor {
    pub const ONE: i64 = 10_000;
    /// `v × self`, rounded half-up.
    pub fn apply(self, v: i64) -> i64 {
        round_div(i128::from(v) * i128::from(self.0), i128::from(Factor::ONE)) as i64
    }
}

impl<'de> Deserialize<'de> for Factor {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Factor, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            I(i64),
            F(f64),
            S(String),
        }
        let text = match Raw::deserialize(d)? {
            Raw::I(i) => i.to_string(),
            Raw::F(f) => f.to_string(),
            Raw::S(s) => s,
        };
        match parse_scaled(&text, 4) {
            Ok(v) if v >= 0 => Ok(Factor(v)),
            Ok(_) => Err(serde::de::Error::custom(format!("“{text}”不能为负数"))),
            Err(e) => Err(serde::de::Error::custom(e)),
        }
    }
}

impl fmt::Display for Factor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (i, frac) = (self.0 / Factor::ONE, self.0 % Factor::ONE);
        if frac == 0 { write!(f, "{i}") } else { write!(f, "{}", format!("{i}.{frac:04}").trim_end_matches('0')) }
    }
}

/// Median of integers (the mean of the two middle ones, half-up, for an even count).
pub fn median(v: &mut [i64]) -> i64 {
    v.sort_unstable();
    let n = v.len();
    if n == 0 {
        0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        round_div(i128::from(v[n / 2 - 1]) + i128::from(v[n / 2]), 2) as i64
    }
}

/// Median and median absolute deviation.
pub fn median_mad(values: &[i64]) -> (i64, i64) {
    let mut v = values.to_vec();
    let m = median(&mut v);
    let mut dev: Vec<i64> = values.iter().map(|x| (x - m).abs()).collect();
    (m, median(&mut dev))
}

/// Institutions grouped by (type, level), keeping those that pass `keep`.
fn peer_groups(
    reg: &Registry,
    mut keep: impl FnMut(usize) -> Option<i64>,
) -> BTreeMap<(&str, &str), Vec<(usize, i64)>> {
    let mut groups: BTreeMap<(&str, &str), Vec<(usize, i64)>> = BTreeMap::new();
    for (i, inst) in reg.institutions.iter().enumerate() {
        if let Some(v) = keep(i) {
            groups.entry((inst.medins_type.as_str(), inst.level.as_str())).or_default().push((i, v));
        }
    }
    groups
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct CostParams {
    kinds: Vec<String>,
    k: Factor,
    min_excess: Ratio,
    min_settlements: u32,
    min_peers: u32,
}

impl Default for CostParams {
    fn default() -> CostParams {
        CostParams {
            kinds: vec!["outpatient".into(), "inpatient".into(), "pharmacy".into()],
            k: Factor(3 * Factor::ONE),
            min_excess: Ratio(3000),
            min_settlements: 30,
            min_peers: 5,
        }
    }
}

/// 次均费用 (医疗费总额 ÷ settlements) above median + max(k × MAD, median × min_excess) of the peer group.
#[derive(Debug, Clone)]
pub(crate) struct PeerCost {
    kinds: Vec<VisitKind>,
    k: Factor,
    min_excess: Ratio,
    min_settlements: u32,
    min_peers: u32,
}

impl PeerCost {
    pub(crate) fn compile(params: &toml::Table, b: &mut Build) -> Option<PeerCost> {
        let p: CostParams = b.params(params)?;
        if p.min_peers < 3 {
            b.err("min_peers", "同类机构至少 3 家才能比较");
        }
        let kinds = parse_kinds(b, "kinds", &p.kinds);
        Some(PeerCost {
            kinds,
            k: p.k,
            min_excess: p.min_excess,
            min_settlements: p.min_settlements,
            min_peers: p.min_peers,
        })
    }

    pub(crate) fn run(&self, r: u32, reg: &Registry, out: &mut Sink) {
        let day = out.figures.first_day.map_or(0, year_start);
        for &kind in &self.kinds {
            let k = kind as usize;
            let f = &out.figures;
            let groups = peer_groups(reg, |i| {
                let n = f.settlements[i][k];
                (n >= self.min_settlements).then(|| round_div(i128::from(f.totals[i][k]), i128::from(n)) as i64)
            });
            for members in groups.values().filter(|m| m.len() >= self.min_peers as usize) {
                let values: Vec<i64> = members.iter().map(|m| m.1).collect();
                let (med, mad) = median_mad(&values);
                let bar = med + self.k.apply(mad).max(Fen(med).mul_ratio(self.min_excess).0);
                for &(i, mean) in members.iter().filter(|m| m.1 > bar) {
                    let n = out.figures.settlements[i][k];
                    let amount = Fen(out.figures.totals[i][k] - bar * i64::from(n));
                    let facts = Facts::new()
                        .with("visit_kind", kind.name_zh())
                        .with("value", Fen(mean).grouped())
                        .with("median", Fen(med).grouped())
                        .with("threshold", Fen(bar).grouped())
                        .with("count", n)
                        .with("peers", members.len());
                    out.case(r, Against { psn: None, inst: Some(i as u32), setl_ids: Vec::new(), day }, amount, facts);
                }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct HitParams {
    rules: Vec<String>,
    k: Factor,
    min_excess_permille: Factor,
    min_cases: u32,
    min_settlements: u32,
    min_peers: u32,
}

impl Default for HitParams {
    fn default() -> HitParams {
        HitParams {
            rules: Vec::new(),
            k: Factor(3 * Factor::ONE),
            min_excess_permille: Factor(10 * Factor::ONE),
            min_cases: 5,
            min_settlements: 30,
            min_peers: 5,
        }
    }
}

/// A rule's cases per settlement (of the rule's visit kind) above median + max(k × MAD, a floor in ‰).
#[derive(Debug, Clone)]
pub(crate) struct PeerHits {
    pub(crate) rules: Vec<String>,
    k: Factor,
    min_excess_permille: Factor,
    min_cases: u32,
    min_settlements: u32,
    min_peers: u32,
}

/// Parts per million as a per-mille text with two decimals.
fn permille(ppm: i64) -> String {
    let hundredths = round_div(i128::from(ppm), 10) as i64;
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

impl PeerHits {
    pub(crate) fn compile(params: &toml::Table, b: &mut Build) -> Option<PeerHits> {
        let p: HitParams = b.params(params)?;
        if p.min_peers < 3 {
            b.err("min_peers", "同类机构至少 3 家才能比较");
        }
        Some(PeerHits {
            rules: p.rules,
            k: p.k,
            min_excess_permille: p.min_excess_permille,
            min_cases: p.min_cases,
            min_settlements: p.min_settlements,
            min_peers: p.min_peers,
        })
    }

    pub(crate) fn run(&self, r: u32, pack: &RulePack, reg: &Registry, out: &mut Sink) {
        let day = out.figures.first_day.map_or(0, year_start);
        let floor = self.min_excess_permille.apply(1000);
        let targets: Vec<usize> = (0..pack.rules.len())
            .filter(|t| {
                let rule = &pack.rules[*t];
                let peer = matches!(rule.template(), TemplateKind::PeerCost | TemplateKind::PeerHitRate);
                !peer && (self.rules.is_empty() || self.rules.contains(&rule.info.id))
            })
            .collect();
        for t in targets {
            let kind = pack.rules[t].template().visit_kind();
            let f = &out.figures;
            let denominator = |i: usize| match kind {
                Some(k) => f.settlements[i][k as usize],
                None => f.settlements[i].iter().sum(),
            };
            let groups = peer_groups(reg, |i| {
                let n = denominator(i);
                (n >= self.min_settlements)
                    .then(|| round_div(i128::from(f.hits(i, t).0) * 1_000_000, i128::from(n)) as i64)
            });
            let mut found = Vec::new();
            for members in groups.values().filter(|m| m.len() >= self.min_peers as usize) {
                let values: Vec<i64> = members.iter().map(|m| m.1).collect();
                let (med, mad) = median_mad(&values);
                let bar = med + self.k.apply(mad).max(floor);
                for &(i, rate) in members.iter().filter(|m| m.1 > bar) {
                    let (hits, amount) = f.hits(i, t);
                    if hits >= self.min_cases {
                        let facts = Facts::new()
                            .with("target_rule", &pack.rules[t].info.name)
                            .with("rate", permille(rate))
                            .with("median", permille(med))
                            .with("threshold", permille(bar))
                            .with("hits", hits)
                            .with("count", denominator(i))
                            .with("peers", members.len());
                        found.push((i, amount, facts));
                    }
                }
            }
            for (i, amount, facts) in found {
                out.case(r, Against { psn: None, inst: Some(i as u32), setl_ids: Vec::new(), day }, amount, facts);
            }
        }
    }
}

/// Checks that a `peer_hit_rate` rule's `rules` name rules of the pack.
pub(crate) fn unknown_targets(c: &Compiled, ids: &[&str]) -> Vec<(usize, String)> {
    match c {
        Compiled::Review(super::Detector::PeerHits(p)) => p
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| !ids.contains(&r.as_str()))
            .map(|(i, r)| (i, r.clone()))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn robust_statistics_in_integers() {
        assert_eq!(median_mad(&[10, 12, 11, 13, 100]), (12, 1));
        assert_eq!(median(&mut [1, 2, 3, 4]), 3); // 2.5 half-up
        assert_eq!(Factor(25_000).apply(7), 18); // 17.5 → 18
        assert_eq!(permille(12_345), "12.35");
        assert_eq!(Factor(25_000).to_string(), "2.5");
        let f: Factor = toml::Value::String("3".into()).try_into().unwrap();
        assert_eq!(f, Factor(30_000));
    }
}
