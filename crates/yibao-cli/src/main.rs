//! `yibao`: the command line of the Yibao medical-security platform.

mod audit_cmd;
mod import_cmd;
mod rules_cmd;
mod serve_cmd;
mod settle_cmd;
mod sim_cmd;
mod staff_cmd;
mod stats_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc instead of the system allocator: a gateway call makes many small, short-lived allocations (JSON nodes,
/// rows, strings), and glibc's malloc spent a quarter of the gateway's CPU on them under load (measured with perf).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "yibao", version, about = "Yibao 医保: one-stop settlement, policy packs and the hospital interface")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Settle one visit from a request file and print the settlement (setlinfo, setldetail, explanation).
    Settle {
        /// Policy pack (TOML).
        #[arg(long)]
        policy: PathBuf,
        /// Request file (JSON): person, accumulators, visit. See docs/settle-request.md.
        #[arg(long)]
        request: PathBuf,
        /// Print the Chinese explanation instead of JSON.
        #[arg(long)]
        explain: bool,
        /// Mask ID number and name in the output.
        #[arg(long)]
        mask: bool,
    },
    /// Run the hospital gateway (national interface at /fsi/api).
    Serve {
        /// Data directory for the embedded database, or a postgres:// URL.
        #[arg(long, default_value = "data")]
        data: String,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Seed and serve the demo county (示范县).
        #[arg(long)]
        demo: bool,
        /// Policy pack to install and serve (default with --demo: packs/demo-county.toml).
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Do not read every insured person into memory at start (they are then read at their first call).
        #[arg(long)]
        no_warm: bool,
        /// Fund-supervision rule pack (TOML, knowledge files beside it) for 3101/3102 and `on_settle`
        /// (default with --demo: yibao-audit's demo pack).
        #[arg(long)]
        rules: Option<PathBuf>,
        /// Bring the statistics rollups up to date in the background every this many seconds (default 0: only when a
        /// statistics page is read). Each refresh holds the ledger's writer while it catches up (about 1 ms per new
        /// settlement), which raises settlement latency at peak load: use it at county scale or off-peak.
        #[arg(long, default_value_t = 0)]
        stats_every: u64,
    },
    /// Measure 3101/3102 latency over HTTP for a 50-line stay on a gateway started on a scratch store.
    BenchFsi {
        /// A scratch data directory or postgres:// URL (the demo county is seeded there).
        #[arg(long)]
        data: String,
        /// Timed calls of each kind.
        #[arg(long, default_value_t = 2000)]
        calls: usize,
    },
    /// Recompute every accumulator from the ledger and check every settlement's identities.
    Verify {
        /// Data directory of the embedded database, or a postgres:// URL.
        #[arg(long, default_value = "data")]
        data: String,
    },
    /// Generate a synthetic county (institutions, people, enrollments, identities, accounts) into a store.
    Gen {
        #[arg(long, default_value = "data")]
        data: String,
        #[arg(long, default_value_t = 500_000)]
        people: u32,
        #[arg(long, default_value_t = 150)]
        institutions: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Also write a year of visits, fee lines and settlements with planted violations (yibao_audit::synth) for
        /// N of the people (all of them when N is left out); the others get no visits.
        #[arg(long, num_args = 0..=1, default_missing_value = "0")]
        visits: Option<u32>,
        /// The year of the visits (default: this year).
        #[arg(long)]
        year: Option<i32>,
        /// Planted cases of each person-level kind.
        #[arg(long, default_value_t = 30)]
        plants: u32,
        /// Where to write the planted ground truth (default: <data>/planted.json).
        #[arg(long)]
        planted: Option<PathBuf>,
    },
    /// Fund supervision (基金监管): 事后 review of the ledger.
    Audit {
        #[command(subcommand)]
        cmd: AuditCmd,
    },
    /// Drive a running gateway with whole outpatient/inpatient flows and report throughput and latency.
    Loadtest {
        /// Gateway base URL.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// The gateway's store, to read institutions and people from.
        #[arg(long, default_value = "data")]
        data: String,
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Inpatient flows per mille.
        #[arg(long, default_value_t = 50)]
        inpatient: u32,
        /// Reversals per mille of settlements.
        #[arg(long, default_value_t = 20)]
        reverse: u32,
        /// Fee lines per outpatient visit, "min-max".
        #[arg(long, default_value = "5-12")]
        lines: String,
        /// Keep going while the server is down (crash tests).
        #[arg(long)]
        tolerate_outage: bool,
        /// Append each acknowledged settlement id to this file.
        #[arg(long)]
        acked: Option<PathBuf>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Import a bureau's exchange file (CSV or xlsx): people, households, enrollments, identities, diseases, accounts,
    /// institutions, deaths (民政死亡信息), or a version of the catalogue (医保目录).
    Import {
        /// Data directory of the embedded database, or a postgres:// URL.
        #[arg(long, default_value = "data")]
        data: String,
        /// What the file holds: people, households, enrollments, identities, diseases, accounts, institutions, deaths or catalogue (or 人员, 家庭户, 参保, 身份, 病种, 账户, 机构, 死亡, 目录).
        kind: String,
        /// The CSV (UTF-8 or GBK) or xlsx file; the header row names the columns.
        file: PathBuf,
        /// Import the good rows and report the bad ones (default: a file with any bad row imports nothing).
        #[arg(long)]
        skip_bad: bool,
        /// catalogue: the region (统筹区) the catalogue is for, e.g. 999001.
        #[arg(long)]
        admdvs: Option<String>,
        /// catalogue: the version label, e.g. 2026.1 (a version once imported is only added to, never changed).
        #[arg(long = "version")]
        catalogue_version: Option<String>,
        /// catalogue: the first day the version is in force (YYYY-MM-DD; default today, or the stored version's day).
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
    },
    /// Measure the ledger's settlement commit rate against plain inserts of the same rows (writes bench rows).
    BenchStore {
        /// A scratch data directory or postgres:// URL (bench rows are left there).
        #[arg(long)]
        data: String,
        #[arg(long, default_value_t = 20_000)]
        settlements: usize,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
    },
    /// Time each statistics query over a year of settlements (optionally writing a synthetic year first).
    BenchStats {
        /// Data directory of the embedded database, or a postgres:// URL (after `yibao gen`).
        #[arg(long)]
        data: String,
        /// Write this many synthetic settlements for the year first (bench data; 1% reversed).
        #[arg(long, default_value_t = 0)]
        fill: u64,
        /// The year to measure (default: last year, a whole year in the past).
        #[arg(long)]
        year: Option<i32>,
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Then write this many settlements dated now (and reverse one past settlement in a hundred) and time the
        /// incremental refresh of the rollups.
        #[arg(long, default_value_t = 0)]
        today: u64,
    },
    /// Staff accounts of the web interface.
    Staff {
        #[command(subcommand)]
        cmd: StaffCmd,
    },
    /// Rebuild the statistics rollups from the settlement table.
    StatsRebuild {
        #[arg(long, default_value = "data")]
        data: String,
    },
    /// Policy packs.
    Policy {
        #[command(subcommand)]
        cmd: PolicyCmd,
    },
    /// Fund-supervision rule packs (规则库): check, install as a region's version.
    Rules {
        #[command(subcommand)]
        cmd: rules_cmd::RulesCmd,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Review a period: every detector of the rule pack; the run and its findings are stored (once).
    Run {
        #[arg(long, default_value = "data")]
        data: String,
        /// The period, both days inclusive: 2026-01-01..2026-12-31.
        #[arg(long)]
        period: String,
        /// Only persons insured in this region (and its rule switches).
        #[arg(long)]
        admdvs: Option<String>,
        /// Rule pack (TOML with its knowledge files); default: the region's stored version in force (the demo pack
        /// when no rule pack is stored at all).
        #[arg(long)]
        rules: Option<PathBuf>,
        /// Planted ground truth to score against (default: the one `yibao gen --visits` wrote, if present).
        #[arg(long)]
        planted: Option<PathBuf>,
        /// Review threads (0 = every core).
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Who runs it.
        #[arg(long, default_value = "cli")]
        opter: String,
    },
}

#[derive(Subcommand)]
enum StaffCmd {
    /// Create or replace an account (password from YIBAO_PASSWORD or the first line of stdin).
    Add {
        #[arg(long, default_value = "data")]
        data: String,
        #[arg(long)]
        username: String,
        /// The name shown in pages and the audit log.
        #[arg(long)]
        name: String,
        /// clerk, reviewer, auditor, statistician, admin or institution.
        #[arg(long)]
        role: String,
        /// For an institution operator: the institution code.
        #[arg(long)]
        institution: Option<String>,
    },
}

#[derive(Subcommand)]
enum PolicyCmd {
    /// Check policy packs and report every error with file, line and field.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Settle { policy, request, explain, mask } => settle_cmd::run(&policy, &request, explain, mask),
        Cmd::Policy { cmd: PolicyCmd::Check { files } } => policy_check(&files),
        Cmd::Gen { data, people, institutions, seed, visits, year, plants, planted } => {
            let visits = visits.map(|n| sim_cmd::Visits {
                persons: if n == 0 { people } else { n.min(people) },
                year,
                plants,
                planted: planted.unwrap_or_else(|| audit_cmd::planted_path(&data)),
            });
            sim_cmd::generate(&data, people, institutions, seed, visits)
        }
        Cmd::Audit { cmd: AuditCmd::Run { data, period, admdvs, rules, planted, threads, opter } } => {
            audit_cmd::run(audit_cmd::AuditArgs { data, period, admdvs, rules, planted, threads, opter })
        }
        Cmd::Rules { cmd } => rules_cmd::run(cmd),
        Cmd::Loadtest { url, data, seconds, concurrency, inpatient, reverse, lines, tolerate_outage, acked, seed } => {
            sim_cmd::loadtest(sim_cmd::LoadArgs {
                url,
                data,
                seconds,
                concurrency,
                inpatient,
                reverse,
                lines,
                tolerate_outage,
                acked,
                seed,
            })
        }
        Cmd::Import { data, kind, file, skip_bad, admdvs, catalogue_version, from } => {
            let target = import_cmd::Target { admdvs, version: catalogue_version, from };
            import_cmd::run(&data, &kind, &file, skip_bad, target)
        }
        Cmd::BenchStats { data, fill, year, runs, today } => stats_cmd::bench(&data, fill, year, runs.max(1), today),
        Cmd::StatsRebuild { data } => stats_cmd::rebuild(&data),
        Cmd::Staff { cmd: StaffCmd::Add { data, username, name, role, institution } } => {
            staff_cmd::add(&data, &username, &name, &role, institution.as_deref())
        }
        Cmd::BenchStore { data, settlements, concurrency } => sim_cmd::bench_store(&data, settlements, concurrency),
        Cmd::Verify { data } => {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
            match rt.block_on(async { yibao_store::Store::open(&data).await?.verify().await }) {
                Ok(r) => {
                    println!(
                        "核对 {data}：结算 {} 笔，撤销 {} 笔，累计值 {} 项",
                        r.settlements, r.reversals, r.accumulators
                    );
                    for p in &r.problems {
                        println!("  差异：{p}");
                    }
                    if r.ok() {
                        println!("台账与累计一致，所有结算恒等式成立 (OK)");
                        ExitCode::SUCCESS
                    } else {
                        println!("发现 {} 处差异 (FAILED)", r.problems.len());
                        ExitCode::FAILURE
                    }
                }
                Err(e) => {
                    eprintln!("错误：{e}");
                    ExitCode::from(2)
                }
            }
        }
        Cmd::BenchFsi { data, calls } => {
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
            match rt.block_on(yibao_gateway::fsi_bench::run(&data, calls.max(1))) {
                Ok(reports) => {
                    println!("3101/3102 经 HTTP 逐笔调用（{data}）：");
                    for r in reports {
                        println!("  {r}");
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("错误：{e}");
                    ExitCode::FAILURE
                }
            }
        }
        Cmd::Serve { data, listen, demo, policy, no_warm, rules, stats_every } => {
            init_logging();
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
            let args = serve_cmd::ServeArgs {
                data: &data,
                listen,
                demo,
                policy: policy.as_deref(),
                warm: !no_warm,
                rules: rules.as_deref(),
                stats_every,
            };
            sim_cmd::finish(rt.block_on(serve_cmd::run(args)))
        }
    }
}

fn policy_check(files: &[PathBuf]) -> ExitCode {
    let mut failed = false;
    for f in files {
        match yibao_core::Policy::load(f) {
            Ok(p) => {
                println!(
                    "{}: 校验通过 (OK) — {} {} 版本 {}，{} 个险种期间，{} 个目录项",
                    f.display(),
                    p.admdvs,
                    p.region_name,
                    p.version,
                    p.schemes.len(),
                    p.catalogue.len()
                );
                for w in &p.warnings {
                    println!(
                        "{}:{}:{}: 字段 {}: {}",
                        f.display(),
                        w.line.unwrap_or(0),
                        w.column.unwrap_or(0),
                        w.path,
                        w.zh
                    );
                }
            }
            Err(e) => {
                failed = true;
                eprint!("{e}");
            }
        }
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("YIBAO_LOG").unwrap_or_else(|_| "warn".into());
    tracing_subscriber::fmt().with_env_filter(filter).with_target(false).init();
}
