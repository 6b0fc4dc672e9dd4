//! 3101/3102 latency over HTTP for a 50-line stay (see `yibao_gateway::fsi_bench`).
//!
//! `cargo bench -j2 -p yibao-gateway --bench fsi` (scratch SQLite directory under the system temp dir; set
//! `YIBAO_BENCH_DATA=postgres://…` for PostgreSQL, `YIBAO_BENCH_CALLS` for the number of timed calls, default 2000).

fn main() {
    let scratch = std::env::temp_dir().join(format!("yibao-bench-fsi-{}", std::process::id()));
    let given = std::env::var("YIBAO_BENCH_DATA").ok();
    let target = given.clone().unwrap_or_else(|| scratch.display().to_string());
    // `cargo test --benches` runs this without `--bench`: a short smoke run then.
    let benching = std::env::args().any(|a| a == "--bench");
    let calls = std::env::var("YIBAO_BENCH_CALLS").ok().and_then(|s| s.parse().ok());
    let calls = calls.unwrap_or(if benching { 2000 } else { 20 });
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let outcome = rt.block_on(yibao_gateway::fsi_bench::run(&target, calls));
    drop(rt);
    if given.is_none() {
        let _ = std::fs::remove_dir_all(&scratch);
    }
    match outcome {
        Ok(reports) => {
            println!("3101/3102 over HTTP, one call at a time ({target}):");
            for r in reports {
                println!("  {r}");
            }
        }
        Err(e) => {
            eprintln!("bench failed: {e}");
            std::process::exit(1);
        }
    }
}
