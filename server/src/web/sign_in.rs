//! Sign-in and sign-out as plain form posts (they work before the WASM loads), and the guard
//! that sends anonymous visitors of any page to the sign-in page.

use std::{
    net::{IpAddr, SocketAddr},
    time::Instant,
};

use axum::{
    Form,
    extract::{ConnectInfo, Request, State},
    http::HeaderMap,
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use engine::auth::{self, Password, UserStore, users::MAX_NAME_CHARS};
use serde::Deserialize;
use tower_sessions::Session;

use super::AppState;

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

fn back_to_login(query: &str, next: &str) -> Response {
    let next = urlencode(next);
    Redirect::to(&format!("/login?{query}&next={next}")).into_response()
}

fn internal(err: impl std::fmt::Display) -> Response {
    tracing::error!(error = %err, "sign-in failed");
    (StatusCode::INTERNAL_SERVER_ERROR, "Internal error; the server log has the details.").into_response()
}

/// The address a request comes from: the peer, or whom a trusted proxy says it forwards.
pub fn client_ip(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    let forwarded: Vec<&str> =
        headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
    state.trusted_proxies.client(peer.ip(), &forwarded)
}

#[tracing::instrument(skip_all, fields(user, client))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    session: Session,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let client = client_ip(&state, peer, &headers);
    let name = form.username.trim();
    // A name no account can have is refused before it becomes a throttle key or is logged.
    let name_ok = name.chars().count() <= MAX_NAME_CHARS;
    let span = tracing::Span::current();
    span.record("user", if name_ok { name } else { "(too long)" });
    span.record("client", tracing::field::display(client));
    let next = app::auth::safe_next(form.next);
    let Ok(password) = Password::parse(form.password) else {
        return back_to_login("error=missing", &next);
    };
    if name.is_empty() {
        return back_to_login("error=missing", &next);
    }
    if !name_ok {
        tracing::warn!("sign-in refused: the name is longer than any account's");
        return back_to_login("error=invalid", &next);
    }
    if let Err(wait) = state.throttle.attempt(name, client, Instant::now()) {
        tracing::warn!(wait_s = wait.as_secs(), "sign-in throttled");
        return back_to_login(&format!("error=throttled&retry={}", wait.as_secs().max(1)), &next);
    }

    let users = UserStore::new(&state.db);
    match users.authenticate(name, password).await {
        Ok(Some(user)) => {
            state.throttle.succeeded(name, client);
            if let Err(err) = auth::log_in(&session, &user).await {
                return internal(err);
            }
            if let Err(err) = users.record_login(user.id).await {
                tracing::warn!(error = %err, "could not record the sign-in time");
            }
            tracing::info!(role = %user.role, "signed in");
            Redirect::to(&next).into_response()
        }
        Ok(None) => {
            tracing::warn!("sign-in refused: wrong name or password");
            back_to_login("error=invalid", &next)
        }
        Err(err) => internal(err),
    }
}

pub async fn logout(session: Session) -> Response {
    if let Err(err) = auth::log_out(&session).await {
        return internal(err);
    }
    Redirect::to("/login?notice=signed_out").into_response()
}

/// Paths anyone may fetch: the sign-in page and its form, probes, server functions and the other
/// endpoints that check their caller themselves and answer 401/403 (the live WebSocket, uploads),
/// and static assets (paths with a file extension).
fn is_public(path: &str) -> bool {
    const PUBLIC_PREFIXES: [&str; 3] = ["/auth/", "/api/", "/pkg/"];
    matches!(path, "/login" | "/healthz" | "/readyz" | "/live" | "/admin/upload")
        || PUBLIC_PREFIXES.iter().any(|p| path.starts_with(p))
        || path.rsplit('/').next().is_some_and(|last| last.contains('.'))
}

/// Every other path needs a signed-in user; anonymous visitors go to `/login?next=…`.
pub async fn require_sign_in(
    State(state): State<AppState>,
    session: Session,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_string();
    if is_public(&path) && path != "/login" {
        return next.run(req).await;
    }
    let user = match auth::current_user(&session, &UserStore::new(&state.db)).await {
        Ok(user) => user,
        Err(err) => return internal(err),
    };
    match (path.as_str(), user) {
        // Already signed in: the sign-in page has nothing to offer.
        ("/login", Some(_)) => Redirect::to("/").into_response(),
        ("/login", None) => next.run(req).await,
        (_, Some(_)) => next.run(req).await,
        (_, None) => {
            let target = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
            Redirect::to(&format!("/login?next={}", urlencode(target))).into_response()
        }
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters pass through).
fn urlencode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_private_assets_and_probes_public() {
        for path in ["/", "/admin", "/sources", "/nope", "/admin/users"] {
            assert!(!is_public(path), "{path}");
        }
        for path in [
            "/login",
            "/healthz",
            "/readyz",
            "/auth/login",
            "/api/me",
            "/pkg/soundcheck.wasm",
            "/favicon.ico",
        ] {
            assert!(is_public(path), "{path}");
        }
    }

    #[test]
    fn next_targets_are_encoded() {
        assert_eq!(urlencode("/?from=2025-01-01&to=x y"), "/%3Ffrom%3D2025-01-01%26to%3Dx%20y");
    }
}
