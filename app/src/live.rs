//! The browser's end of the live-update WebSocket (`/live`).
//!
//! The layout opens one connection per page and shares what arrives through [`Live`]: the
//! connection's state (for the indicator), a data version that bumps whenever the warehouse
//! changed (resources that read it refetch), and the latest run events (for the admin page).
//! The connection beats every 15 s; after 45 s of silence it is replaced. Lost connections come
//! back with growing delays (1 s doubling to 30 s, with jitter) and resume from the last message
//! seen, so nothing is missed; when the server cannot replay, the data version bumps and every
//! view reloads.

use leptos::prelude::*;
use model::{LiveEvent, LiveMessage};

/// Run events kept for the admin page.
const KEPT_EVENTS: usize = 300;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveStatus {
    Connecting,
    Live,
    Reconnecting,
}

#[derive(Clone, Copy)]
pub struct Live {
    pub status: RwSignal<LiveStatus>,
    /// Bumps when the warehouse changed: read it in a resource's source to follow the data.
    pub data_version: RwSignal<u64>,
    /// The latest run events (oldest first), for progress displays.
    pub events: RwSignal<Vec<LiveMessage>>,
}

impl Live {
    fn new() -> Self {
        Self {
            status: RwSignal::new(LiveStatus::Connecting),
            data_version: RwSignal::new(0),
            events: RwSignal::new(Vec::new()),
        }
    }

    /// What a message changes on the page.
    pub fn receive(&self, message: LiveMessage) {
        match &message.event {
            LiveEvent::Hello { resync, .. } => {
                self.status.set(LiveStatus::Live);
                if *resync {
                    self.data_version.update(|v| *v += 1);
                }
            }
            LiveEvent::Heartbeat => {}
            LiveEvent::DataChanged { .. } => self.data_version.update(|v| *v += 1),
            _ => self.events.update(|events| {
                // Only the latest progress of a file matters.
                if let (LiveEvent::FileProgress { run_id, .. }, Some(last)) = (&message.event, events.last())
                    && matches!(&last.event, LiveEvent::FileProgress { run_id: r, .. } if r == run_id)
                {
                    events.pop();
                }
                events.push(message);
                if events.len() > KEPT_EVENTS {
                    events.drain(..events.len() - KEPT_EVENTS);
                }
            }),
        }
    }
}

/// The page's live connection (provided by the layout; a fresh, unconnected one elsewhere).
pub fn use_live() -> Live {
    use_context::<Live>().unwrap_or_else(Live::new)
}

/// Provides [`Live`] to the page and, in the browser, connects.
pub fn provide_live() -> Live {
    let live = Live::new();
    provide_context(live);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| client::start(live));
    live
}

/// The header's dot: whether updates arrive live.
#[component]
pub fn LiveIndicator() -> impl IntoView {
    let live = use_live();
    let state = move || match live.status.get() {
        LiveStatus::Connecting => ("connecting", "Connecting…", "Connecting to live updates"),
        LiveStatus::Live => ("live", "Live", "Live: figures update as data arrives"),
        LiveStatus::Reconnecting => ("reconnecting", "Reconnecting…", "Live updates lost; reconnecting"),
    };
    view! {
        <span
            class="live-indicator"
            data-testid="live-indicator"
            data-state=move || state().0
            title=move || state().2
            role="status"
        >
            <span class="live-dot" aria-hidden="true"></span>
            {move || state().1}
        </span>
    }
}

#[cfg(feature = "hydrate")]
mod client {
    use std::{cell::RefCell, rc::Rc};

    use leptos::prelude::*;
    use model::{LiveEvent, LiveMessage};
    use wasm_bindgen::{JsCast, closure::Closure};
    use web_sys::{CloseEvent, MessageEvent, WebSocket};

    use super::{Live, LiveStatus};

    const SILENCE_MS: f64 = 45_000.0;
    /// The server's close code for a user who was signed out, disabled or changed role.
    const SIGNED_OUT: u16 = 4001;

    #[derive(Default)]
    struct Conn {
        boot: Option<String>,
        seq: u64,
        failures: u32,
        last_heard: f64,
        socket: Option<WebSocket>,
    }

    pub fn start(live: Live) {
        let conn = Rc::new(RefCell::new(Conn::default()));
        connect(Rc::clone(&conn), live);
        // Watchdog: a connection that went silent is replaced.
        let watched = Rc::clone(&conn);
        let check = Closure::<dyn FnMut()>::new(move || {
            let c = watched.borrow();
            if let Some(socket) = &c.socket
                && socket.ready_state() == WebSocket::OPEN
                && js_sys::Date::now() - c.last_heard > SILENCE_MS
            {
                let _ = socket.close();
            }
        });
        let _ = window()
            .set_interval_with_callback_and_timeout_and_arguments_0(check.as_ref().unchecked_ref(), 5_000);
        check.forget();
    }

    fn url(conn: &Conn) -> Option<String> {
        let location = window().location();
        let scheme = if location.protocol().ok()? == "https:" { "wss" } else { "ws" };
        let host = location.host().ok()?;
        let resume = match &conn.boot {
            Some(boot) => format!("?since={}&boot={}", conn.seq, js_sys::encode_uri_component(boot)),
            None => String::new(),
        };
        Some(format!("{scheme}://{host}/live{resume}"))
    }

    fn connect(conn: Rc<RefCell<Conn>>, live: Live) {
        let Some(address) = url(&conn.borrow()) else { return };
        let Ok(socket) = WebSocket::new(&address) else {
            retry_later(conn, live);
            return;
        };
        let on_message = {
            let conn = Rc::clone(&conn);
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let Some(text) = event.data().as_string() else { return };
                let Ok(message) = serde_json::from_str::<LiveMessage>(&text) else { return };
                {
                    let mut c = conn.borrow_mut();
                    c.last_heard = js_sys::Date::now();
                    c.failures = 0;
                    if let LiveEvent::Hello { boot, .. } = &message.event {
                        c.boot = Some(boot.clone());
                    }
                    c.seq = c.seq.max(message.seq);
                    if matches!(message.event, LiveEvent::Hello { .. }) {
                        c.seq = message.seq;
                    }
                }
                live.receive(message);
            })
        };
        let on_close = {
            let conn = Rc::clone(&conn);
            Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
                if event.code() == SIGNED_OUT {
                    // Signed out, disabled or given another role: a reload signs in again or
                    // shows what the new role may see.
                    let _ = window().location().reload();
                    return;
                }
                conn.borrow_mut().socket = None;
                live.status.set(LiveStatus::Reconnecting);
                retry_later(Rc::clone(&conn), live);
            })
        };
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        on_message.forget();
        on_close.forget();
        let mut c = conn.borrow_mut();
        c.last_heard = js_sys::Date::now();
        c.socket = Some(socket);
    }

    fn retry_later(conn: Rc<RefCell<Conn>>, live: Live) {
        let failures = {
            let mut c = conn.borrow_mut();
            c.failures = c.failures.saturating_add(1);
            c.failures
        };
        let base = (1_000.0 * 2f64.powi(failures.min(5) as i32 - 1)).min(30_000.0);
        let delay = base * (0.75 + 0.5 * js_sys::Math::random());
        let again = Closure::once_into_js(move || connect(conn, live));
        let _ = window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(again.unchecked_ref(), delay as i32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_changes_and_resyncs_bump_the_version_and_progress_is_coalesced() {
        let owner = Owner::new();
        owner.set();
        let live = Live::new();
        let msg = |seq, event| LiveMessage { seq, event };
        live.receive(msg(0, LiveEvent::Hello { boot: "b".into(), resync: false }));
        assert_eq!(live.status.get_untracked(), LiveStatus::Live);
        assert_eq!(live.data_version.get_untracked(), 0);
        live.receive(msg(1, LiveEvent::DataChanged { run_id: 1, sources: vec![], at_ms: 0 }));
        assert_eq!(live.data_version.get_untracked(), 1);
        live.receive(msg(1, LiveEvent::Hello { boot: "c".into(), resync: true }));
        assert_eq!(live.data_version.get_untracked(), 2);

        live.receive(msg(
            2,
            LiveEvent::RunStarted {
                run_id: 4,
                trigger: "admin".into(),
                kind: "etl".into(),
                source: None,
                files: 1,
            },
        ));
        for rows in [10, 20, 30] {
            live.receive(msg(
                2,
                LiveEvent::FileProgress { run_id: 4, bytes_read: rows, size_bytes: 100, rows },
            ));
        }
        let events = live.events.get_untracked();
        assert_eq!(events.len(), 2, "one progress line per file");
        assert!(matches!(events[1].event, LiveEvent::FileProgress { rows: 30, .. }));
    }
}
