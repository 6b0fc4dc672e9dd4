//! The facts about a visit that benefit conditions test: who, where, what for, and when.

use chrono::{Datelike, NaiveDate};

use super::request::{Person, Visit};
use crate::policy::Conditions;

/// A visit seen through the eyes of the policy.
pub struct VisitCtx<'a> {
    pub person: &'a Person,
    pub visit: &'a Visit,
    pub date: NaiveDate,
    /// Age in whole years on the visit's start date.
    pub age: u32,
    pub is_inpatient: bool,
    /// This visit's admission number in the year (1 for the first), 0 for outpatient visits.
    pub admission_no: u32,
    pub at_chosen_facility: bool,
}

impl<'a> VisitCtx<'a> {
    pub fn new(
        person: &'a Person,
        visit: &'a Visit,
        inpatient_med_types: &[String],
        admissions_before: i64,
    ) -> VisitCtx<'a> {
        let is_inpatient = inpatient_med_types.contains(&visit.med_type);
        let admission_no = if is_inpatient { (admissions_before.max(0) + 1) as u32 } else { 0 };
        let at_chosen_facility =
            person.chosen_fixmedins_code.as_deref().is_some_and(|c| !c.is_empty() && c == visit.fixmedins_code);
        VisitCtx {
            person,
            visit,
            date: visit.settle_date(),
            age: age_on(person.brdy, visit.begntime),
            is_inpatient,
            admission_no,
            at_chosen_facility,
        }
    }

    /// Whether the person holds any of these identities on the visit date.
    pub fn has_identity(&self, codes: &[String]) -> bool {
        self.person.identities.iter().any(|i| i.valid_on(self.date) && codes.contains(&i.code))
    }

    /// The disease codes of the visit: its diagnoses and its 门慢特 disease.
    pub fn diseases(&self) -> impl Iterator<Item = &str> {
        self.visit.diagnoses.iter().map(|d| d.diag_code.as_str()).chain(self.visit.opsp_dise_code.as_deref())
    }

    /// Whether any disease of the visit begins with one of these codes.
    pub fn has_disease(&self, prefixes: &[String]) -> bool {
        self.diseases().any(|d| prefixes.iter().any(|p| d.starts_with(p.as_str())))
    }

    /// Whether the visit's 门慢特 disease is one the person is registered for.
    pub fn registered_disease(&self) -> bool {
        self.visit
            .opsp_dise_code
            .as_deref()
            .is_some_and(|d| self.person.registered_diseases.iter().any(|r| d.starts_with(r.as_str())))
    }

    /// Whether a 人员类别 matches a code or category (prefix).
    pub fn psn_type_is(&self, code: &str) -> bool {
        self.person.psn_type.starts_with(code)
    }

    /// Whether every stated condition holds.
    pub fn matches(&self, c: &Conditions) -> bool {
        (c.med_types.is_empty() || c.med_types.contains(&self.visit.med_type))
            && (c.hosp_lvs.is_empty() || c.hosp_lvs.contains(&self.visit.hosp_lv))
            && (c.psn_types.is_empty() || c.psn_types.iter().any(|p| self.psn_type_is(p)))
            && (c.identities.is_empty() || self.has_identity(&c.identities))
            && (c.diseases.is_empty() || self.has_disease(&c.diseases))
            && (!c.registered_disease || self.registered_disease())
            && c.chosen_facility.is_none_or(|want| want == self.at_chosen_facility)
            && c.age_min.is_none_or(|a| self.age >= a)
            && c.age_max.is_none_or(|a| self.age <= a)
    }
}

/// Whole years between a birth date and a day.
pub fn age_on(brdy: NaiveDate, day: NaiveDate) -> u32 {
    let mut years = day.year() - brdy.year();
    if (day.month(), day.day()) < (brdy.month(), brdy.day()) {
        years -= 1;
    }
    years.max(0) as u32
}
