//! Drugs outside the registered chronic disease's drug list (门慢门特超病种用药): on a 门诊慢特病 visit every drug
//! must be on the list of a disease the person is registered for (2503 备案) and that is valid on the visit day.

use rustc_hash::FxHashMap;
use serde::Deserialize;
use yibao_core::codes::kind;

use super::restrict::{CODE, NAME};
use super::{Build, Ctx, Hit};
use crate::evidence::Facts;
use crate::knowledge::Col;

const COLS: &[Col] = &[
    Col::req("disease", "病种编码", &["门慢门特病种编码", "opsp_dise_code"]),
    Col::opt("disease_name", "病种名称", &["门慢门特病种名称"]),
    CODE,
    NAME,
];

/// `chronic_drug_list` parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Params {
    /// 医疗类别 the rule applies to.
    med_types: Vec<String>,
    /// 医疗收费项目类别 that are drugs.
    drug_classes: Vec<String>,
}

impl Default for Params {
    fn default() -> Params {
        Params { med_types: vec!["14".into()], drug_classes: vec!["09".into(), "10".into(), "11".into()] }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Chronic {
    med_types: Vec<String>,
    drug_classes: Vec<String>,
    /// (disease, drug code).
    rows: Vec<(Box<str>, Box<str>)>,
    names: FxHashMap<Box<str>, Box<str>>,
}

impl Chronic {
    pub(crate) fn compile(params: &toml::Table, b: &mut Build) -> Option<Chronic> {
        let p: Params = b.params(params)?;
        b.codes("med_types", kind::MED_TYPE, &p.med_types);
        b.codes("drug_classes", kind::MED_CHRGITM_TYPE, &p.drug_classes);
        let mut names = FxHashMap::default();
        let rows = b.rows(COLS, |c| {
            let (d, code) = (c.req("disease")?, c.req("code")?);
            if let Some(n) = c.text("disease_name") {
                names.insert(d.into(), n.into());
            }
            Some((d.into(), code.into()))
        });
        Some(Chronic { med_types: p.med_types, drug_classes: p.drug_classes, rows, names })
    }

    pub(crate) fn keys(&self) -> Vec<(&str, u32)> {
        self.rows.iter().enumerate().map(|(i, r)| (&*r.1, i as u32)).collect()
    }

    pub(crate) fn line(&self, rows: &[u32], cx: &Ctx, i: usize) -> Option<Hit> {
        let v = &cx.enc.visit;
        if !self.med_types.iter().any(|m| m == v.med_type) {
            return None;
        }
        let registered = cx.enc.person.diseases.as_ref()?;
        let l = cx.line(i);
        if !l.class.is_some_and(|c| self.drug_classes.iter().any(|d| d == c)) {
            return None;
        }
        let mut valid =
            registered.iter().filter(|d| d.valid_on(v.begin) && v.opsp_dise_code.is_none_or(|o| o == d.code));
        if valid.clone().any(|d| rows.iter().any(|r| &*self.rows[*r as usize].0 == d.code)) {
            return None;
        }
        let names: Vec<String> = valid
            .by_ref()
            .map(|d| match self.names.get(d.code) {
                Some(n) => format!("{n}({})", d.code),
                None => d.code.to_string(),
            })
            .collect();
        let disease = if names.is_empty() { "无有效备案病种".to_string() } else { names.join("、") };
        Hit::on_line(cx, i, Facts::new().with("disease", disease))
    }
}
