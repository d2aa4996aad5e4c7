//! Linktree analytics (there is no public API):
//! - the admin analytics page's GraphQL response, saved as JSON:
//!   `data.getAccountAnalytics.overview.timeseries[]` of `{"date", "totalViews", "uniqueViews",
//!   "totalClicks", "uniqueClicks", "clickThroughRate"}`, numbers as JSON numbers or strings;
//! - the Insights CSV, whose headers are unconfirmed: `Date, Views, Unique views, Clicks,
//!   Unique clicks, Click rate` in any case and order, ISO dates.
//!
//! The click rate is clicks over views, so it is not stored. An absent or empty figure means
//! "not reported" and stores nothing.

use std::{collections::HashMap, io::Read};

use chrono::NaiveDate;
use model::SourceId;
use serde_json::Value;

use super::{
    Confidence, Connector, Detection, FeedId, FileError, Flow, Input, RecordSink, RowError, Sample, send,
    tabular::{Table, sniff_headers},
    values,
};
use crate::warehouse::{DailyFact, Measure, Record, metric};

pub struct Linktree;

const GRAPHQL: &str = "linktree.analytics_json";
const INSIGHTS: &str = "linktree.insights_csv";

/// Each figure: its GraphQL field, its CSV header, and the metric it feeds.
const FIGURES: &[(&str, &str, &str)] = &[
    ("totalViews", "Views", metric::LINK_VIEWS),
    ("uniqueViews", "Unique views", metric::LINK_UNIQUE_VIEWS),
    ("totalClicks", "Clicks", metric::LINK_CLICKS),
    ("uniqueClicks", "Unique clicks", metric::LINK_UNIQUE_CLICKS),
];

/// Where the days are in the GraphQL response.
const TIMESERIES: [&str; 4] = ["data", "getAccountAnalytics", "overview", "timeseries"];

/// A saved page response is a few kilobytes a day; anything near this is not one.
const MAX_JSON_BYTES: u64 = 64 * 1024 * 1024;

fn looks_like_json(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    head.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|b| *b == b'{' || *b == b'[')
}

impl Connector for Linktree {
    fn id(&self) -> FeedId {
        FeedId::Source(SourceId::Linktree)
    }

    fn expects(&self) -> &'static str {
        "Linktree analytics: the admin page's getAccountAnalytics JSON, or the Insights CSV \
         (Date, Views, Unique views, Clicks, Unique clicks)"
    }

    fn detect(&self, sample: &Sample<'_>) -> Option<Detection> {
        if looks_like_json(sample.head) {
            let named =
                sample.head.windows(b"getAccountAnalytics".len()).any(|w| w == b"getAccountAnalytics");
            return named.then_some(Detection { format: GRAPHQL, confidence: Confidence::Certain });
        }
        let headers = sniff_headers(sample.head);
        let has = |h: &str| headers.iter().any(|x| x == h);
        if !(has("date") && has("views") && has("clicks")) {
            return None;
        }
        let confidence = if has("unique views") && has("unique clicks") {
            Confidence::Certain
        } else {
            Confidence::Possible
        };
        Some(Detection { format: INSIGHTS, confidence })
    }

    fn parse(&self, format: &'static str, input: &Input, sink: &mut dyn RecordSink) -> Result<(), FileError> {
        let artist = input.facts.artist.as_deref();
        match format {
            GRAPHQL => graphql(input, artist, sink),
            _ => insights(input, artist, sink),
        }
    }
}

fn fact(metric: &'static str, artist: Option<&str>, day: NaiveDate, value: i64) -> Record {
    Record::Daily(Box::new(DailyFact {
        source: SourceId::Linktree,
        metric,
        artist: artist.map(str::to_string),
        entity: None,
        day,
        measure: Measure::Count(value),
    }))
}

fn graphql(input: &Input, artist: Option<&str>, sink: &mut dyn RecordSink) -> Result<(), FileError> {
    let mut bytes = Vec::new();
    input
        .open()?
        .take(MAX_JSON_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| FileError::Unreadable(format!("cannot read the file: {e}")))?;
    if bytes.len() as u64 > MAX_JSON_BYTES {
        return Err(FileError::Refused(format!(
            "larger than {MAX_JSON_BYTES} bytes: not a saved Linktree analytics response"
        )));
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let doc: Value =
        serde_json::from_slice(body).map_err(|e| FileError::Unreadable(format!("not valid JSON: {e}")))?;
    let series = timeseries(&doc)?;

    let mut seen: HashMap<NaiveDate, u64> = HashMap::new();
    for (i, element) in series.iter().enumerate() {
        // JSON has no rows: a day's "line" is its place in `timeseries`, counted from 1, and a
        // bad value's "column" is its field name.
        let line = u64::try_from(i).map_or(u64::MAX, |i| i + 1);
        let parsed = day_of(element, line, &mut seen).map(|(day, figures)| {
            figures.into_iter().map(|(metric, v)| fact(metric, artist, day, v)).collect()
        });
        if send(sink, line, parsed) == Flow::Stop {
            break;
        }
    }
    Ok(())
}

/// The `timeseries` array, or a refusal naming how far the path got.
fn timeseries(doc: &Value) -> Result<&Vec<Value>, FileError> {
    let mut at = doc;
    for (depth, key) in TIMESERIES.iter().enumerate() {
        match at.get(key) {
            Some(next) if !next.is_null() => at = next,
            _ => {
                let reached = TIMESERIES.iter().take(depth).copied().collect::<Vec<_>>().join(".");
                let within = if reached.is_empty() { "the top level".to_string() } else { reached };
                // A failed query comes back with `errors` and no data: say what Linktree said.
                let said = doc
                    .get("errors")
                    .and_then(|e| e.get(0))
                    .and_then(|e| e.get("message"))
                    .and_then(Value::as_str)
                    .map(|m| format!("; the response reports an error: {m}"))
                    .unwrap_or_default();
                return Err(FileError::Refused(format!(
                    "this Linktree analytics JSON has no {} ({key:?} is missing or null in {within}){said}",
                    TIMESERIES.join(".")
                )));
            }
        }
    }
    at.as_array().ok_or_else(|| {
        FileError::Refused(format!("{} in this Linktree analytics JSON is not a list", TIMESERIES.join(".")))
    })
}

type Figures = Vec<(&'static str, i64)>;

fn day_of(
    element: &Value,
    line: u64,
    seen: &mut HashMap<NaiveDate, u64>,
) -> Result<(NaiveDate, Figures), RowError> {
    let error = |column: Option<&str>, reason: String| RowError {
        line: Some(line),
        column: column.map(str::to_string),
        reason,
        content: Some(element.to_string()),
    };
    let Some(object) = element.as_object() else {
        return Err(error(None, "a day of the timeseries is not an object".into()));
    };
    let day = match object.get("date") {
        Some(Value::String(s)) => values::iso_date(s).map_err(|e| error(Some("date"), e))?,
        Some(Value::Null) | None => return Err(error(Some("date"), "the date is missing".into())),
        Some(other) => return Err(error(Some("date"), format!("{other} is not a date (YYYY-MM-DD)"))),
    };
    if let Some(first) = seen.insert(day, line) {
        return Err(error(Some("date"), format!("{day} is listed twice (first as day {first})")));
    }
    let mut figures = Vec::new();
    for &(field, _, metric) in FIGURES {
        let raw = match object.get(field) {
            None | Some(Value::Null) => continue,
            Some(Value::String(s)) => s.clone(),
            // Through its text, so that `11.0` counts as 11 and `11.5` is refused.
            Some(Value::Number(n)) => n.to_string(),
            Some(other) => return Err(error(Some(field), format!("{other} is not a count"))),
        };
        if let Some(v) = non_negative(&raw).map_err(|e| error(Some(field), e))? {
            figures.push((metric, v));
        }
    }
    Ok((day, figures))
}

fn non_negative(raw: &str) -> Result<Option<i64>, String> {
    match values::count(raw)? {
        Some(v) if v < 0 => Err(format!("{v} is negative, which a count cannot be")),
        v => Ok(v),
    }
}

fn insights(input: &Input, artist: Option<&str>, sink: &mut dyn RecordSink) -> Result<(), FileError> {
    let kind = "Linktree Insights export";
    let mut table = Table::open(input.open()?, &input.head)?;
    let date = table.require(kind, &["Date"])?;
    let columns: Vec<(usize, &str, &'static str)> =
        FIGURES.iter().filter_map(|&(_, h, m)| table.column(&[h]).map(|i| (i, h, m))).collect();
    let mut seen: HashMap<NaiveDate, u64> = HashMap::new();
    while let Some(row) = table.next_row()? {
        if row.is_blank() {
            continue;
        }
        let line = row.line;
        let parsed = values::iso_date(&row.text(date))
            .map_err(|e| row.error(Some("Date"), e))
            .and_then(|day| match seen.insert(day, line) {
                Some(first) => {
                    Err(row.error(Some("Date"), format!("{day} is listed twice (first on line {first})")))
                }
                None => Ok(day),
            })
            .and_then(|day| {
                let mut records = Vec::new();
                for &(col, header, metric) in &columns {
                    if let Some(v) = non_negative(&row.text(col)).map_err(|e| row.error(Some(header), e))? {
                        records.push(fact(metric, artist, day, v));
                    }
                }
                Ok(records)
            });
        if send(sink, line, parsed) == Flow::Stop {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(head: &[u8]) -> Option<(&'static str, Confidence)> {
        Linktree.detect(&Sample { name: "x", head }).map(|d| (d.format, d.confidence))
    }

    #[test]
    fn detects_the_graphql_json_and_the_insights_csv() {
        assert_eq!(
            detect(b"\xEF\xBB\xBF {\"data\":{\"getAccountAnalytics\":{\"overview\":{}}}}"),
            Some((GRAPHQL, Confidence::Certain))
        );
        assert_eq!(detect(b"{\"data\":{\"getProfile\":{}}}"), None);
        assert_eq!(
            detect(b"Date,Views,Unique views,Clicks,Unique clicks,Click rate\n"),
            Some((INSIGHTS, Confidence::Certain))
        );
        assert_eq!(
            detect(b"CLICK RATE;unique CLICKS;clicks;Unique Views;views;DATE\r\n"),
            Some((INSIGHTS, Confidence::Certain))
        );
        assert_eq!(detect(b"date,views,clicks\n"), Some((INSIGHTS, Confidence::Possible)));
        assert_eq!(detect(b"Date,Views\n"), None);
    }

    #[test]
    fn days_take_numbers_or_strings_and_name_the_bad_field() {
        let mut seen = HashMap::new();
        let el: Value = serde_json::json!({"date": "2025-05-26", "totalViews": 11, "uniqueViews": "1,011",
            "totalClicks": 13.0, "uniqueClicks": null, "clickThroughRate": 1.1818});
        let (day, figures) = day_of(&el, 1, &mut seen).expect("day");
        assert_eq!(day, NaiveDate::from_ymd_opt(2025, 5, 26).expect("date"));
        assert_eq!(
            figures,
            [(metric::LINK_VIEWS, 11), (metric::LINK_UNIQUE_VIEWS, 1011), (metric::LINK_CLICKS, 13)]
        );

        let bad = serde_json::json!({"date": "2025-05-27", "totalViews": 1.5});
        let err = day_of(&bad, 2, &mut seen).expect_err("bad");
        assert_eq!((err.line, err.column.as_deref()), (Some(2), Some("totalViews")));
        let again = serde_json::json!({"date": "2025-05-26"});
        let err = day_of(&again, 3, &mut seen).expect_err("twice");
        assert_eq!(err.column.as_deref(), Some("date"));
        let err = day_of(&serde_json::json!([1]), 4, &mut seen).expect_err("not an object");
        assert_eq!((err.line, err.column), (Some(4), None));
    }

    #[test]
    fn a_missing_timeseries_names_the_path() {
        let doc = serde_json::json!({"data": {"getAccountAnalytics": {"overview": {}}}});
        let err = timeseries(&doc).expect_err("missing").to_string();
        assert!(err.contains("data.getAccountAnalytics.overview.timeseries"), "{err}");
        assert!(
            err.contains("\"timeseries\" is missing or null in data.getAccountAnalytics.overview"),
            "{err}"
        );
        let doc = serde_json::json!({"data": null, "errors": [{"message": "Unauthorized"}]});
        let err = timeseries(&doc).expect_err("missing").to_string();
        assert!(
            err.contains("Unauthorized") && err.contains("\"data\" is missing or null in the top level"),
            "{err}"
        );
    }
}
