//! Meta Ads Manager exports (Reports → Export table data), CSV or XLSX: `Reporting starts`,
//! `Reporting ends`, `Campaign name`, `Ad set name`, `Ad name`, `Day`, `Results`,
//! `Result indicator`, `Reach`, `Frequency`, `Cost per results`, `Amount spent (USD)`,
//! `Impressions`, `CPM (cost per 1,000 impressions) (USD)`, `Link clicks`,
//! `CPC (cost per link click) (USD)`, `CTR (link click-through rate)`, `Clicks (all)`,
//! `Campaign ID`, `Ad ID`.
//!
//! Facts are per campaign and day. The money columns are in the ad account's currency, which only
//! the header suffix tells (`Amount spent (EUR)`); days are the ad account's own and are stored as
//! given. Ratios (frequency, CPM, CPC, CTR, cost per result) are derived and not stored.
//!
//! A pull of the Marketing API (`crate::pull::meta_ads`) is recognised by its header line and
//! read there, into the same facts: a campaign-day from the API replaces the export's, and back.

use std::{
    collections::BTreeMap,
    io::{Cursor, Read},
};

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use model::SourceId;
use rust_decimal::Decimal;

use super::{
    Confidence, Connector, Detection, FeedId, FileError, Flow, Input, RecordSink, RowError, Sample,
    exchange_rates::currency_code,
    tabular::{Table, header_key, sniff_headers},
    values, xlsx_guard, zipped,
};
use crate::warehouse::{DailyFact, EntityRef, Measure, Record, metric};

pub struct MetaAds;

const CSV: &str = "meta_ads.ads_manager_csv";
const XLSX: &str = "meta_ads.ads_manager_xlsx";
/// A pull from the Marketing API (see `crate::pull::meta_ads`).
const API_FORMAT: &str = "meta_ads.api_insights";
const KIND: &str = "Meta Ads Manager export";

const DAY: &str = "Day";
const CAMPAIGN_NAME: &str = "Campaign name";
const CAMPAIGN_ID: &str = "Campaign ID";
const AMOUNT_SPENT: &str = "Amount spent";
const IMPRESSIONS: &str = "Impressions";
const REACH: &str = "Reach";
const LINK_CLICKS: &str = "Link clicks";
const CLICKS_ALL: &str = "Clicks (all)";
const RESULTS: &str = "Results";
const RESULT_INDICATOR: &str = "Result indicator";

/// The entity kind of a campaign known only by its name (an export without the `Campaign ID`
/// column). The loader stores it as the `campaign` of that name that an API pull or an export
/// with ids made, when exactly one has it, else as a campaign keyed by its name; a pull that
/// later brings the campaign's id takes the name-keyed campaign's days over (see
/// `Loader::meta_campaign`). Campaign ids are what Meta keys campaigns by; names may repeat and
/// change, so a renamed or a twice-used name stays apart.
pub const CAMPAIGN_BY_NAME: &str = "campaign_by_name";

/// Largest workbook read into memory. Ads Manager exports are a few MB (XLSX is zipped XML);
/// the bytes are held while the sheet is read, inside the import's memory budget.
const MAX_XLSX_BYTES: u64 = 32 * 1024 * 1024;
/// Integers above this are not all representable as an f64: a spreadsheet number this large may
/// have been rounded.
const EXACT_FLOAT_LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53

impl Connector for MetaAds {
    fn id(&self) -> FeedId {
        FeedId::Source(SourceId::MetaAds)
    }

    fn expects(&self) -> &'static str {
        "Meta Ads Manager export, CSV or XLSX, broken down by day (Campaign name, Day, Amount spent (…), \
         Impressions, Reach, Link clicks…), or a Soundcheck pull of the Marketing API"
    }

    fn detect(&self, sample: &Sample<'_>) -> Option<Detection> {
        if crate::pull::envelope::detect(sample, SourceId::MetaAds).is_some() {
            return Some(Detection { format: API_FORMAT, confidence: Confidence::Certain });
        }
        if zipped::is_zip(sample.head) {
            // The sheet itself is compressed, so only the package tells: an XLSX has `xl/` members.
            // A writer that streams its members hides all but the first name; the file name then
            // has to say it.
            let xlsx = zipped::member_names(sample.head).iter().any(|n| n.starts_with("xl/"))
                || sample.name.to_lowercase().ends_with(".xlsx");
            return xlsx.then_some(Detection { format: XLSX, confidence: Confidence::Possible });
        }
        let headers = sniff_headers(sample.head);
        let spend = headers.iter().any(|h| h.starts_with("amount spent ("));
        let campaign = headers.iter().any(|h| h == "campaign name");
        let confidence = match (spend, campaign) {
            (true, true) => Confidence::Certain,
            (true, false) if headers.iter().any(|h| h == "impressions") => Confidence::Possible,
            _ => return None,
        };
        Some(Detection { format: CSV, confidence })
    }

    fn parse(&self, format: &'static str, input: &Input, sink: &mut dyn RecordSink) -> Result<(), FileError> {
        if format == API_FORMAT {
            return crate::pull::meta_ads::parse(input, sink);
        }
        if format == XLSX {
            let mut sheet = XlsxSheet::open(input)?;
            import(&mut sheet, input, sink)
        } else {
            let mut sheet = CsvSheet { table: Table::open(input.open()?, &input.head)? };
            import(&mut sheet, input, sink)
        }
    }
}

/// One row of the export as trimmed text, one cell per header, whichever file it came from.
struct Line {
    /// The line of the CSV, or the row number the spreadsheet shows.
    line: u64,
    cells: Vec<String>,
}

impl Line {
    fn get(&self, col: usize) -> &str {
        self.cells.get(col).map_or("", String::as_str)
    }

    fn error(&self, column: &str, reason: impl Into<String>) -> RowError {
        row_error(self.line, column, reason, &self.cells)
    }
}

fn row_error(line: u64, column: &str, reason: impl Into<String>, cells: &[String]) -> RowError {
    RowError {
        line: Some(line),
        column: Some(column.to_string()),
        reason: reason.into(),
        content: Some(cells.join(",")),
    }
}

/// The rows of a CSV or of a workbook's first sheet, so both share one column mapping.
trait Sheet {
    /// Normalised header names ([`header_key`]).
    fn headers(&self) -> &[String];
    /// The next row; `Some(Err)` for a row whose cells cannot be read as text faithfully.
    fn next_line(&mut self) -> Result<Option<Result<Line, RowError>>, FileError>;
}

struct CsvSheet<R: Read> {
    table: Table<R>,
}

impl<R: Read> Sheet for CsvSheet<R> {
    fn headers(&self) -> &[String] {
        self.table.headers()
    }

    fn next_line(&mut self) -> Result<Option<Result<Line, RowError>>, FileError> {
        let width = self.table.headers().len();
        Ok(self.table.next_row()?.map(|row| {
            Ok(Line { line: row.line, cells: (0..width).map(|i| row.text(i).into_owned()).collect() })
        }))
    }
}

struct XlsxSheet {
    range: calamine::Range<Data>,
    headers: Vec<String>,
    /// The sheet row number of the range's first row (the header).
    first_row: u64,
    next: usize,
    campaign_id: Option<usize>,
}

impl XlsxSheet {
    fn open(input: &Input) -> Result<Self, FileError> {
        let bytes = xlsx_guard::read_bounded(input.open()?, MAX_XLSX_BYTES)?;
        // Before the reader allocates anything for the workbook's sheets.
        xlsx_guard::check(&bytes)?;
        let mut book = Xlsx::new(Cursor::new(bytes))
            .map_err(|e| FileError::Unreadable(format!("not a readable XLSX workbook: {e}")))?;
        let range = book
            .worksheet_range_at(0)
            .ok_or_else(|| FileError::Unreadable("the workbook has no sheet".into()))?
            .map_err(|e| FileError::Unreadable(format!("cannot read the workbook's first sheet: {e}")))?;
        // The range starts at the first cell in use, which is the header row.
        let first_row = range.start().map_or(1, |(r, _)| u64::from(r) + 1);
        let headers: Vec<String> = (0..range.width())
            .map(|c| header_key(&range.get((0, c)).map(cell_text).unwrap_or_default()))
            .collect();
        if headers.iter().all(String::is_empty) {
            return Err(FileError::Unreadable("the workbook's first sheet is empty".into()));
        }
        let campaign_id = headers.iter().position(|h| *h == header_key(CAMPAIGN_ID));
        Ok(Self { range, headers, first_row, next: 1, campaign_id })
    }
}

impl Sheet for XlsxSheet {
    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn next_line(&mut self) -> Result<Option<Result<Line, RowError>>, FileError> {
        if self.next >= self.range.height() {
            return Ok(None);
        }
        let at = self.next;
        self.next += 1;
        let line = self.first_row + at as u64;
        let cells: Vec<&Data> =
            (0..self.headers.len()).map(|c| self.range.get((at, c)).unwrap_or(&Data::Empty)).collect();
        let text: Vec<String> = cells.iter().map(|d| cell_text(d)).collect();
        if let Some(col) = self.campaign_id
            && let Some(Data::Float(f)) = cells.get(col)
            && f.abs() >= EXACT_FLOAT_LIMIT
        {
            return Ok(Some(Err(row_error(
                line,
                CAMPAIGN_ID,
                format!(
                    "the campaign id is stored as a number ({f}) and lost its last digits (spreadsheets keep \
                     15); export the report as CSV instead"
                ),
                &text,
            ))));
        }
        Ok(Some(Ok(Line { line, cells: text })))
    }
}

/// A cell as the text a CSV export would hold.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        // Whole numbers below 2^53 are exact: print them without a fraction (ids, counts).
        Data::Float(f) if f.fract() == 0.0 && f.abs() < EXACT_FLOAT_LIMIT => format!("{f:.0}"),
        // The shortest text that reads back as the same f64: the decimal the workbook stored, for
        // any amount of up to 15 significant digits. Amounts then parse exactly from it.
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, hh, mm, ss, ms) = dt.to_ymd_hms_milli();
            if (hh, mm, ss, ms) == (0, 0, 0, 0) {
                format!("{y:04}-{m:02}-{d:02}")
            } else {
                format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}")
            }
        }
        Data::DateTime(dt) => dt.as_f64().to_string(),
        Data::DateTimeIso(s) => match s.split_once('T') {
            Some((date, time)) if time.trim_start_matches(['0', ':', '.']).is_empty() => date.to_string(),
            _ => s.clone(),
        },
        Data::DurationIso(s) => s.clone(),
        // Shown as Excel shows it (`#DIV/0!`): a value column holding one fails as "not a number".
        Data::Error(e) => e.to_string(),
    }
}

/// Where each used column is, and the account currency.
struct Columns {
    day: usize,
    campaign_name: Option<usize>,
    campaign_id: Option<usize>,
    spend: usize,
    spend_header: String,
    currency: String,
    impressions: Option<usize>,
    reach: Option<usize>,
    link_clicks: Option<usize>,
    clicks_all: Option<usize>,
    results: Option<usize>,
    result_indicator: Option<usize>,
}

impl Columns {
    fn find(headers: &[String]) -> Result<Self, FileError> {
        let col = |name: &str| {
            let key = header_key(name);
            headers.iter().position(|h| *h == key)
        };
        let missing = |column: &str| FileError::MissingColumn {
            kind: KIND.into(),
            column: column.into(),
            found: headers.join(", "),
        };
        let campaign_name = col(CAMPAIGN_NAME);
        let campaign_id = col(CAMPAIGN_ID);
        if campaign_name.is_none() && campaign_id.is_none() {
            return Err(missing(CAMPAIGN_NAME));
        }
        let (spend, spend_header) = headers
            .iter()
            .enumerate()
            .find(|(_, h)| h.starts_with("amount spent"))
            .map(|(i, h)| (i, h.clone()))
            .ok_or_else(|| missing("Amount spent (USD)"))?;
        let currency = spend_header
            .strip_prefix("amount spent (")
            .and_then(|rest| rest.strip_suffix(')'))
            .and_then(|code| currency_code(code).ok())
            .ok_or_else(|| {
                FileError::Refused(format!(
                    "the {spend_header:?} column does not name the ad account's currency (as in \
                     \"Amount spent (EUR)\"), and amounts are never stored without one"
                ))
            })?;
        // Checked last: only a file that is otherwise an Ads Manager export should hear how to add days.
        let Some(day) = col(DAY) else {
            return Err(FileError::Refused(
                "this Meta Ads export has no \"Day\" column, so its spend cannot be put on days: in Ads Manager, \
                 choose Breakdown → By time → Day and export again"
                    .into(),
            ));
        };
        Ok(Self {
            day,
            campaign_name,
            campaign_id,
            spend,
            spend_header: format!("{AMOUNT_SPENT} ({currency})"),
            currency,
            impressions: col(IMPRESSIONS),
            reach: col(REACH),
            link_clicks: col(LINK_CLICKS),
            clicks_all: col(CLICKS_ALL),
            results: col(RESULTS),
            result_indicator: col(RESULT_INDICATOR),
        })
    }

    /// A row's figures, `None` for the export's total row.
    fn entry(&self, line: &Line) -> Result<Option<Entry>, RowError> {
        let text = |col: Option<usize>| col.map(|c| line.get(c)).unwrap_or_default();
        let name = text(self.campaign_name);
        let id = text(self.campaign_id);
        let day = line.get(self.day);
        if name.is_empty() && id.is_empty() {
            // Ads Manager puts a total over everything first, with neither campaign nor day.
            return if day.is_empty() {
                Ok(None)
            } else {
                Err(line.error(CAMPAIGN_NAME, "the campaign is empty"))
            };
        }
        if day.is_empty() {
            return Err(line.error(DAY, "the day is empty"));
        }
        let day = values::iso_date(day).map_err(|e| line.error(DAY, e))?;
        // The id survives a renamed campaign; an export without the ID column leaves only the name.
        let key = if id.is_empty() {
            name.to_string()
        } else {
            campaign_id(id).map_err(|e| line.error(CAMPAIGN_ID, e))?
        };
        let count = |col: Option<usize>, column: &str| -> Result<Option<i64>, RowError> {
            let Some(c) = col else { return Ok(None) };
            match values::count(line.get(c)).map_err(|e| line.error(column, e))? {
                Some(v) if v < 0 => Err(line.error(column, format!("{v} is negative"))),
                v => Ok(v),
            }
        };
        let spend =
            match values::decimal(line.get(self.spend)).map_err(|e| line.error(&self.spend_header, e))? {
                Some(v) if v.is_sign_negative() && !v.is_zero() => {
                    return Err(line.error(&self.spend_header, format!("{v} is negative")));
                }
                v => v,
            };
        Ok(Some(Entry {
            by_name: id.is_empty(),
            key,
            name: (!name.is_empty()).then(|| name.to_string()),
            day,
            spend,
            impressions: count(self.impressions, IMPRESSIONS)?,
            reach: count(self.reach, REACH)?,
            link_clicks: count(self.link_clicks, LINK_CLICKS)?,
            clicks_all: count(self.clicks_all, CLICKS_ALL)?,
            results: count(self.results, RESULTS)?,
            indicator: text(self.result_indicator).to_string(),
        }))
    }
}

/// A Meta id: digits only. A spreadsheet that re-saved the CSV writes 18-digit ids as `1.20215E+17`,
/// which no longer names one campaign.
pub(crate) fn campaign_id(raw: &str) -> Result<String, String> {
    if raw.bytes().all(|b| b.is_ascii_digit()) {
        Ok(raw.to_string())
    } else if raw.contains(['E', 'e', '.']) && values::decimal(raw).is_ok() {
        Err(format!(
            "{raw:?} is a campaign id that lost its last digits (rewritten as a number by a spreadsheet); \
             export the report from Ads Manager again and import it unchanged"
        ))
    } else {
        Err(format!("{raw:?} is not a Meta campaign id (digits only)"))
    }
}

/// One row's figures.
struct Entry {
    key: String,
    /// `key` is the campaign's name: the export has no id for it.
    by_name: bool,
    name: Option<String>,
    day: NaiveDate,
    spend: Option<Decimal>,
    impressions: Option<i64>,
    reach: Option<i64>,
    link_clicks: Option<i64>,
    clicks_all: Option<i64>,
    results: Option<i64>,
    indicator: String,
}

/// The rows of one campaign and day.
struct Group {
    /// The first row's line, kept as the facts' lineage.
    line: u64,
    by_name: bool,
    name: Option<String>,
    rows: u32,
    spend: Option<Decimal>,
    impressions: Option<i64>,
    reach: Option<i64>,
    link_clicks: Option<i64>,
    clicks_all: Option<i64>,
    results: Option<i64>,
    indicator: String,
    /// Rows counted different kinds of result.
    mixed_results: bool,
}

/// An overflowing sum: the column, and why.
type Overflow = (&'static str, String);

fn add(a: Option<i64>, b: Option<i64>, column: &'static str) -> Result<Option<i64>, Overflow> {
    match (a, b) {
        (Some(x), Some(y)) => x
            .checked_add(y)
            .map(Some)
            .ok_or_else(|| (column, "the campaign-day's total overflows".to_string())),
        (x, y) => Ok(x.or(y)),
    }
}

impl Group {
    fn new(line: u64, e: Entry) -> Self {
        Self {
            line,
            by_name: e.by_name,
            name: e.name,
            rows: 1,
            spend: e.spend,
            impressions: e.impressions,
            reach: e.reach,
            link_clicks: e.link_clicks,
            clicks_all: e.clicks_all,
            results: e.results,
            indicator: e.indicator,
            mixed_results: false,
        }
    }

    /// Adds another ad's or ad set's row of the same campaign and day.
    fn merge(&mut self, e: Entry) -> Result<(), Overflow> {
        self.rows += 1;
        self.spend = match (self.spend, e.spend) {
            (Some(x), Some(y)) => Some(
                x.checked_add(y).ok_or((AMOUNT_SPENT, "the campaign-day's spend overflows".to_string()))?,
            ),
            (x, y) => x.or(y),
        };
        self.impressions = add(self.impressions, e.impressions, IMPRESSIONS)?;
        self.link_clicks = add(self.link_clicks, e.link_clicks, LINK_CLICKS)?;
        self.clicks_all = add(self.clicks_all, e.clicks_all, CLICKS_ALL)?;
        // Results of different kinds (link clicks here, video views there) do not add up to a
        // count of anything; Ads Manager itself leaves the campaign's total blank then.
        if e.results.is_some() && self.results.is_some() && e.indicator != self.indicator {
            self.mixed_results = true;
        }
        if self.results.is_none() {
            self.indicator = e.indicator;
        }
        self.results = add(self.results, e.results, RESULTS)?;
        if self.name.is_none() {
            self.name = e.name;
        }
        Ok(())
    }

    fn records(self, key: &str, day: NaiveDate, currency: &str, artist: &Option<String>) -> Vec<Record> {
        let kind = if self.by_name { CAMPAIGN_BY_NAME } else { "campaign" };
        let entity = EntityRef { kind, key: key.to_string(), name: self.name };
        // Reach counts distinct people: two ads' audiences overlap, so their reaches do not add up
        // to the campaign's. Only a campaign-day read from a single row has a true reach.
        let reach = if self.rows == 1 { self.reach } else { None };
        let results = if self.mixed_results { None } else { self.results };
        let measures = [
            (metric::AD_SPEND, self.spend.map(|v| Measure::Money(v, currency.to_string()))),
            (metric::AD_IMPRESSIONS, self.impressions.map(Measure::Count)),
            (metric::AD_REACH, reach.map(Measure::Count)),
            (metric::AD_LINK_CLICKS, self.link_clicks.map(Measure::Count)),
            (metric::AD_CLICKS_ALL, self.clicks_all.map(Measure::Count)),
            (metric::AD_RESULTS, results.map(Measure::Count)),
        ];
        campaign_day(measures, &entity, day, artist)
    }
}

/// A campaign-day's facts, the measures that were reported (exports and API pulls alike, so both
/// upsert the same facts).
pub(crate) fn campaign_day<const N: usize>(
    measures: [(&'static str, Option<Measure>); N],
    entity: &EntityRef,
    day: NaiveDate,
    artist: &Option<String>,
) -> Vec<Record> {
    measures
        .into_iter()
        .filter_map(|(metric, measure)| {
            measure.map(|measure| {
                Record::Daily(Box::new(DailyFact {
                    source: SourceId::MetaAds,
                    metric,
                    artist: artist.clone(),
                    entity: Some(entity.clone()),
                    day,
                    measure,
                }))
            })
        })
        .collect()
}

/// Reads every row, adds up the rows of each campaign and day, then sends the facts. Rows may be
/// per ad or ad set, so a campaign-day is only complete once the whole file is read.
fn import(sheet: &mut dyn Sheet, input: &Input, sink: &mut dyn RecordSink) -> Result<(), FileError> {
    let cols = Columns::find(sheet.headers())?;
    let mut groups: BTreeMap<(String, NaiveDate), Group> = BTreeMap::new();
    while let Some(next) = sheet.next_line()? {
        let merged = next.and_then(|line| {
            if line.cells.iter().all(String::is_empty) {
                return Ok(());
            }
            let Some(entry) = cols.entry(&line)? else { return Ok(()) };
            match groups.entry((entry.key.clone(), entry.day)) {
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(Group::new(line.line, entry));
                    Ok(())
                }
                std::collections::btree_map::Entry::Occupied(mut o) => {
                    o.get_mut().merge(entry).map_err(|(column, e)| line.error(column, e))
                }
            }
        });
        if let Err(e) = merged
            && sink.reject(e) == Flow::Stop
        {
            return Ok(());
        }
    }
    let artist = input.facts.artist.clone();
    for ((key, day), group) in groups {
        let line = group.line;
        for record in group.records(&key, day, &cols.currency, &artist) {
            if sink.record(line, record) == Flow::Stop {
                return Ok(());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use calamine::{CellErrorType, ExcelDateTime, ExcelDateTimeType};

    use super::*;

    fn detect(name: &str, head: &[u8]) -> Option<(&'static str, Confidence)> {
        MetaAds.detect(&Sample { name, head }).map(|d| (d.format, d.confidence))
    }

    #[test]
    fn detects_csv_by_its_header() {
        let head = "\u{feff}\"Reporting starts\",\"Reporting ends\",\"Campaign name\",\"Day\",\"Amount spent (EUR)\",\"Impressions\"\n";
        assert_eq!(detect("x.csv", head.as_bytes()), Some((CSV, Confidence::Certain)));
        assert_eq!(
            detect("x.csv", b"Ad name,Amount spent (USD),Impressions\n"),
            Some((CSV, Confidence::Possible))
        );
        assert_eq!(detect("x.csv", b"date,currency,usd_per_unit\n"), None);
        assert_eq!(detect("x.csv", b"Campaign name,Day\n"), None);
    }

    #[test]
    fn detects_xlsx_by_its_members() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("book");
        let mut w = zip::ZipWriter::new(std::fs::File::create(&path).expect("create"));
        for name in ["[Content_Types].xml", "xl/workbook.xml"] {
            w.start_file(name, zip::write::SimpleFileOptions::default()).expect("start");
            std::io::Write::write_all(&mut w, b"<x/>").expect("write");
        }
        w.finish().expect("finish");
        let head = std::fs::read(&path).expect("read");
        assert_eq!(detect("export", &head), Some((XLSX, Confidence::Possible)));
        // a zip of CSVs is someone else's
        assert_eq!(detect("export.zip", b"PK\x03\x04\x14\x00"), None);
        assert_eq!(detect("Ads.XLSX", b"PK\x03\x04\x14\x00"), Some((XLSX, Confidence::Possible)));
    }

    #[test]
    fn the_currency_comes_from_the_spend_header() {
        let headers = |h: &[&str]| h.iter().map(|s| header_key(s)).collect::<Vec<_>>();
        let cols = Columns::find(&headers(&["Campaign name", "Day", "Amount spent (SGD)"])).expect("columns");
        assert_eq!(cols.currency, "SGD");
        assert_eq!(cols.spend_header, "Amount spent (SGD)");
        let err =
            Columns::find(&headers(&["Campaign name", "Day", "Amount spent"])).err().expect("no currency");
        assert!(matches!(err, FileError::Refused(_)), "{err}");
        let err = Columns::find(&headers(&["Campaign name", "Amount spent (USD)"])).err().expect("no day");
        assert!(err.to_string().contains("Breakdown → By time → Day"), "{err}");
        let err =
            Columns::find(&headers(&["Ad name", "Day", "Amount spent (USD)"])).err().expect("no campaign");
        assert!(matches!(err, FileError::MissingColumn { .. }), "{err}");
    }

    #[test]
    fn campaign_ids_stay_strings_and_mangled_ones_are_caught() {
        assert_eq!(campaign_id("120210987654321098"), Ok("120210987654321098".into()));
        let err = campaign_id("1.20211E+17").expect_err("mangled");
        assert!(err.contains("lost its last digits"), "{err}");
        assert!(campaign_id("abc").is_err());
    }

    #[test]
    fn spreadsheet_cells_read_as_their_csv_text() {
        assert_eq!(cell_text(&Data::Float(1234.0)), "1234");
        assert_eq!(cell_text(&Data::Float(12.34)), "12.34");
        assert_eq!(cell_text(&Data::Float(0.1 + 0.2)), "0.30000000000000004");
        assert_eq!(values::decimal(&cell_text(&Data::Float(1503.07))), Ok(Some(Decimal::new(150307, 2))));
        assert_eq!(cell_text(&Data::Float(9_007_199_254_740_991.0)), "9007199254740991");
        assert_eq!(cell_text(&Data::String(" Spring push ".into())), "Spring push");
        assert_eq!(cell_text(&Data::Int(7)), "7");
        let day = ExcelDateTime::new(45694.0, ExcelDateTimeType::DateTime, false);
        assert_eq!(cell_text(&Data::DateTime(day)), "2025-02-06");
        assert_eq!(cell_text(&Data::DateTimeIso("2025-02-06T00:00:00".into())), "2025-02-06");
        assert_eq!(cell_text(&Data::Error(CellErrorType::Div0)), "#DIV/0!");
        assert!(values::decimal(&cell_text(&Data::Error(CellErrorType::NA))).is_err());
    }

    fn entry(key: &str, spend: &str, impressions: i64, reach: i64, results: i64, indicator: &str) -> Entry {
        Entry {
            key: key.into(),
            by_name: false,
            name: Some("Spring".into()),
            day: NaiveDate::from_ymd_opt(2025, 2, 6).expect("day"),
            spend: values::decimal(spend).expect("spend"),
            impressions: Some(impressions),
            reach: Some(reach),
            link_clicks: None,
            clicks_all: Some(1),
            results: Some(results),
            indicator: indicator.into(),
        }
    }

    fn measures(records: Vec<Record>) -> Vec<(&'static str, Measure)> {
        records
            .into_iter()
            .filter_map(|r| match r {
                Record::Daily(f) => Some((f.metric, f.measure)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn rows_of_one_campaign_day_add_up_except_reach() {
        let day = NaiveDate::from_ymd_opt(2025, 2, 6).expect("day");
        let mut g = Group::new(3, entry("1", "10.05", 1000, 800, 4, "actions:link_click"));
        g.merge(entry("1", "2.95", 500, 450, 2, "actions:link_click")).expect("merge");
        let got = measures(g.records("1", day, "EUR", &None));
        assert_eq!(
            got,
            vec![
                (metric::AD_SPEND, Measure::Money(Decimal::new(1300, 2), "EUR".into())),
                (metric::AD_IMPRESSIONS, Measure::Count(1500)),
                (metric::AD_CLICKS_ALL, Measure::Count(2)),
                (metric::AD_RESULTS, Measure::Count(6)),
            ]
        );
        let single =
            measures(Group::new(3, entry("1", "1", 10, 9, 1, "reach")).records("1", day, "EUR", &None));
        assert!(single.contains(&(metric::AD_REACH, Measure::Count(9))));
    }

    #[test]
    fn results_of_different_kinds_are_not_added() {
        let day = NaiveDate::from_ymd_opt(2025, 2, 6).expect("day");
        let mut g = Group::new(3, entry("1", "1", 10, 9, 4, "actions:link_click"));
        g.merge(entry("1", "1", 10, 9, 7, "actions:video_view")).expect("merge");
        let got = measures(g.records("1", day, "USD", &None));
        assert!(!got.iter().any(|(m, _)| *m == metric::AD_RESULTS), "{got:?}");
    }
}
