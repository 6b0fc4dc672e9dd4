//! Reading one cell as text, a code, a date, a year or an amount, with the reason in Chinese when it cannot be read.

use chrono::NaiveDate;
use yibao_core::codes::{Dictionaries, kind};
use yibao_core::money::Fen;

use crate::source::Cell;

/// Numbers above this cannot hold an 18-digit ID number or a long code exactly once Excel stored them as numbers.
const EXACT_DIGITS_LIMIT: f64 = 1e15;

/// The cell as text: numbers as their shortest text ("2024", "12.5"), dates as YYYY-MM-DD.
pub(crate) fn text(c: &Cell) -> Result<String, String> {
    match c {
        Cell::Empty => Ok(String::new()),
        Cell::Text(t) => Ok(t.trim().to_string()),
        Cell::Int(i) => Ok(i.to_string()),
        Cell::Float(f) if f.fract() == 0.0 && f.abs() < EXACT_DIGITS_LIMIT => Ok(format!("{}", *f as i64)),
        Cell::Float(f) if f.abs() >= EXACT_DIGITS_LIMIT => {
            Err("在表格中被存为数字，长编号已丢失精度，请把该列设为“文本”格式后重新录入".to_string())
        }
        Cell::Float(f) => Ok(format!("{f}")),
        Cell::Date(d) => Ok(d.format("%Y-%m-%d").to_string()),
        Cell::Bool(b) => Ok(if *b { "1" } else { "0" }.to_string()),
        Cell::Error(e) => Err(format!("单元格错误 {e}")),
    }
}

/// A value that must be present.
pub(crate) fn required(c: &Cell) -> Result<String, String> {
    let t = text(c)?;
    if t.is_empty() { Err("为空".to_string()) } else { Ok(t) }
}

/// A value that may be absent.
pub(crate) fn optional(c: &Cell) -> Result<Option<String>, String> {
    text(c).map(|t| if t.is_empty() { None } else { Some(t) })
}

/// A code of a national dictionary, given as the code or as its label ("男" for gend 1, "二级" for hosp_lv 2).
pub(crate) fn dict_code(dict: &Dictionaries, kind_name: &str, c: &Cell) -> Result<String, String> {
    let t = required(c)?;
    let known = |code: &str| {
        if kind_name == kind::PSN_TYPE { dict.contains_psn_type(code) } else { dict.contains(kind_name, code) }
    };
    if known(&t) {
        return Ok(t);
    }
    if let Some((code, _)) = dict.codes(kind_name).find(|(_, label)| *label == t) {
        return Ok(code.to_string());
    }
    Err(format!("“{t}”不是有效的代码"))
}

/// A code from a short fixed list, given as the code or its label.
pub(crate) fn list_code(list: &[(&str, &str)], c: &Cell) -> Result<String, String> {
    let t = required(c)?;
    if let Some((code, _)) = list.iter().find(|(code, label)| *code == t || *label == t) {
        return Ok(code.to_string());
    }
    let allowed: Vec<String> = list.iter().map(|(c, l)| format!("{c} {l}")).collect();
    Err(format!("“{t}”无效，应为 {}", allowed.join("、")))
}

/// A date: a spreadsheet date cell, or text YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYYMMDD or YYYY年M月D日 (a time of
/// day after it is ignored). Empty gives None.
pub(crate) fn date(c: &Cell) -> Result<Option<NaiveDate>, String> {
    let t = match c {
        Cell::Empty => return Ok(None),
        Cell::Date(d) => return Ok(Some(*d)),
        Cell::Int(_) | Cell::Float(_) | Cell::Text(_) => text(c)?,
        Cell::Bool(_) | Cell::Error(_) => return Err(format!("“{}”不是日期", text(c).unwrap_or_default())),
    };
    if t.is_empty() {
        return Ok(None);
    }
    parse_date(&t).map(Some).ok_or_else(|| format!("“{t}”不是有效日期（应为 YYYY-MM-DD、YYYY/MM/DD 或 YYYYMMDD）"))
}

pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    let t = t.split_once([' ', 'T']).map_or(t, |(d, time)| {
        if chrono::NaiveTime::parse_from_str(time.trim(), "%H:%M:%S").is_ok()
            || chrono::NaiveTime::parse_from_str(time.trim(), "%H:%M:%S%.f").is_ok()
            || chrono::NaiveTime::parse_from_str(time.trim(), "%H:%M").is_ok()
        {
            d
        } else {
            t
        }
    });
    let t = t.replace(['年', '月'], "-").replace('日', "");
    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(&t, "%Y%m%d").ok();
    }
    let parts: Vec<&str> = t.split(['-', '/', '.']).collect();
    if parts.len() != 3
        || parts[0].len() != 4
        || !(1..=2).contains(&parts[1].len())
        || !(1..=2).contains(&parts[2].len())
        || !parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    NaiveDate::from_ymd_opt(parts[0].parse().ok()?, parts[1].parse().ok()?, parts[2].parse().ok()?)
}

/// A required date.
pub(crate) fn required_date(c: &Cell) -> Result<NaiveDate, String> {
    date(c)?.ok_or_else(|| "为空".to_string())
}

pub(crate) fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A year: four digits.
pub(crate) fn year(c: &Cell) -> Result<i64, String> {
    let t = required(c)?;
    if t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()) && !t.starts_with('0') {
        Ok(t.parse().unwrap_or_default())
    } else {
        Err(format!("“{t}”应为4位年份，如 2025"))
    }
}

/// A number's decimal text, as written: text without thousands separators, a leading ¥ or a trailing 元; a
/// spreadsheet number through its shortest text ("1234.5"), never through float arithmetic. Empty gives None.
pub(crate) fn decimal_text(c: &Cell) -> Result<Option<String>, String> {
    Ok(Some(match c {
        Cell::Float(f) if f.is_finite() => format!("{f}"),
        Cell::Int(i) => i.to_string(),
        Cell::Text(t) => {
            t.trim().trim_start_matches(['¥', '￥']).trim_end_matches('元').replace([',', '，'], "").trim().to_string()
        }
        Cell::Empty => return Ok(None),
        other => return Err(format!("“{}”不是数字", text(other).unwrap_or_default())),
    }))
}

/// An amount in yuan, exact to the fen (see [`decimal_text`]).
pub(crate) fn amount(c: &Cell) -> Result<Fen, String> {
    let t = decimal_text(c)?.ok_or_else(|| "为空".to_string())?;
    let fen: Fen = t.parse().map_err(|e| format!("金额{e}"))?;
    if fen.0 < 0 {
        return Err(format!("“{t}”不能为负数"));
    }
    Ok(fen)
}

/// A 6-digit area code (统筹区).
pub(crate) fn admdvs(c: &Cell) -> Result<String, String> {
    let t = required(c)?;
    if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) {
        Ok(t)
    } else {
        Err(format!("“{t}”应为6位数字的区划代码"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_usual_forms() {
        let d = NaiveDate::from_ymd_opt(2024, 1, 5);
        for t in ["2024-01-05", "2024/01/05", "2024/1/5", "20240105", "2024.1.5", "2024年1月5日", "2024-01-05 00:00:00"]
        {
            assert_eq!(parse_date(t), d, "{t}");
        }
        for t in ["2024-13-01", "2023-02-29", "24-01-05", "2024-01", "20241305", "abc", "2024-01-05 xx"] {
            assert_eq!(parse_date(t), None, "{t}");
        }
        assert_eq!(date(&Cell::Date(d.unwrap())).unwrap(), d);
        assert_eq!(date(&Cell::Float(20240105.0)).unwrap(), d);
        assert_eq!(date(&Cell::Empty).unwrap(), None);
        assert!(date(&Cell::Float(45296.0)).is_err());
    }

    #[test]
    fn amounts_are_exact() {
        assert_eq!(amount(&Cell::Text("1,234.56".into())).unwrap(), Fen(123_456));
        assert_eq!(amount(&Cell::Float(0.1)).unwrap(), Fen(10));
        assert_eq!(amount(&Cell::Float(1234.57)).unwrap(), Fen(123_457));
        assert_eq!(amount(&Cell::Float(90_071_992_547.41)).unwrap(), Fen(9_007_199_254_741));
        assert_eq!(amount(&Cell::Int(300)).unwrap(), Fen(30_000));
        assert!(amount(&Cell::Text("12.345".into())).is_err());
        assert!(amount(&Cell::Text("-1".into())).is_err());
        assert!(amount(&Cell::Text("十元".into())).is_err());
    }

    #[test]
    fn numbers_as_text() {
        assert_eq!(text(&Cell::Float(2024.0)).unwrap(), "2024");
        assert!(text(&Cell::Float(110105194912310020.0)).is_err());
        assert_eq!(year(&Cell::Float(2025.0)).unwrap(), 2025);
        assert!(year(&Cell::Text("25".into())).is_err());
    }

    #[test]
    fn codes_by_code_or_label() {
        let d = Dictionaries::national();
        assert_eq!(dict_code(&d, kind::GEND, &Cell::Text("女".into())).unwrap(), "2");
        assert_eq!(dict_code(&d, kind::HOSP_LV, &Cell::Float(2.0)).unwrap(), "2");
        assert_eq!(dict_code(&d, kind::PSN_TYPE, &Cell::Text("1160".into())).unwrap(), "1160");
        assert!(dict_code(&d, kind::INSUTYPE, &Cell::Text("999".into())).is_err());
    }
}
