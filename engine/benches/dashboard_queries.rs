//! Benchmark: the dashboard's queries on a large warehouse — 10,000,000 statement lines over 36
//! sale months (3 artists, 300 tracks, 20 stores, 60 territories, some lines in EUR) and three
//! years of daily data for every source — with varied date ranges and artist filters, the first
//! query after opening the database included.
//!
//!     cargo bench -p engine --bench dashboard_queries [-- LINES]
//!
//! The data set is generated with SQL straight into the warehouse (the importers have their own
//! benchmark) and kept in target/bench-data, so later runs start at the queries. Prints p50, p95
//! and max per dashboard function. Target: every function under 50 ms at p95 on 2 cores.
//!
//! `SOUNDCHECK_BENCH_SMOKE=1` (CI): 20,000 lines in a scratch directory generated afresh, every
//! step the same; it checks that the run completes, not its times.

use std::{
    path::{Path, PathBuf},
    time::Instant,
};

use chrono::NaiveDate;
use engine::{
    Database,
    kpi::{
        KpiQuery, Period,
        catalogue::{CatalogueQuery, catalogue},
        charts::{ChartQuery, chart},
        report,
    },
    warehouse::{daily_series, rollup},
};
use model::ChartId;

/// A Meta campaign's days belong to one artist: campaign `e` to the artist of rank `e mod 3`.
const ONE_ARTIST_PER_CAMPAIGN: &str = "(?3 <> 'meta_ads' OR e.e % (SELECT count(*) FROM artists) = \
     (SELECT count(*) FROM artists a2 WHERE a2.id < a.id))";

/// Statement lines of a smoke run (`SOUNDCHECK_BENCH_SMOKE`), and of a full one.
const SMOKE_LINES: i64 = 20_000;
const FULL_LINES: i64 = 10_000_000;

/// The artist filters the queries use, as a user would type them: each must select an artist.
const ARTISTS: [Option<&str>; 3] = [None, Some("zone_a0"), Some("Night Owls")];

const DAYS_FROM: &str = "2023-12-01";
const TODAY: &str = "2026-11-26";

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

async fn generate(db: &Database, lines: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    sqlx::query("PRAGMA cache_size = -262144").execute(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO raw_files (id, sha256, size_bytes, original_name, received_at, status) \
         VALUES (1, 'bench', 0, 'generated', '2026-11-26T00:00:00Z', 'loaded')",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO artists (id, name) VALUES (1, 'ZONE A0'), (2, 'Night Owls'), (3, 'Luna Park')")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO artist_aliases (alias_key, artist_id) VALUES ('zonea0', 1), ('nightowls', 2), ('lunapark', 3)",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20) \
         INSERT INTO stores (id, name) SELECT i, printf('Store %02d', i) FROM n",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) \
         INSERT INTO tracks (id, isrc, title) SELECT i, printf('QZBENCH%05d', i), printf('Track %d', i) FROM n",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO releases (id, upc) VALUES (1, '198891507125')").execute(&mut *tx).await?;
    // Month index m = i % 36 from 2023-12; reported two months later; one line in ten from
    // TooLost (with a sale date, one in twenty of those in EUR); one in 97 a negative correction.
    // Stored sorted by track within chunks of 32,768 lines, as the loader stores them.
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 - 1), \
         l AS (SELECT i, i % 36 AS m, 1 + (i / 3) % 300 AS track, (i * 7919) % 1000000000000 AS pico, \
                      CASE WHEN i % 97 = 0 THEN -1 ELSE 1 END AS sign FROM n) \
         INSERT INTO statement_lines (source, raw_file_id, line, reporting_date, sale_month, sale_date, \
           store_id, artist_id, track_id, release_id, country, quantity, earnings_whole, earnings_pico, \
           currency) \
         SELECT CASE WHEN i % 10 = 0 THEN 'toolost' ELSE 'distrokid' END, 1, i + 2, \
           ((2023 + (m + 13) / 12) * 100 + (m + 13) % 12 + 1) * 100 + 15, \
           (2023 + (m + 11) / 12) * 100 + (m + 11) % 12 + 1, \
           CASE WHEN i % 10 = 0 THEN ((2023 + (m + 11) / 12) * 100 + (m + 11) % 12 + 1) * 100 + 1 + i % 28 END, \
           1 + (i / 7) % 20, 1 + (track - 1) % 3, track, 1, printf('C%02d', (i / 11) % 60), 1 + i % 50, \
           0, sign * pico, \
           CASE WHEN i % 200 = 0 THEN 'EUR' ELSE 'USD' END \
         FROM l ORDER BY i / 32768, track, i",
    )
    .bind(lines)
    .execute(&mut *tx)
    .await?;
    println!("  lines inserted; filling the rollups");
    rollup::refresh_all(&mut tx).await?;

    // Three years of days.
    let days = "WITH RECURSIVE d(day) AS (SELECT date(?1) UNION ALL SELECT date(day, '+1 day') FROM d \
                WHERE day < date(?2)) SELECT CAST(strftime('%Y%m%d', day) AS INTEGER) AS day FROM d";
    sqlx::query(
        "INSERT INTO entities (id, source, kind, key, name) VALUES \
         (1, 'spotify', 'platform', 'spotify', NULL), (2, 'toolost', 'platform', 'spotify', NULL), \
         (3, 'toolost', 'platform', 'apple', NULL)",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30) \
         INSERT INTO entities (id, source, kind, key, name) \
         SELECT 100 + i, 'meta_ads', 'campaign', printf('1202%011d', i), printf('Campaign %d', i) FROM n",
    )
    .execute(&mut *tx)
    .await?;
    // (source, metric, artists, entities): every artist gets each account metric every day; a Meta
    // campaign-day is one fact (migration 0017), so each campaign belongs to one artist.
    let facts: &[(&str, &[&str], &str)] = &[
        ("spotify", &["listeners", "saves", "followers", "playlist_adds"], "SELECT 0 AS e"),
        ("spotify", &["streams"], "SELECT 1 AS e"),
        ("toolost", &["streams"], "SELECT 2 AS e UNION ALL SELECT 3"),
        (
            "tiktok",
            &["video_views", "profile_views", "likes", "comments", "shares", "followers_gained"],
            "SELECT 0 AS e",
        ),
        ("youtube", &["views", "subscribers_gained", "subscribers_lost"], "SELECT 0 AS e"),
        ("linktree", &["link_views", "link_clicks", "link_unique_views"], "SELECT 0 AS e"),
        (
            "meta_ads",
            &["ad_impressions", "ad_link_clicks", "ad_reach"],
            "WITH RECURSIVE c(e) AS (SELECT 101 UNION ALL SELECT e + 1 FROM c WHERE e < 130) SELECT e FROM c",
        ),
    ];
    for (source, metrics, entities) in facts {
        for metric in *metrics {
            sqlx::query(&format!(
                "INSERT INTO daily_facts (source, metric, artist_id, entity_id, day, value, raw_file_id, line) \
                 SELECT ?3, ?4, a.id, e.e, d.day, (d.day * 31 + a.id * 17 + e.e * 7) % 5000, 1, 1 \
                 FROM ({days}) d, (SELECT id FROM artists) a, ({entities}) e WHERE {ONE_ARTIST_PER_CAMPAIGN}"
            ))
            .bind(DAYS_FROM)
            .bind(TODAY)
            .bind(source)
            .bind(metric)
            .execute(&mut *tx)
            .await?;
        }
    }
    for (source, metric, entities) in [
        ("youtube", "watch_hours", "SELECT 0 AS e"),
        ("youtube", "estimated_revenue", "SELECT 0 AS e"),
        (
            "meta_ads",
            "ad_spend",
            "WITH RECURSIVE c(e) AS (SELECT 101 UNION ALL SELECT e + 1 FROM c WHERE e < 130) SELECT e FROM c",
        ),
    ] {
        sqlx::query(&format!(
            "INSERT INTO daily_facts (source, metric, artist_id, entity_id, day, amount, currency, raw_file_id, line) \
             SELECT ?3, ?4, a.id, e.e, d.day, printf('%d.%02d', (d.day + e.e) % 40, (d.day * 7) % 100), 'USD', 1, 1 \
             FROM ({days}) d, (SELECT id FROM artists) a, ({entities}) e WHERE {ONE_ARTIST_PER_CAMPAIGN}"
        ))
        .bind(DAYS_FROM)
        .bind(TODAY)
        .bind(source)
        .bind(metric)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(&format!(
        "INSERT INTO exchange_rates (currency, day, usd_per_unit, raw_file_id, line) \
         SELECT 'EUR', day, '1.08', 1, 1 FROM ({days})"
    ))
    .bind(DAYS_FROM)
    .bind(TODAY)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 156) \
         INSERT INTO email_campaigns (campaign_key, source, artist_id, title, send_time, send_day, delivered, \
           unique_opens, unique_clicks, unsubscribes, raw_file_id, line) \
         SELECT printf('c%03d', i), 'mailchimp', 1 + i % 3, printf('Newsletter %d', i), \
           strftime('%Y-%m-%dT09:00:00Z', date('2023-12-01', printf('+%d days', i * 7))), \
           CAST(strftime('%Y%m%d', date('2023-12-01', printf('+%d days', i * 7))) AS INTEGER), \
           2000 + i, 700 + i, 90 + i % 20, 3, 1, 1 FROM n",
    )
    .execute(&mut *tx)
    .await?;
    println!("  daily facts inserted; building the daily series");
    daily_series::refresh_all(&mut tx).await?;
    tx.commit().await?;
    sqlx::query("ANALYZE").execute(db.pool()).await?;
    Ok(())
}

/// Whether `SOUNDCHECK_BENCH_SMOKE` asks for a smoke run: a small size, to check that the
/// benchmark runs, not its times.
fn smoke() -> bool {
    std::env::var_os("SOUNDCHECK_BENCH_SMOKE").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Generates the warehouse at `path` through a partial file, renamed once it is whole.
async fn generate_file(dir: &Path, path: &Path, lines: i64) -> Result<(), Box<dyn std::error::Error>> {
    println!("generating {lines} statement lines and three years of daily facts in {}", path.display());
    let started = Instant::now();
    let partial = dir.join("dashboard-partial.db");
    let wal = dir.join("dashboard-partial.db-wal");
    // A run stopped half-way leaves its WAL and shared memory beside the partial file.
    for stale in [&partial, &wal, &dir.join("dashboard-partial.db-shm")] {
        let _ = std::fs::remove_file(stale);
    }
    let db = Database::open(&partial).await?;
    generate(&db, lines).await?;
    // The engine turns SQLite's automatic checkpoint off (its own runs in the background), so the
    // whole warehouse is still in the WAL here. `close` copies it into the database file first;
    // closing the pool alone returned before the last connection had copied it (0.7 GB at 10M
    // lines), and the rename below moved an empty schema, the data left behind in the WAL.
    db.close().await;
    let left = std::fs::metadata(&wal).map_or(0, |m| m.len());
    if left > 0 {
        return Err(format!("{left} bytes of WAL were not copied into {}", partial.display()).into());
    }
    std::fs::rename(&partial, path)?;
    println!("  generated in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// The warehouse holds what the benchmark queries: every generated statement line (as the
/// rollups count them), daily facts, and an artist for each filter.
async fn check(path: &Path, lines: i64) -> Result<(), Box<dyn std::error::Error>> {
    let db = Database::open(path).await?;
    let stored: i64 = sqlx::query_scalar("SELECT coalesce(sum(lines), 0) FROM revenue_by_store")
        .fetch_one(db.pool())
        .await?;
    let facts: i64 = sqlx::query_scalar("SELECT count(*) FROM daily_facts").fetch_one(db.pool()).await?;
    let mut artists = Vec::new();
    for name in ARTISTS.into_iter().flatten() {
        artists.push(engine::kpi::artist::resolve(&db, name).await.map(|a| a.name));
    }
    db.close().await;
    let bad = |why: String| format!("{}: {why}", path.display());
    if stored != lines {
        return Err(bad(format!("{stored} statement lines in the rollups, not {lines}")).into());
    }
    if facts == 0 {
        return Err(bad("no daily facts".to_string()).into());
    }
    for artist in artists {
        artist.map_err(|e| bad(e.to_string()))?;
    }
    println!("  checked: {stored} statement lines, {facts} daily facts, every artist filter found");
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let smoke = smoke();
    let lines: i64 = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map_or(Ok(if smoke { SMOKE_LINES } else { FULL_LINES }), |a| a.parse())?;
    // A smoke run generates its small warehouse afresh in a directory of its own.
    let scratch = if smoke { Some(tempfile::tempdir()?) } else { None };
    let dir = match &scratch {
        Some(scratch) => scratch.path().to_path_buf(),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data"),
    };
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("dashboard-{lines}.db"));
    // A warehouse kept from an earlier run that is not whole (a run stopped half-way, or the
    // schema alone that an earlier version of this benchmark renamed, its data left in the WAL)
    // is generated again.
    let mut whole = false;
    if path.exists() {
        match check(&path, lines).await {
            Ok(()) => whole = true,
            Err(problem) => {
                println!(
                    "the warehouse kept from an earlier run is not whole ({problem}); generating it again"
                );
                for file in [&path, &path.with_extension("db-wal"), &path.with_extension("db-shm")] {
                    let _ = std::fs::remove_file(file);
                }
            }
        }
    }
    if !whole {
        generate_file(&dir, &path, lines).await?;
        check(&path, lines).await?;
    }

    // A fresh pool: the first query pays for opening the file and a cold page cache.
    let opened = Instant::now();
    let db = Database::open(&path).await?;
    let today = date(TODAY);
    let open_ms = opened.elapsed().as_secs_f64() * 1000.0;

    let periods = [
        Period::new(date("2026-11-20"), today)?,
        Period::new(date("2026-10-30"), today)?,
        Period::new(date("2026-08-29"), today)?,
        Period::new(date("2025-11-27"), today)?,
        Period::new(date("2026-01-01"), today)?,
        Period::new(date("2024-01-01"), date("2024-12-31"))?,
        Period::new(date("2023-12-01"), today)?,
        Period::new(date("2025-03-15"), date("2025-09-14"))?,
    ];
    let charts = [
        ChartId::RevenueByMonth,
        ChartId::StreamsByPlatform,
        ChartId::RevenueByStore,
        ChartId::StoreTracks,
        ChartId::TrackTerritories,
        ChartId::TrackMonths,
        ChartId::RevenueByTerritory,
        ChartId::AdsVsRevenue,
        ChartId::SocialGrowth,
        ChartId::EmailCampaigns,
        ChartId::TerritoryStores,
        ChartId::TerritoryTracks,
        ChartId::TrackStores,
        ChartId::TrackStreams,
        ChartId::AdCampaigns,
        ChartId::CampaignDays,
    ];
    let mut timings: Vec<(String, Vec<f64>)> = Vec::new();
    let mut record = |name: &str, ms: f64| match timings.iter_mut().find(|(n, _)| n == name) {
        Some((_, list)) => list.push(ms),
        None => timings.push((name.to_string(), vec![ms])),
    };
    let mut first = None;
    for round in 0..2 {
        for period in periods {
            for artist in ARTISTS {
                let started = Instant::now();
                let query = KpiQuery {
                    period,
                    artist: artist.map(str::to_string),
                    today,
                    sparklines: true,
                    store: None,
                    platform: None,
                };
                let r = report(&db, &query).await?;
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                first.get_or_insert(ms);
                record("dashboard (38 KPIs, previous period, sparklines)", ms);
                if round == 1 && std::env::var_os("BENCH_VERBOSE").is_some() {
                    println!("  {} .. {} {:?}: {ms:.1} ms", period.from, period.to, artist);
                }
                if round == 0 && artist.is_none() && period == periods[3] {
                    println!(
                        "  12 months, all artists: revenue_usd = {:?}",
                        r.value(model::KpiId::RevenueUsd)
                    );
                }
                for id in charts {
                    let started = Instant::now();
                    let query = ChartQuery {
                        chart: id,
                        period,
                        artist: artist.map(str::to_string),
                        platform: None,
                        store: Some(3),
                        track: Some("QZBENCH00042".to_string()),
                        territory: Some("US".to_string()),
                        campaign: Some(101),
                    };
                    chart(&db, &query).await?;
                    record(&format!("chart {}", id.as_str()), started.elapsed().as_secs_f64() * 1000.0);
                }
                // The catalogue by revenue, and searched (the search names every row's artist).
                for (name, search) in [("catalogue", None), ("catalogue, searched", Some("0042"))] {
                    let started = Instant::now();
                    let query = CatalogueQuery {
                        period,
                        artist: artist.map(str::to_string),
                        search: search.map(str::to_string),
                        sort: model::CatalogueSort::Revenue,
                        limit: 200,
                    };
                    let found = catalogue(&db, &query).await?;
                    if round == 0 && artist.is_none() && period == periods[3] {
                        println!("  12 months, all artists: {} tracks in the catalogue", found.total);
                    }
                    record(name, started.elapsed().as_secs_f64() * 1000.0);
                }
                // The artists side by side (a report per artist).
                if artist.is_none() {
                    let started = Instant::now();
                    let query = KpiQuery {
                        period,
                        artist: None,
                        today,
                        sparklines: false,
                        store: None,
                        platform: None,
                    };
                    engine::kpi::artists::compare(&db, &query).await?;
                    record("artists side by side", started.elapsed().as_secs_f64() * 1000.0);
                }
            }
        }
    }
    println!(
        "opening the database: {open_ms:.1} ms; first dashboard query after start-up: {:.1} ms",
        first.unwrap_or(0.0)
    );
    println!("{:<52} {:>6} {:>9} {:>9} {:>9}", "server function", "calls", "p50 ms", "p95 ms", "max ms");
    let mut worst: f64 = 0.0;
    for (name, mut list) in timings {
        list.sort_by(f64::total_cmp);
        let p95 = percentile(&list, 0.95);
        worst = worst.max(p95);
        println!(
            "{name:<52} {:>6} {:>9.1} {:>9.1} {:>9.1}",
            list.len(),
            percentile(&list, 0.5),
            p95,
            list.last().copied().unwrap_or(0.0)
        );
    }
    println!("worst p95: {worst:.1} ms (target: under 50 ms)");
    db.close().await;
    if smoke {
        println!("smoke run ({lines} lines) completed; its times are not checked");
    }
    Ok(())
}
