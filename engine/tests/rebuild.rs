//! `etl rebuild` gives back the same warehouse from raw alone, for every format at once.

mod common;

use chrono::NaiveDate;
use common::Env;
use engine::{
    demo,
    etl::{Outcome, Quiet, Trigger},
};

/// Every fact table, as text, in key order (lineage included).
async fn snapshot(env: &Env) -> Vec<String> {
    let queries = [
        "SELECT source, raw_file_id, line, reporting_date, sale_month, sale_date, store_id, artist_id, \
         track_id, title, upc, country, quantity, team_percentage, earnings, currency, withheld, recoup \
         FROM statement_lines_readable ORDER BY source, raw_file_id, line",
        "SELECT source, bucket, raw_file_id, hex(keys) FROM statement_line_key_sets ORDER BY source, bucket, raw_file_id",
        "SELECT source, metric, artist_id, entity_id, day, value, amount, currency, raw_file_id, line \
         FROM daily_facts ORDER BY source, metric, artist_id, entity_id, day",
        "SELECT source, metric, artist_id, entity_id, first_day, last_day, value, amount, currency, raw_file_id, line \
         FROM window_facts ORDER BY 1, 2, 3, 4, 5, 6",
        "SELECT campaign_key, source, artist_id, title, subject, send_time, delivered, unique_opens, unique_clicks, \
         unsubscribes, raw_file_id, line FROM email_campaigns ORDER BY campaign_key",
        "SELECT currency, day, usd_per_unit, raw_file_id, line FROM exchange_rates ORDER BY currency, day",
    ];
    let mut out = Vec::new();
    for q in queries {
        let rows: Vec<sqlx::sqlite::SqliteRow> =
            sqlx::query(q).fetch_all(env.db.pool()).await.expect("query");
        for row in rows {
            use sqlx::{Column, Row, ValueRef};
            let cells: Vec<String> = row
                .columns()
                .iter()
                .map(|c| {
                    let raw = row.try_get_raw(c.ordinal()).expect("cell");
                    if raw.is_null() {
                        "NULL".to_string()
                    } else {
                        row.try_get::<String, _>(c.ordinal())
                            .or_else(|_| row.try_get::<i64, _>(c.ordinal()).map(|v| v.to_string()))
                            .expect("text or integer")
                    }
                })
                .collect();
            out.push(cells.join("|"));
        }
    }
    out
}

#[tokio::test]
async fn rebuild_reproduces_every_table_from_raw() {
    let env = Env::new().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let today = NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
    let files = demo::write_exports(dir.path(), today).expect("demo exports");
    let batch: Vec<_> = files.into_iter().map(|f| (f.path, f.options)).collect();
    let report = env.etl.import_each(&batch, Trigger::Cli, None, &Quiet).await.expect("import");
    assert!(report.files.iter().all(|f| f.outcome == Outcome::Loaded), "{:?}", report.files);

    let before = snapshot(&env).await;
    assert!(before.len() > 10_000, "the demo fills every table: {}", before.len());
    let rebuilt = env.etl.rebuild(Trigger::Cli, &Quiet).await.expect("rebuild");
    assert_eq!(rebuilt.status, "succeeded");
    assert_eq!(rebuilt.files.len(), batch.len());
    assert_eq!(snapshot(&env).await, before);
}
