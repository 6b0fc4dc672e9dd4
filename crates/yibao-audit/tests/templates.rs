//! Every screening template of the demo rule pack: a visit it flags and a visit it lets pass; and the filters that
//! decide which rules run (effective dates, region switches, trigger scenes, rule IDs).

mod common;

use common::{d, inpatient, line, outpatient};
use yibao_audit::screen::{Selection, evaluate, evaluate_selected, trig_scen};
use yibao_audit::synth::demo_pack;
use yibao_audit::{Encounter, Finding, LineRole, PastDispense, RegisteredDisease, RulePack};
use yibao_core::{Fen, Qty};

const SETTLE: u8 = trig_scen::OUTPATIENT_SETTLEMENT;
const DISCHARGE: u8 = trig_scen::INPATIENT_SETTLEMENT;

fn run(enc: &Encounter, scene: u8) -> Vec<Finding> {
    evaluate(&demo_pack(), enc, scene, d("2025-03-10"))
}

fn ids(f: &[Finding]) -> Vec<&str> {
    f.iter().map(|f| f.rule.id.as_str()).collect()
}

#[test]
fn sex_limited_items() {
    let e = outpatient(vec![line("1", "S0331", "04", "120", "1", "2025-03-10")]);
    let f = run(&e, SETTLE);
    assert_eq!(ids(&f), ["R01"]);
    assert_eq!(f[0].amount, Fen(12_000));
    assert_eq!(f[0].lines[0].role, LineRole::Violating);
    assert_eq!(f[0].text, "参保人性别为男，【S0331】(S0331)限女性使用，涉及医保基金120.00元。");
    assert_eq!(f[0].rule.sev_deg_name, "明确违规");
    let mut woman = e.clone();
    woman.person.gend = Some("2");
    assert!(run(&woman, SETTLE).is_empty());
    let mut unknown = e.clone();
    unknown.person.gend = None;
    assert!(run(&unknown, SETTLE).is_empty(), "an unknown sex proves nothing");
    let mut selfpaid = e.clone();
    selfpaid.lines[0].ownpay = selfpaid.lines[0].amount;
    assert!(run(&selfpaid, SETTLE).is_empty(), "the fund pays nothing for a self-paid line");
}

#[test]
fn child_only_and_adult_only_drugs() {
    let adult = outpatient(vec![line("1", "D0960", "09", "12", "1", "2025-03-10")]);
    let f = run(&adult, SETTLE);
    assert_eq!(ids(&f), ["R02"]);
    assert!(f[0].text.contains("就诊时44岁") && f[0].text.contains("限17岁及以下使用"), "{}", f[0].text);
    let mut child = adult.clone();
    child.person.brdy = Some(d("2015-03-11"));
    assert!(run(&child, SETTLE).is_empty());

    let mut child = outpatient(vec![line("1", "D0917", "09", "25", "1", "2025-03-10")]);
    child.person.brdy = Some(d("2008-03-11")); // 16 on the visit day
    let f = run(&child, SETTLE);
    assert_eq!(ids(&f), ["R03"]);
    assert!(f[0].text.contains("限18岁及以上使用"));
    child.person.brdy = Some(d("2007-03-10")); // 18 that day
    assert!(run(&child, SETTLE).is_empty());
}

#[test]
fn institution_level_and_type() {
    let mut e = outpatient(vec![line("1", "S0340", "03", "7000", "1", "2025-03-10")]);
    let f = run(&e, SETTLE);
    assert_eq!(ids(&f), ["R04"]);
    assert!(f[0].text.contains("限三级及以上医疗机构使用，本机构为二级综合医院"), "{}", f[0].text);
    e.visit.medins_lv = Some("3");
    assert!(run(&e, SETTLE).is_empty());

    let mut dialysis = outpatient(vec![line("1", "S0560", "05", "420", "1", "2025-03-10")]);
    dialysis.visit.medins_type = Some("4");
    let f = run(&dialysis, SETTLE);
    assert_eq!(ids(&f), ["R04"]);
    assert!(f[0].text.contains("综合医院、专科医院"), "{}", f[0].text);
    dialysis.visit.medins_type = Some("3");
    assert!(run(&dialysis, SETTLE).is_empty());
}

#[test]
fn med_type_and_scheme_limits() {
    let mut e = outpatient(vec![line("1", "D0980", "09", "380", "1", "2025-03-10")]);
    let f = run(&e, SETTLE);
    assert_eq!(ids(&f), ["R05"]);
    assert!(f[0].text.contains("本次就诊医疗类别为普通门诊"));
    e.visit.med_type = "21";
    assert!(run(&e, DISCHARGE).is_empty());

    let mut e = inpatient(vec![line("1", "D0990", "09", "8", "2", "2025-03-01")]);
    let f = run(&e, DISCHARGE);
    assert_eq!(ids(&f), ["R06"]);
    assert!(f[0].text.contains("限生育保险支付，本次结算险种为城乡居民基本医疗保险"), "{}", f[0].text);
    e.visit.insutype = "510";
    assert!(run(&e, DISCHARGE).is_empty());
}

#[test]
fn items_outside_the_fund_claimed() {
    let e = outpatient(vec![
        line("1", "S0390", "14", "300", "1", "2025-03-10"),
        line("2", "X9999", "05", "10", "1", "2025-03-10"),
        line("3", "D0910", "09", "9", "1", "2025-03-10"),
    ]);
    let f = run(&e, SETTLE);
    assert_eq!(ids(&f), ["R07", "R07"]);
    assert!(f[0].text.contains("为丙类（自费）项目"));
    assert!(f[1].text.contains("为医保目录外项目"));
    let mut signed = e.clone();
    signed.lines[0].ownpay = signed.lines[0].amount;
    signed.lines[1].ownpay = signed.lines[1].amount;
    assert!(run(&signed, SETTLE).is_empty());
}

#[test]
fn price_above_the_cap_for_the_level() {
    let mut e = outpatient(vec![line("1", "S0301", "03", "150", "2", "2025-03-10")]);
    e.visit.medins_lv = Some("3");
    let f = run(&e, SETTLE);
    assert_eq!(ids(&f), ["R08"]);
    assert_eq!(f[0].amount, Fen(6_000), "(150 − 120) × 2");
    assert!(f[0].text.contains("收费单价150.00元，超过三级医疗机构最高限价120.00元"), "{}", f[0].text);
    e.lines[0].price = "120".parse().unwrap();
    assert!(run(&e, SETTLE).is_empty());
    e.visit.medins_lv = None; // falls back to the "*" cap of 95
    assert_eq!(run(&e, SETTLE)[0].amount, Fen(5_000));
}

#[test]
fn quantities_per_stay_per_hour_and_per_day() {
    let mut beds: Vec<_> = (1..=8).map(|k| line("b", "S0101", "01", "30", "1", &format!("2025-03-0{k}"))).collect();
    let f = run(&inpatient(beds.clone()), DISCHARGE);
    assert_eq!(ids(&f), ["R09"]);
    assert_eq!(f[0].amount, Fen(3_000), "one bed day too many");
    assert_eq!(f[0].lines.iter().filter(|l| l.role == LineRole::Violating).count(), 1);
    assert_eq!(f[0].lines.last().map(|l| l.role), Some(LineRole::Violating), "the latest line is the excess");
    beds.pop();
    assert!(run(&inpatient(beds), DISCHARGE).is_empty());

    let monitor = inpatient(vec![line("m", "S0510", "05", "8", "30", "2025-03-02")]);
    let f = run(&monitor, DISCHARGE);
    assert_eq!(f[0].amount, Fen(4_800), "6 hours beyond 24");
    assert!(f[0].text.contains("单日（2025-03-02）收费数量30，超过限定数量24"));
    let ok = inpatient(vec![line("m", "S0510", "05", "8", "24", "2025-03-02")]);
    assert!(run(&ok, DISCHARGE).is_empty());

    let sugar = inpatient(vec![
        line("s1", "S0411", "04", "5", "4", "2025-03-02"),
        line("s2", "S0411", "04", "5", "4", "2025-03-02"),
        line("s3", "S0411", "04", "5", "7", "2025-03-03"),
    ]);
    let f = run(&sugar, DISCHARGE);
    assert_eq!(f.len(), 1, "only 2025-03-02 has 8 > 7");
    assert_eq!(f[0].amount, Fen(500));
}

#[test]
fn exclusive_pairs_and_the_modifier_bypass() {
    let nursing = inpatient(vec![
        line("a", "S0703", "07", "80", "1", "2025-03-02"),
        line("b", "S0701", "07", "25", "1", "2025-03-02"),
    ]);
    let f = run(&nursing, DISCHARGE);
    assert_eq!(ids(&f), ["R10"]);
    assert_eq!(f[0].amount, Fen(2_500), "the included item (B) is the violation");
    let roles: Vec<(&str, LineRole)> = f[0].lines.iter().map(|l| (l.line_id.as_str(), l.role)).collect();
    assert_eq!(roles, [("a", LineRole::Involved), ("b", LineRole::Violating)]);
    assert!(f[0].text.contains("与【S0703】(S0703)同日（2025-03-02）不能同时收费"));
    let mut apart = nursing.clone();
    apart.lines[1].date = d("2025-03-03");
    assert!(run(&apart, DISCHARGE).is_empty());

    let mut infusion = inpatient(vec![
        line("a", "S0501", "05", "12", "1", "2025-03-02"),
        line("b", "S0502", "05", "6", "1", "2025-03-02"),
    ]);
    assert_eq!(ids(&run(&infusion, DISCHARGE)), ["R10"]);
    infusion.lines[1].modifier = Some("单独收费说明");
    assert!(run(&infusion, DISCHARGE).is_empty(), "bypassable pair with a documented modifier");
    let mut nursing = nursing;
    nursing.lines[1].modifier = Some("单独收费说明");
    assert_eq!(ids(&run(&nursing, DISCHARGE)), ["R10"], "a modifier never lets a non-bypassable pair pass");
}

#[test]
fn supply_days_by_kind_of_visit() {
    // 阿莫西林 24 粒/盒, 6 粒/日: 4 days a box.
    let two = outpatient(vec![line("1", "D0910", "09", "9", "2", "2025-03-10")]);
    let f = run(&two, SETTLE);
    assert_eq!(ids(&f), ["R11"]);
    assert_eq!(f[0].amount, Fen(225), "1 of 8 days beyond 7: 18.00 × 1/8");
    assert!(f[0].text.contains("本次开药8天，超过普通门诊限量7天"), "{}", f[0].text);
    let one = outpatient(vec![line("1", "D0910", "09", "9", "1", "2025-03-10")]);
    assert!(run(&one, SETTLE).is_empty());
    let mut er = one.clone();
    er.visit.med_type = "13";
    assert!(run(&er, SETTLE)[0].text.contains("超过急诊限量3天"));
    let mut chronic = outpatient(vec![line("1", "D0901", "09", "32", "4", "2025-03-10")]);
    chronic.visit.med_type = "14";
    chronic.person.diseases = Some(vec![RegisteredDisease { code: "I10", begin: d("2024-01-01"), end: None }]);
    assert!(run(&chronic, SETTLE).is_empty(), "28 days on a chronic visit");
    chronic.lines[0].qty = "5".parse().unwrap();
    assert_eq!(ids(&run(&chronic, SETTLE)), ["R11"]);
}

#[test]
fn repeat_supply_against_the_history() {
    let mut e = outpatient(vec![line("1", "D0901", "09", "32", "1", "2025-03-10")]);
    e.visit.med_type = "14";
    e.person.diseases = Some(vec![RegisteredDisease { code: "I10", begin: d("2024-01-01"), end: None }]);
    let past = |date: &str| PastDispense {
        mdtrt_id: "MD000",
        fixmedins_code: "H001",
        date: d(date),
        code: "D0901",
        qty: Qty(4 * Qty::ONE),
    };
    e.history = vec![past("2025-02-28")]; // 28 days, lasting until 2025-03-28
    let f = run(&e, SETTLE);
    assert_eq!(ids(&f), ["R12"]);
    assert!(f[0].text.contains("已于2025-02-28开具（就诊ID MD000），本次开药时前次药量尚余18天"), "{}", f[0].text);
    assert_eq!(f[0].amount, Fen(3_200), "the whole 7-day supply is covered by the earlier one");
    e.history = vec![past("2025-02-13")]; // lasts until 2025-03-13: 3 days left, within the 5 allowed
    assert!(run(&e, SETTLE).is_empty());
}

#[test]
fn chronic_visits_use_the_registered_disease_list() {
    let mut e = outpatient(vec![
        line("1", "D0910", "09", "9", "1", "2025-03-10"),
        line("2", "D0901", "09", "32", "4", "2025-03-10"),
    ]);
    e.visit.med_type = "14";
    e.person.diseases = Some(vec![RegisteredDisease { code: "I10", begin: d("2024-01-01"), end: None }]);
    let f = run(&e, SETTLE);
    assert_eq!(ids(&f), ["R13"]);
    assert_eq!(f[0].lines[0].code, "D0910");
    assert!(f[0].text.contains("备案病种（高血压病(I10)）的用药范围内"), "{}", f[0].text);
    let mut expired = e.clone();
    expired.person.diseases =
        Some(vec![RegisteredDisease { code: "I10", begin: d("2024-01-01"), end: Some(d("2024-12-31")) }]);
    let f = run(&expired, SETTLE);
    assert_eq!(f.len(), 2, "with no valid registration both drugs are outside");
    assert!(f[0].text.contains("无有效备案病种"));
    let mut unknown = e.clone();
    unknown.person.diseases = None;
    assert!(run(&unknown, SETTLE).is_empty(), "registrations not looked up: the rule stays quiet");
    e.lines.remove(0);
    assert!(run(&e, SETTLE).is_empty());
}

#[test]
fn care_after_death() {
    let mut e = inpatient(vec![
        line("1", "S0101", "01", "30", "1", "2025-03-03"),
        line("2", "S0101", "01", "30", "1", "2025-03-05"),
    ]);
    e.person.death_date = Some(d("2025-03-04"));
    let f = run(&e, DISCHARGE);
    assert_eq!(ids(&f), ["R14"]);
    assert_eq!((f[0].amount, f[0].lines.len()), (Fen(3_000), 1));
    assert!(f[0].text.starts_with("参保人已于2025-03-04死亡，其后仍发生医疗费用1条"));
    let mut registration = outpatient(Vec::new());
    registration.person.death_date = Some(d("2025-02-01"));
    let f = run(&registration, trig_scen::OUTPATIENT_REGISTRATION);
    assert_eq!((ids(&f), f[0].amount), (vec!["R14"], Fen::ZERO), "registering a dead person");
    e.person.death_date = Some(d("2025-03-05"));
    assert!(run(&e, DISCHARGE).is_empty());
}

const FILTERS: &str = r#"
[pack]
admdvs = "999001"
name = "过滤测试"
version = "t"

[[rule]]
id = "NOW"
name = "限女性"
template = "sex_limit"
begin = 2025-01-01
end = 2025-06-30
trig_scen = [6]
[[rule.row]]
code = "S0331"
gend = "2"

[[rule]]
id = "LATER"
name = "限女性（下半年版本）"
template = "sex_limit"
begin = 2025-07-01
trig_scen = [6]
evidence = "{item_name}限{limit}（下半年版本）"
[[rule.row]]
code = "S0331"
gend = "2"

[[rule]]
id = "OFF"
name = "默认关闭"
template = "sex_limit"
enabled = false
begin = 2025-01-01
trig_scen = [6, 7]
[[rule.row]]
code = "S0331"
gend = "2"

[switch."999002"]
NOW = false
OFF = true
"#;

#[test]
fn effective_dates_region_switches_scenes_and_rule_ids() {
    let pack = RulePack::from_toml("filters.toml", FILTERS).unwrap();
    let e = outpatient(vec![line("1", "S0331", "04", "120", "1", "2025-03-10")]);
    let on = |enc: &Encounter, scene: u8, date: &str| -> Vec<String> {
        evaluate(&pack, enc, scene, d(date)).into_iter().map(|f| f.rule.id.clone()).collect()
    };
    assert_eq!(on(&e, 6, "2025-03-10"), ["NOW"]);
    assert_eq!(on(&e, 6, "2025-08-01"), ["LATER"], "the rule's period decides, not the visit's");
    assert!(on(&e, 6, "2024-12-31").is_empty());
    assert!(on(&e, 2, "2025-03-10").is_empty(), "no rule runs in scene 2");
    let mut county = e.clone();
    county.visit.admdvs = Some("999002");
    assert_eq!(on(&county, 6, "2025-03-10"), ["OFF"], "switched off and on for 999002");
    assert_eq!(on(&county, 7, "2025-03-10"), ["OFF"]);
    let picked = evaluate_selected(
        &pack,
        &county,
        &Selection { date: d("2025-03-10"), trig_scen: None, rule_ids: &["NOW", "LATER"] },
    );
    assert!(picked.is_empty(), "NOW is off in 999002 and LATER not yet in force");
    let all =
        evaluate_selected(&pack, &e, &Selection { date: d("2025-03-10"), trig_scen: Some(&[6, 7]), rule_ids: &[] });
    assert_eq!(all.len(), 1);
    let later = evaluate(&pack, &e, 6, d("2025-08-01"));
    assert_eq!(later[0].text, "S0331限女性（下半年版本）");
}
