//! TLS: which protocol versions and weak cipher suites a service accepts, and what its certificate
//! is (JC-STAR S1.1-12 and ETSI EN 303 645 5.5-1: communication is protected with current
//! cryptography).
//!
//! Why this file is long: the hand-built ClientHellos and the hand-read server flight are one
//! protocol, kept together so the bytes sent and the bytes expected are read side by side.
//!
//! rustls cannot offer SSL 3.0 to TLS 1.1 or weak suites, so the ClientHellos are built by hand
//! ([`client_hello`]) and the server's first flight is read by hand ([`parse_flight`]): records,
//! handshake messages reassembled across records, ServerHello (with the TLS 1.3
//! `supported_versions` extension), Certificate, ServerHelloDone and Alert. No handshake is ever
//! completed: the probe closes the connection after the server's first flight. Suite names and
//! properties come from tls-parser's copy of the IANA registry; certificates are read with
//! x509-parser.
//!
//! What is sent, at most: one ClientHello per protocol version (5), then, at the best legacy
//! version, one per weak cipher family and one more per suite the server accepted in it, bounded
//! by [`MAX_SUITES_PER_FAMILY`]. Every connection keeps to [`Limits`]' timeouts.
//!
//! The certificate is read from a TLS 1.2-or-older handshake, where it travels in clear. A server
//! that speaks only TLS 1.3 encrypts it; its certificate is then not checked (said in the summary).

use std::net::{IpAddr, SocketAddr};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use tekigo_base::Text;
use tls_parser::{CIPHERS, TlsCipherAu, TlsCipherEnc, TlsCipherEncMode, TlsCipherKx, TlsCipherMac, TlsCipherSuite};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

use crate::finding::Evidence;
use crate::observation::{Limits, Observation};

#[cfg(test)]
mod tests;

/// Every check ID this module reports (each defined in `data/checks-crypto.toml`).
pub const CHECKS: [&str; 8] = [
    "tls-protocol-weak",
    "tls-no-modern-protocol",
    "tls-cipher-weak",
    "tls-key-weak",
    "tls-cert-expired",
    "tls-cert-self-signed",
    "tls-cert-weak-signature",
    "tls-summary",
];

/// The most suites of one weak family the probe enumerates (one connection each).
pub const MAX_SUITES_PER_FAMILY: usize = 8;
/// The most bytes read from one server flight (a long certificate chain fits easily).
pub const MAX_FLIGHT_BYTES: usize = 256 * 1024;

const SCSV_RENEGOTIATION: u16 = 0x00ff;
const SCSV_FALLBACK: u16 = 0x5600;
/// SHA-256("HelloRetryRequest"): the ServerHello random that marks a HelloRetryRequest (RFC 8446 §4.1.3).
const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11,
    0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// A protocol version the probe offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    Ssl3,
    Tls10,
    Tls11,
    Tls12,
    Tls13,
}

impl Version {
    pub const ALL: [Version; 5] = [Version::Ssl3, Version::Tls10, Version::Tls11, Version::Tls12, Version::Tls13];

    pub fn wire(self) -> u16 {
        match self {
            Version::Ssl3 => 0x0300,
            Version::Tls10 => 0x0301,
            Version::Tls11 => 0x0302,
            Version::Tls12 => 0x0303,
            Version::Tls13 => 0x0304,
        }
    }

    pub fn from_wire(v: u16) -> Option<Version> {
        Version::ALL.into_iter().find(|x| x.wire() == v)
    }

    pub fn name(self) -> &'static str {
        match self {
            Version::Ssl3 => "SSL 3.0",
            Version::Tls10 => "TLS 1.0",
            Version::Tls11 => "TLS 1.1",
            Version::Tls12 => "TLS 1.2",
            Version::Tls13 => "TLS 1.3",
        }
    }

    /// SSL 3.0 (RFC 7568), TLS 1.0 and 1.1 (RFC 8996) are deprecated.
    pub fn is_weak(self) -> bool {
        self < Version::Tls12
    }
}

/// A family of cipher suites the probe asks for on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// No encryption at all.
    Null,
    /// 40- and 56-bit export-grade suites.
    Export,
    /// RC4 (RFC 7465 forbids it).
    Rc4,
    /// 64-bit block ciphers: DES, 3DES, IDEA, RC2 (Sweet32; DES is broken outright).
    Des,
    /// No server authentication (anonymous Diffie-Hellman): open to an active attacker.
    Anonymous,
    /// CBC with HMAC-SHA1: not broken, but the legacy construction. Reported for information.
    CbcSha1,
}

impl Family {
    pub const ALL: [Family; 6] =
        [Family::Null, Family::Export, Family::Rc4, Family::Des, Family::Anonymous, Family::CbcSha1];

    /// Whether accepting a suite of this family is a weakness (`tls-cipher-weak`).
    pub fn is_weak(self) -> bool {
        self != Family::CbcSha1
    }

    pub fn label(self) -> Text {
        match self {
            Family::Null => Text::new("NULL (no encryption)", "NULL（暗号化なし）"),
            Family::Export => Text::new("EXPORT (40/56-bit)", "EXPORT（40/56 ビット）"),
            Family::Rc4 => Text::new("RC4", "RC4"),
            Family::Des => Text::new("DES/3DES and other 64-bit block ciphers", "DES/3DES など 64 ビットブロック暗号"),
            Family::Anonymous => Text::new("anonymous (no server authentication)", "匿名（サーバ認証なし）"),
            Family::CbcSha1 => Text::new("CBC with HMAC-SHA1 (legacy)", "CBC と HMAC-SHA1（旧式）"),
        }
    }

    /// Whether `suite` belongs to this family. A suite may belong to several (an anonymous RC4
    /// export suite belongs to three).
    pub fn contains(self, suite: &TlsCipherSuite) -> bool {
        if suite.kx == TlsCipherKx::Tls13 || matches!(suite.id.0, 0x0000 | SCSV_RENEGOTIATION | SCSV_FALLBACK) {
            return false;
        }
        match self {
            Family::Null => suite.enc == TlsCipherEnc::Null,
            Family::Export => suite.name.contains("EXPORT"),
            Family::Rc4 => suite.enc == TlsCipherEnc::Rc4,
            Family::Des => {
                matches!(
                    suite.enc,
                    TlsCipherEnc::Des | TlsCipherEnc::TripleDes | TlsCipherEnc::Idea | TlsCipherEnc::Rc2
                )
            }
            Family::Anonymous => suite.au == TlsCipherAu::Null && suite.kx != TlsCipherKx::Null,
            Family::CbcSha1 => {
                suite.enc_mode == TlsCipherEncMode::Cbc
                    && suite.mac == TlsCipherMac::HmacSha1
                    && !Family::ALL.iter().any(|f| f.is_weak() && f.contains(suite))
            }
        }
    }

    /// The registry's suites of this family, in ID order.
    pub fn suites(self) -> Vec<u16> {
        let mut ids: Vec<u16> = CIPHERS.values().filter(|s| self.contains(s)).map(|s| s.id.0).collect();
        ids.sort_unstable();
        ids
    }
}

/// The weak families a suite belongs to, by ID (empty for an unknown ID).
pub fn weak_families(id: u16) -> Vec<Family> {
    match TlsCipherSuite::from_id(id) {
        Some(s) => Family::ALL.into_iter().filter(|f| f.is_weak() && f.contains(s)).collect(),
        None => Vec::new(),
    }
}

/// The IANA name of a suite, or its hex ID.
pub fn suite_name(id: u16) -> String {
    match TlsCipherSuite::from_id(id) {
        Some(s) => s.name.to_string(),
        None => format!("0x{id:04x}"),
    }
}

/// Every registered suite of TLS 1.2 and older (no TLS 1.3 suites, no signalling values except the
/// renegotiation SCSV), in ID order: what the per-version ClientHellos offer.
pub fn legacy_suites() -> Vec<u16> {
    let mut ids: Vec<u16> = CIPHERS
        .values()
        .filter(|s| s.kx != TlsCipherKx::Tls13 && !matches!(s.id.0, 0x0000 | SCSV_FALLBACK))
        .map(|s| s.id.0)
        .collect();
    ids.sort_unstable();
    ids
}

/// The TLS 1.3 suites (RFC 8446 B.4).
pub const TLS13_SUITES: [u16; 5] = [0x1301, 0x1302, 0x1303, 0x1304, 0x1305];

const GROUPS: [u16; 8] = [
    0x001d, // x25519
    0x0017, // secp256r1
    0x0018, // secp384r1
    0x0019, // secp521r1
    0x001e, // x448
    0x0100, // ffdhe2048
    0x0101, // ffdhe3072
    0x0016, // secp256k1
];

const SIGNATURE_ALGORITHMS: [u16; 17] = [
    0x0403, 0x0503, 0x0603, // ecdsa_secp256r1_sha256 .. secp521r1_sha512
    0x0807, 0x0808, // ed25519, ed448
    0x0804, 0x0805, 0x0806, // rsa_pss_rsae_sha256 .. sha512
    0x0809, 0x080a, 0x080b, // rsa_pss_pss_sha256 .. sha512
    0x0401, 0x0501, 0x0601, // rsa_pkcs1_sha256 .. sha512
    0x0201, 0x0203, 0x0202, // rsa_pkcs1_sha1, ecdsa_sha1, dsa_sha1 (old certificates still answer)
];

fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn put_u24(out: &mut Vec<u8>, v: usize) {
    out.extend_from_slice(&(v as u32).to_be_bytes()[1..]);
}

fn put_ext(out: &mut Vec<u8>, kind: u16, body: &[u8]) {
    put_u16(out, kind);
    put_u16(out, body.len() as u16);
    out.extend_from_slice(body);
}

fn u16_list(values: &[u16], len_bytes: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len_bytes + values.len() * 2);
    let n = values.len() * 2;
    if len_bytes == 1 {
        out.push(n as u8);
    } else {
        put_u16(&mut out, n as u16);
    }
    for v in values {
        put_u16(&mut out, *v);
    }
    out
}

/// One ClientHello record offering `version` (TLS 1.3 through `supported_versions` with an x25519
/// key share, as RFC 8446 requires) and `suites`. SSL 3.0 hellos carry no extensions. `random`
/// also serves as the x25519 key share: the probe never finishes a handshake, so no key is
/// needed. At most 8000 suites are taken, so the record stays within 2^14 bytes.
pub fn client_hello(version: Version, suites: &[u16], random: &[u8; 32]) -> Vec<u8> {
    let suites = &suites[..suites.len().min(8000)];
    let mut body = Vec::with_capacity(128 + suites.len() * 2);
    put_u16(&mut body, version.wire().min(Version::Tls12.wire()));
    body.extend_from_slice(random);
    body.push(0); // no session id
    body.extend_from_slice(&u16_list(suites, 2));
    body.extend_from_slice(&[1, 0]); // compression: null only
    if version != Version::Ssl3 {
        let mut ext = Vec::new();
        put_ext(&mut ext, 10, &u16_list(&GROUPS, 2));
        put_ext(&mut ext, 11, &[1, 0]); // ec_point_formats: uncompressed
        put_ext(&mut ext, 13, &u16_list(&SIGNATURE_ALGORITHMS, 2));
        put_ext(&mut ext, 0xff01, &[0]); // renegotiation_info, empty
        if version == Version::Tls13 {
            put_ext(&mut ext, 43, &[2, 0x03, 0x04]); // supported_versions: TLS 1.3 only
            put_ext(&mut ext, 45, &[1, 1]); // psk_key_exchange_modes: psk_dhe_ke
            let mut share = Vec::with_capacity(38);
            put_u16(&mut share, 36);
            put_u16(&mut share, 0x001d);
            put_u16(&mut share, 32);
            share.extend_from_slice(random);
            put_ext(&mut ext, 51, &share);
        }
        put_u16(&mut body, ext.len() as u16);
        body.extend_from_slice(&ext);
    }
    let mut handshake = Vec::with_capacity(body.len() + 4);
    handshake.push(1); // client_hello
    put_u24(&mut handshake, body.len());
    handshake.extend_from_slice(&body);
    let mut record = Vec::with_capacity(handshake.len() + 5);
    record.push(22);
    put_u16(&mut record, if version == Version::Ssl3 { 0x0300 } else { 0x0301 });
    put_u16(&mut record, handshake.len() as u16);
    record.extend_from_slice(&handshake);
    record
}

/// The server's choice, from its ServerHello.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerHello {
    /// The version field of the message itself (0x0303 for TLS 1.3).
    pub legacy_version: u16,
    /// The version negotiated: `supported_versions` when present, else `legacy_version`.
    pub version: u16,
    pub cipher: u16,
    /// A HelloRetryRequest (TLS 1.3): the server wants another key share, but has chosen TLS 1.3.
    pub retry_request: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alert {
    pub level: u8,
    pub description: u8,
}

impl Alert {
    /// The RFC 8446 §6 name of the description.
    pub fn name(self) -> String {
        let name = match self.description {
            0 => "close_notify",
            10 => "unexpected_message",
            20 => "bad_record_mac",
            22 => "record_overflow",
            40 => "handshake_failure",
            42 => "bad_certificate",
            47 => "illegal_parameter",
            50 => "decode_error",
            51 => "decrypt_error",
            70 => "protocol_version",
            71 => "insufficient_security",
            80 => "internal_error",
            86 => "inappropriate_fallback",
            109 => "missing_extension",
            110 => "unsupported_extension",
            112 => "unrecognized_name",
            120 => "no_application_protocol",
            _ => return format!("alert {}", self.description),
        };
        name.to_string()
    }
}

/// What a server's first flight said, as far as it was read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flight {
    pub server_hello: Option<ServerHello>,
    pub alert: Option<Alert>,
    /// DER certificates of the Certificate message, leaf first.
    pub certificates: Vec<Vec<u8>>,
    /// Nothing more to read: ServerHelloDone, an alert, or a TLS 1.3 ServerHello (the rest is
    /// encrypted).
    pub complete: bool,
    /// The bytes are not TLS (an HTTP answer, an SSH banner...): why.
    pub not_tls: Option<&'static str>,
}

impl Flight {
    /// The negotiated version, when the server accepted one.
    pub fn version(&self) -> Option<Version> {
        self.server_hello.and_then(|h| Version::from_wire(h.version))
    }
}

/// Reads a server's first flight from `bytes`, which may be cut short anywhere. Never panics.
pub fn parse_flight(bytes: &[u8]) -> Flight {
    let mut flight = Flight::default();
    let mut handshake = Vec::new();
    let mut rest = bytes;
    while rest.len() >= 5 {
        let (kind, len) = (rest[0], usize::from(u16::from_be_bytes([rest[3], rest[4]])));
        if rest[1] != 3 || len > (1 << 14) + 2048 {
            flight.not_tls = Some("not a TLS record header");
            break;
        }
        if rest.len() < 5 + len {
            break;
        }
        let data = &rest[5..5 + len];
        rest = &rest[5 + len..];
        match kind {
            21 => {
                if let [level, description, ..] = *data {
                    flight.alert = Some(Alert { level, description });
                    flight.complete = true;
                }
            }
            22 => handshake.extend_from_slice(data),
            20 | 23 => {}
            _ => {
                flight.not_tls = Some("unknown TLS record type");
                break;
            }
        }
    }
    parse_handshake(&handshake, &mut flight);
    flight
}

fn parse_handshake(mut rest: &[u8], flight: &mut Flight) {
    while rest.len() >= 4 {
        let kind = rest[0];
        let len = (usize::from(rest[1]) << 16) | (usize::from(rest[2]) << 8) | usize::from(rest[3]);
        if rest.len() < 4 + len {
            return;
        }
        let body = &rest[4..4 + len];
        rest = &rest[4 + len..];
        match kind {
            2 => {
                flight.server_hello = parse_server_hello(body);
                if flight.server_hello.is_some_and(|h| h.version == Version::Tls13.wire()) {
                    flight.complete = true;
                    return;
                }
            }
            11 => flight.certificates = parse_certificate_list(body),
            14 => {
                flight.complete = true;
                return;
            }
            _ => {}
        }
    }
}

/// A cursor over a byte slice whose reads fail instead of panicking.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }
    fn u24(&mut self) -> Option<usize> {
        self.take(3).map(|b| (usize::from(b[0]) << 16) | (usize::from(b[1]) << 8) | usize::from(b[2]))
    }
}

/// A ServerHello body (after the 4-byte handshake header).
pub fn parse_server_hello(body: &[u8]) -> Option<ServerHello> {
    let mut r = Reader(body);
    let legacy_version = r.u16()?;
    let random = r.take(32)?;
    let sid_len = r.u8()?;
    r.take(usize::from(sid_len))?;
    let cipher = r.u16()?;
    r.u8()?; // compression
    let mut version = legacy_version;
    if let Some(ext_len) = r.u16() {
        let mut ext = Reader(r.take(usize::from(ext_len))?);
        while let Some(kind) = ext.u16() {
            let len = ext.u16()?;
            let data = ext.take(usize::from(len))?;
            if kind == 43 && data.len() == 2 {
                version = u16::from_be_bytes([data[0], data[1]]);
            }
        }
    }
    Some(ServerHello { legacy_version, version, cipher, retry_request: random == HRR_RANDOM })
}

fn parse_certificate_list(body: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut r = Reader(body);
    let Some(total) = r.u24() else { return out };
    let Some(list) = r.take(total) else { return out };
    let mut r = Reader(list);
    while let Some(len) = r.u24() {
        match r.take(len) {
            Some(der) => out.push(der.to_vec()),
            None => break,
        }
    }
    out
}

/// What the probe reads from a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    /// `RSA`, `EC`, `DSA`, `Ed25519`, ... and the key size in bits (0 when unknown).
    pub key_algorithm: String,
    pub key_bits: usize,
    /// The signature algorithm's OID in dotted form, and a name for the common ones.
    pub signature_oid: String,
    pub signature_name: String,
    /// Subject and issuer are the same name.
    pub self_signed: bool,
}

impl CertInfo {
    /// RSA and DSA below 2048 bits, EC below 256 bits (NIST SP 800-57 Pt. 1: 112-bit security).
    pub fn key_is_weak(&self) -> bool {
        match self.key_algorithm.as_str() {
            "RSA" | "DSA" => self.key_bits < 2048,
            "EC" => self.key_bits < 256,
            _ => false,
        }
    }

    /// Signed with MD2, MD5 or SHA-1.
    pub fn signature_is_weak(&self) -> bool {
        WEAK_SIGNATURES.iter().any(|(oid, _)| *oid == self.signature_oid)
    }
}

const WEAK_SIGNATURES: [(&str, &str); 5] = [
    ("1.2.840.113549.1.1.2", "md2WithRSAEncryption"),
    ("1.2.840.113549.1.1.4", "md5WithRSAEncryption"),
    ("1.2.840.113549.1.1.5", "sha1WithRSAEncryption"),
    ("1.2.840.10040.4.3", "dsa-with-sha1"),
    ("1.2.840.10045.4.1", "ecdsa-with-SHA1"),
];

const STRONG_SIGNATURES: [(&str, &str); 9] = [
    ("1.2.840.113549.1.1.11", "sha256WithRSAEncryption"),
    ("1.2.840.113549.1.1.12", "sha384WithRSAEncryption"),
    ("1.2.840.113549.1.1.13", "sha512WithRSAEncryption"),
    ("1.2.840.113549.1.1.10", "RSASSA-PSS"),
    ("1.2.840.10045.4.3.2", "ecdsa-with-SHA256"),
    ("1.2.840.10045.4.3.3", "ecdsa-with-SHA384"),
    ("1.2.840.10045.4.3.4", "ecdsa-with-SHA512"),
    ("1.3.101.112", "Ed25519"),
    ("1.3.101.113", "Ed448"),
];

/// Reads one DER certificate; `None` when it does not parse.
pub fn analyse_certificate(der: &[u8]) -> Option<CertInfo> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    let spki = cert.public_key();
    let key_oid = spki.algorithm.algorithm.to_id_string();
    let (key_algorithm, key_bits) = match spki.parsed() {
        Ok(PublicKey::RSA(k)) => ("RSA".to_string(), k.key_size()),
        Ok(PublicKey::EC(k)) => ("EC".to_string(), k.key_size()),
        Ok(PublicKey::DSA(y)) => ("DSA".to_string(), significant_bits(y)),
        _ => match key_oid.as_str() {
            "1.3.101.112" => ("Ed25519".to_string(), 256),
            "1.3.101.113" => ("Ed448".to_string(), 456),
            other => (other.to_string(), 0),
        },
    };
    let signature_oid = cert.signature_algorithm.algorithm.to_id_string();
    let signature_name = WEAK_SIGNATURES
        .iter()
        .chain(STRONG_SIGNATURES.iter())
        .find(|(oid, _)| *oid == signature_oid)
        .map_or_else(|| signature_oid.clone(), |(_, name)| (*name).to_string());
    Some(CertInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        key_algorithm,
        key_bits,
        signature_oid,
        signature_name,
        self_signed: cert.subject().as_raw() == cert.issuer().as_raw(),
    })
}

fn significant_bits(be: &[u8]) -> usize {
    let be = match be.iter().position(|b| *b != 0) {
        Some(i) => &be[i..],
        None => return 0,
    };
    be.len() * 8 - be[0].leading_zeros() as usize
}

/// What the probe learnt about one TLS service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Each version offered, and the ServerHello or alert it got: (version, accepted suite or alert).
    pub versions: Vec<(Version, Result<u16, String>)>,
    /// Weak and legacy suites the server accepted, by family.
    pub suites: Vec<(Family, Vec<u16>)>,
    /// The certificate chain of the best TLS ≤ 1.2 handshake, leaf first.
    pub chain: Vec<CertInfo>,
    /// Anything that stopped a step early (timeouts, resets).
    pub notes: Vec<String>,
    /// Every ClientHello sent, for the evidence.
    pub sent: Vec<String>,
    /// Some answer was TLS (a ServerHello or an alert).
    pub answered_tls: bool,
}

impl Report {
    pub fn accepted(&self) -> Vec<Version> {
        self.versions.iter().filter(|(_, r)| r.is_ok()).map(|(v, _)| *v).collect()
    }

    /// Whether anything answered like TLS at all.
    pub fn speaks_tls(&self) -> bool {
        self.answered_tls
    }
}

/// Tests one TLS service: protocol versions, weak cipher families, certificate. An empty result
/// means the port did not answer TLS (closed, filtered, or another protocol).
pub async fn check(ip: IpAddr, port: u16, limits: &Limits) -> Vec<Observation> {
    let report = probe(SocketAddr::new(ip, port), limits).await;
    observations(&report, port, unix_now())
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// Not a key: the client random and the throwaway x25519 share. Never secret, never reused for
/// anything; distinct per hello so that a server's replay cache is not confused.
fn random_bytes() -> [u8; 32] {
    use std::hash::{BuildHasher, RandomState};
    let state = RandomState::new();
    let mut out = [0u8; 32];
    for (i, chunk) in out.chunks_mut(8).enumerate() {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        chunk.copy_from_slice(&state.hash_one((i, nanos)).to_be_bytes());
    }
    out
}

/// Sends one ClientHello and reads the first flight. `Err` when the connection failed or the server
/// sent nothing before closing or timing out.
pub async fn exchange(addr: SocketAddr, hello: &[u8], limits: &Limits) -> Result<Flight, String> {
    let mut stream = tokio::time::timeout(limits.connect_timeout, TcpStream::connect(addr))
        .await
        .map_err(|_| "connect timed out".to_string())?
        .map_err(|e| format!("connect: {e}"))?;
    tokio::time::timeout(limits.read_timeout, stream.write_all(hello))
        .await
        .map_err(|_| "write timed out".to_string())?
        .map_err(|e| format!("write: {e}"))?;
    let deadline = Instant::now() + limits.read_timeout;
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let read = tokio::time::timeout(left, stream.read(&mut chunk)).await;
        let n = match read {
            Ok(Ok(n)) => n,
            Ok(Err(e)) if buf.is_empty() => return Err(format!("read: {e}")),
            Ok(Err(_)) => 0,
            Err(_) if buf.is_empty() => return Err("no answer before the read timeout".to_string()),
            Err(_) => 0,
        };
        if n == 0 {
            return if buf.is_empty() { Err("closed without answering".to_string()) } else { Ok(parse_flight(&buf)) };
        }
        buf.extend_from_slice(&chunk[..n]);
        let flight = parse_flight(&buf);
        if flight.complete || flight.not_tls.is_some() || buf.len() >= MAX_FLIGHT_BYTES {
            return Ok(flight);
        }
    }
}

/// Runs the whole TLS test against one address (see the module text for what it sends).
pub async fn probe(addr: SocketAddr, limits: &Limits) -> Report {
    let mut report = Report::default();
    let legacy = legacy_suites();
    let mut best_chain: Option<(Version, Vec<Vec<u8>>)> = None;
    for version in Version::ALL {
        let suites: &[u16] = if version == Version::Tls13 { &TLS13_SUITES } else { &legacy };
        let hello = client_hello(version, suites, &random_bytes());
        report.sent.push(format!("ClientHello {} ({} suites)", version.name(), suites.len()));
        match exchange(addr, &hello, limits).await {
            Ok(flight) if flight.not_tls.is_some() => {
                report.notes.push(format!("{}: {}", version.name(), flight.not_tls.unwrap_or_default()));
                if report.versions.is_empty() && version == Version::Ssl3 {
                    // Give the other versions their chance: some stacks answer SSL 3.0 with junk.
                    continue;
                }
            }
            Ok(flight) => {
                report.answered_tls |= flight.server_hello.is_some() || flight.alert.is_some();
                let outcome = match (flight.server_hello, flight.alert) {
                    (Some(h), _) if Version::from_wire(h.version) == Some(version) => Ok(h.cipher),
                    (Some(h), _) => Err(format!("answered with version 0x{:04x}", h.version)),
                    (None, Some(a)) => Err(a.name()),
                    (None, None) => Err("no ServerHello".to_string()),
                };
                if outcome.is_ok() && version != Version::Tls13 && !flight.certificates.is_empty() {
                    best_chain = Some((version, flight.certificates.clone()));
                }
                report.versions.push((version, outcome));
            }
            Err(e) => {
                if report.versions.is_empty() && e.starts_with("connect") {
                    report.notes.push(e);
                    return report;
                }
                report.versions.push((version, Err(e)));
            }
        }
    }
    if let Some((_, chain)) = &best_chain {
        report.chain = chain.iter().filter_map(|der| analyse_certificate(der)).collect();
    }
    let best_legacy = report.accepted().into_iter().filter(|v| *v != Version::Tls13).max();
    if let Some(version) = best_legacy {
        for family in Family::ALL {
            let mut offer = family.suites();
            let mut accepted = Vec::new();
            while !offer.is_empty() && accepted.len() < MAX_SUITES_PER_FAMILY {
                let hello = client_hello(version, &offer, &random_bytes());
                report.sent.push(format!(
                    "ClientHello {} ({} suites of family {:?})",
                    version.name(),
                    offer.len(),
                    family
                ));
                let chosen = match exchange(addr, &hello, limits).await {
                    Ok(f) => f.server_hello.map(|h| h.cipher),
                    Err(e) => {
                        report.notes.push(format!("{family:?}: {e}"));
                        None
                    }
                };
                match chosen {
                    Some(id) if offer.contains(&id) => {
                        accepted.push(id);
                        offer.retain(|x| *x != id);
                    }
                    _ => break,
                }
            }
            if !accepted.is_empty() {
                report.suites.push((family, accepted));
            }
        }
    }
    report
}

fn join(items: impl IntoIterator<Item = String>) -> String {
    items.into_iter().collect::<Vec<_>>().join(", ")
}

fn observation(check: &'static str, port: u16, detail: Text, seen: Vec<String>, sent: &[String]) -> Observation {
    Observation {
        check,
        port: Some(port),
        protocol: Some("tcp"),
        service: Some("tls".to_string()),
        detail,
        evidence: Evidence { sent: sent.to_vec(), seen, credential: None },
    }
}

/// Turns a [`Report`] into observations, judged at `now` (Unix seconds). Pure.
pub fn observations(report: &Report, port: u16, now: i64) -> Vec<Observation> {
    let mut out = Vec::new();
    if !report.speaks_tls() {
        return out;
    }
    let accepted = report.accepted();
    let version_seen = |v: &Version| -> String {
        match report.versions.iter().find(|(x, _)| x == v) {
            Some((_, Ok(id))) => format!("{}: ServerHello {}", v.name(), suite_name(*id)),
            Some((_, Err(e))) => format!("{}: {e}", v.name()),
            None => format!("{}: not tried", v.name()),
        }
    };
    let weak: Vec<Version> = accepted.iter().copied().filter(|v| v.is_weak()).collect();
    if !weak.is_empty() {
        let names = join(weak.iter().map(|v| v.name().to_string()));
        out.push(observation(
            "tls-protocol-weak",
            port,
            Text::new(
                format!("Accepts deprecated protocol versions: {names}"),
                format!("廃止されたプロトコル版を受け付けます: {names}"),
            ),
            weak.iter().map(version_seen).collect(),
            &report.sent,
        ));
    }
    if !accepted.is_empty() && !accepted.iter().any(|v| *v >= Version::Tls12) {
        out.push(observation(
            "tls-no-modern-protocol",
            port,
            Text::new("Accepts neither TLS 1.2 nor TLS 1.3", "TLS 1.2 も TLS 1.3 も受け付けません"),
            [Version::Tls12, Version::Tls13].iter().map(version_seen).collect(),
            &report.sent,
        ));
    }
    let weak_suites: Vec<&(Family, Vec<u16>)> = report.suites.iter().filter(|(f, _)| f.is_weak()).collect();
    if !weak_suites.is_empty() {
        let en = join(weak_suites.iter().map(|(f, _)| f.label().en));
        let ja = join(weak_suites.iter().map(|(f, _)| f.label().ja));
        let seen =
            weak_suites.iter().map(|(f, ids)| format!("{:?}: {}", f, join(ids.iter().map(|id| suite_name(*id)))));
        out.push(observation(
            "tls-cipher-weak",
            port,
            Text::new(format!("Accepts weak cipher suites: {en}"), format!("弱い暗号スイートを受け付けます: {ja}")),
            seen.collect(),
            &report.sent,
        ));
    }
    if let Some(leaf) = report.chain.first() {
        let cert_seen = |c: &CertInfo| {
            vec![format!(
                "subject {}; issuer {}; key {} {} bits; signature {}; valid {} to {}",
                c.subject,
                c.issuer,
                c.key_algorithm,
                c.key_bits,
                c.signature_name,
                unix_date(c.not_before),
                unix_date(c.not_after)
            )]
        };
        if leaf.key_is_weak() {
            let (alg, bits) = (&leaf.key_algorithm, leaf.key_bits);
            out.push(observation(
                "tls-key-weak",
                port,
                Text::new(
                    format!("The certificate's {alg} key has only {bits} bits (RSA needs 2048, EC 256)"),
                    format!("証明書の {alg} 鍵は {bits} ビットしかありません（RSA は 2048、EC は 256 ビットが必要）"),
                ),
                cert_seen(leaf),
                &report.sent,
            ));
        }
        if now > leaf.not_after || now < leaf.not_before {
            let (en, ja) = if now > leaf.not_after {
                let d = unix_date(leaf.not_after);
                (format!("The certificate expired on {d}"), format!("証明書は {d} に期限切れです"))
            } else {
                let d = unix_date(leaf.not_before);
                (format!("The certificate is not valid before {d}"), format!("証明書は {d} まで有効になりません"))
            };
            out.push(observation("tls-cert-expired", port, Text::new(en, ja), cert_seen(leaf), &report.sent));
        }
        if leaf.self_signed {
            out.push(observation(
                "tls-cert-self-signed",
                port,
                Text::new(
                    "The certificate is self-signed: a client cannot tell it from an impostor's",
                    "証明書は自己署名です: クライアントはなりすましと区別できません",
                ),
                cert_seen(leaf),
                &report.sent,
            ));
        }
        // The root's own signature does not matter; every certificate below it does.
        let weak_sig: Vec<&CertInfo> = report
            .chain
            .iter()
            .enumerate()
            .filter(|(i, c)| c.signature_is_weak() && (*i == 0 || !c.self_signed))
            .map(|(_, c)| c)
            .collect();
        if !weak_sig.is_empty() {
            let names = join(weak_sig.iter().map(|c| c.signature_name.clone()));
            out.push(observation(
                "tls-cert-weak-signature",
                port,
                Text::new(
                    format!("The certificate chain is signed with a broken hash: {names}"),
                    format!("証明書チェーンが破られたハッシュで署名されています: {names}"),
                ),
                weak_sig.iter().flat_map(|c| cert_seen(c)).collect(),
                &report.sent,
            ));
        }
    }
    let versions =
        if accepted.is_empty() { "none".to_string() } else { join(accepted.iter().map(|v| v.name().to_string())) };
    let cert = match report.chain.first() {
        Some(c) => format!("{} {} bits, {}", c.key_algorithm, c.key_bits, c.signature_name),
        None if accepted == [Version::Tls13] => "not read (TLS 1.3 only: encrypted)".to_string(),
        None => "not read".to_string(),
    };
    let cert_ja = match report.chain.first() {
        Some(_) => cert.clone(),
        None if accepted == [Version::Tls13] => "未取得（TLS 1.3 のみで暗号化されているため）".to_string(),
        None => "未取得".to_string(),
    };
    let mut seen: Vec<String> = Version::ALL.iter().map(version_seen).collect();
    seen.extend(
        report.suites.iter().map(|(f, ids)| format!("{:?}: {}", f, join(ids.iter().map(|id| suite_name(*id))))),
    );
    seen.extend(report.notes.iter().cloned());
    out.push(observation(
        "tls-summary",
        port,
        Text::new(
            format!("TLS versions accepted: {versions}; certificate: {cert}"),
            format!("受け付ける TLS 版: {}; 証明書: {cert_ja}", versions.replace("none", "なし")),
        ),
        seen,
        &report.sent,
    ));
    out
}

/// `YYYY-MM-DD` of a Unix time (UTC), for the texts.
fn unix_date(t: i64) -> String {
    // Civil-from-days (H. Hinnant), valid for the whole proleptic Gregorian calendar.
    let days = t.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}
