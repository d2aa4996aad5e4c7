//! One file from raw into the warehouse: recognise it, parse it on a blocking thread, stream its
//! records to the loader, and commit only when every row was valid.

use std::{
    collections::VecDeque,
    fs::File,
    io::Read,
    path::Path,
    sync::{Arc, atomic::AtomicU64, atomic::Ordering},
};

use chrono::{NaiveDate, Utc};
use sqlx::{Connection as _, SqliteConnection};
use tokio::sync::mpsc;

use super::{Etl, EtlError, FileReport, Outcome, Progress, ProgressEvent, RunKind, RunReport, Trigger, runs};
use crate::{
    lake::{Landed, RawCopy},
    sources::{
        Connector, Detection, FeedId, FileError, FileFacts, Flow, Input, Recognised, RecordSink, RowError,
        SAMPLE_BYTES, Sample, connector, expected_formats, recognise,
    },
    warehouse::{
        LoadStats, Loader, Record, StatementLine,
        packed_line::{FreshValues, LinePacker, PackedLine},
    },
};

/// Quarantined rows kept per file (all are counted); enough to find every kind of mistake.
const QUARANTINE_KEEP: usize = 10_000;
/// Quarantined rows carried in a report for display.
const REPORT_KEEP: usize = 20;
/// Records per message from the parser thread to the loader.
const CHUNK: usize = 2_000;
/// Statement lines sorted by track at a time, at most: a track's lines in a million-line
/// statement lie in about 9 runs. The longer a track's run, the more of its lines add to rollup
/// groups still in the processor's cache: 128 Ki lines rather than 32 Ki took the 1M-line
/// import's CPU time from 6.4–7.3 to 5.9–6.8 s (4 alternated runs), for up to 15 MB more (some
/// 140 bytes a line while held).
const TRACK_SORT_LINES: usize = 128 * 1024;
/// The first window, doubled at each window up to [`TRACK_SORT_LINES`]: the loader waits for
/// the first window to be parsed.
const FIRST_SORT_LINES: usize = 16 * 1024;
/// Messages the channel to the loader holds (see [`ChannelSink`] on how it is kept full).
const CHANNEL_CHUNKS: usize = 4;
/// Page cache of the loading connection (KiB). Measured on the 1M-line benchmark: 16 MiB was
/// slower (23.8 s), 64 MiB no faster than 32 MiB (23.1 s vs 20.9 s) and 34 MB heavier.
const IMPORT_CACHE_KIB: i64 = 8 * 1024;

fn read_head(path: &Path) -> Result<Vec<u8>, EtlError> {
    let mut head = Vec::with_capacity(SAMPLE_BYTES);
    File::open(path)
        .and_then(|f| f.take(SAMPLE_BYTES as u64).read_to_end(&mut head))
        .map_err(|source| crate::lake::LakeError::Io { path: path.to_path_buf(), source })?;
    Ok(head)
}

/// Which connector and format a file is, or why that cannot be told.
fn resolve(
    given: Option<FeedId>,
    name: &str,
    head: &[u8],
) -> Result<(&'static dyn Connector, Detection), String> {
    let sample = Sample { name, head };
    match given {
        Some(id) => {
            let c = connector(id).ok_or_else(|| format!("there is no importer for {id} yet"))?;
            c.detect(&sample)
                .map(|d| (c, d))
                .ok_or_else(|| format!("this is not a {} file; expected a {}", c.id(), c.expects()))
        }
        None => match recognise(&sample) {
            Recognised::One(id, d) => {
                connector(id).map(|c| (c, d)).ok_or_else(|| format!("no importer for {id}"))
            }
            Recognised::Ambiguous(ids) => Err(format!(
                "this file fits more than one source ({}): name the right one with --source",
                ids.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            )),
            Recognised::Unknown => Err(format!("unrecognised file; expected one of: {}", expected_formats())),
        },
    }
}

/// What the import said beats what the file name says.
fn merge_facts(from_name: FileFacts, artist: Option<String>, export_date: Option<NaiveDate>) -> FileFacts {
    FileFacts {
        artist: artist.or(from_name.artist),
        export_date: export_date.or(from_name.export_date),
        window_days: from_name.window_days,
    }
}

pub(super) async fn process_landed(
    etl: &Etl,
    run_id: i64,
    landed: &Landed,
    progress: &dyn Progress,
) -> Result<FileReport, EtlError> {
    let pool = etl.db.pool();
    let meta = &landed.meta;
    let name = meta.original_name.as_str();
    let mut report = FileReport::new(name);

    let existing: Option<(i64, String, Option<String>)> =
        sqlx::query_as("SELECT id, status, source FROM raw_files WHERE sha256 = ?")
            .bind(&meta.sha256)
            .fetch_optional(pool)
            .await?;
    if let Some((id, status, source)) = &existing
        && status == "loaded"
    {
        report.outcome = Outcome::AlreadyImported;
        report.raw_file_id = Some(*id);
        report.source = source.as_deref().and_then(|s| s.parse().ok());
        report.message = Some("already imported: the same bytes were loaded before; nothing changed".into());
        return Ok(report);
    }

    let raw_copy = {
        let (lake, landed) = (etl.lake.clone(), landed.clone());
        super::off_thread(move || lake.keep_raw(&landed)).await?
    };
    let raw_path = raw_copy.path().to_path_buf();
    let head = read_head(&raw_path)?;
    let given = meta.source.as_deref().and_then(|s| s.parse::<FeedId>().ok());
    let resolved = resolve(given, name, &head);
    let (source, format, facts) = match &resolved {
        Ok((c, d)) => (
            Some(c.id()),
            Some(d.format),
            merge_facts(c.facts_from_name(name), meta.artist.clone(), meta.export_date),
        ),
        Err(_) => (None, None, merge_facts(FileFacts::default(), meta.artist.clone(), meta.export_date)),
    };
    let raw_id: i64 = sqlx::query_scalar(
        "INSERT INTO raw_files (sha256, size_bytes, original_name, received_at, source, format, source_given, \
         artist, artist_given, export_date, window_days, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending') \
         ON CONFLICT (sha256) DO UPDATE SET original_name = excluded.original_name, source = excluded.source, \
         format = excluded.format, source_given = excluded.source_given, artist = excluded.artist, \
         artist_given = excluded.artist_given, \
         export_date = excluded.export_date, window_days = excluded.window_days, status = 'pending', error = NULL \
         RETURNING id",
    )
    .bind(&meta.sha256)
    .bind(i64::try_from(meta.size_bytes).unwrap_or(i64::MAX))
    .bind(name)
    .bind(&meta.received_at)
    .bind(source.map(|s| s.as_str()))
    .bind(format)
    .bind(given.is_some())
    .bind(&facts.artist)
    .bind(meta.artist.is_some())
    .bind(facts.export_date.map(|d| d.to_string()))
    .bind(facts.window_days.map(i64::from))
    .fetch_one(pool)
    .await?;
    report.raw_file_id = Some(raw_id);
    report.source = source;

    let (connector, detection) = match resolved {
        Ok(found) => found,
        Err(reason) => {
            finish_raw(raw_copy).await?;
            mark_rejected(pool, raw_id, &reason, 0).await?;
            report.message = Some(reason);
            return Ok(report);
        }
    };

    let input = Input {
        path: raw_path,
        name: name.to_string(),
        head,
        facts,
        bytes_read: Arc::new(AtomicU64::new(0)),
    };
    let on_progress = |bytes_read, rows| {
        progress.event(&ProgressEvent::FileProgress { run_id, bytes_read, size_bytes: meta.size_bytes, rows })
    };
    let mut conn = pool.acquire().await?;
    bulk_load_settings(&mut conn, true).await?;
    let loaded = load_in_transaction(
        &mut conn,
        RawFile { id: raw_id, copy: raw_copy },
        connector,
        detection.format,
        input,
        meta.artist.clone(),
        &on_progress,
    )
    .await;
    // Whatever happened, the connection goes back to the pool with its usual settings.
    if let Err(err) = bulk_load_settings(&mut conn, false).await {
        tracing::warn!(error = %err, "could not restore the connection settings; closing it");
        let _ = conn.detach();
    } else {
        drop(conn);
    }
    let parsed = loaded?;
    etl.db.checkpoint_soon();
    report.rows_read = parsed.rows_read;
    report.rows_rejected = parsed.rows_rejected;
    report.quarantined = parsed.quarantine.iter().take(REPORT_KEEP).cloned().collect();
    if let Some(reason) = parsed.rejection() {
        runs::quarantine(pool, run_id, Some(raw_id), name, &parsed.quarantine).await?;
        mark_rejected(pool, raw_id, &reason, parsed.rows_rejected).await?;
        report.message = Some(reason);
    } else {
        report.outcome = Outcome::Loaded;
        report.rows_loaded = parsed.stats.rows_loaded;
        report.rows_skipped = parsed.stats.rows_skipped;
    }
    Ok(report)
}

/// Parses and loads one file in its own transaction, committed only when every row was valid
/// (the raw file is marked loaded in the same transaction, so a crash leaves it pending).
async fn load_in_transaction(
    conn: &mut SqliteConnection,
    raw: RawFile,
    connector: &'static dyn Connector,
    format: &'static str,
    input: Input,
    artist_override: Option<String>,
    on_progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<Parsed, EtlError> {
    let RawFile { id: raw_id, copy } = raw;
    // IMMEDIATE: the load reads (keys, dimensions) before it writes, and a deferred transaction
    // whose snapshot another connection wrote past (a backup's audit record, a sign-in) could
    // not become a writer (SQLITE_BUSY_SNAPSHOT) and would fail the file.
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let parsed =
        parse_and_load(&mut tx, raw_id, connector, format, input, artist_override, on_progress).await;
    // The bytes are in raw, on disk, before the warehouse holds anything read from them.
    finish_raw(copy).await?;
    let parsed = parsed?;
    if parsed.rejection().is_some() {
        tx.rollback().await?;
        return Ok(parsed);
    }
    sqlx::query(
        "UPDATE raw_files SET status = 'loaded', loaded_at = ?, rows_loaded = ?, rows_skipped = ?, \
         rows_rejected = 0, error = NULL WHERE id = ?",
    )
    .bind(Utc::now().to_rfc3339())
    .bind(count(parsed.stats.rows_loaded))
    .bind(count(parsed.stats.rows_skipped))
    .bind(raw_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(parsed)
}

/// The file being loaded: its `raw_files` row, and its bytes on their way into raw.
struct RawFile {
    id: i64,
    copy: RawCopy,
}

/// [`RawCopy::finish`] off the async threads: it may wait on the disk.
async fn finish_raw(copy: RawCopy) -> Result<(), EtlError> {
    let path = copy.path().to_path_buf();
    match tokio::task::spawn_blocking(move || copy.finish()).await {
        Ok(finished) => finished.map(drop).map_err(EtlError::from),
        Err(err) => {
            Err(crate::lake::LakeError::Io { path, source: std::io::Error::other(err.to_string()) }.into())
        }
    }
}

/// Settings of the connection that loads a file. While loading: a bigger page cache (the key
/// lookups and rollup upserts stay in memory) and no foreign-key checks (the loader itself resolved
/// every dimension id it writes; the checks cost a quarter of the load time). Restored afterwards,
/// since the connection goes back to the pool. `foreign_keys` only changes outside a transaction.
async fn bulk_load_settings(conn: &mut SqliteConnection, loading: bool) -> Result<(), sqlx::Error> {
    let (cache, fk) = if loading { (IMPORT_CACHE_KIB, "OFF") } else { (2000, "ON") };
    sqlx::query(&format!("PRAGMA cache_size = -{cache}")).execute(&mut *conn).await?;
    sqlx::query(&format!("PRAGMA foreign_keys = {fk}")).execute(&mut *conn).await?;
    Ok(())
}

async fn mark_rejected(
    pool: &sqlx::SqlitePool,
    raw_id: i64,
    reason: &str,
    rows_rejected: u64,
) -> Result<(), EtlError> {
    sqlx::query("UPDATE raw_files SET status = 'rejected', error = ?, rows_rejected = ? WHERE id = ?")
        .bind(reason)
        .bind(count(rows_rejected))
        .bind(raw_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Marks the raw file of a landed file that cannot load (see `failure`) rejected, unless its
/// rows were loaded, and returns its id when it has one.
pub(super) async fn mark_poisoned(
    pool: &sqlx::SqlitePool,
    sha256: &str,
    reason: &str,
) -> Result<Option<i64>, EtlError> {
    let id = sqlx::query_scalar(
        "UPDATE raw_files SET status = 'rejected', error = ? WHERE sha256 = ? AND status <> 'loaded' RETURNING id",
    )
    .bind(reason)
    .bind(sha256)
    .fetch_optional(pool)
    .await?;
    Ok(id)
}

/// What parsing and loading one file gave.
struct Parsed {
    stats: LoadStats,
    rows_read: u64,
    rows_rejected: u64,
    quarantine: Vec<RowError>,
    file_error: Option<FileError>,
}

impl Parsed {
    /// Why the file must be rejected, if it must.
    fn rejection(&self) -> Option<String> {
        if let Some(err) = &self.file_error {
            return Some(err.to_string());
        }
        if self.rows_rejected > 0 {
            let first = self.quarantine.first().map(|e| format!("; first: {e}")).unwrap_or_default();
            return Some(format!(
                "{} of {} rows failed validation, so nothing of the file was loaded{first}",
                self.rows_rejected, self.rows_read
            ));
        }
        None
    }
}

enum Msg {
    Record(u64, Record),
    /// A statement line, numbered by the parser's [`LinePacker`].
    Line(PackedLine),
    /// The values the lines after this message are numbered with.
    Values(FreshValues),
    Reject(RowError),
}

/// Sends parsed rows to the loader in chunks; stops the parser when the loader is gone.
/// Statement lines go packed (see `warehouse::packed_line`), numbered here.
///
/// Statement lines are held and handed over in chunks sorted by track, the order the loader
/// stores them in: a track's lines then lie in a few runs of ids (migration 0013) that the
/// "one track in one store" drill reads. Sorting here uses the parser's thread, the least busy.
///
/// A sorted window is handed over a chunk at a time while the next window is parsed, whenever
/// the channel has room. Sent all at once, the parser waited for the loader to take most of it,
/// then the loader and SQLite waited for the parser to fill the next: a fifth of both cores
/// idle, 0.7 s of a million-line import. A channel big enough for a whole window removed the
/// wait too, but held a second window in memory (12 MB more, over the 150 MB target at times).
struct ChannelSink {
    tx: mpsc::Sender<Vec<Msg>>,
    chunk: Vec<Msg>,
    /// Statement lines held to be sorted (at most `window`).
    lines: Vec<PackedLine>,
    /// Lines sorted at a time (see [`FIRST_SORT_LINES`]).
    window: usize,
    /// The held lines' sort keys: track and place.
    order: Vec<u64>,
    /// The last sorted window's chunks not yet sent.
    ready: VecDeque<Vec<Msg>>,
    packer: LinePacker,
    /// The box of the last line packed, to hold the next line parsed (a line parsed then needs
    /// no allocation).
    spare: Option<Box<StatementLine>>,
}

impl ChannelSink {
    fn new(tx: mpsc::Sender<Vec<Msg>>) -> Self {
        Self {
            tx,
            chunk: Vec::with_capacity(CHUNK),
            lines: Vec::new(),
            window: FIRST_SORT_LINES,
            order: Vec::new(),
            ready: VecDeque::new(),
            packer: LinePacker::default(),
            spare: None,
        }
    }

    fn push(&mut self, msg: Msg) -> Flow {
        self.chunk.push(msg);
        if self.chunk.len() >= CHUNK { self.flush() } else { Flow::Continue }
    }

    /// Sends the current chunk, after every sorted one (messages keep their order).
    fn flush(&mut self) -> Flow {
        if self.send_ready() == Flow::Stop {
            return Flow::Stop;
        }
        if self.chunk.is_empty() {
            return Flow::Continue;
        }
        let chunk = std::mem::replace(&mut self.chunk, Vec::with_capacity(CHUNK));
        self.send(chunk)
    }

    fn send(&mut self, chunk: Vec<Msg>) -> Flow {
        match self.tx.blocking_send(chunk) {
            Ok(()) => Flow::Continue,
            Err(_) => Flow::Stop,
        }
    }

    /// Every sorted chunk, waiting for room when needed.
    fn send_ready(&mut self) -> Flow {
        while let Some(chunk) = self.ready.pop_front() {
            if self.send(chunk) == Flow::Stop {
                return Flow::Stop;
            }
        }
        Flow::Continue
    }

    /// The sorted chunks the channel has room for now.
    fn offer_ready(&mut self) -> Flow {
        while let Some(chunk) = self.ready.pop_front() {
            match self.tx.try_send(chunk) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(chunk)) => {
                    self.ready.push_front(chunk);
                    break;
                }
                Err(mpsc::error::TrySendError::Closed(_)) => return Flow::Stop,
            }
        }
        Flow::Continue
    }

    /// Sorts the held statement lines by track into chunks ready to send, after any still
    /// waiting from the window before.
    fn sort_lines(&mut self) -> Flow {
        if self.lines.is_empty() {
            return Flow::Continue;
        }
        if self.send_ready() == Flow::Stop {
            return Flow::Stop;
        }
        // Messages read before these lines go first.
        if !self.chunk.is_empty() {
            let earlier = std::mem::replace(&mut self.chunk, Vec::with_capacity(CHUNK));
            self.ready.push_back(earlier);
        }
        // The values of the lines' numbers go first.
        if self.packer.has_fresh() {
            self.ready.push_back(vec![Msg::Values(self.packer.take_fresh())]);
        }
        // Sorted by track, then by place in the file: identical lines keep their order (their
        // occurrence numbers, hence their keys, do not change), and so do a track's lines. The
        // lines' places are sorted rather than the lines, and each line is copied once, into its
        // chunk: sorting the lines themselves moved each some fifteen times.
        self.order.clear();
        self.order.extend(self.lines.iter().enumerate().map(|(at, l)| (u64::from(l.isrc) << 32) | at as u64));
        self.order.sort_unstable();
        for places in self.order.chunks(CHUNK) {
            let chunk: Vec<Msg> = places
                .iter()
                .filter_map(|&key| self.lines.get(key as u32 as usize))
                .map(|l| Msg::Line(*l))
                .collect();
            self.ready.push_back(chunk);
        }
        // The buffer is kept for the next window (grown anew, it was copied at each doubling).
        self.lines.clear();
        self.offer_ready()
    }

    /// Everything still held, at the end of the file.
    fn finish(&mut self) -> Flow {
        if self.sort_lines() == Flow::Stop {
            return Flow::Stop;
        }
        self.flush()
    }
}

impl RecordSink for ChannelSink {
    fn line_box(&mut self, line: StatementLine) -> Box<StatementLine> {
        match self.spare.take() {
            Some(mut boxed) => {
                *boxed = line;
                boxed
            }
            None => Box::new(line),
        }
    }

    fn record(&mut self, line: u64, record: Record) -> Flow {
        if let Record::StatementLine(parsed) = record {
            self.lines.push(self.packer.pack(line, &parsed));
            self.spare = Some(parsed);
            if self.lines.len().is_multiple_of(1024) && self.offer_ready() == Flow::Stop {
                return Flow::Stop;
            }
            if self.lines.len() < self.window {
                return Flow::Continue;
            }
            self.window = (self.window * 2).min(TRACK_SORT_LINES);
            return self.sort_lines();
        }
        // Other messages keep their place after the lines read before them.
        if self.sort_lines() == Flow::Stop {
            return Flow::Stop;
        }
        self.push(Msg::Record(line, record))
    }

    fn reject(&mut self, error: RowError) -> Flow {
        if self.sort_lines() == Flow::Stop {
            return Flow::Stop;
        }
        self.push(Msg::Reject(error))
    }
}

/// Parses `input` on a blocking thread and loads its records through `conn` (inside the
/// caller's transaction). Once a row is rejected nothing more is written, but the rest of the
/// file is still read so that every bad row is reported at once.
async fn parse_and_load(
    conn: &mut SqliteConnection,
    raw_file_id: i64,
    connector: &'static dyn Connector,
    format: &'static str,
    input: Input,
    artist_override: Option<String>,
    on_progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<Parsed, EtlError> {
    let bytes_read = input.bytes_read.clone();
    let (tx, mut rx) = mpsc::channel::<Vec<Msg>>(CHANNEL_CHUNKS);
    let parser = tokio::task::spawn_blocking(move || {
        let mut sink = ChannelSink::new(tx);
        let result = connector.parse(format, &input, &mut sink);
        sink.finish();
        result
    });

    let mut loader = Loader::new(conn, raw_file_id, artist_override);
    let mut parsed = Parsed {
        stats: LoadStats::default(),
        rows_read: 0,
        rows_rejected: 0,
        quarantine: Vec::new(),
        file_error: None,
    };
    // A row may give several records (one per metric): rows are counted by line.
    let mut last_line = None;
    while let Some(chunk) = rx.recv().await {
        for msg in chunk {
            let line = match &msg {
                Msg::Record(line, _) => Some(*line),
                Msg::Line(packed) => Some(packed.line),
                Msg::Reject(err) => err.line,
                Msg::Values(_) => None,
            };
            if let Msg::Values(fresh) = msg {
                loader.add_values(fresh)?;
                continue;
            }
            if line.is_none() || line != last_line {
                parsed.rows_read += 1;
                last_line = line;
            }
            match msg {
                Msg::Line(packed) => {
                    if parsed.rows_rejected == 0
                        && let Some(packed) = loader.try_add_line(packed)?
                    {
                        loader.add_line(packed).await?;
                    }
                }
                Msg::Record(line, record) => {
                    if parsed.rows_rejected == 0 {
                        loader.add(line, record).await?;
                    }
                }
                Msg::Values(_) => {}
                Msg::Reject(err) => {
                    parsed.rows_rejected += 1;
                    if parsed.quarantine.len() < QUARANTINE_KEEP {
                        parsed.quarantine.push(err);
                    }
                }
            }
        }
        on_progress(bytes_read.load(Ordering::Relaxed), parsed.rows_read);
    }
    parsed.stats = loader.finish().await?;
    match parser.await {
        Ok(Ok(())) => {}
        Ok(Err(file_error)) => parsed.file_error = Some(file_error),
        Err(join) => parsed.file_error = Some(parser_failed(join)),
    }
    if parsed.file_error.is_some() {
        parsed.stats = LoadStats::default();
    }
    Ok(parsed)
}

/// Why the parser's thread ended without a verdict: a panic (its message: a parser must never
/// panic, so it says where to look) or a cancelled task.
fn parser_failed(join: tokio::task::JoinError) -> FileError {
    if !join.is_panic() {
        return FileError::Unreadable(format!("the parser stopped unexpectedly: {join}"));
    }
    let payload = join.into_panic();
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into());
    FileError::Unreadable(format!("the importer failed on this file (a bug, please report it): {message}"))
}

/// The facts a raw file was loaded with, as recorded.
#[derive(sqlx::FromRow)]
struct RawFileRow {
    id: i64,
    sha256: String,
    original_name: String,
    source: Option<String>,
    source_given: bool,
    artist: Option<String>,
    artist_given: bool,
    export_date: Option<String>,
    window_days: Option<i64>,
}

pub(super) async fn rebuild(
    etl: &Etl,
    trigger: Trigger,
    progress: &dyn Progress,
) -> Result<RunReport, EtlError> {
    let pool = etl.db.pool();
    let files: Vec<RawFileRow> = sqlx::query_as(
        "SELECT id, sha256, original_name, source, source_given, artist, artist_given, export_date, window_days \
         FROM raw_files WHERE status = 'loaded' ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    let run_id = runs::start(pool, trigger, RunKind::Rebuild, None, files.len()).await?;
    progress.event(&ProgressEvent::RunStarted {
        run_id,
        files: files.len(),
        trigger,
        kind: RunKind::Rebuild,
        source: None,
    });

    let result = rebuild_files(etl, run_id, &files, progress).await;
    let (reports, error) = match result {
        Ok(reports) => (reports, None),
        Err((reports, err)) => (reports, Some(err)),
    };
    let status = runs::finish(pool, run_id, &reports, error.as_ref().map(|e| e.to_string()).as_deref(), None)
        .await?
        .status;
    progress.event(&ProgressEvent::RunFinished { run_id, status, note: None });
    match error {
        Some(err) => Err(err),
        None => Ok(RunReport { run_id, status, files: reports, note: None }),
    }
}

async fn rebuild_files(
    etl: &Etl,
    run_id: i64,
    files: &[RawFileRow],
    progress: &dyn Progress,
) -> Result<Vec<FileReport>, (Vec<FileReport>, EtlError)> {
    let mut conn = etl.db.pool().acquire().await.map_err(|e| (Vec::new(), e.into()))?;
    bulk_load_settings(&mut conn, true).await.map_err(|e| (Vec::new(), e.into()))?;
    let result = rebuild_in_transaction(etl, &mut conn, run_id, files, progress).await;
    // Whatever happened, the connection goes back to the pool with its usual settings.
    if let Err(err) = bulk_load_settings(&mut conn, false).await {
        tracing::warn!(error = %err, "could not restore the connection settings; closing it");
        let _ = conn.detach();
    }
    result
}

async fn rebuild_in_transaction(
    etl: &Etl,
    conn: &mut SqliteConnection,
    run_id: i64,
    files: &[RawFileRow],
    progress: &dyn Progress,
) -> Result<Vec<FileReport>, (Vec<FileReport>, EtlError)> {
    let mut reports = Vec::new();
    let fail = |reports: &Vec<FileReport>, err: EtlError| (reports.clone(), err);
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await.map_err(|e| fail(&reports, e.into()))?;
    for table in crate::warehouse::FACT_TABLES {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&mut *tx)
            .await
            .map_err(|e| fail(&reports, e.into()))?;
    }
    for (i, file) in files.iter().enumerate() {
        let raw_path = etl.lake.raw_path(&file.sha256);
        progress.event(&ProgressEvent::FileStarted {
            run_id,
            index: i + 1,
            total: files.len(),
            name: file.original_name.clone(),
            size_bytes: std::fs::metadata(&raw_path).map(|m| m.len()).unwrap_or(0),
        });
        let rebuild_err = |reason: String| EtlError::Rebuild { file: file.original_name.clone(), reason };
        let head = read_head(&raw_path).map_err(|e| fail(&reports, rebuild_err(e.to_string())))?;
        let given =
            if file.source_given { file.source.as_deref().and_then(|s| s.parse().ok()) } else { None };
        let (connector, detection) =
            resolve(given, &file.original_name, &head).map_err(|e| fail(&reports, rebuild_err(e)))?;
        let stored_facts = FileFacts {
            artist: file.artist.clone(),
            export_date: file.export_date.as_deref().and_then(|d| d.parse().ok()),
            window_days: file.window_days.and_then(|w| u32::try_from(w).ok()),
        };
        let artist_override = if file.artist_given { file.artist.clone() } else { None };
        let input = Input {
            path: raw_path,
            name: file.original_name.clone(),
            head,
            facts: stored_facts,
            bytes_read: Arc::new(AtomicU64::new(0)),
        };
        let parsed =
            parse_and_load(&mut tx, file.id, connector, detection.format, input, artist_override, &|_, _| {})
                .await
                .map_err(|e| fail(&reports, e))?;
        if let Some(reason) = parsed.rejection() {
            return Err(fail(&reports, rebuild_err(reason)));
        }
        let mut report = FileReport::new(&file.original_name);
        report.outcome = Outcome::Loaded;
        report.raw_file_id = Some(file.id);
        report.source = Some(connector.id());
        report.rows_read = parsed.rows_read;
        report.rows_loaded = parsed.stats.rows_loaded;
        report.rows_skipped = parsed.stats.rows_skipped;
        progress.event(&ProgressEvent::FileFinished { run_id, report: report.clone() });
        reports.push(report);
    }
    tx.commit().await.map_err(|e| fail(&reports, e.into()))?;
    Ok(reports)
}

fn count(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use model::SourceId;
    use rust_decimal::Decimal;

    use super::*;
    use crate::{
        time::YearMonth,
        warehouse::{StatementLine, packed_line::ValueTable},
    };

    fn line(isrc: &str) -> Record {
        Record::StatementLine(Box::new(StatementLine {
            source: SourceId::Distrokid,
            identity: 0,
            reporting_date: NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"),
            sale_month: YearMonth::new(2024, 12).expect("month"),
            sale_date: None,
            store: "Spotify".into(),
            artist: None,
            title: "t".into(),
            isrc: Some(isrc.into()),
            upc: None,
            country: None,
            quantity: 1,
            team_percentage: None,
            earnings: Decimal::ONE,
            currency: "USD".into(),
            withheld: None,
            recoup: None,
        }))
    }

    /// What the loader receives: (file line, ISRC) for lines, (file line, "rejected") else. A
    /// line's ISRC is read as the loader reads it, from the values sent before the line.
    fn received(rx: &mut mpsc::Receiver<Vec<Msg>>) -> Vec<(u64, String)> {
        let mut got = Vec::new();
        let mut values = ValueTable::default();
        while let Ok(chunk) = rx.try_recv() {
            for msg in chunk {
                got.push(match msg {
                    Msg::Values(fresh) => {
                        values.extend(fresh).expect("values in step");
                        continue;
                    }
                    Msg::Line(l) => {
                        (l.line, values.text(l.isrc).expect("values before the line").to_string())
                    }
                    Msg::Record(n, _) => (n, "other".into()),
                    Msg::Reject(e) => (e.line.unwrap_or_default(), "rejected".into()),
                });
            }
        }
        got
    }

    #[test]
    fn lines_arrive_sorted_by_track_per_window_and_other_messages_keep_their_place() {
        let (tx, mut rx) = mpsc::channel(10_000);
        let mut sink = ChannelSink::new(tx);
        // Two windows and a bit, the tracks alternating; a rejected row after the first window.
        let total = FIRST_SORT_LINES * 3 + 10;
        let mut number = 0u64;
        for i in 0..total {
            number += 1;
            assert_eq!(
                sink.record(number, line(if i % 2 == 0 { "AAAAAAAAAAAA" } else { "BBBBBBBBBBBB" })),
                Flow::Continue
            );
            if i + 1 == FIRST_SORT_LINES + 4 {
                number += 1;
                let error =
                    RowError { line: Some(number), column: None, reason: "bad".into(), content: None };
                assert_eq!(sink.reject(error), Flow::Continue);
            }
        }
        assert_eq!(sink.finish(), Flow::Continue);
        drop(sink);

        let got = received(&mut rx);
        assert_eq!(got.len(), total + 1, "every message arrives once");
        let reject = got.iter().position(|(_, what)| what == "rejected").expect("the rejection");
        // Every line read before the rejection arrives before it, and none read after it.
        assert_eq!(reject, FIRST_SORT_LINES + 4);
        assert!(got[..reject].iter().all(|(n, _)| *n < got[reject].0));
        assert!(got[reject + 1..].iter().all(|(n, _)| *n > got[reject].0));
        // Within a window a track's lines are together, each track's in file order.
        let first = &got[..FIRST_SORT_LINES];
        let switches = first.windows(2).filter(|w| w[0].1 != w[1].1).count();
        assert_eq!(switches, 1);
        for track in ["AAAAAAAAAAAA", "BBBBBBBBBBBB"] {
            let numbers: Vec<u64> = first.iter().filter(|(_, t)| t == track).map(|(n, _)| *n).collect();
            assert!(numbers.is_sorted(), "{track}");
        }
        // The next full window is twice as long.
        let second = &got[reject + 1..reject + 1 + 2 * FIRST_SORT_LINES];
        assert_eq!(second.windows(2).filter(|w| w[0].1 != w[1].1).count(), 1);
    }

    /// A parser that panics, as a bug might make one do on some file.
    struct Panicking;

    impl Connector for Panicking {
        fn id(&self) -> FeedId {
            SourceId::Distrokid.into()
        }

        fn expects(&self) -> &'static str {
            "anything"
        }

        fn detect(&self, _: &Sample<'_>) -> Option<Detection> {
            None
        }

        fn parse(&self, _: &'static str, _: &Input, _: &mut dyn RecordSink) -> Result<(), FileError> {
            panic!("index out of bounds in a parser");
        }
    }

    #[tokio::test]
    async fn a_parser_that_panics_rejects_its_file_with_the_panics_message() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = crate::Database::open(&dir.path().join("soundcheck.db")).await.expect("db");
        let mut conn = db.pool().acquire().await.expect("conn");
        let input = Input {
            path: dir.path().join("x.tsv"),
            name: "x.tsv".into(),
            head: Vec::new(),
            facts: FileFacts::default(),
            bytes_read: Arc::new(AtomicU64::new(0)),
        };
        let parsed = parse_and_load(&mut conn, 1, &Panicking, "any", input, None, &|_, _| {})
            .await
            .expect("a verdict, not an error");
        let reason = parsed.rejection().expect("rejected");
        assert!(reason.contains("(a bug, please report it): index out of bounds in a parser"), "{reason}");
    }

    #[test]
    fn the_parser_stops_when_the_loader_is_gone() {
        let (tx, rx) = mpsc::channel(1);
        let mut sink = ChannelSink::new(tx);
        drop(rx);
        let stopped =
            (1..=TRACK_SORT_LINES as u64 * 2).any(|n| sink.record(n, line("AAAAAAAAAAAA")) == Flow::Stop);
        assert!(stopped);
    }
}
