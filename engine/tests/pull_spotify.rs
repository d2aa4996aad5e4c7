//! The Spotify connector against local mocks of the accounts service and the Web API: the
//! catalogue's artist metadata lands in the warehouse, and the Spotify id becomes an alias.

mod common;

use std::time::{Duration, Instant};

use common::{api::ApiEnv, daily};
use engine::{
    etl::Outcome,
    pull::{Endpoints, Secrets},
};
use model::SourceId;
use serde_json::json;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{basic_auth, body_string_contains, header, method, path},
};

const BAND: &str = "4Z8W4fKeB5YxbusRsdQVPb";
const OTHER: &str = "0OdUWJ0sBjDrqHygGUXeCF";
/// Distinctive credentials, so that a scan of the data directory finds them wherever stored.
const APP_SECRET: &str = "sp-app-secret-K3w";
const TOKEN: &str = "BQsp-access-token-K3w";

fn artist(id: &str, name: &str) -> serde_json::Value {
    // Development-mode apps get no `followers` or `popularity` since February 2026.
    json!({"id": id, "name": name, "type": "artist", "genres": ["indie pop", "bedroom pop"],
           "images": [{"url": format!("https://i.scdn.co/image/{id}-640"), "width": 640, "height": 640},
                      {"url": format!("https://i.scdn.co/image/{id}-160"), "width": 160, "height": 160}]})
}

async fn env_for(server: &MockServer) -> ApiEnv {
    let env = ApiEnv::new(Endpoints {
        spotify_api: server.uri(),
        spotify_accounts: server.uri(),
        ..Endpoints::default()
    })
    .await;
    let secrets = Secrets { client_secret: Some(APP_SECRET.into()), ..Secrets::default() };
    env.store
        .connect(
            SourceId::Spotify,
            Some("app-id"),
            Some(&format!("{BAND},{OTHER}")),
            &secrets,
            None,
            Some("test"),
        )
        .await
        .expect("connect");
    env
}

async fn mount_token(server: &MockServer, token: &str, times: u64) {
    Mock::given(method("POST"))
        .and(path("/api/token"))
        .and(basic_auth("app-id", APP_SECRET))
        .and(body_string_contains("grant_type=client_credentials"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": token, "token_type": "Bearer", "expires_in": 3600})),
        )
        .up_to_n_times(times)
        .mount(server)
        .await;
}

async fn profiles(env: &ApiEnv) -> Vec<(String, String, String, Option<String>)> {
    sqlx::query_as(
        "SELECT p.spotify_id, a.name, p.genres, p.image_url FROM artist_profiles p JOIN artists a ON a.id = p.artist_id ORDER BY p.spotify_id",
    )
    .fetch_all(env.env.db.pool())
    .await
    .expect("profiles")
}

#[tokio::test]
async fn artists_land_in_the_catalogue_and_their_ids_attribute_spotify_for_artists_exports() {
    let server = MockServer::start().await;
    mount_token(&server, TOKEN, 1).await;
    for (id, name) in [(BAND, "ZONE A0"), (OTHER, "Night Owls")] {
        Mock::given(method("GET"))
            .and(path(format!("/v1/artists/{id}")))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(artist(id, name)))
            .mount(&server)
            .await;
    }
    let env = env_for(&server).await;

    let run = env.run(SourceId::Spotify).await;
    assert_eq!(run.status, "succeeded", "{:?}", run.files);
    assert_eq!(
        profiles(&env).await,
        vec![
            (
                OTHER.into(),
                "Night Owls".into(),
                r#"["indie pop","bedroom pop"]"#.into(),
                Some(format!("https://i.scdn.co/image/{OTHER}-640"))
            ),
            (
                BAND.into(),
                "ZONE A0".into(),
                r#"["indie pop","bedroom pop"]"#.into(),
                Some(format!("https://i.scdn.co/image/{BAND}-640"))
            ),
        ]
    );

    // A Spotify for Artists export named by the artist's id now belongs to that artist.
    env.env.import(&[&format!("spotify/{BAND}-audience-timeline.csv")]).await;
    let facts = daily(&env.env, "spotify").await;
    assert!(!facts.is_empty());
    assert!(facts.iter().all(|r| r.1.as_deref() == Some("ZONE A0")), "{facts:?}");
    env.assert_no_secret_stored(&[APP_SECRET, TOKEN]);
}

#[tokio::test]
async fn a_refused_token_is_simply_requested_again() {
    let server = MockServer::start().await;
    mount_token(&server, "token-1", 1).await;
    mount_token(&server, "token-2", 1).await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer token-1"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": {"status": 401, "message": "The access token expired"}})),
        )
        .mount(&server)
        .await;
    for id in [BAND, OTHER] {
        Mock::given(method("GET"))
            .and(path(format!("/v1/artists/{id}")))
            .and(header("authorization", "Bearer token-2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(artist(id, "Name")))
            .mount(&server)
            .await;
    }
    let env = env_for(&server).await;
    let run = env.run(SourceId::Spotify).await;
    assert_eq!(run.status, "succeeded", "{:?}", run.files);
    assert_eq!(profiles(&env).await.len(), 2);
}

#[tokio::test]
async fn a_refused_client_needs_a_reconnect() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/token"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(
                json!({"error": "invalid_client", "error_description": "Invalid client secret"}),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    let env = env_for(&server).await;
    let run = env.run(SourceId::Spotify).await;
    assert_eq!(run.status, "failed");
    assert!(
        run.files[0]
            .message
            .clone()
            .unwrap_or_default()
            .contains("Spotify refused the app's client id or secret")
    );
    assert!(env.store.needs_reconnect(SourceId::Spotify).await.expect("flag"));
    env.run(SourceId::Spotify).await;
}

#[tokio::test]
async fn a_429_waits_for_retry_after_and_a_500_is_retried() {
    let server = MockServer::start().await;
    mount_token(&server, "token-1", 5).await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/artists/{BAND}")))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"error": {"status": 429, "message": "API rate limit exceeded"}})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/artists/{OTHER}")))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    for id in [BAND, OTHER] {
        Mock::given(method("GET"))
            .and(path(format!("/v1/artists/{id}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(artist(id, "Name")))
            .mount(&server)
            .await;
    }
    let env = env_for(&server).await;
    let started = Instant::now();
    let run = env.run(SourceId::Spotify).await;
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(run.status, "succeeded", "{:?}", run.files);
    assert_eq!(profiles(&env).await.len(), 2);
}

#[tokio::test]
async fn an_artist_without_a_name_rejects_the_pull_and_stores_nothing() {
    let server = MockServer::start().await;
    mount_token(&server, "token-1", 1).await;
    let mut nameless = artist(BAND, "x");
    nameless.as_object_mut().expect("object").remove("name");
    Mock::given(method("GET"))
        .and(path(format!("/v1/artists/{BAND}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(nameless))
        .mount(&server)
        .await;
    // An artist with no genres and no images is fine: nothing reported is not an error.
    Mock::given(method("GET"))
        .and(path(format!("/v1/artists/{OTHER}")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": OTHER, "name": "Quiet", "genres": [], "images": []})),
        )
        .mount(&server)
        .await;
    let env = env_for(&server).await;
    let run = env.run(SourceId::Spotify).await;
    assert_eq!(run.files[0].outcome, Outcome::Rejected);
    let reason = run.files[0].quarantined.first().map(ToString::to_string).unwrap_or_default();
    assert!(reason.contains("\"name\""), "{reason}");
    assert!(profiles(&env).await.is_empty());
}
