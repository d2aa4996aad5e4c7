//! Mailchimp campaigns CSV exports into the warehouse.

mod common;

use common::Env;
use engine::etl::{ImportOptions, Outcome};
use model::SourceId;

/// A stored campaign, as the warehouse has it.
#[derive(Debug, PartialEq, sqlx::FromRow)]
struct Campaign {
    campaign_key: String,
    title: Option<String>,
    subject: Option<String>,
    send_time: Option<String>,
    send_day: Option<i64>,
    /// delivered, unique opens, unique clicks, unsubscribes, hard bounces, soft bounces, abuse reports
    #[sqlx(flatten)]
    counts: Counts,
    line: i64,
}

#[derive(Debug, PartialEq, sqlx::FromRow)]
struct Counts {
    delivered: Option<i64>,
    unique_opens: Option<i64>,
    unique_clicks: Option<i64>,
    unsubscribes: Option<i64>,
    hard_bounces: Option<i64>,
    soft_bounces: Option<i64>,
    abuse_reports: Option<i64>,
}

async fn campaigns(env: &Env) -> Vec<Campaign> {
    sqlx::query_as(
        "SELECT campaign_key, title, subject, send_time, send_day, delivered, unique_opens, unique_clicks, \
         unsubscribes, hard_bounces, soft_bounces, abuse_reports, line FROM email_campaigns \
         WHERE source = 'mailchimp' ORDER BY send_time",
    )
    .fetch_all(env.db.pool())
    .await
    .expect("email campaigns")
}

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

fn counts(
    delivered: i64,
    opens: i64,
    clicks: i64,
    unsubscribes: i64,
    hard: i64,
    soft: i64,
    abuse: i64,
) -> Counts {
    Counts {
        delivered: Some(delivered),
        unique_opens: Some(opens),
        unique_clicks: Some(clicks),
        unsubscribes: Some(unsubscribes),
        hard_bounces: Some(hard),
        soft_bounces: Some(soft),
        abuse_reports: Some(abuse),
    }
}

#[tokio::test]
async fn campaigns_load_with_counts_and_utc_send_times() {
    let env = Env::new().await;
    let report = env.import(&["mailchimp/campaigns.csv"]).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Loaded, "{:?}", f.message);
    assert_eq!(f.source, Some(SourceId::Mailchimp.into()));
    assert_eq!(
        campaigns(&env).await,
        vec![
            Campaign {
                campaign_key: "a1b2c3d4e5".into(),
                title: s("Tour announcement, Berlin"),
                subject: s("Berlin: tickets on sale Friday"),
                send_time: s("2025-02-06T10:00:00Z"),
                send_day: Some(20250206),
                counts: counts(12345, 5086, 812, 21, 14, 37, 1),
                line: 2,
            },
            Campaign {
                campaign_key: "f6e5d4c3b2".into(),
                title: s("LUNA out now"),
                subject: s("LUNA is out everywhere"),
                send_time: s("2025-02-20T18:30:00Z"),
                send_day: Some(20250220),
                counts: counts(12290, 4425, 1106, 17, 3, 12, 0),
                line: 3,
            },
            Campaign {
                campaign_key: "0a9b8c7d6e".into(),
                title: s("March newsletter"),
                subject: None,
                send_time: s("2025-03-06T09:15:00Z"),
                send_day: Some(20250306),
                counts: counts(12401, 3968, 496, 8, 0, 9, 0),
                line: 4,
            },
        ]
    );
}

#[tokio::test]
async fn a_later_export_updates_a_campaign_by_its_unique_id() {
    let env = Env::new().await;
    let options = ImportOptions { artist: Some("Night Owls".into()), ..ImportOptions::default() };
    env.import_with(&["mailchimp/campaigns.csv"], options.clone()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let later = dir.path().join("campaigns (1).csv");
    // columns in another order, opens grown since the first export
    std::fs::write(
        &later,
        "Unique Id,Title,Send Date,Successful Deliveries,Unique Opens,Unique Clicks\n\
         a1b2c3d4e5,\"Tour announcement, Berlin\",\"Feb 06, 2025 10:00 am\",\"12,345\",\"5,300\",850\n",
    )
    .expect("write");
    let report = env.import_paths(&[later], options).await;
    assert_eq!(report.files[0].outcome, Outcome::Loaded, "{:?}", report.files[0].message);
    let rows = campaigns(&env).await;
    assert_eq!(rows.len(), 3);
    let updated = rows.iter().find(|c| c.campaign_key == "a1b2c3d4e5").expect("campaign");
    assert_eq!((updated.counts.unique_opens, updated.counts.unique_clicks), (Some(5300), Some(850)));
    // what the later export does not report keeps the earlier figure (NULL is "not reported")
    assert_eq!(updated.subject.as_deref(), Some("Berlin: tickets on sale Friday"));
    assert_eq!(updated.counts.hard_bounces, Some(14));
    let artists: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT a.name FROM email_campaigns c JOIN artists a ON a.id = c.artist_id",
    )
    .fetch_all(env.db.pool())
    .await
    .expect("artists");
    assert_eq!(artists, ["Night Owls"]);
}

#[tokio::test]
async fn an_export_without_unique_ids_is_refused() {
    let env = Env::new().await;
    let report = env.import(&["mailchimp/campaigns_no_unique_id.csv"]).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Rejected);
    let message = f.message.clone().unwrap_or_default();
    assert!(message.contains("\"Unique Id\""), "{message}");
    assert!(campaigns(&env).await.is_empty());
}

#[tokio::test]
async fn a_bad_send_date_is_quarantined_and_nothing_loads() {
    let env = Env::new().await;
    let report = env.import(&["mailchimp/campaigns_bad_row.csv"]).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Rejected);
    assert_eq!((f.rows_read, f.rows_rejected), (2, 1));
    let quarantined: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT line, column_name, reason FROM quarantine")
            .fetch_all(env.db.pool())
            .await
            .expect("quarantine");
    assert_eq!(quarantined.len(), 1);
    assert_eq!((quarantined[0].0, quarantined[0].1.as_str()), (3, "Send Date"));
    assert!(quarantined[0].2.contains("next Thursday"), "{}", quarantined[0].2);
    assert!(campaigns(&env).await.is_empty());
}
