//! Connecting an OAuth source: the authorization-code flow end to end against a mock
//! authorization server (wiremock): redirect, callback, state check, token exchange, tokens
//! stored sealed.

use std::sync::Arc;

use engine::{
    Database,
    pull::{ConnectionStore, secrets::SecretBox},
};
use model::{Role, SourceId};
use reqwest::{Url, cookie::Jar};
use serde_json::json;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{body_string_contains, method, path},
};

use crate::helpers::{TEST_SECRET_KEY, TestApp, client, client_with, location, spawn_app, spawn_app_with};

async fn app_with_google_at(server: &MockServer) -> TestApp {
    let uri = server.uri();
    spawn_app_with(|s| {
        s.endpoints.google_authorize = format!("{uri}/o/oauth2/v2/auth");
        s.endpoints.google_token = format!("{uri}/token");
    })
    .await
}

async fn admin_client(app: &TestApp) -> reqwest::Client {
    app.add_user("admin", Role::Admin, "admin-password").await;
    let c = client_with(Arc::new(Jar::default()));
    assert_eq!(app.login(&c, "admin", "admin-password").await.status(), 303);
    c
}

async fn start(app: &TestApp, c: &reqwest::Client) -> Url {
    let resp = c
        .post(app.url("/admin/connect/youtube"))
        .header("origin", app.origin())
        .form(&[("client_id", "my-client.apps.googleusercontent.com"), ("client_secret", "my-client-secret")])
        .send()
        .await
        .expect("start");
    assert_eq!(resp.status(), 303);
    Url::parse(&location(&resp)).expect("provider url")
}

fn param(url: &Url, name: &str) -> String {
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned()).unwrap_or_default()
}

async fn store(app: &TestApp) -> ConnectionStore {
    let db = Database::open(&app.data_dir.join("soundcheck.db")).await.expect("db");
    ConnectionStore::new(db.pool().clone(), Some(SecretBox::from_key(Some(TEST_SECRET_KEY)).expect("key")))
}

#[tokio::test]
async fn an_admin_connects_youtube_through_googles_consent_screen() {
    let google = MockServer::start().await;
    let app = app_with_google_at(&google).await;
    let c = admin_client(&app).await;

    // 1. Soundcheck sends the browser to the provider, with its callback and a fresh state.
    let consent = start(&app, &c).await;
    assert_eq!(consent.path(), "/o/oauth2/v2/auth");
    assert_eq!(param(&consent, "client_id"), "my-client.apps.googleusercontent.com");
    assert_eq!(param(&consent, "response_type"), "code");
    assert_eq!(param(&consent, "access_type"), "offline");
    assert!(param(&consent, "scope").contains("yt-analytics.readonly"));
    let redirect = param(&consent, "redirect_uri");
    assert_eq!(redirect, app.url("/admin/connect/callback"));
    let state = param(&consent, "state");
    assert_eq!(state.len(), 64);

    // 2. The provider sends the browser back with a code, which Soundcheck exchanges.
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .and(body_string_contains("code=the-code"))
        .and(body_string_contains("client_secret=my-client-secret"))
        .and(body_string_contains("redirect_uri=http%3A%2F%2F127.0.0.1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "ya29.access-token-value", "expires_in": 3599,
            "refresh_token": "1//refresh-token-value", "scope": "…", "token_type": "Bearer"
        })))
        .expect(1)
        .mount(&google)
        .await;
    let back = c
        .get(app.url(&format!("/admin/connect/callback?state={state}&code=the-code&scope=x")))
        .send()
        .await
        .expect("callback");
    assert_eq!(back.status(), 303);
    assert_eq!(location(&back), "/admin?connected=youtube#connections");

    // 3. The tokens are stored, sealed: their plaintext is nowhere in the database files.
    let stored = store(&app).await.load(SourceId::Youtube).await.expect("load").expect("connected");
    assert_eq!(stored.client_id.as_deref(), Some("my-client.apps.googleusercontent.com"));
    assert_eq!(stored.secrets.refresh_token.as_deref(), Some("1//refresh-token-value"));
    assert_eq!(stored.secrets.client_secret.as_deref(), Some("my-client-secret"));
    let db = Database::open(&app.data_dir.join("soundcheck.db")).await.expect("db");
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(db.pool()).await.expect("checkpoint");
    let mut bytes = std::fs::read(app.data_dir.join("soundcheck.db")).expect("db file");
    bytes.extend(std::fs::read(app.data_dir.join("soundcheck.db-wal")).unwrap_or_default());
    for secret in ["refresh-token-value", "access-token-value", "my-client-secret"] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{secret} is stored in the clear"
        );
    }

    // 4. A state works once.
    let replay = c
        .get(app.url(&format!("/admin/connect/callback?state={state}&code=the-code")))
        .send()
        .await
        .expect("replay");
    assert!(location(&replay).starts_with("/admin?connect_error="), "{}", location(&replay));
}

#[tokio::test]
async fn a_forged_state_or_a_refusal_connects_nothing() {
    let google = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).expect(0).mount(&google).await;
    let app = app_with_google_at(&google).await;
    let c = admin_client(&app).await;

    let forged = c
        .get(app.url("/admin/connect/callback?state=0123456789abcdef&code=stolen"))
        .send()
        .await
        .expect("forged");
    let message = location(&forged);
    assert!(message.starts_with("/admin?connect_error=") && message.contains("unknown"), "{message}");

    let state = param(&start(&app, &c).await, "state");
    let refused = c
        .get(app.url(&format!("/admin/connect/callback?state={state}&error=access_denied")))
        .send()
        .await
        .expect("refused");
    assert!(location(&refused).contains("access_denied"), "{}", location(&refused));
    assert!(store(&app).await.load(SourceId::Youtube).await.expect("load").is_none());

    // Missing client credentials are refused before anything is stored.
    let empty = c
        .post(app.url("/admin/connect/youtube"))
        .header("origin", app.origin())
        .form(&[("client_id", " "), ("client_secret", "")])
        .send()
        .await
        .expect("empty");
    assert!(location(&empty).contains("connect_error"), "{}", location(&empty));
}

#[tokio::test]
async fn only_admins_may_connect_sources() {
    let google = MockServer::start().await;
    let app = app_with_google_at(&google).await;
    app.add_user("viewer", Role::Viewer, "viewer-password").await;
    let c = client_with(Arc::new(Jar::default()));
    assert_eq!(app.login(&c, "viewer", "viewer-password").await.status(), 303);
    let start = c
        .post(app.url("/admin/connect/youtube"))
        .header("origin", app.origin())
        .form(&[("client_id", "a"), ("client_secret", "b")])
        .send()
        .await
        .expect("start");
    assert_eq!(start.status(), 403);
    let callback = c.get(app.url("/admin/connect/callback?state=x&code=y")).send().await.expect("cb");
    assert_eq!(callback.status(), 403);
    // Anonymous visitors are sent to sign in.
    let anonymous =
        client().get(app.url("/admin/connect/callback?state=x&code=y")).send().await.expect("anon");
    assert_eq!(anonymous.status(), 303);
    assert!(location(&anonymous).starts_with("/login"));
}

#[tokio::test]
async fn tiktok_is_asked_with_its_client_key_and_scopes() {
    let tiktok = MockServer::start().await;
    let uri = tiktok.uri();
    let app = spawn_app_with(|s| {
        s.endpoints.tiktok_authorize = format!("{uri}/v2/auth/authorize/");
        s.endpoints.tiktok_token = format!("{uri}/v2/oauth/token/");
    })
    .await;
    let c = admin_client(&app).await;
    let resp = c
        .post(app.url("/admin/connect/tiktok"))
        .header("origin", app.origin())
        .form(&[("client_id", "aw-client-key"), ("client_secret", "tt-secret")])
        .send()
        .await
        .expect("start");
    let consent = Url::parse(&location(&resp)).expect("provider url");
    assert_eq!(consent.path(), "/v2/auth/authorize/");
    assert_eq!(param(&consent, "client_key"), "aw-client-key");
    assert_eq!(param(&consent, "scope"), "user.info.basic,user.info.stats,video.list");

    Mock::given(method("POST"))
        .and(path("/v2/oauth/token/"))
        .and(body_string_contains("client_key=aw-client-key"))
        .and(body_string_contains("grant_type=authorization_code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "act.tiktok-access", "expires_in": 86400, "open_id": "open-123",
            "refresh_token": "rft.tiktok-refresh", "refresh_expires_in": 31536000, "scope": "user.info.basic", "token_type": "Bearer"
        })))
        .expect(1)
        .mount(&tiktok)
        .await;
    let back = c
        .get(app.url(&format!("/admin/connect/callback?state={}&code=tt-code", param(&consent, "state"))))
        .send()
        .await
        .expect("callback");
    assert_eq!(location(&back), "/admin?connected=tiktok#connections");
    let stored = store(&app).await.load(SourceId::Tiktok).await.expect("load").expect("connected");
    assert_eq!(stored.secrets.refresh_token.as_deref(), Some("rft.tiktok-refresh"));
    assert_eq!(stored.client_id.as_deref(), Some("aw-client-key"));
}

#[tokio::test]
async fn an_admin_names_the_artist_of_a_meta_connection() {
    let app = spawn_app_with(|_| {}).await;
    let c = admin_client(&app).await;
    let set = |artist: &'static str| {
        let (app, c) = (&app, &c);
        async move {
            c.post(app.url("/api/admin/connection-artist"))
                .header("origin", app.origin())
                .form(&[("source", "meta_ads"), ("artist", artist)])
                .send()
                .await
                .expect("set artist")
        }
    };
    assert_eq!(set("ZONE A0").await.status(), 400, "Meta Ads is not connected yet");

    let secrets = engine::pull::Secrets { access_token: Some("meta-token".into()), ..Default::default() };
    store(&app)
        .await
        .connect(SourceId::MetaAds, None, Some("act_123"), &secrets, None, Some("admin"))
        .await
        .expect("connect");
    let resp = set("ZONE A0").await;
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.expect("text").contains("attributed to ZONE A0"));
    assert_eq!(
        store(&app).await.artist(SourceId::MetaAds).await.expect("artist").as_deref(),
        Some("ZONE A0")
    );
    let listed: serde_json::Value =
        app.server_fn(&c, "/api/admin/connections").await.json().await.expect("json");
    let meta =
        listed["sources"].as_array().expect("sources").iter().find(|s| s["source"] == "meta_ads").cloned();
    assert_eq!(meta.expect("meta")["artist"], "ZONE A0");

    assert_eq!(set("  ").await.status(), 200, "an empty name clears it");
    assert_eq!(store(&app).await.artist(SourceId::MetaAds).await.expect("artist"), None);
    assert_eq!(set("!!!").await.status(), 400, "not an artist's name");
}

/// Issue 23: without a secret key the Admin page's connect, save and pull controls are disabled
/// with the reason (what to configure) beside them, and the server refuses those requests with a
/// 409 naming the setting, storing nothing.
#[tokio::test]
async fn without_a_secret_key_connecting_is_disabled_and_refused() {
    let app = spawn_app_with(|s| s.secret_key = None).await;
    let c = admin_client(&app).await;

    let page = app.get(&c, "/admin").await.text().await.expect("admin page");
    assert!(page.contains(r#"data-testid="secret-key-missing""#), "the banner: {page}");
    let api_sources = 5;
    assert_eq!(page.matches(r#"<fieldset disabled class="plain">"#).count(), api_sources, "{page}");
    assert_eq!(page.matches(r#"data-testid="needs-secret-key""#).count(), api_sources, "{page}");
    assert!(page.contains("set SOUNDCHECK_SECRET_KEY (at least 32 characters)"), "{page}");

    let post = |path: &'static str, form: &'static [(&'static str, &'static str)]| {
        let (app, c) = (&app, &c);
        async move {
            let resp = c
                .post(app.url(path))
                .header("origin", app.origin())
                .form(form)
                .send()
                .await
                .expect("request");
            (resp.status().as_u16(), resp.text().await.expect("body"))
        }
    };
    for (path, form) in [
        ("/api/admin/connect-key", &[("source", "mailchimp"), ("secret", "0123456789abcdef-us21")][..]),
        ("/api/admin/connect-key", &[("source", "meta_ads"), ("account", "act_1"), ("secret", "")][..]),
        (
            "/admin/connect/youtube",
            &[("client_id", "a.apps.googleusercontent.com"), ("client_secret", "b")][..],
        ),
        ("/api/admin/backfill", &[("source", "youtube"), ("from", "2026-01-01"), ("to", "2026-01-31")][..]),
        ("/api/admin/connection-artist", &[("source", "meta_ads"), ("artist", "ZONE A0")][..]),
    ] {
        let (status, body) = post(path, form).await;
        assert_eq!(status, 409, "{path}: {body}");
        assert!(body.contains("SOUNDCHECK_SECRET_KEY"), "{path}: {body}");
    }
    let db = Database::open(&app.data_dir.join("soundcheck.db")).await.expect("db");
    let stored: (i64, i64) =
        sqlx::query_as("SELECT (SELECT count(*) FROM api_connections), (SELECT count(*) FROM oauth_states)")
            .fetch_one(db.pool())
            .await
            .expect("count");
    assert_eq!(stored, (0, 0), "nothing was stored");

    // With the key, the same page's forms are live.
    let keyed = spawn_app().await;
    let c = admin_client(&keyed).await;
    let page = keyed.get(&c, "/admin").await.text().await.expect("admin page");
    assert!(page.contains("Connect with Google"), "{page}");
    assert!(!page.contains(r#"data-testid="needs-secret-key""#), "{page}");
    assert!(!page.contains(r#"<fieldset disabled class="plain">"#), "{page}");
}
