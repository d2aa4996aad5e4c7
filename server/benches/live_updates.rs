//! Live-update benchmark (a bench binary, not a test): runs the real `soundcheck serve` in its own
//! process, connects many signed-in WebSocket clients, imports statements through the upload
//! endpoint and measures
//! - the time from an import's commit (the `at_ms` the server stamps on `data_changed`) to the
//!   message arriving at each client (target: under 500 ms),
//! - that every client receives every update, and
//! - the server process's memory (VmRSS / VmHWM; target: under 200 MB with 1,000 clients).
//!
//! `cargo bench -p server --bench live_updates` (`LIVE_CLIENTS=N` to change the 1,000).
//! `SOUNDCHECK_BENCH_SMOKE=1` (CI): 20 clients and 200-line statements, every step the same; it
//! checks that the run completes, not its times.

use std::{
    io::Write,
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use futures_util::StreamExt;
use model::{LiveEvent, LiveMessage};
use tokio::sync::mpsc;
use tokio_tungstenite::{
    connect_async,
    tungstenite::{Message, client::IntoClientRequest},
};

const ROUNDS: usize = 5;
/// (clients, lines per statement) of a full run, and of a smoke run (`SOUNDCHECK_BENCH_SMOKE`).
const FULL: (usize, usize) = (1_000, 2_000);
const SMOKE: (usize, usize) = (20, 200);

/// Whether `SOUNDCHECK_BENCH_SMOKE` asks for a smoke run: a small size, to check that the
/// benchmark runs, not its times.
fn smoke() -> bool {
    std::env::var_os("SOUNDCHECK_BENCH_SMOKE").is_some_and(|v| !v.is_empty() && v != "0")
}

struct Server {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(clients: usize) -> Server {
    let bin = env!("CARGO_BIN_EXE_soundcheck");
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path();
    std::fs::write(
        data.join("soundcheck.toml"),
        format!(
            "live_max_connections = {}\nlive_max_connections_per_user = {}\n",
            clients + 10,
            clients + 10
        ),
    )
    .expect("config");
    let mut add = Command::new(bin)
        .args(["--data-dir", &data.to_string_lossy(), "user", "add", "bench", "--role", "admin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("user add");
    add.stdin.take().expect("stdin").write_all(b"bench-password\n").expect("password");
    assert!(add.wait().expect("user add").success(), "user add failed");

    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let addr = format!("127.0.0.1:{port}");
    let child = Command::new(bin)
        .args(["--data-dir", &data.to_string_lossy(), "serve", "--listen", &addr])
        .env("RUST_LOG", "warn")
        .env("SOUNDCHECK_SITE_DIR", data.join("no-site"))
        .stdout(Stdio::null())
        .spawn()
        .expect("serve");
    Server { child, addr, _dir: dir }
}

/// (VmRSS, VmHWM) of a process, in MB.
fn memory_mb(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// A DistroKid statement (layout A) whose lines differ from every other round's.
fn statement(round: usize, lines: usize) -> Vec<u8> {
    let mut out = String::from(
        "Reporting Date\tSale Month\tStore\tArtist\tTitle\tISRC\tUPC\tQuantity\tTeam Percentage\tSong/Album\t\
         Country of Sale\tSongwriter Royalties Withheld\tEarnings (USD)\n",
    );
    for line in 0..lines {
        out.push_str(&format!(
            "2026-07-20\t2026-06\tSpotify\tBench Artist\tTrack {line}\tQZBN{}26{line:05}\t{:012}\t3\t100\tSong\tDE\t0\t0.{line:04}\n",
            round % 10,
            round * 100_000 + line,
        ));
    }
    out.into_bytes()
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return -1;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let smoke = smoke();
    let (default_clients, lines) = if smoke { SMOKE } else { FULL };
    let clients: usize =
        std::env::var("LIVE_CLIENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(default_clients);
    let server = start_server(clients);
    let pid = server.child.id();
    let base = format!("http://{}", server.addr);
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let started = Instant::now();
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "the server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let login = http
        .post(format!("{base}/auth/login"))
        .header("origin", base.as_str())
        .form(&[("username", "bench"), ("password", "bench-password"), ("next", "/")])
        .send()
        .await
        .expect("login");
    let cookie = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ");
    assert!(!cookie.is_empty(), "no session cookie");
    let (rss_idle, _) = memory_mb(pid);

    // Connect the clients; each reports (round, latency in ms) for every data change it gets.
    let (tx, mut rx) = mpsc::unbounded_channel::<i64>();
    let connect_started = Instant::now();
    let cookie = Arc::new(cookie);
    let mut tasks = Vec::with_capacity(clients);
    for _ in 0..clients {
        let mut request = format!("ws://{}/live", server.addr).into_client_request().expect("request");
        request.headers_mut().insert("cookie", cookie.parse().expect("cookie header"));
        request.headers_mut().insert("origin", base.parse().expect("origin header"));
        let (mut socket, _) =
            connect_async(request).await.expect("connect (raise `ulimit -n` for many clients)");
        let tx = tx.clone();
        tasks.push(tokio::spawn(async move {
            while let Some(Ok(frame)) = socket.next().await {
                if let Message::Text(text) = frame
                    && let Ok(LiveMessage { event: LiveEvent::DataChanged { at_ms, .. }, .. }) =
                        serde_json::from_str::<LiveMessage>(&text)
                {
                    let _ = tx.send(now_ms() - at_ms);
                }
            }
        }));
    }
    let connect_time = connect_started.elapsed();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (rss_connected, _) = memory_mb(pid);
    println!(
        "live_updates: {clients} clients connected in {:.2} s; server RSS {rss_idle:.1} MB idle, {rss_connected:.1} MB connected",
        connect_time.as_secs_f64()
    );

    let mut all = Vec::new();
    for round in 0..ROUNDS {
        let form = reqwest::multipart::Form::new().part(
            "files",
            reqwest::multipart::Part::bytes(statement(round, lines)).file_name(format!("bench-{round}.tsv")),
        );
        let response = http
            .post(format!("{base}/admin/upload"))
            .header("origin", base.as_str())
            .header("accept", "application/json")
            .multipart(form)
            .send()
            .await
            .expect("upload");
        assert_eq!(response.status(), 200, "upload refused");
        let run_id =
            response.json::<serde_json::Value>().await.expect("json")["run_id"].as_i64().expect("run id");
        let mut latencies = Vec::with_capacity(clients);
        let deadline = Instant::now() + Duration::from_secs(30);
        while latencies.len() < clients {
            match tokio::time::timeout_at(deadline.into(), rx.recv()).await {
                Ok(Some(ms)) => latencies.push(ms),
                _ => break,
            }
        }
        latencies.sort_unstable();
        if latencies.is_empty() {
            let detail: serde_json::Value = http
                .post(format!("{base}/api/admin/run"))
                .header("origin", base.as_str())
                .json(&serde_json::json!({ "id": run_id }))
                .send()
                .await
                .expect("run detail")
                .json()
                .await
                .expect("json");
            panic!("no client got an update; the run says: {}", detail["files"]);
        }
        println!(
            "  round {}: {}/{clients} clients got the update; commit → client p50 {} ms, p95 {} ms, max {} ms",
            round + 1,
            latencies.len(),
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.95),
            latencies.last().copied().unwrap_or(-1),
        );
        all.extend(latencies);
    }
    all.sort_unstable();
    let (rss_end, hwm) = memory_mb(pid);
    println!(
        "live_updates: {} deliveries of {}; commit → client p50 {} ms, p95 {} ms, max {} ms (target < 500 ms)",
        all.len(),
        clients * ROUNDS,
        percentile(&all, 0.5),
        percentile(&all, 0.95),
        all.last().copied().unwrap_or(-1),
    );
    println!("live_updates: server RSS {rss_end:.1} MB at the end, peak {hwm:.1} MB (target < 200 MB)");
    for task in tasks {
        task.abort();
    }
    if smoke {
        println!(
            "smoke run ({clients} clients, {lines}-line statements) completed; its times are not checked"
        );
    }
}
