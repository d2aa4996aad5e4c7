//! The README and `docs/` stay true: every `soundcheck` command and flag they show exists, every
//! `SOUNDCHECK_*` variable they name is read by something, every variable the server reads is in
//! the configuration reference, and the reference's config file is one the server accepts, with
//! every key it knows.

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use server::{
    cli::Cli,
    config::{ApiFile, ConfigFile},
};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// (file name, text) of the README and every document in `docs/`.
fn documents() -> Vec<(String, String)> {
    let mut paths = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    paths.extend(docs);
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("document");
            (p.file_name().unwrap_or_default().to_string_lossy().into_owned(), text)
        })
        .collect()
}

/// The code a document shows: its code blocks' lines (without `#` comments) and its inline code
/// spans, one string each, with the document's name and line.
fn code(name: &str, text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut in_block = false;
    for (i, line) in text.lines().enumerate() {
        let at = format!("{name}:{}", i + 1);
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if in_block {
            let code = line.split(" #").next().unwrap_or_default();
            out.push((at, code.to_string()));
        } else {
            out.extend(line.split('`').skip(1).step_by(2).map(|span| (at.clone(), span.to_string())));
        }
    }
    out
}

/// Each `soundcheck …` command in `code` (a shell line: commands joined by `&&`, `;` or `|`), as
/// the words that follow the binary.
fn commands(code: &str) -> Vec<Vec<String>> {
    code.split(['&', ';', '|'])
        .filter_map(|command| {
            let mut words = command.split_whitespace();
            let program = words.next()?;
            (program == "soundcheck" || program.ends_with("/soundcheck"))
                .then(|| words.map(str::to_string).collect())
        })
        .collect()
}

fn long_flags(command: &clap::Command) -> Vec<String> {
    command.get_arguments().filter_map(|a| a.get_long().map(|l| format!("--{l}"))).collect()
}

/// Why `words` (what follows `soundcheck`) is not a command of the binary, if it is not.
fn check_command(words: &[String]) -> Result<(), String> {
    let cli = Cli::command();
    let global = long_flags(&cli);
    let mut words = words.iter().map(|w| w.trim_matches(|c| matches!(c, '[' | ']' | ',' | ';' | ')')));
    // Global flags (and their values) may come first.
    let mut sub = loop {
        match words.next() {
            Some(flag) if global.iter().any(|g| g == flag) => {
                words.next();
            }
            // A placeholder (`<command>`) stands for any command.
            Some(word) if word.starts_with('<') => return Ok(()),
            Some(word) => break word.to_string(),
            None => return Ok(()),
        }
    };
    let mut command =
        cli.find_subcommand(&sub).ok_or_else(|| format!("`soundcheck {sub}` is not a command"))?.clone();
    let mut words: Vec<&str> = words.collect();
    if command.has_subcommands() {
        let Some(next) = words.first().copied() else { return Ok(()) };
        if !next.starts_with('-') {
            command = command
                .find_subcommand(next)
                .ok_or_else(|| format!("`soundcheck {sub} {next}` is not a command"))?
                .clone();
            sub = format!("{sub} {next}");
            words.remove(0);
        }
    }
    let flags = long_flags(&command);
    for word in words.into_iter().filter(|w| w.starts_with("--")) {
        let flag = word.split(['=', '|']).next().unwrap_or_default();
        if !flags.iter().chain(&global).any(|f| f == flag) {
            return Err(format!("`soundcheck {sub}` has no flag {flag}"));
        }
    }
    Ok(())
}

#[test]
fn every_command_and_flag_the_documents_show_exists() {
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (name, text) in documents() {
        for (at, code) in code(&name, &text) {
            for words in commands(&code) {
                checked += 1;
                if let Err(why) = check_command(&words) {
                    wrong.push(format!("{at}: {why}"));
                }
            }
        }
    }
    assert!(checked > 10, "only {checked} commands found: the search is broken");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_check_refuses_what_does_not_exist() {
    let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    assert!(check_command(&words("--data-dir /x etl rebuild")).is_ok());
    assert!(check_command(&words("import [--source ID] [--artist NAME] FILE...")).is_ok());
    assert!(check_command(&words("exprot FILE")).is_err());
    assert!(check_command(&words("etl rerun")).is_err());
    assert!(check_command(&words("serve --port 80")).is_err());
    assert_eq!(commands("cd / && /opt/soundcheck/soundcheck --data-dir D serve").len(), 1);
    assert!(commands("soundcheck.toml, /backups/soundcheck-2026").is_empty());
    assert!(commands("cp target/release/soundcheck /opt/soundcheck/").is_empty());
}

/// The `SOUNDCHECK_*` names in `text`.
fn variables(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(found) = rest.find("SOUNDCHECK_") {
        let name: String =
            rest[found..].chars().take_while(|c| c.is_ascii_uppercase() || *c == '_').collect();
        rest = &rest[found + name.len()..];
        if name.len() > "SOUNDCHECK_".len() && !name.ends_with('_') {
            out.push(name);
        }
    }
    out
}

/// Every file's text under `dir` with one of `extensions`.
fn sources(dir: &Path, extensions: &[&str], out: &mut String) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if path.is_dir() && !matches!(name.as_ref(), "target" | "node_modules" | "test-results") {
            sources(&path, extensions, out);
        } else if extensions.iter().any(|e| name.ends_with(e)) {
            out.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
        }
    }
}

#[test]
fn every_variable_the_documents_name_is_read_and_the_reference_names_every_setting() {
    let mut code = String::new();
    for dir in ["server/src", "engine/src", "engine/benches", "server/benches", "scripts", "end2end"] {
        sources(&root().join(dir), &[".rs", ".sh", ".ts", ".mjs"], &mut code);
    }
    let read: Vec<String> =
        variables(&code).into_iter().filter(|v| code.contains(&format!("\"{v}\""))).collect();
    let mut wrong = Vec::new();
    for (name, text) in documents() {
        for variable in variables(&text) {
            if !code.contains(&variable) {
                wrong.push(format!("{name} names {variable}, which nothing reads"));
            }
        }
    }
    let config = std::fs::read_to_string(root().join("server/src/config/mod.rs")).expect("config");
    let operations = std::fs::read_to_string(root().join("docs/operations.md")).expect("operations");
    for variable in variables(&config) {
        if !operations.contains(&format!("`{variable}`")) {
            wrong.push(format!("the server reads {variable}; docs/operations.md does not describe it"));
        }
    }
    assert!(read.len() > 5, "only {} variables found in the code: the search is broken", read.len());
    wrong.sort();
    wrong.dedup();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_config_file_in_the_reference_is_accepted_and_names_every_key() {
    let operations = std::fs::read_to_string(root().join("docs/operations.md")).expect("operations");
    let block = operations
        .split("```toml\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a ```toml block in docs/operations.md");
    // Unknown keys are refused (`deny_unknown_fields`): a misspelt key in the reference fails here.
    let file: ConfigFile = toml::from_str(block).expect("the reference's config file parses");
    // Written out field by field, so that a new setting does not compile here until it is listed,
    // and does not pass until the reference shows it.
    let ConfigFile {
        data_dir,
        listen,
        site_dir,
        secure_cookies,
        session_idle_minutes,
        archive_retention_days,
        upload_max_mb,
        live_max_connections,
        live_max_connections_per_user,
        public_url,
        trusted_proxies,
        time_zone,
        api,
    } = file;
    let ApiFile {
        mailchimp,
        youtube_analytics,
        youtube_data,
        google_token,
        google_authorize,
        spotify_api,
        spotify_accounts,
        meta_graph,
        tiktok,
        tiktok_token,
        tiktok_authorize,
    } = api.expect("an [api] section");
    let shown = [
        ("data_dir", data_dir.is_some()),
        ("listen", listen.is_some()),
        ("site_dir", site_dir.is_some()),
        ("secure_cookies", secure_cookies.is_some()),
        ("session_idle_minutes", session_idle_minutes.is_some()),
        ("archive_retention_days", archive_retention_days.is_some()),
        ("upload_max_mb", upload_max_mb.is_some()),
        ("live_max_connections", live_max_connections.is_some()),
        ("live_max_connections_per_user", live_max_connections_per_user.is_some()),
        ("public_url", public_url.is_some()),
        ("trusted_proxies", trusted_proxies.is_some()),
        ("time_zone", time_zone.is_some()),
        ("api.mailchimp", mailchimp.is_some()),
        ("api.youtube_analytics", youtube_analytics.is_some()),
        ("api.youtube_data", youtube_data.is_some()),
        ("api.google_token", google_token.is_some()),
        ("api.google_authorize", google_authorize.is_some()),
        ("api.spotify_api", spotify_api.is_some()),
        ("api.spotify_accounts", spotify_accounts.is_some()),
        ("api.meta_graph", meta_graph.is_some()),
        ("api.tiktok", tiktok.is_some()),
        ("api.tiktok_token", tiktok_token.is_some()),
        ("api.tiktok_authorize", tiktok_authorize.is_some()),
    ];
    let missing: Vec<&str> = shown.iter().filter(|(_, shown)| !shown).map(|(key, _)| *key).collect();
    assert!(missing.is_empty(), "docs/operations.md's config file lacks {missing:?}");
}
