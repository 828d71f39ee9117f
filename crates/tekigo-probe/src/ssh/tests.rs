use proptest::prelude::*;

use super::*;

/// What Debian 12's dropbear 2022.83 sent after our identification line: its own, then KEXINIT.
const DROPBEAR: &[u8] = include_bytes!("../../tests/fixtures/ssh/dropbear-2022.83-ident-kexinit.bin");

fn dropbear_report() -> Report {
    let (banner, id, consumed) = split_identification(DROPBEAR).unwrap().unwrap();
    let (payload, _) = parse_packet(&DROPBEAR[consumed..]).unwrap().unwrap();
    Report { banner, identification: Some(id), kexinit: parse_kexinit(payload), note: None }
}

#[test]
fn dropbear_fixture_is_read() {
    let report = dropbear_report();
    let id = report.identification.as_ref().unwrap();
    assert_eq!((id.proto.as_str(), id.software.as_str(), id.comments.as_deref()), ("2.0", "dropbear_2022.83", None));
    let kex = report.kexinit.as_ref().unwrap();
    assert!(kex.kex.contains(&"curve25519-sha256".to_string()));
    assert!(kex.kex.contains(&"diffie-hellman-group14-sha1".to_string()));
    assert!(kex.host_key.contains(&"ssh-rsa".to_string()));
    assert_eq!(kex.ciphers_c2s, kex.ciphers_s2c);
    assert!(kex.macs_c2s.contains(&"hmac-sha1".to_string()));
    assert!(!kex.first_kex_follows);
    let checks: Vec<&str> = observations(&report, 22).iter().map(|o| o.check).collect();
    assert_eq!(checks, ["ssh-weak-kex", "ssh-weak-hostkey", "ssh-summary"]);
}

#[test]
fn identification_lines() {
    let id = parse_identification("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3").unwrap();
    assert_eq!((id.proto.as_str(), id.software.as_str()), ("2.0", "OpenSSH_9.2p1"));
    assert_eq!(id.comments.as_deref(), Some("Debian-2+deb12u3"));
    assert!(parse_identification("SSH-1.99-Cisco-1.25").unwrap().offers_protocol_1());
    assert!(parse_identification("SSH-1.5-OldBox").unwrap().offers_protocol_1());
    assert!(!parse_identification("SSH-2.0-x").unwrap().offers_protocol_1());
    assert!(parse_identification("HTTP/1.1 200 OK").is_none());
    assert!(parse_identification("SSH-").is_none());
}

#[test]
fn banner_lines_before_the_identification_are_kept() {
    let buf = b"Welcome to the router\r\nAuthorised use only\nSSH-2.0-dropbear\r\n\0\0";
    let (pre, id, consumed) = split_identification(buf).unwrap().unwrap();
    assert_eq!(pre, ["Welcome to the router", "Authorised use only"]);
    assert_eq!(id.software, "dropbear");
    assert_eq!(&buf[consumed..], b"\0\0");
    assert_eq!(split_identification(b"SSH-2.0-drop"), Ok(None), "incomplete");
    assert!(split_identification(b"\x15\x03\x01\x00\x02\x02\x46").is_err(), "a TLS alert is not SSH");
    assert!(split_identification(&vec![b'a'; MAX_BANNER_BYTES + 1]).is_err());
}

#[test]
fn protocol_1_observations() {
    let report = Report {
        identification: parse_identification("SSH-1.99-OpenSSH_3.9p1"),
        kexinit: Some(KexInit { kex: vec!["diffie-hellman-group1-sha1".into()], ..KexInit::default() }),
        ..Report::default()
    };
    let obs = observations(&report, 22);
    let checks: Vec<&str> = obs.iter().map(|o| o.check).collect();
    assert_eq!(checks, ["ssh-protocol-1", "ssh-weak-kex", "ssh-summary"]);
    assert!(obs[0].detail.en.contains("Also accepts"));
    let only = Report { identification: parse_identification("SSH-1.5-x"), ..Report::default() };
    assert!(observations(&only, 22)[0].detail.en.contains("only"));
}

#[test]
fn our_kexinit_round_trips() {
    let packet = kexinit_packet([9; 16]);
    assert_eq!(packet.len() % 8, 0);
    assert!(packet[4] >= 4, "at least 4 bytes of padding");
    let (payload, consumed) = parse_packet(&packet).unwrap().unwrap();
    assert_eq!(consumed, packet.len());
    let kex = parse_kexinit(payload).unwrap();
    assert_eq!(kex.kex[0], "curve25519-sha256");
    assert_eq!(kex.compression_c2s, ["none"]);
}

#[test]
fn the_rules_file_parses_and_every_entry_is_reachable() {
    let parsed: RuleFile = toml::from_str(RULES_TOML).expect("data/ssh-algorithms.toml parses");
    assert_eq!(parsed.algorithm.len(), rules().len());
    for (i, rule) in rules().iter().enumerate() {
        assert!(!rule.reason.en.is_empty() && !rule.reason.ja.is_empty());
        // No earlier rule shadows this one.
        let probe = rule.name.replace('*', "x");
        assert_eq!(rules().iter().position(|r| r.matches(rule.kind, &probe)), Some(i), "{}", rule.name);
    }
}

#[test]
fn ratings_of_well_known_algorithms() {
    let weak = |kind, name| rate(kind, name).is_some_and(|r| r.rating == Rating::Weak);
    let legacy = |kind, name| rate(kind, name).is_some_and(|r| r.rating == Rating::Legacy);
    assert!(weak(Kind::Kex, "diffie-hellman-group1-sha1"));
    assert!(weak(Kind::Kex, "gss-group1-sha1-toWM5Slw5Ew8Mqkay+al2g=="));
    assert!(legacy(Kind::Kex, "ecdh-sha2-nistp256"));
    assert!(rate(Kind::Kex, "curve25519-sha256").is_none());
    assert!(rate(Kind::Kex, "diffie-hellman-group14-sha256").is_none());
    assert!(rate(Kind::Kex, "kex-strict-s-v00@openssh.com").is_none());
    assert!(weak(Kind::HostKey, "ssh-rsa") && !weak(Kind::HostKey, "rsa-sha2-256"));
    assert!(weak(Kind::HostKey, "ssh-dss"));
    assert!(weak(Kind::Cipher, "arcfour256") && weak(Kind::Cipher, "aes192-cbc") && weak(Kind::Cipher, "3des-cbc"));
    assert!(
        rate(Kind::Cipher, "aes128-ctr").is_none() && rate(Kind::Cipher, "chacha20-poly1305@openssh.com").is_none()
    );
    assert!(weak(Kind::Mac, "hmac-md5-96-etm@openssh.com") && weak(Kind::Mac, "umac-64@openssh.com"));
    assert!(legacy(Kind::Mac, "hmac-sha1") && rate(Kind::Mac, "umac-128-etm@openssh.com").is_none());
    assert!(weak(Kind::Mac, "none") && weak(Kind::Cipher, "none") && rate(Kind::Kex, "none").is_none());
}

proptest! {
    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let _ = split_identification(&bytes);
        let _ = parse_packet(&bytes);
        let _ = parse_kexinit(&bytes);
        let _ = parse_identification(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn kexinit_with_arbitrary_lists_round_trips(
        lists in proptest::collection::vec(proptest::collection::vec("[a-z0-9@.-]{1,20}", 0..5), 10),
        follows in any::<bool>(),
    ) {
        let mut payload = vec![MSG_KEXINIT];
        payload.extend_from_slice(&[0; 16]);
        for list in &lists {
            let text = list.join(",");
            payload.extend_from_slice(&(text.len() as u32).to_be_bytes());
            payload.extend_from_slice(text.as_bytes());
        }
        payload.push(u8::from(follows));
        payload.extend_from_slice(&[0; 4]);
        let kex = parse_kexinit(&payload).unwrap();
        prop_assert_eq!(&kex.kex, &lists[0]);
        prop_assert_eq!(&kex.macs_s2c, &lists[5]);
        prop_assert_eq!(kex.first_kex_follows, follows);
        // Cut anywhere before the end, it never parses into something else.
        for cut in 0..payload.len() - 4 {
            prop_assert!(parse_kexinit(&payload[..cut]).is_none());
        }
    }
}
