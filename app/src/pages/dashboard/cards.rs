//! The KPI cards, grouped by area: value, change against the previous period, sparkline, and
//! when there is no value, why.

use leptos::prelude::*;
use model::{Area, Basis, KpiId, KpiKind, KpiReport, format};
use rust_decimal::Decimal;

use super::sparkline::Sparkline;

#[component]
pub fn KpiCards(report: KpiReport) -> impl IntoView {
    Area::ALL
        .iter()
        .map(|&area| {
            let cards = KpiId::ALL
                .iter()
                .filter(|id| id.area() == area)
                .map(|&id| view! { <KpiCard id report=report.clone() /> })
                .collect_view();
            view! {
                <section class="kpi-area" data-area=area.label()>
                    <h2>{area.label()}</h2>
                    <div class="kpi-grid">{cards}</div>
                </section>
            }
        })
        .collect_view()
}

/// How the value moved against the previous period, as a percentage of the previous value.
pub fn change(current: Option<Decimal>, previous: Option<Decimal>) -> Option<Decimal> {
    let (current, previous) = (current?, previous?);
    if previous.is_zero() {
        return None;
    }
    Some((current - previous) * Decimal::ONE_HUNDRED / previous.abs())
}

#[component]
fn KpiCard(id: KpiId, report: KpiReport) -> impl IntoView {
    let value = report.value(id).cloned();
    let sparkline = report.sparklines.get(&id).cloned().unwrap_or_default();
    let body = match &value {
        Some(v) => {
            let text = format::kpi_value(id, v);
            let delta = if id.kind() == KpiKind::Percent || id.kind() == KpiKind::Text {
                None
            } else {
                change(v.as_decimal(), report.previous_value(id).and_then(|p| p.as_decimal()))
            };
            let delta_view = delta.map(|d| {
                let good = if id.lower_is_better() { d < Decimal::ZERO } else { d > Decimal::ZERO };
                let arrow = if d > Decimal::ZERO {
                    "▲"
                } else if d < Decimal::ZERO {
                    "▼"
                } else {
                    "="
                };
                view! {
                    <span class="delta" class:good=good class:bad=!good && !d.is_zero()>
                        {format!("{arrow} {}%", format::decimal(d.abs(), 1))}
                        <span class="muted">" vs previous"</span>
                    </span>
                }
            });
            let previous = report
                .previous_value(id)
                .map(|p| format!("Previous period: {}", format::kpi_value(id, p)))
                .unwrap_or_else(|| "No value for the previous period".to_string());
            view! {
                <p class="kpi-value" title=previous>{text}</p>
                {delta_view}
                <Sparkline values=sparkline />
            }
            .into_any()
        }
        None => {
            let reason = if !report.has_months
                && (id.basis() == Basis::Monthly || matches!(id, KpiId::Roas | KpiId::RevenuePer1kUnits))
            {
                "Statements are monthly: pick a range that includes the 1st of a month".to_string()
            } else {
                let names: Vec<&str> = id.sources().iter().map(|s| s.display_name()).collect();
                format!("No data from {} for this period", names.join(" / "))
            };
            view! {
                <p class="kpi-value none">"—"</p>
                <p class="kpi-why">{reason} " · " <a href="/sources">"Import data"</a></p>
            }
            .into_any()
        }
    };
    view! {
        <article class="kpi-card" data-kpi=id.as_str() class:empty=value.is_none()>
            <h3>{id.label()}</h3>
            {body}
        </article>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_is_relative_to_the_previous_magnitude() {
        let d = |n: i64| Some(Decimal::from(n));
        assert_eq!(change(d(150), d(100)), d(50));
        assert_eq!(change(d(-50), d(-100)), d(50), "a smaller loss is a rise");
        assert_eq!(change(d(5), d(0)), None);
        assert_eq!(change(None, d(3)), None);
    }
}
