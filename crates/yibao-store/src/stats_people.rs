//! Distinct people per fund tier over any period, exact: `stat_psn_seq` (each person-day a tier served a person, with
//! the day it last served them before) and `stat_psn_cell` (those person-days counted per day and previous day).
//!
//! A person served in a period a..b has exactly one person-day in it whose previous day is before a (the first one),
//! so the people of the period are the person-days with `a <= day <= b AND prev < a`: a sum over `stat_psn_cell`
//! that reads at most one row per (day, previous day) pair, whatever the period and however many people it served.
//!
//! Upkeep is incremental and deterministic: when a person's settlements on some days change, that person's rows from
//! the earliest such day on are recomputed from `stat_setl` (rows before it keep their previous day), the cells of the
//! old and new rows are marked in `stat_psn_dirty` in the same commit, and [`Store::stats_people_flush`] recounts the
//! marked cells from `stat_psn_seq` (also after an interrupted refresh: the marks are stored).

use std::collections::HashMap;

use crate::stats::{CHUNK, TIERS, stmt};
use crate::webop::{StatStmt, WebOp};
use crate::{Op, Result, Store, params};

/// The person-days of every tier and scope from live `stat_setl` rows that satisfy `cond`, as (tier, scope, psn_no,
/// day, prev) with prev the previous day of the same person, tier and scope ('' for none).
fn seq_select(tier: &str, col: &str, region: bool, cond: &str) -> String {
    let paid = if col.is_empty() { String::new() } else { format!(" AND {col} <> 0") };
    let scope = if region { "admdvs" } else { "'*'" };
    format!(
        "SELECT tier, scope, psn_no, day, COALESCE(LAG(day) OVER (PARTITION BY tier, scope, psn_no ORDER BY day), '') AS prev
         FROM (SELECT DISTINCT '{tier}' AS tier, {scope} AS scope, psn_no, day FROM stat_setl WHERE live = 1{paid} AND {cond}) u"
    )
}

const SEQ_INSERT: &str = "INSERT INTO stat_psn_seq (tier, scope, psn_no, day, prev)";

/// The statements that rebuild `stat_psn_seq` and `stat_psn_cell` from `stat_setl`.
pub(crate) fn rebuild_statements() -> Vec<StatStmt> {
    let mut v = vec![
        stmt("DELETE FROM stat_psn_seq", params![]),
        stmt("DELETE FROM stat_psn_cell", params![]),
        stmt("DELETE FROM stat_psn_dirty", params![]),
    ];
    for (tier, col) in TIERS {
        for region in [false, true] {
            v.push(stmt(format!("{SEQ_INSERT} {}", seq_select(tier, col, region, "1 = 1")), params![]));
        }
    }
    v.push(stmt(
        "INSERT INTO stat_psn_cell (tier, scope, day, prev, n) SELECT tier, scope, day, prev, CAST(COUNT(*) AS BIGINT)
         FROM stat_psn_seq GROUP BY tier, scope, day, prev",
        params![],
    ));
    v
}

/// The statements (one unit, to commit together) that recompute a person's rows from day `from` on, after that
/// person's `stat_setl` rows changed on `from` or later, and mark the cells of the old and the new rows.
pub(crate) fn person_unit(psn_no: &str, from: &str) -> Vec<StatStmt> {
    let mark = "INSERT INTO stat_psn_dirty (tier, scope, day, prev) SELECT tier, scope, day, prev FROM stat_psn_seq
         WHERE psn_no = $1 AND day >= $2 ON CONFLICT DO NOTHING";
    let rows: Vec<String> = TIERS
        .iter()
        .flat_map(|(tier, col)| [false, true].map(|region| seq_select(tier, col, region, "psn_no = $1")))
        .collect();
    vec![
        stmt(mark, params![psn_no, from]),
        stmt("DELETE FROM stat_psn_seq WHERE psn_no = $1 AND day >= $2", params![psn_no, from]),
        stmt(
            format!(
                "{SEQ_INSERT} SELECT tier, scope, psn_no, day, prev FROM ({}) w WHERE day >= $2",
                rows.join(" UNION ALL ")
            ),
            params![psn_no, from],
        ),
        stmt(mark, params![psn_no, from]),
    ]
}

impl Store {
    /// Recounts the cells marked in `stat_psn_dirty` (commits of at most 2000 cells, each leaving exact cells; the
    /// marks are cleared with the last, so an interrupted flush only recounts some cells again). Only the refresh
    /// writes the marks, under its lock.
    pub(crate) async fn stats_people_flush(&self) -> Result<usize> {
        let keys = self
            .scan("SELECT tier, scope, day, prev FROM stat_psn_dirty ORDER BY tier, scope, day, prev", params![])
            .await?;
        let key = "tier = $1 AND scope = $2 AND day = $3 AND prev = $4";
        let chunks = keys.len().div_ceil(CHUNK);
        for (i, chunk) in keys.chunks(CHUNK).enumerate() {
            let mut v = Vec::with_capacity(chunk.len() * 2 + 1);
            for r in chunk {
                let p = params![r.text("tier"), r.text("scope"), r.text("day"), r.text("prev")];
                v.push(stmt(format!("DELETE FROM stat_psn_cell WHERE {key}"), p.clone()));
                v.push(stmt(
                    format!(
                        "INSERT INTO stat_psn_cell (tier, scope, day, prev, n) SELECT tier, scope, day, prev,
                         CAST(COUNT(*) AS BIGINT) FROM stat_psn_seq WHERE {key} GROUP BY tier, scope, day, prev"
                    ),
                    p,
                ));
            }
            if i + 1 == chunks {
                v.push(stmt("DELETE FROM stat_psn_dirty", params![]));
            }
            self.commit(vec![Op::Web(WebOp::Stats(v))]).await?;
        }
        Ok(keys.len())
    }

    /// Distinct people each fund tier (`stats::TIERS`) served from `from` to `to` (yyyy-mm-dd) at the institutions of
    /// a region ("" = all regions).
    pub(crate) async fn stats_people(&self, from: &str, to: &str, admdvs: &str) -> Result<HashMap<String, i64>> {
        let scope = if admdvs.is_empty() { "*" } else { admdvs };
        let tiers: Vec<String> = TIERS.iter().map(|(t, _)| format!("'{t}'")).collect();
        let rows = self
            .scan(
                &format!(
                    "SELECT tier, CAST(SUM(n) AS BIGINT) AS n FROM stat_psn_cell
                     WHERE tier IN ({}) AND scope = $1 AND day >= $2 AND day <= $3 AND prev < $2 GROUP BY tier",
                    tiers.join(", ")
                ),
                params![scope, from, to],
            )
            .await?;
        Ok(rows.iter().map(|r| (r.text("tier"), r.int("n"))).collect())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_tier_and_scope_has_its_rows() {
        let unit = super::person_unit("P1", "2025-03-01");
        assert_eq!(unit.len(), 4);
        assert_eq!(unit[2].sql.matches("LAG(day)").count(), 2 * crate::stats::TIERS.len());
        assert_eq!(super::rebuild_statements().len(), 3 + 2 * crate::stats::TIERS.len() + 1);
    }
}
