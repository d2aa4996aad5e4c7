//! Benchmark: import a generated 1,000,000-line DistroKid statement end to end (land, SHA-256,
//! raw copy, parse, validate, load in one transaction) into a fresh data directory.
//!
//!     cargo bench -p engine --bench import_distrokid [-- LINES]
//!
//! `BENCH_FIRST_ONLY=1` stops after the first import; `BENCH_KEEP=1` keeps the data directory.
//! `SOUNDCHECK_BENCH_SMOKE=1` (CI): 5,000-line statements, every step the same; it checks that
//! the run completes and loads every line, not its times.
//!
//! Prints the time, the throughput and the process's peak resident memory (VmHWM). Targets on a
//! 2-core machine: under 4 s (stretch 3 s) and under 150 MB.

// The allocator of the `soundcheck` binary, so the figures are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::{
    io::{BufWriter, Write},
    path::Path,
    time::Instant,
};

use engine::{
    Database,
    etl::{Etl, ImportOptions, Outcome, Quiet, Trigger},
};

const STORES: [&str; 12] = [
    "Spotify",
    "Apple Music",
    "iTunes Songs",
    "YouTube (Ads)",
    "YouTube (Red)",
    "Amazon Unlimited (Streaming)",
    "TikTok",
    "Instagram/Facebook",
    "Deezer",
    "Tidal",
    "Pandora",
    "Amazon Prime (Streaming)",
];
const COUNTRIES: [&str; 16] =
    ["US", "GB", "DE", "FR", "BR", "MX", "CA", "AU", "JP", "IN", "OU", "NL", "SE", "ES", "IT", "PL"];
const ARTISTS: [&str; 2] = ["ZONE A0", "Night Owls"];

/// Lines of each statement in a smoke run (`SOUNDCHECK_BENCH_SMOKE`), and in a full one.
const SMOKE_LINES: u64 = 5_000;
const FULL_LINES: u64 = 1_000_000;

/// Whether `SOUNDCHECK_BENCH_SMOKE` asks for a smoke run: a small size, to check that the
/// benchmark runs, not its times.
fn smoke() -> bool {
    std::env::var_os("SOUNDCHECK_BENCH_SMOKE").is_some_and(|v| !v.is_empty() && v != "0")
}

/// A statement in layout A with realistic spread: 2 artists, 400 tracks, 12 stores, 16
/// countries, 36 sale months, earnings with 8–12 fraction digits, some negative corrections.
/// `seed` picks the lines: two seeds give two statements with (almost) no line in common.
fn generate(path: &Path, lines: u64, seed: u64) -> std::io::Result<u64> {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    out.write_all(b"Reporting Date\tSale Month\tStore\tArtist\tTitle\tISRC\tUPC\tQuantity\tTeam Percentage\tSong/Album\tCountry of Sale\tSongwriter Royalties Withheld\tEarnings (USD)\r\n")?;
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15 ^ seed;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..lines {
        let r = next();
        let month = (r % 36) as u32;
        let (year, m) = (2023 + month / 12, month % 12 + 1);
        let (ry, rm) = if m + 2 > 12 { (year + 1, m + 2 - 12) } else { (year, m + 2) };
        let track = (r >> 8) % 400;
        let artist = ARTISTS[(track % 2) as usize];
        let store = STORES[((r >> 20) % STORES.len() as u64) as usize];
        let country = COUNTRIES[((r >> 28) % COUNTRIES.len() as u64) as usize];
        let quantity = (r >> 36) % 500;
        let cents = (next() % 10_000_000_000) as i64;
        let sign = if (r >> 60) % 50 == 0 { "-" } else { "" };
        writeln!(
            out,
            "{ry}-{rm:02}-{d:02}\t{year}-{m:02}\t{store}\t{artist}\tTrack number {track}\tQZTB9{track:07}\t1988915{track:05}\t{quantity}\t100\tSong\t{country}\t0\t{sign}0.{cents:010}\r",
            d = 1 + (r >> 44) % 28,
        )?;
    }
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

/// The parser alone (no database), to tell parsing from loading.
fn parse_only(file: &Path, lines: u64) -> anyhow::Result<()> {
    use engine::sources::{FileFacts, Flow, Input, RecordSink, RowError, SAMPLE_BYTES, registry};
    struct Count(u64, u64);
    impl RecordSink for Count {
        fn record(&mut self, _: u64, _: engine::warehouse::Record) -> Flow {
            self.0 += 1;
            Flow::Continue
        }
        fn reject(&mut self, _: RowError) -> Flow {
            self.1 += 1;
            Flow::Continue
        }
    }
    let bytes = std::fs::read(file)?;
    let head = bytes[..bytes.len().min(SAMPLE_BYTES)].to_vec();
    drop(bytes);
    let input = Input {
        path: file.to_path_buf(),
        name: "distrokid_bank_details.tsv".into(),
        head,
        facts: FileFacts::default(),
        bytes_read: std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0)),
    };
    let started = Instant::now();
    let mut sink = Count(0, 0);
    registry()[0].parse("distrokid.bank_details", &input, &mut sink)?;
    println!(
        "parse only: {:.2} s ({} records, {} rejected)",
        started.elapsed().as_secs_f64(),
        sink.0,
        sink.1
    );
    anyhow::ensure!(
        sink.0 == lines && sink.1 == 0,
        "parsed {} of {lines} lines, {} rejected",
        sink.0,
        sink.1
    );
    Ok(())
}

/// CPU seconds (user + system) of each thread of this process: (thread id, name, seconds). On
/// a shared machine the wall time varies with the other load; the loading thread's CPU time much
/// less.
fn thread_cpu() -> Vec<(String, String, f64)> {
    let mut out = Vec::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return out };
    for task in tasks.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
        // Fields after the parenthesised name: utime and stime are the 12th and 13th, in ticks.
        let fields: Vec<&str> =
            stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
        let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        let tid = task.file_name().to_string_lossy().into_owned();
        out.push((tid, comm.trim().to_string(), (ticks(11) + ticks(12)) / 100.0));
    }
    out
}

/// CPU seconds spent since `before`, by thread name, busiest first (the parser runs on a
/// blocking-pool thread, named like the runtime's workers).
fn cpu_since(before: &[(String, String, f64)]) -> String {
    let mut by_name: Vec<(String, f64)> = Vec::new();
    for (tid, name, secs) in thread_cpu() {
        let earlier = before.iter().find(|(t, _, _)| *t == tid).map_or(0.0, |(_, _, s)| *s);
        match by_name.iter_mut().find(|(n, _)| *n == name) {
            Some((_, total)) => *total += secs - earlier,
            None => by_name.push((name, secs - earlier)),
        }
    }
    by_name.sort_by(|a, b| b.1.total_cmp(&a.1));
    let busy: Vec<String> = by_name
        .into_iter()
        .filter(|(_, secs)| *secs >= 0.1)
        .map(|(name, secs)| format!("{name} {secs:.1} s"))
        .collect();
    busy.join(", ")
}

/// CPU seconds (user + system) of the whole process so far, threads that have ended included
/// (a thread that lives only during the import, such as the rollups' one, is gone from
/// `/proc/self/task` by the time the import returns).
fn process_cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// Imports one statement and prints its time, throughput and CPU time by thread.
async fn import(etl: &Etl, label: &str, file: &Path, lines: u64) -> anyhow::Result<()> {
    let cpu_before = thread_cpu();
    let process_before = process_cpu();
    let started = Instant::now();
    let report = etl.import(&[file.to_path_buf()], &ImportOptions::default(), Trigger::Cli, &Quiet).await?;
    let elapsed = started.elapsed();
    let f = &report.files[0];
    anyhow::ensure!(f.outcome == Outcome::Loaded, "the import failed: {:?}", f.message);
    anyhow::ensure!(f.rows_loaded == lines, "loaded {} of {lines} rows", f.rows_loaded);
    println!(
        "{label}: {:.2} s for {} rows ({:.0} rows/s)",
        elapsed.as_secs_f64(),
        f.rows_loaded,
        lines as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  CPU time: {:.1} s in all; by thread still running: {}",
        process_cpu() - process_before,
        cpu_since(&cpu_before)
    );
    Ok(())
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let smoke = smoke();
    let lines: u64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(if smoke {
        SMOKE_LINES
    } else {
        FULL_LINES
    });
    let work = tempfile::tempdir()?;
    let file = work.path().join("distrokid_bank_details.tsv");
    let size = generate(&file, lines, 0)?;
    println!("generated {lines} lines, {:.1} MB", size as f64 / 1e6);
    let rss_before = peak_rss_mb().unwrap_or(0.0);
    parse_only(&file, lines)?;

    let data = work.path().join("data");
    std::fs::create_dir_all(&data)?;
    let db = Database::open(&data.join("soundcheck.db")).await?;
    let etl = Etl::open(db.clone(), &data).await?;

    import(&etl, "import", &file, lines).await?;
    // The WAL goes into the database file in the background after an import; how long that
    // takes (whatever part the background checkpoint has not done yet).
    let started = Instant::now();
    loop {
        // (busy, frames in the WAL, frames copied): busy while the background one runs.
        let (busy, _, _): (i64, i64, i64) =
            sqlx::query_as("PRAGMA wal_checkpoint(FULL)").fetch_one(db.pool()).await?;
        if busy == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    println!("  then the WAL checkpoint (in the background): {:.2} s", started.elapsed().as_secs_f64());
    println!(
        "peak resident memory: {:.0} MB (before the import: {:.0} MB)",
        peak_rss_mb().unwrap_or(0.0),
        rss_before
    );
    let db_size = std::fs::metadata(data.join("soundcheck.db"))?.len()
        + std::fs::metadata(data.join("soundcheck.db-wal")).map(|m| m.len()).unwrap_or(0);
    println!("database size: {:.1} MB", db_size as f64 / 1e6);

    if std::env::var_os("BENCH_FIRST_ONLY").is_some() {
        return keep_if_asked(work);
    }
    let started = Instant::now();
    let again =
        etl.import(std::slice::from_ref(&file), &ImportOptions::default(), Trigger::Cli, &Quiet).await?;
    println!("same file again: {:.2} s ({:?})", started.elapsed().as_secs_f64(), again.files[0].outcome);
    anyhow::ensure!(
        again.files[0].outcome == Outcome::AlreadyImported,
        "the same file again was {:?}, not refused as already imported",
        again.files[0].outcome
    );

    // A second statement into the warehouse the first one filled: every line's key is looked up
    // among the stored ones, and its new keys go into a table that already holds a million.
    std::fs::remove_file(&file)?;
    let second = work.path().join("distrokid_bank_details_2.tsv");
    generate(&second, lines, 1)?;
    import(&etl, "another statement into the full warehouse", &second, lines).await?;
    db.close().await;
    if smoke {
        println!("smoke run ({lines} lines a statement) completed; its times are not checked");
    }
    keep_if_asked(work)
}

/// With `BENCH_KEEP` set, the data directory stays, to look inside the warehouse afterwards
/// (`sqlite3 DIR/data/soundcheck.db`).
fn keep_if_asked(work: tempfile::TempDir) -> anyhow::Result<()> {
    if std::env::var_os("BENCH_KEEP").is_some() {
        println!("kept: {}", work.keep().display());
    }
    Ok(())
}
