//! `yibao audit run`: 事后 review of a period of the ledger, stored as a run with its findings (once per region, period
//! and rules); prints a Chinese summary per rule, the timings, and recall and precision against a planted set when
//! there is one.
//!
//! The rules: `--rules FILE` when given; else the region's stored rule pack version in force today, tagged as the
//! 事后审核 web page tags it (`library::review_tag`), so that the command and the page give the same run id for the
//! same region and period; the demo pack only when the store holds no rule pack at all (the output says so).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use chrono::NaiveDate;
use yibao_audit::{RulePack, synth};
use yibao_core::Fen;
use yibao_gateway::screening::library;
use yibao_sim::year::PlantedCase;
use yibao_store::Store;
use yibao_store::review_run::{ReviewRequest, fingerprint, run_review};

pub struct AuditArgs {
    pub data: String,
    pub period: String,
    pub admdvs: Option<String>,
    pub rules: Option<PathBuf>,
    pub planted: Option<PathBuf>,
    pub threads: usize,
    pub opter: String,
}

/// `A..B` → (A, B), both inclusive.
pub fn parse_period(s: &str) -> anyhow::Result<(NaiveDate, NaiveDate)> {
    let (a, b) = s
        .split_once("..")
        .ok_or_else(|| anyhow::anyhow!("字段 --period 应写成 起始日期..结束日期，如 2026-01-01..2026-12-31"))?;
    let d = |x: &str, which: &str| {
        NaiveDate::parse_from_str(x.trim(), "%Y-%m-%d")
            .map_err(|_| anyhow::anyhow!("字段 --period 的{which} “{x}” 不是 YYYY-MM-DD 格式的日期"))
    };
    let (from, to) = (d(a, "起始日期")?, d(b, "结束日期")?);
    if from > to {
        anyhow::bail!("字段 --period：起始日期 {from} 晚于结束日期 {to}");
    }
    Ok((from, to))
}

/// Where `yibao gen` writes the planted set for a data target: `<dir>/planted.json`, or for a PostgreSQL URL
/// `planted-<database>.json` in the working directory.
pub fn planted_path(data: &str) -> PathBuf {
    if data.starts_with("postgres://") || data.starts_with("postgresql://") {
        let db = data.rsplit('/').next().unwrap_or("pg").split('?').next().unwrap_or("pg");
        return PathBuf::from(format!("planted-{db}.json"));
    }
    let dir = data.strip_prefix("sqlite:").map_or(Path::new(data), |f| Path::new(f).parent().unwrap_or(Path::new(".")));
    dir.join("planted.json")
}

/// The rule pack of a run, its tag (what the run id is made of) and a line saying which pack it is.
async fn rules(store: &Store, admdvs: Option<&str>, file: Option<&Path>) -> anyhow::Result<(RulePack, String, String)> {
    if let Some(f) = file {
        let text = std::fs::read_to_string(f)
            .map_err(|e| anyhow::anyhow!("字段 --rules：无法读取规则包 {}：{e}", f.display()))?;
        let pack = RulePack::load(f).map_err(|e| anyhow::anyhow!("规则包 {} 有错误：\n{e}", f.display()))?;
        let note = format!("规则包：文件 {}（版本 {}）", f.display(), pack.version);
        return Ok((pack, fingerprint(&text), note));
    }
    let regions = store.rule_pack_regions().await?;
    if regions.is_empty() {
        let note = "规则包：系统中没有任何规则库，使用内置演示规则包（正式审核请先 yibao rules install，或用 --rules 指定规则包文件）";
        return Ok((synth::demo_pack(), fingerprint(synth::DEMO_PACK_TOML), note.to_string()));
    }
    let Some(admdvs) = admdvs else {
        anyhow::bail!(
            "系统中已有统筹区 {} 的规则库：请用 --admdvs 指定统筹区（按其在用的规则库审核），或用 --rules 指定规则包文件",
            regions.join("、")
        );
    };
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    let Some(s) = library::in_force(store, admdvs, &today).await.map_err(|e| anyhow::anyhow!("{e}"))? else {
        anyhow::bail!(
            "统筹区 {admdvs} 没有今天（{today}）在用的规则库（已安装规则库的统筹区：{}）：请先 yibao rules install，或用 --rules 指定规则包文件",
            regions.join("、")
        );
    };
    let version = s.stored.clone().unwrap_or_else(|| s.pack.version.clone());
    let note = format!("规则库：统筹区 {admdvs} 在用版本 {version}（{}）", s.pack.name);
    Ok((s.pack, library::review_tag(admdvs, &version), note))
}

pub fn run(a: AuditArgs) -> ExitCode {
    let r = (|| -> anyhow::Result<()> {
        let (from, to) = parse_period(&a.period)?;
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
        let t = Instant::now();
        let (pack, sum, report) = rt.block_on(async {
            let store = Store::open(&a.data).await?;
            let (pack, tag, note) = rules(&store, a.admdvs.as_deref(), a.rules.as_deref()).await?;
            println!("{note}");
            let req = ReviewRequest {
                from,
                to,
                admdvs: a.admdvs.as_deref(),
                opter: &a.opter,
                pack: &pack,
                rules_tag: &tag,
                threads: a.threads,
            };
            let (sum, report) = run_review(&store, &req).await?;
            anyhow::Ok((pack, sum, report))
        })?;
        let total = t.elapsed();
        println!(
            "事后审核 {}..{}（{}）：{} 人、{} 次结算、{} 条费用明细，疑点 {} 条",
            from,
            to,
            a.admdvs.as_deref().unwrap_or("全部统筹区"),
            sum.persons,
            sum.settlements,
            sum.lines,
            sum.findings
        );
        println!("规则  名称                                   疑点数      涉及金额（元）");
        let mut all = 0i64;
        for r in &sum.rules {
            println!("{:<5} {:<36} {:>8} {:>18}", r.rule_id, r.rule_name, r.cases, Fen(r.amount).grouped().to_string());
            all += r.amount;
        }
        println!("合计  {:<36} {:>8} {:>18}", "", sum.findings, Fen(all).grouped().to_string());
        if sum.already_stored {
            println!("审核批次 {} 已入库（同一统筹区、期间与规则），本次未重复写入疑点", sum.run_id);
        } else {
            println!("审核批次 {} 已入库：{} 条疑点，状态“待查”（剔除待查）", sum.run_id, sum.findings);
        }
        println!(
            "用时：读取台账 {:.2} 秒，构建数据集 {:.2} 秒（载入合计 {:.2} 秒），审核 {:.2} 秒，入库 {:.2} 秒；总计 {:.2} 秒",
            sum.read_ms as f64 / 1000.0,
            sum.build_ms as f64 / 1000.0,
            (sum.read_ms + sum.build_ms) as f64 / 1000.0,
            sum.review_ms as f64 / 1000.0,
            sum.store_ms as f64 / 1000.0,
            total.as_secs_f64()
        );
        let planted = a.planted.clone().unwrap_or_else(|| planted_path(&a.data));
        if planted.exists() {
            let text = std::fs::read_to_string(&planted)?;
            let cases: Vec<PlantedCase> = serde_json::from_str(&text)
                .map_err(|e| anyhow::anyhow!("埋点文件 {} 无法读取：{e}", planted.display()))?;
            let truth: Vec<synth::Planted> = cases.iter().map(PlantedCase::to_planted).collect();
            println!("\n对照埋点 {}（{} 个案例）：", planted.display(), truth.len());
            print!("{}", synth::score_table(&synth::score(&pack, &report, &truth)));
        } else if a.planted.is_some() {
            anyhow::bail!("字段 --planted：埋点文件 {} 不存在", planted.display());
        }
        Ok(())
    })();
    crate::sim_cmd::finish(r)
}
