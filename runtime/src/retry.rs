//! When and how long to wait before retrying, as the official SDKs do (sans-IO).

use std::time::Duration;

use http::{HeaderMap, Method, StatusCode};

/// Retry settings.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryConfig {
    /// Retries after the first attempt (the official SDKs default to 2).
    pub max_retries: u32,
    /// The wait before the first retry (doubled for each one after).
    pub initial_delay: Duration,
    /// The longest wait between retries.
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured.
    pub max_retry_after: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

/// How an attempt ended.
pub enum Outcome<'a> {
    /// No response (connection refused or reset, timeout...).
    Connection,
    /// A response that is not a success.
    Response {
        /// The HTTP status.
        status: StatusCode,
        /// The response headers (`Retry-After`, the retry header).
        headers: &'a HeaderMap,
        /// The API's header that says whether to retry ([`crate::Conventions`]), if it has one.
        should_retry_header: Option<&'static str>,
    },
}

impl RetryConfig {
    /// Whether to retry after `retries` retries so far. A POST is retried only with an
    /// `Idempotency-Key`, so the server can replay instead of acting twice.
    pub fn should_retry(
        &self,
        retries: u32,
        method: &Method,
        idempotent: bool,
        outcome: &Outcome<'_>,
    ) -> bool {
        if retries >= self.max_retries || (*method == Method::POST && !idempotent) {
            return false;
        }
        match outcome {
            Outcome::Connection => true,
            Outcome::Response {
                status,
                headers,
                should_retry_header,
            } => {
                match should_retry_header
                    .and_then(|name| headers.get(name))
                    .and_then(|v| v.to_str().ok())
                {
                    Some("true") => return true,
                    Some("false") => return false,
                    _ => {}
                }
                *status == StatusCode::CONFLICT
                    || *status == StatusCode::TOO_MANY_REQUESTS
                    || status.is_server_error()
            }
        }
    }

    /// The wait before retry number `retries + 1`: exponential from the initial delay, capped,
    /// with jitter (`jitter` in `[0, 1)`), never shorter than a `Retry-After` the server sent.
    pub fn delay(&self, retries: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
        let exponential = self
            .initial_delay
            .saturating_mul(2u32.saturating_pow(retries.min(16)));
        let capped = exponential.min(self.max_delay);
        let jittered = capped.mul_f64(0.5 * (1.0 + jitter.clamp(0.0, 1.0)));
        let delay = jittered.max(self.initial_delay.min(self.max_delay));
        match retry_after {
            Some(wait) if wait <= self.max_retry_after => delay.max(wait),
            _ => delay,
        }
    }
}

/// `Retry-After` in seconds.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds: f64 = headers
        .get("retry-after")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, should_retry: Option<&str>) -> (StatusCode, HeaderMap) {
        let mut headers = HeaderMap::new();
        if let Some(value) = should_retry {
            headers.insert("x-should-retry", value.parse().unwrap());
        }
        (StatusCode::from_u16(status).unwrap(), headers)
    }

    #[test]
    fn retries_what_the_sdks_retry() {
        let config = RetryConfig::default();
        let check = |status, header, method: Method, idempotent| {
            let (status, headers) = response(status, header);
            config.should_retry(
                0,
                &method,
                idempotent,
                &Outcome::Response {
                    status,
                    headers: &headers,
                    should_retry_header: Some("x-should-retry"),
                },
            )
        };
        assert!(check(409, None, Method::GET, false));
        assert!(check(429, None, Method::GET, false));
        assert!(check(500, None, Method::GET, false));
        assert!(check(503, None, Method::POST, true));
        assert!(
            !check(503, None, Method::POST, false),
            "a POST without a key is never retried"
        );
        assert!(!check(400, None, Method::GET, false));
        assert!(!check(402, None, Method::GET, false));
        assert!(check(400, Some("true"), Method::GET, false));
        assert!(!check(503, Some("false"), Method::GET, false));
        assert!(config.should_retry(1, &Method::GET, false, &Outcome::Connection));
        assert!(
            !config.should_retry(2, &Method::GET, false, &Outcome::Connection),
            "at most two retries"
        );
    }

    #[test]
    fn backoff_grows_is_capped_and_honours_retry_after() {
        let config = RetryConfig::default();
        assert_eq!(config.delay(0, None, 1.0), Duration::from_millis(500));
        assert_eq!(config.delay(1, None, 1.0), Duration::from_millis(1000));
        assert_eq!(config.delay(2, None, 0.0), Duration::from_millis(1000));
        assert_eq!(config.delay(10, None, 1.0), Duration::from_secs(5));
        assert_eq!(
            config.delay(0, None, 0.0),
            Duration::from_millis(500),
            "never below the initial delay"
        );
        assert_eq!(
            config.delay(0, Some(Duration::from_secs(3)), 0.5),
            Duration::from_secs(3)
        );
        assert_eq!(
            config.delay(0, Some(Duration::from_secs(3600)), 1.0),
            Duration::from_millis(500)
        );
    }
}
