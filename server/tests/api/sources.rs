use model::Role;

use crate::helpers::{client, spawn_app};

#[tokio::test]
async fn sources_report_what_the_warehouse_holds() {
    let app = spawn_app().await;
    app.add_user("vic", Role::Viewer, "pw").await;
    let c = client();

    assert_eq!(app.server_fn(&c, "/api/sources").await.status(), 401, "signed-out callers are refused");
    app.login(&c, "vic", "pw").await;

    let empty: serde_json::Value = app.server_fn(&c, "/api/sources").await.json().await.expect("json");
    assert_eq!(empty.as_array().map(Vec::len), Some(8));
    assert!(empty.as_array().expect("array").iter().all(|s| s["files_loaded"] == 0));
    let home = app.get(&c, "/").await.text().await.expect("body");
    assert!(home.contains("No data yet"), "{home}");

    app.import_fixture("distrokid/bank_details_layout_a.tsv").await;
    let after: serde_json::Value = app.server_fn(&c, "/api/sources").await.json().await.expect("json");
    let distrokid =
        after.as_array().expect("array").iter().find(|s| s["source"] == "distrokid").expect("distrokid");
    assert_eq!(distrokid["files_loaded"], 1);
    assert_eq!(distrokid["values"], 4);
    assert_eq!(distrokid["latest_data_day"], "2025-03-29");

    let home = app.get(&c, "/").await.text().await.expect("body");
    assert!(home.contains(r#"data-kpi="revenue_usd""#), "the KPI cards replace the empty state: {home}");
    assert!(!home.contains("No data yet"), "{home}");
    let sources = app.get(&c, "/sources").await.text().await.expect("body");
    assert!(sources.contains("1 file"), "{sources}");
}

/// Issue 23: with `time_zone` set, the Admin page gives schedules, next runs and run times in that
/// zone's wall clock, named; the instants are unchanged.
#[tokio::test]
async fn the_admin_page_gives_times_in_the_servers_time_zone() {
    use chrono::{DateTime, Utc};

    let app = crate::helpers::spawn_app_with(|s| s.time_zone = engine::time::Tz::Europe__Berlin).await;
    app.add_user("ada", Role::Admin, "pw").await;
    let c = client();
    app.login(&c, "ada", "pw").await;
    app.import_fixture("distrokid/bank_details_layout_a.tsv").await;

    let sources: serde_json::Value =
        app.server_fn(&c, "/api/admin/sources").await.json().await.expect("json");
    let mailchimp =
        sources.as_array().expect("array").iter().find(|s| s["source"] == "mailchimp").expect("mailchimp");
    assert_eq!(mailchimp["time_zone"], "Europe/Berlin");
    let next = mailchimp["next_run"].as_str().expect("next run");
    assert!(next.ends_with(" 06:10 Europe/Berlin"), "the default 10 6 * * * is 06:10 local: {next}");

    let runs: serde_json::Value = app.server_fn(&c, "/api/admin/runs").await.json().await.expect("json");
    let shown = runs[0]["started_at"].as_str().expect("started");
    assert_eq!(runs[0]["time_zone"], "Europe/Berlin");
    assert!(shown.ends_with("+01:00") || shown.ends_with("+02:00"), "Berlin's offset: {shown}");
    let db = engine::Database::open(&app.data_dir.join("soundcheck.db")).await.expect("db");
    let stored: String = sqlx::query_scalar("SELECT started_at FROM runs WHERE id = 1")
        .fetch_one(db.pool())
        .await
        .expect("run");
    let instant = |t: &str| DateTime::parse_from_rfc3339(t).expect("rfc 3339").with_timezone(&Utc);
    assert_eq!(instant(shown), instant(&stored), "the same instant, in Berlin's offset");

    let page = app.get(&c, "/admin").await.text().await.expect("admin page");
    assert!(page.contains("Schedule (Europe/Berlin)"), "{page}");
    assert!(page.contains("time zone, Europe/Berlin"), "{page}");
    assert!(page.contains(&format!("{} Europe/Berlin", &shown[11..16])), "the last run's local time: {page}");
    assert!(page.contains("Started (Europe/Berlin)"), "{page}");
    let run = app.get(&c, "/admin/runs/1").await.text().await.expect("run page");
    assert!(
        run.contains(&format!("started {} {} Europe/Berlin by cli", &shown[..10], &shown[11..16])),
        "{run}"
    );
}
