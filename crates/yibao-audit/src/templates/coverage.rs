//! The catalogue's two money rules: items outside the fund (丙类 or not in the 医保目录) claimed for fund payment,
//! and prices above the catalogue's cap (超标准收费). Rows come from a knowledge file or from a policy's catalogue.

use rustc_hash::FxHashMap;
use serde::Deserialize;
use yibao_core::Fen;
use yibao_core::catalogue::{Catalogue, Lv};
use yibao_core::codes::kind;
use yibao_core::money::{Price, over_cap_amount};

use super::restrict::{CODE, NAME, unique};
use super::{Build, Ctx, Hit, level_label};
use crate::evidence::Facts;
use crate::knowledge::Col;

const LV: &[Col] = &[
    CODE,
    NAME,
    Col::req("lv", "收费项目等级", &["chrgitm_lv", "目录等级"]),
    Col::opt("class", "收费项目类别", &["med_chrgitm_type"]),
];
const CAP: &[Col] = &[
    CODE,
    NAME,
    Col::opt("hosp_lv", "医院等级", &["机构等级"]),
    Col::req("cap", "最高限价", &["限价", "pric_uplmt_amt"]),
];

/// `from_catalogue = true`: the rows are the catalogue of the policy attached with
/// [`crate::RulePack::attach_catalogue`] instead of a knowledge file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct CatalogueParams {
    from_catalogue: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct NotCovered {
    pub(crate) from_catalogue: bool,
    rows: Vec<(Box<str>, Lv)>,
}

impl NotCovered {
    pub(crate) fn compile(params: &toml::Table, b: &mut Build) -> Option<NotCovered> {
        let p: CatalogueParams = b.params(params)?;
        if !p.from_catalogue && b.table.as_ref().is_none_or(|t| t.rows.is_empty()) {
            b.knowledge_err("本规则需要医保目录：给出知识库（项目编码、收费项目等级）或设置 from_catalogue = true");
        }
        let mut seen = FxHashMap::default();
        let rows = b.rows(LV, |c| {
            let code = c.req("code")?;
            if !unique(&mut seen, c, code) {
                return None;
            }
            c.req("lv")?;
            let lv = c.code("lv", kind::CHRGITM_LV)?;
            Some((code.into(), Lv::parse(&lv).unwrap_or(Lv::C)))
        });
        Some(NotCovered { from_catalogue: p.from_catalogue, rows })
    }

    pub(crate) fn fill_from(&mut self, cat: &Catalogue) {
        self.rows = cat.iter().map(|i| (i.code.as_str().into(), i.lv)).collect();
        self.rows.sort_by(|a, b| a.0.cmp(&b.0));
    }

    /// Whether the rule has a catalogue to judge by (an unattached `from_catalogue` rule has none and stays quiet).
    pub(crate) fn ready(&self) -> bool {
        !self.rows.is_empty()
    }

    pub(crate) fn keys(&self) -> Vec<(&str, u32)> {
        self.rows.iter().enumerate().map(|(i, r)| (&*r.0, i as u32)).collect()
    }

    pub(crate) fn line(&self, row: Option<u32>, cx: &Ctx, i: usize) -> Option<Hit> {
        if !self.ready() {
            return None;
        }
        let lv = match row.map(|r| self.rows[r as usize].1) {
            Some(Lv::A | Lv::B) => return None,
            Some(Lv::C) => format!("{}项目", cx.label(kind::CHRGITM_LV, "03")),
            None => "医保目录外项目".to_string(),
        };
        Hit::on_line(cx, i, Facts::new().with("lv", lv))
    }
}

#[derive(Debug, Clone)]
pub(crate) struct PriceCap {
    pub(crate) from_catalogue: bool,
    /// (code, hospital level or "*", cap).
    rows: Vec<(Box<str>, Box<str>, Price)>,
}

impl PriceCap {
    pub(crate) fn compile(params: &toml::Table, b: &mut Build) -> Option<PriceCap> {
        let p: CatalogueParams = b.params(params)?;
        if !p.from_catalogue && b.table.as_ref().is_none_or(|t| t.rows.is_empty()) {
            b.knowledge_err("本规则需要限价表：给出知识库（项目编码、医院等级、最高限价）或设置 from_catalogue = true");
        }
        let mut seen: FxHashMap<(Box<str>, Box<str>), usize> = FxHashMap::default();
        let rows = b.rows(CAP, |c| {
            let code = c.req("code")?;
            let lv: Box<str> = match c.text("hosp_lv") {
                None | Some("*") => "*".into(),
                Some(_) => c.code("hosp_lv", kind::HOSP_LV)?,
            };
            let cap: Price = c.req_parse("cap")?;
            if cap.0 <= 0 {
                c.error("cap", "最高限价必须大于 0");
            }
            if let Some(first) = seen.insert((code.into(), lv.clone()), c.number()) {
                c.error("hosp_lv", format!("项目“{code}”在医院等级“{lv}”的限价重复：第 {first} 行已有"));
            }
            Some((code.into(), lv, cap))
        });
        Some(PriceCap { from_catalogue: p.from_catalogue, rows })
    }

    pub(crate) fn fill_from(&mut self, cat: &Catalogue) {
        self.rows = cat
            .iter()
            .flat_map(|i| i.price_cap.iter().map(|(lv, cap)| (i.code.as_str().into(), lv.as_str().into(), *cap)))
            .collect();
        self.rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    }

    pub(crate) fn keys(&self) -> Vec<(&str, u32)> {
        self.rows.iter().enumerate().map(|(i, r)| (&*r.0, i as u32)).collect()
    }

    pub(crate) fn line(&self, rows: &[u32], cx: &Ctx, i: usize) -> Option<Hit> {
        let lv = cx.enc.visit.medins_lv.unwrap_or("*");
        let pick = |want: &str| rows.iter().map(|r| &self.rows[*r as usize]).find(|r| &*r.1 == want);
        let (_, _, cap) = pick(lv).or_else(|| pick("*"))?;
        let l = cx.line(i);
        if l.qty.0 <= 0 || l.price <= *cap {
            return None;
        }
        let over = over_cap_amount(l.price, *cap, l.qty).min(l.claimed());
        if over <= Fen::ZERO {
            return None;
        }
        let mut hit = Hit::on_line(
            cx,
            i,
            Facts::new()
                .with("price", price_text(l.price))
                .with("cap", price_text(*cap))
                .with("level", level_label(cx.dict, cx.enc.visit.medins_lv)),
        )?;
        hit.lines[0].2 = over;
        hit.amount = over;
        Some(hit)
    }
}

/// A unit price as the bureau writes it: at least two decimals, no trailing zeros beyond them ("12.50", "0.125").
pub(crate) fn price_text(p: Price) -> String {
    let s = p.to_string();
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let frac = frac.trim_end_matches('0');
    format!("{int}.{frac:0<2}")
}
