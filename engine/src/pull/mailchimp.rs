//! Mailchimp Marketing API v3: campaign reports and audience statistics.
//!
//! - `GET /reports?count=&offset=&since_send_time=&before_send_time=` (count at most 1,000; ISO 8601
//!   times): https://mailchimp.com/developer/marketing/api/reports/list-campaign-reports/
//! - `GET /lists/{list_id}` → `stats.member_count`:
//!   https://mailchimp.com/developer/marketing/api/lists/get-list-info/
//! - HTTP Basic with any user name and the API key; the key's suffix after `-` is the data centre
//!   (`…-us21` → `https://us21.api.mailchimp.com/3.0`). At most 10 simultaneous connections; a 429
//!   carries no `Retry-After`. An invalid or revoked key answers 401 "API Key Invalid".

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use model::SourceId;
use serde_json::Value;

use super::{
    ApiConnector, Limits, PullContext, PullError, Pulled, Window,
    envelope::{self, PullHeader, PullWriter, json},
    http::{Classify, Reply, Verdict, classify_common},
    percent_encode,
};
use crate::{
    sources::{FileError, Flow, Input, RecordSink, RowError},
    warehouse::{DailyFact, EmailCampaign, EntityRef, Measure, Record, metric},
};

pub struct Mailchimp;

pub const ENDPOINT: &str = "reports";
/// Reports per page.
const PAGE: usize = 500;

/// The data centre of an API key (`0123…-us21` → `us21`).
pub fn data_centre(api_key: &str) -> Option<&str> {
    let (_, dc) = api_key.rsplit_once('-')?;
    (!dc.is_empty() && dc.chars().all(|c| c.is_ascii_alphanumeric())).then_some(dc)
}

/// A 401 from Mailchimp means the key itself is invalid or was revoked: no token to refresh.
fn classify(reply: &Reply) -> Verdict {
    match classify_common(reply) {
        Verdict::Unauthorized => Verdict::Reconnect(format!(
            "Mailchimp refused the API key (HTTP 401: {})",
            reply
                .json()
                .and_then(|v| v.get("detail").and_then(Value::as_str).map(str::to_string))
                .unwrap_or_else(|| reply.excerpt())
        )),
        other => other,
    }
}

impl ApiConnector for Mailchimp {
    fn source(&self) -> SourceId {
        SourceId::Mailchimp
    }

    fn limits(&self) -> Limits {
        // Opens and clicks keep coming in for weeks after a send: re-pull a month.
        Limits { initial_days: 365, trailing_days: 30, max_history_days: 3650, max_concurrent: 10 }
    }

    async fn pull(&self, ctx: &PullContext<'_>, window: Window) -> Result<Vec<Pulled>, PullError> {
        let key = ctx
            .connection
            .secrets
            .api_key
            .clone()
            .ok_or_else(|| PullError::NeedsReconnect("no Mailchimp API key is stored".into()))?;
        let dc = data_centre(&key).ok_or_else(|| {
            PullError::NeedsReconnect("the Mailchimp API key has no data centre suffix (like -us21)".into())
        })?;
        let base = ctx.endpoints.mailchimp.replace("{dc}", dc);
        let get = |path: String, what: &'static str| {
            let (url, key, classify) = (format!("{base}{path}"), key.clone(), classify as Classify);
            async move {
                let reply = ctx
                    .client
                    .send(what, |http| http.get(&url).basic_auth("soundcheck", Some(&key)), classify)
                    .await?;
                reply.json().ok_or_else(|| {
                    PullError::Malformed(format!(
                        "{what}: Mailchimp's answer is not JSON: {}",
                        reply.excerpt()
                    ))
                })
            }
        };

        let mut out =
            PullWriter::new(SourceId::Mailchimp, ENDPOINT, window.from, window.to).account("dc", dc);
        let since = format!("{}T00:00:00+00:00", window.from);
        let before = format!("{}T00:00:00+00:00", window.to + chrono::Duration::days(1));
        let mut lists = BTreeSet::new();
        lists.extend(ctx.connection.account.clone());
        let mut offset = 0usize;
        loop {
            let path = format!(
                "/reports?count={PAGE}&offset={offset}&since_send_time={}&before_send_time={}",
                percent_encode(&since),
                percent_encode(&before)
            );
            let page = get(path.clone(), "Mailchimp reports").await?;
            let reports = page.get("reports").and_then(Value::as_array).map(Vec::len).unwrap_or(0);
            let total = page.get("total_items").and_then(Value::as_u64).unwrap_or(0) as usize;
            for report in page.get("reports").and_then(Value::as_array).into_iter().flatten() {
                lists.extend(json::string(report, "list_id").filter(|l| !l.is_empty()));
            }
            out.push(&format!("GET {path}"), page);
            offset += PAGE;
            if reports == 0 || offset >= total {
                break;
            }
        }
        for list in lists {
            let path = format!("/lists/{}", percent_encode(&list));
            let body = get(path.clone(), "Mailchimp audience").await?;
            out.push(&format!("GET {path}"), body);
        }
        Ok(vec![out.finish()])
    }
}

/// Reads a pulled file: one campaign per report, and each audience's member count on the day
/// of the pull (a snapshot).
pub fn parse(input: &Input, sink: &mut dyn RecordSink) -> Result<(), FileError> {
    let (header, responses) = envelope::read(input)?;
    for response in responses {
        let flow = if response.request.starts_with("GET /reports") {
            reports(&response.body, response.line, sink)?
        } else if response.request.starts_with("GET /lists/") {
            audience(&header, &response.body, response.line, sink)
        } else {
            Flow::Continue
        };
        if flow == Flow::Stop {
            break;
        }
    }
    Ok(())
}

fn reports(body: &Value, line: u64, sink: &mut dyn RecordSink) -> Result<Flow, FileError> {
    let list = body.get("reports").and_then(Value::as_array).ok_or_else(|| {
        FileError::Refused(format!(
            "line {line}: Mailchimp's reports response has no \"reports\" list (renamed or dropped?)"
        ))
    })?;
    for (i, report) in list.iter().enumerate() {
        let parsed = campaign(report).map_err(|(column, reason)| RowError {
            line: Some(line),
            column: Some(format!("reports[{i}].{column}")),
            reason,
            content: Some(report.to_string().chars().take(500).collect()),
        });
        if crate::sources::send(sink, line, parsed.map(|c| vec![Record::EmailCampaign(Box::new(c))]))
            == Flow::Stop
        {
            return Ok(Flow::Stop);
        }
    }
    Ok(Flow::Continue)
}

fn campaign(r: &Value) -> Result<EmailCampaign, (String, String)> {
    fn at(field: &'static str) -> impl Fn(String) -> (String, String) {
        move |reason| (field.to_string(), reason)
    }
    let key = json::req_string(r, "id").map_err(at("id"))?;
    let sent = json::req_int(r, "emails_sent").map_err(at("emails_sent"))?;
    let bounces = r.get("bounces").ok_or_else(|| at("bounces")("the report has no \"bounces\"".into()))?;
    let hard = json::req_int(bounces, "hard_bounces").map_err(at("bounces.hard_bounces"))?;
    let soft = json::req_int(bounces, "soft_bounces").map_err(at("bounces.soft_bounces"))?;
    let syntax = json::int(bounces, "syntax_errors").map_err(at("bounces.syntax_errors"))?.unwrap_or(0);
    let opens = r.get("opens").ok_or_else(|| at("opens")("the report has no \"opens\"".into()))?;
    let clicks = r.get("clicks").ok_or_else(|| at("clicks")("the report has no \"clicks\"".into()))?;
    let send_time = match json::string(r, "send_time").filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => Some(
            DateTime::parse_from_rfc3339(&text)
                .map_err(|_| at("send_time")(format!("{text:?} is not an ISO 8601 time")))?
                .with_timezone(&Utc),
        ),
    };
    Ok(EmailCampaign {
        source: SourceId::Mailchimp,
        key,
        artist: None,
        title: json::string(r, "campaign_title"),
        subject: json::string(r, "subject_line"),
        list_id: json::string(r, "list_id").filter(|l| !l.is_empty()),
        send_time,
        // As the KPI catalogue defines it: sent less every kind of bounce.
        delivered: Some(sent - hard - soft - syntax),
        unique_opens: Some(json::req_int(opens, "unique_opens").map_err(at("opens.unique_opens"))?),
        // The figure Mailchimp's own click rate divides (clicks by distinct subscribers).
        unique_clicks: Some(
            json::req_int(clicks, "unique_subscriber_clicks")
                .map_err(at("clicks.unique_subscriber_clicks"))?,
        ),
        unsubscribes: json::int(r, "unsubscribed").map_err(at("unsubscribed"))?,
        hard_bounces: Some(hard),
        soft_bounces: Some(soft),
        abuse_reports: json::int(r, "abuse_reports").map_err(at("abuse_reports"))?,
    })
}

fn audience(header: &PullHeader, body: &Value, line: u64, sink: &mut dyn RecordSink) -> Flow {
    let parsed = (|| {
        let id = json::req_string(body, "id").map_err(|r| ("id", r))?;
        let stats = body.get("stats").ok_or(("stats", "the audience has no \"stats\"".to_string()))?;
        let members = json::req_int(stats, "member_count").map_err(|r| ("stats.member_count", r))?;
        Ok(vec![Record::Daily(Box::new(DailyFact {
            source: SourceId::Mailchimp,
            metric: metric::LIST_MEMBERS,
            artist: None,
            entity: Some(EntityRef { kind: "list", key: id, name: json::string(body, "name") }),
            day: header.to,
            measure: Measure::Count(members),
        }))])
    })()
    .map_err(|(column, reason): (&str, String)| RowError {
        line: Some(line),
        column: Some(column.to_string()),
        reason,
        content: None,
    });
    crate::sources::send(sink, line, parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_centre_is_the_keys_suffix() {
        assert_eq!(data_centre("0123456789abcdef-us21"), Some("us21"));
        assert_eq!(data_centre("0123456789abcdef"), None);
        assert_eq!(data_centre("abc-"), None);
        assert_eq!(data_centre("abc-us21/../x"), None);
    }

    #[test]
    fn delivered_is_sent_less_bounces_and_numbers_may_be_strings() {
        let r = serde_json::json!({
            "id": "c1", "campaign_title": "November news", "subject_line": "New single", "list_id": "L1",
            "emails_sent": "1,000", "abuse_reports": 1, "unsubscribed": 3, "send_time": "2026-11-03T15:00:00+00:00",
            "bounces": {"hard_bounces": 4, "soft_bounces": "5", "syntax_errors": 1},
            "opens": {"opens_total": 700, "unique_opens": 420, "open_rate": 0.42},
            "clicks": {"clicks_total": 90, "unique_clicks": 60, "unique_subscriber_clicks": 55, "click_rate": 0.055}
        });
        let c = campaign(&r).expect("campaign");
        assert_eq!(c.delivered, Some(990));
        assert_eq!(c.unique_opens, Some(420));
        assert_eq!(c.unique_clicks, Some(55));
        assert_eq!(c.send_time.map(|t| t.to_rfc3339()), Some("2026-11-03T15:00:00+00:00".into()));

        let mut dropped = r.clone();
        if let Some(o) = dropped.get_mut("opens").and_then(Value::as_object_mut) {
            o.remove("unique_opens");
        }
        let (column, reason) = campaign(&dropped).expect_err("dropped field");
        assert_eq!(column, "opens.unique_opens");
        assert!(reason.contains("unique_opens"), "{reason}");
    }
}
