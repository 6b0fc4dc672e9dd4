//! Detectors over a person's outpatient visits and pharmacy purchases: many outpatient settlements in one day,
//! high-frequency purchases of one drug, pharmacy card swipes at night, and swipes in bursts.

use serde::Deserialize;
use yibao_core::Fen;
use yibao_core::codes::kind;

use super::dataset::{Day, clock, date};
use super::stays::parse_kinds;
use super::{Live, PersonCx, Sink};
use crate::evidence::Facts;
use crate::templates::{Build, VisitKind};

/// Runs of consecutive items (sorted by `key`) that fit in `window` and hold at least `min` items: each maximal run
/// once, as (first, last) indices.
fn clusters(keys: &[i64], window: i64, min: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < keys.len() {
        let mut j = i;
        while j + 1 < keys.len() && keys[j + 1] - keys[i] < window {
            j += 1;
        }
        if j + 1 - i >= min.max(1) {
            out.push((i, j));
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct SameDayParams {
    min_visits: u32,
    kinds: Vec<String>,
}

impl Default for SameDayParams {
    fn default() -> SameDayParams {
        SameDayParams { min_visits: 3, kinds: vec!["outpatient".into()] }
    }
}

/// At least `min_visits` settlements of the kinds in one day (any institutions).
#[derive(Debug, Clone)]
pub(crate) struct SameDay {
    min_visits: u32,
    kinds: Vec<VisitKind>,
}

impl SameDay {
    pub(crate) fn compile(params: &toml::Table, b: &mut Build) -> Option<SameDay> {
        let p: SameDayParams = b.params(params)?;
        if p.min_visits < 2 {
            b.err("min_visits", "同日次数至少为 2");
        }
        Some(SameDay { min_visits: p.min_visits, kinds: parse_kinds(b, "kinds", &p.kinds) })
    }

    pub(crate) fn run(&self, r: u32, cx: &PersonCx, out: &mut Sink) {
        let sh = cx.shard;
        let visits: Vec<usize> = cx.of_kind(&self.kinds).collect();
        let days: Vec<i64> = visits.iter().map(|s| i64::from(sh.begin[*s])).collect();
        for (a, z) in clusters(&days, 1, self.min_visits as usize) {
            let mut day: Vec<usize> = visits[a..=z].to_vec();
            day.sort_by_key(|s| sh.minute[*s]);
            let amount: i64 = day[1..].iter().map(|s| sh.fund[*s]).sum();
            let names: Vec<&str> = day.iter().map(|s| cx.inst_name(*s)).collect();
            let facts = Facts::new()
                .with("visit_date", date(sh.begin[day[0]]))
                .with("count", day.len())
                .with("institutions", names.join("、"));
            let suspect = day[1];
            let mut ordered: Vec<usize> = day.iter().copied().filter(|s| *s != suspect).collect();
            ordered.push(suspect);
            out.person_case(r, cx, &ordered, Fen(amount), facts);
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct FrequentParams {
    window_days: i64,
    min_purchases: u32,
    drug_classes: Vec<String>,
    kinds: Vec<String>,
    /// 医疗类别 left out: 门诊慢特病 treatment (dialysis, monthly refills) is regular by design.
    exclude_med_types: Vec<String>,
}

impl Default for FrequentParams {
    fn default() -> FrequentParams {
        FrequentParams {
            window_days: 30,
            min_purchases: 5,
            drug_classes: vec!["09".into(), "10".into(), "11".into()],
            kinds: vec!["pharmacy".into(), "outpatient".into()],
            exclude_med_types: vec!["14".into()],
        }
    }
}

/// The same drug bought in at least `min_purchases` settlements within `window_days`.
#[derive(Debug, Clone)]
pub(crate) struct Frequent {
    window_days: i64,
    min_purchases: u32,
    pub(crate) drug_classes: Vec<String>,
    kinds: Vec<VisitKind>,
    pub(crate) exclude_med_types: Vec<String>,
}

impl Frequent {
    pub(crate) fn compile(params: &toml::Table, b: &mut Build) -> Option<Frequent> {
        let p: FrequentParams = b.params(params)?;
        b.codes("drug_classes", kind::MED_CHRGITM_TYPE, &p.drug_classes);
        b.codes("exclude_med_types", kind::MED_TYPE, &p.exclude_med_types);
        if p.window_days <= 0 || p.min_purchases < 2 {
            b.err("min_purchases", "时间窗须大于 0 天，购药次数至少为 2");
        }
        Some(Frequent {
            window_days: p.window_days,
            min_purchases: p.min_purchases,
            drug_classes: p.drug_classes,
            kinds: parse_kinds(b, "kinds", &p.kinds),
            exclude_med_types: p.exclude_med_types,
        })
    }

    pub(crate) fn run(&self, r: u32, live: &Live, cx: &PersonCx, out: &mut Sink) {
        let sh = cx.shard;
        let mut buys = std::mem::take(&mut out.buys);
        buys.clear();
        for s in cx.of_kind(&self.kinds).filter(|s| !live.med_types[sh.med_type[*s] as usize]) {
            let start = buys.len();
            for l in sh.setl_lines(s) {
                if !live.classes[sh.class[l] as usize] {
                    continue;
                }
                match buys[start..].iter_mut().find(|b| b.0 == sh.code[l]) {
                    Some(b) => b.3 += sh.amount[l],
                    None => buys.push((sh.code[l], sh.begin[s], s as u32, sh.amount[l])),
                }
            }
        }
        if buys.len() >= self.min_purchases as usize {
            buys.sort_unstable();
            let mut a = 0;
            while a < buys.len() {
                let z = a + buys[a..].iter().take_while(|b| b.0 == buys[a].0).count();
                self.code_runs(r, cx, &buys[a..z], out);
                a = z;
            }
        }
        out.buys = buys;
    }

    fn code_runs(&self, r: u32, cx: &PersonCx, buys: &[(u32, Day, u32, i64)], out: &mut Sink) {
        if buys.len() < self.min_purchases as usize {
            return;
        }
        let days: Vec<i64> = buys.iter().map(|b| i64::from(b.1)).collect();
        for (a, z) in clusters(&days, self.window_days, self.min_purchases as usize) {
            let run = &buys[a..=z];
            let allowed = self.min_purchases as usize - 1;
            let amount: i64 = run[allowed..].iter().map(|b| b.3).sum();
            let code = run[0].0;
            let facts = Facts::new()
                .with("item_code", cx.reg.items.name(code))
                .with("item_name", &cx.reg.item_names[code as usize])
                .with("count", run.len())
                .with("window", self.window_days)
                .with("first_date", date(run[0].1))
                .with("last_date", date(run[run.len() - 1].1));
            let setls: Vec<usize> = run.iter().map(|b| b.2 as usize).collect();
            out.person_case(r, cx, &setls, Fen(amount), facts);
        }
    }
}

/// "HH:MM" as minutes after midnight.
fn minutes(b: &mut Build, key: &str, t: &str) -> u16 {
    let parsed = t.split_once(':').and_then(|(h, m)| Some((h.parse::<u16>().ok()?, m.parse::<u16>().ok()?)));
    match parsed {
        Some((h, m)) if h < 24 && m < 60 => h * 60 + m,
        _ => {
            b.err(key, format!("“{t}”不是时刻：应写成 HH:MM，如 22:00"));
            0
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct NightParams {
    night_start: String,
    night_end: String,
    min_swipes: u32,
}

impl Default for NightParams {
    fn default() -> NightParams {
        NightParams { night_start: "22:00".into(), night_end: "06:00".into(), min_swipes: 2 }
    }
}

/// At least `min_swipes` pharmacy settlements between `night_start` and `night_end`.
#[derive(Debug, Clone)]
pub(crate) struct Night {
    start: u16,
    end: u16,
    min_swipes: u32,
}

impl Night {
    pub(crate) fn compile(params: &toml::Table, b: &mut Build) -> Option<Night> {
        let p: NightParams = b.params(params)?;
        let (start, end) = (minutes(b, "night_start", &p.night_start), minutes(b, "night_end", &p.night_end));
        if p.min_swipes == 0 {
            b.err("min_swipes", "次数至少为 1");
        }
        Some(Night { start, end, min_swipes: p.min_swipes })
    }

    fn at_night(&self, m: u16) -> bool {
        if self.start <= self.end { self.start <= m && m < self.end } else { m >= self.start || m < self.end }
    }

    pub(crate) fn run(&self, r: u32, cx: &PersonCx, out: &mut Sink) {
        let sh = cx.shard;
        let night: Vec<usize> = cx.of_kind(&[VisitKind::Pharmacy]).filter(|s| self.at_night(sh.minute[*s])).collect();
        if night.len() < self.min_swipes as usize {
            return;
        }
        let amount: i64 = night.iter().map(|s| sh.fund[*s]).sum();
        let mut times: Vec<String> =
            night.iter().take(5).map(|s| format!("{} {}", cx.date(*s), clock(sh.minute[*s]))).collect();
        if night.len() > 5 {
            times.push("…".into());
        }
        let facts = Facts::new().with("count", night.len()).with("times", times.join("、"));
        out.person_case(r, cx, &night, Fen(amount), facts);
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct BurstParams {
    window_minutes: u32,
    min_swipes: u32,
}

impl Default for BurstParams {
    fn default() -> BurstParams {
        BurstParams { window_minutes: 60, min_swipes: 3 }
    }
}

/// At least `min_swipes` pharmacy settlements within `window_minutes`.
#[derive(Debug, Clone)]
pub(crate) struct Burst {
    window_minutes: u32,
    min_swipes: u32,
}

impl Burst {
    pub(crate) fn compile(params: &toml::Table, b: &mut Build) -> Option<Burst> {
        let p: BurstParams = b.params(params)?;
        if p.window_minutes == 0 || p.min_swipes < 2 {
            b.err("min_swipes", "时间窗须大于 0 分钟，刷卡次数至少为 2");
        }
        Some(Burst { window_minutes: p.window_minutes, min_swipes: p.min_swipes })
    }

    pub(crate) fn run(&self, r: u32, cx: &PersonCx, out: &mut Sink) {
        let sh = cx.shard;
        let mut swipes: Vec<usize> = cx.of_kind(&[VisitKind::Pharmacy]).collect();
        if swipes.len() < self.min_swipes as usize {
            return;
        }
        let at = |s: usize| i64::from(sh.end[s]) * 1440 + i64::from(sh.minute[s]);
        swipes.sort_by_key(|s| at(*s));
        let keys: Vec<i64> = swipes.iter().map(|s| at(*s)).collect();
        for (a, z) in clusters(&keys, i64::from(self.window_minutes), self.min_swipes as usize) {
            let run = &swipes[a..=z];
            let amount: i64 = run[1..].iter().map(|s| sh.fund[*s]).sum();
            let stamp = |s: usize| format!("{} {}", cx.date(s), clock(sh.minute[s]));
            let facts = Facts::new()
                .with("count", run.len())
                .with("minutes", self.window_minutes)
                .with("first_time", stamp(run[0]))
                .with("last_time", stamp(run[run.len() - 1]));
            out.person_case(r, cx, run, Fen(amount), facts);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::clusters;

    #[test]
    fn clusters_are_maximal_runs_inside_the_window() {
        assert_eq!(clusters(&[1, 2, 3, 10, 11, 40], 5, 3), vec![(0, 2)]);
        assert_eq!(clusters(&[1, 2, 3, 4, 5, 6], 30, 3), vec![(0, 5)]);
        assert_eq!(clusters(&[5, 5, 5, 6, 6, 6], 1, 3), vec![(0, 2), (3, 5)]);
        assert!(clusters(&[1, 20, 40], 10, 2).is_empty());
    }
}
