//! One probe of one host: scan, identify, test logins, then turn every [`Observation`] into a
//! [`Finding`] with the check catalogue and the level's verdicts.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use tekigo_base::Text;
use tokio::sync::Semaphore;

use crate::catalogue::Catalogue;
use crate::finding::{Credential, Evidence, Finding, Verdict};
use crate::login::{self, LoginService, Outcome, http};
use crate::observation::{Limits, Observation};
pub use crate::scan::PortInfo;
use crate::scan::{self, Service};
use crate::{bruteforce, creds};

#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// Ports to scan; `None` for [`scan::DEFAULT_PORTS`].
    pub ports: Option<Vec<u16>>,
    /// JC-STAR level "1".."4": which column of the catalogue's verdicts applies.
    pub level: String,
    /// Credentials to try first (`--creds FILE`), then the built-in list.
    pub extra_credentials: Vec<Credential>,
    /// Whether to try default credentials and test brute-force resistance at all.
    pub logins: bool,
    pub catalogue: Catalogue,
    pub limits: Limits,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// What the user named.
    pub target: String,
    pub address: IpAddr,
    pub level: String,
    /// When the probe started, RFC 3339 UTC.
    pub started: String,
    pub duration_ms: u64,
    pub ports: Vec<PortInfo>,
    pub findings: Vec<Finding>,
    /// No finding fails at the level.
    pub conformant: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("{address} is not reachable: {error}")]
    Unreachable { address: IpAddr, error: std::io::Error },
    #[error("check `{0}` is reported by the probe but missing from the check catalogue")]
    UnknownCheck(String),
}

fn rfc3339(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = i64::try_from(days).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}

fn observation(check: &'static str, port: &PortInfo, detail: Text, evidence: Evidence) -> Observation {
    Observation {
        check,
        port: Some(port.port),
        protocol: Some(port.protocol),
        service: Some(port.service.name().to_owned()),
        detail,
        evidence,
    }
}

/// Probes `address` (named `target` by the user).
///
/// # Errors
/// The host is unreachable (no route, no such address), or a check reported an id the catalogue
/// does not have (a programming error the tests rule out).
pub async fn probe(target: &str, address: IpAddr, options: &ProbeOptions) -> Result<Report, ProbeError> {
    let started = SystemTime::now();
    let clock = tokio::time::Instant::now();
    let limits = &options.limits;
    let ports = options.ports.clone().unwrap_or_else(scan::default_ports);
    if let Some(&first) = ports.first()
        && let Err(error) = crate::net::connect(address, first, limits.connect_timeout).await
        && matches!(
            error.kind(),
            std::io::ErrorKind::NetworkUnreachable
                | std::io::ErrorKind::HostUnreachable
                | std::io::ErrorKind::AddrNotAvailable
        )
    {
        return Err(ProbeError::Unreachable { address, error });
    }
    let gate = Arc::new(Semaphore::new(limits.max_concurrency.max(1)));
    let open = scan::scan(address, &ports, limits, &gate).await;

    let mut observations = Vec::new();
    let mut logins: Vec<(PortInfo, LoginService)> = Vec::new();
    for port in &open {
        let said = port.banner.clone().map(|b| format!(": {b}")).unwrap_or_default();
        observations.push(observation(
            "service-open",
            port,
            Text::new(
                format!("port {}/tcp is open: {}{said}", port.port, port.service.name()),
                format!("ポート {}/tcp が開いている: {}{said}", port.port, port.service.name()),
            ),
            Evidence { seen: port.banner.clone().into_iter().collect(), ..Evidence::default() },
        ));
        match port.service {
            Service::Telnet => {
                observations.push(observation(
                    "telnet-open",
                    port,
                    Text::new(
                        format!(
                            "telnet answers on port {}: logins and everything typed cross the network in cleartext",
                            port.port
                        ),
                        format!("ポート {} でtelnetが応答する: ログイン情報も操作内容も平文で流れる", port.port),
                    ),
                    Evidence { seen: port.banner.clone().into_iter().collect(), ..Evidence::default() },
                ));
                logins.push((port.clone(), LoginService::Telnet));
            }
            Service::Ftp => {
                observations.push(observation(
                    "ftp-cleartext",
                    port,
                    Text::new(
                        format!("FTP without TLS on port {}: USER and PASS cross the network in cleartext", port.port),
                        format!("ポート {} のFTPはTLSなし: USERとPASSが平文で流れる", port.port),
                    ),
                    Evidence { seen: port.banner.clone().into_iter().collect(), ..Evidence::default() },
                ));
                logins.push((port.clone(), LoginService::Ftp));
            }
            Service::Ssh => logins.push((port.clone(), LoginService::Ssh)),
            Service::Mqtt => logins.push((port.clone(), LoginService::Mqtt)),
            Service::Http => {
                if let Ok((Some(auth), response)) = http::discover(address, port.port, "/", limits).await {
                    observations.push(observation(
                        "http-login-cleartext",
                        port,
                        Text::new(
                            format!("{} over plain HTTP on port {}: the password crosses the network readable or replayable", auth.describe(), port.port),
                            format!("ポート {} の平文HTTPで {}: パスワードが盗聴・再利用できる形で流れる", port.port, auth.describe()),
                        ),
                        Evidence {
                            sent: vec!["GET / HTTP/1.1".into()],
                            seen: std::iter::once(response.status_line())
                                .chain(response.header("www-authenticate").map(|v| format!("WWW-Authenticate: {v}")))
                                .collect(),
                            credential: None,
                        },
                    ));
                    logins.push((port.clone(), LoginService::Http { path: "/".into(), auth }));
                }
            }
            Service::Tls | Service::Unknown => {}
        }
    }

    // TLS and SSH configuration of every port that speaks them, and the UDP discovery services,
    // side by side within the connection bound.
    let mut crypto = tokio::task::JoinSet::new();
    for port in &open {
        let (service, number, gate, limits) = (port.service, port.port, gate.clone(), limits.clone());
        if matches!(service, Service::Tls | Service::Ssh) {
            crypto.spawn(async move {
                let _permit = gate.acquire_owned().await;
                match service {
                    Service::Tls => crate::tls::check(address, number, &limits).await,
                    _ => crate::ssh::check(address, number, &limits).await,
                }
            });
        }
    }
    {
        let (gate, limits) = (gate.clone(), limits.clone());
        crypto.spawn(async move {
            let _permit = gate.acquire_owned().await;
            crate::udp::check(address, &limits).await
        });
    }
    for found in crypto.join_all().await {
        observations.extend(found);
    }

    if options.logins {
        let list = Arc::new(creds::dedup(options.extra_credentials.iter().cloned().chain(creds::builtin())));
        let mut tasks = tokio::task::JoinSet::new();
        for (port, service) in logins {
            let (list, gate, limits) = (list.clone(), gate.clone(), limits.clone());
            tasks.spawn(async move {
                let permits =
                    u32::try_from(limits.connections_per_service.clamp(1, limits.max_concurrency.max(1))).unwrap_or(1);
                let _permits = gate.acquire_many_owned(permits).await;
                test_logins(address, &port, &service, &list, &limits).await
            });
        }
        for found in tasks.join_all().await {
            observations.extend(found);
        }
    }

    let mut findings = Vec::new();
    for observation in observations {
        let check = options
            .catalogue
            .get(observation.check)
            .ok_or_else(|| ProbeError::UnknownCheck(observation.check.to_owned()))?;
        findings.push(Finding {
            id: observation.check.to_owned(),
            port: observation.port,
            protocol: observation.protocol.map(str::to_owned),
            service: observation.service,
            severity: check.severity,
            requirements: check.requirements.clone(),
            threats: check.threats.clone(),
            title: check.title.clone(),
            detail: observation.detail,
            evidence: observation.evidence,
            verdict: check.verdict(&options.level),
        });
    }
    findings.sort_by(|a, b| (a.port, &a.id).cmp(&(b.port, &b.id)));
    let conformant = !findings.iter().any(|f| f.verdict == Verdict::Fail);
    Ok(Report {
        target: target.to_owned(),
        address,
        level: options.level.clone(),
        started: rfc3339(started),
        duration_ms: u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX),
        ports: open,
        findings,
        conformant,
    })
}

/// Anonymous access, default credentials, then brute-force resistance on one login service.
async fn test_logins(
    address: IpAddr,
    port: &PortInfo,
    service: &LoginService,
    list: &[Credential],
    limits: &Limits,
) -> Vec<Observation> {
    let mut found = Vec::new();
    let mut budget = limits.max_attempts_per_service.saturating_sub(limits.brute_force_failures + 1);
    match service {
        LoginService::Ftp => {
            budget = budget.saturating_sub(1);
            let anonymous = login::ftp::anonymous();
            if let Outcome::Success { seen } =
                login::attempt(address, port.port, service, &anonymous, limits).await.outcome
            {
                found.push(observation(
                    "ftp-anonymous",
                    port,
                    Text::new(
                        format!("FTP on port {} logs in `anonymous` with any password", port.port),
                        format!("ポート {} のFTPに `anonymous` で任意のパスワードでログインできる", port.port),
                    ),
                    Evidence {
                        sent: vec!["USER anonymous".into(), format!("PASS {}", anonymous.password)],
                        seen: vec![seen],
                        credential: Some(anonymous),
                    },
                ));
            }
        }
        LoginService::Mqtt => {
            budget = budget.saturating_sub(1);
            if let Outcome::Success { seen } = login::mqtt::login(address, port.port, None, limits).await {
                found.push(observation(
                    "mqtt-anonymous",
                    port,
                    Text::new(
                        format!("the MQTT broker on port {} accepts a client without user name or password", port.port),
                        format!("ポート {} のMQTTブローカーがユーザー名もパスワードもない接続を受け付ける", port.port),
                    ),
                    Evidence {
                        sent: vec!["CONNECT (MQTT 3.1.1, no user name, no password)".into()],
                        seen: vec![seen],
                        credential: None,
                    },
                ));
                // Anyone gets in: every credential would "work", so guessing would only mislead.
                return found;
            }
        }
        _ => {}
    }
    // One random credential first: a service that lets it in checks nothing (every guess would
    // "work"), one that cannot judge it (no password asked, no sensible answer) teaches nothing.
    // Either way guessing and the brute-force test would only mislead.
    let random = Credential {
        username: format!("tekigo{:08x}", crate::net::nonce() & 0xffff_ffff),
        password: format!("Tk-{:016x}", crate::net::nonce()),
    };
    budget = budget.saturating_sub(1);
    match login::attempt(address, port.port, service, &random, limits).await.outcome {
        Outcome::Failure { .. } => {}
        Outcome::Success { .. } => {
            // S1.1-01: a login that admits a made-up user and password authenticates nobody.
            found.push(observation(
                "login-without-authentication",
                port,
                Text::new(
                    format!(
                        "{} on port {} let in a made-up user and password ({}): it checks no credential",
                        service.name(),
                        port.port,
                        random.username
                    ),
                    format!(
                        "ポート {} の{}は架空のユーザー名とパスワード（{}）でログインできた: 認証を行っていない",
                        port.port,
                        service.name(),
                        random.username
                    ),
                ),
                Evidence {
                    sent: vec![format!("login as {}", random.username)],
                    seen: Vec::new(),
                    credential: Some(random),
                },
            ));
            return found;
        }
        Outcome::Refused { .. } | Outcome::Unknown { .. } => return found,
    }
    let guess = creds::guess(address, port.port, service, list, budget, limits).await;
    if let Some((credential, seen)) = &guess.found {
        found.push(observation(
            "default-credential",
            port,
            Text::new(
                format!(
                    "{} on port {} accepts the default credential {}:{} (found after {} attempt(s)); change it",
                    service.name(),
                    port.port,
                    credential.username,
                    credential.password,
                    guess.attempts
                ),
                format!(
                    "ポート {} の{}が初期認証情報 {}:{} でログインできる（{}回目の試行で判明）。変更が必要",
                    port.port,
                    service.name(),
                    credential.username,
                    credential.password,
                    guess.attempts
                ),
            ),
            Evidence {
                sent: vec![format!(
                    "{} login as `{}` with a password from the built-in list",
                    service.name(),
                    credential.username
                )],
                seen: vec![seen.clone()],
                credential: Some(credential.clone()),
            },
        ));
    }
    if let Some(seen) = &guess.locked_out {
        found.push(observation(
            "brute-force-protection",
            port,
            Text::new(
                format!(
                    "guessing stopped after {} attempt(s): the service turned the probe away ({seen})",
                    guess.attempts
                ),
                format!("{}回の試行の後、サービスが接続を拒否したため推測を中止した（{seen}）", guess.attempts),
            ),
            Evidence {
                sent: vec![format!("{} default-credential logins", guess.attempts)],
                seen: vec![seen.clone()],
                credential: None,
            },
        ));
        return found;
    }
    let username = match (&guess.found, service) {
        (Some((credential, _)), _) => credential.username.clone(),
        (None, LoginService::Http { .. } | LoginService::Mqtt) => "admin".to_owned(),
        (None, _) => "root".to_owned(),
    };
    // Let a login-delay from the guessing settle before measuring.
    tokio::time::sleep(limits.attempt_interval.max(Duration::from_millis(100))).await;
    if let Some(observation) =
        bruteforce::test(address, port.port, service, &username, guess.found.as_ref().map(|(c, _)| c), limits).await
    {
        found.push(observation);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400 + 3_661)), "2000-02-29T01:01:01Z");
        assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_secs(1_767_225_599)), "2025-12-31T23:59:59Z");
    }
}
