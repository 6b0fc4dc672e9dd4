//! Care after the date of death (死亡后发生费用 / 死亡后结算): fee lines dated after the person's death date, or a
//! visit that begins after it (a card used by someone else).

use chrono::Duration;
use serde::Deserialize;
use yibao_core::Fen;

use super::{Build, Ctx, Hit};
use crate::evidence::Facts;
use crate::finding::LineRole;

/// `after_death` parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Params {
    /// Days after the death date that are still accepted (late entries of the last day's care).
    grace_days: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct Death {
    grace_days: i64,
}

impl Death {
    pub(crate) fn compile(params: &toml::Table, b: &mut Build) -> Option<Death> {
        let p: Params = b.params(params)?;
        if p.grace_days < 0 {
            b.err("grace_days", "天数不能为负数");
        }
        Some(Death { grace_days: p.grace_days })
    }

    pub(crate) fn visit(&self, cx: &Ctx) -> Vec<Hit> {
        let Some(death) = cx.enc.person.death_date else { return Vec::new() };
        let last_ok = death + Duration::days(self.grace_days);
        let v = &cx.enc.visit;
        let whole = v.begin > last_ok;
        let lines: Vec<(usize, LineRole, Fen)> = cx
            .enc
            .lines
            .iter()
            .enumerate()
            .filter(|(_, l)| whole || l.date > last_ok)
            .map(|(i, l)| (i, LineRole::Violating, l.claimed()))
            .collect();
        if !whole && lines.is_empty() {
            return Vec::new();
        }
        let amount: Fen = lines.iter().map(|l| l.2).sum();
        let date = lines.first().map_or(v.begin, |l| cx.line(l.0).date);
        let facts = Facts::new().with("death_date", death).with("count", lines.len());
        vec![Hit { lines, amount, date, facts }]
    }
}
