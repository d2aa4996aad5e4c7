//! One connector per source, behind one trait. A connector recognises its files, and parses them
//! into typed staging records; the ETL engine does the rest (lake, transactions, lineage).
//!
//! Adding a source: a module here implementing [`Connector`], and one line in [`registry`].

pub mod country;
pub mod distrokid;
pub mod exchange_rates;
pub mod linktree;
pub mod mailchimp;
pub mod meta_ads;
pub mod spotify;
pub mod tabular;
#[cfg(test)]
pub(crate) mod test_support;
pub mod tiktok;
pub mod toolost;
pub mod values;
pub mod xlsx_guard;
pub mod youtube;
pub mod zipped;

use std::{
    fs::File,
    io::{BufReader, Read},
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use chrono::NaiveDate;
use model::SourceId;
use std::{fmt, str::FromStr};

use crate::warehouse::{Record, StatementLine};

/// How sure a connector is that a file is one of its formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confidence {
    /// Some expected columns match.
    Possible,
    /// The header (or structure) is the format's own.
    Certain,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Detection {
    /// A stable name of the format, e.g. `distrokid.bank_details`.
    pub format: &'static str,
    pub confidence: Confidence,
}

/// What detection sees of a file: its name and first bytes.
pub struct Sample<'a> {
    pub name: &'a str,
    pub head: &'a [u8],
}

/// How many bytes of a file detection and sniffing look at.
pub const SAMPLE_BYTES: usize = 64 * 1024;

/// A file-level problem: the file cannot be read as the format at all.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum FileError {
    #[error("{0}")]
    Unreadable(String),
    #[error("this {kind} has no {column:?} column (columns found: {found})")]
    MissingColumn { kind: String, column: String, found: String },
    #[error("{0}")]
    NeedsInput(String),
    #[error("{0}")]
    Refused(String),
}

/// A row that failed validation: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: Option<u64>,
    pub column: Option<String>,
    pub reason: String,
    pub content: Option<String>,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}")?;
        }
        if let Some(col) = &self.column {
            write!(f, ", column {col:?}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Whether the parser should go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
}

/// Where a parser sends what it reads.
pub trait RecordSink {
    fn record(&mut self, line: u64, record: Record) -> Flow;
    fn reject(&mut self, error: RowError) -> Flow;

    /// A box for a statement line. A sink done with the box of a line it took may hand it out
    /// again: a million-line statement then makes no allocation per line.
    fn line_box(&mut self, line: StatementLine) -> Box<StatementLine> {
        Box::new(line)
    }
}

/// Facts about a file that are not in its rows: from its name, or given at import.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileFacts {
    pub artist: Option<String>,
    pub export_date: Option<NaiveDate>,
    pub window_days: Option<u32>,
}

/// A raw file handed to a parser.
pub struct Input {
    pub path: PathBuf,
    /// The name the file arrived with (name-borne facts, messages).
    pub name: String,
    pub head: Vec<u8>,
    pub facts: FileFacts,
    /// Bytes read so far, for progress.
    pub bytes_read: Arc<AtomicU64>,
}

impl Input {
    /// The file's bytes, counted into `bytes_read` as they are read.
    pub fn open(&self) -> Result<impl Read + use<>, FileError> {
        let file = File::open(&self.path)
            .map_err(|e| FileError::Unreadable(format!("cannot open {}: {e}", self.path.display())))?;
        Ok(CountingReader {
            inner: BufReader::with_capacity(256 * 1024, file),
            count: self.bytes_read.clone(),
        })
    }
}

struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// What a connector feeds: one of the platforms, or the exchange rates the user keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FeedId {
    Source(SourceId),
    ExchangeRates,
}

impl FeedId {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedId::Source(s) => s.as_str(),
            FeedId::ExchangeRates => "exchange_rates",
        }
    }

    pub fn source(self) -> Option<SourceId> {
        match self {
            FeedId::Source(s) => Some(s),
            FeedId::ExchangeRates => None,
        }
    }
}

impl fmt::Display for FeedId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FeedId {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s == "exchange_rates" {
            return Ok(FeedId::ExchangeRates);
        }
        s.parse::<SourceId>().map(FeedId::Source).map_err(|e| e.to_string())
    }
}

impl From<SourceId> for FeedId {
    fn from(s: SourceId) -> Self {
        FeedId::Source(s)
    }
}

pub trait Connector: Send + Sync {
    fn id(&self) -> FeedId;

    /// What files this connector takes, for the message when nothing recognises a file.
    fn expects(&self) -> &'static str;

    fn detect(&self, sample: &Sample<'_>) -> Option<Detection>;

    /// Facts the file name carries (an artist id, an export date, a window).
    fn facts_from_name(&self, _name: &str) -> FileFacts {
        FileFacts::default()
    }

    /// Reads the file as `format` and sends every row to `sink`, records and rejects alike.
    fn parse(&self, format: &'static str, input: &Input, sink: &mut dyn RecordSink) -> Result<(), FileError>;
}

/// Sends a row's records, or its error, to the sink.
pub(crate) fn send(sink: &mut dyn RecordSink, line: u64, parsed: Result<Vec<Record>, RowError>) -> Flow {
    match parsed {
        Ok(records) => {
            for r in records {
                if sink.record(line, r) == Flow::Stop {
                    return Flow::Stop;
                }
            }
            Flow::Continue
        }
        Err(e) => sink.reject(e),
    }
}

/// Every connector. One line per source.
pub fn registry() -> &'static [&'static dyn Connector] {
    &[
        &distrokid::DistroKid,
        &toolost::TooLost,
        &spotify::Spotify,
        &youtube::Youtube,
        &tiktok::Tiktok,
        &linktree::Linktree,
        &meta_ads::MetaAds,
        &mailchimp::Mailchimp,
        &exchange_rates::ExchangeRates,
    ]
}

pub fn connector(id: FeedId) -> Option<&'static dyn Connector> {
    registry().iter().copied().find(|c| c.id() == id)
}

/// The outcome of asking every connector about a file.
#[derive(Debug, PartialEq, Eq)]
pub enum Recognised {
    One(FeedId, Detection),
    Ambiguous(Vec<FeedId>),
    Unknown,
}

pub fn recognise(sample: &Sample<'_>) -> Recognised {
    let mut found: Vec<(FeedId, Detection)> =
        registry().iter().filter_map(|c| c.detect(sample).map(|d| (c.id(), d))).collect();
    let Some(best) = found.iter().map(|(_, d)| d.confidence).max() else {
        return Recognised::Unknown;
    };
    found.retain(|(_, d)| d.confidence == best);
    match found.as_slice() {
        [(id, d)] => Recognised::One(*id, *d),
        _ => Recognised::Ambiguous(found.into_iter().map(|(id, _)| id).collect()),
    }
}

/// The list of what is accepted, for an "unrecognised file" message.
pub fn expected_formats() -> String {
    registry().iter().map(|c| format!("{} ({})", c.expects(), c.id())).collect::<Vec<_>>().join("; ")
}
