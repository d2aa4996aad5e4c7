//! A statement line's identity, built field by field in a buffer kept between rows.
//!
//! The bytes are exactly those [`identity_hash`](super::identity_hash) hashes for the fields'
//! `Display` texts: stored keys must keep their meaning across versions. Dates, months, counts
//! and decimals are written digit by digit instead of through `core::fmt`, which cost a fifth of
//! parsing a million-line statement; the tests hold each writer to its `Display`.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::alias_key;
use crate::time::YearMonth;

const SEPARATOR: u8 = 0x1f;

/// Builds the same hash as [`identity_hash`](super::identity_hash) one field at a time, so a
/// statement line's key costs no allocation per field (a million-line file has millions).
#[derive(Debug, Default)]
pub struct IdentityKey {
    buf: Vec<u8>,
}

impl IdentityKey {
    pub fn start(&mut self) -> &mut Self {
        self.buf.clear();
        self
    }

    pub fn text(&mut self, field: &str) -> &mut Self {
        self.buf.extend_from_slice(field.as_bytes());
        self.end_field()
    }

    /// Any field by its `Display` text (the slow path the typed writers below avoid).
    pub fn display(&mut self, field: impl std::fmt::Display) -> &mut Self {
        use std::io::Write;
        // Writing to a Vec cannot fail.
        let _ = write!(self.buf, "{field}");
        self.end_field()
    }

    /// A date as `NaiveDate`'s `Display` gives it (`2024-10-24`).
    pub fn date(&mut self, date: NaiveDate) -> &mut Self {
        let Ok(year) = u32::try_from(date.year()) else { return self.display(date) };
        if year > 9999 {
            return self.display(date);
        }
        self.digits(year, 4).byte(b'-').digits(date.month(), 2).byte(b'-').digits(date.day(), 2).end_field()
    }

    /// A month as `YearMonth`'s `Display` gives it (`2024-10`).
    pub fn month(&mut self, month: YearMonth) -> &mut Self {
        match u32::try_from(month.year()) {
            Ok(year) if year <= 9999 => self.digits(year, 4).byte(b'-').digits(month.month(), 2).end_field(),
            _ => self.display(month),
        }
    }

    /// A whole number as `i64`'s `Display` gives it.
    pub fn int(&mut self, value: i64) -> &mut Self {
        if value < 0 {
            self.buf.push(b'-');
        }
        self.unsigned(u128::from(value.unsigned_abs()), 0).end_field()
    }

    /// A decimal as `Decimal`'s `Display` gives it: its digits as stored, the point placed by
    /// its scale (callers normalise first when `1.50` and `1.5` must be one key).
    pub fn decimal(&mut self, value: Decimal) -> &mut Self {
        if value.is_sign_negative() {
            self.buf.push(b'-');
        }
        let scale = value.scale() as usize;
        let start = self.buf.len();
        let mantissa = value.mantissa().unsigned_abs();
        if mantissa != 0 {
            self.unsigned(mantissa, 0);
        }
        let digits = self.buf.len() - start;
        if scale > 0 {
            // At least one digit before the point: `0.05`, not `.05`.
            let missing = (scale + 1).saturating_sub(digits);
            self.buf.splice(start..start, std::iter::repeat_n(b'0', missing));
            let point = self.buf.len() - scale;
            self.buf.insert(point, b'.');
        } else if digits == 0 {
            self.buf.push(b'0');
        }
        self.end_field()
    }

    /// The field as `str::to_lowercase` gives it.
    pub fn lower(&mut self, field: &str) -> &mut Self {
        if field.is_ascii() {
            let start = self.buf.len();
            self.buf.extend_from_slice(field.as_bytes());
            self.buf[start..].make_ascii_lowercase();
        } else {
            self.buf.extend_from_slice(field.to_lowercase().as_bytes());
        }
        self.end_field()
    }

    /// The field as [`alias_key`] gives it.
    pub fn alias(&mut self, field: &str) -> &mut Self {
        if field.is_ascii() {
            self.buf.reserve(field.len());
            for &b in field.as_bytes() {
                if b.is_ascii_alphanumeric() {
                    self.buf.push(b.to_ascii_lowercase());
                }
            }
        } else {
            self.buf.extend_from_slice(alias_key(field).as_bytes());
        }
        self.end_field()
    }

    pub fn finish(&self) -> u64 {
        xxhash_rust::xxh3::xxh3_64(&self.buf)
    }

    fn end_field(&mut self) -> &mut Self {
        self.buf.push(SEPARATOR);
        self
    }

    fn byte(&mut self, b: u8) -> &mut Self {
        self.buf.push(b);
        self
    }

    /// `value` zero-padded to `width` digits (a field of a date).
    fn digits(&mut self, value: u32, width: usize) -> &mut Self {
        self.unsigned(u128::from(value), width)
    }

    /// The decimal digits of `value`, at least `width` of them (at most 20).
    fn unsigned(&mut self, value: u128, width: usize) -> &mut Self {
        // 128-bit division is a library call: split into 64-bit halves of 19 digits first.
        const TEN_19: u128 = 10_000_000_000_000_000_000;
        match u64::try_from(value) {
            Ok(small) => self.small(small, width),
            Err(_) => {
                let high = value / TEN_19;
                let low = (value % TEN_19) as u64;
                self.unsigned(high, width.saturating_sub(19)).small(low, 19)
            }
        }
    }

    fn small(&mut self, mut value: u64, width: usize) -> &mut Self {
        let mut text = [b'0'; 20];
        let mut at = text.len();
        while value > 0 {
            at -= 1;
            text[at] = b'0' + (value % 10) as u8;
            value /= 10;
        }
        let start = at.min(text.len().saturating_sub(width.max(1)));
        // Byte by byte: a copy of a few bytes of unknown length compiles to a `memcpy` call.
        for &digit in &text[start..] {
            self.buf.push(digit);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use crate::warehouse::{identity_hash, title_key};

    #[test]
    fn the_incremental_key_hashes_like_identity_hash() {
        let mut key = IdentityKey::default();
        for (name, title) in [("ZONE A0", "Track 1"), ("Zoë.Ünder", "ΣΑΣ Café"), ("", "")] {
            let expected = identity_hash(&[
                "2024-10-24",
                "2024-09",
                "-17",
                &"Apple MUSIC".to_lowercase(),
                &"ΣΟΣ".to_lowercase(),
                &alias_key(name),
                &title_key(title),
                "0.5",
            ]);
            let got = key
                .start()
                .date(NaiveDate::from_ymd_opt(2024, 10, 24).expect("date"))
                .month(YearMonth::new(2024, 9).expect("month"))
                .int(-17)
                .lower("Apple MUSIC")
                .lower("ΣΟΣ")
                .alias(name)
                .alias(title)
                .decimal(Decimal::new(50, 2).normalize())
                .finish();
            assert_eq!(got, expected, "{name} / {title}");
        }
    }

    fn written(build: impl FnOnce(&mut IdentityKey) -> &mut IdentityKey) -> String {
        let mut key = IdentityKey::default();
        build(key.start());
        let mut text = String::from_utf8(key.buf).expect("utf-8");
        assert_eq!(text.pop(), Some('\u{1f}'));
        text
    }

    #[test]
    fn decimals_are_written_as_display_writes_them() {
        for raw in [
            "0",
            "-0",
            "0.000",
            "-0.000",
            "1",
            "10",
            "-10",
            "0.5",
            "-0.5",
            "0.05",
            "0.000000000001",
            "-0.03133519",
            "123.456",
            "100.00",
            "79228162514264337593543950335",
            "-79228162514264337593543950335",
            "0.0000000000000000000000000001",
            "7.9228162514264337593543950335",
        ] {
            let value = Decimal::from_str(raw).expect(raw);
            assert_eq!(written(|k| k.decimal(value)), value.to_string(), "{raw}");
            let normal = value.normalize();
            assert_eq!(written(|k| k.decimal(normal)), normal.to_string(), "{raw} normalised");
        }
    }

    #[test]
    fn dates_months_and_counts_are_written_as_display_writes_them() {
        for date in [
            NaiveDate::from_ymd_opt(2024, 1, 5),
            NaiveDate::from_ymd_opt(999, 12, 31),
            NaiveDate::from_ymd_opt(0, 1, 1),
            NaiveDate::from_ymd_opt(-5, 3, 1),
            NaiveDate::from_ymd_opt(12345, 3, 1),
        ] {
            let date = date.expect("date");
            assert_eq!(written(|k| k.date(date)), date.to_string());
            let month = YearMonth::of(date);
            assert_eq!(written(|k| k.month(month)), month.to_string());
        }
        for n in [0, 7, -7, 10, 1_000_000, i64::MAX, i64::MIN] {
            assert_eq!(written(|k| k.int(n)), n.to_string());
        }
    }

    /// Many values from a fixed xorshift sequence (a failure reproduces).
    fn values(count: usize) -> impl Iterator<Item = u64> {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        std::iter::repeat_with(move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        })
        .take(count)
    }

    #[test]
    fn any_decimal_date_and_count_is_written_as_display_writes_it() {
        for v in values(20_000) {
            let (lo, mid) = (v as u32, (v >> 32) as u32);
            // Mantissas of every size: up to 32, 64 and 96 bits.
            let hi = if v % 3 == 0 { mid.rotate_left(7) } else { 0 };
            let mid = if v % 3 == 1 { 0 } else { mid };
            let value = Decimal::from_parts(lo, mid, hi, v & 1 == 1, (v >> 40) as u32 % 29);
            assert_eq!(written(|k| k.decimal(value)), value.to_string());
            assert_eq!(written(|k| k.decimal(value.normalize())), value.normalize().to_string());

            let days = (v % 5_000_000) as i32 - 1_000_000;
            let date = NaiveDate::from_num_days_from_ce_opt(days).expect("in range");
            assert_eq!(written(|k| k.date(date)), date.to_string());
            let month = YearMonth::of(date);
            assert_eq!(written(|k| k.month(month)), month.to_string());

            let n = v as i64 >> (v % 64);
            assert_eq!(written(|k| k.int(n)), n.to_string());
        }
    }
}
