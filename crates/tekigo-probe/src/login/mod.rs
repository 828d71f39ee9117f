//! One login attempt per protocol, all with the same outcome type, so the default-credential
//! test ([`crate::creds`]) and the brute-force test ([`crate::bruteforce`]) share them.

pub mod ftp;
pub mod http;
pub mod mqtt;
pub mod ssh_password;
pub mod telnet;

use std::net::IpAddr;
use std::time::Duration;

use crate::finding::Credential;
use crate::observation::Limits;

/// Where and how to log in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginService {
    Telnet,
    Ssh,
    Ftp,
    /// HTTP authentication on `path`, as the service asked for it.
    Http {
        path: String,
        auth: http::AuthKind,
    },
    Mqtt,
}

impl LoginService {
    pub fn name(&self) -> &'static str {
        match self {
            LoginService::Telnet => "telnet",
            LoginService::Ssh => "ssh",
            LoginService::Ftp => "ftp",
            LoginService::Http { .. } => "http",
            LoginService::Mqtt => "mqtt",
        }
    }
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Logged in. `seen` is what showed it.
    Success { seen: String },
    /// Refused the credential; `seen` is what said so.
    Failure { seen: String },
    /// Turned away before the credential could be judged: connection refused or reset, or an
    /// explicit lockout or too-many-attempts message.
    Refused { seen: String },
    /// Could not tell (timeout, protocol error).
    Unknown { seen: String },
}

impl Outcome {
    pub fn seen(&self) -> &str {
        match self {
            Outcome::Success { seen }
            | Outcome::Failure { seen }
            | Outcome::Refused { seen }
            | Outcome::Unknown { seen } => seen,
        }
    }
}

/// One attempt and how long the service took to answer it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub outcome: Outcome,
    pub elapsed: Duration,
}

/// Tries one credential on one service, on a fresh connection.
pub async fn attempt(
    ip: IpAddr,
    port: u16,
    service: &LoginService,
    credential: &Credential,
    limits: &Limits,
) -> Attempt {
    let start = tokio::time::Instant::now();
    let outcome = match service {
        LoginService::Telnet => telnet::login(ip, port, credential, limits).await,
        LoginService::Ssh => ssh_password::login(ip, port, credential, limits).await,
        LoginService::Ftp => ftp::login(ip, port, credential, limits).await,
        LoginService::Http { path, auth } => http::login(ip, port, path, auth, credential, limits).await,
        LoginService::Mqtt => mqtt::login(ip, port, Some(credential), limits).await,
    };
    Attempt { outcome, elapsed: start.elapsed() }
}

/// Words a service uses to say it locked the account or is refusing more attempts.
pub(crate) fn says_lockout(text: &str) -> bool {
    let text = text.to_ascii_lowercase();
    ["locked", "lockout", "too many", "try again later", "temporarily", "blocked", "max_login", "exceeded"]
        .iter()
        .any(|word| text.contains(word))
}

pub(crate) fn io_outcome(error: &std::io::Error) -> Outcome {
    if crate::net::is_refusal(error) {
        Outcome::Refused { seen: error.to_string() }
    } else {
        Outcome::Unknown { seen: error.to_string() }
    }
}
