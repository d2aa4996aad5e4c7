//! Exact money in SQLite. SQLite sums integers exactly but decimals only as floats, so an amount
//! is also stored as its integer part plus its next 12 fraction digits (1e-12 units): sums of
//! those are exact in SQL, and the few digits beyond (or an amount too large for an i64) are kept
//! apart as a decimal "rest" that Rust adds.

use rust_decimal::Decimal;

/// 1e12: pico-units per unit.
pub const PICO: i64 = 1_000_000_000_000;

/// SQL that sums a column of picos without overflowing, as two sums: of its millions of picos
/// and of the picos under a million. `SUM(earnings_pico)` overflowed an i64 past some 9 million
/// lines of a period (each up to 1e12); each of these two grows a million times slower, and
/// [`join_sums`] adds them exactly.
pub const SQL_PICO_SUMS: &str = "SUM(earnings_pico / 1000000), SUM(earnings_pico % 1000000)";

/// A rollup row's whole units and picos once `pico_sum` more picos and `whole_sum` units are
/// added, in SQL, carried so that the picos stay under 1e12 in size and a sum of two never
/// overflows. The value is `whole + pico × 1e-12` whatever the two signs.
pub const SQL_CARRY: &str = "earnings_whole = earnings_whole + excluded.earnings_whole \
     + (earnings_pico + excluded.earnings_pico) / 1000000000000, \
     earnings_pico = (earnings_pico + excluded.earnings_pico) % 1000000000000";

/// An amount as stored for SQL sums: `whole + pico × 1e-12 + rest`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Split {
    /// The integer part, truncated toward zero.
    pub whole: i64,
    /// The next 12 fraction digits, with the amount's sign.
    pub pico: i64,
    /// Anything finer than 1e-12, or the whole amount when it does not fit an i64.
    pub rest: Option<Decimal>,
}

pub fn split(amount: Decimal) -> Split {
    // On the integer behind the decimal (mantissa × 10^-scale): a million-line statement splits a
    // million amounts, and decimal division was a tenth of the loader's time.
    let (mantissa, scale) = (amount.mantissa(), amount.scale());
    let unit = 10i128.pow(scale);
    let Ok(whole) = i64::try_from(mantissa / unit) else {
        return Split { whole: 0, pico: 0, rest: Some(amount) };
    };
    // Truncating division and remainder keep the amount's sign in every part.
    let fraction = mantissa % unit;
    let (pico, rest) = if scale <= 12 {
        (fraction * 10i128.pow(12 - scale), 0)
    } else {
        let finer = 10i128.pow(scale - 12);
        (fraction / finer, fraction % finer)
    };
    let pico = i64::try_from(pico).unwrap_or_default(); // |pico| < 1e12 by construction
    let rest = (rest != 0).then(|| Decimal::from_i128_with_scale(rest, scale));
    Split { whole, pico, rest }
}

/// Sums of the whole and pico parts back into one decimal (the rest is added by the caller).
pub fn join(whole_sum: i64, pico_sum: i64) -> Decimal {
    // Carry whole units out of the pico sum first so the scaled decimal stays small.
    let carry = pico_sum / PICO;
    let pico = pico_sum % PICO;
    let units = Decimal::from(i128::from(whole_sum) + i128::from(carry));
    units + Decimal::new(pico, 12)
}

/// Sums of whole units and of picos (as [`SQL_PICO_SUMS`] gives them) as one exact decimal.
pub fn join_sums(whole_sum: i64, pico_millions: i64, pico_rest: i64) -> Decimal {
    let picos = i128::from(pico_millions) * 1_000_000 + i128::from(pico_rest);
    let pico = i128::from(PICO);
    // |picos % 1e12| < 1e12 fits an i64.
    let rest = i64::try_from(picos % pico).unwrap_or_default();
    Decimal::from(i128::from(whole_sum) + picos / pico) + Decimal::new(rest, 12)
}

/// `whole` units and `pico` picos with whole units carried out of the picos: |pico| < 1e12.
pub fn carry(whole: i64, pico: i64) -> Option<(i64, i64)> {
    Some((whole.checked_add(pico / PICO)?, pico % PICO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str_exact(s).expect("decimal")
    }

    #[test]
    fn twelve_fraction_digits_split_without_a_rest() {
        let s = split(dec("12.345678901234"));
        assert_eq!((s.whole, s.pico, s.rest), (12, 345_678_901_234, None));
        let s = split(dec("-0.000000000001"));
        assert_eq!((s.whole, s.pico, s.rest), (0, -1, None));
        let s = split(dec("-3.5"));
        assert_eq!((s.whole, s.pico, s.rest), (-3, -500_000_000_000, None));
    }

    #[test]
    fn finer_digits_and_huge_amounts_go_to_the_rest() {
        let s = split(dec("1.0000000000015"));
        assert_eq!((s.whole, s.pico, s.rest), (1, 1, Some(dec("0.0000000000005"))));
        let huge = dec("99999999999999999999.5");
        assert_eq!(split(huge), Split { whole: 0, pico: 0, rest: Some(huge) });
    }

    /// The parts always add up to the amount, with its sign, whatever its scale.
    #[test]
    fn parts_add_up_to_the_amount_at_every_scale() {
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let scale = (state % 29) as u32;
            let mantissa = i128::from(state as i64) * i128::from((state >> 40) as u16);
            let amount = Decimal::from_i128_with_scale(mantissa, scale);
            let s = split(amount);
            let back = Decimal::from(s.whole) + Decimal::new(s.pico, 12) + s.rest.unwrap_or_default();
            assert_eq!(back, amount, "{amount}");
            assert!(s.pico.abs() < PICO);
            for part in [Decimal::from(s.whole), Decimal::from(s.pico), s.rest.unwrap_or_default()] {
                assert!(part.is_zero() || part.is_sign_negative() == amount.is_sign_negative(), "{amount}");
            }
            if s.rest.is_some() {
                assert!(scale > 12 || s.whole == 0);
            }
        }
    }

    #[test]
    fn sums_of_parts_join_to_the_exact_sum() {
        let amounts = ["0.000123456789", "-0.5", "1234.999999999999", "0.500000000001", "-7"];
        let (mut w, mut p, mut exact) = (0i64, 0i64, Decimal::ZERO);
        for a in amounts {
            let s = split(dec(a));
            w += s.whole;
            p += s.pico;
            exact += dec(a);
        }
        assert_eq!(join(w, p), exact);
        assert_eq!(join(0, -1_500_000_000_000), dec("-1.5"));
    }

    /// Picos past 2^63 (some 9.2 million units), summed as SQL_PICO_SUMS sums them.
    #[test]
    fn pico_sums_past_two_to_the_63_join_exactly() {
        let rows = [i64::MAX, i64::MAX, -999_999_999_999, 1];
        let millions: i64 = rows.iter().map(|p| p / 1_000_000).sum();
        let rest: i64 = rows.iter().map(|p| p % 1_000_000).sum();
        assert!(rows.iter().try_fold(0i64, |a, p| a.checked_add(*p)).is_none(), "a plain sum overflows");
        // 2 × 9,223,372.036854775807 − 0.999999999999 + 0.000000000001
        assert_eq!(join_sums(5, millions, rest), dec("18446748.073709551616"));
        assert_eq!(carry(1, 2_500_000_000_000), Some((3, 500_000_000_000)));
        assert_eq!(carry(1, -2_500_000_000_000), Some((-1, -500_000_000_000)));
    }
}
