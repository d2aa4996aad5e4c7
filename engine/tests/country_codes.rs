//! Statements' country codes are validated: ISO 3166-1 alpha-2 plus the codes the platforms
//! write for "outside the US", Kosovo, unknown…; a bad one quarantines its line (file, line,
//! column, reason, content) and the file loads nothing.

mod common;

use std::path::PathBuf;

use common::Env;
use engine::etl::{ImportOptions, Outcome};

const DISTROKID_HEADER: &str = "Reporting Date\tSale Month\tStore\tArtist\tTitle\tISRC\tUPC\tQuantity\t\
                                Team Percentage\tSong/Album\tCountry of Sale\tSongwriter Royalties Withheld\t\
                                Earnings (USD)\n";
const TOOLOST_HEADER: &str = "transaction_id,sale_date,accounting_date,reporting_date,release_title,release_id,\
                              track_title,track_id,channel,country,isrc,upc,units,unit_price,original_currency,\
                              split_id,share,rev_fee,net_revenue\n";

/// (file, line, column, reason, content) of every quarantined row.
type Quarantined = (String, i64, Option<String>, String, Option<String>);

async fn quarantine(env: &Env) -> Vec<Quarantined> {
    sqlx::query_as("SELECT file_name, line, column_name, reason, content FROM quarantine ORDER BY id")
        .fetch_all(env.db.pool())
        .await
        .expect("quarantine")
}

async fn count(env: &Env, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(env.db.pool()).await.expect("count")
}

fn write(env: &Env, name: &str, text: &str) -> PathBuf {
    let path = env.dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    path
}

fn distrokid_line(country: &str, n: u32) -> String {
    format!(
        "2024-11-20\t2024-08\tSpotify\tZONE A0\tLUNA\tQZTB92494812\t198891507125\t{n}\t100\tSong\t{country}\t0\t0.0{n}\n"
    )
}

#[tokio::test]
async fn a_distrokid_line_with_a_bad_country_is_quarantined_and_the_file_loads_nothing() {
    let env = Env::new().await;
    // Every kind of accepted code (ISO, DistroKid's OU, Kosovo's XK, empty = not reported), then
    // one that is none: a shifted column or a typo would otherwise become a territory.
    let mut text = String::from(DISTROKID_HEADER);
    for (n, country) in ["US", "OU", "XK", "", "U5", "GB"].iter().enumerate() {
        text.push_str(&distrokid_line(country, n as u32 + 1));
    }
    let path = write(&env, "statement.tsv", &text);
    let report = env.import_paths(&[path], ImportOptions::default()).await;
    let file = &report.files[0];
    assert_eq!(file.outcome, Outcome::Rejected, "{:?}", file.message);
    assert_eq!((file.rows_read, file.rows_rejected, file.rows_loaded), (6, 1, 0));

    let rows = quarantine(&env).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let (name, line, column, reason, content) = &rows[0];
    assert_eq!((name.as_str(), *line, column.as_deref()), ("statement.tsv", 6, Some("Country of Sale")));
    assert!(reason.contains("\"U5\"") && reason.contains("ISO 3166-1"), "{reason}");
    assert!(content.as_deref().is_some_and(|c| c.contains("\tU5\t")), "{content:?}");
    assert_eq!(count(&env, "SELECT count(*) FROM statement_lines").await, 0);
    assert_eq!(count(&env, "SELECT count(*) FROM revenue_by_country").await, 0);
}

#[tokio::test]
async fn distrokid_codes_are_capitals_and_toolost_ones_any_case() {
    let env = Env::new().await;
    // DistroKid writes capitals only: `us` there is not a code it writes.
    let mut text = String::from(DISTROKID_HEADER);
    text.push_str(&distrokid_line("US", 1));
    text.push_str(&distrokid_line("us", 2));
    let distrokid = write(&env, "lower.tsv", &text);
    // TooLost's report writes `de` beside `US`: both are codes, stored in capitals; `Germany` is not.
    let toolost_line = |tx: u32, country: &str| {
        format!(
            "TL-{tx},2025-03-14,2025-04-30,2025-05-15,LUNA,R-77,LUNA,T-501,Spotify,{country},QZTB92494812,\
             198891507125,10,0.003,EUR,SP-1,100,0,0.03\n"
        )
    };
    let good = write(
        &env,
        "good.csv",
        &format!("{TOOLOST_HEADER}{}{}", toolost_line(1, "US"), toolost_line(2, "de")),
    );
    let bad = write(
        &env,
        "bad.csv",
        &format!("{TOOLOST_HEADER}{}{}", toolost_line(3, "US"), toolost_line(4, "Germany")),
    );

    let report = env.import_paths(&[distrokid, good, bad], ImportOptions::default()).await;
    let outcomes: Vec<(&str, Outcome)> = report.files.iter().map(|f| (f.name.as_str(), f.outcome)).collect();
    assert_eq!(
        outcomes,
        [("lower.tsv", Outcome::Rejected), ("good.csv", Outcome::Loaded), ("bad.csv", Outcome::Rejected)]
    );
    let rows: Vec<(String, i64, Option<String>)> =
        quarantine(&env).await.into_iter().map(|(file, line, column, _, _)| (file, line, column)).collect();
    assert_eq!(
        rows,
        [
            ("lower.tsv".into(), 3, Some("Country of Sale".into())),
            ("bad.csv".into(), 3, Some("country".into()))
        ]
    );
    let countries: Vec<Option<String>> =
        sqlx::query_scalar("SELECT country FROM statement_lines_readable ORDER BY line")
            .fetch_all(env.db.pool())
            .await
            .expect("countries");
    assert_eq!(countries, [Some("US".to_string()), Some("DE".to_string())]);
}
