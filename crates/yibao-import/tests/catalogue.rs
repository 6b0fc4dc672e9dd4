//! Catalogue versions (医保目录) into a real store, on SQLite and on a fresh PostgreSQL database: CSV in UTF-8 and
//! GBK and xlsx with typed cells, per-scheme 先行自付比例 and per-level 限价 columns, restrictions in words, a broken
//! file that imports nothing, `skip_bad`, re-import, versions by start day, and the region's own dictionaries.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use rust_xlsxwriter::{Format, Workbook};
use yibao_core::policy::CatalogueItemDef;
use yibao_core::{Price, Ratio};
use yibao_import::{CatalogueTarget, ImportError, Kind, Report, import, import_catalogue};
use yibao_store::{Op, Store};

fn target(admdvs: &str, version: &str, from: Option<&str>) -> CatalogueTarget {
    CatalogueTarget {
        admdvs: admdvs.to_string(),
        version: version.to_string(),
        from: from.map(|f| f.parse().expect("ISO date")),
    }
}

async fn run_cat(store: &Store, path: &Path, t: &CatalogueTarget, skip_bad: bool) -> Report {
    import_catalogue(store, path, t, skip_bad).await.unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn items(store: &Store, admdvs: &str, version: &str) -> BTreeMap<String, CatalogueItemDef> {
    store.catalogue_items(admdvs, version).await.unwrap().into_iter().map(|d| (d.code.clone(), d)).collect()
}

fn keyed<T: Copy>(pairs: &[(&str, T)]) -> BTreeMap<String, T> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn catalogue_epoch(epochs: &[(String, i64)]) -> i64 {
    epochs.iter().find(|(n, _)| n == "catalogue").map(|(_, v)| *v).expect("catalogue epoch row")
}

#[tokio::test]
async fn sqlite_catalogue() {
    on_sqlite("catalogue", scenario).await;
}

#[tokio::test]
async fn postgres_catalogue() {
    on_postgres("yibao_icat", scenario).await;
}

async fn scenario(store: &Store, dir: &Path) {
    utf8_with_columns_per_scheme_and_level(store).await;
    gbk_with_a_percent_column(store, dir).await;
    xlsx_typed_cells(store, dir).await;
    broken_file_imports_nothing(store).await;
    versions_by_start_day(store, dir).await;
    codes_of_the_regions_pack(store, dir).await;
}

async fn utf8_with_columns_per_scheme_and_level(store: &Store) {
    let file = fixture("catalogue_utf8.csv");
    let t = target("999002", "2026.1", Some("2026-01-01"));
    let before = catalogue_epoch(&store.epochs().await.unwrap());
    let r = run_cat(store, &file, &t, false).await;
    assert_eq!((r.rows, r.imported, r.unchanged), (5, 5, 0), "{r:?}");
    assert!(r.bad.is_empty(), "{r:?}");
    assert!(r.warnings.contains(&"未识别的列“备注”已忽略".to_string()), "{r:?}");
    assert!(r.warnings.iter().any(|w| w.contains("尚无统筹区 999002 的政策包，代码按国家字典校验")), "{r:?}");
    assert_eq!(catalogue_epoch(&store.epochs().await.unwrap()), before + 1, "gateways are told once per import");

    let v = store.latest_catalogue("999002").await.unwrap().expect("version stored");
    assert_eq!(
        (v.version.as_str(), v.begndate.as_str(), v.source.as_str()),
        ("2026.1", "2026-01-01", "catalogue_utf8.csv")
    );
    let it = items(store, "999002", "2026.1").await;
    assert_eq!(it.len(), 5);
    let amox = &it["XJ01CAA040E001010101446"];
    assert_eq!((amox.lv.as_str(), amox.category.as_deref()), ("02", Some("09")));
    assert_eq!(amox.selfpay_prop, keyed(&[("310", Ratio(500)), ("390", Ratio(1500))]));
    let inj = &it["XT0000000000000000001"];
    assert_eq!(inj.price_cap, keyed(&[("1", Price(20_000_000)), ("2", Price(30_000_000)), ("3", Price(45_500_000))]));
    assert!(inj.selfpay_prop.is_empty());
    assert_eq!(it["XT0000000000000000002"].lv, "03");
    let child = &it["XT0000000000000000003"];
    assert_eq!((child.age_min, child.age_max, child.category.as_deref()), (None, Some(17), Some("11")));
    let psa = &it["XT0000000000000000004"];
    assert_eq!((psa.sex.as_deref(), psa.min_hosp_lv.as_deref()), (Some("1"), Some("2")));
    assert_eq!(psa.med_types.as_deref().unwrap(), ["21", "22", "23", "24", "52", "92"]);
    assert!(psa.selfpay_prop.is_empty(), "甲类 with 0 keeps no 先行自付");

    // The same file again: unchanged, not written, no second audit record; the epoch stays.
    let again = run_cat(store, &file, &t, false).await;
    assert_eq!((again.imported, again.unchanged), (0, 5), "{again:?}");
    assert_eq!(catalogue_epoch(&store.epochs().await.unwrap()), before + 1);
    let audit = store.audit_for("catalogue", "catalogue_utf8.csv").await.unwrap();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!((audit[0].actor.as_str(), audit[0].action.as_str()), ("import", "导入"));
    let detail: serde_json::Value = serde_json::from_str(&audit[0].detail).unwrap();
    assert_eq!((detail["admdvs"].as_str(), detail["version"].as_str()), (Some("999002"), Some("2026.1")), "{detail}");
    assert_eq!((detail["from"].as_str(), detail["imported"].as_u64()), (Some("2026-01-01"), Some(5)), "{detail}");

    // A catalogue needs its region and version; the plain import refuses it.
    assert!(matches!(import(store, Kind::Catalogue, &file, false).await, Err(ImportError::CatalogueTarget(_))));
    let e = import_catalogue(store, &file, &target("99900", "2026.1", None), false).await.unwrap_err();
    assert!(e.to_string().contains("应为6位数字"), "{e}");
    let e = import_catalogue(store, &file, &target("999002", "2026 1", None), false).await.unwrap_err();
    assert!(e.to_string().contains("不含空格的版本号"), "{e}");
}

/// GBK, other header names, one ratio column in percents without the sign, one price cap for every level, a
/// category that lost its leading zero, and a 丙类 item written with 100%.
async fn gbk_with_a_percent_column(store: &Store, dir: &Path) {
    let text = "医保编码,项目名称,甲乙类,收费类别,先行自付比例(%),最高限价（元）,最小年龄,最大年龄\n\
                XG001,血液透析,乙,治疗费,10,400,,\n\
                XG002,老年测试药,乙类,9,5,\"1,234.5\",60,\n\
                XG003,测试丙类,03,9,100,,,\n";
    let file = dir.join("catalogue_gbk.csv");
    std::fs::write(&file, encoding_rs::GBK.encode(text).0).unwrap();
    let r = run_cat(store, &file, &target("999004", "2026.1", None), false).await;
    assert_eq!((r.rows, r.imported), (3, 3), "{r:?}");
    assert!(r.warnings.iter().any(|w| w.contains("GBK")), "{r:?}");
    let v = store.catalogue_version("999004", "2026.1").await.unwrap().unwrap();
    assert_eq!(v.begndate, chrono::Local::now().format("%Y-%m-%d").to_string(), "in force from today by default");
    let it = items(store, "999004", "2026.1").await;
    assert_eq!(it["XG001"].selfpay_prop, keyed(&[("*", Ratio(1000))]));
    assert_eq!(
        (it["XG001"].category.as_deref(), it["XG001"].price_cap.clone()),
        (Some("05"), keyed(&[("*", Price(400_000_000))]))
    );
    assert_eq!((it["XG002"].category.as_deref(), it["XG002"].age_min), (Some("09"), Some(60)));
    assert_eq!(it["XG002"].price_cap, keyed(&[("*", Price(1_234_500_000))]));
    assert!(it["XG003"].selfpay_prop.is_empty(), "丙类 at 100% keeps no ratio");
}

/// A workbook: the kind's sheet after another one, a title row, numbers for class, category, ratios (one with a
/// percent format) and prices, and a code Excel stored as a number.
async fn xlsx_typed_cells(store: &Store, dir: &Path) {
    let path = dir.join("catalogue.xlsx");
    let mut wb = Workbook::new();
    wb.add_worksheet().set_name("说明").unwrap().write_string(0, 0, "编码列请设为文本").unwrap();
    let ws = wb.add_worksheet();
    ws.set_name("医保目录").unwrap();
    ws.write_string(0, 0, "2026 年医保目录（示例）").unwrap();
    let headers = [
        "医保目录编码",
        "名称",
        "收费项目等级",
        "医疗收费项目类别",
        "先行自付比例",
        "最高限价",
        "限定性别",
        "最小年龄",
        "最大年龄",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    let percent = Format::new().set_num_format("0%");
    ws.write_string(2, 0, "XX001").unwrap();
    ws.write_string(2, 1, "孕期测试药").unwrap();
    ws.write_number(2, 2, 2).unwrap();
    ws.write_number(2, 3, 9).unwrap();
    ws.write_number_with_format(2, 4, 0.05, &percent).unwrap();
    ws.write_number(2, 5, 1234.57).unwrap();
    ws.write_string(2, 6, "女").unwrap();
    ws.write_number(2, 7, 18).unwrap();
    ws.write_number(2, 8, 50).unwrap();
    ws.write_string(3, 0, "XX002").unwrap();
    ws.write_string(3, 1, "便宜的药").unwrap();
    ws.write_number(3, 2, 1).unwrap();
    ws.write_number(3, 5, 0.1).unwrap();
    ws.write_number(4, 0, 1e16).unwrap();
    ws.write_string(4, 1, "编码成了数字").unwrap();
    ws.write_number(4, 2, 2).unwrap();
    ws.write_number(4, 4, 1.5).unwrap();
    wb.save(&path).unwrap();

    let t = target("999002", "2026.2", Some("2026-07-01"));
    let r = run_cat(store, &path, &t, false).await;
    assert_eq!((r.rows, r.imported, rows_of(&r)), (3, 0, vec![5]), "{r:?}");
    assert!(r.bad[0].reason.contains("医保目录编码在表格中被存为数字"), "{}", r.bad[0].reason);
    assert!(r.bad[0].reason.contains("先行自付比例“1.5”超出 0–100% 的范围"), "{}", r.bad[0].reason);
    assert!(r.warnings.iter().any(|w| w.contains("表头在第 2 行")), "{r:?}");
    assert!(store.catalogue_version("999002", "2026.2").await.unwrap().is_none(), "nothing written");
    let r = run_cat(store, &path, &t, true).await;
    assert_eq!((r.imported, rows_of(&r)), (2, vec![5]), "{r:?}");
    let it = items(store, "999002", "2026.2").await;
    let x = &it["XX001"];
    assert_eq!((x.lv.as_str(), x.category.as_deref(), x.sex.as_deref()), ("02", Some("09"), Some("2")));
    assert_eq!(
        (x.selfpay_prop.clone(), x.price_cap.clone()),
        (keyed(&[("*", Ratio(500))]), keyed(&[("*", Price(1_234_570_000))]))
    );
    assert_eq!((x.age_min, x.age_max), (Some(18), Some(50)));
    assert_eq!(it["XX002"].price_cap, keyed(&[("*", Price(100_000))]), "0.1 yuan exactly");
    assert_eq!(store.latest_catalogue("999002").await.unwrap().unwrap().version, "2026.2", "it starts later");
}

async fn broken_file_imports_nothing(store: &Store) {
    let file = fixture("catalogue_bad.csv");
    let t = target("999002", "2026.9", Some("2026-09-01"));
    let r = run_cat(store, &file, &t, false).await;
    assert_eq!((r.rows, r.imported), (13, 0), "{r:?}");
    assert_eq!(rows_of(&r), vec![3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14], "{r:?}");
    let expect = [
        "收费项目等级“丁类”无效，应为 甲类、乙类、丙类",
        "职工先行自付比例“120%”超出 0–100% 的范围",
        "一级限价“-5”不能为负数",
        "医保目录编码 XB001 与第 2 行重复",
        "丙类项目全部自费，不应填写职工先行自付比例（文件中为 10%）",
        "乙类项目的居民先行自付比例为空（不需先行自付时填 0）",
        "最小年龄 6 大于最大年龄 3",
        "限定性别“男女”无效",
        "甲类项目全部纳入政策范围，职工先行自付比例应为空或 0（文件中为 10%）",
        "医疗收费项目类别“99”不是有效的代码",
        "限就医类别“体检”不是有效的医疗类别",
    ];
    for (bad, why) in r.bad.iter().zip(expect) {
        assert!(bad.reason.contains(why), "row {}: {} (expected {why})", bad.row, bad.reason);
    }
    assert!(store.catalogue_version("999002", "2026.9").await.unwrap().is_none(), "not even the version");

    let r = run_cat(store, &file, &t, true).await;
    assert_eq!((r.imported, r.bad.len()), (2, 11), "{r:?}");
    let it = items(store, "999002", "2026.9").await;
    assert_eq!(it.keys().collect::<Vec<_>>(), ["XB001", "XB010"]);
    assert_eq!(it["XB001"].name, "好的甲类药", "the first of the duplicated rows is the one imported");
    assert_eq!(it["XB010"].price_cap, keyed(&[("2", Price(20_000_000))]));
}

/// Versions by start day; a stored version is only added to, never changed.
async fn versions_by_start_day(store: &Store, dir: &Path) {
    let head = "医保目录编码,名称,收费项目等级,先行自付比例\n";
    let write = |name: &str, rows: &str| {
        let f = dir.join(name);
        std::fs::write(&f, format!("{head}{rows}")).unwrap();
        f
    };
    let v1 = write("v1.csv", "A001,甲药,甲,\nA002,乙药,乙,10%\n");
    let v2 = write("v2.csv", "A001,甲药,乙,5%\n");
    assert_eq!(run_cat(store, &v1, &target("999005", "2025.1", Some("2025-01-01")), false).await.imported, 2);
    assert_eq!(run_cat(store, &v2, &target("999005", "2099.1", Some("2099-01-01")), false).await.imported, 1);
    let versions: Vec<String> =
        store.catalogue_versions("999005").await.unwrap().into_iter().map(|v| v.version).collect();
    assert_eq!(versions, ["2025.1", "2099.1"]);
    assert_eq!(store.latest_catalogue("999005").await.unwrap().unwrap().version, "2099.1");
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    assert_eq!(store.catalogue_in_force("999005", &today).await.unwrap().unwrap().version, "2025.1");
    assert_eq!(store.catalogue_in_force("999005", "2099-01-01").await.unwrap().unwrap().version, "2099.1");
    assert!(store.catalogue_in_force("999005", "2024-12-31").await.unwrap().is_none());

    let e = import_catalogue(store, &v1, &target("999005", "2025.1", Some("2025-02-01")), false).await.unwrap_err();
    assert!(e.to_string().contains("已存在，自 2025-01-01 起执行，与 --from 2025-02-01 不同"), "{e}");
    let changed = write("v1_changed.csv", "A001,甲药,甲,\nA002,乙药,乙,20%\nA003,新药,甲,\n");
    let r = run_cat(store, &changed, &target("999005", "2025.1", None), false).await;
    assert_eq!((r.imported, r.unchanged, rows_of(&r)), (0, 1, vec![3]), "{r:?}");
    assert!(
        r.bad[0].reason.contains("A002 在统筹区 999005 的目录版本 2025.1 中已存在，且内容与文件不同"),
        "{}",
        r.bad[0].reason
    );
    let r = run_cat(store, &changed, &target("999005", "2025.1", None), true).await;
    assert_eq!((r.imported, r.unchanged), (1, 1), "{r:?}");
    assert!(r.warnings.iter().any(|w| w.contains("目录版本 2025.1 已存在，本次在其中新增 1 项")), "{r:?}");
    let it = items(store, "999005", "2025.1").await;
    assert_eq!((it.len(), it["A002"].selfpay_prop.clone()), (3, keyed(&[("*", Ratio(1000))])));
}

/// Codes are checked against the region's newest policy pack: its dictionary extensions count.
async fn codes_of_the_regions_pack(store: &Store, dir: &Path) {
    let pack = r#"
[region]
admdvs = "999003"
name = "扩展县"
version = "2026.1"

[dict.med_type]
"9901" = "重大疾病门诊"

[[scheme]]
insutype = "390"
name = "城乡居民"
from = 2026-01-01

  [[scheme.layer]]
  id = "hifp"
  name = "统筹基金"
  fund_pay_type = "390100"
    [[scheme.layer.benefit]]
    id = "b"
    name = "门诊"
    ratio = [{ ratio = 0.50 }]
"#;
    let op = Op::InsertPolicyVersion { admdvs: "999003".into(), version: "2026.1".into(), pack: pack.into() };
    store.commit(vec![op]).await.unwrap();
    let file = dir.join("local_med_type.csv");
    std::fs::write(&file, "医保目录编码,名称,收费项目等级,限就医类别\nL001,重大疾病用药,甲,重大疾病门诊\n").unwrap();
    let r = run_cat(store, &file, &target("999003", "2026.1", None), false).await;
    assert_eq!(r.imported, 1, "{r:?}");
    assert!(r.warnings.iter().any(|w| w.contains("政策包 2026.1 的字典")), "{r:?}");
    assert_eq!(items(store, "999003", "2026.1").await["L001"].med_types.as_deref().unwrap(), ["9901"]);
    let r = run_cat(store, &file, &target("999006", "2026.1", None), false).await;
    assert_eq!((r.imported, rows_of(&r)), (0, vec![2]), "{r:?}");
    assert!(r.bad[0].reason.contains("“重大疾病门诊”不是有效的医疗类别"), "{}", r.bad[0].reason);
}
