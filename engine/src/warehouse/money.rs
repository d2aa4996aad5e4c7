//! Exact money in SQLite. SQLite sums integers exactly but decimals only as floats, so an amount
//! is also stored as its integer part plus its next 12 fraction digits (1e-12 units): sums of
//! those are exact in SQL, and the few digits beyond (or an amount too large for an i64) are kept
//! apart as a decimal "rest" that Rust adds.

use rust_decimal::Decimal;

/// 1e12: pico-units per unit.
const PICO: i64 = 1_000_000_000_000;

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
    let whole = amount.trunc();
    let pico_part = ((amount - whole) * Decimal::from(PICO)).trunc();
    let (Some(w), Some(p)) = (to_i64(whole), to_i64(pico_part)) else {
        return Split { whole: 0, pico: 0, rest: Some(amount) };
    };
    let rest = amount - whole - pico_part / Decimal::from(PICO);
    Split { whole: w, pico: p, rest: (!rest.is_zero()).then_some(rest) }
}

/// Sums of the whole and pico parts back into one decimal (the rest is added by the caller).
pub fn join(whole_sum: i64, pico_sum: i64) -> Decimal {
    // Carry whole units out of the pico sum first so the scaled decimal stays small.
    let carry = pico_sum / PICO;
    let pico = pico_sum % PICO;
    let units = Decimal::from(i128::from(whole_sum) + i128::from(carry));
    units + Decimal::new(pico, 12)
}

fn to_i64(d: Decimal) -> Option<i64> {
    i64::try_from(d).ok()
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
}
