//! TikTok Display API: the account's current totals and its videos' current counts.
//!
//! - `GET /v2/user/info/?fields=open_id,display_name,follower_count,following_count,likes_count,video_count`
//!   (scopes `user.info.basic`, `user.info.stats`):
//!   https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info
//! - `POST /v2/video/list/?fields=…` with `{"max_count": 20, "cursor": …}` (scope `video.list`):
//!   newest first, at most 20 a page; `data.cursor` (a Unix time in milliseconds) goes into the
//!   next request while `data.has_more`: https://developers.tiktok.com/doc/tiktok-api-v2-video-list/
//! - Every answer carries `{"error": {"code": "ok" | "access_token_invalid" | "rate_limit_exceeded"
//!   | …, "message", "log_id"}}`, with HTTP 200, 401, 429…
//! - Access tokens last about 2 hours; `POST /v2/oauth/token/` (`client_key`, `client_secret`,
//!   `grant_type=refresh_token`) refreshes them and rotates the refresh token, which [`Tokens`]
//!   stores at once: https://developers.tiktok.com/docs/en/oauth-refresh-a-user-access-token
//!
//! The API gives no history, only totals as of now: a pull is a snapshot of today (the
//! Studio exports, `crate::sources::tiktok`, carry the daily figures). Totals get their own
//! snapshot metrics (`likes_total`, `video_views_total`…) so that the KPIs, which add up the
//! exports' daily `likes` and `video_views`, never add a lifetime total as if it were one day's.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use model::SourceId;
use serde_json::{Value, json};

use super::{
    ApiConnector, Limits, PullContext, PullError, Pulled, Window,
    envelope::{self, PullWriter, json},
    http::{Classify, Reply, Verdict, classify_common},
    oauth::{TokenEndpoint, Tokens},
};
use crate::{
    sources::{FileError, Flow, Input, RecordSink, RowError},
    warehouse::{DailyFact, EntityRef, Measure, Record, metric},
};

pub struct Tiktok;

pub const ENDPOINT: &str = "display";
const USER_INFO: &str = "/v2/user/info/";
const VIDEO_LIST: &str = "/v2/video/list/";
const USER_FIELDS: &str = "open_id,display_name,follower_count,following_count,likes_count,video_count";
const VIDEO_FIELDS: &str = "id,title,create_time,view_count,like_count,comment_count,share_count";
/// TikTok's largest page.
const PAGE: u32 = 20;
/// A runaway paging loop stops here (20,000 videos).
const MAX_PAGES: usize = 1000;

/// TikTok's `error.code`, when the body has one.
fn error_code(reply: &Reply) -> Option<String> {
    reply.json()?.get("error")?.get("code")?.as_str().map(str::to_string)
}

fn error_message(reply: &Reply) -> String {
    reply
        .json()
        .and_then(|v| v.get("error")?.get("message")?.as_str().map(str::to_string))
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| reply.excerpt())
}

/// TikTok's reading of a response: its error code decides, whatever the HTTP status.
fn classify(reply: &Reply) -> Verdict {
    match error_code(reply).as_deref() {
        // Expired or revoked access token: refresh once (a refused refresh needs a reconnect).
        Some("access_token_invalid") => Verdict::Unauthorized,
        Some("rate_limit_exceeded") => Verdict::Retry(reply.retry_after()),
        // The user did not grant a scope this pull needs: only a new authorization adds it.
        Some(code @ ("scope_not_authorized" | "scope_permission_missed")) => Verdict::Reconnect(format!(
            "TikTok refused the request ({code}: {}); reconnect with the user.info.basic, user.info.stats \
             and video.list scopes",
            error_message(reply)
        )),
        Some("ok") | None => classify_common(reply),
        Some(code) => match classify_common(reply) {
            // An error in a 200 body: not something a repeat fixes.
            Verdict::Ok => Verdict::Fail(format!("TikTok error {code}: {}", error_message(reply))),
            Verdict::Fail(_) => {
                Verdict::Fail(format!("HTTP {} {code}: {}", reply.status, error_message(reply)))
            }
            other => other,
        },
    }
}

fn body_of(reply: &Reply, what: &str) -> Result<Value, PullError> {
    reply.json().ok_or_else(|| {
        PullError::Malformed(format!("{what}: TikTok's answer is not JSON: {}", reply.excerpt()))
    })
}

impl ApiConnector for Tiktok {
    fn source(&self) -> SourceId {
        SourceId::Tiktok
    }

    fn limits(&self) -> Limits {
        // Totals as of now only: every pull is today's snapshot, and there is nothing to backfill.
        Limits { initial_days: 1, trailing_days: 0, max_history_days: 0, max_concurrent: 2 }
    }

    async fn pull(&self, ctx: &PullContext<'_>, window: Window) -> Result<Vec<Pulled>, PullError> {
        let tokens = Tokens::new(
            ctx,
            TokenEndpoint {
                url: &ctx.endpoints.tiktok_token,
                client_field: "client_key",
                provider: "TikTok",
            },
        );
        let base = ctx.endpoints.tiktok.trim_end_matches('/');
        // A snapshot belongs to the day it was taken: the window's last day (today).
        let day = window.to;
        let mut out = PullWriter::new(SourceId::Tiktok, ENDPOINT, day, day);
        if let Some(handle) = ctx.connection.account.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
            // The account the admin connected, as the exports name it: the facts' artist.
            out = out.account("handle", handle.trim_start_matches('@'));
        }

        let path = format!("{USER_INFO}?fields={USER_FIELDS}");
        let url = format!("{base}{path}");
        let what = "TikTok user info";
        let reply =
            tokens.send(what, |http, token| http.get(&url).bearer_auth(token), classify as Classify).await?;
        out.push(&format!("GET {path}"), body_of(&reply, what)?);

        let path = format!("{VIDEO_LIST}?fields={VIDEO_FIELDS}");
        let url = format!("{base}{path}");
        let what = "TikTok video list";
        let mut cursor: Option<i64> = None;
        let mut seen = BTreeSet::new();
        for page_number in 1.. {
            let request = match cursor {
                None => json!({"max_count": PAGE}),
                Some(c) => json!({"max_count": PAGE, "cursor": c}),
            };
            let reply = tokens
                .send(
                    what,
                    |http, token| http.post(&url).bearer_auth(token).json(&request),
                    classify as Classify,
                )
                .await?;
            let page = body_of(&reply, what)?;
            let data = page.get("data").cloned().unwrap_or(Value::Null);
            let has_more = data.get("has_more").and_then(Value::as_bool).unwrap_or(false);
            let next = json::int(&data, "cursor").ok().flatten();
            out.push(&format!("POST {path} {request}"), page);
            if !has_more {
                break;
            }
            let Some(next) = next else {
                return Err(PullError::Malformed(format!("{what}: has_more without a cursor")));
            };
            if !seen.insert(next) || page_number >= MAX_PAGES {
                return Err(PullError::Malformed(format!(
                    "{what}: paging does not end (cursor {next} after {page_number} pages)"
                )));
            }
            cursor = Some(next);
        }
        Ok(vec![out.finish()])
    }
}

/// Reads a pulled file: the account's followers, likes and video count, and each video's views,
/// likes, comments and shares, all as snapshots of the pull's day.
pub fn parse(input: &Input, sink: &mut dyn RecordSink) -> Result<(), FileError> {
    let (header, responses) = envelope::read(input)?;
    let day = header.to;
    let handle = header.account_str("handle").map(str::to_string);
    for response in responses {
        let code = response.body.get("error").and_then(|e| json::string(e, "code"));
        if let Some(code) = code.filter(|c| c != "ok") {
            return Err(FileError::Refused(format!(
                "line {}: TikTok answered error {code:?} to {}",
                response.line, response.request
            )));
        }
        let flow = if response.request.starts_with(&format!("GET {USER_INFO}")) {
            user(&response.body, response.line, day, handle.as_deref(), sink)?
        } else if response.request.starts_with(&format!("POST {VIDEO_LIST}")) {
            videos(&response.body, response.line, day, handle.as_deref(), sink)?
        } else {
            Flow::Continue
        };
        if flow == Flow::Stop {
            break;
        }
    }
    Ok(())
}

type Failure = (String, String);

fn at(field: String) -> impl Fn(String) -> Failure {
    move |reason| (field.clone(), reason)
}

/// A count that must be there and cannot be negative.
fn count(v: &Value, prefix: &str, field: &str) -> Result<i64, Failure> {
    let column = format!("{prefix}.{field}");
    match json::req_int(v, field).map_err(at(column.clone()))? {
        n if n < 0 => Err((column, format!("{n} is negative"))),
        n => Ok(n),
    }
}

fn fact(
    metric: &'static str,
    artist: &Option<String>,
    entity: Option<EntityRef>,
    day: NaiveDate,
    n: i64,
) -> Record {
    Record::Daily(Box::new(DailyFact {
        source: SourceId::Tiktok,
        metric,
        artist: artist.clone(),
        entity,
        day,
        measure: Measure::Count(n),
    }))
}

fn user(
    body: &Value,
    line: u64,
    day: NaiveDate,
    handle: Option<&str>,
    sink: &mut dyn RecordSink,
) -> Result<Flow, FileError> {
    let user = body.get("data").and_then(|d| d.get("user")).filter(|u| u.is_object()).ok_or_else(|| {
        FileError::Refused(format!(
            "line {line}: TikTok's user info has no \"data.user\" (renamed or dropped?)"
        ))
    })?;
    let parsed = (|| {
        // The connected handle, else the display name: both reach the artist through the alias
        // table, as an export's account name does.
        let artist = handle.map(str::to_string).or_else(|| json::string(user, "display_name"));
        let p = "data.user";
        Ok(vec![
            // The same fact as FollowerHistory.csv's `Followers` of that day.
            fact(metric::FOLLOWERS, &artist, None, day, count(user, p, "follower_count")?),
            fact(metric::LIKES_TOTAL, &artist, None, day, count(user, p, "likes_count")?),
            fact(metric::VIDEO_COUNT, &artist, None, day, count(user, p, "video_count")?),
        ])
    })()
    .map_err(|(column, reason): Failure| RowError {
        line: Some(line),
        column: Some(column),
        reason,
        content: Some(user.to_string().chars().take(500).collect()),
    });
    Ok(crate::sources::send(sink, line, parsed))
}

fn videos(
    body: &Value,
    line: u64,
    day: NaiveDate,
    handle: Option<&str>,
    sink: &mut dyn RecordSink,
) -> Result<Flow, FileError> {
    let data = body.get("data").ok_or_else(|| {
        FileError::Refused(format!("line {line}: TikTok's video list has no \"data\" (renamed or dropped?)"))
    })?;
    // An account without videos may answer without a list.
    let list = match data.get("videos") {
        None | Some(Value::Null) => return Ok(Flow::Continue),
        Some(Value::Array(list)) => list,
        Some(_) => {
            return Err(FileError::Refused(format!("line {line}: TikTok's \"data.videos\" is not a list")));
        }
    };
    let artist = handle.map(str::to_string);
    for (i, v) in list.iter().enumerate() {
        let p = format!("data.videos[{i}]");
        let parsed = (|| {
            let id = json::req_string(v, "id").map_err(at(format!("{p}.id")))?;
            if id.is_empty() {
                return Err((format!("{p}.id"), "the video id is empty".to_string()));
            }
            let entity = EntityRef {
                kind: "video",
                key: id,
                name: json::string(v, "title").filter(|t| !t.is_empty()),
            };
            [
                (metric::VIDEO_VIEWS_TOTAL, "view_count"),
                (metric::LIKES_TOTAL, "like_count"),
                (metric::COMMENTS_TOTAL, "comment_count"),
                (metric::SHARES_TOTAL, "share_count"),
            ]
            .into_iter()
            .map(|(m, field)| Ok(fact(m, &artist, Some(entity.clone()), day, count(v, &p, field)?)))
            .collect::<Result<Vec<_>, Failure>>()
        })()
        .map_err(|(column, reason): Failure| RowError {
            line: Some(line),
            column: Some(column),
            reason,
            content: Some(v.to_string().chars().take(500).collect()),
        });
        if crate::sources::send(sink, line, parsed) == Flow::Stop {
            return Ok(Flow::Stop);
        }
    }
    Ok(Flow::Continue)
}

#[cfg(test)]
mod tests {
    use reqwest::{StatusCode, header::HeaderMap};

    use super::*;

    fn reply(status: u16, code: &str, retry_after: Option<&str>) -> Reply {
        let mut headers = HeaderMap::new();
        if let Some(r) = retry_after {
            headers.insert(reqwest::header::RETRY_AFTER, r.parse().expect("header"));
        }
        let body = json!({"data": {}, "error": {"code": code, "message": "m", "log_id": "l"}});
        Reply {
            status: StatusCode::from_u16(status).expect("status"),
            headers,
            body: serde_json::to_vec(&body).expect("body"),
        }
    }

    #[test]
    fn tiktoks_error_codes_decide() {
        assert_eq!(classify(&reply(200, "ok", None)), Verdict::Ok);
        assert_eq!(classify(&reply(401, "access_token_invalid", None)), Verdict::Unauthorized);
        assert_eq!(
            classify(&reply(429, "rate_limit_exceeded", Some("3"))),
            Verdict::Retry(Some(std::time::Duration::from_secs(3)))
        );
        assert!(matches!(classify(&reply(403, "scope_not_authorized", None)), Verdict::Reconnect(_)));
        assert!(matches!(classify(&reply(200, "invalid_params", None)), Verdict::Fail(_)));
        assert!(
            matches!(classify(&reply(400, "invalid_params", None)), Verdict::Fail(m) if m.contains("invalid_params"))
        );
        assert_eq!(classify(&reply(500, "internal_error", None)), Verdict::Retry(None));
    }

    #[test]
    fn a_dropped_count_names_its_field() {
        let v = json!({"id": "7", "view_count": 5});
        assert_eq!(count(&v, "data.videos[0]", "view_count"), Ok(5));
        let (column, reason) = count(&v, "data.videos[0]", "like_count").expect_err("dropped");
        assert_eq!(column, "data.videos[0].like_count");
        assert!(reason.contains("like_count"), "{reason}");
    }
}
