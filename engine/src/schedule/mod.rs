//! When sources run: cron schedules stored per source, the scheduler that follows them, and the
//! job runner that keeps runs of one source from overlapping.

pub mod cron;
mod jobs;
mod scheduler;
mod store;

pub use self::{
    cron::{Cron, CronError},
    jobs::{Claim, JobError, SourceJobs},
    scheduler::{RetryPolicy, Scheduler},
    store::{ScheduleError, ScheduleStore, SourceSchedule},
};
