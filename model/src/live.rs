//! The messages the server pushes over the live WebSocket (`/live`).
//!
//! Every message carries `seq`: the number of the last durable event (run started/finished, file
//! finished, data changed). A client that reconnects sends the last `seq` it saw and the server's
//! `boot` id; the server replays what it still holds after that, or answers `resync: true` when it
//! cannot (restarted, or too far behind), and the client then reloads its data.

use serde::{Deserialize, Serialize};

use crate::SourceId;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveMessage {
    pub seq: u64,
    #[serde(flatten)]
    pub event: LiveEvent,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// First message of a connection. `resync`: what was missed cannot be replayed.
    Hello {
        boot: String,
        resync: bool,
    },
    /// Sent every few seconds so both ends notice a dead connection.
    Heartbeat,
    /// The warehouse changed: figures of these sources may differ now (an empty list: any).
    DataChanged {
        run_id: i64,
        sources: Vec<SourceId>,
        /// When the change was committed (Unix milliseconds): "data as of".
        at_ms: i64,
    },
    RunStarted {
        run_id: i64,
        trigger: String,
        kind: String,
        source: Option<SourceId>,
        files: u64,
    },
    FileStarted {
        run_id: i64,
        index: u64,
        total: u64,
        name: String,
        size_bytes: u64,
    },
    /// Not durable: only the latest matters, and it is never replayed.
    FileProgress {
        run_id: i64,
        bytes_read: u64,
        size_bytes: u64,
        rows: u64,
    },
    FileFinished {
        run_id: i64,
        file: RunFileResult,
    },
    RunFinished {
        run_id: i64,
        /// As [`crate::RunSummary::status`].
        status: String,
        /// A run that did nothing (`nothing_to_do`): why, and what would give it work.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
}

impl LiveEvent {
    /// Events that only admins receive (runs name files and their errors).
    pub fn admin_only(&self) -> bool {
        !matches!(self, LiveEvent::Hello { .. } | LiveEvent::Heartbeat | LiveEvent::DataChanged { .. })
    }

    /// Events kept for replay after a reconnect.
    pub fn durable(&self) -> bool {
        !matches!(self, LiveEvent::Hello { .. } | LiveEvent::Heartbeat | LiveEvent::FileProgress { .. })
    }
}

/// How one file of a run went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunFileResult {
    pub name: String,
    /// What it was recognised as (`distrokid`, `exchange_rates`…).
    pub source: Option<String>,
    /// `loaded`, `already_imported` or `rejected`.
    pub outcome: String,
    pub rows_read: i64,
    pub rows_loaded: i64,
    pub rows_rejected: i64,
    pub rows_skipped: i64,
    pub message: Option<String>,
    /// A rejected file kept in the lake: the run file's id, for its download at
    /// `/admin/runs/{run}/files/{id}`.
    #[serde(default)]
    pub kept_file: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_shape_is_flat_and_tagged() {
        let m = LiveMessage {
            seq: 7,
            event: LiveEvent::DataChanged { run_id: 3, sources: vec![SourceId::Distrokid], at_ms: 5 },
        };
        let json = serde_json::to_string(&m).expect("json");
        assert_eq!(json, r#"{"seq":7,"type":"data_changed","run_id":3,"sources":["distrokid"],"at_ms":5}"#);
        let back: LiveMessage = serde_json::from_str(&json).expect("parse");
        assert_eq!(back, m);
    }

    #[test]
    fn audiences() {
        assert!(!LiveEvent::DataChanged { run_id: 1, sources: vec![], at_ms: 0 }.admin_only());
        assert!(LiveEvent::RunFinished { run_id: 1, status: "succeeded".into(), note: None }.admin_only());
        assert!(!LiveEvent::FileProgress { run_id: 1, bytes_read: 0, size_bytes: 0, rows: 0 }.durable());
    }
}
