//! Parsing the values found in exports: counts with thousands separators, exact decimals, dates.

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::time::YearMonth;

/// A count such as `1095`, `"12,345"` or `1 234`. Empty → `None`.
pub fn count(raw: &str) -> Result<Option<i64>, String> {
    // Most cells are plain digits: parse them without building a cleaned copy.
    if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        return raw.parse::<i64>().map(Some).map_err(|_| format!("{raw:?} is not a whole number"));
    }
    let cleaned: String =
        raw.chars().filter(|c| !matches!(c, ',' | ' ' | '\u{a0}' | '\u{202f}' | '_')).collect();
    if cleaned.is_empty() {
        return Ok(None);
    }
    // Some tools write whole counts as `12.0`.
    let cleaned = cleaned.strip_suffix(".0").unwrap_or(&cleaned);
    cleaned.parse::<i64>().map(Some).map_err(|_| format!("{raw:?} is not a whole number"))
}

/// An exact decimal such as `0.46942739`, `-0.03133519`, `"1,234.5"`, `1.2E-5` or `$3.10`.
/// Empty → `None`. Never goes through a float.
pub fn decimal(raw: &str) -> Result<Option<Decimal>, String> {
    let trimmed = raw.trim();
    let unsigned = trimmed.trim_start_matches(['$', '€', '£']);
    let (negative, body) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start_matches(['$', '€', '£'])),
        None => (false, unsigned),
    };
    // Most cells are plain digits and a point: parse them without building a cleaned copy.
    if !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let value = Decimal::from_str_exact(body).map_err(|_| format!("{raw:?} is not a number"))?;
        return Ok(Some(if negative { -value } else { value }));
    }
    let cleaned: String = body.chars().filter(|c| !matches!(c, ',' | ' ' | '\u{a0}' | '_')).collect();
    if cleaned.is_empty() {
        return Ok(None);
    }
    let parsed = if cleaned.contains(['e', 'E']) {
        Decimal::from_scientific(&cleaned)
    } else {
        Decimal::from_str_exact(&cleaned)
    };
    let value = parsed.map_err(|_| format!("{raw:?} is not a number"))?;
    Ok(Some(if negative { -value } else { value }))
}

/// An ISO date `YYYY-MM-DD`.
pub fn iso_date(raw: &str) -> Result<NaiveDate, String> {
    if let Some(date) = plain_iso_date(raw.trim().as_bytes()) {
        return Ok(date);
    }
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{raw:?} is not a date (YYYY-MM-DD)"))
}

/// `YYYY-MM-DD` in exactly ten bytes, read without the general date parser (millions of
/// statement lines have one); anything else, or an impossible date, is left to that parser.
fn plain_iso_date(b: &[u8]) -> Option<NaiveDate> {
    let digits = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(digits(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(5..7)?, digits(8..10)?)
}

/// A month `YYYY-MM`.
pub fn year_month(raw: &str) -> Result<YearMonth, String> {
    YearMonth::from_str(raw.trim()).map_err(|_| format!("{raw:?} is not a month (YYYY-MM)"))
}

/// A cell that must hold something.
pub fn required<'a>(raw: &'a str, what: &str) -> Result<&'a str, String> {
    if raw.trim().is_empty() { Err(format!("{what} is empty")) } else { Ok(raw.trim()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str_exact(s).expect("decimal")
    }

    #[test]
    fn counts() {
        assert_eq!(count("1095"), Ok(Some(1095)));
        assert_eq!(count("12,345"), Ok(Some(12345)));
        assert_eq!(count("1 234"), Ok(Some(1234)));
        assert_eq!(count("-3"), Ok(Some(-3)));
        assert_eq!(count("7.0"), Ok(Some(7)));
        assert_eq!(count(""), Ok(None));
        assert!(count("12.5").is_err());
        assert!(count("abc").is_err());
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(decimal("0.469427390000"), Ok(Some(dec("0.469427390000"))));
        assert_eq!(decimal("-0.03133519"), Ok(Some(dec("-0.03133519"))));
        assert_eq!(decimal("1,234.5"), Ok(Some(dec("1234.5"))));
        assert_eq!(decimal("$3.10"), Ok(Some(dec("3.10"))));
        assert_eq!(decimal("-$3.10"), Ok(Some(dec("-3.10"))));
        assert_eq!(decimal("1.2E-5"), Ok(Some(dec("0.000012"))));
        assert_eq!(decimal("0.000000000001"), Ok(Some(dec("0.000000000001"))));
        assert_eq!(decimal(" "), Ok(None));
        assert!(decimal("1.2.3").is_err());
        assert!(decimal("n/a").is_err());
    }

    #[test]
    fn dates_and_months() {
        assert_eq!(iso_date("2024-10-24"), Ok(NaiveDate::from_ymd_opt(2024, 10, 24).expect("date")));
        assert!(iso_date("2024-02-30").is_err());
        assert_eq!(iso_date(" 2024-02-29 "), Ok(NaiveDate::from_ymd_opt(2024, 2, 29).expect("date")));
        assert_eq!(iso_date("2024-2-9").is_ok(), NaiveDate::parse_from_str("2024-2-9", "%Y-%m-%d").is_ok());
        assert!(iso_date("2024-0a-01").is_err());
        assert_eq!(year_month("2024-08").map(|m| m.as_int()), Ok(202408));
        assert!(year_month("2024-13").is_err());
        assert!(year_month("08/2024").is_err());
    }
}
