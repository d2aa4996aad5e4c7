//! Staging records: what parsers produce, typed and validated, before they reach the warehouse.

use chrono::NaiveDate;
use model::SourceId;
use rust_decimal::Decimal;

use crate::time::YearMonth;

/// One validated row of an export.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    StatementLine(Box<StatementLine>),
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
    pub store: String,
    pub artist: Option<String>,
    pub title: String,
    pub isrc: Option<String>,
    pub upc: Option<String>,
    pub country: Option<String>,
    pub quantity: i64,
    pub team_percentage: Option<Decimal>,
    /// As given, negative corrections included.
    pub earnings: Decimal,
    pub currency: String,
    pub withheld: Option<Decimal>,
    pub recoup: Option<Decimal>,
}
