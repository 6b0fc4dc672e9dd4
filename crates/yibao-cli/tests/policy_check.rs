//! `yibao policy check` accepts the shipped packs and rejects broken ones with file, line, field and a reason.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn check(rel: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yibao")).args(["policy", "check"]).arg(repo().join(rel)).output().unwrap()
}

fn stderr_of(rel: &str) -> String {
    let out = check(rel);
    assert_eq!(out.status.code(), Some(1), "{rel} should be refused");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn shipped_packs_pass() {
    for f in std::fs::read_dir(repo().join("packs/fixtures")).unwrap() {
        let p = f.unwrap().path();
        let out = Command::new(env!("CARGO_BIN_EXE_yibao")).args(["policy", "check"]).arg(&p).output().unwrap();
        assert!(out.status.success(), "{}: {}", p.display(), String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("校验通过"));
    }
}

#[test]
fn overlapping_bands_and_cap_below_deductible() {
    let e = stderr_of("tests/fixtures/broken/overlapping_bands.toml");
    assert!(e.contains("有 2 处错误"), "{e}");
    assert!(e.contains("overlapping_bands.toml:24:16: 字段 scheme[0].layer[0].benefit[0].ratio[0].bands[1].from: 分段重叠：上一段止于 30,000.00 元，本段从 25,000.00 元开始"), "{e}");
    assert!(
        e.contains(
            "overlapping_bands.toml:26:11: 字段 scheme[0].layer[0].benefit[0].cap: 封顶线 300.00 元低于起付线 500.00 元"
        ),
        "{e}"
    );
}

#[test]
fn unknown_code_and_gap_between_periods() {
    let e = stderr_of("tests/fixtures/broken/codes_and_gap.toml");
    assert!(
        e.contains(
            "codes_and_gap.toml:22:33: 字段 scheme[0].layer[0].benefit[0].when.med_types[1]: 未知的医疗类别代码“27”"
        ),
        "{e}"
    );
    assert!(e.contains("codes_and_gap.toml:28:8: 字段 scheme[1].from: 险种 390 的政策期间有空档：第 1 个期间至 2024-06-30 止，本期间 2024-07-15 起"), "{e}");
}

#[test]
fn ratio_above_one_and_misspelt_field() {
    let e = stderr_of("tests/fixtures/broken/ratio_above_one.toml");
    assert!(e.contains("ratio_above_one.toml:20:39: “85” 比例必须在 0 到 1 之间，如 0.85 或 \"85%\""), "{e}");
    let e = stderr_of("tests/fixtures/broken/typo_field.toml");
    assert!(e.contains("typo_field.toml:20:5: 未知字段“deductable”（拼写错误？）"), "{e}");
    assert!(e.contains("deductible"), "the message lists the valid field names: {e}");
}

#[test]
fn missing_file_is_reported() {
    let out = check("packs/no-such-pack.toml");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("无法读取文件"));
}
