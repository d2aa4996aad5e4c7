//! The ETL engine end to end on a real SQLite file and a real lake directory.

mod common;

use common::Env;
use engine::etl::{ImportOptions, Outcome, Quiet, Trigger};
use model::SourceId;

/// (store, artist, ISRC or title, sale month, quantity, earnings, line, file)
type LineRow = (String, Option<String>, String, i64, i64, String, i64, String);
/// (quantity, earnings, withheld, recoup, country, team percentage)
type AmountRow = (i64, String, Option<String>, Option<String>, Option<String>, Option<String>);

async fn env() -> Env {
    Env::new().await
}

trait Lines {
    async fn lines(&self) -> Vec<LineRow>;
    async fn count(&self, sql: &str) -> i64;
}

impl Lines for Env {
    /// Every statement line, in file and line order.
    async fn lines(&self) -> Vec<LineRow> {
        sqlx::query_as(
            "SELECT s.name, a.name, COALESCE(t.isrc, l.title), l.sale_month, l.quantity, l.earnings, l.line, r.original_name \
             FROM statement_lines_readable l JOIN stores s ON s.id = l.store_id \
             LEFT JOIN artists a ON a.id = l.artist_id LEFT JOIN tracks t ON t.id = l.track_id \
             JOIN raw_files r ON r.id = l.raw_file_id ORDER BY r.id, l.line",
        )
        .fetch_all(self.db.pool())
        .await
        .expect("lines")
    }

    async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(self.db.pool()).await.expect("count")
    }
}

#[tokio::test]
async fn layout_a_latin1_bare_cr_loads_exactly() {
    let env = env().await;
    let report = env.import(&["distrokid/bank_details_layout_a.tsv"]).await;
    let file = &report.files[0];
    assert_eq!(file.outcome, Outcome::Loaded, "{:?}", file.message);
    assert_eq!(file.source, Some(SourceId::Distrokid.into()));
    assert_eq!((file.rows_read, file.rows_loaded, file.rows_rejected, file.rows_skipped), (4, 4, 0, 0));

    let lines = env.lines().await;
    let name = "bank_details_layout_a.tsv".to_string();
    let zone = Some("ZONE A0".to_string());
    assert_eq!(
        lines,
        vec![
            (
                "Apple Music".into(),
                zone.clone(),
                "QZTAW2496366".into(),
                202408,
                99,
                "0.46942739".into(),
                2,
                name.clone()
            ),
            (
                "Spotify".into(),
                zone.clone(),
                "QZTB92494812".into(),
                202501,
                22,
                "-0.03133519".into(),
                3,
                name.clone()
            ),
            // identical to the line above (the artist spelled another way): a second sale, kept
            (
                "Spotify".into(),
                zone.clone(),
                "QZTB92494812".into(),
                202501,
                22,
                "-0.03133519".into(),
                4,
                name.clone()
            ),
            (
                "Deezer".into(),
                zone.clone(),
                "QZTB92494813".into(),
                202501,
                5,
                "0.000000000001".into(),
                5,
                name.clone()
            ),
        ]
    );
    // ISO-8859-1 decoded; quotes inside a tab-separated field are characters
    let title: String = sqlx::query_scalar("SELECT title FROM tracks WHERE isrc = 'QZTB92494813'")
        .fetch_one(env.db.pool())
        .await
        .expect("t");
    assert_eq!(title, "Café \"Noir\"");
    // three spellings, one artist
    assert_eq!(env.count("SELECT count(*) FROM artists").await, 1);
    assert_eq!(env.count("SELECT count(*) FROM artist_aliases").await, 1);
    let reporting: i64 = sqlx::query_scalar("SELECT reporting_date FROM statement_lines WHERE line = 2")
        .fetch_one(env.db.pool())
        .await
        .expect("date");
    assert_eq!(reporting, 20241024);
}

#[tokio::test]
async fn layout_b_quoted_with_bom_keeps_withheld_and_recoup_apart() {
    let env = env().await;
    let report = env.import(&["distrokid/bank_details_layout_b.csv"]).await;
    assert_eq!(report.files[0].outcome, Outcome::Loaded, "{:?}", report.files[0].message);
    let rows: Vec<AmountRow> = sqlx::query_as(
        "SELECT quantity, earnings, withheld, recoup, country, team_percentage FROM statement_lines_readable ORDER BY line",
    )
    .fetch_all(env.db.pool())
    .await
    .expect("rows");
    assert_eq!(
        rows,
        vec![
            (
                1204,
                "1.234567890123".into(),
                Some("0.01".into()),
                Some("0.5".into()),
                Some("OU".into()),
                Some("50".into())
            ),
            (0, "0.000001".into(), Some("0".into()), Some("0".into()), Some("US".into()), Some("50".into())),
        ]
    );
    // Two spellings of one title, one track (the ISRC is the key), first spelling kept.
    let titles: Vec<String> =
        sqlx::query_scalar("SELECT title FROM tracks").fetch_all(env.db.pool()).await.expect("t");
    assert_eq!(titles, ["AIGENERATEDGHOSTJOBS"]);
}

#[tokio::test]
async fn the_same_file_twice_changes_nothing() {
    let env = env().await;
    env.import(&["distrokid/bank_details_layout_a.tsv"]).await;
    let before = env.lines().await;
    let again = env.import(&["distrokid/bank_details_layout_a.tsv"]).await;
    assert_eq!(again.files[0].outcome, Outcome::AlreadyImported);
    assert!(!again.any_rejected());
    assert_eq!(env.lines().await, before);
    assert_eq!(env.count("SELECT count(*) FROM raw_files").await, 1);
}

#[tokio::test]
async fn a_redownloaded_cumulative_statement_adds_only_its_new_lines() {
    let env = env().await;
    let first = env.import(&["distrokid/cumulative_v1.tsv"]).await;
    assert_eq!(first.files[0].rows_loaded, 3);
    let second = env.import(&["distrokid/cumulative_v2.tsv"]).await;
    let f = &second.files[0];
    assert_eq!(f.outcome, Outcome::Loaded);
    // v2 = v1's three lines (L2 twice) + L3 + a third identical L2 sale
    assert_eq!((f.rows_read, f.rows_loaded, f.rows_skipped), (5, 2, 3));
    assert_eq!(env.count("SELECT count(*) FROM statement_lines").await, 5);
    let l2_sales = env.count("SELECT count(*) FROM statement_lines l JOIN stores s ON s.id = l.store_id WHERE s.name = 'Apple Music'").await;
    assert_eq!(l2_sales, 3);
    // the old lines keep their lineage to the first download
    let from_v1 = env.count("SELECT count(*) FROM statement_lines l JOIN raw_files r ON r.id = l.raw_file_id WHERE r.original_name = 'cumulative_v1.tsv'").await;
    assert_eq!(from_v1, 3);
}

/// Writes the first `lines` lines of one growing cumulative statement (layout A). Every tenth
/// line repeats the one before it: identical lines are separate sales.
fn cumulative_statement(dir: &std::path::Path, name: &str, lines: usize) -> std::path::PathBuf {
    let mut text = String::from(
        "Reporting Date\tSale Month\tStore\tArtist\tTitle\tISRC\tUPC\tQuantity\tTeam Percentage\tSong/Album\t\
         Country of Sale\tSongwriter Royalties Withheld\tEarnings (USD)\n",
    );
    for i in 0..lines {
        let n = if i % 10 == 9 { i - 1 } else { i };
        let store = ["Spotify", "Apple Music", "Deezer"][n % 3];
        let country = ["US", "DE", "BR", "JP"][n % 4];
        text.push_str(&format!(
            "2024-11-20\t2024-{:02}\t{store}\tZONE A0\tSong {}\tQZTB9{:07}\t198891507125\t{}\t100\tSong\t{country}\t0\t0.{:03}\n",
            n % 12 + 1,
            n / 7,
            n / 7,
            n % 50 + 1,
            n % 1000
        ));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write statement");
    path
}

/// Three downloads of a statement that grows: each adds only its new lines, though the sets of
/// stored keys of many buckets now hold lines of two earlier files.
#[tokio::test]
async fn a_statement_downloaded_three_times_adds_each_line_once() {
    let env = env().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut loaded = Vec::new();
    for (name, lines) in [("v1.tsv", 3000), ("v2.tsv", 5000), ("v3.tsv", 6000)] {
        let path = cumulative_statement(dir.path(), name, lines);
        let report = env.import_paths(&[path], ImportOptions::default()).await;
        let f = &report.files[0];
        assert_eq!(f.outcome, Outcome::Loaded, "{:?}", f.message);
        loaded.push((f.rows_read, f.rows_loaded, f.rows_skipped));
    }
    assert_eq!(loaded, [(3000, 3000, 0), (5000, 2000, 3000), (6000, 1000, 5000)]);
    assert_eq!(env.count("SELECT count(*) FROM statement_lines").await, 6000);
    let shared = env
        .count(
            "SELECT count(*) FROM (SELECT bucket FROM statement_line_key_sets GROUP BY source, bucket \
             HAVING count(*) > 1)",
        )
        .await;
    assert!(shared > 0, "some bucket holds keys of more than one file");
    let summed = env.count("SELECT SUM(lines) FROM revenue_by_store").await;
    assert_eq!(summed, 6000, "the rollups count each line once");
}

#[tokio::test]
async fn a_bad_row_rejects_the_whole_file_and_is_quarantined() {
    let env = env().await;
    env.import(&["distrokid/cumulative_v1.tsv"]).await;
    let before = env.lines().await;

    let report = env.import(&["distrokid/bad_rows.tsv", "distrokid/bank_details_layout_b.csv"]).await;
    let bad = &report.files[0];
    assert_eq!(bad.outcome, Outcome::Rejected);
    assert_eq!((bad.rows_read, bad.rows_rejected, bad.rows_loaded), (3, 2, 0));
    let message = bad.message.clone().unwrap_or_default();
    assert!(message.contains("2 of 3 rows failed"), "{message}");
    assert!(message.contains("line 3") && message.contains("Reporting Date"), "{message}");
    // the other file of the same import still loads
    assert_eq!(report.files[1].outcome, Outcome::Loaded);
    assert_eq!(report.status, "partial");
    assert!(report.any_rejected());

    let quarantined: Vec<(i64, String, String, String)> =
        sqlx::query_as("SELECT line, column_name, reason, file_name FROM quarantine ORDER BY line")
            .fetch_all(env.db.pool())
            .await
            .expect("quarantine");
    assert_eq!(quarantined.len(), 2);
    assert_eq!((quarantined[0].0, quarantined[0].1.as_str()), (3, "Reporting Date"));
    assert!(quarantined[0].2.contains("2024-02-30"));
    assert_eq!((quarantined[1].0, quarantined[1].1.as_str()), (4, "Earnings (USD)"));
    assert_eq!(quarantined[1].3, "bad_rows.tsv");

    // nothing of the bad file, and nothing already stored changed
    let after = env.lines().await;
    assert_eq!(&after[..before.len()], &before[..]);
    assert!(after.iter().all(|l| l.7 != "bad_rows.tsv"));
    let status: String =
        sqlx::query_scalar("SELECT status FROM raw_files WHERE original_name = 'bad_rows.tsv'")
            .fetch_one(env.db.pool())
            .await
            .expect("status");
    assert_eq!(status, "rejected");
}

#[tokio::test]
async fn unknown_files_and_missing_paths_are_rejected_with_reasons() {
    let env = env().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let odd = dir.path().join("notes.csv");
    std::fs::write(&odd, "colour,shape\nred,round\n").expect("write");
    let missing = dir.path().join("nope.tsv");
    let report = env
        .etl
        .import(&[odd, missing], &ImportOptions::default(), Trigger::Cli, &Quiet)
        .await
        .expect("import");
    let messages: Vec<String> = report.files.iter().map(|f| f.message.clone().unwrap_or_default()).collect();
    assert!(messages.iter().any(|m| m.contains("no such file")), "{messages:?}");
    let unknown = messages.iter().find(|m| m.contains("unrecognised")).expect("unrecognised message");
    assert!(unknown.contains("DistroKid bank details export"), "{unknown}");
    assert_eq!(report.status, "failed");
}

#[tokio::test]
async fn a_named_source_that_does_not_fit_is_refused() {
    let env = env().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let odd = dir.path().join("notes.csv");
    std::fs::write(&odd, "colour,shape\nred,round\n").expect("write");
    let options = ImportOptions { source: Some(SourceId::Distrokid), ..ImportOptions::default() };
    let report = env.etl.import(&[odd], &options, Trigger::Cli, &Quiet).await.expect("import");
    let message = report.files[0].message.clone().unwrap_or_default();
    assert!(message.contains("not a distrokid file"), "{message}");
}

#[tokio::test]
async fn an_explicit_artist_overrides_the_file() {
    let env = env().await;
    let options = ImportOptions { artist: Some("Night Owls".into()), ..ImportOptions::default() };
    env.import_with(&["distrokid/cumulative_v1.tsv"], options).await;
    let artists: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT a.name FROM statement_lines l JOIN artists a ON a.id = l.artist_id",
    )
    .fetch_all(env.db.pool())
    .await
    .expect("artists");
    assert_eq!(artists, ["Night Owls"]);
}

#[tokio::test]
async fn rebuild_from_raw_gives_the_same_warehouse() {
    let env = env().await;
    env.import(&["distrokid/bank_details_layout_a.tsv", "distrokid/cumulative_v1.tsv"]).await;
    env.import_with(
        &["distrokid/bank_details_layout_b.csv"],
        ImportOptions { artist: Some("Night Owls".into()), ..ImportOptions::default() },
    )
    .await;
    env.import(&["distrokid/cumulative_v2.tsv", "distrokid/bad_rows.tsv"]).await;
    let before = env.lines().await;
    assert_eq!(before.len(), 4 + 5 + 2);

    let report = env.etl.rebuild(Trigger::Cli, &Quiet).await.expect("rebuild");
    assert_eq!(report.status, "succeeded");
    assert_eq!(report.files.len(), 4, "the rejected file is not replayed");
    assert_eq!(env.lines().await, before);
}

#[tokio::test]
async fn an_artist_filter_finds_every_spelling_through_the_alias_table() {
    use engine::kpi::artist::{ArtistError, resolve};

    let env = env().await;
    env.import(&["distrokid/bank_details_layout_a.tsv"]).await;
    for spelling in ["ZONE A0", "zone_a0", "Zone.A0", " zonea0 "] {
        let artist = resolve(&env.db, spelling).await.expect("known artist");
        assert_eq!(artist.name, "ZONE A0", "{spelling}");
    }
    let err = resolve(&env.db, "Night Owls").await.expect_err("unknown");
    assert!(matches!(err, ArtistError::Unknown { .. }));
    assert!(err.to_string().contains("known artists: ZONE A0"), "{err}");
}

#[tokio::test]
async fn freshness_counts_days_since_each_sources_latest_data() {
    use chrono::NaiveDate;
    use engine::kpi::freshness::freshness;

    let env = env().await;
    env.import(&[
        "distrokid/bank_details_layout_a.tsv",
        "spotify/4Z8W4fKeB5YxbusRsdQVPb-audience-timeline.csv",
    ])
    .await;
    let today = NaiveDate::from_ymd_opt(2025, 6, 1).expect("date");
    let fresh = freshness(&env.db, today).await.expect("freshness");
    assert_eq!(fresh.len(), 8, "every source id is present");
    // statements: the latest reporting date (2025-03-29); Spotify: the latest day (2025-05-03)
    assert_eq!(fresh[&SourceId::Distrokid], Some(64));
    assert_eq!(fresh[&SourceId::Spotify], Some(29));
    assert_eq!(fresh[&SourceId::Mailchimp], None);
}

/// The rollups the loader sums while it inserts are those SQL computes from the stored lines,
/// re-downloaded statements (batches partly skipped) and an artist override included.
#[tokio::test]
async fn the_revenue_rollups_match_a_recount_from_the_lines() {
    let env = env().await;
    env.import(&["distrokid/bank_details_layout_a.tsv", "distrokid/cumulative_v1.tsv"]).await;
    env.import_with(
        &["distrokid/bank_details_layout_b.csv"],
        ImportOptions { artist: Some("Night Owls".into()), ..ImportOptions::default() },
    )
    .await;
    let second = env.import(&["distrokid/cumulative_v2.tsv"]).await;
    assert_eq!(second.files[0].rows_skipped, 3);

    async fn rollups(
        conn: &mut sqlx::SqliteConnection,
    ) -> Vec<Vec<(String, String, i64, i64, i64, i64, i64)>> {
        let mut out = Vec::new();
        for (table, keys) in [
            (
                "revenue_by_store",
                "sale_month || '/' || artist_id || '/' || store_id || '/' || rate_day || '/' || reporting_date",
            ),
            (
                "revenue_by_track",
                "sale_month || '/' || artist_id || '/' || store_id || '/' || track_id || '/' || rate_day",
            ),
            ("revenue_by_country", "sale_month || '/' || artist_id || '/' || country || '/' || rate_day"),
            (
                "revenue_by_track_country",
                "track_id || '/' || sale_month || '/' || artist_id || '/' || country || '/' || rate_day",
            ),
            (
                "revenue_by_store_country",
                "store_id || '/' || sale_month || '/' || artist_id || '/' || country || '/' || rate_day",
            ),
        ] {
            let rows = sqlx::query_as(&format!(
                "SELECT {keys}, source || '/' || currency, earnings_whole, earnings_pico, rest_lines, quantity, lines \
                 FROM {table} ORDER BY 1, 2"
            ))
            .fetch_all(&mut *conn)
            .await
            .expect("rollup");
            out.push(rows);
        }
        // The runs of lines by track, as the loader wrote them (one per track here: the files
        // are small), are the ones found in the stored lines.
        let runs = sqlx::query_as(
            "SELECT track_id || '/' || first_id || '/' || last_id, '', 0, 0, 0, 0, 0 FROM statement_line_runs \
             ORDER BY track_id, first_id",
        )
        .fetch_all(&mut *conn)
        .await
        .expect("runs");
        out.push(runs);
        out
    }
    let mut conn = env.db.pool().acquire().await.expect("conn");
    let loaded = rollups(&mut conn).await;
    assert!(loaded.iter().all(|rows| !rows.is_empty()));
    engine::warehouse::rollup::refresh_all(&mut conn).await.expect("recount");
    assert_eq!(loaded, rollups(&mut conn).await);
}
