//! What the gateway already holds, as the rule engine's input: the person (sex, birth date, 门慢门特 registrations,
//! and the date of death from `person_death` — one point read on its primary key), a visit with its uploaded fee lines, and — only when a rule in force needs it — the person's recent dispensing
//! (one read on the ledger's person-first keys).

use chrono::NaiveDate;
use serde_json::Value;
use yibao_audit::screen::Selection;
use yibao_audit::{Line, PastDispense, Person, RegisteredDisease, RulePack, TemplateKind, Visit};
use yibao_core::Policy;
use yibao_core::money::{Fen, Price, Qty};
use yibao_core::settlement::request::parse_date;
use yibao_store::fsi::DispensedRow;
use yibao_store::{FeeLineRow, Store, VisitRow};

use crate::db;
use crate::envelope::GwResult;
use crate::state::{InstitutionCtx, PersonCtx};

/// How far back dispensing is read for 重复开药 (the longest supply a prescription may carry, with margin).
pub const HISTORY_DAYS: i64 = 90;

/// The person as the rules see them, from the ledger (the authority on sex, birth date and registrations).
pub fn person<'a>(
    p: &'a PersonCtx,
    diseases: &'a [(String, NaiveDate, Option<NaiveDate>)],
    death_date: Option<NaiveDate>,
) -> Person<'a> {
    Person {
        psn_no: &p.person.psn_no,
        gend: Some(p.person.gend.as_str()).filter(|g| !g.is_empty()),
        brdy: parse_date(&p.person.brdy),
        death_date,
        diseases: Some(
            diseases.iter().map(|(code, begin, end)| RegisteredDisease { code, begin: *begin, end: *end }).collect(),
        ),
    }
}

/// The person's date of death as exchanged with civil affairs (`person_death`), `None` while alive: one point read on
/// the table's primary key, so the "settled after the date of death" rule can fire at settlement and in 3101/3102
/// (read only when such a rule is in force, see [`needs`]).
pub async fn death_date(store: &Store, psn_no: &str) -> GwResult<Option<NaiveDate>> {
    let r = store
        .row("SELECT death_date FROM person_death WHERE psn_no = $1", yibao_store::params![psn_no])
        .await
        .map_err(db)?;
    Ok(r.and_then(|r| parse_date(&r.text("death_date"))))
}

/// The person's 门慢门特 registrations with parsed dates (held by the caller while the encounter borrows them).
pub fn diseases(p: &PersonCtx) -> Vec<(String, NaiveDate, Option<NaiveDate>)> {
    p.diseases
        .iter()
        .filter_map(|d| Some((d.code.clone(), parse_date(&d.begndate)?, d.enddate.as_deref().and_then(parse_date))))
        .collect()
}

/// The diagnosis codes of a visit row (main first, as uploaded with 2203/2401).
pub fn diagnoses(v: &VisitRow) -> Vec<String> {
    let diag: Vec<Value> = serde_json::from_str(&v.diagnoses).unwrap_or_default();
    diag.iter().filter_map(|d| d.get("diag_code")?.as_str().map(str::to_string)).collect()
}

/// A ledger visit as the rules see it, at the calling institution.
pub fn visit<'a>(inst: &'a InstitutionCtx, v: &'a VisitRow, diagnoses: &'a [String]) -> GwResult<Visit<'a>> {
    let begin = parse_date(&v.begntime).ok_or_else(|| {
        crate::envelope::GwError::new(format!(
            "就诊“{}”登记的开始时间“{}”无法识别（应为 年-月-日），不能做事中审核；请联系医保经办机构核查该就诊记录",
            v.mdtrt_id, v.begntime
        ))
    })?;
    Ok(Visit {
        mdtrt_id: &v.mdtrt_id,
        admdvs: Some(&inst.admdvs),
        fixmedins_code: &v.fixmedins_code,
        medins_lv: Some(inst.hosp_lv.as_str()),
        medins_type: Some(inst.fixmedins_type.as_str()),
        med_type: &v.med_type,
        insutype: &v.insutype,
        begin,
        end: v.endtime.as_deref().and_then(parse_date),
        emergency: false,
        diagnoses: diagnoses.iter().map(String::as_str).collect(),
        opsp_dise_code: v.opsp_dise_code.as_deref(),
    })
}

/// Uploaded fee lines as the rules see them. The amount claimed from the fund is what the line's classification did
/// not already make fully self-paid (a 丙类 line paid by the patient is no violation of the fund).
pub fn lines<'a>(policy: &'a Policy, rows: &'a [FeeLineRow], begin: NaiveDate) -> Vec<Line<'a>> {
    rows.iter()
        .map(|l| {
            let item = policy.catalogue.get(&l.med_list_codg);
            Line {
                id: &l.feedetl_sn,
                code: &l.med_list_codg,
                name: item.map_or("", |i| i.name.as_str()),
                class: item.and_then(|i| i.category.as_deref()),
                price: Price(l.pric),
                qty: Qty(l.cnt),
                amount: Fen(l.det_item_fee_sumamt),
                ownpay: Fen(l.fulamt_ownpay_amt),
                date: parse_date(&l.fee_ocur_time).unwrap_or(begin),
                modifier: None,
            }
        })
        .collect()
}

/// Whether a rule of this template is selected for this call and in force in the region: the reads only such a rule
/// looks at (earlier dispensing for [`TemplateKind::RepeatSupply`], the date of death for
/// [`TemplateKind::AfterDeath`]) are made only then.
pub fn needs(pack: &RulePack, sel: &Selection, region: Option<&str>, template: TemplateKind) -> bool {
    pack.rules().iter().enumerate().any(|(i, r)| {
        r.template() == template
            && r.effective_on(sel.date)
            && sel.trig_scen.is_none_or(|s| s.iter().any(|s| r.in_scene(*s)))
            && (sel.rule_ids.is_empty() || sel.rule_ids.contains(&r.info.id.as_str()))
            && pack.is_on(i, region)
    })
}

/// The person's settled lines of the last [`HISTORY_DAYS`] days in other visits.
pub async fn read_history(
    store: &Store,
    psn_no: &str,
    mdtrt_id: &str,
    today: NaiveDate,
) -> GwResult<Vec<DispensedRow>> {
    let since = (today - chrono::Duration::days(HISTORY_DAYS)).format("%Y-%m-%d").to_string();
    store.recent_dispensing(psn_no, &since, mdtrt_id).await.map_err(db)
}

/// Dispensing rows as the rules see them.
pub fn history(rows: &[DispensedRow]) -> Vec<PastDispense<'_>> {
    rows.iter()
        .filter_map(|r| {
            Some(PastDispense {
                mdtrt_id: &r.mdtrt_id,
                fixmedins_code: &r.fixmedins_code,
                date: parse_date(&r.fee_ocur_time)?,
                code: &r.med_list_codg,
                qty: Qty(r.cnt),
            })
        })
        .collect()
}

/// Today in the gateway's local time (the date rules are in force on).
pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}
