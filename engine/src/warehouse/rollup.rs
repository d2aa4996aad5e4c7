//! The revenue rollups (migration 0004): statement lines summed by month and store, track,
//! country, and track × country. Lines are only ever added (a known line is skipped, never
//! changed), so a file's rollup update is "add the lines this file inserted", in its transaction.

use sqlx::SqliteConnection;

/// Tables derived from `statement_lines`, emptied and refilled with it.
pub const ROLLUP_TABLES: &[&str] =
    &["revenue_by_store", "revenue_by_track", "revenue_by_country", "revenue_by_track_country"];

/// The day whose exchange rate converts a line: its sale date (TooLost) or the first day of its
/// sale month. USD needs no rate, so its lines share one day per month (fewer rollup rows).
macro_rules! rate_day {
    () => {
        "CASE WHEN currency = 'USD' THEN sale_month * 100 + 1 ELSE COALESCE(sale_date, sale_month * 100 + 1) END"
    };
}
pub(crate) const RATE_DAY: &str = rate_day!();

/// (table, its grouping columns as stored, the same columns computed from a line).
const ROLLUPS: &[(&str, &str, &str)] = &[
    (
        "revenue_by_store",
        "sale_month, source, artist_id, store_id, currency, rate_day, reporting_date",
        concat!(
            "sale_month, source, COALESCE(artist_id, 0), store_id, currency, \
         ",
            rate_day!(),
            ", reporting_date"
        ),
    ),
    (
        "revenue_by_track",
        "sale_month, source, artist_id, store_id, track_id, currency, rate_day",
        concat!(
            "sale_month, source, COALESCE(artist_id, 0), store_id, COALESCE(track_id, 0), currency, \
         ",
            rate_day!(),
            ""
        ),
    ),
    (
        "revenue_by_country",
        "sale_month, source, artist_id, country, currency, rate_day",
        concat!(
            "sale_month, source, COALESCE(artist_id, 0), COALESCE(country, ''), currency, \
         ",
            rate_day!(),
            ""
        ),
    ),
    (
        "revenue_by_track_country",
        "track_id, sale_month, source, artist_id, store_id, country, currency, rate_day",
        concat!(
            "COALESCE(track_id, 0), sale_month, source, COALESCE(artist_id, 0), store_id, COALESCE(country, ''), \
         currency, ",
            rate_day!(),
            ""
        ),
    ),
];

/// The largest statement line id, so the lines a load inserts are those above it.
pub async fn last_line_id(conn: &mut SqliteConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM statement_lines").fetch_one(conn).await
}

/// Adds the statement lines with an id above `after` to every rollup.
pub async fn add_lines_after(conn: &mut SqliteConnection, after: i64) -> Result<(), sqlx::Error> {
    for (table, keys, from_line) in ROLLUPS {
        let sql = format!(
            "INSERT INTO {table} ({keys}, earnings_whole, earnings_pico, rest_lines, quantity, lines) \
             SELECT {from_line}, SUM(earnings_whole), SUM(earnings_pico), COUNT(earnings_rest), SUM(quantity), \
             COUNT(*) FROM statement_lines WHERE id > ?1 GROUP BY {from_line} \
             ON CONFLICT ({keys}) DO UPDATE SET earnings_whole = earnings_whole + excluded.earnings_whole, \
             earnings_pico = earnings_pico + excluded.earnings_pico, rest_lines = rest_lines + excluded.rest_lines, \
             quantity = quantity + excluded.quantity, lines = lines + excluded.lines"
        );
        sqlx::query(&sql).bind(after).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Recomputes every rollup from the lines (a database whose lines predate the rollups).
pub async fn refresh_all(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    for table in ROLLUP_TABLES {
        sqlx::query(&format!("DELETE FROM {table}")).execute(&mut *conn).await?;
    }
    add_lines_after(conn, 0).await
}

/// Whether lines exist that the rollups have not seen (only after upgrading a database).
pub async fn needs_refresh(conn: &mut SqliteConnection) -> Result<bool, sqlx::Error> {
    let (in_lines, in_rollup): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM statement_lines LIMIT 1)), \
                (SELECT COUNT(*) FROM (SELECT 1 FROM revenue_by_store LIMIT 1))",
    )
    .fetch_one(conn)
    .await?;
    Ok(in_lines > 0 && in_rollup == 0)
}
