//! Revenue stays exact however many picos pile up in a rollup group or a period: whole units
//! carry out of the picos on every upsert, and sums of picos never overflow.

mod common;

use std::path::PathBuf;

use chrono::NaiveDate;
use common::Env;
use engine::{
    etl::{ImportOptions, Outcome},
    kpi::{KpiQuery, Period, report},
};
use model::{KpiId, KpiValue};
use rust_decimal::Decimal;

fn day(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

/// The revenue of every sale month from August 2024 to January 2025.
async fn revenue(env: &Env) -> Option<KpiValue> {
    let query = KpiQuery {
        period: Period::new(day("2024-08-01"), day("2025-01-31")).expect("period"),
        artist: None,
        today: day("2025-06-01"),
        sparklines: false,
        store: None,
        platform: None,
    };
    let kpis = report(&env.db, &query).await.expect("the KPIs are computed");
    kpis.value(KpiId::RevenueUsd).cloned()
}

/// A one-line DistroKid statement earning `earnings` on Spotify in January 2025.
fn statement(dir: &std::path::Path, name: &str, isrc: &str, earnings: &str) -> PathBuf {
    let text = format!(
        "Reporting Date\tSale Month\tStore\tArtist\tTitle\tISRC\tUPC\tQuantity\tTeam Percentage\tSong/Album\t\
         Country of Sale\tSongwriter Royalties Withheld\tEarnings (USD)\n\
         2025-03-29\t2025-01\tSpotify\tZONE A0\tLUNA\t{isrc}\t198891507125\t1\t100\tSong\tGB\t0\t{earnings}\n"
    );
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

#[tokio::test]
async fn rollup_rows_whose_picos_sum_past_two_to_the_63_give_the_exact_revenue() {
    let env = Env::new().await;
    env.import(&["distrokid/bank_details_layout_a.tsv"]).await;
    // Rows as a busy warehouse holds them: each 5e18 picos (5 million units) and a unit.
    let rows =
        sqlx::query("UPDATE revenue_by_store SET earnings_whole = 1, earnings_pico = 5000000000000000000")
            .execute(env.db.pool())
            .await
            .expect("update")
            .rows_affected();
    // January 2025's two rows (Spotify, Deezer) make 1e19 picos, past 2^63 ≈ 9.2e18.
    let january: i64 = sqlx::query_scalar("SELECT count(*) FROM revenue_by_store WHERE sale_month = 202501")
        .fetch_one(env.db.pool())
        .await
        .expect("count");
    assert_eq!(january, 2);
    let expected = Decimal::from(rows) * Decimal::from(5_000_001);
    assert_eq!(revenue(&env).await, Some(KpiValue::Money(expected)));
}

#[tokio::test]
async fn an_upsert_carries_whole_units_out_of_the_picos() {
    let env = Env::new().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let first = statement(dir.path(), "first.tsv", "QZTB92494812", "0.5");
    env.import_paths(&[first], ImportOptions::default()).await;
    // The group at the largest picos it can hold.
    sqlx::query("UPDATE revenue_by_store SET earnings_whole = 0, earnings_pico = 999999999999")
        .execute(env.db.pool())
        .await
        .expect("update");

    // Another track's line in the same store, month and reporting date: the same group.
    let second = statement(dir.path(), "second.tsv", "QZTB92494813", "0.000000000002");
    let report = env.import_paths(&[second], ImportOptions::default()).await;
    assert_eq!(report.files[0].outcome, Outcome::Loaded, "{:?}", report.files[0].message);
    let stored: Vec<(i64, i64)> =
        sqlx::query_as("SELECT earnings_whole, earnings_pico FROM revenue_by_store")
            .fetch_all(env.db.pool())
            .await
            .expect("rows");
    assert_eq!(stored, [(1, 1)], "0.999999999999 + 0.000000000002 = 1.000000000001, carried");
    assert_eq!(revenue(&env).await, Some(KpiValue::Money(Decimal::new(1_000_000_000_001, 12))));
}
