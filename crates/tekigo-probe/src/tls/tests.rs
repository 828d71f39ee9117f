use proptest::prelude::*;

use super::*;

/// Flights captured from Debian 12's `openssl s_server` (OpenSSL 3.0): TLS 1.0 only with a 1024-bit
/// RSA key in an expired self-signed SHA-1 certificate, and TLS 1.3 only with a P-256 key.
const TLS10_FLIGHT: &[u8] = include_bytes!("../../tests/fixtures/tls/openssl-tls10-rsa1024-flight.bin");
const TLS10_TO_TLS12_HELLO: &[u8] =
    include_bytes!("../../tests/fixtures/tls/openssl-tls10-only-answers-tls12-hello.bin");
const TLS13_FLIGHT: &[u8] = include_bytes!("../../tests/fixtures/tls/openssl-tls13-serverhello.bin");
const TLS13_ONLY_ALERT: &[u8] = include_bytes!("../../tests/fixtures/tls/openssl-tls13-only-alert.bin");

#[test]
fn tls10_flight_has_hello_certificate_and_done() {
    let f = parse_flight(TLS10_FLIGHT);
    assert!(f.complete && f.not_tls.is_none() && f.alert.is_none());
    let hello = f.server_hello.unwrap();
    assert_eq!((hello.version, hello.cipher, hello.retry_request), (0x0301, 0x002f, false));
    assert_eq!(f.version(), Some(Version::Tls10));
    assert_eq!(f.certificates.len(), 1);
    let cert = analyse_certificate(&f.certificates[0]).unwrap();
    assert_eq!((cert.key_algorithm.as_str(), cert.key_bits), ("RSA", 1024));
    assert!(cert.key_is_weak() && cert.self_signed && cert.signature_is_weak());
    assert_eq!(cert.signature_name, "sha1WithRSAEncryption");
    assert_eq!(unix_date(cert.not_before), "2020-01-01");
    assert_eq!(unix_date(cert.not_after), "2021-01-01");
    assert_eq!(cert.subject, "CN=weak");
}

#[test]
fn a_server_answering_a_lower_version_is_read_as_that_version() {
    let f = parse_flight(TLS10_TO_TLS12_HELLO);
    assert_eq!(f.version(), Some(Version::Tls10));
}

#[test]
fn tls13_server_hello_is_read_from_supported_versions() {
    let f = parse_flight(TLS13_FLIGHT);
    let hello = f.server_hello.unwrap();
    assert_eq!((hello.legacy_version, hello.version, hello.cipher), (0x0303, 0x0304, 0x1301));
    assert!(f.complete && f.certificates.is_empty(), "the certificate is encrypted in TLS 1.3");
}

#[test]
fn alert_is_read() {
    let f = parse_flight(TLS13_ONLY_ALERT);
    assert_eq!(f.alert, Some(Alert { level: 2, description: 70 }));
    assert_eq!(f.alert.unwrap().name(), "protocol_version");
    assert!(f.complete && f.server_hello.is_none());
}

#[test]
fn a_flight_cut_anywhere_is_incomplete_but_never_wrong() {
    for cut in 0..TLS10_FLIGHT.len() {
        let f = parse_flight(&TLS10_FLIGHT[..cut]);
        assert!(!f.complete || cut == TLS10_FLIGHT.len());
        assert!(f.not_tls.is_none(), "cut {cut}");
        if let Some(h) = f.server_hello {
            assert_eq!(h.cipher, 0x002f);
        }
    }
}

#[test]
fn other_protocols_are_not_tls() {
    assert!(parse_flight(b"SSH-2.0-dropbear_2022.83\r\n").not_tls.is_some());
    assert!(parse_flight(b"HTTP/1.1 400 Bad Request\r\n\r\n").not_tls.is_some());
}

#[test]
fn hello_retry_request_is_recognised() {
    // ServerHello body: version, HRR random, empty session id, TLS_AES_128_GCM_SHA256, no
    // compression, supported_versions = TLS 1.3.
    let mut body = vec![0x03, 0x03];
    body.extend_from_slice(&HRR_RANDOM);
    body.extend_from_slice(&[0, 0x13, 0x01, 0, 0, 6, 0, 43, 0, 2, 3, 4]);
    let hello = parse_server_hello(&body).unwrap();
    assert!(hello.retry_request);
    assert_eq!(hello.version, 0x0304);
}

/// Parses a ClientHello we built, independently of `parse_flight` (which reads server messages).
fn read_client_hello(record: &[u8]) -> (u16, u16, Vec<u16>, Vec<u16>) {
    let mut r = Reader(record);
    assert_eq!(r.u8(), Some(22));
    let record_version = r.u16().unwrap();
    let len = usize::from(r.u16().unwrap());
    assert_eq!(len, r.0.len(), "record length");
    assert_eq!(r.u8(), Some(1));
    assert_eq!(r.u24(), Some(len - 4), "handshake length");
    let client_version = r.u16().unwrap();
    r.take(32).unwrap();
    let sid = r.u8().unwrap();
    r.take(usize::from(sid)).unwrap();
    let n = usize::from(r.u16().unwrap());
    let suites = r.take(n).unwrap().chunks(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
    assert_eq!(r.take(2), Some(&[1u8, 0][..]));
    let mut exts = Vec::new();
    if let Some(n) = r.u16() {
        let mut e = Reader(r.take(usize::from(n)).unwrap());
        while let Some(kind) = e.u16() {
            let l = e.u16().unwrap();
            e.take(usize::from(l)).unwrap();
            exts.push(kind);
        }
    }
    assert!(r.0.is_empty(), "trailing bytes");
    (record_version, client_version, suites, exts)
}

#[test]
fn client_hellos_are_well_formed() {
    let random = [7u8; 32];
    let (rv, cv, suites, exts) = read_client_hello(&client_hello(Version::Ssl3, &[0x000a], &random));
    assert_eq!((rv, cv, suites, exts), (0x0300, 0x0300, vec![0x000a], vec![]));
    let (rv, cv, _, exts) = read_client_hello(&client_hello(Version::Tls10, &legacy_suites(), &random));
    assert_eq!((rv, cv), (0x0301, 0x0301));
    assert_eq!(exts, vec![10, 11, 13, 0xff01]);
    let (rv, cv, suites, exts) = read_client_hello(&client_hello(Version::Tls13, &TLS13_SUITES, &random));
    assert_eq!((rv, cv, suites), (0x0301, 0x0303, TLS13_SUITES.to_vec()));
    assert_eq!(exts, vec![10, 11, 13, 0xff01, 43, 45, 51]);
}

#[test]
fn legacy_offer_never_signals_fallback() {
    let suites = legacy_suites();
    assert!(!suites.contains(&SCSV_FALLBACK), "TLS_FALLBACK_SCSV would make servers refuse old versions");
    assert!(suites.contains(&SCSV_RENEGOTIATION));
    assert!(suites.iter().all(|s| !TLS13_SUITES.contains(s)));
    assert!(suites.len() > 300);
}

#[test]
fn families_classify_well_known_suites() {
    let cases: &[(u16, &[Family])] = &[
        (0x0002, &[Family::Null]),                    // RSA_WITH_NULL_SHA
        (0x0003, &[Family::Export, Family::Rc4]),     // RSA_EXPORT_WITH_RC4_40_MD5
        (0x0005, &[Family::Rc4]),                     // RSA_WITH_RC4_128_SHA
        (0x000a, &[Family::Des]),                     // RSA_WITH_3DES_EDE_CBC_SHA
        (0x0009, &[Family::Des]),                     // RSA_WITH_DES_CBC_SHA
        (0x0034, &[Family::Anonymous]),               // DH_anon_WITH_AES_128_CBC_SHA
        (0x0018, &[Family::Rc4, Family::Anonymous]),  // DH_anon_WITH_RC4_128_MD5
        (0xc015, &[Family::Null, Family::Anonymous]), // ECDH_anon_WITH_NULL_SHA
        (0x002f, &[]),                                // RSA_WITH_AES_128_CBC_SHA: legacy, not weak
        (0xc02f, &[]),                                // ECDHE_RSA_WITH_AES_128_GCM_SHA256
        (0x1301, &[]),                                // TLS_AES_128_GCM_SHA256
    ];
    for (id, families) in cases {
        assert_eq!(weak_families(*id), families.to_vec(), "{}", suite_name(*id));
    }
    assert!(Family::CbcSha1.contains(TlsCipherSuite::from_id(0x002f).unwrap()));
    assert!(!Family::CbcSha1.contains(TlsCipherSuite::from_id(0x000a).unwrap()), "3DES is reported as weak, once");
    for family in Family::ALL {
        assert!(!family.suites().is_empty(), "{family:?}");
        assert!(!family.suites().contains(&0x00ff) && !family.suites().contains(&0x0000));
    }
}

#[test]
fn version_order_and_names() {
    assert!(Version::Ssl3.is_weak() && Version::Tls11.is_weak() && !Version::Tls12.is_weak());
    for v in Version::ALL {
        assert_eq!(Version::from_wire(v.wire()), Some(v));
    }
}

fn report(accepted: &[Version]) -> Report {
    Report {
        versions: Version::ALL
            .iter()
            .map(|v| (*v, if accepted.contains(v) { Ok(0xc02f) } else { Err("protocol_version".into()) }))
            .collect(),
        answered_tls: true,
        ..Report::default()
    }
}

fn checks(obs: &[Observation]) -> Vec<&'static str> {
    obs.iter().map(|o| o.check).collect()
}

#[test]
fn observations_from_reports() {
    let now = 1_800_000_000;
    assert_eq!(checks(&observations(&report(&[Version::Tls12, Version::Tls13]), 443, now)), ["tls-summary"]);
    assert_eq!(
        checks(&observations(&report(&[Version::Tls10]), 443, now)),
        ["tls-protocol-weak", "tls-no-modern-protocol", "tls-summary"]
    );
    assert_eq!(
        checks(&observations(&report(&[Version::Ssl3, Version::Tls12]), 443, now)),
        ["tls-protocol-weak", "tls-summary"]
    );
    assert!(observations(&Report::default(), 443, now).is_empty(), "no TLS answer, no observation");
    let none = observations(&report(&[]), 443, now);
    assert_eq!(checks(&none), ["tls-summary"], "alerts to every version: TLS, but nothing accepted");
    assert!(none[0].detail.ja.contains("なし"));

    let mut r = report(&[Version::Tls12]);
    r.suites = vec![(Family::Rc4, vec![0x0005]), (Family::CbcSha1, vec![0x002f])];
    let obs = observations(&r, 8443, now);
    assert_eq!(checks(&obs), ["tls-cipher-weak", "tls-summary"]);
    assert_eq!(obs[0].evidence.seen, ["Rc4: TLS_RSA_WITH_RC4_128_SHA"]);
    assert!(obs[0].detail.en.contains("RC4") && !obs[0].detail.en.contains("CBC"));
}

#[test]
fn certificate_observations() {
    let cert = analyse_certificate(&parse_flight(TLS10_FLIGHT).certificates[0]).unwrap();
    let mut r = report(&[Version::Tls12]);
    r.chain = vec![cert.clone()];
    let in_2020 = 1_590_000_000;
    assert_eq!(
        checks(&observations(&r, 443, in_2020)),
        ["tls-key-weak", "tls-cert-self-signed", "tls-cert-weak-signature", "tls-summary"]
    );
    let obs = observations(&r, 443, 1_800_000_000);
    assert!(checks(&obs).contains(&"tls-cert-expired"));
    let expired = obs.iter().find(|o| o.check == "tls-cert-expired").unwrap();
    assert!(expired.detail.en.contains("2021-01-01") && expired.detail.ja.contains("2021-01-01"));
    let obs = observations(&r, 443, 1_500_000_000);
    let early = obs.iter().find(|o| o.check == "tls-cert-expired").unwrap();
    assert!(early.detail.en.contains("not valid before 2020-01-01"));

    // A SHA-1 self-signed root above a good leaf is not a weak signature; a good leaf is nothing.
    let leaf = CertInfo {
        key_algorithm: "EC".into(),
        key_bits: 256,
        signature_oid: "1.2.840.10045.4.3.2".into(),
        self_signed: false,
        not_before: 0,
        not_after: i64::MAX,
        ..cert.clone()
    };
    r.chain = vec![leaf, cert];
    assert_eq!(checks(&observations(&r, 443, 1_800_000_000)), ["tls-summary"]);
}

#[test]
fn key_size_rules() {
    let base = analyse_certificate(&parse_flight(TLS10_FLIGHT).certificates[0]).unwrap();
    let with = |alg: &str, bits| CertInfo { key_algorithm: alg.into(), key_bits: bits, ..base.clone() };
    assert!(with("RSA", 2047).key_is_weak() && !with("RSA", 2048).key_is_weak());
    assert!(with("EC", 224).key_is_weak() && !with("EC", 256).key_is_weak());
    assert!(with("DSA", 1024).key_is_weak());
    assert!(!with("Ed25519", 256).key_is_weak());
}

#[test]
fn dates() {
    assert_eq!(unix_date(0), "1970-01-01");
    assert_eq!(unix_date(951_782_400), "2000-02-29");
    assert_eq!(unix_date(-86_400), "1969-12-31");
}

proptest! {
    #[test]
    fn parse_flight_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = parse_flight(&bytes);
    }

    #[test]
    fn parse_flight_never_panics_on_tls_shaped_bytes(
        records in proptest::collection::vec((20u8..=23, proptest::collection::vec(any::<u8>(), 0..300)), 0..6)
    ) {
        let mut bytes = Vec::new();
        for (kind, data) in records {
            bytes.extend_from_slice(&[kind, 3, 1]);
            bytes.extend_from_slice(&(data.len() as u16).to_be_bytes());
            bytes.extend_from_slice(&data);
        }
        let _ = parse_flight(&bytes);
    }

    #[test]
    fn server_hello_and_certificate_parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_server_hello(&bytes);
        let _ = parse_certificate_list(&bytes);
        let _ = analyse_certificate(&bytes);
    }

    #[test]
    fn client_hello_round_trips(
        version in proptest::sample::select(Version::ALL.to_vec()),
        suites in proptest::collection::vec(any::<u16>(), 0..400),
        random in any::<[u8; 32]>(),
    ) {
        let (_, cv, got, _) = read_client_hello(&client_hello(version, &suites, &random));
        prop_assert_eq!(cv, version.wire().min(0x0303));
        prop_assert_eq!(got, suites);
    }
}
