//! The columns of a 医保目录 file: fixed ones by name, and the 先行自付比例 and 最高限价 columns, one for every
//! scheme and level or one per 险种 (职工先行自付比例, 居民先行自付比例, 先行自付比例(310)) and per hospital level
//! (一级限价, 二级医院最高限价, 最高限价(三级)), recognised by what their header names.

use yibao_core::codes::{Dictionaries, kind};

use crate::ImportError;
use crate::fields::{Field, normalize};

pub(crate) const CODE: Field = Field::req(
    "code",
    "医保目录编码",
    &[
        "医保编码",
        "目录编码",
        "国家医保编码",
        "医保代码",
        "医保项目编码",
        "医保药品编码",
        "药品编码",
        "项目编码",
        "耗材编码",
        "国家编码",
        "med_list_codg",
        "hilist_code",
    ],
);
pub(crate) const NAME: Field = Field::req(
    "name",
    "名称",
    &[
        "药品名称",
        "项目名称",
        "目录名称",
        "医保目录名称",
        "通用名",
        "通用名称",
        "注册名称",
        "耗材名称",
        "医保项目名称",
        "med_list_name",
        "hilist_name",
    ],
);
pub(crate) const LV: Field = Field::req(
    "lv",
    "收费项目等级",
    &["收费等级", "项目等级", "医保等级", "目录等级", "甲乙类", "甲乙类别", "甲乙丙类", "chrgitm_lv"],
);
pub(crate) const CATEGORY: Field =
    Field::opt("category", "医疗收费项目类别", &["收费项目类别", "收费类别", "项目类别", "med_chrgitm_type"]);
pub(crate) const SEX: Field = Field::opt("sex", "限定性别", &["限制性别", "限性别", "性别限制", "限定使用性别"]);
pub(crate) const AGE_MIN: Field =
    Field::opt("age_min", "最小年龄", &["限定最小年龄", "年龄下限", "最低年龄", "限定年龄下限"]);
pub(crate) const AGE_MAX: Field =
    Field::opt("age_max", "最大年龄", &["限定最大年龄", "年龄上限", "最高年龄", "限定年龄上限"]);
pub(crate) const AGE: Field = Field::opt("age", "限定年龄", &["年龄限制", "限制年龄", "限年龄"]);
pub(crate) const MIN_HOSP_LV: Field = Field::opt(
    "min_hosp_lv",
    "限医疗机构级别",
    &["限定医疗机构级别", "限医疗机构等级", "限定医疗机构等级", "限医院等级", "限定医院等级", "最低医院等级"],
);
pub(crate) const MED_TYPES: Field = Field::opt(
    "med_types",
    "限就医类别",
    &["限定就医类别", "限医疗类别", "限定医疗类别", "就医类别限制", "限就医方式", "限定就医方式"],
);

/// The fixed columns (the keyed ones are found by [`take_keyed`]).
pub(crate) const FIELDS: &[Field] = &[CODE, NAME, LV, CATEGORY, SEX, AGE_MIN, AGE_MAX, AGE, MIN_HOSP_LV, MED_TYPES];

/// A column of 先行自付比例 for one 险种, or of 最高限价 for one hospital level; key "*" for all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Keyed {
    pub index: usize,
    pub key: String,
    /// The header as written, for messages.
    pub header: String,
    /// The values are percents without the sign ("先行自付比例(%)": 10 means 10%).
    pub percent: bool,
}

#[derive(Debug, Default)]
pub(crate) struct KeyedColumns {
    pub selfpay: Vec<Keyed>,
    pub caps: Vec<Keyed>,
}

/// Header endings, longest first.
const SELFPAY_ENDINGS: &[&str] = &["先行自付比例", "先自付比例", "自付比例", "selfpay_prop"];
const CAP_ENDINGS: &[&str] = &["最高限价", "限价", "价格上限", "最高价格", "price_cap", "pric_uplmt_amt"];

/// The 险种 a header prefix or note names: 职工 → 310, 居民 → 390, a code or a name of the dictionary; "" (or 个人)
/// for every scheme.
fn scheme(dict: &Dictionaries, t: &str) -> Option<String> {
    let key = match t {
        "" | "个人" => "*",
        "职工" | "城镇职工" | "职工医保" | "职工基本医疗保险" => "310",
        "居民" | "城乡居民" | "居民医保" | "城乡居民医保" => "390",
        _ if dict.contains(kind::INSUTYPE, t) => t,
        _ => dict.codes(kind::INSUTYPE).find(|(_, label)| *label == t)?.0,
    };
    Some(key.to_string())
}

/// The hospital level a header prefix or note names: 一级, 二级医院, 三级医疗机构, a code; "" for every level.
fn level(dict: &Dictionaries, t: &str) -> Option<String> {
    let t = t.trim_end_matches("定点医疗机构").trim_end_matches("医疗机构").trim_end_matches("医院");
    if t.is_empty() {
        return Some("*".to_string());
    }
    if dict.contains(kind::HOSP_LV, t) {
        return Some(t.to_string());
    }
    dict.codes(kind::HOSP_LV).find(|(_, label)| *label == t).map(|(code, _)| code.to_string())
}

/// Finds the 先行自付比例 and 最高限价 columns and blanks their headers, so that the fixed columns map the rest.
/// A header naming a 险种 or a level that is not in the dictionaries, two columns for the same one, or a price
/// column not in yuan fails the whole file.
pub(crate) fn take_keyed(headers: &mut [String], dict: &Dictionaries) -> Result<KeyedColumns, ImportError> {
    let mut out = KeyedColumns::default();
    for (index, raw) in headers.iter_mut().enumerate() {
        let (name, note) = normalize(raw);
        let header = raw.trim().to_string();
        let ending = |endings: &[&str]| endings.iter().find_map(|e| name.strip_suffix(e)).map(str::to_string);
        let (list, key, what) = if let Some(prefix) = ending(SELFPAY_ENDINGS) {
            let percent = note == "%" || note == "％" || note == "百分比";
            let named = if prefix.is_empty() && !percent { note.as_str() } else { prefix.as_str() };
            let key = scheme(dict, named).ok_or_else(|| {
                ImportError::BadHeader(format!(
                    "列“{header}”：无法识别险种“{named}”（应为 职工、居民，或险种代码，如“先行自付比例(310)”）"
                ))
            })?;
            (&mut out.selfpay, Keyed { index, key, header: header.clone(), percent }, "先行自付比例")
        } else if let Some(prefix) = ending(CAP_ENDINGS) {
            if note.contains('分') || note.contains("万元") {
                return Err(ImportError::BadHeader(format!("列“{header}”：最高限价须以元为单位（如 12.50）")));
            }
            let named = if prefix.is_empty() && note != "元" { note.as_str() } else { prefix.as_str() };
            let key = level(dict, named).ok_or_else(|| {
                ImportError::BadHeader(format!(
                    "列“{header}”：无法识别医院等级“{named}”（应为 一级、二级、三级，如“二级限价”或“最高限价(三级)”）"
                ))
            })?;
            (&mut out.caps, Keyed { index, key, header: header.clone(), percent: false }, "最高限价")
        } else {
            continue;
        };
        if let Some(first) = list.iter().find(|k| k.key == key.key) {
            return Err(ImportError::DuplicateColumn {
                field: format!("{what}（{}）", if key.key == "*" { "通用" } else { key.key.as_str() }),
                first: first.header.clone(),
                second: header,
            });
        }
        list.push(key);
        raw.clear();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(k: &[Keyed]) -> Vec<(usize, &str, bool)> {
        k.iter().map(|k| (k.index, k.key.as_str(), k.percent)).collect()
    }

    #[test]
    fn keyed_columns_by_scheme_and_level() {
        let d = Dictionaries::national();
        let mut h: Vec<String> = [
            "医保目录编码",
            "职工先行自付比例",
            "居民先行自付比例(%)",
            "先行自付比例（320）",
            "一级限价",
            "二级医院最高限价（元）",
            "最高限价(三级)",
            "最高限价",
            "名称",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let k = take_keyed(&mut h, &d).unwrap();
        assert_eq!(keys(&k.selfpay), [(1, "310", false), (2, "390", true), (3, "320", false)]);
        assert_eq!(keys(&k.caps), [(4, "1", false), (5, "2", false), (6, "3", false), (7, "*", false)]);
        assert_eq!(h.iter().filter(|h| !h.is_empty()).collect::<Vec<_>>(), ["医保目录编码", "名称"]);
    }

    #[test]
    fn unknown_and_doubled_keyed_columns_fail_the_file() {
        let d = Dictionaries::national();
        let mut h = vec!["学生先行自付比例".to_string()];
        assert!(take_keyed(&mut h, &d).unwrap_err().to_string().contains("无法识别险种“学生”"));
        let mut h = vec!["四级限价".to_string()];
        assert!(take_keyed(&mut h, &d).unwrap_err().to_string().contains("无法识别医院等级“四级”"));
        let mut h = vec!["职工先行自付比例".to_string(), "先行自付比例(310)".to_string()];
        assert!(take_keyed(&mut h, &d).is_err());
        let mut h = vec!["最高限价（分）".to_string()];
        assert!(take_keyed(&mut h, &d).unwrap_err().to_string().contains("以元为单位"));
    }
}
