//! Lenient readers for hospital input: numbers as strings and strings as numbers, an object where a list belongs,
//! empty strings for absent values, dates with or without a time.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::de::{self, IgnoredAny, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Text from a string, number or boolean; `None` for null, blank, lists and objects. No intermediate value.
struct Text;

impl<'de> Visitor<'de> for Text {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string, number or boolean")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<String>, E> {
        let t = v.trim();
        Ok((!t.is_empty()).then(|| t.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Option<String>, E> {
        if v.trim().len() == v.len() { Ok((!v.is_empty()).then_some(v)) } else { self.visit_str(&v) }
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<String>, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<String>, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<String>, E> {
        // The shortest text that reads back as the same float: the decimal the sender wrote.
        Ok(Some(v.to_string()))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Option<String>, E> {
        Ok(Some(if v { "1" } else { "0" }.to_string()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<String>, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Option<String>, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
        d.deserialize_any(Text)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<Option<String>, A::Error> {
        while a.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut a: A) -> Result<Option<String>, A::Error> {
        while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

fn text(v: &Value) -> Option<String> {
    v.deserialize_any(Text).unwrap_or(None)
}

/// Text from a string, number or boolean; "" when absent.
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(d.deserialize_any(Text)?.unwrap_or_default())
}

/// Text from a string, number or boolean; `None` when absent, null or blank.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(Text)
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
    match d.deserialize_any(Text)? {
        None => Ok(None),
        Some(s) => parse_date(&s)
            .map(Some)
            .ok_or_else(|| de::Error::custom(format!("“{s}”不是日期（应为 YYYY-MM-DD 或 YYYY-MM-DD HH:MM:SS）"))),
    }
}

/// An optional fixed-point value (money, price, quantity) from a number or numeric text; null and "" are absent.
pub fn opt_fixed<'de, D: Deserializer<'de>, T: FromStr>(d: D) -> Result<Option<T>, D::Error>
where
    T::Err: fmt::Display,
{
    match d.deserialize_any(Text)? {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(de::Error::custom),
    }
}

struct OneOrMany<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for OneOrMany<T> {
    type Value = Vec<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list or one object")
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<Vec<T>, A::Error> {
        let mut v = Vec::with_capacity(a.size_hint().unwrap_or(0));
        while let Some(x) = a.next_element()? {
            v.push(x);
        }
        Ok(v)
    }
    fn visit_map<A: de::MapAccess<'de>>(self, a: A) -> Result<Vec<T>, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(a)).map(|t| vec![t])
    }
    fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }
    fn visit_none<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<T>, E> {
        if v.trim().is_empty() { Ok(Vec::new()) } else { Err(E::custom(format!("“{v}”应为列表或对象"))) }
    }
}

/// A list, one object standing for a list of one, or nothing.
pub fn one_or_many<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    d.deserialize_any(OneOrMany(PhantomData))
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
                .ok_or_else(|| de::Error::custom(format!("触发场景“{s}”无效：应为 1–10")))
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
