//! Fee-line classification against the catalogue, as interface 2204/2301 return it per line.
//!
//! Each line's amount splits exactly into 全自费 + 超限价 + 先行自付 + 符合政策范围. Rounding points: the 超限价 amount
//! ((price − cap) × count) and the 先行自付 amount ((amount − 超限价) × ratio) are each rounded half-up to the fen;
//! the in-range amount is what is left, so the four parts always add up to the line.

use serde::Serialize;

use super::context::VisitCtx;
use super::request::FeeLine;
use crate::catalogue::{Catalogue, Lv};
use crate::money::{Fen, Price, Ratio, over_cap_amount};
use crate::policy::Scheme;

/// Why a line (or part of it) is paid by the patient alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineNote {
    /// Nothing special.
    None,
    /// The code is not in the catalogue.
    NotInCatalogue,
    /// 丙类 item.
    ClassC,
    /// A restricted item used outside its restriction without hospital approval.
    RestrictedSex,
    RestrictedAge,
    RestrictedHospLv,
    RestrictedMedType,
    /// The 先行自付 share came from a scheme override (index into the scheme's overrides).
    Override(u16),
}

/// One line's classification (the 2204 `result` row without the echoed request fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LineResult {
    pub det_item_fee_sumamt: Fen,
    pub fulamt_ownpay_amt: Fen,
    pub overlmt_amt: Fen,
    pub preselfpay_amt: Fen,
    pub inscp_scp_amt: Fen,
    pub selfpay_prop: Ratio,
    pub chrgitm_lv: Lv,
    pub pric_uplmt_amt: Option<Price>,
    /// 限制使用标志: the item carries a restriction.
    pub lmt_used_flag: bool,
    pub note: LineNote,
}

/// Classifies one line.
pub fn classify_line(line: &FeeLine, cat: &Catalogue, scheme: &Scheme, ctx: &VisitCtx) -> LineResult {
    let amount = line.det_item_fee_sumamt;
    let ownpay = |lv, note, lmt| LineResult {
        det_item_fee_sumamt: amount,
        fulamt_ownpay_amt: amount,
        overlmt_amt: Fen::ZERO,
        preselfpay_amt: Fen::ZERO,
        inscp_scp_amt: Fen::ZERO,
        selfpay_prop: Ratio::ONE,
        chrgitm_lv: lv,
        pric_uplmt_amt: None,
        lmt_used_flag: lmt,
        note,
    };
    let Some(item) = cat.get(&line.med_list_codg) else {
        return ownpay(Lv::C, LineNote::NotInCatalogue, false);
    };
    if item.lv == Lv::C {
        return ownpay(Lv::C, LineNote::ClassC, false);
    }
    let restricted = item.sex.is_some()
        || item.age_min.is_some()
        || item.age_max.is_some()
        || item.min_hosp_lv.is_some()
        || item.med_types.is_some();
    if restricted && line.hosp_appr_flag != "1" {
        let visit = ctx.visit;
        let note = if item.sex.as_deref().is_some_and(|s| s != ctx.person.gend) {
            Some(LineNote::RestrictedSex)
        } else if item.age_min.is_some_and(|a| ctx.age < a) || item.age_max.is_some_and(|a| ctx.age > a) {
            Some(LineNote::RestrictedAge)
        } else if item.min_hosp_lv.as_deref().is_some_and(|m| level(&visit.hosp_lv) < level(m)) {
            Some(LineNote::RestrictedHospLv)
        } else if item.med_types.as_ref().is_some_and(|m| !m.contains(&visit.med_type)) {
            Some(LineNote::RestrictedMedType)
        } else {
            None
        };
        if let Some(note) = note {
            return ownpay(item.lv, note, true);
        }
    }
    let cap = item.cap_for(&ctx.visit.hosp_lv);
    let overlmt = cap.map_or(Fen::ZERO, |c| over_cap_amount(line.pric, c, line.cnt));
    let rest = amount - overlmt;
    let mut note = LineNote::None;
    let mut prop = item.selfpay_for(&ctx.person.insutype);
    if item.lv == Lv::B {
        for (i, o) in scheme.preselfpay_overrides.iter().enumerate() {
            if o.items.contains(&item.code) && ctx.matches(&o.when) {
                prop = o.selfpay_prop;
                note = LineNote::Override(i as u16);
                break;
            }
        }
    }
    let pre = rest.mul_ratio(prop);
    LineResult {
        det_item_fee_sumamt: amount,
        fulamt_ownpay_amt: Fen::ZERO,
        overlmt_amt: overlmt,
        preselfpay_amt: pre,
        inscp_scp_amt: rest - pre,
        selfpay_prop: prop,
        chrgitm_lv: item.lv,
        pric_uplmt_amt: cap,
        lmt_used_flag: restricted,
        note,
    }
}

/// Orders hospital levels by their numeric code (0 未定级 < 1 < 2 < 3); non-numeric local codes rank lowest.
fn level(code: &str) -> u32 {
    code.parse().unwrap_or(0)
}
