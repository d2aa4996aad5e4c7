//! Helpers for the connectors' unit tests: run a parser on bytes and keep what it sends.

use std::sync::{Arc, atomic::AtomicU64};

use super::{Connector, FileError, FileFacts, Flow, Input, RecordSink, RowError};
use crate::warehouse::Record;

/// Keeps every record and every rejected row.
#[derive(Default)]
pub struct Collect {
    pub records: Vec<(u64, Record)>,
    pub rejects: Vec<RowError>,
}

impl RecordSink for Collect {
    fn record(&mut self, line: u64, record: Record) -> Flow {
        self.records.push((line, record));
        Flow::Continue
    }

    fn reject(&mut self, error: RowError) -> Flow {
        self.rejects.push(error);
        Flow::Continue
    }
}

/// Parses `bytes` (written to a temporary file named `name`) as `format`.
pub fn parse_bytes(
    connector: &dyn Connector,
    format: &'static str,
    name: &str,
    bytes: &[u8],
    facts: FileFacts,
) -> (Result<(), FileError>, Collect) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("raw");
    std::fs::write(&path, bytes).expect("write");
    let input = Input {
        path,
        name: name.to_string(),
        head: bytes.to_vec(),
        facts,
        bytes_read: Arc::new(AtomicU64::new(0)),
    };
    let mut sink = Collect::default();
    let result = connector.parse(format, &input, &mut sink);
    (result, sink)
}
