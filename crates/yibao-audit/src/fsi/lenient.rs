//! Lenient readers for hospital input: numbers as strings and strings as numbers, an object where a list belongs,
//! empty strings for absent values, dates with or without a time.

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// Text from a string, number or boolean; "" when absent.
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(text(&Value::deserialize(d)?).unwrap_or_default())
}

/// Text from a string, number or boolean; `None` when absent, null or blank.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(text(&Value::deserialize(d)?))
}

/// A date from "2024-01-05", "2024-01-05 10:30:00", "2024-01-05T10:30:00", "20240105" or "2024/01/05".
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let day = s.get(..10).unwrap_or(s);
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(day, "%Y/%m/%d"))
        .or_else(|_| NaiveDate::parse_from_str(s.get(..8).unwrap_or(s), "%Y%m%d"))
        .ok()
}

/// An optional date; a value that is not a date is an error (a wrong date must not pass as "no date").
pub fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    match text(&Value::deserialize(d)?) {
        None => Ok(None),
        Some(s) => parse_date(&s).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!("“{s}”不是日期（应为 YYYY-MM-DD 或 YYYY-MM-DD HH:MM:SS）"))
        }),
    }
}

/// An optional fixed-point value (money, price, quantity); null and "" are absent.
pub fn opt_fixed<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        v => T::deserialize(v).map(Some).map_err(serde::de::Error::custom),
    }
}

/// A list, one object standing for a list of one, or nothing.
pub fn one_or_many<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(Vec::new()),
        Value::Array(a) => a.into_iter().map(|v| T::deserialize(v).map_err(serde::de::Error::custom)).collect(),
        v => T::deserialize(v).map(|t| vec![t]).map_err(serde::de::Error::custom),
    }
}

/// A list of codes: `["R01", "R02"]`, `"R01,R02"` or a single number.
pub fn codes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let v = Value::deserialize(d)?;
    let items: Vec<Value> = match v {
        Value::Array(a) => a,
        other => vec![other],
    };
    Ok(items
        .iter()
        .filter_map(text)
        .flat_map(|s| s.split([',', '，', '|']).map(|p| p.trim().to_string()).collect::<Vec<_>>())
        .filter(|s| !s.is_empty())
        .collect())
}

/// 触发场景: `6`, `"6"`, `"6,7"` or `[6, 7]`; each must be 1–10.
pub fn scenes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    codes(d)?
        .iter()
        .map(|s| {
            s.parse::<u8>()
                .ok()
                .filter(|n| (1..=10).contains(n))
                .ok_or_else(|| serde::de::Error::custom(format!("触发场景“{s}”无效：应为 1–10")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_forms_hospitals_send() {
        let d = NaiveDate::from_ymd_opt(2024, 1, 5);
        for s in ["2024-01-05", "2024-01-05 10:30:00", "2024-01-05T10:30:00", "20240105", "2024/01/05"] {
            assert_eq!(parse_date(s), d, "{s}");
        }
        assert_eq!(parse_date("2024-13-05"), None);
        assert_eq!(parse_date("明天"), None);
    }
}
