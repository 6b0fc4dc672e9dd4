//! Deaths exchanged with civil affairs (死亡信息交换), on SQLite and PostgreSQL: the `Op::RecordDeath` upsert, and
//! `yibao import deaths` with its wrong rows (unknown person, bad, future or pre-birth date, mismatched numbers,
//! duplicates), all-or-nothing unless skipped, re-imports unchanged or updated, an xlsx file, and the audit log.

mod common;

use std::path::Path;

use common::*;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use yibao_import::{ImportError, Kind, import};
use yibao_store::{DeathRow, Op, Store};

#[tokio::test]
async fn sqlite_deaths() {
    on_sqlite("deaths", scenario).await;
}

#[tokio::test]
async fn postgres_deaths() {
    on_postgres("yibao_dth", scenario).await;
}

async fn scenario(store: &Store, dir: &Path) {
    // The people of the fixtures: …01 born 1980-01-01, …02 1985-06-15, …03 1950-12-31, …04 2010-02-28.
    run(store, Kind::Households, &fixture("households.csv"), false).await;
    let r = run(store, Kind::People, &fixture("people_utf8_bom.csv"), false).await;
    assert_eq!(r.imported, 4, "{r:?}");
    record_death_op(store).await;
    bad_rows(store, dir).await;
    reimport_and_update(store, dir).await;
    xlsx(store, dir).await;
    file_errors(store, dir).await;
}

fn death(psn_no: &str, date: &str, source: &str) -> DeathRow {
    DeathRow { psn_no: psn_no.into(), death_date: date.into(), source: source.into() }
}

/// The operation upserts on the person.
async fn record_death_op(store: &Store) {
    assert_eq!(store.death("99900200000004").await.unwrap(), None);
    store.commit(vec![Op::RecordDeath(death("99900200000004", "2024-05-01", "民政"))]).await.unwrap();
    store.commit(vec![Op::RecordDeath(death("99900200000004", "2024-05-02", "卫健"))]).await.unwrap();
    assert_eq!(store.death("99900200000004").await.unwrap(), Some(death("99900200000004", "2024-05-02", "卫健")));
}

async fn bad_rows(store: &Store, dir: &Path) {
    let file = dir.join("deaths_bad.csv");
    std::fs::write(
        &file,
        "身份证号,人员编号,死亡日期,备注\n\
         999002195012310317,,2025-03-01,好行\n\
         ,99900200000099,2025-01-01,\n\
         ,99900200000002,2025-13-01,\n\
         ,99900200000002,2099-01-01,\n\
         999002198506150222,99900200000001,2025-01-01,\n\
         ,99900200000001,1970-01-01,\n\
         999002195012310317,,2025-03-02,\n\
         ,,2025-01-01,\n\
         999002195012310318,,2025-01-01,\n",
    )
    .unwrap();
    let r = run(store, Kind::Deaths, &file, false).await;
    assert_eq!((r.rows, r.imported), (9, 0), "{r:?}");
    assert_eq!(rows_of(&r), vec![3, 4, 5, 6, 7, 8, 9, 10], "{r:?}");
    let reason = |n: usize| r.bad.iter().find(|b| b.row == n).unwrap().reason.clone();
    assert!(reason(3).contains("人员编号 99900200000099 在系统中不存在"), "{}", reason(3));
    assert!(reason(4).contains("死亡日期“2025-13-01”不是有效日期"), "{}", reason(4));
    assert!(reason(5).contains("死亡日期 2099-01-01 晚于今天"), "{}", reason(5));
    assert!(reason(6).contains("属于人员 99900200000002，与人员编号 99900200000001 不一致"), "{}", reason(6));
    assert!(!reason(6).contains("198506150222"), "the ID number is masked: {}", reason(6));
    assert!(reason(7).contains("早于人员 99900200000001 的出生日期 1980-01-01"), "{}", reason(7));
    assert!(reason(8).contains("与第 2 行重复"), "{}", reason(8));
    assert!(reason(9).contains("证件号码和人员编号都为空"), "{}", reason(9));
    assert!(reason(10).contains("证件号码") && reason(10).contains("校验"), "{}", reason(10));
    // All or nothing: the good row is not written, and nothing is audited.
    assert_eq!(store.death("99900200000003").await.unwrap(), None);
    assert!(store.audit_for("deaths", "deaths_bad.csv").await.unwrap().is_empty());

    let r = run(store, Kind::Deaths, &file, true).await;
    assert_eq!((r.imported, r.bad.len()), (1, 8), "{r:?}");
    assert_eq!(store.death("99900200000003").await.unwrap(), Some(death("99900200000003", "2025-03-01", "民政")));
    assert_eq!(store.death("99900200000001").await.unwrap(), None);
    let audit = store.audit_for("deaths", "deaths_bad.csv").await.unwrap();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!((audit[0].actor.as_str(), audit[0].action.as_str()), ("import", "导入"));
    let detail: serde_json::Value = serde_json::from_str(&audit[0].detail).unwrap();
    assert_eq!((detail["imported"].as_u64(), detail["bad"].as_u64()), (Some(1), Some(8)), "{detail}");
}

async fn reimport_and_update(store: &Store, dir: &Path) {
    let file = dir.join("deaths.csv");
    std::fs::write(&file, "人员编号,死亡时间,来源\n99900200000001,2025/06/01,卫健\n99900200000003,20250301,民政\n")
        .unwrap();
    let r = run(store, Kind::Deaths, &file, false).await;
    assert_eq!((r.rows, r.imported, r.unchanged), (2, 1, 1), "{r:?}");
    assert_eq!(store.death("99900200000001").await.unwrap(), Some(death("99900200000001", "2025-06-01", "卫健")));
    let r = run(store, Kind::Deaths, &file, false).await;
    assert_eq!((r.imported, r.unchanged), (0, 2), "{r:?}");
    // A corrected date replaces the recorded one.
    std::fs::write(&file, "人员编号,死亡日期,来源\n99900200000001,2025-06-02,卫健\n").unwrap();
    let r = run(store, Kind::Deaths, &file, false).await;
    assert_eq!(r.imported, 1, "{r:?}");
    assert!(r.warnings.iter().any(|w| w.contains("1 行更新了系统中已有的死亡信息记录")), "{:?}", r.warnings);
    assert_eq!(store.death("99900200000001").await.unwrap().unwrap().death_date, "2025-06-02");
    assert_eq!(store.audit_for("deaths", "deaths.csv").await.unwrap().len(), 2);
}

async fn xlsx(store: &Store, dir: &Path) {
    let file = dir.join("deaths.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("死亡信息").unwrap();
    ws.write_string(0, 0, "证件号码").unwrap();
    ws.write_string(0, 1, "死亡日期").unwrap();
    ws.write_string(1, 0, "999002198506150222").unwrap();
    let d = ExcelDateTime::from_ymd(2025, 7, 8).unwrap();
    ws.write_datetime_with_format(1, 1, &d, &Format::new().set_num_format("yyyy-mm-dd")).unwrap();
    wb.save(&file).unwrap();
    let r = run(store, Kind::Deaths, &file, false).await;
    assert_eq!(r.imported, 1, "{r:?}");
    assert_eq!(store.death("99900200000002").await.unwrap(), Some(death("99900200000002", "2025-07-08", "民政")));
}

async fn file_errors(store: &Store, dir: &Path) {
    let file = dir.join("deaths_no_person.csv");
    std::fs::write(&file, "姓名,死亡日期\n张三,2025-01-01\n").unwrap();
    match import(store, Kind::Deaths, &file, false).await {
        Err(e @ ImportError::MissingColumns(_)) => {
            assert!(e.to_string().contains("证件号码 (certno)或人员编号 (psn_no)"), "{e}")
        }
        other => panic!("expected a missing column error, got {other:?}"),
    }
    assert_eq!("死亡信息".parse::<Kind>().unwrap(), Kind::Deaths);
}
