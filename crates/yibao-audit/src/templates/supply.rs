//! Drug supply (药量): more days than the visit allows (超量开药: 急诊 3, 普通 7, 慢病 30 days by default), and a new
//! supply while an earlier one still lasts (重复开药). Days = quantity × pack ÷ daily dose, from knowledge rows.

use chrono::Duration;
use rustc_hash::FxHashMap;
use serde::Deserialize;
use yibao_core::codes::kind;
use yibao_core::money::round_div;
use yibao_core::{Fen, Qty};

use super::restrict::{CODE, NAME, unique};
use super::{Build, Ctx, Hit};
use crate::evidence::Facts;
use crate::finding::LineRole;
use crate::knowledge::Col;

const COLS: &[Col] = &[
    CODE,
    NAME,
    Col::req("pack", "包装数量", &["每计价单位含量", "包装规格数量"]),
    Col::req("daily_dose", "每日用量", &["日剂量", "每日最大用量"]),
    Col::opt("group", "药品分组", &["通用名", "成分"]),
];

#[derive(Debug, Clone)]
struct Row {
    code: Box<str>,
    /// Dose units per billing unit (片/盒).
    pack: Qty,
    /// Dose units per day.
    dose: Qty,
    /// Drugs with the same group count as the same drug (same ingredient, another maker).
    group: Option<Box<str>>,
}

impl Row {
    /// Days of supply in ten-thousandths of a day.
    fn days(&self, qty: Qty) -> i128 {
        round_div(i128::from(qty.0) * i128::from(self.pack.0), i128::from(self.dose.0))
    }
    fn key(&self) -> &str {
        self.group.as_deref().unwrap_or(&self.code)
    }
}

fn read_rows(b: &mut Build) -> Vec<Row> {
    let mut seen = FxHashMap::default();
    b.rows(COLS, |c| {
        let code = c.req("code")?;
        if !unique(&mut seen, c, code) {
            return None;
        }
        let (pack, dose): (Qty, Qty) = (c.req_parse("pack")?, c.req_parse("daily_dose")?);
        for (name, v) in [("pack", pack), ("daily_dose", dose)] {
            if v.0 <= 0 {
                c.error(name, "必须大于 0");
            }
        }
        Some(Row { code: code.into(), pack, dose, group: c.text("group").map(Into::into) })
    })
}

/// Days in ten-thousandths as text with at most one decimal ("7", "10.5").
fn days_text(d: i128) -> String {
    let tenths = round_div(d, 1000);
    if tenths % 10 == 0 { format!("{}", tenths / 10) } else { format!("{}.{}", tenths / 10, (tenths % 10).abs()) }
}

/// `supply_days` parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct SupplyParams {
    normal_days: i64,
    emergency_days: i64,
    chronic_days: i64,
    emergency_med_types: Vec<String>,
    chronic_med_types: Vec<String>,
}

impl Default for SupplyParams {
    fn default() -> SupplyParams {
        SupplyParams {
            normal_days: 7,
            emergency_days: 3,
            chronic_days: 30,
            emergency_med_types: vec!["13".into()],
            chronic_med_types: vec!["14".into()],
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Supply {
    normal: i64,
    emergency: i64,
    chronic: i64,
    emergency_med_types: Vec<String>,
    chronic_med_types: Vec<String>,
    rows: Vec<Row>,
}

impl Supply {
    pub(crate) fn compile(params: &toml::Table, b: &mut Build) -> Option<Supply> {
        let p: SupplyParams = b.params(params)?;
        for (k, v) in
            [("normal_days", p.normal_days), ("emergency_days", p.emergency_days), ("chronic_days", p.chronic_days)]
        {
            if v <= 0 {
                b.err(k, "天数必须大于 0");
            }
        }
        b.codes("emergency_med_types", kind::MED_TYPE, &p.emergency_med_types);
        b.codes("chronic_med_types", kind::MED_TYPE, &p.chronic_med_types);
        Some(Supply {
            normal: p.normal_days,
            emergency: p.emergency_days,
            chronic: p.chronic_days,
            emergency_med_types: p.emergency_med_types,
            chronic_med_types: p.chronic_med_types,
            rows: read_rows(b),
        })
    }

    pub(crate) fn keys(&self) -> Vec<(&str, u32)> {
        self.rows.iter().enumerate().map(|(i, r)| (&*r.code, i as u32)).collect()
    }

    pub(crate) fn line(&self, row: u32, cx: &Ctx, i: usize) -> Option<Hit> {
        if cx.inpatient {
            return None;
        }
        let v = &cx.enc.visit;
        let has = |list: &[String]| list.iter().any(|m| m == v.med_type);
        let (limit, visit_kind) = if cx.emergency || has(&self.emergency_med_types) {
            (self.emergency, "急诊".to_string())
        } else if has(&self.chronic_med_types) || v.opsp_dise_code.is_some() {
            (self.chronic, "门诊慢特病".to_string())
        } else {
            (self.normal, cx.label(kind::MED_TYPE, v.med_type))
        };
        let row = &self.rows[row as usize];
        let l = cx.line(i);
        let days = row.days(l.qty);
        let allowed = i128::from(limit) * i128::from(Qty::ONE);
        if days <= allowed {
            return None;
        }
        let claimed = l.claimed();
        let over = Fen(round_div(i128::from(claimed.0) * (days - allowed), days) as i64);
        let mut hit = Hit::on_line(
            cx,
            i,
            Facts::new().with("days", days_text(days)).with("limit", limit).with("visit_kind", visit_kind),
        )?;
        hit.lines[0].2 = over;
        hit.amount = over;
        (over > Fen::ZERO).then_some(hit)
    }
}

/// `repeat_supply` parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RepeatParams {
    /// Days an earlier supply may still last when the next one is dispensed (early refills are normal).
    max_overlap_days: i64,
}

impl Default for RepeatParams {
    fn default() -> RepeatParams {
        RepeatParams { max_overlap_days: 5 }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Repeat {
    max_overlap: i64,
    rows: Vec<Row>,
    by_code: FxHashMap<Box<str>, u32>,
}

impl Repeat {
    pub(crate) fn compile(params: &toml::Table, b: &mut Build) -> Option<Repeat> {
        let p: RepeatParams = b.params(params)?;
        if p.max_overlap_days < 0 {
            b.err("max_overlap_days", "天数不能为负数");
        }
        let rows = read_rows(b);
        let by_code = rows.iter().enumerate().map(|(i, r)| (r.code.clone(), i as u32)).collect();
        Some(Repeat { max_overlap: p.max_overlap_days, rows, by_code })
    }

    pub(crate) fn keys(&self) -> Vec<(&str, u32)> {
        self.rows.iter().enumerate().map(|(i, r)| (&*r.code, i as u32)).collect()
    }

    pub(crate) fn line(&self, row: u32, cx: &Ctx, i: usize) -> Option<Hit> {
        if cx.inpatient {
            return None;
        }
        let row = &self.rows[row as usize];
        let l = cx.line(i);
        let mut worst: Option<(i64, usize)> = None;
        for (k, h) in cx.enc.history.iter().enumerate() {
            if h.mdtrt_id == cx.enc.visit.mdtrt_id || h.date > l.date {
                continue;
            }
            let Some(prev) = self.by_code.get(h.code).map(|r| &self.rows[*r as usize]) else { continue };
            if prev.key() != row.key() {
                continue;
            }
            let whole_days = (prev.days(h.qty) / i128::from(Qty::ONE)) as i64;
            let overlap = (h.date + Duration::days(whole_days) - l.date).num_days();
            if overlap > self.max_overlap && worst.is_none_or(|(o, _)| overlap > o) {
                worst = Some((overlap, k));
            }
        }
        let (overlap, k) = worst?;
        let h = &cx.enc.history[k];
        let days = row.days(l.qty);
        if days <= 0 {
            return None;
        }
        let covered = (i128::from(overlap) * i128::from(Qty::ONE)).min(days);
        let amount = Fen(round_div(i128::from(l.claimed().0) * covered, days) as i64);
        let facts = Facts::new()
            .with("days", days_text(days))
            .with("overlap", overlap)
            .with("prev_date", h.date)
            .with("prev_mdtrt", h.mdtrt_id);
        let mut hit = Hit::on_line(cx, i, facts)?;
        hit.lines[0] = (i, LineRole::Violating, amount);
        hit.amount = amount;
        (amount > Fen::ZERO).then_some(hit)
    }
}
