//! Code dictionaries (险种, 医疗类别, 人员类别, 基金支付类型 …) as data: national defaults, extended per region.

use std::collections::BTreeMap;

/// The national core dictionaries shipped with Yibao (`data/national_dict.toml`).
pub const NATIONAL_DICT_TOML: &str = include_str!("../data/national_dict.toml");

/// Dictionary types a policy pack and a settlement request refer to.
pub mod kind {
    pub const INSUTYPE: &str = "insutype";
    pub const MED_TYPE: &str = "med_type";
    pub const INPATIENT_MED_TYPE: &str = "inpatient_med_type";
    pub const PSN_TYPE: &str = "psn_type";
    pub const CHRGITM_LV: &str = "chrgitm_lv";
    pub const MED_CHRGITM_TYPE: &str = "med_chrgitm_type";
    pub const FUND_PAY_TYPE: &str = "fund_pay_type";
    pub const MDTRT_CERT_TYPE: &str = "mdtrt_cert_type";
    pub const GEND: &str = "gend";
    pub const HOSP_LV: &str = "hosp_lv";
    pub const IDENTITY: &str = "psn_idet_type";
    pub const SETLINFO_FIELD: &str = "setlinfo_field";
}

/// A set of code tables: type → code → label.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dictionaries {
    tables: BTreeMap<String, BTreeMap<String, String>>,
}

impl Dictionaries {
    /// The national defaults.
    pub fn national() -> Dictionaries {
        let tables: BTreeMap<String, BTreeMap<String, String>> =
            toml::from_str(NATIONAL_DICT_TOML).expect("shipped national dictionary is valid TOML");
        Dictionaries { tables }
    }

    /// Adds or overrides codes of one type (a region's extension).
    pub fn extend(&mut self, kind: &str, codes: &BTreeMap<String, String>) {
        let t = self.tables.entry(kind.to_string()).or_default();
        for (k, v) in codes {
            t.insert(k.clone(), v.clone());
        }
    }

    pub fn has_kind(&self, kind: &str) -> bool {
        self.tables.contains_key(kind)
    }

    /// The label of a code, if the code exists.
    pub fn label(&self, kind: &str, code: &str) -> Option<&str> {
        self.tables.get(kind)?.get(code).map(String::as_str)
    }

    pub fn contains(&self, kind: &str, code: &str) -> bool {
        self.label(kind, code).is_some()
    }

    /// The label of a code, or the code itself when unknown (for display only).
    pub fn label_or_code<'a>(&'a self, kind: &str, code: &'a str) -> &'a str {
        self.label(kind, code).unwrap_or(code)
    }

    /// All codes of a type, in order.
    pub fn codes(&self, kind: &str) -> impl Iterator<Item = (&str, &str)> {
        self.tables.get(kind).into_iter().flat_map(|t| t.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// A 人员类别 code is known when it, or a category it begins with, is in the dictionary ("1101" under "11").
    pub fn contains_psn_type(&self, code: &str) -> bool {
        self.contains(kind::PSN_TYPE, code) || (code.len() > 2 && self.contains(kind::PSN_TYPE, &code[..2]))
    }

    pub fn tables(&self) -> &BTreeMap<String, BTreeMap<String, String>> {
        &self.tables
    }
}

/// The `setlinfo` column that a fund code pays into by default (nhsa_interface.md §2.4).
pub fn default_setlinfo_field(fund_pay_type: &str) -> &'static str {
    match fund_pay_type.get(..4).unwrap_or("") {
        "3101" | "3901" => "hifp_pay",
        "3201" => "cvlserv_pay",
        "3701" => "hifes_pay",
        "3902" => "hifmi_pay",
        "3301" => "hifob_pay",
        "6101" => "maf_pay",
        _ => "oth_pay",
    }
}

/// Checks a 居民身份证 number: 18 characters, a valid birth date, and the ISO 7064 MOD 11-2 check digit.
pub fn check_id_number(id: &str) -> Result<(), &'static str> {
    let b = id.as_bytes();
    if b.len() != 18 {
        return Err("身份证号应为18位 (ID number must have 18 characters)");
    }
    if !b[..17].iter().all(u8::is_ascii_digit) {
        return Err("身份证号前17位应为数字 (first 17 characters must be digits)");
    }
    let date = std::str::from_utf8(&b[6..14]).unwrap_or("");
    if chrono::NaiveDate::parse_from_str(date, "%Y%m%d").is_err() {
        return Err("身份证号中的出生日期无效 (birth date in ID number is invalid)");
    }
    let expect = id_check_char(&id[..17]) as u8;
    if b[17].to_ascii_uppercase() != expect {
        return Err("身份证号校验位错误 (ID number check digit is wrong)");
    }
    Ok(())
}

/// The ISO 7064 MOD 11-2 check character for the first 17 digits of a 居民身份证 number.
pub fn id_check_char(first17: &str) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const C: &[u8; 11] = b"10X98765432";
    let sum: u32 = first17.bytes().zip(W).map(|(d, w)| u32::from(d.wrapping_sub(b'0')) * w).sum();
    C[(sum % 11) as usize] as char
}

/// Masks an identifier for logs and lists: keeps the first 6 and last 2 characters ("130302**********14").
pub fn mask_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let mut s: String = chars[..6].iter().collect();
    s.extend(std::iter::repeat_n('*', chars.len() - 8));
    s.extend(&chars[chars.len() - 2..]);
    s
}

/// Masks a name: keeps the first character ("雷**").
pub fn mask_name(name: &str) -> String {
    let mut it = name.chars();
    match it.next() {
        Some(first) => std::iter::once(first).chain(it.map(|_| '*')).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_dictionary_loads_and_extends() {
        let mut d = Dictionaries::national();
        assert_eq!(d.label(kind::MED_TYPE, "21"), Some("普通住院"));
        assert!(d.contains_psn_type("1101"));
        assert!(d.contains_psn_type("1160")); // local extension under 在职
        assert!(!d.contains_psn_type("77"));
        let mut ext = BTreeMap::new();
        ext.insert("9901".to_string(), "重大疾病门诊".to_string());
        d.extend(kind::MED_TYPE, &ext);
        assert_eq!(d.label(kind::MED_TYPE, "9901"), Some("重大疾病门诊"));
    }

    #[test]
    fn id_numbers_are_checked() {
        assert!(check_id_number("11010519491231002X").is_ok());
        assert!(check_id_number("110105194912310021").is_err());
        assert!(check_id_number("11010519491331002X").is_err());
        assert!(check_id_number("1101051949").is_err());
    }

    #[test]
    fn masking() {
        assert_eq!(mask_id("130302198610041214"), "130302**********14");
        assert_eq!(mask_name("雷小明"), "雷**");
        assert_eq!(default_setlinfo_field("330101"), "hifob_pay");
        assert_eq!(default_setlinfo_field("610100"), "maf_pay");
    }
}
