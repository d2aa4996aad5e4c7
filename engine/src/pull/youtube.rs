//! YouTube: the Analytics API v2 daily channel report and the Data API v3 channel statistics,
//! with Google OAuth 2.0 (refresh token; access tokens last about an hour).
//!
//! - Reports: `GET /v2/reports?ids=channel==MINE&startDate&endDate&metrics&dimensions=day&sort=day
//!   &maxResults&startIndex` (1-based), https://developers.google.com/youtube/analytics/reference/reports/query
//!   → `columnHeaders[]` and `rows[][]`; `rows` is absent when there is no data, and the most
//!   recent days are missing until YouTube has processed them.
//! - Channel statistics: `GET /youtube/v3/channels?part=snippet,statistics&mine=true`,
//!   https://developers.google.com/youtube/v3/docs/channels/list → counts as strings;
//!   `hiddenSubscriberCount` hides the subscriber count.
//! - Quota exhaustion is HTTP 403 with `errors[].reason = "quotaExceeded"` and resets at midnight
//!   Pacific: https://developers.google.com/youtube/v3/guides/quota_and_compliance_audits
//! - Token refresh: https://developers.google.com/identity/protocols/oauth2/web-server#offline

use std::time::Duration;

use chrono::NaiveDate;
use model::SourceId;
use rust_decimal::Decimal;
use serde_json::Value;

use super::{
    ApiConnector, Limits, PullContext, PullError, Pulled, Window,
    envelope::{self, PullHeader, PullWriter, json},
    http::{Classify, Reply, Verdict, classify_common},
    oauth::{TokenEndpoint, Tokens},
};
use crate::{
    sources::{FileError, Flow, Input, RecordSink, RowError},
    warehouse::{DailyFact, EntityRef, Measure, Record, metric},
};

pub struct Youtube;

pub const ENDPOINT: &str = "reports";
/// Rows per report page (one row a day).
const PAGE: usize = 200;
const METRICS: &str = "views,estimatedMinutesWatched,subscribersGained,subscribersLost,estimatedRevenue";
/// Revenue is asked for in this currency (the API's default).
const CURRENCY: &str = "USD";

/// Google's errors: quota exhaustion waits for the next day, rate limits are retried.
fn classify(reply: &Reply) -> Verdict {
    if reply.status.as_u16() == 403 {
        let reasons: Vec<String> = reply
            .json()
            .and_then(|v| v.pointer("/error/errors").and_then(Value::as_array).cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|e| e.get("reason").and_then(Value::as_str).map(str::to_string))
            .collect();
        if reasons.iter().any(|r| r == "quotaExceeded" || r == "dailyLimitExceeded") {
            // Longer than any retry wait: the pull stops and the next scheduled run tries again.
            return Verdict::Retry(Some(Duration::from_secs(6 * 3600)));
        }
        if reasons.iter().any(|r| r == "rateLimitExceeded" || r == "userRateLimitExceeded") {
            return Verdict::Retry(None);
        }
    }
    classify_common(reply)
}

impl ApiConnector for Youtube {
    fn source(&self) -> SourceId {
        SourceId::Youtube
    }

    fn limits(&self) -> Limits {
        // YouTube revises the last few days as it processes them.
        Limits { initial_days: 90, trailing_days: 3, max_history_days: 3 * 365, max_concurrent: 2 }
    }

    async fn pull(&self, ctx: &PullContext<'_>, window: Window) -> Result<Vec<Pulled>, PullError> {
        let endpoint =
            TokenEndpoint { url: &ctx.endpoints.google_token, client_field: "client_id", provider: "Google" };
        let tokens = Tokens::new(ctx, endpoint);
        let mut out = PullWriter::new(SourceId::Youtube, ENDPOINT, window.from, window.to)
            .account("currency", CURRENCY);
        let base = ctx.endpoints.youtube_analytics.trim_end_matches('/');
        let mut start = 1usize;
        loop {
            let path = format!(
                "/v2/reports?ids=channel%3D%3DMINE&startDate={}&endDate={}&metrics={METRICS}&dimensions=day&sort=day&currency={CURRENCY}&maxResults={PAGE}&startIndex={start}",
                window.from, window.to
            );
            let url = format!("{base}{path}");
            let reply = tokens
                .send(
                    "YouTube Analytics report",
                    |http, token| http.get(&url).bearer_auth(token),
                    classify as Classify,
                )
                .await?;
            let body = reply.json().ok_or_else(|| {
                PullError::Malformed(format!("YouTube's report is not JSON: {}", reply.excerpt()))
            })?;
            let rows = body.get("rows").and_then(Value::as_array).map(Vec::len).unwrap_or(0);
            out.push(&format!("GET {path}"), body);
            if rows < PAGE {
                break;
            }
            start += PAGE;
        }
        let data = ctx.endpoints.youtube_data.trim_end_matches('/');
        let path = "/youtube/v3/channels?part=snippet%2Cstatistics&mine=true";
        let url = format!("{data}{path}");
        let reply = tokens
            .send(
                "YouTube channel statistics",
                |http, token| http.get(&url).bearer_auth(token),
                classify as Classify,
            )
            .await?;
        let body = reply.json().ok_or_else(|| {
            PullError::Malformed(format!("YouTube's channel list is not JSON: {}", reply.excerpt()))
        })?;
        out.push(&format!("GET {path}"), body);
        Ok(vec![out.finish()])
    }
}

/// Reads a pulled file: the report's days, and the channel's totals on the day of the pull.
pub fn parse(input: &Input, artist: Option<&str>, sink: &mut dyn RecordSink) -> Result<(), FileError> {
    let (header, responses) = envelope::read(input)?;
    let currency = header.account_str("currency").unwrap_or(CURRENCY).to_string();
    for response in responses {
        let flow = if response.request.starts_with("GET /v2/reports") {
            report(&response.body, response.line, &currency, artist, sink)?
        } else if response.request.starts_with("GET /youtube/v3/channels") {
            channels(&header, &response.body, response.line, artist, sink)?
        } else {
            Flow::Continue
        };
        if flow == Flow::Stop {
            break;
        }
    }
    Ok(())
}

/// The report's columns, found by name (their order follows the request but is not promised).
struct Columns {
    day: usize,
    views: usize,
    minutes: usize,
    gained: usize,
    lost: usize,
    revenue: usize,
}

fn columns(body: &Value, line: u64) -> Result<Columns, FileError> {
    let headers = body.get("columnHeaders").and_then(Value::as_array).ok_or_else(|| {
        FileError::Refused(format!(
            "line {line}: YouTube's report has no \"columnHeaders\" (renamed or dropped?)"
        ))
    })?;
    let names: Vec<&str> =
        headers.iter().map(|h| h.get("name").and_then(Value::as_str).unwrap_or("")).collect();
    let find = |name: &str| {
        names.iter().position(|n| *n == name).ok_or_else(|| {
            FileError::Refused(format!(
                "line {line}: YouTube's report has no {name:?} column (columns: {})",
                names.join(", ")
            ))
        })
    };
    Ok(Columns {
        day: find("day")?,
        views: find("views")?,
        minutes: find("estimatedMinutesWatched")?,
        gained: find("subscribersGained")?,
        lost: find("subscribersLost")?,
        revenue: find("estimatedRevenue")?,
    })
}

fn report(
    body: &Value,
    line: u64,
    currency: &str,
    artist: Option<&str>,
    sink: &mut dyn RecordSink,
) -> Result<Flow, FileError> {
    let cols = columns(body, line)?;
    // No `rows`: no data in the window (a new channel, or days not processed yet).
    let Some(rows) = body.get("rows").and_then(Value::as_array) else { return Ok(Flow::Continue) };
    for (i, row) in rows.iter().enumerate() {
        let parsed = day_facts(row, &cols, currency, artist).map_err(|(column, reason)| RowError {
            line: Some(line),
            column: Some(format!("rows[{i}].{column}")),
            reason,
            content: Some(row.to_string()),
        });
        if crate::sources::send(sink, line, parsed) == Flow::Stop {
            return Ok(Flow::Stop);
        }
    }
    Ok(Flow::Continue)
}

fn cell<'v>(row: &'v Value, at: usize, name: &'static str) -> Result<&'v Value, (&'static str, String)> {
    row.get(at).ok_or((name, format!("the row has no {name} value")))
}

fn count(row: &Value, at: usize, name: &'static str) -> Result<i64, (&'static str, String)> {
    let v = cell(row, at, name)?;
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .ok_or((name, format!("{name} is not a whole number: {v}")))
}

fn decimal(row: &Value, at: usize, name: &'static str) -> Result<Decimal, (&'static str, String)> {
    let v = cell(row, at, name)?;
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        other => return Err((name, format!("{name} is not a number: {other}"))),
    };
    text.parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(&text))
        .map_err(|_| (name, format!("{name} is not a number: {text}")))
}

fn day_facts(
    row: &Value,
    c: &Columns,
    currency: &str,
    artist: Option<&str>,
) -> Result<Vec<Record>, (&'static str, String)> {
    let text = cell(row, c.day, "day")?.as_str().unwrap_or_default();
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| ("day", format!("{text:?} is not a date")))?;
    // Minutes to hours: the division is exact to 28 significant digits.
    let hours = decimal(row, c.minutes, "estimatedMinutesWatched")? / Decimal::from(60);
    let measures = [
        (metric::VIEWS, Measure::Count(count(row, c.views, "views")?)),
        (metric::WATCH_HOURS, Measure::Amount(hours.normalize())),
        (metric::SUBSCRIBERS_GAINED, Measure::Count(count(row, c.gained, "subscribersGained")?)),
        (metric::SUBSCRIBERS_LOST, Measure::Count(count(row, c.lost, "subscribersLost")?)),
        (
            metric::ESTIMATED_REVENUE,
            Measure::Money(decimal(row, c.revenue, "estimatedRevenue")?, currency.to_string()),
        ),
    ];
    Ok(measures
        .into_iter()
        .map(|(metric, measure)| {
            Record::Daily(Box::new(DailyFact {
                source: SourceId::Youtube,
                metric,
                artist: artist.map(str::to_string),
                entity: None,
                day,
                measure,
            }))
        })
        .collect())
}

fn channels(
    header: &PullHeader,
    body: &Value,
    line: u64,
    artist: Option<&str>,
    sink: &mut dyn RecordSink,
) -> Result<Flow, FileError> {
    let items = body.get("items").and_then(Value::as_array).ok_or_else(|| {
        FileError::Refused(format!(
            "line {line}: YouTube's channel list has no \"items\" (renamed or dropped?)"
        ))
    })?;
    for (i, item) in items.iter().enumerate() {
        let parsed = (|| {
            let id = json::req_string(item, "id").map_err(|r| ("id", r))?;
            let stats = item
                .get("statistics")
                .ok_or(("statistics", "the channel has no \"statistics\"".to_string()))?;
            let hidden = stats.get("hiddenSubscriberCount").and_then(Value::as_bool).unwrap_or(false);
            let entity = EntityRef {
                kind: "channel",
                key: id,
                name: item.pointer("/snippet/title").and_then(Value::as_str).map(str::to_string),
            };
            let mut values = vec![
                (
                    metric::CHANNEL_VIEWS,
                    json::req_int(stats, "viewCount").map_err(|r| ("statistics.viewCount", r))?,
                ),
                (
                    metric::CHANNEL_VIDEOS,
                    json::req_int(stats, "videoCount").map_err(|r| ("statistics.videoCount", r))?,
                ),
            ];
            // A hidden count is not reported, not zero.
            if !hidden
                && let Some(subs) =
                    json::int(stats, "subscriberCount").map_err(|r| ("statistics.subscriberCount", r))?
            {
                values.push((metric::CHANNEL_SUBSCRIBERS, subs));
            }
            Ok(values
                .into_iter()
                .map(|(metric, v)| {
                    Record::Daily(Box::new(DailyFact {
                        source: SourceId::Youtube,
                        metric,
                        artist: artist.map(str::to_string),
                        entity: Some(entity.clone()),
                        day: header.to,
                        measure: Measure::Count(v),
                    }))
                })
                .collect())
        })()
        .map_err(|(column, reason): (&str, String)| RowError {
            line: Some(line),
            column: Some(format!("items[{i}].{column}")),
            reason,
            content: None,
        });
        if crate::sources::send(sink, line, parsed) == Flow::Stop {
            return Ok(Flow::Stop);
        }
    }
    Ok(Flow::Continue)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn headers() -> Value {
        json!([
            {"name": "day", "columnType": "DIMENSION", "dataType": "STRING"},
            {"name": "views", "columnType": "METRIC", "dataType": "INTEGER"},
            {"name": "estimatedMinutesWatched", "columnType": "METRIC", "dataType": "INTEGER"},
            {"name": "subscribersGained", "columnType": "METRIC", "dataType": "INTEGER"},
            {"name": "subscribersLost", "columnType": "METRIC", "dataType": "INTEGER"},
            {"name": "estimatedRevenue", "columnType": "METRIC", "dataType": "CURRENCY"}
        ])
    }

    #[test]
    fn a_report_row_becomes_the_days_facts() {
        let body = json!({"columnHeaders": headers()});
        let cols = columns(&body, 2).expect("columns");
        let records =
            day_facts(&json!(["2026-11-01", 1200, 90, 7, 2, 3.25]), &cols, "USD", None).expect("row");
        let measures: Vec<(&str, Measure)> = records
            .into_iter()
            .filter_map(|r| match r {
                Record::Daily(f) => Some((f.metric, f.measure)),
                _ => None,
            })
            .collect();
        assert!(measures.contains(&(metric::VIEWS, Measure::Count(1200))));
        assert!(measures.contains(&(metric::WATCH_HOURS, Measure::Amount(Decimal::new(15, 1)))));
        assert!(
            measures
                .contains(&(metric::ESTIMATED_REVENUE, Measure::Money(Decimal::new(325, 2), "USD".into())))
        );
    }

    #[test]
    fn a_missing_column_is_named() {
        let mut h = headers();
        if let Some(a) = h.as_array_mut() {
            a.remove(5);
        }
        let err = columns(&json!({"columnHeaders": h}), 3).err().expect("refused").to_string();
        assert!(err.contains("\"estimatedRevenue\"") && err.contains("line 3"), "{err}");
    }
}
