//! Abuse limits with `governor`: failed sign-ins per phone, registrations and
//! sign-ins per client IP. Limits live in each instance's memory: with N
//! instances behind a balancer a client gets up to N× the allowance, which the
//! generous per-IP numbers already assume; nothing breaks with more instances.

use crate::settings::LimitSettings;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Limits {
    login_failures: DefaultKeyedRateLimiter<String>,
    lock_on_first_failure: bool,
    /// Phones whose failure allowance ran out, until when.
    locked: Mutex<HashMap<String, Instant>>,
    registrations: DefaultKeyedRateLimiter<IpAddr>,
    logins: DefaultKeyedRateLimiter<IpAddr>,
    codes: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
    period: Duration,
}

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN)
}

impl Limits {
    pub fn new(s: &LimitSettings) -> Self {
        let n = nz(s.login_failures_per_phone);
        let period = Duration::from_secs(s.login_failure_window_seconds.max(1)) / n.get();
        // The n-th failure inside the window is the one that locks: the limiter
        // lets n − 1 through and refuses the n-th.
        let failures = Quota::with_period(period.max(Duration::from_millis(1)))
            .unwrap_or_else(|| Quota::per_minute(n))
            .allow_burst(nz(n.get().saturating_sub(1)));
        Self {
            login_failures: RateLimiter::keyed(failures),
            lock_on_first_failure: n.get() == 1,
            locked: Mutex::new(HashMap::new()),
            registrations: RateLimiter::keyed(Quota::per_minute(nz(
                s.registrations_per_ip_per_minute
            ))),
            logins: RateLimiter::keyed(Quota::per_minute(nz(s.logins_per_ip_per_minute))),
            // The whole hour's allowance may be used at once; it refills evenly.
            codes: RateLimiter::keyed(
                Quota::with_period(Duration::from_secs(3_600) / nz(s.otp_per_ip_per_hour).get())
                    .unwrap_or_else(|| Quota::per_hour(nz(s.otp_per_ip_per_hour)))
                    .allow_burst(nz(s.otp_per_ip_per_hour)),
            ),
            clock: DefaultClock::default(),
            period,
        }
    }

    fn check_ip(&self, limiter: &DefaultKeyedRateLimiter<IpAddr>, ip: IpAddr) -> Result<(), u64> {
        limiter
            .check_key(&ip)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()).as_secs().max(1))
    }

    /// Err(seconds to wait) when this IP registered too often.
    pub fn registration(&self, ip: IpAddr) -> Result<(), u64> {
        self.check_ip(&self.registrations, ip)
    }

    pub fn login_from(&self, ip: IpAddr) -> Result<(), u64> {
        self.check_ip(&self.logins, ip)
    }

    /// Err(seconds) when this IP asked for too many one-time codes.
    pub fn code_request(&self, ip: IpAddr) -> Result<(), u64> {
        self.check_ip(&self.codes, ip)
    }

    /// Err(seconds) while this phone is locked after too many failures.
    pub fn phone_locked(&self, phone: &str) -> Result<(), u64> {
        let mut locked = self.locked.lock().unwrap_or_else(|e| e.into_inner());
        match locked.get(phone) {
            Some(until) if *until > Instant::now() => {
                Err((*until - Instant::now()).as_secs().max(1))
            }
            Some(_) => {
                locked.remove(phone);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Records a failed sign-in; locks the phone when its allowance is spent.
    pub fn login_failed(&self, phone: &str) {
        let outcome = self.login_failures.check_key(&phone.to_owned());
        let wait = match outcome {
            Err(not_until) => Some(not_until.wait_time_from(self.clock.now())),
            Ok(_) if self.lock_on_first_failure => Some(self.period),
            Ok(_) => None,
        };
        if let Some(wait) = wait {
            let mut locked = self.locked.lock().unwrap_or_else(|e| e.into_inner());
            locked.insert(
                phone.to_owned(),
                Instant::now() + wait.max(Duration::from_secs(1)),
            );
        }
    }

    /// Forgets idle keys so memory stays flat (called by the periodic sweep).
    pub fn housekeeping(&self) {
        self.login_failures.retain_recent();
        self.registrations.retain_recent();
        self.logins.retain_recent();
        self.codes.retain_recent();
        let now = Instant::now();
        self.locked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, until| *until > now);
    }
}

/// The client's address: the TCP peer, unless the peer is a trusted proxy, in
/// which case the right-most X-Forwarded-For entry that is not a trusted proxy.
/// Proxies are configured, never assumed, so a forged header changes nothing.
pub fn client_ip(req: &actix_web::HttpRequest, trusted: &[IpAddr]) -> IpAddr {
    let peer = req
        .peer_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(','))
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> LimitSettings {
        LimitSettings {
            login_failures_per_phone: 3,
            login_failure_window_seconds: 900,
            registrations_per_ip_per_minute: 2,
            logins_per_ip_per_minute: 100,
            otp_per_ip_per_hour: 3,
            trusted_proxies: vec![],
            max_json_bytes: 1,
            max_import_bytes: 1,
        }
    }

    #[test]
    fn a_phone_is_locked_after_its_failures_and_others_are_not() {
        let l = Limits::new(&settings());
        for _ in 0..3 {
            assert!(l.phone_locked("0912345678").is_ok());
            l.login_failed("0912345678");
        }
        let wait = l.phone_locked("0912345678").unwrap_err();
        assert!((1..=900).contains(&wait), "{wait}");
        assert!(l.phone_locked("0912345679").is_ok());
    }

    #[test]
    fn registrations_per_ip_are_limited() {
        let l = Limits::new(&settings());
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(l.registration(ip).is_ok());
        assert!(l.registration(ip).is_ok());
        assert!(l.registration(ip).is_err());
        assert!(l.registration("10.0.0.2".parse().unwrap()).is_ok());
    }

    #[test]
    fn code_requests_per_ip_allow_the_hours_allowance_then_wait() {
        let l = Limits::new(&settings());
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..3 {
            assert!(l.code_request(ip).is_ok());
        }
        let wait = l.code_request(ip).unwrap_err();
        assert!((1..=1_200).contains(&wait), "{wait}");
        assert!(l.code_request("10.0.0.2".parse().unwrap()).is_ok());
    }
}
