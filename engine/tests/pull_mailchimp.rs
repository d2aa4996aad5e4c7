//! The Mailchimp API connector against a local mock of the Marketing API: what lands in the
//! warehouse, and what happens when the API misbehaves.

mod common;

use std::time::{Duration, Instant};

use common::api::{ApiEnv, TODAY, contains, today};
use engine::{
    etl::Outcome,
    pull::{Endpoints, Secrets},
};
use model::SourceId;
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{basic_auth, method, path, query_param},
};

const KEY: &str = "0123456789abcdef0123456789abcdef-us21";

fn report(id: &str, sent: i64, day: &str) -> Value {
    json!({
        "id": id, "campaign_title": format!("Campaign {id}"), "subject_line": "New single out now",
        "list_id": "L1", "emails_sent": sent, "abuse_reports": 0, "unsubscribed": "2",
        "send_time": format!("{day}T15:00:00+00:00"),
        "bounces": {"hard_bounces": 3, "soft_bounces": 2, "syntax_errors": 0},
        "forwards": {"forwards_count": 0, "forwards_opens": 0},
        "opens": {"opens_total": 500, "unique_opens": 300, "open_rate": 0.3, "last_open": ""},
        "clicks": {"clicks_total": 80, "unique_clicks": 50, "unique_subscriber_clicks": 45, "click_rate": 0.045, "last_click": ""}
    })
}

fn list() -> Value {
    json!({"id": "L1", "name": "Fans", "stats": {"member_count": 1234, "unsubscribe_count": 10, "open_rate": 30.5, "click_rate": 4.5}})
}

async fn connected(server: &MockServer) -> ApiEnv {
    let env =
        ApiEnv::new(Endpoints { mailchimp: format!("{}/3.0", server.uri()), ..Endpoints::default() }).await;
    env.connect(SourceId::Mailchimp, None, Secrets { api_key: Some(KEY.into()), ..Secrets::default() }).await;
    env
}

async fn mount_list(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/3.0/lists/L1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list()))
        .mount(server)
        .await;
}

/// (key, delivered, unique opens, unique clicks, unsubscribes)
async fn campaigns(env: &ApiEnv) -> Vec<(String, i64, i64, i64, i64)> {
    sqlx::query_as(
        "SELECT campaign_key, delivered, unique_opens, unique_clicks, unsubscribes FROM email_campaigns ORDER BY campaign_key",
    )
    .fetch_all(env.env.db.pool())
    .await
    .expect("campaigns")
}

async fn members(env: &ApiEnv) -> Vec<(i64, Option<i64>)> {
    sqlx::query_as(
        "SELECT day, value FROM daily_facts WHERE source = 'mailchimp' AND metric = 'list_members'",
    )
    .fetch_all(env.env.db.pool())
    .await
    .expect("members")
}

#[tokio::test]
async fn reports_are_pulled_page_by_page_with_the_audience_and_land_in_the_warehouse() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/3.0/reports"))
        .and(query_param("offset", "0"))
        .and(basic_auth("soundcheck", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "reports": [report("c1", 1000, "2026-10-02"), report("c2", 2000, "2026-11-20")], "total_items": 501
        })))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/3.0/reports"))
        .and(query_param("offset", "500"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"reports": [report("c3", 10, "2026-11-25")], "total_items": 501})),
        )
        .expect(2)
        .mount(&server)
        .await;
    mount_list(&server).await;
    let env = connected(&server).await;

    let run = env.run(SourceId::Mailchimp).await;
    assert_eq!(run.status, "succeeded", "{:?}", run.files);
    assert_eq!(run.files.len(), 1);
    assert_eq!(run.files[0].outcome, Outcome::Loaded);
    assert_eq!(
        campaigns(&env).await,
        vec![("c1".into(), 995, 300, 45, 2), ("c2".into(), 1995, 300, 45, 2), ("c3".into(), 5, 300, 45, 2),]
    );
    assert_eq!(members(&env).await, vec![(20261126, Some(1234))]);
    assert_eq!(env.last_day(SourceId::Mailchimp).await, Some(today()));

    // The next pull asks again for the last 30 days only (opens keep coming in), and updates the
    // campaigns it sees instead of adding them twice.
    let again = env.run(SourceId::Mailchimp).await;
    assert_eq!(again.files[0].outcome, Outcome::Loaded);
    assert_eq!(campaigns(&env).await.len(), 3);
    let since: Vec<String> = server
        .received_requests()
        .await
        .expect("requests")
        .iter()
        .filter(|r| r.url.path() == "/3.0/reports" && r.url.query().is_some_and(|q| q.contains("offset=0")))
        .filter_map(|r| {
            r.url.query_pairs().find(|(k, _)| k == "since_send_time").map(|(_, v)| v.into_owned())
        })
        .collect();
    assert_eq!(since, vec!["2025-11-27T00:00:00+00:00", "2026-10-28T00:00:00+00:00"]);
    env.assert_no_secret_stored(&[KEY]);
}

#[tokio::test]
async fn a_429_is_retried_after_the_pause_it_asks_for_and_a_500_after_a_backoff() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/3.0/reports"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"title": "Too Many Requests"})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/3.0/lists/L1"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/3.0/reports"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"reports": [report("c1", 100, "2026-11-01")], "total_items": 1})),
        )
        .mount(&server)
        .await;
    mount_list(&server).await;
    let env = connected(&server).await;

    let started = Instant::now();
    let run = env.run(SourceId::Mailchimp).await;
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After was not honoured");
    assert_eq!(run.status, "succeeded", "{:?}", run.files);
    assert_eq!(campaigns(&env).await, vec![("c1".into(), 95, 300, 45, 2)]);
    assert_eq!(members(&env).await, vec![(20261126, Some(1234))]);
    assert_eq!(server.received_requests().await.expect("requests").len(), 4);
}

#[tokio::test]
async fn a_dropped_field_rejects_the_pull_keeps_what_was_stored_and_is_pulled_again() {
    let server = MockServer::start().await;
    let mut broken = report("c2", 100, "2026-11-10");
    broken.as_object_mut().expect("object").remove("emails_sent");
    Mock::given(method("GET"))
        .and(path("/3.0/reports"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"reports": [report("c1", 100, "2026-11-01"), broken], "total_items": 2}),
            ),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/3.0/reports"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"reports": [report("c1", 100, "2026-11-01"), report("c2", 100, "2026-11-10")], "total_items": 2})))
        .mount(&server)
        .await;
    mount_list(&server).await;
    let env = connected(&server).await;

    let run = env.run(SourceId::Mailchimp).await;
    assert_eq!(run.files[0].outcome, Outcome::Rejected);
    let reason = run.files[0].quarantined.first().map(ToString::to_string).unwrap_or_default();
    assert!(reason.contains("reports[1].emails_sent"), "{reason}");
    assert!(campaigns(&env).await.is_empty(), "nothing of a rejected pull is stored");
    assert_eq!(env.last_day(SourceId::Mailchimp).await, None, "the window is asked for again");

    let retry = env.run(SourceId::Mailchimp).await;
    assert_eq!(retry.files[0].outcome, Outcome::Loaded, "{:?}", retry.files);
    assert_eq!(campaigns(&env).await.len(), 2);
}

#[tokio::test]
async fn an_empty_report_loads_nothing_and_moves_the_window_on() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/3.0/reports"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"reports": [], "total_items": 0})))
        .expect(1)
        .mount(&server)
        .await;
    let env = connected(&server).await;

    let run = env.run(SourceId::Mailchimp).await;
    assert_eq!(run.status, "succeeded", "{:?}", run.files);
    assert_eq!(run.files[0].rows_loaded, 0);
    assert!(campaigns(&env).await.is_empty());
    assert_eq!(env.last_day(SourceId::Mailchimp).await, Some(today()));
}

#[tokio::test]
async fn an_invalid_key_marks_the_source_needs_reconnect_and_stops_asking() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/3.0/reports"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "type": "https://mailchimp.com/developer/marketing/docs/errors/", "title": "API Key Invalid",
            "status": 401, "detail": "Your API key may be invalid, or you've attempted to access the wrong datacenter."
        })))
        .expect(1)
        .mount(&server)
        .await;
    let env = connected(&server).await;

    let run = env.run(SourceId::Mailchimp).await;
    assert_eq!(run.status, "failed");
    let message = run.files[0].message.clone().unwrap_or_default();
    assert!(message.contains("Mailchimp refused the API key") && message.contains("reconnect"), "{message}");
    assert!(env.store.needs_reconnect(SourceId::Mailchimp).await.expect("flag"));

    // Run now again: the API is not asked (the mock expects one request only).
    let again = env.run(SourceId::Mailchimp).await;
    assert_eq!(again.status, "failed");

    // Reconnecting clears the flag.
    env.connect(SourceId::Mailchimp, None, Secrets { api_key: Some(KEY.into()), ..Secrets::default() }).await;
    assert!(!env.store.needs_reconnect(SourceId::Mailchimp).await.expect("flag"));
}

#[tokio::test]
async fn the_api_key_is_stored_encrypted() {
    let server = MockServer::start().await;
    let env = connected(&server).await;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(env.env.db.pool()).await.expect("checkpoint");
    let bytes = env.database_bytes();
    assert!(!bytes.is_empty());
    assert!(!contains(&bytes, KEY), "the key's plaintext is in the database file");
    assert!(!contains(&bytes, "0123456789abcdef0123"), "part of the key is in the database file");
    let loaded = env.store.load(SourceId::Mailchimp).await.expect("load").expect("connected");
    assert_eq!(loaded.secrets.api_key.as_deref(), Some(KEY));
    assert_eq!(TODAY, "2026-11-26");
}
