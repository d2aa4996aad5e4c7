//! OAuth 2.0 access tokens for the connectors that have refresh tokens (YouTube through Google,
//! TikTok): a request that comes back unauthorized gets the token refreshed once and is sent
//! again; a refresh token the provider refuses (`invalid_grant`: revoked, expired, rotated away)
//! marks the source "needs reconnect". Rotated refresh tokens (TikTok rotates on every refresh)
//! are stored at once, since the old one stops working.

use chrono::{Duration as Span, Utc};
use reqwest::RequestBuilder;
use serde_json::Value;
use tokio::sync::Mutex;

use super::{
    PullContext, PullError,
    http::{Classify, Reply, Verdict, classify_common},
};

/// Where and how a provider refreshes tokens.
#[derive(Clone, Copy, Debug)]
pub struct TokenEndpoint<'a> {
    pub url: &'a str,
    /// The form field of the client id (`client_id`; TikTok calls it `client_key`).
    pub client_field: &'static str,
    /// The provider's name, for messages.
    pub provider: &'static str,
}

/// The access token of one pull, refreshed when it expires or is refused.
pub struct Tokens<'a> {
    ctx: &'a PullContext<'a>,
    endpoint: TokenEndpoint<'a>,
    current: Mutex<Option<String>>,
}

/// Refresh-token errors that no retry will fix (RFC 6749 §5.2).
fn classify_token(reply: &Reply) -> Verdict {
    let error = reply.json().and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_string));
    match (reply.status.as_u16(), error.as_deref()) {
        (400 | 401, Some("invalid_grant" | "invalid_client" | "unauthorized_client")) | (401, _) => {
            Verdict::Reconnect(format!("the provider refused the stored refresh token ({})", reply.excerpt()))
        }
        _ => classify_common(reply),
    }
}

impl<'a> Tokens<'a> {
    pub fn new(ctx: &'a PullContext<'a>, endpoint: TokenEndpoint<'a>) -> Self {
        let c = &ctx.connection;
        // A token that expires within a minute is as good as expired.
        let fresh = c.access_expires_at.is_none_or(|at| at > Utc::now() + Span::seconds(60));
        let current = c.secrets.access_token.clone().filter(|_| fresh);
        Self { ctx, endpoint, current: Mutex::new(current) }
    }

    /// The current access token, refreshed first when there is none or it expired.
    pub async fn get(&self) -> Result<String, PullError> {
        let mut current = self.current.lock().await;
        if let Some(token) = current.as_ref() {
            return Ok(token.clone());
        }
        let token = self.refresh_now().await?;
        *current = Some(token.clone());
        Ok(token)
    }

    async fn refresh(&self, refused: &str) -> Result<String, PullError> {
        let mut current = self.current.lock().await;
        // Another request may have refreshed it meanwhile.
        if let Some(token) = current.as_ref().filter(|t| t.as_str() != refused) {
            return Ok(token.clone());
        }
        let token = self.refresh_now().await?;
        *current = Some(token.clone());
        Ok(token)
    }

    async fn refresh_now(&self) -> Result<String, PullError> {
        let c = &self.ctx.connection;
        let provider = self.endpoint.provider;
        let missing = |what: &str| PullError::NeedsReconnect(format!("no {provider} {what} is stored"));
        let client_id = c.client_id.clone().ok_or_else(|| missing("client id"))?;
        let secret = c.secrets.client_secret.clone().ok_or_else(|| missing("client secret"))?;
        let refresh = c.secrets.refresh_token.clone().ok_or_else(|| missing("refresh token"))?;
        let form = [
            (self.endpoint.client_field, client_id.as_str()),
            ("client_secret", secret.as_str()),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.as_str()),
        ];
        let url = self.endpoint.url;
        let what = format!("{provider} token refresh");
        let reply =
            self.ctx.client.send(&what, |http| http.post(url).form(&form), classify_token as Classify).await;
        let reply = match reply {
            Err(PullError::Unauthorized) => {
                return Err(PullError::NeedsReconnect(format!(
                    "{provider} refused the stored client credentials"
                )));
            }
            other => other?,
        };
        let body = reply.json().unwrap_or(Value::Null);
        // TikTok wraps errors in a 200 body.
        if let Some(error) = body.get("error").and_then(Value::as_str).filter(|e| !e.is_empty() && *e != "ok")
        {
            return Err(PullError::NeedsReconnect(format!("{provider} refused the refresh token: {error}")));
        }
        let access = body
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                PullError::Malformed(format!("{what}: the answer has no access_token: {}", reply.excerpt()))
            })?
            .to_string();
        let expires_at =
            body.get("expires_in").and_then(Value::as_i64).map(|s| Utc::now() + Span::seconds(s));
        let mut secrets = c.secrets.clone();
        secrets.access_token = Some(access.clone());
        if let Some(rotated) = body.get("refresh_token").and_then(Value::as_str).filter(|t| !t.is_empty()) {
            secrets.refresh_token = Some(rotated.to_string());
        }
        self.ctx.store.update_secrets(c.source, &secrets, expires_at).await?;
        tracing::info!(source = %c.source, "access token refreshed");
        Ok(access)
    }

    /// Sends a request with the bearer token; an unauthorized answer refreshes the token once
    /// and sends the request again.
    pub async fn send(
        &self,
        what: &str,
        build: impl Fn(&reqwest::Client, &str) -> RequestBuilder,
        classify: Classify,
    ) -> Result<Reply, PullError> {
        let token = self.get().await?;
        match self.ctx.client.send(what, |http| build(http, &token), classify).await {
            Err(PullError::Unauthorized) => {
                let token = self.refresh(&token).await?;
                match self.ctx.client.send(what, |http| build(http, &token), classify).await {
                    Err(PullError::Unauthorized) => Err(PullError::NeedsReconnect(format!(
                        "{}: {} refused a freshly refreshed access token",
                        what, self.endpoint.provider
                    ))),
                    other => other,
                }
            }
            other => other,
        }
    }
}
