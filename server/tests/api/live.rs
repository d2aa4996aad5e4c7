//! The live-update WebSocket: who may connect, what each role receives, caps, catching up.

use std::{sync::Arc, time::Duration};

use futures_util::StreamExt;
use model::{LiveEvent, LiveMessage, Role};
use reqwest::cookie::Jar;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{Error as WsError, Message, client::IntoClientRequest},
};

use crate::helpers::{TestApp, client_with, fixture, session_cookie, spawn_app};

pub type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

async fn signed_in(app: &TestApp, name: &str, role: Role) -> (reqwest::Client, String) {
    app.add_user(name, role, "pw").await;
    let jar = Arc::new(Jar::default());
    let c = client_with(Arc::clone(&jar));
    app.login(&c, name, "pw").await;
    let cookie = session_cookie(&jar, app);
    (c, cookie)
}

async fn open(app: &TestApp, cookie: &str, query: &str) -> Result<Socket, WsError> {
    let mut request = format!("ws://{}/live{query}", app.addr).into_client_request().expect("request");
    request.headers_mut().insert("origin", app.origin().parse().expect("origin"));
    if !cookie.is_empty() {
        request.headers_mut().insert("cookie", cookie.parse().expect("cookie"));
    }
    connect_async(request).await.map(|(socket, _)| socket)
}

/// The code the server closes `socket` with, within 5 s (the test server beats every 300 ms).
pub async fn close_code(socket: &mut Socket) -> Option<u16> {
    tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(frame) = socket.next().await {
            match frame {
                Ok(Message::Close(Some(frame))) => return Some(u16::from(frame.code)),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        None
    })
    .await
    .expect("closed in time")
}

/// The next message that is not a heartbeat.
async fn next(socket: &mut Socket) -> LiveMessage {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message within 10 s")
            .expect("open")
            .expect("frame");
        if let Message::Text(text) = frame {
            let message: LiveMessage = serde_json::from_str(&text).expect("live message");
            if message.event != LiveEvent::Heartbeat {
                return message;
            }
        }
    }
}

/// Messages until (and with) the first `data_changed`.
async fn until_data_changed(socket: &mut Socket) -> Vec<LiveMessage> {
    let mut seen = Vec::new();
    loop {
        let m = next(socket).await;
        let done = matches!(m.event, LiveEvent::DataChanged { .. });
        seen.push(m);
        if done {
            return seen;
        }
    }
}

fn status_of(err: WsError) -> u16 {
    match err {
        WsError::Http(response) => response.status().as_u16(),
        other => panic!("expected an HTTP refusal, got {other}"),
    }
}

#[tokio::test]
async fn anonymous_connections_are_refused() {
    let app = spawn_app().await;
    let err = open(&app, "", "").await.expect_err("refused");
    assert_eq!(status_of(err), 401);
}

#[tokio::test]
async fn admins_see_progress_and_viewers_only_data_changes() {
    let app = spawn_app().await;
    let (admin, admin_cookie) = signed_in(&app, "ada", Role::Admin).await;
    let (_, viewer_cookie) = signed_in(&app, "vic", Role::Viewer).await;
    let mut admin_socket = open(&app, &admin_cookie, "").await.expect("admin connects");
    let mut viewer_socket = open(&app, &viewer_cookie, "").await.expect("viewer connects");
    let hello = next(&mut admin_socket).await;
    assert!(matches!(hello.event, LiveEvent::Hello { resync: false, .. }), "{hello:?}");
    let _ = next(&mut viewer_socket).await;

    let response =
        app.upload(&admin, &[("statement.tsv", fixture("distrokid/bank_details_layout_a.tsv"))]).await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("json");
    let run_id = body["run_id"].as_i64().expect("run id");

    let admin_saw: Vec<LiveMessage> = until_data_changed(&mut admin_socket)
        .await
        .into_iter()
        .filter(|m| !matches!(m.event, LiveEvent::FileProgress { .. }))
        .collect();
    let kinds: Vec<&str> = admin_saw
        .iter()
        .map(|m| match &m.event {
            LiveEvent::RunStarted { .. } => "run_started",
            LiveEvent::FileStarted { .. } => "file_started",
            LiveEvent::FileProgress { .. } => "file_progress",
            LiveEvent::FileFinished { .. } => "file_finished",
            LiveEvent::DataChanged { .. } => "data_changed",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["run_started", "file_started", "file_finished", "data_changed"]);
    match &admin_saw[2].event {
        LiveEvent::FileFinished { run_id: r, file } => {
            assert_eq!(*r, run_id);
            assert_eq!(file.outcome, "loaded");
            assert_eq!(file.rows_loaded, 4);
        }
        other => panic!("{other:?}"),
    }
    let mut finished = next(&mut admin_socket).await;
    while matches!(finished.event, LiveEvent::FileProgress { .. }) {
        finished = next(&mut admin_socket).await;
    }
    assert_eq!(finished.event, LiveEvent::RunFinished { run_id, status: "succeeded".into(), note: None });

    let viewer_saw = next(&mut viewer_socket).await;
    match viewer_saw.event {
        LiveEvent::DataChanged { run_id: r, sources, at_ms } => {
            assert_eq!(r, run_id);
            assert_eq!(sources, vec![model::SourceId::Distrokid]);
            assert!(at_ms > 1_700_000_000_000, "a commit time: {at_ms}");
        }
        other => panic!("viewers get no run progress, got {other:?}"),
    }
}

#[tokio::test]
async fn a_client_that_reconnects_catches_up() {
    let app = spawn_app().await;
    let (admin, cookie) = signed_in(&app, "ada", Role::Admin).await;
    let mut socket = open(&app, &cookie, "").await.expect("connects");
    let hello = next(&mut socket).await;
    let LiveEvent::Hello { boot, .. } = hello.event else { panic!("{hello:?}") };
    let seen_seq = hello.seq;
    drop(socket);

    // While it was away: an import.
    let body: serde_json::Value = app
        .upload(&admin, &[("a.tsv", fixture("distrokid/bank_details_layout_a.tsv"))])
        .await
        .json()
        .await
        .expect("json");
    let run_id = body["run_id"].as_i64().expect("run id");
    app.wait_for_run(run_id).await;

    let mut socket =
        open(&app, &cookie, &format!("?since={seen_seq}&boot={boot}")).await.expect("reconnects");
    let hello = next(&mut socket).await;
    assert!(matches!(hello.event, LiveEvent::Hello { resync: false, .. }));
    let missed = until_data_changed(&mut socket).await;
    assert!(missed.iter().all(|m| m.seq > seen_seq));
    assert!(matches!(missed[0].event, LiveEvent::RunStarted { .. }), "replayed from the start: {missed:?}");

    // From another server life, the client must reload.
    let mut stale = open(&app, &cookie, "?since=3&boot=elsewhere").await.expect("connects");
    assert!(matches!(next(&mut stale).await.event, LiveEvent::Hello { resync: true, .. }));
}

#[tokio::test]
async fn connections_are_capped_per_user() {
    let app = spawn_app().await;
    let (_, cookie) = signed_in(&app, "vic", Role::Viewer).await;
    // The test settings allow 3 per user.
    let mut open_ones = Vec::new();
    for _ in 0..3 {
        open_ones.push(open(&app, &cookie, "").await.expect("under the cap"));
    }
    assert_eq!(status_of(open(&app, &cookie, "").await.expect_err("over the cap")), 429);
    open_ones.pop();
    // The freed place is given back once the server notices the close.
    let mut reopened = None;
    for _ in 0..50 {
        if let Ok(s) = open(&app, &cookie, "").await {
            reopened = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(reopened.is_some(), "a closed connection frees its place");
}

#[tokio::test]
async fn heartbeats_arrive() {
    let app = spawn_app().await;
    let (_, cookie) = signed_in(&app, "vic", Role::Viewer).await;
    let mut socket = open(&app, &cookie, "").await.expect("connects");
    let mut beats = 0;
    while beats < 2 {
        let frame = tokio::time::timeout(Duration::from_secs(5), socket.next()).await.expect("in time");
        if let Some(Ok(Message::Text(text))) = frame {
            let m: LiveMessage = serde_json::from_str(&text).expect("json");
            if m.event == LiveEvent::Heartbeat {
                beats += 1;
            }
        }
    }
}

#[tokio::test]
async fn a_disabled_user_is_cut_off_at_the_next_heartbeat() {
    let app = spawn_app().await;
    let (_, cookie) = signed_in(&app, "vic", Role::Viewer).await;
    let mut socket = open(&app, &cookie, "").await.expect("connects");
    let _ = next(&mut socket).await;

    let db = engine::Database::open(&app.data_dir.join("soundcheck.db")).await.expect("db");
    let users = engine::auth::UserStore::new(&db);
    let vic = users.by_name("vic").await.expect("lookup").expect("vic");
    users.set_disabled(vic.id, true).await.expect("disable");

    // The test server beats every 300 ms: the close comes within a few beats.
    assert_eq!(close_code(&mut socket).await, Some(4001));
    // And it cannot come back.
    assert_eq!(status_of(open(&app, &cookie, "").await.expect_err("refused")), 401);
}

/// Issue 23: Run now on Mailchimp with no API connected and nothing waiting says that nothing
/// was done and why, live, in the run list and on the run's page, instead of "succeeded".
#[tokio::test]
async fn run_now_with_nothing_to_do_says_so_everywhere() {
    let app = spawn_app().await;
    let (admin, cookie) = signed_in(&app, "ada", Role::Admin).await;
    let mut socket = open(&app, &cookie, "").await.expect("admin connects");
    let _hello = next(&mut socket).await;

    let started = admin
        .post(app.url("/api/admin/run-source"))
        .header("origin", app.origin())
        .form(&[("source", "mailchimp")])
        .send()
        .await
        .expect("run now");
    assert_eq!(started.status(), 200);
    let why = "Mailchimp is not connected and no Mailchimp files are waiting: connect it on the Admin \
               page or upload an export";

    let (run_id, status, note) = loop {
        if let LiveEvent::RunFinished { run_id, status, note } = next(&mut socket).await.event {
            break (run_id, status, note);
        }
    };
    assert_eq!(status, "nothing_to_do");
    assert_eq!(note.as_deref(), Some(why));

    let runs: serde_json::Value = app.server_fn(&admin, "/api/admin/runs").await.json().await.expect("json");
    assert_eq!(runs[0]["id"], run_id);
    assert_eq!(runs[0]["status"], "nothing_to_do");
    assert_eq!(runs[0]["note"], why);

    let page = app.get(&admin, &format!("/admin/runs/{run_id}")).await.text().await.expect("page");
    assert!(page.contains(">nothing to do<"), "{page}");
    assert!(page.contains(&format!("Nothing was done: {why}.")), "{page}");
    assert!(!page.contains(">succeeded<"), "{page}");
    let admin_page = app.get(&admin, "/admin").await.text().await.expect("admin page");
    assert!(admin_page.contains(&format!("Nothing to do: {why}")), "the sources table says why");
}
