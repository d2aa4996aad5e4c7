//! Every KPI against values computed by hand from small exports written here, in each
//! platform's real format. The sums are worked out in the comments.

mod common;

use std::{path::PathBuf, str::FromStr};

use chrono::NaiveDate;
use common::Env;
use engine::{
    etl::{ImportOptions, Outcome, Quiet, Trigger},
    kpi::{KpiQuery, Period, report},
};
use model::{KpiId, KpiReport, KpiValue, SourceId};
use rust_decimal::Decimal;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal")
}

const DISTROKID: &str = "Reporting Date\tSale Month\tStore\tArtist\tTitle\tISRC\tUPC\tQuantity\tTeam Percentage\tSong/Album\tCountry of Sale\tSongwriter Royalties Withheld\tEarnings (USD)
2025-03-10\t2025-01\tSpotify\tZONE A0\tLUNA\tQZTB92494812\t198891507125\t1000\t100\tSong\tUS\t0\t3.000000000001
2025-03-10\t2025-01\tApple Music\tZONE A0\tLUNA\tQZTB92494812\t198891507125\t200\t100\tSong\tGB\t0\t2.5
2025-03-10\t2025-01\tSpotify\tzone_a0\tHOLD ON II\tQZTAW2496366\t198667254765\t300\t100\tSong\tGB\t0\t1.25
2025-04-20\t2025-01\tDeezer\tOther Artist\tX\tQZTB92494899\t198891507199\t10\t100\tSong\tFR\t0\t0.1234567890123
2025-02-10\t2024-12\tSpotify\tZONE A0\tLUNA\tQZTB92494812\t198891507125\t100\t100\tSong\tUS\t0\t4.5
2025-04-20\t2025-02\tSpotify\tZONE A0\tLUNA\tQZTB92494812\t198891507125\t500\t100\tSong\tUS\t0\t-0.5
";

/// Spotify for Artists: days 1–3 of January.
const SFA: &str =
    "date,listeners,monthly listeners,monthly active listeners,streams,playlist adds,saves,followers
2024-12-31,1,1,1,9,0,1,40
2025-01-01,10,10,10,100,0,2,50
2025-01-02,10,10,10,200,0,3,55
2025-01-03,10,10,10,300,0,4,60
";

/// TooLost's Spotify analytics: days 2–4 (days 2 and 3 are Spotify for Artists' already).
const TOOLOST_SPOTIFY: &str = r#"{"streams":[{"date":"2025-01-02","streams":"1000"},{"date":"2025-01-03","streams":"1000"},{"date":"2025-01-04","streams":"1,000"}]}"#;
const TOOLOST_APPLE: &str = r#"{"totalStreams":[{"date":"2025-01-02","streams":7}],"totalShazam":[{"date":"2025-01-02","streams":99}]}"#;

const TIKTOK: &str = "Date,Video Views,Profile Views,Likes,Comments,Shares
Jan 01,100,10,5,1,0
Jan 02,200,20,5,1,2
";
const TIKTOK_FOLLOWERS: &str = "Date,Followers,Difference in followers from previous day
1 Jan,1000,12
2 Jan,990,-10
";

const YOUTUBE: &str =
    "Date,Views,Watch time (hours),Subscribers gained,Subscribers lost,Estimated revenue (USD)
Total,2234,110.75,9,3,6.123
2025-01-03,1234,60.5000,5,1,3.500
2025-01-02,1000,50.2500,4,2,2.623
";

const LINKTREE: &str = "DATE,Views,Unique Views,clicks,unique CLICKS
2025-01-05,400,300,40,30
2025-01-06,600,500,20,10
";

const META: &str = "Reporting starts,Reporting ends,Campaign name,Day,Results,Result indicator,Reach,Impressions,Amount spent (USD),Link clicks,Clicks (all)
2025-01-01,2025-01-31,Summer Single,2025-01-01,20,actions:link_click,900,1000,10,20,30
2025-01-01,2025-01-31,Winter Single,2025-01-02,0,actions:link_click,400,500,5.00,0,2
";

const MAILCHIMP: &str = "Title,Subject,Send Date,Successful Deliveries,Unique Opens,Unique Clicks,Hard Bounces,Soft Bounces,Unsubscribes,Abuse Complaints,Unique Id
January news,Hi,2025-01-10 09:00:00,1000,400,50,0,0,5,0,c1
Tour,Tickets,2025-01-20 09:00:00,500,100,25,0,0,0,0,c2
February news,Hi,2025-02-10 09:00:00,900,100,10,0,0,1,0,c3
";

struct Files {
    _dir: tempfile::TempDir,
    dir: PathBuf,
}

impl Files {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().to_path_buf();
        Self { _dir: dir, dir: path }
    }

    fn write(&self, name: &str, content: &str) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, content).expect("write");
        path
    }
}

async fn load(env: &Env, files: &Files, name: &str, content: &str, options: ImportOptions) {
    let report = env.import_paths(&[files.write(name, content)], options).await;
    assert!(
        report.files.iter().all(|f| f.outcome == Outcome::Loaded),
        "{name} did not load: {:?}",
        report.files.iter().map(|f| &f.message).collect::<Vec<_>>()
    );
}

async fn everything() -> Env {
    let env = Env::new().await;
    let files = Files::new();
    let zone = || ImportOptions { artist: Some("ZONE A0".into()), ..ImportOptions::default() };
    load(&env, &files, "statement.tsv", DISTROKID, ImportOptions::default()).await;
    load(&env, &files, "4Z8W4fKeB5YxbusRsdQVPb-audience-timeline.csv", SFA, zone()).await;
    load(&env, &files, "analytics_spotify.json", TOOLOST_SPOTIFY, ImportOptions::default()).await;
    load(&env, &files, "analytics_apple.json", TOOLOST_APPLE, ImportOptions::default()).await;
    let tiktok = ImportOptions { export_date: Some(d("2025-02-01")), ..zone() };
    load(&env, &files, "Overview.csv", TIKTOK, tiktok.clone()).await;
    load(&env, &files, "FollowerHistory.csv", TIKTOK_FOLLOWERS, tiktok).await;
    load(&env, &files, "Table data.csv", YOUTUBE, zone()).await;
    load(&env, &files, "insights.csv", LINKTREE, zone()).await;
    load(&env, &files, "ads.csv", META, ImportOptions::default()).await;
    load(&env, &files, "campaigns.csv", MAILCHIMP, ImportOptions::default()).await;
    env
}

async fn kpis(env: &Env, from: &str, to: &str, artist: Option<&str>) -> KpiReport {
    let query = KpiQuery {
        period: Period::new(d(from), d(to)).expect("period"),
        artist: artist.map(str::to_string),
        today: d("2025-05-01"),
        sparklines: true,
        store: None,
        platform: None,
    };
    report(&env.db, &query).await.expect("report")
}

fn money(r: &KpiReport, id: KpiId) -> Option<Decimal> {
    match r.value(id) {
        Some(KpiValue::Money(v)) => Some(*v),
        None => None,
        other => panic!("{id} is not money: {other:?}"),
    }
}

fn count(r: &KpiReport, id: KpiId) -> Option<i64> {
    match r.value(id) {
        Some(KpiValue::Count(v)) => Some(*v),
        None => None,
        other => panic!("{id} is not a count: {other:?}"),
    }
}

fn number(r: &KpiReport, id: KpiId) -> Option<Decimal> {
    match r.value(id) {
        Some(KpiValue::Number(v)) => Some(*v),
        None => None,
        other => panic!("{id} is not a number: {other:?}"),
    }
}

fn text(r: &KpiReport, id: KpiId) -> Option<String> {
    match r.value(id) {
        Some(KpiValue::Text(v)) => Some(v.clone()),
        None => None,
        other => panic!("{id} is not text: {other:?}"),
    }
}

/// Two decimals agree to 20 significant places (divisions round at Decimal's 28 digits).
fn close(actual: Option<Decimal>, expected: Decimal) {
    let actual = actual.expect("a value");
    let diff = (actual - expected).abs();
    assert!(diff <= expected.abs() * dec("1e-20"), "{actual} != {expected}");
}

#[tokio::test]
async fn statement_kpis_for_a_month() {
    let env = everything().await;
    let r = kpis(&env, "2025-01-01", "2025-01-31", None).await;
    // January's four lines: 3.000000000001 + 2.5 + 1.25 + 0.1234567890123 (13 fraction digits:
    // the rollups keep 12, the last one comes from the line itself).
    let revenue = dec("6.8734567890133");
    assert_eq!(money(&r, KpiId::RevenueUsd), Some(revenue));
    assert_eq!(count(&r, KpiId::RoyaltyUnits), Some(1510));
    close(number(&r, KpiId::RevenuePer1kUnits), revenue * dec("1000") / dec("1510"));
    // Spotify 3.000000000001 + 1.25 beats Apple Music 2.5; LUNA 5.500000000001 beats HOLD ON II;
    // GB 2.5 + 1.25 beats US 3.000000000001.
    assert_eq!(text(&r, KpiId::TopStore).as_deref(), Some("Spotify"));
    assert_eq!(text(&r, KpiId::TopTrack).as_deref(), Some("QZTB92494812"));
    assert_eq!(text(&r, KpiId::TopTerritory).as_deref(), Some("GB"));
    // Three lines reported 68 days after 2025-01-01, one 109 days after: 313 / 4.
    assert_eq!(number(&r, KpiId::AvgReportingLagDays), Some(dec("78.25")));
    // The previous period is December 2024: 4.5.
    assert_eq!(r.previous_value(KpiId::RevenueUsd), Some(&KpiValue::Money(dec("4.5"))));
    close(number(&r, KpiId::RevenueChangePct), (revenue - dec("4.5")) / dec("4.5") * dec("100"));
    assert_eq!(r.previous.get(&KpiId::RevenueChangePct), Some(&None));
    assert!(r.has_months);
}

#[tokio::test]
async fn periods_without_a_first_of_month_have_no_statement_kpis() {
    let env = everything().await;
    let r = kpis(&env, "2025-01-02", "2025-01-31", None).await;
    for id in [KpiId::RevenueUsd, KpiId::RoyaltyUnits, KpiId::TopStore, KpiId::AvgReportingLagDays] {
        assert_eq!(r.value(id), None, "{id}");
    }
    assert!(!r.has_months);
    assert!(r.warnings.iter().any(|w| w.contains("monthly")), "{:?}", r.warnings);
    // The contract's example: 2025-01-15..2025-03-20 covers February and March.
    let r = kpis(&env, "2025-01-15", "2025-03-20", None).await;
    assert_eq!(money(&r, KpiId::RevenueUsd), Some(dec("-0.5")));
    // Statements are reported through February: March is not, so the period counts one reported
    // month and compares with the one month before February, January.
    assert_eq!(r.reported_through.as_deref(), Some("2025-02"));
    assert_eq!(r.sale_months, ["2025-02", "2025-03"]);
    assert_eq!(r.previous_sale_months, ["2025-01"]);
    assert_eq!(r.previous_value(KpiId::RevenueUsd), Some(&KpiValue::Money(dec("6.8734567890133"))));
}

/// A DistroKid statement with one Spotify line per (sale month, earnings).
fn statement(lines: &[(&str, &str)]) -> String {
    let mut out = DISTROKID.lines().next().expect("header").to_string();
    for (month, earnings) in lines {
        out.push_str(&format!(
            "\n2025-11-10\t{month}\tSpotify\tZONE A0\tLUNA\tQZTB92494812\t198891507125\t10\t100\tSong\tUS\t0\t{earnings}"
        ));
    }
    out.push('\n');
    out
}

/// Sale months `first..=last` (YYYY-MM), each with `earnings`.
fn months(first: &str, last: &str, earnings: &'static str) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    let mut day = d(&format!("{first}-01"));
    while day <= d(&format!("{last}-01")) {
        out.push((day.format("%Y-%m").to_string(), earnings));
        day = day.checked_add_months(chrono::Months::new(1)).expect("month");
    }
    out
}

async fn statements_only(lines: &[(String, &'static str)]) -> Env {
    let env = Env::new().await;
    let files = Files::new();
    let lines: Vec<(&str, &str)> = lines.iter().map(|(m, e)| (m.as_str(), *e)).collect();
    load(&env, &files, "statement.tsv", &statement(&lines), ImportOptions::default()).await;
    env
}

#[tokio::test]
async fn a_year_with_nine_reported_months_compares_with_the_nine_months_before() {
    // Sales reported from April 2024 through September 2025: 1 a month in 2024, 2 in 2025.
    let mut lines = months("2024-04", "2024-12", "1");
    lines.extend(months("2025-01", "2025-09", "2"));
    let env = statements_only(&lines).await;
    let r = kpis(&env, "2025-01-01", "2025-12-31", None).await;
    assert_eq!(r.reported_through.as_deref(), Some("2025-09"));
    assert_eq!(r.sale_months.len(), 12);
    // Nine reported months (Jan–Sep 2025): 9 × 2 = 18, against the nine before them, Apr–Dec
    // 2024: 9 × 1 = 9. (The whole previous year, Jan–Dec 2024, would be the same 9 here; a
    // year reported from January 2024 shows the difference below.)
    assert_eq!(
        r.previous_sale_months,
        months("2024-04", "2024-12", "").iter().map(|m| m.0.clone()).collect::<Vec<_>>()
    );
    assert_eq!(money(&r, KpiId::RevenueUsd), Some(dec("18")));
    assert_eq!(r.previous_value(KpiId::RevenueUsd), Some(&KpiValue::Money(dec("9"))));
    assert_eq!(number(&r, KpiId::RevenueChangePct), Some(dec("100")));
    let coverage = r.coverage[&SourceId::Distrokid].as_ref().expect("coverage");
    assert_eq!((coverage.from.as_str(), coverage.to.as_str()), ("2024-04", "2025-09"));
    assert_eq!(r.coverage[&SourceId::Spotify], None);

    // Reported from January 2024: twelve months of 2024 would be 12, the nine before the period 9.
    let mut lines = months("2024-01", "2024-12", "1");
    lines.extend(months("2025-01", "2025-09", "2"));
    let env = statements_only(&lines).await;
    let r = kpis(&env, "2025-01-01", "2025-12-31", None).await;
    assert_eq!(r.previous_value(KpiId::RevenueUsd), Some(&KpiValue::Money(dec("9"))));
    assert_eq!(number(&r, KpiId::RevenueChangePct), Some(dec("100")));
}

#[tokio::test]
async fn a_previous_period_that_starts_before_the_statements_is_no_comparison() {
    // Statements from October 2024: the nine months before 2025 start in April.
    let mut lines = months("2024-10", "2024-12", "1");
    lines.extend(months("2025-01", "2025-09", "2"));
    let env = statements_only(&lines).await;
    let r = kpis(&env, "2025-01-01", "2025-12-31", None).await;
    assert_eq!(money(&r, KpiId::RevenueUsd), Some(dec("18")));
    assert_eq!(r.previous_value(KpiId::RevenueUsd), Some(&KpiValue::Money(dec("3"))), "what there is");
    assert_eq!(r.value(KpiId::RevenueChangePct), None, "not 500% against three months");
    // Every statement KPI says so, for the cards.
    for id in [KpiId::RevenueUsd, KpiId::RoyaltyUnits, KpiId::RevenuePer1kUnits] {
        assert_eq!(r.no_comparison.get(&id).map(String::as_str), Some("2024-10-01"), "{id}");
    }
    let warning = r.warnings.iter().find(|w| w.contains("revenue_change_pct")).expect("a warning");
    assert!(
        warning.contains("2024-04") && warning.contains("2024-12") && warning.contains("2024-10"),
        "{warning}"
    );
    // A quarter inside the data compares as before.
    let r = kpis(&env, "2025-04-01", "2025-06-30", None).await;
    assert_eq!(number(&r, KpiId::RevenueChangePct), Some(dec("0")));
    assert!(!r.warnings.iter().any(|w| w.contains("revenue_change_pct")), "{:?}", r.warnings);
    assert!(r.no_comparison.is_empty(), "{:?}", r.no_comparison);
}

const META_SPRING: &str = "Reporting starts,Reporting ends,Campaign name,Day,Results,Result indicator,Reach,Impressions,Amount spent (USD),Link clicks,Clicks (all)
2025-02-01,2025-03-31,Spring Single,2025-02-14,1,actions:link_click,100,100,5,1,1
2025-02-01,2025-03-31,Spring Single,2025-03-05,1,actions:link_click,100,100,30,1,1
";

#[tokio::test]
async fn roas_divides_by_the_spend_of_the_reported_months_of_every_store() {
    let env = everything().await;
    let files = Files::new();
    load(&env, &files, "spring.csv", META_SPRING, ImportOptions::default()).await;
    // January–March: statements are reported through February, so March's 30 of spend has no
    // revenue to answer it yet. Revenue 6.8734567890133 − 0.5 over January's 15 + February's 5.
    let r = kpis(&env, "2025-01-01", "2025-03-31", None).await;
    assert_eq!(money(&r, KpiId::AdSpendUsd), Some(dec("50")));
    let revenue = dec("6.3734567890133");
    assert_eq!(money(&r, KpiId::RevenueUsd), Some(revenue));
    close(number(&r, KpiId::Roas), revenue / dec("20"));
    // Whole months, also past the period: 15 January–14 February counts February's revenue
    // over all of February's spend.
    let r = kpis(&env, "2025-01-15", "2025-02-14", None).await;
    close(number(&r, KpiId::Roas), dec("-0.5") / dec("5"));
    // March alone: spend, but nothing reported; the cards can show February, the latest month.
    let r = kpis(&env, "2025-03-01", "2025-03-31", None).await;
    assert_eq!(r.value(KpiId::Roas), None);
    assert_eq!(r.latest_reported.get(&KpiId::RevenueUsd), Some(&Some(KpiValue::Money(dec("-0.5")))));
    assert!(!r.latest_reported.contains_key(&KpiId::Roas));
    assert!(kpis(&env, "2025-02-01", "2025-02-28", None).await.latest_reported.is_empty());
    // The previous period's ROAS: December 2024's 4.5 over December's spend (none): null.
    let r = kpis(&env, "2025-01-01", "2025-01-31", None).await;
    assert_eq!(r.previous_value(KpiId::Roas), None);

    // Drilled into Apple Music, revenue is Apple's, ROAS stays the whole catalogue's.
    let apple: i64 = sqlx::query_scalar("SELECT id FROM stores WHERE name = 'Apple Music'")
        .fetch_one(env.db.pool())
        .await
        .expect("store");
    let query = KpiQuery {
        period: Period::new(d("2025-01-01"), d("2025-03-31")).expect("period"),
        artist: None,
        today: d("2025-05-01"),
        sparklines: true,
        store: Some(apple),
        platform: None,
    };
    let drilled = report(&env.db, &query).await.expect("report");
    assert_eq!(money(&drilled, KpiId::RevenueUsd), Some(dec("2.5")));
    close(number(&drilled, KpiId::Roas), revenue / dec("20"));
}

#[tokio::test]
async fn streams_take_spotify_for_artists_first_per_platform_and_day() {
    let env = everything().await;
    let r = kpis(&env, "2025-01-01", "2025-01-04", None).await;
    // Spotify: SFA's 100 + 200 + 300 (days 1–3), TooLost's 1,000 on day 4 only; Apple: 7.
    assert_eq!(count(&r, KpiId::Streams), Some(1607));
    // The previous 4 days (Dec 28–31) hold SFA's 9 on 2024-12-31, but they start before the
    // streams data does: no comparison, and a warning that says why.
    assert_eq!(r.previous_value(KpiId::Streams), Some(&KpiValue::Count(9)));
    assert_eq!(r.value(KpiId::StreamsChangePct), None);
    let warning = r.warnings.iter().find(|w| w.contains("streams_change_pct")).expect("a warning");
    assert!(warning.contains("2024-12-28") && warning.contains("2024-12-31"), "{warning}");
    // Jan 3–4 (SFA's 300, TooLost's 1,000) against Jan 1–2 (100 + 200, Apple's 7): both covered.
    let r = kpis(&env, "2025-01-03", "2025-01-04", None).await;
    assert_eq!(count(&r, KpiId::Streams), Some(1300));
    assert_eq!(r.previous_value(KpiId::Streams), Some(&KpiValue::Count(307)));
    close(number(&r, KpiId::StreamsChangePct), dec("993") / dec("307") * dec("100"));
    assert!(!r.warnings.iter().any(|w| w.contains("streams_change_pct")), "{:?}", r.warnings);
    let r = kpis(&env, "2025-01-01", "2025-01-04", None).await;
    assert_eq!(count(&r, KpiId::SpotifySaves), Some(9));
    assert_eq!(count(&r, KpiId::SpotifyFollowers), Some(60));
    assert_eq!(count(&r, KpiId::SpotifyFollowersGained), Some(20), "60 on Jan 3 − 40 on Dec 31");
    let r = kpis(&env, "2025-01-02", "2025-01-03", None).await;
    assert_eq!(count(&r, KpiId::SpotifyFollowersGained), Some(10));
    let r = kpis(&env, "2024-12-01", "2024-12-30", None).await;
    assert_eq!(count(&r, KpiId::SpotifyFollowers), None, "nothing known before Dec 31");
    assert_eq!(count(&r, KpiId::SpotifyFollowersGained), None);
    // Nothing known on Dec 30, the day before: counted from the period's first value, 40 on
    // Dec 31, to 55 on Jan 2; a warning names that day.
    let r = kpis(&env, "2024-12-31", "2025-01-02", None).await;
    assert_eq!(count(&r, KpiId::SpotifyFollowers), Some(55));
    assert_eq!(count(&r, KpiId::SpotifyFollowersGained), Some(15));
    let warning = r.warnings.iter().find(|w| w.contains("spotify_followers_gained")).expect("a warning");
    assert!(warning.contains("2024-12-31"), "{warning}");
}

#[tokio::test]
async fn social_advertising_and_email_kpis() {
    let env = everything().await;
    let r = kpis(&env, "2025-01-01", "2025-01-31", None).await;
    assert_eq!(count(&r, KpiId::TiktokViews), Some(300));
    assert_eq!(count(&r, KpiId::TiktokProfileViews), Some(30));
    // (5 + 1 + 0) + (5 + 1 + 2) interactions over 300 views.
    close(number(&r, KpiId::TiktokEngagementRate), dec("14") / dec("300"));
    assert_eq!(count(&r, KpiId::TiktokFollowersGained), Some(2));

    assert_eq!(count(&r, KpiId::YoutubeViews), Some(2234), "the Total row is not a day");
    assert_eq!(number(&r, KpiId::YoutubeWatchHours), Some(dec("110.75")));
    assert_eq!(count(&r, KpiId::YoutubeSubscribersGained), Some(6), "(5 − 1) + (4 − 2)");
    assert_eq!(money(&r, KpiId::YoutubeRevenueUsd), Some(dec("6.123")));

    assert_eq!(count(&r, KpiId::LinkViews), Some(1000));
    assert_eq!(count(&r, KpiId::LinkClicks), Some(60));
    assert_eq!(number(&r, KpiId::LinkCtr), Some(dec("0.06")));

    assert_eq!(money(&r, KpiId::AdSpendUsd), Some(dec("15.00")));
    assert_eq!(count(&r, KpiId::AdImpressions), Some(1500));
    assert_eq!(count(&r, KpiId::AdClicks), Some(20), "link clicks, not all clicks");
    assert_eq!(number(&r, KpiId::AdCpmUsd), Some(dec("10")));
    assert_eq!(number(&r, KpiId::AdCpcUsd), Some(dec("0.75")));
    close(number(&r, KpiId::AdCtr), dec("20") / dec("1500"));
    close(number(&r, KpiId::Roas), dec("6.8734567890133") / dec("15"));
    // Streams in January: 100 + 200 + 300 + 1,000 + 7.
    close(number(&r, KpiId::CostPer1kStreamsUsd), dec("15") * dec("1000") / dec("1607"));

    assert_eq!(count(&r, KpiId::EmailCampaignsSent), Some(2));
    assert_eq!(count(&r, KpiId::EmailDelivered), Some(1500));
    close(number(&r, KpiId::EmailOpenRate), dec("500") / dec("1500"));
    assert_eq!(number(&r, KpiId::EmailClickRate), Some(dec("0.05")));
    close(number(&r, KpiId::EmailUnsubscribeRate), dec("5") / dec("1500"));
    assert_eq!(count(&r, KpiId::EmailSubscribers), None, "list sizes come from the API only");
}

#[tokio::test]
async fn zero_denominators_and_missing_sources_are_null() {
    let env = everything().await;
    // 2 January: the Winter Single campaign alone, 0 link clicks.
    let r = kpis(&env, "2025-01-02", "2025-01-02", None).await;
    assert_eq!(count(&r, KpiId::AdClicks), Some(0));
    assert_eq!(number(&r, KpiId::AdCpcUsd), None, "cost per click with 0 clicks");
    assert_eq!(number(&r, KpiId::AdCtr), Some(dec("0")));
    // No email sent that day: 0 campaigns, rates over 0 deliveries are null.
    assert_eq!(count(&r, KpiId::EmailCampaignsSent), Some(0));
    assert_eq!(number(&r, KpiId::EmailOpenRate), None);

    let empty = Env::new().await;
    let r = kpis(&empty, "2025-01-01", "2025-01-31", None).await;
    for id in KpiId::ALL {
        assert_eq!(r.value(*id), None, "{id} without data");
    }
    assert!(r.freshness.values().all(Option::is_none));
    assert_eq!(r.freshness.len(), SourceId::ALL.len());
}

#[tokio::test]
async fn the_artist_filter_leaves_out_unattributed_figures_and_says_so() {
    let env = everything().await;
    let r = kpis(&env, "2025-01-01", "2025-01-31", Some("zone.a0")).await;
    assert_eq!(r.artist.as_deref(), Some("ZONE A0"));
    assert_eq!(money(&r, KpiId::RevenueUsd), Some(dec("6.750000000001")));
    assert_eq!(count(&r, KpiId::RoyaltyUnits), Some(1500));
    assert_eq!(number(&r, KpiId::AvgReportingLagDays), Some(dec("68")));
    // TooLost's analytics carry no artist: only SFA's streams remain.
    assert_eq!(count(&r, KpiId::Streams), Some(600));
    assert_eq!(money(&r, KpiId::AdSpendUsd), None);
    assert_eq!(count(&r, KpiId::TiktokViews), Some(300));
    let warning = r.warnings.iter().find(|w| w.contains("artist filter")).expect("a warning");
    // What is left out, with its amount: TooLost's own streams (1,000 × 3 Spotify + 7 Apple),
    // the ad account's 15 USD, January's two campaigns.
    for part in ["3,007 streams (TooLost)", "$15.00 of ad spend (Meta Ads)", "2 e-mail campaigns (Mailchimp)"]
    {
        assert!(warning.contains(part), "{part}: {warning}");
    }
    assert!(warning.contains("Unattributed"), "{warning}");

    // "Unattributed" is an entry of its own, and the artists add up to the label.
    let none = kpis(&env, "2025-01-01", "2025-01-31", Some("Unattributed")).await;
    assert_eq!(none.artist.as_deref(), Some("Unattributed"));
    assert_eq!(money(&none, KpiId::AdSpendUsd), Some(dec("15.00")));
    assert_eq!(count(&none, KpiId::EmailCampaignsSent), Some(2));
    assert!(!none.warnings.iter().any(|w| w.contains("artist filter")), "{:?}", none.warnings);
    let other = kpis(&env, "2025-01-01", "2025-01-31", Some("Other Artist")).await;
    let all = kpis(&env, "2025-01-01", "2025-01-31", None).await;
    let parts = [&r, &other, &none].iter().filter_map(|k| money(k, KpiId::RevenueUsd)).sum::<Decimal>();
    assert_eq!(Some(parts), money(&all, KpiId::RevenueUsd));

    let unknown = KpiQuery {
        period: Period::new(d("2025-01-01"), d("2025-01-31")).expect("period"),
        artist: Some("Nobody".into()),
        today: d("2025-05-01"),
        sparklines: false,
        store: None,
        platform: None,
    };
    let err = report(&env.db, &unknown).await.expect_err("unknown artist");
    assert!(err.to_string().contains("ZONE A0"), "{err}");
}

#[tokio::test]
async fn amounts_without_a_rate_make_revenue_unknown_and_are_named() {
    let env = everything().await;
    let files = Files::new();
    let toolost = "transaction_id,sale_date,accounting_date,reporting_date,release_title,release_id,track_title,track_id,channel,country,isrc,upc,units,unit_price,original_currency,split_id,share,rev_fee,gross_revenue,net_revenue
TL-1,2025-01-20,2025-02-28,2025-03-15,LUNA,R-77,LUNA,T-501,Spotify,US,QZTB92494812,198891507125,40,0.25,EUR,SP-1,100,0.00,10,10.00
";
    load(&env, &files, "sales_report_by_track.csv", toolost, ImportOptions::default()).await;
    let r = kpis(&env, "2025-01-01", "2025-01-31", None).await;
    for id in [KpiId::RevenueUsd, KpiId::TopStore, KpiId::TopTrack, KpiId::TopTerritory, KpiId::Roas] {
        assert_eq!(r.value(id), None, "{id} with an unconvertible amount");
    }
    assert_eq!(count(&r, KpiId::RoyaltyUnits), Some(1550), "units need no rate");
    assert!(r.warnings.iter().any(|w| w.contains("EUR")), "{:?}", r.warnings);

    // With a rate on 2025-01-15 (the latest before the sale date), 10 EUR = 11 USD.
    load(
        &env,
        &files,
        "rates.csv",
        "date,currency,usd_per_unit\n2025-01-15,EUR,1.10\n2025-01-25,EUR,2\n",
        ImportOptions::default(),
    )
    .await;
    let r = kpis(&env, "2025-01-01", "2025-01-31", None).await;
    assert_eq!(money(&r, KpiId::RevenueUsd), Some(dec("17.8734567890133")));
    assert!(!r.warnings.iter().any(|w| w.contains("EUR")), "{:?}", r.warnings);
}

#[tokio::test]
async fn rollups_survive_a_rebuild_and_a_repeated_import() {
    let env = everything().await;
    let before = kpis(&env, "2024-12-01", "2025-02-28", None).await;
    let files = Files::new();
    // A re-downloaded statement repeats the old lines and adds one: only that one counts.
    let newer = format!(
        "{DISTROKID}2025-04-20\t2025-02\tSpotify\tZONE A0\tLUNA\tQZTB92494812\t198891507125\t5\t100\tSong\tUS\t0\t1\n"
    );
    load(&env, &files, "statement (2).tsv", &newer, ImportOptions::default()).await;
    let after = kpis(&env, "2024-12-01", "2025-02-28", None).await;
    let expected = money(&before, KpiId::RevenueUsd).expect("revenue") + dec("1");
    assert_eq!(money(&after, KpiId::RevenueUsd), Some(expected));
    assert_eq!(count(&after, KpiId::RoyaltyUnits), count(&before, KpiId::RoyaltyUnits).map(|u| u + 5));
    env.etl.rebuild(Trigger::Cli, &Quiet).await.expect("rebuild");
    assert_eq!(kpis(&env, "2024-12-01", "2025-02-28", None).await.kpis, after.kpis);
}

#[tokio::test]
async fn sparklines_split_the_period_by_days_and_statements_by_month() {
    let env = everything().await;
    let r = kpis(&env, "2025-01-01", "2025-01-31", None).await;
    let streams = &r.sparklines[&KpiId::Streams];
    assert_eq!(streams.len(), 12);
    // Jan 1–2: SFA's 100 + 200, and Apple's 7.
    assert_eq!(streams[0], Some(dec("307")));
    let total: Decimal = streams.iter().flatten().sum();
    assert_eq!(total, dec("1607"), "the parts add up to the period");
    assert!(!r.sparklines.contains_key(&KpiId::TopStore), "names have no trend");

    let r = kpis(&env, "2024-12-01", "2025-02-28", None).await;
    assert_eq!(
        r.sparklines[&KpiId::RevenueUsd],
        [Some(dec("4.5")), Some(dec("6.8734567890133")), Some(dec("-0.5"))]
    );
    let short = kpis(&env, "2025-01-02", "2025-01-04", None).await;
    assert_eq!(short.sparklines[&KpiId::Streams].len(), 3, "one point per day when shorter than 12");
    assert!(short.sparklines[&KpiId::RevenueUsd].is_empty());
}

mod charts {
    use super::*;
    use engine::kpi::charts::{ChartQuery, chart};
    use model::{ChartData, ChartId};

    async fn get(
        env: &Env,
        id: ChartId,
        from: &str,
        to: &str,
        store: Option<i64>,
        track: Option<&str>,
    ) -> ChartData {
        let query = ChartQuery {
            chart: id,
            period: Period::new(d(from), d(to)).expect("period"),
            artist: None,
            platform: None,
            store,
            track: track.map(str::to_string),
            territory: None,
            campaign: None,
        };
        chart(&env.db, &query).await.expect("chart")
    }

    fn values(c: &ChartData, series: usize) -> Vec<Option<Decimal>> {
        c.series[series].values.clone()
    }

    fn some(values: &[&str]) -> Vec<Option<Decimal>> {
        values.iter().map(|v| if v.is_empty() { None } else { Some(dec(v)) }).collect()
    }

    #[tokio::test]
    async fn an_ad_campaign_opens_its_days_and_its_cost_per_1000_streams() {
        let env = everything().await;
        let campaigns = get(&env, ChartId::AdCampaigns, "2025-01-01", "2025-01-31", None, None).await;
        assert_eq!(campaigns.categories, ["Summer Single", "Winter Single"]);
        assert_eq!(values(&campaigns, 0), some(&["10", "5"]));
        let query = |campaign: &str| ChartQuery {
            chart: ChartId::CampaignDays,
            period: Period::new(d("2025-01-01"), d("2025-01-31")).expect("period"),
            artist: None,
            platform: None,
            store: None,
            track: None,
            territory: None,
            campaign: campaign.parse().ok(),
        };
        // Summer Single spent 10 on 1 January, a day of 100 streams (SFA's Spotify): $100 per 1,000.
        let summer = chart(&env.db, &query(&campaigns.drill_keys[0])).await.expect("chart");
        assert_eq!(summer.categories, ["2025-01-01"]);
        assert_eq!(values(&summer, 0), some(&["10"]));
        assert_eq!(values(&summer, 1), some(&["100"]));
        assert_eq!(summer.title, "Summer Single — $100.00 per 1,000 streams");
        // Winter Single: 5 on 2 January, 200 Spotify + 7 Apple streams: 5,000 / 207 = 24.15.
        let winter = chart(&env.db, &query(&campaigns.drill_keys[1])).await.expect("chart");
        assert_eq!(values(&winter, 1), some(&["24.15"]));
        let none = chart(&env.db, &query("")).await.expect("chart");
        assert!(none.empty_reason.is_some());
    }

    #[tokio::test]
    async fn spend_per_campaign_in_a_currency_without_a_rate_is_unknown_and_named() {
        let env = Env::new().await;
        env.import(&["meta_ads/ads_manager_campaigns_daily_sgd.csv"]).await;
        let query = ChartQuery {
            chart: ChartId::AdCampaigns,
            period: Period::new(d("2025-03-01"), d("2025-03-31")).expect("period"),
            artist: None,
            platform: None,
            store: None,
            track: None,
            territory: None,
            campaign: None,
        };
        let campaigns = chart(&env.db, &query).await.expect("chart");
        assert!(!campaigns.categories.is_empty());
        assert!(campaigns.series[0].values.iter().all(Option::is_none));
        assert_eq!(campaigns.warnings.len(), 1);
        assert!(
            campaigns.warnings[0].starts_with("ad spend: no exchange rate for SGD"),
            "{:?}",
            campaigns.warnings
        );
    }

    #[tokio::test]
    async fn revenue_by_store_drills_into_tracks_then_territories_and_months() {
        let env = everything().await;
        let stores = get(&env, ChartId::RevenueByStore, "2025-01-01", "2025-01-31", None, None).await;
        assert_eq!(stores.categories, ["Spotify", "Apple Music", "Deezer"]);
        // Rounded to cents: what the chart shows and the CSV holds.
        assert_eq!(values(&stores, 0), some(&["4.25", "2.5", "0.12"]));
        let spotify: i64 = stores.drill_keys[0].parse().expect("a store id");

        let tracks = get(&env, ChartId::StoreTracks, "2025-01-01", "2025-01-31", Some(spotify), None).await;
        assert_eq!(tracks.title, "Revenue by track — Spotify");
        // Tracks by title and artist (the file's `zone_a0` is ZONE A0 by the alias table).
        assert_eq!(tracks.categories, ["LUNA — ZONE A0", "HOLD ON II — ZONE A0"]);
        assert_eq!(values(&tracks, 0), some(&["3", "1.25"]));
        assert_eq!(tracks.drill_keys, ["QZTB92494812", "QZTAW2496366"]);

        let places =
            get(&env, ChartId::TrackTerritories, "2025-01-01", "2025-01-31", None, Some("QZTB92494812"))
                .await;
        assert_eq!(places.categories, ["United States", "United Kingdom"]);
        assert_eq!(values(&places, 0), some(&["3", "2.5"]));
        let on_spotify = get(
            &env,
            ChartId::TrackTerritories,
            "2025-01-01",
            "2025-01-31",
            Some(spotify),
            Some("QZTB92494812"),
        )
        .await;
        assert_eq!(on_spotify.categories, ["United States"]);
        assert_eq!(values(&on_spotify, 0), some(&["3"]));

        let months =
            get(&env, ChartId::TrackMonths, "2024-12-01", "2025-02-28", None, Some("QZTB92494812")).await;
        assert_eq!(months.categories, ["2024-12", "2025-01", "2025-02"]);
        assert_eq!(values(&months, 0), some(&["4.5", "5.5", "-0.5"]));
        assert_eq!(
            months.to_csv(),
            "Sale month,Revenue (USD)\n2024-12,4.5\n2025-01,5.5\n2025-02,-0.5\n",
            "the CSV holds the numbers shown"
        );

        let unknown =
            get(&env, ChartId::TrackMonths, "2024-12-01", "2025-02-28", None, Some("XX0000000000")).await;
        assert!(unknown.empty_reason.expect("a reason").contains("XX0000000000"));
    }

    #[tokio::test]
    async fn monthly_stack_streams_ads_social_and_email() {
        let env = everything().await;
        let stack = get(&env, ChartId::RevenueByMonth, "2024-12-01", "2025-02-28", None, None).await;
        assert_eq!(stack.categories, ["2024-12", "2025-01", "2025-02"]);
        let names: Vec<&str> = stack.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Spotify", "Apple Music", "Deezer"]);
        assert_eq!(values(&stack, 0), some(&["4.5", "4.25", "-0.5"]));
        assert_eq!(values(&stack, 2), some(&["", "0.12", ""]));

        let streams = get(&env, ChartId::StreamsByPlatform, "2025-01-01", "2025-01-04", None, None).await;
        assert_eq!(streams.categories, ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04"]);
        assert_eq!(streams.series[0].name, "Apple Music");
        assert_eq!(values(&streams, 0), some(&["", "7", "", ""]));
        assert_eq!(values(&streams, 1), some(&["100", "200", "300", "1000"]), "SFA first, TooLost on day 4");

        let ads = get(&env, ChartId::AdsVsRevenue, "2025-01-01", "2025-01-31", None, None).await;
        assert_eq!(ads.categories, ["2025-01"]);
        assert_eq!(values(&ads, 0), some(&["15"]));
        assert_eq!(values(&ads, 1), some(&["6.87"]));
        assert_eq!(values(&ads, 2), some(&["0.46"]), "6.8734567890133 / 15");
        assert!(ads.series[2].right_axis);

        let social = get(&env, ChartId::SocialGrowth, "2025-01-01", "2025-01-31", None, None).await;
        let names: Vec<&str> = social.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["TikTok video views", "YouTube views", "Linktree views"]);
        assert_eq!(social.categories.len(), 5, "Jan 1, 2, 3, 5 and 6");

        let email = get(&env, ChartId::EmailCampaigns, "2025-01-01", "2025-01-31", None, None).await;
        assert_eq!(email.categories, ["January news (2025-01-10)", "Tour (2025-01-20)"]);
        assert_eq!(values(&email, 0), some(&["40", "20"]), "percentages, as shown");
        assert_eq!(values(&email, 1), some(&["5", "5"]));
    }

    #[tokio::test]
    async fn empty_charts_say_which_source_is_missing() {
        let env = Env::new().await;
        let c = get(&env, ChartId::AdsVsRevenue, "2025-01-01", "2025-01-31", None, None).await;
        assert!(c.is_empty());
        assert!(c.empty_reason.expect("reason").contains("Meta Ads"));
        let c = get(&env, ChartId::RevenueByStore, "2025-01-02", "2025-01-31", None, None).await;
        assert!(c.empty_reason.expect("reason").contains("monthly"));
    }
}

#[tokio::test]
async fn daily_money_without_a_rate_is_unknown_until_rates_arrive() {
    let env = Env::new().await;
    env.import(&["meta_ads/ads_manager_campaigns_daily_sgd.csv"]).await;
    let r = kpis(&env, "2025-03-01", "2025-03-31", None).await;
    assert_eq!(money(&r, KpiId::AdSpendUsd), None, "SGD without a rate");
    assert_eq!(count(&r, KpiId::AdImpressions), Some(1350), "counts need no rate");
    assert!(r.warnings.iter().any(|w| w.contains("ad_spend_usd") && w.contains("SGD")), "{:?}", r.warnings);
    // Rates imported later convert what is already stored: 25.5 SGD × 0.74120.
    env.import(&["exchange_rates/rates.csv"]).await;
    let r = kpis(&env, "2025-03-01", "2025-03-31", None).await;
    assert_eq!(money(&r, KpiId::AdSpendUsd), Some(dec("18.90060")));
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

#[tokio::test]
async fn a_store_limits_the_statement_kpis_only() {
    let env = everything().await;
    let spotify: i64 = sqlx::query_scalar("SELECT id FROM stores WHERE name = 'Spotify'")
        .fetch_one(env.db.pool())
        .await
        .expect("store");
    let query = KpiQuery {
        period: Period::new(d("2025-01-01"), d("2025-01-31")).expect("period"),
        artist: None,
        today: d("2025-05-01"),
        sparklines: true,
        store: Some(spotify),
        platform: None,
    };
    let r = report(&env.db, &query).await.expect("report");
    assert_eq!(r.store.as_deref(), Some("Spotify"));
    // Spotify's January lines: 3.000000000001 + 1.25; December's 4.5 is the previous period.
    assert_eq!(money(&r, KpiId::RevenueUsd), Some(dec("4.250000000001")));
    assert_eq!(count(&r, KpiId::RoyaltyUnits), Some(1300));
    assert_eq!(r.previous_value(KpiId::RevenueUsd), Some(&KpiValue::Money(dec("4.5"))));
    assert_eq!(text(&r, KpiId::TopTerritory).as_deref(), Some("US"));
    assert_eq!(r.sparklines[&KpiId::RevenueUsd], [Some(dec("4.250000000001"))]);
    assert_eq!(count(&r, KpiId::Streams), Some(1607), "daily KPIs are not about stores");

    let unknown = KpiQuery { store: Some(9999), ..query };
    assert!(report(&env.db, &unknown).await.expect_err("unknown store").to_string().contains("9999"));
}

#[tokio::test]
async fn a_platform_limits_the_streams() {
    let env = everything().await;
    let streams = |platform: &str| {
        let query = KpiQuery {
            period: Period::new(d("2025-01-01"), d("2025-01-04")).expect("period"),
            artist: None,
            today: d("2025-05-01"),
            sparklines: false,
            store: None,
            platform: Some(platform.to_string()),
        };
        let db = env.db.clone();
        async move { report(&db, &query).await.expect("report") }
    };
    // Spotify: SFA's 100 + 200 + 300 and TooLost's 1,000 on day 4; Apple: TooLost's 7.
    assert_eq!(count(&streams("spotify").await, KpiId::Streams), Some(1600));
    let apple = streams("apple").await;
    assert_eq!(count(&apple, KpiId::Streams), Some(7));
    assert_eq!(count(&apple, KpiId::TiktokViews), Some(300), "other KPIs are not about platforms");
    assert_eq!(count(&streams("deezer").await, KpiId::Streams), None);
}

mod catalogue {
    use super::*;
    use engine::kpi::catalogue::{CatalogueQuery, catalogue};
    use model::CatalogueSort;

    async fn get(
        env: &Env,
        search: Option<&str>,
        sort: CatalogueSort,
        artist: Option<&str>,
    ) -> model::Catalogue {
        let query = CatalogueQuery {
            period: Period::new(d("2025-01-01"), d("2025-01-31")).expect("period"),
            artist: artist.map(str::to_string),
            search: search.map(str::to_string),
            sort,
            limit: 100,
        };
        catalogue(&env.db, &query).await.expect("catalogue")
    }

    #[tokio::test]
    async fn every_track_with_its_figures_sorted_and_searched() {
        let env = everything().await;
        let all = get(&env, None, CatalogueSort::Revenue, None).await;
        assert_eq!(all.total, 3);
        let isrcs: Vec<&str> = all.rows.iter().map(|r| r.isrc.as_str()).collect();
        assert_eq!(isrcs, ["QZTB92494812", "QZTAW2496366", "QZTB92494899"], "by revenue, biggest first");
        let luna = &all.rows[0];
        assert_eq!((luna.title.as_str(), luna.artist.as_deref()), ("LUNA", Some("ZONE A0")));
        assert_eq!(luna.release.as_deref(), Some("198891507125"));
        // January: 3.000000000001 + 2.5 over 1,200 units; December (the comparable month): 4.5.
        assert_eq!(luna.revenue_usd, Some(dec("5.500000000001")));
        assert_eq!(luna.royalty_units, Some(1200));
        close(luna.revenue_change_pct, (dec("5.500000000001") - dec("4.5")) / dec("4.5") * dec("100"));
        assert_eq!(all.rows[1].revenue_change_pct, None, "HOLD ON II sold nothing in December");

        let titles = get(&env, None, CatalogueSort::Title, None).await;
        assert_eq!(
            titles.rows.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(),
            ["HOLD ON II", "LUNA", "X"]
        );
        let found = get(&env, Some("hold"), CatalogueSort::Revenue, None).await;
        assert_eq!((found.total, found.rows[0].isrc.as_str()), (1, "QZTAW2496366"));
        let by_artist_name = get(&env, Some("other art"), CatalogueSort::Revenue, None).await;
        assert_eq!(by_artist_name.rows.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(), ["X"]);
        let filtered = get(&env, None, CatalogueSort::Revenue, Some("ZONE A0")).await;
        assert_eq!(filtered.total, 2, "the artist's tracks only");
    }
}
