//! `yibao gen`: a synthetic county — institutions with credentials, people with enrollments, identities, registered
//! diseases and accounts — for demos, load tests and benchmarks. Deterministic for a given seed.

use chrono::Datelike;
use yibao_core::codes::id_check_char;
use yibao_store::*;

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenSpec {
    pub people: u32,
    pub institutions: u32,
    pub seed: u64,
}

/// What was generated.
#[derive(Debug, Clone, Default)]
pub struct GenReport {
    pub institutions: u32,
    pub people: u32,
    pub enrollments: u32,
    pub identities: u32,
    pub diseases: u32,
    pub accounts: u32,
}

pub const SIM_ADMDVS: &str = "999001";

/// The synthetic institution n (1-based): code, name, level, paasid, secret.
pub fn institution(n: u32, total: u32) -> InstitutionRow {
    // A county's shape: a few 三级, some 二级, most are 一级 township hospitals and clinics.
    let lv = if n <= total.div_ceil(50) {
        "3"
    } else if n <= total.div_ceil(10) {
        "2"
    } else {
        "1"
    };
    let kind = match lv {
        "3" => "人民医院",
        "2" => "中心医院",
        _ => "镇卫生院",
    };
    InstitutionRow {
        fixmedins_code: institution_code(n),
        fixmedins_name: format!("模拟县第{n}{kind}"),
        fixmedins_type: "1".to_string(),
        hosp_lv: lv.to_string(),
        admdvs: SIM_ADMDVS.to_string(),
        paasid: format!("sim-h{n}"),
        secret: format!("sim-secret-{n}"),
    }
}

/// The synthetic institution n's code.
pub fn institution_code(n: u32) -> String {
    format!("H9990019{n:04}")
}

/// The synthetic person n's psn_no.
pub fn psn_no(n: u32) -> String {
    format!("9990012{n:013}")
}

const IDENTITIES: [&str; 8] = ["11", "12", "13", "14", "15", "16", "17", "18"];
const DISEASES: [&str; 6] = ["N18", "C50", "E11", "I10", "F20", "K74"];
const NAMES1: [&str; 12] = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙"];
const NAMES2: [&str; 12] = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰"];

/// Generates the county into the store in chunks; `progress` is called after each chunk with people done.
pub async fn generate(store: &Store, spec: &GenSpec, mut progress: impl FnMut(u32)) -> Result<GenReport> {
    let mut rng = fastrand::Rng::with_seed(spec.seed);
    let year = i64::from(chrono::Local::now().year());
    let mut rep = GenReport::default();
    let ops: Vec<Op> =
        (1..=spec.institutions).map(|n| Op::UpsertInstitution(institution(n, spec.institutions))).collect();
    rep.institutions = spec.institutions;
    store.commit(ops).await?;
    const CHUNK: u32 = 5_000;
    // ID numbers must be unique: number people born on the same day 1, 2, 3 … (the 3-digit sequence).
    let mut born: std::collections::HashMap<chrono::NaiveDate, u32> = std::collections::HashMap::new();
    let mut n = 1;
    while n <= spec.people {
        let end = (n + CHUNK - 1).min(spec.people);
        let mut ops = Vec::with_capacity(((end - n + 1) * 4) as usize);
        for i in n..=end {
            let employee = rng.u32(0..100) < 20;
            let age = if employee { rng.u32(20..80) } else { rng.u32(0..95) };
            let today = chrono::Local::now().date_naive();
            let mut birth = chrono::NaiveDate::from_ymd_opt(year as i32 - age as i32, rng.u32(1..13), rng.u32(1..29))
                .unwrap_or_default();
            if birth > today {
                birth = birth.with_year(birth.year() - 1).unwrap_or(birth);
            }
            let count = born.entry(birth).or_insert(0);
            *count += 1;
            let seq = (*count * 2 + rng.u32(0..2)) % 1000;
            let first = format!("999001{}{seq:03}", birth.format("%Y%m%d"));
            let certno = format!("{first}{}", id_check_char(&first));
            let gend = if seq % 2 == 1 { "1" } else { "2" };
            let psn = psn_no(i);
            let psn_type = match (employee, age) {
                (true, a) if a >= 60 => {
                    if rng.u32(0..20) == 0 {
                        "1202"
                    } else {
                        "1201"
                    }
                }
                (true, _) => {
                    if rng.u32(0..20) == 0 {
                        "1102"
                    } else {
                        "1101"
                    }
                }
                (false, a) if a < 18 => "1403",
                (false, a) if a >= 60 => "1601",
                _ => "1501",
            };
            let insutype = if employee { "310" } else { "390" };
            ops.push(Op::InsertPerson(PersonRow {
                psn_no: psn.clone(),
                certno,
                psn_cert_type: "01".to_string(),
                psn_name: format!(
                    "{}{}{}",
                    NAMES1[rng.usize(0..12)],
                    NAMES2[rng.usize(0..12)],
                    NAMES2[rng.usize(0..12)]
                ),
                gend: gend.to_string(),
                brdy: birth.to_string(),
                naty: "01".to_string(),
                hhold_id: None,
                admdvs: SIM_ADMDVS.to_string(),
                chosen_fixmedins_code: Some(institution_code(rng.u32(1..=spec.institutions))),
            }));
            for y in [year - 1, year] {
                ops.push(Op::UpsertEnrollment(EnrollmentRow {
                    psn_no: psn.clone(),
                    insutype: insutype.to_string(),
                    year: y,
                    psn_type: psn_type.to_string(),
                    psn_insu_stas: "1".to_string(),
                    cvlserv_flag: if psn_type.ends_with("02") { "1" } else { "0" }.to_string(),
                    emp_name: String::new(),
                    insu_date: format!("{}-01-01", year - 1),
                }));
                rep.enrollments += 1;
            }
            if rng.u32(0..100) < 5 {
                ops.push(Op::InsertIdentity(IdentityRow {
                    psn_no: psn.clone(),
                    code: IDENTITIES[rng.usize(0..IDENTITIES.len())].to_string(),
                    begndate: format!("{}-01-01", year - 1),
                    enddate: None,
                    source: "模拟数据".to_string(),
                }));
                rep.identities += 1;
            }
            if rng.u32(0..100) < 3 {
                ops.push(Op::InsertDisease(DiseaseRow {
                    psn_no: psn.clone(),
                    code: DISEASES[rng.usize(0..DISEASES.len())].to_string(),
                    name: String::new(),
                    begndate: format!("{}-01-01", year - 1),
                    enddate: None,
                }));
                rep.diseases += 1;
            }
            if employee {
                ops.push(Op::SetAccount { psn_no: psn, balance: i64::from(rng.u32(0..500_000)) });
                rep.accounts += 1;
            }
        }
        store.commit(ops).await?;
        rep.people = end;
        progress(end);
        n = end + 1;
    }
    Ok(rep)
}
