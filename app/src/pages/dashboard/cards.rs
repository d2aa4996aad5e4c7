//! The KPI cards, grouped by area: value, change against the previous period, sparkline, and
//! when there is no value, why.

use leptos::prelude::*;
use model::{Area, Basis, KpiId, KpiKind, KpiReport, KpiValue, SourceId, SourceKind, format};
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
            let note = (area == Area::Revenue)
                .then(|| statement_note(&report))
                .flatten()
                .map(|note| view! { <p class="area-note" data-testid="sale-months">{note}</p> });
            view! {
                <details class="kpi-area" data-area=area.label() open=true>
                    <summary>
                        <h2>{area.label()}</h2>
                    </summary>
                    {note}
                    <div class="kpi-grid">{cards}</div>
                </details>
            }
        })
        .collect_view()
}

/// On a phone the areas after Revenue start folded, so the charts are not 38 cards away; each
/// opens with a tap. (Folded in the browser after it loads: the server cannot know the width.)
#[component]
pub fn FoldOnPhone() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    Effect::new(|_| {
        use leptos::wasm_bindgen::JsCast;
        let narrow = window().inner_width().ok().and_then(|w| w.as_f64()).is_some_and(|w| w < 720.0);
        if !narrow {
            return;
        }
        if let Ok(areas) = document().query_selector_all(".kpi-area:not([data-area='Revenue'])") {
            for i in 0..areas.length() {
                if let Some(area) = areas.item(i).and_then(|n| n.dyn_into::<leptos::web_sys::Element>().ok())
                {
                    let _ = area.remove_attribute("open");
                }
            }
        }
    });
}

/// Statement KPIs count by sale month, reported about three months late: which months the cards
/// count, and which are not reported yet.
pub fn statement_note(report: &KpiReport) -> Option<String> {
    let reported = report.reported_through.as_deref()?;
    let (counted, pending): (Vec<&String>, Vec<&String>) =
        report.sale_months.iter().partition(|m| m.as_str() <= reported);
    let span = |months: &[&String]| match (months.first(), months.last()) {
        (Some(first), Some(last)) => format::month_span(first, last),
        _ => String::new(),
    };
    let latest = format::month(reported);
    let months = |n: usize| if n == 1 { "Sale month" } else { "Sale months" };
    Some(match (counted.is_empty(), pending.is_empty()) {
        _ if report.sale_months.is_empty() => format!(
            "Statements are monthly and this range holds no 1st of a month: showing the latest reported sale month, {latest}."
        ),
        (true, _) => format!(
            "{} {} {} not reported yet: showing the latest reported sale month, {latest}.",
            months(pending.len()),
            span(&pending),
            if pending.len() == 1 { "is" } else { "are" }
        ),
        (false, true) => format!("{} {}.", months(counted.len()), span(&counted)),
        (false, false) => {
            format!("{} {}; {} not reported yet.", months(counted.len()), span(&counted), span(&pending))
        }
    })
}

/// How the value moved against the previous period, as a percentage of the previous value.
pub fn change(current: Option<Decimal>, previous: Option<Decimal>) -> Option<Decimal> {
    let (current, previous) = (current?, previous?);
    if previous.is_zero() {
        return None;
    }
    Some((current - previous) * Decimal::ONE_HUNDRED / previous.abs())
}

/// Counted by sale month (statement KPIs and the ratios built from them).
fn monthly(id: KpiId) -> bool {
    id.basis() == Basis::Monthly || matches!(id, KpiId::Roas | KpiId::RevenuePer1kUnits)
}

#[component]
fn KpiCard(id: KpiId, report: KpiReport) -> impl IntoView {
    let value = report.value(id).cloned();
    let sparkline = report.sparklines.get(&id).cloned().unwrap_or_default();
    let latest = match (&value, report.latest_reported.get(&id), &report.reported_through) {
        (None, Some(Some(v)), Some(month)) => Some((v.clone(), format::month(month))),
        _ => None,
    };
    let body = match (&value, latest) {
        (Some(v), _) => {
            let text = shown(id, v, &report);
            let delta = if id.kind() == KpiKind::Percent || id.kind() == KpiKind::Text {
                None
            } else {
                change(v.as_decimal(), report.previous_value(id).and_then(|p| p.as_decimal()))
            };
            let delta_view = match report.no_comparison.get(&id) {
                Some(since) => {
                    let since = if monthly(id) { format::month(since.get(..7).unwrap_or(since)) } else { since.clone() };
                    Some(
                        view! {
                            <span class="delta none" title="The previous period starts before the data: no comparison">
                                {format!("No comparison · data from {since}")}
                            </span>
                        }
                        .into_any(),
                    )
                }
                None => delta.map(|d| {
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
                    .into_any()
                }),
            };
            let previous = report
                .previous_value(id)
                .map(|p| format!("Previous period: {}", format::kpi_value(id, p)))
                .unwrap_or_else(|| "No value for the previous period".to_string());
            // The top track opens its page in the catalogue, for the same period.
            let value = match (id, v) {
                (KpiId::TopTrack, KpiValue::Text(isrc)) => {
                    let href = format!(
                        "/catalogue/{}?range=custom&from={}&to={}",
                        super::encode(isrc),
                        report.from,
                        report.to
                    );
                    view! { <a href=href data-testid="top-track-link">{text}</a> }.into_any()
                }
                _ => text.into_any(),
            };
            view! {
                <p class="kpi-value" title=previous>{value}</p>
                {delta_view}
                <Sparkline values=sparkline />
            }
            .into_any()
        }
        (None, Some((v, month))) => view! {
            <p class="kpi-value latest">{shown(id, &v, &report)}</p>
            <p class="kpi-why" data-testid="latest-month">{format!("{month}, the latest reported sale month")}</p>
        }
        .into_any(),
        (None, None) => {
            let (reason, fix) = why_empty(id, &report);
            let fix = fix.map(|(href, text)| view! { " · " <a href=href>{text}</a> });
            view! {
                <p class="kpi-value none">"—"</p>
                <p class="kpi-why">{reason} {fix}</p>
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

/// A value as the card shows it: a track's title and artist rather than its ISRC, a
/// territory's name rather than its code.
fn shown(id: KpiId, value: &KpiValue, report: &KpiReport) -> String {
    match value {
        KpiValue::Text(t) => report.display_names.get(t).cloned().unwrap_or_else(|| t.clone()),
        _ => format::kpi_value(id, value),
    }
}

/// Why a KPI has no value, and where the fix is (a link and its text) when an import would
/// help.
fn why_empty(id: KpiId, report: &KpiReport) -> (String, Option<(&'static str, &'static str)>) {
    let covered: Vec<SourceId> = id
        .sources()
        .iter()
        .copied()
        .filter(|s| report.coverage.get(s).is_some_and(Option::is_some))
        .collect();
    let names =
        |sources: &[SourceId]| sources.iter().map(|s| s.display_name()).collect::<Vec<_>>().join(" / ");
    let compared = match id {
        KpiId::RevenueChangePct => Some(KpiId::RevenueUsd),
        KpiId::StreamsChangePct => Some(KpiId::Streams),
        _ => None,
    };
    if let Some(since) = compared.and_then(|base| report.no_comparison.get(&base)) {
        let since = if monthly(id) { format::month(since.get(..7).unwrap_or(since)) } else { since.clone() };
        return (format!("No comparison: the previous period starts before the data ({since})"), None);
    }
    if monthly(id) && !report.has_months {
        return ("Statements are monthly: pick a range that includes the 1st of a month".to_string(), None);
    }
    if monthly(id)
        && let Some(reported) = &report.reported_through
        && report.sale_months.iter().all(|m| m > reported)
    {
        let why = format!("Not reported yet: statements reach sale month {}", format::month(reported));
        return (why, None);
    }
    if id == KpiId::EmailSubscribers {
        return (
            "List sizes come from Mailchimp's API".to_string(),
            Some(("/admin#connections", "Connect Mailchimp")),
        );
    }
    if covered.is_empty() {
        let api = id.sources().iter().any(|s| s.kind() == SourceKind::ExportAndApi);
        let fix = if api {
            ("/admin#connections", "Connect or upload")
        } else {
            ("/admin#upload", "Upload exports")
        };
        return (format!("No data from {} yet", names(id.sources())), Some(fix));
    }
    let spans: Vec<String> = covered
        .iter()
        .filter_map(|s| {
            report
                .coverage
                .get(s)
                .cloned()
                .flatten()
                .map(|c| format!("{} {}–{}", s.display_name(), c.from, c.to))
        })
        .collect();
    (format!("No data in this period (data: {})", spans.join("; ")), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_months(months: &[&str], reported: Option<&str>) -> KpiReport {
        KpiReport {
            sale_months: months.iter().map(ToString::to_string).collect(),
            reported_through: reported.map(str::to_string),
            has_months: !months.is_empty(),
            ..KpiReport::default()
        }
    }

    #[test]
    fn the_note_names_counted_and_pending_sale_months() {
        let year = ["2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"];
        let note = |months: &[&str], reported| statement_note(&with_months(months, reported));
        assert_eq!(
            note(&year, Some("2026-04")).as_deref(),
            Some("Sale months Dec 2025–Apr 2026; May–Jun 2026 not reported yet.")
        );
        assert_eq!(note(&year, Some("2026-08")).as_deref(), Some("Sale months Dec 2025–Jun 2026."));
        assert_eq!(
            note(&["2026-11"], Some("2026-08")).as_deref(),
            Some(
                "Sale month Nov 2026 is not reported yet: showing the latest reported sale month, Aug 2026."
            )
        );
        assert!(note(&[], Some("2026-08")).is_some_and(|n| n.starts_with("Statements are monthly")));
        assert_eq!(note(&year, None), None, "no statements: the cards say so");
    }

    #[test]
    fn change_is_relative_to_the_previous_magnitude() {
        let d = |n: i64| Some(Decimal::from(n));
        assert_eq!(change(d(150), d(100)), d(50));
        assert_eq!(change(d(-50), d(-100)), d(50), "a smaller loss is a rise");
        assert_eq!(change(d(5), d(0)), None);
        assert_eq!(change(None, d(3)), None);
    }
}
