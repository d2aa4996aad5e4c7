//! Connecting an OAuth source from the Admin page: `POST /admin/connect/{source}` (client id and
//! secret) sends the browser to the provider; the provider sends it back to
//! `GET /admin/connect/callback`, which stores the tokens and returns to the Admin page with the
//! outcome. Both are for admins only.

use axum::{
    Form,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use engine::{
    audit,
    pull::authorize::{self, Callback},
};
use model::SourceId;
use serde::Deserialize;
use tower_sessions::Session;

use super::{AppState, admin::admin_only};

pub use authorize::CALLBACK_PATH;

#[derive(Deserialize)]
pub struct ClientForm {
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// Back to the Admin page's connections, with what happened.
fn back(outcome: &str, value: &str) -> Response {
    let value = engine::pull::percent_encode(value);
    Redirect::to(&format!("/admin?{outcome}={value}#connections")).into_response()
}

/// The callback URL as the browser reaches this server (the provider must list it exactly).
pub fn redirect_uri(headers: &HeaderMap, secure: bool) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let forwarded = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok());
    authorize::callback_url(host, forwarded, secure)
}

pub async fn start(
    State(state): State<AppState>,
    session: Session,
    Path(source): Path<String>,
    headers: HeaderMap,
    Form(form): Form<ClientForm>,
) -> Response {
    let user = match admin_only(&state, &session).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let Ok(source) = source.parse::<SourceId>() else {
        return (StatusCode::NOT_FOUND, format!("{source:?} is not a source")).into_response();
    };
    let Some(pulls) = state.jobs.pulls() else {
        return back("connect_error", "API connections are not available on this server");
    };
    // The form is disabled then; a request that comes anyway is refused before the provider is
    // involved (the client secret could not be sealed, nor the tokens it would bring back).
    if !pulls.store().can_store() {
        return (StatusCode::CONFLICT, model::NEEDS_SECRET_KEY).into_response();
    }
    let Some(provider) = authorize::provider(source, pulls.endpoints()) else {
        return back("connect_error", &format!("{source} is not connected through a sign-in"));
    };
    let Some(redirect) = redirect_uri(&headers, state.secure_cookies) else {
        return (StatusCode::BAD_REQUEST, "the request has no usable Host header").into_response();
    };
    match authorize::start(
        pulls.store(),
        &provider,
        &form.client_id,
        &form.client_secret,
        &redirect,
        Some(&user.name),
    )
    .await
    {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(err) => back("connect_error", &err.to_string()),
    }
}

pub async fn callback(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let user = match admin_only(&state, &session).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let Some(pulls) = state.jobs.pulls() else {
        return back("connect_error", "API connections are not available on this server");
    };
    let error = query.error.map(|e| match query.error_description {
        Some(d) if !d.is_empty() => format!("{e}: {d}"),
        _ => e,
    });
    let callback = Callback { state: query.state, code: query.code, error };
    match authorize::finish(pulls.store(), pulls.endpoints(), &callback, Some(&user.name)).await {
        Ok(source) => {
            if let Err(err) = audit::record(state.db.pool(), &user.name, "connect", source.as_str()).await {
                tracing::error!(error = %err, "cannot write the audit log");
            }
            tracing::info!(%source, admin = %user.name, "source connected");
            back("connected", source.as_str())
        }
        Err(err) => {
            tracing::warn!(error = %err, "connecting a source failed");
            back("connect_error", &err.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_callback_url_follows_the_host_and_scheme() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "music.example.org".parse().expect("host"));
        assert_eq!(
            redirect_uri(&h, false).as_deref(),
            Some("http://music.example.org/admin/connect/callback")
        );
        assert_eq!(
            redirect_uri(&h, true).as_deref(),
            Some("https://music.example.org/admin/connect/callback")
        );
        h.insert("x-forwarded-proto", "https".parse().expect("proto"));
        assert_eq!(
            redirect_uri(&h, false).as_deref(),
            Some("https://music.example.org/admin/connect/callback")
        );
        h.insert(header::HOST, "evil.example/x".parse().expect("host"));
        assert_eq!(redirect_uri(&h, false), None);
    }
}
