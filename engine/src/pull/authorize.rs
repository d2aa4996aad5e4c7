//! Connecting an OAuth source: the authorization-code flow (RFC 6749 §4.1). An admin gives the
//! app's client id and secret; Soundcheck sends the browser to the provider with a random,
//! single-use `state`, and at the callback checks the state, exchanges the code for tokens and
//! stores them sealed. The client secret waits, sealed too, beside the state.

use chrono::{DateTime, Duration as Span, Utc};
use model::SourceId;
use rand::RngCore as _;
use serde_json::Value;

use super::{
    ConnectionStore, Endpoints, Secrets,
    connections::ConnectionError,
    http::{ApiClient, Classify, Reply, RetryPolicy, Verdict, classify_common},
    percent_encode,
};

/// Whether the server is reached over https (its cookies are `Secure`): the web layer provides
/// it to the pages that show the callback URL.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecureOrigin(pub bool);

/// Where providers send the browser back after consent.
pub const CALLBACK_PATH: &str = "/admin/connect/callback";

/// The callback URL as the browser reaches Soundcheck (the provider must list it exactly):
/// from the request's `Host`, over https when a proxy says so or cookies are `Secure`.
pub fn callback_url(host: &str, forwarded_proto: Option<&str>, secure: bool) -> Option<String> {
    if host.is_empty() || host.contains(['/', ' ', '@', '\\', '?', '#']) {
        return None;
    }
    let scheme = match forwarded_proto {
        Some("https") => "https",
        Some("http") => "http",
        _ if secure => "https",
        _ => "http",
    };
    Some(format!("{scheme}://{host}{CALLBACK_PATH}"))
}

/// How long the provider's consent screen may take.
const STATE_LIFETIME_MINUTES: i64 = 15;

/// An OAuth provider as Soundcheck uses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provider {
    pub source: SourceId,
    pub name: &'static str,
    pub authorize_url: String,
    pub token_url: String,
    pub scopes: &'static str,
    /// The form field of the client id (`client_id`; TikTok: `client_key`).
    pub client_field: &'static str,
    pub extra: &'static [(&'static str, &'static str)],
}

/// The sources connected through an authorization-code flow.
pub fn provider(source: SourceId, endpoints: &Endpoints) -> Option<Provider> {
    match source {
        // https://developers.google.com/identity/protocols/oauth2/web-server#creatingclient
        // Scopes: https://developers.google.com/youtube/analytics/reference/reports/query#auth
        // `access_type=offline` and `prompt=consent` make Google return a refresh token.
        SourceId::Youtube => Some(Provider {
            source,
            name: "Google",
            authorize_url: endpoints.google_authorize.clone(),
            token_url: endpoints.google_token.clone(),
            scopes: "https://www.googleapis.com/auth/yt-analytics.readonly \
                     https://www.googleapis.com/auth/yt-analytics-monetary.readonly \
                     https://www.googleapis.com/auth/youtube.readonly",
            client_field: "client_id",
            extra: &[("access_type", "offline"), ("prompt", "consent"), ("include_granted_scopes", "true")],
        }),
        // Login Kit for Web: https://developers.tiktok.com/doc/login-kit-web (scopes comma-separated,
        // the client id is `client_key`, redirect URIs must be https and registered with the app);
        // token exchange: https://developers.tiktok.com/doc/oauth-user-access-token-management
        SourceId::Tiktok => Some(Provider {
            source,
            name: "TikTok",
            authorize_url: endpoints.tiktok_authorize.clone(),
            token_url: endpoints.tiktok_token.clone(),
            scopes: "user.info.basic,user.info.stats,video.list",
            client_field: "client_key",
            extra: &[],
        }),
        _ => None,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthorizeError {
    #[error("{0} is not connected through a sign-in with its provider")]
    NotOAuth(SourceId),
    #[error("the client id and the client secret are both needed")]
    MissingClient,
    #[error(
        "this sign-in link is unknown, already used or older than {STATE_LIFETIME_MINUTES} minutes: start again from the Admin page"
    )]
    BadState,
    #[error("the provider did not grant access: {0}")]
    Denied(String),
    #[error("the provider refused the code: {0}")]
    Exchange(String),
    #[error(transparent)]
    Store(#[from] ConnectionError),
}

impl From<sqlx::Error> for AuthorizeError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(ConnectionError::Db(e))
    }
}

fn random_state() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn form_encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Step 1: remembers a state for this attempt and returns the provider's consent URL.
#[tracing::instrument(skip(store, client_secret))]
pub async fn start(
    store: &ConnectionStore,
    provider: &Provider,
    client_id: &str,
    client_secret: &str,
    redirect_uri: &str,
    by: Option<&str>,
) -> Result<String, AuthorizeError> {
    let (client_id, client_secret) = (client_id.trim(), client_secret.trim());
    if client_id.is_empty() || client_secret.is_empty() {
        return Err(AuthorizeError::MissingClient);
    }
    let sealed = store.seal(provider.source, client_secret.as_bytes())?;
    let state = random_state();
    let now = Utc::now();
    let pool = store.pool();
    sqlx::query("DELETE FROM oauth_states WHERE created_at < ?1")
        .bind((now - Span::minutes(STATE_LIFETIME_MINUTES)).to_rfc3339())
        .execute(pool)
        .await?;
    sqlx::query(
        "INSERT INTO oauth_states (state, source, client_id, sealed_client_secret, redirect_uri, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .bind(&state)
    .bind(provider.source.as_str())
    .bind(client_id)
    .bind(sealed)
    .bind(redirect_uri)
    .bind(by)
    .bind(now.to_rfc3339())
    .execute(pool)
    .await?;
    let mut params = vec![
        (provider.client_field, client_id),
        ("redirect_uri", redirect_uri),
        ("response_type", "code"),
        ("scope", provider.scopes),
        ("state", state.as_str()),
    ];
    params.extend(provider.extra.iter().copied());
    Ok(format!("{}?{}", provider.authorize_url, form_encode(&params)))
}

/// What the provider's redirect brought back.
#[derive(Clone, Debug, Default)]
pub struct Callback {
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
}

fn classify_exchange(reply: &Reply) -> Verdict {
    match reply.status.as_u16() {
        400 | 401 | 403 => Verdict::Fail(reply.excerpt()),
        _ => classify_common(reply),
    }
}

/// Step 2: checks the state (single use, recent), exchanges the code and stores the connection.
#[tracing::instrument(skip(store, endpoints, callback))]
pub async fn finish(
    store: &ConnectionStore,
    endpoints: &Endpoints,
    callback: &Callback,
    by: Option<&str>,
) -> Result<SourceId, AuthorizeError> {
    let state = callback.state.as_deref().filter(|s| !s.is_empty()).ok_or(AuthorizeError::BadState)?;
    // Taken out at once, so a state works once even if two callbacks race.
    let row: Option<(String, String, Vec<u8>, String, String)> = sqlx::query_as(
        "DELETE FROM oauth_states WHERE state = ?1
         RETURNING source, client_id, sealed_client_secret, redirect_uri, created_at",
    )
    .bind(state)
    .fetch_optional(store.pool())
    .await?;
    let (source, client_id, sealed, redirect_uri, created_at) = row.ok_or(AuthorizeError::BadState)?;
    let created = DateTime::parse_from_rfc3339(&created_at).map_err(|_| AuthorizeError::BadState)?;
    if Utc::now().signed_duration_since(created) > Span::minutes(STATE_LIFETIME_MINUTES) {
        return Err(AuthorizeError::BadState);
    }
    let source: SourceId = source.parse().map_err(|_| AuthorizeError::BadState)?;
    let provider = provider(source, endpoints).ok_or(AuthorizeError::NotOAuth(source))?;
    if let Some(error) = &callback.error {
        return Err(AuthorizeError::Denied(error.clone()));
    }
    let code = callback
        .code
        .as_deref()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| AuthorizeError::Denied("the provider sent no authorization code".into()))?;
    let secret = String::from_utf8(store.open(source, &sealed)?).map_err(|_| AuthorizeError::BadState)?;

    let client =
        ApiClient::new(RetryPolicy::default(), 1).map_err(|e| AuthorizeError::Exchange(e.to_string()))?;
    let form = [
        (provider.client_field, client_id.as_str()),
        ("client_secret", secret.as_str()),
        ("code", code),
        ("grant_type", "authorization_code"),
        ("redirect_uri", redirect_uri.as_str()),
    ];
    let what = format!("{} token exchange", provider.name);
    let reply = client
        .send(&what, |http| http.post(&provider.token_url).form(&form), classify_exchange as Classify)
        .await
        .map_err(|e| AuthorizeError::Exchange(e.to_string()))?;
    let body = reply.json().unwrap_or(Value::Null);
    let text =
        |key: &str| body.get(key).and_then(Value::as_str).filter(|t| !t.is_empty()).map(str::to_string);
    let access = text("access_token").ok_or_else(|| {
        AuthorizeError::Exchange(format!("the answer has no access token: {}", reply.excerpt()))
    })?;
    let refresh = text("refresh_token").ok_or_else(|| {
        AuthorizeError::Exchange(
            "the answer has no refresh token, so Soundcheck could not keep pulling: remove Soundcheck's access in \
             the provider's account settings and connect again"
                .into(),
        )
    })?;
    let expires_at = body.get("expires_in").and_then(Value::as_i64).map(|s| Utc::now() + Span::seconds(s));
    let secrets = Secrets {
        client_secret: Some(secret),
        access_token: Some(access),
        refresh_token: Some(refresh),
        api_key: None,
    };
    // The account stays unset: connectors read who the user is from the API (TikTok's
    // display name), and a handle given later keeps its meaning as the artist.
    store.connect(source, Some(&client_id), None, &secrets, expires_at, by).await?;
    Ok(source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_long_and_random() {
        let (a, b) = (random_state(), random_state());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }

    #[test]
    fn parameters_are_encoded() {
        assert_eq!(form_encode(&[("scope", "a b/c"), ("x", "é")]), "scope=a%20b%2Fc&x=%C3%A9");
    }
}
