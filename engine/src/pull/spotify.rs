//! Spotify Web API: the catalogue's artist metadata (name, genres, images) with an app's
//! client-credentials token. Apps in development mode have been given no follower counts or
//! popularity since February 2026, so streams and followers come from the Spotify for Artists
//! exports; this only names and describes the artists.
//!
//! - Token: `POST https://accounts.spotify.com/api/token`, `grant_type=client_credentials`, HTTP
//!   Basic with the client id and secret → `access_token`, `expires_in` (3600):
//!   https://developer.spotify.com/documentation/web-api/tutorials/client-credentials-flow
//! - Artist: `GET /v1/artists/{id}` → `id`, `name`, `genres[]`, `images[]{url,height,width}`:
//!   https://developer.spotify.com/documentation/web-api/reference/get-an-artist
//! - 429 carries `Retry-After` in seconds: https://developer.spotify.com/documentation/web-api/concepts/rate-limits

use model::SourceId;
use serde_json::Value;
use tokio::sync::Mutex;

use super::{
    ApiConnector, Limits, PullContext, PullError, Pulled, Window,
    envelope::{self, PullWriter, json},
    http::{Classify, Reply, Verdict, classify_common},
};
use crate::{
    sources::{FileError, Flow, Input, RecordSink, RowError},
    warehouse::{ArtistProfile, Record},
};

pub struct Spotify;

pub const ENDPOINT: &str = "artists";

/// Spotify artist ids: 22 base-62 characters. Also accepts `spotify:artist:…` and artist links.
pub fn artist_ids(text: &str) -> Result<Vec<String>, String> {
    let mut ids = Vec::new();
    for raw in text.split([',', ' ', '\n']).map(str::trim).filter(|s| !s.is_empty()) {
        let id = raw
            .strip_prefix("spotify:artist:")
            .or_else(|| {
                raw.split("/artist/").nth(1).map(|rest| rest.split(['?', '/']).next().unwrap_or(rest))
            })
            .unwrap_or(raw);
        if id.len() != 22 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(format!(
                "{raw:?} is not a Spotify artist id (22 letters and digits, or an artist link)"
            ));
        }
        if !ids.iter().any(|i| i == id) {
            ids.push(id.to_string());
        }
    }
    if ids.is_empty() {
        return Err("give at least one Spotify artist id".into());
    }
    Ok(ids)
}

fn classify_token(reply: &Reply) -> Verdict {
    match reply.status.as_u16() {
        400 | 401 => {
            Verdict::Reconnect(format!("Spotify refused the app's client id or secret ({})", reply.excerpt()))
        }
        _ => classify_common(reply),
    }
}

impl Spotify {
    async fn token(&self, ctx: &PullContext<'_>) -> Result<String, PullError> {
        let c = &ctx.connection;
        let id = c
            .client_id
            .clone()
            .ok_or_else(|| PullError::NeedsReconnect("no Spotify client id is stored".into()))?;
        let secret = c
            .secrets
            .client_secret
            .clone()
            .ok_or_else(|| PullError::NeedsReconnect("no Spotify client secret is stored".into()))?;
        let url = format!("{}/api/token", ctx.endpoints.spotify_accounts.trim_end_matches('/'));
        let reply = ctx
            .client
            .send(
                "Spotify token",
                |http| {
                    http.post(&url)
                        .basic_auth(&id, Some(&secret))
                        .form(&[("grant_type", "client_credentials")])
                },
                classify_token as Classify,
            )
            .await?;
        reply
            .json()
            .and_then(|v| v.get("access_token").and_then(Value::as_str).map(str::to_string))
            .ok_or_else(|| {
                PullError::Malformed(format!(
                    "Spotify's token answer has no access_token: {}",
                    reply.excerpt()
                ))
            })
    }
}

impl ApiConnector for Spotify {
    fn source(&self) -> SourceId {
        SourceId::Spotify
    }

    fn limits(&self) -> Limits {
        // Metadata, not a time series: each pull reads the artists as they are today.
        Limits { initial_days: 1, trailing_days: 0, max_history_days: 0, max_concurrent: 2 }
    }

    async fn pull(&self, ctx: &PullContext<'_>, window: Window) -> Result<Vec<Pulled>, PullError> {
        let ids = artist_ids(ctx.connection.account.as_deref().unwrap_or_default())
            .map_err(|e| PullError::NeedsReconnect(format!("the stored artist ids are not usable: {e}")))?;
        let token = Mutex::new(self.token(ctx).await?);
        let base = ctx.endpoints.spotify_api.trim_end_matches('/');
        let mut out = PullWriter::new(SourceId::Spotify, ENDPOINT, window.to, window.to);
        for id in ids {
            let path = format!("/v1/artists/{id}");
            let url = format!("{base}{path}");
            let mut current = token.lock().await;
            let reply = match ctx
                .client
                .send("Spotify artist", |http| http.get(&url).bearer_auth(&*current), classify_common)
                .await
            {
                // Client-credentials tokens are not refreshed: a new one is simply requested.
                Err(PullError::Unauthorized) => {
                    *current = self.token(ctx).await?;
                    ctx.client
                        .send("Spotify artist", |http| http.get(&url).bearer_auth(&*current), classify_common)
                        .await
                }
                other => other,
            };
            let reply = match reply {
                Err(PullError::Unauthorized) => {
                    return Err(PullError::NeedsReconnect(
                        "Spotify refused a new client-credentials token".into(),
                    ));
                }
                other => other?,
            };
            let body = reply.json().ok_or_else(|| {
                PullError::Malformed(format!("Spotify's artist is not JSON: {}", reply.excerpt()))
            })?;
            out.push(&format!("GET {path}"), body);
        }
        Ok(vec![out.finish()])
    }
}

/// Reads a pulled file: one profile per artist.
pub fn parse(input: &Input, sink: &mut dyn RecordSink) -> Result<(), FileError> {
    let (_, responses) = envelope::read(input)?;
    for response in responses.iter().filter(|r| r.request.starts_with("GET /v1/artists/")) {
        let parsed = profile(&response.body).map(|p| vec![Record::ArtistProfile(Box::new(p))]).map_err(
            |(column, reason)| RowError {
                line: Some(response.line),
                column: Some(column.to_string()),
                reason,
                content: Some(response.body.to_string().chars().take(500).collect()),
            },
        );
        if crate::sources::send(sink, response.line, parsed) == Flow::Stop {
            break;
        }
    }
    Ok(())
}

fn profile(v: &Value) -> Result<ArtistProfile, (&'static str, String)> {
    let spotify_id = json::req_string(v, "id").map_err(|r| ("id", r))?;
    let name = json::req_string(v, "name").map_err(|r| ("name", r))?;
    if name.trim().is_empty() {
        return Err(("name", "the artist's name is empty".into()));
    }
    let genres = match v.get("genres") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        Some(other) => return Err(("genres", format!("\"genres\" is not a list: {other}"))),
    };
    let image_url = v
        .get("images")
        .and_then(Value::as_array)
        .and_then(|images| images.iter().max_by_key(|i| i.get("width").and_then(Value::as_i64).unwrap_or(0)))
        .and_then(|i| i.get("url").and_then(Value::as_str))
        .map(str::to_string);
    Ok(ArtistProfile { spotify_id, name, genres, image_url })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artist_ids_come_as_ids_uris_or_links() {
        let ids = artist_ids(
            "0OdUWJ0sBjDrqHygGUXeCF, spotify:artist:1vCWHaC5f2uS3yhpwWbIA6\nhttps://open.spotify.com/artist/4Z8W4fKeB5YxbusRsdQVPb?si=x",
        )
        .expect("ids");
        assert_eq!(ids, vec!["0OdUWJ0sBjDrqHygGUXeCF", "1vCWHaC5f2uS3yhpwWbIA6", "4Z8W4fKeB5YxbusRsdQVPb"]);
        assert!(artist_ids("not-an-id").is_err());
        assert!(artist_ids(" , ").is_err());
    }

    #[test]
    fn a_profile_takes_the_largest_image_and_tolerates_missing_followers() {
        let v = serde_json::json!({"id": "0OdUWJ0sBjDrqHygGUXeCF", "name": "Band of Horses", "genres": ["indie folk"],
            "images": [{"url": "small", "width": 160}, {"url": "large", "width": 640}], "type": "artist"});
        let p = profile(&v).expect("profile");
        assert_eq!(p.image_url.as_deref(), Some("large"));
        assert_eq!(p.genres, vec!["indie folk"]);
        assert!(profile(&serde_json::json!({"id": "x"})).is_err());
    }
}
