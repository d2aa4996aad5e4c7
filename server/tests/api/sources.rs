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
