//! Cross-checks against peer tools, run against the same real daemons: ssh-audit must read the
//! same algorithm lists from dropbear as the SSH check, and sslscan must find the same protocol
//! versions and (within the check's per-family bound) the same weak suites as the TLS check.

mod support_crypto;

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};
use std::process::Command;

use support_crypto::{Daemon, free_tcp_port, limits, require, run};
use tekigo_probe::{ssh, tls};

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn names(value: &serde_json::Value) -> BTreeSet<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.get("algorithm").and_then(|a| a.as_str()).or(v.as_str()).unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn ssh_audit_reads_the_same_algorithms_from_dropbear() {
    if !require(&["dropbear", "dropbearkey", "ssh-audit"], false) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    run("dropbearkey", &["-t", "ed25519", "-f", "ed25519"], dir.path());
    run("dropbearkey", &["-t", "rsa", "-s", "2048", "-f", "rsa"], dir.path());
    let port = free_tcp_port();
    let listen = format!("127.0.0.1:{port}");
    let mut daemon =
        Daemon::start("dropbear", "dropbear", &["-F", "-E", "-p", &listen, "-r", "ed25519", "-r", "rsa"], dir.path());
    daemon.wait_tcp((LOCALHOST, port).into());

    let report = ssh::probe((LOCALHOST, port).into(), &limits()).await.unwrap();
    let out = Command::new("ssh-audit").args(["-j", "-p", &port.to_string(), "127.0.0.1"]).output().unwrap();
    let audit: serde_json::Value = serde_json::from_slice(&out.stdout).expect("ssh-audit JSON");
    let kex = report.kexinit.unwrap();
    let ours = |kind| kex.of(kind).into_iter().map(str::to_string).collect::<BTreeSet<String>>();
    assert_eq!(names(&audit["kex"]), ours(ssh::Kind::Kex));
    assert_eq!(names(&audit["key"]), ours(ssh::Kind::HostKey));
    assert_eq!(names(&audit["enc"]), ours(ssh::Kind::Cipher));
    assert_eq!(names(&audit["mac"]), ours(ssh::Kind::Mac));
    assert_eq!(audit["banner"]["software"].as_str(), Some(report.identification.unwrap().software.as_str()));
}

#[tokio::test]
async fn sslscan_agrees_on_versions_and_weak_suites() {
    if !require(&["openssl", "sslscan"], false) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    run(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "k.pem",
            "-out",
            "c.pem",
            "-days",
            "2",
            "-subj",
            "/CN=oracle",
        ],
        dir.path(),
    );
    let port = free_tcp_port();
    let accept = format!("127.0.0.1:{port}");
    let mut server = Daemon::start(
        "s_server",
        "openssl",
        &[
            "s_server",
            "-accept",
            &accept,
            "-www",
            "-quiet",
            "-cert",
            "c.pem",
            "-key",
            "k.pem",
            "-cipher",
            "ALL:eNULL:@SECLEVEL=0",
            "-tls1",
        ],
        dir.path(),
    );
    server.wait_tcp((LOCALHOST, port).into());
    let report = tls::probe((LOCALHOST, port).into(), &limits()).await;

    let out = Command::new("sslscan").args(["--no-colour", "--xml=-", &accept]).output().unwrap();
    let xml = String::from_utf8_lossy(&out.stdout);
    let attr = |line: &str, name: &str| -> Option<String> {
        let start = line.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(line[start..].split('"').next()?.to_string())
    };
    let mut versions = BTreeSet::new();
    let mut suites = BTreeSet::new();
    for line in xml.lines().map(str::trim) {
        if line.starts_with("<protocol") && attr(line, "enabled").as_deref() == Some("1") {
            versions.insert(format!("{} {}", attr(line, "type").unwrap(), attr(line, "version").unwrap()));
        }
        if line.starts_with("<cipher ") {
            suites.insert(u16::from_str_radix(attr(line, "id").unwrap().trim_start_matches("0x"), 16).unwrap());
        }
    }
    let ours: BTreeSet<String> = report
        .accepted()
        .iter()
        .map(|v| v.name().replace("SSL ", "ssl ").replace("TLS ", "tls ").replace("ssl 3.0", "ssl 3"))
        .collect();
    assert_eq!(versions, ours, "{xml}");
    for (family, accepted) in &report.suites {
        let theirs: BTreeSet<u16> = suites.iter().copied().filter(|id| family.suites().contains(id)).collect();
        let accepted: BTreeSet<u16> = accepted.iter().copied().collect();
        assert!(accepted.is_subset(&theirs), "{family:?}: {accepted:?} vs sslscan {theirs:?}");
        if accepted.len() < tls::MAX_SUITES_PER_FAMILY {
            assert_eq!(accepted, theirs, "{family:?}");
        }
    }
    // And sslscan finds no weak family the check missed.
    for family in tls::Family::ALL.into_iter().filter(|f| f.is_weak()) {
        let theirs = suites.iter().any(|id| family.suites().contains(id));
        assert_eq!(theirs, report.suites.iter().any(|(f, _)| *f == family), "{family:?}");
    }
}
