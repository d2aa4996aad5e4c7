//! TooLost: the "Sales Report by Track" CSV (royalty statement lines) and the artist portal's
//! analytics JSON (daily streams per platform).
//!
//! The sales report's documented columns stop at `rev_fee`; the amount paid to the user is in a
//! column past that cut whose name is not published, so it is matched among the usual names and
//! the file is refused, naming its columns, when none fits. Amounts keep the line's own currency
//! and negative corrections stay.
//!
//! The analytics JSON comes from the portal's internal endpoints: Spotify's `streams` series and
//! Apple's `totalStreams` are streams; `discovery` (paid discovery) and `totalShazam` are not.

use std::{collections::HashMap, io::Read};

use chrono::NaiveDate;
use model::SourceId;
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::{
    Confidence, Connector, Detection, FeedId, FileError, Flow, Input, RecordSink, RowError, Sample, country,
    distrokid::parse_isrc,
    tabular::{Row, Table, header_key, sniff_headers},
    values,
};
use crate::{
    time::YearMonth,
    warehouse::{
        DailyFact, EntityRef, Measure, Record, StatementLine, alias_key, identity_hash, metric, title_key,
    },
};

pub struct TooLost;

const SALES: &str = "toolost.sales_by_track";
const SPOTIFY: &str = "toolost.analytics_spotify";
const APPLE: &str = "toolost.analytics_apple";
const KIND: &str = "TooLost sales report";

/// The documented columns, for detection.
const SALES_CORE: &[&str] = &[
    "transaction_id",
    "sale_date",
    "accounting_date",
    "reporting_date",
    "release_title",
    "track_title",
    "channel",
    "units",
    "unit_price",
    "original_currency",
    "split_id",
    "rev_fee",
];

/// Names the amount paid to the user may go by, best first (compared with [`snake`]).
const AMOUNT_NAMES: &[&str] = &[
    "net",
    "net_amount",
    "net_revenue",
    "net_earnings",
    "net_payable",
    "net_share",
    "payable",
    "payable_amount",
    "amount_payable",
    "earnings",
    "user_earnings",
    "your_earnings",
    "total_earnings",
    "royalty",
    "royalties",
    "royalty_amount",
];

/// The currency of the amount: a column of its own when the report has one, else the line's
/// original currency (the documented one).
const CURRENCY_NAMES: &[&str] =
    &["net_currency", "payable_currency", "earnings_currency", "original_currency", "currency"];

/// A JSON file is read whole; portal analytics are a few kilobytes.
const MAX_JSON_BYTES: u64 = 64 * 1024 * 1024;

/// `Net Revenue`, `net-revenue`, `NET_REVENUE` → `net_revenue`.
fn snake(header: &str) -> String {
    header_key(header).replace([' ', '-'], "_")
}

/// Which portal series a JSON object is, from its top-level keys.
fn json_format(keys: &dyn Fn(&str) -> bool, complete: bool) -> Option<(&'static str, Confidence)> {
    let apple_extras = ["totalShazam", "tracksTotal", "countryTotal", "streamTotal"];
    if keys("totalStreams") {
        let sure = apple_extras.iter().any(|k| keys(k));
        return Some((APPLE, if sure { Confidence::Certain } else { Confidence::Possible }));
    }
    if keys("streams") && keys("discovery") {
        return Some((SPOTIFY, Confidence::Certain));
    }
    // `"streams"` alone is only telling when it is known to be a top-level key.
    (complete && keys("streams")).then_some((SPOTIFY, Confidence::Possible))
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

fn detect_json(head: &[u8]) -> Option<(&'static str, Confidence)> {
    let body = strip_bom(head);
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return None;
    }
    match serde_json::from_slice::<Map<String, Value>>(body) {
        Ok(map) => json_format(&|k| map.contains_key(k), true),
        // A file longer than the head: look for the keys in the text.
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            json_format(&|k| text.contains(&format!("\"{k}\"")), false)
        }
    }
}

impl Connector for TooLost {
    fn id(&self) -> FeedId {
        FeedId::Source(SourceId::Toolost)
    }

    fn expects(&self) -> &'static str {
        "TooLost Sales Report by Track CSV (transaction_id, sale_date, channel, units, original_currency, \
         a net/earnings column…) or portal analytics JSON (Spotify streams/discovery, Apple totalStreams)"
    }

    fn detect(&self, sample: &Sample<'_>) -> Option<Detection> {
        if let Some((format, confidence)) = detect_json(sample.head) {
            return Some(Detection { format, confidence });
        }
        let headers: Vec<String> = sniff_headers(sample.head).iter().map(|h| snake(h)).collect();
        let hits = SALES_CORE.iter().filter(|c| headers.iter().any(|h| h == *c)).count();
        let confidence = match hits {
            5.. => Confidence::Certain,
            3..=4 => Confidence::Possible,
            _ => return None,
        };
        Some(Detection { format: SALES, confidence })
    }

    fn parse(&self, format: &'static str, input: &Input, sink: &mut dyn RecordSink) -> Result<(), FileError> {
        match format {
            SPOTIFY => analytics(input, "streams", "spotify", "TooLost Spotify analytics", sink),
            APPLE => analytics(input, "totalStreams", "apple", "TooLost Apple Music analytics", sink),
            _ => sales(input, sink),
        }
    }
}

// ---- Sales Report by Track ----------------------------------------------------------------

struct Columns {
    transaction_id: Option<usize>,
    split_id: Option<usize>,
    sale_date: usize,
    reporting_date: Option<usize>,
    accounting_date: Option<usize>,
    channel: usize,
    units: usize,
    amount: (usize, String),
    currency: (usize, String),
    artist: Option<usize>,
    track_title: Option<usize>,
    release_title: Option<usize>,
    isrc: Option<usize>,
    upc: Option<usize>,
    country: Option<usize>,
    unit_price: Option<usize>,
    share: Option<usize>,
}

/// The first column named any of `names` (as [`snake`] keys), with its header.
fn find(headers: &[String], names: &[&str]) -> Option<(usize, String)> {
    let keys: Vec<String> = headers.iter().map(|h| snake(h)).collect();
    names.iter().find_map(|n| keys.iter().position(|k| k == n).map(|i| (i, n.to_string())))
}

fn sales(input: &Input, sink: &mut dyn RecordSink) -> Result<(), FileError> {
    let mut table = Table::open(input.open()?, &input.head)?;
    let headers = table.headers().to_vec();
    let col = |names: &[&str]| find(&headers, names).map(|(i, _)| i);
    let need = |names: &[&str]| {
        col(names).ok_or_else(|| FileError::MissingColumn {
            kind: KIND.to_string(),
            column: names.first().copied().unwrap_or_default().to_string(),
            found: headers.join(", "),
        })
    };
    let amount = find(&headers, AMOUNT_NAMES).ok_or_else(|| {
        FileError::Refused(format!(
            "this TooLost sales report has no column with the amount paid to you (looked for {}); \
             columns found: {}",
            AMOUNT_NAMES.join(", "),
            headers.join(", ")
        ))
    })?;
    let reporting_date = col(&["reporting_date"]);
    let accounting_date = col(&["accounting_date"]);
    if reporting_date.is_none() && accounting_date.is_none() {
        need(&["reporting_date"])?;
    }
    let cols = Columns {
        transaction_id: col(&["transaction_id"]),
        split_id: col(&["split_id"]),
        sale_date: need(&["sale_date"])?,
        reporting_date,
        accounting_date,
        channel: need(&["channel", "store"])?,
        units: need(&["units", "quantity"])?,
        currency: find(&headers, CURRENCY_NAMES).ok_or_else(|| FileError::MissingColumn {
            kind: KIND.to_string(),
            column: "original_currency".into(),
            found: headers.join(", "),
        })?,
        amount,
        artist: col(&["artist", "artist_name", "track_artist", "release_artist"]),
        track_title: col(&["track_title"]),
        release_title: col(&["release_title"]),
        isrc: col(&["isrc"]),
        upc: col(&["upc"]),
        country: col(&["country"]),
        unit_price: col(&["unit_price"]),
        share: col(&["share"]),
    };
    let artist = input.facts.artist.clone();
    table.send_lines(sink, |row| cols.line(row, artist.as_deref()))?;
    Ok(())
}

fn text(row: &Row<'_>, col: Option<usize>) -> Option<String> {
    col.map(|c| row.text(c).into_owned()).filter(|s| !s.is_empty())
}

/// A date cell: `YYYY-MM-DD`, or a timestamp starting with one (`2025-04-01 00:00:00`,
/// `2025-04-01T00:00:00Z`); the day is the one written, never shifted.
fn loose_date(raw: &str) -> Result<NaiveDate, String> {
    let raw = raw.trim();
    let day = match raw.get(10..11) {
        Some("T" | " ") => raw.get(..10).unwrap_or(raw),
        _ => raw,
    };
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(day, "%Y/%m/%d"))
        .map_err(|_| format!("{raw:?} is not a date (YYYY-MM-DD)"))
}

fn decimal_key(d: Option<Decimal>) -> String {
    d.map(|d| d.normalize().to_string()).unwrap_or_default()
}

impl Columns {
    fn date(&self, row: &Row<'_>, col: usize, name: &str) -> Result<Option<NaiveDate>, RowError> {
        let raw = row.text(col);
        if raw.is_empty() {
            return Ok(None);
        }
        loose_date(&raw).map(Some).map_err(|e| row.error(Some(name), e))
    }

    fn decimal(&self, row: &Row<'_>, col: Option<usize>, name: &str) -> Result<Option<Decimal>, RowError> {
        match col {
            Some(c) => values::decimal(&row.text(c)).map_err(|e| row.error(Some(name), e)),
            None => Ok(None),
        }
    }

    fn line(&self, row: &Row<'_>, artist_given: Option<&str>) -> Result<StatementLine, RowError> {
        let sale_date = self
            .date(row, self.sale_date, "sale_date")?
            .ok_or_else(|| row.error(Some("sale_date"), "the sale date is empty"))?;
        let accounting_date = match self.accounting_date {
            Some(c) => self.date(row, c, "accounting_date")?,
            None => None,
        };
        let reporting_date = match self.reporting_date {
            Some(c) => self.date(row, c, "reporting_date")?,
            None => None,
        }
        // Some lines are accounted but not yet reported: the accounting date stands in.
        .or(accounting_date)
        .ok_or_else(|| row.error(Some("reporting_date"), "the reporting date is empty"))?;
        let store = row.required_text(self.channel, "channel", "the channel (store) is empty")?;
        let quantity = row.required_count(self.units, "units", "the units are empty")?;
        let earnings = row.required_decimal(self.amount.0, &self.amount.1, "the amount is empty")?;
        let currency = row.text(self.currency.0).trim().to_ascii_uppercase();
        if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_alphabetic()) {
            let reason = if currency.is_empty() {
                "the currency is empty".to_string()
            } else {
                format!("{currency:?} is not a currency code (ISO 4217, e.g. USD)")
            };
            return Err(row.error(Some(&self.currency.1), reason));
        }
        let isrc = match self.isrc {
            Some(c) => parse_isrc(&row.text(c)).map_err(|e| row.error(Some("isrc"), e))?,
            None => None,
        };
        let artist = text(row, self.artist).or_else(|| artist_given.map(str::to_string));
        let title = text(row, self.track_title).or_else(|| text(row, self.release_title)).unwrap_or_default();
        let upc = text(row, self.upc);
        let country = match self.country {
            Some(c) => {
                country::parse(&row.text(c), country::Case::Any).map_err(|e| row.error(Some("country"), e))?
            }
            None => None,
        };
        let unit_price = self.decimal(row, self.unit_price, "unit_price")?;
        // A split share may be written as a percentage.
        let share = match self.share {
            Some(c) => {
                values::decimal(row.text(c).trim_end_matches('%')).map_err(|e| row.error(Some("share"), e))?
            }
            None => None,
        };

        // TooLost numbers every transaction (and every split of it): that number is the line's
        // identity across re-downloads. Without it, the normalised fields are, as for DistroKid.
        let identity = match text(row, self.transaction_id) {
            Some(tx) => {
                identity_hash(&["transaction", &tx, text(row, self.split_id).as_deref().unwrap_or_default()])
            }
            None => identity_hash(&[
                "fields",
                &sale_date.to_string(),
                &accounting_date.map(|d| d.to_string()).unwrap_or_default(),
                &reporting_date.to_string(),
                &store.to_lowercase(),
                &artist.as_deref().map(alias_key).unwrap_or_default(),
                &title_key(&title),
                isrc.as_deref().unwrap_or_default(),
                upc.as_deref().unwrap_or_default(),
                country.as_deref().unwrap_or_default(),
                &quantity.to_string(),
                &decimal_key(unit_price),
                &decimal_key(share),
                &currency,
                &earnings.normalize().to_string(),
            ]),
        };

        Ok(StatementLine {
            source: SourceId::Toolost,
            identity,
            reporting_date,
            sale_month: YearMonth::of(sale_date),
            sale_date: Some(sale_date),
            store: store.into(),
            artist: artist.map(Into::into),
            title: title.into(),
            isrc: isrc.map(Into::into),
            upc: upc.map(Into::into),
            country,
            quantity,
            team_percentage: share,
            earnings,
            currency: currency.into(),
            withheld: None,
            recoup: None,
        })
    }
}

// ---- Portal analytics JSON ----------------------------------------------------------------

fn analytics(
    input: &Input,
    series: &str,
    platform: &'static str,
    kind: &str,
    sink: &mut dyn RecordSink,
) -> Result<(), FileError> {
    let mut bytes = Vec::new();
    input
        .open()?
        .take(MAX_JSON_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| FileError::Unreadable(format!("cannot read the file: {e}")))?;
    if bytes.len() as u64 > MAX_JSON_BYTES {
        return Err(FileError::Refused(format!("{kind} larger than {MAX_JSON_BYTES} bytes")));
    }
    let root: Value = serde_json::from_slice(strip_bom(&bytes))
        .map_err(|e| FileError::Unreadable(format!("{kind} is not valid JSON: {e}")))?;
    let Value::Object(root) = root else {
        return Err(FileError::Unreadable(format!("{kind}: expected a JSON object at the top")));
    };
    let elements = match root.get(series) {
        Some(Value::Array(a)) => a,
        Some(_) => return Err(FileError::Unreadable(format!("{kind}: {series:?} is not a list"))),
        None => {
            return Err(FileError::MissingColumn {
                kind: kind.to_string(),
                column: series.to_string(),
                found: root.keys().cloned().collect::<Vec<_>>().join(", "),
            });
        }
    };
    let artist = input.facts.artist.clone();
    let mut seen: HashMap<NaiveDate, i64> = HashMap::new();
    for (index, element) in elements.iter().enumerate() {
        // A RowError's line is the element's 1-based position in the series, its column the field.
        let line = index as u64 + 1;
        let parsed = stream_day(element, series, line).and_then(|found| match found {
            None => Ok(None),
            Some((day, streams)) => match seen.insert(day, streams) {
                // The series is one total per day: the same day twice with another figure is
                // not something to pick from silently.
                Some(before) if before != streams => Err(element_error(
                    element,
                    line,
                    Some("date"),
                    format!("{series}: {day} appears again with {streams} streams (earlier: {before})"),
                )),
                Some(_) => Ok(None),
                None => Ok(Some((day, streams))),
            },
        });
        let flow = match parsed {
            Ok(Some((day, streams))) => sink.record(
                line,
                Record::Daily(Box::new(DailyFact {
                    source: SourceId::Toolost,
                    metric: metric::STREAMS,
                    artist: artist.clone(),
                    entity: Some(EntityRef::platform(platform)),
                    day,
                    measure: Measure::Count(streams),
                })),
            ),
            Ok(None) => Flow::Continue,
            Err(e) => sink.reject(e),
        };
        if flow == Flow::Stop {
            break;
        }
    }
    Ok(())
}

fn element_error(element: &Value, line: u64, column: Option<&str>, reason: String) -> RowError {
    RowError {
        line: Some(line),
        column: column.map(str::to_string),
        reason,
        content: Some(element.to_string()),
    }
}

/// One `{"date": …, "streams": …}` element: the day and its streams, `None` when the count is
/// null or empty (not reported).
fn stream_day(element: &Value, series: &str, line: u64) -> Result<Option<(NaiveDate, i64)>, RowError> {
    let err = |column: Option<&str>, reason: String| element_error(element, line, column, reason);
    let Value::Object(fields) = element else {
        return Err(err(None, format!("{series}: expected an object with date and streams")));
    };
    let day = match fields.get("date") {
        Some(Value::String(s)) => loose_date(s).map_err(|e| err(Some("date"), format!("{series}: {e}")))?,
        Some(other) => return Err(err(Some("date"), format!("{series}: {other} is not a date"))),
        None => return Err(err(Some("date"), format!("{series}: the date is missing"))),
    };
    let raw = match fields.get("streams") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Null) => return Ok(None),
        Some(other) => return Err(err(Some("streams"), format!("{series}: {other} is not a count"))),
        None => return Err(err(Some("streams"), format!("{series}: the streams count is missing"))),
    };
    match values::count(&raw).map_err(|e| err(Some("streams"), format!("{series}: {e}")))? {
        None => Ok(None),
        Some(n) if n < 0 => Err(err(Some("streams"), format!("{series}: {n} streams is negative"))),
        Some(n) => Ok(Some((day, n))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::{
        FileFacts,
        test_support::{Collect, parse_bytes},
    };

    fn detect(head: &str) -> Option<(&'static str, Confidence)> {
        TooLost.detect(&Sample { name: "x", head: head.as_bytes() }).map(|d| (d.format, d.confidence))
    }

    fn parse(format: &'static str, bytes: &[u8]) -> (Result<(), FileError>, Collect) {
        let facts = FileFacts { artist: Some("ZONE A0".into()), ..FileFacts::default() };
        parse_bytes(&TooLost, format, "x", bytes, facts)
    }

    const HEADER: &str = "transaction_id,sale_date,accounting_date,reporting_date,release_title,release_id,\
                          track_title,track_id,channel,country,isrc,upc,units,unit_price,original_currency,\
                          split_id,share,rev_fee,net_revenue\n";

    #[test]
    fn detects_the_report_and_both_json_shapes() {
        assert_eq!(detect(HEADER), Some((SALES, Confidence::Certain)));
        assert_eq!(detect("sale_date,channel,units\n"), Some((SALES, Confidence::Possible)));
        assert_eq!(
            detect(r#"{"streams":[{"date":"2025-05-17","streams":"1095"}],"discovery":[]}"#),
            Some((SPOTIFY, Confidence::Certain))
        );
        assert_eq!(detect(r#"{"streams":[]}"#), Some((SPOTIFY, Confidence::Possible)));
        assert_eq!(
            detect(
                r#" {"totalStreams":[{"date":"2025-04-06","streams":8}],"totalShazam":[],"streamTotal":8}"#
            ),
            Some((APPLE, Confidence::Certain))
        );
        // cut off by the sample size: the keys are still found
        assert_eq!(
            detect(r#"{"totalStreams":[{"date":"2025-04-06","streams":8}],"totalShazam":[{"da"#),
            Some((APPLE, Confidence::Certain))
        );
        assert_eq!(detect(r#"{"data":{"items":[{"streams":3}]"#), None);
        assert_eq!(detect("date,streams\n"), None);
        assert_eq!(detect("Reporting Date\tSale Month\tStore\tEarnings (USD)\n"), None);
    }

    #[test]
    fn a_line_keeps_its_currency_month_and_sign() {
        let csv = format!(
            "{HEADER}T-1,2025-04-17,2025-05-01,2025-06-15,Luna,R1,Luna,TR1,Spotify,de,QZ-TB9-24-94812,198891507125,\"1,204\",0.003,EUR,S1,100,0.1,-3.614000\n"
        );
        let (result, got) = parse(SALES, csv.as_bytes());
        result.expect("parsed");
        assert!(got.rejects.is_empty(), "{:?}", got.rejects);
        let [(2, Record::StatementLine(l))] = got.records.as_slice() else { panic!("{:?}", got.records) };
        assert_eq!(l.sale_month.as_int(), 202504);
        assert_eq!(l.sale_date, NaiveDate::from_ymd_opt(2025, 4, 17));
        assert_eq!(l.reporting_date, NaiveDate::from_ymd_opt(2025, 6, 15).expect("date"));
        assert_eq!((l.store.as_str(), l.quantity, l.currency.as_str()), ("Spotify", 1204, "EUR"));
        assert_eq!(l.earnings.to_string(), "-3.614000");
        assert_eq!((l.isrc.as_deref(), l.country.as_deref()), (Some("QZTB92494812"), Some("DE")));
        assert_eq!(l.artist.as_deref(), Some("ZONE A0"));
        assert_eq!(l.identity, identity_hash(&["transaction", "T-1", "S1"]));
    }

    #[test]
    fn amount_columns_are_matched_by_name_or_the_file_is_refused() {
        for name in ["Net", "net_amount", "Net Revenue", "EARNINGS", "payable"] {
            let headers = vec!["units".to_string(), name.to_string()];
            assert_eq!(find(&headers, AMOUNT_NAMES).map(|(i, _)| i), Some(1), "{name}");
        }
        let csv = "transaction_id,sale_date,reporting_date,channel,units,original_currency,split_id,share,rev_fee\n";
        let (result, _) = parse(SALES, csv.as_bytes());
        let Err(FileError::Refused(message)) = result else { panic!("{result:?}") };
        assert!(message.contains("columns found: transaction_id, sale_date") && message.contains("rev_fee"));
    }

    #[test]
    fn analytics_series_are_read_and_bad_elements_located() {
        let spotify = r#"{"streams":[{"date":"2025-05-17","streams":"1,095"},{"date":"2025-05-16","streams":7},
            {"date":"2025-05-15","streams":null}],
            "discovery":[{"date":"2025-04-01","streams":"3592","fees":"2.93076245"}]}"#;
        let (result, got) = parse(SPOTIFY, spotify.as_bytes());
        result.expect("parsed");
        let facts: Vec<(u64, String, i64)> = got
            .records
            .iter()
            .filter_map(|(line, r)| match r {
                Record::Daily(f) if f.entity == Some(EntityRef::platform("spotify")) => match f.measure {
                    Measure::Count(v) => Some((*line, f.day.to_string(), v)),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        assert_eq!(facts, [(1, "2025-05-17".into(), 1095), (2, "2025-05-16".into(), 7)]);

        let apple = r#"{"totalStreams":[{"date":"2025-04-06","streams":8},{"date":"2025-04-07","streams":"x"},
            {"streams":3},"oops",{"date":"2025-04-06","streams":9}],"totalShazam":[]}"#;
        let (result, got) = parse(APPLE, apple.as_bytes());
        result.expect("parsed");
        assert_eq!(got.records.len(), 1);
        let where_: Vec<(Option<u64>, Option<String>)> =
            got.rejects.iter().map(|e| (e.line, e.column.clone())).collect();
        assert_eq!(
            where_,
            [
                (Some(2), Some("streams".into())),
                (Some(3), Some("date".into())),
                (Some(4), None),
                (Some(5), Some("date".into()))
            ]
        );

        let (result, _) = parse(APPLE, br#"{"totalShazam":[]}"#);
        assert!(matches!(result, Err(FileError::MissingColumn { column, .. }) if column == "totalStreams"));
        let (result, _) = parse(SPOTIFY, b"{\"streams\":[");
        assert!(matches!(result, Err(FileError::Unreadable(_))));
    }

    #[test]
    fn dates_may_carry_a_time() {
        assert_eq!(loose_date("2025-04-01 00:00:00"), Ok(NaiveDate::from_ymd_opt(2025, 4, 1).expect("d")));
        assert_eq!(loose_date("2025-04-01T23:59:59Z"), Ok(NaiveDate::from_ymd_opt(2025, 4, 1).expect("d")));
        assert!(loose_date("04/01/2025").is_err());
    }
}
