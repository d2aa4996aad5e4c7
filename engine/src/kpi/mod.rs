//! The KPI engine (in progress): the period rules every KPI shares. The catalogue itself is
//! `model::KpiId`.

pub mod period;

pub use period::{Period, PeriodError};
