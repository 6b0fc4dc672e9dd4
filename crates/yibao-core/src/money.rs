//! Exact money and the interface's fixed-point quantities: amounts in fen, ratios (5,4), prices (16,6), counts (16,4).
//!
//! Nothing here touches floating point for arithmetic. Values are parsed from their decimal text ("4.52", "70%");
//! JSON numbers that arrive as binary floats are read back through their shortest round-trip text, which is exact for
//! every value with at most 15 significant digits (amounts below 10,000 billion yuan).
//!
//! Rounding is **half-up** (ROUND_HALF_UP, away from zero at .5, as Java HIS code and PostgreSQL `round(numeric)` do)
//! and happens only through [`round_div`], at the points the settlement documents.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a decimal text could not be read as a fixed-point value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    #[error("“{0}” 不是数字 (not a number)")]
    NotANumber(String),
    #[error("“{text}” 小数位超过 {max} 位 (more than {max} decimal places)")]
    TooManyDecimals { text: String, max: u32 },
    #[error("“{0}” 超出允许范围 (out of range)")]
    OutOfRange(String),
    #[error("“{0}” 不能为负数 (must not be negative)")]
    Negative(String),
    #[error("“{0}” 比例必须在 0 到 1 之间，如 0.85 或 \"85%\" (ratio must be within 0..=1, e.g. 0.85 or \"85%\")")]
    RatioRange(String),
}

/// Divides `num` by `den` (den > 0) and rounds half-up (away from zero at exactly .5).
pub fn round_div(num: i128, den: i128) -> i128 {
    debug_assert!(den > 0);
    let q = num / den;
    let r = num % den;
    if 2 * r.abs() >= den { q + num.signum() } else { q }
}

/// Parses decimal text into an integer scaled by 10^scale. Accepts an optional sign, digits, and an optional fraction
/// of at most `scale` digits; surrounding spaces are ignored. Exponent forms from float formatting ("1e-7") are
/// accepted when they are exact at the scale.
pub fn parse_scaled(text: &str, scale: u32) -> Result<i64, DecimalError> {
    let t = text.trim();
    if t.contains(['e', 'E']) {
        return parse_exponent(t, scale);
    }
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let nan = || DecimalError::NotANumber(text.to_string());
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(nan());
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() as u32 > scale {
        return Err(DecimalError::TooManyDecimals { text: text.to_string(), max: scale });
    }
    let range = || DecimalError::OutOfRange(text.to_string());
    let mut v: i128 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        v = v * 10 + i128::from(b - b'0');
        if v > i128::from(i64::MAX) {
            return Err(range());
        }
    }
    v *= 10i128.pow(scale - frac.len() as u32);
    let v = if neg { -v } else { v };
    i64::try_from(v).map_err(|_| range())
}

fn parse_exponent(t: &str, scale: u32) -> Result<i64, DecimalError> {
    let (mant, exp) = t.split_once(['e', 'E']).ok_or_else(|| DecimalError::NotANumber(t.to_string()))?;
    let exp: i32 = exp.parse().map_err(|_| DecimalError::NotANumber(t.to_string()))?;
    let shifted = i64::from(scale) + i64::from(exp);
    if !(0..=18).contains(&shifted) {
        return Err(DecimalError::OutOfRange(t.to_string()));
    }
    // Read the mantissa at a scale big enough to hold it, then shift by the exponent exactly.
    let m = parse_scaled(mant, 18).map_err(|_| DecimalError::NotANumber(t.to_string()))?;
    let num = i128::from(m) * 10i128.pow(shifted as u32);
    let den = 10i128.pow(18);
    if num % den != 0 {
        return Err(DecimalError::TooManyDecimals { text: t.to_string(), max: scale });
    }
    i64::try_from(num / den).map_err(|_| DecimalError::OutOfRange(t.to_string()))
}

/// Writes `v / 10^scale` with exactly `decimals` fraction digits (decimals ≤ scale; the dropped digits must be zero
/// or are shown rounded half-up), optionally with thousands separators.
fn write_scaled(f: &mut fmt::Formatter<'_>, v: i64, scale: u32, decimals: u32, grouped: bool) -> fmt::Result {
    let drop = scale - decimals;
    let v = if drop == 0 { v } else { round_div(i128::from(v), 10i128.pow(drop)) as i64 };
    let neg = v < 0;
    let mut a: u64 = v.unsigned_abs();
    // Digits right to left into a stack buffer: no allocation, one write.
    let mut buf = [0u8; 64];
    let mut i = buf.len();
    for _ in 0..decimals {
        i -= 1;
        buf[i] = b'0' + (a % 10) as u8;
        a /= 10;
    }
    if decimals > 0 {
        i -= 1;
        buf[i] = b'.';
    }
    let mut n = 0;
    loop {
        if grouped && n > 0 && n % 3 == 0 {
            i -= 1;
            buf[i] = b',';
        }
        i -= 1;
        buf[i] = b'0' + (a % 10) as u8;
        a /= 10;
        n += 1;
        if a == 0 {
            break;
        }
    }
    if neg {
        i -= 1;
        buf[i] = b'-';
    }
    f.write_str(std::str::from_utf8(&buf[i..]).map_err(|_| fmt::Error)?)
}

/// Reads a fixed-point value from JSON/TOML: a string, an integer, or a float (through its shortest text).
struct ScaledVisitor {
    scale: u32,
    what: &'static str,
}

impl Visitor<'_> for ScaledVisitor {
    type Value = i64;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{} (a number or numeric string)", self.what)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        parse_scaled(v, self.scale).map_err(E::custom)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        v.checked_mul(10i64.pow(self.scale)).ok_or_else(|| E::custom(DecimalError::OutOfRange(v.to_string())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        let v = i64::try_from(v).map_err(|_| E::custom(DecimalError::OutOfRange(v.to_string())))?;
        self.visit_i64(v)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        if !v.is_finite() {
            return Err(E::custom(DecimalError::NotANumber(v.to_string())));
        }
        // Rust prints the shortest text that reads back as the same float: the decimal the sender wrote.
        parse_scaled(&v.to_string(), self.scale).map_err(E::custom)
    }
}

fn de_scaled<'de, D: Deserializer<'de>>(d: D, scale: u32, what: &'static str) -> Result<i64, D::Error> {
    d.deserialize_any(ScaledVisitor { scale, what })
}

/// Emits a fixed-point value as an exact JSON number (e.g. `4.52`), never through a float.
fn ser_scaled<S: Serializer>(s: S, v: i64, scale: u32, decimals: u32) -> Result<S::Ok, S::Error> {
    struct D(i64, u32, u32);
    impl fmt::Display for D {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write_scaled(f, self.0, self.1, self.2, false)
        }
    }
    let raw = serde_json::value::RawValue::from_string(D(v, scale, decimals).to_string())
        .map_err(serde::ser::Error::custom)?;
    raw.serialize(s)
}

macro_rules! fixed_point {
    ($(#[$m:meta])* $name:ident, $repr:ty, $scale:expr, $out_decimals:expr, $what:expr) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub $repr);

        impl $name {
            /// Number of decimal places in the interface's type.
            pub const SCALE: u32 = $scale;
            /// 10^SCALE.
            pub const ONE: i64 = 10i64.pow($scale);
        }

        impl FromStr for $name {
            type Err = DecimalError;
            fn from_str(s: &str) -> Result<Self, DecimalError> {
                let v = parse_scaled(s, $scale)?;
                <$repr>::try_from(v).map($name).map_err(|_| DecimalError::OutOfRange(s.to_string()))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_scaled(f, i64::from(self.0), $scale, $out_decimals, false)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                ser_scaled(s, i64::from(self.0), $scale, $out_decimals)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let v = de_scaled(d, $scale, $what)?;
                <$repr>::try_from(v).map($name).map_err(|_| de::Error::custom(DecimalError::OutOfRange(v.to_string())))
            }
        }
    };
}

fixed_point!(
    /// An amount of money in fen (分): the interface's 16,2.
    Fen, i64, 2, 2, "amount (16,2)"
);
fixed_point!(
    /// A unit price in millionths of a yuan: the interface's 16,6.
    Price, i64, 6, 6, "price (16,6)"
);
fixed_point!(
    /// A quantity in ten-thousandths: the interface's 16,4 (negative for refunds).
    Qty, i64, 4, 4, "quantity (16,4)"
);

/// A share between 0 and 1 in ten-thousandths (the interface's 5,4): 0.7 is `Ratio(7000)`.
///
/// Reads "0.7", 0.7, or "70%"; writes as a JSON number (0.7000 → `0.7`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Ratio(pub u32);

impl Ratio {
    pub const SCALE: u32 = 4;
    pub const ONE: Ratio = Ratio(10_000);
    pub const ZERO: Ratio = Ratio(0);

    /// Adds percentage points, staying within 0..=1.
    pub fn saturating_add(self, other: Ratio) -> Ratio {
        Ratio((self.0 + other.0).min(10_000))
    }
    pub fn complement(self) -> Ratio {
        Ratio(10_000 - self.0.min(10_000))
    }
    /// Writes the ratio as a percentage, e.g. "70%", "12.5%".
    pub fn percent(self) -> String {
        let whole = self.0 / 100;
        let frac = self.0 % 100;
        if frac == 0 {
            format!("{whole}%")
        } else if frac.is_multiple_of(10) {
            format!("{whole}.{}%", frac / 10)
        } else {
            format!("{whole}.{frac:02}%")
        }
    }
}

impl FromStr for Ratio {
    type Err = DecimalError;
    fn from_str(s: &str) -> Result<Self, DecimalError> {
        let t = s.trim();
        let v = if let Some(p) = t.strip_suffix('%') { parse_scaled(p, 2)? } else { parse_scaled(t, 4)? };
        if !(0..=10_000).contains(&v) {
            return Err(DecimalError::RatioRange(s.to_string()));
        }
        Ok(Ratio(v as u32))
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_scaled(f, i64::from(self.0), 4, 4, false)
    }
}

impl Serialize for Ratio {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ser_scaled(s, i64::from(self.0), 4, 4)
    }
}

impl<'de> Deserialize<'de> for Ratio {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Ratio;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a ratio between 0 and 1 (0.7) or a percentage (\"70%\")")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Ratio, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Ratio, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Ratio, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Ratio, E> {
                self.visit_str(&v.to_string())
            }
        }
        d.deserialize_any(V)
    }
}

impl Fen {
    pub const ZERO: Fen = Fen(0);

    /// Whole yuan.
    pub const fn yuan(y: i64) -> Fen {
        Fen(y * 100)
    }
    /// `self × ratio`, rounded half-up to the fen.
    pub fn mul_ratio(self, r: Ratio) -> Fen {
        Fen(round_div(i128::from(self.0) * i128::from(r.0), 10_000) as i64)
    }
    /// `self ÷ ratio`, rounded half-up to the fen (ratio > 0): the amount a ratio must be applied to, to pay `self`.
    pub fn div_ratio(self, r: Ratio) -> Fen {
        Fen(round_div(i128::from(self.0) * 10_000, i128::from(r.0.max(1))) as i64)
    }
    pub fn max0(self) -> Fen {
        Fen(self.0.max(0))
    }
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
    /// Thousands-grouped yuan with two decimals, as the explanation shows it: "99,300.00".
    pub fn grouped(self) -> Grouped {
        Grouped(self)
    }
}

/// Display adapter for [`Fen::grouped`].
pub struct Grouped(Fen);
impl fmt::Display for Grouped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_scaled(f, self.0.0, 2, 2, true)
    }
}

impl Add for Fen {
    type Output = Fen;
    fn add(self, o: Fen) -> Fen {
        Fen(self.0 + o.0)
    }
}
impl Sub for Fen {
    type Output = Fen;
    fn sub(self, o: Fen) -> Fen {
        Fen(self.0 - o.0)
    }
}
impl AddAssign for Fen {
    fn add_assign(&mut self, o: Fen) {
        self.0 += o.0;
    }
}
impl SubAssign for Fen {
    fn sub_assign(&mut self, o: Fen) {
        self.0 -= o.0;
    }
}
impl Neg for Fen {
    type Output = Fen;
    fn neg(self) -> Fen {
        Fen(-self.0)
    }
}
impl Sum for Fen {
    fn sum<I: Iterator<Item = Fen>>(it: I) -> Fen {
        Fen(it.map(|f| f.0).sum())
    }
}

/// `price × quantity`, rounded half-up to the fen: a fee line's amount.
pub fn line_amount(p: Price, q: Qty) -> Fen {
    // micro-yuan × 1e-4 units = 1e-10 yuan; one fen is 1e8 of those.
    Fen(round_div(i128::from(p.0) * i128::from(q.0), 100_000_000) as i64)
}

/// `(price − cap) × quantity` when the price is above the cap, rounded half-up to the fen.
pub fn over_cap_amount(p: Price, cap: Price, q: Qty) -> Fen {
    if p <= cap {
        return Fen::ZERO;
    }
    line_amount(Price(p.0 - cap.0), q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exact_amounts() {
        assert_eq!("4.52".parse::<Fen>().unwrap(), Fen(452));
        assert_eq!("-0.5".parse::<Fen>().unwrap(), Fen(-50));
        assert_eq!("1200".parse::<Fen>().unwrap(), Fen(120_000));
        assert_eq!("7.10".parse::<Fen>().unwrap(), Fen(710));
        assert!(matches!("4.521".parse::<Fen>(), Err(DecimalError::TooManyDecimals { .. })));
        assert!(matches!("4,52".parse::<Fen>(), Err(DecimalError::NotANumber(_))));
        assert!(matches!("".parse::<Fen>(), Err(DecimalError::NotANumber(_))));
        assert!(matches!(".".parse::<Fen>(), Err(DecimalError::NotANumber(_))));
        assert_eq!("1e2".parse::<Fen>().unwrap(), Fen(10_000));
        assert_eq!("4.5e-1".parse::<Fen>().unwrap(), Fen(45));
    }

    #[test]
    fn ratios_read_as_fraction_or_percent() {
        assert_eq!("0.7".parse::<Ratio>().unwrap(), Ratio(7000));
        assert_eq!("70%".parse::<Ratio>().unwrap(), Ratio(7000));
        assert_eq!("12.5%".parse::<Ratio>().unwrap(), Ratio(1250));
        assert!("1.2".parse::<Ratio>().is_err());
        assert!("-0.1".parse::<Ratio>().is_err());
        assert_eq!(Ratio(9100).percent(), "91%");
        assert_eq!(Ratio(1250).percent(), "12.5%");
        assert_eq!(Ratio(125).percent(), "1.25%");
    }

    #[test]
    fn half_up_rounding_goes_away_from_zero() {
        assert_eq!(round_div(5, 10), 1);
        assert_eq!(round_div(-5, 10), -1);
        assert_eq!(round_div(4, 10), 0);
        assert_eq!(round_div(-4, 10), 0);
        assert_eq!(Fen(452).mul_ratio(Ratio(500)), Fen(23)); // 4.52 × 5% = 0.226 → 0.23
        assert_eq!(Fen(30).mul_ratio(Ratio(500)), Fen(2)); // 0.015 → 0.02
        assert_eq!(Fen::yuan(65_000).div_ratio(Ratio(9100)), Fen(7_142_857));
    }

    #[test]
    fn line_amounts_round_once() {
        let p: Price = "3.333333".parse().unwrap();
        let q: Qty = "3".parse().unwrap();
        assert_eq!(line_amount(p, q), Fen(1000));
        let q: Qty = "-2.5".parse().unwrap();
        assert_eq!(line_amount("1.01".parse().unwrap(), q), Fen(-253)); // -2.525 → -2.53
        assert_eq!(over_cap_amount("12".parse().unwrap(), "10".parse().unwrap(), "3".parse().unwrap()), Fen(600));
    }

    #[test]
    fn json_round_trip_is_exact() {
        let v: Vec<Fen> = serde_json::from_str(r#"[4.52, "18808.16", 7374, 0.1]"#).unwrap();
        assert_eq!(v, vec![Fen(452), Fen(1_880_816), Fen(737_400), Fen(10)]);
        assert_eq!(serde_json::to_string(&v).unwrap(), "[4.52,18808.16,7374.00,0.10]");
        let r: Ratio = serde_json::from_str("0.05").unwrap();
        assert_eq!(serde_json::to_string(&r).unwrap(), "0.0500");
        assert!(serde_json::from_str::<Fen>("\"abc\"").is_err());
    }

    #[test]
    fn grouped_display() {
        assert_eq!(Fen(9_930_000).grouped().to_string(), "99,300.00");
        assert_eq!(Fen(-123_456_789).grouped().to_string(), "-1,234,567.89");
        assert_eq!(Fen(5).grouped().to_string(), "0.05");
    }
}
