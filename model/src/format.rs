//! How numbers are shown to people (the dashboard and the command line's table): the same
//! rounding everywhere, so a CSV or a card never disagrees with the terminal.
//!
//! Written here rather than with a formatting crate (`num-format` groups integers only): amounts
//! are exact `Decimal`s, rounded half away from zero to the places each KPI shows, and the same
//! code must run in the browser's WASM, where a locale database would only add weight.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::{KpiId, KpiKind, KpiValue};

/// `1234567` → `1,234,567`.
pub fn thousands(n: i64) -> String {
    group_digits(&n.unsigned_abs().to_string(), n < 0)
}

fn group_digits(digits: &str, negative: bool) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if negative { format!("-{out}") } else { out }
}

/// A decimal rounded half away from zero to `places`, with thousands separators.
pub fn decimal(d: Decimal, places: u32) -> String {
    let rounded = d.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
    let text = format!("{:.*}", places as usize, rounded.abs());
    let (int, frac) = text.split_once('.').map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    let int = group_digits(int, negative);
    match frac {
        Some(f) => format!("{int}.{f}"),
        None => int,
    }
}

/// A KPI's value as a person reads it: `$1,234.56`, `12,345`, `4.20%`, `+12.5%`, `78.3`.
pub fn kpi_value(id: KpiId, value: &KpiValue) -> String {
    match (id.kind(), value) {
        (_, KpiValue::Text(t)) => t.clone(),
        (_, KpiValue::Count(n)) => thousands(*n),
        (KpiKind::Percent, v) => {
            let d = v.as_decimal().unwrap_or_default();
            let sign = if d.is_sign_positive() && !d.is_zero() { "+" } else { "" };
            format!("{sign}{}%", decimal(d, 1))
        }
        (KpiKind::Ratio, v) if id != KpiId::Roas => {
            format!("{}%", decimal(v.as_decimal().unwrap_or_default() * Decimal::ONE_HUNDRED, 2))
        }
        (KpiKind::Ratio, v) => format!("{}×", decimal(v.as_decimal().unwrap_or_default(), 2)),
        (KpiKind::MoneySum, v) => usd(v.as_decimal().unwrap_or_default()),
        (_, v) if id.as_str().ends_with("_usd") => usd(v.as_decimal().unwrap_or_default()),
        (_, v) => decimal(v.as_decimal().unwrap_or_default(), 1),
    }
}

/// `$1,234.56`, `-$0.50`.
pub fn usd(d: Decimal) -> String {
    let text = decimal(d.abs(), 2);
    if d.is_sign_negative() && !d.round_dp(2).is_zero() { format!("-${text}") } else { format!("${text}") }
}

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `2026-08` → `Aug 2026` (anything else is shown as given).
pub fn month(ym: &str) -> String {
    month_parts(ym).map_or_else(|| ym.to_string(), |(y, m)| format!("{} {y}", MONTHS[m - 1]))
}

fn month_parts(ym: &str) -> Option<(i32, usize)> {
    let (y, m) = ym.split_once('-')?;
    let m: usize = m.parse().ok()?;
    (1..=12).contains(&m).then_some((y.parse().ok()?, m))
}

/// Consecutive months as a span: `Jan–Sep 2026`, `Dec 2025–Aug 2026`, `Mar 2026`.
pub fn month_span(first: &str, last: &str) -> String {
    match (month_parts(first), month_parts(last)) {
        _ if first == last => month(first),
        (Some((y0, m0)), Some((y1, _))) if y0 == y1 => format!("{}–{}", MONTHS[m0 - 1], month(last)),
        _ => format!("{}–{}", month(first), month(last)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_read_as_words() {
        assert_eq!(month("2026-08"), "Aug 2026");
        assert_eq!(month("garbage"), "garbage");
        assert_eq!(month_span("2026-01", "2026-09"), "Jan–Sep 2026");
        assert_eq!(month_span("2025-12", "2026-08"), "Dec 2025–Aug 2026");
        assert_eq!(month_span("2026-03", "2026-03"), "Mar 2026");
    }

    fn dec(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    #[test]
    fn numbers_group_and_round() {
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(-1000), "-1,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(decimal(dec("1234.565"), 2), "1,234.57");
        assert_eq!(decimal(dec("-0.004"), 2), "0.00");
        assert_eq!(decimal(dec("-1234567.5"), 0), "-1,234,568");
        assert_eq!(usd(dec("-0.5")), "-$0.50");
    }

    #[test]
    fn kpis_read_as_their_kind() {
        assert_eq!(kpi_value(KpiId::RevenueUsd, &KpiValue::Money(dec("6873.456789"))), "$6,873.46");
        assert_eq!(kpi_value(KpiId::Streams, &KpiValue::Count(1607)), "1,607");
        assert_eq!(kpi_value(KpiId::AdCtr, &KpiValue::Number(dec("0.0133333"))), "1.33%");
        assert_eq!(kpi_value(KpiId::Roas, &KpiValue::Number(dec("0.458"))), "0.46×");
        assert_eq!(kpi_value(KpiId::RevenueChangePct, &KpiValue::Number(dec("52.743"))), "+52.7%");
        assert_eq!(kpi_value(KpiId::StreamsChangePct, &KpiValue::Number(dec("-3"))), "-3.0%");
        assert_eq!(kpi_value(KpiId::AdCpmUsd, &KpiValue::Number(dec("10"))), "$10.00");
        assert_eq!(kpi_value(KpiId::AvgReportingLagDays, &KpiValue::Number(dec("78.25"))), "78.3");
        assert_eq!(kpi_value(KpiId::TopStore, &KpiValue::Text("Spotify".into())), "Spotify");
    }
}
