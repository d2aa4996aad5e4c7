//! The user's exchange-rates CSV into the warehouse.

mod common;

use common::Env;
use engine::{etl::Outcome, sources::FeedId};

async fn rates(env: &Env) -> Vec<(String, i64, String, i64)> {
    sqlx::query_as("SELECT currency, day, usd_per_unit, line FROM exchange_rates ORDER BY currency, day")
        .fetch_all(env.db.pool())
        .await
        .expect("exchange rates")
}

#[tokio::test]
async fn rates_load_exactly_with_upper_case_codes() {
    let env = Env::new().await;
    let report = env.import(&["exchange_rates/rates.csv"]).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Loaded, "{:?}", f.message);
    assert_eq!(f.source, Some(FeedId::ExchangeRates));
    assert_eq!(
        rates(&env).await,
        vec![
            ("EUR".into(), 20250201, "1.0345".into(), 2),
            ("EUR".into(), 20250202, "1.0362".into(), 4),
            ("GBP".into(), 20250201, "1.2650".into(), 5),
            ("SGD".into(), 20250201, "0.74120".into(), 3),
        ]
    );
}

#[tokio::test]
async fn a_later_file_replaces_a_rate_of_the_same_day() {
    let env = Env::new().await;
    env.import(&["exchange_rates/rates.csv"]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let fix = dir.path().join("rates-fixed.csv");
    std::fs::write(&fix, "date,currency,usd_per_unit\n2025-02-02,eur,1.0371\n").expect("write");
    env.import_paths(&[fix], Default::default()).await;
    let got = rates(&env).await;
    assert_eq!(got.len(), 4);
    assert!(got.contains(&("EUR".into(), 20250202, "1.0371".into(), 2)));
    assert!(got.contains(&("EUR".into(), 20250201, "1.0345".into(), 2)));
}

#[tokio::test]
async fn bad_rates_are_quarantined_and_nothing_loads() {
    let env = Env::new().await;
    let report = env.import(&["exchange_rates/rates_bad.csv"]).await;
    let f = &report.files[0];
    assert_eq!(f.outcome, Outcome::Rejected);
    assert_eq!((f.rows_read, f.rows_rejected), (5, 4));
    let quarantined: Vec<(i64, String)> =
        sqlx::query_as("SELECT line, column_name FROM quarantine ORDER BY line")
            .fetch_all(env.db.pool())
            .await
            .expect("quarantine");
    assert_eq!(
        quarantined,
        vec![
            (3, "currency".into()),
            (4, "date".into()),
            (5, "usd_per_unit".into()),
            (6, "usd_per_unit".into()),
        ]
    );
    assert!(rates(&env).await.is_empty());
}

#[tokio::test]
async fn imported_rates_convert_amounts_for_the_kpis() {
    use chrono::NaiveDate;
    use engine::kpi::currency::Rates;
    use rust_decimal::Decimal;

    let env = Env::new().await;
    env.import(&["exchange_rates/rates.csv"]).await;
    let rates = Rates::load(&env.db).await.expect("rates");
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    let ten = Decimal::from(10);
    assert_eq!(rates.to_usd(ten, "EUR", day("2025-02-01")), Decimal::from_str_exact("10.3450").ok());
    // a later day uses the latest rate before it
    assert_eq!(rates.to_usd(ten, "eur", day("2025-03-15")), Decimal::from_str_exact("10.3620").ok());
    assert_eq!(rates.to_usd(ten, "SGD", day("2025-02-01")), Decimal::from_str_exact("7.41200").ok());
    assert_eq!(rates.to_usd(ten, "EUR", day("2025-01-31")), None);
}
