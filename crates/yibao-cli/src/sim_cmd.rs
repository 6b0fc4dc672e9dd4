//! `yibao gen` and `yibao loadtest`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use chrono::Datelike;
use yibao_sim::{county, loadtest};
use yibao_store::Store;

/// Exit status of a command that printed its own result: 0, or 1 with the error in Chinese on stderr.
pub(crate) fn finish(r: anyhow::Result<()>) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::FAILURE
        }
    }
}

pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime")
}

/// `--visits`: a synthetic year for some of the people.
pub struct Visits {
    pub persons: u32,
    pub year: Option<i32>,
    pub plants: u32,
    pub planted: PathBuf,
}

pub fn generate(data: &str, people: u32, institutions: u32, seed: u64, visits: Option<Visits>) -> ExitCode {
    let rt = runtime();
    let r: anyhow::Result<()> = rt.block_on(async {
        let store = Store::open(data).await?;
        let t = Instant::now();
        crate::serve_cmd::install_policy(&store, "packs/demo-county.toml", yibao_gateway::demo::DEMO_PACK).await?;
        let people = match &visits {
            Some(v) => {
                let spec = yibao_sim::year::YearSpec {
                    persons: v.persons,
                    year: v.year.unwrap_or_else(|| chrono::Local::now().year()),
                    seed,
                    plants: v.plants,
                    admdvs: county::SIM_ADMDVS.to_string(),
                };
                let rep = yibao_sim::year::write_year(&store, &spec, |line| eprintln!("{line}")).await?;
                std::fs::write(&v.planted, serde_json::to_string_pretty(&rep.planted)?)
                    .map_err(|e| anyhow::anyhow!("无法写入埋点文件 {}：{e}", v.planted.display()))?;
                println!(
                    "{} 年就诊已写入台账：{} 人，{} 家机构，{} 次结算，{} 条费用明细；埋点 {} 个，写入 {}（用时 {:.1} s）",
                    spec.year,
                    rep.persons,
                    rep.institutions,
                    rep.settlements,
                    rep.lines,
                    rep.planted.len(),
                    v.planted.display(),
                    t.elapsed().as_secs_f64()
                );
                people - v.persons
            }
            None => people,
        };
        let spec = county::GenSpec { people, institutions, seed };
        let rep = county::generate(&store, &spec, |n| {
            if n % 50_000 == 0 || n == people {
                eprintln!("  已生成 {n} 人（{:.0} 人/秒）", f64::from(n) / t.elapsed().as_secs_f64());
            }
        })
        .await?;
        println!(
            "模拟县（{}）已生成：定点机构 {} 家，参保人 {} 人，参保记录 {} 条，身份 {} 条，门慢特登记 {} 条，个人账户 {} 个，用时 {:.1} s",
            county::SIM_ADMDVS,
            rep.institutions,
            rep.people,
            rep.enrollments,
            rep.identities,
            rep.diseases,
            rep.accounts,
            t.elapsed().as_secs_f64()
        );
        println!("接入账号为 sim-h<序号>，密钥 sim-secret-<序号>；启动网关：yibao serve --data {data} --policy packs/demo-county.toml");
        Ok(())
    });
    finish(r)
}

pub struct LoadArgs {
    pub url: String,
    pub data: String,
    pub seconds: u64,
    pub concurrency: usize,
    pub inpatient: u32,
    pub reverse: u32,
    pub lines: String,
    pub tolerate_outage: bool,
    pub acked: Option<PathBuf>,
    pub seed: u64,
}

pub fn loadtest(a: LoadArgs) -> ExitCode {
    let lines = a.lines.split_once('-').and_then(|(x, y)| Some((x.parse().ok()?, y.parse().ok()?)));
    let Some(lines) = lines.filter(|(x, y): &(usize, usize)| *x >= 1 && x <= y) else {
        eprintln!("--lines 应写成 最少-最多，如 5-12");
        return ExitCode::from(2);
    };
    let rt = runtime();
    let r: anyhow::Result<bool> = rt.block_on(async {
        let store = Store::open(&a.data).await?;
        let institutions = store.institutions().await?;
        let people = store.enrolled_people(i64::from(chrono::Local::now().year())).await?;
        if institutions.is_empty() || people.is_empty() {
            anyhow::bail!("{} 中没有机构或参保人：先运行 yibao gen 或 yibao serve --demo", a.data);
        }
        drop(store);
        println!(
            "压测 {}：{} 家机构，{} 名参保人，并发 {}，{} 秒",
            a.url,
            institutions.len(),
            people.len(),
            a.concurrency,
            a.seconds
        );
        let spec = loadtest::LoadSpec {
            url: a.url,
            duration: Duration::from_secs(a.seconds),
            concurrency: a.concurrency,
            inpatient_permille: a.inpatient,
            reverse_permille: a.reverse,
            lines,
            tolerate_outage: a.tolerate_outage,
            acked_file: a.acked,
            seed: a.seed,
        };
        let mut rep = loadtest::run(spec, loadtest::Cast { institutions, people }).await;
        print!("{}", rep.render());
        Ok(rep.failures == 0)
    });
    match r {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::from(2)
        }
    }
}

pub fn bench_store(data: &str, n: usize, concurrency: usize) -> ExitCode {
    let rt = runtime();
    let r: anyhow::Result<()> = rt.block_on(async {
        let store = Store::open(data).await?;
        let b = yibao_sim::storebench::run(&store, n, concurrency).await?;
        println!(
            "{data}：账本结算提交 {:.0} 笔/秒（结算+明细+累计+版本+报文日志，并发 {concurrency}），同样的结算行直接插入 {:.0} 行/秒，比值 {:.2}",
            b.ledger_per_sec,
            b.plain_per_sec,
            b.ledger_per_sec / b.plain_per_sec
        );
        Ok(())
    });
    finish(r)
}
