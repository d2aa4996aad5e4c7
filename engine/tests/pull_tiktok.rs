//! The TikTok API connector against a local mock of the Display API and its token endpoint: what
//! lands in the warehouse, token refresh with rotated refresh tokens, and failures.

mod common;

use std::time::{Duration, Instant};

use chrono::Utc;
use common::{
    api::{ApiEnv, today},
    daily,
};
use engine::{
    etl::Outcome,
    kpi::{KpiQuery, Period, report},
    pull::{Endpoints, Secrets},
};
use model::{KpiId, SourceId};
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{body_partial_json, body_string_contains, header, method, path},
};

const CLIENT_KEY: &str = "awexampleclientkey";
const CLIENT_SECRET: &str = "tt-client-secret-Z8q";
const ACCESS: &str = "act.tt-access-token-Z8q";
const REFRESH: &str = "rft.tt-refresh-token-Z8q";
const HANDLE: &str = "zone.a0";

fn ok() -> Value {
    json!({"code": "ok", "message": "", "log_id": "202611260000"})
}

fn user() -> Value {
    json!({"data": {"user": {
        "open_id": "-000OpenId", "display_name": "ZONE A0", "follower_count": 15230,
        "following_count": 12, "likes_count": "412000", "video_count": 87
    }}, "error": ok()})
}

fn video(id: &str, views: i64) -> Value {
    json!({"id": id, "title": format!("Clip {id}"), "create_time": 1764000000, "view_count": views,
           "like_count": 100, "comment_count": 7, "share_count": 3})
}

fn videos(list: Vec<Value>, cursor: i64, has_more: bool) -> Value {
    json!({"data": {"videos": list, "cursor": cursor, "has_more": has_more}, "error": ok()})
}

async fn connected(server: &MockServer) -> ApiEnv {
    let env = ApiEnv::new(Endpoints {
        tiktok: server.uri(),
        tiktok_token: format!("{}/v2/oauth/token/", server.uri()),
        ..Endpoints::default()
    })
    .await;
    let secrets = Secrets {
        client_secret: Some(CLIENT_SECRET.into()),
        access_token: Some(ACCESS.into()),
        refresh_token: Some(REFRESH.into()),
        ..Secrets::default()
    };
    env.connect_oauth(
        SourceId::Tiktok,
        CLIENT_KEY,
        Some(HANDLE),
        secrets,
        Some(Utc::now() + chrono::Duration::hours(2)),
    )
    .await;
    env
}

async fn mount_user(server: &MockServer, token: &str) {
    Mock::given(method("GET"))
        .and(path("/v2/user/info/"))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(user()))
        .mount(server)
        .await;
}

async fn mount_videos(server: &MockServer, token: &str) {
    Mock::given(method("POST"))
        .and(path("/v2/video/list/"))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .and(body_partial_json(json!({"cursor": 1763000000000i64})))
        .respond_with(ResponseTemplate::new(200).set_body_json(videos(
            vec![video("7300000000000000003", 90)],
            1762000000000,
            false,
        )))
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/video/list/"))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .and(body_partial_json(json!({"max_count": 20})))
        .respond_with(ResponseTemplate::new(200).set_body_json(videos(
            vec![video("7300000000000000001", 5000), video("7300000000000000002", 1200)],
            1763000000000,
            true,
        )))
        .mount(server)
        .await;
}

/// (metric, artist, entity key, value) of the pulled day's facts.
async fn snapshot(env: &ApiEnv) -> Vec<(String, Option<String>, Option<String>, Option<i64>)> {
    daily(&env.env, "tiktok")
        .await
        .into_iter()
        .inspect(|r| assert_eq!(r.3, 20261126, "a snapshot belongs to the day of the pull"))
        .map(|r| (r.0, r.1, r.2, r.4))
        .collect()
}

#[tokio::test]
async fn the_account_and_every_video_page_land_as_todays_snapshot() {
    let server = MockServer::start().await;
    mount_user(&server, ACCESS).await;
    mount_videos(&server, ACCESS).await;
    let env = connected(&server).await;

    let run = env.run(SourceId::Tiktok).await;
    assert_eq!(run.status, "succeeded", "{:?}", run.files);
    assert_eq!(run.files[0].outcome, Outcome::Loaded);
    let got = snapshot(&env).await;
    let artist = Some(HANDLE.to_string());
    let account = |m: &str| got.iter().find(|r| r.0 == m && r.2.is_none()).map(|r| (r.1.clone(), r.3));
    assert_eq!(account("followers"), Some((artist.clone(), Some(15230))));
    assert_eq!(account("likes_total"), Some((artist.clone(), Some(412000))));
    assert_eq!(account("video_count"), Some((artist.clone(), Some(87))));
    let views: Vec<_> =
        got.iter().filter(|r| r.0 == "video_views_total").map(|r| (r.2.clone(), r.3)).collect();
    assert_eq!(
        views,
        vec![
            (Some("7300000000000000001".into()), Some(5000)),
            (Some("7300000000000000002".into()), Some(1200)),
            (Some("7300000000000000003".into()), Some(90)),
        ]
    );
    for m in ["likes_total", "comments_total", "shares_total"] {
        assert_eq!(got.iter().filter(|r| r.0 == m && r.2.is_some()).count(), 3, "{m}");
    }
    // Nothing lands in the daily metrics the KPIs add up over days.
    assert!(!got.iter().any(|r| ["likes", "video_views", "comments", "shares"].contains(&r.0.as_str())));
    // …so the social KPIs, sums of daily figures, stay empty: no lifetime total counted as a day.
    let query = KpiQuery {
        period: Period::new(today() - chrono::Duration::days(27), today()).expect("period"),
        artist: None,
        today: today(),
        sparklines: false,
        store: None,
        platform: None,
    };
    let kpis = report(&env.env.db, &query).await.expect("report");
    for id in [KpiId::TiktokViews, KpiId::TiktokEngagementRate, KpiId::TiktokFollowersGained] {
        assert_eq!(kpis.value(id), None, "{id}");
    }
    assert_eq!(env.last_day(SourceId::Tiktok).await, Some(today()));

    // Pulled again the same day: the snapshot is replaced, not added.
    let again = env.run(SourceId::Tiktok).await;
    assert!(
        matches!(again.files[0].outcome, Outcome::Loaded | Outcome::AlreadyImported),
        "{:?}",
        again.files
    );
    assert_eq!(snapshot(&env).await.len(), got.len());
    env.assert_no_secret_stored(&[ACCESS, REFRESH, CLIENT_SECRET]);
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_and_the_rotated_refresh_token_stored() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/user/info/"))
        .and(header("authorization", format!("Bearer {ACCESS}").as_str()))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"data": {}, "error": {
            "code": "access_token_invalid", "message": "The access token is invalid or not found in the request.", "log_id": "x"
        }})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/oauth/token/"))
        .and(body_string_contains(format!("client_key={CLIENT_KEY}").as_str()))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains(format!("refresh_token={REFRESH}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "act.new-access-token", "expires_in": 7200, "open_id": "-000OpenId",
            "refresh_expires_in": 31536000, "refresh_token": "rft.rotated-refresh-token",
            "scope": "user.info.basic,user.info.stats,video.list", "token_type": "Bearer"
        })))
        .expect(1)
        .mount(&server)
        .await;
    mount_user(&server, "act.new-access-token").await;
    mount_videos(&server, "act.new-access-token").await;
    let env = connected(&server).await;

    let run = env.run(SourceId::Tiktok).await;
    assert_eq!(run.status, "succeeded", "{:?}", run.files);
    assert!(snapshot(&env).await.iter().any(|r| r.0 == "followers" && r.3 == Some(15230)));
    let stored = env.store.load(SourceId::Tiktok).await.expect("load").expect("connected");
    assert_eq!(stored.secrets.refresh_token.as_deref(), Some("rft.rotated-refresh-token"));
    assert_eq!(stored.secrets.access_token.as_deref(), Some("act.new-access-token"));
    assert!(stored.access_expires_at.is_some_and(|t| t > Utc::now() + chrono::Duration::minutes(100)));
    env.assert_no_secret_stored(&[
        ACCESS,
        REFRESH,
        CLIENT_SECRET,
        "act.new-access-token",
        "rft.rotated-refresh-token",
    ]);
}

#[tokio::test]
async fn a_revoked_refresh_token_needs_a_reconnect() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/user/info/"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"data": {}, "error": {
            "code": "access_token_invalid", "message": "The access token is invalid.", "log_id": "x"
        }})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/oauth/token/"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_grant", "error_description": "Refresh token is invalid or expired.", "log_id": "y"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let env = connected(&server).await;

    let run = env.run(SourceId::Tiktok).await;
    assert_eq!(run.status, "failed");
    let message = run.files[0].message.clone().unwrap_or_default();
    assert!(message.contains("reconnect"), "{message}");
    assert!(env.store.needs_reconnect(SourceId::Tiktok).await.expect("flag"));
    // Not asked again until reconnected (each mock expects one request).
    assert_eq!(env.run(SourceId::Tiktok).await.status, "failed");
    assert!(daily(&env.env, "tiktok").await.is_empty());
}

#[tokio::test]
async fn a_429_waits_for_retry_after_and_a_500_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/user/info/"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1").set_body_json(json!({
            "data": {}, "error": {"code": "rate_limit_exceeded", "message": "Rate limit exceeded.", "log_id": "z"}
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/video/list/"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "data": {}, "error": {"code": "internal_error", "message": "Something went wrong.", "log_id": "w"}
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_user(&server, ACCESS).await;
    mount_videos(&server, ACCESS).await;
    let env = connected(&server).await;

    let started = Instant::now();
    let run = env.run(SourceId::Tiktok).await;
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After was not honoured");
    assert_eq!(run.status, "succeeded", "{:?}", run.files);
    assert_eq!(snapshot(&env).await.iter().filter(|r| r.0 == "video_views_total").count(), 3);
    // user info twice, the video list three times (a 500, then two pages).
    assert_eq!(server.received_requests().await.expect("requests").len(), 5);
}

#[tokio::test]
async fn a_dropped_field_rejects_the_pull_and_stores_nothing() {
    let server = MockServer::start().await;
    let mut broken = user();
    broken["data"]["user"].as_object_mut().expect("object").remove("follower_count");
    Mock::given(method("GET"))
        .and(path("/v2/user/info/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(broken))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_user(&server, ACCESS).await;
    mount_videos(&server, ACCESS).await;
    let env = connected(&server).await;

    let run = env.run(SourceId::Tiktok).await;
    assert_eq!(run.files[0].outcome, Outcome::Rejected);
    let reason = run.files[0].quarantined.first().map(ToString::to_string).unwrap_or_default();
    assert!(reason.contains("data.user.follower_count"), "{reason}");
    assert!(daily(&env.env, "tiktok").await.is_empty(), "nothing of a rejected pull is stored");
    assert_eq!(env.last_day(SourceId::Tiktok).await, None);

    let retry = env.run(SourceId::Tiktok).await;
    assert_eq!(retry.files[0].outcome, Outcome::Loaded, "{:?}", retry.files);
    assert!(!snapshot(&env).await.is_empty());
}

#[tokio::test]
async fn an_account_without_videos_stores_its_totals_only() {
    let server = MockServer::start().await;
    mount_user(&server, ACCESS).await;
    Mock::given(method("POST"))
        .and(path("/v2/video/list/"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"data": {"videos": [], "cursor": 0, "has_more": false}, "error": ok()}),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    let env = connected(&server).await;

    let run = env.run(SourceId::Tiktok).await;
    assert_eq!(run.status, "succeeded", "{:?}", run.files);
    let got = snapshot(&env).await;
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got.iter().all(|r| r.2.is_none()));
    assert_eq!(env.last_day(SourceId::Tiktok).await, Some(today()));
}
