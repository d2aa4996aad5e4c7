//! The HTTP side of every API connector: one request at a time per permit (a per-source
//! concurrency limit), retries with exponential backoff and jitter on 5xx and timeouts,
//! `Retry-After` honoured, and each platform's own throttle and credential signals read by the
//! connector's [`Classify`] function.

use std::{sync::Arc, time::Duration};

use rand::Rng as _;
use reqwest::{RequestBuilder, StatusCode, header::HeaderMap};
use tokio::sync::Semaphore;

use super::PullError;

/// A response, read whole (API pages are small).
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The first 300 characters of the body, for messages.
    pub fn excerpt(&self) -> String {
        String::from_utf8_lossy(&self.body).chars().take(300).collect()
    }

    /// `Retry-After` in seconds (the HTTP-date form is not used by these platforms).
    pub fn retry_after(&self) -> Option<Duration> {
        let value = self.headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
        value.trim().parse::<u64>().ok().map(Duration::from_secs)
    }
}

/// What a connector makes of a response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    /// Try again, after at least this long when the platform said so.
    Retry(Option<Duration>),
    /// The access token expired or was refused: refresh it once and repeat the request.
    Unauthorized,
    /// The credentials are gone for good (revoked, invalid key): the source needs reconnecting.
    Reconnect(String),
    /// A request error that repeating will not fix.
    Fail(String),
}

pub type Classify = fn(&Reply) -> Verdict;

/// The common reading: 2xx fine, 429 and 5xx retried (with `Retry-After`), 401 unauthorized.
pub fn classify_common(reply: &Reply) -> Verdict {
    let status = reply.status;
    if status.is_success() {
        Verdict::Ok
    } else if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        Verdict::Retry(reply.retry_after())
    } else if status == StatusCode::UNAUTHORIZED {
        Verdict::Unauthorized
    } else {
        Verdict::Fail(format!("HTTP {status}: {}", reply.excerpt()))
    }
}

#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    /// A platform that asks for a longer pause than this is left alone until the next run.
    pub max_wait: Duration,
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            first_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_wait: Duration::from_secs(120),
            timeout: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Fast retries for tests.
    pub fn quick() -> Self {
        Self {
            max_attempts: 4,
            first_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(50),
            max_wait: Duration::from_secs(5),
            timeout: Duration::from_secs(5),
        }
    }

    /// Exponential, with full jitter over the upper half so that clients do not retry in step.
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self.first_backoff.saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)));
        let cap = exp.min(self.max_backoff);
        let half = cap / 2;
        half + rand::thread_rng().gen_range(Duration::ZERO..=half)
    }
}

/// One source's HTTP client.
#[derive(Clone, Debug)]
pub struct ApiClient {
    http: reqwest::Client,
    permits: Arc<Semaphore>,
    policy: RetryPolicy,
}

impl ApiClient {
    pub fn new(policy: RetryPolicy, max_concurrent: usize) -> Result<Self, PullError> {
        let http = reqwest::Client::builder()
            .timeout(policy.timeout)
            .user_agent(concat!("Soundcheck/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| PullError::Http(format!("cannot set up the HTTP client: {e}")))?;
        Ok(Self { http, permits: Arc::new(Semaphore::new(max_concurrent.max(1))), policy })
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Sends the request `build` makes until it succeeds, retrying what `classify` says may be
    /// retried. `Unauthorized` is returned to the caller, which refreshes its token (once).
    pub async fn send(
        &self,
        what: &str,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
        classify: Classify,
    ) -> Result<Reply, PullError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = {
                let _permit =
                    self.permits.acquire().await.map_err(|_| PullError::Http("client closed".into()))?;
                build(&self.http).send().await
            };
            let (verdict, last) = match outcome {
                Ok(response) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    match response.bytes().await {
                        Ok(body) => {
                            let reply = Reply { status, headers, body: body.to_vec() };
                            let verdict = classify(&reply);
                            match verdict {
                                Verdict::Ok => return Ok(reply),
                                Verdict::Unauthorized => return Err(PullError::Unauthorized),
                                Verdict::Reconnect(reason) => return Err(PullError::NeedsReconnect(reason)),
                                Verdict::Fail(reason) => {
                                    return Err(PullError::Http(format!("{what}: {reason}")));
                                }
                                Verdict::Retry(after) => {
                                    (after, format!("HTTP {status}: {}", reply.excerpt()))
                                }
                            }
                        }
                        Err(err) => (None, format!("reading the response failed: {err}")),
                    }
                }
                Err(err) if err.is_timeout() => (None, "timed out".to_string()),
                Err(err) if err.is_connect() || err.is_request() => {
                    (None, format!("connection failed: {err}"))
                }
                Err(err) => return Err(PullError::Http(format!("{what}: {err}"))),
            };
            if attempt >= self.policy.max_attempts {
                return Err(PullError::Http(format!("{what}: gave up after {attempt} attempts ({last})")));
            }
            let wait = match verdict {
                Some(asked) if asked > self.policy.max_wait => {
                    return Err(PullError::Throttled(format!(
                        "{what}: the platform asks to wait {} s ({last}); the next run tries again",
                        asked.as_secs()
                    )));
                }
                Some(asked) => asked,
                None => self.policy.backoff(attempt),
            };
            tracing::info!(what, attempt, wait_ms = wait.as_millis() as u64, %last, "retrying an API request");
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            first_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        for _ in 0..50 {
            let first = p.backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100), "{first:?}");
            let third = p.backoff(3);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400), "{third:?}");
            let late = p.backoff(30);
            assert!(late <= Duration::from_millis(1000), "{late:?}");
        }
    }

    #[test]
    fn the_common_reading_of_statuses() {
        let reply = |status: u16, retry: Option<&str>| {
            let mut headers = HeaderMap::new();
            if let Some(r) = retry {
                headers.insert(reqwest::header::RETRY_AFTER, r.parse().expect("header"));
            }
            Reply { status: StatusCode::from_u16(status).expect("status"), headers, body: b"{}".to_vec() }
        };
        assert_eq!(classify_common(&reply(200, None)), Verdict::Ok);
        assert_eq!(classify_common(&reply(429, Some("7"))), Verdict::Retry(Some(Duration::from_secs(7))));
        assert_eq!(classify_common(&reply(503, None)), Verdict::Retry(None));
        assert_eq!(classify_common(&reply(401, None)), Verdict::Unauthorized);
        assert!(matches!(classify_common(&reply(404, None)), Verdict::Fail(_)));
    }
}
