//! `yibao bench-store`: the ledger's settlement commit rate against a plain insert rate of the same rows on the same
//! database — how close the ledger is to the storage limit.

use std::time::{Duration, Instant};

use yibao_store::{Op, SetlDetailRow, SettlementRow, Store};

/// Rates measured by [`run`].
#[derive(Debug, Clone)]
pub struct StoreBench {
    pub settlements: usize,
    /// Settlement jobs (settlement + details + accumulators + version + request log + audit) committed per second.
    pub ledger_per_sec: f64,
    /// The same settlement rows inserted alone, in transactions of the same size, per second.
    pub plain_per_sec: f64,
}

fn row(i: usize, tag: &str) -> SettlementRow {
    SettlementRow {
        psn_no: format!("B{tag}{:012}", i % 50_000),
        setl_id: format!("S{tag}{i:012}"),
        mdtrt_id: format!("M{tag}{i:012}"),
        fixmedins_code: "H99900190001".into(),
        insutype: "390".into(),
        year: 2026,
        med_type: "11".into(),
        kind: "settle".into(),
        reverses: None,
        reversed_by: None,
        setl_time: "2026-11-23 10:00:00".into(),
        msgid: format!("H99900190001{tag}{i:012}"),
        policy_version: "999001@bench".into(),
        medfee_sumamt: 21_500,
        fulamt_ownpay_amt: 4_500,
        overlmt_selfpay: 0,
        preselfpay_amt: 100,
        inscp_scp_amt: 16_900,
        act_pay_dedc: 10_000,
        hifp_pay: 3_450,
        cvlserv_pay: 0,
        hifes_pay: 0,
        hifmi_pay: 0,
        hifob_pay: 0,
        maf_pay: 0,
        hifdm_pay: 0,
        oth_pay: 0,
        fund_pay_sumamt: 3_450,
        psn_part_amt: 18_050,
        acct_pay: 0,
        psn_cash_pay: 18_050,
        hosp_part_amt: 0,
        balc: 0,
        output: "{\"setlinfo\":{}}".into(),
        delta: "{\"hifp.op.paid\":3450}".into(),
        explanation: "[]".into(),
        details: vec![SetlDetailRow {
            fund_pay_type: "390100".into(),
            fund_payamt: 3_450,
            inscp_scp_amt: 16_900,
            crt_payb_lmt_amt: None,
        }],
    }
}

/// Commits `n` settlement jobs through the ledger with `concurrency` callers, then inserts `n` settlement rows
/// alone; returns both rates.
pub async fn run(store: &Store, n: usize, concurrency: usize) -> yibao_store::Result<StoreBench> {
    let tag = format!("{:04}", std::process::id() % 10_000);
    let t = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for w in 0..concurrency {
        let store = store.clone();
        let tag = tag.clone();
        set.spawn(async move {
            let mut i = w;
            while i < n {
                let r = row(i, &tag);
                let ops = vec![
                    Op::BumpPersonYear { psn_no: r.psn_no.clone(), year: 1000 + i as i64, expected: 0 },
                    Op::AddAccumulators {
                        psn_no: r.psn_no.clone(),
                        year: 2026,
                        insutype: "390".into(),
                        deltas: vec![("hifp.op.paid".into(), 3_450)],
                    },
                    Op::LogRequest {
                        fixmedins_code: r.fixmedins_code.clone(),
                        msgid: r.msgid.clone(),
                        infno: "2207".into(),
                        digest: String::new(),
                        psn_no: Some(r.psn_no.clone()),
                        response: "{}".into(),
                    },
                    Op::InsertSettlement(Box::new(r)),
                ];
                store.commit(ops).await?;
                i += concurrency;
            }
            Ok::<(), yibao_store::StoreError>(())
        });
    }
    while let Some(r) = set.join_next().await {
        r.map_err(|e| yibao_store::StoreError::Invalid(e.to_string()))??;
    }
    let ledger = t.elapsed();
    // Plain: the same settlement rows, nothing else, in transactions of 512 rows.
    let plain_tag = format!("P{tag}");
    let t = Instant::now();
    let rows: Vec<SettlementRow> = (0..n).map(|i| row(i, &plain_tag)).collect();
    for chunk in rows.chunks(512) {
        store.commit(chunk.iter().map(|r| Op::InsertSettlement(Box::new(r.clone()))).collect()).await?;
    }
    let plain = t.elapsed();
    let rate = |d: Duration| n as f64 / d.as_secs_f64().max(1e-9);
    Ok(StoreBench { settlements: n, ledger_per_sec: rate(ledger), plain_per_sec: rate(plain) })
}
