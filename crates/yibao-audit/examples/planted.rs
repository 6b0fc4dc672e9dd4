//! Generates a synthetic county year with planted violations, reviews it with the demo rule pack, and prints each
//! rule's recall and precision on the planted set.
//!
//! `cargo run --release -p yibao-audit --example planted -- [persons] [threads]` (default 210000 persons ≈ one
//! million settlements, all cores).

use std::time::Instant;

use yibao_audit::review::{ReviewOptions, review};
use yibao_audit::synth::{Config, demo_pack, generate, score, score_table};

fn main() {
    let mut args = std::env::args().skip(1);
    let persons: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(210_000);
    let threads: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(0);
    let cfg = Config { persons, ..Config::county_year() };
    let t = Instant::now();
    let year = generate(&cfg);
    println!(
        "合成 {} 人、{} 次结算、{} 条费用明细、{} 个埋点案例，用时 {:.1} 秒",
        persons,
        year.settlements(),
        year.lines(),
        year.truth.len(),
        t.elapsed().as_secs_f64()
    );
    let bytes: usize = year.shards.iter().map(|s| s.heap_bytes()).sum();
    println!(
        "数据集占用 {} MB（每条费用明细约 {} 字节，含结算与人员列）",
        bytes / 1_000_000,
        bytes / year.lines().max(1)
    );
    let pack = demo_pack();
    let t = Instant::now();
    let report = review(&pack, &year.registry, &year.shards, ReviewOptions { threads, ..ReviewOptions::default() });
    println!("事后审核（含事前事中规则复审）{} 条案例，用时 {:.2} 秒", report.cases.len(), t.elapsed().as_secs_f64());
    let t = Instant::now();
    let without = review(
        &pack,
        &year.registry,
        &year.shards,
        ReviewOptions { threads, reaudit: false, ..ReviewOptions::default() },
    );
    println!("仅事后检测器 {} 条案例，用时 {:.2} 秒\n", without.cases.len(), t.elapsed().as_secs_f64());
    print!("{}", score_table(&score(&pack, &report, &year.truth)));
}
