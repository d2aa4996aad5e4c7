//! The live-update hub: ETL progress and data changes, numbered and fanned out to every open
//! WebSocket.
//!
//! Publishing never waits for a client: each connection reads from a bounded broadcast channel
//! and a client that falls behind is told so (and dropped by the socket handler). Durable events
//! are kept in a ring so a client that reconnects catches up on what it missed.

use std::{
    collections::{HashMap, HashSet, VecDeque},
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use model::{LiveEvent, LiveMessage, RunFileResult, SourceId};
use tokio::sync::broadcast;

use crate::etl::{FileReport, Progress, ProgressEvent, RunKind};

/// Durable events kept for clients that reconnect.
const REPLAY_CAPACITY: usize = 512;
/// Messages a connection may fall behind before it is dropped.
const CHANNEL_CAPACITY: usize = 256;
/// Progress of one file is sent at most this often.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(250);

#[derive(Clone)]
pub struct LiveHub {
    inner: Arc<Inner>,
}

struct Inner {
    /// Changes on every start, so a client can tell a restarted server (whose numbers restarted).
    boot: String,
    tx: broadcast::Sender<Arc<LiveMessage>>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    seq: u64,
    ring: VecDeque<Arc<LiveMessage>>,
    runs: HashMap<i64, RunState>,
}

struct RunState {
    kind: RunKind,
    changed: HashSet<SourceId>,
    any_change: bool,
    last_progress: Option<Instant>,
}

/// What a new connection gets: its first message, what it missed, and its feed.
pub struct Subscription {
    pub hello: LiveMessage,
    pub replay: Vec<Arc<LiveMessage>>,
    pub feed: broadcast::Receiver<Arc<LiveMessage>>,
}

impl Default for LiveHub {
    fn default() -> Self {
        Self::new()
    }
}

impl LiveHub {
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(CHANNEL_CAPACITY);
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let boot = format!("{:x}-{:x}", nanos, std::process::id());
        Self { inner: Arc::new(Inner { boot, tx, state: Mutex::new(State::default()) }) }
    }

    pub fn boot(&self) -> &str {
        &self.inner.boot
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Numbers `event` and sends it to every connection.
    pub fn publish(&self, event: LiveEvent) {
        let mut state = self.state();
        self.publish_locked(&mut state, event);
    }

    fn publish_locked(&self, state: &mut State, event: LiveEvent) {
        let durable = event.durable();
        if durable {
            state.seq += 1;
        }
        let message = Arc::new(LiveMessage { seq: state.seq, event });
        if durable {
            if state.ring.len() == REPLAY_CAPACITY {
                state.ring.pop_front();
            }
            state.ring.push_back(Arc::clone(&message));
        }
        // No receivers is not an error: nobody is watching.
        let _ = self.inner.tx.send(message);
    }

    /// Registers a connection that last saw `since` (`(boot, seq)`) or nothing.
    pub fn subscribe(&self, since: Option<(&str, u64)>) -> Subscription {
        // Under the lock, so nothing is published between the replay and the feed.
        let state = self.state();
        let feed = self.inner.tx.subscribe();
        let oldest = state.ring.front().map_or(state.seq + 1, |m| m.seq);
        let (replay, resync) = match since {
            None => (Vec::new(), false),
            Some((boot, seq)) if boot == self.inner.boot && seq <= state.seq && seq + 1 >= oldest => {
                (state.ring.iter().filter(|m| m.seq > seq).cloned().collect(), false)
            }
            Some(_) => (Vec::new(), true),
        };
        let hello =
            LiveMessage { seq: state.seq, event: LiveEvent::Hello { boot: self.inner.boot.clone(), resync } };
        Subscription { hello, replay, feed }
    }

    fn on_progress(&self, event: &ProgressEvent) {
        let mut state = self.state();
        match event {
            ProgressEvent::RunStarted { run_id, files, trigger, kind, source } => {
                state.runs.insert(
                    *run_id,
                    RunState { kind: *kind, changed: HashSet::new(), any_change: false, last_progress: None },
                );
                let event = LiveEvent::RunStarted {
                    run_id: *run_id,
                    trigger: trigger.as_str().into(),
                    kind: kind.as_str().into(),
                    source: *source,
                    files: *files as u64,
                };
                self.publish_locked(&mut state, event);
            }
            ProgressEvent::FileStarted { run_id, index, total, name, size_bytes } => {
                let event = LiveEvent::FileStarted {
                    run_id: *run_id,
                    index: *index as u64,
                    total: *total as u64,
                    name: name.clone(),
                    size_bytes: *size_bytes,
                };
                self.publish_locked(&mut state, event);
            }
            ProgressEvent::FileProgress { run_id, bytes_read, size_bytes, rows } => {
                let now = Instant::now();
                if let Some(run) = state.runs.get_mut(run_id) {
                    if run.last_progress.is_some_and(|t| now.duration_since(t) < PROGRESS_INTERVAL) {
                        return;
                    }
                    run.last_progress = Some(now);
                }
                let event = LiveEvent::FileProgress {
                    run_id: *run_id,
                    bytes_read: *bytes_read,
                    size_bytes: *size_bytes,
                    rows: *rows,
                };
                self.publish_locked(&mut state, event);
            }
            ProgressEvent::FileFinished { run_id, report } => {
                let file = file_result(report);
                self.publish_locked(&mut state, LiveEvent::FileFinished { run_id: *run_id, file });
                // Each file commits on its own (a rebuild commits once, at the end).
                let loaded = report.outcome == crate::etl::Outcome::Loaded;
                let run = state.runs.get_mut(run_id);
                let rebuild = run.as_ref().is_some_and(|r| r.kind == RunKind::Rebuild);
                if loaded && !rebuild {
                    if let Some(run) = run {
                        run.any_change = true;
                        run.changed.extend(report.source.and_then(|f| f.source()));
                    }
                    let sources = report.source.and_then(|f| f.source()).into_iter().collect();
                    self.publish_locked(
                        &mut state,
                        LiveEvent::DataChanged { run_id: *run_id, sources, at_ms: now_ms() },
                    );
                }
            }
            ProgressEvent::Changed { sources } => {
                let event = LiveEvent::DataChanged { run_id: 0, sources: sources.clone(), at_ms: now_ms() };
                self.publish_locked(&mut state, event);
            }
            ProgressEvent::RunFinished { run_id, status, note } => {
                let run = state.runs.remove(run_id);
                self.publish_locked(
                    &mut state,
                    LiveEvent::RunFinished {
                        run_id: *run_id,
                        status: (*status).to_string(),
                        note: note.clone(),
                    },
                );
                let rebuilt = run.is_some_and(|r| r.kind == RunKind::Rebuild && !r.any_change);
                if rebuilt && *status == "succeeded" {
                    // Everything may have changed.
                    self.publish_locked(
                        &mut state,
                        LiveEvent::DataChanged { run_id: *run_id, sources: Vec::new(), at_ms: now_ms() },
                    );
                }
            }
        }
    }
}

impl Progress for LiveHub {
    fn event(&self, event: &ProgressEvent) {
        self.on_progress(event);
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

pub fn file_result(report: &FileReport) -> RunFileResult {
    let count = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    RunFileResult {
        name: report.name.clone(),
        source: report.source.map(|s| s.as_str().to_string()),
        outcome: report.outcome.as_str().to_string(),
        rows_read: count(report.rows_read),
        rows_loaded: count(report.rows_loaded),
        rows_rejected: count(report.rows_rejected),
        rows_skipped: count(report.rows_skipped),
        message: report.message.clone(),
        // Its run-file id is known once the run has recorded it; the run's page has it.
        kept_file: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changed(hub: &LiveHub, run_id: i64) {
        hub.publish(LiveEvent::DataChanged { run_id, sources: vec![], at_ms: 0 });
    }

    #[test]
    fn reconnecting_clients_get_what_they_missed_or_a_resync() {
        let hub = LiveHub::new();
        changed(&hub, 1);
        changed(&hub, 2);
        hub.publish(LiveEvent::FileProgress { run_id: 2, bytes_read: 1, size_bytes: 2, rows: 3 });
        changed(&hub, 3);

        let sub = hub.subscribe(Some((hub.boot(), 1)));
        assert_eq!(sub.hello.seq, 3);
        assert!(matches!(sub.hello.event, LiveEvent::Hello { resync: false, .. }));
        let seqs: Vec<u64> = sub.replay.iter().map(|m| m.seq).collect();
        assert_eq!(seqs, [2, 3], "progress is not replayed");

        let restarted = hub.subscribe(Some(("another-boot", 1)));
        assert!(matches!(restarted.hello.event, LiveEvent::Hello { resync: true, .. }));
        let ahead = hub.subscribe(Some((hub.boot(), 99)));
        assert!(matches!(ahead.hello.event, LiveEvent::Hello { resync: true, .. }));
    }

    #[test]
    fn a_client_too_far_behind_must_resync() {
        let hub = LiveHub::new();
        for run in 0..(REPLAY_CAPACITY as i64 + 10) {
            changed(&hub, run);
        }
        let sub = hub.subscribe(Some((hub.boot(), 1)));
        assert!(matches!(sub.hello.event, LiveEvent::Hello { resync: true, .. }));
        let recent = hub.subscribe(Some((hub.boot(), 20)));
        assert!(matches!(recent.hello.event, LiveEvent::Hello { resync: false, .. }));
        assert_eq!(recent.replay.len(), REPLAY_CAPACITY - 10);
    }

    #[tokio::test]
    async fn subscribers_receive_published_events() {
        let hub = LiveHub::new();
        let mut sub = hub.subscribe(None);
        changed(&hub, 5);
        let got = sub.feed.recv().await.expect("message");
        assert_eq!(got.seq, 1);
        assert_eq!(got.event, LiveEvent::DataChanged { run_id: 5, sources: vec![], at_ms: 0 });
    }
}
