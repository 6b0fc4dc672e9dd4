//! `yibao gen --visits`: a synthetic county year from `yibao_audit::synth` (normal care plus planted violations of
//! every kind of the demo rule pack) written into the ledger — institutions with their 医疗机构类别, the synthetic
//! catalogue, persons with enrollment, registered diseases and deaths, and every visit with its fee lines, its
//! settlement, fund rows and accumulators — plus the planted ground truth.
//!
//! Amounts are simple but consistent, not computed by the settlement engine (a million settlements through the full
//! cascade would not fit in minutes): lines declared self-paid are 全自费, the rest is 政策范围内; the pooled fund
//! pays the synthetic ratio of the in-range amount (基金支付 = 统筹), the person pays the rest in cash; 先行自付,
//! 超限价, accounts and 医院负担 are zero. Every identity `yibao verify` checks holds, and each person-year's
//! accumulators are the sum of its settlements' deltas.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use yibao_audit::review::dataset::{LINE_OWNPAY, NO_CODE, NO_DAY, SETL_EMERGENCY, date};
use yibao_audit::synth::{self, Config, Planted};
use yibao_core::codes::id_check_char;
use yibao_store::*;

use crate::bulk_rows::{Bulk, V};

/// What to generate.
#[derive(Debug, Clone)]
pub struct YearSpec {
    /// Persons of the synthetic year (most see a doctor; about 4.8 settlements each).
    pub persons: u32,
    pub year: i32,
    pub seed: u64,
    /// Planted cases of every person-level kind.
    pub plants: u32,
    /// The region the persons and institutions belong to.
    pub admdvs: String,
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct YearReport {
    pub persons: usize,
    pub institutions: usize,
    pub settlements: usize,
    pub lines: usize,
    pub planted: Vec<PlantedCase>,
}

/// One planted case as stored in `planted.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlantedCase {
    pub rule_id: String,
    pub psn_no: Option<String>,
    pub fixmedins_code: Option<String>,
    pub setl_ids: Vec<String>,
}

impl From<&Planted> for PlantedCase {
    fn from(p: &Planted) -> PlantedCase {
        PlantedCase {
            rule_id: p.rule_id.to_string(),
            psn_no: p.psn_no.clone(),
            fixmedins_code: p.fixmedins_code.clone(),
            setl_ids: p.setl_ids.clone(),
        }
    }
}

impl PlantedCase {
    /// Back to the synth's ground truth (rule ids of the demo pack are static; others are kept by leaking once).
    pub fn to_planted(&self) -> Planted {
        let rule_id: &'static str = match synth::PLANTED_RULES.iter().find(|r| **r == self.rule_id) {
            Some(r) => r,
            None => Box::leak(self.rule_id.clone().into_boxed_str()),
        };
        Planted {
            rule_id,
            psn_no: self.psn_no.clone(),
            fixmedins_code: self.fixmedins_code.clone(),
            setl_ids: self.setl_ids.clone(),
        }
    }
}

const INST_KIND: &str = "fixmedins_code, medins_type";
const PERSON: &str =
    "psn_no, certno, psn_cert_type, psn_name, gend, brdy, naty, hhold_id, admdvs, chosen_fixmedins_code, created_at";
const ENROLL: &str = "psn_no, insutype, year, psn_type, psn_insu_stas, cvlserv_flag, emp_name, insu_date";
const DISEASE: &str = "psn_no, code, name, begndate, enddate";
const DEATH: &str = "psn_no, death_date, source";
const VISIT: &str = "psn_no, mdtrt_id, fixmedins_code, insutype, med_type, kind, state, begntime, endtime, ipt_otp_no,
    mdtrt_cert_type, diagnoses, opsp_dise_code, detail, created_at, version";
const LINE: &str =
    "psn_no, mdtrt_id, feedetl_sn, chrg_bchno, med_list_codg, medins_list_codg, fee_ocur_time, pric, cnt,
    det_item_fee_sumamt, hosp_appr_flag, fulamt_ownpay_amt, overlmt_amt, preselfpay_amt, inscp_scp_amt, selfpay_prop,
    chrgitm_lv, state, setl_id, detail";
const SETL: &str = "psn_no, setl_id, mdtrt_id, fixmedins_code, insutype, year, med_type, kind, reverses, reversed_by,
    setl_time, msgid, policy_version, medfee_sumamt, fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt, inscp_scp_amt,
    act_pay_dedc, hifp_pay, cvlserv_pay, hifes_pay, hifmi_pay, hifob_pay, maf_pay, hifdm_pay, oth_pay, fund_pay_sumamt,
    psn_part_amt, acct_pay, psn_cash_pay, hosp_part_amt, balc, output, delta, explanation";
const DETAIL: &str = "psn_no, setl_id, seq, fund_pay_type, fund_payamt, inscp_scp_amt, crt_payb_lmt_amt";
const ACC: &str = "psn_no, year, insutype, name, value";
const PY: &str = "psn_no, year, version";

/// Accumulator names of the synthetic settlements.
pub const ACC_PAID: &str = "synth.pool.paid";
pub const ACC_BASE: &str = "synth.pool.base";

/// (code, name, 收费项目等级, 收费项目类别) of the synthetic catalogue.
fn catalogue() -> Vec<(String, String, String, String)> {
    let text = synth::knowledge_file("knowledge/catalogue.csv").unwrap_or("");
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.trim().split(',').collect();
            (f.len() >= 4).then(|| (f[0].into(), f[1].into(), f[2].into(), f[3].into()))
        })
        .collect()
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Generates the year and writes it; `progress` gets a line of Chinese now and then.
pub async fn write_year(store: &Store, spec: &YearSpec, mut progress: impl FnMut(String)) -> Result<YearReport> {
    let cfg = Config {
        seed: spec.seed,
        persons: spec.persons,
        year: spec.year,
        plants: spec.plants,
        shards: spec.persons.div_ceil(50_000).max(1),
    };
    let t = std::time::Instant::now();
    let y = synth::generate(&cfg);
    progress(format!(
        "  合成一年就诊：{} 人，{} 次结算，{} 条明细，{} 个埋点案例（{:.1} 秒）",
        spec.persons,
        y.settlements(),
        y.lines(),
        y.truth.len(),
        t.elapsed().as_secs_f64()
    ));
    let pack = synth::demo_pack();
    let reg = &y.registry;
    let admdvs = spec.admdvs.as_str();
    let mut rep = YearReport { institutions: reg.institutions.len(), ..YearReport::default() };

    // Institutions and the catalogue through the store's own operations.
    let mut ops = Vec::new();
    for i in &reg.institutions {
        let pharmacy = pack.visit_kinds.pharmacy_medins_types.contains(&i.medins_type);
        ops.push(Op::UpsertInstitution(InstitutionRow {
            fixmedins_code: i.code.clone(),
            fixmedins_name: i.name.clone(),
            fixmedins_type: if pharmacy { "2" } else { "1" }.to_string(),
            hosp_lv: i.level.clone(),
            admdvs: admdvs.to_string(),
            paasid: format!("syn-{}", i.code),
            secret: format!("syn-secret-{}", i.code),
        }));
    }
    ops.push(Op::BumpEpoch("institution".to_string()));
    store.commit(ops).await?;
    let cat = catalogue();
    let lv: BTreeMap<&str, &str> = cat.iter().map(|c| (c.0.as_str(), c.2.as_str())).collect();
    let items = cat
        .iter()
        .filter_map(|(code, name, lv, class)| {
            serde_json::from_value(serde_json::json!({"code": code, "name": name, "lv": lv, "category": class})).ok()
        })
        .collect();
    let version = format!("SYNTH{}", spec.year);
    let cat_ops = vec![
        Op::InsertCatalogueVersion {
            admdvs: admdvs.to_string(),
            version: version.clone(),
            begndate: format!("{}-01-01", spec.year),
            source: "yibao gen（合成目录）".to_string(),
        },
        Op::InsertCatalogueItems { admdvs: admdvs.to_string(), version, items },
    ];
    match store.commit(cat_ops).await {
        Ok(()) | Err(StoreError::Duplicate(_)) => {}
        Err(e) => return Err(e),
    }

    let mut bulk = Bulk::new(store)?;
    for i in &reg.institutions {
        bulk.row("institution_kind", INST_KIND, &[V::T(&i.code), V::T(&i.medins_type)])?;
    }
    let now = now_text();
    let mut born: std::collections::HashMap<i32, u32> = std::collections::HashMap::new();
    let t = std::time::Instant::now();
    for sh in &y.shards {
        for p in 0..sh.persons() {
            let psn = sh.psn_no.get(p);
            let brdy = date(sh.brdy[p]);
            let gend = if sh.gend[p] == u8::MAX { "9" } else { reg.genders.name(u32::from(sh.gend[p])) };
            let n = born.entry(sh.brdy[p]).or_insert(0);
            *n += 1;
            let first = format!("999009{}{:03}", brdy.format("%Y%m%d"), (*n * 2 + u32::from(gend == "1")) % 1000);
            let certno = format!("{first}{}", id_check_char(&first));
            let setls = sh.person_setls(p);
            let insutype = setls.clone().next().map_or("390", |s| reg.insutypes.name(u32::from(sh.insutype[s])));
            bulk.row(
                "person",
                PERSON,
                &[
                    V::T(psn),
                    V::T(&certno),
                    V::T("01"),
                    V::T("合成参保人"),
                    V::T(gend),
                    V::T(&ymd(brdy)),
                    V::T("01"),
                    V::N,
                    V::T(admdvs),
                    V::N,
                    V::T(&now),
                ],
            )?;
            let psn_type = if insutype == "310" { "1101" } else { "1501" };
            for yr in [spec.year - 1, spec.year] {
                bulk.row(
                    "enrollment",
                    ENROLL,
                    &[
                        V::T(psn),
                        V::T(insutype),
                        V::I(i64::from(yr)),
                        V::T(psn_type),
                        V::T("1"),
                        V::T("0"),
                        V::T(""),
                        V::T(&format!("{}-01-01", spec.year - 1)),
                    ],
                )?;
            }
            for r in sh.person_registrations(p) {
                let end = (r.end != NO_DAY).then(|| ymd(date(r.end)));
                bulk.row(
                    "registered_disease",
                    DISEASE,
                    &[
                        V::T(psn),
                        V::T(reg.diseases.name(r.disease)),
                        V::T(""),
                        V::T(&ymd(date(r.begin))),
                        end.as_deref().map_or(V::N, V::T),
                    ],
                )?;
            }
            if sh.death[p] != NO_DAY {
                bulk.row("person_death", DEATH, &[V::T(psn), V::T(&ymd(date(sh.death[p]))), V::T("合成数据")])?;
            }
            let mut acc: BTreeMap<(i64, &str, &str), i64> = BTreeMap::new();
            let mut versions: BTreeMap<i64, i64> = BTreeMap::new();
            for s in setls {
                write_settlement(&mut bulk, reg, sh, s, psn, &lv, &mut acc, &mut versions, &pack)?;
                rep.settlements += 1;
                rep.lines += sh.setl_lines(s).len();
            }
            for ((yr, ins, name), v) in acc {
                bulk.row("accumulator", ACC, &[V::T(psn), V::I(yr), V::T(ins), V::T(name), V::I(v)])?;
            }
            for (yr, n) in versions {
                bulk.row("person_year", PY, &[V::T(psn), V::I(yr), V::I(n)])?;
            }
            rep.persons += 1;
            if rep.persons.is_multiple_of(5_000) || bulk.pending() > 32 << 20 {
                bulk.flush().await?;
            }
            if rep.persons.is_multiple_of(50_000) {
                progress(format!(
                    "  已写入 {} 人、{} 次结算（{:.0} 次结算/秒）",
                    rep.persons,
                    rep.settlements,
                    rep.settlements as f64 / t.elapsed().as_secs_f64()
                ));
            }
        }
    }
    bulk.finish().await?;
    rep.planted = y.truth.iter().map(PlantedCase::from).collect();
    Ok(rep)
}

#[allow(clippy::too_many_arguments)]
fn write_settlement<'r>(
    bulk: &mut Bulk,
    reg: &'r yibao_audit::review::Registry,
    sh: &yibao_audit::review::Shard,
    s: usize,
    psn: &str,
    lv: &BTreeMap<&str, &str>,
    acc: &mut BTreeMap<(i64, &'r str, &'static str), i64>,
    versions: &mut BTreeMap<i64, i64>,
    pack: &yibao_audit::RulePack,
) -> Result<()> {
    let (setl_id, mdtrt_id) = (sh.setl_id.get(s), sh.mdtrt_id.get(s));
    let inst = reg.institutions[sh.inst[s] as usize].code.as_str();
    let med_type = reg.med_types.name(u32::from(sh.med_type[s]));
    let insutype = reg.insutypes.name(u32::from(sh.insutype[s]));
    let (begin, end) = (date(sh.begin[s]), date(sh.end[s]));
    let m = sh.minute[s];
    let setl_time = format!("{} {:02}:{:02}:00", ymd(end), m / 60, m % 60);
    let inpatient = pack.is_inpatient(med_type);
    let begntime = if inpatient { format!("{} 09:00:00", ymd(begin)) } else { setl_time.clone() };
    let dx = reg.diagnoses.name(sh.dx[s]);
    let diagnoses = serde_json::json!([{"diag_type": "1", "diag_srt_no": "1", "diag_code": dx, "diag_name": null,
        "maindiag_flag": "1"}])
    .to_string();
    let opsp = (sh.opsp[s] != NO_CODE).then(|| reg.diseases.name(sh.opsp[s]));
    let detail = if sh.setl_flags[s] & SETL_EMERGENCY != 0 { r#"{"er_flag":"1"}"# } else { "{}" };
    bulk.row(
        "visit",
        VISIT,
        &[
            V::T(psn),
            V::T(mdtrt_id),
            V::T(inst),
            V::T(insutype),
            V::T(med_type),
            V::T(if inpatient { "ipt" } else { "otp" }),
            V::T("settled"),
            V::T(&begntime),
            V::T(&setl_time),
            V::T(mdtrt_id),
            V::T("02"),
            V::T(&diagnoses),
            opsp.map_or(V::N, V::T),
            V::T(detail),
            V::T(&begntime),
            V::I(2),
        ],
    )?;
    let mut ownpay = 0i64;
    for (k, l) in sh.setl_lines(s).enumerate() {
        let code = reg.items.name(sh.code[l]);
        let amount = sh.amount[l];
        let own = if sh.line_flags[l] & LINE_OWNPAY != 0 { amount } else { 0 };
        ownpay += own;
        let day = begin + chrono::Duration::days(i64::from(sh.line_day[l]));
        let modifier = (sh.modifier[l] > 0)
            .then(|| serde_json::json!({"modifier": reg.modifiers.name(u32::from(sh.modifier[l] - 1))}).to_string());
        bulk.row(
            "fee_line",
            LINE,
            &[
                V::T(psn),
                V::T(mdtrt_id),
                V::T(&format!("{:04}", k + 1)),
                V::T("1"),
                V::T(code),
                V::T(code),
                V::T(&format!("{} 10:00:00", ymd(day))),
                V::I(sh.price[l]),
                V::I(i64::from(sh.qty[l])),
                V::I(amount),
                V::T("1"),
                V::I(own),
                V::I(0),
                V::I(0),
                V::I(amount - own),
                V::I(0),
                V::T(lv.get(code).copied().unwrap_or("01")),
                V::T("settled"),
                V::T(setl_id),
                V::T(modifier.as_deref().unwrap_or("{}")),
            ],
        )?;
    }
    let (total, fund) = (sh.total[s], sh.fund[s]);
    let inscp = total - ownpay;
    let personal = total - fund;
    let year = i64::from(end.year());
    let mut delta: BTreeMap<&str, i64> = BTreeMap::from([(ACC_PAID, fund), (ACC_BASE, inscp)]);
    if inpatient {
        delta.insert("admissions", 1);
    }
    for (k, v) in &delta {
        *acc.entry((year, insutype, k)).or_default() += v;
    }
    *versions.entry(year).or_default() += 1;
    let delta = serde_json::to_string(&delta).unwrap_or_default();
    let i = V::I;
    bulk.row(
        "settlement",
        SETL,
        &[
            V::T(psn),
            V::T(setl_id),
            V::T(mdtrt_id),
            V::T(inst),
            V::T(insutype),
            i(year),
            V::T(med_type),
            V::T("settle"),
            V::N,
            V::N,
            V::T(&setl_time),
            V::T(setl_id),
            V::T("synth"),
            i(total),
            i(ownpay),
            i(0),
            i(0),
            i(inscp),
            i(0),
            i(fund),
            i(0),
            i(0),
            i(0),
            i(0),
            i(0),
            i(0),
            i(0),
            i(fund),
            i(personal),
            i(0),
            i(personal),
            i(0),
            i(0),
            V::T("{}"),
            V::T(&delta),
            V::T("[]"),
        ],
    )?;
    if fund != 0 {
        // The scheme's pooled fund: 险种 + "100" in the national fund_pay_type dictionary (310100, 390100).
        let fund_type = format!("{insutype}100");
        bulk.row(
            "setl_detail",
            DETAIL,
            &[V::T(psn), V::T(setl_id), V::I(0), V::T(&fund_type), V::I(fund), V::I(inscp), V::N],
        )?;
    }
    Ok(())
}
