//! Failed sign-ins per (client address, user name): after `limit` failures within a minute,
//! further attempts are refused with 429 until the oldest failure is a minute old. Keyed on
//! both, so one attacker cannot lock a user out from everywhere, nor try every name.
//! In memory: a restart forgets it, which costs an attacker a restart of facmon.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

const WINDOW: Duration = Duration::from_secs(60);
/// Keys kept at most; beyond, the table is pruned of old failures.
const MAX_KEYS: usize = 10_000;

pub struct LoginLimiter {
    limit: usize,
    failures: Mutex<HashMap<(String, String), VecDeque<Instant>>>,
}

impl LoginLimiter {
    pub fn new(limit: u32) -> LoginLimiter {
        LoginLimiter {
            limit: limit.max(1) as usize,
            failures: Mutex::default(),
        }
    }

    /// `Err(seconds to wait)` when this address and user have failed too often.
    pub fn check(&self, addr: &str, user: &str) -> Result<(), u64> {
        self.check_at(addr, user, Instant::now())
    }

    fn check_at(&self, addr: &str, user: &str, now: Instant) -> Result<(), u64> {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let Some(q) = map.get_mut(&(addr.to_string(), user.to_string())) else {
            return Ok(());
        };
        while q.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
            q.pop_front();
        }
        match q.front() {
            Some(oldest) if q.len() >= self.limit => {
                let wait = WINDOW.saturating_sub(now.duration_since(*oldest));
                Err(wait.as_secs_f64().ceil().max(1.0) as u64)
            }
            _ => Ok(()),
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
        map.entry((addr.to_string(), user.to_string()))
            .or_default()
            .push_back(now);
    }

    pub fn succeeded(&self, addr: &str, user: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&(addr.to_string(), user.to_string()));
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
}
