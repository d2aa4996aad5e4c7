//! What the dashboard shows lives in its URL (`/?range=custom&from=…&to=…&artist=…&store=…&track=…`),
//! so a link reproduces the view and Back goes to the previous one.

use leptos_router::params::ParamsMap;
use serde::{Deserialize, Serialize};

/// The date-range presets: (URL key, label).
pub const PRESETS: [(&str, &str); 6] = [
    ("7d", "7 days"),
    ("28d", "28 days"),
    ("90d", "90 days"),
    ("12m", "12 months"),
    ("ytd", "Year to date"),
    ("custom", "Custom"),
];

/// The preset shown without one in the URL: statements arrive months late, so shorter ranges
/// would open on empty revenue cards.
pub const DEFAULT_RANGE: &str = "12m";

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ViewState {
    /// A preset key, or `custom`.
    pub range: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub artist: Option<String>,
    /// Streams of one platform only (`spotify`, `apple`).
    pub platform: Option<String>,
    /// Drill-down: the store (id) whose tracks are shown.
    pub store: Option<i64>,
    /// Drill-down: the track (ISRC) whose territories and months are shown.
    pub track: Option<String>,
    /// Drill-down: the territory (country code) whose stores and tracks are shown.
    pub territory: Option<String>,
    /// Drill-down: the ad campaign (entity id) whose days are shown.
    pub campaign: Option<i64>,
}

impl ViewState {
    pub fn from_query(query: &ParamsMap) -> Self {
        let text = |key: &str| query.get(key).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let range = text("range").unwrap_or_else(|| {
            // A link with dates but no range means those dates.
            if text("from").is_some() || text("to").is_some() {
                "custom".into()
            } else {
                DEFAULT_RANGE.into()
            }
        });
        let custom = range == "custom";
        Self {
            from: text("from").filter(|_| custom),
            to: text("to").filter(|_| custom),
            range,
            artist: text("artist"),
            platform: text("platform"),
            store: text("store").and_then(|s| s.parse().ok()),
            track: text("track"),
            territory: text("territory"),
            campaign: text("campaign").and_then(|c| c.parse().ok()),
        }
    }

    /// The view without its drill-down (what the KPI cards depend on).
    pub fn filters(&self) -> Self {
        Self { store: None, track: None, territory: None, campaign: None, ..self.clone() }
    }

    /// What the KPI cards depend on: the filters and the drilled-into store.
    pub fn card_filters(&self) -> Self {
        Self { track: None, territory: None, campaign: None, ..self.clone() }
    }

    pub fn with_range(&self, range: &str) -> Self {
        Self { range: range.to_string(), from: None, to: None, ..self.filters() }
    }

    pub fn with_store(&self, store: Option<i64>) -> Self {
        Self { store, track: None, territory: None, ..self.clone() }
    }

    /// An ad campaign's days (the other drill-downs stay).
    pub fn with_campaign(&self, campaign: Option<i64>) -> Self {
        Self { campaign, ..self.clone() }
    }

    /// A territory's stores and tracks (the store drill-down starts again from it).
    pub fn with_territory(&self, territory: Option<String>) -> Self {
        Self { territory, store: None, track: None, ..self.clone() }
    }

    /// The view over other dates, without its drill-down (a month, or days around a day).
    pub fn with_dates(&self, from: chrono::NaiveDate, to: chrono::NaiveDate) -> Self {
        Self {
            range: "custom".into(),
            from: Some(from.to_string()),
            to: Some(to.to_string()),
            ..self.filters()
        }
    }

    // Only the browser drills (a chart click); the server never builds this URL.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub fn with_track(&self, track: Option<String>) -> Self {
        Self { track, ..self.clone() }
    }

    /// The dashboard URL of this view.
    pub fn url(&self) -> String {
        let mut parts = vec![format!("range={}", encode(&self.range))];
        for (key, value) in [
            ("from", self.from.clone()),
            ("to", self.to.clone()),
            ("artist", self.artist.clone()),
            ("platform", self.platform.clone()),
            ("store", self.store.map(|s| s.to_string())),
            ("track", self.track.clone()),
            ("territory", self.territory.clone()),
            ("campaign", self.campaign.map(|c| c.to_string())),
        ] {
            if let Some(v) = value {
                parts.push(format!("{key}={}", encode(&v)));
            }
        }
        format!("/?{}", parts.join("&"))
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&'static str, &str)]) -> ParamsMap {
        let mut map = ParamsMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.to_string());
        }
        map
    }

    #[test]
    fn urls_round_trip() {
        let view = ViewState {
            range: "custom".into(),
            from: Some("2025-01-01".into()),
            to: Some("2025-06-30".into()),
            artist: Some("ZONE A0 & co".into()),
            platform: Some("apple".into()),
            store: Some(3),
            track: Some("QZTB92494812".into()),
            territory: None,
            campaign: None,
        };
        let url = view.url();
        assert_eq!(
            url,
            "/?range=custom&from=2025-01-01&to=2025-06-30&artist=ZONE%20A0%20%26%20co&platform=apple&store=3&track=QZTB92494812"
        );
        let pairs = [
            ("range", "custom"),
            ("from", "2025-01-01"),
            ("to", "2025-06-30"),
            ("artist", "ZONE A0 & co"),
            ("platform", "apple"),
            ("store", "3"),
            ("track", "QZTB92494812"),
        ];
        assert_eq!(ViewState::from_query(&query(&pairs)), view);
    }

    #[test]
    fn defaults_and_changes() {
        let view = ViewState::from_query(&query(&[]));
        assert_eq!(view.range, DEFAULT_RANGE);
        assert_eq!(view.url(), "/?range=12m");
        let dated = ViewState::from_query(&query(&[("from", "2025-01-01"), ("to", "2025-01-31")]));
        assert_eq!(dated.range, "custom");
        let preset = ViewState::from_query(&query(&[("range", "7d"), ("from", "2025-01-01")]));
        assert_eq!(preset.from, None, "dates only count for a custom range");
        let drilled = view.with_store(Some(2)).with_track(Some("X".into()));
        assert_eq!(drilled.with_range("28d").store, None, "a new range starts from the top");
        assert_eq!(drilled.with_store(Some(4)).track, None);
        assert_eq!(drilled.filters(), view);
        assert_eq!(drilled.card_filters(), view.with_store(Some(2)), "cards follow the store, not the track");
    }
}
