//! The command line. Usage errors exit with 2 (clap), failures with 1.

mod backup;
mod demo;
mod import;
mod kpi;
mod progress;
mod serve;
mod user;

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};

use crate::config::{Flags, Settings};

#[derive(Debug, Parser)]
#[command(
    name = "soundcheck",
    version,
    about = "Music-industry analytics: your streams, royalties, ads and audience in one place"
)]
pub struct Cli {
    /// Directory holding the database and the data lake [env: SOUNDCHECK_DATA_DIR] [default: ./data]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// TOML config file [default: soundcheck.toml in the data directory, when present]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web app
    Serve {
        /// Address to listen on [env: SOUNDCHECK_LISTEN] [default: 127.0.0.1:3000]
        #[arg(long, value_name = "HOST:PORT")]
        listen: Option<String>,
        /// The URL browsers reach Soundcheck at, when behind a proxy; requests that change
        /// something must come from its origin [env: SOUNDCHECK_PUBLIC_URL]
        #[arg(long, value_name = "URL")]
        public_url: Option<String>,
        /// The IANA time zone schedules run in and the Admin page shows run times in, e.g.
        /// Europe/Berlin [env: SOUNDCHECK_TIME_ZONE] [default: UTC]
        #[arg(long, value_name = "ZONE")]
        time_zone: Option<String>,
    },
    /// Land export files and load them into the warehouse; exit 1 if any file is rejected
    Import(import::ImportArgs),
    /// Run the ETL: process landing, or rebuild the warehouse from raw
    Etl {
        #[command(subcommand)]
        command: import::EtlCommand,
    },
    /// Print every KPI for a period; exit 2 for bad dates or options, 1 for an unknown artist
    Kpi(kpi::KpiArgs),
    /// Write realistic demo exports for every source and import them
    Demo,
    /// Copy the database and the raw zone into DEST (a new or empty folder), also while the
    /// server runs
    Backup {
        #[arg(value_name = "DEST")]
        dest: PathBuf,
    },
    /// Put a backup taken by `soundcheck backup` back (the server must be stopped)
    Restore {
        #[arg(value_name = "SRC")]
        src: PathBuf,
    },
    /// Manage users
    User {
        #[command(subcommand)]
        command: user::UserCommand,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let (listen, public_url, time_zone) = match &cli.command {
        Command::Serve { listen, public_url, time_zone } => {
            (listen.clone(), public_url.clone(), time_zone.clone())
        }
        _ => (None, None, None),
    };
    let flags = Flags { data_dir: cli.data_dir, config: cli.config, listen, public_url, time_zone };
    let settings = Settings::from_env(&flags)?;
    match cli.command {
        Command::Serve { .. } => serve::run(&settings).await,
        Command::Import(args) => import::import(&settings, args).await,
        Command::Etl { command } => import::etl(&settings, command).await,
        Command::Kpi(args) => kpi::run(&settings, args).await,
        Command::Demo => demo::run(&settings).await,
        Command::Backup { dest } => backup::backup(&settings, &dest).await,
        Command::Restore { src } => backup::restore(&settings, &src).await,
        Command::User { command } => user::run(&settings, command).await,
    }
}
