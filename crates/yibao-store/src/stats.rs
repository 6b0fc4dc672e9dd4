//! Statistics rollups: `stat_setl` (a narrow copy of every settlement row), `stat_day` and `stat_month` (live
//! settlements summed by day or month, institution, scheme and inpatient/outpatient) and, in `stats_people.rs`, the
//! person-days each fund tier served with each person's previous day (exact people counts for any period).
//!
//! They are derived from the settlement table alone and kept exact without any statement in the settlement commit:
//! before each statistics read, [`Store::stats_refresh`] takes the settlement rows of the last minutes (by the
//! `settlement_time` index) that it has not applied yet, copies them, marks the settlements that new reversals
//! reverse, and recomputes every day group and person they touch from `stat_setl`. A count check (settlement rows
//! against copied rows) catches rows written behind its back (bulk generation, imports) and rebuilds everything.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::db::Row;
use crate::webop::{StatStmt, WebOp};
use crate::{Op, Param, Result, Store, params};

/// How far back each refresh looks for new rows: longer than any settlement takes from its `setl_time` to its commit.
const MARGIN_SECONDS: i64 = 120;
/// How often the row-count check runs.
const COUNT_CHECK: Duration = Duration::from_secs(30);
/// The most groups (or people cells, see `stats_people`) recomputed in one commit.
pub(crate) const CHUNK: usize = 2000;

/// Fund tiers counted by people served: `any` is every live settlement.
pub const TIERS: &[(&str, &str)] =
    &[("any", ""), ("hifp", "hifp"), ("hifmi", "hifmi"), ("hifob", "hifob"), ("cvlserv", "cvlserv"), ("maf", "maf")];

/// 大病保险 payout bands in fen: [0, 1万), [1万, 3万), [3万, 5万), [5万, ∞).
pub const BANDS: [i64; 3] = [1_000_000, 3_000_000, 5_000_000];

/// What a refresh did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refresh {
    pub rebuilt: bool,
    pub applied: usize,
}

struct State {
    /// The store this state belongs to (a dropped store's state is never used for another at the same address).
    owner: std::sync::Weak<crate::Engine>,
    /// Settlement rows already applied among those still inside the margin, and the newest setl_time seen.
    seen: HashMap<(String, String), String>,
    scanned_to: String,
    last_count: Option<Instant>,
}

static STATES: Mutex<Vec<State>> = Mutex::new(Vec::new());
static RUNNING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const SETL_COLS: &str =
    "psn_no, setl_id, kind, day, admdvs, fixmedins_code, insutype, med_type, ipt, live, medfee, inscp,
    hifp, hifmi, hifob, cvlserv, maf, fund, psn_part, acct, cash";

/// `CASE … END` giving 1 for an inpatient med_type (the national `inpatient_med_type` dictionary).
fn ipt_case(col: &str) -> String {
    let d = yibao_core::codes::Dictionaries::national();
    let codes: Vec<String> = d
        .codes(yibao_core::codes::kind::INPATIENT_MED_TYPE)
        .map(|(c, _)| format!("'{}'", c.replace('\'', "''")))
        .collect();
    format!("CASE WHEN {col} IN ({}) THEN 1 ELSE 0 END", codes.join(", "))
}

/// The SELECT list that sums `stat_setl` rows into a `stat_day` row.
fn day_select() -> String {
    let band = |lo: i64, hi: Option<i64>, what: &str| {
        let upper = hi.map_or(String::new(), |h| format!(" AND hifmi < {h}"));
        format!("CAST(SUM(CASE WHEN hifmi > 0 AND hifmi >= {lo}{upper} THEN {what} ELSE 0 END) AS BIGINT)")
    };
    let [b1, b2, b3] = BANDS;
    let mut cols = vec!["day".to_string(), "admdvs".into(), "fixmedins_code".into(), "insutype".into(), "ipt".into()];
    cols.push("CAST(COUNT(*) AS BIGINT)".into());
    for c in ["medfee", "inscp", "hifp", "hifmi", "hifob", "cvlserv", "maf", "fund", "psn_part", "acct", "cash"] {
        cols.push(format!("CAST(SUM({c}) AS BIGINT)"));
    }
    for c in ["hifp", "hifmi", "hifob", "cvlserv", "maf"] {
        cols.push(format!("CAST(SUM(CASE WHEN {c} <> 0 THEN 1 ELSE 0 END) AS BIGINT)"));
    }
    for what in ["1", "hifmi"] {
        cols.push(band(0, Some(b1), what));
        cols.push(band(b1, Some(b2), what));
        cols.push(band(b2, Some(b3), what));
        cols.push(band(b3, None, what));
    }
    for what in ["1", "medfee", "hifp"] {
        cols.push(format!("CAST(SUM(CASE WHEN hifmi <> 0 THEN {what} ELSE 0 END) AS BIGINT)"));
    }
    // In the order of DAY_COLS: the band counts n_b1..n_b4, their amounts a_b1..a_b4, then h_n, h_medfee, h_hifp.
    cols.join(", ")
}

/// The measures of `stat_day` and `stat_month` (everything but the keys).
pub(crate) const MEASURES: [&str; 28] = [
    "n",
    "medfee",
    "inscp",
    "hifp",
    "hifmi",
    "hifob",
    "cvlserv",
    "maf",
    "fund",
    "psn_part",
    "acct",
    "cash",
    "n_hifp",
    "n_hifmi",
    "n_hifob",
    "n_cvlserv",
    "n_maf",
    "n_b1",
    "n_b2",
    "n_b3",
    "n_b4",
    "a_b1",
    "a_b2",
    "a_b3",
    "a_b4",
    "h_n",
    "h_medfee",
    "h_hifp",
];

/// `stat_month` rows from `stat_day` rows (`cond` selects them).
fn month_insert(cond: &str) -> String {
    let sums: Vec<String> = MEASURES.iter().map(|m| format!("CAST(SUM({m}) AS BIGINT)")).collect();
    format!(
        "INSERT INTO stat_month (ym, admdvs, fixmedins_code, insutype, ipt, {}) SELECT SUBSTR(day, 1, 7), admdvs, fixmedins_code,
           insutype, ipt, {} FROM stat_day WHERE {cond} GROUP BY SUBSTR(day, 1, 7), admdvs, fixmedins_code, insutype, ipt",
        MEASURES.join(", "),
        sums.join(", ")
    )
}

const DAY_COLS: &str =
    "day, admdvs, fixmedins_code, insutype, ipt, n, medfee, inscp, hifp, hifmi, hifob, cvlserv, maf, fund,
    psn_part, acct, cash, n_hifp, n_hifmi, n_hifob, n_cvlserv, n_maf, n_b1, n_b2, n_b3, n_b4, a_b1, a_b2, a_b3, a_b4,
    h_n, h_medfee, h_hifp";

pub(crate) fn stmt(sql: impl Into<String>, params: Vec<Param>) -> StatStmt {
    StatStmt { sql: sql.into(), params }
}

/// The statements that rebuild every rollup from the settlement table.
fn rebuild_statements() -> Vec<StatStmt> {
    let mut v = vec![
        stmt("DELETE FROM stat_setl", params![]),
        stmt("DELETE FROM stat_day", params![]),
        stmt("DELETE FROM stat_month", params![]),
        stmt(
            format!(
                "INSERT INTO stat_setl ({SETL_COLS})
                 SELECT s.psn_no, s.setl_id, s.kind, SUBSTR(s.setl_time, 1, 10), COALESCE(i.admdvs, ''), s.fixmedins_code,
                   s.insutype, s.med_type, {}, CASE WHEN s.kind = 'settle' AND s.reversed_by IS NULL THEN 1 ELSE 0 END,
                   s.medfee_sumamt, s.inscp_scp_amt, s.hifp_pay, s.hifmi_pay, s.hifob_pay, s.cvlserv_pay, s.maf_pay,
                   s.fund_pay_sumamt, s.psn_part_amt, s.acct_pay, s.psn_cash_pay
                 FROM settlement s LEFT JOIN institution i ON i.fixmedins_code = s.fixmedins_code",
                ipt_case("s.med_type")
            ),
            params![],
        ),
        stmt(
            format!(
                "INSERT INTO stat_day ({DAY_COLS}) SELECT {} FROM stat_setl WHERE live = 1
                 GROUP BY day, admdvs, fixmedins_code, insutype, ipt",
                day_select()
            ),
            params![],
        ),
    ];
    v.push(stmt(month_insert("1 = 1"), params![]));
    v.extend(crate::stats_people::rebuild_statements());
    v.push(stmt(
        "INSERT INTO stat_state (name, value) SELECT 'scanned_to', COALESCE(MAX(setl_time), '') FROM settlement WHERE 1 = 1
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        params![],
    ));
    v
}

/// A settlement row as the refresh reads it.
struct New {
    key: (String, String),
    kind: String,
    reverses: Option<String>,
    setl_time: String,
    row: Row,
}

const READ_COLS: &str = "psn_no, setl_id, kind, reverses, reversed_by, setl_time, fixmedins_code, insutype, med_type,
    medfee_sumamt, inscp_scp_amt, hifp_pay, hifmi_pay, hifob_pay, cvlserv_pay, maf_pay, fund_pay_sumamt, psn_part_amt,
    acct_pay, psn_cash_pay";

fn minus_margin(t: &str) -> String {
    chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S")
        .map(|d| (d - chrono::Duration::seconds(MARGIN_SECONDS)).format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

impl Store {
    /// Runs `f` on this store's refresh state (None when it has none yet).
    fn with_state<T>(&self, f: impl FnOnce(Option<&mut State>) -> T) -> T {
        let mut g = STATES.lock().unwrap_or_else(|p| p.into_inner());
        g.retain(|s| s.owner.strong_count() > 0);
        let me = std::sync::Arc::downgrade(&self.engine);
        f(g.iter_mut().find(|s| s.owner.ptr_eq(&me)))
    }

    fn set_state(&self, scanned_to: String, counted: bool) {
        let mut g = STATES.lock().unwrap_or_else(|p| p.into_inner());
        let me = std::sync::Arc::downgrade(&self.engine);
        g.retain(|s| s.owner.strong_count() > 0 && !s.owner.ptr_eq(&me));
        g.push(State { owner: me, seen: HashMap::new(), scanned_to, last_count: counted.then(Instant::now) });
    }

    /// Rebuilds every statistics rollup from the settlement table (one commit; the writer waits for it).
    pub async fn stats_rebuild(&self) -> Result<()> {
        let _g = RUNNING.lock().await;
        self.rebuild_locked().await
    }

    async fn rebuild_locked(&self) -> Result<()> {
        let mut stmts = rebuild_statements();
        if self.backend == crate::Backend::Postgres {
            // PostgreSQL plans from its statistics; after a rebuild (usually after a bulk load) they are stale until
            // autovacuum comes by, and a stale plan scans the settlement table instead of its time index.
            for t in ["settlement", "stat_setl", "stat_day", "stat_month", "stat_psn_seq", "stat_psn_cell"] {
                stmts.push(stmt(format!("ANALYZE {t}"), params![]));
            }
        }
        self.commit(vec![Op::Web(WebOp::Stats(stmts))]).await?;
        let scanned_to = self
            .row("SELECT value FROM stat_state WHERE name = 'scanned_to'", params![])
            .await?
            .map(|r| r.text("value"))
            .unwrap_or_default();
        self.set_state(scanned_to, true);
        Ok(())
    }

    /// Brings the rollups up to date with the ledger (see the module comment).
    pub async fn stats_refresh(&self) -> Result<Refresh> {
        self.refresh(false).await
    }

    /// [`Store::stats_refresh`] with the row-count check run now rather than at most every 30 seconds.
    pub async fn stats_refresh_checked(&self) -> Result<Refresh> {
        self.refresh(true).await
    }

    async fn refresh(&self, force_check: bool) -> Result<Refresh> {
        let _g = RUNNING.lock().await;
        let known = self.with_state(|s| s.map(|s| s.scanned_to.clone()));
        let scanned_to = match known {
            Some(s) => s,
            None => match self.row("SELECT value FROM stat_state WHERE name = 'scanned_to'", params![]).await? {
                Some(r) => {
                    let s = r.text("value");
                    self.set_state(s.clone(), false);
                    s
                }
                None => {
                    self.rebuild_locked().await?;
                    return Ok(Refresh { rebuilt: true, applied: 0 });
                }
            },
        };
        // A newest row dated in the future (clock skew, an import) must not hide the rows written now.
        let now = crate::now_text();
        let applied = self.apply_new(&minus_margin(scanned_to.as_str().min(now.as_str()))).await?;
        // The people cells the new rows marked (and any an interrupted refresh left marked).
        self.stats_people_flush().await?;
        let check = force_check
            || self.with_state(|s| s.is_none_or(|s| s.last_count.is_none_or(|t| t.elapsed() >= COUNT_CHECK)));
        if check {
            let count = |sql: &'static str| async move {
                Ok::<i64, crate::StoreError>(self.scan(sql, params![]).await?.first().map_or(0, |r| r.int("n")))
            };
            let ledger = count("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM settlement").await?;
            let copied = count("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM stat_setl").await?;
            if ledger != copied {
                tracing::info!(ledger, copied, "statistics rollups behind the ledger: rebuilding");
                self.rebuild_locked().await?;
                return Ok(Refresh { rebuilt: true, applied });
            }
            self.with_state(|s| {
                if let Some(s) = s {
                    s.last_count = Some(Instant::now());
                }
            });
        }
        Ok(Refresh { rebuilt: false, applied })
    }

    /// Applies the rows at or after `since` not applied yet; returns how many.
    async fn apply_new(&self, since: &str) -> Result<usize> {
        let rows =
            self.scan(&format!("SELECT {READ_COLS} FROM settlement WHERE setl_time >= $1"), params![since]).await?;
        let fresh: Vec<New> = self.with_state(|st| {
            let seen = st.map(|s| &s.seen);
            rows.into_iter()
                .map(|r| New {
                    key: (r.text("psn_no"), r.text("setl_id")),
                    kind: r.text("kind"),
                    reverses: r.opt_text("reverses"),
                    setl_time: r.text("setl_time"),
                    row: r,
                })
                .filter(|n| seen.is_none_or(|s| !s.contains_key(&n.key)))
                .collect()
        });
        if fresh.is_empty() {
            return Ok(0);
        }
        let regions: HashMap<String, String> =
            self.institutions().await?.into_iter().map(|i| (i.fixmedins_code, i.admdvs)).collect();
        let ipt: HashSet<String> = yibao_core::codes::Dictionaries::national()
            .codes(yibao_core::codes::kind::INPATIENT_MED_TYPE)
            .map(|(c, _)| c.to_string())
            .collect();
        // The settlements new reversals reverse, read again: they are no longer live.
        let mut touched: Vec<Row> = Vec::new();
        for n in &fresh {
            if n.kind == "reverse"
                && let Some(orig) = &n.reverses
                && let Some(r) = self
                    .row(
                        &format!("SELECT {READ_COLS} FROM settlement WHERE psn_no = $1 AND setl_id = $2"),
                        params![&n.key.0, orig],
                    )
                    .await?
            {
                touched.push(r);
            }
        }
        // Units of statements that must commit together (a group's DELETE with its INSERT).
        let mut units: Vec<Vec<StatStmt>> = Vec::new();
        let mut groups = BTreeSet::new();
        let mut person_days = BTreeSet::new();
        for r in fresh.iter().map(|n| &n.row).chain(touched.iter()) {
            let day = r.text("setl_time").chars().take(10).collect::<String>();
            let code = r.text("fixmedins_code");
            let admdvs = regions.get(&code).cloned().unwrap_or_default();
            let is_ipt = i64::from(ipt.contains(&r.text("med_type")));
            let live = i64::from(r.text("kind") == "settle" && r.opt_text("reversed_by").is_none());
            let mut p =
                params![r.text("psn_no"), r.text("setl_id"), r.text("kind"), &day, &admdvs, &code, r.text("insutype")];
            p.extend(params![r.text("med_type"), is_ipt, live]);
            for c in [
                "medfee_sumamt",
                "inscp_scp_amt",
                "hifp_pay",
                "hifmi_pay",
                "hifob_pay",
                "cvlserv_pay",
                "maf_pay",
                "fund_pay_sumamt",
                "psn_part_amt",
                "acct_pay",
                "psn_cash_pay",
            ] {
                p.push(Param::Int(r.int(c)));
            }
            units.push(vec![stmt(
                format!(
                    "INSERT INTO stat_setl ({SETL_COLS}) VALUES ({}) ON CONFLICT (psn_no, setl_id) DO UPDATE SET live = excluded.live",
                    (1..=21).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
                ),
                p,
            )]);
            if r.text("kind") == "settle" {
                groups.insert((day.clone(), admdvs, code, r.text("insutype"), is_ipt));
                person_days.insert((r.text("psn_no"), day));
            }
        }
        for (day, admdvs, code, insutype, is_ipt) in &groups {
            let key = params![day, admdvs, code, insutype, *is_ipt];
            let cond = "day = $1 AND admdvs = $2 AND fixmedins_code = $3 AND insutype = $4 AND ipt = $5";
            units.push(vec![
                stmt(format!("DELETE FROM stat_day WHERE {cond}"), key.clone()),
                stmt(
                    format!(
                        "INSERT INTO stat_day ({DAY_COLS}) SELECT {} FROM stat_setl WHERE live = 1 AND {cond}
                         GROUP BY day, admdvs, fixmedins_code, insutype, ipt",
                        day_select()
                    ),
                    key,
                ),
            ]);
        }
        let months: BTreeSet<_> = groups
            .iter()
            .map(|(day, a, c, i, p)| (day[..7].to_string(), a.clone(), c.clone(), i.clone(), *p))
            .collect();
        for (ym, admdvs, code, insutype, is_ipt) in &months {
            let cond = "admdvs = $1 AND fixmedins_code = $2 AND insutype = $3 AND ipt = $4 AND day >= $5 AND day <= $6";
            units.push(vec![
                stmt(
                    "DELETE FROM stat_month WHERE admdvs = $1 AND fixmedins_code = $2 AND insutype = $3 AND ipt = $4 AND ym = $5",
                    params![admdvs, code, insutype, *is_ipt, ym],
                ),
                stmt(month_insert(cond), params![admdvs, code, insutype, *is_ipt, format!("{ym}-01"), format!("{ym}-31")]),
            ]);
        }
        // Each person from the earliest day they were touched (settled, or a settlement reversed) on.
        let mut people: HashMap<String, String> = HashMap::new();
        for (psn_no, day) in &person_days {
            people.entry(psn_no.clone()).or_insert_with(|| day.clone());
        }
        let mut people: Vec<(String, String)> = people.into_iter().collect();
        people.sort();
        units.extend(people.iter().map(|(psn_no, from)| crate::stats_people::person_unit(psn_no, from)));
        let newest = fresh.iter().map(|n| n.setl_time.as_str()).max().unwrap_or_default().to_string();
        units.push(vec![stmt(
            "INSERT INTO stat_state (name, value) VALUES ('scanned_to', $1)
             ON CONFLICT (name) DO UPDATE SET value = CASE WHEN excluded.value > stat_state.value THEN excluded.value ELSE stat_state.value END",
            params![&newest],
        )]);
        // Large catch-ups commit in chunks of whole units, copies first, so every chunk leaves exact groups.
        let mut it = units.into_iter().peekable();
        while it.peek().is_some() {
            let chunk: Vec<StatStmt> = it.by_ref().take(CHUNK).flatten().collect();
            self.commit(vec![Op::Web(WebOp::Stats(chunk))]).await?;
        }
        self.with_state(|s| {
            if let Some(s) = s {
                if newest > s.scanned_to {
                    s.scanned_to = newest;
                }
                let floor = minus_margin(&s.scanned_to);
                s.seen.extend(fresh.iter().map(|n| (n.key.clone(), n.setl_time.clone())));
                s.seen.retain(|_, t| *t >= floor);
            }
        });
        Ok(fresh.len())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn band_and_case_sql_name_every_column() {
        assert_eq!(super::day_select().matches("CAST(").count(), 1 + 11 + 5 + 8 + 3);
        assert_eq!(super::DAY_COLS.split(',').count(), 5 + super::MEASURES.len());
        assert!(super::ipt_case("m").contains("'21'"));
        assert_eq!(super::minus_margin("2026-01-01 00:01:00"), "2025-12-31 23:59:00");
    }
}
