//! Item pairs that must not both be charged on the same day or in the same stay (重复收费: 特级护理 with 一级护理,
//! a procedure with an operation it includes). As NCCI's PTP edits, the second item (B, the component) is the
//! violation, and a row may say that a documented modifier on the B line lets the pair pass (modifier indicator 1).

use chrono::NaiveDate;
use serde::Deserialize;
use yibao_core::Fen;

use super::{Build, Ctx, Hit, item_facts};
use crate::evidence::Facts;
use crate::finding::LineRole;
use crate::knowledge::Col;

const COLS: &[Col] = &[
    Col::req("code_a", "主项目编码", &["项目A编码", "column_one"]),
    Col::opt("name_a", "主项目名称", &["项目A名称"]),
    Col::req("code_b", "被包含项目编码", &["项目B编码", "column_two"]),
    Col::opt("name_b", "被包含项目名称", &["项目B名称"]),
    Col::opt("scope", "限定范围", &["时间范围"]),
    Col::opt("bypass", "修饰符可通过", &["modifier_indicator", "可单独收费说明"]),
];

/// `exclusive_pair` parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Params {
    /// Modifiers that count as documentation on a bypassable pair; empty = any modifier the line carries.
    bypass_modifiers: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Day,
    Stay,
}

#[derive(Debug, Clone)]
struct Row {
    a: Box<str>,
    b: Box<str>,
    scope: Scope,
    bypass: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Pairs {
    modifiers: Vec<String>,
    rows: Vec<Row>,
}

impl Pairs {
    pub(crate) fn compile(params: &toml::Table, b: &mut Build) -> Option<Pairs> {
        let p: Params = b.params(params)?;
        let rows = b.rows(COLS, |c| {
            let (a, bb) = (c.req("code_a")?, c.req("code_b")?);
            if a == bb {
                c.error("code_b", "主项目与被包含项目不能是同一编码");
            }
            let scope = match c.text("scope") {
                None | Some("day" | "同日" | "同一天" | "单日") => Scope::Day,
                Some("stay" | "visit" | "同次住院" | "同次就诊" | "同次") => Scope::Stay,
                Some(t) => {
                    c.error("scope", format!("“{t}”应为 同日（day）或 同次住院（stay）"));
                    Scope::Day
                }
            };
            let bypass = match c.text("bypass") {
                Some("9") => false,
                _ => c.flag("bypass"),
            };
            Some(Row { a: a.into(), b: bb.into(), scope, bypass })
        });
        Some(Pairs { modifiers: p.bypass_modifiers, rows })
    }

    pub(crate) fn keys(&self) -> Vec<(&str, u32)> {
        self.rows.iter().enumerate().flat_map(|(i, r)| [(&*r.a, i as u32), (&*r.b, i as u32)]).collect()
    }

    fn passes(&self, row: &Row, modifier: Option<&str>) -> bool {
        row.bypass
            && modifier.is_some_and(|m| {
                !m.trim().is_empty() && (self.modifiers.is_empty() || self.modifiers.iter().any(|x| x == m))
            })
    }

    pub(crate) fn group(&self, cands: &[(u32, usize)], cx: &Ctx) -> Vec<Hit> {
        let mut rows: Vec<u32> = cands.iter().map(|c| c.0).collect();
        rows.sort_unstable();
        rows.dedup();
        let mut hits = Vec::new();
        for r in rows {
            let row = &self.rows[r as usize];
            let mine = cands.iter().filter(|c| c.0 == r).map(|c| c.1);
            let (a, b): (Vec<usize>, Vec<usize>) = mine.partition(|i| cx.line(*i).code == &*row.a);
            if a.is_empty() || b.is_empty() {
                continue;
            }
            match row.scope {
                Scope::Stay => hits.extend(self.hit(cx, row, &a, &b, "同次就诊".to_string())),
                Scope::Day => {
                    let mut days: Vec<NaiveDate> = b.iter().map(|i| cx.line(*i).date).collect();
                    days.sort_unstable();
                    days.dedup();
                    for d in days {
                        let on = |v: &[usize]| -> Vec<usize> {
                            v.iter().copied().filter(|i| cx.line(*i).date == d).collect()
                        };
                        let (a_d, b_d) = (on(&a), on(&b));
                        if !a_d.is_empty() {
                            hits.extend(self.hit(cx, row, &a_d, &b_d, format!("同日（{d}）")));
                        }
                    }
                }
            }
        }
        hits
    }

    fn hit(&self, cx: &Ctx, row: &Row, a: &[usize], b: &[usize], scope: String) -> Option<Hit> {
        let b: Vec<usize> = b.iter().copied().filter(|i| !self.passes(row, cx.line(*i).modifier)).collect();
        let mut lines: Vec<(usize, LineRole, Fen)> =
            b.iter().map(|i| (*i, LineRole::Violating, cx.line(*i).claimed())).collect();
        let amount: Fen = lines.iter().map(|l| l.2).sum();
        if amount <= Fen::ZERO {
            return None;
        }
        lines.extend(a.iter().map(|i| (*i, LineRole::Involved, Fen::ZERO)));
        lines.sort_by_key(|l| l.0);
        let (first_b, first_a) = (cx.line(b[0]), cx.line(a[0]));
        let facts = Facts::new().with("other_code", first_a.code).with("other_name", first_a.name).with("scope", scope);
        Some(Hit { lines, amount, date: first_b.date, facts: item_facts(first_b, facts) })
    }
}
