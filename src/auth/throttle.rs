//! Login throttling per account and per client address: after a few failures each further
//! attempt must wait, doubling up to a cap. Nothing locks an account for good: once the wait is
//! over the real user can log in, and a success clears the account's count.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed before waiting starts.
const ACCOUNT_FREE: u32 = 5;
const IP_FREE: u32 = 20;
const MAX_WAIT: Duration = Duration::from_secs(300);
/// Failures older than this are forgotten.
const WINDOW: Duration = Duration::from_secs(15 * 60);
const MAX_ENTRIES: usize = 100_000;

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

#[derive(Default)]
pub struct Throttle {
    accounts: Mutex<HashMap<String, Failures>>,
    ips: Mutex<HashMap<String, Failures>>,
}

fn wait_for(f: &Failures, free: u32, now: Instant) -> Option<Duration> {
    if now.duration_since(f.last) > WINDOW || f.count < free {
        return None;
    }
    let exp = (f.count - free).min(16);
    let wait = Duration::from_secs(1u64 << exp).min(MAX_WAIT);
    let ready = f.last + wait;
    (ready > now).then(|| ready - now)
}

fn bump(map: &Mutex<HashMap<String, Failures>>, key: &str, now: Instant) {
    let mut map = map.lock().unwrap_or_else(|p| p.into_inner());
    if map.len() >= MAX_ENTRIES {
        map.retain(|_, f| now.duration_since(f.last) <= WINDOW);
    }
    let entry = map.entry(key.to_string()).or_insert(Failures {
        count: 0,
        last: now,
    });
    if now.duration_since(entry.last) > WINDOW {
        entry.count = 0;
    }
    entry.count += 1;
    entry.last = now;
}

impl Throttle {
    /// How long this attempt must wait, if at all.
    pub fn check(&self, account: &str, ip: &str) -> Option<Duration> {
        let now = Instant::now();
        let a = self
            .accounts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(account)
            .copied();
        let i = self
            .ips
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(ip)
            .copied();
        let wa = a.and_then(|f| wait_for(&f, ACCOUNT_FREE, now));
        let wi = i.and_then(|f| wait_for(&f, IP_FREE, now));
        wa.max(wi)
    }

    pub fn failed(&self, account: &str, ip: &str) {
        let now = Instant::now();
        bump(&self.accounts, account, now);
        bump(&self.ips, ip, now);
    }

    pub fn succeeded(&self, account: &str) {
        self.accounts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_start_after_free_failures_and_success_clears() {
        let t = Throttle::default();
        for _ in 0..ACCOUNT_FREE {
            assert!(t.check("li", "1.2.3.4").is_none());
            t.failed("li", "1.2.3.4");
        }
        assert!(t.check("li", "1.2.3.4").is_some());
        assert!(t.check("wang", "5.6.7.8").is_none());
        t.succeeded("li");
        assert!(t.check("li", "5.6.7.8").is_none());
    }

    #[test]
    fn wait_is_capped() {
        let f = Failures {
            count: 1000,
            last: Instant::now(),
        };
        assert!(wait_for(&f, ACCOUNT_FREE, Instant::now()).unwrap() <= MAX_WAIT);
    }
}
