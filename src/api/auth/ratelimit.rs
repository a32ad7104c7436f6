//! Failed sign-ins per client address and user name: after `limit` failures within a
//! minute, further attempts for that name from that address are refused with 429 until the
//! oldest failure is a minute old, so one attacker cannot lock a user out from everywhere.
//! An address that fails [`ADDRESS_FACTOR`] times as often across all names waits too, so it
//! cannot walk through a list of names instead.
//! In memory: a restart forgets it, which costs an attacker a restart of facmon.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

const WINDOW: Duration = Duration::from_secs(60);
/// Failures across all names allowed per address, as a multiple of the per-name limit.
pub const ADDRESS_FACTOR: usize = 4;
/// Keys kept at most; beyond, the table is pruned of old failures.
const MAX_KEYS: usize = 10_000;

/// An address and a user name, or the address for any name (`None`).
type Key = (String, Option<String>);

pub struct LoginLimiter {
    limit: usize,
    failures: Mutex<HashMap<Key, VecDeque<Instant>>>,
}

impl LoginLimiter {
    pub fn new(limit: u32) -> LoginLimiter {
        LoginLimiter {
            limit: limit.max(1) as usize,
            failures: Mutex::default(),
        }
    }

    /// `Err(seconds to wait)` when this address and user, or this address, failed too often.
    pub fn check(&self, addr: &str, user: &str) -> Result<(), u64> {
        self.check_at(addr, user, Instant::now())
    }

    fn check_at(&self, addr: &str, user: &str, now: Instant) -> Result<(), u64> {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let keys = [
            ((addr.to_string(), Some(user.to_string())), self.limit),
            ((addr.to_string(), None), self.limit * ADDRESS_FACTOR),
        ];
        let mut wait = 0;
        for (key, limit) in keys {
            let Some(q) = map.get_mut(&key) else { continue };
            while q.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
                q.pop_front();
            }
            if q.len() >= limit {
                // The failure whose expiry brings the count below the limit.
                let t = q[q.len() - limit];
                let w = WINDOW.saturating_sub(now.duration_since(t));
                wait = wait.max(w.as_secs_f64().ceil().max(1.0) as u64);
            }
        }
        if wait == 0 {
            Ok(())
        } else {
            Err(wait)
        }
    }

    pub fn failed(&self, addr: &str, user: &str) {
        self.failed_at(addr, user, Instant::now())
    }

    fn failed_at(&self, addr: &str, user: &str, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_KEYS {
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
        }
        for key in [(addr.to_string(), Some(user.to_string())), (addr.to_string(), None)] {
            map.entry(key).or_default().push_back(now);
        }
    }

    /// A successful sign-in clears that name's failures (not the address's).
    pub fn succeeded(&self, addr: &str, user: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&(addr.to_string(), Some(user.to_string())));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_failure_within_a_minute_waits_until_the_first_is_a_minute_old() {
        let l = LoginLimiter::new(5);
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        for s in 0..5 {
            assert!(l.check_at("10.0.0.9", "wang", at(s)).is_ok());
            l.failed_at("10.0.0.9", "wang", at(s));
        }
        assert_eq!(l.check_at("10.0.0.9", "wang", at(5)), Err(55));
        assert!(
            l.check_at("10.0.0.8", "wang", at(5)).is_ok(),
            "another address is not locked out"
        );
        assert!(
            l.check_at("10.0.0.9", "li", at(5)).is_ok(),
            "another user is not locked out"
        );
        assert!(l.check_at("10.0.0.9", "wang", at(60)).is_ok());
    }

    #[test]
    fn an_address_trying_many_names_waits_too() {
        let l = LoginLimiter::new(2);
        let t0 = Instant::now();
        for (i, name) in ["a", "b", "c", "d", "e", "f", "g", "h"].iter().enumerate() {
            assert!(l.check_at("10.0.0.9", name, t0).is_ok(), "failure {i}");
            l.failed_at("10.0.0.9", name, t0);
        }
        assert_eq!(
            l.check_at("10.0.0.9", "new-name", t0 + Duration::from_secs(10)),
            Err(50)
        );
        assert!(l.check_at("10.0.0.8", "new-name", t0).is_ok());
    }
}
