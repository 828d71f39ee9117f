//! UDP discovery services that answer the network: SSDP (UPnP), mDNS and CoAP (JC-STAR S1.1-13,
//! ETSI EN 303 645 5.6-1: unused network services are closed; UPnP is the classic way a device
//! opens the router to the Internet).
//!
//! What is sent: one datagram per service, unicast to the target only (never to a multicast
//! group): an SSDP `M-SEARCH` for `ssdp:all` to port 1900, an mDNS query for
//! `_services._dns-sd._udp.local` PTR to port 5353 (answered as "legacy unicast", RFC 6762 §6.7),
//! and a confirmable CoAP `GET /.well-known/core` to port 5683. Replies are read for at most
//! `Limits::read_timeout` (and at most [`MAX_DATAGRAMS`] of them); sockets are connected, so only
//! the target's replies are read.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Instant;

use tekigo_base::Text;
use tokio::net::UdpSocket;

use crate::finding::Evidence;
use crate::observation::{Limits, Observation};

#[cfg(test)]
mod tests;

/// Every check ID this module reports (each defined in `data/checks-crypto.toml`).
pub const CHECKS: [&str; 3] = ["upnp-exposed", "mdns-exposed", "coap-exposed"];

/// The most datagrams read per service (an SSDP device answers once per service type).
pub const MAX_DATAGRAMS: usize = 32;

/// Where the three services listen; the defaults are their registered ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpPorts {
    pub ssdp: u16,
    pub mdns: u16,
    pub coap: u16,
}

impl Default for UdpPorts {
    fn default() -> Self {
        UdpPorts { ssdp: 1900, mdns: 5353, coap: 5683 }
    }
}

/// Tests SSDP, mDNS and CoAP on their registered ports.
pub async fn check(ip: IpAddr, limits: &Limits) -> Vec<Observation> {
    check_ports(ip, &UdpPorts::default(), limits).await
}

/// Same as [`check`], with other ports (tests run daemons on free ports).
pub async fn check_ports(ip: IpAddr, ports: &UdpPorts, limits: &Limits) -> Vec<Observation> {
    let (ssdp, mdns, coap) = tokio::join!(
        exchange(SocketAddr::new(ip, ports.ssdp), ssdp_request(ip, ports.ssdp), limits),
        exchange(SocketAddr::new(ip, ports.mdns), mdns_query(0), limits),
        coap_exchange(SocketAddr::new(ip, ports.coap), limits),
    );
    let mut out = Vec::new();
    out.extend(ssdp_observation(ports.ssdp, &ssdp_request(ip, ports.ssdp), &ssdp));
    out.extend(mdns_observation(ports.mdns, &mdns));
    out.extend(coap_observation(ports.coap, coap.as_ref()));
    out
}

async fn bind_for(addr: SocketAddr) -> Option<UdpSocket> {
    let local: SocketAddr = match addr {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = UdpSocket::bind(local).await.ok()?;
    socket.connect(addr).await.ok()?;
    Some(socket)
}

/// Sends one datagram and collects the replies until the read timeout (or an ICMP "port
/// unreachable", or [`MAX_DATAGRAMS`]).
async fn exchange(addr: SocketAddr, request: Vec<u8>, limits: &Limits) -> Vec<Vec<u8>> {
    let mut replies = Vec::new();
    let Some(socket) = bind_for(addr).await else { return replies };
    if socket.send(&request).await.is_err() {
        return replies;
    }
    let deadline = Instant::now() + limits.read_timeout;
    let mut buf = vec![0u8; 9000];
    while replies.len() < MAX_DATAGRAMS {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, socket.recv(&mut buf)).await {
            Ok(Ok(n)) => replies.push(buf[..n].to_vec()),
            _ => break,
        }
    }
    replies
}

// --- SSDP ---------------------------------------------------------------------------------

/// A unicast M-SEARCH (UPnP Device Architecture 2.0 §1.3.2: HOST names the target).
pub fn ssdp_request(ip: IpAddr, port: u16) -> Vec<u8> {
    let host = match ip {
        IpAddr::V4(v4) => format!("{v4}:{port}"),
        IpAddr::V6(v6) => format!("[{v6}]:{port}"),
    };
    format!(
        "M-SEARCH * HTTP/1.1\r\nHOST: {host}\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\nUSER-AGENT: tekigo-probe UPnP/1.1\r\n\r\n"
    )
    .into_bytes()
}

/// An SSDP answer: its status line and headers (names upper-cased).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsdpReply {
    pub status: String,
    pub headers: Vec<(String, String)>,
}

impl SsdpReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Parses an SSDP answer (`HTTP/1.1 200 OK` or a `NOTIFY`); `None` for anything else.
pub fn parse_ssdp(bytes: &[u8]) -> Option<SsdpReply> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut lines = text.split("\r\n").flat_map(|l| l.split('\n'));
    let status = lines.next()?.trim().to_string();
    if !(status.starts_with("HTTP/1.") || status.starts_with("NOTIFY ")) {
        return None;
    }
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_uppercase(), v.trim().to_string()))
        .collect();
    Some(SsdpReply { status, headers })
}

fn ssdp_observation(port: u16, request: &[u8], replies: &[Vec<u8>]) -> Option<Observation> {
    let parsed: Vec<SsdpReply> = replies.iter().filter_map(|r| parse_ssdp(r)).collect();
    let first = parsed.first()?;
    let server = first.header("SERVER").unwrap_or("?").to_string();
    let location = first.header("LOCATION").unwrap_or("?").to_string();
    let mut seen = vec![format!("SERVER: {server}"), format!("LOCATION: {location}")];
    for reply in &parsed {
        if let Some(st) = reply.header("ST") {
            let line = format!("ST: {st}");
            if !seen.contains(&line) {
                seen.push(line);
            }
        }
    }
    Some(Observation {
        check: "upnp-exposed",
        port: Some(port),
        protocol: Some("udp"),
        service: Some("ssdp".to_string()),
        detail: Text::new(
            format!("UPnP answers an SSDP search ({} answers): {server}, description at {location}", parsed.len()),
            format!("UPnP が SSDP 検索に応答します（{} 件）: {server}、記述 {location}", parsed.len()),
        ),
        evidence: Evidence {
            sent: vec![String::from_utf8_lossy(request).trim_end().replace("\r\n", " | ")],
            seen,
            credential: None,
        },
    })
}

// --- mDNS ---------------------------------------------------------------------------------

const SERVICES_NAME: &str = "_services._dns-sd._udp.local";

/// A one-question DNS query for the DNS-SD service list (PTR, class IN).
pub fn mdns_query(id: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(48);
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in SERVICES_NAME.split('.') {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.extend_from_slice(&[0, 0, 12, 0, 1]);
    out
}

/// One resource record of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsRecord {
    pub name: String,
    pub rtype: u16,
    pub data: RData,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RData {
    Ptr(String),
    Srv { port: u16, target: String },
    Txt(Vec<String>),
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    Other(usize),
}

impl DnsRecord {
    pub fn describe(&self) -> String {
        match &self.data {
            RData::Ptr(t) => format!("{} PTR {t}", self.name),
            RData::Srv { port, target } => format!("{} SRV {target}:{port}", self.name),
            RData::Txt(t) => format!("{} TXT {}", self.name, t.join(" ")),
            RData::A(a) => format!("{} A {a}", self.name),
            RData::Aaaa(a) => format!("{} AAAA {a}", self.name),
            RData::Other(n) => format!("{} type {} ({n} bytes)", self.name, self.rtype),
        }
    }
}

/// A DNS response: its ID and every answer, authority and additional record. `None` when it is
/// not a response or does not parse.
pub fn parse_dns(bytes: &[u8]) -> Option<(u16, Vec<DnsRecord>)> {
    let header = bytes.get(..12)?;
    let id = u16::from_be_bytes([header[0], header[1]]);
    if header[2] & 0x80 == 0 {
        return None; // a query, not a response
    }
    let count = |i: usize| usize::from(u16::from_be_bytes([header[i], header[i + 1]]));
    let (qd, records) = (count(4), count(6) + count(8) + count(10));
    let mut pos = 12;
    for _ in 0..qd {
        let (_, next) = read_name(bytes, pos)?;
        pos = next.checked_add(4)?;
    }
    let mut out = Vec::new();
    for _ in 0..records {
        let (name, next) = read_name(bytes, pos)?;
        let fixed = bytes.get(next..next + 10)?;
        let rtype = u16::from_be_bytes([fixed[0], fixed[1]]);
        let len = usize::from(u16::from_be_bytes([fixed[8], fixed[9]]));
        let start = next + 10;
        let rdata = bytes.get(start..start + len)?;
        let data = match rtype {
            12 => RData::Ptr(read_name(bytes, start)?.0),
            33 if len >= 6 => {
                RData::Srv { port: u16::from_be_bytes([rdata[4], rdata[5]]), target: read_name(bytes, start + 6)?.0 }
            }
            16 => {
                let mut strings = Vec::new();
                let mut i = 0;
                while let Some(&n) = rdata.get(i) {
                    let s = rdata.get(i + 1..i + 1 + usize::from(n))?;
                    strings.push(String::from_utf8_lossy(s).into_owned());
                    i += 1 + usize::from(n);
                }
                RData::Txt(strings)
            }
            1 if len == 4 => RData::A(Ipv4Addr::new(rdata[0], rdata[1], rdata[2], rdata[3])),
            28 if len == 16 => RData::Aaaa(Ipv6Addr::from(<[u8; 16]>::try_from(rdata).ok()?)),
            _ => RData::Other(len),
        };
        out.push(DnsRecord { name, rtype, data });
        pos = start + len;
    }
    Some((id, out))
}

/// A (possibly compressed) domain name at `pos`, and the position after it. Bounded: at most 64
/// pointer jumps and 255 bytes of name.
fn read_name(bytes: &[u8], mut pos: usize) -> Option<(String, usize)> {
    let mut labels: Vec<String> = Vec::new();
    let mut end = None;
    let mut total = 0usize;
    for _ in 0..128 {
        let len = *bytes.get(pos)?;
        match len {
            0 => {
                let name = if labels.is_empty() { ".".to_string() } else { labels.join(".") };
                return Some((name, end.unwrap_or(pos + 1)));
            }
            l if l & 0xc0 == 0xc0 => {
                let target = usize::from(u16::from_be_bytes([l & 0x3f, *bytes.get(pos + 1)?]));
                end.get_or_insert(pos + 2);
                pos = target;
            }
            l if l & 0xc0 == 0 => {
                let label = bytes.get(pos + 1..pos + 1 + usize::from(l))?;
                total += usize::from(l) + 1;
                if total > 255 {
                    return None;
                }
                labels.push(String::from_utf8_lossy(label).into_owned());
                pos += 1 + usize::from(l);
            }
            _ => return None,
        }
    }
    None
}

fn mdns_observation(port: u16, replies: &[Vec<u8>]) -> Option<Observation> {
    let records: Vec<DnsRecord> = replies.iter().filter_map(|r| parse_dns(r)).flat_map(|(_, r)| r).collect();
    if records.is_empty() {
        return None;
    }
    let services: Vec<String> = records
        .iter()
        .filter_map(|r| match &r.data {
            RData::Ptr(t) if r.name == SERVICES_NAME => Some(t.clone()),
            _ => None,
        })
        .collect();
    let list = if services.is_empty() { "-".to_string() } else { services.join(", ") };
    Some(Observation {
        check: "mdns-exposed",
        port: Some(port),
        protocol: Some("udp"),
        service: Some("mdns".to_string()),
        detail: Text::new(
            format!("mDNS answers a unicast query; services announced: {list}"),
            format!("mDNS がユニキャスト問い合わせに応答します。公開サービス: {list}"),
        ),
        evidence: Evidence {
            sent: vec![format!("DNS query {SERVICES_NAME} PTR")],
            seen: records.iter().map(DnsRecord::describe).collect(),
            credential: None,
        },
    })
}

// --- CoAP ---------------------------------------------------------------------------------

const COAP_TOKEN: [u8; 4] = *b"tkgo";

/// A confirmable `GET /.well-known/core` (RFC 7252, RFC 6690).
pub fn coap_request(message_id: u16) -> Vec<u8> {
    let mut out = vec![0x40 | COAP_TOKEN.len() as u8, 0x01];
    out.extend_from_slice(&message_id.to_be_bytes());
    out.extend_from_slice(&COAP_TOKEN);
    out.push(0xb0 | 11); // Uri-Path (option 11), 11 bytes
    out.extend_from_slice(b".well-known");
    out.push(0x04); // Uri-Path again (delta 0), 4 bytes
    out.extend_from_slice(b"core");
    out
}

/// A CoAP message, as far as the probe reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoapMessage {
    /// 0 confirmable, 1 non-confirmable, 2 acknowledgement, 3 reset.
    pub kind: u8,
    /// (class, detail): (2, 5) is 2.05 Content.
    pub code: (u8, u8),
    pub message_id: u16,
    pub token: Vec<u8>,
    pub options: Vec<(u16, Vec<u8>)>,
    pub payload: Vec<u8>,
}

/// Parses a CoAP message; `None` when it is not one.
pub fn parse_coap(bytes: &[u8]) -> Option<CoapMessage> {
    let (&first, rest) = bytes.split_first()?;
    if first >> 6 != 1 {
        return None;
    }
    let tkl = usize::from(first & 0x0f);
    if tkl > 8 {
        return None;
    }
    let code = *rest.first()?;
    let message_id = u16::from_be_bytes([*rest.get(1)?, *rest.get(2)?]);
    let token = rest.get(3..3 + tkl)?.to_vec();
    let mut pos = 3 + tkl;
    let mut options = Vec::new();
    let mut number = 0u16;
    let mut payload = Vec::new();
    while let Some(&b) = rest.get(pos) {
        pos += 1;
        if b == 0xff {
            payload = rest.get(pos..)?.to_vec();
            if payload.is_empty() {
                return None; // a payload marker must be followed by a payload
            }
            break;
        }
        let delta = coap_extended(b >> 4, rest, &mut pos)?;
        let len = coap_extended(b & 0x0f, rest, &mut pos)?;
        number = number.checked_add(delta)?;
        let value = rest.get(pos..pos + usize::from(len))?.to_vec();
        pos += usize::from(len);
        options.push((number, value));
    }
    Some(CoapMessage { kind: (first >> 4) & 0x03, code: (code >> 5, code & 0x1f), message_id, token, options, payload })
}

fn coap_extended(nibble: u8, bytes: &[u8], pos: &mut usize) -> Option<u16> {
    match nibble {
        0..=12 => Some(u16::from(nibble)),
        13 => {
            let v = *bytes.get(*pos)?;
            *pos += 1;
            Some(u16::from(v) + 13)
        }
        14 => {
            let v = u16::from_be_bytes([*bytes.get(*pos)?, *bytes.get(*pos + 1)?]);
            *pos += 2;
            v.checked_add(269)
        }
        _ => None,
    }
}

/// One link of a CoRE link-format document (RFC 6690): the target and its attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub target: String,
    pub attributes: Vec<(String, Option<String>)>,
}

/// Parses link-format leniently: links are separated by commas outside quotes and angle brackets.
pub fn parse_link_format(text: &str) -> Vec<Link> {
    let mut parts = Vec::new();
    let (mut current, mut quoted, mut angled) = (String::new(), false, false);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '<' if !quoted => angled = true,
            '>' if !quoted => angled = false,
            ',' if !quoted && !angled => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    parts
        .iter()
        .filter_map(|part| {
            let part = part.trim();
            let rest = part.strip_prefix('<')?;
            let (target, attrs) = rest.split_once('>')?;
            let attributes = attrs
                .split(';')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|a| match a.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.trim_matches('"').to_string())),
                    None => (a.to_string(), None),
                })
                .collect();
            Some(Link { target: target.to_string(), attributes })
        })
        .collect()
}

/// Sends the GET and waits for its response: piggybacked in the ACK, or separate (RFC 7252
/// §5.2.2: an empty ACK first, then a confirmable response that we acknowledge).
async fn coap_exchange(addr: SocketAddr, limits: &Limits) -> Option<CoapMessage> {
    let socket = bind_for(addr).await?;
    let message_id = u16::from_be_bytes([COAP_TOKEN[0], COAP_TOKEN[3]]);
    socket.send(&coap_request(message_id)).await.ok()?;
    let deadline = Instant::now() + limits.read_timeout;
    let mut buf = vec![0u8; 2048];
    for _ in 0..MAX_DATAGRAMS {
        let left = deadline.saturating_duration_since(Instant::now());
        let n = tokio::time::timeout(left, socket.recv(&mut buf)).await.ok()?.ok()?;
        let Some(msg) = parse_coap(&buf[..n]) else { continue };
        if msg.code == (0, 0) && msg.kind == 2 {
            continue; // empty ACK: the response comes separately
        }
        if msg.kind == 3 || msg.token == COAP_TOKEN {
            if msg.kind == 0 {
                let mut ack = vec![0x60, 0x00];
                ack.extend_from_slice(&msg.message_id.to_be_bytes());
                let _ = socket.send(&ack).await;
            }
            return Some(msg);
        }
    }
    None
}

fn coap_observation(port: u16, reply: Option<&CoapMessage>) -> Option<Observation> {
    let reply = reply?;
    let code = format!("{}.{:02}", reply.code.0, reply.code.1);
    let links =
        if reply.code == (2, 5) { parse_link_format(&String::from_utf8_lossy(&reply.payload)) } else { Vec::new() };
    let targets: Vec<&str> = links.iter().map(|l| l.target.as_str()).collect();
    let (en, ja) = if reply.kind == 3 {
        ("CoAP is open (reset to the request)".to_string(), "CoAP が開いています（要求にリセットで応答）".to_string())
    } else if links.is_empty() {
        (
            format!("CoAP answers /.well-known/core with {code}"),
            format!("CoAP が /.well-known/core に {code} で応答します"),
        )
    } else {
        let list = targets.join(", ");
        (
            format!("CoAP lists {} resources without authentication: {list}", links.len()),
            format!("CoAP が認証なしで {} 個のリソースを公開しています: {list}", links.len()),
        )
    };
    let mut seen = vec![format!("{code} ({} bytes)", reply.payload.len())];
    seen.extend(links.iter().map(|l| {
        let attrs: Vec<String> = l
            .attributes
            .iter()
            .map(|(k, v)| match v {
                Some(v) => format!("{k}={v}"),
                None => k.clone(),
            })
            .collect();
        format!("<{}> {}", l.target, attrs.join(";"))
    }));
    Some(Observation {
        check: "coap-exposed",
        port: Some(port),
        protocol: Some("udp"),
        service: Some("coap".to_string()),
        detail: Text::new(en, ja),
        evidence: Evidence { sent: vec!["CoAP CON GET /.well-known/core".to_string()], seen, credential: None },
    })
}
