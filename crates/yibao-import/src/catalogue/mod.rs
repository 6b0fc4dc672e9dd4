//! `yibao import catalogue`: one version of a region's 医保目录 from CSV or a spreadsheet, checked cell by cell, and
//! stored whole — the version's header and all its items in one job — so that a gateway never loads half a version.
//!
//! A version is only added to: an item already in it as given is unchanged, a new code is added (a file fixed after
//! an import with `skip_bad`), an item with other content is a wrong row. The codes are checked against the
//! dictionaries of the region's newest stored policy pack (the national ones and the pack's extensions).

pub(crate) mod cells;
pub(crate) mod columns;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::NaiveDate;
use yibao_core::codes::{Dictionaries, kind};
use yibao_core::policy::CatalogueItemDef;
use yibao_core::{Policy, Ratio};
use yibao_store::{CatalogueVersionRow, Op, Store};

use crate::check::{Reasons, cell};
use crate::fields::{self, Columns, Field, Kind};
use crate::source::{self, Cell, Row};
use crate::values::{self, iso};
use crate::{BadRow, ImportError, Report};
use columns::{AGE, AGE_MAX, AGE_MIN, CATEGORY, CODE, KeyedColumns, LV, MED_TYPES, MIN_HOSP_LV, NAME, SEX, take_keyed};

/// Which catalogue a file holds: the region, the version label, and the day it comes into force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueTarget {
    pub admdvs: String,
    pub version: String,
    /// In force from this day; by default the stored version's day, or today for a new version.
    pub from: Option<NaiveDate>,
}

/// Imports one catalogue file as (part of) a catalogue version of a region.
pub async fn import_catalogue(
    store: &Store,
    path: &Path,
    target: &CatalogueTarget,
    skip_bad: bool,
) -> Result<Report, ImportError> {
    check_target(target)?;
    let mut table = source::read(path, Kind::Catalogue.names())?;
    table.find_header(|cells| fields::is_header(Kind::Catalogue, cells));
    let (dict, dict_note) = dictionaries(store, &target.admdvs).await?;
    let mut headers = table.headers.clone();
    let keyed = take_keyed(&mut headers, &dict)?;
    let (cols, column_warnings) = fields::map_columns(Kind::Catalogue, &headers)?;
    let mut report = Report { rows: table.rows.len(), warnings: table.notes, ..Report::default() };
    report.warnings.push(dict_note);
    report.warnings.extend(column_warnings);

    let (admdvs, version) = (&target.admdvs, &target.version);
    let stored_version = store.catalogue_version(admdvs, version).await?;
    let begndate = begndate(target, stored_version.as_ref())?;
    let stored: HashMap<String, CatalogueItemDef> = match &stored_version {
        Some(_) => store.catalogue_items(admdvs, version).await?.into_iter().map(|d| (d.code.clone(), d)).collect(),
        None => HashMap::new(),
    };
    let reader = ItemReader { cols: &cols, keyed: &keyed, dict: &dict };
    let mut first_row: HashMap<String, usize> = HashMap::new();
    let mut good: Vec<(usize, CatalogueItemDef)> = Vec::new();
    for row in &table.rows {
        let mut why = Reasons::default();
        let (code, item) = reader.item(row, &mut why);
        if let Some(code) = code {
            match first_row.get(&code) {
                Some(first) => why.push(format!("医保目录编码 {code} 与第 {first} 行重复")),
                None => {
                    first_row.insert(code, row.number);
                }
            }
        }
        if let Some(item) = item.filter(|_| why.0.is_empty()) {
            match stored.get(&item.code) {
                Some(s) if *s == item => report.unchanged += 1,
                Some(_) => why.push(format!(
                    "医保目录编码 {} 在统筹区 {admdvs} 的目录版本 {version} 中已存在，且内容与文件不同（已导入的目录版本不能修改，请以新的版本号导入）",
                    item.code
                )),
                None => good.push((row.number, item)),
            }
        }
        if !why.0.is_empty() {
            report.bad.push(BadRow { row: row.number, reason: why.0.join("；") });
        }
    }
    if !report.goes_on(skip_bad, good.len(), &format!("目录版本 {version} 中已有的项目")) {
        return Ok(report);
    }

    let file_name = crate::file_name(path);
    let mut ops = Vec::with_capacity(3);
    match &stored_version {
        None => ops.push(Op::InsertCatalogueVersion {
            admdvs: admdvs.clone(),
            version: version.clone(),
            begndate: begndate.clone(),
            source: file_name.clone(),
        }),
        Some(_) => report.warnings.push(format!("目录版本 {version} 已存在，本次在其中新增 {} 项", good.len())),
    }
    let (first_row, last_row, n) = (good[0].0, good[good.len() - 1].0, good.len());
    ops.push(Op::InsertCatalogueItems {
        admdvs: admdvs.clone(),
        version: version.clone(),
        items: good.into_iter().map(|(_, d)| d).collect(),
    });
    let detail = serde_json::json!({
        "admdvs": admdvs, "version": version, "from": begndate, "rows": report.rows, "imported": n,
        "unchanged": report.unchanged, "bad": report.bad.len(), "skip_bad": skip_bad,
    });
    ops.push(crate::audit(Kind::Catalogue, &file_name, detail));
    if let Err(source) = store.commit(ops).await {
        return Err(ImportError::Commit { report: Box::new(report), first_row, last_row, source });
    }
    report.imported = n;
    Ok(report)
}

fn check_target(t: &CatalogueTarget) -> Result<(), ImportError> {
    let bad = |m: String| Err(ImportError::CatalogueTarget(m));
    if t.admdvs.len() != 6 || !t.admdvs.bytes().all(|b| b.is_ascii_digit()) {
        return bad(format!("统筹区 --admdvs“{}”应为6位数字的区划代码", t.admdvs));
    }
    if t.version.trim().is_empty() || t.version.chars().count() > 30 || t.version.chars().any(char::is_whitespace) {
        return bad(format!("目录版本 --version“{}”应为不含空格的版本号（至多 30 个字符），如 2026.1", t.version));
    }
    Ok(())
}

/// The day the version is in force from: `--from`, else the stored version's, else today. A stored version keeps
/// its day.
fn begndate(t: &CatalogueTarget, stored: Option<&CatalogueVersionRow>) -> Result<String, ImportError> {
    match (t.from.map(iso), stored) {
        (Some(f), Some(s)) if f != s.begndate => Err(ImportError::CatalogueTarget(format!(
            "统筹区 {} 的目录版本 {} 已存在，自 {} 起执行，与 --from {f} 不同（已导入的目录版本不能修改，请以新的版本号导入）",
            t.admdvs, t.version, s.begndate
        ))),
        (Some(f), _) => Ok(f),
        (None, Some(s)) => Ok(s.begndate.clone()),
        (None, None) => Ok(iso(chrono::Local::now().date_naive())),
    }
}

/// The dictionaries codes are checked against, and a note saying which.
async fn dictionaries(store: &Store, admdvs: &str) -> Result<(Dictionaries, String), ImportError> {
    Ok(match store.latest_policy(admdvs).await? {
        Some((version, pack)) => match Policy::from_toml(&format!("{admdvs}@{version}"), &pack) {
            Ok(p) => (p.dict, format!("代码按统筹区 {admdvs} 政策包 {version} 的字典（国家字典及其扩展）校验")),
            Err(_) => {
                (Dictionaries::national(), format!("统筹区 {admdvs} 的政策包 {version} 无法读取，代码按国家字典校验"))
            }
        },
        None => (Dictionaries::national(), format!("系统中尚无统筹区 {admdvs} 的政策包，代码按国家字典校验")),
    })
}

/// A 医保目录编码 as the interface carries it (`med_list_codg`, at most 50 characters, no spaces).
fn code_text(t: String) -> Result<String, String> {
    if t.chars().count() > 50 {
        Err(format!("“{t}”超过 50 个字符"))
    } else if t.chars().any(char::is_whitespace) {
        Err(format!("“{t}”中有空格"))
    } else {
        Ok(t)
    }
}

struct ItemReader<'a> {
    cols: &'a Columns,
    keyed: &'a KeyedColumns,
    dict: &'a Dictionaries,
}

impl ItemReader<'_> {
    /// The row's code (for the duplicate check, even when the row is wrong) and its item when every cell is right.
    fn item(&self, row: &Row, why: &mut Reasons) -> (Option<String>, Option<CatalogueItemDef>) {
        let c = |f: &Field| cell(row, self.cols, f);
        let code = why.field(&CODE, values::required(c(&CODE)).and_then(code_text));
        let name = why.field(&NAME, values::required(c(&NAME)));
        let lv = why.field(&LV, cells::lv(c(&LV)));
        let category = why.field(&CATEGORY, cells::code_or_label(self.dict, kind::MED_CHRGITM_TYPE, c(&CATEGORY)));
        let sex = why.field(&SEX, cells::sex(c(&SEX)));
        let age_min = why.field(&AGE_MIN, cells::age(c(&AGE_MIN)));
        let age_max = why.field(&AGE_MAX, cells::age(c(&AGE_MAX)));
        let age_text = why.field(&AGE, cells::age_text(c(&AGE)));
        let min_hosp_lv = why.field(&MIN_HOSP_LV, cells::min_hosp_lv(self.dict, c(&MIN_HOSP_LV)));
        let med_types = why.field(&MED_TYPES, cells::med_types(self.dict, c(&MED_TYPES)));
        let keyed_cell = |i: usize| row.cells.get(i).unwrap_or(&Cell::Empty);
        let (mut selfpay, mut price_cap) = (BTreeMap::new(), BTreeMap::new());
        let mut keyed_ok = true;
        for k in &self.keyed.selfpay {
            match why.named(&k.header, cells::ratio(keyed_cell(k.index), k.percent)) {
                Some(r) => selfpay.extend(r.map(|r| (k.key.clone(), r))),
                None => keyed_ok = false,
            }
        }
        for k in &self.keyed.caps {
            match why.named(&k.header, cells::price(keyed_cell(k.index))) {
                Some(p) => price_cap.extend(p.map(|p| (k.key.clone(), p))),
                None => keyed_ok = false,
            }
        }
        let ages = match (age_min, age_max, age_text) {
            (Some(a), Some(b), Some(t)) if t != (None, None) && (a.is_some() || b.is_some()) => {
                why.push("限定年龄与最小年龄、最大年龄只能填写一种".to_string());
                None
            }
            (Some(a), Some(b), Some(t)) => Some(if t != (None, None) { t } else { (a, b) }),
            _ => None,
        };
        if let Some((Some(a), Some(b))) = ages
            && a > b
        {
            why.push(format!("最小年龄 {a} 大于最大年龄 {b}"));
        }
        if let Some(lv) = &lv
            && keyed_ok
        {
            self.class_rules(lv, &mut selfpay, why);
        }
        let item = match (code.clone(), name, lv, category, sex, ages, min_hosp_lv, med_types) {
            (
                Some(code),
                Some(name),
                Some(lv),
                Some(category),
                Some(sex),
                Some((age_min, age_max)),
                Some(m),
                Some(t),
            ) if keyed_ok => Some(CatalogueItemDef {
                code,
                name,
                lv,
                category,
                selfpay_prop: selfpay,
                price_cap,
                sex,
                age_min,
                age_max,
                min_hosp_lv: m,
                med_types: t,
            }),
            _ => None,
        };
        (code, item)
    }

    /// 甲类: fully in range, no 先行自付 (0 accepted); 丙类: fully self-paid (100% accepted); both keep none.
    /// 乙类: a ratio for every scheme — the common column, or each per-scheme column of the file.
    fn class_rules(&self, lv: &str, selfpay: &mut BTreeMap<String, Ratio>, why: &mut Reasons) {
        let header = |key: &str| {
            self.keyed
                .selfpay
                .iter()
                .find(|k| k.key == key)
                .map_or_else(|| "先行自付比例".to_string(), |k| k.header.clone())
        };
        match lv {
            "01" => match selfpay.iter().find(|(_, r)| r.0 > 0) {
                Some((k, r)) => {
                    why.push(format!("甲类项目全部纳入政策范围，{}应为空或 0（文件中为 {}）", header(k), r.percent()))
                }
                None => selfpay.clear(),
            },
            "03" => match selfpay.iter().find(|(_, r)| **r != Ratio::ONE) {
                Some((k, r)) => {
                    why.push(format!("丙类项目全部自费，不应填写{}（文件中为 {}）", header(k), r.percent()))
                }
                None => selfpay.clear(),
            },
            _ if selfpay.contains_key("*") => {}
            _ if self.keyed.selfpay.is_empty() => {
                why.push("乙类项目须有先行自付比例，但文件中没有先行自付比例列".to_string());
            }
            _ => {
                // The per-scheme columns must each be filled; a file with only the common column has it empty.
                let per_scheme: Vec<_> = self.keyed.selfpay.iter().filter(|k| k.key != "*").collect();
                let missing: Vec<String> = if per_scheme.is_empty() {
                    self.keyed.selfpay.iter().map(|k| k.header.clone()).collect()
                } else {
                    per_scheme.iter().filter(|k| !selfpay.contains_key(&k.key)).map(|k| k.header.clone()).collect()
                };
                if !missing.is_empty() {
                    why.push(format!("乙类项目的{}为空（不需先行自付时填 0）", missing.join("、")));
                }
            }
        }
    }
}
