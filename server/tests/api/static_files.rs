//! The bundle under /pkg: pre-compressed copies are sent to browsers that accept them; names with
//! a content hash may be cached for a year, others are revalidated.

use crate::helpers::{client, spawn_app, spawn_app_on};

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

    let missing = c.get(app.url("/pkg/missing.0123456789abcdef.js")).send().await.expect("get");
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.headers()["cache-control"], "no-cache", "a 404 must not be cached for a year");
}

#[tokio::test]
async fn content_hashed_bundle_files_are_immutable() {
    let app = spawn_app().await;
    let pkg = app.data_dir.join("no-site/pkg");
    std::fs::create_dir_all(&pkg).expect("pkg dir");
    std::fs::write(pkg.join("soundcheck.0123456789abcdef.css"), "body{}").expect("css");

    let css = client().get(app.url("/pkg/soundcheck.0123456789abcdef.css")).send().await.expect("get");
    assert_eq!(css.status(), 200);
    assert_eq!(css.headers()["cache-control"], "public, max-age=31536000, immutable");
}

#[tokio::test]
async fn pages_link_the_hashed_names_of_hash_txt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = dir.path().join("no-site");
    std::fs::create_dir_all(&site).expect("site dir");
    std::fs::write(
        site.join("hash.txt"),
        "js: 1111111111111111\nwasm: 2222222222222222\ncss: 3333333333333333\necharts: 4444444444444444\n",
    )
    .expect("hash file");
    let app = spawn_app_on(dir.path().to_path_buf()).await;

    let html = client().get(app.url("/login")).send().await.expect("get").text().await.expect("body");
    for name in [
        "/pkg/soundcheck.1111111111111111.js",
        "/pkg/soundcheck.2222222222222222.wasm",
        "/pkg/soundcheck.3333333333333333.css",
        "/pkg/echarts.4444444444444444.min.js",
    ] {
        assert!(html.contains(name), "{name} missing from the page");
    }
    assert!(!html.contains("/pkg/soundcheck.css"));
}
