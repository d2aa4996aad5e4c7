//! Running one source's ETL, never twice at once: the scheduler, "Run now" and "Run all" all come
//! through here.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex, PoisonError},
};

use model::SourceId;

use crate::{
    etl::{Etl, EtlError, FileReport, Outcome, Progress, ProgressEvent, RunReport, Trigger},
    pull::{Landing, PullError, Pulls, Window, connect_method},
    time::Clock,
};

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("{0} is already running; this run was skipped")]
    AlreadyRunning(SourceId),
    #[error(transparent)]
    Etl(#[from] EtlError),
    #[error("{0} has no API connection")]
    NotConnected(SourceId),
}

pub struct SourceJobs {
    etl: Etl,
    progress: Arc<dyn Progress>,
    running: Mutex<HashSet<SourceId>>,
    pulls: Option<(Pulls, Clock)>,
}

/// Holds a source as running; dropping it frees the source.
pub struct Claim<'a> {
    jobs: &'a SourceJobs,
    source: SourceId,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        self.jobs.running.lock().unwrap_or_else(PoisonError::into_inner).remove(&self.source);
    }
}

impl SourceJobs {
    pub fn new(etl: Etl, progress: Arc<dyn Progress>) -> Arc<Self> {
        Arc::new(Self { etl, progress, running: Mutex::new(HashSet::new()), pulls: None })
    }

    /// Jobs that pull connected API sources before processing their landing files.
    pub fn with_pulls(etl: Etl, progress: Arc<dyn Progress>, pulls: Pulls, clock: Clock) -> Arc<Self> {
        Arc::new(Self { etl, progress, running: Mutex::new(HashSet::new()), pulls: Some((pulls, clock)) })
    }

    pub fn pulls(&self) -> Option<&Pulls> {
        self.pulls.as_ref().map(|(p, _)| p)
    }

    pub fn etl(&self) -> &Etl {
        &self.etl
    }

    /// Tells live pages that the warehouse changed outside a run.
    pub fn changed(&self, sources: Vec<SourceId>) {
        self.progress.event(&ProgressEvent::Changed { sources });
    }

    /// Processes files another process handed over into landing (a command-line import beside
    /// this server), when there are any; reported like any run.
    pub async fn run_handed_over(&self) -> Result<Option<RunReport>, JobError> {
        if !self.etl.has_handed_over_files().await? {
            return Ok(None);
        }
        Ok(self.etl.run_handed_over(Trigger::Cli, &*self.progress).await?)
    }

    pub fn is_running(&self, source: SourceId) -> bool {
        self.running.lock().unwrap_or_else(PoisonError::into_inner).contains(&source)
    }

    /// Marks `source` running, unless it already is.
    pub fn try_claim(&self, source: SourceId) -> Option<Claim<'_>> {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        // Lazily: a Claim built and dropped here would lock `running` again.
        running.insert(source).then(|| Claim { jobs: self, source })
    }

    /// Runs one source now: a connected API source pulls its next window into landing first;
    /// then what waits for the source in landing is processed. A failed pull is reported in the
    /// run like a rejected file, and the files that were waiting still load.
    #[tracing::instrument(skip(self))]
    pub async fn run(&self, source: SourceId, trigger: Trigger) -> Result<RunReport, JobError> {
        let _claim = self.try_claim(source).ok_or(JobError::AlreadyRunning(source))?;
        // A pulled file waits in landing until this run lists it; meanwhile it is not another
        // process's hand-over.
        let _landing = self.etl.landing_now();
        let pulled = match &self.pulls {
            Some((pulls, clock)) => pulls.pull_due(source, self.etl.lake(), clock.today()).await,
            None => Ok(None),
        };
        self.process_pulled(source, pulled, trigger).await
    }

    /// Pulls a chosen range of a connected API source (cut to what the platform keeps) and
    /// processes it.
    #[tracing::instrument(skip(self))]
    pub async fn backfill(
        &self,
        source: SourceId,
        window: Window,
        trigger: Trigger,
    ) -> Result<RunReport, JobError> {
        let _claim = self.try_claim(source).ok_or(JobError::AlreadyRunning(source))?;
        let Some((pulls, clock)) = &self.pulls else { return Err(JobError::NotConnected(source)) };
        let _landing = self.etl.landing_now();
        match pulls.backfill(source, window, self.etl.lake(), clock.today()).await {
            Ok(None) => Err(JobError::NotConnected(source)),
            pulled => self.process_pulled(source, pulled, trigger).await,
        }
    }

    async fn process_pulled(
        &self,
        source: SourceId,
        pulled: Result<Option<Landing>, PullError>,
        trigger: Trigger,
    ) -> Result<RunReport, JobError> {
        let idle = nothing_to_do(source, pulled.as_ref().ok().map(Option::is_some));
        let (landing, early) = match pulled {
            Ok(landing) => (landing.unwrap_or_default(), Vec::new()),
            Err(err) => {
                tracing::warn!(%source, error = %err, "API pull failed");
                (
                    Landing::default(),
                    vec![FileReport::rejected(&format!("{source} API pull"), err.to_string())],
                )
            }
        };
        let report = self.etl.run_landing_after(Some(source), early, &idle, trigger, &*self.progress).await?;
        // The incremental state moves only over pulls that loaded: a rejected pull is asked for
        // again next time.
        if let Some((pulls, _)) = &self.pulls {
            for (name, to) in &landing.files {
                let loaded = report.files.iter().any(|f| {
                    &f.name == name && matches!(f.outcome, Outcome::Loaded | Outcome::AlreadyImported)
                });
                if loaded && let Err(err) = pulls.store().advance(source, *to).await {
                    tracing::error!(%source, error = %err, "cannot record the pulled window");
                }
            }
        }
        Ok(report)
    }

    /// Runs every source in turn; one failing source does not stop the others.
    pub async fn run_all(&self, trigger: Trigger) -> Vec<(SourceId, Result<RunReport, JobError>)> {
        let mut out = Vec::new();
        for source in SourceId::ALL {
            out.push((source, self.run(source, trigger).await));
        }
        out
    }

    /// Processes whatever waits in landing (files of a run a crash cut short, uploads whose
    /// processing was interrupted), in one run.
    pub async fn run_waiting(&self, trigger: Trigger) -> Result<Option<RunReport>, JobError> {
        if self.etl.lake().waiting().map_err(EtlError::from)?.is_empty() {
            return Ok(None);
        }
        Ok(Some(self.etl.run_landing(None, trigger, &*self.progress).await?))
    }
}

/// Why a run of `source` that found no file to process did nothing, and what would give it work.
/// `pulled`: whether its API was pulled (`None`: the pull failed, which is reported as a file).
fn nothing_to_do(source: SourceId, pulled: Option<bool>) -> String {
    let name = source.display_name();
    match pulled {
        Some(true) => {
            format!("{name}'s API had nothing new to pull and no {name} files are waiting in landing")
        }
        _ if connect_method(source).is_some() => format!(
            "{name} is not connected and no {name} files are waiting: connect it on the Admin page or \
             upload an export"
        ),
        _ => crate::etl::nothing_waiting(Some(source)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Database, etl::Quiet};

    #[tokio::test]
    async fn a_source_never_runs_twice_at_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Database::open(&dir.path().join("t.db")).await.expect("open");
        let etl = Etl::open(db, dir.path()).await.expect("etl");
        let jobs = SourceJobs::new(etl, Arc::new(Quiet));

        let claim = jobs.try_claim(SourceId::Distrokid).expect("free");
        assert!(jobs.is_running(SourceId::Distrokid));
        assert!(jobs.try_claim(SourceId::Distrokid).is_none());
        let err = jobs.run(SourceId::Distrokid, Trigger::Schedule).await.expect_err("overlap");
        assert!(matches!(err, JobError::AlreadyRunning(SourceId::Distrokid)));
        // Another source is not held up (it has nothing to do, and says so).
        let other = jobs.run(SourceId::Toolost, Trigger::Schedule).await.expect("toolost runs");
        assert_eq!(other.status, "nothing_to_do");

        drop(claim);
        assert!(!jobs.is_running(SourceId::Distrokid));
        jobs.run(SourceId::Distrokid, Trigger::Schedule).await.expect("runs once free");
    }

    /// Issue 23: Run now on a source that cannot do anything records that, with why, instead of
    /// "succeeded"; the live hub passes the reason on.
    #[tokio::test]
    async fn a_run_with_nothing_to_do_says_so_and_why() {
        use crate::{
            etl::history,
            live::LiveHub,
            pull::{ConnectionStore, Endpoints, RetryPolicy},
        };

        let dir = tempfile::tempdir().expect("tempdir");
        let db = Database::open(&dir.path().join("t.db")).await.expect("open");
        let etl = Etl::open(db.clone(), dir.path()).await.expect("etl");
        let hub = LiveHub::new();
        let mut feed = hub.subscribe(None).feed;
        let pulls = Pulls::new(
            ConnectionStore::new(db.pool().clone(), None),
            Endpoints::default(),
            RetryPolicy::default(),
        );
        let jobs = SourceJobs::with_pulls(etl, Arc::new(hub.clone()), pulls, Clock::default());

        let report = jobs.run(SourceId::Mailchimp, Trigger::Admin).await.expect("run");
        assert!(report.did_nothing());
        assert_eq!(report.status, "nothing_to_do");
        let why = "Mailchimp is not connected and no Mailchimp files are waiting: connect it on the Admin \
                   page or upload an export";
        assert_eq!(report.note.as_deref(), Some(why));
        // Recorded so, for the run list and the run's page.
        let runs = history::latest_runs(db.pool(), 5).await.expect("runs");
        assert_eq!(runs[0].status, "nothing_to_do");
        assert_eq!(runs[0].note.as_deref(), Some(why));
        assert_eq!(runs[0].files_total, 0);
        let detail = history::run_detail(db.pool(), report.run_id, 10).await.expect("detail").expect("run");
        assert_eq!(detail.run.note.as_deref(), Some(why));
        // And told live.
        let mut finished = None;
        while let Ok(message) = feed.try_recv() {
            if let model::LiveEvent::RunFinished { status, note, .. } = &message.event {
                finished = Some((status.clone(), note.clone()));
            }
        }
        assert_eq!(finished, Some(("nothing_to_do".to_string(), Some(why.to_string()))));

        // An export-only source says what would give it work.
        let report = jobs.run(SourceId::Distrokid, Trigger::Admin).await.expect("run");
        assert_eq!(report.status, "nothing_to_do");
        assert!(report.note.as_deref().is_some_and(|n| n.starts_with("no DistroKid files are waiting")));

        // A file waiting makes it a real run, with a real status and no note.
        let landing = jobs.etl().lake().landing_dir();
        std::fs::write(landing.join("campaigns.csv"), "Title,Subject\nnot,a campaigns export\n")
            .expect("file");
        let report = jobs.run(SourceId::Mailchimp, Trigger::Admin).await.expect("run");
        assert_eq!(report.status, "failed");
        assert_eq!(report.note, None);
        let stored: (String, Option<String>) = sqlx::query_as("SELECT status, note FROM runs WHERE id = ?")
            .bind(report.run_id)
            .fetch_one(db.pool())
            .await
            .expect("run row");
        assert_eq!(stored, ("failed".to_string(), None));
    }
}
