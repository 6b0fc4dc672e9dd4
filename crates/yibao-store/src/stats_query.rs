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
    /// $1 from, $2 to, $3 region; $4–$5 the whole months of the period; $6–$7 and $8–$9 the days of its partial
    /// months (empty ranges match nothing). A query's own parameters start at $10.
    fn params(&self) -> Vec<Param> {
        let (m, d1, d2) = split(&self.from, &self.to);
        params![&self.from, &self.to, &self.admdvs, m.0, m.1, d1.0, d1.1, d2.0, d2.1]
    }

    fn base_params(&self) -> Vec<Param> {
        params![&self.from, &self.to, &self.admdvs]
    }
}

type Range = (String, String);

/// A period's whole months (yyyy-mm) and the day ranges before and after them.
fn split(from: &str, to: &str) -> (Range, Range, Range) {
    use chrono::{Datelike, NaiveDate};
    let none = || ("9".to_string(), "0".to_string());
    let (Ok(f), Ok(t)) = (NaiveDate::parse_from_str(from, "%Y-%m-%d"), NaiveDate::parse_from_str(to, "%Y-%m-%d"))
    else {
        return (none(), (from.to_string(), to.to_string()), none());
    };
    let first_of = |d: NaiveDate| d.with_day(1).unwrap_or(d);
    let next_month = |d: NaiveDate| (first_of(d) + chrono::Duration::days(32)).with_day(1).unwrap_or(d);
    let start = if f.day() == 1 { f } else { next_month(f) };
    let end = if next_month(t) - chrono::Duration::days(1) == t { t } else { first_of(t) - chrono::Duration::days(1) };
    if start > end {
        return (none(), (from.to_string(), to.to_string()), none());
    }
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let months = (start.format("%Y-%m").to_string(), end.format("%Y-%m").to_string());
    let before = if start > f { (day(f), day(start - chrono::Duration::days(1))) } else { none() };
    let after = if end < t { (day(end + chrono::Duration::days(1)), day(t)) } else { none() };
    (months, before, after)
}

/// The rollup rows of a period: whole months from `stat_month`, partial months from `stat_day` (parameters as in
/// [`StatsFilter::params`]), as `s` with columns ym, admdvs, fixmedins_code, insutype, ipt and the measures.
fn src() -> String {
    let m = crate::stats::MEASURES.join(", ");
    format!(
        "(SELECT ym, admdvs, fixmedins_code, insutype, ipt, {m} FROM stat_month WHERE ym >= $4 AND ym <= $5 AND ($3 = '' OR admdvs = $3)
          UNION ALL
          SELECT SUBSTR(day, 1, 7) AS ym, admdvs, fixmedins_code, insutype, ipt, {m} FROM stat_day
          WHERE ((day >= $6 AND day <= $7) OR (day >= $8 AND day <= $9)) AND ($3 = '' OR admdvs = $3)) s
         WHERE $1 <= $2"
    )
}

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
            "SELECT ym, insutype, ipt, {} FROM {} GROUP BY ym, insutype, ipt ORDER BY ym, insutype, ipt",
            sums_sql(),
            src()
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
            "SELECT i.hosp_lv AS hosp_lv, {} FROM (SELECT fixmedins_code, {} FROM {} GROUP BY fixmedins_code) d
             JOIN institution i ON i.fixmedins_code = d.fixmedins_code GROUP BY i.hosp_lv ORDER BY i.hosp_lv",
            sums_sql(),
            SUM_COLS.iter().map(|c| format!("CAST(SUM({c}) AS BIGINT) AS {c}")).collect::<Vec<_>>().join(", "),
            src()
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
                       CAST(COALESCE(SUM(n_maf), 0) AS BIGINT) AS n_maf FROM {}",
                    sums_sql(),
                    src()
                ),
                f.params(),
            )
            .await?;
        let t = t.first().cloned();
        let people_of = self.stats_people(&f.from, &f.to, &f.admdvs).await?;
        let mut out = Vec::new();
        for (tier, col) in crate::stats::TIERS {
            let people = people_of.get(*tier).copied().unwrap_or(0);
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
        let r = self.scan(&format!("SELECT {} FROM {}", cols.join(", "), src()), f.params()).await?;
        let Some(r) = r.first() else { return Ok(Bands::default()) };
        let g = |p: &str| [1, 2, 3, 4].map(|i| r.int(&format!("{p}_b{i}")));
        Ok(Bands { n: g("n"), amount: g("a") })
    }

    /// Live settlements that 大病保险 paid (hifmi ≠ 0): person-times (`n`), 医疗费总额 (`medfee`), what the basic
    /// fund (`hifp`) and 大病保险 (`hifmi`) paid; the other fields are 0.
    pub async fn stats_hifmi_summary(&self, f: &StatsFilter) -> Result<Sums> {
        self.stats_refresh().await?;
        let cols: Vec<String> = ["h_n", "h_medfee", "h_hifp", "hifmi"]
            .iter()
            .map(|c| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT) AS {c}"))
            .collect();
        let r = self.scan(&format!("SELECT {} FROM {}", cols.join(", "), src()), f.params()).await?;
        let r = r.first();
        let g = |c: &str| r.map_or(0, |r| r.int(c));
        Ok(Sums { n: g("h_n"), medfee: g("h_medfee"), hifp: g("h_hifp"), hifmi: g("hifmi"), ..Sums::default() })
    }

    /// Institutions by fund spending (`by_average` = false) or by 次均费用 (medical cost per person-time).
    pub async fn stats_top_institutions(&self, f: &StatsFilter, by_average: bool, limit: i64) -> Result<Vec<InstRow>> {
        self.stats_refresh().await?;
        let order = if by_average { "d.medfee / d.n DESC" } else { "d.fund DESC" };
        let sql = format!(
            "SELECT d.fixmedins_code AS code, i.fixmedins_name AS name, i.hosp_lv AS hosp_lv, d.* FROM
               (SELECT fixmedins_code, {} FROM {} GROUP BY fixmedins_code) d
             LEFT JOIN institution i ON i.fixmedins_code = d.fixmedins_code WHERE d.n > 0
             ORDER BY {order}, d.fixmedins_code LIMIT $10",
            sums_sql(),
            src()
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
        let marks: Vec<String> = (0..codes.len()).map(|i| format!("${}", i + 10)).collect();
        let sql = format!(
            "SELECT fixmedins_code, ym, {} FROM {} AND fixmedins_code IN ({}) GROUP BY fixmedins_code, ym ORDER BY fixmedins_code, ym",
            sums_sql(),
            src(),
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

    /// A page of settlements (newest first) and the number matching, counted up to `count_cap` (a list says “more
    /// than” past it rather than counting a whole year's rows).
    pub async fn settlement_page(
        &self,
        f: &SetlFilter,
        offset: i64,
        limit: i64,
        count_cap: i64,
    ) -> Result<(Vec<SetlListRow>, i64)> {
        self.stats_refresh().await?;
        let cond = "day >= $1 AND day <= $2 AND ($3 = '' OR admdvs = $3) AND ($4 = '' OR fixmedins_code = $4)
             AND ($5 = '' OR insutype = $5) AND ($6 = '' OR med_type = $6) AND ($7 = '' OR psn_no = $7)
             AND ($8 = '' OR psn_no IN (SELECT psn_no FROM identity WHERE code = $8))";
        let mut p = f.stats.base_params();
        p.extend(params![&f.fixmedins_code, &f.insutype, &f.med_type, &f.psn_no, &f.identity]);
        let total = self
            .scan(
                &format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM (SELECT 1 AS x FROM stat_setl WHERE {cond} LIMIT {count_cap}) c"),
                p.clone(),
            )
            .await?
            .first()
            .map_or(0, |r| r.int("n"));
        p.extend(params![limit, offset]);
        let cols = SUM_COLS[1..].join(", ");
        let rows = self
            .scan(
                &format!(
                    "SELECT psn_no, setl_id, kind, live, day, fixmedins_code, insutype, med_type, 1 AS n, {cols} FROM stat_setl
                     WHERE {cond} ORDER BY day DESC, admdvs DESC, fixmedins_code DESC, insutype DESC, ipt DESC, setl_id DESC
                     LIMIT $9 OFFSET $10"
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

#[cfg(test)]
mod tests {
    use super::split;

    fn r(a: &str, b: &str) -> (String, String) {
        (a.to_string(), b.to_string())
    }

    #[test]
    fn periods_split_into_whole_and_partial_months() {
        let none = r("9", "0");
        assert_eq!(
            split("2025-01-01", "2025-05-30"),
            (r("2025-01", "2025-04"), none.clone(), r("2025-05-01", "2025-05-30"))
        );
        assert_eq!(split("2025-01-01", "2025-12-31"), (r("2025-01", "2025-12"), none.clone(), none.clone()));
        assert_eq!(split("2025-03-15", "2025-03-20"), (none.clone(), r("2025-03-15", "2025-03-20"), none.clone()));
        assert_eq!(
            split("2025-02-10", "2025-04-30"),
            (r("2025-03", "2025-04"), r("2025-02-10", "2025-02-28"), none.clone())
        );
        assert_eq!(split("2024-02-01", "2024-02-29"), (r("2024-02", "2024-02"), none.clone(), none.clone()));
        assert_eq!(split("2025-01-31", "2025-02-01"), (none.clone(), r("2025-01-31", "2025-02-01"), none));
    }
}
