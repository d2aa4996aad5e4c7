//! Responsiveness benchmark (a bench binary, not a test): while a 1M-line DistroKid statement
//! imports through the upload endpoint, how long do `/healthz` and the live heartbeat wait?
//!
//! The server runs in this process on a runtime of its own with two worker threads (as on a
//! 2-core machine), with live heartbeats every 250 ms; the client side runs on another thread.
//! Printed: the import's time, `/healthz` latency (p50, p99, max, over requests every 20 ms) and
//! the heartbeats' delay past their schedule (p99, max), during the import and, for comparison,
//! before it.
//!
//! `cargo bench -p server --bench responsive_import` (`IMPORT_LINES=N` to change the million).
//! `SOUNDCHECK_BENCH_SMOKE=1` (CI): 5,000 lines and 1 s of samples before the upload instead of
//! 3 s, every step the same; it checks that the run completes and loads, not its times.

use std::{
    io::Write,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use engine::auth::{Password, UserName, UserStore};
use futures_util::StreamExt;
use model::{LiveEvent, LiveMessage, Role};
use server::{config::Settings, web::Application};
use tokio_tungstenite::{
    connect_async,
    tungstenite::{Message, client::IntoClientRequest},
};

const HEARTBEAT: Duration = Duration::from_millis(250);
const PROBE_EVERY: Duration = Duration::from_millis(20);

/// (statement lines, sampling before the upload) of a full run, and of a smoke run
/// (`SOUNDCHECK_BENCH_SMOKE`).
const FULL: (usize, Duration) = (1_000_000, Duration::from_secs(3));
const SMOKE: (usize, Duration) = (5_000, Duration::from_secs(1));

/// Whether `SOUNDCHECK_BENCH_SMOKE` asks for a smoke run: a small size, to check that the
/// benchmark runs, not its times.
fn smoke() -> bool {
    std::env::var_os("SOUNDCHECK_BENCH_SMOKE").is_some_and(|v| !v.is_empty() && v != "0")
}

fn statement(path: &std::path::Path, lines: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    writeln!(out, "Reporting Date\tSale Month\tStore\tArtist\tTitle\tISRC\tUPC\tQuantity\tTeam Percentage\tSong/Album\tCountry of Sale\tSongwriter Royalties Withheld\tEarnings (USD)").expect("w");
    let stores = ["Spotify", "Apple Music", "Amazon", "YouTube", "Deezer", "Tidal"];
    let countries = ["US", "GB", "DE", "FR", "BR", "JP", "MX", "CA", "AU", "SE"];
    for i in 0..lines {
        writeln!(
            out,
            "2025-{m:02}-28\t2025-{m:02}\t{store}\tZONE A{a}\tTrack {t}\tQZTB9{t:07}\t1988915{t:05}\t{q}\t100\tSong\t{c}\t0\t0.{e:012}",
            m = i % 12 + 1,
            store = stores[i % stores.len()],
            a = i % 3,
            t = i % 2_000,
            q = i % 97 + 1,
            c = countries[i % countries.len()],
            e = (i as u64).wrapping_mul(2_654_435_761) % 1_000_000_000_000
        )
        .expect("w");
    }
    out.flush().expect("flush");
}

fn settings(data_dir: std::path::PathBuf) -> Settings {
    Settings {
        site_dir: data_dir.join("no-site"),
        data_dir,
        listen: "127.0.0.1:0".parse().expect("addr"),
        secure_cookies: false,
        session_idle: Duration::from_secs(3600),
        archive_retention_days: 90,
        secret_key: None,
        endpoints: Default::default(),
        today: None,
        upload_max_bytes: 1024 * 1024 * 1024,
        live: server::config::LiveLimits { max_connections: 10, max_per_user: 10, heartbeat: HEARTBEAT },
        public_origin: None,
        trusted_proxies: Default::default(),
        time_zone: engine::time::Tz::UTC,
    }
}

/// Starts the server on a runtime of its own (two workers) and gives back its address.
fn start_server(data_dir: std::path::PathBuf) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            std::fs::create_dir_all(&data_dir).expect("data dir");
            let db = engine::Database::open(&data_dir.join("soundcheck.db")).await.expect("db");
            UserStore::new(&db)
                .create(
                    &UserName::parse("bench").expect("name"),
                    Role::Admin,
                    Password::parse("bench-pw").expect("pw"),
                )
                .await
                .expect("user");
            let app = Application::build(&settings(data_dir)).await.expect("build");
            tx.send(app.local_addr().expect("addr")).expect("send");
            app.run_until(std::future::pending()).await.expect("serve");
        });
    });
    rx.recv().expect("server address")
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn summary(label: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    println!(
        "  {label:<34} n={:<5} p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
        ms.len(),
        percentile(&ms, 50.0),
        percentile(&ms, 99.0),
        ms.last().copied().unwrap_or(f64::NAN)
    );
}

/// Samples taken while `phase` is running.
#[derive(Default)]
struct Samples {
    healthz: Vec<f64>,
    heartbeat_delay: Vec<f64>,
}

fn main() {
    let smoke = smoke();
    let (default_lines, before_upload) = if smoke { SMOKE } else { FULL };
    let lines: usize =
        std::env::var("IMPORT_LINES").ok().and_then(|v| v.parse().ok()).unwrap_or(default_lines);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("statement.tsv");
    statement(&file, lines);
    let bytes = std::fs::read(&file).expect("read");
    let addr = start_server(dir.path().join("data"));
    let base = format!("http://{addr}");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("client runtime");
    runtime.block_on(async move {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let login = http
            .post(format!("{base}/auth/login"))
            .header("origin", base.as_str())
            .form(&[("username", "bench"), ("password", "bench-pw")])
            .send()
            .await
            .expect("login");
        let cookie: String = login
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
            .collect::<Vec<_>>()
            .join("; ");

        // Which phase the samples belong to: 0 before the import, 1 during it, 2 after.
        let phase = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let samples: Arc<Mutex<[Samples; 2]>> = Arc::default();

        let mut request = format!("ws://{addr}/live").into_client_request().expect("request");
        request.headers_mut().insert("cookie", cookie.parse().expect("cookie"));
        request.headers_mut().insert("origin", base.parse().expect("origin"));
        let (mut socket, _) = connect_async(request).await.expect("live");
        let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        let live = {
            let (phase, samples) = (Arc::clone(&phase), Arc::clone(&samples));
            tokio::spawn(async move {
                let mut last: Option<Instant> = None;
                while let Some(Ok(frame)) = socket.next().await {
                    let Message::Text(text) = frame else { continue };
                    let Ok(message) = serde_json::from_str::<LiveMessage>(&text) else { continue };
                    match message.event {
                        LiveEvent::Heartbeat => {
                            let now = Instant::now();
                            if let Some(before) = last {
                                let late = now.duration_since(before).saturating_sub(HEARTBEAT);
                                let p = phase.load(std::sync::atomic::Ordering::Relaxed);
                                if p < 2 {
                                    samples.lock().expect("samples")[p]
                                        .heartbeat_delay
                                        .push(late.as_secs_f64() * 1e3);
                                }
                            }
                            last = Some(now);
                        }
                        LiveEvent::RunFinished { status, .. } => {
                            let _ = done_tx.send(status);
                        }
                        _ => {}
                    }
                }
            })
        };
        let probe = {
            let (phase, samples, http, base) =
                (Arc::clone(&phase), Arc::clone(&samples), http.clone(), base.clone());
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(PROBE_EVERY);
                loop {
                    tick.tick().await;
                    let started = Instant::now();
                    let ok =
                        http.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status() == 200);
                    let ms = started.elapsed().as_secs_f64() * 1e3;
                    let p = phase.load(std::sync::atomic::Ordering::Relaxed);
                    if ok && p < 2 {
                        samples.lock().expect("samples")[p].healthz.push(ms);
                    }
                }
            })
        };

        tokio::time::sleep(before_upload).await;
        phase.store(1, std::sync::atomic::Ordering::Relaxed);
        let started = Instant::now();
        let form = reqwest::multipart::Form::new()
            .part("files", reqwest::multipart::Part::bytes(bytes).file_name("statement.tsv"));
        let upload = http
            .post(format!("{base}/admin/upload"))
            .header("origin", base.as_str())
            .header("accept", "application/json")
            .multipart(form)
            .send()
            .await
            .expect("upload");
        assert_eq!(upload.status(), 200, "upload refused");
        let status = tokio::time::timeout(Duration::from_secs(300), done_rx.recv())
            .await
            .expect("the import finished");
        assert_eq!(status.as_deref(), Some("succeeded"), "the import did not load");
        let took = started.elapsed();
        phase.store(2, std::sync::atomic::Ordering::Relaxed);
        probe.abort();
        live.abort();

        let [before, during] = std::mem::take(&mut *samples.lock().expect("samples"));
        println!(
            "responsive_import: {lines} lines ({:.1} MB) uploaded and imported in {:.2} s",
            std::fs::metadata(&file).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0),
            took.as_secs_f64()
        );
        println!(" before the import:");
        summary("/healthz latency", before.healthz);
        summary("heartbeat delay past its 250 ms", before.heartbeat_delay);
        println!(" during the import:");
        summary("/healthz latency", during.healthz);
        summary("heartbeat delay past its 250 ms", during.heartbeat_delay);
    });
    if smoke {
        println!("smoke run ({lines} lines) completed; its times are not checked");
    }
}
