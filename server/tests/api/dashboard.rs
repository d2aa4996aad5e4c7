//! The dashboard's server functions: who may call them, what they answer, and how bad input is
//! refused.

use model::Role;
use serde_json::{Value, json};

use reqwest::Client;

use crate::helpers::{TestApp, client, spawn_app};

/// A viewer signed in to a warehouse holding the small DistroKid fixture.
async fn viewer_with_a_statement() -> (TestApp, Client) {
    let app = spawn_app().await;
    app.add_user("vic", Role::Viewer, "pw").await;
    app.import_fixture("distrokid/bank_details_layout_a.tsv").await;
    let c = client();
    app.login(&c, "vic", "pw").await;
    (app, c)
}

fn view(range: &str, from: Option<&str>, to: Option<&str>, artist: Option<&str>) -> Value {
    json!({ "range": range, "from": from, "to": to, "artist": artist, "platform": null, "store": null, "track": null })
}

#[tokio::test]
async fn kpis_and_charts_for_a_period() {
    let app = spawn_app().await;
    app.add_user("vic", Role::Viewer, "pw").await;
    app.import_fixture("distrokid/bank_details_layout_a.tsv").await;
    let c = client();
    let q1 = json!({ "view": view("custom", Some("2025-01-01"), Some("2025-03-31"), None) });

    let refused = app.server_fn_json(&c, "/api/dashboard", &q1).await;
    assert_eq!(refused.status(), 401, "signed-out callers are refused");
    let refused =
        app.server_fn_json(&c, "/api/chart", &json!({ "chart": "RevenueByStore", "view": q1["view"] })).await;
    assert_eq!(refused.status(), 401);

    app.login(&c, "vic", "pw").await;
    let dashboard: Value = app.server_fn_json(&c, "/api/dashboard", &q1).await.json().await.expect("json");
    let report = &dashboard["report"];
    assert_eq!(report["from"], "2025-01-01");
    // January's two Spotify lines: -0.03133519 twice, and the Deezer line 0.000000000001.
    assert_eq!(report["kpis"]["revenue_usd"], json!({ "Money": "-0.062670379999" }));
    assert_eq!(report["kpis"]["top_store"], json!({ "Text": "Deezer" }));
    assert_eq!(report["sparklines"]["revenue_usd"].as_array().map(Vec::len), Some(3));
    assert_eq!(dashboard["artists"], json!(["ZONE A0"]));

    let chart = json!({ "chart": "RevenueByStore", "view": q1["view"] });
    let stores: Value = app.server_fn_json(&c, "/api/chart", &chart).await.json().await.expect("json");
    assert_eq!(stores["categories"], json!(["Deezer", "Spotify"]));
    assert_eq!(stores["series"][0]["values"], json!(["0", "-0.06"]));
}

#[tokio::test]
async fn bad_dates_and_unknown_artists_are_400s_that_say_why() {
    let (app, c) = viewer_with_a_statement().await;
    for (query, expected) in [
        (view("custom", Some("2025-02-30"), Some("2025-03-31"), None), "is not a date"),
        (view("custom", Some("2025-04-01"), Some("2025-03-31"), None), "after it ends"),
        (view("custom", None, Some("2025-03-31"), None), "needs a start date"),
        (view("fortnight", None, None, None), "unknown date range"),
        (view("12m", None, None, Some("Nobody")), "ZONE A0"),
        (json!({ "range": "12m", "platform": "napster" }), "unknown platform"),
    ] {
        let response = app.server_fn_json(&c, "/api/dashboard", &json!({ "view": query })).await;
        assert_eq!(response.status(), 400, "{query}");
        let body = response.text().await.expect("body");
        assert!(body.contains(expected), "{query}: {body}");
    }
    let chart = json!({ "chart": "TrackMonths", "view": view("7d", None, None, Some("Nobody")) });
    assert_eq!(app.server_fn_json(&c, "/api/chart", &chart).await.status(), 400);
}

#[tokio::test]
async fn a_dashboard_link_with_a_bad_date_is_a_400_page_that_says_why() {
    let (app, c) = viewer_with_a_statement().await;
    // The status goes out with the page's first bytes, so the page must wait for its data: this
    // once raced the streamed render and was sometimes a 200. Several requests give the race room.
    for _ in 0..20 {
        let response = app.get(&c, "/?range=custom&from=2025-13-01&to=2025-03-31").await;
        assert_eq!(response.status(), 400);
        let page = response.text().await.expect("body");
        assert!(page.contains("is not a date"), "{page}");
    }
    let good = app.get(&c, "/?range=custom&from=2025-01-01&to=2025-03-31").await;
    assert_eq!(good.status(), 200);
}
