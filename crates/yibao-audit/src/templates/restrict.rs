//! Items restricted to one sex, an age range, an institution level or type, some 医疗类别 or some 险种
//! (限性别 / 儿童专用 / 限成人 / 限二级及以上 / 限住院 / 限工伤 / 限生育): one knowledge row per item code.

use rustc_hash::FxHashMap;
use serde::Deserialize;
use yibao_core::codes::kind;

use super::{Build, Ctx, Hit, TemplateKind};
use crate::evidence::Facts;
use crate::knowledge::{Cells, Col};

/// The item-code column, with the headers the national knowledge batches and HIS exports use.
pub(crate) const CODE: Col =
    Col::req("code", "项目编码", &["医保目录编码", "医保编码", "hilist_code", "med_list_codg"]);
/// An item-name column, for people reading the file (the line's own name is shown in evidence).
pub(crate) const NAME: Col = Col::opt("name", "项目名称", &["医保目录名称", "名称", "hilist_name"]);

const SEX: &[Col] = &[CODE, NAME, Col::req("gend", "限定性别", &["性别"])];
const AGE: &[Col] =
    &[CODE, NAME, Col::opt("age_min", "最小年龄", &["年龄下限"]), Col::opt("age_max", "最大年龄", &["年龄上限"])];
const INSTITUTION: &[Col] = &[
    CODE,
    NAME,
    Col::opt("min_hosp_lv", "最低医院等级", &["限定医院等级"]),
    Col::opt("medins_types", "限定机构类型", &["机构类型"]),
];
const MED_TYPE: &[Col] = &[CODE, NAME, Col::req("med_types", "限定医疗类别", &["医疗类别"])];
const SCHEME: &[Col] = &[CODE, NAME, Col::req("insutypes", "限定险种", &["险种"])];

#[derive(Debug, Clone)]
pub(crate) struct Restrict {
    rows: Vec<Row>,
}

#[derive(Debug, Clone)]
struct Row {
    code: Box<str>,
    limit: Limit,
}

#[derive(Debug, Clone)]
enum Limit {
    Sex(Box<str>),
    Age { min: Option<u32>, max: Option<u32> },
    Institution { min_lv: Option<(u8, Box<str>)>, types: Vec<Box<str>> },
    MedType(Vec<Box<str>>),
    Scheme(Vec<Box<str>>),
}

/// `age_limit` parameters: the bounds used for rows that give none (儿童专用: `age_max = 17`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct AgeParams {
    age_min: Option<u32>,
    age_max: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoParams {}

/// Refuses a second row for the same code (which row would win is then the bureau's guess).
pub(crate) fn unique(seen: &mut FxHashMap<Box<str>, usize>, c: &mut Cells, code: &str) -> bool {
    if let Some(first) = seen.get(code) {
        c.error("code", format!("项目编码“{code}”重复：第 {first} 行已有"));
        return false;
    }
    seen.insert(code.into(), c.number());
    true
}

fn hosp_level(code: &str) -> Option<u8> {
    code.parse().ok()
}

impl Restrict {
    pub(crate) fn compile(t: TemplateKind, params: &toml::Table, b: &mut Build) -> Option<Restrict> {
        let mut seen = FxHashMap::default();
        let mut age = AgeParams::default();
        let cols = match t {
            TemplateKind::SexLimit => SEX,
            TemplateKind::AgeLimit => AGE,
            TemplateKind::InstitutionLimit => INSTITUTION,
            TemplateKind::MedTypeLimit => MED_TYPE,
            _ => SCHEME,
        };
        if t == TemplateKind::AgeLimit {
            age = b.params(params)?;
        } else {
            b.params::<NoParams>(params)?;
        }
        let rows = b.rows(cols, |c| {
            let code = c.req("code")?;
            if !unique(&mut seen, c, code) {
                return None;
            }
            let limit = match t {
                TemplateKind::SexLimit => {
                    c.req("gend")?;
                    Limit::Sex(c.code("gend", kind::GEND)?)
                }
                TemplateKind::AgeLimit => {
                    let min = c.parse("age_min").or(age.age_min);
                    let max = c.parse("age_max").or(age.age_max);
                    if min.is_none() && max.is_none() {
                        c.error("age_max", "未给出年龄上限或下限（行内或规则参数 age_min / age_max）");
                    }
                    if let (Some(a), Some(z)) = (min, max)
                        && a > z
                    {
                        c.error("age_max", format!("年龄上限 {z} 小于下限 {a}"));
                    }
                    Limit::Age { min, max }
                }
                TemplateKind::InstitutionLimit => {
                    let min_lv = c.code("min_hosp_lv", kind::HOSP_LV).and_then(|l| hosp_level(&l).map(|n| (n, l)));
                    let types = c.codes("medins_types", Some("medins_type"));
                    if min_lv.is_none() && types.is_empty() && c.text("min_hosp_lv").is_none() {
                        c.error("min_hosp_lv", "未给出最低医院等级或限定机构类型");
                    }
                    Limit::Institution { min_lv, types }
                }
                TemplateKind::MedTypeLimit => Limit::MedType(c.codes("med_types", Some(kind::MED_TYPE))),
                _ => Limit::Scheme(c.codes("insutypes", Some(kind::INSUTYPE))),
            };
            Some(Row { code: code.into(), limit })
        });
        Some(Restrict { rows })
    }

    pub(crate) fn keys(&self) -> Vec<(&str, u32)> {
        self.rows.iter().enumerate().map(|(i, r)| (&*r.code, i as u32)).collect()
    }

    pub(crate) fn line(&self, row: u32, cx: &Ctx, i: usize) -> Option<Hit> {
        let v = &cx.enc.visit;
        let facts = match &self.rows[row as usize].limit {
            Limit::Sex(g) => {
                let own = cx.enc.person.gend.filter(|g| matches!(*g, "1" | "2"))?;
                if own == &**g {
                    return None;
                }
                Facts::new()
                    .with("gend", cx.label(kind::GEND, own))
                    .with("limit", format!("{}性", cx.dict.label_or_code(kind::GEND, g)))
            }
            Limit::Age { min, max } => {
                let age = cx.age?;
                if min.is_none_or(|m| age >= m) && max.is_none_or(|m| age <= m) {
                    return None;
                }
                let limit = match (min, max) {
                    (Some(a), Some(z)) => format!("{a}至{z}岁"),
                    (Some(a), None) => format!("{a}岁及以上"),
                    (None, Some(z)) => format!("{z}岁及以下"),
                    (None, None) => return None,
                };
                Facts::new().with("age", age).with("limit", limit)
            }
            Limit::Institution { min_lv, types } => {
                let low = matches!((min_lv, cx.level), (Some((m, _)), Some(l)) if l < *m);
                let wrong_type = !types.is_empty() && v.medins_type.is_some_and(|t| !types.iter().any(|x| &**x == t));
                if !low && !wrong_type {
                    return None;
                }
                let mut limit = String::new();
                if let Some((_, code)) = min_lv {
                    limit = format!("{}及以上", cx.label(kind::HOSP_LV, code));
                }
                if !types.is_empty() {
                    let names: Vec<String> = types.iter().map(|t| cx.label("medins_type", t)).collect();
                    limit.push_str(&names.join("、"));
                } else {
                    limit.push_str("医疗机构");
                }
                let level = cx.dict.label_or_code(kind::HOSP_LV, v.medins_lv.unwrap_or("")).to_string();
                let mtype = v.medins_type.map(|t| cx.label("medins_type", t)).unwrap_or_else(|| "医疗机构".into());
                Facts::new().with("level", level).with("medins_type", mtype).with("limit", limit)
            }
            Limit::MedType(list) => {
                if list.iter().any(|m| &**m == v.med_type) {
                    return None;
                }
                let names: Vec<String> = list.iter().map(|m| cx.label(kind::MED_TYPE, m)).collect();
                Facts::new().with("med_type", cx.label(kind::MED_TYPE, v.med_type)).with("limit", names.join("、"))
            }
            Limit::Scheme(list) => {
                if list.iter().any(|m| &**m == v.insutype) {
                    return None;
                }
                let names: Vec<String> = list.iter().map(|m| cx.label(kind::INSUTYPE, m)).collect();
                Facts::new().with("insutype", cx.label(kind::INSUTYPE, v.insutype)).with("limit", names.join("、"))
            }
        };
        Hit::on_line(cx, i, facts)
    }
}
