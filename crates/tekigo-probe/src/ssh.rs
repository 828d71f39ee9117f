//! SSH: the server's identification line and the algorithms of its SSH_MSG_KEXINIT, judged
//! against `data/ssh-algorithms.toml` (weak key exchange, host key, cipher and MAC algorithms;
//! protocol 1). JC-STAR S1.1-12 and ETSI EN 303 645 5.5-1.
//!
//! What is sent: our identification line and one KEXINIT, on one connection. The server sends its
//! KEXINIT unasked (RFC 4253 §7.1); the probe reads it and closes. No key exchange, no
//! authentication. Every step keeps to [`Limits`]' timeouts, and the probe reads at most
//! [`MAX_BANNER_BYTES`] before the identification line and one packet of at most
//! [`MAX_PACKET_LEN`] bytes.

use std::net::{IpAddr, SocketAddr};
use std::sync::LazyLock;
use std::time::Instant;

use serde::Deserialize;
use tekigo_base::Text;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::finding::Evidence;
use crate::observation::{Limits, Observation};

#[cfg(test)]
mod tests;

/// Every check ID this module reports (each defined in `data/checks-crypto.toml`).
pub const CHECKS: [&str; 6] =
    ["ssh-protocol-1", "ssh-weak-kex", "ssh-weak-hostkey", "ssh-weak-cipher", "ssh-weak-mac", "ssh-summary"];

/// What the probe says it is.
pub const CLIENT_IDENTIFICATION: &str = "SSH-2.0-tekigo_probe";
/// Lines a server may send before its identification line (RFC 4253 §4.2), in bytes.
pub const MAX_BANNER_BYTES: usize = 8 * 1024;
/// RFC 4253 §6.1: implementations must accept packets of 35000 bytes.
pub const MAX_PACKET_LEN: usize = 35_000;
const MSG_KEXINIT: u8 = 20;

/// The identification string `SSH-protoversion-softwareversion SP comments`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identification {
    pub line: String,
    pub proto: String,
    pub software: String,
    pub comments: Option<String>,
}

impl Identification {
    /// `1.99` (protocol 1 and 2) or `1.x` (protocol 1 only).
    pub fn offers_protocol_1(&self) -> bool {
        self.proto.starts_with("1.")
    }
}

/// Parses one identification line (without CR LF). `None` unless it starts with `SSH-`.
pub fn parse_identification(line: &str) -> Option<Identification> {
    let rest = line.strip_prefix("SSH-")?;
    let (proto, rest) = rest.split_once('-')?;
    let (software, comments) = match rest.split_once(' ') {
        Some((s, c)) => (s, Some(c.to_string())),
        None => (rest, None),
    };
    if proto.is_empty() {
        return None;
    }
    Some(Identification { line: line.to_string(), proto: proto.to_string(), software: software.to_string(), comments })
}

/// Lines before the identification line, the line, and the bytes they took.
pub type Greeting = (Vec<String>, Identification, usize);

/// Finds the identification line in what the server sent so far: the lines before it (a banner
/// some servers show), the line, and the bytes consumed. `Ok(None)`: not all there yet.
/// `Err`: not SSH (no `SSH-` line within [`MAX_BANNER_BYTES`], or binary junk).
pub fn split_identification(buf: &[u8]) -> Result<Option<Greeting>, &'static str> {
    let mut pre = Vec::new();
    let mut start = 0;
    while let Some(end) = buf[start..].iter().position(|b| *b == b'\n').map(|i| start + i) {
        let raw = &buf[start..end];
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = String::from_utf8_lossy(raw).into_owned();
        start = end + 1;
        if line.starts_with("SSH-") {
            return match parse_identification(&line) {
                Some(id) => Ok(Some((pre, id, start))),
                None => Err("malformed SSH identification line"),
            };
        }
        if is_binary(raw) {
            return Err("binary data before any SSH identification line");
        }
        pre.push(line);
    }
    if buf.len() > MAX_BANNER_BYTES {
        return Err("no SSH identification line");
    }
    if is_binary(&buf[start..]) {
        return Err("binary data before any SSH identification line");
    }
    Ok(None)
}

/// Control bytes other than tab and CR: not a text line.
fn is_binary(bytes: &[u8]) -> bool {
    bytes.iter().any(|b| (*b < 0x20 && *b != b'\t' && *b != b'\r') || *b == 0x7f)
}

/// One unencrypted binary packet (RFC 4253 §6): its payload and the bytes consumed, `Ok(None)`
/// when incomplete.
pub fn parse_packet(buf: &[u8]) -> Result<Option<(&[u8], usize)>, &'static str> {
    let Some(len) = buf.get(..4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize) else {
        return Ok(None);
    };
    if !(5..=MAX_PACKET_LEN).contains(&len) {
        return Err("SSH packet length out of bounds");
    }
    let Some(packet) = buf.get(4..4 + len) else { return Ok(None) };
    let padding = usize::from(packet[0]);
    if padding + 1 > len {
        return Err("SSH padding longer than the packet");
    }
    Ok(Some((&packet[1..len - padding], 4 + len)))
}

/// The name-lists of an SSH_MSG_KEXINIT (RFC 4253 §7.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KexInit {
    pub kex: Vec<String>,
    pub host_key: Vec<String>,
    pub ciphers_c2s: Vec<String>,
    pub ciphers_s2c: Vec<String>,
    pub macs_c2s: Vec<String>,
    pub macs_s2c: Vec<String>,
    pub compression_c2s: Vec<String>,
    pub compression_s2c: Vec<String>,
    pub first_kex_follows: bool,
}

impl KexInit {
    /// The algorithms of one kind, both directions merged, in the server's order.
    pub fn of(&self, kind: Kind) -> Vec<&str> {
        let lists: [&Vec<String>; 2] = match kind {
            Kind::Kex => [&self.kex, &self.kex],
            Kind::HostKey => [&self.host_key, &self.host_key],
            Kind::Cipher => [&self.ciphers_c2s, &self.ciphers_s2c],
            Kind::Mac => [&self.macs_c2s, &self.macs_s2c],
        };
        let mut out: Vec<&str> = Vec::new();
        for name in lists.into_iter().flatten() {
            if !out.contains(&name.as_str()) {
                out.push(name);
            }
        }
        out
    }
}

/// Parses a KEXINIT payload (starting with the message number 20).
pub fn parse_kexinit(payload: &[u8]) -> Option<KexInit> {
    let (&kind, rest) = payload.split_first()?;
    if kind != MSG_KEXINIT {
        return None;
    }
    let mut rest = rest.get(16..)?; // cookie
    let mut lists: Vec<Vec<String>> = Vec::with_capacity(10);
    for _ in 0..10 {
        let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        let bytes = rest.get(4..4usize.checked_add(len)?)?;
        rest = &rest[4 + len..];
        let text = std::str::from_utf8(bytes).ok()?;
        lists.push(if text.is_empty() { Vec::new() } else { text.split(',').map(str::to_string).collect() });
    }
    let first_kex_follows = *rest.first()? != 0;
    let mut it = lists.into_iter();
    let mut next = || it.next().unwrap_or_default();
    Some(KexInit {
        kex: next(),
        host_key: next(),
        ciphers_c2s: next(),
        ciphers_s2c: next(),
        macs_c2s: next(),
        macs_s2c: next(),
        compression_c2s: next(),
        compression_s2c: next(),
        first_kex_follows,
    })
}

/// Our KEXINIT packet, unencrypted, padded to 8 bytes. It offers modern and old algorithms alike;
/// the probe never continues the exchange.
pub fn kexinit_packet(cookie: [u8; 16]) -> Vec<u8> {
    let lists: [&str; 10] = [
        "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,diffie-hellman-group14-sha256,diffie-hellman-group14-sha1,diffie-hellman-group1-sha1",
        "ssh-ed25519,rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-rsa,ssh-dss",
        "chacha20-poly1305@openssh.com,aes128-ctr,aes256-ctr,aes128-gcm@openssh.com,aes128-cbc,3des-cbc",
        "chacha20-poly1305@openssh.com,aes128-ctr,aes256-ctr,aes128-gcm@openssh.com,aes128-cbc,3des-cbc",
        "hmac-sha2-256-etm@openssh.com,hmac-sha2-256,hmac-sha1,hmac-md5",
        "hmac-sha2-256-etm@openssh.com,hmac-sha2-256,hmac-sha1,hmac-md5",
        "none",
        "none",
        "",
        "",
    ];
    let mut payload = vec![MSG_KEXINIT];
    payload.extend_from_slice(&cookie);
    for list in lists {
        payload.extend_from_slice(&(list.len() as u32).to_be_bytes());
        payload.extend_from_slice(list.as_bytes());
    }
    payload.push(0); // first_kex_packet_follows
    payload.extend_from_slice(&[0; 4]); // reserved
    let mut padding = 8 - (4 + 1 + payload.len()) % 8;
    if padding < 4 {
        padding += 8;
    }
    let mut packet = Vec::with_capacity(5 + payload.len() + padding);
    packet.extend_from_slice(&((1 + payload.len() + padding) as u32).to_be_bytes());
    packet.push(padding as u8);
    packet.extend_from_slice(&payload);
    packet.extend(std::iter::repeat_n(0u8, padding));
    packet
}

/// Which name-list an algorithm is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Kex,
    #[serde(rename = "hostkey")]
    HostKey,
    Cipher,
    Mac,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Kex, Kind::HostKey, Kind::Cipher, Kind::Mac];

    /// The observation a weak algorithm of this kind gives.
    pub fn check(self) -> &'static str {
        match self {
            Kind::Kex => "ssh-weak-kex",
            Kind::HostKey => "ssh-weak-hostkey",
            Kind::Cipher => "ssh-weak-cipher",
            Kind::Mac => "ssh-weak-mac",
        }
    }

    fn label(self) -> (&'static str, &'static str) {
        match self {
            Kind::Kex => ("key exchange", "鍵交換"),
            Kind::HostKey => ("host key", "ホスト鍵"),
            Kind::Cipher => ("cipher", "暗号"),
            Kind::Mac => ("MAC", "MAC"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rating {
    Weak,
    Legacy,
}

/// One entry of `data/ssh-algorithms.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub name: String,
    pub kind: Kind,
    pub rating: Rating,
    pub reason: Text,
}

impl Rule {
    pub fn matches(&self, kind: Kind, name: &str) -> bool {
        if kind != self.kind {
            return false;
        }
        match self.name.split_once('*') {
            Some((prefix, suffix)) => {
                name.len() >= prefix.len() + suffix.len() && name.starts_with(prefix) && name.ends_with(suffix)
            }
            None => self.name == name,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    algorithm: Vec<Rule>,
}

/// The embedded rules file; a unit test checks that it parses.
pub const RULES_TOML: &str = include_str!("../data/ssh-algorithms.toml");

static RULES: LazyLock<Vec<Rule>> =
    LazyLock::new(|| toml::from_str::<RuleFile>(RULES_TOML).map(|f| f.algorithm).unwrap_or_default());

/// The rules, from `data/ssh-algorithms.toml`.
pub fn rules() -> &'static [Rule] {
    &RULES
}

/// The rule for an algorithm, if any.
pub fn rate(kind: Kind, name: &str) -> Option<&'static Rule> {
    rules().iter().find(|r| r.matches(kind, name))
}

/// What the probe learnt from one SSH server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Lines before the identification line.
    pub banner: Vec<String>,
    pub identification: Option<Identification>,
    pub kexinit: Option<KexInit>,
    /// Why the KEXINIT is missing, when it is.
    pub note: Option<String>,
}

/// Tests one SSH service. An empty result means the port did not answer SSH.
pub async fn check(ip: IpAddr, port: u16, limits: &Limits) -> Vec<Observation> {
    match probe(SocketAddr::new(ip, port), limits).await {
        Some(report) => observations(&report, port),
        None => Vec::new(),
    }
}

/// Reads the identification line and KEXINIT. `None` when the port does not speak SSH (or did not
/// connect).
pub async fn probe(addr: SocketAddr, limits: &Limits) -> Option<Report> {
    let mut stream = tokio::time::timeout(limits.connect_timeout, TcpStream::connect(addr)).await.ok()?.ok()?;
    let deadline = Instant::now() + limits.read_timeout;
    let _ = stream.write_all(format!("{CLIENT_IDENTIFICATION}\r\n").as_bytes()).await;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let (banner, identification, consumed) = loop {
        match split_identification(&buf) {
            Ok(Some(found)) => break found,
            Ok(None) => {}
            Err(_) => return None,
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => return None,
        }
    };
    let mut report = Report { banner, identification: Some(identification.clone()), kexinit: None, note: None };
    if identification.offers_protocol_1() && identification.proto != "1.99" {
        report.note = Some("protocol 1 only: no KEXINIT".to_string());
        return Some(report);
    }
    let _ = stream.write_all(&kexinit_packet(cookie())).await;
    buf.drain(..consumed);
    loop {
        match parse_packet(&buf) {
            Ok(Some((payload, _))) => {
                report.kexinit = parse_kexinit(payload);
                if report.kexinit.is_none() {
                    report.note =
                        Some(format!("first packet is message {} and not KEXINIT", payload.first().unwrap_or(&0)));
                }
                return Some(report);
            }
            Ok(None) => {}
            Err(e) => {
                report.note = Some(e.to_string());
                return Some(report);
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            Ok(_) => {
                report.note = Some("closed before its KEXINIT".to_string());
                return Some(report);
            }
            Err(_) => {
                report.note = Some("no KEXINIT before the read timeout".to_string());
                return Some(report);
            }
        }
    }
}

fn cookie() -> [u8; 16] {
    use std::hash::{BuildHasher, RandomState};
    let state = RandomState::new();
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&state.hash_one(1u8).to_be_bytes());
    out[8..].copy_from_slice(&state.hash_one(2u8).to_be_bytes());
    out
}

fn observation(check: &'static str, port: u16, detail: Text, seen: Vec<String>) -> Observation {
    Observation {
        check,
        port: Some(port),
        protocol: Some("tcp"),
        service: Some("ssh".to_string()),
        detail,
        evidence: Evidence {
            sent: vec![format!("{CLIENT_IDENTIFICATION}\\r\\n"), "SSH_MSG_KEXINIT".to_string()],
            seen,
            credential: None,
        },
    }
}

/// Turns a [`Report`] into observations. Pure.
pub fn observations(report: &Report, port: u16) -> Vec<Observation> {
    let mut out = Vec::new();
    let Some(id) = &report.identification else { return out };
    if id.offers_protocol_1() {
        let only = id.proto != "1.99";
        out.push(observation(
            "ssh-protocol-1",
            port,
            if only {
                Text::new("Speaks only SSH protocol 1, which is broken", "破られた SSH プロトコル 1 しか話しません")
            } else {
                Text::new("Also accepts SSH protocol 1, which is broken", "破られた SSH プロトコル 1 も受け付けます")
            },
            vec![id.line.clone()],
        ));
    }
    let mut legacy = Vec::new();
    if let Some(kex) = &report.kexinit {
        for kind in Kind::ALL {
            let mut weak = Vec::new();
            for name in kex.of(kind) {
                match rate(kind, name) {
                    Some(rule) if rule.rating == Rating::Weak => weak.push((name, rule)),
                    Some(rule) => legacy.push(format!("{name}: {}", rule.reason.en)),
                    None => {}
                }
            }
            if weak.is_empty() {
                continue;
            }
            let names = weak.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
            let (en, ja) = kind.label();
            out.push(observation(
                kind.check(),
                port,
                Text::new(
                    format!("Offers weak {en} algorithms: {names}"),
                    format!("弱い{ja}アルゴリズムを提示します: {names}"),
                ),
                weak.iter().map(|(n, r)| format!("{n}: {} / {}", r.reason.en, r.reason.ja)).collect(),
            ));
        }
    }
    let software = &id.software;
    let mut seen = report.banner.clone();
    seen.push(id.line.clone());
    if let Some(kex) = &report.kexinit {
        for kind in Kind::ALL {
            seen.push(format!("{}: {}", kind.label().0, kex.of(kind).join(",")));
        }
    }
    seen.extend(legacy.into_iter().map(|l| format!("legacy {l}")));
    seen.extend(report.note.iter().cloned());
    out.push(observation(
        "ssh-summary",
        port,
        Text::new(
            format!("SSH {}, software {software}", id.proto),
            format!("SSH {}、ソフトウェア {software}", id.proto),
        ),
        seen,
    ));
    out
}
