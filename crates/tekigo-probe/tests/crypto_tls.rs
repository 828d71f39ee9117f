//! The TLS check against real `openssl s_server`s on 127.0.0.1: a weak one (TLS 1.0 only, every
//! suite down to security level 0 and NULL, a 1024-bit RSA key in an expired, self-signed, SHA-1-signed
//! certificate) must produce every TLS finding; hardened ones must produce none.

mod support_crypto;

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

use support_crypto::{Daemon, free_tcp_port, limits, require, run};
use tekigo_probe::Observation;
use tekigo_probe::tls;

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn ids(obs: &[Observation]) -> BTreeSet<&'static str> {
    obs.iter().map(|o| o.check).collect()
}

/// A 1024-bit RSA key in a self-signed SHA-1 certificate valid only in 2020.
fn weak_cert(dir: &Path) {
    std::fs::write(
        dir.join("ca.cnf"),
        "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\n\
         default_md = sha1\npolicy = p\n[p]\ncommonName = supplied\n",
    )
    .unwrap();
    std::fs::write(dir.join("index.txt"), "").unwrap();
    std::fs::write(dir.join("serial"), "01\n").unwrap();
    run(
        "openssl",
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:1024",
            "-nodes",
            "-keyout",
            "weak.key",
            "-out",
            "weak.csr",
            "-subj",
            "/CN=iot-device.local",
        ],
        dir,
    );
    run(
        "openssl",
        &[
            "ca",
            "-batch",
            "-config",
            "ca.cnf",
            "-selfsign",
            "-keyfile",
            "weak.key",
            "-in",
            "weak.csr",
            "-out",
            "weak.crt",
            "-startdate",
            "20200101000000Z",
            "-enddate",
            "20210101000000Z",
            "-notext",
        ],
        dir,
    );
}

/// A test CA (P-256) and a P-256 leaf it signed with SHA-256, valid for 30 days from now.
fn hardened_cert(dir: &Path) {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    let mut args = vec!["req", "-x509"];
    args.extend_from_slice(&ec);
    args.extend_from_slice(&["-keyout", "ca.key", "-out", "ca.crt", "-days", "30", "-subj", "/CN=tekigo test CA"]);
    run("openssl", &args, dir);
    let mut args = vec!["req", "-new"];
    args.extend_from_slice(&ec);
    args.extend_from_slice(&["-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=device.test"]);
    run("openssl", &args, dir);
    run(
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "30",
            "-sha256",
            "-out",
            "leaf.crt",
        ],
        dir,
    );
}

fn s_server(dir: &Path, port: u16, extra: &[&str]) -> Daemon {
    let accept = format!("127.0.0.1:{port}");
    let mut args = vec!["s_server", "-accept", accept.as_str(), "-www", "-quiet"];
    args.extend_from_slice(extra);
    let mut daemon = Daemon::start("s_server", "openssl", &args, dir);
    daemon.wait_tcp((LOCALHOST, port).into());
    daemon
}

#[tokio::test]
async fn weak_server_gives_every_tls_finding() {
    if !require(&["openssl"], false) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    weak_cert(dir.path());
    let port = free_tcp_port();
    let _server = s_server(
        dir.path(),
        port,
        &["-cert", "weak.crt", "-key", "weak.key", "-tls1", "-cipher", "ALL:eNULL:@SECLEVEL=0"],
    );
    let report = tls::probe((LOCALHOST, port).into(), &limits()).await;
    assert_eq!(report.accepted(), vec![tls::Version::Tls10], "{report:#?}");
    let families: BTreeSet<tls::Family> = report.suites.iter().map(|(f, _)| *f).collect();
    // Debian's OpenSSL 3.0 still has NULL (with `eNULL`) and anonymous DH at security level 0;
    // it is built without 3DES, RC4 and EXPORT suites, so those families cannot be shown here
    // (the byte-fixture tests cover their classification).
    assert!(families.contains(&tls::Family::Null), "{report:#?}");
    assert!(families.contains(&tls::Family::Anonymous), "{report:#?}");
    let leaf = &report.chain[0];
    assert_eq!((leaf.key_algorithm.as_str(), leaf.key_bits), ("RSA", 1024));
    assert!(leaf.self_signed && leaf.signature_is_weak());

    let obs = tls::check(LOCALHOST, port, &limits()).await;
    let expected: BTreeSet<&str> = [
        "tls-protocol-weak",
        "tls-no-modern-protocol",
        "tls-cipher-weak",
        "tls-key-weak",
        "tls-cert-expired",
        "tls-cert-self-signed",
        "tls-cert-weak-signature",
        "tls-summary",
    ]
    .into();
    assert_eq!(ids(&obs), expected, "{obs:#?}");
    let weak = obs.iter().find(|o| o.check == "tls-protocol-weak").unwrap();
    assert!(weak.detail.en.contains("TLS 1.0") && weak.detail.ja.contains("TLS 1.0"));
    assert!(obs.iter().all(|o| o.port == Some(port) && o.protocol == Some("tcp")));
}

/// Failing findings: everything but the summary. A hardened server must have none.
fn problems(obs: &[Observation]) -> Vec<&Observation> {
    obs.iter().filter(|o| o.check != "tls-summary").collect()
}

#[tokio::test]
async fn hardened_server_tls12_and_13_gives_no_finding() {
    if !require(&["openssl"], false) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    hardened_cert(dir.path());
    let port = free_tcp_port();
    let _server = s_server(
        dir.path(),
        port,
        &[
            "-cert",
            "leaf.crt",
            "-key",
            "leaf.key",
            "-cert_chain",
            "ca.crt",
            "-no_ssl3",
            "-no_tls1",
            "-no_tls1_1",
            "-cipher",
            "ECDHE+AESGCM:ECDHE+CHACHA20",
            "-ciphersuites",
            "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256",
        ],
    );
    let report = tls::probe((LOCALHOST, port).into(), &limits()).await;
    assert_eq!(report.accepted(), vec![tls::Version::Tls12, tls::Version::Tls13], "{report:#?}");
    assert!(report.suites.is_empty(), "{report:#?}");
    let leaf = &report.chain[0];
    assert_eq!((leaf.key_algorithm.as_str(), leaf.key_bits, leaf.self_signed), ("EC", 256, false));
    let obs = tls::check(LOCALHOST, port, &limits()).await;
    assert!(problems(&obs).is_empty(), "{obs:#?}");
    assert_eq!(ids(&obs), ["tls-summary"].into());
}

#[tokio::test]
async fn tls13_only_server_gives_no_finding_and_says_the_certificate_is_unread() {
    if !require(&["openssl"], false) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    hardened_cert(dir.path());
    let port = free_tcp_port();
    let _server = s_server(dir.path(), port, &["-cert", "leaf.crt", "-key", "leaf.key", "-tls1_3"]);
    let obs = tls::check(LOCALHOST, port, &limits()).await;
    assert!(problems(&obs).is_empty(), "{obs:#?}");
    let summary = &obs[0];
    assert!(summary.detail.en.contains("TLS 1.3") && summary.detail.en.contains("encrypted"), "{summary:#?}");
}

#[tokio::test]
async fn closed_port_and_non_tls_service_give_nothing() {
    let port = free_tcp_port();
    assert!(tls::check(LOCALHOST, port, &limits()).await.is_empty());
    // A service that answers something else (here: a banner, like SSH).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        while let Ok((mut s, _)) = listener.accept().await {
            let _ = s.write_all(b"SSH-2.0-OpenSSH_9.2\r\n").await;
        }
    });
    assert!(tls::check(LOCALHOST, port, &limits()).await.is_empty());
}
