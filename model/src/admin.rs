//! What the admin page shows: sources with their schedules, runs, quarantined rows, the audit log.

use serde::{Deserialize, Serialize};

use crate::{RunFileResult, SourceId};

/// A source as the admin page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceAdmin {
    pub source: SourceId,
    /// Five-field cron expression, in the server's time zone.
    pub cron: String,
    pub enabled: bool,
    /// The next scheduled run, when enabled, as the page shows it: `2026-11-27 06:00 Europe/Berlin`.
    pub next_run: Option<String>,
    /// The IANA time zone the schedules run in (the server's `time_zone`).
    #[serde(default)]
    pub time_zone: String,
    /// A run of this source is going on now.
    pub running: bool,
    pub last_run: Option<RunSummary>,
    /// The last run's error, or the reason its last rejected file gave.
    pub last_error: Option<String>,
    pub files_loaded: i64,
    pub values: i64,
    /// Days since the latest day of data (`None`: no data).
    pub freshness_days: Option<i64>,
    /// An API source whose credentials were refused: it stops until an admin reconnects it.
    pub needs_reconnect: bool,
    /// Its API is connected (runs pull it).
    pub api_connected: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSummary {
    pub id: i64,
    /// `cli`, `schedule`, `admin` or `upload`.
    pub trigger: String,
    /// `import`, `etl` or `rebuild`.
    pub kind: String,
    pub source: Option<SourceId>,
    /// RFC 3339; as the admin pages get it, with the offset of `time_zone`.
    pub started_at: String,
    pub finished_at: Option<String>,
    /// The IANA time zone `started_at` and `finished_at` are given in (empty: UTC).
    #[serde(default)]
    pub time_zone: String,
    /// `running`, `succeeded`, `partial`, `failed`, `interrupted`, or `nothing_to_do` (a run that
    /// found nothing to process: `note` says why).
    pub status: String,
    pub files_total: i64,
    pub files_loaded: i64,
    pub files_rejected: i64,
    pub files_skipped: i64,
    pub rows_read: i64,
    pub rows_loaded: i64,
    pub rows_rejected: i64,
    pub error: Option<String>,
    /// A run that did nothing: why, and what would give it work.
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunDetail {
    pub run: RunSummary,
    pub files: Vec<RunFileResult>,
    /// The first quarantined rows (all of them are in the CSV download).
    pub quarantined: Vec<QuarantinedRow>,
    pub quarantined_total: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantinedRow {
    pub file_name: String,
    pub line: Option<i64>,
    pub column: Option<String>,
    pub reason: String,
    pub content: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    /// RFC 3339.
    pub at: String,
    pub actor: String,
    /// e.g. `user.add`, `source.run`, `schedule.set`, `upload`.
    pub action: String,
    pub detail: String,
}
