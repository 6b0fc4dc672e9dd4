//! The 医保目录 (drugs, services, materials): class, 先行自付 share, price caps and restrictions, looked up by code.

use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::money::{Price, Ratio};
use crate::policy::model::CatalogueItemDef;

/// 收费项目等级.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Lv {
    /// 甲类: fully in range.
    #[serde(rename = "01")]
    A,
    /// 乙类: in range after the 先行自付 share.
    #[serde(rename = "02")]
    B,
    /// 丙类 / not covered: fully self-paid.
    #[serde(rename = "03")]
    C,
}

impl Lv {
    pub fn parse(s: &str) -> Option<Lv> {
        match s {
            "01" => Some(Lv::A),
            "02" => Some(Lv::B),
            "03" => Some(Lv::C),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lv::A => "01",
            Lv::B => "02",
            Lv::C => "03",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            Lv::A => "甲类",
            Lv::B => "乙类",
            Lv::C => "丙类",
        }
    }
}

/// One catalogue entry, ready for lookups.
#[derive(Debug, Clone)]
pub struct Item {
    pub code: String,
    pub name: String,
    pub lv: Lv,
    pub category: Option<String>,
    /// (insutype or "*", ratio).
    pub selfpay_prop: Vec<(String, Ratio)>,
    /// (hosp_lv or "*", cap).
    pub price_cap: Vec<(String, Price)>,
    pub sex: Option<String>,
    pub age_min: Option<u32>,
    pub age_max: Option<u32>,
    pub min_hosp_lv: Option<String>,
    pub med_types: Option<Vec<String>>,
}

impl Item {
    /// The engine's view of a validated definition.
    pub fn from_def(d: &CatalogueItemDef) -> Item {
        Item {
            code: d.code.clone(),
            name: d.name.clone(),
            lv: Lv::parse(&d.lv).unwrap_or(Lv::C),
            category: d.category.clone(),
            selfpay_prop: d.selfpay_prop.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            price_cap: d.price_cap.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            sex: d.sex.clone(),
            age_min: d.age_min,
            age_max: d.age_max,
            min_hosp_lv: d.min_hosp_lv.clone(),
            med_types: d.med_types.clone(),
        }
    }

    /// 先行自付比例 for a scheme (0 for 甲类 and for 乙类 items without one).
    pub fn selfpay_for(&self, insutype: &str) -> Ratio {
        match self.lv {
            Lv::A => Ratio::ZERO,
            Lv::C => Ratio::ONE,
            Lv::B => pick(&self.selfpay_prop, insutype).copied().unwrap_or(Ratio::ZERO),
        }
    }
    /// 最高限价 at a hospital level, if any.
    pub fn cap_for(&self, hosp_lv: &str) -> Option<Price> {
        pick(&self.price_cap, hosp_lv).copied()
    }
}

fn pick<'a, T>(rows: &'a [(String, T)], key: &str) -> Option<&'a T> {
    rows.iter().find(|(k, _)| k == key).or_else(|| rows.iter().find(|(k, _)| k == "*")).map(|(_, v)| v)
}

/// The catalogue of one region (shared, so that a policy is cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    items: Arc<FxHashMap<String, Item>>,
}

impl Catalogue {
    /// Builds the catalogue from validated definitions.
    pub fn from_defs(defs: &[CatalogueItemDef]) -> Catalogue {
        Catalogue::default().merged(defs)
    }

    /// This catalogue with `defs` laid over it: an item with the same code is replaced whole, a new code is added,
    /// and the items `defs` does not name stay as they are.
    pub fn merged(&self, defs: &[CatalogueItemDef]) -> Catalogue {
        let mut items = (*self.items).clone();
        items.reserve(defs.len());
        for d in defs {
            items.insert(d.code.clone(), Item::from_def(d));
        }
        Catalogue { items: Arc::new(items) }
    }

    pub fn get(&self, code: &str) -> Option<&Item> {
        self.items.get(code)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Item> {
        self.items.values()
    }
}
