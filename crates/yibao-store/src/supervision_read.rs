//! Fund supervision's reads of findings: one finding, a filtered page of them, and each institution's payable for a
//! period — what it settled, less the money findings hold back (剔除待查) or confirmed as violations.

use std::collections::BTreeMap;

use crate::db::Row;
use crate::supervision::{CLEARED, CONFIRMED, FindingRow, HELD, RECOVERED};
use crate::{Param, Result, Store, params};

/// A finding as stored, with its review and the case it was taken into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingRecord {
    pub row: FindingRow,
    pub found_at: String,
    pub reviewer: Option<String>,
    pub reviewed_at: Option<String>,
    pub review_note: Option<String>,
    pub case_id: Option<String>,
}

/// Which findings a list shows; empty fields do not filter. The period is the day the violation happened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingFilter {
    /// YYYY-MM-DD, inclusive.
    pub from: String,
    pub to: String,
    pub fixmedins_code: String,
    pub rule_id: String,
    pub status: String,
    pub case_id: String,
    /// The 事后 review run that raised the findings.
    pub run_id: String,
}

impl FindingFilter {
    const COND: &str = "($1 = '' OR occurred_on >= $1) AND ($2 = '' OR occurred_on <= $2)
        AND ($3 = '' OR fixmedins_code = $3) AND ($4 = '' OR rule_id = $4) AND ($5 = '' OR status = $5)
        AND ($6 = '' OR case_id = $6) AND ($7 = '' OR run_id = $7)";

    fn params(&self) -> Vec<Param> {
        params![&self.from, &self.to, &self.fixmedins_code, &self.rule_id, &self.status, &self.case_id, &self.run_id]
    }
}

/// An institution's payable for a period, in fen.
///
/// `settled` = Σ (`fund_pay_sumamt` + `acct_pay`) over every settlement row of the institution whose `setl_time`
/// falls in the period, reversals included (they carry the negated amounts, so a reversed settlement counts 0).
/// `fund_pay_sumamt` is 基金支付总额: `hifp_pay` + `cvlserv_pay` + `hifes_pay` + `hifmi_pay` + `hifob_pay` +
/// `maf_pay` + `hifdm_pay` + `oth_pay`; `acct_pay` is the personal account, which the bureau also pays to the
/// institution. Cash (`psn_cash_pay`) and the institution's own share (`hosp_part_amt`) are not the bureau's to pay.
///
/// Findings count by the day their violation happened (`occurred_on`) in the period:
/// `payable` = `settled` − `held` − `confirmed` − `recovered`; cleared findings (排除) are paid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Payable {
    pub fixmedins_code: String,
    /// Σ fund_pay_sumamt.
    pub fund: i64,
    /// Σ acct_pay.
    pub acct: i64,
    /// fund + acct.
    pub settled: i64,
    pub held: i64,
    pub confirmed: i64,
    pub recovered: i64,
    pub cleared: i64,
    /// Findings in the period by status: held, confirmed, recovered, cleared.
    pub counts: [i64; 4],
    pub payable: i64,
}

pub(crate) fn finding_record(r: &Row) -> FindingRecord {
    FindingRecord {
        row: FindingRow {
            finding_id: r.text("finding_id"),
            source: r.text("source"),
            run_id: r.opt_text("run_id"),
            rule_id: r.text("rule_id"),
            rule_name: r.text("rule_name"),
            sev_deg: r.text("sev_deg"),
            psn_no: r.opt_text("psn_no"),
            fixmedins_code: r.text("fixmedins_code"),
            setl_ids: r.text("setl_ids"),
            occurred_on: r.text("occurred_on"),
            amount: r.int("amount"),
            evidence: r.text("evidence"),
            status: r.text("status"),
        },
        found_at: r.text("found_at"),
        reviewer: r.opt_text("reviewer"),
        reviewed_at: r.opt_text("reviewed_at"),
        review_note: r.opt_text("review_note"),
        case_id: r.opt_text("case_id"),
    }
}

impl Store {
    pub async fn finding(&self, finding_id: &str) -> Result<Option<FindingRecord>> {
        let r = self.row("SELECT * FROM audit_finding WHERE finding_id = $1", params![finding_id]).await?;
        Ok(r.as_ref().map(finding_record))
    }

    /// A page of findings (newest violation first) and how many match.
    pub async fn findings_page(&self, f: &FindingFilter, offset: i64, limit: i64) -> Result<(Vec<FindingRecord>, i64)> {
        let list = ("*", "audit_finding", FindingFilter::COND, "occurred_on DESC, finding_id DESC");
        let (rows, total) = self.page(list, f.params(), offset, limit).await?;
        Ok((rows.iter().map(finding_record).collect(), total))
    }

    /// The rule ids and names findings were raised under, for a filter's choices.
    pub async fn finding_rules(&self) -> Result<Vec<(String, String)>> {
        let rows = self
            .scan(
                "SELECT rule_id, MIN(rule_name) AS rule_name FROM audit_finding GROUP BY rule_id ORDER BY rule_id",
                params![],
            )
            .await?;
        Ok(rows.iter().map(|r| (r.text("rule_id"), r.text("rule_name"))).collect())
    }

    /// Each institution's payable for a period (YYYY-MM-DD, inclusive), by institution code; an empty code means
    /// every institution with settlements or findings in the period. See [`Payable`] for what counts.
    pub async fn payable(&self, from: &str, to: &str, fixmedins_code: &str) -> Result<Vec<Payable>> {
        let to_end = format!("{to} 23:59:59");
        let setl = self
            .scan(
                "SELECT fixmedins_code, CAST(SUM(fund_pay_sumamt) AS BIGINT) AS fund, CAST(SUM(acct_pay) AS BIGINT) AS acct
                 FROM settlement WHERE setl_time >= $1 AND setl_time <= $2 AND ($3 = '' OR fixmedins_code = $3)
                 GROUP BY fixmedins_code",
                params![from, to_end, fixmedins_code],
            )
            .await?;
        let found = self
            .scan(
                "SELECT fixmedins_code, status, CAST(SUM(amount) AS BIGINT) AS amount, CAST(COUNT(*) AS BIGINT) AS n
                 FROM audit_finding WHERE occurred_on >= $1 AND occurred_on <= $2 AND ($3 = '' OR fixmedins_code = $3)
                 GROUP BY fixmedins_code, status",
                params![from, to, fixmedins_code],
            )
            .await?;
        let mut by: BTreeMap<String, Payable> = BTreeMap::new();
        fn entry(by: &mut BTreeMap<String, Payable>, code: String) -> &mut Payable {
            by.entry(code.clone()).or_insert_with(|| Payable { fixmedins_code: code, ..Payable::default() })
        }
        for r in &setl {
            let p = entry(&mut by, r.text("fixmedins_code"));
            p.fund += r.int("fund");
            p.acct += r.int("acct");
        }
        for r in &found {
            let p = entry(&mut by, r.text("fixmedins_code"));
            let (a, n) = (r.int("amount"), r.int("n"));
            match r.text("status").as_str() {
                HELD => (p.held += a, p.counts[0] += n),
                CONFIRMED => (p.confirmed += a, p.counts[1] += n),
                RECOVERED => (p.recovered += a, p.counts[2] += n),
                CLEARED => (p.cleared += a, p.counts[3] += n),
                _ => ((), ()),
            };
        }
        Ok(by
            .into_values()
            .map(|mut p| {
                p.settled = p.fund + p.acct;
                p.payable = p.settled - p.held - p.confirmed - p.recovered;
                p
            })
            .collect())
    }
}
