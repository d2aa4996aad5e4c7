//! A computed set of KPIs, as the dashboard receives it.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{KpiId, SourceId};

/// One KPI's value. Money and ratios stay exact decimals until they are shown or written as JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KpiValue {
    /// A sum of money in USD.
    Money(Decimal),
    Count(i64),
    /// A ratio, percentage, average or amount per unit.
    Number(Decimal),
    /// A store name, ISRC or country code.
    Text(String),
}

impl KpiValue {
    /// The value as a number, when it is one (for change percentages and charts).
    pub fn as_decimal(&self) -> Option<Decimal> {
        match self {
            KpiValue::Money(d) | KpiValue::Number(d) => Some(*d),
            KpiValue::Count(n) => Some(Decimal::from(*n)),
            KpiValue::Text(_) => None,
        }
    }
}

/// Every KPI of the catalogue for a period, and for its previous period. `None`: no data.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KpiReport {
    /// ISO dates, both included.
    pub from: String,
    pub to: String,
    /// The artist's name as stored, when filtered.
    pub artist: Option<String>,
    /// The store the statement KPIs are limited to, when one is.
    pub store: Option<String>,
    pub kpis: BTreeMap<KpiId, Option<KpiValue>>,
    pub previous: BTreeMap<KpiId, Option<KpiValue>>,
    /// Days since each source's latest data; `None` for a source without data.
    pub freshness: BTreeMap<SourceId, Option<i64>>,
    /// Whether the period holds the first day of a month (statement KPIs are monthly).
    pub has_months: bool,
    /// The sale months (`YYYY-MM`) the statement KPIs count, and those of their previous period.
    pub sale_months: Vec<String>,
    pub previous_sale_months: Vec<String>,
    /// Each source's first and last data date over all artists; `None` without data.
    pub coverage: BTreeMap<SourceId, Option<Coverage>>,
    /// The last sale month (`YYYY-MM`) with statement lines.
    pub reported_through: Option<String>,
    /// KPIs whose previous period starts before their sources' data, with the day the data
    /// starts: their change against it would compare a whole period with a partly empty one.
    pub no_comparison: BTreeMap<KpiId, String>,
    /// When the period has no reported sale month: the statement KPIs of the month it was
    /// reported through, so short ranges still show the latest sales.
    pub latest_reported: BTreeMap<KpiId, Option<KpiValue>>,
    /// What the pages show for a `top_*` value: a track's title and artist for its ISRC, a
    /// territory's name for its code.
    pub display_names: BTreeMap<String, String>,
    pub warnings: Vec<String>,
    /// Each KPI over consecutive parts of the period, oldest first (when asked for).
    pub sparklines: BTreeMap<KpiId, Vec<Option<Decimal>>>,
}

/// One artist's figures for a period, beside the others' (`total`: the label's row).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArtistRow {
    pub name: String,
    pub total: bool,
    pub revenue_usd: Option<KpiValue>,
    pub revenue_change_pct: Option<KpiValue>,
    pub streams: Option<KpiValue>,
    pub streams_change_pct: Option<KpiValue>,
    pub spotify_followers_gained: Option<KpiValue>,
    pub ad_spend_usd: Option<KpiValue>,
}

/// How the catalogue is ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum CatalogueSort {
    #[default]
    Revenue,
    Units,
    Streams,
    Change,
    Title,
}

impl CatalogueSort {
    pub const ALL: [CatalogueSort; 5] = [
        CatalogueSort::Revenue,
        CatalogueSort::Units,
        CatalogueSort::Streams,
        CatalogueSort::Change,
        CatalogueSort::Title,
    ];

    /// The URL's `sort=` value.
    pub fn as_str(self) -> &'static str {
        match self {
            CatalogueSort::Revenue => "revenue",
            CatalogueSort::Units => "units",
            CatalogueSort::Streams => "streams",
            CatalogueSort::Change => "change",
            CatalogueSort::Title => "title",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// One track of the catalogue with its figures for a period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CatalogueRow {
    pub isrc: String,
    pub title: String,
    pub artist: Option<String>,
    /// The UPC of its release.
    pub release: Option<String>,
    pub revenue_usd: Option<Decimal>,
    /// Against the comparable previous months; `None` when there is no comparison.
    pub revenue_change_pct: Option<Decimal>,
    pub royalty_units: Option<i64>,
    /// Spotify's per-song streams (song timelines).
    pub streams: Option<i64>,
}

/// The catalogue for a period: the first rows in the chosen order, and how many tracks match.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Catalogue {
    pub from: String,
    pub to: String,
    pub total: usize,
    pub rows: Vec<CatalogueRow>,
}

/// The first and last data date of a source: ISO dates, or `YYYY-MM` sale months for statements.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub from: String,
    pub to: String,
}

impl KpiReport {
    pub fn value(&self, id: KpiId) -> Option<&KpiValue> {
        self.kpis.get(&id).and_then(Option::as_ref)
    }

    pub fn previous_value(&self, id: KpiId) -> Option<&KpiValue> {
        self.previous.get(&id).and_then(Option::as_ref)
    }
}
