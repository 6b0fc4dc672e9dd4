//! Detectors over a person's inpatient stays: 分解住院 (readmission within N days for the same or a related
//! diagnosis, planned readmissions excluded), 挂床住院 (stay days with only bed and nursing charges), outpatient or
//! pharmacy settlements during a stay, and stays at two institutions at once.

use serde::Deserialize;
use yibao_core::Fen;
use yibao_core::codes::kind;

use super::dataset::{Day, date};
use super::{Live, PersonCx, Sink};
use crate::evidence::Facts;
use crate::knowledge::Col;
use crate::templates::{Build, VisitKind};

/// Reads a parameter list of visit kinds ("outpatient", "inpatient", "pharmacy").
pub(crate) fn parse_kinds(b: &mut Build, key: &str, names: &[String]) -> Vec<VisitKind> {
    let mut out = Vec::new();
    for n in names {
        match VisitKind::parse(n) {
            Some(k) => out.push(k),
            None => {
                b.err(key, format!("“{n}”不是就诊类型：应为 outpatient（门诊）、inpatient（住院）或 pharmacy（药店）"))
            }
        }
    }
    out
}

fn inpatient<'c>(cx: &'c PersonCx<'_>) -> impl Iterator<Item = usize> + 'c {
    cx.setls.clone().filter(|s| cx.kinds[*s] == VisitKind::Inpatient)
}

/// How two diagnoses are related for 分解住院.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Related {
    /// The same code.
    Same,
    /// The same ICD-10 three-character category (J18.0 and J18.9).
    Icd3,
    /// Any diagnosis.
    Any,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct SplitParams {
    readmit_days: i64,
    related: Related,
    same_institution_only: bool,
}

impl Default for SplitParams {
    fn default() -> SplitParams {
        SplitParams { readmit_days: 15, related: Related::Icd3, same_institution_only: false }
    }
}

const PLANNED: &[Col] =
    &[Col::req("dx_prefix", "诊断编码前缀", &["诊断编码", "ICD-10"]), Col::opt("name", "名称", &["说明"])];

/// 分解住院. Knowledge rows: diagnosis code prefixes of planned readmissions (Z51 放化疗, Z49 透析 …).
#[derive(Debug, Clone)]
pub(crate) struct Split {
    readmit_days: i64,
    related: Related,
    same_institution_only: bool,
    planned: Vec<Box<str>>,
}

impl Split {
    pub(crate) fn compile(params: &toml::Table, b: &mut Build) -> Option<Split> {
        let p: SplitParams = b.params(params)?;
        if p.readmit_days <= 0 {
            b.err("readmit_days", "再入院天数必须大于 0");
        }
        let planned = b.rows(PLANNED, |c| c.req("dx_prefix").map(Into::into));
        Some(Split {
            readmit_days: p.readmit_days,
            related: p.related,
            same_institution_only: p.same_institution_only,
            planned,
        })
    }

    pub(crate) fn is_planned(&self, dx: &str) -> bool {
        self.planned.iter().any(|p| dx.starts_with(&**p))
    }

    pub(crate) fn run(&self, r: u32, live: &Live, cx: &PersonCx, out: &mut Sink) {
        let sh = cx.shard;
        let mut prev: Option<usize> = None;
        for s in inpatient(cx) {
            if let Some(q) = prev {
                let gap = i64::from(sh.begin[s] - sh.end[q]);
                let (dq, ds) = (sh.dx[q], sh.dx[s]);
                let related = match self.related {
                    Related::Same => dq == ds,
                    Related::Icd3 => cx.dx_cat[dq as usize] == cx.dx_cat[ds as usize],
                    Related::Any => true,
                };
                if (0..=self.readmit_days).contains(&gap)
                    && related
                    && !live.planned[ds as usize]
                    && (!self.same_institution_only || sh.inst[q] == sh.inst[s])
                {
                    let dx = |d: u32| cx.reg.diagnoses.name(d).to_string();
                    let facts = Facts::new()
                        .with("prev_end", date(sh.end[q]))
                        .with("begin", date(sh.begin[s]))
                        .with("gap", gap)
                        .with("dx", dx(ds))
                        .with("prev_dx", dx(dq))
                        .with("prev_institution", cx.inst_name(q));
                    out.person_case(r, cx, &[q, s], Fen(sh.fund[s]), facts);
                }
            }
            if prev.is_none_or(|q| sh.end[s] >= sh.end[q]) {
                prev = Some(s);
            }
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct BedParams {
    idle_classes: Vec<String>,
    min_idle_days: i64,
}

impl Default for BedParams {
    fn default() -> BedParams {
        BedParams { idle_classes: vec!["01".into(), "07".into()], min_idle_days: 3 }
    }
}

/// 挂床住院: at least `min_idle_days` days of a stay whose charges are all of the idle classes (床位费, 护理费).
#[derive(Debug, Clone)]
pub(crate) struct Bed {
    pub(crate) idle_classes: Vec<String>,
    min_idle_days: i64,
}

impl Bed {
    pub(crate) fn compile(params: &toml::Table, b: &mut Build) -> Option<Bed> {
        let p: BedParams = b.params(params)?;
        b.codes("idle_classes", kind::MED_CHRGITM_TYPE, &p.idle_classes);
        if p.min_idle_days <= 0 {
            b.err("min_idle_days", "天数必须大于 0");
        }
        Some(Bed { idle_classes: p.idle_classes, min_idle_days: p.min_idle_days })
    }

    pub(crate) fn run(&self, r: u32, live: &Live, cx: &PersonCx, out: &mut Sink) {
        let sh = cx.shard;
        for s in inpatient(cx) {
            let days = (sh.end[s] - sh.begin[s]).max(1) as usize;
            // Per day: bit 0 = has charges, bit 1 = has a charge that is not idle.
            out.scratch.clear();
            out.scratch.resize(days + 1, 0);
            let lines = sh.setl_lines(s);
            for l in lines.clone() {
                let d = (sh.line_day[l] as usize).min(days);
                out.scratch[d] |= if live.classes[sh.class[l] as usize] { 1 } else { 3 };
            }
            let idle = out.scratch.iter().filter(|f| **f == 1).count() as i64;
            if idle < self.min_idle_days {
                continue;
            }
            let amount: i64 =
                lines.filter(|l| out.scratch[(sh.line_day[*l] as usize).min(days)] == 1).map(|l| sh.amount[l]).sum();
            let facts = Facts::new()
                .with("begin", date(sh.begin[s]))
                .with("end", date(sh.end[s]))
                .with("days", days)
                .with("idle_days", idle);
            out.person_case(r, cx, &[s], Fen(amount), facts);
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct DuringParams {
    kinds: Vec<String>,
    /// Also count visits on the admission and discharge days.
    edge_days: bool,
}

impl Default for DuringParams {
    fn default() -> DuringParams {
        DuringParams { kinds: vec!["outpatient".into(), "pharmacy".into()], edge_days: false }
    }
}

/// Outpatient or pharmacy settlements on a day strictly inside an inpatient stay.
#[derive(Debug, Clone)]
pub(crate) struct DuringStay {
    kinds: Vec<VisitKind>,
    edge_days: bool,
}

impl DuringStay {
    pub(crate) fn compile(params: &toml::Table, b: &mut Build) -> Option<DuringStay> {
        let p: DuringParams = b.params(params)?;
        Some(DuringStay { kinds: parse_kinds(b, "kinds", &p.kinds), edge_days: p.edge_days })
    }

    pub(crate) fn run(&self, r: u32, cx: &PersonCx, out: &mut Sink) {
        let sh = cx.shard;
        for s in inpatient(cx) {
            let (b, e) = (sh.begin[s], sh.end[s]);
            let inside = |d: Day| if self.edge_days { b <= d && d <= e } else { b < d && d < e };
            for o in cx.of_kind(&self.kinds).filter(|o| inside(sh.begin[*o])) {
                let facts = Facts::new()
                    .with("begin", date(b))
                    .with("end", date(e))
                    .with("visit_date", date(sh.begin[o]))
                    .with("visit_kind", cx.kinds[o].name_zh())
                    .with("stay_institution", cx.inst_name(s));
                out.person_case(r, cx, &[s, o], Fen(sh.fund[o]), facts);
            }
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ConcurrentParams {
    min_overlap_days: i64,
}

impl Default for ConcurrentParams {
    fn default() -> ConcurrentParams {
        ConcurrentParams { min_overlap_days: 1 }
    }
}

/// Two stays at different institutions overlapping by at least `min_overlap_days` (a transfer on the discharge day
/// does not overlap).
#[derive(Debug, Clone)]
pub(crate) struct Concurrent {
    min_overlap_days: i64,
}

impl Concurrent {
    pub(crate) fn compile(params: &toml::Table, b: &mut Build) -> Option<Concurrent> {
        let p: ConcurrentParams = b.params(params)?;
        if p.min_overlap_days <= 0 {
            b.err("min_overlap_days", "天数必须大于 0");
        }
        Some(Concurrent { min_overlap_days: p.min_overlap_days })
    }

    pub(crate) fn run(&self, r: u32, cx: &PersonCx, out: &mut Sink) {
        let sh = cx.shard;
        let stays: Vec<usize> = inpatient(cx).collect();
        for (k, &a) in stays.iter().enumerate() {
            for &b in &stays[k + 1..] {
                if sh.inst[a] == sh.inst[b] {
                    continue;
                }
                let overlap = i64::from(sh.end[a].min(sh.end[b]) - sh.begin[b]);
                if overlap < self.min_overlap_days {
                    continue;
                }
                let facts = Facts::new()
                    .with("begin", date(sh.begin[b]))
                    .with("end", date(sh.end[b]))
                    .with("other_begin", date(sh.begin[a]))
                    .with("other_end", date(sh.end[a]))
                    .with("other_institution", cx.inst_name(a))
                    .with("overlap", overlap);
                out.person_case(r, cx, &[a, b], Fen(sh.fund[b]), facts);
            }
        }
    }
}
