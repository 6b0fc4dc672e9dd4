//! Round trips of exchange files into a real store: SQLite in a temporary directory, and a fresh PostgreSQL database
//! (YIBAO_TEST_PG names the admin URL; default postgres://postgres@127.0.0.1:5432/test).
//!
//! The CSV fixtures are in tests/fixtures (fictional people of the fictional area 999002); the xlsx files are written
//! here with rust_xlsxwriter.

mod common;

use std::path::Path;

use common::*;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use yibao_import::{ImportError, Kind, import};
use yibao_store::Store;

#[tokio::test]
async fn sqlite_round_trips() {
    on_sqlite("sqlite", scenario).await;
}

/// More rows than one commit job holds: every chunk lands, with one audit record for the file.
#[tokio::test]
async fn sqlite_large_file_in_chunks() {
    let dir = temp_dir("large");
    let store = Store::open(&dir.join("data").display().to_string()).await.expect("store opens");
    let n = yibao_import::CHUNK_ROWS * 2 + 345;
    let mut csv = String::from("psn_no,certno,psn_name,gend,brdy,naty,admdvs\n");
    for i in 0..n {
        let birth = chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + chrono::Days::new((i / 500) as u64);
        let seq = (i % 500) as u32 * 2 + 1;
        let b = birth.format("%Y%m%d").to_string();
        csv.push_str(&format!("9990029{i:07},{},测试{i},1,{},01,999002\n", id_number(&b, seq), birth));
    }
    let file = dir.join("people_large.csv");
    std::fs::write(&file, csv).unwrap();
    let r = run(&store, Kind::People, &file, false).await;
    assert_eq!((r.rows, r.imported), (n, n), "{:?}", &r.bad[..r.bad.len().min(5)]);
    assert!(store.person(&format!("9990029{:07}", n - 1)).await.unwrap().is_some());
    assert_eq!(store.audit_for("people", "people_large.csv").await.unwrap().len(), 1);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn postgres_round_trips() {
    on_postgres("yibao_imp", scenario).await;
}

/// The whole exchange, in the order a bureau would do it, on one store.
async fn scenario(store: &Store, dir: &Path) {
    households(store).await;
    people_utf8_with_bom(store).await;
    bad_rows_import_nothing_unless_skipped(store).await;
    enrollment_list(store, dir).await;
    chinese_headers_in_gbk(store).await;
    enrollments_and_unknown_people(store).await;
    identities_diseases_accounts_institutions(store).await;
    reimport_is_unchanged_and_audited(store).await;
    household_references(store, dir).await;
    file_errors(store, dir).await;
    xlsx_round_trip(store, dir).await;
}

/// Households first: people name them. An unknown column (户主) is ignored with a warning; an empty address is kept.
async fn households(store: &Store) {
    let r = run(store, Kind::Households, &fixture("households.csv"), false).await;
    assert_eq!((r.rows, r.imported, r.unchanged), (3, 3, 0), "{r:?}");
    assert_eq!(r.warnings, vec!["未识别的列“户主”已忽略"]);
    let h = store.household("HH0001").await.unwrap().expect("household");
    assert_eq!((h.admdvs.as_str(), h.address.as_str()), ("999002", "示例县城关镇幸福路1号"));
    assert_eq!(store.household("HH0021").await.unwrap().unwrap().address, "");
}

/// People must name a household in the store, in their own area; a household keeps the area of its members.
async fn household_references(store: &Store, dir: &Path) {
    let again = run(store, Kind::Households, &fixture("households.csv"), false).await;
    assert_eq!((again.imported, again.unchanged), (0, 3), "{again:?}");
    let file = dir.join("households_changed.csv");
    std::fs::write(&file, "hhold_id,admdvs,address\nHH0002,999002,示例县城关镇新街5号\nHH0001,999003,外县\nHH0003,999003,外县某村\nHH0003,999003,重复\n").unwrap();
    let r = run(store, Kind::Households, &file, false).await;
    assert_eq!((r.imported, rows_of(&r)), (0, vec![3, 5]), "{r:?}");
    assert!(
        r.bad[0].reason.contains("户编号 HH0001 的成员（如人员 99900200000001）在统筹区 999002 参保"),
        "{}",
        r.bad[0].reason
    );
    assert!(r.bad[1].reason.contains("户编号 HH0003 与第 4 行重复"), "{}", r.bad[1].reason);
    assert_eq!(store.household("HH0002").await.unwrap().unwrap().address, "示例县城关镇幸福路2号", "nothing written");
    let r = run(store, Kind::Households, &file, true).await;
    assert_eq!((r.imported, rows_of(&r)), (2, vec![3, 5]), "{r:?}");
    assert!(r.warnings.iter().any(|w| w.contains("1 行更新了系统中已有的家庭户记录")), "{r:?}");
    assert_eq!(store.household("HH0002").await.unwrap().unwrap().address, "示例县城关镇新街5号");
    assert_eq!(store.household("HH0001").await.unwrap().unwrap().admdvs, "999002");
    assert_eq!(store.household_members("HH0021").await.unwrap().len(), 3);

    let people = dir.join("people_households.csv");
    std::fs::write(
        &people,
        format!(
            "人员编号,身份证号,姓名,性别,出生日期,民族,统筹区,户编号\n\
             99900200000061,{},测试一,1,1961-01-01,01,999002,HH0002\n\
             99900200000062,{},测试二,2,1962-02-02,01,999002,HH9999\n\
             99900200000063,{},测试三,1,1963-03-03,01,999002,HH0003\n",
            id_number("19610101", 11),
            id_number("19620202", 22),
            id_number("19630303", 33)
        ),
    )
    .unwrap();
    let r = run(store, Kind::People, &people, false).await;
    assert_eq!((r.imported, rows_of(&r)), (0, vec![3, 4]), "{r:?}");
    assert!(r.bad[0].reason.contains("户编号 HH9999 在系统中不存在（请先导入家庭户"), "{}", r.bad[0].reason);
    assert!(
        r.bad[1].reason.contains("户编号 HH0003 属于统筹区 999003，与人员的统筹区 999002 不一致"),
        "{}",
        r.bad[1].reason
    );
    assert!(store.person("99900200000061").await.unwrap().is_none(), "a file with a wrong row imports nothing");
    let r = run(store, Kind::People, &people, true).await;
    assert_eq!((r.imported, rows_of(&r)), (1, vec![3, 4]), "{r:?}");
    assert_eq!(store.household_members("HH0002").await.unwrap()[0].psn_no, "99900200000061");
}

async fn people_utf8_with_bom(store: &Store) {
    let r = run(store, Kind::People, &fixture("people_utf8_bom.csv"), false).await;
    assert_eq!((r.rows, r.imported, r.unchanged), (4, 4, 0), "{r:?}");
    assert!(r.bad.is_empty(), "{r:?}");
    assert_eq!(r.warnings, vec!["未识别的列“remark”已忽略"]);
    let p1 = store.person("99900200000001").await.unwrap().expect("person 1");
    assert_eq!(p1.certno, id_number("19800101", 11));
    assert_eq!((p1.psn_name.as_str(), p1.gend.as_str(), p1.brdy.as_str()), ("张三", "1", "1980-01-01"));
    assert_eq!(p1.hhold_id.as_deref(), Some("HH0001"));
    assert_eq!(p1.chosen_fixmedins_code.as_deref(), Some("H99900200001"));
    assert_eq!(p1.psn_cert_type, "01");
    let p2 = store.person("99900200000002").await.unwrap().expect("person 2");
    assert_eq!((p2.brdy.as_str(), p2.chosen_fixmedins_code.as_deref()), ("1985-06-15", None));
    let p3 = store.person("99900200000003").await.unwrap().expect("person 3");
    assert_eq!((p3.brdy.as_str(), p3.naty.as_str()), ("1950-12-31", "02"));
    // An empty sex is taken from the ID number's 17th digit.
    let p4 = store.person_by_certno(&id_number("20100228", 42)).await.unwrap().expect("person 4");
    assert_eq!((p4.psn_no.as_str(), p4.gend.as_str()), ("99900200000004", "2"));
}

async fn bad_rows_import_nothing_unless_skipped(store: &Store) {
    let file = fixture("people_bad.csv");
    let r = run(store, Kind::People, &file, false).await;
    assert_eq!((r.rows, r.imported), (6, 0), "{r:?}");
    assert_eq!(rows_of(&r), vec![3, 5, 7], "{r:?}");
    assert!(r.bad[0].reason.contains("证件号码：身份证号校验位错误"), "{}", r.bad[0].reason);
    assert!(r.bad[1].reason.contains("险种“999”不是有效的代码"), "{}", r.bad[1].reason);
    assert!(r.bad[2].reason.contains("人员编号 99900200000013 与第 4 行重复"), "{}", r.bad[2].reason);
    for psn in ["99900200000011", "99900200000013", "99900200000015"] {
        assert!(store.person(psn).await.unwrap().is_none(), "{psn} must not be imported");
    }

    let r = run(store, Kind::People, &file, true).await;
    assert_eq!((r.rows, r.imported), (6, 3), "{r:?}");
    assert_eq!(rows_of(&r), vec![3, 5, 7]);
    for psn in ["99900200000011", "99900200000013", "99900200000015"] {
        assert!(store.person(psn).await.unwrap().is_some(), "{psn} imported");
    }
    for psn in ["99900200000012", "99900200000014"] {
        assert!(store.person(psn).await.unwrap().is_none(), "{psn} not imported");
    }
    // The people file carried the enrollment columns: the good rows are enrolled too.
    let e = store.enrollments("99900200000011").await.unwrap();
    assert_eq!(e.len(), 1);
    assert_eq!((e[0].insutype.as_str(), e[0].year, e[0].psn_type.as_str()), ("310", 2025, "1101"));
    assert_eq!((e[0].emp_name.as_str(), e[0].insu_date.as_str()), ("示例县第一中学", "2025-01-01"));
    let p13 = store.person("99900200000013").await.unwrap().unwrap();
    assert_eq!(p13.psn_name, "吴九", "the first of the duplicated rows is the one imported");

    // The same file again: the imported rows are unchanged, the bad ones still reported.
    let r = run(store, Kind::People, &file, true).await;
    assert_eq!((r.imported, r.unchanged, rows_of(&r)), (0, 3, vec![3, 5, 7]), "{r:?}");
}

/// A 参保名单: a people file with the enrollment columns; a person on two rows (two schemes), and a person already
/// in the store enrolling for the next year.
async fn enrollment_list(store: &Store, dir: &Path) {
    let file = dir.join("enrollment_list.csv");
    let id51 = id_number("19660606", 11);
    let id11 = id_number("19700305", 11);
    std::fs::write(
        &file,
        format!(
            "人员编号,姓名,身份证号,性别,出生日期,民族,统筹区,险种,年度,人员类别,参保状态,公务员标志,单位名称,参保日期\n\
             99900200000051,褚五,{id51},1,1966-06-06,01,999002,310,2025,1102,1,1,示例县财政局,2025-01-01\n\
             99900200000051,褚五,{id51},1,1966-06-06,01,999002,320,2025,1102,1,1,示例县财政局,2025-01-01\n\
             99900200000011,孙七,{id11},1,1970-03-05,01,999002,310,2026,1101,1,0,示例县第一中学,2026-01-01\n"
        ),
    )
    .unwrap();
    let r = run(store, Kind::People, &file, false).await;
    assert_eq!((r.rows, r.imported, r.unchanged), (3, 3, 0), "{r:?}");
    assert!(r.bad.is_empty(), "{r:?}");
    let mut e: Vec<String> =
        store.enrollments("99900200000051").await.unwrap().iter().map(|e| e.insutype.clone()).collect();
    e.sort();
    assert_eq!(e, vec!["310", "320"]);
    let years: Vec<i64> = store.enrollments("99900200000011").await.unwrap().iter().map(|e| e.year).collect();
    assert_eq!(years.len(), 2, "{years:?}");
    let again = run(store, Kind::People, &file, false).await;
    assert_eq!((again.imported, again.unchanged), (0, 3), "{again:?}");
}

async fn chinese_headers_in_gbk(store: &Store) {
    let r = run(store, Kind::People, &fixture("people_gbk.csv"), false).await;
    assert_eq!((r.rows, r.imported), (3, 3), "{r:?}");
    assert!(r.bad.is_empty(), "{r:?}");
    assert!(r.warnings.iter().any(|w| w.contains("GBK")), "{r:?}");
    let p = store.person("99900200000022").await.unwrap().expect("GBK person");
    assert_eq!((p.psn_name.as_str(), p.gend.as_str()), ("卫二", "2"));
    assert_eq!((p.certno, p.hhold_id.as_deref()), (id_number("19890909", 82), Some("HH0021")));
}

async fn enrollments_and_unknown_people(store: &Store) {
    let r = run(store, Kind::Enrollments, &fixture("enrollments.csv"), false).await;
    assert_eq!((r.rows, r.imported), (4, 4), "{r:?}");
    let e = store.enrollments("99900200000003").await.unwrap();
    assert_eq!(e.len(), 1);
    assert_eq!((e[0].psn_type.as_str(), e[0].insu_date.as_str()), ("1201", "1975-01-01"));
    let e = store.enrollments("99900200000004").await.unwrap();
    assert_eq!(e[0].insu_date, "2025-01-01");

    let file = fixture("enrollments_unknown_person.csv");
    let r = run(store, Kind::Enrollments, &file, false).await;
    assert_eq!((r.rows, r.imported, rows_of(&r)), (2, 0, vec![3]), "{r:?}");
    assert!(r.bad[0].reason.contains("人员编号 99900299999999 在系统中不存在"), "{}", r.bad[0].reason);
    assert!(store.enrollments("99900299999999").await.unwrap().is_empty());
    assert_eq!(store.enrollments("99900200000001").await.unwrap().len(), 1, "nothing imported");
    let r = run(store, Kind::Enrollments, &file, true).await;
    assert_eq!((r.imported, rows_of(&r)), (1, vec![3]), "{r:?}");
    assert_eq!(store.enrollments("99900200000001").await.unwrap().len(), 2);
    assert!(store.enrollments("99900299999999").await.unwrap().is_empty());
}

async fn identities_diseases_accounts_institutions(store: &Store) {
    let r = run(store, Kind::Identities, &fixture("identities.csv"), false).await;
    assert_eq!((r.rows, r.imported), (2, 2), "{r:?}");
    let ids = store.identities("99900200000003").await.unwrap();
    assert_eq!(ids.len(), 1);
    assert_eq!((ids[0].code.as_str(), ids[0].enddate.as_deref()), ("17", Some("2026-02-28")));
    assert_eq!(ids[0].source, "示例县残联");
    assert_eq!(store.identities("99900200000002").await.unwrap()[0].enddate, None);

    let r = run(store, Kind::Diseases, &fixture("diseases.csv"), false).await;
    assert_eq!((r.rows, r.imported), (1, 1), "{r:?}");
    let d = store.diseases("99900200000003").await.unwrap();
    assert_eq!((d[0].code.as_str(), d[0].name.as_str()), ("I10", "高血压"));

    let r = run(store, Kind::Accounts, &fixture("accounts.csv"), false).await;
    assert_eq!((r.rows, r.imported), (2, 2), "{r:?}");
    assert_eq!(store.account_balance("99900200000001").await.unwrap(), Some(300_050));
    assert_eq!(store.account_balance("99900200000003").await.unwrap(), Some(123_456));

    let r = run(store, Kind::Institutions, &fixture("institutions.csv"), false).await;
    assert_eq!((r.rows, r.imported), (2, 2), "{r:?}");
    let h = store.institution("H99900200001").await.unwrap().expect("hospital");
    assert_eq!((h.hosp_lv.as_str(), h.fixmedins_type.as_str(), h.paasid.as_str()), ("2", "1", "example-h1"));
    let p = store.institution_by_paasid("example-p1").await.unwrap().expect("pharmacy");
    assert_eq!((p.fixmedins_code.as_str(), p.hosp_lv.as_str()), ("P99900200001", "0"));
}

async fn reimport_is_unchanged_and_audited(store: &Store) {
    let r = run(store, Kind::People, &fixture("people_utf8_bom.csv"), false).await;
    assert_eq!((r.rows, r.imported, r.unchanged), (4, 0, 4), "{r:?}");
    assert!(r.bad.is_empty());
    let audit = store.audit_for("people", "people_utf8_bom.csv").await.unwrap();
    assert_eq!(audit.len(), 1, "one audit record per file that imported rows: {audit:?}");
    assert_eq!((audit[0].actor.as_str(), audit[0].action.as_str()), ("import", "导入"));
    let detail: serde_json::Value = serde_json::from_str(&audit[0].detail).unwrap();
    assert_eq!((detail["rows"].as_u64(), detail["imported"].as_u64()), (Some(4), Some(4)), "{detail}");
    // The file with bad rows: one record for the skip_bad run that imported, none for the refused run.
    let audit = store.audit_for("people", "people_bad.csv").await.unwrap();
    assert_eq!(audit.len(), 1, "{audit:?}");
    let detail: serde_json::Value = serde_json::from_str(&audit[0].detail).unwrap();
    assert_eq!((detail["imported"].as_u64(), detail["bad"].as_u64()), (Some(3), Some(3)), "{detail}");
}

async fn file_errors(store: &Store, dir: &Path) {
    let missing = dir.join("missing_column.csv");
    std::fs::write(&missing, "人员编号,姓名,性别,出生日期,民族,统筹区\n99900200000031,测试,1,1980-01-01,01,999002\n")
        .unwrap();
    match import(store, Kind::People, &missing, false).await {
        Err(e @ ImportError::MissingColumns(_)) => assert!(e.to_string().contains("证件号码 (certno)"), "{e}"),
        other => panic!("expected a missing column error, got {other:?}"),
    }
    let latin1 = dir.join("not_text.csv");
    std::fs::write(&latin1, [b'a', b',', 0x81, 0xFF, b'\n']).unwrap();
    assert!(matches!(import(store, Kind::People, &latin1, false).await, Err(ImportError::Encoding(_))));
    let nothing = dir.join("nothing.csv");
    std::fs::write(&nothing, "\n\n").unwrap();
    assert!(matches!(import(store, Kind::People, &nothing, false).await, Err(ImportError::NoHeader)));
    assert!(matches!(
        import(store, Kind::People, &dir.join("does_not_exist.csv"), false).await,
        Err(ImportError::Io { .. })
    ));
}

async fn xlsx_round_trip(store: &Store, dir: &Path) {
    let date = Format::new().set_num_format("yyyy-mm-dd");
    // People: Chinese headers, typed cells (a date cell, numbers for sex and area), and one ID number that Excel
    // stored as a number (its last digits are lost).
    let people = dir.join("people.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("人员").unwrap();
    for (c, h) in ["人员编号", "身份证号", "姓名", "性别", "出生日期", "民族", "统筹区"].iter().enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let rows = [("99900200000041", "19770707", 111, "沈一"), ("99900200000042", "19780808", 122, "韩二")];
    for (i, (psn, birth, seq, name)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, *psn).unwrap();
        ws.write_string(r, 1, id_number(birth, *seq)).unwrap();
        ws.write_string(r, 2, *name).unwrap();
        ws.write_number(r, 3, if seq % 2 == 1 { 1 } else { 2 }).unwrap();
        let d = ExcelDateTime::from_ymd(
            birth[..4].parse().unwrap(),
            birth[4..6].parse().unwrap(),
            birth[6..].parse().unwrap(),
        )
        .unwrap();
        ws.write_datetime_with_format(r, 4, &d, &date).unwrap();
        ws.write_string(r, 5, "01").unwrap();
        ws.write_number(r, 6, 999002).unwrap();
    }
    let numeric_id: f64 = id_number("19790909", 131).parse().unwrap();
    ws.write_string(3, 0, "99900200000043").unwrap();
    ws.write_number(3, 1, numeric_id).unwrap();
    ws.write_string(3, 2, "杨三").unwrap();
    ws.write_number(3, 3, 1).unwrap();
    ws.write_string(3, 4, "1979-09-09").unwrap();
    ws.write_string(3, 5, "01").unwrap();
    ws.write_number(3, 6, 999002).unwrap();
    wb.save(&people).unwrap();

    let r = run(store, Kind::People, &people, false).await;
    assert_eq!((r.rows, r.imported, rows_of(&r)), (3, 0, vec![4]), "{r:?}");
    assert!(r.bad[0].reason.contains("证件号码在表格中被存为数字"), "{}", r.bad[0].reason);
    let r = run(store, Kind::People, &people, true).await;
    assert_eq!((r.imported, rows_of(&r)), (2, vec![4]), "{r:?}");
    let p = store.person("99900200000042").await.unwrap().expect("xlsx person");
    assert_eq!((p.brdy.as_str(), p.gend.as_str(), p.admdvs.as_str()), ("1978-08-08", "2", "999002"));
    assert_eq!(p.certno, id_number("19780808", 122));

    // Enrollments: a numeric year, a date cell, an empty cell for the employer; the kind's sheet after another
    // one, with a title row above its header. A wrong row is numbered as the sheet shows it.
    let enrollments = dir.join("enrollments.xlsx");
    let mut wb = Workbook::new();
    wb.add_worksheet().set_name("说明").unwrap().write_string(0, 0, "填表说明：人员编号为文本").unwrap();
    let ws = wb.add_worksheet();
    ws.set_name("参保").unwrap();
    ws.write_string(0, 0, "示例县 2025 年度参保名单").unwrap();
    for (c, h) in
        ["人员编号", "险种", "年度", "人员类别", "参保状态", "公务员标志", "单位名称", "参保日期"].iter().enumerate()
    {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    for (r, year) in [(2, 2025.0), (3, 25.0)] {
        ws.write_string(r, 0, "99900200000041").unwrap();
        ws.write_number(r, 1, 390).unwrap();
        ws.write_number(r, 2, year).unwrap();
        ws.write_number(r, 3, 1501).unwrap();
        ws.write_number(r, 4, 1).unwrap();
        ws.write_number(r, 5, 0).unwrap();
        ws.write_datetime_with_format(r, 7, ExcelDateTime::from_ymd(2025, 1, 1).unwrap(), &date).unwrap();
    }
    wb.save(&enrollments).unwrap();
    let r = run(store, Kind::Enrollments, &enrollments, true).await;
    assert_eq!((r.rows, r.imported, rows_of(&r)), (2, 1, vec![4]), "{r:?}");
    assert!(r.bad[0].reason.contains("年度“25”应为4位年份"), "{}", r.bad[0].reason);
    assert!(r.warnings.iter().any(|w| w.contains("表头在第 2 行")), "{r:?}");
    let e = store.enrollments("99900200000041").await.unwrap();
    assert_eq!((e[0].insutype.as_str(), e[0].year, e[0].insu_date.as_str()), ("390", 2025, "2025-01-01"));
    assert_eq!(e[0].emp_name, "");

    // Accounts: numeric cells in yuan become exact fen, through their shortest text.
    let accounts = dir.join("accounts.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "人员编号").unwrap();
    ws.write_string(0, 1, "余额").unwrap();
    for (i, (psn, yuan)) in
        [("99900200000041", 1234.56), ("99900200000042", 0.1), ("99900200000011", 100.0)].iter().enumerate()
    {
        ws.write_string(i as u32 + 1, 0, *psn).unwrap();
        ws.write_number(i as u32 + 1, 1, *yuan).unwrap();
    }
    ws.write_string(4, 0, "99900200000013").unwrap();
    ws.write_number(4, 1, 0.125).unwrap();
    wb.save(&accounts).unwrap();
    let r = run(store, Kind::Accounts, &accounts, false).await;
    assert_eq!((r.rows, r.imported, rows_of(&r)), (4, 0, vec![5]), "{r:?}");
    assert!(r.bad[0].reason.contains("余额"), "{}", r.bad[0].reason);
    let r = run(store, Kind::Accounts, &accounts, true).await;
    assert_eq!(r.imported, 3, "{r:?}");
    assert_eq!(store.account_balance("99900200000041").await.unwrap(), Some(123_456));
    assert_eq!(store.account_balance("99900200000042").await.unwrap(), Some(10));
    assert_eq!(store.account_balance("99900200000011").await.unwrap(), Some(10_000));
    assert_eq!(store.account_balance("99900200000013").await.unwrap(), None);
}
