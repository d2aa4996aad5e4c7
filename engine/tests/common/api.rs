//! A warehouse with API connections whose platforms are a local mock server (wiremock).
#![allow(dead_code)]

use std::sync::Arc;

use chrono::NaiveDate;
use engine::{
    etl::{Quiet, RunReport, Trigger},
    pull::{ConnectionStore, Endpoints, Pulls, RetryPolicy, Secrets, secrets::SecretBox},
    schedule::SourceJobs,
    time::Clock,
};
use model::SourceId;

use super::Env;

pub const SECRET_KEY: &str = "test-secret-key-long-enough-0123456789abcdef";
pub const TODAY: &str = "2026-11-26";
/// The OAuth client secret of [`ApiEnv::connect_tokens`]: distinctive, so that a scan of the
/// data directory finds it wherever it was stored in clear.
pub const CLIENT_SECRET: &str = "GOCSPX-cl13nt-s3cr3t-Qm7";

pub struct ApiEnv {
    pub env: Env,
    pub store: ConnectionStore,
    pub jobs: Arc<SourceJobs>,
}

pub fn today() -> NaiveDate {
    TODAY.parse().expect("date")
}

impl ApiEnv {
    pub async fn new(endpoints: Endpoints) -> Self {
        let env = Env::new().await;
        let secrets = SecretBox::from_key(Some(SECRET_KEY)).expect("key");
        let store = ConnectionStore::new(env.db.pool().clone(), Some(secrets));
        let pulls = Pulls::new(store.clone(), endpoints, RetryPolicy::quick());
        let jobs = SourceJobs::with_pulls(env.etl.clone(), Arc::new(Quiet), pulls, Clock::new(Some(today())));
        Self { env, store, jobs }
    }

    pub async fn connect(&self, source: SourceId, account: Option<&str>, secrets: Secrets) {
        self.store.connect(source, None, account, &secrets, None, Some("test")).await.expect("connect");
    }

    /// An OAuth connection with a client secret and both tokens (`client-id`, [`CLIENT_SECRET`]).
    pub async fn connect_tokens(
        &self,
        source: SourceId,
        access: &str,
        refresh: &str,
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
    ) {
        let secrets = Secrets {
            client_secret: Some(CLIENT_SECRET.into()),
            access_token: Some(access.into()),
            refresh_token: Some(refresh.into()),
            api_key: None,
        };
        self.store
            .connect(source, Some("client-id"), None, &secrets, expires_at, Some("test"))
            .await
            .expect("connect");
    }

    /// An OAuth connection: a client id (TikTok's client key) and an access token valid until
    /// `access_expires_at`.
    pub async fn connect_oauth(
        &self,
        source: SourceId,
        client_id: &str,
        account: Option<&str>,
        secrets: Secrets,
        access_expires_at: Option<chrono::DateTime<chrono::Utc>>,
    ) {
        self.store
            .connect(source, Some(client_id), account, &secrets, access_expires_at, Some("test"))
            .await
            .expect("connect");
    }

    pub async fn run(&self, source: SourceId) -> RunReport {
        self.jobs.run(source, Trigger::Admin).await.expect("run")
    }

    pub async fn last_day(&self, source: SourceId) -> Option<NaiveDate> {
        self.store.load(source).await.expect("load").and_then(|c| c.last_day)
    }

    /// Every byte of the database files (the main file and its write-ahead log).
    pub fn database_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        for name in ["soundcheck.db", "soundcheck.db-wal"] {
            if let Ok(b) = std::fs::read(self.env.dir.path().join(name)) {
                bytes.extend(b);
            }
        }
        bytes
    }
}

/// Every file under `dir`, read as bytes, with its path.
fn every_file(dir: &std::path::Path, out: &mut Vec<(std::path::PathBuf, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).expect("read the data directory").flatten() {
        let path = entry.path();
        if path.is_dir() {
            every_file(&path, out);
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path, bytes));
        }
    }
}

impl ApiEnv {
    /// Fails when any file under the data directory — the lake's zones, the database and its
    /// write-ahead log — holds one of `secrets` in clear.
    pub fn assert_no_secret_stored(&self, secrets: &[&str]) {
        let mut files = Vec::new();
        every_file(self.env.dir.path(), &mut files);
        assert!(files.iter().any(|(p, _)| p.ends_with("soundcheck.db")), "the database is scanned");
        for (path, bytes) in &files {
            for secret in secrets {
                assert!(!contains(bytes, secret), "{secret:?} is stored in clear in {}", path.display());
            }
        }
    }
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}
