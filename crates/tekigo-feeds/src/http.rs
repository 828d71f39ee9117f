//! One blocking HTTP client for every feed: bounded responses, timeouts, conditional requests,
//! and retries with backoff where a server says "later" (rate limits, overload) or a download
//! breaks off.

use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use crate::{Event, FeedError};

/// Bounds on what one update may cost.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest response body read (OSV's biggest per-ecosystem archives are a few hundred MiB).
    pub max_response_bytes: u64,
    pub connect_timeout: Duration,
    /// How long a response (its head, or the next bytes of its body) may keep us waiting.
    pub read_timeout: Duration,
    /// Attempts after the first, for answers that say "later" (403/429/5xx) and broken downloads.
    pub retries: u32,
    /// The first wait before a retry, doubled for each next one, when the server names none.
    pub retry_base: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_response_bytes: tekigo_vuln::import::MAX_INPUT_BYTES,
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(120),
            retries: 6,
            retry_base: Duration::from_secs(2),
        }
    }
}

/// The longest wait between two attempts, whatever a server's Retry-After asks.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(120);

/// Validators of a previous download, for a conditional request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// What a GET gave.
#[derive(Debug)]
pub(crate) enum Fetched {
    /// 304: what we hold is current.
    NotModified,
    /// 200: the body is in the file.
    Saved { validators: Validators, bytes: u64 },
}

/// One attempt's failure: worth another try, or not.
enum Attempt {
    Retry { reason: String, wait: Option<Duration> },
    Fail(FeedError),
}

pub(crate) struct Client {
    agent: ureq::Agent,
    limits: Limits,
    api_key: Option<String>,
    /// Requests sent, retries included.
    pub requests: u32,
}

/// A GET to send: where, with what query, and whether it carries the NVD API key.
pub(crate) struct Get<'a> {
    pub feed: &'a str,
    pub url: &'a str,
    pub query: Vec<(&'static str, String)>,
    pub validators: Option<&'a Validators>,
    pub send_api_key: bool,
}

impl Client {
    pub(crate) fn new(limits: &Limits, api_key: Option<String>) -> Client {
        let agent = ureq::Agent::config_builder()
            .timeout_connect(Some(limits.connect_timeout))
            .timeout_recv_response(Some(limits.read_timeout))
            .timeout_per_read(Some(limits.read_timeout))
            .http_status_as_error(false)
            .user_agent(concat!("tekigo/", env!("CARGO_PKG_VERSION"), " (vulndb update)"))
            .build()
            .into();
        Client { agent, limits: limits.clone(), api_key, requests: 0 }
    }

    /// GETs `get.url` into `file`, retrying what may pass later.
    pub(crate) fn fetch(
        &mut self,
        get: &Get<'_>,
        file: &Path,
        progress: &mut dyn FnMut(Event<'_>),
    ) -> Result<Fetched, FeedError> {
        let mut attempt: u32 = 0;
        loop {
            self.requests += 1;
            progress(Event::Request { feed: get.feed, url: get.url });
            match self.attempt(get, file, progress) {
                Ok(fetched) => return Ok(fetched),
                Err(Attempt::Fail(error)) => return Err(error),
                Err(Attempt::Retry { reason, wait }) => {
                    if attempt >= self.limits.retries {
                        return Err(FeedError::Http {
                            url: get.url.to_owned(),
                            message: format!("{reason}; gave up after {} attempts", attempt + 1),
                        });
                    }
                    let backoff = self.limits.retry_base.saturating_mul(2u32.saturating_pow(attempt));
                    let wait = wait.unwrap_or(backoff).min(MAX_RETRY_WAIT);
                    progress(Event::Retry { feed: get.feed, reason: &reason, wait });
                    std::thread::sleep(wait);
                    attempt += 1;
                }
            }
        }
    }

    fn attempt(&self, get: &Get<'_>, file: &Path, progress: &mut dyn FnMut(Event<'_>)) -> Result<Fetched, Attempt> {
        let fail = |message: String| Attempt::Fail(FeedError::Http { url: get.url.to_owned(), message });
        let mut request = self.agent.get(get.url);
        for (key, value) in &get.query {
            request = request.query(*key, value);
        }
        if let Some(validators) = get.validators {
            if let Some(etag) = &validators.etag {
                request = request.header("If-None-Match", etag);
            }
            if let Some(date) = &validators.last_modified {
                request = request.header("If-Modified-Since", date);
            }
        }
        if get.send_api_key
            && let Some(key) = &self.api_key
        {
            request = request.header("apiKey", key);
        }
        let mut response = match request.call() {
            Ok(response) => response,
            // Timeouts and refused or reset connections: the next attempt may pass.
            Err(error) => return Err(Attempt::Retry { reason: error.to_string(), wait: None }),
        };
        let status = response.status().as_u16();
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        match status {
            304 => return Ok(Fetched::NotModified),
            200 => {}
            // The NVD answers 403 when a client goes past its rate limit; 429 and 503 say "later".
            403 | 429 | 500 | 502 | 503 | 504 => {
                let wait = header("retry-after").and_then(|s| s.trim().parse::<u64>().ok()).map(Duration::from_secs);
                return Err(Attempt::Retry { reason: format!("HTTP {status}"), wait });
            }
            _ => {
                let said = response
                    .body_mut()
                    .with_config()
                    .limit(4096)
                    .read_to_string()
                    .unwrap_or_default()
                    .chars()
                    .take(300)
                    .collect::<String>();
                return Err(fail(format!("HTTP {status}: {said}")));
            }
        }
        let validators = Validators { etag: header("etag"), last_modified: header("last-modified") };
        let max = self.limits.max_response_bytes;
        let total = response.body().content_length();
        if let Some(total) = total.filter(|t| *t > max) {
            return Err(fail(format!("the response is {total} bytes, more than the {max} one download may have")));
        }
        let mut out = std::fs::File::create(file)
            .map_err(|e| Attempt::Fail(FeedError::Io { path: file.display().to_string(), error: e }))?;
        // One byte over the limit tells a body that is too long from one that is exactly as long.
        let mut reader = response.body_mut().with_config().limit(max.saturating_add(1)).reader();
        let mut buffer = vec![0u8; 1 << 16];
        let mut done: u64 = 0;
        loop {
            let read = match reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(read) => read,
                Err(error) => {
                    return Err(Attempt::Retry {
                        reason: format!("the download broke off after {done} bytes: {error}"),
                        wait: None,
                    });
                }
            };
            done += read as u64;
            if done > max {
                return Err(fail(format!("the response is more than the {max} bytes one download may have")));
            }
            out.write_all(&buffer[..read])
                .map_err(|e| Attempt::Fail(FeedError::Io { path: file.display().to_string(), error: e }))?;
            progress(Event::Bytes { feed: get.feed, done, total });
        }
        if let Some(total) = total
            && done != total
        {
            return Err(Attempt::Retry {
                reason: format!("the download broke off after {done} of {total} bytes"),
                wait: None,
            });
        }
        out.sync_all().map_err(|e| Attempt::Fail(FeedError::Io { path: file.display().to_string(), error: e }))?;
        Ok(Fetched::Saved { validators, bytes: done })
    }
}
