//! Rule packs: every kind of mistake is reported with its field path, line and a Chinese reason; knowledge rows
//! load from inline tables, GBK CSV and xlsx; the shipped demo pack loads from disk; a policy's catalogue can stand in
//! for the catalogue knowledge.

mod common;

use std::path::Path;

use common::{d, line, outpatient};
use yibao_audit::screen::evaluate;
use yibao_audit::synth::{DEMO_PACK_TOML, demo_pack};
use yibao_audit::{RuleErrors, RulePack, TemplateKind};
use yibao_core::Policy;

const HEAD: &str = "[pack]\nadmdvs = \"999001\"\nname = \"测试\"\nversion = \"t\"\n";

fn errors(body: &str) -> RuleErrors {
    let text = format!("{HEAD}{body}");
    RulePack::from_toml("t.toml", &text).expect_err("pack should be refused")
}

/// (path, line, Chinese reason) of every diagnostic.
fn found(e: &RuleErrors) -> Vec<(String, Option<usize>, String)> {
    e.diagnostics.iter().map(|d| (d.path.to_string(), d.line, d.zh.clone())).collect()
}

fn one(body: &str) -> (String, Option<usize>, String) {
    let e = errors(body);
    let f = found(&e);
    assert_eq!(f.len(), 1, "{e}");
    f.into_iter().next().unwrap()
}

const SEX: &str =
    "[[rule]]\nid = \"R1\"\nname = \"限性别\"\ntemplate = \"sex_limit\"\nbegin = 2025-01-01\ntrig_scen = [6]\n";

#[test]
fn syntax_and_unknown_names_are_explained() {
    let (path, line, zh) = one("[[rule]]\nid = \"R1\"\nname = \"x\"\ntemplate = \"sex_limt\"\nbegin = 2025-01-01\n");
    assert_eq!((path.as_str(), line), ("", Some(8)), "the line of `template`");
    assert!(zh.starts_with("取值“sex_limt”不在可选范围内；可选值：sex_limit"), "{zh}");
    let (_, _, zh) = one("[[rule]]\nid = \"R1\"\nname = \"x\"\ntemplate = \"sex_limit\"\nbegin = \"2025-13-01\"\n");
    assert!(zh.contains("日期“2025-13-01”格式应为 YYYY-MM-DD"), "{zh}");
    let (_, _, zh) = one(&format!("{SEX}severity = \"1\"\n[[rule.row]]\ncode = \"A\"\ngend = \"2\"\n"));
    assert!(zh.starts_with("未知字段“severity”"), "{zh}");
}

#[test]
fn rule_level_mistakes_are_located() {
    let e = errors(&format!(
        "{SEX}end = 2024-12-31\nsev_deg = \"5\"\nevidence = \"{{gap}}天\"\n[[rule.row]]\ncode = \"A\"\ngend = \"2\"\n\
         [[rule]]\nid = \"R1\"\nname = \"重复\"\ntemplate = \"split_admission\"\nbegin = 2025-01-01\ntrig_scen = [6, 11]\n\
         [[rule]]\nid = \"R3\"\nname = \"缺知识\"\ntemplate = \"price_cap\"\nbegin = 2025-01-01\n\
         [switch.\"999002\"]\nR9 = false\n"
    ));
    let f = found(&e);
    let paths: Vec<&str> = f.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(
        paths,
        [
            "rule[0].end",
            "rule[0].sev_deg",
            "rule[0].evidence",
            "rule[1].id",
            "rule[1].trig_scen",
            "rule[1].trig_scen[1]",
            "rule[2].knowledge",
            "switch.999002.R9",
        ],
        "{e}"
    );
    let zh: Vec<&str> = f.iter().map(|x| x.2.as_str()).collect();
    assert_eq!(zh[0], "失效日期 2024-12-31 早于生效日期 2025-01-01");
    assert!(zh[1].starts_with("“5”不是字典 sev_deg 中的代码（可用：1 明确违规，2 可疑）"), "{}", zh[1]);
    assert!(zh[2].starts_with("违规内容模板中的占位符“{gap}”不适用于本模板"), "{}", zh[2]);
    assert_eq!(zh[3], "规则ID“R1”与第 1 条规则重复");
    assert!(zh[4].contains("事后审核模板") && zh[5].contains("应为 1–10"));
    assert!(zh[6].starts_with("本规则需要限价表"), "{}", zh[6]);
    assert_eq!(zh[7], "规则库中没有规则ID为“R9”的规则");
    assert!(f.iter().all(|x| x.1.is_some()), "every diagnostic has a line: {e}");
    let shown = e.to_string();
    assert!(shown.starts_with("规则库 t.toml 有 8 处错误"), "{shown}");
    assert!(shown.contains("t.toml:11:7: 字段 rule[0].end: 失效日期"), "{shown}");
}

#[test]
fn parameter_mistakes_are_located() {
    let base = "[[rule]]\nid = \"B1\"\nname = \"分解住院\"\ntemplate = \"split_admission\"\nbegin = 2025-01-01\n";
    let (path, _, zh) = one(&format!("{base}[rule.params]\nreadmit_days = 0\n"));
    assert_eq!((path.as_str(), zh.as_str()), ("rule[0].params.readmit_days", "再入院天数必须大于 0"));
    let (path, line, zh) = one(&format!("{base}[rule.params]\nreadmit = 15\n"));
    assert_eq!((path.as_str(), line), ("rule[0].params", Some(10)));
    assert!(zh.starts_with("未知字段“readmit”（拼写错误？）；可用字段：") && zh.contains("readmit_days"), "{zh}");
    let (_, _, zh) = one(&format!("{base}[rule.params]\nrelated = \"icd4\"\n"));
    assert!(zh.contains("取值“icd4”不在可选范围内"), "{zh}");
    let night = "[[rule]]\nid = \"B7\"\nname = \"夜间\"\ntemplate = \"night_swipes\"\nbegin = 2025-01-01\n";
    let (path, _, zh) = one(&format!("{night}[rule.params]\nnight_start = \"25:00\"\n"));
    assert_eq!((path.as_str(), zh.as_str()), ("rule[0].params.night_start", "“25:00”不是时刻：应写成 HH:MM，如 22:00"));
    let peers = "[[rule]]\nid = \"B10\"\nname = \"命中率\"\ntemplate = \"peer_hit_rate\"\nbegin = 2025-01-01\n";
    let (path, _, zh) = one(&format!("{peers}[rule.params]\nrules = [\"B10\", \"B99\"]\n"));
    assert_eq!((path.as_str(), zh.as_str()), ("rule[0].params.rules[1]", "规则库中没有规则ID为“B99”的规则"));
    let bed = "[[rule]]\nid = \"B2\"\nname = \"挂床\"\ntemplate = \"bed_holding\"\nbegin = 2025-01-01\n";
    let (path, _, zh) = one(&format!("{bed}[rule.params]\nidle_classes = [\"01\", \"99\"]\n"));
    assert_eq!(
        (path.as_str(), zh.as_str()),
        ("rule[0].params.idle_classes[1]", "“99”不是字典 med_chrgitm_type 中的代码")
    );
}

#[test]
fn inline_row_mistakes_point_at_the_row_and_column() {
    let e = errors(&format!(
        "{SEX}[[rule.row]]\ncode = \"A\"\ngend = \"2\"\n[[rule.row]]\ncode = \"B\"\ngend = \"3\"\n[[rule.row]]\ngend = \"1\"\n\
         [[rule.row]]\ncode = \"A\"\ngend = \"1\"\n"
    ));
    let f = found(&e);
    assert_eq!(f[0].0, "rule[0].row[1].gend");
    assert!(f[0].2.starts_with("“3”不是字典 gend 中的代码"), "{}", f[0].2);
    assert_eq!((f[1].0.as_str(), f[1].2.as_str()), ("rule[0].row[2].code", "“项目编码”不能为空"));
    assert_eq!((f[2].0.as_str(), f[2].2.as_str()), ("rule[0].row[3].code", "项目编码“A”重复：第 1 行已有"));
    assert_eq!(f[0].1, Some(16), "the line of the bad value");
}

fn with_file(body: &str, name: &'static str, bytes: Vec<u8>) -> Result<RulePack, RuleErrors> {
    let text = format!("{HEAD}{body}");
    RulePack::from_toml_with("t.toml", &text, &move |n| {
        if n == name {
            Ok(bytes.clone())
        } else {
            Err(std::io::Error::new(std::io::ErrorKind::NotFound, "没有这个文件"))
        }
    })
}

#[test]
fn knowledge_files_in_gbk_csv_and_xlsx() {
    let body = format!("{SEX}knowledge = \"sex.csv\"\n");
    let (gbk, _, _) = encoding_rs::GBK.encode("医保目录编码,项目名称,限定性别\nS0331,宫颈细胞学检查,2\n");
    let pack = with_file(&body, "sex.csv", gbk.into_owned()).unwrap();
    let man = outpatient(vec![line("1", "S0331", "04", "120", "1", "2025-03-10")]);
    assert_eq!(evaluate(&pack, &man, 6, d("2025-03-10")).len(), 1);

    let (bad, _, _) =
        encoding_rs::GBK.encode("医保目录编码,项目名称,限定性别\nS0331,宫颈细胞学检查,2\nS0330,前列腺特异性抗原,男\n");
    let e = with_file(&body, "sex.csv", bad.into_owned()).unwrap_err();
    assert_eq!(e.diagnostics[0].path.to_string(), "rule[0].knowledge");
    assert!(
        e.diagnostics[0].zh.starts_with("知识库文件 sex.csv 第 3 行「限定性别」列：“男”不是字典 gend 中的代码"),
        "{e}"
    );

    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["项目编码", "限定性别"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "S0331").unwrap();
    ws.write_number(1, 1, 2.0).unwrap();
    let body = format!("{SEX}knowledge = \"sex.xlsx\"\n");
    let pack = with_file(&body, "sex.xlsx", wb.save_to_buffer().unwrap()).unwrap();
    assert_eq!(evaluate(&pack, &man, 6, d("2025-03-10")).len(), 1, "2.0 in a number cell reads as code 2");

    let e = with_file(&format!("{SEX}knowledge = \"none.csv\"\n"), "sex.csv", Vec::new()).unwrap_err();
    assert!(e.diagnostics[0].zh.starts_with("无法读取知识库文件 none.csv"), "{e}");
}

#[test]
fn the_demo_pack_loads_from_disk_like_from_memory() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo_rules.toml");
    let disk = RulePack::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let mem = demo_pack();
    assert_eq!(disk.rules().len(), mem.rules().len());
    assert_eq!(disk.rules().len(), 24);
    let templates: std::collections::BTreeSet<TemplateKind> = disk.rules().iter().map(|r| r.template()).collect();
    assert_eq!(templates.len(), TemplateKind::ALL.len(), "the demo pack uses every template");
    assert!(DEMO_PACK_TOML.contains("[pack]"));
}

#[test]
fn a_policy_catalogue_stands_in_for_the_catalogue_file() {
    let policy = Policy::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packs/demo-county.toml")).unwrap();
    let item = policy.catalogue.iter().find(|i| i.lv == yibao_core::catalogue::Lv::C).expect("a 丙类 item").clone();
    let capped = policy.catalogue.iter().find(|i| !i.price_cap.is_empty()).expect("an item with a cap").clone();
    let text = format!(
        "{HEAD}[[rule]]\nid = \"C1\"\nname = \"目录外\"\ntemplate = \"not_covered\"\nbegin = 2024-01-01\ntrig_scen = [6]\n\
         [rule.params]\nfrom_catalogue = true\n\
         [[rule]]\nid = \"C2\"\nname = \"限价\"\ntemplate = \"price_cap\"\nbegin = 2024-01-01\ntrig_scen = [6]\n\
         [rule.params]\nfrom_catalogue = true\n"
    );
    let mut pack = RulePack::from_toml("t.toml", &text).unwrap();
    let e = outpatient(vec![line("1", &item.code, "14", "10", "1", "2025-03-10")]);
    assert!(evaluate(&pack, &e, 6, d("2025-03-10")).is_empty(), "no catalogue attached yet: quiet");
    pack.attach_catalogue(&policy.catalogue);
    assert_eq!(evaluate(&pack, &e, 6, d("2025-03-10"))[0].rule.id, "C1");
    let (lv, cap) = capped.price_cap[0].clone();
    let over = format!("{}", yibao_core::Price(cap.0 + 1_000_000));
    let mut e = outpatient(vec![line("1", &capped.code, "03", &over, "1", "2025-03-10")]);
    e.visit.medins_lv = if lv == "*" { None } else { Some(Box::leak(lv.into_boxed_str())) };
    let f = evaluate(&pack, &e, 6, d("2025-03-10"));
    assert_eq!(f.iter().map(|f| f.rule.id.as_str()).collect::<Vec<_>>(), ["C2"]);
    assert_eq!(f[0].amount, yibao_core::Fen(100), "one yuan above the cap");
}

#[test]
fn on_settle_is_read_per_region_and_a_bad_mode_or_key_is_located() {
    let rows = "row = [{ code = \"X1\", gend = \"2\" }]\n";
    let ok = format!("{HEAD}[on_settle]\ndefault = \"flag\"\n\"999002\" = \"refuse\"\n{SEX}{rows}");
    let p = RulePack::from_toml("t.toml", &ok).unwrap_or_else(|e| panic!("{e}"));
    use yibao_audit::rules::OnSettle;
    assert_eq!(p.on_settle.for_region("999001"), OnSettle::Flag);
    assert_eq!(p.on_settle.for_region("999002"), OnSettle::Refuse);
    let none = RulePack::from_toml("t.toml", &format!("{HEAD}{SEX}{rows}")).unwrap();
    assert_eq!(none.on_settle.for_region("999001"), OnSettle::Off, "off when the table is absent");

    let (path, line, zh) = one(&format!("[on_settle]\ndefault = \"flag\"\n\"999002\" = \"block\"\n{SEX}{rows}"));
    assert_eq!((path.as_str(), line), ("on_settle.999002", Some(7)));
    assert!(zh.contains("“999002”的取值 \"block\" 无效") && zh.contains("refuse"), "{zh}");
    let (path, line, zh) = one(&format!("[on_settle]\nabc = \"off\"\n{SEX}{rows}"));
    assert_eq!((path.as_str(), line), ("on_settle.abc", Some(6)));
    assert!(zh.contains("键“abc”无效"), "{zh}");
    let (_, line, zh) = one(&format!("[on_settle]\ndefault = 1\n{SEX}{rows}"));
    assert_eq!(line, Some(6));
    assert!(zh.contains("取值 1 无效"), "{zh}");
}
