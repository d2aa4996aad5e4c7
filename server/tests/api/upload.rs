//! Uploading exports from the admin page: who may, what is refused, what lands.

use model::Role;

use crate::helpers::{client, fixture, spawn_app};

#[tokio::test]
async fn only_admins_upload() {
    let app = spawn_app().await;
    app.add_user("vic", Role::Viewer, "pw").await;
    let c = client();
    let file = [("a.tsv", fixture("distrokid/bank_details_layout_a.tsv"))];
    assert_eq!(app.upload(&c, &file).await.status(), 401);
    app.login(&c, "vic", "pw").await;
    assert_eq!(app.upload(&c, &file).await.status(), 403);
}

#[tokio::test]
async fn uploads_load_and_bad_files_are_explained() {
    let app = spawn_app().await;
    app.add_user("ada", Role::Admin, "pw").await;
    let c = client();
    app.login(&c, "ada", "pw").await;

    let body: serde_json::Value = app
        .upload(
            &c,
            &[
                ("statement.tsv", fixture("distrokid/bank_details_layout_a.tsv")),
                ("notes.txt", b"just some notes\n".to_vec()),
                ("bad.tsv", fixture("distrokid/bad_rows.tsv")),
            ],
        )
        .await
        .json()
        .await
        .expect("json");
    let run_id = body["run_id"].as_i64().expect("run id");
    assert_eq!(body["files"], serde_json::json!(["statement.tsv", "notes.txt", "bad.tsv"]));
    assert_eq!(app.wait_for_run(run_id).await, "partial");

    let detail: serde_json::Value = app
        .server_fn_json(&c, "/api/admin/run", &serde_json::json!({ "id": run_id }))
        .await
        .json()
        .await
        .expect("json");
    let files = detail["files"].as_array().expect("files");
    assert_eq!(files[0]["outcome"], "loaded");
    assert_eq!(files[0]["rows_loaded"], 4);
    assert_eq!(files[1]["outcome"], "rejected");
    assert!(files[1]["message"].as_str().expect("why").contains("expected"), "{detail}");
    assert_eq!(files[2]["outcome"], "rejected");
    assert!(detail["quarantined_total"].as_i64().expect("count") > 0);

    // A rejected file is kept out of landing, and the admin can download it as it came.
    assert_eq!(files[0]["kept_file"], serde_json::Value::Null, "a loaded file is archived");
    let kept = files[2]["kept_file"].as_i64().expect("the rejected file is kept");
    let download = app.get(&c, &format!("/admin/runs/{run_id}/files/{kept}")).await;
    assert_eq!(download.status(), 200);
    let disposition = download.headers().get("content-disposition").and_then(|v| v.to_str().ok());
    assert_eq!(disposition, Some("attachment; filename=\"bad.tsv\""));
    assert_eq!(download.bytes().await.expect("bytes").as_ref(), fixture("distrokid/bad_rows.tsv"));
    let elsewhere = app.get(&c, &format!("/admin/runs/{}/files/{kept}", run_id + 1)).await;
    assert_eq!(elsewhere.status(), 404, "a file is found under its own run only");
    assert_eq!(app.get(&client(), &format!("/admin/runs/{run_id}/files/{kept}")).await.status(), 303);

    // A run that does not exist: the page is a 404 that says so.
    let missing = app.get(&c, &format!("/admin/runs/{}", run_id + 1000)).await;
    assert_eq!(missing.status(), 404);
    let page = missing.text().await.expect("page");
    assert!(page.contains(&format!("there is no run #{}", run_id + 1000)), "{page}");
    let found = app.get(&c, &format!("/admin/runs/{run_id}")).await;
    assert_eq!(found.status(), 200);

    let csv = app.get(&c, &format!("/admin/runs/{run_id}/quarantine.csv")).await;
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.expect("csv");
    assert!(text.starts_with("file,line,column,reason,content\n"), "{text}");
    assert!(text.contains("bad.tsv"), "{text}");

    // The same statement again changes nothing.
    let again: serde_json::Value = app
        .upload(&c, &[("statement.tsv", fixture("distrokid/bank_details_layout_a.tsv"))])
        .await
        .json()
        .await
        .expect("json");
    let again_id = again["run_id"].as_i64().expect("run id");
    app.wait_for_run(again_id).await;
    let detail: serde_json::Value = app
        .server_fn_json(&c, "/api/admin/run", &serde_json::json!({ "id": again_id }))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(detail["files"][0]["outcome"], "already_imported");

    let audit: serde_json::Value = app.server_fn(&c, "/api/admin/audit").await.json().await.expect("json");
    assert_eq!(audit[0]["action"], "upload");
    assert_eq!(audit[0]["actor"], "ada");
}

#[tokio::test]
async fn unsafe_names_oversize_and_empty_uploads_are_refused() {
    let app = spawn_app().await;
    app.add_user("ada", Role::Admin, "pw").await;
    let c = client();
    app.login(&c, "ada", "pw").await;

    let response = app.upload(&c, &[("../../etc/passwd", b"x".to_vec())]).await;
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.expect("json");
    assert!(body["error"].as_str().expect("error").contains("contains a path"), "{body}");

    let response = app.upload(&c, &[(".hidden.csv", b"x".to_vec())]).await;
    assert_eq!(response.status(), 400);

    // The test server allows 1 MB.
    let response = app.upload(&c, &[("big.csv", vec![b'a'; 1024 * 1024 + 1])]).await;
    assert_eq!(response.status(), 413);
    let body: serde_json::Value = response.json().await.expect("json");
    assert!(
        body["error"].as_str().expect("error").contains("larger than the upload limit of 1 MB"),
        "{body}"
    );

    let response = app.upload(&c, &[]).await;
    assert_eq!(response.status(), 400);

    let runs: serde_json::Value = app.server_fn(&c, "/api/admin/runs").await.json().await.expect("json");
    assert_eq!(runs.as_array().map(Vec::len), Some(0), "nothing was imported: {runs}");
}
