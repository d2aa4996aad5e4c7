//! The KPI engine: every KPI of the catalogue (`model::KpiId`) computed in one place, with the
//! period, currency, artist and streams rules of the contract.

pub mod artist;
pub mod artists;
pub mod attribution;
pub mod campaigns;
pub mod catalogue;
pub mod charts;
pub mod coverage;
pub mod currency;
pub mod daily;
pub mod email;
pub mod freshness;
pub mod json;
pub mod names;
pub mod period;
pub mod report;
pub mod statements;
pub mod unattributed;

pub use period::{Period, PeriodError};
pub use report::{KpiError, KpiQuery, report};
