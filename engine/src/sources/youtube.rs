//! YouTube Studio exports (Analytics → Advanced mode → Export): a zip, or the folder it unpacks
//! to, holding `Table data.csv`, `Chart data.csv` and `Totals.csv`. Users upload the zip or any
//! one of the CSVs.
//!
//! - `Table data.csv` by **Date**: `Date` first (ISO, newest first) plus a `Total` row → daily
//!   channel facts.
//! - `Table data.csv` by **Content**: `Content` (video id) first plus a `Total` row → per-video
//!   totals over the export window. The window is not inside the file: it is read from the name
//!   YouTube gives the zip, `<Dimension> YYYY-MM-DD_YYYY-MM-DD <Channel>.zip`.
//! - `Chart data.csv` / `Totals.csv`: `Date` plus the chosen metrics, and in a Content export also
//!   `Content` / `Video title` → daily facts, per video when there is a `Content` column.
//!
//! Only additive metrics are kept; ratios and averages (CTR, RPM, CPM, average view duration) are
//! derived from them and would sum wrongly over days or videos.

use std::{collections::HashSet, io::Read};

use chrono::NaiveDate;
use model::SourceId;

use super::{
    Confidence, Connector, Detection, FeedId, FileError, Flow, Input, RecordSink, RowError, Sample, send,
    tabular::{Row, Table, sniff_headers},
    values, zipped,
};
use crate::warehouse::{DailyFact, EntityRef, Measure, Record, WindowFact, metric};

pub struct Youtube;

const ZIP: &str = "youtube.studio_zip";
const CONTENT_TABLE: &str = "youtube.content_table";
const DAILY: &str = "youtube.daily";
/// A pull from the Analytics and Data APIs (see `crate::pull::youtube`).
const API: &str = "youtube.api_reports";

/// The files a Studio export is made of (lower case).
const EXPORT_FILES: &[&str] = &["table data.csv", "chart data.csv", "totals.csv"];

/// How a metric's cells are read.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Unit {
    Count,
    /// Watch hours: fractional, kept exact.
    Hours,
    Money(String),
}

/// An additive metric column: what it feeds and how to read it.
fn metric_of(header: &str) -> Option<(&'static str, Unit)> {
    let plain = match header {
        "views" => Some(metric::VIEWS),
        "subscribers" => Some(metric::SUBSCRIBERS_NET),
        "subscribers gained" => Some(metric::SUBSCRIBERS_GAINED),
        "subscribers lost" => Some(metric::SUBSCRIBERS_LOST),
        "impressions" => Some(metric::IMPRESSIONS),
        "likes" => Some(metric::LIKES),
        "comments added" => Some(metric::COMMENTS),
        "shares" => Some(metric::SHARES),
        _ => None,
    };
    if let Some(m) = plain {
        return Some((m, Unit::Count));
    }
    if header == "watch time (hours)" {
        return Some((metric::WATCH_HOURS, Unit::Hours));
    }
    revenue_currency(header).map(|c| (metric::ESTIMATED_REVENUE, Unit::Money(c)))
}

/// `estimated revenue (usd)` / `your estimated revenue (eur)` → the currency code, upper case.
fn revenue_currency(header: &str) -> Option<String> {
    let rest = header
        .strip_prefix("estimated revenue (")
        .or_else(|| header.strip_prefix("your estimated revenue ("))?;
    let code = rest.strip_suffix(')')?;
    (code.len() == 3 && code.chars().all(|c| c.is_ascii_alphabetic())).then(|| code.to_ascii_uppercase())
}

/// Columns YouTube exports that are not stored: descriptions of the video, and derived figures.
fn is_known_other(header: &str) -> bool {
    matches!(
        header,
        "date"
            | "content"
            | "video title"
            | "video publish time"
            | "duration"
            | "impressions click-through rate (%)"
            | "average view duration"
            | "average percentage viewed (%)"
            | "dislikes"
    ) || header.starts_with("rpm (")
        || header.starts_with("cpm (")
        || header.starts_with("playback-based cpm (")
}

/// Columns only YouTube exports; other sources' files (TikTok, Linktree, Meta) share generic
/// names such as `Likes`, `Views` or `Impressions`, never these.
fn is_distinctive(header: &str) -> bool {
    matches!(
        header,
        "watch time (hours)"
            | "subscribers gained"
            | "subscribers lost"
            | "comments added"
            | "video title"
            | "video publish time"
            | "impressions click-through rate (%)"
            | "average view duration"
    ) || revenue_currency(header).is_some()
}

fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

/// Whether a file is named like one of the export's CSVs (`Table data.csv`, or renamed with the
/// window: `Table data 2025-01-01_2025-12-31.csv`).
fn named_like_export(name: &str) -> bool {
    let base = base_name(name).to_lowercase();
    base.ends_with(".csv") && EXPORT_FILES.iter().any(|f| base.starts_with(f.trim_end_matches(".csv")))
}

/// The export window in a name: the first `YYYY-MM-DD_YYYY-MM-DD` in it, as YouTube names its
/// zips (`Content 2025-01-01_2025-12-31 My Channel.zip`).
pub fn window_from_name(name: &str) -> Option<(NaiveDate, NaiveDate)> {
    let base = base_name(name);
    base.char_indices().find_map(|(i, _)| {
        let span = base.get(i..i + 21)?;
        let (first, last) = (span.get(..10)?, span.get(11..)?);
        if span.as_bytes().get(10) != Some(&b'_') {
            return None;
        }
        let first = NaiveDate::parse_from_str(first, "%Y-%m-%d").ok()?;
        let last = NaiveDate::parse_from_str(last, "%Y-%m-%d").ok()?;
        (first <= last).then_some((first, last))
    })
}

/// A `Date` cell: ISO, or the `Oct 3, 2026` form Studio uses in some places.
fn parse_day(raw: &str) -> Result<NaiveDate, String> {
    let raw = raw.trim();
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(raw, "%b %d, %Y"))
        .map_err(|_| format!("{raw:?} is not a date (YYYY-MM-DD)"))
}

/// A header as YouTube writes it (sentence case, currency in capitals), for messages.
fn display(header: &str) -> String {
    let mut chars = header.chars();
    let mut out: String = chars.next().map(|c| c.to_uppercase().collect()).unwrap_or_default();
    out.push_str(chars.as_str());
    let code = out.rfind('(').and_then(|open| Some((open, out.get(open..)?)));
    match code {
        Some((open, code)) if code.len() == 5 && code.ends_with(')') => {
            let code = code.to_ascii_uppercase();
            out.replace_range(open.., &code);
            out
        }
        _ => out,
    }
}

impl Connector for Youtube {
    fn id(&self) -> FeedId {
        FeedId::Source(SourceId::Youtube)
    }

    fn expects(&self) -> &'static str {
        "YouTube Studio export (the zip, or its Table data.csv / Chart data.csv / Totals.csv, by Date or Content)"
    }

    fn detect(&self, sample: &Sample<'_>) -> Option<Detection> {
        if crate::pull::envelope::detect(sample, SourceId::Youtube).is_some() {
            return Some(Detection { format: API, confidence: Confidence::Certain });
        }
        if zipped::is_zip(sample.head) {
            let ours = zipped::member_names(sample.head)
                .iter()
                .any(|m| EXPORT_FILES.contains(&base_name(m).to_lowercase().as_str()));
            return ours.then_some(Detection { format: ZIP, confidence: Confidence::Certain });
        }
        let headers = sniff_headers(sample.head);
        let first = headers.first()?;
        if !headers.iter().any(|h| metric_of(h).is_some()) {
            return None;
        }
        let distinctive = headers.iter().any(|h| is_distinctive(h));
        let all_known = headers.iter().all(|h| metric_of(h).is_some() || is_known_other(h));
        let named = named_like_export(sample.name);
        // Studio's own file names are proof enough; so is a column no other source exports.
        let confidence = if distinctive || named {
            Confidence::Certain
        } else if all_known {
            Confidence::Possible
        } else {
            return None;
        };
        let format = match first.as_str() {
            "content" => CONTENT_TABLE,
            "date" => DAILY,
            // Another dimension (Geography, Traffic source…): claimed only when plainly YouTube's,
            // so that parsing can say which dimensions work.
            _ if distinctive || named => DAILY,
            _ => return None,
        };
        Some(Detection { format, confidence })
    }

    fn parse(&self, format: &'static str, input: &Input, sink: &mut dyn RecordSink) -> Result<(), FileError> {
        if format == API {
            return crate::pull::youtube::parse(input, input.facts.artist.as_deref(), sink);
        }
        if !zipped::is_zip(&input.head) {
            let table = Table::open(input.open()?, &input.head)?;
            return read_table(table, input, None, sink).map(|_| ());
        }
        let members: Vec<_> = zipped::members(&input.path)?
            .into_iter()
            .filter(|m| m.name.to_lowercase().ends_with(".csv"))
            .collect();
        if members.is_empty() {
            return Err(FileError::Refused(
                "this zip holds no CSV file; a YouTube Studio export holds Table data.csv, Chart data.csv and Totals.csv"
                    .into(),
            ));
        }
        let mut sink = MemberSink { inner: sink, member: String::new() };
        for member in &members {
            sink.member.clone_from(&member.name);
            let table = Table::open(member.bytes.as_slice(), &member.bytes)?;
            if read_table(table, input, Some(&member.name), &mut sink)? == Flow::Stop {
                break;
            }
        }
        Ok(())
    }
}

/// Names the zip member in every rejected row, since lines are counted within the member.
struct MemberSink<'a> {
    inner: &'a mut dyn RecordSink,
    member: String,
}

impl RecordSink for MemberSink<'_> {
    fn record(&mut self, line: u64, record: Record) -> Flow {
        self.inner.record(line, record)
    }

    fn reject(&mut self, mut error: RowError) -> Flow {
        error.reason = format!("{}: {}", self.member, error.reason);
        self.inner.reject(error)
    }
}

/// A stored metric column.
struct MetricColumn {
    index: usize,
    metric: &'static str,
    unit: Unit,
    header: String,
}

fn metric_columns(headers: &[String]) -> Vec<MetricColumn> {
    let mut out: Vec<MetricColumn> = Vec::new();
    for (index, h) in headers.iter().enumerate() {
        if let Some((metric, unit)) = metric_of(h) {
            // `Estimated revenue` and `Your estimated revenue` are one figure under two names:
            // the first one is kept.
            if !out.iter().any(|c| c.metric == metric) {
                out.push(MetricColumn { index, metric, unit, header: display(h) });
            }
        }
    }
    out
}

impl MetricColumn {
    fn measure(&self, row: &Row<'_>) -> Result<Option<Measure>, RowError> {
        let raw = row.text(self.index);
        let err = |e: String| row.error(Some(&self.header), e);
        Ok(match &self.unit {
            Unit::Count => values::count(&raw).map_err(err)?.map(Measure::Count),
            Unit::Hours => values::decimal(&raw).map_err(err)?.map(Measure::Amount),
            Unit::Money(currency) => {
                values::decimal(&raw).map_err(err)?.map(|d| Measure::Money(d, currency.clone()))
            }
        })
    }
}

/// Reads one CSV of the export; `member` names it inside a zip.
fn read_table(
    mut table: Table<impl Read>,
    input: &Input,
    member: Option<&str>,
    sink: &mut dyn RecordSink,
) -> Result<Flow, FileError> {
    let headers = table.headers().to_vec();
    let what = member.map_or_else(|| "this YouTube export".to_string(), |m| m.to_string());
    // An empty CSV (a chart with nothing in it) has nothing to load.
    if headers.iter().all(String::is_empty) {
        return Ok(Flow::Continue);
    }
    let layout = match headers.first().map(String::as_str) {
        Some("content") => Layout::Content,
        Some("date") => Layout::Daily,
        Some(other) => {
            return Err(FileError::Refused(format!(
                "{what} is split by {:?}: only exports by Date or by Content can be imported \
                 (choose one of them in Studio's Advanced mode, then export again)",
                display(other)
            )));
        }
        None => return Ok(Flow::Continue),
    };
    let metrics = metric_columns(&headers);
    if metrics.is_empty() {
        return Err(FileError::Refused(format!(
            "{what} has none of the metrics Soundcheck keeps (Views, Watch time (hours), Subscribers, \
             Subscribers gained/lost, Impressions, Likes, Comments added, Shares, Estimated revenue); \
             columns found: {}",
            headers.join(", ")
        )));
    }
    let columns = Columns {
        content: table.column(&["content"]),
        title: table.column(&["video title"]),
        metrics,
        artist: input.facts.artist.clone(),
    };
    match layout {
        Layout::Content => {
            let (first_day, last_day) = window_from_name(&input.name).ok_or_else(|| {
                FileError::NeedsInput(format!(
                    "{what} holds per-video totals for the exported date range, which only the name of \
                     the zip says (YouTube names it like \"Content 2025-01-01_2025-12-31 My Channel.zip\"): \
                     upload the zip as downloaded, or put the range in the file name as \
                     YYYY-MM-DD_YYYY-MM-DD (e.g. \"Table data 2025-01-01_2025-12-31.csv\")"
                ))
            })?;
            content_rows(&mut table, &columns, first_day, last_day, sink)
        }
        Layout::Daily => daily_rows(&mut table, &columns, &what, &headers, sink),
    }
}

enum Layout {
    Content,
    Daily,
}

struct Columns {
    content: Option<usize>,
    title: Option<usize>,
    metrics: Vec<MetricColumn>,
    artist: Option<String>,
}

impl Columns {
    /// The video a row is about, if the file is split by video. `Ok(None)` inside means the
    /// `Total` row.
    fn video(&self, row: &Row<'_>) -> Result<Option<Option<EntityRef>>, RowError> {
        let Some(c) = self.content else { return Ok(Some(None)) };
        let id = row.text(c);
        if id.eq_ignore_ascii_case("total") {
            return Ok(None);
        }
        if id.is_empty() {
            return Err(row.error(Some("Content"), "the video id is empty"));
        }
        let name = self.title.map(|t| row.text(t).into_owned()).filter(|t| !t.is_empty());
        Ok(Some(Some(EntityRef { kind: "video", key: id.into_owned(), name })))
    }

    fn measures(&self, row: &Row<'_>) -> Result<Vec<(&'static str, Measure)>, RowError> {
        let mut out = Vec::with_capacity(self.metrics.len());
        for c in &self.metrics {
            if let Some(m) = c.measure(row)? {
                out.push((c.metric, m));
            }
        }
        Ok(out)
    }
}

fn content_rows(
    table: &mut Table<impl Read>,
    columns: &Columns,
    first_day: NaiveDate,
    last_day: NaiveDate,
    sink: &mut dyn RecordSink,
) -> Result<Flow, FileError> {
    let mut seen = HashSet::new();
    while let Some(row) = table.next_row()? {
        if row.is_blank() {
            continue;
        }
        let video = match columns.video(&row) {
            Ok(None) => continue,
            Ok(Some(v)) => v,
            Err(e) => {
                if sink.reject(e) == Flow::Stop {
                    return Ok(Flow::Stop);
                }
                continue;
            }
        };
        if let Some(v) = &video
            && !seen.insert(v.key.clone())
        {
            return Err(FileError::Refused(format!(
                "video {} appears twice (line {}): the export is split by more than the video",
                v.key, row.line
            )));
        }
        let parsed = columns.measures(&row).map(|measures| {
            measures
                .into_iter()
                .map(|(metric, measure)| {
                    Record::Window(Box::new(WindowFact {
                        source: SourceId::Youtube,
                        metric,
                        artist: columns.artist.clone(),
                        entity: video.clone(),
                        first_day,
                        last_day,
                        measure,
                    }))
                })
                .collect()
        });
        if send(sink, row.line, parsed) == Flow::Stop {
            return Ok(Flow::Stop);
        }
    }
    Ok(Flow::Continue)
}

fn daily_rows(
    table: &mut Table<impl Read>,
    columns: &Columns,
    what: &str,
    headers: &[String],
    sink: &mut dyn RecordSink,
) -> Result<Flow, FileError> {
    let mut seen = HashSet::new();
    while let Some(row) = table.next_row()? {
        if row.is_blank() {
            continue;
        }
        let first = row.text(0);
        if first.eq_ignore_ascii_case("total") {
            continue;
        }
        let parsed = parse_day(&first).map_err(|e| row.error(Some("Date"), e)).and_then(|day| {
            let video = columns.video(&row)?;
            Ok((day, video))
        });
        let (day, video) = match parsed {
            Ok((_, None)) => continue,
            Ok((day, Some(video))) => (day, video),
            Err(e) => {
                if sink.reject(e) == Flow::Stop {
                    return Ok(Flow::Stop);
                }
                continue;
            }
        };
        // A day met twice means the rows are split by something this importer does not know
        // (a country, a traffic source…): storing them would keep only the last one.
        if !seen.insert((video.as_ref().map(|v| v.key.clone()), day)) {
            let of = video.as_ref().map(|v| format!(" for video {}", v.key)).unwrap_or_default();
            return Err(FileError::Refused(format!(
                "{what}: {day}{of} appears twice (line {}), so its rows are split by something other \
                 than the day; only exports by Date or by Content can be imported (columns found: {})",
                row.line,
                headers.join(", ")
            )));
        }
        let parsed = columns.measures(&row).map(|measures| {
            measures
                .into_iter()
                .map(|(metric, measure)| {
                    Record::Daily(Box::new(DailyFact {
                        source: SourceId::Youtube,
                        metric,
                        artist: columns.artist.clone(),
                        entity: video.clone(),
                        day,
                        measure,
                    }))
                })
                .collect()
        });
        if send(sink, row.line, parsed) == Flow::Stop {
            return Ok(Flow::Stop);
        }
    }
    Ok(Flow::Continue)
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::*;
    use crate::sources::{
        FileFacts,
        test_support::{Collect, parse_bytes},
    };

    fn detect(name: &str, head: &[u8]) -> Option<(&'static str, Confidence)> {
        Youtube.detect(&Sample { name, head }).map(|d| (d.format, d.confidence))
    }

    fn parse(name: &str, bytes: &[u8]) -> (Result<(), FileError>, Collect) {
        parse_bytes(&Youtube, DAILY, name, bytes, FileFacts::default())
    }

    fn dec(s: &str) -> Decimal {
        Decimal::from_str_exact(s).expect("decimal")
    }

    #[test]
    fn detects_tables_by_date_and_content_and_the_zip() {
        assert_eq!(
            detect("Table data.csv", b"\xEF\xBB\xBFDate,Views,Watch time (hours),Subscribers\n"),
            Some((DAILY, Confidence::Certain))
        );
        assert_eq!(
            detect(
                "x.csv",
                b"Content,Video title,Video publish time,Duration,Views,Watch time (hours),Estimated revenue (USD)\n"
            ),
            Some((CONTENT_TABLE, Confidence::Certain))
        );
        assert_eq!(detect("Totals.csv", b"Date,Views\n"), Some((DAILY, Confidence::Certain)));
        assert_eq!(detect("views.csv", b"Date,Views\n"), Some((DAILY, Confidence::Possible)));
        assert_eq!(
            detect("Table data.csv", b"Geography,Views,Watch time (hours)\n"),
            Some((DAILY, Confidence::Certain)),
            "claimed, so that parsing can name the dimensions that work"
        );
    }

    #[test]
    fn leaves_other_sources_files_alone() {
        // TikTok Overview, Linktree insights, Spotify song timeline, Meta Ads.
        assert_eq!(detect("Overview.csv", b"Date,Video Views,Profile Views,Likes,Comments,Shares\n"), None);
        assert_eq!(detect("x.csv", b"Date,Views,Unique views,Clicks,Unique clicks,Click rate\n"), None);
        assert_eq!(detect("x.csv", b"date,streams\n"), None);
        assert_eq!(detect("x.csv", b"Campaign name,Day,Impressions,Reach,Amount spent (USD)\n"), None);
        assert_eq!(detect("x.zip", b"PK\x03\x04\x00"), None);
    }

    #[test]
    fn windows_come_from_names() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        assert_eq!(
            window_from_name("Content 2025-01-01_2025-12-31 Zone A0.zip"),
            Some((d("2025-01-01"), d("2025-12-31")))
        );
        assert_eq!(
            window_from_name("uploads/Table data 2025-03-01_2025-03-28.csv"),
            Some((d("2025-03-01"), d("2025-03-28")))
        );
        assert_eq!(window_from_name("Table data.csv"), None);
        assert_eq!(window_from_name("x 2025-12-31_2025-01-01.csv"), None, "reversed");
        assert_eq!(window_from_name("x 2025-02-30_2025-03-01.csv"), None);
        assert_eq!(window_from_name("é2025-01-01_2025-01-02"), Some((d("2025-01-01"), d("2025-01-02"))));
    }

    #[test]
    fn headers_map_to_metrics_and_currencies() {
        assert_eq!(metric_of("watch time (hours)"), Some((metric::WATCH_HOURS, Unit::Hours)));
        assert_eq!(
            metric_of("your estimated revenue (eur)"),
            Some((metric::ESTIMATED_REVENUE, Unit::Money("EUR".into())))
        );
        assert_eq!(metric_of("rpm (usd)"), None);
        assert_eq!(metric_of("impressions click-through rate (%)"), None);
        assert_eq!(display("estimated revenue (usd)"), "Estimated revenue (USD)");
        assert_eq!(display("impressions click-through rate (%)"), "Impressions click-through rate (%)");
        assert_eq!(parse_day("Oct 3, 2026"), Ok(NaiveDate::from_ymd_opt(2026, 10, 3).expect("date")));
    }

    #[test]
    fn daily_table_skips_the_total_row_and_derived_columns() {
        let csv = "Date,Views,Watch time (hours),Average view duration,Estimated revenue (USD)\r\n\
                   Total,\"12,400\",100.5,0:01:02,4.10\r\n\
                   2025-03-02,\"12,345\",99.25,0:01:00,4.00\r\n\
                   2025-03-01,55,1.25,0:02:00,\r\n";
        let (result, got) = parse("Table data.csv", csv.as_bytes());
        result.expect("parsed");
        assert!(got.rejects.is_empty());
        let facts: Vec<(u64, &str, NaiveDate, Measure)> = got
            .records
            .iter()
            .filter_map(|(line, r)| match r {
                Record::Daily(f) => Some((*line, f.metric, f.day, f.measure.clone())),
                _ => None,
            })
            .collect();
        let day = |d: u32| NaiveDate::from_ymd_opt(2025, 3, d).expect("date");
        assert_eq!(
            facts,
            vec![
                (3, metric::VIEWS, day(2), Measure::Count(12345)),
                (3, metric::WATCH_HOURS, day(2), Measure::Amount(dec("99.25"))),
                (3, metric::ESTIMATED_REVENUE, day(2), Measure::Money(dec("4.00"), "USD".into())),
                (4, metric::VIEWS, day(1), Measure::Count(55)),
                (4, metric::WATCH_HOURS, day(1), Measure::Amount(dec("1.25"))),
            ]
        );
    }

    #[test]
    fn content_table_needs_its_window_and_names_videos() {
        let csv = "Content,Video title,Views\nTotal,,10\n dQw4w9WgXcQ,Luna (Official Video),10\n";
        let (result, _) = parse("Table data.csv", csv.as_bytes());
        assert!(matches!(result, Err(FileError::NeedsInput(m)) if m.contains("YYYY-MM-DD_YYYY-MM-DD")));

        let (result, got) = parse("Table data 2025-01-01_2025-01-31.csv", csv.as_bytes());
        result.expect("parsed");
        let [(3, Record::Window(w))] = got.records.as_slice() else { panic!("{:?}", got.records) };
        assert_eq!(
            w.entity.as_ref().map(|e| (e.key.as_str(), e.name.as_deref())),
            Some(("dQw4w9WgXcQ", Some("Luna (Official Video)")))
        );
        assert_eq!(
            (w.first_day.to_string(), w.last_day.to_string()),
            ("2025-01-01".into(), "2025-01-31".into())
        );
    }

    #[test]
    fn bad_cells_are_row_errors_and_other_dimensions_are_refused() {
        let (result, got) = parse("Totals.csv", b"Date,Views\n2025-02-30,3\n2025-03-01,lots\n2025-03-02,4\n");
        result.expect("parsed");
        assert_eq!(got.records.len(), 1);
        let where_: Vec<_> = got.rejects.iter().map(|e| (e.line, e.column.clone())).collect();
        assert_eq!(where_, [(Some(2), Some("Date".into())), (Some(3), Some("Views".into()))]);

        let (result, _) = parse("Table data.csv", b"Geography,Views\nUS,3\n");
        assert!(matches!(result, Err(FileError::Refused(m)) if m.contains("Geography")));
        let split = b"Date,Traffic source,Views\n2025-01-01,Search,3\n2025-01-01,Browse,4\n";
        assert_eq!(detect("Chart data.csv", split), Some((DAILY, Confidence::Certain)));
        let (result, _) = parse("Chart data.csv", split);
        assert!(matches!(result, Err(FileError::Refused(m)) if m.contains("appears twice")));
    }
}
