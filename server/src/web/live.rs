//! `GET /live`: the live-update WebSocket for signed-in users.
//!
//! Viewers get data changes; admins also get run progress. Each connection reads the hub's
//! broadcast on its own, so a slow client only ever delays itself: when it falls too far behind
//! it is dropped and, on reconnecting, catches up from the hub's replay (or reloads).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use axum::{
    extract::{
        Query, State,
        ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade},
    },
    http::StatusCode,
    response::{IntoResponse, Response},
};
use engine::{
    auth::{self, UserStore},
    live::LiveHub,
};
use model::{LiveEvent, LiveMessage, Role};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use tower_sessions::{Session, SessionStore as _, session::Id};
use tower_sessions_sqlx_store::SqliteStore;

use super::AppState;
use crate::config::LiveLimits;

/// A write that takes longer than this means the client stopped reading.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Close code of a connection dropped for falling behind (the client reconnects and catches up).
const CLOSE_TOO_SLOW: u16 = 4000;
/// Close code of a connection whose session ended, or whose user was disabled or given another role (the
/// browser then reloads the page; see `app/src/live.rs`).
const CLOSE_SIGNED_OUT: u16 = 4001;

/// Who is listening, as when the connection opened.
struct Listener {
    users: UserStore,
    id: i64,
    role: Role,
    session_epoch: i64,
    /// The session that opened the connection, and where it is kept.
    session: Option<Id>,
    sessions: SqliteStore,
}

impl Listener {
    fn admin(&self) -> bool {
        self.role.allows(Role::Admin)
    }

    /// Whether the user may still hear what this connection was opened for: their session still
    /// open (not signed out, not expired), not disabled, same role, sessions not ended (password
    /// reset). Checked at each heartbeat.
    async fn still_allowed(&self) -> bool {
        let Some(id) = &self.session else {
            return false;
        };
        match self.sessions.load(id).await {
            Ok(Some(_)) => {}
            Ok(None) => return false,
            Err(err) => tracing::warn!(error = %err, "live: cannot re-read the session"),
        }
        match self.users.by_id(self.id).await {
            Ok(Some(u)) => !u.disabled && u.role == self.role && u.session_epoch == self.session_epoch,
            Ok(None) => false,
            // A database hiccup is not the user's fault: keep the connection until the next beat.
            Err(err) => {
                tracing::warn!(error = %err, "live: cannot re-check the user");
                true
            }
        }
    }
}

/// Open connections per user and in total.
#[derive(Default)]
pub struct Connections {
    counts: Mutex<(usize, HashMap<i64, usize>)>,
}

/// One counted connection; dropping it frees the place.
pub struct Place {
    connections: Arc<Connections>,
    user: i64,
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut counts = self.connections.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.0 = counts.0.saturating_sub(1);
        if let Some(n) = counts.1.get_mut(&self.user) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.1.remove(&self.user);
            }
        }
    }
}

impl Connections {
    fn take(self: &Arc<Self>, user: i64, limits: LiveLimits) -> Result<Place, &'static str> {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if counts.0 >= limits.max_connections {
            return Err("the server has as many live connections as it allows");
        }
        let mine = counts.1.entry(user).or_default();
        if *mine >= limits.max_per_user {
            return Err("you have as many live connections open as allowed: close a tab");
        }
        *mine += 1;
        counts.0 += 1;
        Ok(Place { connections: Arc::clone(self), user })
    }
}

#[derive(Debug, Deserialize)]
pub struct Resume {
    /// The last `seq` the client saw, with the `boot` id of the server that sent it.
    since: Option<u64>,
    boot: Option<String>,
}

pub async fn connect(
    State(state): State<AppState>,
    session: Session,
    Query(resume): Query<Resume>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let user = match auth::current_user(&session, &UserStore::new(&state.db)).await {
        Ok(Some(user)) => user,
        Ok(None) => return (StatusCode::UNAUTHORIZED, "not signed in: sign in again").into_response(),
        Err(err) => {
            tracing::error!(error = %err, "live: cannot read the session");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let place = match state.live_connections.take(user.id, state.live_limits) {
        Ok(place) => place,
        Err(reason) => {
            tracing::warn!(user = %user.name, reason, "live connection refused");
            return (StatusCode::TOO_MANY_REQUESTS, reason).into_response();
        }
    };
    let hub = state.hub.clone();
    let heartbeat = state.live_limits.heartbeat;
    let listener = Listener {
        users: UserStore::new(&state.db),
        id: user.id,
        role: user.role,
        session_epoch: user.session_epoch,
        session: session.id(),
        sessions: state.sessions.clone(),
    };
    // Clients only ever send pongs and closes: small buffers keep a thousand connections light.
    let upgrade = upgrade.read_buffer_size(4 * 1024).write_buffer_size(8 * 1024).max_message_size(64 * 1024);
    upgrade.on_upgrade(move |socket| async move {
        let since = match (resume.boot.as_deref(), resume.since) {
            (Some(boot), Some(seq)) => Some((boot, seq)),
            _ => None,
        };
        serve(socket, &hub, since, &listener, heartbeat).await;
        drop(place);
    })
}

#[tracing::instrument(skip_all, fields(user = listener.id))]
async fn serve(
    mut socket: WebSocket,
    hub: &LiveHub,
    since: Option<(&str, u64)>,
    listener: &Listener,
    heartbeat: Duration,
) {
    let admin = listener.admin();
    let mut sub = hub.subscribe(since);
    let mut last_seq = sub.hello.seq;
    if send(&mut socket, &sub.hello).await.is_err() {
        return;
    }
    for message in sub.replay.drain(..) {
        if (admin || !message.event.admin_only()) && send(&mut socket, &message).await.is_err() {
            return;
        }
        last_seq = last_seq.max(message.seq);
    }
    let mut beat = tokio::time::interval(heartbeat);
    beat.tick().await;
    let mut heard = Instant::now();
    loop {
        tokio::select! {
            received = sub.feed.recv() => match received {
                Ok(message) => {
                    last_seq = message.seq;
                    if (admin || !message.event.admin_only()) && send(&mut socket, &message).await.is_err() {
                        return;
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "live client too slow: dropped");
                    let frame = CloseFrame { code: CLOSE_TOO_SLOW, reason: Utf8Bytes::from_static("too slow: reconnect") };
                    let _ = tokio::time::timeout(SEND_TIMEOUT, socket.send(Message::Close(Some(frame)))).await;
                    return;
                }
                Err(RecvError::Closed) => return,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                // Pongs, and anything else the client says, show it is there.
                Some(Ok(_)) => heard = Instant::now(),
            },
            _ = beat.tick() => {
                if heard.elapsed() > heartbeat * 3 {
                    tracing::info!("live client silent for three heartbeats: dropped");
                    return;
                }
                if !listener.still_allowed().await {
                    tracing::info!("live client's user was signed out, disabled or changed role: closed");
                    let frame = CloseFrame { code: CLOSE_SIGNED_OUT, reason: Utf8Bytes::from_static("signed out: reconnect") };
                    let _ = tokio::time::timeout(SEND_TIMEOUT, socket.send(Message::Close(Some(frame)))).await;
                    return;
                }
                let message = LiveMessage { seq: last_seq, event: LiveEvent::Heartbeat };
                if send(&mut socket, &message).await.is_err()
                    || socket.send(Message::Ping(Default::default())).await.is_err()
                {
                    return;
                }
            }
        }
    }
}

async fn send(socket: &mut WebSocket, message: &LiveMessage) -> Result<(), ()> {
    let text =
        serde_json::to_string(message).map_err(|err| tracing::error!(error = %err, "live: cannot encode"))?;
    match tokio::time::timeout(SEND_TIMEOUT, socket.send(Message::Text(text.into()))).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(()),
        Err(_) => {
            tracing::warn!("live client stopped reading: dropped");
            Err(())
        }
    }
}
