//! When and how long to wait before trying a failed model call again.

use super::ProviderError;
use std::time::Duration;

/// Retry policy: exponential backoff with jitter, honouring `Retry-After`.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// Attempts after the first.
    pub retries: u32,
    pub base: Duration,
    pub max: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            retries: 3,
            base: Duration::from_millis(500),
            max: Duration::from_secs(30),
        }
    }
}

impl Policy {
    /// How long to wait before attempt `attempt` (1-based) after `err`, or
    /// None when the error is not worth retrying or attempts are used up.
    pub fn delay(&self, attempt: u32, err: &ProviderError) -> Option<Duration> {
        if !err.retryable || attempt > self.retries {
            return None;
        }
        if let Some(ra) = err.retry_after {
            return Some(ra.min(self.max));
        }
        let exp = self.base.saturating_mul(1 << (attempt - 1).min(16));
        let exp = exp.min(self.max);
        // Jitter of up to a quarter, from the clock: enough to spread clients.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let jitter = exp.mul_f64(f64::from(nanos % 1000) / 4000.0);
        Some(exp + jitter)
    }
}

/// Longest `Retry-After` taken as given; the policy's `max` caps it further.
const RETRY_AFTER_CEILING: f64 = 86_400.0;

/// Parses a `Retry-After` header: seconds (HTTP dates are rare from model APIs).
/// Negative, NaN and unparsable values are ignored (backoff applies); huge
/// ones (`1e20`, `inf`) are clamped rather than trusted.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let secs = v.trim().parse::<f64>().ok().filter(|s| *s >= 0.0)?;
    Duration::try_from_secs_f64(secs.min(RETRY_AFTER_CEILING)).ok()
}

/// Whether an HTTP status is worth retrying.
pub fn retryable_status(status: u16) -> bool {
    status == 429 || status == 408 || status == 409 || status >= 500
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(retryable: bool, ra: Option<Duration>) -> ProviderError {
        ProviderError {
            provider: "t",
            status: Some(429),
            message: "x".into(),
            retryable,
            retry_after: ra,
        }
    }

    #[test]
    fn backoff_grows_and_stops() {
        let p = Policy::default();
        let d1 = p.delay(1, &err(true, None)).expect("first retry");
        let d3 = p.delay(3, &err(true, None)).expect("third retry");
        assert!(d1 >= Duration::from_millis(500) && d1 < Duration::from_millis(700));
        assert!(d3 >= Duration::from_secs(2));
        assert!(p.delay(4, &err(true, None)).is_none());
        assert!(p.delay(1, &err(false, None)).is_none());
    }

    #[test]
    fn retry_after_is_honoured() {
        let p = Policy::default();
        let d = p.delay(1, &err(true, Some(Duration::from_secs(2))));
        assert_eq!(d, Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn absurd_retry_after_is_clamped_or_ignored() {
        let p = Policy::default();
        for v in ["1e20", "inf", "+inf", "1e308", "18446744073709551616"] {
            let d = parse_retry_after(v).expect(v);
            assert_eq!(p.delay(1, &err(true, Some(d))), Some(p.max), "{v}");
        }
        for v in ["-1", "-inf", "NaN", "-0.5", ""] {
            assert_eq!(parse_retry_after(v), None, "{v}");
        }
    }
}
