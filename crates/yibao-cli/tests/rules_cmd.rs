//! `yibao rules check|install`: a good pack passes, a bad one is refused with file, line, field and a Chinese
//! reason and stores nothing, a second install of the same version is refused.

use std::path::PathBuf;

mod common;
use common::{repo, text, yibao};

/// A scratch folder with a copy of the demo pack and its knowledge files, the pack text changed by `edit`.
fn scratch(tag: &str, edit: impl Fn(&str) -> String) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("yibao-rules-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let src = repo().join("crates/yibao-audit/data");
    std::fs::create_dir_all(dir.join("knowledge")).unwrap();
    for f in std::fs::read_dir(src.join("knowledge")).unwrap() {
        let p = f.unwrap().path();
        std::fs::copy(&p, dir.join("knowledge").join(p.file_name().unwrap())).unwrap();
    }
    let pack = std::fs::read_to_string(src.join("demo_rules.toml")).unwrap();
    std::fs::write(dir.join("rules.toml"), edit(&pack)).unwrap();
    dir
}

#[test]
fn check_passes_the_demo_pack_and_locates_mistakes() {
    let good = scratch("good", |t| t.to_string());
    let o = yibao(&["rules", "check", good.join("rules.toml").to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("校验通过") && text(&o).contains("版本 2026.1"), "{}", text(&o));

    let bad = scratch("bad", |t| {
        t.replacen("[dict.insutype]", "[on_settle]\ndefault = \"block\"\n\n[dict.insutype]", 1)
            .replace("knowledge/sex_limit.csv", "knowledge/no_such.csv")
    });
    let o = yibao(&["rules", "check", bad.join("rules.toml").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let e = text(&o);
    assert!(e.contains("有 2 处错误"), "{e}");
    assert!(e.contains("rules.toml:19:11: 字段 on_settle.default: [on_settle] “default”的取值 \"block\" 无效"), "{e}");
    assert!(e.contains("无法读取知识库文件 knowledge/no_such.csv"), "{e}");
}

#[test]
fn install_stores_a_version_once_and_nothing_on_error() {
    let data = std::env::temp_dir().join(format!("yibao-rules-cli-data-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let data = data.to_str().unwrap().to_string();
    let bad = scratch("inst-bad", |t| t.replacen("template = \"sex_limit\"", "template = \"sex_limt\"", 1));
    let o = yibao(&["rules", "install", "--data", &data, "--version", "v1", bad.join("rules.toml").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("取值“sex_limt”不在可选范围内") && text(&o).contains("未安装任何内容"), "{}", text(&o));

    let good = scratch("inst-good", |t| t.to_string());
    let file = good.join("rules.toml");
    let o =
        yibao(&["rules", "install", "--data", &data, "--version", "v1", "--by", "审计员甲", file.to_str().unwrap()]);
    assert!(o.status.success(), "the refused install stored nothing: {}", text(&o));
    assert!(text(&o).contains("统筹区 999001 版本 v1") && text(&o).contains("审计员甲"), "{}", text(&o));
    let o = yibao(&["rules", "install", "--data", &data, "--version", "v1", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("统筹区 999001 的规则库版本 v1 已存在"), "{}", text(&o));
    let o = yibao(&["rules", "install", "--data", &data, "--effective", "2026-13-01", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("生效日期“2026-13-01”无效"), "{}", text(&o));
}
