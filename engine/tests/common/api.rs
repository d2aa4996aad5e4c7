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

    /// An OAuth connection with a client secret and both tokens (`client-id`, `client-secret`).
    pub async fn connect_tokens(
        &self,
        source: SourceId,
        access: &str,
        refresh: &str,
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
    ) {
        let secrets = Secrets {
            client_secret: Some("client-secret".into()),
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

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}
