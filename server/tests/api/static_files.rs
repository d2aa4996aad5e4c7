//! The bundle under /pkg: pre-compressed copies are sent to browsers that accept them.

use crate::helpers::{client, spawn_app};

#[tokio::test]
async fn precompressed_bundle_files_are_served_with_revalidation() {
    let app = spawn_app().await;
    let pkg = app.data_dir.join("no-site/pkg");
    std::fs::create_dir_all(&pkg).expect("pkg dir");
    std::fs::write(pkg.join("app.js"), "console.log('plain');").expect("js");
    std::fs::write(pkg.join("app.js.br"), b"brotli bytes").expect("br");
    let c = client();

    let br = c.get(app.url("/pkg/app.js")).header("accept-encoding", "br, gzip").send().await.expect("get");
    assert_eq!(br.status(), 200);
    assert_eq!(br.headers()["content-encoding"], "br");
    assert_eq!(br.headers()["cache-control"], "no-cache");
    assert!(br.headers()["content-type"].to_str().expect("type").contains("javascript"));
    assert_eq!(br.bytes().await.expect("body").as_ref(), b"brotli bytes");

    let plain =
        c.get(app.url("/pkg/app.js")).header("accept-encoding", "identity").send().await.expect("get");
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.text().await.expect("body"), "console.log('plain');");

    assert_eq!(c.get(app.url("/pkg/missing.js")).send().await.expect("get").status(), 404);
}
