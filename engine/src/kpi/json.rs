//! `soundcheck kpi --json`: the contract's JSON shape and value types.
//! Sums of money are decimal strings with every stored digit; counts are integers; every other
//! number (ratios, percentages, averages, hours) is a JSON number; `top_*` are strings.

use std::collections::BTreeMap;

use model::{KpiId, KpiKind, KpiReport, KpiValue};
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Map, Value, json};

pub fn to_json(report: &KpiReport) -> Value {
    json!({
        "from": report.from,
        "to": report.to,
        "artist": report.artist,
        "kpis": values(&report.kpis),
        "previous": values(&report.previous),
        "freshness": report.freshness.iter().map(|(s, d)| (s.as_str().to_string(), json!(d))).collect::<Map<_, _>>(),
        "coverage": report
            .coverage
            .iter()
            .map(|(s, c)| (s.as_str().to_string(), c.as_ref().map_or(Value::Null, |c| json!({"from": c.from, "to": c.to}))))
            .collect::<Map<_, _>>(),
        "reported_through": report.reported_through,
        "warnings": report.warnings,
    })
}

fn values(kpis: &BTreeMap<KpiId, Option<KpiValue>>) -> Map<String, Value> {
    KpiId::ALL
        .iter()
        .map(|&id| {
            (
                id.as_str().to_string(),
                kpis.get(&id).and_then(Option::as_ref).map_or(Value::Null, |v| value(id, v)),
            )
        })
        .collect()
}

fn value(id: KpiId, v: &KpiValue) -> Value {
    match (id.kind(), v) {
        (KpiKind::MoneySum, KpiValue::Money(d)) => Value::String(d.normalize().to_string()),
        (_, KpiValue::Count(n)) => json!(n),
        (_, KpiValue::Text(t)) => Value::String(t.clone()),
        // f64 keeps 15–17 significant digits: more than the contract's 12.
        (_, KpiValue::Money(d) | KpiValue::Number(d)) => d.to_f64().map_or(Value::Null, |f| json!(f)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn values_are_typed_by_kind() {
        let dec = |s: &str| Decimal::from_str_exact(s).expect("decimal");
        assert_eq!(
            value(KpiId::RevenueUsd, &KpiValue::Money(dec("12.345678901200"))),
            json!("12.3456789012"),
            "every digit, trailing zeros dropped"
        );
        assert_eq!(value(KpiId::Streams, &KpiValue::Count(42)), json!(42));
        assert_eq!(
            value(KpiId::AdCtr, &KpiValue::Number(dec("0.0123456789012345"))),
            json!(0.0123456789012345)
        );
        assert_eq!(value(KpiId::TopStore, &KpiValue::Text("Spotify".into())), json!("Spotify"));
    }
}
