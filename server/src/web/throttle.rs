//! Throttling of sign-ins, per account and per client address.
//!
//! Every attempt counts as a failure from the moment it is let through, before its password is
//! checked, so guesses sent in parallel cannot all pass the check while the first ones are still
//! being hashed. After `limit` attempts inside `window`, further attempts are refused for a lock
//! time that starts at `base_lock` and doubles with every further attempt, up to `max_lock`. A
//! successful sign-in clears the account's record and takes its attempt back from the client's.
//! Kept in memory, at most `MAX_ENTRIES` records per kind: a restart forgets it, which costs an
//! attacker nothing they could not get by waiting out the lock.
//!
//! Written here rather than taken from a rate-limiting crate (`governor`, `tower_governor`): those
//! limit a rate of requests per key, while this needs attempts recorded before the password is
//! checked, a right password taking its attempt back, a lock that doubles, the wait told to the
//! person, and a bounded number of keys; about 150 lines with its tests.

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

/// Above this many records, stale ones are swept.
const SWEEP_ABOVE: usize = 10_000;
/// No more records than this per kind (about 100 bytes each): past it the oldest unlocked one
/// makes room, so random names or addresses cannot grow memory without bound.
const MAX_ENTRIES: usize = 50_000;

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
        if self.entries.len() >= MAX_ENTRIES && !self.entries.contains_key(&key) {
            self.evict_one(now);
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

    /// Drops the record that matters least: the oldest without a running lock, else the one
    /// whose lock ends first.
    fn evict_one(&mut self, now: Instant) {
        let victim = self
            .entries
            .iter()
            .min_by_key(|(_, f)| {
                let lock_end = f.locked_until.filter(|u| *u > now);
                (lock_end.is_some(), lock_end.unwrap_or(f.first))
            })
            .map(|(k, _)| k.clone());
        if let Some(key) = victim {
            self.entries.remove(&key);
        }
    }

    fn clear(&mut self, key: &K) {
        self.entries.remove(key);
    }

    /// Takes one attempt back (it succeeded), with the lock it may have started.
    fn refund(&mut self, key: &K) {
        if let Some(entry) = self.entries.get_mut(key) {
            entry.count = entry.count.saturating_sub(1);
            entry.locked_until = None;
        }
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

    /// Lets an attempt through and counts it, or says how long it must still wait when the
    /// account or the client is locked. Both happen under the same locks, so of many attempts
    /// sent at once no more than the limit get through.
    pub fn attempt(&self, account: &str, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let key = account_key(account);
        let mut accounts = lock(&self.accounts);
        let mut clients = lock(&self.clients);
        if let Some(wait) = accounts.locked_for(&key, now).max(clients.locked_for(&client, now)) {
            return Err(wait);
        }
        accounts.fail(key, now);
        clients.fail(client, now);
        Ok(())
    }

    /// The attempt let through by `attempt` was right.
    pub fn succeeded(&self, account: &str, client: IpAddr) {
        lock(&self.accounts).clear(&account_key(account));
        lock(&self.clients).refund(&client);
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

    fn wait(t: &LoginThrottle, account: &str, client: IpAddr, now: Instant) -> Option<Duration> {
        let key = account_key(account);
        lock(&t.accounts).locked_for(&key, now).max(lock(&t.clients).locked_for(&client, now))
    }

    #[test]
    fn locks_an_account_after_the_limit_and_doubles_the_wait() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..5 {
            assert_eq!(t.attempt("ada", IP, now), Ok(()), "five attempts are let through");
        }
        assert_eq!(t.attempt("ada", IP, now), Err(Duration::from_secs(30)));
        // the lock applies to the account from any address, and to any spelling of the name
        assert_eq!(t.attempt("ADA ", OTHER_IP, now), Err(Duration::from_secs(30)));
        let later = now + Duration::from_secs(31);
        assert_eq!(t.attempt("ada", IP, later), Ok(()));
        assert_eq!(wait(&t, "ada", IP, later), Some(Duration::from_secs(60)));
    }

    #[test]
    fn parallel_guesses_pass_no_more_than_the_limit() {
        let t = std::sync::Arc::new(LoginThrottle::default());
        let now = Instant::now();
        let passed: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..40)
                .map(|_| {
                    let t = std::sync::Arc::clone(&t);
                    s.spawn(move || t.attempt("ada", IP, now).is_ok())
                })
                .collect();
            handles.into_iter().map(|h| usize::from(h.join().expect("thread"))).sum()
        });
        assert_eq!(passed, Policy::PER_ACCOUNT.limit as usize);
    }

    #[test]
    fn lock_is_capped() {
        let mut ledger = Ledger::new(Policy::PER_ACCOUNT);
        let now = Instant::now();
        for _ in 0..40 {
            ledger.fail("ada", now);
        }
        assert_eq!(ledger.locked_for(&"ada", now), Some(Policy::PER_ACCOUNT.max_lock));
    }

    #[test]
    fn success_clears_the_account_and_takes_its_attempt_back_from_the_client() {
        let t = LoginThrottle::new(Policy::PER_ACCOUNT, Policy { limit: 3, ..Policy::PER_CLIENT });
        let now = Instant::now();
        for _ in 0..3 {
            assert!(t.attempt("ada", IP, now).is_ok());
        }
        assert!(t.attempt("bob", IP, now).is_err(), "the client is locked for every account");
        t.succeeded("ada", IP);
        assert!(wait(&t, "ada", OTHER_IP, now).is_none());
        assert!(t.attempt("bob", IP, now).is_ok(), "the right password took its attempt back");
        assert!(t.attempt("bob", IP, now).is_err(), "but not the others");
    }

    #[test]
    fn old_attempts_fall_out_of_the_window() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..4 {
            assert!(t.attempt("ada", IP, now).is_ok());
        }
        let later = now + Policy::PER_ACCOUNT.window + Duration::from_secs(1);
        assert!(t.attempt("ada", IP, later).is_ok());
        assert_eq!(wait(&t, "ada", IP, later), None, "the window restarted");
    }

    #[test]
    fn many_distinct_names_do_not_grow_without_bound() {
        let t = LoginThrottle::new(Policy::PER_ACCOUNT, Policy { limit: u32::MAX, ..Policy::PER_CLIENT });
        let now = Instant::now();
        for i in 0..(SWEEP_ABOVE + 10) {
            let _ = t.attempt(&format!("user{i}"), IP, now);
        }
        let later = now + Policy::PER_ACCOUNT.window + Duration::from_secs(1);
        let _ = t.attempt("fresh", OTHER_IP, later);
        assert!(lock(&t.accounts).entries.len() < 10);
    }

    #[test]
    fn records_stay_bounded_even_inside_the_window() {
        let t = LoginThrottle::new(Policy::PER_ACCOUNT, Policy { limit: u32::MAX, ..Policy::PER_CLIENT });
        let now = Instant::now();
        for _ in 0..5 {
            let _ = t.attempt("victim", IP, now);
        }
        for i in 0..(MAX_ENTRIES + 100) {
            let _ = t.attempt(&format!("user{i}"), IP, now + Duration::from_millis(1));
        }
        let accounts = lock(&t.accounts);
        assert!(accounts.entries.len() <= MAX_ENTRIES);
        assert!(accounts.locked_for(&account_key("victim"), now).is_some(), "a locked account is kept");
    }
}
