//! A KPI's trend as a tiny inline SVG line (no chart library needed for 12 points).

use leptos::prelude::*;
use rust_decimal::{Decimal, prelude::ToPrimitive};

const WIDTH: f64 = 100.0;
const HEIGHT: f64 = 28.0;

/// The polyline's points for the values; gaps (no data) are skipped.
pub fn points(values: &[Option<Decimal>]) -> String {
    let known: Vec<f64> = values.iter().flatten().filter_map(ToPrimitive::to_f64).collect();
    let (Some(min), Some(max)) =
        (known.iter().copied().reduce(f64::min), known.iter().copied().reduce(f64::max))
    else {
        return String::new();
    };
    let span = if max > min { max - min } else { 1.0 };
    let step = if values.len() > 1 { WIDTH / (values.len() - 1) as f64 } else { 0.0 };
    values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            let v = v.and_then(|d| d.to_f64())?;
            // A flat series sits in the middle rather than on the floor.
            let y = if max > min { HEIGHT - 2.0 - (v - min) / span * (HEIGHT - 4.0) } else { HEIGHT / 2.0 };
            Some(format!("{:.1},{:.1}", i as f64 * step, y))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[component]
pub fn Sparkline(values: Vec<Option<Decimal>>) -> impl IntoView {
    let points = points(&values);
    (!points.is_empty() && values.len() > 1).then(|| {
        view! {
            <svg class="spark" viewBox="0 0 100 28" preserveAspectRatio="none" aria-hidden="true">
                <polyline points=points />
            </svg>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_scale_to_the_box_and_skip_gaps() {
        let d = |n: i64| Some(Decimal::from(n));
        assert_eq!(points(&[d(0), None, d(10)]), "0.0,26.0 100.0,2.0");
        assert_eq!(points(&[d(5), d(5)]), "0.0,14.0 100.0,14.0");
        assert_eq!(points(&[None, None]), "");
    }
}
