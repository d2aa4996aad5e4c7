//! What an attacker's page, a hostile form value or a proxy in front must not get past.

use std::sync::Arc;

use model::Role;
use reqwest::cookie::Jar;
use tokio_tungstenite::{
    connect_async,
    tungstenite::{Error as WsError, client::IntoClientRequest},
};

use crate::helpers::{TestApp, client, client_with, location, session_cookie, spawn_app, spawn_app_with};

async fn admin_client(app: &TestApp) -> (reqwest::Client, Arc<Jar>) {
    app.add_user("ada", Role::Admin, "correct horse").await;
    let jar = Arc::new(Jar::default());
    let c = client_with(Arc::clone(&jar));
    assert_eq!(app.login(&c, "ada", "correct horse").await.status(), 303);
    (c, jar)
}

async fn user_exists(app: &TestApp, name: &str) -> bool {
    let db = engine::Database::open(&app.data_dir.join("soundcheck.db")).await.expect("db");
    engine::auth::UserStore::new(&db).by_name(name).await.expect("lookup").is_some()
}

/// `POST /api/admin/user-add` with the admin's cookie and the given extra headers.
async fn add_user_with(app: &TestApp, c: &reqwest::Client, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = c
        .post(app.url("/api/admin/user-add"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=mallory&role=admin&password=pwned-pwned");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("user-add")
}

#[tokio::test]
async fn a_page_on_another_origin_cannot_act_with_the_admins_cookie() {
    let app = spawn_app().await;
    let (c, _) = admin_client(&app).await;
    let port = app.addr.port();
    let sibling = format!("http://localhost:{port}");
    for headers in [
        vec![("origin", "http://evil.localhost:8080")],
        vec![("origin", sibling.as_str())],
        vec![("origin", "null")],
        vec![("sec-fetch-site", "same-site")],
        vec![("referer", "http://evil.localhost:8080/page")],
        // A cookie without any header that says where the request came from.
        vec![],
    ] {
        let resp = add_user_with(&app, &c, &headers).await;
        assert_eq!(resp.status(), 403, "{headers:?}");
        assert!(!user_exists(&app, "mallory").await, "{headers:?} created a user");
    }
    // Sign-out is a change too: a foreign page cannot end the admin's session.
    let out = c.post(app.url("/auth/logout")).header("origin", "http://evil.localhost:8080").send().await;
    assert_eq!(out.expect("logout").status(), 403);
    assert_eq!(app.get(&c, "/admin").await.status(), 200, "still signed in");

    let own = app.origin();
    let resp = add_user_with(&app, &c, &[("origin", own.as_str())]).await;
    assert_eq!(resp.status(), 200);
    assert!(user_exists(&app, "mallory").await);
}

#[tokio::test]
async fn a_program_without_a_cookie_may_post_without_origin_headers() {
    let app = spawn_app().await;
    app.add_user("ada", Role::Admin, "correct horse").await;
    let resp = client()
        .post(app.url("/auth/login"))
        .form(&[("username", "ada"), ("password", "correct horse")])
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), "/");
}

#[tokio::test]
async fn behind_a_proxy_only_the_public_url_is_the_origin() {
    let app = spawn_app_with(|s| {
        s.public_origin = Some(server::config::Origin::parse("https://music.example.com").expect("origin"));
    })
    .await;
    let (c, _) = {
        app.add_user("ada", Role::Admin, "correct horse").await;
        let jar = Arc::new(Jar::default());
        let c = client_with(Arc::clone(&jar));
        let resp = c
            .post(app.url("/auth/login"))
            .header("origin", "https://music.example.com")
            .form(&[("username", "ada"), ("password", "correct horse")])
            .send()
            .await
            .expect("login");
        assert_eq!(resp.status(), 303);
        (c, jar)
    };
    let own_host = app.origin();
    assert_eq!(add_user_with(&app, &c, &[("origin", own_host.as_str())]).await.status(), 403);
    let resp = add_user_with(&app, &c, &[("origin", "https://music.example.com")]).await;
    assert_eq!(resp.status(), 200);
}

async fn open_live(app: &TestApp, cookie: &str, origin: &str) -> Result<(), WsError> {
    let mut request = format!("ws://{}/live", app.addr).into_client_request().expect("request");
    request.headers_mut().insert("origin", origin.parse().expect("origin"));
    request.headers_mut().insert("cookie", cookie.parse().expect("cookie"));
    connect_async(request).await.map(|_| ())
}

#[tokio::test]
async fn the_live_connection_refuses_a_foreign_origin() {
    let app = spawn_app().await;
    let (_, jar) = admin_client(&app).await;
    let cookie = session_cookie(&jar, &app);
    match open_live(&app, &cookie, "http://evil.localhost:8080").await {
        Err(WsError::Http(resp)) => assert_eq!(resp.status(), 403),
        other => panic!("expected a 403, got {other:?}"),
    }
    open_live(&app, &cookie, &app.origin()).await.expect("its own page connects");
}

#[tokio::test]
async fn a_live_connection_ends_when_its_session_is_signed_out() {
    let app = spawn_app().await;
    let (c, jar) = admin_client(&app).await;
    let cookie = session_cookie(&jar, &app);
    let mut request = format!("ws://{}/live", app.addr).into_client_request().expect("request");
    request.headers_mut().insert("origin", app.origin().parse().expect("origin"));
    request.headers_mut().insert("cookie", cookie.parse().expect("cookie"));
    let (mut socket, _) = connect_async(request).await.expect("connects");

    let out = c.post(app.url("/auth/logout")).header("origin", app.origin()).send().await.expect("logout");
    assert_eq!(out.status(), 303);
    // The user is still enabled and has the same role: only the session ended.
    assert_eq!(crate::live::close_code(&mut socket).await, Some(4001));
}

#[tokio::test]
async fn the_next_page_after_sign_in_is_always_on_this_site() {
    let app = spawn_app().await;
    app.add_user("ada", Role::Admin, "correct horse").await;
    for (next, expected) in [
        ("/\t/evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/\r\n/evil.example", "/"),
        ("/admin\r\nSet-Cookie: x=y", "/adminSet-Cookie:%20x=y"),
        ("https://evil.example", "/"),
        ("/admin?tab=users", "/admin?tab=users"),
    ] {
        let resp = client()
            .post(app.url("/auth/login"))
            .form(&[("username", "ada"), ("password", "correct horse"), ("next", next)])
            .send()
            .await
            .expect("login");
        assert_eq!(resp.status(), 303, "{next:?}");
        assert_eq!(location(&resp), expected, "{next:?}");
    }
    // A wrong password goes back to the form with `next` encoded, whatever it holds.
    let resp = client()
        .post(app.url("/auth/login"))
        .form(&[("username", "ada"), ("password", "wrong"), ("next", "/\r\n/x\u{e9}")])
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), 303);
    assert!(location(&resp).starts_with("/login?error=invalid&next="), "{}", location(&resp));
}

#[tokio::test]
async fn a_user_name_longer_than_any_account_is_refused_without_a_throttle_record() {
    let app = spawn_app().await;
    app.add_user("ada", Role::Admin, "correct horse").await;
    let long = "x".repeat(100_000);
    // More than the 20 attempts that lock an address, had they been counted.
    for _ in 0..25 {
        let resp = client()
            .post(app.url("/auth/login"))
            .form(&[("username", long.as_str()), ("password", "pw")])
            .send()
            .await
            .expect("login");
        assert_eq!(resp.status(), 303);
        assert!(location(&resp).contains("error=invalid"), "{}", location(&resp));
    }
    let resp = app.login(&client(), "ada", "correct horse").await;
    assert_eq!(location(&resp), "/", "the address was not locked by names no account can have");
}

#[tokio::test]
async fn behind_a_trusted_proxy_one_clients_guesses_do_not_lock_out_the_others() {
    let app = spawn_app_with(|s| {
        s.trusted_proxies = server::config::TrustedProxies::parse(["127.0.0.1"]).expect("proxies");
    })
    .await;
    app.add_user("ada", Role::Admin, "correct horse").await;
    let attempt = |name: String, forwarded: &'static str| {
        let url = app.url("/auth/login");
        async move {
            client()
                .post(url)
                .header("x-forwarded-for", forwarded)
                .form(&[("username", name.as_str()), ("password", "wrong")])
                .send()
                .await
                .expect("login")
        }
    };
    // Enough wrong guesses, over many names, to lock one client address.
    let mut throttled = false;
    for i in 0..25 {
        let resp = attempt(format!("guess{i}"), "198.51.100.1").await;
        throttled |= location(&resp).contains("error=throttled");
    }
    assert!(throttled, "the guessing client is locked");
    let resp = client()
        .post(app.url("/auth/login"))
        .header("x-forwarded-for", "198.51.100.2")
        .form(&[("username", "ada"), ("password", "correct horse")])
        .send()
        .await
        .expect("login");
    assert_eq!(location(&resp), "/", "another client behind the same proxy signs in");
}

#[tokio::test]
async fn pages_carry_a_content_security_policy_that_names_their_scripts_nonce() {
    let app = spawn_app().await;
    let (c, _) = admin_client(&app).await;
    for path in ["/", "/login", "/admin", "/no-such-page"] {
        let resp = app.get(&c, path).await;
        let headers = resp.headers().clone();
        let header =
            |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("referrer-policy"), "same-origin", "{path}");
        assert!(header("strict-transport-security").is_empty(), "no HSTS over plain http");
        let csp = header("content-security-policy");
        for part in ["default-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'"]
        {
            assert!(csp.contains(part), "{path}: {part} missing from {csp}");
        }
        let html = resp.text().await.expect("body");
        if html.contains("<script") && html.contains("nonce=") {
            let nonce = csp
                .split("'nonce-")
                .nth(1)
                .and_then(|rest| rest.split('\'').next())
                .unwrap_or_else(|| panic!("{path}: no nonce in {csp}"));
            assert!(html.contains(&format!("nonce=\"{nonce}\"")), "{path}: the scripts carry another nonce");
        }
    }
    let health = app.get(&c, "/healthz").await;
    assert_eq!(health.headers().get("x-content-type-options").map(|v| v.as_bytes()), Some(&b"nosniff"[..]));
}

#[tokio::test]
async fn https_sites_send_hsts() {
    let app = spawn_app_with(|s| s.secure_cookies = true).await;
    let resp = app.get(&client(), "/login").await;
    let hsts = resp.headers().get("strict-transport-security").and_then(|v| v.to_str().ok());
    assert_eq!(hsts, Some("max-age=31536000"));
}
