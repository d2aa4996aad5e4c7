//! Follows the stored schedules: starts each enabled source's run when its cron time comes.
//!
//! A slot that comes while the previous run of the same source still goes is skipped (runs of one
//! source never overlap). A run that fails is retried with growing delays, then waits for its
//! next slot. Slots missed while the server was down are not made up; files a crash left in
//! landing are processed at start-up instead.

use std::{collections::HashMap, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use model::SourceId;
use tokio::{sync::Notify, task::JoinHandle};

use super::{JobError, ScheduleError, ScheduleStore, SourceJobs};
use crate::{
    etl::{RunReport, Trigger},
    time::Tz,
};

/// How a failed scheduled run is retried.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: u32,
    /// The first delay; each next one is four times longer.
    pub first_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        // 1, 4 and 16 minutes: long enough for a full disk or a locked database to clear.
        Self { retries: 3, first_delay: Duration::from_secs(60) }
    }
}

impl RetryPolicy {
    pub fn delay(&self, retry: u32) -> Duration {
        self.first_delay.saturating_mul(4u32.saturating_pow(retry))
    }
}

pub struct Scheduler {
    jobs: Arc<SourceJobs>,
    store: ScheduleStore,
    retry: RetryPolicy,
    /// The time zone whose wall clock the schedules follow.
    zone: Tz,
    changed: Notify,
    /// Each enabled source's next slot, with the expression it was computed from.
    next: tokio::sync::Mutex<HashMap<SourceId, (String, DateTime<Utc>)>>,
}

/// A run the scheduler started; its task ends after the last retry.
pub type Started = (SourceId, JoinHandle<Option<RunReport>>);

impl Scheduler {
    /// A scheduler that reads the schedules as wall-clock times of `zone`.
    pub fn new(jobs: Arc<SourceJobs>, store: ScheduleStore, retry: RetryPolicy, zone: Tz) -> Arc<Self> {
        Arc::new(Self { jobs, store, retry, zone, changed: Notify::new(), next: Default::default() })
    }

    /// The time zone the schedules run in.
    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// Wakes the scheduler after an admin changed a schedule.
    pub fn schedules_changed(&self) {
        self.changed.notify_one();
    }

    /// Starts the runs due at `now`. Returns them and when the next slot comes.
    pub async fn tick(
        self: &Arc<Self>,
        now: DateTime<Utc>,
    ) -> Result<(Vec<Started>, Option<DateTime<Utc>>), ScheduleError> {
        let schedules = self.store.list().await?;
        let mut next = self.next.lock().await;
        next.retain(|source, _| {
            schedules.iter().any(|s| s.source == *source && s.enabled && !s.needs_reconnect)
        });
        let mut started = Vec::new();
        for schedule in schedules.iter().filter(|s| s.enabled && !s.needs_reconnect) {
            let text = schedule.cron.to_string();
            let due = match next.get(&schedule.source) {
                // A new or changed schedule counts from now: it does not run at once.
                Some((known, at)) if *known == text => *at,
                _ => match schedule.cron.next_after(now, self.zone) {
                    Some(at) => at,
                    None => continue,
                },
            };
            let following = if due <= now {
                if self.jobs.is_running(schedule.source) {
                    tracing::warn!(source = %schedule.source, "previous run still going: slot skipped");
                } else {
                    started.push((schedule.source, self.spawn_run(schedule.source)));
                }
                schedule.cron.next_after(now, self.zone)
            } else {
                Some(due)
            };
            match following {
                Some(at) => next.insert(schedule.source, (text, at)),
                None => next.remove(&schedule.source),
            };
        }
        Ok((started, next.values().map(|(_, at)| *at).min()))
    }

    fn spawn_run(self: &Arc<Self>, source: SourceId) -> JoinHandle<Option<RunReport>> {
        let this = Arc::clone(self);
        tokio::spawn(async move {
            let mut retry = 0;
            loop {
                match this.jobs.run(source, Trigger::Schedule).await {
                    Ok(report) => return Some(report),
                    Err(JobError::AlreadyRunning(_) | JobError::NotConnected(_)) => return None,
                    Err(JobError::Etl(err)) if retry < this.retry.retries => {
                        let wait = this.retry.delay(retry);
                        tracing::warn!(%source, error = %err, retry = retry + 1, ?wait, "scheduled run failed; retrying");
                        tokio::time::sleep(wait).await;
                        retry += 1;
                    }
                    Err(JobError::Etl(err)) => {
                        tracing::error!(%source, error = %err, "scheduled run failed; waiting for the next slot");
                        return None;
                    }
                }
            }
        })
    }

    /// Follows the schedules until the task is aborted. First processes what a crash left in
    /// landing.
    pub fn spawn(self: Arc<Self>) -> JoinHandle<()> {
        tokio::spawn(async move {
            match self.jobs.run_waiting(Trigger::Schedule).await {
                Ok(Some(report)) => {
                    tracing::info!(run = report.run_id, "files left in landing were processed")
                }
                Ok(None) => {}
                Err(err) => tracing::error!(error = %err, "could not process the files left in landing"),
            }
            loop {
                let wake = match self.tick(Utc::now()).await {
                    Ok((_, next)) => next,
                    Err(err) => {
                        tracing::error!(error = %err, "cannot read the schedules");
                        None
                    }
                };
                // Wake at the next slot, after a schedule change, or at least every minute (a
                // changed system clock is noticed).
                let sleep = wake
                    .and_then(|at| (at - Utc::now()).to_std().ok())
                    .unwrap_or(Duration::ZERO)
                    .min(Duration::from_secs(60));
                tokio::select! {
                    () = tokio::time::sleep(sleep) => {}
                    () = self.changed.notified() => {}
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;

    use super::*;
    use crate::{
        Database,
        etl::{Etl, Quiet},
    };

    fn at(s: &str) -> DateTime<Utc> {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time").and_utc()
    }

    #[test]
    fn retry_delays_grow() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(0), Duration::from_secs(60));
        assert_eq!(p.delay(1), Duration::from_secs(240));
        assert_eq!(p.delay(2), Duration::from_secs(960));
    }

    #[tokio::test]
    async fn runs_come_at_their_slots_and_never_overlap() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Database::open(&dir.path().join("t.db")).await.expect("open");
        let store = ScheduleStore::new(db.pool().clone());
        for s in SourceId::ALL {
            store.set(s, "0 5 * * *", s == SourceId::Distrokid, "test").await.expect("set");
        }
        let etl = Etl::open(db.clone(), dir.path()).await.expect("etl");
        let jobs = SourceJobs::new(etl, Arc::new(Quiet));
        let scheduler = Scheduler::new(Arc::clone(&jobs), store.clone(), RetryPolicy::default(), Tz::UTC);

        // First sight: nothing runs, the next slot is 05:00.
        let (started, next) = scheduler.tick(at("2026-11-26 04:00")).await.expect("tick");
        assert!(started.is_empty());
        assert_eq!(next, Some(at("2026-11-26 05:00")));

        let (started, next) = scheduler.tick(at("2026-11-26 05:00")).await.expect("tick");
        assert_eq!(started.len(), 1);
        assert_eq!(next, Some(at("2026-11-27 05:00")));
        for (source, handle) in started {
            assert_eq!(source, SourceId::Distrokid);
            let report = handle.await.expect("join").expect("ran");
            // Nothing waits in landing: the run says so rather than "succeeded".
            assert_eq!(report.status, "nothing_to_do");
        }
        let trigger: String = sqlx::query_scalar("SELECT trigger FROM runs ORDER BY id DESC LIMIT 1")
            .fetch_one(db.pool())
            .await
            .expect("run row");
        assert_eq!(trigger, "schedule");

        // The next slot comes while a run of the source is still going: it is skipped.
        let claim = jobs.try_claim(SourceId::Distrokid).expect("free");
        let (started, next) = scheduler.tick(at("2026-11-27 05:00")).await.expect("tick");
        assert!(started.is_empty());
        assert_eq!(next, Some(at("2026-11-28 05:00")));
        drop(claim);

        // Disabled: no more slots.
        store.set(SourceId::Distrokid, "0 5 * * *", false, "test").await.expect("disable");
        let (started, next) = scheduler.tick(at("2026-11-28 05:00")).await.expect("tick");
        assert!(started.is_empty());
        assert_eq!(next, None);
    }

    /// Schedules are wall-clock times of the server's zone: a daily 05:00 in Europe/Berlin comes
    /// at 04:00 UTC in winter and at 03:00 UTC in summer.
    #[tokio::test]
    async fn slots_follow_the_zones_wall_clock() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Database::open(&dir.path().join("t.db")).await.expect("open");
        let store = ScheduleStore::new(db.pool().clone());
        for s in SourceId::ALL {
            store.set(s, "0 5 * * *", s == SourceId::Distrokid, "test").await.expect("set");
        }
        let etl = Etl::open(db.clone(), dir.path()).await.expect("etl");
        let jobs = SourceJobs::new(etl, Arc::new(Quiet));
        let scheduler = Scheduler::new(jobs, store, RetryPolicy::default(), Tz::Europe__Berlin);
        assert_eq!(scheduler.zone(), Tz::Europe__Berlin);

        let (started, next) = scheduler.tick(at("2026-03-28 02:00")).await.expect("tick");
        assert!(started.is_empty());
        assert_eq!(next, Some(at("2026-03-28 04:00")), "05:00 CET");
        let (started, next) = scheduler.tick(at("2026-03-28 04:00")).await.expect("tick");
        assert_eq!(started.len(), 1);
        assert_eq!(next, Some(at("2026-03-29 03:00")), "05:00 CEST, the night the clocks went forward");
        for (_, handle) in started {
            handle.await.expect("join");
        }
    }
}
