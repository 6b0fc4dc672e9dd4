//! `yibao bench-stats`: the time of each statistics query over a county's year of settlements (SQLite or
//! PostgreSQL) for five periods (whole year, year to date, mid-month to mid-month, one day, one month); `--fill`
//! first writes a synthetic year of settlements for the people of `yibao gen` (until `gen` writes its own), `--today`
//! times the incremental refresh after new settlements; `yibao stats-rebuild` rebuilds the statistics rollups.

use std::time::{Duration, Instant};

use crate::sim_cmd::runtime;
use yibao_store::stats_query::{SetlFilter, StatsFilter};
use yibao_store::{Op, SetlDetailRow, SettlementRow, Store};

/// A deterministic pseudo-random stream (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// One synthetic settlement of the year: amounts that add up (医疗费总额 = 基金 + 个人负担; 个人负担 = 账户 + 现金).
fn synthetic(i: u64, year: i32, people: u32, institutions: u32, r: &mut Rng) -> SettlementRow {
    let day = chrono::NaiveDate::from_yo_opt(year, 1 + (i % 365) as u32).unwrap_or_default();
    let person = 1 + r.below(u64::from(people)) as u32;
    let inst = 1 + r.below(u64::from(institutions)) as u32;
    let inpatient = r.below(100) < 8;
    let medfee = if inpatient {
        200_000 + r.below(4_000_000) as i64 * (1 + r.below(3) as i64)
    } else {
        3_000 + r.below(37_000) as i64
    };
    let inscp = medfee * 9 / 10;
    let hifp = inscp * 55 / 100;
    let hifmi = if inpatient && inscp - hifp > 1_500_000 { (inscp - hifp - 1_500_000) * 60 / 100 } else { 0 };
    let maf = if r.below(100) < 3 { (inscp - hifp - hifmi) * 20 / 100 } else { 0 };
    let fund = hifp + hifmi + maf;
    let insutype = if person.is_multiple_of(4) { "310" } else { "390" };
    SettlementRow {
        psn_no: yibao_sim::county::psn_no(person),
        setl_id: format!("SB{year}{i:012}"),
        mdtrt_id: format!("MB{year}{i:012}"),
        fixmedins_code: yibao_sim::county::institution_code(inst),
        insutype: insutype.into(),
        year: i64::from(year),
        med_type: if inpatient {
            "21"
        } else if r.below(10) == 0 {
            "14"
        } else {
            "11"
        }
        .into(),
        kind: "settle".into(),
        reverses: None,
        reversed_by: None,
        setl_time: format!("{day} {:02}:{:02}:{:02}", 8 + r.below(10), r.below(60), r.below(60)),
        msgid: format!("B{year}{i:012}"),
        policy_version: "999001@bench".into(),
        medfee_sumamt: medfee,
        fulamt_ownpay_amt: medfee - inscp,
        overlmt_selfpay: 0,
        preselfpay_amt: 0,
        inscp_scp_amt: inscp,
        act_pay_dedc: if inpatient { 50_000 } else { 0 },
        hifp_pay: hifp,
        cvlserv_pay: 0,
        hifes_pay: 0,
        hifmi_pay: hifmi,
        hifob_pay: 0,
        maf_pay: maf,
        hifdm_pay: 0,
        oth_pay: 0,
        fund_pay_sumamt: fund,
        psn_part_amt: medfee - fund,
        acct_pay: 0,
        psn_cash_pay: medfee - fund,
        hosp_part_amt: 0,
        balc: 0,
        output: "{}".into(),
        delta: "{}".into(),
        explanation: "[]".into(),
        details: vec![SetlDetailRow {
            fund_pay_type: format!("{insutype}100"),
            fund_payamt: hifp,
            inscp_scp_amt: inscp,
            crt_payb_lmt_amt: None,
        }],
    }
}

async fn fill(store: &Store, n: u64, year: i32) -> anyhow::Result<()> {
    let people = store
        .row("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM person", yibao_store::params![])
        .await?
        .map_or(0, |r| r.int("n"));
    let insts = store.institutions().await?.len();
    anyhow::ensure!(people > 0 && insts > 0, "请先运行 yibao gen 生成模拟县的人员和机构");
    let t = Instant::now();
    let mut r = Rng(u64::from(year as u32));
    let mut ops = Vec::with_capacity(4000);
    let mut pending = Vec::new();
    for i in 0..n {
        let mut s = synthetic(i, year, people as u32, insts as u32, &mut r);
        // One settlement in a hundred is reversed (a reversal row with every amount negated).
        if i % 100 == 99 {
            let rev_id = format!("SR{year}{i:012}");
            s.reversed_by = Some(rev_id.clone());
            let neg = |v: i64| -v;
            let rev = SettlementRow {
                setl_id: rev_id,
                kind: "reverse".into(),
                reverses: Some(s.setl_id.clone()),
                reversed_by: None,
                medfee_sumamt: neg(s.medfee_sumamt),
                fulamt_ownpay_amt: neg(s.fulamt_ownpay_amt),
                inscp_scp_amt: neg(s.inscp_scp_amt),
                act_pay_dedc: neg(s.act_pay_dedc),
                hifp_pay: neg(s.hifp_pay),
                hifmi_pay: neg(s.hifmi_pay),
                maf_pay: neg(s.maf_pay),
                fund_pay_sumamt: neg(s.fund_pay_sumamt),
                psn_part_amt: neg(s.psn_part_amt),
                psn_cash_pay: neg(s.psn_cash_pay),
                ..s.clone()
            };
            ops.push(Op::InsertSettlement(Box::new(rev)));
        }
        ops.push(Op::InsertSettlement(Box::new(s)));
        if ops.len() >= 4000 {
            let st = store.clone();
            let job = std::mem::take(&mut ops);
            pending.push(tokio::spawn(async move { st.commit(job).await }));
            if pending.len() >= 4 {
                pending.remove(0).await??;
            }
        }
        if (i + 1) % 200_000 == 0 {
            eprintln!("  已写入 {} 笔结算（{:.0} 笔/秒）", i + 1, (i + 1) as f64 / t.elapsed().as_secs_f64());
        }
    }
    pending.push(tokio::spawn({
        let st = store.clone();
        async move { st.commit(ops).await }
    }));
    for p in pending {
        p.await??;
    }
    eprintln!("写入 {n} 笔模拟结算用时 {:.1} s", t.elapsed().as_secs_f64());
    Ok(())
}

/// Writes `n` settlements dated now and reverses one past settlement (of the `year` that `fill` wrote) in a
/// hundred, then times the refresh that applies them.
async fn incremental(store: &Store, n: u64, year: i32, filled: u64) -> anyhow::Result<()> {
    let people = store
        .row("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM person", yibao_store::params![])
        .await?
        .map_or(0, |r| r.int("n"));
    let insts = store.institutions().await?.len();
    let filled = if filled > 0 {
        filled
    } else {
        store
            .row("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM stat_setl WHERE kind = 'settle'", yibao_store::params![])
            .await?
            .map_or(0, |r| r.int("n")) as u64
    };
    let now = yibao_store::now_text();
    let stamp = chrono::Local::now().timestamp() as u64;
    let mut r = Rng(stamp);
    let mut ops = Vec::new();
    let mut reversed = 0;
    for i in 0..n {
        let mut s = synthetic(i, year, people as u32, insts as u32, &mut r);
        s.setl_id = format!("ST{stamp}{i:08}");
        s.mdtrt_id = format!("MT{stamp}{i:08}");
        s.msgid = format!("T{stamp}{i:08}");
        s.setl_time = now.clone();
        s.year = i64::from(chrono::Datelike::year(&chrono::Local::now()));
        ops.push(Op::InsertSettlement(Box::new(s)));
        if i % 100 == 99 && filled > 0 {
            // A past settlement not reversed by `fill` (a later run may find it reversed already: then skipped).
            let j = (r.below(filled) / 100) * 100 + r.below(99);
            let Some(orig) = store
                .row(
                    "SELECT psn_no FROM settlement WHERE setl_id = $1 AND reversed_by IS NULL",
                    yibao_store::params![format!("SB{year}{j:012}")],
                )
                .await?
            else {
                continue;
            };
            let rev_id = format!("SU{stamp}{i:08}");
            let mut rev = synthetic(j, year, people as u32, insts as u32, &mut Rng(j));
            (rev.psn_no, rev.setl_id, rev.kind) = (orig.text("psn_no"), rev_id.clone(), "reverse".into());
            (rev.reverses, rev.setl_time, rev.msgid) = (Some(format!("SB{year}{j:012}")), now.clone(), rev_id.clone());
            rev.details.clear();
            for v in [&mut rev.medfee_sumamt, &mut rev.hifp_pay, &mut rev.hifmi_pay, &mut rev.maf_pay] {
                *v = -*v;
            }
            let m = Op::MarkReversed {
                psn_no: orig.text("psn_no"),
                setl_id: format!("SB{year}{j:012}"),
                reversed_by: rev_id,
            };
            if store.commit(vec![Op::InsertSettlement(Box::new(rev)), m]).await.is_ok() {
                reversed += 1;
            }
        }
    }
    store.commit(ops).await?;
    let t = Instant::now();
    let refresh = store.stats_refresh().await?;
    println!(
        "\n写入 {n} 笔当日结算、撤销 {reversed} 笔往日结算后，统计汇总表增量更新 {} 笔：{:.1} ms{}",
        refresh.applied,
        t.elapsed().as_secs_f64() * 1e3,
        if refresh.rebuilt { "（全量重建）" } else { "" }
    );
    let t = Instant::now();
    store.stats_refresh().await?;
    println!("无新结算时的更新：{:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    Ok(())
}

/// The fastest and slowest of `runs` runs of one query.
async fn time<T, F, Fut>(runs: usize, mut f: F) -> anyhow::Result<(Duration, Duration)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = yibao_store::Result<T>>,
{
    let mut all = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f().await?;
        all.push(t.elapsed());
    }
    all.sort();
    Ok((all[0], all[all.len() - 1]))
}

/// The periods measured: the whole year, year-to-date, mid-month to mid-month, a single day, a single month.
fn periods(year: i32) -> Vec<(&'static str, StatsFilter)> {
    let f = |from: String, to: String| StatsFilter { from, to, admdvs: String::new() };
    vec![
        ("全年", f(format!("{year}-01-01"), format!("{year}-12-31"))),
        ("1月1日至8月20日", f(format!("{year}-01-01"), format!("{year}-08-20"))),
        ("3月15日至8月20日", f(format!("{year}-03-15"), format!("{year}-08-20"))),
        ("6月15日一天", f(format!("{year}-06-15"), format!("{year}-06-15"))),
        ("5月整月", f(format!("{year}-05-01"), format!("{year}-05-31"))),
    ]
}

const QUERIES: [&str; 10] = [
    "按月、险种、住院/门诊的基金支出",
    "实际补偿比（按医院等级）",
    "受益人数与人次（6 个基金层级）",
    "大病保险分段",
    "大病保险补偿概况",
    "机构排名（基金支出）",
    "机构排名（次均费用）",
    "前五位机构月度趋势",
    "参保人数（本年与上年）",
    "结算记录列表第一页（含总数）",
];

/// Every query of the statistics page for one period (fastest, slowest), in the order of [`QUERIES`].
async fn page(store: &Store, f: &StatsFilter, year: i32, runs: usize) -> anyhow::Result<Vec<(Duration, Duration)>> {
    let top: Vec<String> = store.stats_top_institutions(f, false, 5).await?.into_iter().map(|i| i.code).collect();
    let sf = SetlFilter { stats: f.clone(), ..SetlFilter::default() };
    Ok(vec![
        time(runs, || store.stats_by_month(f)).await?,
        time(runs, || store.stats_by_level(f)).await?,
        time(runs, || store.stats_tiers(f)).await?,
        time(runs, || store.stats_bands(f)).await?,
        time(runs, || store.stats_hifmi_summary(f)).await?,
        time(runs, || store.stats_top_institutions(f, false, 10)).await?,
        time(runs, || store.stats_top_institutions(f, true, 10)).await?,
        time(runs, || store.stats_institution_trend(f, &top)).await?,
        time(runs, || store.stats_enrollment(i64::from(year), "")).await?,
        time(runs, || store.settlement_page(&sf, 0, 50, 10_001)).await?,
    ])
}

pub fn bench(data: &str, fill_n: u64, year: Option<i32>, runs: usize, today: u64) -> std::process::ExitCode {
    let rt = runtime();
    let r: anyhow::Result<()> = rt.block_on(async {
        let store = Store::open(data).await?;
        let year = year.unwrap_or_else(|| chrono::Datelike::year(&chrono::Local::now()) - 1);
        if fill_n > 0 {
            fill(&store, fill_n, year).await?;
        }
        let t = Instant::now();
        let refresh = store.stats_refresh().await?;
        println!(
            "统计汇总表更新（{}）：{:.1} s",
            if refresh.rebuilt { "全量重建" } else { "增量" },
            t.elapsed().as_secs_f64()
        );
        let rows = store
            .row("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM stat_setl", yibao_store::params![])
            .await?
            .map_or(0, |r| r.int("n"));
        println!(
            "{} 年，结算及撤销记录 {rows} 笔，后端 {:?}，每项 {runs} 次取最快（括号内最慢），毫秒\n",
            year, store.backend
        );
        let ps = periods(year);
        let mut cols = Vec::new();
        for (_, f) in &ps {
            cols.push(page(&store, f, year, runs).await?);
        }
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let names: Vec<String> = ps.iter().map(|(n, f)| format!("{n}（{}至{}）", f.from, f.to)).collect();
        println!("| 统计查询 | {} |\n|---|{}", names.join(" | "), "---|".repeat(ps.len()));
        for (i, q) in QUERIES.iter().enumerate() {
            let cells: Vec<String> = cols.iter().map(|c| format!("{:.1} ({:.1})", ms(c[i].0), ms(c[i].1))).collect();
            println!("| {q} | {} |", cells.join(" | "));
        }
        // The page: every query but the settlement list (a page of its own).
        let totals: Vec<String> = cols
            .iter()
            .map(|c| {
                let (a, b) = c[..9].iter().fold((Duration::ZERO, Duration::ZERO), |s, t| (s.0 + t.0, s.1 + t.1));
                format!("**{:.1}** ({:.1})", ms(a), ms(b))
            })
            .collect();
        println!("| **统计页面合计（不含结算列表）** | {} |", totals.join(" | "));
        if today > 0 {
            incremental(&store, today, year, fill_n).await?;
        }
        Ok(())
    });
    crate::sim_cmd::finish(r)
}

pub fn rebuild(data: &str) -> std::process::ExitCode {
    let rt = runtime();
    match rt.block_on(async {
        let store = Store::open(data).await?;
        let t = Instant::now();
        store.stats_rebuild().await?;
        Ok::<_, yibao_store::StoreError>(t.elapsed())
    }) {
        Ok(d) => {
            println!("统计汇总表已重建，用时 {:.1} s", d.as_secs_f64());
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("错误：{e}");
            std::process::ExitCode::FAILURE
        }
    }
}
