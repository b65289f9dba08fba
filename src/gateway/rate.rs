//! Stage 4: rate limits, per replica (contract section 9): one keyed governor limiter
//! per caller, one per flow keyed by caller, one per requester. A limit that is hit
//! refuses with 429 `rate-limited` and a `Retry-After` in whole seconds, rounded up.
//! Emergency limits are not here: they count committed records so they hold across
//! replicas (see `emergency`).

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::codes::problem::Refusal;
use crate::codes::RefusalCode;

/// `count` requests per `per`, as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub count: u32,
    pub per: Duration,
}

impl RateLimit {
    fn quota(self) -> Option<Quota> {
        let burst = NonZeroU32::new(self.count)?;
        let period = self.per.checked_div(self.count)?;
        Quota::with_period(period).map(|q| q.allow_burst(burst))
    }
}

/// The configured limits; `None` means unlimited.
#[derive(Debug, Clone, Copy, Default)]
pub struct RateLimitConfig {
    pub per_caller: Option<RateLimit>,
    pub per_flow: Option<RateLimit>,
    pub per_requester: Option<RateLimit>,
}

/// The limiters of one replica.
pub struct RateLimits {
    per_caller: Option<DefaultKeyedRateLimiter<String>>,
    per_flow: Option<DefaultKeyedRateLimiter<(String, String, String)>>,
    per_requester: Option<DefaultKeyedRateLimiter<(String, String)>>,
    /// One clock for every check (building one per request costs a CPU probe).
    clock: DefaultClock,
}

impl RateLimits {
    pub fn new(cfg: RateLimitConfig) -> Self {
        Self {
            per_caller: cfg.per_caller.and_then(RateLimit::quota).map(RateLimiter::keyed),
            per_flow: cfg.per_flow.and_then(RateLimit::quota).map(RateLimiter::keyed),
            per_requester: cfg.per_requester.and_then(RateLimit::quota).map(RateLimiter::keyed),
            clock: DefaultClock::default(),
        }
    }

    /// Check (and count) one transfer by `caller` on `agreement`/`flow` for `requester`.
    pub fn check(
        &self,
        caller: &str,
        agreement: &str,
        flow: &str,
        requester: &str,
    ) -> Result<(), Refusal> {
        let now = self.clock.now();
        let refuse = |wait: Duration, what: &str| {
            let mut r = Refusal::one(
                RefusalCode::RateLimited,
                format!("the {what} rate limit is reached; retry after the `Retry-After` seconds"),
            );
            r.retry_after = Some(wait.as_secs() + u64::from(wait.subsec_nanos() > 0));
            r
        };
        if let Some(l) = &self.per_caller {
            l.check_key(&caller.to_owned())
                .map_err(|n| refuse(n.wait_time_from(now), "per-caller"))?;
        }
        if let Some(l) = &self.per_flow {
            let key = (caller.to_owned(), agreement.to_owned(), flow.to_owned());
            l.check_key(&key).map_err(|n| refuse(n.wait_time_from(now), "per-flow"))?;
        }
        if let Some(l) = &self.per_requester {
            let key = (caller.to_owned(), requester.to_owned());
            l.check_key(&key).map_err(|n| refuse(n.wait_time_from(now), "per-requester"))?;
        }
        Ok(())
    }

    /// Forget keys that are back to full capacity (call now and then).
    pub fn retain_recent(&self) {
        if let Some(l) = &self.per_caller {
            l.retain_recent();
        }
        if let Some(l) = &self.per_flow {
            l.retain_recent();
        }
        if let Some(l) = &self.per_requester {
            l.retain_recent();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_refuses_with_retry_after() {
        let limits = RateLimits::new(RateLimitConfig {
            per_caller: Some(RateLimit { count: 2, per: Duration::from_secs(60) }),
            ..Default::default()
        });
        assert!(limits.check("a", "isa", "f", "r").is_ok());
        assert!(limits.check("a", "isa", "f", "r").is_ok());
        let err = limits.check("a", "isa", "f", "r").unwrap_err();
        assert_eq!(err.code(), RefusalCode::RateLimited);
        assert!(err.retry_after.unwrap() >= 1);
        assert!(limits.check("b", "isa", "f", "r").is_ok(), "other callers are not affected");
    }
}
