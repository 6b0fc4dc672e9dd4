//! A stored catalogue version laid over a pack's `[[catalogue]]`: same codes replaced, new codes added, an older
//! version replaced rather than piled onto, and lines classified by the result.

use std::collections::BTreeMap;

use serde_json::json;
use yibao_core::catalogue::{Catalogue, Lv};
use yibao_core::policy::CatalogueItemDef;
use yibao_core::settlement::{SettleRequest, classify};
use yibao_core::{Fen, Policy, Price, Ratio};

const PACK: &str = include_str!("../../../packs/demo-county.toml");
/// 甲类 in the demo pack.
const AMOXICILLIN: &str = "XJ01CAA040E001010101446";
const NEW_CODE: &str = "XTEST0000000000000000001";

fn def(code: &str, lv: &str, selfpay: &[(&str, u32)], caps: &[(&str, i64)]) -> CatalogueItemDef {
    CatalogueItemDef {
        code: code.to_string(),
        name: format!("测试{code}"),
        lv: lv.to_string(),
        category: Some("09".to_string()),
        selfpay_prop: selfpay.iter().map(|(k, r)| (k.to_string(), Ratio(*r))).collect::<BTreeMap<_, _>>(),
        price_cap: caps.iter().map(|(k, p)| (k.to_string(), Price(*p))).collect::<BTreeMap<_, _>>(),
        sex: None,
        age_min: None,
        age_max: None,
        min_hosp_lv: None,
        med_types: None,
    }
}

/// Classifies one line of `price` × 1 for a resident (390) at a level-2 hospital.
fn line(policy: &Policy, code: &str, price: &str) -> yibao_core::settlement::LineResult {
    let req: SettleRequest = serde_json::from_value(json!({
        "person": { "psn_no": "P1", "gend": "1", "brdy": "1958-03-12", "insutype": "390", "psn_type": "1601",
                    "enrollments": [{ "insutype": "390", "year": 2024 }] },
        "visit": { "fixmedins_code": "H1", "hosp_lv": "2", "med_type": "11", "begntime": "2024-05-01",
                   "diagnoses": [{ "diag_code": "J06.9" }],
                   "fee_lines": [{ "feedetl_sn": "F1", "med_list_codg": code, "pric": price, "cnt": "1",
                                   "det_item_fee_sumamt": price }] }
    }))
    .unwrap();
    classify(policy, &req).unwrap()[0]
}

#[test]
fn merged_replaces_same_codes_and_adds_new_ones() {
    let base = Catalogue::from_defs(&[def("A", "01", &[], &[]), def("B", "02", &[("*", 1000)], &[])]);
    let merged = base.merged(&[def("B", "03", &[], &[]), def("C", "01", &[], &[])]);
    assert_eq!((base.len(), merged.len()), (2, 3));
    assert_eq!(merged.get("B").unwrap().lv, Lv::C);
    assert_eq!(merged.get("A").unwrap().lv, Lv::A);
    assert_eq!(base.get("B").unwrap().lv, Lv::B, "the catalogue merged over is not changed");
    assert!(base.get("C").is_none());
}

#[test]
fn a_catalogue_version_changes_how_lines_are_classified() {
    let pack = Policy::from_toml("demo", PACK).unwrap();
    assert_eq!(pack.catalogue_version, None);
    let before = line(&pack, AMOXICILLIN, "100");
    assert_eq!((before.chrgitm_lv, before.preselfpay_amt), (Lv::A, Fen::ZERO));
    assert_eq!(line(&pack, NEW_CODE, "100").fulamt_ownpay_amt, Fen(10_000), "not in the pack's catalogue");

    // 2026.1: amoxicillin becomes 乙类 (residents 15% first, employees 5%); a new item capped at 80 yuan.
    let v1 =
        [def(AMOXICILLIN, "02", &[("310", 500), ("390", 1500)], &[]), def(NEW_CODE, "01", &[], &[("*", 80_000_000)])];
    let p1 = pack.with_catalogue("2026.1", &v1);
    assert_eq!(p1.catalogue_version.as_deref(), Some("2026.1"));
    assert_eq!(p1.catalogue.len(), pack.catalogue.len() + 1);
    let a = line(&p1, AMOXICILLIN, "100");
    assert_eq!(
        (a.chrgitm_lv, a.selfpay_prop, a.preselfpay_amt, a.inscp_scp_amt),
        (Lv::B, Ratio(1500), Fen(1500), Fen(8500))
    );
    let n = line(&p1, NEW_CODE, "100");
    assert_eq!((n.chrgitm_lv, n.overlmt_amt, n.inscp_scp_amt), (Lv::A, Fen(2000), Fen(8000)));

    // 2026.2 names only amoxicillin: the new item of 2026.1 is gone, the pack's items are back where not named.
    let p2 = p1.with_catalogue("2026.2", &[def(AMOXICILLIN, "03", &[], &[])]);
    assert_eq!(p2.catalogue.len(), pack.catalogue.len());
    assert_eq!(line(&p2, AMOXICILLIN, "100").fulamt_ownpay_amt, Fen(10_000));
    assert!(p2.catalogue.get(NEW_CODE).is_none());
    let back = p2.with_pack_catalogue();
    assert_eq!((back.catalogue_version.clone(), line(&back, AMOXICILLIN, "100").chrgitm_lv), (None, Lv::A));
}
