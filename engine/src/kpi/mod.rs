//! The KPI engine (in progress): the period and currency rules every KPI shares. The catalogue is
//! `model::KpiId`.

pub mod artist;
pub mod currency;
pub mod freshness;
pub mod period;

pub use period::{Period, PeriodError};
