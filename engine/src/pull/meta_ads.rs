//! Meta Marketing API: campaign insights per day, for one ad account.
//!
//! - `GET /act_{id}?fields=currency,timezone_name,name`: the ad account's currency (spend is in
//!   it) and time zone (insights days are its days). Ad account reference:
//!   https://developers.facebook.com/docs/marketing-api/reference/ad-account
//! - `GET /act_{id}/insights?level=campaign&time_increment=1&time_range={"since","until"}`: one
//!   row per campaign and day, every number a string; cursor paging through `paging.cursors.after`
//!   while `paging.next` is there. Ads Insights API:
//!   https://developers.facebook.com/documentation/ads-commerce/marketing-api/insights (parameters:
//!   https://developers.facebook.com/docs/marketing-api/insights/parameters). Insights are kept
//!   for 37 months and restated for up to 28 days.
//! - The access token is a long-lived user or system-user token, with no refresh token: an
//!   `OAuthException` (code 190, or 102) or an HTTP 401 means an admin must reconnect. Error
//!   codes: https://developers.facebook.com/docs/graph-api/guides/error-handling
//! - Throttling answers HTTP 400 (sometimes 403) with error code 4, 17, 32, 613 or 80000–80014
//!   and no `Retry-After`; `X-Business-Use-Case-Usage` gives `estimated_time_to_regain_access`
//!   in minutes per business, `X-Ad-Account-Usage` a `reset_time_duration` in seconds:
//!   https://developers.facebook.com/docs/graph-api/overview/rate-limiting/

use std::{collections::BTreeSet, time::Duration};

use model::SourceId;
use rust_decimal::Decimal;
use serde_json::Value;

use super::{
    ApiConnector, Limits, PullContext, PullError, Pulled, Window,
    envelope::{self, PullHeader, PullWriter, json},
    http::{Classify, Reply, Verdict, classify_common},
    percent_encode,
};
use crate::{
    sources::{FileError, Flow, Input, RecordSink, RowError, exchange_rates::currency_code, values},
    warehouse::{EntityRef, Measure, Record, metric},
};

pub struct MetaAds;

pub const ENDPOINT: &str = "insights";
/// Rows per insights page (Meta's default is 25).
const PAGE: usize = 500;
/// A runaway paging loop stops here: 500 rows × 2,000 pages is far beyond one account's campaigns
/// over 37 months.
const MAX_PAGES: usize = 2000;
const FIELDS: &str = "campaign_id,campaign_name,spend,impressions,reach,clicks,actions,date_start,date_stop";

/// Error codes that mean "too many calls, wait": 4 (app), 17 (user), 32 (page), 613 (custom
/// rate), 80000–80014 (business use cases, ads insights among them).
fn is_throttle_code(code: i64) -> bool {
    matches!(code, 4 | 17 | 32 | 613 | 80000..=80014)
}

/// The pause Meta's usage headers ask for: the longest `estimated_time_to_regain_access`
/// (minutes) of `X-Business-Use-Case-Usage`, or `X-Ad-Account-Usage`'s `reset_time_duration`
/// (seconds). `X-App-Usage` only gives percentages, no time. `None` when neither says.
pub fn usage_wait(reply: &Reply) -> Option<Duration> {
    let header = |name: &str| {
        reply
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
    };
    let number = |v: &Value, field: &str| json::int(v, field).ok().flatten().filter(|n| *n > 0);
    let mut wait: Option<u64> = None;
    let mut longer = |secs: i64| wait = Some(wait.unwrap_or(0).max(secs.unsigned_abs()));
    if let Some(Value::Object(businesses)) = header("x-business-use-case-usage") {
        for entries in businesses.values() {
            for entry in entries.as_array().into_iter().flatten() {
                if let Some(minutes) = number(entry, "estimated_time_to_regain_access") {
                    longer(minutes.saturating_mul(60));
                }
            }
        }
    }
    if let Some(account) = header("x-ad-account-usage")
        && let Some(seconds) = number(&account, "reset_time_duration")
    {
        longer(seconds);
    }
    wait.map(Duration::from_secs)
}

/// Meta's reading of a response: throttle codes are retried after the pause the usage headers
/// ask for; an invalid token cannot be refreshed, so it needs a reconnect.
fn classify(reply: &Reply) -> Verdict {
    let error = reply.json().and_then(|v| v.get("error").cloned());
    let code = error.as_ref().and_then(|e| json::int(e, "code").ok().flatten());
    let message =
        || error.as_ref().and_then(|e| json::string(e, "message")).unwrap_or_else(|| reply.excerpt());
    match code {
        Some(code) if is_throttle_code(code) => Verdict::Retry(usage_wait(reply).or(reply.retry_after())),
        Some(code @ (190 | 102)) => {
            Verdict::Reconnect(format!("Meta refused the access token (code {code}: {})", message()))
        }
        // A permission (ads_read, the ad account's) not granted or taken away: only a new
        // authorization brings it back, so asking again is pointless.
        Some(code @ (10 | 200..=299)) => Verdict::Reconnect(format!(
            "Meta denied a permission this pull needs (code {code}: {})",
            message()
        )),
        // "Unknown error" and "service unavailable": temporary on Meta's side.
        Some(1 | 2) if !reply.status.is_success() => Verdict::Retry(reply.retry_after()),
        _ => match classify_common(reply) {
            // No refresh token: the stored token is simply no longer valid.
            Verdict::Unauthorized => {
                Verdict::Reconnect(format!("Meta refused the access token (HTTP 401: {})", message()))
            }
            Verdict::Fail(_) => Verdict::Fail(format!("HTTP {}: {}", reply.status, message())),
            other => other,
        },
    }
}

/// `act_123` or `123` → `123`; anything but digits is not an ad account id.
pub fn account_id(raw: &str) -> Option<&str> {
    let id = raw.trim();
    let id = id.strip_prefix("act_").unwrap_or(id);
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

impl ApiConnector for MetaAds {
    fn source(&self) -> SourceId {
        SourceId::MetaAds
    }

    fn limits(&self) -> Limits {
        // Meta restates the last 28 days (late conversions, invalid-click refunds) and keeps 37
        // months; a few requests at once keep within the ads-insights use-case budget.
        Limits { initial_days: 90, trailing_days: 28, max_history_days: 37 * 30, max_concurrent: 2 }
    }

    async fn pull(&self, ctx: &PullContext<'_>, window: Window) -> Result<Vec<Pulled>, PullError> {
        let token = ctx
            .connection
            .secrets
            .access_token
            .clone()
            .ok_or_else(|| PullError::NeedsReconnect("no Meta access token is stored".into()))?;
        let account = ctx
            .connection
            .account
            .as_deref()
            .and_then(account_id)
            .ok_or_else(|| PullError::NeedsReconnect("no Meta ad account id (act_…) is stored".into()))?
            .to_string();
        let base = ctx.endpoints.meta_graph.trim_end_matches('/').to_string();
        let get = |path: String, what: &'static str| {
            let (url, token) = (format!("{base}{path}"), token.clone());
            async move {
                let reply = ctx
                    .client
                    .send(what, |http| http.get(&url).bearer_auth(&token), classify as Classify)
                    .await?;
                reply.json().ok_or_else(|| {
                    PullError::Malformed(format!("{what}: Meta's answer is not JSON: {}", reply.excerpt()))
                })
            }
        };

        let path = format!("/act_{account}?fields=currency,timezone_name,name");
        let info = get(path.clone(), "Meta ad account").await?;
        let mut out = PullWriter::new(SourceId::MetaAds, ENDPOINT, window.from, window.to)
            .account("ad_account", account.clone())
            .artist(ctx.connection.artist.as_deref());
        // Kept in the header: the insights rows carry neither, and the parser needs the currency.
        for key in ["currency", "timezone_name", "name"] {
            if let Some(value) = json::string(&info, key) {
                out = out.account(key, value);
            }
        }
        out.push(&format!("GET {path}"), info);

        let range = format!(r#"{{"since":"{}","until":"{}"}}"#, window.from, window.to);
        let first = format!(
            "/act_{account}/insights?fields={FIELDS}&level=campaign&time_increment=1&time_range={}&limit={PAGE}",
            percent_encode(&range)
        );
        let mut path = first.clone();
        let mut seen = BTreeSet::new();
        for page_number in 1.. {
            let page = get(path.clone(), "Meta insights").await?;
            let next = next_cursor(&page)?;
            out.push(&format!("GET {path}"), page);
            let Some(after) = next else { break };
            if !seen.insert(after.clone()) || page_number >= MAX_PAGES {
                return Err(PullError::Malformed(format!(
                    "Meta insights: paging does not end (cursor {after:?} after {page_number} pages)"
                )));
            }
            // The cursor, not the `next` URL: the token is only ever sent to the configured host.
            path = format!("{first}&after={}", percent_encode(&after));
        }
        Ok(vec![out.finish()])
    }
}

/// The `after` cursor of a page that has a next one (`paging.next` is there only then).
fn next_cursor(page: &Value) -> Result<Option<String>, PullError> {
    let Some(paging) = page.get("paging") else { return Ok(None) };
    if paging.get("next").and_then(Value::as_str).is_none_or(str::is_empty) {
        return Ok(None);
    }
    // Stopping here would silently drop the remaining pages.
    paging
        .get("cursors")
        .and_then(|c| json::string(c, "after"))
        .filter(|a| !a.is_empty())
        .map(Some)
        .ok_or_else(|| PullError::Malformed("Meta insights: a next page without an \"after\" cursor".into()))
}

/// Reads a pulled file: every insights row is one campaign's day, with the same metrics and
/// entity (`campaign`, keyed by the campaign id) as an Ads Manager export of that campaign-day, so
/// the newer of the two replaces the other.
pub fn parse(input: &Input, sink: &mut dyn RecordSink) -> Result<(), FileError> {
    let (header, responses) = envelope::read(input)?;
    let currency = currency_of(&header)?;
    // The API names no artist: the connection's, recorded when it was pulled, applies (an
    // import that names one, `--artist`, beats it, as for exports).
    let artist = input.facts.artist.clone().or_else(|| header.artist.clone());
    for response in responses {
        if !response.request.contains("/insights?") {
            continue;
        }
        let rows = response.body.get("data").and_then(Value::as_array).ok_or_else(|| {
            FileError::Refused(format!(
                "line {}: Meta's insights response has no \"data\" list (renamed or dropped?)",
                response.line
            ))
        })?;
        for (i, row) in rows.iter().enumerate() {
            let parsed = insight(row, &currency, &artist).map_err(|(column, reason)| RowError {
                line: Some(response.line),
                column: Some(format!("data[{i}].{column}")),
                reason,
                content: Some(row.to_string().chars().take(500).collect()),
            });
            if crate::sources::send(sink, response.line, parsed) == Flow::Stop {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// The ad account's currency, from the pull's header: amounts are never stored without one.
fn currency_of(header: &PullHeader) -> Result<String, FileError> {
    let raw = header.account_str("currency").ok_or_else(|| {
        FileError::Refused(
            "the pulled Meta ad account has no \"currency\" (renamed or dropped by Meta?), and spend is \
             never stored without one"
                .into(),
        )
    })?;
    currency_code(raw)
        .map_err(|e| FileError::Refused(format!("the Meta ad account's currency is not usable: {e}")))
}

type Failure = (String, String);

fn at(field: &'static str) -> impl Fn(String) -> Failure {
    move |reason| (field.to_string(), reason)
}

/// One insights row's facts.
fn insight(row: &Value, currency: &str, artist: &Option<String>) -> Result<Vec<Record>, Failure> {
    let id = json::req_string(row, "campaign_id").map_err(at("campaign_id"))?;
    // The same check as the export's `Campaign ID`: ids are digits, kept as strings.
    let key = crate::sources::meta_ads::campaign_id(&id).map_err(at("campaign_id"))?;
    let start = json::req_string(row, "date_start").map_err(at("date_start"))?;
    // The account's own day, as Meta gives it: never shifted to another time zone.
    let day = values::iso_date(&start).map_err(at("date_start"))?;
    if let Some(stop) = json::string(row, "date_stop")
        && values::iso_date(&stop).map_err(at("date_stop"))? != day
    {
        return Err(at("date_stop")(format!(
            "the row covers {start}..{stop}, not one day (was time_increment=1 dropped?)"
        )));
    }
    let spend = json::decimal(row, "spend")
        .map_err(at("spend"))?
        .ok_or_else(|| at("spend")("the row has no \"spend\" (renamed or dropped by Meta?)".into()))?;
    if spend < Decimal::ZERO {
        return Err(at("spend")(format!("{spend} is negative")));
    }
    let count = |field: &'static str| -> Result<Option<i64>, Failure> {
        match json::int(row, field).map_err(at(field))? {
            Some(v) if v < 0 => Err(at(field)(format!("{v} is negative"))),
            v => Ok(v),
        }
    };
    let measures = [
        (metric::AD_SPEND, Some(Measure::Money(spend, currency.to_string()))),
        (metric::AD_IMPRESSIONS, count("impressions")?.map(Measure::Count)),
        // One row per campaign and day, so this is the campaign's own reach, not a sum of ads'.
        (metric::AD_REACH, count("reach")?.map(Measure::Count)),
        // Insights' `clicks` is Ads Manager's "Clicks (all)".
        (metric::AD_CLICKS_ALL, count("clicks")?.map(Measure::Count)),
        (metric::AD_LINK_CLICKS, Some(Measure::Count(link_clicks(row)?))),
        // No AD_RESULTS: the export's "Results" counts whichever action each ad set optimises
        // for (its "Result indicator"), which an insights row does not say. Guessing it from the
        // actions would store a different figure under the same name, so the API leaves results
        // alone and an imported export's results stay.
    ];
    let entity = EntityRef { kind: "campaign", key, name: json::string(row, "campaign_name") };
    Ok(crate::sources::meta_ads::campaign_day(measures, &entity, day, artist))
}

/// Link clicks: the `link_click` entry of `actions`. Meta lists only the action types that
/// happened, so a row without one (or without `actions`) had none.
fn link_clicks(row: &Value) -> Result<i64, Failure> {
    let actions = match row.get("actions") {
        None | Some(Value::Null) => return Ok(0),
        Some(Value::Array(list)) => list,
        Some(other) => return Err(at("actions")(format!("is not a list: {other}"))),
    };
    let mut total = 0i64;
    for action in actions {
        if action.get("action_type").and_then(Value::as_str) == Some("link_click") {
            let v = json::req_int(action, "value").map_err(at("actions.link_click.value"))?;
            if v < 0 {
                return Err(at("actions.link_click.value")(format!("{v} is negative")));
            }
            total = total.checked_add(v).ok_or_else(|| at("actions")("link clicks overflow".into()))?;
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use reqwest::{StatusCode, header::HeaderMap};
    use serde_json::json;

    use super::*;

    fn reply(status: u16, body: Value, headers: &[(&'static str, &str)]) -> Reply {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, v.parse().expect("header"));
        }
        Reply {
            status: StatusCode::from_u16(status).expect("status"),
            headers: map,
            body: serde_json::to_vec(&body).expect("body"),
        }
    }

    #[test]
    fn throttling_waits_as_long_as_the_usage_headers_say() {
        let throttled =
            json!({"error": {"message": "User request limit reached", "code": 17, "fbtrace_id": "x"}});
        let buc = r#"{"1234":[{"type":"ads_insights","call_count":100,"total_cputime":20,"total_time":30,"estimated_time_to_regain_access":2}]}"#;
        assert_eq!(
            classify(&reply(400, throttled.clone(), &[("x-business-use-case-usage", buc)])),
            Verdict::Retry(Some(Duration::from_secs(120)))
        );
        let account =
            r#"{"acc_id_util_pct":100,"reset_time_duration":45,"ads_api_access_tier":"standard_access"}"#;
        assert_eq!(
            classify(&reply(403, throttled.clone(), &[("x-ad-account-usage", account)])),
            Verdict::Retry(Some(Duration::from_secs(45)))
        );
        let code_80000 = json!({"error": {"message": "too many calls", "code": 80000}});
        assert_eq!(classify(&reply(400, code_80000, &[])), Verdict::Retry(None));
        assert_eq!(
            classify(&reply(400, throttled, &[("x-app-usage", "{\"call_count\":100}")])),
            Verdict::Retry(None)
        );
    }

    #[test]
    fn a_refused_token_needs_a_reconnect_and_other_errors_fail() {
        let expired = json!({"error": {"message": "Error validating access token: Session has expired", "type": "OAuthException", "code": 190, "error_subcode": 463}});
        assert!(
            matches!(classify(&reply(400, expired, &[])), Verdict::Reconnect(m) if m.contains("Session has expired"))
        );
        assert!(matches!(classify(&reply(401, json!({}), &[])), Verdict::Reconnect(_)));
        let no_permission = json!({"error": {"message": "(#200) Requires ads_read permission", "code": 200}});
        assert!(
            matches!(classify(&reply(403, no_permission, &[])), Verdict::Reconnect(m) if m.contains("ads_read"))
        );
        let bad = json!({"error": {"message": "(#100) Tried accessing nonexisting field", "code": 100}});
        assert!(
            matches!(classify(&reply(400, bad, &[])), Verdict::Fail(m) if m.contains("nonexisting field"))
        );
        assert_eq!(classify(&reply(500, json!({}), &[])), Verdict::Retry(None));
        assert_eq!(classify(&reply(200, json!({"data": []}), &[])), Verdict::Ok);
    }

    #[test]
    fn account_ids_with_or_without_prefix() {
        assert_eq!(account_id("act_1234"), Some("1234"));
        assert_eq!(account_id(" 1234 "), Some("1234"));
        assert_eq!(account_id("act_"), None);
        assert_eq!(account_id("act_12/../x"), None);
    }

    #[test]
    fn a_row_becomes_the_exports_facts() {
        let row = json!({
            "campaign_id": "120210987654321098", "campaign_name": "Spring", "spend": "12.345",
            "impressions": "1000", "reach": "800", "clicks": "40",
            "actions": [{"action_type": "video_view", "value": "9"}, {"action_type": "link_click", "value": "31"}],
            "date_start": "2026-11-20", "date_stop": "2026-11-20"
        });
        let facts: Vec<(&str, Measure)> = insight(&row, "EUR", &None)
            .expect("row")
            .into_iter()
            .filter_map(|r| match r {
                Record::Daily(f) => Some((f.metric, f.measure)),
                _ => None,
            })
            .collect();
        assert_eq!(
            facts,
            vec![
                (metric::AD_SPEND, Measure::Money(Decimal::new(12345, 3), "EUR".into())),
                (metric::AD_IMPRESSIONS, Measure::Count(1000)),
                (metric::AD_REACH, Measure::Count(800)),
                (metric::AD_CLICKS_ALL, Measure::Count(40)),
                (metric::AD_LINK_CLICKS, Measure::Count(31)),
            ]
        );
        let mut no_spend = row.clone();
        no_spend.as_object_mut().expect("object").remove("spend");
        let (column, reason) = insight(&no_spend, "EUR", &None).expect_err("no spend");
        assert_eq!(column, "spend");
        assert!(reason.contains("\"spend\""), "{reason}");
        let mut week = row.clone();
        week["date_stop"] = json!("2026-11-26");
        assert_eq!(insight(&week, "EUR", &None).expect_err("a week").0, "date_stop");
    }
}
