//! Property test: no input makes a parser panic. Every fixture of every format is mutated many
//! times (bytes flipped, cut short, lines duplicated or swapped, delimiters, quotes and invalid
//! UTF-8 thrown in) and handed to detection and to every connector's parser for that format.
//! Whatever the verdict (records, row errors, a file error), it must not be a panic.

use std::{
    panic::{AssertUnwindSafe, catch_unwind},
    path::{Path, PathBuf},
    sync::{Arc, atomic::AtomicU64},
};

use engine::{
    sources::{FileFacts, Flow, Input, RecordSink, RowError, SAMPLE_BYTES, Sample, registry},
    warehouse::Record,
};

struct Count(u64);

impl RecordSink for Count {
    fn record(&mut self, _: u64, _: Record) -> Flow {
        self.0 += 1;
        Flow::Continue
    }

    fn reject(&mut self, _: RowError) -> Flow {
        self.0 += 1;
        Flow::Continue
    }
}

/// A small deterministic generator, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

const NASTY: &[&[u8]] = &[
    b"\"",
    b",",
    b"\t",
    b"\r",
    b"\n",
    b"\r\n",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"-",
    b"1e400",
    b"99999999999999999999999",
    b"0.0000000000000000000000000001",
    b"2024-02-30",
    b"Total",
    b"{",
    b"}",
    b"[",
    b"]",
    b"null",
    b"\"\"",
    b"\x00",
    b"PK\x03\x04",
    b"Dec 32",
    b"Feb 29",
    b"%",
    b"$",
    b"-0",
];

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        match rng.below(6) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] = (rng.next() & 0xff) as u8;
            }
            1 => {
                let cut = rng.below(out.len() + 1);
                out.truncate(cut);
            }
            2 => {
                let at = rng.below(out.len() + 1);
                let piece = NASTY[rng.below(NASTY.len())];
                out.splice(at..at, piece.iter().copied());
            }
            3 if !out.is_empty() => {
                let a = rng.below(out.len());
                let b = (a + rng.below(200)).min(out.len());
                let copy = out[a..b].to_vec();
                let at = rng.below(out.len() + 1);
                out.splice(at..at, copy);
            }
            4 if !out.is_empty() => {
                let a = rng.below(out.len());
                let b = (a + 1 + rng.below(40)).min(out.len());
                out.drain(a..b);
            }
            _ => {
                let junk: Vec<u8> = (0..rng.below(64)).map(|_| (rng.next() & 0xff) as u8).collect();
                let at = rng.below(out.len() + 1);
                out.splice(at..at, junk);
            }
        }
    }
    out
}

fn fixtures(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("fixtures dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            fixtures(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn run_all(name: &str, bytes: &[u8], formats: &[(usize, &'static str)], scratch: &Path) {
    let path = scratch.join(name);
    std::fs::write(&path, bytes).expect("write");
    let head = bytes[..bytes.len().min(SAMPLE_BYTES)].to_vec();
    let connectors = registry();
    let mut tries: Vec<(usize, &'static str)> = formats.to_vec();
    for (i, c) in connectors.iter().enumerate() {
        if let Some(d) = c.detect(&Sample { name, head: &head }) {
            tries.push((i, d.format));
        }
    }
    for (i, format) in tries {
        let input = Input {
            path: path.clone(),
            name: name.to_string(),
            head: head.clone(),
            facts: FileFacts {
                artist: Some("Fuzz".into()),
                export_date: chrono::NaiveDate::from_ymd_opt(2025, 5, 27),
                window_days: Some(28),
            },
            bytes_read: Arc::new(AtomicU64::new(0)),
        };
        let result = catch_unwind(AssertUnwindSafe(|| {
            let _ = connectors[i].parse(format, &input, &mut Count(0));
        }));
        if result.is_err() {
            let keep = std::env::temp_dir().join(format!("soundcheck-panic-{name}"));
            let _ = std::fs::write(&keep, bytes);
            panic!(
                "{} parser ({format}) panicked on an input saved to {}",
                connectors[i].id(),
                keep.display()
            );
        }
    }
}

#[test]
fn no_input_makes_a_parser_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files = Vec::new();
    fixtures(&root, &mut files);
    files.sort();
    assert!(!files.is_empty());
    let scratch = tempfile::tempdir().expect("tempdir");
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let rounds: usize = std::env::var("FUZZ_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(150);

    for file in &files {
        let original = std::fs::read(file).expect("read fixture");
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("fixture").to_string();
        let head = &original[..original.len().min(SAMPLE_BYTES)];
        let formats: Vec<(usize, &'static str)> = registry()
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.detect(&Sample { name: &name, head }).map(|d| (i, d.format)))
            .collect();
        for _ in 0..rounds {
            let bytes = mutate(&mut rng, &original);
            run_all(&name, &bytes, &formats, scratch.path());
        }
    }
    // Pure noise and empty files too.
    for len in [0usize, 1, 3, 100, 5000] {
        let bytes: Vec<u8> = (0..len).map(|_| (rng.next() & 0xff) as u8).collect();
        run_all("noise.csv", &bytes, &[], scratch.path());
    }
}
