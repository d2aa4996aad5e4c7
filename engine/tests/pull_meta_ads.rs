//! The Meta Ads API connector against a local mock of the Marketing API: what lands in the
//! warehouse, and what happens when the API throttles, fails or refuses the token.

mod common;

use std::time::{Duration, Instant};

use common::{
    api::{ApiEnv, today},
    daily,
};
use engine::{
    etl::{Outcome, Trigger},
    kpi::{KpiQuery, Period, report},
    pull::{Endpoints, Secrets, Window},
};
use model::{KpiId, KpiValue, SourceId};
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, Request, ResponseTemplate,
    matchers::{header, method, path, query_param},
};

const TOKEN: &str = "EAAGm0PX4ZCpsBAExampleLongLivedToken";
const ACCOUNT: &str = "act_1234";
const CAMPAIGN: &str = "120210987654321098";

fn row(campaign: &str, day: &str, spend: &str, impressions: &str, link_clicks: Option<&str>) -> Value {
    let mut r = json!({
        "campaign_id": campaign, "campaign_name": format!("Campaign {campaign}"), "spend": spend,
        "impressions": impressions, "reach": "800", "clicks": "40",
        "date_start": day, "date_stop": day
    });
    if let Some(n) = link_clicks {
        r["actions"] = json!([
            {"action_type": "video_view", "value": "99"},
            {"action_type": "link_click", "value": n},
            {"action_type": "page_engagement", "value": "120"}
        ]);
    }
    r
}

fn page(rows: Vec<Value>, after: Option<&str>, server: &MockServer) -> Value {
    let mut paging = json!({"cursors": {"before": "B0", "after": after.unwrap_or("END")}});
    if let Some(after) = after {
        paging["next"] =
            json!(format!("{}/v21.0/{ACCOUNT}/insights?after={after}&access_token={TOKEN}", server.uri()));
    }
    json!({"data": rows, "paging": paging})
}

async fn mount_account(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(format!("/v21.0/{ACCOUNT}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "currency": "EUR", "timezone_name": "Europe/Berlin", "name": "Zone A0 ads", "id": ACCOUNT
        })))
        .mount(server)
        .await;
}

async fn connected(server: &MockServer) -> ApiEnv {
    let env =
        ApiEnv::new(Endpoints { meta_graph: format!("{}/v21.0", server.uri()), ..Endpoints::default() })
            .await;
    env.connect(
        SourceId::MetaAds,
        Some(ACCOUNT),
        Secrets { access_token: Some(TOKEN.into()), ..Secrets::default() },
    )
    .await;
    env
}

/// (metric, campaign, day, value, amount, currency) of the Meta facts.
async fn facts(env: &ApiEnv) -> Vec<(String, String, i64, Option<i64>, Option<String>, Option<String>)> {
    sqlx::query_as(
        "SELECT f.metric, e.key, f.day, f.value, f.amount, f.currency FROM daily_facts f \
         JOIN entities e ON e.id = f.entity_id WHERE f.source = 'meta_ads' ORDER BY f.metric, e.key, f.day",
    )
    .fetch_all(env.env.db.pool())
    .await
    .expect("facts")
}

fn insights_requests(requests: &[Request]) -> Vec<&Request> {
    requests.iter().filter(|r| r.url.path().ends_with("/insights")).collect()
}

#[tokio::test]
async fn insights_are_pulled_page_by_page_and_land_as_the_exports_facts() {
    let server = MockServer::start().await;
    mount_account(&server).await;
    Mock::given(method("GET"))
        .and(path(format!("/v21.0/{ACCOUNT}/insights")))
        .and(query_param("after", "C1"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [row("111", "2026-11-21", "0.99", "50", None)],
            "paging": {"cursors": {"before": "C1", "after": "C2"}}
        })))
        .with_priority(1)
        .mount(&server)
        .await;
    let first = page(
        vec![
            row("111", "2026-11-20", "12.50", "1000", Some("31")),
            row("222", "2026-11-20", "3.005", "200", Some("2")),
        ],
        Some("C1"),
        &server,
    );
    Mock::given(method("GET"))
        .and(path(format!("/v21.0/{ACCOUNT}/insights")))
        .and(query_param("level", "campaign"))
        .and(query_param("time_increment", "1"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(first))
        .mount(&server)
        .await;
    let env = connected(&server).await;

    let run = env.run(SourceId::MetaAds).await;
    assert_eq!(run.status, "succeeded", "{:?}", run.files);
    assert_eq!(run.files.len(), 1);
    assert_eq!(run.files[0].outcome, Outcome::Loaded);
    let eur = || Some("EUR".to_string());
    let got = facts(&env).await;
    let spend: Vec<_> = got.iter().filter(|f| f.0 == "ad_spend").cloned().collect();
    assert_eq!(
        spend,
        vec![
            ("ad_spend".into(), "111".into(), 20261120, None, Some("12.50".into()), eur()),
            ("ad_spend".into(), "111".into(), 20261121, None, Some("0.99".into()), eur()),
            ("ad_spend".into(), "222".into(), 20261120, None, Some("3.005".into()), eur()),
        ]
    );
    let of = |metric: &str| -> Vec<(String, i64, Option<i64>)> {
        got.iter().filter(|f| f.0 == metric).map(|f| (f.1.clone(), f.2, f.3)).collect()
    };
    assert_eq!(
        of("ad_link_clicks"),
        vec![
            ("111".into(), 20261120, Some(31)),
            ("111".into(), 20261121, Some(0)),
            ("222".into(), 20261120, Some(2))
        ]
    );
    assert_eq!(of("ad_impressions")[0], ("111".into(), 20261120, Some(1000)));
    assert_eq!(of("ad_reach")[0], ("111".into(), 20261120, Some(800)));
    assert_eq!(of("ad_clicks_all")[0], ("111".into(), 20261120, Some(40)));
    assert!(of("ad_results").is_empty(), "the API does not say which action is a campaign's result");
    assert_eq!(env.last_day(SourceId::MetaAds).await, Some(today()));
    // The campaign is named as Meta names it.
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM entities WHERE kind = 'campaign' AND key = '111'")
            .fetch_one(env.env.db.pool())
            .await
            .expect("entity");
    assert_eq!(name.as_deref(), Some("Campaign 111"));
    // The advertising KPIs read them like an export's.
    let query = KpiQuery {
        period: Period::new(today() - chrono::Duration::days(27), today()).expect("period"),
        artist: None,
        today: today(),
        sparklines: false,
        store: None,
        platform: None,
    };
    let kpis = report(&env.env.db, &query).await.expect("report");
    assert_eq!(kpis.value(KpiId::AdImpressions), Some(&KpiValue::Count(1250)));
    assert_eq!(kpis.value(KpiId::AdClicks), Some(&KpiValue::Count(33)));

    // The next pull asks for Meta's 28 restated days again and updates instead of adding.
    let again = env.run(SourceId::MetaAds).await;
    assert_eq!(again.files[0].outcome, Outcome::Loaded, "{:?}", again.files);
    assert_eq!(facts(&env).await.len(), got.len());
    let requests = server.received_requests().await.expect("requests");
    let ranges: Vec<String> = insights_requests(&requests)
        .iter()
        .filter(|r| !r.url.query_pairs().any(|(k, _)| k == "after"))
        .filter_map(|r| r.url.query_pairs().find(|(k, _)| k == "time_range").map(|(_, v)| v.into_owned()))
        .collect();
    assert_eq!(
        ranges,
        vec![
            r#"{"since":"2026-08-29","until":"2026-11-26"}"#,
            r#"{"since":"2026-10-30","until":"2026-11-26"}"#
        ]
    );
    // The token never travels in a URL (the `next` link carries one; the cursor is used instead).
    assert!(requests.iter().all(|r| !r.url.as_str().contains("access_token")));
    // Nor is it stored: Meta's `next` links carry it, and raw keeps every response forever.
    env.assert_no_secret_stored(&[TOKEN]);
}

#[tokio::test]
async fn a_throttle_code_waits_as_the_usage_headers_say_and_a_500_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v21.0/{ACCOUNT}")))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({"error": {"message": "An unknown error occurred", "code": 1}})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_account(&server).await;
    Mock::given(method("GET"))
        .and(path(format!("/v21.0/{ACCOUNT}/insights")))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header(
                    "x-business-use-case-usage",
                    r#"{"1234":[{"type":"ads_insights","call_count":98,"total_cputime":20,"total_time":30,"estimated_time_to_regain_access":0}]}"#,
                )
                .insert_header(
                    "x-ad-account-usage",
                    r#"{"acc_id_util_pct":100,"reset_time_duration":1,"ads_api_access_tier":"standard_access"}"#,
                )
                .set_body_json(json!({"error": {"message": "User request limit reached", "type": "OAuthException", "code": 17, "error_subcode": 2446079, "fbtrace_id": "A"}})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v21.0/{ACCOUNT}/insights")))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(
            vec![row(CAMPAIGN, "2026-11-25", "5", "10", Some("1"))],
            None,
            &server,
        )))
        .mount(&server)
        .await;
    let env = connected(&server).await;

    let started = Instant::now();
    let run = env.run(SourceId::MetaAds).await;
    assert!(started.elapsed() >= Duration::from_secs(1), "the usage headers' pause was not honoured");
    assert_eq!(run.status, "succeeded", "{:?}", run.files);
    assert_eq!(facts(&env).await.iter().filter(|f| f.0 == "ad_spend").count(), 1);
    assert_eq!(server.received_requests().await.expect("requests").len(), 4);
}

#[tokio::test]
async fn a_long_throttle_is_left_to_the_next_run() {
    let server = MockServer::start().await;
    mount_account(&server).await;
    Mock::given(method("GET"))
        .and(path(format!("/v21.0/{ACCOUNT}/insights")))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header(
                    "x-business-use-case-usage",
                    r#"{"1234":[{"type":"ads_insights","call_count":100,"total_cputime":20,"total_time":30,"estimated_time_to_regain_access":12}]}"#,
                )
                .set_body_json(json!({"error": {"message": "There have been too many calls from this ad-account", "code": 80000}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let env = connected(&server).await;

    let run = env.run(SourceId::MetaAds).await;
    assert_eq!(run.status, "failed");
    let message = run.files[0].message.clone().unwrap_or_default();
    assert!(message.contains("720 s") && message.contains("next run"), "{message}");
    assert!(facts(&env).await.is_empty());
    assert_eq!(env.last_day(SourceId::MetaAds).await, None);
    assert!(
        !env.store.needs_reconnect(SourceId::MetaAds).await.expect("flag"),
        "a throttle is not a reconnect"
    );
}

#[tokio::test]
async fn a_dropped_field_rejects_the_pull_keeps_what_was_stored_and_is_pulled_again() {
    let server = MockServer::start().await;
    mount_account(&server).await;
    let mut broken = row("222", "2026-11-20", "1", "10", None);
    broken.as_object_mut().expect("object").remove("spend");
    Mock::given(method("GET"))
        .and(path(format!("/v21.0/{ACCOUNT}/insights")))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(
            vec![row("111", "2026-11-20", "2", "10", None), broken],
            None,
            &server,
        )))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v21.0/{ACCOUNT}/insights")))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(
            vec![row("111", "2026-11-20", "2", "10", None), row("222", "2026-11-20", "1", "10", None)],
            None,
            &server,
        )))
        .mount(&server)
        .await;
    let env = connected(&server).await;

    let run = env.run(SourceId::MetaAds).await;
    assert_eq!(run.files[0].outcome, Outcome::Rejected);
    let reason = run.files[0].quarantined.first().map(ToString::to_string).unwrap_or_default();
    assert!(reason.contains("data[1].spend"), "{reason}");
    assert!(facts(&env).await.is_empty(), "nothing of a rejected pull is stored");
    assert_eq!(env.last_day(SourceId::MetaAds).await, None, "the window is asked for again");

    let retry = env.run(SourceId::MetaAds).await;
    assert_eq!(retry.files[0].outcome, Outcome::Loaded, "{:?}", retry.files);
    assert_eq!(facts(&env).await.iter().filter(|f| f.0 == "ad_spend").count(), 2);
}

#[tokio::test]
async fn an_empty_report_loads_nothing_and_moves_the_window_on() {
    let server = MockServer::start().await;
    mount_account(&server).await;
    Mock::given(method("GET"))
        .and(path(format!("/v21.0/{ACCOUNT}/insights")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": []})))
        .expect(1)
        .mount(&server)
        .await;
    let env = connected(&server).await;

    let run = env.run(SourceId::MetaAds).await;
    assert_eq!(run.status, "succeeded", "{:?}", run.files);
    assert_eq!(run.files[0].rows_loaded, 0);
    assert!(facts(&env).await.is_empty());
    assert_eq!(env.last_day(SourceId::MetaAds).await, Some(today()));
}

#[tokio::test]
async fn an_expired_token_marks_the_source_needs_reconnect_and_stops_asking() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "Error validating access token: Session has expired on Thursday, 26-Nov-26 10:00:00 PST.",
            "type": "OAuthException", "code": 190, "error_subcode": 463, "fbtrace_id": "B"
        }})))
        .expect(1)
        .mount(&server)
        .await;
    let env = connected(&server).await;

    let run = env.run(SourceId::MetaAds).await;
    assert_eq!(run.status, "failed");
    let message = run.files[0].message.clone().unwrap_or_default();
    assert!(message.contains("Session has expired") && message.contains("reconnect"), "{message}");
    assert!(env.store.needs_reconnect(SourceId::MetaAds).await.expect("flag"));

    // Run now again: Meta is not asked (the mock expects one request only).
    let again = env.run(SourceId::MetaAds).await;
    assert_eq!(again.status, "failed");
    assert!(daily(&env.env, "meta_ads").await.is_empty());
}

#[tokio::test]
async fn the_api_updates_the_campaign_day_an_export_loaded() {
    let server = MockServer::start().await;
    mount_account(&server).await;
    Mock::given(method("GET"))
        .and(path(format!("/v21.0/{ACCOUNT}/insights")))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(
            vec![row(CAMPAIGN, "2025-02-01", "15.55", "15000", Some("48"))],
            None,
            &server,
        )))
        .mount(&server)
        .await;
    let env = connected(&server).await;
    let import = env.env.import(&["meta_ads/ads_manager_per_ad_daily_eur.csv"]).await;
    assert_eq!(import.status, "succeeded", "{:?}", import.files);
    let before = facts(&env).await;
    let day = |f: &&(String, String, i64, Option<i64>, Option<String>, Option<String>)| {
        f.1 == CAMPAIGN && f.2 == 20250201
    };
    assert!(before.iter().filter(day).any(|f| f.0 == "ad_spend"), "{before:?}");

    let window = Window { from: "2025-02-01".parse().expect("day"), to: "2025-02-01".parse().expect("day") };
    let run = env.jobs.backfill(SourceId::MetaAds, window, Trigger::Admin).await.expect("backfill");
    assert_eq!(run.files[0].outcome, Outcome::Loaded, "{:?}", run.files);
    let after = facts(&env).await;
    let spend: Vec<_> = after.iter().filter(day).filter(|f| f.0 == "ad_spend").collect();
    assert_eq!(spend.len(), 1, "one campaign-day, not two: {after:?}");
    assert_eq!(spend[0].4.as_deref(), Some("15.55"));
    let clicks: Vec<_> = after.iter().filter(day).filter(|f| f.0 == "ad_link_clicks").collect();
    assert_eq!(clicks.len(), 1);
    assert_eq!(clicks[0].3, Some(48));
    // The export's results stay: the API does not restate them.
    assert!(after.iter().filter(day).any(|f| f.0 == "ad_results"));
}

// ---- One campaign-day, one fact: an export with `--artist` and an API pull ------------------

const LUNA: &str = "120210987654329999";

/// The API's figures for the export's three campaign-days (ads_manager_per_ad_daily_eur.csv:
/// Berlin on 2025-02-01 and 02-02, Luna on 02-01), restated, and a day the export lacks.
fn restated(server: &MockServer) -> Value {
    page(
        vec![
            row(CAMPAIGN, "2025-02-01", "15.60", "15100", Some("50")),
            row(CAMPAIGN, "2025-02-02", "11.30", "10050", Some("36")),
            row(LUNA, "2025-02-01", "1204.90", "1234600", Some("1030")),
            row(CAMPAIGN, "2025-02-03", "7.00", "7000", Some("20")),
        ],
        None,
        server,
    )
}

async fn mock_restated(server: &MockServer) {
    mount_account(server).await;
    Mock::given(method("GET"))
        .and(path(format!("/v21.0/{ACCOUNT}/insights")))
        .respond_with(ResponseTemplate::new(200).set_body_json(restated(server)))
        .mount(server)
        .await;
}

fn day(s: &str) -> chrono::NaiveDate {
    s.parse().expect("day")
}

/// The export of the Berlin and Luna campaigns, imported for ZONE A0.
async fn import_export(env: &ApiEnv) {
    let options = engine::etl::ImportOptions {
        artist: Some("ZONE A0".into()),
        ..engine::etl::ImportOptions::default()
    };
    let report = env.env.import_with(&["meta_ads/ads_manager_per_ad_daily_eur.csv"], options).await;
    assert_eq!(report.files[0].outcome, Outcome::Loaded, "{:?}", report.files);
}

async fn pull(env: &ApiEnv, to: &str) {
    let window = Window { from: day("2025-02-01"), to: day(to) };
    let run = env.jobs.backfill(SourceId::MetaAds, window, Trigger::Admin).await.expect("backfill");
    assert_eq!(run.files[0].outcome, Outcome::Loaded, "{:?}", run.files);
}

/// ad_spend_usd, ad_impressions and ad_clicks from 2025-02-01 to `to`, of `artist` or of all.
async fn ad_kpis(env: &ApiEnv, to: &str, artist: Option<&str>) -> [Option<KpiValue>; 3] {
    let query = KpiQuery {
        period: Period::new(day("2025-02-01"), day(to)).expect("period"),
        artist: artist.map(str::to_string),
        today: today(),
        sparklines: false,
        store: None,
        platform: None,
    };
    let kpis = report(&env.env.db, &query).await.expect("report");
    [KpiId::AdSpendUsd, KpiId::AdImpressions, KpiId::AdClicks].map(|id| kpis.value(id).cloned())
}

/// A connected Meta source, with the exchange rates the EUR spend needs.
async fn connected_with_rates(server: &MockServer) -> ApiEnv {
    let env = connected(server).await;
    let rates = env.env.import(&["exchange_rates/rates.csv"]).await;
    assert_eq!(rates.files[0].outcome, Outcome::Loaded, "{:?}", rates.files);
    env
}

#[tokio::test]
async fn an_export_and_a_pull_of_the_same_campaign_days_count_once_in_either_order() {
    let server = MockServer::start().await;
    mock_restated(&server).await;
    // The KPIs of each alone, over the export's two days.
    let export_alone = connected_with_rates(&server).await;
    import_export(&export_alone).await;
    let export_kpis = ad_kpis(&export_alone, "2025-02-02", None).await;
    let api_alone = connected_with_rates(&server).await;
    pull(&api_alone, "2025-02-02").await;
    let api_kpis = ad_kpis(&api_alone, "2025-02-02", None).await;
    assert!(export_kpis.iter().all(Option::is_some), "{export_kpis:?}");
    assert_ne!(export_kpis, api_kpis, "the API restated the figures: which one counts must show");

    // Export, then pull: the pull is the newest figure of each campaign-day.
    let env = connected_with_rates(&server).await;
    import_export(&env).await;
    pull(&env, "2025-02-02").await;
    assert_eq!(ad_kpis(&env, "2025-02-02", None).await, api_kpis);
    // The pull named no artist: the export's attribution stays with the days.
    assert_eq!(ad_kpis(&env, "2025-02-02", Some("ZONE A0")).await, api_kpis);

    // Pull, then export: the export is the newest.
    let env = connected_with_rates(&server).await;
    pull(&env, "2025-02-02").await;
    import_export(&env).await;
    assert_eq!(ad_kpis(&env, "2025-02-02", None).await, export_kpis);
    assert_eq!(ad_kpis(&env, "2025-02-02", Some("zone_a0")).await, export_kpis);
    let twice: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT 1 FROM daily_facts WHERE source = 'meta_ads' \
         GROUP BY metric, entity_id, day HAVING count(*) > 1)",
    )
    .fetch_one(env.env.db.pool())
    .await
    .expect("count");
    assert_eq!(twice, 0, "no campaign-day is stored twice");
}

#[tokio::test]
async fn the_connections_artist_attributes_the_pulled_facts() {
    let server = MockServer::start().await;
    mock_restated(&server).await;
    let env = connected_with_rates(&server).await;
    import_export(&env).await;
    // Without an artist set, 2025-02-03 (pulled only) belongs to no artist.
    pull(&env, "2025-02-03").await;
    let all = ad_kpis(&env, "2025-02-03", None).await;
    let zone = ad_kpis(&env, "2025-02-03", Some("ZONE A0")).await;
    assert_ne!(zone, all, "the pulled-only day is not ZONE A0's yet");

    // Set through any spelling the alias table knows.
    assert!(env.store.set_artist(SourceId::MetaAds, Some("zone.a0")).await.expect("set"));
    assert_eq!(env.store.artist(SourceId::MetaAds).await.expect("artist").as_deref(), Some("zone.a0"));
    let listed = env.store.list().await.expect("list");
    assert_eq!(listed[0].artist.as_deref(), Some("zone.a0"));
    pull(&env, "2025-02-03").await;
    assert_eq!(ad_kpis(&env, "2025-02-03", Some("ZONE A0")).await, all, "every day is ZONE A0's now");
    assert_eq!(ad_kpis(&env, "2025-02-03", None).await, all, "and still counted once");
    let artists: Vec<i64> =
        sqlx::query_scalar("SELECT DISTINCT artist_id FROM daily_facts WHERE source = 'meta_ads'")
            .fetch_all(env.env.db.pool())
            .await
            .expect("artists");
    assert_eq!(artists.len(), 1, "one artist, not a new one for the spelling: {artists:?}");

    // Cleared: later pulls name no artist (the days keep the one they have).
    assert!(env.store.set_artist(SourceId::MetaAds, Some("  ")).await.expect("clear"));
    assert_eq!(env.store.artist(SourceId::MetaAds).await.expect("artist"), None);
    assert!(env.store.set_artist(SourceId::MetaAds, Some("---")).await.is_err(), "no letter or digit");
    assert!(!env.store.set_artist(SourceId::Mailchimp, Some("ZONE A0")).await.expect("not connected"));
}

async fn import_names(env: &ApiEnv) {
    let report = env.env.import(&["meta_ads/ads_manager_campaigns_daily_sgd.csv"]).await;
    assert_eq!(report.files[0].outcome, Outcome::Loaded, "{:?}", report.files);
}

async fn pull_march(env: &ApiEnv) {
    let window = Window { from: day("2025-03-01"), to: day("2025-03-01") };
    let run = env.jobs.backfill(SourceId::MetaAds, window, Trigger::Admin).await.expect("backfill");
    assert_eq!(run.files[0].outcome, Outcome::Loaded, "{:?}", run.files);
}

async fn march(env: &ApiEnv) -> [Option<KpiValue>; 3] {
    let query = KpiQuery {
        period: Period::new(day("2025-03-01"), day("2025-03-01")).expect("period"),
        artist: None,
        today: today(),
        sparklines: false,
        store: None,
        platform: None,
    };
    let kpis = report(&env.env.db, &query).await.expect("report");
    [KpiId::AdSpendUsd, KpiId::AdImpressions, KpiId::AdClicks].map(|id| kpis.value(id).cloned())
}

/// An export without the `Campaign ID` column names its campaigns only: a pull of the same
/// campaign (by id, under that name) and day is still one fact, in either order.
#[tokio::test]
async fn an_export_without_ids_and_a_pull_meet_by_the_campaigns_name() {
    let server = MockServer::start().await;
    mount_account(&server).await;
    // ads_manager_campaigns_daily_sgd.csv: "Summer Single" on 2025-03-01, no ids.
    let mut summer = row("120210000000000555", "2025-03-01", "26.00", "1400", Some("13"));
    summer["campaign_name"] = json!("Summer Single");
    Mock::given(method("GET"))
        .and(path(format!("/v21.0/{ACCOUNT}/insights")))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(vec![summer], None, &server)))
        .mount(&server)
        .await;
    let export_alone = connected_with_rates(&server).await;
    import_names(&export_alone).await;
    let api_alone = connected_with_rates(&server).await;
    pull_march(&api_alone).await;
    let (export_kpis, api_kpis) = (march(&export_alone).await, march(&api_alone).await);
    assert!(export_kpis.iter().all(Option::is_some), "{export_kpis:?}");
    assert_ne!(export_kpis, api_kpis);

    let env = connected_with_rates(&server).await;
    import_names(&env).await;
    pull_march(&env).await;
    assert_eq!(march(&env).await, api_kpis, "the pull is the newest");
    let keys: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT e.key FROM daily_facts f JOIN entities e ON e.id = f.entity_id WHERE f.source = 'meta_ads'",
    )
    .fetch_all(env.env.db.pool())
    .await
    .expect("keys");
    assert_eq!(keys, ["120210000000000555"], "the name's campaign took its id");

    let env = connected_with_rates(&server).await;
    pull_march(&env).await;
    import_names(&env).await;
    assert_eq!(march(&env).await, export_kpis, "the export is the newest");
}
