//! Attribution rules: a track, release or ad campaign stored without an artist is attributed to
//! one, in what is stored and in every later import, and only where the file named none.

mod common;

use common::Env;
use engine::etl::{AttributionError, ImportOptions};

const LUNA: &str = "QZTB92494812";
const HOLD_ON: &str = "QZTAW2496366";
const LUNA_RELEASE: &str = "198891507125";

/// (ISRC, artist, by rule) of the TooLost lines, in file order.
async fn lines(env: &Env) -> Vec<(String, Option<String>, i64)> {
    sqlx::query_as(
        "SELECT t.isrc, a.name, l.artist_by_rule FROM statement_lines l JOIN tracks t ON t.id = l.track_id \
         LEFT JOIN artists a ON a.id = l.artist_id WHERE l.source = 'toolost' ORDER BY l.raw_file_id, l.line",
    )
    .fetch_all(env.db.pool())
    .await
    .expect("lines")
}

/// Every rollup's rows, as text, in a stable order: what the dashboard's sums read.
async fn rollups(env: &Env) -> Vec<String> {
    let mut out = Vec::new();
    for table in engine::warehouse::rollup::ROLLUP_TABLES {
        let columns: Vec<String> =
            sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .fetch_all(env.db.pool())
                .await
                .expect("columns");
        let rows: Vec<(String,)> =
            sqlx::query_as(&format!("SELECT json_array({}) FROM {table} ORDER BY 1", columns.join(", ")))
                .fetch_all(env.db.pool())
                .await
                .expect("rollup rows");
        out.push(format!("{table}: {}", rows.into_iter().map(|r| r.0).collect::<Vec<_>>().join("; ")));
    }
    out
}

/// (artist name, total) of each rollup row of `revenue_by_store`, summed per artist.
async fn revenue_by_artist(env: &Env) -> Vec<(Option<String>, i64)> {
    sqlx::query_as(
        "SELECT a.name, SUM(r.lines) FROM revenue_by_store r LEFT JOIN artists a ON a.id = r.artist_id \
         GROUP BY r.artist_id ORDER BY a.name",
    )
    .fetch_all(env.db.pool())
    .await
    .expect("rollup")
}

fn zone(isrc: &str) -> (String, Option<String>, i64) {
    (isrc.into(), Some("ZONE A0".into()), 1)
}

fn none(isrc: &str) -> (String, Option<String>, i64) {
    (isrc.into(), None, 0)
}

#[tokio::test]
async fn a_track_rule_attributes_stored_lines_and_later_imports_and_its_removal_takes_them_back() {
    let env = Env::new().await;
    env.import(&["toolost/sales_report_by_track.csv"]).await;
    assert_eq!(lines(&env).await, [none(LUNA), none(LUNA), none(HOLD_ON), none(LUNA)]);

    let applied = env.etl.set_attribution_rule("track", LUNA, "ZONE A0", "admin").await.expect("rule");
    assert_eq!(applied.lines, 3);
    assert_eq!(lines(&env).await, [zone(LUNA), zone(LUNA), none(HOLD_ON), zone(LUNA)]);
    assert_eq!(revenue_by_artist(&env).await, [(None, 1), (Some("ZONE A0".into()), 3)]);
    assert_eq!(engine::etl::describe_attribution(applied), "3 statement lines changed artist");

    // A re-downloaded statement with one new line: the rule gives it the artist too.
    env.import(&["toolost/sales_report_by_track (1).csv"]).await;
    let after = lines(&env).await;
    assert_eq!(after.len(), 5);
    assert_eq!(after[4], zone(LUNA));

    let removed = env.etl.remove_attribution_rule("track", LUNA).await.expect("remove");
    assert_eq!(removed.lines, 4);
    assert!(lines(&env).await.iter().all(|l| l.1.is_none() && l.2 == 0));
    assert_eq!(revenue_by_artist(&env).await, [(None, 5)]);
}

#[tokio::test]
async fn applying_a_rule_to_what_is_stored_gives_the_rollups_an_import_under_the_rule_gives() {
    let applied_later = Env::new().await;
    applied_later
        .import(&["toolost/sales_report_by_track.csv", "toolost/sales_report_by_track (1).csv"])
        .await;
    applied_later.etl.set_attribution_rule("release", LUNA_RELEASE, "ZONE A0", "admin").await.expect("rule");

    let followed = Env::new().await;
    // The rule needs the release stored: a first file names it, then the rule, then the rest.
    followed.import(&["toolost/sales_report_by_track.csv"]).await;
    followed.etl.set_attribution_rule("release", LUNA_RELEASE, "ZONE A0", "admin").await.expect("rule");
    followed.import(&["toolost/sales_report_by_track (1).csv"]).await;

    assert_eq!(lines(&applied_later).await, lines(&followed).await);
    assert_eq!(rollups(&applied_later).await, rollups(&followed).await);
}

#[tokio::test]
async fn a_rule_never_replaces_the_artist_a_file_named() {
    let env = Env::new().await;
    let night_owls = ImportOptions { artist: Some("Night Owls".into()), ..ImportOptions::default() };
    env.import_with(&["toolost/sales_report_by_track.csv"], night_owls).await;
    let applied = env.etl.set_attribution_rule("track", LUNA, "ZONE A0", "admin").await.expect("rule");
    assert_eq!(applied.lines, 0);
    assert!(lines(&env).await.iter().all(|l| l.1.as_deref() == Some("Night Owls") && l.2 == 0));
}

#[tokio::test]
async fn a_track_rule_beats_its_release_rule_and_removing_it_falls_back_to_the_release() {
    let env = Env::new().await;
    env.import(&["toolost/sales_report_by_track.csv"]).await;
    env.etl.set_attribution_rule("release", LUNA_RELEASE, "Night Owls", "admin").await.expect("release");
    env.etl.set_attribution_rule("track", LUNA, "ZONE A0", "admin").await.expect("track");
    assert_eq!(lines(&env).await[0], zone(LUNA));
    env.etl.remove_attribution_rule("track", LUNA).await.expect("remove");
    assert_eq!(lines(&env).await[0], (LUNA.into(), Some("Night Owls".into()), 1));
}

#[tokio::test]
async fn rules_are_refused_with_a_reason_and_change_nothing() {
    let env = Env::new().await;
    env.import(&["toolost/sales_report_by_track.csv"]).await;
    let before = rollups(&env).await;
    let refused = [
        env.etl.set_attribution_rule("label", LUNA, "ZONE A0", "admin").await,
        env.etl.set_attribution_rule("track", "XX0000000000", "ZONE A0", "admin").await,
        env.etl.set_attribution_rule("track", LUNA, " ..  ", "admin").await,
        env.etl.set_attribution_rule("track", LUNA, &"x".repeat(201), "admin").await,
        env.etl.remove_attribution_rule("track", LUNA).await,
    ];
    let messages: Vec<String> = refused.into_iter().map(|r| r.expect_err("refused").to_string()).collect();
    assert_eq!(
        messages,
        [
            "unknown kind of rule \"label\": one of release, track or campaign",
            "no track XX0000000000 is stored: attribute what the imported files name",
            "the artist's name needs a letter or digit",
            "the artist's name is longer than 200 characters",
            "there is no rule for track QZTB92494812",
        ]
    );
    assert!(matches!(
        env.etl.remove_attribution_rule("release", "1").await,
        Err(AttributionError::NoSuchRule { .. })
    ));
    assert_eq!(rollups(&env).await, before);
    let rules: i64 = sqlx::query_scalar("SELECT count(*) FROM attribution_rules")
        .fetch_one(env.db.pool())
        .await
        .expect("n");
    assert_eq!(rules, 0);
}

#[tokio::test]
async fn a_campaign_rule_attributes_its_days_and_the_artist_series() {
    let env = Env::new().await;
    env.import(&["meta_ads/ads_manager_campaigns_daily_sgd.csv"]).await;
    let key: String =
        sqlx::query_scalar("SELECT key FROM entities WHERE source = 'meta_ads' ORDER BY key LIMIT 1")
            .fetch_one(env.db.pool())
            .await
            .expect("campaign");
    let page = engine::kpi::attribution::attribution(&env.db).await.expect("page");
    assert!(page.unattributed.iter().any(|u| u.kind == "campaign" && u.key == key), "{page:?}");

    let applied = env.etl.set_attribution_rule("campaign", &key, "ZONE A0", "admin").await.expect("rule");
    assert!(applied.facts > 0);
    let unattributed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM daily_facts d JOIN entities e ON e.id = d.entity_id WHERE e.key = ? AND d.artist_id = 0",
    )
    .bind(&key)
    .fetch_one(env.db.pool())
    .await
    .expect("count");
    assert_eq!(unattributed, 0);
    // The artist's own series now holds the spend.
    let series: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM daily_series s JOIN artists a ON a.id = s.artist_id \
         WHERE s.source = 'meta_ads' AND a.name = 'ZONE A0'",
    )
    .fetch_one(env.db.pool())
    .await
    .expect("series");
    assert!(series > 0);
    let page = engine::kpi::attribution::attribution(&env.db).await.expect("page");
    assert!(!page.unattributed.iter().any(|u| u.key == key));
    assert_eq!(page.rules.len(), 1);
    assert_eq!((page.rules[0].artist.as_str(), page.rules[0].created_by.as_str()), ("ZONE A0", "admin"));

    // Imported again (the same days): the rule still holds.
    env.import(&["meta_ads/ads_manager_campaigns_daily_sgd.csv"]).await;
    let back: i64 =
        sqlx::query_scalar("SELECT count(*) FROM daily_facts WHERE source = 'meta_ads' AND artist_id = 0")
            .fetch_one(env.db.pool())
            .await
            .expect("count");
    assert_eq!(back, 0);
}

#[tokio::test]
async fn the_page_lists_tracks_and_releases_without_an_artist_with_their_revenue() {
    let env = Env::new().await;
    env.import(&["toolost/sales_report_by_track.csv"]).await;
    let page = engine::kpi::attribution::attribution(&env.db).await.expect("page");
    let listed: Vec<(&str, &str)> =
        page.unattributed.iter().map(|u| (u.kind.as_str(), u.key.as_str())).collect();
    assert_eq!(
        listed,
        [("release", "198667254765"), ("release", LUNA_RELEASE), ("track", HOLD_ON), ("track", LUNA)]
    );
    let luna = page.unattributed.iter().find(|u| u.key == LUNA).expect("luna");
    assert_eq!(luna.name, "LUNA");
    assert_eq!(luna.release.as_deref(), Some(LUNA_RELEASE));
    assert!(luna.figures.ends_with("(3 lines)"), "{}", luna.figures);

    env.etl.set_attribution_rule("release", LUNA_RELEASE, "ZONE A0", "admin").await.expect("rule");
    let page = engine::kpi::attribution::attribution(&env.db).await.expect("page");
    let listed: Vec<&str> = page.unattributed.iter().map(|u| u.key.as_str()).collect();
    assert_eq!(listed, ["198667254765", HOLD_ON]);
    assert_eq!(page.artists, ["ZONE A0"]);
}

#[tokio::test]
async fn a_rebuild_from_raw_follows_the_rules() {
    let env = Env::new().await;
    env.import(&["toolost/sales_report_by_track.csv", "meta_ads/ads_manager_campaigns_daily_sgd.csv"]).await;
    env.etl.set_attribution_rule("track", LUNA, "ZONE A0", "admin").await.expect("rule");
    let key: String = sqlx::query_scalar("SELECT key FROM entities WHERE source = 'meta_ads' LIMIT 1")
        .fetch_one(env.db.pool())
        .await
        .expect("campaign");
    env.etl.set_attribution_rule("campaign", &key, "Night Owls", "admin").await.expect("rule");
    let (before, rollups_before) = (lines(&env).await, rollups(&env).await);
    let facts_before = common::daily(&env, "meta_ads").await;

    env.etl.rebuild(engine::etl::Trigger::Cli, &engine::etl::Quiet).await.expect("rebuild");
    assert_eq!(lines(&env).await, before);
    assert_eq!(rollups(&env).await, rollups_before);
    assert_eq!(common::daily(&env, "meta_ads").await, facts_before);
    assert!(facts_before.iter().all(|f| f.1.as_deref() == Some("Night Owls")));
}

#[tokio::test]
async fn a_rule_set_then_removed_leaves_the_rollups_as_they_were() {
    let env = Env::new().await;
    env.import(&["toolost/sales_report_by_track.csv", "toolost/sales_report_by_track (1).csv"]).await;
    let before = rollups(&env).await;
    env.etl.set_attribution_rule("release", LUNA_RELEASE, "ZONE A0", "admin").await.expect("rule");
    assert_ne!(rollups(&env).await, before);
    env.etl.remove_attribution_rule("release", LUNA_RELEASE).await.expect("remove");
    assert_eq!(rollups(&env).await, before);
}
