//! Settlement throughput on one core: a 5-layer employee inpatient pack and a 20-line bill that every layer pays on.
//!
//! `cargo bench -j2 -p yibao-core --bench engine`
//!
//! * `settle/without_text` — `settle` alone (classification, cascade, account; the structured `LayerCalc`
//!   explanation is always produced);
//! * `settle/with_text` — `settle` followed by `explain::render_zh`, the Chinese sentences.
//!
//! Throughput is reported in settlements per second (one element = one settlement).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use yibao_core::explain::render_zh;
use yibao_core::{Policy, SettleRequest, settle};

/// 职工医保住院: basic fund (deductible by level and admission, progressive bands by person type, cap 60,000),
/// 大额 above that cap (combined cap 460,000 with the basic fund), 公务员 subsidy on the personal burden, medical
/// assistance (year scope) and 倾斜救助 (year scope, own deductible) for 低保 people.
const PACK: &str = r#"
[region]
admdvs = "130300"
name = "基准测试统筹区"
version = "bench"

[[catalogue]]
code = "A01"
name = "床位费"
lv = "01"
category = "01"
[[catalogue]]
code = "A02"
name = "诊察费"
lv = "01"
category = "02"
[[catalogue]]
code = "A03"
name = "CT检查"
lv = "01"
category = "03"
[[catalogue]]
code = "A04"
name = "血常规"
lv = "01"
category = "04"
[[catalogue]]
code = "A05"
name = "静脉输液"
lv = "01"
category = "05"
[[catalogue]]
code = "A06"
name = "阑尾切除术"
lv = "01"
category = "06"
[[catalogue]]
code = "A07"
name = "一级护理"
lv = "01"
category = "07"
[[catalogue]]
code = "A08"
name = "氯化钠注射液"
lv = "01"
category = "09"
[[catalogue]]
code = "B01"
name = "头孢曲松钠"
lv = "02"
category = "09"
selfpay_prop = { "310" = 0.10, "*" = 0.15 }
[[catalogue]]
code = "B02"
name = "奥美拉唑"
lv = "02"
category = "09"
selfpay_prop = { "*" = 0.05 }
[[catalogue]]
code = "B03"
name = "人血白蛋白"
lv = "02"
category = "09"
selfpay_prop = { "*" = 0.20 }
[[catalogue]]
code = "B04"
name = "一次性吻合器"
lv = "02"
category = "08"
selfpay_prop = { "*" = 0.20 }
price_cap = { "3" = 3000, "*" = 2500 }
[[catalogue]]
code = "B05"
name = "中成药"
lv = "02"
category = "11"
selfpay_prop = { "*" = 0.10 }
[[catalogue]]
code = "B06"
name = "磁共振"
lv = "02"
category = "03"
selfpay_prop = { "*" = 0.08 }
[[catalogue]]
code = "B07"
name = "中药饮片"
lv = "02"
category = "10"
selfpay_prop = { "*" = 0.05 }
[[catalogue]]
code = "B08"
name = "营养液"
lv = "02"
category = "09"
selfpay_prop = { "*" = 0.15 }
[[catalogue]]
code = "C01"
name = "特需病房差价"
lv = "03"
category = "01"
[[catalogue]]
code = "C02"
name = "进口材料"
lv = "03"
category = "08"
[[catalogue]]
code = "C03"
name = "美容项目"
lv = "03"
category = "14"

[[scheme]]
insutype = "310"
name = "职工基本医疗保险"
from = 2024-01-01
to = 2024-12-31

  [scheme.account]
  pays_preselfpay = true

  [[scheme.combined_cap]]
  name = "统筹与大额合计封顶"
  pools = ["hifp.inpatient", "hifob.inpatient"]
  cap = 460000

  [[scheme.layer]]
  id = "hifp"
  name = "职工基本医疗保险统筹基金"
  fund_pay_type = "310100"
  required = true

    [[scheme.layer.benefit]]
    id = "inpatient"
    name = "住院"
    when = { med_types = ["21", "22", "24"] }
    deductible = [
      { amount = 500 },
      { hosp_lv = "2", amount = 900 },
      { hosp_lv = "3", amount = 1300 },
      { admission = 2, amount = 650 },
    ]
    ratio = [
      { psn_type = "11", bands = [{ from = 0, to = 10000, ratio = 0.85 }, { from = 10000, to = 50000, ratio = 0.90 }, { from = 50000, ratio = 0.92 }] },
      { psn_type = "12", bands = [{ from = 0, to = 10000, ratio = 0.90 }, { from = 10000, to = 50000, ratio = 0.93 }, { from = 50000, ratio = 0.95 }] },
    ]
    cap = 60000

  [[scheme.layer]]
  id = "hifob"
  name = "职工大额医疗费用补助"
  fund_pay_type = "330100"

    [[scheme.layer.benefit]]
    id = "inpatient"
    name = "大额补助"
    when = { med_types = ["21", "22", "24"] }
    base = "above_cap"
    above_cap_of = "hifp"
    ratio = [{ ratio = 0.90 }]
    cap = 400000

  [[scheme.layer]]
  id = "cvlserv"
  name = "公务员医疗补助"
  fund_pay_type = "320100"

    [[scheme.layer.benefit]]
    id = "inpatient"
    name = "公务员住院补助"
    when = { psn_types = ["1102", "1202"] }
    base = "personal_burden"
    include_deductible = false
    ratio = [{ ratio = 0.60 }]
    cap = 50000

  [[scheme.layer]]
  id = "maf"
  name = "医疗救助"
  fund_pay_type = "610100"

    [[scheme.layer.benefit]]
    id = "dibao"
    name = "低保对象住院救助"
    when = { identities = ["11", "12"] }
    base = "personal_burden"
    scope = "year"
    ratio = [{ ratio = 0.70 }]
    cap = 60000
    adjust = [{ name = "特困供养人员全额救助", when = { identities = ["11"] }, ratio = 1.0 }]

  [[scheme.layer]]
  id = "tilt"
  name = "倾斜救助"
  fund_pay_type = "610102"

    [[scheme.layer.benefit]]
    id = "dibao"
    name = "低保对象倾斜救助"
    when = { identities = ["12"] }
    base = "personal_burden"
    include_preselfpay = true
    scope = "year"
    deductible = [{ amount = 5000 }]
    ratio = [{ ratio = 0.50 }]
    cap = 20000
"#;

/// A retired civil servant with a 低保 identity, second admission of the year, at a level-3 hospital: a 20-line
/// bill of about 83,000 yuan (甲/乙/丙 lines, one over its price cap, one partial refund).
const REQUEST: &str = r#"{
  "person": {
    "psn_no": "13030000000000000001", "psn_name": "王五", "certno": "130302195501011234", "gend": "1",
    "brdy": "1955-01-01", "insutype": "310", "psn_type": "1202", "cvlserv_flag": "1",
    "enrollments": [{ "insutype": "310", "year": 2024 }],
    "identities": [{ "code": "12", "begndate": "2024-01-01" }],
    "account_balance": 3000
  },
  "accumulators": {
    "year": 2024, "admissions": 1,
    "amounts": { "hifp.inpatient.paid": 45000, "maf.dibao.paid": 1200, "maf.dibao.base": 1800,
                 "tilt.dibao.base": 1800 }
  },
  "visit": {
    "mdtrt_id": "BENCH-0001", "fixmedins_code": "H13030000001", "hosp_lv": "3", "med_type": "21",
    "begntime": "2024-05-02", "endtime": "2024-05-20", "acct_used_flag": "1",
    "diagnoses": [{ "diag_code": "K35.8", "diag_name": "急性阑尾炎" }],
    "fee_lines": [
      { "feedetl_sn": "01", "med_list_codg": "A01", "pric": 120, "cnt": 18, "det_item_fee_sumamt": 2160 },
      { "feedetl_sn": "02", "med_list_codg": "A02", "pric": 35.5, "cnt": 18, "det_item_fee_sumamt": 639 },
      { "feedetl_sn": "03", "med_list_codg": "A03", "pric": 680, "cnt": 3, "det_item_fee_sumamt": 2040 },
      { "feedetl_sn": "04", "med_list_codg": "A04", "pric": 22.75, "cnt": 12, "det_item_fee_sumamt": 273 },
      { "feedetl_sn": "05", "med_list_codg": "A05", "pric": 18.333333, "cnt": 45, "det_item_fee_sumamt": 825 },
      { "feedetl_sn": "06", "med_list_codg": "A06", "pric": 21800, "cnt": 1, "det_item_fee_sumamt": 21800 },
      { "feedetl_sn": "07", "med_list_codg": "A07", "pric": 62, "cnt": 18, "det_item_fee_sumamt": 1116 },
      { "feedetl_sn": "08", "med_list_codg": "A08", "pric": 4.56, "cnt": 60.5, "det_item_fee_sumamt": 275.88 },
      { "feedetl_sn": "09", "med_list_codg": "B01", "pric": 98.765432, "cnt": 36, "det_item_fee_sumamt": 3555.56 },
      { "feedetl_sn": "10", "med_list_codg": "B02", "pric": 45.2, "cnt": 30, "det_item_fee_sumamt": 1356 },
      { "feedetl_sn": "11", "med_list_codg": "B03", "pric": 520, "cnt": 40, "det_item_fee_sumamt": 20800 },
      { "feedetl_sn": "12", "med_list_codg": "B04", "pric": 3600, "cnt": 2, "det_item_fee_sumamt": 7200 },
      { "feedetl_sn": "13", "med_list_codg": "B05", "pric": 38.1234, "cnt": 14.5, "det_item_fee_sumamt": 552.79 },
      { "feedetl_sn": "14", "med_list_codg": "B06", "pric": 1200, "cnt": 2, "det_item_fee_sumamt": 2400 },
      { "feedetl_sn": "15", "med_list_codg": "B07", "pric": 0.856, "cnt": 850, "det_item_fee_sumamt": 727.6 },
      { "feedetl_sn": "16", "med_list_codg": "B08", "pric": 310, "cnt": 25, "det_item_fee_sumamt": 7750 },
      { "feedetl_sn": "17", "med_list_codg": "C01", "pric": 300, "cnt": 18, "det_item_fee_sumamt": 5400 },
      { "feedetl_sn": "18", "med_list_codg": "C02", "pric": 4200, "cnt": 1, "det_item_fee_sumamt": 4200 },
      { "feedetl_sn": "19", "med_list_codg": "C03", "pric": 880, "cnt": 1, "det_item_fee_sumamt": 880 },
      { "feedetl_sn": "20", "med_list_codg": "B08", "pric": 310, "cnt": -3, "det_item_fee_sumamt": -930 }
    ]
  }
}"#;

fn setup() -> (Policy, SettleRequest) {
    let policy = Policy::from_toml("bench.toml", PACK).unwrap_or_else(|e| panic!("bench pack: {e:?}"));
    let req: SettleRequest = serde_json::from_str(REQUEST).unwrap_or_else(|e| panic!("bench request: {e}"));
    let s = settle(&policy, &req).unwrap_or_else(|e| panic!("bench settlement: {e}"));
    // The benchmark is only meaningful if every layer pays and one line is over its price cap.
    assert_eq!(s.layers.len(), 5, "all five layers apply");
    for c in &s.layers {
        assert!(c.pay.0 > 0, "layer {} pays nothing: {c:?}", c.layer);
    }
    assert!(s.overlmt_selfpay.0 > 0 && s.fulamt_ownpay_amt.0 > 0 && s.preselfpay_amt.0 > 0);
    assert!(s.acct_pay.0 > 0);
    (policy, req)
}

fn engine(c: &mut Criterion) {
    let (policy, req) = setup();
    let mut g = c.benchmark_group("settle");
    g.throughput(Throughput::Elements(1));
    g.bench_function("without_text", |b| {
        b.iter(|| settle(black_box(&policy), black_box(&req)).map(|s| s.fund_pay_sumamt))
    });
    g.bench_function("with_text", |b| {
        b.iter(|| {
            let s = settle(black_box(&policy), black_box(&req)).expect("settles");
            render_zh(&policy, &req, &s)
        })
    });
    g.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
