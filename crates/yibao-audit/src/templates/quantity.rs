//! Quantities above a limit (超数量/超频次收费): per day, per visit or stay, per day of stay (床位费 beyond the length
//! of stay), and hourly items beyond 24 hours a day. Lines of the same item are added up before comparing.

use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use serde::Deserialize;
use yibao_core::money::line_amount;
use yibao_core::{Fen, Qty};

use super::restrict::{CODE, NAME, unique};
use super::{Build, Ctx, Hit, item_facts};
use crate::evidence::Facts;
use crate::finding::LineRole;
use crate::knowledge::Col;

const COLS: &[Col] = &[
    CODE,
    NAME,
    Col::opt("per_day", "每日限量", &["单日限量"]),
    Col::opt("per_stay", "每次限量", &["单次就诊限量", "每次住院限量"]),
    Col::opt("per_los_day", "每住院日限量", &["按住院天数"]),
    Col::opt("hourly", "按小时计费", &["小时项目"]),
];

/// `quantity_limit` parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Params {
    /// The daily limit of rows marked `hourly` (24: a day has 24 hours).
    hours_per_day: Qty,
}

impl Default for Params {
    fn default() -> Params {
        Params { hours_per_day: Qty(24 * Qty::ONE) }
    }
}

#[derive(Debug, Clone)]
struct Row {
    code: Box<str>,
    per_day: Option<Qty>,
    per_stay: Option<Qty>,
    per_los_day: Option<Qty>,
}

#[derive(Debug, Clone)]
pub(crate) struct Quantity {
    rows: Vec<Row>,
}

/// A quantity without trailing zeros ("3", "2.5").
pub(crate) fn qty_text(q: Qty) -> String {
    let s = q.to_string();
    match s.split_once('.') {
        Some((i, f)) => {
            let f = f.trim_end_matches('0');
            if f.is_empty() { i.to_string() } else { format!("{i}.{f}") }
        }
        None => s,
    }
}

impl Quantity {
    pub(crate) fn compile(params: &toml::Table, b: &mut Build) -> Option<Quantity> {
        let p: Params = b.params(params)?;
        if p.hours_per_day.0 <= 0 {
            b.err("hours_per_day", "每日小时数必须大于 0");
        }
        let mut seen = FxHashMap::default();
        let rows = b.rows(COLS, |c| {
            let code = c.req("code")?;
            if !unique(&mut seen, c, code) {
                return None;
            }
            let hourly = c.flag("hourly");
            let per_day = if hourly { Some(p.hours_per_day) } else { c.parse("per_day") };
            let row =
                Row { code: code.into(), per_day, per_stay: c.parse("per_stay"), per_los_day: c.parse("per_los_day") };
            if row.per_day.is_none() && row.per_stay.is_none() && row.per_los_day.is_none() {
                c.error("per_day", "未给出任何限量（每日限量、每次限量、每住院日限量或按小时计费）");
            }
            for (name, v) in [("per_day", row.per_day), ("per_stay", row.per_stay), ("per_los_day", row.per_los_day)] {
                if v.is_some_and(|q| q.0 <= 0) {
                    c.error(name, "限量必须大于 0");
                }
            }
            Some(row)
        });
        Some(Quantity { rows })
    }

    pub(crate) fn keys(&self) -> Vec<(&str, u32)> {
        self.rows.iter().enumerate().map(|(i, r)| (&*r.code, i as u32)).collect()
    }

    pub(crate) fn group(&self, cands: &[(u32, usize)], cx: &Ctx) -> Vec<Hit> {
        let mut hits = Vec::new();
        let mut by_row: Vec<(u32, Vec<usize>)> = Vec::new();
        for &(r, i) in cands {
            match by_row.iter_mut().find(|(x, _)| *x == r) {
                Some((_, v)) => v.push(i),
                None => by_row.push((r, vec![i])),
            }
        }
        for (r, lines) in by_row {
            let row = &self.rows[r as usize];
            if let Some(limit) = row.per_day {
                let mut days: Vec<NaiveDate> = lines.iter().map(|i| cx.line(*i).date).collect();
                days.sort_unstable();
                days.dedup();
                for d in days {
                    let on_day: Vec<usize> = lines.iter().copied().filter(|i| cx.line(*i).date == d).collect();
                    hits.extend(excess(cx, &on_day, limit, format!("单日（{d}）")));
                }
            }
            if let Some(limit) = row.per_stay {
                let scope =
                    if cx.inpatient { format!("本次住院（{}天）", cx.los) } else { "本次就诊".to_string() };
                hits.extend(excess(cx, &lines, limit, scope));
            }
            if let Some(per) = row.per_los_day
                && cx.inpatient
            {
                let limit = Qty(per.0 * cx.los);
                hits.extend(excess(cx, &lines, limit, format!("本次住院（{}天）", cx.los)));
            }
        }
        hits
    }
}

/// A hit when the lines' total quantity is above `limit`: the excess is taken from the latest lines back.
fn excess(cx: &Ctx, lines: &[usize], limit: Qty, scope: String) -> Option<Hit> {
    let total: i64 = lines.iter().map(|i| cx.line(*i).qty.0).sum();
    if total <= limit.0 {
        return None;
    }
    let mut over = total - limit.0;
    let mut parts: Vec<(usize, LineRole, Fen)> = Vec::with_capacity(lines.len());
    for &i in lines.iter().rev() {
        let l = cx.line(i);
        let take = over.min(l.qty.0.max(0));
        over -= take;
        if take > 0 {
            let amount = line_amount(l.price, Qty(take)).min(l.claimed());
            parts.push((i, LineRole::Violating, amount));
        } else {
            parts.push((i, LineRole::Involved, Fen::ZERO));
        }
    }
    parts.reverse();
    let amount: Fen = parts.iter().map(|p| p.2).sum();
    if amount <= Fen::ZERO {
        return None;
    }
    let last = cx.line(*lines.last()?);
    let facts = Facts::new()
        .with("qty", qty_text(Qty(total)))
        .with("limit", qty_text(limit))
        .with("scope", scope)
        .with("days", cx.los);
    Some(Hit { lines: parts, amount, date: last.date, facts: item_facts(last, facts) })
}
