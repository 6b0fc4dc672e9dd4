//! Statistics reads over the rollups of `stats.rs` (each one refreshes them first): spending by month and scheme,
//! by hospital level, per fund tier, 大病保险 bands, top institutions with their trend, enrollment; and the settlement
//! list behind the records page.

use crate::db::Row;
use crate::{Param, Result, Store, params};

/// Which settlements a statistic covers: settle dates `from..=to` (yyyy-mm-dd) and a region ("" = all).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatsFilter {
    pub from: String,
    pub to: String,
    pub admdvs: String,
}

impl StatsFilter {
    fn params(&self) -> Vec<Param> {
        params![&self.from, &self.to, &self.admdvs]
    }
}

const COND: &str = "day >= $1 AND day <= $2 AND ($3 = '' OR admdvs = $3)";

/// Sums over live settlements (fen; `n` person-times).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sums {
    pub n: i64,
    pub medfee: i64,
    pub inscp: i64,
    pub hifp: i64,
    pub hifmi: i64,
    pub hifob: i64,
    pub cvlserv: i64,
    pub maf: i64,
    pub fund: i64,
    pub psn_part: i64,
    pub acct: i64,
    pub cash: i64,
}

const SUM_COLS: [&str; 12] =
    ["n", "medfee", "inscp", "hifp", "hifmi", "hifob", "cvlserv", "maf", "fund", "psn_part", "acct", "cash"];

fn sums_sql() -> String {
    SUM_COLS.iter().map(|c| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT) AS {c}")).collect::<Vec<_>>().join(", ")
}

fn sums(r: &Row) -> Sums {
    Sums {
        n: r.int("n"),
        medfee: r.int("medfee"),
        inscp: r.int("inscp"),
        hifp: r.int("hifp"),
        hifmi: r.int("hifmi"),
        hifob: r.int("hifob"),
        cvlserv: r.int("cvlserv"),
        maf: r.int("maf"),
        fund: r.int("fund"),
        psn_part: r.int("psn_part"),
        acct: r.int("acct"),
        cash: r.int("cash"),
    }
}

impl std::ops::AddAssign for Sums {
    fn add_assign(&mut self, o: Sums) {
        self.n += o.n;
        self.medfee += o.medfee;
        self.inscp += o.inscp;
        self.hifp += o.hifp;
        self.hifmi += o.hifmi;
        self.hifob += o.hifob;
        self.cvlserv += o.cvlserv;
        self.maf += o.maf;
        self.fund += o.fund;
        self.psn_part += o.psn_part;
        self.acct += o.acct;
        self.cash += o.cash;
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthRow {
    pub ym: String,
    pub insutype: String,
    pub ipt: bool,
    pub sums: Sums,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelRow {
    pub hosp_lv: String,
    pub sums: Sums,
}

/// People and person-times served by one fund tier, and what it paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierRow {
    pub tier: String,
    pub people: i64,
    pub times: i64,
    pub amount: i64,
}

/// 大病保险 payouts per band (see `stats::BANDS`): person-times and amounts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bands {
    pub n: [i64; 4],
    pub amount: [i64; 4],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstRow {
    pub code: String,
    pub name: String,
    pub hosp_lv: String,
    pub sums: Sums,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollRow {
    pub insutype: String,
    pub this_year: i64,
    pub last_year: i64,
}

/// Filters of the settlement list.
#[derive(Debug, Clone, Default)]
pub struct SetlFilter {
    pub stats: StatsFilter,
    pub fixmedins_code: String,
    pub insutype: String,
    pub med_type: String,
    pub identity: String,
    pub psn_no: String,
}

/// One settlement (or reversal) in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetlListRow {
    pub psn_no: String,
    pub setl_id: String,
    pub kind: String,
    pub live: bool,
    pub day: String,
    pub fixmedins_code: String,
    pub insutype: String,
    pub med_type: String,
    pub sums: Sums,
}

impl Store {
    /// Spending by month, scheme and inpatient/outpatient.
    pub async fn stats_by_month(&self, f: &StatsFilter) -> Result<Vec<MonthRow>> {
        self.stats_refresh().await?;
        let sql = format!(
            "SELECT SUBSTR(day, 1, 7) AS ym, insutype, ipt, {} FROM stat_day WHERE {COND}
             GROUP BY SUBSTR(day, 1, 7), insutype, ipt ORDER BY ym, insutype, ipt",
            sums_sql()
        );
        let rows = self.scan(&sql, f.params()).await?;
        Ok(rows
            .iter()
            .map(|r| MonthRow { ym: r.text("ym"), insutype: r.text("insutype"), ipt: r.int("ipt") == 1, sums: sums(r) })
            .collect())
    }

    /// Totals by hospital level (the institution's current level).
    pub async fn stats_by_level(&self, f: &StatsFilter) -> Result<Vec<LevelRow>> {
        self.stats_refresh().await?;
        let sql = format!(
            "SELECT i.hosp_lv AS hosp_lv, {} FROM (SELECT fixmedins_code, {} FROM stat_day WHERE {COND} GROUP BY fixmedins_code) d
             JOIN institution i ON i.fixmedins_code = d.fixmedins_code GROUP BY i.hosp_lv ORDER BY i.hosp_lv",
            sums_sql(),
            SUM_COLS.iter().map(|c| format!("CAST(SUM({c}) AS BIGINT) AS {c}")).collect::<Vec<_>>().join(", ")
        );
        let rows = self.scan(&sql, f.params()).await?;
        Ok(rows.iter().map(|r| LevelRow { hosp_lv: r.text("hosp_lv"), sums: sums(r) }).collect())
    }

    /// People, person-times and amounts per fund tier (`stats::TIERS`).
    pub async fn stats_tiers(&self, f: &StatsFilter) -> Result<Vec<TierRow>> {
        self.stats_refresh().await?;
        let t = self
            .scan(
                &format!(
                    "SELECT {}, CAST(COALESCE(SUM(n_hifp), 0) AS BIGINT) AS n_hifp, CAST(COALESCE(SUM(n_hifmi), 0) AS BIGINT) AS n_hifmi,
                       CAST(COALESCE(SUM(n_hifob), 0) AS BIGINT) AS n_hifob, CAST(COALESCE(SUM(n_cvlserv), 0) AS BIGINT) AS n_cvlserv,
                       CAST(COALESCE(SUM(n_maf), 0) AS BIGINT) AS n_maf FROM stat_day WHERE {COND}",
                    sums_sql()
                ),
                f.params(),
            )
            .await?;
        let t = t.first().cloned();
        let mut out = Vec::new();
        for (tier, col) in crate::stats::TIERS {
            let people = self
                .scan(
                    "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM (SELECT psn_no FROM stat_psn_day
                     WHERE tier = $4 AND day >= $1 AND day <= $2 AND ($3 = '' OR admdvs = $3) GROUP BY psn_no) p",
                    {
                        let mut p = f.params();
                        p.push(Param::Text(tier.to_string()));
                        p
                    },
                )
                .await?
                .first()
                .map_or(0, |r| r.int("n"));
            let (times, amount) = match (&t, *col) {
                (Some(r), "") => (r.int("n"), r.int("fund")),
                (Some(r), c) => (r.int(&format!("n_{c}")), r.int(c)),
                (None, _) => (0, 0),
            };
            out.push(TierRow { tier: tier.to_string(), people, times, amount });
        }
        Ok(out)
    }

    /// 大病保险 payouts in bands.
    pub async fn stats_bands(&self, f: &StatsFilter) -> Result<Bands> {
        self.stats_refresh().await?;
        let cols: Vec<String> = ["n_b1", "n_b2", "n_b3", "n_b4", "a_b1", "a_b2", "a_b3", "a_b4"]
            .iter()
            .map(|c| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT) AS {c}"))
            .collect();
        let r = self.scan(&format!("SELECT {} FROM stat_day WHERE {COND}", cols.join(", ")), f.params()).await?;
        let Some(r) = r.first() else { return Ok(Bands::default()) };
        let g = |p: &str| [1, 2, 3, 4].map(|i| r.int(&format!("{p}_b{i}")));
        Ok(Bands { n: g("n"), amount: g("a") })
    }

    /// Live settlements that 大病保险 paid (hifmi ≠ 0): person-times, costs and what each fund paid.
    pub async fn stats_hifmi_summary(&self, f: &StatsFilter) -> Result<Sums> {
        self.stats_refresh().await?;
        let sql = format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n, {} FROM stat_setl WHERE hifmi <> 0 AND live = 1 AND {COND}",
            SUM_COLS[1..]
                .iter()
                .map(|c| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT) AS {c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        Ok(self.scan(&sql, f.params()).await?.first().map(sums).unwrap_or_default())
    }

    /// Institutions by fund spending (`by_average` = false) or by 次均费用 (medical cost per person-time).
    pub async fn stats_top_institutions(&self, f: &StatsFilter, by_average: bool, limit: i64) -> Result<Vec<InstRow>> {
        self.stats_refresh().await?;
        let order = if by_average { "d.medfee / d.n DESC" } else { "d.fund DESC" };
        let sql = format!(
            "SELECT d.fixmedins_code AS code, i.fixmedins_name AS name, i.hosp_lv AS hosp_lv, d.* FROM
               (SELECT fixmedins_code, {} FROM stat_day WHERE {COND} GROUP BY fixmedins_code) d
             LEFT JOIN institution i ON i.fixmedins_code = d.fixmedins_code WHERE d.n > 0
             ORDER BY {order}, d.fixmedins_code LIMIT $4",
            sums_sql()
        );
        let mut p = f.params();
        p.push(Param::Int(limit));
        let rows = self.scan(&sql, p).await?;
        Ok(rows
            .iter()
            .map(|r| InstRow { code: r.text("code"), name: r.text("name"), hosp_lv: r.text("hosp_lv"), sums: sums(r) })
            .collect())
    }

    /// Monthly sums of some institutions: (code, ym, sums).
    pub async fn stats_institution_trend(
        &self,
        f: &StatsFilter,
        codes: &[String],
    ) -> Result<Vec<(String, String, Sums)>> {
        if codes.is_empty() {
            return Ok(Vec::new());
        }
        self.stats_refresh().await?;
        let marks: Vec<String> = (0..codes.len()).map(|i| format!("${}", i + 4)).collect();
        let sql = format!(
            "SELECT fixmedins_code, SUBSTR(day, 1, 7) AS ym, {} FROM stat_day WHERE {COND} AND fixmedins_code IN ({})
             GROUP BY fixmedins_code, SUBSTR(day, 1, 7) ORDER BY fixmedins_code, ym",
            sums_sql(),
            marks.join(", ")
        );
        let mut p = f.params();
        p.extend(codes.iter().map(|c| Param::Text(c.clone())));
        let rows = self.scan(&sql, p).await?;
        Ok(rows.iter().map(|r| (r.text("fixmedins_code"), r.text("ym"), sums(r))).collect())
    }

    /// Insured people (status 1) per scheme in a year and the year before, in a region ("" = all, by the person's
    /// 统筹区).
    pub async fn stats_enrollment(&self, year: i64, admdvs: &str) -> Result<Vec<EnrollRow>> {
        let sql = if admdvs.is_empty() {
            "SELECT insutype, year, CAST(COUNT(*) AS BIGINT) AS n FROM enrollment
             WHERE year IN ($1, $2) AND psn_insu_stas = '1' AND $3 = '' GROUP BY insutype, year"
        } else {
            "SELECT e.insutype AS insutype, e.year AS year, CAST(COUNT(*) AS BIGINT) AS n FROM enrollment e
             JOIN person p ON p.psn_no = e.psn_no
             WHERE e.year IN ($1, $2) AND e.psn_insu_stas = '1' AND p.admdvs = $3 GROUP BY e.insutype, e.year"
        };
        let rows = self.scan(sql, params![year, year - 1, admdvs]).await?;
        let mut out: Vec<EnrollRow> = Vec::new();
        for r in &rows {
            let it = r.text("insutype");
            let i = match out.iter().position(|e| e.insutype == it) {
                Some(i) => i,
                None => {
                    out.push(EnrollRow { insutype: it, this_year: 0, last_year: 0 });
                    out.len() - 1
                }
            };
            if r.int("year") == year {
                out[i].this_year = r.int("n");
            } else {
                out[i].last_year = r.int("n");
            }
        }
        out.sort_by(|a, b| a.insutype.cmp(&b.insutype));
        Ok(out)
    }

    /// A page of settlements (newest first) and the number matching.
    pub async fn settlement_page(&self, f: &SetlFilter, offset: i64, limit: i64) -> Result<(Vec<SetlListRow>, i64)> {
        self.stats_refresh().await?;
        let cond = "day >= $1 AND day <= $2 AND ($3 = '' OR admdvs = $3) AND ($4 = '' OR fixmedins_code = $4)
             AND ($5 = '' OR insutype = $5) AND ($6 = '' OR med_type = $6) AND ($7 = '' OR psn_no = $7)
             AND ($8 = '' OR psn_no IN (SELECT psn_no FROM identity WHERE code = $8))";
        let mut p = f.stats.params();
        p.extend(params![&f.fixmedins_code, &f.insutype, &f.med_type, &f.psn_no, &f.identity]);
        let total = self
            .scan(&format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM stat_setl WHERE {cond}"), p.clone())
            .await?
            .first()
            .map_or(0, |r| r.int("n"));
        p.extend(params![limit, offset]);
        let cols = SUM_COLS[1..].join(", ");
        let rows = self
            .scan(
                &format!(
                    "SELECT psn_no, setl_id, kind, live, day, fixmedins_code, insutype, med_type, 1 AS n, {cols} FROM stat_setl
                     WHERE {cond} ORDER BY day DESC, setl_id DESC LIMIT $9 OFFSET $10"
                ),
                p,
            )
            .await?;
        Ok((
            rows.iter()
                .map(|r| SetlListRow {
                    psn_no: r.text("psn_no"),
                    setl_id: r.text("setl_id"),
                    kind: r.text("kind"),
                    live: r.int("live") == 1,
                    day: r.text("day"),
                    fixmedins_code: r.text("fixmedins_code"),
                    insutype: r.text("insutype"),
                    med_type: r.text("med_type"),
                    sums: sums(r),
                })
                .collect(),
            total,
        ))
    }
}
