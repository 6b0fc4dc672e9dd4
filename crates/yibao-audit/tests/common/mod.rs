//! Builders for hand-made visits in tests.
#![allow(dead_code)]

use chrono::NaiveDate;
use yibao_audit::{Encounter, Line, Person, Visit};
use yibao_core::Fen;
use yibao_core::money::line_amount;

pub fn d(s: &str) -> NaiveDate {
    s.parse().expect("test date")
}

/// A fee line with its amount computed from price and quantity.
pub fn line<'a>(id: &'a str, code: &'a str, class: &'a str, price: &str, qty: &str, date: &str) -> Line<'a> {
    let (price, qty) = (price.parse().unwrap(), qty.parse().unwrap());
    Line {
        id,
        code,
        name: code,
        class: Some(class),
        price,
        qty,
        amount: line_amount(price, qty),
        ownpay: Fen::ZERO,
        date: d(date),
        modifier: None,
    }
}

/// An adult man's ordinary outpatient visit at a 二级 general hospital of the demo county, on 2025-03-10.
pub fn outpatient<'a>(lines: Vec<Line<'a>>) -> Encounter<'a> {
    Encounter {
        person: Person {
            psn_no: "P001",
            gend: Some("1"),
            brdy: Some(d("1980-05-01")),
            death_date: None,
            diseases: Some(Vec::new()),
        },
        visit: Visit {
            mdtrt_id: "MD001",
            admdvs: None,
            fixmedins_code: "H001",
            medins_lv: Some("2"),
            medins_type: Some("1"),
            med_type: "11",
            insutype: "390",
            begin: d("2025-03-10"),
            end: Some(d("2025-03-10")),
            emergency: false,
            diagnoses: vec!["J06.9"],
            opsp_dise_code: None,
        },
        lines,
        history: Vec::new(),
    }
}

/// The same man admitted on 2025-03-01 and discharged on 2025-03-08 (7 days).
pub fn inpatient<'a>(lines: Vec<Line<'a>>) -> Encounter<'a> {
    let mut e = outpatient(lines);
    e.visit.med_type = "21";
    e.visit.begin = d("2025-03-01");
    e.visit.end = Some(d("2025-03-08"));
    e
}
