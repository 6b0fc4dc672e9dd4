//! The demo county pack (`packs/demo-county.toml`) settled end to end through the `yibao` binary.
//!
//! Every expected figure below was worked out by hand from the pack's parameters and the request's fee lines; the
//! arithmetic is written next to each assertion. Rounding is half-up to the fen at the documented points: each
//! line's 超限价 and 先行自付 amounts, each band's payment, and a base derived by dividing by a ratio.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

const PACK: &str = "packs/demo-county.toml";

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn yibao(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yibao")).current_dir(workspace()).args(args).output().expect("run yibao")
}

fn request(name: &str) -> String {
    format!("packs/demo-requests/{name}.json")
}

/// Settles a demo request and returns the JSON output.
fn settle(name: &str) -> Value {
    let req = request(name);
    let out = yibao(&["settle", "--policy", PACK, "--request", &req]);
    assert!(out.status.success(), "{name} was refused: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("settle prints JSON")
}

/// The explanation of a demo request, one sentence per line.
fn explain(name: &str) -> String {
    let req = request(name);
    let out = yibao(&["settle", "--policy", PACK, "--request", &req, "--explain"]);
    assert!(out.status.success(), "{name} was refused: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 explanation")
}

/// "1,234.56" or "1234.56" yuan as fen, exactly.
fn yuan(s: &str) -> i64 {
    let s = s.replace(',', "");
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    assert!(frac.len() <= 2, "at most 2 decimals: {s}");
    int.parse::<i64>().expect("yuan") * 100 + format!("{frac:0<2}").parse::<i64>().expect("fen")
}

/// A JSON amount (printed by the engine with 2 decimals) as fen.
fn fen_of(v: &Value) -> i64 {
    let f = v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"));
    (f * 100.0).round() as i64
}

/// Asserts one `setlinfo` column to the fen.
#[track_caller]
fn setl(out: &Value, field: &str, expected: &str) {
    let got = fen_of(&out["setlinfo"][field]);
    assert_eq!(got, yuan(expected), "setlinfo.{field}: got {} fen, expected {expected}", got);
}

/// Asserts the accumulator delta: the admissions count and exactly these non-zero amounts.
#[track_caller]
fn delta(out: &Value, admissions: i64, amounts: &[(&str, &str)]) {
    let d = &out["accumulators"]["delta"];
    assert_eq!(d["admissions"].as_i64(), Some(admissions), "delta.admissions");
    let got: BTreeMap<String, i64> =
        d["amounts"].as_object().expect("delta.amounts").iter().map(|(k, v)| (k.clone(), fen_of(v))).collect();
    let want: BTreeMap<String, i64> = amounts.iter().map(|(k, v)| (k.to_string(), yuan(v))).collect();
    assert_eq!(got, want, "accumulator delta");
}

#[test]
fn demo_pack_passes_policy_check() {
    let out = yibao(&["policy", "check", PACK]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "policy check failed: {}", String::from_utf8_lossy(&out.stderr));
    // 390 上半年、390 下半年、310 全年 = 3 个险种期间；35 个目录项.
    assert!(stdout.contains("校验通过"), "{stdout}");
    assert!(stdout.contains("3 个险种期间，35 个目录项"), "{stdout}");
}

/// 居民第一次住院，二级医院（起付线 500，比例 80%）。
#[test]
fn r01_resident_first_admission_at_level_2() {
    let out = settle("r01_resident_first_admission");
    // Lines: 床位 35×7 = 245.00, 二级限价 30 → 超限价 (35−30)×7 = 35.00; 护理 16×7 = 112.00; 阑尾切除 1,350.00;
    // 全麻 980.00; 头孢呋辛 12.35×14 = 172.90 (乙类 10% = 17.29); 氯化钠 4.52×21 = 94.92; 血常规 20×3 = 60.00;
    // CT 256.45 (乙类 10% = 25.645 → 25.65); 护理垫 丙类 3.50×10 = 35.00; 输液器 2.85×14 = 39.90.
    // 245 + 112 + 1,350 + 980 + 172.90 + 94.92 + 60 + 256.45 + 35 + 39.90 = 3,346.17
    setl(&out, "medfee_sumamt", "3346.17");
    setl(&out, "fulamt_ownpay_amt", "35.00");
    setl(&out, "overlmt_selfpay", "35.00");
    // 17.29 + 25.65
    setl(&out, "preselfpay_amt", "42.94");
    // 210 + 112 + 1,350 + 980 + 155.61 + 94.92 + 60 + 230.80 + 39.90
    setl(&out, "inscp_scp_amt", "3233.23");
    // 二级, 第 1 次住院 → 500
    setl(&out, "act_pay_dedc", "500.00");
    // (3,233.23 − 500) × 80% = 2,186.584 → 2,186.58
    setl(&out, "hifp_pay", "2186.58");
    // 大病: 个人负担 3,233.23 − 2,186.58 = 1,046.65, year axis 0 → 1,046.65, below 23,500 → 0
    setl(&out, "hifmi_pay", "0.00");
    setl(&out, "maf_pay", "0.00");
    // 3,346.17 − 2,186.58
    setl(&out, "psn_part_amt", "1159.59");
    setl(&out, "acct_pay", "0.00");
    setl(&out, "psn_cash_pay", "1159.59");
    delta(&out, 1, &[("hifp.inpatient.paid", "2186.58"), ("hifmi.critical.base", "1046.65")]);
}

/// The explanation names the deductible and ratio of the basic fund.
#[test]
fn r01_explanation_shows_the_basic_fund_sentence() {
    let text = explain("r01_resident_first_admission");
    assert!(text.contains("扣除起付线"), "{text}");
    // (3,233.23 − 500) × 80% = 2,186.58
    assert!(
        text.contains("居民基本医疗保险统筹基金（住院）：政策范围内费用 3,233.23 元，扣除起付线 500.00 元后按 80% 支付：2,186.58 元。"),
        "{text}"
    );
    assert!(text.contains("明细 9「医用护理垫」35.00 元：丙类项目，全部自费。"), "{text}");
}

/// 同一年第二次住院（accumulators.admissions = 1），二级起付线减半为 250；大病累计越过 2.35 万。
#[test]
fn r02_resident_second_admission_lower_deductible() {
    let out = settle("r02_resident_second_admission");
    // Lines: 床位 30×30 = 900; 护理 16×30 = 480; 依诺肝素 38.67×30 = 1,160.10 (10% = 116.01 → 1,044.09);
    // 阿托伐他汀 3.45×30 = 103.50 (5% = 5.175 → 5.18 → 98.32); 氯化钠 4.52×60 = 271.20;
    // CT 256.45×2 = 512.90 (10% = 51.29 → 461.61); 白蛋白 365×20 = 7,300 (20% = 1,460 → 5,840; 限住院, 符合);
    // 头孢曲松 45.8×28 = 1,282.40; 血常规 20×6 = 120; 院内制剂 ZY-ZJ-0087 不在目录 1,200 全自费; 输液器 2.85×60 = 171.
    setl(&out, "medfee_sumamt", "13501.10");
    setl(&out, "fulamt_ownpay_amt", "1200.00");
    // 116.01 + 5.18 + 51.29 + 1,460
    setl(&out, "preselfpay_amt", "1632.48");
    // 900 + 480 + 1,044.09 + 98.32 + 271.20 + 461.61 + 5,840 + 1,282.40 + 120 + 171
    setl(&out, "inscp_scp_amt", "10668.62");
    // 二级第 2 次住院 → 250 (first admission would be 500)
    setl(&out, "act_pay_dedc", "250.00");
    // (10,668.62 − 250) × 80% = 8,334.896 → 8,334.90
    setl(&out, "hifp_pay", "8334.90");
    // The request's accumulators stand for a first admission at 三级 with 60,000 in range: hifp paid
    // (60,000 − 1,000) × 65% = 38,350 and left 60,000 − 38,350 = 21,650 of 个人负担 on the 大病 axis.
    // 个人负担 10,668.62 − 8,334.90 = 2,333.72; year axis 21,650.00 → 23,983.72;
    // above the 23,500 threshold: 483.72 × 60% = 290.232 → 290.23
    setl(&out, "hifmi_pay", "290.23");
    // 13,501.10 − 8,334.90 − 290.23
    setl(&out, "psn_part_amt", "4875.97");
    setl(&out, "psn_cash_pay", "4875.97");
    delta(
        &out,
        1,
        &[("hifp.inpatient.paid", "8334.90"), ("hifmi.critical.base", "2333.72"), ("hifmi.critical.paid", "290.23")],
    );
}

/// 低保对象三级住院：住院比例 65% + 5%，大病起付线减半 11,750 并按 65%，医疗救助 70%，倾斜救助 3,000 以上 60%。
#[test]
fn r03_dibao_threshold_halved_and_assistance_pays() {
    let out = settle("r03_dibao_inpatient");
    // Lines: 床位 50×2 = 100, 三级限价 45 → 超限价 10 → 90; 护理 20×14 = 280; 重症监护 700×12 = 8,400; PCI 6,800 (限三级, 符合);
    // 支架 850×3 = 2,550, 限价 800 → 超限价 150, 先行自付 (2,550 − 150) × 10% = 240 → 2,160;
    // 依诺肝素 38.67×28 = 1,082.76 (10% = 108.276 → 108.28 → 974.48); 阿托伐他汀 3.45×14 = 48.30 (5% = 2.415 → 2.42 → 45.88);
    // 白蛋白 365×60 = 21,900 (20% = 4,380 → 17,520); 头孢曲松 45.8×20 = 916; CT ×2 = 512.90 (51.29 → 461.61);
    // 血常规 20×6 = 120; 特需病房 丙类 150×3 = 450; 氯化钠 4.52×40 = 180.80; 输液器 2.85×40 = 114; 肝素钠 18.5×20 = 370.
    setl(&out, "medfee_sumamt", "43824.76");
    setl(&out, "fulamt_ownpay_amt", "450.00");
    // 10 + 150
    setl(&out, "overlmt_selfpay", "160.00");
    // 240 + 108.28 + 2.42 + 4,380 + 51.29
    setl(&out, "preselfpay_amt", "4781.99");
    // 90 + 280 + 8,400 + 6,800 + 2,160 + 974.48 + 45.88 + 17,520 + 916 + 461.61 + 120 + 180.80 + 114 + 370
    setl(&out, "inscp_scp_amt", "38432.77");
    setl(&out, "act_pay_dedc", "1000.00");
    // 三级 65% + 救助对象 5% = 70%: (38,432.77 − 1,000) × 70% = 26,202.939 → 26,202.94
    setl(&out, "hifp_pay", "26202.94");
    // 个人负担 38,432.77 − 26,202.94 = 12,229.83; 低保起付线 23,500 × 0.5 = 11,750, 比例 65%:
    // (12,229.83 − 11,750) × 65% = 479.83 × 0.65 = 311.8895 → 311.89
    // (without the identity: 65% → 24,331.30 paid, burden 14,101.47 < 23,500 → 大病 0)
    setl(&out, "hifmi_pay", "311.89");
    // 医疗救助: (12,229.83 − 311.89) = 11,917.94 × 70% = 8,342.558 → 8,342.56
    // 倾斜救助: 11,917.94 − 8,342.56 = 3,575.38; (3,575.38 − 3,000) × 60% = 345.228 → 345.23
    // maf_pay column = 8,342.56 + 345.23
    setl(&out, "maf_pay", "8687.79");
    // 26,202.94 + 311.89 + 8,687.79
    setl(&out, "fund_pay_sumamt", "35202.62");
    // 43,824.76 − 35,202.62
    setl(&out, "psn_part_amt", "8622.14");
    setl(&out, "psn_cash_pay", "8622.14");
    delta(
        &out,
        1,
        &[
            ("hifp.inpatient.paid", "26202.94"),
            ("hifmi.critical.base", "12229.83"),
            ("hifmi.critical.paid", "311.89"),
            ("maf.assist.base", "11917.94"),
            ("maf.assist.paid", "8342.56"),
            ("maf_tilt.tilt.base", "3575.38"),
            ("maf_tilt.tilt.paid", "345.23"),
        ],
    );
    let details = out["setldetail"].as_array().expect("setldetail");
    let tilt = details.iter().find(|d| d["fund_pay_type"] == "610102").expect("610102 row");
    assert_eq!(tilt["fund_pay_type_name"], "医疗救助倾斜救助资金");
    assert_eq!(fen_of(&tilt["fund_payamt"]), yuan("345.23"));
}

/// 门特血液透析，2024-06（上半年）：血液透析乙类先行自付 10%。
#[test]
fn r04_dialysis_before_july_pays_first_self_pay() {
    let out = settle("r04_dialysis_june");
    assert_eq!(out["policy"]["scheme"], "城乡居民基本医疗保险（2024 年上半年）");
    // Lines: 血液透析 400×13 = 5,200 (限价 400, 乙类 10% = 520 → 4,680); 促红素 58.6×13 = 761.80 (10% = 76.18 → 685.62);
    // 肝素钠 18.5×13 = 240.50; 血常规 20.
    setl(&out, "medfee_sumamt", "6222.30");
    // 520 + 76.18
    setl(&out, "preselfpay_amt", "596.18");
    // 4,680 + 685.62 + 240.50 + 20
    setl(&out, "inscp_scp_amt", "5626.12");
    // 门特不设起付线
    setl(&out, "act_pay_dedc", "0.00");
    // 二级门特 70%: 5,626.12 × 0.7 = 3,938.284 → 3,938.28 (透析限额 60,000 − 已用 19,691.40 = 40,308.60, not reached)
    setl(&out, "hifp_pay", "3938.28");
    // 大病: 个人负担 5,626.12 − 3,938.28 = 1,687.84; axis 8,439.20 → 10,127.04 < 23,500 → 0
    setl(&out, "hifmi_pay", "0.00");
    // 6,222.30 − 3,938.28
    setl(&out, "psn_part_amt", "2284.02");
    setl(&out, "psn_cash_pay", "2284.02");
    delta(
        &out,
        0,
        &[("hifp.mt.paid", "3938.28"), ("hifp.mt.quota.dialysis", "3938.28"), ("hifmi.critical.base", "1687.84")],
    );
}

/// Same bill in 2024-07 (下半年, 种子 004)：血液透析不再先行自付，促红素仍 10%。
#[test]
fn r05_dialysis_after_july_without_first_self_pay() {
    let out = settle("r05_dialysis_july");
    assert_eq!(out["policy"]["scheme"], "城乡居民基本医疗保险（2024 年 7 月起）");
    setl(&out, "medfee_sumamt", "6222.30");
    // 促红素 76.18 only; 血液透析 5,200 × 0% = 0
    setl(&out, "preselfpay_amt", "76.18");
    // 5,200 + 685.62 + 240.50 + 20
    setl(&out, "inscp_scp_amt", "6146.12");
    // 6,146.12 × 0.7 = 4,302.284 → 4,302.28
    setl(&out, "hifp_pay", "4302.28");
    setl(&out, "hifmi_pay", "0.00");
    // 6,222.30 − 4,302.28 = 1,920.02 (June: 2,284.02; the patient saves 520 × 70% = 364.00)
    setl(&out, "psn_part_amt", "1920.02");
    setl(&out, "psn_cash_pay", "1920.02");
    // 大病 base: 6,146.12 − 4,302.28 = 1,843.84
    delta(
        &out,
        0,
        &[("hifp.mt.paid", "4302.28"), ("hifp.mt.quota.dialysis", "4302.28"), ("hifmi.critical.base", "1843.84")],
    );
    assert_eq!(out["result"][0]["preselfpay_amt"].as_f64(), Some(0.0));
    let text = explain("r05_dialysis_july");
    assert!(text.contains("按“门特尿毒症血液透析取消先行自付10%”先行自付比例为 0%"), "{text}");
}

/// 普通门诊统筹，在签约卫生院就诊：年度起付线 100 已累计 60，本次计入 40；签约机构 60%。
#[test]
fn r06_outpatient_at_chosen_facility() {
    let out = settle("r06_outpatient_chosen_facility");
    // Lines: 一般诊疗费 10; 阿莫西林 0.45×24 = 10.80; 复方丹参滴丸 0.65×90 = 58.50 (居民 8% = 4.68 → 53.82);
    // 血常规 20; 小儿氨酚黄那敏颗粒 1.2×6 = 7.20 (限 14 岁以下, 患者 35 岁 → 全自费); 氯化钠 4.52×2 = 9.04.
    setl(&out, "medfee_sumamt", "115.54");
    setl(&out, "fulamt_ownpay_amt", "7.20");
    setl(&out, "preselfpay_amt", "4.68");
    // 10 + 10.80 + 53.82 + 20 + 9.04
    setl(&out, "inscp_scp_amt", "103.66");
    // year axis 60.00 → 163.66; deductible 100 → 100 − 60 = 40 this visit
    setl(&out, "act_pay_dedc", "40.00");
    // (163.66 − 100) × 60% = 63.66 × 0.6 = 38.196 → 38.20 (elsewhere it would be 50%)
    setl(&out, "hifp_pay", "38.20");
    // 115.54 − 38.20
    setl(&out, "psn_part_amt", "77.34");
    setl(&out, "psn_cash_pay", "77.34");
    delta(&out, 0, &[("hifp.op.base", "103.66"), ("hifp.op.paid", "38.20")]);
}

/// 建档立卡贫困人口精神分裂症住院：比例 80% + 5% 后按特殊病种改为 100%；医疗救助 70%。
#[test]
fn r07_poverty_identity_special_disease_at_100_percent() {
    let out = settle("r07_poverty_schizophrenia");
    // Lines: 床位 30×30 = 900; 护理 16×30 = 480; 利培酮 1.85×60 = 111; 奥氮平 9.87×30 = 296.10 (10% = 29.61 → 266.49);
    // 血常规 20×2 = 40; 护理垫 丙类 3.5×30 = 105; CT 256.45 (25.65 → 230.80).
    setl(&out, "medfee_sumamt", "2188.55");
    setl(&out, "fulamt_ownpay_amt", "105.00");
    // 29.61 + 25.65
    setl(&out, "preselfpay_amt", "55.26");
    // 900 + 480 + 111 + 266.49 + 40 + 230.80
    setl(&out, "inscp_scp_amt", "2028.29");
    setl(&out, "act_pay_dedc", "500.00");
    // (2,028.29 − 500) × 100% = 1,528.29
    setl(&out, "hifp_pay", "1528.29");
    // 大病: burden 500, threshold 11,750 → 0
    setl(&out, "hifmi_pay", "0.00");
    // 医疗救助 500 × 70% = 350.00; 倾斜救助 only for 11/12/13 → none
    setl(&out, "maf_pay", "350.00");
    // 2,188.55 − 1,528.29 − 350
    setl(&out, "psn_part_amt", "310.26");
    delta(
        &out,
        1,
        &[
            ("hifp.inpatient.paid", "1528.29"),
            ("hifmi.critical.base", "500.00"),
            ("maf.assist.base", "500.00"),
            ("maf.assist.paid", "350.00"),
        ],
    );
}

/// 职工退休人员三级住院，统筹基金只剩 4,000 元额度，封顶线以上由大额医疗费用补助按 90% 支付。
#[test]
fn e01_retiree_exhausts_hifp_cap_and_hifob_pays() {
    let out = settle("e01_retiree_above_cap");
    // Lines: 床位 45×10 = 450; 护理 20×10 = 200; PCI 6,800; 支架 790×2 = 1,580 (10% = 158 → 1,422);
    // 依诺肝素 38.67×20 = 773.40 (77.34 → 696.06); 阿托伐他汀 3.45×10 = 34.50 (5% = 1.725 → 1.73 → 32.77);
    // 白蛋白 365×30 = 10,950 (2,190 → 8,760); 重症监护 700×3 = 2,100; CT 256.45 (25.65 → 230.80); 血常规 20×4 = 80;
    // 复合维生素 丙类 68×2 = 136; 氯化钠 4.52×30 = 135.60.
    setl(&out, "medfee_sumamt", "23495.95");
    setl(&out, "fulamt_ownpay_amt", "136.00");
    // 158 + 77.34 + 1.73 + 2,190 + 25.65
    setl(&out, "preselfpay_amt", "2452.72");
    // 450 + 200 + 6,800 + 1,422 + 696.06 + 32.77 + 8,760 + 2,100 + 230.80 + 80 + 135.60
    setl(&out, "inscp_scp_amt", "20907.23");
    setl(&out, "act_pay_dedc", "900.00");
    // 退休三级 88%: (20,907.23 − 900) × 88% = 17,606.36, but cap 150,000 − 146,000 used = 4,000 left
    setl(&out, "hifp_pay", "4000.00");
    // cap point: 900 + 4,000 ÷ 0.88 = 900 + 4,545.4545… → 4,545.45 → 5,445.45;
    // 大额 base 20,907.23 − 5,445.45 = 15,461.78 × 90% = 13,915.602 → 13,915.60
    // (combined cap: 150,000 + 13,915.60 ≤ 500,000)
    setl(&out, "hifob_pay", "13915.60");
    setl(&out, "cvlserv_pay", "0.00");
    // 4,000 + 13,915.60
    setl(&out, "fund_pay_sumamt", "17915.60");
    // 23,495.95 − 17,915.60
    setl(&out, "psn_part_amt", "5580.35");
    setl(&out, "acct_pay", "0.00");
    setl(&out, "psn_cash_pay", "5580.35");
    delta(&out, 1, &[("hifp.inpatient.paid", "4000.00"), ("hifob.large.paid", "13915.60")]);
}

/// 公务员（1102）二级住院并使用个人账户：公务员医疗补助 50%，账户支付政策范围内个人负担和先行自付，现金支付全自费和超限价。
#[test]
fn e02_civil_servant_uses_personal_account() {
    let out = settle("e02_civil_servant_account");
    // Lines: 床位 32×10 = 320, 二级限价 30 → 超限价 20 → 300; 护理 16×10 = 160; 阑尾切除 1,350; 全麻 980;
    // 头孢呋辛 12.35×30 = 370.50 (37.05 → 333.45); 头孢曲松 45.8×20 = 916; 氯化钠 4.52×40 = 180.80;
    // CT ×2 = 512.90 (51.29 → 461.61); 血常规 20×5 = 100; 白蛋白 365×10 = 3,650 (730 → 2,920); 特需病房 丙类 150×2 = 300.
    setl(&out, "medfee_sumamt", "8840.20");
    setl(&out, "fulamt_ownpay_amt", "300.00");
    setl(&out, "overlmt_selfpay", "20.00");
    // 37.05 + 51.29 + 730
    setl(&out, "preselfpay_amt", "818.34");
    // 300 + 160 + 1,350 + 980 + 333.45 + 916 + 180.80 + 461.61 + 100 + 2,920
    setl(&out, "inscp_scp_amt", "7701.86");
    setl(&out, "act_pay_dedc", "600.00");
    // 在职 (1102 starts with "11") 二级 88%: (7,701.86 − 600) × 88% = 6,249.6368 → 6,249.64
    setl(&out, "hifp_pay", "6249.64");
    // cap not reached → 大额 0
    setl(&out, "hifob_pay", "0.00");
    // (7,701.86 − 6,249.64 − 起付线 600) × 50% = 852.22 × 0.5 = 426.11
    setl(&out, "cvlserv_pay", "426.11");
    // 8,840.20 − 6,249.64 − 426.11
    setl(&out, "psn_part_amt", "2164.45");
    // account may pay 2,164.45 − 全自费 300 − 超限价 20 = 1,844.45 ≤ balance 5,000
    setl(&out, "acct_pay", "1844.45");
    // 300 + 20
    setl(&out, "psn_cash_pay", "320.00");
    // 5,000 − 1,844.45
    setl(&out, "balc", "3155.55");
    delta(&out, 1, &[("cvlserv.subsidy.paid", "426.11"), ("hifp.inpatient.paid", "6249.64")]);
}

/// 2024 年未参保：拒绝结算，非零退出，stderr 为中文原因。
#[test]
fn x01_not_insured_is_refused() {
    let req = request("x01_not_insured");
    let out = yibao(&["settle", "--policy", PACK, "--request", &req]);
    assert!(!out.status.success(), "a person not insured in 2024 must be refused");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing on stdout for a refusal");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("结算被拒绝"), "{stderr}");
    assert!(stderr.contains("参保人 2024 年度未参加险种 390"), "{stderr}");
}
