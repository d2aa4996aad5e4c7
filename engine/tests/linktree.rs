//! Linktree analytics into the warehouse.

mod common;

use common::{Env, daily};
use engine::etl::{ImportOptions, Outcome};
use model::SourceId;

fn with_artist(artist: &str) -> ImportOptions {
    ImportOptions { artist: Some(artist.into()), ..ImportOptions::default() }
}

#[tokio::test]
async fn the_graphql_timeseries_loads_numbers_and_strings_but_not_the_rate() {
    let env = Env::new().await;
    let report = env.import_with(&["linktree/analytics.json"], with_artist("Night Owls")).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Loaded, "{:?}", f.message);
    assert_eq!(f.source, Some(SourceId::Linktree.into()));
    // 4 days × 4 figures, less the null unique clicks of May 27
    assert_eq!((f.rows_read, f.rows_loaded), (4, 15));
    let rows = daily(&env, "linktree").await;
    let owls = Some("Night Owls".to_string());
    for (metric, day, value) in [
        ("link_views", 20250524, 8),
        ("link_views", 20250525, 1204),
        ("link_unique_views", 20250525, 980),
        ("link_clicks", 20250525, 1422),
        ("link_unique_clicks", 20250525, 611),
        ("link_views", 20250526, 11),
        ("link_unique_views", 20250526, 11),
        ("link_clicks", 20250526, 13),
        ("link_unique_clicks", 20250526, 5),
        ("link_clicks", 20250527, 0),
    ] {
        assert!(
            rows.contains(&(metric.into(), owls.clone(), None, day, Some(value), None)),
            "{metric} {day}"
        );
    }
    assert_eq!(rows.len(), 15);
    assert!(!rows.iter().any(|r| r.0 == "link_unique_clicks" && r.3 == 20250527), "null is not 0");
    assert!(rows.iter().all(|r| r.0.starts_with("link_")), "the click-through rate is not stored");
}

#[tokio::test]
async fn a_missing_timeseries_refuses_the_file_naming_the_path() {
    let env = Env::new().await;
    let report = env.import(&["linktree/missing_timeseries.json"]).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Rejected);
    let message = f.message.as_deref().unwrap_or_default();
    assert!(message.contains("data.getAccountAnalytics.overview.timeseries"), "{message}");
}

#[tokio::test]
async fn a_bad_day_is_quarantined_by_index_and_field_and_rejects_the_file() {
    let env = Env::new().await;
    let report = env.import(&["linktree/bad_element.json"]).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Rejected);
    assert_eq!(f.rows_rejected, 1);
    assert!(daily(&env, "linktree").await.is_empty());
    let quarantined: Vec<(i64, String, String, String)> =
        sqlx::query_as("SELECT line, column_name, reason, content FROM quarantine")
            .fetch_all(env.db.pool())
            .await
            .expect("quarantine");
    assert_eq!(quarantined.len(), 1);
    let (line, column, reason, content) = &quarantined[0];
    assert_eq!((*line, column.as_str()), (2, "totalViews"), "the second day of the timeseries");
    assert!(reason.contains("lots"), "{reason}");
    assert!(content.contains("2025-05-27"), "{content}");
}

#[tokio::test]
async fn the_insights_csv_is_read_by_header_name_in_any_case_and_order() {
    let env = Env::new().await;
    let report = env.import_with(&["linktree/insights.csv"], with_artist("Night Owls")).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Loaded, "{:?}", f.message);
    assert_eq!(f.rows_loaded, 10);
    let rows = daily(&env, "linktree").await;
    let got: Vec<(&str, i64, Option<i64>)> = rows.iter().map(|r| (r.0.as_str(), r.3, r.4)).collect();
    assert_eq!(
        got,
        [
            ("link_clicks", 20250526, Some(13)),
            ("link_clicks", 20250527, Some(2160)),
            ("link_unique_clicks", 20250526, Some(5)),
            ("link_unique_clicks", 20250527, Some(1010)),
            ("link_unique_views", 20250526, Some(11)),
            ("link_unique_views", 20250527, Some(1800)),
            ("link_unique_views", 20250528, Some(6)),
            ("link_views", 20250526, Some(11)),
            ("link_views", 20250527, Some(2400)),
            ("link_views", 20250528, Some(7)),
        ]
    );
}
