//! FTP login (RFC 959): `USER`, then `PASS`; 230 is a login, 530 a refusal, 421 the server
//! closing (a lockout sign after failures). Anonymous access is the same with `anonymous` and an
//! e-mail-like password, as RFC 1635 describes.

use std::net::IpAddr;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::{Outcome, io_outcome, says_lockout};
use crate::finding::Credential;
use crate::net;
use crate::observation::Limits;

/// The credential an anonymous login uses.
pub fn anonymous() -> Credential {
    Credential { username: "anonymous".into(), password: "tekigo-probe@example.invalid".into() }
}

/// Whether `data` holds a complete FTP reply: its last line is `NNN text`.
fn complete(data: &[u8]) -> bool {
    let text = String::from_utf8_lossy(data);
    if !text.ends_with('\n') {
        return false;
    }
    text.lines().rfind(|line| !line.is_empty()).is_some_and(|line| {
        line.len() >= 4 && line.as_bytes()[..3].iter().all(u8::is_ascii_digit) && line.as_bytes()[3] == b' '
    })
}

/// Reads one reply: its code (0 when none came) and text.
async fn reply(stream: &mut TcpStream, limits: &Limits) -> std::io::Result<(u16, String, bool)> {
    let (data, closed) = net::read_until(stream, limits.read_timeout, 16 * 1024, complete).await?;
    let text = String::from_utf8_lossy(&data).into_owned();
    let last = text.lines().rfind(|l| !l.is_empty()).unwrap_or_default();
    let code = last.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
    Ok((code, net::printable(text.as_bytes(), 160), closed))
}

pub(crate) async fn login(ip: IpAddr, port: u16, credential: &Credential, limits: &Limits) -> Outcome {
    match login_inner(ip, port, credential, limits).await {
        Ok(outcome) => outcome,
        Err(error) => io_outcome(&error),
    }
}

async fn login_inner(ip: IpAddr, port: u16, credential: &Credential, limits: &Limits) -> std::io::Result<Outcome> {
    let mut stream = net::connect(ip, port, limits.connect_timeout).await?;
    let (code, seen, closed) = reply(&mut stream, limits).await?;
    if code != 220 {
        return Ok(if closed || code == 421 || says_lockout(&seen) {
            Outcome::Refused { seen }
        } else {
            Outcome::Unknown { seen: format!("no 220 greeting: {seen}") }
        });
    }
    stream.write_all(format!("USER {}\r\n", credential.username).as_bytes()).await?;
    let (code, seen, _) = reply(&mut stream, limits).await?;
    let (code, seen) = match code {
        230 => (230, seen),
        // Refused at USER, before any password: this user name cannot log in with a password
        // at all (an anonymous-only server, say), so nothing about the password is learnt.
        530 => return Ok(Outcome::Unknown { seen: format!("no password asked: {seen}") }),
        331 | 332 => {
            stream.write_all(format!("PASS {}\r\n", credential.password).as_bytes()).await?;
            let (code, seen, _) = reply(&mut stream, limits).await?;
            (code, seen)
        }
        _ => (code, seen),
    };
    let outcome = match code {
        230 => Outcome::Success { seen },
        421 => Outcome::Refused { seen },
        _ if says_lockout(&seen) => Outcome::Refused { seen },
        530 | 430 | 500..=599 => Outcome::Failure { seen },
        0 => Outcome::Unknown { seen: format!("no reply: {seen}") },
        _ => Outcome::Unknown { seen },
    };
    let _ = stream.write_all(b"QUIT\r\n").await;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::complete;

    #[test]
    fn multi_line_replies_end_on_code_space() {
        assert!(complete(b"220 (vsFTPd 3.0.3)\r\n"));
        assert!(!complete(b"220-Welcome\r\n"));
        assert!(complete(b"220-Welcome\r\n220 ready\r\n"));
        assert!(!complete(b"220 partial"));
    }
}
