//! Helpers shared by the tests that run the `soundcheck` binary.
#![allow(dead_code)]

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// `soundcheck serve` on `data` and a free port, ready once it answers.
pub async fn serve(data: &Path) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let child = Command::new(env!("CARGO_BIN_EXE_soundcheck"))
        .arg("--data-dir")
        .arg(data)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env_remove("SOUNDCHECK_DATA_DIR")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while reqwest::get(format!("{base}/healthz")).await.is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (child, base)
}
