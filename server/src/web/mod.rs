//! The web server: Leptos pages and server functions, sign-in, probes, static files.

mod admin;
mod bundle;
mod connect;
mod headers;
mod health;
pub mod live;
pub mod origin;
mod sign_in;
pub mod throttle;
mod upload;

use std::{net::SocketAddr, path::Path, sync::Arc};

use anyhow::Context as _;
use axum::{
    Router,
    extract::FromRef,
    middleware,
    routing::{get, post},
};
use engine::{
    Database,
    etl::Etl,
    live::LiveHub,
    schedule::{RetryPolicy, ScheduleStore, Scheduler, SourceJobs},
    time::Clock,
};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tokio::{net::TcpListener, task::JoinHandle};
use tower_http::{
    compression::CompressionLayer,
    trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer},
};
use tower_sessions::{
    ExpiredDeletion, Expiry, SessionManagerLayer,
    cookie::{SameSite, time},
};
use tower_sessions_sqlx_store::SqliteStore;
use tracing::Level;

pub use self::admin::admin_only;
use self::{live::Connections, throttle::LoginThrottle};
use crate::config::{LiveLimits, Settings, TrustedProxies};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub leptos: LeptosOptions,
    pub db: Database,
    pub throttle: Arc<LoginThrottle>,
    pub clock: Clock,
    pub hub: LiveHub,
    pub jobs: Arc<SourceJobs>,
    pub scheduler: Arc<Scheduler>,
    pub live_limits: LiveLimits,
    pub live_connections: Arc<Connections>,
    pub upload_max_bytes: u64,
    pub bundle: bundle::Bundle,
    pub secure_cookies: bool,
    pub trusted_proxies: TrustedProxies,
    /// The session records, which a live connection re-reads to end with its session.
    pub sessions: SqliteStore,
    /// The data lake (rejected files are downloaded from it).
    pub lake: engine::lake::Lake,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

/// A bound, ready-to-serve application (the listener is open, so the port is known).
pub struct Application {
    listener: TcpListener,
    router: Router,
    session_sweeper: JoinHandle<()>,
    scheduler: Arc<Scheduler>,
    jobs: Arc<SourceJobs>,
    /// Held while the server runs: no restore may replace the database under it.
    lock: engine::data_dir_lock::DataDirLock,
}

impl Application {
    /// Opens the database (running migrations), builds the router and binds the listen address.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("cannot create the data directory {}", settings.data_dir.display()))?;
        let lock = engine::data_dir_lock::DataDirLock::try_acquire(&settings.data_dir)?;
        let swept = engine::lake::Lake::open(&settings.data_dir)?.sweep_leftovers()?;
        if swept > 0 {
            tracing::info!(swept, "removed what stopped processes left half-written in the lake");
        }
        let db = Database::open(&settings.database_path()).await?;

        let sessions = SqliteStore::new(db.pool().clone());
        sessions.migrate().await.context("cannot create the session table")?;
        let session_sweeper = tokio::spawn({
            let sessions = sessions.clone();
            async move {
                if let Err(err) =
                    sessions.continuously_delete_expired(std::time::Duration::from_secs(3600)).await
                {
                    tracing::error!(error = %err, "expired-session sweeper stopped");
                }
            }
        });
        let idle =
            time::Duration::seconds(i64::try_from(settings.session_idle.as_secs()).unwrap_or(i64::MAX));
        let session_layer = SessionManagerLayer::new(sessions.clone())
            .with_name(origin::SESSION_COOKIE)
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_secure(settings.secure_cookies)
            .with_expiry(Expiry::OnInactivity(idle));

        let listener = TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        let bundle = bundle::Bundle::load(&settings.site_dir);
        let leptos = LeptosOptions::builder()
            .output_name("soundcheck")
            .site_root(settings.site_dir.to_string_lossy().to_string())
            .site_pkg_dir("pkg")
            .site_addr(listener.local_addr()?)
            // Leptos joins this to the binary's directory; an absolute path replaces it.
            .hash_files(bundle.hash_file.is_some())
            .hash_file(
                bundle.hash_file.as_ref().map_or_else(|| "hash.txt".into(), |p| p.to_string_lossy().into()),
            )
            .build();
        let hub = LiveHub::new();
        let etl = Etl::open(db.clone(), &settings.data_dir)
            .await?
            .with_archive_retention(settings.archive_retention_days);
        let jobs = SourceJobs::with_pulls(
            etl,
            Arc::new(hub.clone()),
            settings.pulls(&db),
            Clock::new(settings.today),
        );
        let scheduler = Scheduler::new(
            Arc::clone(&jobs),
            ScheduleStore::new(db.pool().clone()),
            RetryPolicy::default(),
            settings.time_zone,
        );
        let handed_over = Arc::clone(&jobs);
        let state = AppState {
            leptos,
            db,
            throttle: Arc::new(LoginThrottle::default()),
            clock: Clock::new(settings.today),
            hub,
            jobs,
            scheduler: Arc::clone(&scheduler),
            live_limits: settings.live,
            live_connections: Arc::new(Connections::default()),
            upload_max_bytes: settings.upload_max_bytes,
            bundle,
            secure_cookies: settings.secure_cookies,
            trusted_proxies: settings.trusted_proxies.clone(),
            sessions,
            lake: engine::lake::Lake::open(&settings.data_dir)?,
        };
        let origins = origin::OriginPolicy { public: settings.public_origin.clone() };
        let headers =
            headers::HeaderPolicy { https: settings.secure_cookies, form_targets: form_targets(settings) };
        let router = router(state, session_layer, origins, headers);
        Ok(Self { listener, router, session_sweeper, scheduler, jobs: handed_over, lock })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until the process receives Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `stop` resolves (tests use this to restart a server on the same database).
    pub async fn run_until(self, stop: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let _lock = self.lock;
        let scheduler = Arc::clone(&self.scheduler).spawn();
        let handed_over = tokio::spawn(process_handed_over(self.jobs));
        let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
        let result = axum::serve(self.listener, service).with_graceful_shutdown(stop).await;
        self.session_sweeper.abort();
        scheduler.abort();
        handed_over.abort();
        result
    }
}

/// The consent screens that "Connect" redirects a form to (Google's, TikTok's), as origins.
fn form_targets(settings: &Settings) -> app::security::FormTargets {
    let endpoints = &settings.endpoints;
    let mut origins: Vec<String> = [&endpoints.google_authorize, &endpoints.tiktok_authorize]
        .into_iter()
        .filter_map(|url| crate::config::Origin::parse(url).ok())
        .map(|origin| origin.to_string())
        .collect();
    origins.dedup();
    app::security::FormTargets(origins)
}

/// The app's routes, listed once per process. Listing them renders the app with every
/// resource's loading switched off, and that switch is one global of leptos': a second server
/// listing its routes while another renders a page (the tests run many servers in one process)
/// left that page's data waiting forever, and its request unanswered.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(app::App)).clone()
}

fn router(
    state: AppState,
    session_layer: SessionManagerLayer<SqliteStore>,
    origins: origin::OriginPolicy,
    headers: headers::HeaderPolicy,
) -> Router {
    let routes = route_list();
    let context = {
        let (db, clock, jobs, scheduler, assets) = (
            state.db.clone(),
            state.clock,
            Arc::clone(&state.jobs),
            Arc::clone(&state.scheduler),
            state.bundle.names.clone(),
        );
        let secure = engine::pull::authorize::SecureOrigin(state.secure_cookies);
        let form_targets = headers.form_targets.clone();
        move || {
            provide_context(secure);
            provide_context(form_targets.clone());
            provide_context(assets.clone());
            provide_context(db.clone());
            provide_context(clock);
            provide_context(Arc::clone(&jobs));
            provide_context(Arc::clone(&scheduler));
        }
    };
    let shell = {
        let options = state.leptos.clone();
        move || app::shell(options.clone())
    };
    Router::new()
        .route("/healthz", get(health::alive))
        .route("/readyz", get(health::ready))
        .route("/auth/login", post(sign_in::login))
        .route("/auth/logout", post(sign_in::logout))
        .route("/live", get(live::connect))
        // Uploads are limited per file while they stream (`upload_max_mb`), not as a whole body.
        .route("/admin/upload", post(upload::upload).layer(axum::extract::DefaultBodyLimit::disable()))
        .route("/admin/runs/{run}/quarantine.csv", get(admin::quarantine_csv))
        .route("/admin/runs/{run}/files/{file}", get(admin::rejected_file))
        .route(connect::CALLBACK_PATH, get(connect::callback))
        .route("/admin/connect/{source}", post(connect::start))
        .nest_service(
            "/pkg",
            bundle::service(
                Path::new(state.leptos.site_root.as_ref()).join(state.leptos.site_pkg_dir.as_ref()),
            ),
        )
        .leptos_routes_with_context(&state, routes, context.clone(), shell)
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, app::shell))
        .layer(middleware::from_fn_with_state(state.clone(), sign_in::require_sign_in))
        .layer(session_layer)
        // Outside the sessions: a foreign request is refused before any session is read.
        .layer(middleware::from_fn_with_state(origins, origin::same_origin_only))
        .layer(middleware::from_fn_with_state(headers, headers::security_headers))
        // The WASM, ECharts and the server functions' JSON shrink several times over.
        .layer(CompressionLayer::new())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_request(())
                .on_response(
                    DefaultOnResponse::new().level(Level::INFO).latency_unit(tower_http::LatencyUnit::Millis),
                ),
        )
        .with_state(state)
}

/// Processes the files that command-line imports beside this server hand over into landing
/// (they must not process landing themselves while the server holds the data directory).
async fn process_handed_over(jobs: Arc<SourceJobs>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match jobs.run_handed_over().await {
            Ok(Some(report)) => {
                tracing::info!(run = report.run_id, files = report.files.len(), "processed files handed over")
            }
            Ok(None) => {}
            Err(err) => {
                tracing::warn!(error = %err, "could not process the files handed over; trying again in 30 s");
                tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            }
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
