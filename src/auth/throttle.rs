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
        self.check_at(account, ip, Instant::now())
    }

    pub fn failed(&self, account: &str, ip: &str) {
        self.failed_at(account, ip, Instant::now());
    }

    /// `check` as of `now` (tests move the clock).
    pub fn check_at(&self, account: &str, ip: &str, now: Instant) -> Option<Duration> {
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

    pub fn failed_at(&self, account: &str, ip: &str, now: Instant) {
        bump(&self.accounts, account, now);
        bump(&self.ips, ip, now);
    }

    /// How long an account must wait, whatever the address (a wrong current password given
    /// from an open session: the address is the user's own, one account's guesses count).
    pub fn check_account(&self, account: &str) -> Option<Duration> {
        let a = self
            .accounts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(account)
            .copied();
        a.and_then(|f| wait_for(&f, ACCOUNT_FREE, Instant::now()))
    }

    pub fn failed_account(&self, account: &str) {
        bump(&self.accounts, account, Instant::now());
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
    fn a_thousand_wrong_passwords_never_lock_the_real_user_out_for_good() {
        let t = Throttle::default();
        let start = Instant::now();
        let mut now = start;
        let mut refused = 0;
        for i in 0..1000 {
            now += Duration::from_millis(50);
            // Against one account …
            if t.check_at("admin", "10.0.0.9", now).is_some() {
                refused += 1;
            } else {
                t.failed_at("admin", "10.0.0.9", now);
            }
            // … and spread over many from another address.
            let account = format!("user{}", i % 100);
            if t.check_at(&account, "10.0.0.7", now).is_none() {
                t.failed_at(&account, "10.0.0.7", now);
            }
        }
        assert!(
            refused > 900,
            "only {refused} of 1000 attempts were throttled"
        );
        // The real user, from their own machine, waits at most the cap, then gets in.
        let wait = t
            .check_at("admin", "10.0.0.20", now)
            .expect("still throttled right after the attack");
        assert!(wait <= MAX_WAIT);
        assert!(t.check_at("admin", "10.0.0.20", now + MAX_WAIT).is_none());
        // The spread attack throttles the attacker's address, not the accounts' owners.
        assert!(t.check_at("user1", "10.0.0.7", now).is_some());
        assert!(t.check_at("user1", "10.0.0.21", now).is_none());
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
