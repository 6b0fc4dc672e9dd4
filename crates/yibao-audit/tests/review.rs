//! 事后 review: every detector on hand-built settlement histories at both sides of its thresholds, rule periods and
//! region switches, and the synthetic year's planted cases (recall, precision, and the same answer whatever the
//! sharding and threading).

mod common;

use common::d;
use yibao_audit::review::{
    Institution, LineIn, PersonIn, Registry, ReviewOptions, SettlementIn, Shard, ShardBuilder, review,
};
use yibao_audit::synth::{Config, demo_pack, generate, score, score_table};
use yibao_audit::{Case, RulePack};
use yibao_core::{Fen, Price, Qty};

/// One settlement of a hand-built history.
struct S {
    inst: &'static str,
    med_type: &'static str,
    begin: &'static str,
    end: &'static str,
    minute: u16,
    dx: &'static str,
    fund: i64,
    /// (code, class, day offset).
    lines: Vec<(&'static str, &'static str, i64)>,
}

fn s(inst: &'static str, med_type: &'static str, begin: &'static str, end: &'static str) -> S {
    S { inst, med_type, begin, end, minute: 600, dx: "J18.9", fund: 10_000, lines: vec![("S0201", "02", 0)] }
}

fn stay(inst: &'static str, begin: &'static str, end: &'static str, dx: &'static str) -> S {
    let days = (d(end) - d(begin)).num_days();
    let lines = (0..days).flat_map(|k| [("S0101", "01", k), ("S0702", "07", k), ("S0501", "05", k)]).collect();
    S { dx, lines, ..s(inst, "21", begin, end) }
}

fn registry() -> Registry {
    let mut reg = Registry::default();
    for (code, t, lv) in [("H1", "1", "2"), ("H2", "1", "2"), ("P1", "6", "0"), ("P2", "6", "0")] {
        reg.institution(Institution {
            code: code.into(),
            name: format!("机构{code}"),
            medins_type: t.into(),
            level: lv.into(),
        });
    }
    for k in 1..=6 {
        let code = format!("T{k}");
        reg.institution(Institution {
            code: code.clone(),
            name: format!("卫生院{k}"),
            medins_type: "4".into(),
            level: "1".into(),
        });
    }
    reg
}

fn shard(reg: &mut Registry, persons: Vec<(&str, Vec<S>)>) -> Shard {
    let mut b = ShardBuilder::new(reg);
    for (psn, setls) in persons {
        b.person(PersonIn { psn_no: psn, gend: Some("1"), brdy: Some(d("1970-01-01")), death_date: None }).unwrap();
        for (k, x) in setls.iter().enumerate() {
            let id = format!("{psn}-{k}");
            b.settlement(SettlementIn {
                setl_id: &id,
                mdtrt_id: &id,
                fixmedins_code: x.inst,
                med_type: x.med_type,
                insutype: "390",
                begin: d(x.begin),
                end: d(x.end),
                minute: x.minute,
                main_dx: x.dx,
                opsp_dise: None,
                emergency: false,
                total: Fen(1_000 * x.lines.len() as i64),
                fund: Fen(x.fund),
            })
            .unwrap();
            for (code, class, off) in &x.lines {
                b.line(LineIn {
                    code,
                    name: code,
                    class,
                    date: d(x.begin) + chrono::Duration::days(*off),
                    qty: Qty(Qty::ONE),
                    price: Price(10 * Price::ONE),
                    amount: Fen(1_000),
                    ownpay: false,
                    modifier: None,
                })
                .unwrap();
            }
        }
    }
    b.finish()
}

fn cases(pack: &RulePack, persons: Vec<(&str, Vec<S>)>) -> Vec<Case> {
    let mut reg = registry();
    let sh = shard(&mut reg, persons);
    let opts = ReviewOptions { reaudit: false, threads: 1, ..ReviewOptions::default() };
    review(pack, &reg, &[sh], opts).cases
}

fn of(cases: &[Case], rule: &str) -> Vec<Vec<String>> {
    cases.iter().filter(|c| c.rule.id == rule).map(|c| c.setl_ids.clone()).collect()
}

/// The split-admission cases of two stays of one person.
fn two_stays(
    first: (&'static str, &'static str, &'static str),
    second: (&'static str, &'static str, &'static str),
) -> Vec<Case> {
    let stays = vec![stay("H1", first.0, first.1, first.2), stay("H2", second.0, second.1, second.2)];
    cases(&demo_pack(), vec![("A", stays)]).into_iter().filter(|c| c.rule.id == "B01").collect()
}

#[test]
fn split_admissions() {
    let c = two_stays(("2025-03-01", "2025-03-08", "J18.9"), ("2025-03-23", "2025-03-27", "J18.0"));
    assert_eq!(of(&c, "B01"), [["A-0", "A-1"]], "15 days after discharge, same category J18");
    assert_eq!((c[0].amount, c[0].fixmedins_code.as_deref()), (Fen(10_000), Some("H2")));
    assert_eq!(
        c[0].text,
        "参保人2025-03-08出院后15天（2025-03-23）再次入院，前后主要诊断J18.9、J18.0同属一类，疑似分解住院，再次住院基金支付100.00元。"
    );
    assert!(
        two_stays(("2025-03-01", "2025-03-08", "J18.9"), ("2025-03-24", "2025-03-27", "J18.0")).is_empty(),
        "16 days"
    );
    let other = two_stays(("2025-03-01", "2025-03-08", "J18.9"), ("2025-03-12", "2025-03-15", "I63.9"));
    assert!(other.is_empty(), "unrelated diagnosis");
    let chemo = two_stays(("2025-03-01", "2025-03-04", "Z51.1"), ("2025-03-12", "2025-03-15", "Z51.1"));
    assert!(chemo.is_empty(), "planned chemotherapy cycle");
}

#[test]
fn bed_holding() {
    let pack = demo_pack();
    let mut idle = stay("T1", "2025-03-01", "2025-03-08", "J18.9");
    idle.lines.retain(|(code, _, day)| *code != "S0501" || *day < 4); // days 4, 5, 6: bed and nursing only
    let c = cases(&pack, vec![("A", vec![idle])]);
    assert_eq!(of(&c, "B02"), [["A-0"]]);
    let hit = c.iter().find(|c| c.rule.id == "B02").unwrap();
    assert_eq!(hit.amount, Fen(6_000), "bed and nursing of the 3 idle days");
    assert!(hit.text.contains("共7天，其中3天只有床位费和护理费"), "{}", hit.text);
    let mut two = stay("T1", "2025-03-01", "2025-03-08", "J18.9");
    two.lines.retain(|(code, _, day)| *code != "S0501" || *day < 5);
    assert!(of(&cases(&pack, vec![("A", vec![two])]), "B02").is_empty());
}

#[test]
fn visits_during_a_stay_and_stays_at_two_places() {
    let pack = demo_pack();
    let inside = s("H2", "11", "2025-03-05", "2025-03-05");
    let pharmacy = s("P1", "41", "2025-03-06", "2025-03-06");
    let edge = s("H2", "11", "2025-03-08", "2025-03-08");
    let c = cases(&pack, vec![("A", vec![stay("H1", "2025-03-01", "2025-03-08", "J18.9"), inside, pharmacy, edge])]);
    assert_eq!(of(&c, "B03"), [["A-0", "A-1"], ["A-0", "A-2"]], "the discharge-day visit is allowed");
    assert!(c.iter().any(|c| c.text.contains("于2025-03-06发生药店购药结算")));

    let overlap = cases(
        &pack,
        vec![(
            "A",
            vec![stay("H1", "2025-03-01", "2025-03-08", "J18.9"), stay("H2", "2025-03-05", "2025-03-10", "I20.0")],
        )],
    );
    assert_eq!(of(&overlap, "B04"), [["A-0", "A-1"]]);
    assert!(overlap.iter().any(|c| c.text.contains("重叠3天")));
    let transfer = cases(
        &pack,
        vec![(
            "A",
            vec![stay("H1", "2025-03-01", "2025-03-08", "J18.9"), stay("H2", "2025-03-08", "2025-03-10", "I20.0")],
        )],
    );
    assert!(of(&transfer, "B04").is_empty(), "a transfer on the discharge day");
}

#[test]
fn same_day_visits_and_purchases() {
    let pack = demo_pack();
    let visit = |inst, minute| S { minute, ..s(inst, "11", "2025-04-01", "2025-04-01") };
    let c = cases(&pack, vec![("A", vec![visit("H1", 500), visit("T1", 700), visit("H2", 900)])]);
    assert_eq!(of(&c, "B05").len(), 1);
    let hit = c.iter().find(|c| c.rule.id == "B05").unwrap();
    assert_eq!(hit.amount, Fen(20_000), "the second and third visits");
    assert!(hit.text.contains("一天内门诊结算3次（机构H1、卫生院1、机构H2）"), "{}", hit.text);
    assert!(of(&cases(&pack, vec![("A", vec![visit("H1", 500), visit("T1", 700)])]), "B05").is_empty());

    let buy = |day: &'static str| S { lines: vec![("D1003", "10", 0)], ..s("P1", "41", day, day) };
    let five = vec![buy("2025-05-01"), buy("2025-05-08"), buy("2025-05-15"), buy("2025-05-22"), buy("2025-05-30")];
    let c = cases(&pack, vec![("A", five)]);
    assert_eq!(of(&c, "B06").len(), 1, "5 purchases within 30 days");
    assert_eq!(
        c.iter().find(|c| c.rule.id == "B06").unwrap().amount,
        Fen(1_000),
        "the fifth one is beyond the allowed 4"
    );
    let spread = vec![buy("2025-05-01"), buy("2025-05-08"), buy("2025-05-15"), buy("2025-05-22"), buy("2025-05-31")];
    assert!(of(&cases(&pack, vec![("A", spread)]), "B06").is_empty(), "the fifth falls on day 31");
}

#[test]
fn pharmacy_swipes_at_night_and_in_bursts() {
    let pack = demo_pack();
    let swipe = |day: &'static str, minute: u16, inst| S { minute, ..s(inst, "41", day, day) };
    let c = cases(&pack, vec![("A", vec![swipe("2025-06-01", 22 * 60, "P1"), swipe("2025-06-09", 5 * 60 + 59, "P2")])]);
    assert_eq!(of(&c, "B07").len(), 1);
    assert!(c[0].text.contains("夜间刷卡2次（2025-06-01 22:00、2025-06-09 05:59）"), "{}", c[0].text);
    let day =
        cases(&pack, vec![("A", vec![swipe("2025-06-01", 21 * 60 + 59, "P1"), swipe("2025-06-09", 6 * 60, "P2")])]);
    assert!(of(&day, "B07").is_empty());

    let burst = cases(
        &pack,
        vec![(
            "A",
            vec![swipe("2025-06-01", 600, "P1"), swipe("2025-06-01", 630, "P2"), swipe("2025-06-01", 659, "P1")],
        )],
    );
    assert_eq!(of(&burst, "B08").len(), 1);
    let slower = cases(
        &pack,
        vec![(
            "A",
            vec![swipe("2025-06-01", 600, "P1"), swipe("2025-06-01", 630, "P2"), swipe("2025-06-01", 660, "P1")],
        )],
    );
    assert!(of(&slower, "B08").is_empty(), "the third swipe is 60 minutes after the first");
}

#[test]
fn institutions_above_their_peers() {
    let pack = demo_pack();
    let mut persons = Vec::new();
    let names: Vec<String> = (0..6 * 40).map(|i| format!("P{i:04}")).collect();
    for (i, name) in names.iter().enumerate() {
        let t = ["T1", "T2", "T3", "T4", "T5", "T6"][i % 6];
        let mut visit = s(t, "11", "2025-02-01", "2025-02-01");
        // 10 yuan a line: T1/T3/T5 10 yuan a visit, T2/T4 20, T6 40 (above median 15 + 3 × MAD 5).
        visit.lines = vec![("S0201", "02", 0); if t == "T6" { 4 } else { 1 + i % 2 }];
        let mut history = vec![visit];
        if t == "T5" && i < 6 * 7 {
            let mut idle = stay("T5", "2025-03-01", "2025-03-08", "J18.9");
            idle.lines.retain(|(code, _, _)| *code != "S0501");
            history.push(idle);
        } else {
            history.push(stay(t, "2025-03-01", "2025-03-04", "J18.9"));
        }
        persons.push((name.as_str(), history));
    }
    let c = cases(&pack, persons);
    let cost: Vec<&Case> = c.iter().filter(|c| c.rule.id == "B09").collect();
    assert!(
        cost.iter().any(|c| c.fixmedins_code.as_deref() == Some("T6")
            && c.text.contains("门诊次均费用40.00元，同类同级机构（6家）中位数15.00元、警戒值30.00元")),
        "{cost:#?}"
    );
    assert!(cost.iter().all(|c| c.fixmedins_code.as_deref() != Some("T1")));
    let rate: Vec<&Case> = c.iter().filter(|c| c.rule.id == "B10").collect();
    assert_eq!(rate.len(), 1, "{rate:#?}");
    assert_eq!(rate[0].fixmedins_code.as_deref(), Some("T5"));
    assert!(rate[0].text.starts_with("本机构“挂床住院”命中7次，命中率175.00‰（40人次）"), "{}", rate[0].text);
}

#[test]
fn rule_periods_and_region_switches_apply_to_review() {
    let history = || {
        vec![(
            "A",
            vec![stay("H1", "2025-03-01", "2025-03-08", "J18.9"), stay("H2", "2025-03-12", "2025-03-15", "J18.0")],
        )]
    };
    let text = yibao_audit::synth::DEMO_PACK_TOML.replace(
        "id = \"B01\"\nname = \"分解住院\"\ntemplate = \"split_admission\"\nbegin = 2024-01-01",
        "id = \"B01\"\nname = \"分解住院\"\ntemplate = \"split_admission\"\nbegin = 2025-04-01",
    );
    assert_ne!(text, yibao_audit::synth::DEMO_PACK_TOML);
    let later = RulePack::from_toml_with("t.toml", &format!("{text}\n[switch.\"999009\"]\nB04 = false\n"), &|n| {
        yibao_audit::synth::knowledge_file(n)
            .map(|t| t.as_bytes().to_vec())
            .ok_or_else(|| std::io::Error::other(n.to_string()))
    })
    .unwrap();
    assert!(of(&cases(&later, history()), "B01").is_empty(), "the readmission is before the rule's period");
    assert_eq!(of(&cases(&demo_pack(), history()), "B01").len(), 1);

    let mut reg = registry();
    let sh = shard(
        &mut reg,
        vec![(
            "A",
            vec![stay("H1", "2025-03-01", "2025-03-08", "J18.9"), stay("H2", "2025-03-05", "2025-03-10", "I20.0")],
        )],
    );
    let run = |region| {
        let opts = ReviewOptions { reaudit: false, threads: 1, region, ..ReviewOptions::default() };
        review(&later, &reg, std::slice::from_ref(&sh), opts).cases_of("B04").count()
    };
    assert_eq!((run(None), run(Some("999009"))), (1, 0));
}

fn key(c: &Case) -> (String, Vec<String>, Option<String>, Fen) {
    (c.rule.id.clone(), c.setl_ids.clone(), c.fixmedins_code.clone(), c.amount)
}

#[test]
fn every_planted_case_is_found() {
    let year = generate(&Config::small(40_000));
    let pack = demo_pack();
    let report = review(&pack, &year.registry, &year.shards, ReviewOptions::default());
    let scores = score(&pack, &report, &year.truth);
    println!("{}", score_table(&scores));
    for s in &scores {
        assert!(s.planted > 0, "rule {} has planted cases", s.rule_id);
        assert_eq!(s.recalled, s.planted, "rule {} found {} of {} planted cases", s.rule_id, s.recalled, s.planted);
        assert!(s.matched * 10 >= s.findings * 9, "rule {} precision {} on the planted set", s.rule_id, s.precision());
    }
    assert_eq!(report.settlements, year.settlements());
}

#[test]
fn the_answer_does_not_depend_on_shards_or_threads() {
    let cfg = Config::small(6_000);
    let one = generate(&Config { shards: 1, ..cfg });
    let three = generate(&Config { shards: 3, ..cfg });
    assert_eq!(one.truth, three.truth, "generation is deterministic by seed");
    assert_eq!((one.settlements(), one.lines()), (three.settlements(), three.lines()));
    let pack = demo_pack();
    let a = review(&pack, &one.registry, &one.shards, ReviewOptions { threads: 1, ..ReviewOptions::default() });
    let b = review(&pack, &three.registry, &three.shards, ReviewOptions { threads: 2, ..ReviewOptions::default() });
    let (mut ka, mut kb): (Vec<_>, Vec<_>) = (a.cases.iter().map(key).collect(), b.cases.iter().map(key).collect());
    ka.sort();
    kb.sort();
    assert!(!ka.is_empty());
    assert_eq!(ka, kb);
    assert_eq!(a.figures, b.figures);
    let other = generate(&Config { seed: 8, ..cfg });
    assert_ne!(other.truth, one.truth, "another seed, another year");
}
