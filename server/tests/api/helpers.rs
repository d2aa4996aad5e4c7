use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use engine::{
    Database,
    auth::{Password, UserName, UserStore},
};
use model::Role;
use reqwest::{Client, Response, cookie::Jar, redirect::Policy};
use server::{config::Settings, web::Application};
use tempfile::TempDir;
use tokio::{sync::oneshot, task::JoinHandle};

pub struct TestApp {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    _dir: Option<TempDir>,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<()>>,
}

/// The key that seals stored API tokens in the tests.
pub const TEST_SECRET_KEY: &str = "api-test-secret-key-0123456789-abcdefghij";

fn settings(data_dir: PathBuf) -> Settings {
    Settings {
        site_dir: data_dir.join("no-site"),
        data_dir,
        listen: "127.0.0.1:0".parse().expect("addr"),
        secure_cookies: false,
        session_idle: Duration::from_secs(3600),
        archive_retention_days: 90,
        secret_key: Some(TEST_SECRET_KEY.into()),
        endpoints: Default::default(),
        today: None,
        upload_max_bytes: 1024 * 1024,
        live: server::config::LiveLimits {
            max_connections: 6,
            max_per_user: 3,
            heartbeat: Duration::from_millis(300),
        },
        public_origin: None,
        trusted_proxies: Default::default(),
        time_zone: engine::time::Tz::UTC,
    }
}

/// A server on a fresh database.
pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = spawn_app_on(dir.path().to_path_buf()).await;
    app._dir = Some(dir);
    app
}

/// A server on a fresh database, with settings changed by `change` (API endpoints, for one).
pub async fn spawn_app_with(change: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut settings = settings(dir.path().to_path_buf());
    change(&mut settings);
    let mut app = spawn_with_settings(settings).await;
    app._dir = Some(dir);
    app
}

/// A server on an existing data directory (to test restarts).
pub async fn spawn_app_on(data_dir: PathBuf) -> TestApp {
    spawn_with_settings(settings(data_dir)).await
}

async fn spawn_with_settings(settings: Settings) -> TestApp {
    let data_dir = settings.data_dir.clone();
    let app = Application::build(&settings).await.expect("build app");
    let addr = app.local_addr().expect("addr");
    let (tx, rx) = oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        app.run_until(async move {
            let _ = rx.await;
        })
        .await
        .expect("server");
    });
    TestApp { addr, data_dir, _dir: None, stop: Some(tx), handle: Some(handle) }
}

/// A browser-like client: keeps cookies, does not follow redirects (tests look at them). A
/// request the server never answers fails its test after a minute instead of holding up the run.
pub fn client_with(jar: Arc<Jar>) -> Client {
    Client::builder()
        .cookie_provider(jar)
        .redirect(Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client")
}

pub fn client() -> Client {
    client_with(Arc::new(Jar::default()))
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// The server's own origin, which a browser sends with every request that changes something.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn add_user(&self, name: &str, role: Role, password: &str) {
        let db = Database::open(&self.data_dir.join("soundcheck.db")).await.expect("db");
        UserStore::new(&db)
            .create(&UserName::parse(name).expect("name"), role, Password::parse(password).expect("pw"))
            .await
            .expect("create user");
    }

    /// Imports a fixture of the engine's tests into this server's data directory.
    pub async fn import_fixture(&self, name: &str) {
        let db = Database::open(&self.data_dir.join("soundcheck.db")).await.expect("db");
        let etl = engine::etl::Etl::open(db, &self.data_dir).await.expect("etl");
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/tests/fixtures").join(name);
        let report = etl
            .import(
                &[path],
                &engine::etl::ImportOptions::default(),
                engine::etl::Trigger::Cli,
                &engine::etl::Quiet,
            )
            .await
            .expect("import");
        assert!(!report.any_rejected(), "{:?}", report.files);
    }

    pub async fn login(&self, client: &Client, name: &str, password: &str) -> Response {
        client
            .post(self.url("/auth/login"))
            .header("origin", self.origin())
            .form(&[("username", name), ("password", password), ("next", "/")])
            .send()
            .await
            .expect("login request")
    }

    pub async fn get(&self, client: &Client, path: &str) -> Response {
        client.get(self.url(path)).send().await.expect("get")
    }

    /// Calls a server function the way the browser does (form-encoded POST).
    pub async fn server_fn(&self, client: &Client, path: &str) -> Response {
        client
            .post(self.url(path))
            .header("origin", self.origin())
            .header("content-type", "application/x-www-form-urlencoded")
            .body("")
            .send()
            .await
            .expect("server fn")
    }

    /// Calls a server function whose input is JSON.
    pub async fn server_fn_json(&self, client: &Client, path: &str, body: &serde_json::Value) -> Response {
        client
            .post(self.url(path))
            .header("origin", self.origin())
            .json(body)
            .send()
            .await
            .expect("server fn")
    }

    /// Stops the server gracefully and gives back its data directory (kept alive by the caller).
    pub async fn stop(mut self) -> (PathBuf, Option<TempDir>) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.handle.take() {
            handle.await.expect("server task");
        }
        (self.data_dir.clone(), self._dir.take())
    }
}

pub fn location(resp: &Response) -> String {
    resp.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

/// The bytes of a fixture of the engine's tests.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/tests/fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The session cookie a signed-in client holds, for clients (WebSockets) that do not share the jar.
pub fn session_cookie(jar: &Jar, app: &TestApp) -> String {
    use reqwest::cookie::CookieStore;
    let url = app.url("/").parse().expect("url");
    jar.cookies(&url).and_then(|v| v.to_str().ok().map(str::to_string)).unwrap_or_default()
}

impl TestApp {
    /// Uploads files through the admin endpoint, as the page does (multipart, JSON answer).
    pub async fn upload(&self, client: &Client, files: &[(&str, Vec<u8>)]) -> Response {
        let mut form = reqwest::multipart::Form::new();
        for (name, bytes) in files {
            form = form
                .part("files", reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string()));
        }
        client
            .post(self.url("/admin/upload"))
            .header("origin", self.origin())
            .header("accept", "application/json")
            .multipart(form)
            .send()
            .await
            .expect("upload")
    }

    /// Waits until run `id` has finished; returns its status.
    pub async fn wait_for_run(&self, id: i64) -> String {
        let db = Database::open(&self.data_dir.join("soundcheck.db")).await.expect("db");
        for _ in 0..200 {
            let status: Option<String> = sqlx::query_scalar("SELECT status FROM runs WHERE id = ?")
                .bind(id)
                .fetch_optional(db.pool())
                .await
                .expect("run");
            if let Some(s) = status.filter(|s| s != "running") {
                return s;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("run {id} did not finish");
    }
}
