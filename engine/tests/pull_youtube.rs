//! The YouTube API connector against local mocks of the Analytics API, the Data API and
//! Google's token endpoint: what lands in the warehouse, and what happens when they misbehave.

mod common;

use std::time::{Duration, Instant};

use chrono::{Duration as Days, Utc};
use common::{
    api::{ApiEnv, CLIENT_SECRET, today},
    daily,
};
use engine::{
    etl::{Outcome, Trigger},
    pull::{Endpoints, Window},
};
use model::SourceId;
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{body_string_contains, header, method, path, query_param},
};

/// Distinctive tokens, so that a scan of the data directory finds them wherever they were stored.
const ACCESS: &str = "ya29.a0-yt-access-Q7x";
const REFRESH: &str = "1-0yt-refresh-Q7x";
const NEW_ACCESS: &str = "ya29.a0-yt-new-access-Q7x";

fn headers() -> Value {
    json!([
        {"name": "day", "columnType": "DIMENSION", "dataType": "STRING"},
        {"name": "views", "columnType": "METRIC", "dataType": "INTEGER"},
        {"name": "estimatedMinutesWatched", "columnType": "METRIC", "dataType": "INTEGER"},
        {"name": "subscribersGained", "columnType": "METRIC", "dataType": "INTEGER"},
        {"name": "subscribersLost", "columnType": "METRIC", "dataType": "INTEGER"},
        {"name": "estimatedRevenue", "columnType": "METRIC", "dataType": "CURRENCY"}
    ])
}

/// One row a day from `first`, `n` days: views 100 + i, 60 minutes, 2 gained, 1 lost, $0.50.
fn rows(first: chrono::NaiveDate, n: i64) -> Vec<Value> {
    (0..n).map(|i| json!([(first + Days::days(i)).to_string(), 100 + i, 60, 2, 1, 0.5])).collect()
}

fn report(rows: Vec<Value>) -> Value {
    json!({"kind": "youtubeAnalytics#resultTable", "columnHeaders": headers(), "rows": rows})
}

fn channels() -> Value {
    json!({"kind": "youtube#channelListResponse", "items": [{
        "id": "UC123", "snippet": {"title": "ZONE A0"},
        "statistics": {"viewCount": "123456", "subscriberCount": "4321", "hiddenSubscriberCount": false, "videoCount": "42"}
    }]})
}

async fn env_for(server: &MockServer) -> ApiEnv {
    ApiEnv::new(Endpoints {
        youtube_analytics: server.uri(),
        youtube_data: server.uri(),
        google_token: format!("{}/token", server.uri()),
        ..Endpoints::default()
    })
    .await
}

async fn mount_channels(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/youtube/v3/channels"))
        .respond_with(ResponseTemplate::new(200).set_body_json(channels()))
        .mount(server)
        .await;
}

fn fresh() -> Option<chrono::DateTime<Utc>> {
    Some(Utc::now() + Days::hours(1))
}

fn value_of(rows: &[common::DailyRow], metric: &str, day: i64) -> Option<Option<i64>> {
    rows.iter().find(|r| r.0 == metric && r.3 == day).map(|r| r.4)
}

#[tokio::test]
async fn a_backfill_pages_through_the_report_and_lands_every_day_and_the_channel_totals() {
    let server = MockServer::start().await;
    let from = today() - Days::days(249);
    Mock::given(method("GET"))
        .and(path("/v2/reports"))
        .and(query_param("startIndex", "1"))
        .and(query_param("ids", "channel==MINE"))
        .and(header("authorization", format!("Bearer {ACCESS}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(report(rows(from, 200))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/reports"))
        .and(query_param("startIndex", "201"))
        .respond_with(ResponseTemplate::new(200).set_body_json(report(rows(from + Days::days(200), 48))))
        .expect(1)
        .mount(&server)
        .await;
    mount_channels(&server).await;
    let env = env_for(&server).await;
    env.connect_tokens(SourceId::Youtube, ACCESS, REFRESH, fresh()).await;

    let run = env
        .jobs
        .backfill(SourceId::Youtube, Window { from, to: today() }, Trigger::Admin)
        .await
        .expect("backfill");
    assert_eq!(run.status, "succeeded", "{:?}", run.files);
    let facts = daily(&env.env, "youtube").await;
    let views: Vec<_> = facts.iter().filter(|r| r.0 == "views").collect();
    assert_eq!(views.len(), 248, "the two last days are not processed yet: absent, not zero");
    let first = engine::time::date_int(from);
    assert_eq!(value_of(&facts, "views", first), Some(Some(100)));
    assert_eq!(value_of(&facts, "subscribers_gained", first), Some(Some(2)));
    let hours: Vec<_> =
        facts.iter().filter(|r| r.0 == "watch_hours" && r.3 == first).map(|r| r.5.clone()).collect();
    assert_eq!(hours, vec![Some("1".to_string())]);
    let revenue: Vec<_> =
        facts.iter().filter(|r| r.0 == "estimated_revenue" && r.3 == first).map(|r| r.5.clone()).collect();
    assert_eq!(revenue, vec![Some("0.5".to_string())]);
    let today_int = engine::time::date_int(today());
    assert_eq!(value_of(&facts, "channel_subscribers", today_int), Some(Some(4321)));
    assert_eq!(value_of(&facts, "channel_videos", today_int), Some(Some(42)));
    assert_eq!(env.last_day(SourceId::Youtube).await, Some(today()));
    env.assert_no_secret_stored(&[ACCESS, REFRESH, CLIENT_SECRET]);
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_once_and_the_pull_goes_on() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer stale"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": {"code": 401, "status": "UNAUTHENTICATED"}})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains(format!("refresh_token={REFRESH}").as_str()))
        .and(body_string_contains("client_id=client-id"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"access_token": NEW_ACCESS, "expires_in": 3599, "token_type": "Bearer"}),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/reports"))
        .and(header("authorization", format!("Bearer {NEW_ACCESS}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(report(rows(today() - Days::days(5), 3))))
        .mount(&server)
        .await;
    mount_channels(&server).await;
    let env = env_for(&server).await;
    // The stored token looks valid; YouTube says otherwise.
    env.connect_tokens(SourceId::Youtube, "stale", REFRESH, fresh()).await;

    let run = env.run(SourceId::Youtube).await;
    assert_eq!(run.status, "succeeded", "{:?}", run.files);
    assert_eq!(daily(&env.env, "youtube").await.iter().filter(|r| r.0 == "views").count(), 3);
    let stored = env.store.load(SourceId::Youtube).await.expect("load").expect("connected");
    assert_eq!(stored.secrets.access_token.as_deref(), Some(NEW_ACCESS));
    assert_eq!(stored.secrets.refresh_token.as_deref(), Some(REFRESH), "Google does not rotate it");
    assert!(stored.access_expires_at.is_some_and(|t| t > Utc::now()));
    env.assert_no_secret_stored(&[NEW_ACCESS, REFRESH, CLIENT_SECRET]);
}

#[tokio::test]
async fn a_revoked_refresh_token_needs_a_reconnect_and_stops_the_pulls() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)).expect(0).mount(&server).await;
    let env = env_for(&server).await;
    env.connect_tokens(SourceId::Youtube, "old", "revoked", Some(Utc::now() - Days::hours(1))).await;

    let run = env.run(SourceId::Youtube).await;
    assert_eq!(run.status, "failed");
    let message = run.files[0].message.clone().unwrap_or_default();
    assert!(
        message.contains("refused the stored refresh token") && message.contains("reconnect"),
        "{message}"
    );
    assert!(env.store.needs_reconnect(SourceId::Youtube).await.expect("flag"));
    let again = env.run(SourceId::Youtube).await;
    assert_eq!(again.status, "failed", "no second refresh attempt (the mock expects one)");
}

#[tokio::test]
async fn a_report_without_rows_loads_the_channel_totals_only() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/reports"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"kind": "youtubeAnalytics#resultTable", "columnHeaders": headers()})),
        )
        .mount(&server)
        .await;
    mount_channels(&server).await;
    let env = env_for(&server).await;
    env.connect_tokens(SourceId::Youtube, ACCESS, REFRESH, fresh()).await;

    let run = env.run(SourceId::Youtube).await;
    assert_eq!(run.status, "succeeded", "{:?}", run.files);
    let facts = daily(&env.env, "youtube").await;
    assert!(facts.iter().all(|r| r.0.starts_with("channel_")), "{facts:?}");
    assert_eq!(facts.len(), 3);
}

#[tokio::test]
async fn a_429_waits_for_retry_after_and_a_500_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/reports"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/youtube/v3/channels"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/reports"))
        .respond_with(ResponseTemplate::new(200).set_body_json(report(rows(today() - Days::days(3), 2))))
        .mount(&server)
        .await;
    mount_channels(&server).await;
    let env = env_for(&server).await;
    env.connect_tokens(SourceId::Youtube, ACCESS, REFRESH, fresh()).await;

    let started = Instant::now();
    let run = env.run(SourceId::Youtube).await;
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(run.status, "succeeded", "{:?}", run.files);
    assert_eq!(daily(&env.env, "youtube").await.iter().filter(|r| r.0 == "views").count(), 2);
}

#[tokio::test]
async fn a_dropped_column_rejects_the_pull_and_keeps_what_was_stored() {
    let server = MockServer::start().await;
    let mut cut = headers();
    cut.as_array_mut().expect("array").remove(2);
    Mock::given(method("GET"))
        .and(path("/v2/reports"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"columnHeaders": cut, "rows": [["2026-11-20", 5, 1, 0, 0.1]]})),
        )
        .mount(&server)
        .await;
    mount_channels(&server).await;
    let env = env_for(&server).await;
    env.connect_tokens(SourceId::Youtube, ACCESS, REFRESH, fresh()).await;

    let run = env.run(SourceId::Youtube).await;
    assert_eq!(run.files[0].outcome, Outcome::Rejected);
    let message = run.files[0].message.clone().unwrap_or_default();
    assert!(message.contains("estimatedMinutesWatched"), "{message}");
    assert!(daily(&env.env, "youtube").await.is_empty());
    assert_eq!(env.last_day(SourceId::Youtube).await, None);
}

#[tokio::test]
async fn an_exhausted_quota_stops_the_pull_until_the_next_run_without_a_reconnect() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/reports"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"error": {"code": 403, "message": "quota", "errors": [{"reason": "quotaExceeded", "domain": "youtube.quota"}]}})))
        .expect(1)
        .mount(&server)
        .await;
    let env = env_for(&server).await;
    env.connect_tokens(SourceId::Youtube, ACCESS, REFRESH, fresh()).await;

    let run = env.run(SourceId::Youtube).await;
    assert_eq!(run.status, "failed");
    let message = run.files[0].message.clone().unwrap_or_default();
    assert!(message.contains("next run tries again"), "{message}");
    assert!(!env.store.needs_reconnect(SourceId::Youtube).await.expect("flag"));
}
