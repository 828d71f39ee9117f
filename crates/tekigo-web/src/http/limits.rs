//! Per-client rate limits: one keyed token bucket type ([`RateLimiter`]) for every limit, and the
//! client's address it is keyed by ([`ClientIp`]).
//!
//! The limits (each in `AppState`): public search, HTML and API together ([`SEARCH`]); log-in
//! posts ([`LOGIN`]), checked before the password is hashed; sign-up posts ([`SIGNUP`]); reports
//! to the desk ([`REPORTS`], used by the `reports` domain). Label verification (`/labels/{number}`, `/api/v1/labels/{number}`,
//! its status, log and QR codes) is never limited: it is what a flood must not starve, and it is
//! cheap (a primary-key read, cached). A refusal is 429 with `Retry-After` and a message in both
//! languages.
//!
//! The client is the connection's peer address (axum's `ConnectInfo`, which `serve` provides).
//! Behind a reverse proxy every request would come from the proxy, so `--trusted-proxy ADDR`
//! names the proxies whose `X-Forwarded-For` is believed: for a request from one of them, the
//! client is the right-most address in that header that is not itself a trusted proxy. The
//! header from anyone else is ignored (anyone can write it). IPv6 clients are counted per /64,
//! the block one subscriber usually holds.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::{Mutex, PoisonError};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tekigo_base::Lang;

use crate::http::state::AppState;
use crate::http::view;

/// A bucket's size and how long it takes to fill from empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub capacity: u32,
    pub window_seconds: i64,
}

/// Public search per client: 60 at once, refilled at one a second.
pub const SEARCH: Rate = Rate { capacity: 60, window_seconds: 60 };
/// Log-in posts per client: 10 at once, refilled at one every six seconds. The per-e-mail lock
/// of `auth.rs` (`LoginThrottle`) comes on top.
pub const LOGIN: Rate = Rate { capacity: 10, window_seconds: 60 };
/// Sign-up posts per client: 5 an hour.
pub const SIGNUP: Rate = Rate { capacity: 5, window_seconds: 3600 };
/// Reports to the desk per client: 5 per 10 minutes.
pub const REPORTS: Rate = Rate { capacity: 5, window_seconds: 600 };

/// A token bucket per client address: `capacity` requests, refilled evenly over `window`
/// seconds. Requests whose address is unknown (no connection info, as in tests driving the
/// router directly) share one bucket. Time is the [`crate::Clock`]'s, so tests move it.
#[derive(Debug)]
pub struct RateLimiter {
    capacity: f64,
    window: i64,
    buckets: Mutex<HashMap<Option<IpAddr>, (f64, i64)>>,
}

/// Clients tracked at most; past this, full buckets are forgotten (and if that is not enough,
/// all of them: an attacker with that many addresses is not slowed by buckets anyway).
const MAX_CLIENTS: usize = 100_000;

impl RateLimiter {
    pub fn new(capacity: u32, window_seconds: i64) -> RateLimiter {
        RateLimiter { capacity: f64::from(capacity.max(1)), window: window_seconds.max(1), buckets: Mutex::default() }
    }

    pub fn with(rate: Rate) -> RateLimiter {
        RateLimiter::new(rate.capacity, rate.window_seconds)
    }

    /// Takes one token for `client` at `now`; `Err(seconds)` until one is available again.
    pub fn take(&self, client: Option<IpAddr>, now: i64) -> Result<(), i64> {
        self.take_many(client, now, 1)
    }

    /// Takes `cost` tokens (at most the capacity) for `client` at `now`, or none and
    /// `Err(seconds)` until they are there.
    pub fn take_many(&self, client: Option<IpAddr>, now: i64, cost: u32) -> Result<(), i64> {
        let rate = self.capacity / self.window as f64;
        let cost = f64::from(cost.max(1)).min(self.capacity);
        let client = client.map(bucket_key);
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&client) {
            let capacity = self.capacity;
            buckets.retain(|_, (tokens, last)| *tokens + (now - *last) as f64 * rate < capacity);
            if buckets.len() >= MAX_CLIENTS {
                buckets.clear();
            }
        }
        let (tokens, last) = buckets.entry(client).or_insert((self.capacity, now));
        *tokens = (*tokens + (now - *last).max(0) as f64 * rate).min(self.capacity);
        *last = now.max(*last);
        if *tokens >= cost {
            *tokens -= cost;
            Ok(())
        } else {
            Err(((cost - *tokens) / rate).ceil().max(1.0) as i64)
        }
    }
}

impl Default for RateLimiter {
    /// The reports desk's: 5 per 10 minutes.
    fn default() -> RateLimiter {
        RateLimiter::with(REPORTS)
    }
}

/// IPv6 addresses count per /64; IPv4 (and IPv4-mapped IPv6) per address.
fn bucket_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// The client's address: the connection's peer, or for a trusted proxy's request the address
/// it forwarded (see the module). `None` when the server was not started with connection info.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
        Ok(ClientIp(peer.map(|peer| client_address(peer, &parts.headers, &state.trusted_proxies))))
    }
}

/// Who sent a request that reached us from `peer`.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|proxy| proxy.to_canonical() == ip.to_canonical());
    if !is_trusted(&peer) {
        return peer;
    }
    // Proxies append: the right-most entries are the ones our own proxies added, and the first
    // address from the right that is not one of them is the client they saw.
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for entry in forwarded.iter().rev() {
        match entry.parse::<IpAddr>().or_else(|_| entry.parse::<SocketAddr>().map(|s| s.ip())) {
            Ok(ip) if is_trusted(&ip) => continue,
            Ok(ip) => return ip,
            // Something we cannot read: stop believing the header there.
            Err(_) => return peer,
        }
    }
    peer
}

/// What was limited, for the 429 message.
#[derive(Debug, Clone, Copy)]
pub enum Limited {
    Searches,
    LogIns,
    SignUps,
    Reports,
}

/// 429 with `Retry-After: seconds`, in both languages; JSON for the API.
pub fn too_many(what: Limited, seconds: i64, lang: Lang, json: bool) -> Response {
    let (en, ja) = match what {
        Limited::Searches => ("searches", "検索"),
        Limited::LogIns => ("log-in attempts", "ログインの試行"),
        Limited::SignUps => ("sign-ups", "アカウント登録"),
        Limited::Reports => ("reports", "報告"),
    };
    let nothing_stored = match what {
        Limited::Reports | Limited::SignUps => ("Nothing was stored.", "何も保存していません。"),
        Limited::Searches | Limited::LogIns => ("", ""),
    };
    let mut error = view::bilingual_error(
        StatusCode::TOO_MANY_REQUESTS,
        format!("Too many {en} from your address; try again in {seconds} seconds. {}", nothing_stored.0)
            .trim_end()
            .to_owned(),
        format!("このアドレスからの{ja}が多すぎます。{seconds} 秒後にやり直してください。{}", nothing_stored.1),
        lang,
    );
    if json {
        error.problems.clear();
        error = error.json();
    }
    let mut response = error.into_response();
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_bucket_empties_refills_and_is_per_client() {
        let limiter = RateLimiter::new(3, 30);
        let a = Some(ip("192.0.2.1"));
        for _ in 0..3 {
            assert_eq!(limiter.take(a, 100), Ok(()));
        }
        assert_eq!(limiter.take(a, 100), Err(10), "one token comes back every 10 s");
        assert_eq!(limiter.take(Some(ip("192.0.2.2")), 100), Ok(()), "another client has its own bucket");
        assert_eq!(limiter.take(a, 110), Ok(()));
        assert_eq!(limiter.take(a, 110), Err(10));
        assert_eq!(limiter.take_many(a, 1000, 2), Ok(()), "refilled to capacity, no more");
        assert_eq!(limiter.take_many(a, 1000, 2), Err(10));
    }

    #[test]
    fn ipv6_counts_per_64() {
        let limiter = RateLimiter::new(1, 3600);
        assert_eq!(limiter.take(Some(ip("2001:db8:1:2::1")), 0), Ok(()));
        assert!(limiter.take(Some(ip("2001:db8:1:2:ffff::9")), 0).is_err(), "the same /64");
        assert_eq!(limiter.take(Some(ip("2001:db8:1:3::1")), 0), Ok(()));
        assert_eq!(limiter.take(Some(ip("::ffff:192.0.2.7")), 0), Ok(()));
        assert!(limiter.take(Some(ip("192.0.2.7")), 0).is_err(), "IPv4-mapped is the IPv4 address");
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let proxy = ip("10.0.0.1");
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_static("203.0.113.9, 198.51.100.4, 10.0.0.1"));
        assert_eq!(client_address(ip("198.51.100.77"), &headers, &[proxy]), ip("198.51.100.77"), "not a proxy");
        assert_eq!(client_address(proxy, &headers, &[]), proxy, "no proxy trusted");
        // The right-most address that is not a trusted proxy; what the client itself wrote on
        // the left is not believed.
        assert_eq!(client_address(proxy, &headers, &[proxy]), ip("198.51.100.4"));
        headers.insert("x-forwarded-for", HeaderValue::from_static("garbage, 198.51.100.4"));
        assert_eq!(client_address(proxy, &headers, &[proxy]), ip("198.51.100.4"));
        headers.insert("x-forwarded-for", HeaderValue::from_static("198.51.100.4, garbage"));
        assert_eq!(client_address(proxy, &headers, &[proxy]), proxy, "unreadable: the proxy itself");
        headers.remove("x-forwarded-for");
        assert_eq!(client_address(proxy, &headers, &[proxy]), proxy);
    }
}
