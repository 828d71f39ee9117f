//! Brute-force resistance (JC-STAR S1.1-04, ETSI EN 303 645 5.1-5): send
//! [`Limits::brute_force_failures`] wrong passwords in a row to one login service, one attempt
//! after the other (paced by [`Limits::attempt_interval`]), then, when a working credential is
//! known, the right one. The rule, stated once ([`judge`]):
//!
//! - **locked**: the right password fails after the wrong ones → protection;
//! - **refused**: the service refuses or resets connections, or says it locked the account →
//!   protection;
//! - **slowed down**: the answer to the last three wrong passwords takes at least twice as long
//!   as to the first three, and at least [`GROWTH_MIN`] longer → protection;
//! - **fixed delay**: every wrong password takes at least [`DELAY_MIN`] to be answered (e.g.
//!   login(1)'s FAIL_DELAY) → protection. When the first [`EARLY_DELAY_ATTEMPTS`] already do,
//!   the test stops there: more wrong passwords could only confirm it, at seconds each (only a
//!   lockout check of the right password follows);
//! - otherwise → **no protection** (fail), with the measured times as evidence;
//! - too few answers to judge (timeouts) → no observation.

use std::net::IpAddr;
use std::time::Duration;

use tekigo_base::Text;

use crate::finding::{Credential, Evidence};
use crate::login::{self, LoginService, Outcome};
use crate::net;
use crate::observation::{Limits, Observation};

/// A per-failure delay at least this long counts as protection: it caps guessing at about one
/// password a second per connection.
pub const DELAY_MIN: Duration = Duration::from_secs(1);
/// How much longer the last answers must take than the first for "slowed down".
pub const GROWTH_MIN: Duration = Duration::from_millis(500);
/// Wrong passwords after which a delay of at least [`DELAY_MIN`] on each ends the test early.
pub const EARLY_DELAY_ATTEMPTS: usize = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protection {
    Locked,
    Refused { after: usize, seen: String },
    SlowedDown { first: Duration, last: Duration },
    FixedDelay { median: Duration },
    None { median: Duration },
    Inconclusive,
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

/// The rule of the module doc, on measured failure times.
pub fn judge(failure_times: &[Duration], refused: Option<(usize, String)>, right_password_failed: bool) -> Protection {
    if right_password_failed {
        return Protection::Locked;
    }
    if let Some((after, seen)) = refused {
        return Protection::Refused { after, seen };
    }
    if failure_times.len() < 3 {
        return Protection::Inconclusive;
    }
    let first = median(&failure_times[..3]);
    let last = median(&failure_times[failure_times.len() - 3..]);
    if last >= first * 2 && last >= first + GROWTH_MIN {
        return Protection::SlowedDown { first, last };
    }
    let all = median(failure_times);
    if failure_times.iter().all(|t| *t >= DELAY_MIN) {
        return Protection::FixedDelay { median: all };
    }
    Protection::None { median: all }
}

fn wrong_password() -> String {
    format!("tekigo-wrong-{:012x}", net::nonce() & 0xffff_ffff_ffff)
}

fn ms(d: Duration) -> u128 {
    d.as_millis()
}

/// Runs the test on one service as `username`; `known_good` is a credential found to work.
pub async fn test(
    ip: IpAddr,
    port: u16,
    service: &LoginService,
    username: &str,
    known_good: Option<&Credential>,
    limits: &Limits,
) -> Option<Observation> {
    let mut times = Vec::new();
    let mut refused = None;
    let mut unknown = 0;
    for index in 0..limits.brute_force_failures {
        if index > 0 {
            tokio::time::sleep(limits.attempt_interval).await;
        }
        let credential = Credential { username: username.to_owned(), password: wrong_password() };
        let attempt = login::attempt(ip, port, service, &credential, limits).await;
        match attempt.outcome {
            Outcome::Failure { .. } => {
                times.push(attempt.elapsed);
                if times.len() == EARLY_DELAY_ATTEMPTS && times.iter().all(|t| *t >= DELAY_MIN) {
                    break;
                }
            }
            Outcome::Refused { seen } => {
                refused = Some((index, seen));
                break;
            }
            // A wrong password that logs in: the service checks nothing. That is the
            // default-credential and authentication checks' business; stop here.
            Outcome::Success { .. } => return None,
            Outcome::Unknown { .. } => unknown += 1,
        }
    }
    let mut right_failed = false;
    let mut right_seen = None;
    if let Some(good) = known_good.filter(|_| refused.is_none()) {
        tokio::time::sleep(limits.attempt_interval).await;
        let attempt = login::attempt(ip, port, service, good, limits).await;
        right_failed = !matches!(attempt.outcome, Outcome::Success { .. } | Outcome::Unknown { .. });
        right_seen = Some(attempt.outcome.seen().to_owned());
    }
    if unknown > limits.brute_force_failures / 2 && refused.is_none() && !right_failed {
        return None;
    }
    // Wrong passwords actually sent (a refusal ends the run at the refused one).
    let n = times.len() + unknown + usize::from(refused.is_some());
    let protection = judge(&times, refused, right_failed);
    let timings = times.iter().map(|t| format!("{}ms", ms(*t))).collect::<Vec<_>>().join(" ");
    let (check, detail) = match &protection {
        Protection::Inconclusive => return None,
        Protection::Locked => (
            "brute-force-protection",
            Text::new(
                format!(
                    "after {n} wrong passwords for `{username}` the right password was refused too: the account locks"
                ),
                format!("`{username}` に誤ったパスワードを{n}回送った後、正しいパスワードも拒否された（ロックアウト）"),
            ),
        ),
        Protection::Refused { after, seen } => (
            "brute-force-protection",
            Text::new(
                format!("after {after} wrong password(s) the service turned the probe away ({seen})"),
                format!("誤ったパスワード{after}回の後、サービスが接続を拒否した（{seen}）"),
            ),
        ),
        Protection::SlowedDown { first, last } => (
            "brute-force-protection",
            Text::new(
                format!("answers to wrong passwords slowed down from {} ms to {} ms", ms(*first), ms(*last)),
                format!("誤ったパスワードへの応答が {} ms から {} ms に遅くなった", ms(*first), ms(*last)),
            ),
        ),
        Protection::FixedDelay { median } => (
            "brute-force-protection",
            Text::new(
                format!("every wrong password is answered only after a delay (median {} ms)", ms(*median)),
                format!("誤ったパスワードへの応答には毎回遅延がある（中央値 {} ms）", ms(*median)),
            ),
        ),
        Protection::None { median } => (
            "no-brute-force-protection",
            Text::new(
                format!(
                    "{n} wrong passwords in a row were answered without slowing down (median {} ms){}, and no lockout followed",
                    ms(*median),
                    if known_good.is_some() { "; the right password still worked afterwards" } else { "" }
                ),
                format!(
                    "誤ったパスワードを{n}回続けても応答は遅くならず（中央値 {} ms）{}、ロックアウトもなかった",
                    ms(*median),
                    if known_good.is_some() {
                        "、その後も正しいパスワードでログインできた"
                    } else {
                        ""
                    }
                ),
            ),
        ),
    };
    let mut seen = vec![format!("failure answer times: {timings}")];
    if let Some(right) = right_seen {
        seen.push(format!("right password afterwards: {right}"));
    }
    Some(Observation {
        check,
        port: Some(port),
        protocol: Some("tcp"),
        service: Some(service.name().to_owned()),
        detail,
        evidence: Evidence {
            sent: vec![format!(
                "{n} logins as `{username}` with random wrong passwords, {} ms apart",
                ms(limits.attempt_interval)
            )],
            seen,
            credential: None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|v| Duration::from_millis(*v)).collect()
    }

    #[test]
    fn flat_fast_answers_are_no_protection() {
        assert_eq!(
            judge(&ms(&[5, 6, 5, 4, 6, 5, 5, 6, 5, 5]), None, false),
            Protection::None { median: Duration::from_millis(5) }
        );
    }

    #[test]
    fn growing_answers_are_slowing_down() {
        assert!(matches!(
            judge(&ms(&[10, 12, 11, 200, 400, 800, 1600, 3200, 6400, 9000]), None, false),
            Protection::SlowedDown { .. }
        ));
        // Doubling but under GROWTH_MIN is jitter, not protection.
        assert!(matches!(judge(&ms(&[10, 10, 10, 30, 30, 30]), None, false), Protection::None { .. }));
    }

    #[test]
    fn a_fixed_delay_of_a_second_or_more_counts() {
        assert!(matches!(judge(&ms(&[3000, 3001, 3002, 3000]), None, false), Protection::FixedDelay { .. }));
        assert!(matches!(judge(&ms(&[300, 310, 320, 330]), None, false), Protection::None { .. }));
    }

    #[test]
    fn lockout_and_refusal_win() {
        assert_eq!(judge(&ms(&[5, 5, 5]), None, true), Protection::Locked);
        assert!(matches!(judge(&ms(&[5]), Some((3, "reset".into())), false), Protection::Refused { after: 3, .. }));
        assert_eq!(judge(&ms(&[5, 5]), None, false), Protection::Inconclusive);
    }
}
