//! Reading the cells of a 医保目录 row: 收费项目等级, ratios, prices, and the restrictions (性别, 年龄, 医疗机构级别,
//! 就医类别) in the forms bureaus write them, with the reason in Chinese when a cell cannot be read.

use yibao_core::codes::{Dictionaries, kind};
use yibao_core::money::{Price, Ratio, parse_scaled};

use crate::check::zh;
use crate::source::Cell;
use crate::values::{self, decimal_text};

/// 收费项目等级 as chrgitm_lv: 甲/乙/丙 (类), 01/02/03, or 1/2/3 (a code typed as a number).
pub(crate) fn lv(c: &Cell) -> Result<String, String> {
    let t = values::required(c)?;
    let code = match t.trim_end_matches("类") {
        "甲" | "01" | "1" => "01",
        "乙" | "02" | "2" => "02",
        "丙" | "03" | "3" | "自费" | "丙类（自费）" | "丙（自费）" => "03",
        _ => return Err(format!("“{t}”无效，应为 甲类、乙类、丙类（或 01、02、03）")),
    };
    Ok(code.to_string())
}

/// A code of a dictionary given as the code or its label; a code of two digits may have lost its leading zero in a
/// spreadsheet ("9" for 09 西药费).
pub(crate) fn code_or_label(dict: &Dictionaries, kind_name: &str, c: &Cell) -> Result<Option<String>, String> {
    let Some(t) = values::optional(c)? else { return Ok(None) };
    if dict.contains(kind_name, &t) {
        return Ok(Some(t));
    }
    let padded = format!("0{t}");
    if t.len() == 1 && dict.contains(kind_name, &padded) {
        return Ok(Some(padded));
    }
    match dict.codes(kind_name).find(|(_, label)| *label == t) {
        Some((code, _)) => Ok(Some(code.to_string())),
        None => Err(format!("“{t}”不是有效的代码")),
    }
}

/// A 先行自付比例: 0.1, "10%", a percent-formatted spreadsheet cell (stored as 0.1), or 10 in a column whose header
/// says its values are percents ("先行自付比例(%)"). Empty gives None.
pub(crate) fn ratio(c: &Cell, percent: bool) -> Result<Option<Ratio>, String> {
    let Some(t) = decimal_text(c)? else { return Ok(None) };
    let t = t.replace('％', "%");
    let (number, scale, percent) = match t.strip_suffix('%') {
        Some(p) => (p.trim().to_string(), 2, true),
        None if percent => (t.clone(), 2, true),
        None => (t.clone(), 4, false),
    };
    let v = parse_scaled(&number, scale).map_err(|_| {
        let places = if percent { "百分数至多 2 位小数" } else { "小数至多 4 位" };
        format!("“{t}”不是有效的比例（写 0.1 或 10%，{places}）")
    })?;
    if !(0..=10_000).contains(&v) {
        let hint = if percent { "" } else { "；百分数请带 %，如 10%" };
        return Err(format!("“{t}”超出 0–100% 的范围{hint}"));
    }
    Ok(Some(Ratio(v as u32)))
}

/// A 最高限价 in yuan, exact to a millionth (the interface's 16,6); must be above zero. Empty gives None (no cap).
pub(crate) fn price(c: &Cell) -> Result<Option<Price>, String> {
    let Some(t) = decimal_text(c)? else { return Ok(None) };
    let p: Price = t.parse().map_err(|e: yibao_core::money::DecimalError| zh(&e.to_string()).to_string())?;
    if p.0 < 0 {
        return Err(format!("“{t}”不能为负数"));
    }
    if p.0 == 0 {
        return Err("为 0：最高限价必须大于 0（不限价请留空）".to_string());
    }
    Ok(Some(p))
}

/// 限定性别: 男/女 (性), 限男性, 1/2; empty or 不限 gives None.
pub(crate) fn sex(c: &Cell) -> Result<Option<String>, String> {
    let Some(t) = values::optional(c)? else { return Ok(None) };
    let s = t.trim_start_matches('限').trim_end_matches("使用").trim_end_matches('性');
    match s {
        "不限" | "无" => Ok(None),
        "男" | "1" => Ok(Some("1".to_string())),
        "女" | "2" => Ok(Some("2".to_string())),
        _ => Err(format!("“{t}”无效，应为 男、女（或 1、2），不限性别请留空")),
    }
}

/// An age in whole years (周岁), 0–150: 18, "18", "18岁", "18周岁". Empty gives None.
pub(crate) fn age(c: &Cell) -> Result<Option<u32>, String> {
    let Some(t) = values::optional(c)? else { return Ok(None) };
    years(&t).map(Some).ok_or_else(|| format!("“{t}”应为 0–150 的整数周岁"))
}

fn years(t: &str) -> Option<u32> {
    let n = t.trim().trim_end_matches('岁').trim_end_matches('周');
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n.parse().ok().filter(|a| *a <= 150)
}

/// 限定年龄 written as text: 限儿童 (under 18), 限成人 (18 and over), 限18岁以下 / 18岁及以下 (up to 18),
/// 未满18周岁 (up to 17), 限60岁以上 (60 and over), 6-14岁 (6 to 14). Chinese legal usage: 以上/以下 include the
/// number. Gives (age_min, age_max); empty or 不限 gives (None, None).
pub(crate) fn age_text(c: &Cell) -> Result<(Option<u32>, Option<u32>), String> {
    let Some(t) = values::optional(c)? else { return Ok((None, None)) };
    let bad = || {
        format!(
            "“{t}”无法识别（可写“限儿童”、“限成人”、“18岁以下”、“未满18周岁”、“60岁以上”、“6-14岁”，或改用最小年龄、最大年龄两列）"
        )
    };
    let s = t.trim_start_matches('限').trim_end_matches("使用").trim_end_matches("用药").trim_end_matches("患者");
    match s {
        "不限" | "无" => return Ok((None, None)),
        "儿童" | "儿童专用" | "小儿" | "未成年人" => return Ok((None, Some(17))),
        "成人" | "成年人" => return Ok((Some(18), None)),
        _ => {}
    }
    if let Some(n) = s.strip_prefix("未满") {
        return years(n).filter(|n| *n > 0).map(|n| (None, Some(n - 1))).ok_or_else(bad);
    }
    for (suffix, upper) in [("及以下", true), ("以下", true), ("以内", true), ("及以上", false), ("以上", false)]
    {
        if let Some(n) = s.strip_suffix(suffix) {
            let n = years(n).ok_or_else(bad)?;
            return Ok(if upper { (None, Some(n)) } else { (Some(n), None) });
        }
    }
    let s = s.trim_end_matches('岁').trim_end_matches('周');
    if let Some((a, b)) = s.split_once(['-', '~', '～', '—', '至', '到'])
        && let (Some(a), Some(b)) = (years(a), years(b))
    {
        return Ok((Some(a), Some(b)));
    }
    Err(bad())
}

/// 限医疗机构级别: the lowest hospital level the item is paid at: 二级, 限二级及以上, 二级及以上医疗机构, 2.
pub(crate) fn min_hosp_lv(dict: &Dictionaries, c: &Cell) -> Result<Option<String>, String> {
    let Some(t) = values::optional(c)? else { return Ok(None) };
    let s = t
        .trim_start_matches('限')
        .trim_end_matches("使用")
        .trim_end_matches("定点医疗机构")
        .trim_end_matches("医疗机构")
        .trim_end_matches("医院")
        .trim_end_matches("及以上")
        .trim_end_matches("以上");
    if s == "不限" || s == "无" {
        return Ok(None);
    }
    if dict.contains(kind::HOSP_LV, s) {
        return Ok(Some(s.to_string()));
    }
    match dict.codes(kind::HOSP_LV).find(|(_, label)| *label == s) {
        Some((code, _)) => Ok(Some(code.to_string())),
        None => Err(format!("“{t}”无效，应为 一级、二级、三级（或 1、2、3），如“限二级及以上”")),
    }
}

/// 限就医类别: med_type codes or names separated by 、 , ; / or spaces; 住院 stands for every inpatient 医疗类别
/// (dictionary inpatient_med_type), 门诊 for the outpatient ones (codes 1x: 普通门诊, 门诊挂号, 急诊, 门诊慢特病).
/// Gives the codes sorted; empty or 不限 gives None.
pub(crate) fn med_types(dict: &Dictionaries, c: &Cell) -> Result<Option<Vec<String>>, String> {
    let Some(t) = values::optional(c)? else { return Ok(None) };
    let s = t.trim_start_matches('限').trim_end_matches("使用");
    if s == "不限" || s == "无" {
        return Ok(None);
    }
    let mut codes: Vec<String> = Vec::new();
    for part in s.split([',', '，', '、', ';', '；', '/', ' ']).map(str::trim).filter(|p| !p.is_empty()) {
        let part = part.trim_start_matches('限');
        let found: Vec<&str> = if dict.contains(kind::MED_TYPE, part) {
            vec![part]
        } else if let Some((code, _)) = dict.codes(kind::MED_TYPE).find(|(_, label)| *label == part) {
            vec![code]
        } else if part == "住院" {
            dict.codes(kind::INPATIENT_MED_TYPE).map(|(c, _)| c).collect()
        } else if part == "门诊" {
            dict.codes(kind::MED_TYPE).map(|(c, _)| c).filter(|c| c.len() == 2 && c.starts_with('1')).collect()
        } else if matches!(part, "门慢" | "门特" | "门慢门特" | "门特门慢") {
            vec!["14"]
        } else {
            return Err(format!("“{part}”不是有效的医疗类别（写代码如 21，或名称如 普通住院、住院、门诊）"));
        };
        codes.extend(found.into_iter().map(str::to_string));
    }
    codes.sort();
    codes.dedup();
    Ok(if codes.is_empty() { None } else { Some(codes) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }

    #[test]
    fn classes_in_every_form() {
        for (s, code) in [("甲", "01"), ("乙类", "02"), ("丙类", "03"), ("02", "02"), ("3", "03"), ("自费", "03")]
        {
            assert_eq!(lv(&t(s)).unwrap(), code, "{s}");
        }
        assert_eq!(lv(&Cell::Float(2.0)).unwrap(), "02");
        assert!(lv(&t("丁类")).unwrap_err().contains("甲类、乙类、丙类"));
        assert!(lv(&Cell::Empty).is_err());
    }

    #[test]
    fn ratios_are_exact_and_within_range() {
        assert_eq!(ratio(&t("0.1"), false).unwrap(), Some(Ratio(1000)));
        assert_eq!(ratio(&t("12.5%"), false).unwrap(), Some(Ratio(1250)));
        assert_eq!(ratio(&Cell::Float(0.05), false).unwrap(), Some(Ratio(500)));
        assert_eq!(ratio(&t("15"), true).unwrap(), Some(Ratio(1500)));
        assert_eq!(ratio(&Cell::Empty, false).unwrap(), None);
        assert!(ratio(&t("10"), false).unwrap_err().contains("超出 0–100%"));
        assert!(ratio(&t("120%"), false).unwrap_err().contains("超出 0–100%"));
        assert!(ratio(&t("-0.1"), false).unwrap_err().contains("超出"));
        assert!(ratio(&t("0.12345"), false).is_err());
        assert!(ratio(&t("一成"), false).is_err());
    }

    #[test]
    fn prices_are_exact_and_positive() {
        assert_eq!(price(&t("12.345678")).unwrap(), Some(Price(12_345_678)));
        assert_eq!(price(&Cell::Float(0.1)).unwrap(), Some(Price(100_000)));
        assert_eq!(price(&t("¥1,200.5元")).unwrap(), Some(Price(1_200_500_000)));
        assert!(price(&t("-3")).unwrap_err().contains("不能为负数"));
        assert!(price(&t("0")).unwrap_err().contains("必须大于 0"));
        assert!(price(&t("1.0000001")).is_err());
    }

    #[test]
    fn restrictions_in_words() {
        assert_eq!(sex(&t("限男性")).unwrap().as_deref(), Some("1"));
        assert_eq!(sex(&t("女")).unwrap().as_deref(), Some("2"));
        assert_eq!(sex(&t("不限")).unwrap(), None);
        assert!(sex(&t("男女")).is_err());
        assert_eq!(age_text(&t("限儿童")).unwrap(), (None, Some(17)));
        assert_eq!(age_text(&t("18岁以下")).unwrap(), (None, Some(18)));
        assert_eq!(age_text(&t("未满18周岁")).unwrap(), (None, Some(17)));
        assert_eq!(age_text(&t("限60岁以上")).unwrap(), (Some(60), None));
        assert_eq!(age_text(&t("6-14岁")).unwrap(), (Some(6), Some(14)));
        assert!(age_text(&t("限青年")).is_err());
        assert_eq!(age(&Cell::Float(14.0)).unwrap(), Some(14));
        assert!(age(&t("14.5")).is_err());
        let d = Dictionaries::national();
        assert_eq!(min_hosp_lv(&d, &t("限二级及以上医疗机构")).unwrap().as_deref(), Some("2"));
        assert_eq!(min_hosp_lv(&d, &Cell::Float(3.0)).unwrap().as_deref(), Some("3"));
        assert!(min_hosp_lv(&d, &t("四级")).is_err());
        assert_eq!(med_types(&d, &t("限住院")).unwrap().unwrap(), ["21", "22", "23", "24", "52", "92"]);
        assert_eq!(med_types(&d, &t("普通门诊、14")).unwrap().unwrap(), ["11", "14"]);
        assert!(med_types(&d, &t("住院,体检")).unwrap_err().contains("“体检”"));
        assert_eq!(code_or_label(&d, kind::MED_CHRGITM_TYPE, &Cell::Float(9.0)).unwrap().as_deref(), Some("09"));
        assert_eq!(code_or_label(&d, kind::MED_CHRGITM_TYPE, &t("西药费")).unwrap().as_deref(), Some("09"));
    }
}
