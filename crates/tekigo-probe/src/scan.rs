//! TCP connect scan and service identification.
//!
//! Ports: [`DEFAULT_PORTS`], the ports IoT devices are known to expose (and that Mirai and its
//! successors attack), or the caller's list (`--ports 22,80,8000-8100`). A connect scan needs no
//! privileges and sends nothing but the TCP handshake to closed ports. Connections open at once
//! are bounded by [`Limits::max_concurrency`].
//!
//! Identification, in order, each on a fresh connection, stopping at the first that answers:
//! 1. wait [`Limits::banner_wait`] for what the service says first: `SSH-` (SSH), `220` (FTP),
//!    telnet IAC negotiation (0xFF) or a login prompt (telnet);
//! 2. `GET / HTTP/1.0`: a reply that starts with `HTTP/` is HTTP;
//! 3. an MQTT 3.1.1 CONNECT without credentials: a CONNACK (0x20 0x02) is MQTT;
//! 4. a minimal TLS ClientHello: a reply whose first byte is 0x16 (handshake) or 0x15 (alert)
//!    is TLS. What the TLS service offers is `tls::check`'s business, not this module's.
//!
//! On ports where TLS or MQTT is the usual service (443, 8443, 8883 / 1883), that probe goes
//! first, so a TLS port does not first see a cleartext GET.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::Arc;

use serde::Serialize;
use tokio::io::AsyncWriteExt;
use tokio::sync::Semaphore;

use crate::net;
use crate::observation::Limits;

/// The ports IoT devices expose, and why each is in the list.
pub const DEFAULT_PORTS: &[(u16, &str)] = &[
    (21, "FTP: firmware and recording upload on cameras and NAS"),
    (22, "SSH"),
    (23, "telnet: Mirai's first target"),
    (53, "DNS on routers"),
    (80, "HTTP web UI"),
    (81, "HTTP web UI of IP cameras (alternative port)"),
    (443, "HTTPS web UI"),
    (554, "RTSP: camera streams"),
    (1883, "MQTT"),
    (2222, "SSH (alternative port, common on embedded Linux)"),
    (2323, "telnet (alternative port, attacked by Mirai)"),
    (5000, "UPnP / web UI (Synology and others)"),
    (5555, "Android debug bridge on TV boxes"),
    (7547, "TR-069 CWMP on routers (Mirai variants)"),
    (8000, "HTTP (Hikvision SDK, alternative web UI)"),
    (8080, "HTTP (alternative port)"),
    (8081, "HTTP (alternative port)"),
    (8443, "HTTPS (alternative port)"),
    (8883, "MQTT over TLS"),
    (9000, "HTTP / device management"),
    (37777, "Dahua DVR/NVR protocol"),
    (49152, "UPnP description (many routers and cameras)"),
];

/// What a port was identified as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Ssh,
    Telnet,
    Ftp,
    Http,
    Mqtt,
    Tls,
    Unknown,
}

impl Service {
    pub fn name(self) -> &'static str {
        match self {
            Service::Ssh => "ssh",
            Service::Telnet => "telnet",
            Service::Ftp => "ftp",
            Service::Http => "http",
            Service::Mqtt => "mqtt",
            Service::Tls => "tls",
            Service::Unknown => "unknown",
        }
    }
}

/// One open port and what speaks there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortInfo {
    pub port: u16,
    pub protocol: &'static str,
    pub service: Service,
    /// The first words the service said (or answered), printable, cut short.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub banner: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortsError {
    #[error("`{0}` is not a port or a range of ports (write e.g. 22,80,8000-8100)")]
    Invalid(String),
    #[error("`{0}`: ports are 1-65535")]
    OutOfRange(String),
}

/// Parses `22,80,8000-8100` into sorted, distinct ports.
///
/// # Errors
/// A part that is not a port or `LOW-HIGH`, port 0, or a range written backwards.
pub fn parse_ports(list: &str) -> Result<Vec<u16>, PortsError> {
    let mut ports = BTreeSet::new();
    for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let parse = |text: &str| -> Result<u16, PortsError> {
            let value: u32 = text.trim().parse().map_err(|_| PortsError::Invalid(part.to_owned()))?;
            match u16::try_from(value) {
                Ok(port) if port > 0 => Ok(port),
                _ => Err(PortsError::OutOfRange(part.to_owned())),
            }
        };
        match part.split_once('-') {
            Some((low, high)) => {
                let (low, high) = (parse(low)?, parse(high)?);
                if low > high {
                    return Err(PortsError::Invalid(part.to_owned()));
                }
                ports.extend(low..=high);
            }
            None => {
                ports.insert(parse(part)?);
            }
        }
    }
    if ports.is_empty() {
        return Err(PortsError::Invalid(list.to_owned()));
    }
    Ok(ports.into_iter().collect())
}

pub fn default_ports() -> Vec<u16> {
    DEFAULT_PORTS.iter().map(|(port, _)| *port).collect()
}

/// Connect-scans `ports` on `ip` and identifies what answers on the open ones.
pub async fn scan(ip: IpAddr, ports: &[u16], limits: &Limits, gate: &Arc<Semaphore>) -> Vec<PortInfo> {
    let mut tasks = tokio::task::JoinSet::new();
    for &port in ports {
        let gate = Arc::clone(gate);
        let limits = limits.clone();
        tasks.spawn(async move {
            let stream = {
                let _permit = gate.acquire().await.ok()?;
                net::connect(ip, port, limits.connect_timeout).await.ok()?
            };
            let (service, banner) = identify(ip, port, stream, &limits, &gate).await;
            Some(PortInfo { port, protocol: "tcp", service, banner })
        });
    }
    let mut open: Vec<PortInfo> = tasks.join_all().await.into_iter().flatten().collect();
    open.sort_by_key(|info| info.port);
    open
}

/// Identifies the service on an open port; `first` is the connection the scan opened.
async fn identify(
    ip: IpAddr,
    port: u16,
    mut first: tokio::net::TcpStream,
    limits: &Limits,
    gate: &Arc<Semaphore>,
) -> (Service, Option<String>) {
    let greeting = {
        let _permit = gate.acquire().await;
        net::read_some(&mut first, limits.banner_wait, 1024).await.unwrap_or_default()
    };
    drop(first);
    if let Some(service) = classify_greeting(&greeting) {
        let text = match service {
            Service::Telnet => crate::login::telnet::strip_iac(&greeting, &mut Vec::new()),
            // The first line: SSH's KEXINIT may follow its version line in the same read.
            _ => greeting.split(|b| *b == b'\n').next().unwrap_or_default().to_vec(),
        };
        return (service, Some(net::printable(&text, 120)).filter(|s| !s.is_empty()));
    }
    let order: &[Service] = match port {
        443 | 8443 | 8883 | 993 | 995 | 465 => &[Service::Tls, Service::Http, Service::Mqtt],
        1883 => &[Service::Mqtt, Service::Http, Service::Tls],
        _ => &[Service::Http, Service::Mqtt, Service::Tls],
    };
    for &candidate in order {
        let _permit = gate.acquire().await;
        let Ok(mut stream) = net::connect(ip, port, limits.connect_timeout).await else { continue };
        let request: Vec<u8> = match candidate {
            Service::Http => b"GET / HTTP/1.0\r\nUser-Agent: tekigo-probe\r\n\r\n".to_vec(),
            Service::Mqtt => crate::login::mqtt::connect_packet(&format!("tekigo-{:x}", net::nonce()), None),
            _ => minimal_client_hello(),
        };
        if stream.write_all(&request).await.is_err() {
            continue;
        }
        let reply = net::read_some(&mut stream, limits.read_timeout.min(limits.banner_wait * 2), 1024)
            .await
            .unwrap_or_default();
        let recognised = match candidate {
            Service::Http => reply.starts_with(b"HTTP/"),
            Service::Mqtt => reply.len() >= 4 && reply[0] == 0x20 && reply[1] == 0x02,
            _ => reply.len() >= 3 && (reply[0] == 0x16 || reply[0] == 0x15) && reply[1] == 0x03,
        };
        if candidate == Service::Mqtt && recognised {
            let _ = stream.write_all(&[0xe0, 0x00]).await;
        }
        if recognised {
            let banner = match candidate {
                Service::Http => Some(net::printable(reply.split(|b| *b == b'\n').next().unwrap_or_default(), 120)),
                _ => None,
            };
            return (candidate, banner);
        }
    }
    (Service::Unknown, None)
}

/// What a service said first, if that tells what it is.
pub fn classify_greeting(greeting: &[u8]) -> Option<Service> {
    if greeting.is_empty() {
        return None;
    }
    if greeting.starts_with(b"SSH-") {
        return Some(Service::Ssh);
    }
    if greeting[0] == 0xff {
        return Some(Service::Telnet);
    }
    let text = String::from_utf8_lossy(greeting).to_ascii_lowercase();
    if greeting.starts_with(b"220") && !text.contains("smtp") {
        return Some(Service::Ftp);
    }
    if crate::login::telnet::ends_with_prompt(&text, &["login:", "username:", "user name:"]) {
        return Some(Service::Telnet);
    }
    None
}

/// A TLS 1.2 ClientHello with common suites, enough to make any TLS server answer with a
/// ServerHello or an alert. Only its reply's first byte is read here.
pub fn minimal_client_hello() -> Vec<u8> {
    let suites: [u16; 12] =
        [0xc02f, 0xc030, 0xc02b, 0xc02c, 0x009c, 0x009d, 0x002f, 0x0035, 0xc013, 0xc014, 0x000a, 0x00ff];
    let mut body = vec![0x03, 0x03];
    body.extend((0..32u8).map(|i| i.wrapping_mul(37)));
    body.push(0); // session id
    body.extend(u16::try_from(suites.len() * 2).unwrap_or(0).to_be_bytes());
    for suite in suites {
        body.extend(suite.to_be_bytes());
    }
    body.extend([1, 0]); // compression: null
    let extensions: Vec<u8> = [
        // supported_groups: x25519, secp256r1, secp384r1
        &[0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18][..],
        // ec_point_formats: uncompressed
        &[0x00, 0x0b, 0x00, 0x02, 0x01, 0x00],
        // signature_algorithms: rsa_pss_rsae_sha256, rsa_pkcs1_sha256, ecdsa_secp256r1_sha256, rsa_pkcs1_sha1
        &[0x00, 0x0d, 0x00, 0x0a, 0x00, 0x08, 0x08, 0x04, 0x04, 0x01, 0x04, 0x03, 0x02, 0x01],
    ]
    .concat();
    body.extend(u16::try_from(extensions.len()).unwrap_or(0).to_be_bytes());
    body.extend(extensions);
    let mut handshake = vec![0x01];
    handshake.extend(&u32::try_from(body.len()).unwrap_or(0).to_be_bytes()[1..]);
    handshake.extend(body);
    let mut record = vec![0x16, 0x03, 0x01];
    record.extend(u16::try_from(handshake.len()).unwrap_or(0).to_be_bytes());
    record.extend(handshake);
    record
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_lists_and_ranges() {
        assert_eq!(parse_ports("22,80,8000-8002").unwrap(), vec![22, 80, 8000, 8001, 8002]);
        assert_eq!(parse_ports(" 80 , 22,80").unwrap(), vec![22, 80]);
        assert_eq!(parse_ports("1-3,2").unwrap(), vec![1, 2, 3]);
        assert!(matches!(parse_ports("0"), Err(PortsError::OutOfRange(_))));
        assert!(matches!(parse_ports("65536"), Err(PortsError::OutOfRange(_))));
        assert!(matches!(parse_ports("90-80"), Err(PortsError::Invalid(_))));
        assert!(matches!(parse_ports("ssh"), Err(PortsError::Invalid(_))));
        assert!(matches!(parse_ports(","), Err(PortsError::Invalid(_))));
    }

    #[test]
    fn default_ports_cover_the_mirai_and_iot_set() {
        let ports = default_ports();
        for port in [
            21, 22, 23, 53, 80, 81, 443, 554, 1883, 2323, 5000, 5555, 7547, 8000, 8080, 8081, 8443, 8883, 9000, 37777,
            49152,
        ] {
            assert!(ports.contains(&port), "{port}");
        }
        let mut sorted = ports.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, ports, "sorted and distinct");
    }

    #[test]
    fn greetings() {
        assert_eq!(classify_greeting(b"SSH-2.0-dropbear_2022.83\r\n"), Some(Service::Ssh));
        assert_eq!(classify_greeting(b"220 (vsFTPd 3.0.3)\r\n"), Some(Service::Ftp));
        assert_eq!(classify_greeting(b"220 mail ESMTP Postfix\r\n"), None);
        assert_eq!(classify_greeting(&[0xff, 0xfd, 0x18]), Some(Service::Telnet));
        assert_eq!(classify_greeting(b"\r\nDVR login: "), Some(Service::Telnet));
        assert_eq!(classify_greeting(b""), None);
        assert_eq!(classify_greeting(b"hello"), None);
    }

    #[test]
    fn client_hello_lengths_are_consistent() {
        let hello = minimal_client_hello();
        assert_eq!(hello[0], 0x16);
        let record_len = usize::from(u16::from_be_bytes([hello[3], hello[4]]));
        assert_eq!(record_len, hello.len() - 5);
        let handshake_len = (usize::from(hello[6]) << 16) | (usize::from(hello[7]) << 8) | usize::from(hello[8]);
        assert_eq!(handshake_len, hello.len() - 9);
    }
}
