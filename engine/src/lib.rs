//! The server side of Soundcheck that both the web app's server functions and the `soundcheck`
//! binary use. Nothing here is compiled into the WASM bundle.

pub mod audit;
pub mod auth;
pub mod backup;
pub mod data_dir_lock;
pub mod db;
pub mod demo;
pub mod etl;
pub mod kpi;
pub mod lake;
pub mod live;
pub mod pull;
pub mod schedule;
pub mod sources;
pub mod time;
pub mod warehouse;

pub use db::{Database, DbError};
