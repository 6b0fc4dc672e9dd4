//! 事后 review of one synthetic county year (210,000 insured, about 1,020,000 settlements and 8,900,000 fee lines)
//! with the demo rule pack, on every core.
//!
//! `cargo bench -j2 -p yibao-audit --bench review`
//!
//! * `review/detectors` — the ten review detectors (person-level over threads, then the peer comparisons);
//! * `review/detectors_and_reaudit` — the same plus every screening rule re-run on every settled visit.
//!
//! Throughput is in settlements per second. Generating the year is not measured.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use yibao_audit::review::{ReviewOptions, review};
use yibao_audit::synth::{Config, demo_pack, generate};

fn year(c: &mut Criterion) {
    let year = generate(&Config::county_year());
    let pack = demo_pack();
    eprintln!("synthetic year: {} settlements, {} fee lines", year.settlements(), year.lines());
    let mut g = c.benchmark_group("review");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(40))
        .throughput(Throughput::Elements(year.settlements() as u64));
    for (name, reaudit) in [("detectors", false), ("detectors_and_reaudit", true)] {
        let opts = ReviewOptions { reaudit, ..ReviewOptions::default() };
        g.bench_function(name, |b| b.iter(|| black_box(review(&pack, &year.registry, &year.shards, opts).cases.len())));
    }
    g.finish();
}

criterion_group!(benches, year);
criterion_main!(benches);
