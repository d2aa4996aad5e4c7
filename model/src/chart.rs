//! Chart data as the dashboard receives it, and its CSV form. Values are already rounded to what
//! the chart shows (money and percentages to 2 decimals), so a downloaded CSV holds exactly the
//! numbers on screen.

use std::fmt::Write as _;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Every chart of the dashboard, and the drill-down levels below "revenue by store".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChartId {
    RevenueByMonth,
    StreamsByPlatform,
    RevenueByStore,
    /// Drill level 1: one store's revenue by track.
    StoreTracks,
    /// Drill level 2: one track's revenue by territory.
    TrackTerritories,
    /// Drill level 2: one track's revenue by sale month.
    TrackMonths,
    /// A track's page: its revenue by store, and its streams per platform per day.
    TrackStores,
    TrackStreams,
    RevenueByTerritory,
    /// A territory's drill-down: its revenue by store, and by track.
    TerritoryStores,
    TerritoryTracks,
    AdsVsRevenue,
    /// Ad spend per campaign; a campaign's days with its cost per 1,000 streams.
    AdCampaigns,
    CampaignDays,
    SocialGrowth,
    EmailCampaigns,
}

impl ChartId {
    /// A stable name for element ids, file names and tests.
    pub fn as_str(self) -> &'static str {
        match self {
            ChartId::RevenueByMonth => "revenue-by-month",
            ChartId::StreamsByPlatform => "streams-by-platform",
            ChartId::RevenueByStore => "revenue-by-store",
            ChartId::StoreTracks => "store-tracks",
            ChartId::TrackTerritories => "track-territories",
            ChartId::TrackMonths => "track-months",
            ChartId::TrackStores => "track-stores",
            ChartId::TrackStreams => "track-streams",
            ChartId::RevenueByTerritory => "revenue-by-territory",
            ChartId::TerritoryStores => "territory-stores",
            ChartId::TerritoryTracks => "territory-tracks",
            ChartId::AdsVsRevenue => "ads-vs-revenue",
            ChartId::AdCampaigns => "ad-campaigns",
            ChartId::CampaignDays => "campaign-days",
            ChartId::SocialGrowth => "social-growth",
            ChartId::EmailCampaigns => "email-campaigns",
        }
    }
}

/// What a series' numbers are, for axes, tooltips and CSV headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unit {
    Usd,
    Count,
    /// A percentage: 5 = 5% (charts and CSVs show rates as people read them).
    Percent,
    /// A plain ratio such as ROAS (revenue per dollar of spend).
    Ratio,
}

impl Unit {
    pub fn label(self) -> &'static str {
        match self {
            Unit::Usd => "USD",
            Unit::Count => "count",
            Unit::Percent => "%",
            Unit::Ratio => "ratio",
        }
    }

    /// The precision the chart shows (and the CSV holds).
    pub fn round(self, d: Decimal) -> Decimal {
        match self {
            Unit::Usd | Unit::Ratio | Unit::Percent => d.round_dp(2),
            Unit::Count => d.round_dp(0),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SeriesKind {
    Bar,
    /// Bars stacked with the other stacked series.
    StackedBar,
    Line,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub name: String,
    pub kind: SeriesKind,
    pub unit: Unit,
    /// Drawn against the right-hand axis (a ratio next to money).
    pub right_axis: bool,
    /// One per category; `None`: no value (no data, or an amount without an exchange rate).
    pub values: Vec<Option<Decimal>>,
}

impl Series {
    pub fn new(name: impl Into<String>, kind: SeriesKind, unit: Unit, values: Vec<Option<Decimal>>) -> Self {
        let values = values.into_iter().map(|v| v.map(|d| unit.round(d).normalize())).collect();
        Self { name: name.into(), kind, unit, right_axis: false, values }
    }

    pub fn on_right_axis(mut self) -> Self {
        self.right_axis = true;
        self
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChartData {
    pub id: ChartId,
    /// The period shown (ISO dates, both included).
    pub from: String,
    pub to: String,
    pub title: String,
    /// What the categories are ("Sale month", "Store", "Day"…): the CSV's first header.
    pub category_label: String,
    pub categories: Vec<String>,
    /// Per category, the key a click drills into (a store id, an ISRC); empty when the chart
    /// has no level below.
    pub drill_keys: Vec<String>,
    pub series: Vec<Series>,
    /// Why the chart is empty, when it is ("no data from Meta Ads for this period").
    pub empty_reason: Option<String>,
    pub warnings: Vec<String>,
}

impl ChartData {
    pub fn is_empty(&self) -> bool {
        self.categories.is_empty() || self.series.iter().all(|s| s.values.iter().all(Option::is_none))
    }

    /// The chart's numbers as CSV: one row per category, one column per series.
    pub fn to_csv(&self) -> String {
        let mut out = csv_field(&self.category_label);
        for s in &self.series {
            out.push(',');
            out.push_str(&csv_field(&format!("{} ({})", s.name, s.unit.label())));
        }
        out.push('\n');
        for (i, category) in self.categories.iter().enumerate() {
            out.push_str(&csv_field(category));
            for s in &self.series {
                out.push(',');
                if let Some(Some(v)) = s.values.get(i) {
                    let _ = write!(out, "{v}");
                }
            }
            out.push('\n');
        }
        out
    }

    /// A file name for the download: `soundcheck-revenue-by-store-2025-01-01-2025-06-30.csv`.
    pub fn csv_name(&self) -> String {
        format!("soundcheck-{}-{}-{}.csv", self.id.as_str(), self.from, self.to)
    }
}

/// A CSV text field, neutralised for spreadsheets, quoted when it holds a comma, quote or line
/// break.
fn csv_field(s: &str) -> String {
    let s = crate::csv_cell::neutralised(s);
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    #[test]
    fn csv_holds_the_rounded_numbers_and_quotes_names() {
        let chart = ChartData {
            id: ChartId::RevenueByStore,
            from: "2025-01-01".into(),
            to: "2025-06-30".into(),
            title: "Revenue by store".into(),
            category_label: "Store".into(),
            categories: vec!["Spotify".into(), "Amazon \"Unlimited\", US".into()],
            drill_keys: vec!["1".into(), "2".into()],
            series: vec![
                Series::new("Revenue", SeriesKind::Bar, Unit::Usd, vec![Some(dec("12.345678")), None]),
                Series::new(
                    "Share",
                    SeriesKind::Line,
                    Unit::Percent,
                    vec![Some(dec("12.3456")), Some(dec("50"))],
                )
                .on_right_axis(),
            ],
            empty_reason: None,
            warnings: vec![],
        };
        assert_eq!(
            chart.to_csv(),
            "Store,Revenue (USD),Share (%)\nSpotify,12.35,12.35\n\"Amazon \"\"Unlimited\"\", US\",,50\n"
        );
        assert_eq!(chart.csv_name(), "soundcheck-revenue-by-store-2025-01-01-2025-06-30.csv");
        assert!(!chart.is_empty());
    }

    #[test]
    fn csv_names_cannot_be_formulas_and_negative_amounts_stay_numbers() {
        let chart = ChartData {
            id: ChartId::StoreTracks,
            from: "2025-01-01".into(),
            to: "2025-06-30".into(),
            title: "Revenue by track".into(),
            category_label: "Track".into(),
            categories: vec!["=HYPERLINK(\"http://evil.example\",\"click\")".into(), "@risk".into()],
            drill_keys: vec!["1".into(), "2".into()],
            series: vec![Series::new(
                "Revenue",
                SeriesKind::Bar,
                Unit::Usd,
                vec![Some(dec("-12.5")), Some(dec("3"))],
            )],
            empty_reason: None,
            warnings: vec![],
        };
        assert_eq!(
            chart.to_csv(),
            "Track,Revenue (USD)\n\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\",-12.5\n'@risk,3\n"
        );
    }
}
