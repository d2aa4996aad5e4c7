//! Staging records: what parsers produce, typed and validated, before they reach the warehouse.

use chrono::{DateTime, NaiveDate, Utc};
use compact_str::CompactString;
use model::SourceId;
use rust_decimal::Decimal;

use crate::time::YearMonth;

/// One validated row (or one value of a row) of an export.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    StatementLine(Box<StatementLine>),
    Daily(Box<DailyFact>),
    Window(Box<WindowFact>),
    EmailCampaign(Box<EmailCampaign>),
    ExchangeRate(ExchangeRate),
    ArtistProfile(Box<ArtistProfile>),
}

/// An artist of the catalogue as Spotify describes it (Web API artist object).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArtistProfile {
    /// Spotify's artist id (also learned as an alias of the artist).
    pub spotify_id: String,
    pub name: String,
    pub genres: Vec<String>,
    /// The largest image Spotify lists.
    pub image_url: Option<String>,
}

/// A royalty statement line (DistroKid, TooLost). Belongs to the period holding its sale month's
/// first day.
#[derive(Clone, Debug, PartialEq)]
pub struct StatementLine {
    pub source: SourceId,
    /// Hash of the fields that identify the line across re-downloads; the loader adds the
    /// occurrence number among identical lines of the same file.
    pub identity: u64,
    pub reporting_date: NaiveDate,
    pub sale_month: YearMonth,
    pub sale_date: Option<NaiveDate>,
    pub store: CompactString,
    pub artist: Option<CompactString>,
    pub title: CompactString,
    pub isrc: Option<CompactString>,
    pub upc: Option<CompactString>,
    pub country: Option<CompactString>,
    pub quantity: i64,
    pub team_percentage: Option<Decimal>,
    /// As given, negative corrections included.
    pub earnings: Decimal,
    pub currency: CompactString,
    pub withheld: Option<Decimal>,
    pub recoup: Option<Decimal>,
}

/// What a fact is about, below the artist: a campaign, a video, a song, a streaming platform.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntityRef {
    pub kind: &'static str,
    /// The platform's id, as a string.
    pub key: String,
    pub name: Option<String>,
}

impl EntityRef {
    pub fn platform(name: &'static str) -> Self {
        Self { kind: "platform", key: name.to_string(), name: None }
    }
}

/// A measured value. Money keeps its currency; nothing is a float.
#[derive(Clone, Debug, PartialEq)]
pub enum Measure {
    Count(i64),
    /// A non-integer measure such as watch hours.
    Amount(Decimal),
    Money(Decimal, String),
}

/// One metric of one day. The natural key is (source, metric, artist, entity, day).
#[derive(Clone, Debug, PartialEq)]
pub struct DailyFact {
    pub source: SourceId,
    pub metric: &'static str,
    pub artist: Option<String>,
    pub entity: Option<EntityRef>,
    /// The day in the source's own time zone.
    pub day: NaiveDate,
    pub measure: Measure,
}

/// A total over a window of days (not split by day).
#[derive(Clone, Debug, PartialEq)]
pub struct WindowFact {
    pub source: SourceId,
    pub metric: &'static str,
    pub artist: Option<String>,
    pub entity: Option<EntityRef>,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub measure: Measure,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailCampaign {
    pub source: SourceId,
    /// The campaign's id (API) or Unique Id (export).
    pub key: String,
    pub artist: Option<String>,
    pub title: Option<String>,
    pub subject: Option<String>,
    pub list_id: Option<String>,
    pub send_time: Option<DateTime<Utc>>,
    pub delivered: Option<i64>,
    pub unique_opens: Option<i64>,
    pub unique_clicks: Option<i64>,
    pub unsubscribes: Option<i64>,
    pub hard_bounces: Option<i64>,
    pub soft_bounces: Option<i64>,
    pub abuse_reports: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExchangeRate {
    pub day: NaiveDate,
    /// ISO 4217 code, upper case.
    pub currency: String,
    pub usd_per_unit: Decimal,
}
