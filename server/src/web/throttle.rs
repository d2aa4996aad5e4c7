//! Throttling of failed sign-ins, per account and per client address.
//!
//! After `limit` failures inside `window`, further attempts are refused for a lock time that
//! starts at `base_lock` and doubles with every further failure, up to `max_lock`. A successful
//! sign-in clears the account's record. Kept in memory: a restart forgets it, which costs an
//! attacker nothing they could not get by waiting out the lock.

use std::{
    collections::HashMap,
    hash::Hash,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub limit: u32,
    pub window: Duration,
    pub base_lock: Duration,
    pub max_lock: Duration,
}

impl Policy {
    pub const PER_ACCOUNT: Policy = Policy {
        limit: 5,
        window: Duration::from_secs(15 * 60),
        base_lock: Duration::from_secs(30),
        max_lock: Duration::from_secs(15 * 60),
    };
    pub const PER_CLIENT: Policy = Policy {
        limit: 20,
        window: Duration::from_secs(15 * 60),
        base_lock: Duration::from_secs(30),
        max_lock: Duration::from_secs(15 * 60),
    };
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    first: Instant,
    locked_until: Option<Instant>,
}

/// Failure records for one kind of key.
#[derive(Debug)]
struct Ledger<K> {
    policy: Policy,
    entries: HashMap<K, Failures>,
}

/// Above this many records, stale ones are swept, so random names cannot grow memory forever.
const SWEEP_ABOVE: usize = 10_000;

impl<K: Eq + Hash + Clone> Ledger<K> {
    fn new(policy: Policy) -> Self {
        Self { policy, entries: HashMap::new() }
    }

    fn locked_for(&self, key: &K, now: Instant) -> Option<Duration> {
        let until = self.entries.get(key)?.locked_until?;
        (until > now).then(|| until - now)
    }

    fn fail(&mut self, key: K, now: Instant) {
        let policy = self.policy;
        if self.entries.len() > SWEEP_ABOVE {
            self.entries.retain(|_, f| {
                now.duration_since(f.first) < policy.window || f.locked_until.is_some_and(|u| u > now)
            });
        }
        let entry = self.entries.entry(key).or_insert(Failures { count: 0, first: now, locked_until: None });
        let lock_over = entry.locked_until.is_none_or(|u| u <= now);
        if now.duration_since(entry.first) >= policy.window && lock_over {
            *entry = Failures { count: 0, first: now, locked_until: None };
        }
        entry.count += 1;
        if entry.count >= policy.limit {
            let doublings = (entry.count - policy.limit).min(16);
            let lock = policy.base_lock.saturating_mul(1 << doublings).min(policy.max_lock);
            entry.locked_until = Some(now + lock);
        }
    }

    fn clear(&mut self, key: &K) {
        self.entries.remove(key);
    }
}

#[derive(Debug)]
pub struct LoginThrottle {
    accounts: Mutex<Ledger<String>>,
    clients: Mutex<Ledger<IpAddr>>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new(Policy::PER_ACCOUNT, Policy::PER_CLIENT)
    }
}

fn account_key(name: &str) -> String {
    name.trim().to_lowercase()
}

impl LoginThrottle {
    pub fn new(per_account: Policy, per_client: Policy) -> Self {
        Self { accounts: Mutex::new(Ledger::new(per_account)), clients: Mutex::new(Ledger::new(per_client)) }
    }

    /// How long this attempt must still wait, if either the account or the client is locked.
    pub fn check(&self, account: &str, client: IpAddr, now: Instant) -> Option<Duration> {
        let by_account = lock(&self.accounts).locked_for(&account_key(account), now);
        let by_client = lock(&self.clients).locked_for(&client, now);
        by_account.max(by_client)
    }

    pub fn record_failure(&self, account: &str, client: IpAddr, now: Instant) {
        lock(&self.accounts).fail(account_key(account), now);
        lock(&self.clients).fail(client, now);
    }

    pub fn record_success(&self, account: &str) {
        lock(&self.accounts).clear(&account_key(account));
    }
}

/// A poisoned lock only means another request panicked mid-update; the counters stay usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    const IP: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
    const OTHER_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn locks_an_account_after_the_limit_and_doubles_the_wait() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..4 {
            t.record_failure("ada", IP, now);
        }
        assert_eq!(t.check("ada", IP, now), None, "four failures are allowed");
        t.record_failure("ada", IP, now);
        assert_eq!(t.check("ada", IP, now), Some(Duration::from_secs(30)));
        // the lock applies to the account from any address, and to any spelling of the name
        assert_eq!(t.check("ADA ", OTHER_IP, now), Some(Duration::from_secs(30)));
        let later = now + Duration::from_secs(31);
        assert_eq!(t.check("ada", IP, later), None);
        t.record_failure("ada", IP, later);
        assert_eq!(t.check("ada", IP, later), Some(Duration::from_secs(60)));
    }

    #[test]
    fn lock_is_capped() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..40 {
            t.record_failure("ada", OTHER_IP, now);
        }
        assert_eq!(t.check("ada", IP, now), Some(Policy::PER_ACCOUNT.max_lock));
    }

    #[test]
    fn success_clears_the_account_but_not_the_client() {
        let t = LoginThrottle::new(Policy::PER_ACCOUNT, Policy { limit: 3, ..Policy::PER_CLIENT });
        let now = Instant::now();
        for _ in 0..3 {
            t.record_failure("ada", IP, now);
        }
        assert!(t.check("bob", IP, now).is_some(), "the client is locked for every account");
        t.record_success("ada");
        assert!(t.check("ada", OTHER_IP, now).is_none());
        assert!(t.check("ada", IP, now).is_some(), "the client lock remains");
    }

    #[test]
    fn old_failures_fall_out_of_the_window() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..4 {
            t.record_failure("ada", IP, now);
        }
        let later = now + Policy::PER_ACCOUNT.window + Duration::from_secs(1);
        t.record_failure("ada", IP, later);
        assert_eq!(t.check("ada", IP, later), None, "the window restarted");
    }

    #[test]
    fn many_distinct_names_do_not_grow_without_bound() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for i in 0..(SWEEP_ABOVE + 10) {
            t.record_failure(&format!("user{i}"), IP, now);
        }
        let later = now + Policy::PER_ACCOUNT.window + Duration::from_secs(1);
        t.record_failure("fresh", OTHER_IP, later);
        assert!(lock(&t.accounts).entries.len() < 10);
    }
}
