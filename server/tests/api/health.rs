use crate::helpers::{client, spawn_app};

#[tokio::test]
async fn probes_answer_without_a_session() {
    let app = spawn_app().await;
    let c = client();
    let alive = app.get(&c, "/healthz").await;
    assert_eq!(alive.status(), 200);
    assert_eq!(alive.text().await.expect("body"), "ok");
    let ready = app.get(&c, "/readyz").await;
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.expect("body"), "ready");
}
