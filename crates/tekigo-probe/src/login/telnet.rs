//! Telnet login the way Mirai does it: refuse every option the server asks for (DO → WONT,
//! WILL → DONT), wait for a login or password prompt, type the credential, and judge the reply:
//! a shell prompt (`#`, `$`, `>`, `%`) is a login, a failure message or a new login prompt is not.
//! No command is typed after a login: the connection is closed at the prompt.

use std::net::IpAddr;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::{Outcome, io_outcome, says_lockout};
use crate::finding::Credential;
use crate::net;
use crate::observation::Limits;

const IAC: u8 = 0xff;
const DONT: u8 = 0xfe;
const DO: u8 = 0xfd;
const WONT: u8 = 0xfc;
const WILL: u8 = 0xfb;
const SB: u8 = 0xfa;
const SE: u8 = 0xf0;

const USER_PROMPTS: &[&str] = &["login:", "username:", "user name:", "user:"];
const PASSWORD_PROMPTS: &[&str] = &["password:", "passwd:"];
const FAILURE_WORDS: &[&str] = &["incorrect", "failed", "invalid", "denied", "bad password", "wrong", "error"];

/// Splits telnet commands out of `data`: returns the text and appends the refusals to `reply`.
pub fn strip_iac(data: &[u8], reply: &mut Vec<u8>) -> Vec<u8> {
    let mut text = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i] != IAC {
            text.push(data[i]);
            i += 1;
            continue;
        }
        match data.get(i + 1) {
            Some(&IAC) => {
                text.push(IAC);
                i += 2;
            }
            Some(&command @ (DO | DONT | WILL | WONT)) => {
                if let Some(&option) = data.get(i + 2) {
                    match command {
                        DO => reply.extend([IAC, WONT, option]),
                        WILL => reply.extend([IAC, DONT, option]),
                        _ => {}
                    }
                }
                i += 3;
            }
            Some(&SB) => {
                // Skip to IAC SE.
                let mut j = i + 2;
                while j + 1 < data.len() && !(data[j] == IAC && data[j + 1] == SE) {
                    j += 1;
                }
                i = j + 2;
            }
            Some(_) => i += 2,
            None => i += 1,
        }
    }
    text
}

/// Whether the text (lowercase) ends with one of the prompts, ignoring trailing blanks.
pub fn ends_with_prompt(text: &str, prompts: &[&str]) -> bool {
    let end = text.trim_end();
    prompts.iter().any(|prompt| end.ends_with(prompt))
}

fn looks_like_shell(text: &str) -> bool {
    let end = text.trim_end();
    end.ends_with('#') || end.ends_with('$') || end.ends_with('>') || end.ends_with('%')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    User,
    Password,
    Verdict,
}

/// Reads until `stop(text so far)` holds, answering telnet negotiation on the way. Returns the
/// text (lowercase), and whether the peer closed.
async fn read_text(
    stream: &mut TcpStream,
    limits: &Limits,
    stop: impl Fn(&str) -> bool,
) -> std::io::Result<(String, bool)> {
    let deadline = tokio::time::Instant::now() + limits.read_timeout;
    let mut text = String::new();
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            return Ok((text, false));
        }
        let chunk = match tokio::time::timeout(left, async {
            let mut buffer = [0u8; 2048];
            let n = tokio::io::AsyncReadExt::read(stream, &mut buffer).await?;
            Ok::<_, std::io::Error>(buffer[..n].to_vec())
        })
        .await
        {
            Ok(result) => result?,
            Err(_) => return Ok((text, false)),
        };
        if chunk.is_empty() {
            return Ok((text, true));
        }
        let mut reply = Vec::new();
        let plain = strip_iac(&chunk, &mut reply);
        if !reply.is_empty() {
            stream.write_all(&reply).await?;
        }
        text.push_str(&String::from_utf8_lossy(&plain).to_ascii_lowercase());
        if stop(&text) || text.len() > 64 * 1024 {
            return Ok((text, false));
        }
    }
}

pub(crate) async fn login(ip: IpAddr, port: u16, credential: &Credential, limits: &Limits) -> Outcome {
    let mut stream = match net::connect(ip, port, limits.connect_timeout).await {
        Ok(stream) => stream,
        Err(error) => return io_outcome(&error),
    };
    let mut step = Step::User;
    let mut transcript = String::new();
    loop {
        let result = match step {
            Step::User => {
                read_text(&mut stream, limits, |t| {
                    ends_with_prompt(t, USER_PROMPTS) || ends_with_prompt(t, PASSWORD_PROMPTS)
                })
                .await
            }
            Step::Password => read_text(&mut stream, limits, |t| ends_with_prompt(t, PASSWORD_PROMPTS)).await,
            Step::Verdict => {
                // Failure words alone do not stop the read: a successful login may print "N failed
                // login attempts" before its prompt.
                read_text(&mut stream, limits, |t| looks_like_shell(t) || ends_with_prompt(t, USER_PROMPTS)).await
            }
        };
        let (text, closed) = match result {
            Ok(read) => read,
            Err(error) => return io_outcome(&error),
        };
        transcript.push_str(&text);
        let seen = net::printable(text.as_bytes(), 160);
        match step {
            Step::User | Step::Password => {
                if says_lockout(&text) {
                    return Outcome::Refused { seen };
                }
                let line = if ends_with_prompt(&text, PASSWORD_PROMPTS) {
                    step = Step::Verdict;
                    &credential.password
                } else if step == Step::User && ends_with_prompt(&text, USER_PROMPTS) {
                    step = Step::Password;
                    &credential.username
                } else if closed && transcript.is_empty() {
                    return Outcome::Refused { seen: "closed before any prompt".into() };
                } else {
                    return Outcome::Unknown { seen: format!("no prompt: {seen}") };
                };
                if let Err(error) = stream.write_all(format!("{line}\r\n").as_bytes()).await {
                    return io_outcome(&error);
                }
            }
            Step::Verdict => {
                return if looks_like_shell(&text) {
                    Outcome::Success { seen }
                } else if says_lockout(&text) {
                    Outcome::Refused { seen }
                } else if FAILURE_WORDS.iter().any(|w| text.contains(w)) || ends_with_prompt(&text, USER_PROMPTS) {
                    Outcome::Failure { seen }
                } else if closed {
                    Outcome::Failure { seen: format!("closed: {seen}") }
                } else {
                    Outcome::Unknown { seen: format!("no verdict: {seen}") }
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_option_is_refused_and_text_kept() {
        let mut reply = Vec::new();
        let data = [IAC, DO, 24, IAC, WILL, 1, b'h', b'i', IAC, SB, 24, 1, IAC, SE, IAC, IAC, IAC, DONT, 3, b'!'];
        let text = strip_iac(&data, &mut reply);
        assert_eq!(text, vec![b'h', b'i', IAC, b'!']);
        assert_eq!(reply, vec![IAC, WONT, 24, IAC, DONT, 1]);
    }

    #[test]
    fn prompts() {
        assert!(ends_with_prompt("debian login: ", USER_PROMPTS));
        assert!(ends_with_prompt("password:", PASSWORD_PROMPTS));
        assert!(!ends_with_prompt("last login: today\r\n# ", USER_PROMPTS));
        assert!(looks_like_shell("welcome\r\nroot@dvr:~# "));
        assert!(!looks_like_shell("login incorrect\r\nlogin: "));
    }
}
