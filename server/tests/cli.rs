//! The `soundcheck` binary's command line, run as a user would.

mod common;

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
    time::{Duration, Instant},
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

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/tests/fixtures").join(name).display().to_string()
}

fn text(out: &Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn import_reports_each_file_and_exits_1_when_any_is_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = fixture("distrokid/bank_details_layout_a.tsv");
    let out = soundcheck(dir.path(), &["import", &good], "");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "loaded    bank_details_layout_a.tsv (distrokid): 4 rows read, 4 values loaded, 0 rejected"
        ),
        "{stdout}"
    );

    let again = soundcheck(dir.path(), &["import", &good], "");
    assert_eq!(again.status.code(), Some(0));
    assert!(text(&again).0.contains("already imported"), "{}", text(&again).0);

    let bad = fixture("distrokid/bad_rows.tsv");
    let other = fixture("distrokid/bank_details_layout_b.csv");
    let out = soundcheck(dir.path(), &["import", &bad, &other, "/no/such/file.tsv"], "");
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("rejected  bad_rows.tsv (distrokid): 2 of 3 rows failed"), "{stdout}");
    assert!(stdout.contains("line 3, column \"Reporting Date\""), "{stdout}");
    assert!(stdout.contains("loaded    bank_details_layout_b.csv"), "{stdout}");
    assert!(stdout.contains("rejected  file.tsv: /no/such/file.tsv: no such file"), "{stdout}");
}

#[test]
fn import_usage_errors_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = fixture("distrokid/bank_details_layout_a.tsv");
    for args in [
        vec!["import"],
        vec!["import", "--source", "napster", good.as_str()],
        vec!["import", "--export-date", "26/11/2026", good.as_str()],
    ] {
        let out = soundcheck(dir.path(), &args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out).1);
    }
}

#[test]
fn rebuild_and_etl_run_succeed_on_a_clean_lake() {
    let dir = tempfile::tempdir().expect("tempdir");
    soundcheck(dir.path(), &["import", &fixture("distrokid/cumulative_v1.tsv")], "");
    let out = soundcheck(dir.path(), &["etl", "rebuild"], "");
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(text(&out).0.contains("3 values loaded"), "{}", text(&out).0);
    let out = soundcheck(dir.path(), &["etl", "run"], "");
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out).0.contains("nothing done (run #3): nothing is waiting in landing"),
        "{}",
        text(&out).0
    );
}

/// Issue 23: a run that could do nothing says so, and why, instead of "succeeded"; it did not
/// fail, so it exits 0.
#[tokio::test]
async fn etl_run_of_an_unconnected_api_source_says_nothing_was_done_and_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = soundcheck(dir.path(), &["etl", "run", "--source", "mailchimp"], "");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert_eq!(
        stdout.trim(),
        "nothing done (run #1): Mailchimp is not connected and no Mailchimp files are waiting: \
         connect it on the Admin page or upload an export"
    );
    let db = engine::Database::open(&dir.path().join("soundcheck.db")).await.expect("db");
    let (status, note, trigger): (String, Option<String>, String) =
        sqlx::query_as("SELECT status, note, trigger FROM runs WHERE id = 1")
            .fetch_one(db.pool())
            .await
            .expect("run");
    assert_eq!((status.as_str(), trigger.as_str()), ("nothing_to_do", "cli"));
    assert!(note.is_some_and(|n| n.starts_with("Mailchimp is not connected")));

    // An export-only source with a file waiting does work: that run is a real one.
    let out = soundcheck(dir.path(), &["etl", "run", "--source", "distrokid"], "");
    assert!(
        text(&out).0.contains("nothing done (run #2): no DistroKid files are waiting"),
        "{}",
        text(&out).0
    );
    std::fs::copy(fixture("distrokid/bank_details_layout_a.tsv"), dir.path().join("lake/landing/a.tsv"))
        .expect("copy into landing");
    let out = soundcheck(dir.path(), &["etl", "run", "--source", "distrokid"], "");
    let (stdout, _) = text(&out);
    assert!(stdout.starts_with("loaded    a.tsv (distrokid)"), "{stdout}");
    assert!(!stdout.contains("nothing done"), "{stdout}");
}

/// A DistroKid statement of `lines` lines, big enough that loading it takes a while.
fn big_statement(dir: &Path, lines: usize) -> PathBuf {
    let path = dir.join("big_statement.tsv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    writeln!(out, "Reporting Date\tSale Month\tStore\tArtist\tTitle\tISRC\tUPC\tQuantity\tTeam Percentage\tSong/Album\tCountry of Sale\tSongwriter Royalties Withheld\tEarnings (USD)").expect("w");
    for i in 0..lines {
        writeln!(
            out,
            "2025-03-29\t2025-01\tSpotify\tZONE A0\tTrack {t}\tQZTB9{t:07}\t198891507125\t{q}\t100\tSong\tUS\t0\t0.{e:08}",
            t = i % 500,
            q = i % 97,
            e = i
        )
        .expect("w");
    }
    out.flush().expect("flush");
    path
}

async fn count_lines(data_dir: &Path) -> i64 {
    let db = engine::Database::open(&data_dir.join("soundcheck.db")).await.expect("db");
    sqlx::query_scalar("SELECT count(*) FROM statement_lines").fetch_one(db.pool()).await.expect("count")
}

async fn run_status(data_dir: &Path) -> Vec<String> {
    let db = engine::Database::open(&data_dir.join("soundcheck.db")).await.expect("db");
    sqlx::query_scalar("SELECT status FROM runs ORDER BY id").fetch_all(db.pool()).await.expect("runs")
}

#[tokio::test]
async fn a_crash_mid_import_leaves_the_warehouse_as_before_and_the_next_run_completes() {
    let work = tempfile::tempdir().expect("tempdir");
    let data = work.path().join("data");
    let first = soundcheck(&data, &["import", &fixture("distrokid/cumulative_v1.tsv")], "");
    assert_eq!(first.status.code(), Some(0));
    let big = big_statement(work.path(), 200_000);

    let mut child = Command::new(env!("CARGO_BIN_EXE_soundcheck"))
        .arg("--data-dir")
        .arg(&data)
        .arg("import")
        .arg(&big)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    // Kill it while it loads: once its run is recorded and its file has reached raw.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let raw_has_it = std::fs::read_dir(data.join("lake/raw")).map(|d| d.count() >= 2).unwrap_or(false);
        if raw_has_it && run_status(&data).await.len() >= 2 {
            break;
        }
        assert!(Instant::now() < deadline, "the import never started");
        assert!(child.try_wait().expect("wait").is_none(), "the import finished before it could be killed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    child.kill().expect("kill");
    child.wait().expect("wait");

    assert_eq!(count_lines(&data).await, 3, "the warehouse is as before the killed import");
    assert_eq!(run_status(&data).await, ["succeeded", "running"]);

    let out = soundcheck(&data, &["etl", "run"], "");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("loaded    big_statement.tsv (distrokid): 200,000 rows read, 200,000 values loaded"),
        "{stdout}"
    );
    assert_eq!(count_lines(&data).await, 200_003);
    assert_eq!(run_status(&data).await, ["succeeded", "interrupted", "succeeded"]);

    // and the same file again is already imported
    let again = soundcheck(&data, &["import", big.to_str().expect("utf-8 path")], "");
    assert!(text(&again).0.contains("already imported"), "{}", text(&again).0);
}

#[test]
fn demo_imports_every_source_and_a_second_run_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_soundcheck"));
        cmd.arg("--data-dir").arg(dir.path()).arg("demo").env("SOUNDCHECK_TODAY", "2026-11-26");
        cmd.output().expect("demo")
    };
    let first = run();
    let (stdout, stderr) = text(&first);
    assert_eq!(first.status.code(), Some(0), "{stdout}{stderr}");
    for source in [
        "distrokid",
        "toolost",
        "spotify",
        "youtube",
        "tiktok",
        "linktree",
        "meta_ads",
        "mailchimp",
        "exchange_rates",
    ] {
        assert!(stdout.contains(&format!("({source}):")), "{source} missing in:\n{stdout}");
    }
    assert!(!stdout.contains("rejected  "), "{stdout}");
    let second = run();
    let (stdout, _) = text(&second);
    assert_eq!(second.status.code(), Some(0));
    assert_eq!(stdout.matches("already imported").count(), 13, "{stdout}");
}

#[test]
fn backup_and_restore_give_back_the_same_kpis_and_restore_waits_for_no_server() {
    let work = tempfile::tempdir().expect("tempdir");
    let (data, copy, dest) = (work.path().join("data"), work.path().join("copy"), work.path().join("backup"));
    assert_eq!(
        soundcheck(&data, &["import", &fixture("distrokid/cumulative_v2.tsv")], "").status.code(),
        Some(0)
    );
    let kpi = ["kpi", "--from", "2024-01-01", "--to", "2025-12-31", "--json"];
    let original = text(&soundcheck(&data, &kpi, "")).0;

    let out = soundcheck(&data, &["backup", dest.to_str().expect("utf-8")], "");
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(text(&out).0.contains("1 raw files"), "{}", text(&out).0);

    // A running server (here: this test holding its lock) keeps a restore out.
    std::fs::create_dir_all(&copy).expect("dir");
    let held = engine::data_dir_lock::DataDirLock::try_acquire(&copy).expect("lock");
    let out = soundcheck(&copy, &["restore", dest.to_str().expect("utf-8")], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).1.contains("another Soundcheck process"), "{}", text(&out).1);
    drop(held);

    let out = soundcheck(&copy, &["restore", dest.to_str().expect("utf-8")], "");
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert_eq!(text(&soundcheck(&copy, &kpi, "")).0, original);
    let out = soundcheck(&copy, &["etl", "rebuild"], "");
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert_eq!(text(&soundcheck(&copy, &kpi, "")).0, original);
}

#[tokio::test]
async fn beside_a_running_server_import_hands_its_files_over_and_rebuild_waits_for_it_to_stop() {
    let work = tempfile::tempdir().expect("tempdir");
    let data = work.path().join("data");
    let (mut server, _) = common::serve(&data).await;

    let out =
        soundcheck(&data, &["import", &fixture("distrokid/cumulative_v1.tsv"), "/no/such/file.tsv"], "");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stderr.contains("Soundcheck is serving this data directory (pid"), "{stderr}");
    assert!(stdout.contains("loaded    cumulative_v1.tsv (distrokid)"), "{stdout}");
    assert!(stdout.contains("no such file"), "{stdout}");
    assert_eq!(count_lines(&data).await, 3, "the server loaded it, once");
    let again = soundcheck(&data, &["import", &fixture("distrokid/cumulative_v1.tsv")], "");
    assert_eq!(again.status.code(), Some(0));
    assert!(text(&again).0.contains("already imported"), "{}", text(&again).0);

    let out = soundcheck(&data, &["etl", "rebuild"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).1.contains("stop it before rebuilding"), "{}", text(&out).1);
    let out = soundcheck(&data, &["etl", "run"], "");
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out).0.contains("Nothing was done here"), "{}", text(&out).0);
    // The server's runs are its own: the commands beside it did not mark them interrupted.
    assert!(!run_status(&data).await.iter().any(|s| s == "interrupted"), "{:?}", run_status(&data).await);

    server.kill().expect("kill");
    server.wait().expect("wait");
    let out = soundcheck(&data, &["etl", "rebuild"], "");
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
}

/// A `time_zone` that is not an IANA name stops start-up with an error naming the setting and the
/// value, from the flag as from the environment.
#[test]
fn a_bad_time_zone_stops_start_up_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut serve = Command::new(env!("CARGO_BIN_EXE_soundcheck"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0", "--time-zone", "Europe/Berln"])
        .env_remove("SOUNDCHECK_DATA_DIR")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn soundcheck");
    let deadline = Instant::now() + Duration::from_secs(30);
    while serve.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            serve.kill().expect("kill");
            panic!("serve started with a bad time zone");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = serve.wait_with_output().expect("output");
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("time_zone = \"Europe/Berln\" is not valid: not an IANA time-zone name"),
        "{stderr}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_soundcheck"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["etl", "run"])
        .env("SOUNDCHECK_TIME_ZONE", "UTC+2")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).1.contains("time_zone = \"UTC+2\" is not valid"), "{}", text(&out).1);
}
