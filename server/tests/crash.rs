//! Crash test: the importing process is killed (SIGKILL) 22 times at moments spread over a whole
//! import of a 200,000-line statement — during landing, as its loading starts, early and late in
//! the load, and as it commits — in 16 command-line imports and 6 uploads to a server. Each round
//! starts from a copy of a data directory that already holds a statement. After each kill the
//! process is started again and the lake and warehouse are checked: every accepted file is loaded,
//! raw is intact, no line counts twice, and the revenue and units equal the sums of the loaded
//! files' own lines, computed here from what was written (a clean import's figures, without
//! trusting the importer).
//!
//! The kill moments are `CRASH_SEED`-reproducible (the seed is printed).

use std::{
    collections::BTreeMap,
    io::Write as _,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use rust_decimal::Decimal;
use sha2::{Digest as _, Sha256};

mod common;

const LINES: usize = 200_000;
const CLI_KILLS: usize = 16;
const UPLOAD_KILLS: usize = 6;

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_soundcheck"));
    cmd.env_remove("SOUNDCHECK_DATA_DIR").env("RUST_LOG", "warn");
    cmd
}

/// A small deterministic generator (xorshift64*), so the kill moments can be replayed.
struct Rng(u64);

impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// One statement: its path, SHA-256, and the exact sums of its earnings (in picos) and units.
struct Statement {
    path: PathBuf,
    lines: usize,
    sha256: String,
    picos: i128,
    units: i64,
}

/// Statement `n`: `lines` lines of their own (sale month `n` months after 2020-01), so that no
/// two statements share a line.
fn statement(dir: &Path, n: usize, lines: usize) -> Statement {
    let path = dir.join(format!("statement-{n:02}.tsv"));
    let (year, month) = (2020 + n / 12, n % 12 + 1);
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    writeln!(out, "Reporting Date\tSale Month\tStore\tArtist\tTitle\tISRC\tUPC\tQuantity\tTeam Percentage\tSong/Album\tCountry of Sale\tSongwriter Royalties Withheld\tEarnings (USD)").expect("w");
    let (mut picos, mut units) = (0i128, 0i64);
    let stores = ["Spotify", "Apple Music", "Amazon", "Deezer"];
    let countries = ["US", "GB", "DE", "FR", "BR"];
    for i in 0..lines {
        let quantity = (i % 97) as i64 + 1;
        // Up to 12 fraction digits, as DistroKid writes them.
        let earned = (i as i128 * 7_919 + n as i128 * 104_729) % 5_000_000_000_000;
        picos += earned;
        units += quantity;
        writeln!(
            out,
            "{year}-{month:02}-28\t{year}-{month:02}\t{store}\tZONE A0\tTrack {t}\tQZTB9{t:07}\t198891507125\t{quantity}\t100\tSong\t{country}\t0\t{whole}.{frac:012}",
            store = stores[i % stores.len()],
            t = i % 700,
            country = countries[i % countries.len()],
            whole = earned / 1_000_000_000_000,
            frac = earned % 1_000_000_000_000,
        )
        .expect("w");
    }
    out.flush().expect("flush");
    drop(out);
    let sha256 = format!("{:x}", Sha256::digest(std::fs::read(&path).expect("read")));
    Statement { path, lines, sha256, picos, units }
}

fn decimal(picos: i128) -> Decimal {
    Decimal::from_i128_with_scale(picos, 12)
}

async fn db(data: &Path) -> engine::Database {
    engine::Database::open(&data.join("soundcheck.db")).await.expect("db")
}

/// What the lake and warehouse say of one statement's bytes.
async fn status_of(data: &Path, sha256: &str) -> Option<String> {
    let db = db(data).await;
    let status = sqlx::query_scalar("SELECT status FROM raw_files WHERE sha256 = ?")
        .bind(sha256)
        .fetch_optional(db.pool())
        .await
        .expect("status");
    db.close().await;
    status
}

/// Where a kill left the file, for the summary: which phase of the import it cut.
async fn phase(data: &Path, s: &Statement) -> &'static str {
    let landing: Vec<String> = std::fs::read_dir(data.join("lake/landing"))
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    let landed = landing.iter().any(|n| !n.ends_with(".meta.json") && !n.ends_with(".part"));
    match (status_of(data, &s.sha256).await.as_deref(), landed) {
        (None, false) if landing.iter().any(|n| n.ends_with(".part")) => "landing (copy cut short)",
        (None, false) => "before landing",
        (None, true) => "landed, not yet started",
        (Some("pending"), _) => "parsing or loading",
        (Some("loaded"), true) => "committed, not yet archived",
        (Some("loaded"), false) => "finished",
        (Some(_), _) => "rejected",
    }
}

/// The checks after every restart.
async fn check(data: &Path, statements: &[Statement], round: &str) {
    let db = db(data).await;
    let pool = db.pool();
    // Raw is intact: every file is the bytes its name says, and every loaded file has one.
    let mut raw_files = 0;
    for shard in std::fs::read_dir(data.join("lake/raw")).expect("raw").flatten() {
        for file in std::fs::read_dir(shard.path()).expect("shard").flatten() {
            let name = file.file_name().to_string_lossy().into_owned();
            let bytes = std::fs::read(file.path()).expect("raw file");
            assert_eq!(format!("{:x}", Sha256::digest(&bytes)), name, "{round}: raw file {name} is damaged");
            raw_files += 1;
        }
    }
    let loaded: Vec<String> = sqlx::query_scalar("SELECT sha256 FROM raw_files WHERE status = 'loaded'")
        .fetch_all(pool)
        .await
        .expect("loaded");
    assert!(raw_files >= loaded.len(), "{round}: a loaded file has no raw copy");
    // No line counted twice, none lost.
    let lines: i64 =
        sqlx::query_scalar("SELECT count(*) FROM statement_lines").fetch_one(pool).await.expect("lines");
    let expected: usize = statements.iter().filter(|s| loaded.contains(&s.sha256)).map(|s| s.lines).sum();
    assert_eq!(lines, expected as i64, "{round}: lines of {} loaded files", loaded.len());
    let doubled: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT raw_file_id, line FROM statement_lines GROUP BY 1, 2 HAVING count(*) > 1)",
    )
    .fetch_one(pool)
    .await
    .expect("doubles");
    assert_eq!(doubled, 0, "{round}: lines stored twice");
    db.close().await;
    // The figures equal the sums of the loaded files' own lines.
    let (picos, units) = statements
        .iter()
        .filter(|s| loaded.contains(&s.sha256))
        .fold((0i128, 0i64), |(p, u), s| (p + s.picos, u + s.units));
    let out = bin()
        .arg("--data-dir")
        .arg(data)
        .args(["kpi", "--from", "2020-01-01", "--to", "2029-12-31", "--json"])
        .output()
        .expect("kpi");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("kpi json");
    if loaded.is_empty() {
        assert!(report["kpis"]["revenue_usd"].is_null(), "{round}");
    } else {
        let revenue: Option<Decimal> = report["kpis"]["revenue_usd"].as_str().and_then(|v| v.parse().ok());
        assert_eq!(revenue, Some(decimal(picos)), "{round}: revenue");
        assert_eq!(report["kpis"]["royalty_units"].as_i64(), Some(units), "{round}: units");
    }
}

fn landing_is_empty(data: &Path) -> bool {
    std::fs::read_dir(data.join("lake/landing"))
        .map(|d| d.flatten().all(|e| e.file_name().to_string_lossy().ends_with(".meta.json")))
        .unwrap_or(true)
}

fn kill(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// A restarted server processes what the killed one left; waits until landing is empty and no
/// run is going on, then stops it.
async fn restart_and_settle(data: &Path) {
    let (server, _) = common::serve(data).await;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let db = db(data).await;
        let running: i64 = sqlx::query_scalar("SELECT count(*) FROM runs WHERE status = 'running'")
            .fetch_one(db.pool())
            .await
            .expect("runs");
        db.close().await;
        if running == 0 && landing_is_empty(data) {
            break;
        }
        assert!(Instant::now() < deadline, "the restarted server did not process landing");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    kill(server);
}

async fn signed_in(base: &str) -> reqwest::Client {
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let resp = c
        .post(format!("{base}/auth/login"))
        .header("origin", base)
        .form(&[("username", "crash"), ("password", "crash-test-pw")])
        .send()
        .await
        .expect("login");
    assert_eq!(resp.headers().get("location").and_then(|v| v.to_str().ok()), Some("/"));
    c
}

/// What each command-line round waits for before it kills the import.
#[derive(Clone, Copy, Debug)]
enum Moment {
    /// The landing copy is being written.
    Landing,
    /// The file has its landing name: its processing is about to start.
    Landed,
    /// Loading has started; then a share of a whole import's time more.
    Loading(f64),
    /// The file is marked loaded: its commit has happened, its archiving may not have.
    Committed,
}

const MOMENTS: [Moment; 5] =
    [Moment::Landing, Moment::Landed, Moment::Loading(0.25), Moment::Loading(0.75), Moment::Committed];

/// Whether `moment` has come, as far as the lake and the database show.
async fn reached(moment: Moment, data: &Path, pool: &sqlx::SqlitePool, s: &Statement) -> bool {
    let landing: Vec<String> = std::fs::read_dir(data.join("lake/landing"))
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    let status = || async {
        sqlx::query_scalar::<_, String>("SELECT status FROM raw_files WHERE sha256 = ?")
            .bind(&s.sha256)
            .fetch_optional(pool)
            .await
            .ok()
            .flatten()
    };
    match moment {
        Moment::Landing => landing.iter().any(|n| n.ends_with(".part")),
        Moment::Landed => landing.iter().any(|n| !n.ends_with(".part") && !n.ends_with(".meta.json")),
        Moment::Loading(_) => status().await.is_some(),
        Moment::Committed => status().await.as_deref() == Some("loaded"),
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_imports_lose_nothing_and_count_nothing_twice() {
    let seed: u64 = std::env::var("CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64)
            | 1
    });
    println!("crash test: CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let work = tempfile::tempdir().expect("tempdir");

    // The starting point of every round: an admin and a statement already loaded.
    let base = work.path().join("base");
    let mut add = bin()
        .arg("--data-dir")
        .arg(&base)
        .args(["user", "add", "crash", "--role", "admin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("user add");
    add.stdin.take().expect("stdin").write_all(b"crash-test-pw\n").expect("password");
    assert!(add.wait().expect("user add").success());
    let statements = [statement(work.path(), 0, 2_000), statement(work.path(), 1, LINES)];
    let out =
        bin().arg("--data-dir").arg(&base).arg("import").arg(&statements[0].path).output().expect("import");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let big = &statements[1];

    // A clean import of the big statement: its figures, and how long it takes.
    let clean = work.path().join("clean");
    copy_dir(&base, &clean);
    let started = Instant::now();
    let out = bin().arg("--data-dir").arg(&clean).arg("import").arg(&big.path).output().expect("import");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let span = started.elapsed();
    check(&clean, &statements, "clean import").await;
    println!("crash test: a clean import of {LINES} lines takes {:.2} s here", span.as_secs_f64());

    let mut phases: BTreeMap<&'static str, usize> = BTreeMap::new();
    for round in 0..CLI_KILLS {
        let data = work.path().join(format!("cli-{round}"));
        copy_dir(&base, &data);
        let moment = MOMENTS[round % MOMENTS.len()];
        let watcher = db(&data).await;
        let child = bin()
            .arg("--data-dir")
            .arg(&data)
            .arg("import")
            .arg(&big.path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("import");
        let deadline = Instant::now() + span * 3;
        while !reached(moment, &data, watcher.pool(), big).await && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        if let Moment::Loading(share) = moment {
            tokio::time::sleep(span.mul_f64(share * (0.5 + rng.next_f64()))).await;
        }
        kill(child);
        watcher.close().await;
        let cut = phase(&data, big).await;
        *phases.entry(cut).or_default() += 1;
        let accepted = cut != "before landing" && cut != "landing (copy cut short)";
        // Started again: the next run processes what the killed one left.
        let out = bin().arg("--data-dir").arg(&data).args(["etl", "run"]).output().expect("etl run");
        assert!(out.status.success(), "round {round} ({cut}): {}", String::from_utf8_lossy(&out.stdout));
        if accepted {
            assert_eq!(
                status_of(&data, &big.sha256).await.as_deref(),
                Some("loaded"),
                "round {round} ({cut})"
            );
        }
        assert!(landing_is_empty(&data), "round {round} ({cut}): files left in landing");
        check(&data, &statements, &format!("CLI round {round}, {moment:?} ({cut})")).await;
        if !accepted {
            // Not accepted: the person still has the file and imports it again.
            let out =
                bin().arg("--data-dir").arg(&data).arg("import").arg(&big.path).output().expect("again");
            assert!(out.status.success(), "round {round}: {}", String::from_utf8_lossy(&out.stdout));
        }
        check(&data, &statements, &format!("CLI round {round}, after")).await;
        let _ = std::fs::remove_dir_all(&data);
    }

    let bytes = std::fs::read(&big.path).expect("read");
    for round in 0..UPLOAD_KILLS {
        let data = work.path().join(format!("upload-{round}"));
        copy_dir(&base, &data);
        let (server, base_url) = common::serve(&data).await;
        let c = signed_in(&base_url).await;
        let at = span.mul_f64((round as f64 + rng.next_f64()) / UPLOAD_KILLS as f64 * 1.2);
        let upload = {
            let (base_url, bytes) = (base_url.clone(), bytes.clone());
            tokio::spawn(async move {
                let form = reqwest::multipart::Form::new()
                    .part("files", reqwest::multipart::Part::bytes(bytes).file_name("upload.tsv"));
                c.post(format!("{base_url}/admin/upload"))
                    .header("origin", base_url.as_str())
                    .header("accept", "application/json")
                    .multipart(form)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            })
        };
        tokio::time::sleep(at).await;
        kill(server);
        // An upload is accepted once the server has answered it (its file is on disk by then).
        let answered = matches!(upload.await, Ok(Ok(200)));
        let cut = phase(&data, big).await;
        *phases.entry(cut).or_default() += 1;
        restart_and_settle(&data).await;
        let status = status_of(&data, &big.sha256).await;
        if answered {
            assert_eq!(
                status.as_deref(),
                Some("loaded"),
                "upload round {round} ({cut}): an accepted upload was lost"
            );
        }
        check(&data, &statements, &format!("upload round {round} ({cut})")).await;
        let _ = std::fs::remove_dir_all(&data);
    }
    println!("crash test: {} kills; where they fell: {phases:?}", CLI_KILLS + UPLOAD_KILLS);
    assert!(phases.len() >= 3, "the kills fell in too few phases: {phases:?}");
}
