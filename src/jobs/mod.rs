//! The scheduler for timed work (pool returns, cadence reminders, due-date alerts, automation
//! timers). A job is a function of the store and "now"; the scheduler calls each job on its
//! interval with the real clock, and tests call the same function with a moved clock. Jobs
//! must be idempotent for a given `now` (they record what they did in the same transaction),
//! so a run after downtime catches up exactly once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::Utc;

use crate::domain::Kontor;

pub use crate::domain::kit::Job;

/// Every scheduled job, as the modules declare them.
pub fn all() -> Vec<Job> {
    crate::domain::modules::jobs()
}

/// Runs every job once now (start-up catch-up), then each on its interval until `stop`.
pub fn spawn(k: Arc<Kontor>, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("kontor-jobs".into())
        .spawn(move || {
            let jobs = all();
            let mut next = vec![std::time::Instant::now(); jobs.len()];
            while !stop.load(Ordering::SeqCst) {
                for (job, due) in jobs.iter().zip(next.iter_mut()) {
                    if std::time::Instant::now() >= *due {
                        if let Err(e) = (job.run)(&k, Utc::now()) {
                            tracing::warn!("job {} failed, will retry: {e}", job.name);
                        }
                        *due = std::time::Instant::now() + job.every;
                    }
                }
                std::thread::sleep(Duration::from_millis(500));
            }
        })
        .expect("the OS refused to start the job thread")
}
