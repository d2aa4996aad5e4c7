//! TikTok Studio exports (the Display API only gives current totals, not days):
//! - `Overview.csv`: `Date,Video Views,Profile Views,Likes,Comments,Shares`;
//! - `FollowerHistory.csv`: `Date,Followers,Difference in followers from previous day`;
//! - `Viewers.csv`: `Date,Total Viewers,New Viewers,Returning Viewers`;
//!
//! each alone or inside a zip named `Overview_<first day>_<export time>_<account>.zip`.
//!
//! `Date` is like `May 28`, without a year: the year comes from the export date (the name's
//! Unix time, or `--export-date`), walking back through the rows. `Followers` is cumulative (a
//! snapshot per day), the rest are daily. An empty cell means "not reported" and stores nothing.
//!
//! A pull of the Display API (`crate::pull::tiktok`: today's totals of the account and of each
//! video) is recognised by its header line and read there.

use chrono::{DateTime, Datelike, Duration, NaiveDate};
use model::SourceId;

use super::{
    Confidence, Connector, Detection, FeedId, FileError, FileFacts, Flow, Input, RecordSink, RowError,
    Sample, send,
    tabular::{Row, Table, sniff_headers},
    values, zipped,
};
use crate::warehouse::{DailyFact, Measure, Record, metric};

pub struct Tiktok;

const OVERVIEW: &str = "tiktok.overview";
const FOLLOWER_HISTORY: &str = "tiktok.follower_history";
const VIEWERS: &str = "tiktok.viewers";
const ZIP: &str = "tiktok.zip";
/// A pull from the Display API (see `crate::pull::tiktok`).
const API_FORMAT: &str = "tiktok.api_display";

const KIND: &str = "TikTok Studio export";
const DATE: &str = "Date";

/// A figure column: its header, the metric it feeds, and whether it may go below zero.
struct Column {
    header: &'static str,
    metric: &'static str,
    signed: bool,
}

const fn col(header: &'static str, metric: &'static str) -> Column {
    Column { header, metric, signed: false }
}

const COLUMNS: &[Column] = &[
    col("Video Views", metric::VIDEO_VIEWS),
    col("Profile Views", metric::PROFILE_VIEWS),
    col("Likes", metric::LIKES),
    col("Comments", metric::COMMENTS),
    col("Shares", metric::SHARES),
    col("Followers", metric::FOLLOWERS),
    // Unfollows outnumber follows on some days.
    Column {
        header: "Difference in followers from previous day",
        metric: metric::FOLLOWERS_GAINED,
        signed: true,
    },
    col("Total Viewers", metric::VIEWERS),
    col("New Viewers", metric::NEW_VIEWERS),
    col("Returning Viewers", metric::RETURNING_VIEWERS),
];

/// Each export: its format, the name TikTok gives the file, and its figure columns.
const LAYOUTS: &[(&str, &str, &[&str])] = &[
    (OVERVIEW, "overview", &["Video Views", "Profile Views", "Likes", "Comments", "Shares"]),
    (FOLLOWER_HISTORY, "followerhistory", &["Followers", "Difference in followers from previous day"]),
    (VIEWERS, "viewers", &["Total Viewers", "New Viewers", "Returning Viewers"]),
];

/// Which export a header row is: `Certain` when it has all of one export's columns, `Possible`
/// when it has a date and some of TikTok's figures.
fn classify(headers: &[String]) -> Option<(&'static str, Confidence)> {
    let has = |h: &str| headers.iter().any(|x| x.eq_ignore_ascii_case(h));
    if !has(DATE) {
        return None;
    }
    let hits = |cols: &[&str]| cols.iter().filter(|c| has(c)).count();
    let (format, _, cols) = LAYOUTS.iter().max_by_key(|(_, _, cols)| hits(cols))?;
    match hits(cols) {
        0 => None,
        n if n == cols.len() => Some((format, Confidence::Certain)),
        _ => Some((format, Confidence::Possible)),
    }
}

/// Whether a zip member is one of TikTok's CSVs (`Overview.csv`, `Viewers (1).csv`, …).
fn is_tiktok_member(name: &str) -> bool {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name).to_lowercase();
    base.ends_with(".csv") && LAYOUTS.iter().any(|(_, stem, _)| base.starts_with(stem))
}

/// What `Overview_<first day>_<export time>_<account>.<ext>` says.
#[derive(Debug, PartialEq, Eq)]
struct NameFacts {
    first_day: NaiveDate,
    exported: NaiveDate,
    account: String,
}

fn facts_of_name(name: &str) -> Option<NameFacts> {
    let base = name.rsplit(['/', '\\']).next()?;
    let lower = base.to_lowercase();
    // Only known extensions come off: the account itself may hold dots (`zone.a0`).
    let stem_len =
        [".zip", ".csv"].iter().find(|e| lower.ends_with(*e)).map_or(base.len(), |e| base.len() - e.len());
    let stem = base.get(..stem_len)?;
    let (prefix, rest) = stem.split_once('_')?;
    if !["overview", "followerhistory", "viewers"].contains(&prefix.to_lowercase().as_str()) {
        return None;
    }
    // The account may hold underscores too, so it is everything after the third part.
    let mut parts = rest.splitn(3, '_');
    let first_day = values::iso_date(parts.next()?).ok()?;
    let epoch: i64 = parts.next()?.parse().ok()?;
    let exported = DateTime::from_timestamp(epoch, 0)?.date_naive();
    let account = strip_copy_suffix(parts.next()?.trim());
    if account.is_empty() || exported < first_day {
        return None;
    }
    Some(NameFacts { first_day, exported, account: account.to_string() })
}

/// `zone.a0 (1)` → `zone.a0`: browsers number a file downloaded twice.
fn strip_copy_suffix(s: &str) -> &str {
    s.strip_suffix(')')
        .and_then(|r| r.rsplit_once(" ("))
        .filter(|(_, n)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        .map_or(s, |(stem, _)| stem.trim_end())
}

impl Connector for Tiktok {
    fn id(&self) -> FeedId {
        FeedId::Source(SourceId::Tiktok)
    }

    fn expects(&self) -> &'static str {
        "TikTok Studio export: Overview.csv (Date,Video Views,Profile Views,Likes,Comments,Shares), \
         FollowerHistory.csv (Date,Followers,…), Viewers.csv (Date,Total Viewers,…), or their zip, \
         or a Soundcheck pull of the Display API"
    }

    fn detect(&self, sample: &Sample<'_>) -> Option<Detection> {
        if crate::pull::envelope::detect(sample, SourceId::Tiktok).is_some() {
            return Some(Detection { format: API_FORMAT, confidence: Confidence::Certain });
        }
        if zipped::is_zip(sample.head) {
            let confidence = if zipped::member_names(sample.head).iter().any(|m| is_tiktok_member(m)) {
                Confidence::Certain
            } else if facts_of_name(sample.name).is_some() {
                Confidence::Possible
            } else {
                return None;
            };
            return Some(Detection { format: ZIP, confidence });
        }
        classify(&sniff_headers(sample.head)).map(|(format, confidence)| Detection { format, confidence })
    }

    fn facts_from_name(&self, name: &str) -> FileFacts {
        match facts_of_name(name) {
            Some(f) => FileFacts {
                artist: Some(f.account),
                export_date: Some(f.exported),
                window_days: u32::try_from((f.exported - f.first_day).num_days() + 1).ok(),
            },
            None => FileFacts::default(),
        }
    }

    fn parse(&self, format: &'static str, input: &Input, sink: &mut dyn RecordSink) -> Result<(), FileError> {
        if format == API_FORMAT {
            // Dated by the pull itself: no export date needed.
            return crate::pull::tiktok::parse(input, sink);
        }
        let export_date = input.facts.export_date.ok_or_else(|| {
            FileError::NeedsInput(
                "TikTok dates have no year: give --export-date (the day the export was made), or keep \
                 the export's name (Overview_<first day>_<export time>_<account>.zip)"
                    .into(),
            )
        })?;
        let artist = input.facts.artist.as_deref();
        if format != ZIP {
            let table = Table::open(input.open()?, &input.head)?;
            read_table(table, None, export_date, artist, sink)?;
            return Ok(());
        }
        let members = zipped::members(&input.path)?;
        if let Ok(meta) = std::fs::metadata(&input.path) {
            input.bytes_read.fetch_add(meta.len(), std::sync::atomic::Ordering::Relaxed);
        }
        let csvs: Vec<_> = members.iter().filter(|m| m.name.to_lowercase().ends_with(".csv")).collect();
        if csvs.is_empty() {
            return Err(FileError::Refused(
                "the zip holds no CSV file; a TikTok Studio export holds Overview.csv, FollowerHistory.csv \
                 or Viewers.csv"
                    .into(),
            ));
        }
        // Every member is checked before any is read, so a stray file refuses the zip up front.
        for m in &csvs {
            let headers = sniff_headers(&m.bytes);
            if classify(&headers).is_none() {
                return Err(FileError::Refused(format!(
                    "{} inside the zip is not a TikTok Studio export (columns: {})",
                    m.name,
                    headers.join(", ")
                )));
            }
        }
        for m in csvs {
            let table = Table::open(&m.bytes[..], &m.bytes)?;
            if read_table(table, Some(&m.name), export_date, artist, sink)? == Flow::Stop {
                break;
            }
        }
        Ok(())
    }
}

/// A data row read ahead: its year is only known once the rows after it are.
struct Buffered {
    line: u64,
    content: String,
    parsed: Result<(MonthDay, Figures), RowError>,
}

fn read_table(
    mut table: Table<impl std::io::Read>,
    member: Option<&str>,
    export_date: NaiveDate,
    artist: Option<&str>,
    sink: &mut dyn RecordSink,
) -> Result<Flow, FileError> {
    let date = table.require(KIND, &[DATE])?;
    let columns: Vec<(usize, &Column)> =
        COLUMNS.iter().filter_map(|c| table.column(&[c.header]).map(|i| (i, c))).collect();
    if columns.is_empty() {
        return Err(FileError::Refused(format!(
            "{}none of TikTok's figures are in it (columns found: {})",
            member.map(|m| format!("{m}: ")).unwrap_or_default(),
            table.headers().join(", ")
        )));
    }
    let mut rows = Vec::new();
    while let Some(row) = table.next_row()? {
        if row.is_blank() {
            continue;
        }
        rows.push(Buffered {
            line: row.line,
            content: row.content(),
            parsed: parse_row(&row, date, &columns),
        });
    }

    let month_days: Vec<MonthDay> = rows.iter().filter_map(|r| r.parsed.as_ref().ok().map(|p| p.0)).collect();
    let days = infer_years(export_date, &month_days).map_err(|e| match member {
        Some(m) => FileError::Refused(format!("{m}: {e}")),
        None => FileError::Refused(e),
    })?;
    // One day per row that parsed, in the same order.
    let mut days = days.into_iter();
    for row in rows {
        let parsed = row.parsed.and_then(|(_, figures)| {
            let day = days.next().unwrap_or_else(|| Err("no day".into())).map_err(|reason| RowError {
                line: Some(row.line),
                column: Some(DATE.into()),
                reason,
                content: Some(row.content.clone()),
            })?;
            Ok(figures
                .into_iter()
                .map(|(metric, v)| {
                    Record::Daily(Box::new(DailyFact {
                        source: SourceId::Tiktok,
                        metric,
                        artist: artist.map(str::to_string),
                        entity: None,
                        day,
                        measure: Measure::Count(v),
                    }))
                })
                .collect())
        });
        // Line numbers restart in every member of a zip: the member's name tells them apart.
        let parsed = parsed.map_err(|mut e| {
            if let Some(m) = member {
                e.reason = format!("{m}: {}", e.reason);
            }
            e
        });
        if send(sink, row.line, parsed) == Flow::Stop {
            return Ok(Flow::Stop);
        }
    }
    Ok(Flow::Continue)
}

fn parse_row(
    row: &Row<'_>,
    date: usize,
    columns: &[(usize, &Column)],
) -> Result<(MonthDay, Figures), RowError> {
    let md = parse_month_day(&row.text(date)).map_err(|e| row.error(Some(DATE), e))?;
    let mut figures = Vec::new();
    for (i, c) in columns {
        let value = values::count(&row.text(*i)).map_err(|e| row.error(Some(c.header), e))?;
        if let Some(v) = value {
            if v < 0 && !c.signed {
                return Err(row.error(Some(c.header), format!("{v} is negative, which a count cannot be")));
            }
            figures.push((c.metric, v));
        }
    }
    Ok((md, figures))
}

/// A day of the year without its year: (month, day).
type MonthDay = (u32, u32);

/// A row's figures: (metric, value).
type Figures = Vec<(&'static str, i64)>;

/// Month names and abbreviations in English, and in German, French, Spanish, Portuguese, Italian
/// and Dutch for exports made in those UI languages. No token names two different months, so
/// one table serves every language.
const MONTHS: [&str; 12] = [
    "january jan januar jän janvier janv enero ene janeiro gennaio gen januari",
    "february feb februar février fevrier févr fevr fév febrero fevereiro fev febbraio februari",
    "march mar märz maerz mär mrz mars marzo março marco maart mrt",
    "april apr avril avr abril abr aprile",
    "may mai mayo maio maggio mag mei",
    "june jun juni juin junio junho giugno giu",
    "july jul juli juillet juil julio julho luglio lug",
    "august aug août aout agosto ago augustus",
    "september sep sept septembre septiembre setiembre set setembro settembre",
    "october oct oktober okt octobre octubre outubro out ottobre ott",
    "november nov novembre noviembre novembro",
    "december dec dezember dez décembre decembre déc diciembre dic dezembro dicembre",
];

fn month_number(token: &str) -> Option<u32> {
    let token = token.trim_end_matches('.').to_lowercase();
    let month = MONTHS.iter().position(|names| names.split(' ').any(|n| n == token))?;
    u32::try_from(month + 1).ok()
}

/// `May 28`, `28 May`, `28. Mai`, `28 de mayo`, `5月28日`, `5월 28일`: a day of a month.
fn parse_month_day(raw: &str) -> Result<MonthDay, String> {
    let unknown = || format!("{raw:?} is not a day such as \"May 28\" or \"28 May\"");
    let raw = raw.trim();
    let (month, day) = if let Some((m, d)) = raw.split_once('月').or_else(|| raw.split_once('월')) {
        let d = d.trim().trim_end_matches(['日', '일']).trim();
        (m.trim().parse::<u32>().map_err(|_| unknown())?, d)
    } else {
        let tokens: Vec<&str> = raw
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|t| !t.is_empty() && !["de", "di"].contains(&t.to_lowercase().as_str()))
            .collect();
        match tokens.as_slice() {
            [a, b] => match (month_number(a), month_number(b)) {
                (Some(m), None) => (m, *b),
                (None, Some(m)) => (m, *a),
                _ => return Err(unknown()),
            },
            _ => return Err(unknown()),
        }
    };
    let day = day.trim_end_matches('.');
    let day = ["st", "nd", "rd", "th"].iter().find_map(|s| day.strip_suffix(s)).unwrap_or(day);
    let day: u32 = day.parse().map_err(|_| unknown())?;
    // 2000 was a leap year: any day a calendar can hold exists in it.
    if NaiveDate::from_ymd_opt(2000, month, day).is_none() {
        return Err(format!("{raw:?} is not a day of the calendar"));
    }
    Ok((month, day))
}

/// Gives each row's day its year. The rows are in date order and end on or before the export
/// date, so walking back from the export date a row whose day is later in the year than the day
/// after it belongs to the year before.
///
/// Returns one result per row (a leap day in a common year, or a day listed twice, fails its
/// row), or an error for the file when the rows cannot be one date-ordered span of up to a year.
fn infer_years(export_date: NaiveDate, days: &[MonthDay]) -> Result<Vec<Result<NaiveDate, String>>, String> {
    let mut year = export_date.year();
    let mut later = (export_date.month(), export_date.day());
    let mut last_row = true;
    let mut out = Vec::with_capacity(days.len());
    for &(month, day) in days.iter().rev() {
        if (month, day) == later && !last_row {
            out.push(Err(format!("{} is listed twice: the row after it has the same day", show(month, day))));
            continue;
        }
        if (month, day) > later {
            year = year.saturating_sub(1);
        }
        later = (month, day);
        last_row = false;
        out.push(NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
            format!(
                "{} falls in {year} (counting back from the export date {export_date}), which has no such day",
                show(month, day)
            )
        }));
    }
    out.reverse();

    let mut dated = out.iter().filter_map(|d| d.as_ref().ok());
    if let (Some(first), Some(last)) = (dated.next(), dated.next_back())
        && *last - *first > Duration::days(366)
    {
        return Err(format!(
            "counting back from the export date {export_date}, the rows run from {first} to {last}, \
             more than a year: they are not in date order, or span more than dates without a year can place"
        ));
    }
    Ok(out)
}

fn show(month: u32, day: u32) -> String {
    NaiveDate::from_ymd_opt(2000, month, day)
        .map_or_else(|| format!("{month}/{day}"), |d| d.format("%b %-d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn infer(export: NaiveDate, days: &[MonthDay]) -> Vec<Result<NaiveDate, String>> {
        infer_years(export, days).expect("inferred")
    }

    #[test]
    fn years_roll_back_at_the_new_year() {
        let rows: Vec<MonthDay> = (28..=31).map(|d| (12, d)).chain((1..=9).map(|d| (1, d))).collect();
        let got = infer(date(2025, 1, 10), &rows);
        assert_eq!(got.first(), Some(&Ok(date(2024, 12, 28))));
        assert_eq!(got.get(3), Some(&Ok(date(2024, 12, 31))));
        assert_eq!(got.get(4), Some(&Ok(date(2025, 1, 1))));
        assert_eq!(got.last(), Some(&Ok(date(2025, 1, 9))));
    }

    #[test]
    fn a_day_later_in_the_year_than_the_export_is_the_year_before() {
        assert_eq!(
            infer(date(2025, 5, 27), &[(5, 26), (5, 27)]),
            [Ok(date(2025, 5, 26)), Ok(date(2025, 5, 27))]
        );
        assert_eq!(
            infer(date(2025, 5, 27), &[(5, 28), (6, 1)]),
            [Ok(date(2024, 5, 28)), Ok(date(2024, 6, 1))]
        );
        // A full year's window: May 28 of the year before up to the export day.
        let got = infer(date(2025, 5, 27), &[(5, 28), (12, 31), (1, 1), (5, 27)]);
        assert_eq!(
            got,
            [Ok(date(2024, 5, 28)), Ok(date(2024, 12, 31)), Ok(date(2025, 1, 1)), Ok(date(2025, 5, 27))]
        );
    }

    #[test]
    fn leap_days_exist_only_in_leap_years() {
        let got = infer(date(2024, 3, 5), &[(2, 28), (2, 29), (3, 1)]);
        assert_eq!(got, [Ok(date(2024, 2, 28)), Ok(date(2024, 2, 29)), Ok(date(2024, 3, 1))]);
        let got = infer(date(2025, 3, 5), &[(2, 28), (2, 29), (3, 1)]);
        assert!(got.get(1).is_some_and(|r| r.as_ref().is_err_and(|e| e.contains("2025"))), "{got:?}");
        assert_eq!(got.get(2), Some(&Ok(date(2025, 3, 1))));
        // Walking back across a new year into a leap year.
        let got = infer(date(2025, 1, 2), &[(2, 29), (12, 31), (1, 1)]);
        assert_eq!(got, [Ok(date(2024, 2, 29)), Ok(date(2024, 12, 31)), Ok(date(2025, 1, 1))]);
    }

    #[test]
    fn repeated_days_and_disorder_are_errors_not_other_years() {
        let got = infer(date(2025, 6, 1), &[(5, 1), (5, 2), (5, 2), (5, 3)]);
        assert_eq!(got.first(), Some(&Ok(date(2025, 5, 1))));
        assert!(got.get(1).is_some_and(|r| r.as_ref().is_err_and(|e| e.contains("twice"))), "{got:?}");
        assert_eq!(got.get(2), Some(&Ok(date(2025, 5, 2))));
        // Newest first: every row would be a year before the next.
        assert!(infer_years(date(2025, 6, 1), &[(5, 3), (5, 2), (5, 1)]).is_err());
    }

    #[test]
    fn no_month_name_means_two_months() {
        let mut seen = std::collections::HashMap::new();
        for (i, names) in MONTHS.iter().enumerate() {
            for n in names.split(' ') {
                if let Some(other) = seen.insert(n, i) {
                    assert_eq!(other, i, "{n}");
                }
            }
        }
    }

    #[test]
    fn days_in_english_and_other_languages() {
        for (raw, want) in [
            ("May 28", (5, 28)),
            ("28 May", (5, 28)),
            ("Sept 3", (9, 3)),
            ("September 3", (9, 3)),
            ("jan 1", (1, 1)),
            ("Dec. 31", (12, 31)),
            ("28. Mai", (5, 28)),
            ("3 févr.", (2, 3)),
            ("28 de mayo", (5, 28)),
            ("5月28日", (5, 28)),
            ("5월 28일", (5, 28)),
            ("Feb 29", (2, 29)),
            ("March 1st", (3, 1)),
        ] {
            assert_eq!(parse_month_day(raw), Ok(want), "{raw}");
        }
        for raw in ["", "2025-05-28", "Feb 30", "May", "May 28 2025", "Mayy 3", "13月1日"] {
            assert!(parse_month_day(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn the_zip_name_carries_the_window_the_export_time_and_the_account() {
        let want = NameFacts {
            first_day: date(2024, 5, 28),
            exported: date(2025, 5, 27),
            account: "zone.a0".into(),
        };
        assert_eq!(facts_of_name("Overview_2024-05-28_1748368733_zone.a0.zip").as_ref(), Some(&want));
        assert_eq!(
            facts_of_name("dl/FollowerHistory_2024-05-28_1748368733_zone.a0.zip").as_ref(),
            Some(&want)
        );
        assert_eq!(facts_of_name("Viewers_2024-05-28_1748368733_zone.a0 (1).zip").as_ref(), Some(&want));
        assert_eq!(facts_of_name("Overview_2024-05-28_1748368733_zone.a0.csv").as_ref(), Some(&want));
        assert_eq!(
            facts_of_name("Overview_2024-05-28_1748368733_my_band.zip").map(|f| f.account),
            Some("my_band".into())
        );
        for name in [
            "Overview.csv",
            "Overview_2024-05-28.zip",
            "Overview_x_1748368733_a.zip",
            "Likes_2024-05-28_1748368733_a.zip",
        ] {
            assert_eq!(facts_of_name(name), None, "{name}");
        }
        let facts = Tiktok.facts_from_name("Overview_2024-05-28_1748368733_zone.a0.zip");
        assert_eq!(facts.artist.as_deref(), Some("zone.a0"));
        assert_eq!(facts.export_date, Some(date(2025, 5, 27)));
        assert_eq!(facts.window_days, Some(365));
        assert_eq!(Tiktok.facts_from_name("Overview.csv"), FileFacts::default());
    }

    #[test]
    fn detects_the_three_exports_and_partial_ones() {
        let d =
            |head: &[u8]| Tiktok.detect(&Sample { name: "x.csv", head }).map(|d| (d.format, d.confidence));
        assert_eq!(
            d(b"\xEF\xBB\xBFDate,Video Views,Profile Views,Likes,Comments,Shares\r\n"),
            Some((OVERVIEW, Confidence::Certain))
        );
        assert_eq!(
            d(b"Date,Followers,Difference in followers from previous day\n"),
            Some((FOLLOWER_HISTORY, Confidence::Certain))
        );
        assert_eq!(
            d(b"\"Date\",\"Total Viewers\",\"New Viewers\",\"Returning Viewers\"\n"),
            Some((VIEWERS, Confidence::Certain))
        );
        assert_eq!(d(b"date,likes,shares\n"), Some((OVERVIEW, Confidence::Possible)));
        assert_eq!(d(b"Likes,Shares\n"), None);
        assert_eq!(d(b"date,streams\n"), None);
    }

    #[test]
    fn detects_zips_by_their_members_or_their_name() {
        use std::io::Write;
        let mut buf = std::io::Cursor::new(Vec::new());
        let mut w = zip::ZipWriter::new(&mut buf);
        w.start_file("Overview.csv", zip::write::SimpleFileOptions::default()).expect("start");
        w.write_all(b"Date,Video Views\n").expect("write");
        w.finish().expect("finish");
        let head = buf.into_inner();
        let d = Tiktok.detect(&Sample { name: "export.zip", head: &head }).expect("detected");
        assert_eq!((d.format, d.confidence), (ZIP, Confidence::Certain));

        let other = b"PK\x03\x04\x14\x00";
        let d = Tiktok.detect(&Sample { name: "Overview_2024-05-28_1748368733_zone.a0.zip", head: other });
        assert_eq!(d.map(|d| d.confidence), Some(Confidence::Possible));
        assert!(Tiktok.detect(&Sample { name: "export.zip", head: other }).is_none());
    }
}
