//! The data lake on disk, under `<data dir>/lake`:
//! - `landing/`: files as they arrive (CLI, upload, API pull), each with a `.meta.json` sidecar
//!   holding what the import said about it. Nothing here is trusted.
//! - `raw/ab/abcdef…`: the exact bytes, stored once under their SHA-256, read-only, never
//!   rewritten. The warehouse can always be rebuilt from here.
//! - `archive/YYYY-MM-DD/`: landing files once processed.
//! - `rejected/YYYY-MM-DD/`: landing files rejected whole, with their notes (see `rejected`).
//!
//! Staging is in memory (typed records streamed to the loader); curated is the SQLite warehouse.

use std::{
    fs::{self, File},
    io::{self, BufReader, BufWriter, Read, Write},
    path::{Path, PathBuf},
};

mod rejected;

use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum LakeError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("the landing note {path} is not valid: {source}")]
    Meta { path: PathBuf, source: serde_json::Error },
    /// The landed bytes differ from those hashed when they landed: the file itself is bad
    /// (changed, or cut short by a crash), not the disk, so trying again cannot help.
    #[error(
        "{}: its bytes no longer match the hash taken when it landed (changed since, or cut short by a \
         crash); import it again",
        path.display()
    )]
    Changed { path: PathBuf },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> LakeError + '_ {
    move |source| LakeError::Io { path: path.to_path_buf(), source }
}

/// What the import said about a landed file (kept beside it until it is processed).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct LandingMeta {
    pub original_name: String,
    pub sha256: String,
    pub size_bytes: u64,
    pub received_at: String,
    pub source: Option<String>,
    pub artist: Option<String>,
    pub export_date: Option<NaiveDate>,
    /// How many times its processing started. Written before each start and never reset while
    /// it waits, so a file that stops every run (a crash, a storage failure) is found and
    /// rejected after a few instead of being tried forever.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub attempts: u32,
    /// Why its last attempt failed, or why it was rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A file waiting in landing.
#[derive(Clone, Debug)]
pub struct Landed {
    pub path: PathBuf,
    pub meta: LandingMeta,
    /// Why its note could not be read, when it could not: the file is then rejected, since
    /// without the note its bytes cannot be checked against what landed.
    pub broken_note: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Lake {
    root: PathBuf,
}

impl Lake {
    pub fn open(data_dir: &Path) -> Result<Self, LakeError> {
        let lake = Self { root: data_dir.join("lake") };
        for dir in ["landing", "raw", "archive", "tmp"] {
            let path = lake.root.join(dir);
            fs::create_dir_all(&path).map_err(io_err(&path))?;
        }
        Ok(lake)
    }

    pub fn landing_dir(&self) -> PathBuf {
        self.root.join("landing")
    }

    /// Scratch space on the same disk (uploads are streamed here before they land).
    pub fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Removes what stopped processes left half-written: the scratch space (upload folders, raw
    /// copies not yet named) and `.part` files in landing. Only the holder of the data
    /// directory's lock may call it: another process's files would be half-written too.
    /// Returns how many entries were removed.
    pub fn sweep_leftovers(&self) -> Result<usize, LakeError> {
        let mut removed = 0;
        let tmp = self.tmp_dir();
        for entry in fs::read_dir(&tmp).map_err(io_err(&tmp))? {
            let path = entry.map_err(io_err(&tmp))?.path();
            let gone = if path.is_dir() { fs::remove_dir_all(&path) } else { fs::remove_file(&path) };
            gone.map_err(io_err(&path))?;
            removed += 1;
        }
        let landing = self.landing_dir();
        for entry in fs::read_dir(&landing).map_err(io_err(&landing))? {
            let path = entry.map_err(io_err(&landing))?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            // A note whose file never got its landing name belongs to a copy cut short.
            let orphan_note =
                name.strip_suffix(".meta.json").is_some_and(|data| !landing.join(data).exists());
            if path.is_file() && (name.ends_with(".part") || orphan_note) {
                fs::remove_file(&path).map_err(io_err(&path))?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    pub fn raw_path(&self, sha256: &str) -> PathBuf {
        self.root.join("raw").join(sha256.get(..2).unwrap_or("00")).join(sha256)
    }

    /// Copies `source` into landing, hashing it on the way, and writes its sidecar note. The
    /// copy's flush to disk goes on in the background ([`LandingFlush::wait`] waits for it).
    ///
    /// Nothing needs the landed bytes on disk before the file is processed: its raw copy is
    /// flushed before its rows commit. Waiting here cost a 100 MB statement a fifth of a second
    /// with the other core idle. What a crash of the machine may leave is still safe to process:
    /// the note (with the bytes' hash) is on disk before the file gets its landing name, so a
    /// landed file cut short by the crash never passes for a complete file dropped into landing;
    /// its hash does not match, and the next run rejects it and says so.
    pub fn land(&self, source: &Path, mut meta: LandingMeta) -> Result<(Landed, LandingFlush), LakeError> {
        let stamp = Utc::now().format("%Y%m%dT%H%M%S%.6f");
        let safe = safe_file_name(&meta.original_name);
        let path = self.landing_dir().join(format!("{stamp}-{safe}"));
        let part = path.with_extension("part");
        let (sha256, size, file) = copy_while_hashing(source, &part)?;
        meta.sha256 = sha256;
        meta.size_bytes = size;
        if meta.received_at.is_empty() {
            meta.received_at = Utc::now().to_rfc3339();
        }
        write_meta(&path, &meta)?;
        let note = meta_path(&path);
        File::open(&note).and_then(|f| f.sync_all()).map_err(io_err(&note))?;
        fs::rename(&part, &path).map_err(io_err(&path))?;
        let flush = LandingFlush { flush: Flush::start(file, "landing-sync", &path)?, path: path.clone() };
        Ok((Landed { path, meta, broken_note: None }, flush))
    }

    /// Files waiting in landing, oldest first (a file without a note gets one computed now).
    pub fn waiting(&self) -> Result<Vec<Landed>, LakeError> {
        self.scan_landing(true)
    }

    /// Files in landing that Soundcheck landed itself (they have a note): what another process
    /// handed over. A file without a note may still be being copied in by hand; it waits for an
    /// explicit run.
    pub fn waiting_landed(&self) -> Result<Vec<Landed>, LakeError> {
        self.scan_landing(false)
    }

    fn scan_landing(&self, with_unnoted: bool) -> Result<Vec<Landed>, LakeError> {
        let dir = self.landing_dir();
        let mut files = Vec::new();
        for entry in fs::read_dir(&dir).map_err(io_err(&dir))? {
            let path = entry.map_err(io_err(&dir))?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if !path.is_file()
                || name.ends_with(".meta.json")
                || name.ends_with(".part")
                || name.starts_with('.')
            {
                continue;
            }
            let (meta, broken_note) = match read_meta(&path) {
                Ok(Some(meta)) => (meta, None),
                // One bad note must not stop every run from reading landing.
                Err(err @ LakeError::Meta { .. }) => {
                    let meta = LandingMeta { original_name: name.to_string(), ..LandingMeta::default() };
                    (meta, Some(err.to_string()))
                }
                Err(err) => return Err(err),
                Ok(None) if !with_unnoted => continue,
                Ok(None) => {
                    let (sha256, size_bytes) = match hash_file(&path) {
                        Ok(hashed) => hashed,
                        // Processed and moved out by another run while this one listed landing.
                        Err(LakeError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                            continue;
                        }
                        Err(err) => return Err(err),
                    };
                    let meta = LandingMeta {
                        original_name: name.to_string(),
                        sha256,
                        size_bytes,
                        received_at: Utc::now().to_rfc3339(),
                        ..LandingMeta::default()
                    };
                    write_meta(&path, &meta)?;
                    (meta, None)
                }
            };
            files.push(Landed { path, meta, broken_note });
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }

    /// Stores the landed bytes in raw under their hash, once. Where the file system allows, raw
    /// gets a second link to the landed file, made read-only, rather than a copy: the bytes
    /// are then on disk once for raw and archive together, and a 100 MB statement skips a
    /// fifth of a second of copying before its parse can start. Their hash is checked, and
    /// the file flushed to disk, on a thread while the file is parsed; [`RawCopy::finish`]
    /// waits for both before the file gets its raw name, and refuses bytes that no longer
    /// match the hash taken when they landed. Elsewhere the bytes are copied and checked at once.
    pub fn keep_raw(&self, landed: &Landed) -> Result<RawCopy, LakeError> {
        let raw = self.raw_path(&landed.meta.sha256);
        if raw.is_file() {
            return Ok(RawCopy { readable: raw.clone(), raw, pending: None });
        }
        let parent = raw.parent().unwrap_or(&self.root);
        fs::create_dir_all(parent).map_err(io_err(parent))?;
        let tmp = self.root.join("tmp").join(format!("{}.part", landed.meta.sha256));
        // A copy left by a crash may be read-only: start afresh.
        let _ = fs::remove_file(&tmp);
        if fs::hard_link(&landed.path, &tmp).is_ok() {
            set_readonly(&tmp)?;
            let check =
                Check { path: tmp.clone(), landed: landed.path.clone(), sha256: landed.meta.sha256.clone() };
            let on_thread = check.clone();
            let pending =
                match std::thread::Builder::new().name("raw-check".into()).spawn(move || on_thread.run()) {
                    Ok(handle) => Flush(Some(handle)),
                    Err(_) => {
                        check.run().inspect_err(|_| {
                            let _ = fs::remove_file(&tmp);
                        })?;
                        Flush(None)
                    }
                };
            return Ok(RawCopy { readable: tmp, raw, pending: Some(pending) });
        }
        let (sha256, _, file) = copy_hashing(&landed.path, &tmp)?;
        if sha256 != landed.meta.sha256 {
            let _ = fs::remove_file(&tmp);
            return Err(LakeError::Changed { path: landed.path.clone() });
        }
        set_readonly(&tmp)?;
        let flush = Flush::start(file, "raw-sync", &tmp)?;
        Ok(RawCopy { readable: tmp, raw, pending: Some(flush) })
    }

    /// Deletes archive days older than `keep_days` before `today` (raw keeps the bytes; the
    /// archive is only the landing copies). Returns how many days were removed.
    pub fn prune_archive(&self, keep_days: u32, today: NaiveDate) -> Result<usize, LakeError> {
        let dir = self.root.join("archive");
        let cutoff = today - chrono::Duration::days(i64::from(keep_days));
        let mut removed = 0;
        for entry in fs::read_dir(&dir).map_err(io_err(&dir))? {
            let path = entry.map_err(io_err(&dir))?.path();
            let day = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| NaiveDate::parse_from_str(n, "%Y-%m-%d").ok());
            if let Some(day) = day
                && day < cutoff
                && path.is_dir()
            {
                fs::remove_dir_all(&path).map_err(io_err(&path))?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Moves a processed landing file (and its note) into `archive/<today>/`.
    pub fn archive(&self, landed: &Landed) -> Result<(), LakeError> {
        let day = self.root.join("archive").join(Utc::now().format("%Y-%m-%d").to_string());
        fs::create_dir_all(&day).map_err(io_err(&day))?;
        let name = landed.path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        let target = day.join(&name);
        fs::rename(&landed.path, &target).map_err(io_err(&target))?;
        let note = meta_path(&landed.path);
        if note.is_file() {
            let _ = fs::rename(&note, meta_path(&target));
        }
        Ok(())
    }
}

/// A name safe to use inside the lake: no directories, no leading dots, no control characters.
pub fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .map(|c| if c.is_control() || matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|') { '_' } else { c })
        .collect();
    let cleaned = cleaned.trim_start_matches('.').trim();
    let cleaned: String = cleaned.chars().take(150).collect();
    if cleaned.is_empty() { "file".to_string() } else { cleaned }
}

fn meta_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".meta.json");
    path.with_file_name(name)
}

/// Writes a landed file's note whole or not at all: it is rewritten as processing starts (the
/// attempt count), and a process killed halfway through a plain write would leave an empty note
/// that makes an accepted file unreadable. The new note gets its name by a rename; a `.part`
/// left by a kill is swept at the next start.
fn write_meta(path: &Path, meta: &LandingMeta) -> Result<(), LakeError> {
    let note = meta_path(path);
    let json =
        serde_json::to_vec_pretty(meta).map_err(|source| LakeError::Meta { path: note.clone(), source })?;
    // Two runs may write the note of the same unnoted file at once: each through a scratch
    // file of its own (still ending in `.part`, so a crash's leftover is swept).
    let dir = note.parent().unwrap_or(Path::new("."));
    let mut part =
        tempfile::Builder::new().prefix(".note-").suffix(".part").tempfile_in(dir).map_err(io_err(dir))?;
    part.write_all(&json).map_err(io_err(part.path()))?;
    part.persist(&note).map_err(|e| LakeError::Io { path: note.clone(), source: e.error })?;
    Ok(())
}

fn read_meta(path: &Path) -> Result<Option<LandingMeta>, LakeError> {
    let note = meta_path(path);
    match fs::read(&note) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes).map(Some).map_err(|source| LakeError::Meta { path: note, source })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(LakeError::Io { path: note, source }),
    }
}

/// Bytes on their way into raw (see [`Lake::keep_raw`]).
#[derive(Debug)]
pub struct RawCopy {
    /// Where the bytes can be read now: the raw file, or its copy until `finish`.
    readable: PathBuf,
    raw: PathBuf,
    /// `None` when the bytes were in raw already.
    pending: Option<Flush>,
}

/// A file's flush to disk (and for a linked raw file, its check): under way on a thread, or
/// (`None`) done.
#[derive(Debug)]
struct Flush(Option<std::thread::JoinHandle<Result<(), LakeError>>>);

impl Flush {
    /// Flushes `file` (written at `path`) on a thread named `name`, or now if no thread can be had.
    fn start(file: File, name: &str, path: &Path) -> Result<Self, LakeError> {
        let on_thread = path.to_path_buf();
        match std::thread::Builder::new()
            .name(name.into())
            .spawn(move || file.sync_all().map_err(io_err(&on_thread)))
        {
            Ok(handle) => Ok(Self(Some(handle))),
            Err(_) => {
                File::open(path).and_then(|f| f.sync_all()).map_err(io_err(path))?;
                Ok(Self(None))
            }
        }
    }

    fn wait(self, path: &Path) -> Result<(), LakeError> {
        let Some(handle) = self.0 else { return Ok(()) };
        handle.join().unwrap_or_else(|_| Err(io_err(path)(io::Error::other("the flush to disk failed"))))
    }
}

/// The check of a raw file linked to its landed file: its bytes hash as noted when they
/// landed, and they are on disk.
#[derive(Clone)]
struct Check {
    path: PathBuf,
    landed: PathBuf,
    sha256: String,
}

impl Check {
    fn run(self) -> Result<(), LakeError> {
        let (sha256, _) = hash_file(&self.path)?;
        if sha256 != self.sha256 {
            return Err(LakeError::Changed { path: self.landed });
        }
        File::open(&self.path).and_then(|f| f.sync_all()).map_err(io_err(&self.path))
    }
}

fn set_readonly(path: &Path) -> Result<(), LakeError> {
    let mut perms = fs::metadata(path).map_err(io_err(path))?.permissions();
    perms.set_readonly(true);
    fs::set_permissions(path, perms).map_err(io_err(path))
}

/// A landed file's flush to disk (see [`Lake::land`]).
#[derive(Debug)]
pub struct LandingFlush {
    path: PathBuf,
    flush: Flush,
}

impl LandingFlush {
    /// Waits until the landed bytes are on disk.
    pub fn wait(self) -> Result<(), LakeError> {
        self.flush.wait(&self.path)
    }
}

impl RawCopy {
    pub fn path(&self) -> &Path {
        &self.readable
    }

    /// Waits until the copy is on disk (and checked), then gives it its raw name. Returns the
    /// raw path. A copy that fails is removed.
    pub fn finish(self) -> Result<PathBuf, LakeError> {
        let Some(flush) = self.pending else { return Ok(self.raw) };
        let tmp = &self.readable;
        if let Err(err) = flush.wait(tmp) {
            let _ = fs::remove_file(tmp);
            return Err(err);
        }
        fs::rename(tmp, &self.raw).map_err(io_err(&self.raw))?;
        Ok(self.raw)
    }
}

/// Copies `from` to `to` while another thread hashes `from`, and returns the SHA-256 (hex) and
/// size of `from` and the written file (not yet flushed to disk). The copy is the kernel's
/// (no pass through this process), and the hash, a third of the work, no longer waits for it:
/// for a 100 MB file that was a tenth of a second before its parse could start. Bytes that
/// changed between the copy and the hash are noticed when the copy is checked on its way into
/// raw (see [`Lake::keep_raw`]), and a size that changed is an error now.
fn copy_while_hashing(from: &Path, to: &Path) -> Result<(String, u64, File), LakeError> {
    let source = from.to_path_buf();
    let hashing = std::thread::Builder::new().name("landing-hash".into()).spawn(move || hash_file(&source));
    let Ok(hashing) = hashing else { return copy_hashing(from, to) };
    let copied = fs::copy(from, to).map_err(io_err(to));
    let hashed = hashing.join().unwrap_or_else(|_| Err(io_err(from)(io::Error::other("hashing it failed"))));
    let (copied, (sha256, size)) = (copied?, hashed?);
    if copied != size {
        let _ = fs::remove_file(to);
        return Err(io_err(from)(io::Error::other("it changed while it was being landed; import it again")));
    }
    // The copy has the source's permissions, maybe read-only: opened to be flushed, not written.
    let file = File::open(to).map_err(io_err(to))?;
    Ok((sha256, size, file))
}

/// Copies `from` to `to` and returns the SHA-256 (hex) and size of the bytes copied, and the
/// written file (not yet flushed to disk).
pub(crate) fn copy_hashing(from: &Path, to: &Path) -> Result<(String, u64, File), LakeError> {
    let mut reader = BufReader::with_capacity(1 << 20, File::open(from).map_err(io_err(from))?);
    let out = File::create(to).map_err(io_err(to))?;
    let mut writer = BufWriter::with_capacity(1 << 20, out);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = reader.read(&mut buf).map_err(io_err(from))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        writer.write_all(&buf[..n]).map_err(io_err(to))?;
        size += n as u64;
    }
    let file =
        writer.into_inner().map_err(|e| LakeError::Io { path: to.to_path_buf(), source: e.into_error() })?;
    Ok((hex(&hasher.finalize()), size, file))
}

fn hash_file(path: &Path) -> Result<(String, u64), LakeError> {
    let mut reader = BufReader::with_capacity(1 << 20, File::open(path).map_err(io_err(path))?);
    let mut hasher = Sha256::new();
    let size = io::copy(&mut reader, &mut hasher).map_err(io_err(path))?;
    Ok((hex(&hasher.finalize()), size))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lake in a fresh directory, and `bytes` written to `name` there and landed (on disk).
    fn landed(name: &str, bytes: &[u8]) -> (tempfile::TempDir, Lake, PathBuf, Landed) {
        let dir = tempfile::tempdir().expect("tempdir");
        let lake = Lake::open(dir.path()).expect("lake");
        let src = dir.path().join(name);
        fs::write(&src, bytes).expect("write");
        let (landed, flush) = lake
            .land(&src, LandingMeta { original_name: name.into(), ..LandingMeta::default() })
            .expect("land");
        flush.wait().expect("on disk");
        (dir, lake, src, landed)
    }

    #[test]
    fn lands_keeps_raw_once_and_archives() {
        let (_dir, lake, src, landed) = landed("export.csv", b"abc");
        assert_eq!(landed.meta.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(landed.meta.size_bytes, 3);
        assert_eq!(lake.waiting().expect("waiting").len(), 1);

        let copy = lake.keep_raw(&landed).expect("raw");
        // Readable at once, under its raw name only once it is on disk.
        assert_eq!(fs::read(copy.path()).expect("read the copy"), b"abc");
        let raw_path = lake.raw_path(&landed.meta.sha256);
        assert!(!raw_path.exists());
        let raw = copy.finish().expect("finish");
        assert_eq!(raw, raw_path);
        assert_eq!(fs::read(&raw).expect("read"), b"abc");
        assert!(fs::metadata(&raw).expect("meta").permissions().readonly());
        // a second copy of the same bytes is not stored again
        let again = lake.keep_raw(&landed).expect("raw again");
        assert_eq!(again.path(), raw);
        assert_eq!(again.finish().expect("finish again"), raw);

        lake.archive(&landed).expect("archive");
        assert!(lake.waiting().expect("waiting").is_empty());
        assert_eq!(fs::read(&src).expect("source untouched"), b"abc");
        // Raw may share its bytes with the archive copy: pruning the archive leaves them.
        let after_today = Utc::now().date_naive() + chrono::Days::new(2);
        assert_eq!(lake.prune_archive(0, after_today).expect("prune"), 1);
        assert_eq!(fs::read(&raw).expect("raw kept"), b"abc");
    }

    /// What a crash of the machine during the landing flush may leave: the file under its
    /// landing name but cut short. Its note came first, so it is not taken for a new file.
    #[test]
    fn a_landed_file_cut_short_is_refused_not_loaded() {
        let (_dir, lake, _src, landed) = landed("statement.tsv", b"line 1\nline 2\n");
        fs::write(&landed.path, b"line 1\n").expect("cut short");

        let waiting = lake.waiting().expect("waiting");
        assert_eq!(waiting.len(), 1);
        assert_eq!(waiting[0].meta.sha256, landed.meta.sha256, "the note's hash, not the cut file's");
        // Refused when kept (a copy) or when its raw name is due (a link, checked meanwhile).
        let err = lake.keep_raw(&waiting[0]).and_then(RawCopy::finish).expect_err("refused");
        assert!(err.to_string().contains("no longer match the hash"), "{err}");
        assert!(!lake.raw_path(&landed.meta.sha256).exists());
        assert!(!lake.root.join("tmp").join(format!("{}.part", landed.meta.sha256)).exists(), "no copy left");
    }

    #[test]
    fn archive_days_past_the_retention_are_removed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let lake = Lake::open(dir.path()).expect("lake");
        for day in ["2025-01-01", "2025-03-01", "2025-03-30", "notes"] {
            fs::create_dir_all(dir.path().join("lake/archive").join(day)).expect("mkdir");
        }
        let today = NaiveDate::from_ymd_opt(2025, 3, 31).expect("date");
        assert_eq!(lake.prune_archive(30, today).expect("prune"), 1);
        let mut left: Vec<String> = fs::read_dir(dir.path().join("lake/archive"))
            .expect("read")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        left.sort();
        assert_eq!(left, ["2025-03-01", "2025-03-30", "notes"]);
    }

    #[test]
    fn file_names_cannot_escape_the_lake() {
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name("..\\..\\x.csv"), "x.csv");
        assert_eq!(safe_file_name(".hidden"), "hidden");
        assert_eq!(safe_file_name("a\u{0}b?.csv"), "a_b_.csv");
        assert_eq!(safe_file_name(""), "file");
        assert_eq!(safe_file_name("Table data.csv"), "Table data.csv");
    }

    #[test]
    fn files_dropped_into_landing_without_a_note_are_picked_up() {
        let dir = tempfile::tempdir().expect("tempdir");
        let lake = Lake::open(dir.path()).expect("lake");
        fs::write(lake.landing_dir().join("dropped.tsv"), b"x").expect("write");
        fs::write(lake.landing_dir().join("upload.part"), b"partial").expect("write");
        let waiting = lake.waiting().expect("waiting");
        assert_eq!(waiting.len(), 1);
        assert_eq!(waiting[0].meta.original_name, "dropped.tsv");
        assert_eq!(waiting[0].meta.size_bytes, 1);
    }
}
