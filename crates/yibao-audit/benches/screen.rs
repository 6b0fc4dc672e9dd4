//! 事前/事中 screening of one 50-line inpatient stay (3102 住院结算), on one core.
//!
//! `cargo bench -j2 -p yibao-audit --bench screen`
//!
//! * `screen/demo_pack` — the demo pack (14 screening rules, ~130 knowledge rows);
//! * `screen/national_size` — the same rules with national-size knowledge: a 30,000-item catalogue and 11,290
//!   sex/child rows (the size of the first national knowledge batch);
//! * `screen/3102_json` — the whole call: parse the JSON input, build the encounter, screen, write the JSON result.
//!
//! Before the criterion runs it times 100,000 single calls of `national_size` and prints p50 / p99 / p99.9 / max.

use std::hint::black_box;
use std::time::Instant;

use chrono::NaiveDate;
use criterion::{Criterion, Throughput};
use yibao_audit::fsi;
use yibao_audit::screen::{Screener, Selection, evaluate};
use yibao_audit::synth::{DEMO_PACK_TOML, demo_pack, knowledge_file};
use yibao_audit::{Encounter, Line, Person, RulePack, Visit};
use yibao_core::Fen;
use yibao_core::money::line_amount;

fn encounter<'a>(lines: &'a [(&'a str, &'a str, &'a str, &'a str, i64)]) -> Encounter<'a> {
    let begin = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
    Encounter {
        person: Person {
            psn_no: "99900100000001",
            gend: Some("1"),
            brdy: NaiveDate::from_ymd_opt(1958, 6, 1),
            death_date: None,
            diseases: Some(Vec::new()),
        },
        visit: Visit {
            mdtrt_id: "MD0001",
            admdvs: None,
            fixmedins_code: "H9990010004",
            medins_lv: Some("2"),
            medins_type: Some("1"),
            med_type: "21",
            insutype: "390",
            begin,
            end: NaiveDate::from_ymd_opt(2025, 3, 8),
            emergency: false,
            diagnoses: vec!["J18.9"],
            opsp_dise_code: None,
        },
        lines: lines
            .iter()
            .enumerate()
            .map(|(i, (code, class, price, qty, day))| {
                let (p, q) = (price.parse().unwrap(), qty.parse().unwrap());
                Line {
                    id: ["1", "2", "3", "4", "5"][i % 5],
                    code,
                    name: code,
                    class: Some(class),
                    price: p,
                    qty: q,
                    amount: line_amount(p, q),
                    ownpay: Fen::ZERO,
                    date: begin + chrono::Duration::days(*day),
                    modifier: None,
                }
            })
            .collect(),
        history: Vec::new(),
    }
}

/// The demo pack with a 30,000-item catalogue and 11,290 more sex and child-only rows.
fn national_size() -> RulePack {
    let mut catalogue = knowledge_file("knowledge/catalogue.csv").unwrap().to_string();
    let mut sex = knowledge_file("knowledge/sex_limit.csv").unwrap().to_string();
    let mut child = knowledge_file("knowledge/child_only.csv").unwrap().to_string();
    for i in 0..30_000 {
        catalogue.push_str(&format!("X{i:07},目录项目{i},0{},09\n", 1 + i % 3));
    }
    for i in 0..11_290 {
        if i % 2 == 0 {
            sex.push_str(&format!("X{i:07},限性别项目{i},{}\n", 1 + i % 4 / 2));
        } else {
            child.push_str(&format!("X{i:07},儿童专用项目{i}\n"));
        }
    }
    RulePack::from_toml_with("national.toml", DEMO_PACK_TOML, &|name| {
        Ok(match name {
            "knowledge/catalogue.csv" => catalogue.clone().into_bytes(),
            "knowledge/sex_limit.csv" => sex.clone().into_bytes(),
            "knowledge/child_only.csv" => child.clone().into_bytes(),
            other => knowledge_file(other).unwrap().as_bytes().to_vec(),
        })
    })
    .unwrap()
}

fn request_json(lines: &[(&str, &str, &str, &str, i64)]) -> String {
    let orders: Vec<serde_json::Value> = lines
        .iter()
        .enumerate()
        .map(|(i, (code, class, price, qty, day))| {
            serde_json::json!({"rx_id": format!("RX{i}"), "hilist_code": code, "hilist_name": code, "chrg_type": class,
                "pric": price, "cnt": qty, "drord_begn_date": format!("2025-03-{:02} 08:00:00", 1 + day)})
        })
        .collect();
    serde_json::json!({"data": {"task_id": "T1", "trig_scen": "8", "patient_dtos": [{"patn_id": "99900100000001",
        "gend": "1", "brdy": "1958-06-01", "fsi_encounter_dtos": [{"mdtrt_id": "MD0001", "medins_id": "H9990010004",
        "medins_lv": "2", "medins_type": "1", "adm_date": "2025-03-01", "dscg_date": "2025-03-08", "med_type": "21",
        "insutype": "390", "fsi_diagnose_dtos": [{"dise_codg": "J18.9", "maindise_flag": "1"}],
        "fsi_order_dtos": orders}]}]}})
    .to_string()
}

fn percentiles(pack: &RulePack, enc: &Encounter, date: NaiveDate) {
    let mut screener = Screener::new(pack);
    let sel = Selection { date, trig_scen: Some(&[8]), rule_ids: &[] };
    for _ in 0..2_000 {
        black_box(screener.run(enc, &sel));
    }
    let mut ns: Vec<u128> = (0..100_000)
        .map(|_| {
            let t = Instant::now();
            black_box(screener.run(black_box(enc), &sel));
            t.elapsed().as_nanos()
        })
        .collect();
    ns.sort_unstable();
    let at = |q: f64| ns[((ns.len() as f64 * q) as usize).min(ns.len() - 1)];
    eprintln!(
        "screen/national_size, 100,000 single calls: p50 {} µs, p99 {} µs, p99.9 {} µs, max {} µs",
        at(0.5) / 1000,
        at(0.99) / 1000,
        at(0.999) / 1000,
        ns[ns.len() - 1] / 1000
    );
}

fn main() {
    let lines = yibao_audit::synth::stay_lines();
    assert_eq!(lines.len(), 50);
    let enc = encounter(&lines);
    let date = NaiveDate::from_ymd_opt(2025, 3, 8).unwrap();
    let (demo, national) = (demo_pack(), national_size());
    let found = evaluate(&demo, &enc, 8, date);
    assert_eq!(found.len(), 1, "the stay carries one 重复收费: {found:?}");
    percentiles(&national, &enc, date);
    let json = request_json(&lines);

    let mut c = Criterion::default().configure_from_args();
    let mut g = c.benchmark_group("screen");
    g.throughput(Throughput::Elements(1));
    g.bench_function("demo_pack", |b| b.iter(|| black_box(evaluate(&demo, black_box(&enc), 8, date))));
    g.bench_function("national_size", |b| b.iter(|| black_box(evaluate(&national, black_box(&enc), 8, date))));
    g.bench_function("3102_json", |b| {
        b.iter(|| {
            let v: serde_json::Value = serde_json::from_str(black_box(&json)).unwrap();
            let req = fsi::parse_request(&v).unwrap();
            let out = fsi::check(&national, &req, date).unwrap();
            black_box(serde_json::to_string(&out).unwrap())
        })
    });
    g.finish();
    c.final_summary();
}
