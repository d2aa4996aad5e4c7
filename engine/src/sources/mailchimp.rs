//! Mailchimp's campaigns CSV export (Campaigns → Reports → Export): one row per sent campaign,
//! `Title, Subject, Send Date, Successful Deliveries, Unique Opens, Open Rate, Unique Clicks,
//! Click Rate, Hard Bounces, Soft Bounces, Unsubscribes, Abuse Complaints, Unique Id`. Only part of
//! the layout is confirmed, so columns are found by name and only `Unique Id` is required.
//!
//! Rates (`Open Rate "12.3%"`, `Click Rate`) are derived from the counts and are not stored: the
//! KPI engine recomputes them over any set of campaigns. The format of `Send Date` is unconfirmed
//! too; every form seen in Mailchimp's UI and in spreadsheets that re-save the file is accepted,
//! and read as UTC (Mailchimp's own timestamps are UTC).

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use model::SourceId;

use super::{
    Confidence, Connector, Detection, FeedId, FileError, Input, RecordSink, RowError, Sample,
    tabular::{Row, Table, sniff_headers},
    values,
};
use crate::warehouse::{EmailCampaign, Record};

pub struct Mailchimp;

const FORMAT: &str = "mailchimp.campaigns_csv";
/// A pull from the Marketing API (see `crate::pull::mailchimp`).
const API_FORMAT: &str = "mailchimp.api_reports";

const UNIQUE_ID: &str = "Unique Id";
const TITLE: &str = "Title";
const SUBJECT: &str = "Subject";
const SEND_DATE: &str = "Send Date";
const DELIVERED: &str = "Successful Deliveries";
const UNIQUE_OPENS: &str = "Unique Opens";
const UNIQUE_CLICKS: &str = "Unique Clicks";
const HARD_BOUNCES: &str = "Hard Bounces";
const SOFT_BOUNCES: &str = "Soft Bounces";
const UNSUBSCRIBES: &str = "Unsubscribes";
const ABUSE: &str = "Abuse Complaints";

impl Connector for Mailchimp {
    fn id(&self) -> FeedId {
        FeedId::Source(SourceId::Mailchimp)
    }

    fn expects(&self) -> &'static str {
        "Mailchimp campaigns CSV (Title, Subject, Send Date, Successful Deliveries, Unique Opens, …, Unique Id), or a Soundcheck pull of its API"
    }

    fn detect(&self, sample: &Sample<'_>) -> Option<Detection> {
        if crate::pull::envelope::detect(sample, SourceId::Mailchimp).is_some() {
            return Some(Detection { format: API_FORMAT, confidence: Confidence::Certain });
        }
        let headers = sniff_headers(sample.head);
        let has = |h: &str| headers.iter().any(|x| *x == h.to_lowercase());
        let own =
            [SEND_DATE, DELIVERED, UNIQUE_OPENS, UNIQUE_CLICKS, ABUSE].iter().filter(|h| has(h)).count();
        let confidence = if has(SEND_DATE) && has(DELIVERED) && (has(UNIQUE_OPENS) || has(UNIQUE_CLICKS)) {
            Confidence::Certain
        } else if own >= 2 {
            Confidence::Possible
        } else {
            return None;
        };
        Some(Detection { format: FORMAT, confidence })
    }

    fn parse(&self, format: &'static str, input: &Input, sink: &mut dyn RecordSink) -> Result<(), FileError> {
        if format == API_FORMAT {
            return crate::pull::mailchimp::parse(input, sink);
        }
        let mut table = Table::open(input.open()?, &input.head)?;
        // Campaigns are keyed by Mailchimp's own id, the one the API calls `id`. A key made up from
        // title and send date would not match it, so the same campaign imported later from the API
        // would be counted twice: refuse instead.
        let Some(key) = table.column(&[UNIQUE_ID]) else {
            return Err(FileError::Refused(format!(
                "this Mailchimp campaigns export has no {UNIQUE_ID:?} column, which identifies each campaign \
                 (so a re-export or the API updates it instead of adding it twice); export again with that \
                 column (columns found: {})",
                table.headers().join(", ")
            )));
        };
        let cols = Columns {
            key,
            title: table.column(&[TITLE]),
            subject: table.column(&[SUBJECT]),
            send_date: table.column(&[SEND_DATE]),
            delivered: table.column(&[DELIVERED]),
            unique_opens: table.column(&[UNIQUE_OPENS]),
            unique_clicks: table.column(&[UNIQUE_CLICKS]),
            hard_bounces: table.column(&[HARD_BOUNCES]),
            soft_bounces: table.column(&[SOFT_BOUNCES]),
            unsubscribes: table.column(&[UNSUBSCRIBES]),
            abuse_reports: table.column(&[ABUSE]),
        };
        let artist = input.facts.artist.clone();
        table.send_rows(sink, |row| {
            cols.campaign(row, &artist).map(|c| vec![Record::EmailCampaign(Box::new(c))])
        })
    }
}

struct Columns {
    key: usize,
    title: Option<usize>,
    subject: Option<usize>,
    send_date: Option<usize>,
    delivered: Option<usize>,
    unique_opens: Option<usize>,
    unique_clicks: Option<usize>,
    hard_bounces: Option<usize>,
    soft_bounces: Option<usize>,
    unsubscribes: Option<usize>,
    abuse_reports: Option<usize>,
}

impl Columns {
    fn campaign(&self, row: &Row<'_>, artist: &Option<String>) -> Result<EmailCampaign, RowError> {
        let key = row.text(self.key).into_owned();
        if key.is_empty() {
            return Err(row.error(Some(UNIQUE_ID), "the campaign's Unique Id is empty"));
        }
        let text = |col: Option<usize>| col.map(|c| row.text(c).into_owned()).filter(|s| !s.is_empty());
        let count = |col: Option<usize>, name: &str| -> Result<Option<i64>, RowError> {
            let Some(c) = col else { return Ok(None) };
            match values::count(&row.text(c)).map_err(|e| row.error(Some(name), e))? {
                Some(v) if v < 0 => Err(row.error(Some(name), format!("{v} is negative"))),
                v => Ok(v),
            }
        };
        let send_time = match text(self.send_date) {
            Some(raw) => Some(send_time(&raw).map_err(|e| row.error(Some(SEND_DATE), e))?),
            None => None,
        };
        Ok(EmailCampaign {
            source: SourceId::Mailchimp,
            key,
            artist: artist.clone(),
            title: text(self.title),
            subject: text(self.subject),
            list_id: None,
            send_time,
            delivered: count(self.delivered, DELIVERED)?,
            unique_opens: count(self.unique_opens, UNIQUE_OPENS)?,
            unique_clicks: count(self.unique_clicks, UNIQUE_CLICKS)?,
            unsubscribes: count(self.unsubscribes, UNSUBSCRIBES)?,
            hard_bounces: count(self.hard_bounces, HARD_BOUNCES)?,
            soft_bounces: count(self.soft_bounces, SOFT_BOUNCES)?,
            abuse_reports: count(self.abuse_reports, ABUSE)?,
        })
    }
}

/// Date-time layouts `Send Date` may use, tried in order. `%B` reads `Feb` and `February` alike, `%p`
/// reads `am` and `PM` alike. Month-first slashes only: Mailchimp is a US product, and a day-first
/// reading of `2/6/2025` would silently move a campaign by months.
const DATETIME_FORMATS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%B %d, %Y %I:%M:%S %p",
    "%B %d, %Y %I:%M %p",
    "%B %d, %Y %H:%M:%S",
    "%B %d, %Y %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
];
const DATE_FORMATS: &[&str] = &["%Y-%m-%d", "%B %d, %Y", "%m/%d/%Y"];

/// A `Send Date` as a UTC instant. An explicit offset (`+02:00`, `Z`) is honoured; anything else is
/// UTC, as Mailchimp's exports are.
pub fn send_time(raw: &str) -> Result<DateTime<Utc>, String> {
    let fail = || {
        format!(
            "{raw:?} is not a send date (expected e.g. 2025-02-06 10:00, Feb 06, 2025 10:00 am or 2/6/2025 10:00)"
        )
    };
    let s = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    // A bare "UTC"/"GMT" says what we assume anyway; other zone names cannot be read reliably.
    let s = s.strip_suffix(" UTC").or_else(|| s.strip_suffix(" GMT")).unwrap_or(s).trim_end();
    let naive = DATETIME_FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .or_else(|| {
            DATE_FORMATS
                .iter()
                .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
                .map(|d| d.and_time(NaiveTime::MIN))
        })
        .ok_or_else(fail)?;
    // chrono's `%Y` takes any number of digits, so a spreadsheet's `2/6/25` would become year 25.
    if !(1990..=2200).contains(&chrono::Datelike::year(&naive)) {
        return Err(format!("{raw:?} has an implausible year (write it with four digits)"));
    }
    Ok(naive.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(y, m, d).and_then(|d| d.and_hms_opt(h, min, s)).expect("valid").and_utc()
    }

    #[test]
    fn send_dates_in_every_form() {
        let ten = utc(2025, 2, 6, 10, 0, 0);
        for raw in [
            "2025-02-06T10:00:00Z",
            "2025-02-06T10:00:00+00:00",
            "2025-02-06T11:00:00+01:00",
            "2025-02-06T10:00:00",
            "2025-02-06T10:00",
            "2025-02-06 10:00:00",
            "2025-02-06 10:00",
            "2025-02-06 10:00:00.000",
            "2025-02-06 10:00 UTC",
            "Feb 06, 2025 10:00 am",
            "Feb 6, 2025 10:00 AM",
            "Feb 06, 2025 10:00:00 am",
            "February 06, 2025 10:00 am",
            "Feb 06, 2025 10:00",
            "2/6/2025 10:00",
            "02/06/2025 10:00:00",
            "2/6/2025 10:00 AM",
            "2/6/2025 10:00:00 am",
            " 2/6/2025 10:00 ",
        ] {
            assert_eq!(send_time(raw), Ok(ten), "{raw}");
        }
        assert_eq!(send_time("Feb 06, 2025 10:30 pm"), Ok(utc(2025, 2, 6, 22, 30, 0)));
        assert_eq!(send_time("Feb 06, 2025 12:05 am"), Ok(utc(2025, 2, 6, 0, 5, 0)));
        assert_eq!(send_time("2/6/2025 22:15"), Ok(utc(2025, 2, 6, 22, 15, 0)), "month first");
        let midnight = utc(2025, 2, 6, 0, 0, 0);
        for raw in ["2025-02-06", "Feb 06, 2025", "2/6/2025"] {
            assert_eq!(send_time(raw), Ok(midnight), "{raw}");
        }
    }

    #[test]
    fn bad_send_dates_are_errors() {
        for raw in [
            "",
            "yesterday",
            "2025-02-30 10:00",
            "13/6/2025 10:00",
            "2/6/25 10:00",
            "Feb 06, 2025 10:00 am EST",
            "2025-02-06 25:00",
        ] {
            assert!(send_time(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn detects_the_campaigns_export() {
        let d = |head: &[u8]| Mailchimp.detect(&Sample { name: "campaigns.csv", head }).map(|d| d.confidence);
        let full = b"\xEF\xBB\xBFTitle,Subject,Send Date,Successful Deliveries,Unique Opens,Open Rate,Unique Clicks,Click Rate,Hard Bounces,Soft Bounces,Unsubscribes,Abuse Complaints,Unique Id\n";
        assert_eq!(d(full), Some(Confidence::Certain));
        assert_eq!(d(b"Send Date,Successful Deliveries,Unique Clicks\n"), Some(Confidence::Certain));
        assert_eq!(d(b"Title,Send Date,Abuse Complaints\n"), Some(Confidence::Possible));
        assert_eq!(d(b"Title,Subject\n"), None);
        assert_eq!(d(b"date,currency,usd_per_unit\n"), None);
    }
}
