//! Default credentials: the built-in list (`data/credentials.toml`: the whole Mirai scanner table,
//! then common vendor defaults, each with its source), `--creds FILE` (`user:pass` per line), and
//! trying them on one service, bounded and paced:
//!
//! - at most `budget` attempts (the caller keeps [`Limits::max_attempts_per_service`] for
//!   default credentials and the brute-force test together);
//! - at most [`Limits::connections_per_service`] connections at once, and the starts of two
//!   attempts at least [`Limits::attempt_interval`] apart;
//! - the first credential that works ends the search (the finding is made; more guessing adds
//!   nothing);
//! - a lockout ends it too: a refused or reset connection, or a lockout message, after a failure;
//!   so does a service that answers nothing sensible three times in a row.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::finding::Credential;
use crate::login::{self, Attempt, LoginService, Outcome};
use crate::observation::Limits;

const BUILTIN: &str = include_str!("../data/credentials.toml");

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredsError {
    #[error("{origin}:{line}: {message}")]
    Invalid { origin: String, line: usize, message: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawList {
    mirai: Vec<RawEntry>,
    vendor: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    username: String,
    password: String,
    // Kept in the data for people; the tests check that they are there.
    #[serde(default)]
    #[cfg_attr(not(test), allow(dead_code))]
    weight: Option<u32>,
    #[serde(default)]
    #[cfg_attr(not(test), allow(dead_code))]
    source: Option<String>,
}

/// The Mirai table alone, in its order, duplicates kept (as the source has them).
///
/// # Panics
/// Never: the built-in file is checked by the tests.
pub fn mirai() -> Vec<Credential> {
    let raw: RawList = toml::from_str(BUILTIN).expect("data/credentials.toml is valid (tested)");
    raw.mirai.into_iter().map(|e| Credential { username: e.username, password: e.password }).collect()
}

/// The built-in list: Mirai's table, then vendor defaults, each pair once.
///
/// # Panics
/// Never: the built-in file is checked by the tests.
pub fn builtin() -> Vec<Credential> {
    let raw: RawList = toml::from_str(BUILTIN).expect("data/credentials.toml is valid (tested)");
    let all =
        raw.mirai.into_iter().chain(raw.vendor).map(|e| Credential { username: e.username, password: e.password });
    dedup(all)
}

/// Each pair once, first occurrence kept.
pub fn dedup(list: impl IntoIterator<Item = Credential>) -> Vec<Credential> {
    let mut seen = std::collections::HashSet::new();
    list.into_iter().filter(|c| seen.insert((c.username.clone(), c.password.clone()))).collect()
}

/// `user:pass` per line (the password may contain `:`); blank lines and `#` comments skipped.
///
/// # Errors
/// A line without `:`, with its line number.
pub fn parse_file(text: &str, origin: &str) -> Result<Vec<Credential>, CredsError> {
    let mut list = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let Some((username, password)) = line.split_once(':') else {
            return Err(CredsError::Invalid {
                origin: origin.to_owned(),
                line: index + 1,
                message: "expected user:password".into(),
            });
        };
        list.push(Credential { username: username.to_owned(), password: password.to_owned() });
    }
    Ok(list)
}

/// What guessing on one service came to.
#[derive(Debug, Clone, Default)]
pub struct Guess {
    /// The credential that worked, and what showed it.
    pub found: Option<(Credential, String)>,
    pub attempts: usize,
    /// Why guessing stopped early: what the lockout looked like.
    pub locked_out: Option<String>,
    /// Every failed attempt, in the order they finished.
    pub failures: Vec<Attempt>,
}

/// Tries `list` on one service, within `budget` attempts (see the module doc for the bounds).
pub async fn guess(
    ip: IpAddr,
    port: u16,
    service: &LoginService,
    list: &[Credential],
    budget: usize,
    limits: &Limits,
) -> Guess {
    let list: Arc<Vec<Credential>> = Arc::new(list.iter().take(budget).cloned().collect());
    let next = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let pace = Arc::new(Mutex::new(Instant::now()));
    let result = Arc::new(Mutex::new(Guess::default()));
    let unknown_run = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..limits.connections_per_service.max(1) {
        let (list, next, stop, pace, result, unknown_run) =
            (list.clone(), next.clone(), stop.clone(), pace.clone(), result.clone(), unknown_run.clone());
        let (service, limits) = (service.clone(), limits.clone());
        workers.spawn(async move {
            loop {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let index = next.fetch_add(1, Ordering::SeqCst);
                let Some(credential) = list.get(index) else { return };
                {
                    let mut slot = pace.lock().await;
                    let now = Instant::now();
                    if *slot > now {
                        tokio::time::sleep_until(*slot).await;
                    }
                    *slot = Instant::now().max(*slot) + limits.attempt_interval;
                }
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let attempt = login::attempt(ip, port, &service, credential, &limits).await;
                let mut result = result.lock().await;
                result.attempts += 1;
                match &attempt.outcome {
                    Outcome::Success { seen } => {
                        if result.found.is_none() {
                            result.found = Some((credential.clone(), seen.clone()));
                        }
                        stop.store(true, Ordering::SeqCst);
                    }
                    Outcome::Failure { .. } => {
                        unknown_run.store(0, Ordering::SeqCst);
                        result.failures.push(attempt);
                    }
                    Outcome::Refused { seen } => {
                        result.locked_out.get_or_insert_with(|| seen.clone());
                        stop.store(true, Ordering::SeqCst);
                    }
                    Outcome::Unknown { seen } => {
                        if unknown_run.fetch_add(1, Ordering::SeqCst) + 1 >= 3 {
                            result
                                .locked_out
                                .get_or_insert_with(|| format!("no sensible answer three times in a row: {seen}"));
                            stop.store(true, Ordering::SeqCst);
                        }
                    }
                }
            }
        });
    }
    workers.join_all().await;
    result.lock().await.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_mirai_table_is_there_decoded() {
        let table = mirai();
        assert_eq!(table.len(), 62, "every add_auth_entry line of scanner.c");
        let pair = |u: &str, p: &str| Credential { username: u.into(), password: p.into() };
        assert_eq!(table[0], pair("root", "xc3511"));
        assert_eq!(table[2], pair("root", "admin"));
        assert!(table.contains(&pair("root", "")));
        assert!(table.contains(&pair("root", "7ujMko0vizxv")));
        assert!(table.contains(&pair("mother", "fucker")));
        // Where the source's comments are wrong, the bytes win.
        assert!(table.contains(&pair("Administrator", "meinsm")));
        assert!(table.contains(&pair("admin", "4321")));
        assert!(!table.contains(&pair("Administrator", "admin")));
        assert_eq!(dedup(table).len(), 61, "guest/12345 is in the source twice");
    }

    #[test]
    fn builtin_list_is_mirai_then_vendors_without_duplicates() {
        let list = builtin();
        assert_eq!(list[0].username, "root");
        assert!(list.iter().any(|c| c.username == "pi" && c.password == "raspberry"));
        assert_eq!(dedup(list.clone()).len(), list.len());
        assert!(list.len() < Limits::default().max_attempts_per_service - Limits::default().brute_force_failures - 3);
        let raw: RawList = toml::from_str(BUILTIN).unwrap();
        assert!(
            raw.vendor.iter().all(|e| e.source.as_deref().is_some_and(|s| !s.is_empty())),
            "every vendor entry has a source"
        );
        assert!(raw.mirai.iter().all(|e| e.weight.is_some()), "Mirai's weights are kept");
    }

    #[test]
    fn user_files() {
        let list = parse_file("# mine\nadmin:secret:with:colons\n\nroot:\r\n", "f.txt").unwrap();
        assert_eq!(list[0], Credential { username: "admin".into(), password: "secret:with:colons".into() });
        assert_eq!(list[1], Credential { username: "root".into(), password: String::new() });
        assert_eq!(parse_file("a:b\nnocolon\n", "f.txt").unwrap_err().to_string(), "f.txt:2: expected user:password");
    }
}
