//! A 事后 review run over the ledger, for the command line (`yibao audit run`) and the web interface alike: load a
//! period ([`crate::review_load`]), run every detector of a rule pack, and store the run and each case as a finding
//! (source `review`, status `held`) — once: the run id is derived from the region, the period and the rules, each
//! finding id from its run and content, so running the same period with the same rules again stores nothing new.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use yibao_audit::review::{Report, Review, ReviewOptions};
use yibao_audit::rules::RulePack;

use crate::review_load::{LoadSpec, load_review};
use crate::supervision::{FindingRow, HELD, RunRow, SupervisionOp};
use crate::{Op, Result, Store, StoreError, params};

/// What to review.
pub struct ReviewRequest<'a> {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Region: persons insured there, and the pack's per-region rule switches. `None` = every person, pack defaults.
    pub admdvs: Option<&'a str>,
    /// Who runs it (staff user, or `cli`).
    pub opter: &'a str,
    pub pack: &'a RulePack,
    /// A fingerprint of the rules (e.g. [`fingerprint`] of the pack's text), part of the run id.
    pub rules_tag: &'a str,
    /// Review threads; 0 = every core.
    pub threads: usize,
}

/// One rule's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSummary {
    pub rule_id: String,
    pub rule_name: String,
    pub cases: usize,
    /// Fen at stake.
    pub amount: i64,
}

/// What a run did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunSummary {
    pub run_id: String,
    /// The run was stored before (same region, period and rules): nothing was stored this time.
    pub already_stored: bool,
    pub persons: usize,
    pub settlements: usize,
    pub lines: usize,
    pub findings: usize,
    pub rules: Vec<RuleSummary>,
    pub read_ms: u64,
    pub build_ms: u64,
    pub review_ms: u64,
    pub store_ms: u64,
}

/// FNV-1a, 64 bits: a stable fingerprint for ids.
pub fn fingerprint(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The run id of a region, period and rules.
pub fn run_id(admdvs: Option<&str>, from: NaiveDate, to: NaiveDate, rules_tag: &str) -> String {
    let tag = &rules_tag[..rules_tag.len().min(8)];
    format!("RV{}-{}-{}-{tag}", admdvs.unwrap_or("ALL"), from.format("%Y%m%d"), to.format("%Y%m%d"))
}

fn ms(d: Duration) -> u64 {
    d.as_millis() as u64
}

/// The findings of a report, with ids derived from the run and each case's content (identical cases once).
pub fn findings(run_id: &str, report: &Report) -> Vec<FindingRow> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(report.cases.len());
    for c in &report.cases {
        let key = format!(
            "{}|{}|{}|{}|{}|{}",
            c.rule.id,
            c.psn_no.as_deref().unwrap_or(""),
            c.fixmedins_code.as_deref().unwrap_or(""),
            c.setl_ids.join(","),
            c.date,
            c.text
        );
        let id = format!("{run_id}-{}", fingerprint(&key));
        if !seen.insert(id.clone()) {
            continue;
        }
        out.push(FindingRow {
            finding_id: id,
            source: "review".to_string(),
            run_id: Some(run_id.to_string()),
            rule_id: c.rule.id.clone(),
            rule_name: c.rule.name.clone(),
            sev_deg: c.rule.sev_deg.clone(),
            psn_no: c.psn_no.clone(),
            fixmedins_code: c.fixmedins_code.clone().unwrap_or_else(|| "—".to_string()),
            setl_ids: c.setl_ids.join(","),
            occurred_on: c.date.format("%Y-%m-%d").to_string(),
            amount: c.amount.0,
            evidence: c.text.clone(),
            status: HELD.to_string(),
        });
    }
    out
}

/// Per rule of the pack: cases and amount (rules without cases too, in pack order).
pub fn rule_summaries(pack: &RulePack, rows: &[FindingRow]) -> Vec<RuleSummary> {
    pack.rules()
        .iter()
        .map(|r| {
            let mine = rows.iter().filter(|f| f.rule_id == r.info.id);
            let (cases, amount) = mine.fold((0, 0), |(n, a), f| (n + 1, a + f.amount));
            RuleSummary { rule_id: r.info.id.clone(), rule_name: r.info.name.clone(), cases, amount }
        })
        .collect()
}

/// Loads the period, reviews it and stores the run with its findings (unless stored before). Returns the summary
/// and the report (for scoring against a planted set).
pub async fn run_review(store: &Store, req: &ReviewRequest<'_>) -> Result<(RunSummary, Report)> {
    if req.from > req.to {
        return Err(StoreError::Invalid(format!("审核期间 {}..{} 的起始日期晚于结束日期", req.from, req.to)));
    }
    let started = crate::now_text();
    let id = run_id(req.admdvs, req.from, req.to, req.rules_tag);
    let spec = LoadSpec { from: req.from, to: req.to, admdvs: req.admdvs.map(str::to_string), shard_persons: 25_000 };
    let opts = ReviewOptions { threads: req.threads, region: req.admdvs, ..ReviewOptions::default() };
    let mut review = Review::new(req.pack, opts);
    // Each shard is reviewed as soon as it is built, then dropped.
    let mut review_time = Duration::ZERO;
    let loaded = load_review(store, &spec, |reg, shard| {
        let t = Instant::now();
        review.feed(reg, &shard);
        review_time += t.elapsed();
    })
    .await?;
    let t = Instant::now();
    let report = review.finish(&loaded.registry);
    review_time += t.elapsed();
    let rows = findings(&id, &report);
    let mut summary = RunSummary {
        run_id: id.clone(),
        already_stored: false,
        persons: loaded.persons,
        settlements: loaded.settlements,
        lines: loaded.lines,
        findings: rows.len(),
        rules: rule_summaries(req.pack, &rows),
        read_ms: ms(loaded.read),
        build_ms: ms(loaded.build),
        review_ms: ms(review_time),
        store_ms: 0,
    };
    let t = Instant::now();
    let stored = store.row("SELECT run_id FROM audit_run WHERE run_id = $1", params![&id]).await?.is_some();
    if stored {
        summary.already_stored = true;
        return Ok((summary, report));
    }
    let run = RunRow {
        run_id: id.clone(),
        admdvs: req.admdvs.unwrap_or("").to_string(),
        period_from: req.from.format("%Y-%m-%d").to_string(),
        period_to: req.to.format("%Y-%m-%d").to_string(),
        opter: req.opter.to_string(),
        started_at: started,
        finished_at: crate::now_text(),
        settlements: summary.settlements as i64,
        findings: rows.len() as i64,
        summary: serde_json::to_string(&summary).unwrap_or_default(),
    };
    let ops =
        vec![Op::Supervision(SupervisionOp::InsertRun(run)), Op::Supervision(SupervisionOp::InsertFindings(rows))];
    match store.commit(ops).await {
        Ok(()) => {}
        // Another run of the same period got there first.
        Err(StoreError::Duplicate(_)) => summary.already_stored = true,
        Err(e) => return Err(e),
    }
    summary.store_ms = ms(t.elapsed());
    Ok((summary, report))
}
