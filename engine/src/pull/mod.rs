//! API connectors: each pulls a date window from its platform into the landing zone, as the
//! platform's own JSON (see [`envelope`]); the ETL then takes it like any file, so raw keeps what
//! the API said and `etl rebuild` replays it. Reading a pulled file is the job of the source's
//! connector in [`crate::sources`], like its exports.
//!
//! Adding an API: a module here implementing [`ApiConnector`], a branch in [`Pulls::pull_window`],
//! and, in the source's file connector, detection and parsing of its pulled files.

pub mod authorize;
pub mod connections;
pub mod envelope;
pub mod http;
pub mod mailchimp;
pub mod meta_ads;
pub mod oauth;
pub mod redact;
pub mod secrets;
pub mod spotify;
pub mod tiktok;
pub mod youtube;

use std::{future::Future, path::Path};

use chrono::{Duration as Days, NaiveDate};
use model::SourceId;

pub use self::{
    connections::{Connection, ConnectionError, ConnectionStore, Secrets},
    envelope::Pulled,
    http::{ApiClient, RetryPolicy},
};
use crate::lake::{Lake, LakeError, Landed, LandingMeta};

#[derive(Debug, thiserror::Error)]
pub enum PullError {
    /// The credentials were refused for good: an admin must reconnect the source.
    #[error("{0} — reconnect the source on the Admin page")]
    NeedsReconnect(String),
    /// The access token was refused; the connector refreshes it once.
    #[error("the platform refused the access token")]
    Unauthorized,
    #[error("{0}")]
    Throttled(String),
    #[error("{0}")]
    Http(String),
    /// The platform answered something the connector cannot use (not JSON, no data array…).
    #[error("{0}")]
    Malformed(String),
    #[error(transparent)]
    Connection(#[from] connections::ConnectionError),
    #[error("cannot land the pulled file: {0}")]
    Lake(#[from] LakeError),
}

/// Percent-encodes everything but RFC 3986's unreserved characters, for query values and paths.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An inclusive range of days, in the platform's own time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// How far back a platform goes, and how much it restates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The first pull's window, in days up to today.
    pub initial_days: i64,
    /// Days before the last loaded one that are pulled again, because the platform revises them.
    pub trailing_days: i64,
    /// The oldest day a backfill may ask for, in days before today.
    pub max_history_days: i64,
    /// Requests at once (Mailchimp allows 10 connections).
    pub max_concurrent: usize,
}

impl Limits {
    /// The next window: from just after the last loaded day (less the trailing re-pull), or the
    /// initial window; never older than the platform keeps.
    pub fn next_window(&self, last_day: Option<NaiveDate>, today: NaiveDate) -> Window {
        let from = match last_day {
            Some(last) => last + Days::days(1) - Days::days(self.trailing_days),
            None => today - Days::days(self.initial_days - 1),
        };
        self.clamp(Window { from: from.min(today), to: today }, today)
    }

    /// A backfill range cut to what the platform serves (and to today).
    pub fn clamp(&self, w: Window, today: NaiveDate) -> Window {
        let oldest = today - Days::days(self.max_history_days);
        let to = w.to.min(today);
        Window { from: w.from.max(oldest).min(to), to }
    }
}

/// Where the platforms are. The defaults are the real APIs; tests point them at a local server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// `{dc}` is replaced by the API key's data centre.
    pub mailchimp: String,
    /// YouTube Analytics API v2 (`/v2/reports`).
    pub youtube_analytics: String,
    /// YouTube Data API v3 (`/youtube/v3/channels`).
    pub youtube_data: String,
    /// Google's OAuth 2.0 token endpoint.
    pub google_token: String,
    /// Google's OAuth 2.0 authorization page.
    pub google_authorize: String,
    /// Spotify Web API (`/v1/artists/{id}`).
    pub spotify_api: String,
    /// Spotify accounts service (`/api/token`).
    pub spotify_accounts: String,
    /// Meta's Graph API, with its version (`/act_{id}/insights`).
    pub meta_graph: String,
    /// TikTok's Open API (`/v2/user/info/`, `/v2/video/list/`).
    pub tiktok: String,
    /// TikTok's OAuth 2.0 token endpoint.
    pub tiktok_token: String,
    /// TikTok's authorization page (Login Kit for Web).
    pub tiktok_authorize: String,
}

impl Default for Endpoints {
    fn default() -> Self {
        Self {
            mailchimp: "https://{dc}.api.mailchimp.com/3.0".into(),
            youtube_analytics: "https://youtubeanalytics.googleapis.com".into(),
            youtube_data: "https://www.googleapis.com".into(),
            google_token: "https://oauth2.googleapis.com/token".into(),
            google_authorize: "https://accounts.google.com/o/oauth2/v2/auth".into(),
            spotify_api: "https://api.spotify.com".into(),
            spotify_accounts: "https://accounts.spotify.com".into(),
            meta_graph: "https://graph.facebook.com/v21.0".into(),
            tiktok: "https://open.tiktokapis.com".into(),
            tiktok_token: "https://open.tiktokapis.com/v2/oauth/token/".into(),
            tiktok_authorize: "https://www.tiktok.com/v2/auth/authorize/".into(),
        }
    }
}

/// What a connector gets for one pull.
pub struct PullContext<'a> {
    pub client: ApiClient,
    pub connection: Connection,
    pub store: &'a ConnectionStore,
    pub endpoints: &'a Endpoints,
    pub today: NaiveDate,
}

/// One platform's API.
pub trait ApiConnector: Sync {
    fn source(&self) -> SourceId;
    fn limits(&self) -> Limits;
    /// Pulls `window` into files for landing.
    fn pull(
        &self,
        ctx: &PullContext<'_>,
        window: Window,
    ) -> impl Future<Output = Result<Vec<Pulled>, PullError>> + Send;
}

/// How an admin connects `source`, for the sources Soundcheck can pull.
pub fn connect_method(source: SourceId) -> Option<model::ConnectMethod> {
    use model::ConnectMethod;
    match source {
        SourceId::Mailchimp => Some(ConnectMethod::ApiKey),
        SourceId::Youtube => Some(ConnectMethod::OAuth),
        SourceId::Spotify => Some(ConnectMethod::ClientCredentials),
        SourceId::MetaAds => Some(ConnectMethod::AccessToken),
        SourceId::Tiktok => Some(ConnectMethod::OAuth),
        _ => None,
    }
}

/// The sources Soundcheck can pull, with their limits.
pub fn api_limits(source: SourceId) -> Option<Limits> {
    match source {
        SourceId::Mailchimp => Some(mailchimp::Mailchimp.limits()),
        SourceId::Youtube => Some(youtube::Youtube.limits()),
        SourceId::Spotify => Some(spotify::Spotify.limits()),
        SourceId::MetaAds => Some(meta_ads::MetaAds.limits()),
        SourceId::Tiktok => Some(tiktok::Tiktok.limits()),
        _ => None,
    }
}

/// Pulls connected sources into landing.
#[derive(Clone, Debug)]
pub struct Pulls {
    store: ConnectionStore,
    endpoints: Endpoints,
    policy: RetryPolicy,
}

/// Files a pull landed, and the day each one loads up to.
#[derive(Debug, Default)]
pub struct Landing {
    pub files: Vec<(String, NaiveDate)>,
}

impl Pulls {
    pub fn new(store: ConnectionStore, endpoints: Endpoints, policy: RetryPolicy) -> Self {
        Self { store, endpoints, policy }
    }

    pub fn store(&self) -> &ConnectionStore {
        &self.store
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// Pulls the next window of `source` into landing; `Ok(None)` when it is not connected or
    /// has no API.
    #[tracing::instrument(skip(self, lake))]
    pub async fn pull_due(
        &self,
        source: SourceId,
        lake: &Lake,
        today: NaiveDate,
    ) -> Result<Option<Landing>, PullError> {
        let Some(limits) = api_limits(source) else { return Ok(None) };
        let Some(connection) = self.store.load(source).await? else { return Ok(None) };
        if self.store.needs_reconnect(source).await? {
            // Its credentials were refused: asking again would only be refused again.
            return Err(PullError::NeedsReconnect(format!(
                "{source}'s credentials were refused by the platform"
            )));
        }
        let window = limits.next_window(connection.last_day, today);
        self.pull_window(connection, window, lake, today).await.map(Some)
    }

    /// Pulls a chosen range (cut to what the platform serves) into landing.
    #[tracing::instrument(skip(self, lake))]
    pub async fn backfill(
        &self,
        source: SourceId,
        window: Window,
        lake: &Lake,
        today: NaiveDate,
    ) -> Result<Option<Landing>, PullError> {
        let Some(limits) = api_limits(source) else { return Ok(None) };
        let Some(connection) = self.store.load(source).await? else { return Ok(None) };
        self.pull_window(connection, limits.clamp(window, today), lake, today).await.map(Some)
    }

    async fn pull_window(
        &self,
        connection: Connection,
        window: Window,
        lake: &Lake,
        today: NaiveDate,
    ) -> Result<Landing, PullError> {
        let source = connection.source;
        let limits = api_limits(source).ok_or_else(|| PullError::Http(format!("{source} has no API")))?;
        let ctx = PullContext {
            client: ApiClient::new(self.policy, limits.max_concurrent)?,
            connection,
            store: &self.store,
            endpoints: &self.endpoints,
            today,
        };
        let result = match source {
            SourceId::Mailchimp => mailchimp::Mailchimp.pull(&ctx, window).await,
            SourceId::Youtube => youtube::Youtube.pull(&ctx, window).await,
            SourceId::Spotify => spotify::Spotify.pull(&ctx, window).await,
            SourceId::MetaAds => meta_ads::MetaAds.pull(&ctx, window).await,
            SourceId::Tiktok => tiktok::Tiktok.pull(&ctx, window).await,
            other => Err(PullError::Http(format!("{other} has no API connector"))),
        };
        let pulled = match result {
            Ok(files) => files,
            Err(PullError::NeedsReconnect(reason)) => {
                self.store.mark_needs_reconnect(source).await?;
                return Err(PullError::NeedsReconnect(reason));
            }
            Err(other) => return Err(other),
        };
        let mut landing = Landing::default();
        for file in pulled {
            land_bytes(lake, source, &file)?;
            landing.files.push((file.name, file.to));
        }
        Ok(landing)
    }
}

/// Writes a pulled file to the lake's scratch space and lands it as a file of `source`.
fn land_bytes(lake: &Lake, source: SourceId, file: &Pulled) -> Result<Landed, LakeError> {
    let tmp = lake.tmp_dir().join(format!(
        "pull-{}-{}",
        std::process::id(),
        crate::lake::safe_file_name(&file.name)
    ));
    std::fs::write(&tmp, &file.bytes).map_err(|e| LakeError::Io { path: tmp.clone(), source: e })?;
    let landed = lake.land(
        &tmp,
        LandingMeta {
            original_name: file.name.clone(),
            source: Some(source.as_str().to_string()),
            ..LandingMeta::default()
        },
    );
    let _ = std::fs::remove_file(Path::new(&tmp));
    // A pulled file cannot be downloaded again as it was: on disk before the pull counts as done.
    let (landed, flush) = landed?;
    flush.wait()?;
    Ok(landed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn windows_follow_the_incremental_state() {
        let limits =
            Limits { initial_days: 90, trailing_days: 28, max_history_days: 1000, max_concurrent: 1 };
        let today = day("2026-11-26");
        assert_eq!(limits.next_window(None, today), Window { from: day("2026-08-29"), to: today });
        // The trailing re-pull: 28 days before the day after the last loaded one.
        assert_eq!(
            limits.next_window(Some(day("2026-11-25")), today),
            Window { from: day("2026-10-29"), to: today }
        );
        // Already up to date: today is pulled again (its figures grow during the day).
        let none = Limits { trailing_days: 0, ..limits };
        assert_eq!(none.next_window(Some(today), today), Window { from: today, to: today });
    }

    #[test]
    fn backfills_are_cut_to_what_the_platform_keeps() {
        let limits = Limits { initial_days: 30, trailing_days: 0, max_history_days: 365, max_concurrent: 1 };
        let today = day("2026-11-26");
        let asked = Window { from: day("2020-01-01"), to: day("2027-01-01") };
        assert_eq!(limits.clamp(asked, today), Window { from: day("2025-11-26"), to: today });
    }
}
