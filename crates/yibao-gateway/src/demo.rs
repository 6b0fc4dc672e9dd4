//! The demo county (示范县): institutions with known credentials, people with enrollments, identities, registered
//! diseases and accounts, and the demo policy pack — so that `yibao serve --demo` answers real calls at once.

use chrono::Datelike;
use yibao_core::codes::id_check_char;
use yibao_store::*;

/// The demo policy pack, as shipped in `packs/demo-county.toml`.
pub const DEMO_PACK: &str = include_str!("../../../packs/demo-county.toml");
pub const DEMO_ADMDVS: &str = "999001";

/// (code, name, type, level, paasid, secret).
pub const INSTITUTIONS: &[(&str, &str, &str, &str, &str, &str)] = &[
    ("H99900100001", "示范县人民医院", "1", "2", "demo-h1", "demo-secret-h1"),
    ("H99900100002", "示范县中医院", "1", "2", "demo-h2", "demo-secret-h2"),
    ("H99900100003", "示范市第一人民医院", "1", "3", "demo-h3", "demo-secret-h3"),
    ("H99900100004", "示范县城关镇卫生院", "1", "1", "demo-h4", "demo-secret-h4"),
];

/// A demo ID number: area 999001, a birth date, a sequence (odd = male), and the check digit.
pub fn id_number(birth: &str, seq: u32) -> String {
    let first = format!("999001{birth}{seq:03}");
    format!("{first}{}", id_check_char(&first))
}

/// One demo person: (psn_no suffix, name, birth yyyymmdd, insutype, psn_type, identities, disease, account yuan).
type DemoPerson =
    (u32, &'static str, &'static str, &'static str, &'static str, &'static [&'static str], Option<&'static str>, i64);

const PEOPLE: &[DemoPerson] = &[
    (1, "张建国", "19580312", "390", "1601", &[], None, 0),
    (2, "李秀英", "19650807", "390", "1501", &["12"], None, 0),
    (3, "王小明", "20150601", "390", "1402", &[], None, 0),
    (4, "赵桂兰", "19490215", "390", "1601", &["11"], Some("N18"), 0),
    (5, "刘志强", "19780920", "390", "1501", &["14"], Some("I10"), 0),
    (6, "陈美玲", "19880114", "310", "1101", &[], None, 3_000),
    (7, "杨文华", "19560502", "310", "1201", &[], Some("C50"), 8_000),
    (8, "黄伟", "19720330", "310", "1102", &[], None, 5_000),
    (9, "周丽", "19930726", "390", "1501", &["13"], None, 0),
    (10, "吴国庆", "19491001", "310", "1202", &["17"], Some("E11"), 12_000),
];

/// Seeds the demo county unless it is already there; returns false when it was.
pub async fn seed(store: &Store) -> Result<bool> {
    if store.institution(INSTITUTIONS[0].0).await?.is_some() {
        return Ok(false);
    }
    let year = i64::from(chrono::Local::now().year());
    let mut ops = Vec::new();
    for (code, name, ty, lv, paasid, secret) in INSTITUTIONS {
        ops.push(Op::UpsertInstitution(InstitutionRow {
            fixmedins_code: code.to_string(),
            fixmedins_name: name.to_string(),
            fixmedins_type: ty.to_string(),
            hosp_lv: lv.to_string(),
            admdvs: DEMO_ADMDVS.to_string(),
            paasid: paasid.to_string(),
            secret: secret.to_string(),
        }));
    }
    for (n, name, birth, insutype, psn_type, identities, disease, account) in PEOPLE {
        let psn_no = format!("99900100000000{n:06}");
        let seq = n * 2 + u32::from(n % 3 != 0); // odd for men
        let gend = if seq % 2 == 1 { "1" } else { "2" };
        ops.push(Op::InsertPerson(PersonRow {
            psn_no: psn_no.clone(),
            certno: id_number(birth, seq),
            psn_cert_type: "01".to_string(),
            psn_name: name.to_string(),
            gend: gend.to_string(),
            brdy: format!("{}-{}-{}", &birth[..4], &birth[4..6], &birth[6..]),
            naty: "01".to_string(),
            hhold_id: None,
            admdvs: DEMO_ADMDVS.to_string(),
            chosen_fixmedins_code: Some(INSTITUTIONS[3].0.to_string()),
        }));
        for y in [year - 1, year] {
            ops.push(Op::UpsertEnrollment(EnrollmentRow {
                psn_no: psn_no.clone(),
                insutype: insutype.to_string(),
                year: y,
                psn_type: psn_type.to_string(),
                psn_insu_stas: "1".to_string(),
                cvlserv_flag: if *psn_type == "1102" || *psn_type == "1202" { "1" } else { "0" }.to_string(),
                emp_name: if *insutype == "310" { "示范县机关事务服务中心" } else { "" }.to_string(),
                insu_date: format!("{}-01-01", year - 1),
            }));
        }
        for code in *identities {
            ops.push(Op::InsertIdentity(IdentityRow {
                psn_no: psn_no.clone(),
                code: code.to_string(),
                begndate: format!("{}-01-01", year - 1),
                enddate: None,
                source: "民政部门信息交换".to_string(),
            }));
        }
        if let Some(d) = disease {
            ops.push(Op::InsertDisease(DiseaseRow {
                psn_no: psn_no.clone(),
                code: d.to_string(),
                name: String::new(),
                begndate: format!("{}-01-01", year - 1),
                enddate: None,
            }));
        }
        if *insutype == "310" {
            ops.push(Op::SetAccount { psn_no: psn_no.clone(), balance: account * 100 });
        }
    }
    store.commit(ops).await?;
    Ok(true)
}
