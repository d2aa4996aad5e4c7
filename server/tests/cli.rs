//! The `soundcheck` binary's command line, run as a user would.

use std::{
    io::Write,
    process::{Command, Output, Stdio},
};

fn soundcheck(data_dir: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_soundcheck"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("SOUNDCHECK_DATA_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn soundcheck");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("wait")
}

#[test]
fn user_add_reads_the_password_from_stdin_and_refuses_duplicates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ok = soundcheck(dir.path(), &["user", "add", "ada", "--role", "admin"], "pw one\n");
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("ada"));

    let dup = soundcheck(dir.path(), &["user", "add", "ADA", "--role", "viewer"], "pw two\n");
    assert_eq!(dup.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));
}

#[test]
fn user_add_refuses_an_empty_password() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = soundcheck(dir.path(), &["user", "add", "ada", "--role", "admin"], "\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("password is empty"));
    let out = soundcheck(dir.path(), &["user", "add", "ada", "--role", "admin"], "");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn user_add_with_an_unknown_role_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = soundcheck(dir.path(), &["user", "add", "ada", "--role", "root"], "pw\n");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn unknown_subcommands_are_usage_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = soundcheck(dir.path(), &["frobnicate"], "");
    assert_eq!(out.status.code(), Some(2));
}
