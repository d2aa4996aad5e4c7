use std::sync::Arc;

use model::Role;
use reqwest::{
    Url,
    cookie::{CookieStore, Jar},
};

use crate::helpers::{client, client_with, location, spawn_app, spawn_app_on};

#[tokio::test]
async fn anonymous_visitors_are_sent_to_the_login_page() {
    let app = spawn_app().await;
    let c = client();
    for (path, next) in [
        ("/", "/"),
        ("/admin", "/admin"),
        ("/sources", "/sources"),
        ("/no-such-page", "/no-such-page"),
        ("/?from=2025-01-01&to=2025-01-31", "/%3Ffrom%3D2025-01-01%26to%3D2025-01-31"),
    ] {
        let resp = app.get(&c, path).await;
        assert_eq!(resp.status(), 303, "{path}");
        assert_eq!(location(&resp), format!("/login?next={next}"), "{path}");
    }
    let login = app.get(&c, "/login").await;
    assert_eq!(login.status(), 200);
    let html = login.text().await.expect("body");
    assert!(html.contains(r#"action="/auth/login""#), "the login form posts without JS");
    assert!(html.contains(r#"name="password""#));
}

#[tokio::test]
async fn login_with_the_right_password_opens_the_app() {
    let app = spawn_app().await;
    app.add_user("ada", Role::Admin, "correct horse").await;
    let c = client();
    let resp = app.login(&c, "ada", "correct horse").await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), "/");
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("soundcheck_session="))
        .expect("session cookie")
        .to_string();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http by default: {cookie}");

    let page = app.get(&c, "/").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("body");
    assert!(html.contains("Dashboard"));
    assert!(html.contains("ada"), "the header names the user");

    // Signed in, the login page sends you to the app.
    assert_eq!(location(&app.get(&c, "/login").await), "/");
}

#[tokio::test]
async fn a_wrong_password_or_unknown_user_is_refused() {
    let app = spawn_app().await;
    app.add_user("ada", Role::Admin, "correct horse").await;
    let c = client();
    for (name, pw) in [("ada", "wrong"), ("nobody", "correct horse")] {
        let resp = app.login(&c, name, pw).await;
        assert_eq!(resp.status(), 303);
        assert!(location(&resp).starts_with("/login?error=invalid"), "{}", location(&resp));
    }
    assert_eq!(app.get(&c, "/").await.status(), 303, "still anonymous");
    let missing = app.login(&c, "ada", "").await;
    assert!(location(&missing).starts_with("/login?error=missing"));
}

#[tokio::test]
async fn repeated_failures_throttle_the_account_even_for_the_right_password() {
    let app = spawn_app().await;
    app.add_user("ada", Role::Admin, "correct horse").await;
    let c = client();
    for _ in 0..5 {
        let resp = app.login(&c, "ada", "wrong").await;
        assert!(location(&resp).contains("error=invalid"));
    }
    let resp = app.login(&c, "ada", "correct horse").await;
    let to = location(&resp);
    assert!(to.contains("error=throttled"), "{to}");
    assert!(to.contains("retry="), "{to}");
    assert_eq!(app.get(&c, "/").await.status(), 303, "no session was opened");

    // The page explains it.
    let html = app.get(&c, &to).await.text().await.expect("body");
    assert!(html.contains("Too many failed sign-in attempts"), "{html}");
}

#[tokio::test]
async fn the_session_survives_a_server_restart() {
    let app = spawn_app().await;
    app.add_user("ada", Role::Viewer, "pw").await;
    let jar = Arc::new(Jar::default());
    let c = client_with(jar.clone());
    assert_eq!(app.login(&c, "ada", "pw").await.status(), 303);
    assert_eq!(app.get(&c, "/").await.status(), 200);

    let (data_dir, _keep) = app.stop().await;
    let app = spawn_app_on(data_dir).await;
    // Cookies ignore ports, so the jar sends the same session cookie to the new server.
    let resp = app.get(&c, "/").await;
    assert_eq!(resp.status(), 200, "still signed in after the restart");
}

#[tokio::test]
async fn the_session_id_changes_at_login() {
    let app = spawn_app().await;
    app.add_user("ada", Role::Viewer, "pw").await;
    let jar = Arc::new(Jar::default());
    let c = client_with(jar.clone());
    let url: Url = app.url("/").parse().expect("url");
    app.login(&c, "ada", "pw").await;
    let first = jar.cookies(&url).expect("cookie");
    app.login(&c, "ada", "pw").await;
    let second = jar.cookies(&url).expect("cookie");
    assert_ne!(first, second, "a new id at each login");

    // The old id no longer opens anything.
    let old_jar = Arc::new(Jar::default());
    old_jar.set_cookies(&mut std::iter::once(&first), &url);
    let old = client_with(old_jar);
    assert_eq!(app.get(&old, "/").await.status(), 303);
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    app.add_user("ada", Role::Viewer, "pw").await;
    let c = client();
    app.login(&c, "ada", "pw").await;
    let resp = c.post(app.url("/auth/logout")).header("origin", app.origin()).send().await.expect("logout");
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), "/login?notice=signed_out");
    assert_eq!(app.get(&c, "/").await.status(), 303);
}

#[tokio::test]
async fn admin_functions_check_the_callers_role() {
    let app = spawn_app().await;
    app.add_user("ada", Role::Admin, "pw-a").await;
    app.add_user("vic", Role::Viewer, "pw-v").await;

    let anonymous = client();
    assert_eq!(app.server_fn(&anonymous, "/api/admin/users").await.status(), 401);

    let viewer = client();
    app.login(&viewer, "vic", "pw-v").await;
    let refused = app.server_fn(&viewer, "/api/admin/users").await;
    assert_eq!(refused.status(), 403);
    assert!(refused.text().await.expect("body").contains("forbidden"));
    // A viewer may still ask who they are.
    let me = app.server_fn(&viewer, "/api/me").await;
    assert_eq!(me.status(), 200);
    let me: serde_json::Value = me.json().await.expect("json");
    assert_eq!(me["name"], "vic");
    assert_eq!(me["role"], "viewer");

    let admin = client();
    app.login(&admin, "ada", "pw-a").await;
    let ok = app.server_fn(&admin, "/api/admin/users").await;
    assert_eq!(ok.status(), 200);
    let users: serde_json::Value = ok.json().await.expect("json");
    let names: Vec<&str> =
        users.as_array().expect("array").iter().filter_map(|u| u["name"].as_str()).collect();
    assert_eq!(names, ["ada", "vic"]);
    assert!(!users.to_string().contains("argon2"), "hashes never leave the server");
}

#[tokio::test]
async fn a_viewer_sees_the_admin_page_refused_and_no_admin_link() {
    let app = spawn_app().await;
    app.add_user("vic", Role::Viewer, "pw").await;
    let c = client();
    app.login(&c, "vic", "pw").await;
    let home = app.get(&c, "/").await.text().await.expect("body");
    assert!(!home.contains(r#"href="/admin""#), "no admin link for viewers");
    let admin = app.get(&c, "/admin").await.text().await.expect("body");
    assert!(admin.contains("Only admins can see this."), "{admin}");
    assert!(!admin.contains("users-table"));
}

#[tokio::test]
async fn unknown_pages_are_404_for_signed_in_users() {
    let app = spawn_app().await;
    app.add_user("ada", Role::Viewer, "pw").await;
    let c = client();
    app.login(&c, "ada", "pw").await;
    let resp = app.get(&c, "/no-such-page").await;
    assert_eq!(resp.status(), 404);
    assert!(resp.text().await.expect("body").contains("Page not found"));
}
