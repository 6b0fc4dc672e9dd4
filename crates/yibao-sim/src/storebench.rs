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
                        log_id: format!("R{tag}{i:012}"),
                        fixmedins_code: r.fixmedins_code.clone(),
                        opter: "bench".into(),
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
    // Plain: the same settlement rows, nothing else, inserted directly with one prepared statement in transactions
    // of 512 rows, with the same durability — the storage limit the ledger is measured against.
    let plain_tag = format!("P{tag}");
    let rows: Vec<SettlementRow> = (0..n).map(|i| row(i, &plain_tag)).collect();
    let t = Instant::now();
    plain_insert(store, &rows).await?;
    let plain = t.elapsed();
    let rate = |d: Duration| n as f64 / d.as_secs_f64().max(1e-9);
    Ok(StoreBench { settlements: n, ledger_per_sec: rate(ledger), plain_per_sec: rate(plain) })
}

const PLAIN_SQL: &str =
    "INSERT INTO settlement (psn_no, setl_id, mdtrt_id, fixmedins_code, insutype, year, med_type, kind,
    setl_time, msgid, policy_version, medfee_sumamt, fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt, inscp_scp_amt,
    act_pay_dedc, hifp_pay, cvlserv_pay, hifes_pay, hifmi_pay, hifob_pay, maf_pay, hifdm_pay, oth_pay, fund_pay_sumamt,
    psn_part_amt, acct_pay, psn_cash_pay, hosp_part_amt, balc, output, delta, explanation)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,
    $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34)";

/// A value of [`PLAIN_SQL`], bound directly with each driver.
enum V<'a> {
    T(&'a str),
    N(i64),
}

impl rusqlite::ToSql for V<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(match self {
            V::T(t) => rusqlite::types::ToSqlOutput::from(*t),
            V::N(n) => rusqlite::types::ToSqlOutput::from(*n),
        })
    }
}

/// A row's values in [`PLAIN_SQL`]'s order.
fn plain_values(r: &SettlementRow) -> Vec<V<'_>> {
    let mut v: Vec<V<'_>> =
        [&r.psn_no, &r.setl_id, &r.mdtrt_id, &r.fixmedins_code, &r.insutype].into_iter().map(|s| V::T(s)).collect();
    v.push(V::N(r.year));
    v.extend([&r.med_type, &r.kind, &r.setl_time, &r.msgid, &r.policy_version].into_iter().map(|s| V::T(s)));
    v.extend(
        [
            r.medfee_sumamt,
            r.fulamt_ownpay_amt,
            r.overlmt_selfpay,
            r.preselfpay_amt,
            r.inscp_scp_amt,
            r.act_pay_dedc,
            r.hifp_pay,
            r.cvlserv_pay,
            r.hifes_pay,
            r.hifmi_pay,
            r.hifob_pay,
            r.maf_pay,
            r.hifdm_pay,
            r.oth_pay,
            r.fund_pay_sumamt,
            r.psn_part_amt,
            r.acct_pay,
            r.psn_cash_pay,
            r.hosp_part_amt,
            r.balc,
        ]
        .map(V::N),
    );
    v.extend([&r.output, &r.delta, &r.explanation].into_iter().map(|s| V::T(s)));
    v
}

async fn plain_insert(store: &Store, rows: &[SettlementRow]) -> yibao_store::Result<()> {
    if let Some(conn) = store.sqlite_connection() {
        let conn = conn?;
        let db = |e: rusqlite::Error| yibao_store::StoreError::Db(e.to_string());
        let sql = PLAIN_SQL.replace('$', "?");
        for chunk in rows.chunks(512) {
            let tx = conn.unchecked_transaction().map_err(db)?;
            {
                let mut st = tx.prepare_cached(&sql).map_err(db)?;
                for r in chunk {
                    st.execute(rusqlite::params_from_iter(plain_values(r))).map_err(db)?;
                }
            }
            tx.commit().map_err(db)?;
        }
        return Ok(());
    }
    let pool = store.pg_pool().expect("a store is SQLite or PostgreSQL");
    let db = |e: sqlx::Error| yibao_store::StoreError::Db(e.to_string());
    for chunk in rows.chunks(512) {
        let mut tx = pool.begin().await.map_err(db)?;
        for r in chunk {
            let mut q = sqlx::query(PLAIN_SQL);
            for v in plain_values(r) {
                q = match v {
                    V::T(t) => q.bind(t),
                    V::N(n) => q.bind(n),
                };
            }
            q.execute(&mut *tx).await.map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
    }
    Ok(())
}
