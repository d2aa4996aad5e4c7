//! The `soundcheck` binary's library: configuration, the web server and the command line.
//!
//! - [`config`]: settings from flags, environment, config file and defaults.
//! - [`web`]: the Axum router — Leptos pages and server functions, sign-in, health probes.
//! - [`cli`]: the subcommands.

pub mod cli;
pub mod config;
pub mod telemetry;
pub mod web;
