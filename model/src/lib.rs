//! Types that cross the wire between the server and the WASM dashboard.
//!
//! This crate must stay free of server-only dependencies (sqlx, tokio, reqwest): it is compiled
//! into the browser bundle.

mod admin;
mod attribution;
mod chart;
mod connection;
pub mod csv_cell;
pub mod format;
mod kpi;
mod live;
mod report;
mod role;
mod source;
mod user;

pub use admin::{AuditEntry, QuarantinedRow, RunDetail, RunSummary, SourceAdmin};
pub use attribution::{Attribution, AttributionRule, RULE_KINDS, Unattributed};
pub use chart::{ChartData, ChartId, Series, SeriesKind, Unit};
pub use connection::{ApiConnection, CatalogueArtist, ConnectMethod, Connections, NEEDS_SECRET_KEY};
pub use kpi::{Area, Basis, KpiId, KpiKind};
pub use live::{LiveEvent, LiveMessage, RunFileResult};
pub use report::{ArtistRow, Catalogue, CatalogueRow, CatalogueSort, Coverage, KpiReport, KpiValue};
pub use role::{ParseRoleError, Role};
pub use source::{ParseSourceError, SourceId, SourceKind, SourceStatus};
pub use user::UserInfo;
