use std::{io::BufRead, process::ExitCode};

use anyhow::Context as _;
use clap::{Subcommand, ValueEnum};
use engine::{
    Database,
    auth::{Password, UserName, UserStore},
};
use model::Role;

use crate::config::Settings;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Admin,
    Viewer,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Admin => Role::Admin,
            RoleArg::Viewer => Role::Viewer,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is the first line of standard input
    Add {
        /// The user name (compared case-insensitively)
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
    },
}

/// The first line of `input` without its line ending.
fn read_password(mut input: impl BufRead) -> std::io::Result<String> {
    let mut line = String::new();
    input.read_line(&mut line)?;
    let line = line.strip_suffix('\n').unwrap_or(&line);
    Ok(line.strip_suffix('\r').unwrap_or(line).to_string())
}

pub async fn run(settings: &Settings, command: UserCommand) -> anyhow::Result<ExitCode> {
    match command {
        UserCommand::Add { name, role } => {
            let name = match UserName::parse(&name) {
                Ok(n) => n,
                Err(err) => return fail(&err),
            };
            let password = read_password(std::io::stdin().lock())
                .context("cannot read the password from standard input")?;
            let password = match Password::parse(password) {
                Ok(p) => p,
                Err(err) => return fail(&format!("{err} (give it as the first line of standard input)")),
            };
            std::fs::create_dir_all(&settings.data_dir).with_context(|| {
                format!("cannot create the data directory {}", settings.data_dir.display())
            })?;
            let db = Database::open(&settings.database_path()).await?;
            match UserStore::new(&db).create(&name, role.into(), password).await {
                Ok(user) => {
                    println!("added {} user {:?}", user.role, user.name);
                    Ok(ExitCode::SUCCESS)
                }
                Err(err @ engine::auth::UserError::Exists(_)) => fail(&err),
                Err(err) => Err(err.into()),
            }
        }
    }
}

fn fail(err: &dyn std::fmt::Display) -> anyhow::Result<ExitCode> {
    eprintln!("error: {err}");
    Ok(ExitCode::FAILURE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_is_the_first_line_without_its_ending() {
        assert_eq!(read_password(&b"s3cret\nsecond"[..]).expect("read"), "s3cret");
        assert_eq!(read_password(&b"s3cret\r\n"[..]).expect("read"), "s3cret");
        assert_eq!(read_password(&b"no newline"[..]).expect("read"), "no newline");
        assert_eq!(read_password(&b"\n"[..]).expect("read"), "");
        assert_eq!(read_password(&b" spaced \n"[..]).expect("read"), " spaced ");
    }
}
