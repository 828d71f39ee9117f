//! The SSH check against real daemons on 127.0.0.1: dropbear as Debian builds it (offers ssh-rsa
//! and diffie-hellman-group14-sha1), OpenSSH configured with every legacy algorithm it still has,
//! and OpenSSH restricted to modern algorithms (must give no finding). The system's sshd service
//! is never touched: each test runs its own `sshd -D -f` on a free port with keys in a temp dir.

mod support_crypto;

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

use support_crypto::{Daemon, free_tcp_port, limits, require, run};
use tekigo_probe::Observation;
use tekigo_probe::ssh;

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn ids(obs: &[Observation]) -> BTreeSet<&'static str> {
    obs.iter().map(|o| o.check).collect()
}

fn seen(obs: &[Observation], check: &str) -> String {
    obs.iter().filter(|o| o.check == check).flat_map(|o| o.evidence.seen.clone()).collect::<Vec<_>>().join("\n")
}

#[tokio::test]
async fn dropbear_default_build_offers_sha1_kex_and_ssh_rsa() {
    if !require(&["dropbear", "dropbearkey"], false) {
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

    let obs = ssh::check(LOCALHOST, port, &limits()).await;
    assert_eq!(ids(&obs), ["ssh-weak-kex", "ssh-weak-hostkey", "ssh-summary"].into(), "{obs:#?}");
    assert!(seen(&obs, "ssh-weak-kex").contains("diffie-hellman-group14-sha1"));
    assert!(seen(&obs, "ssh-weak-hostkey").starts_with("ssh-rsa:"));
    let summary = obs.iter().find(|o| o.check == "ssh-summary").unwrap();
    assert!(summary.detail.en.contains("dropbear_"), "{summary:#?}");
    // hmac-sha1 and the NIST curves are named as legacy, not failed.
    assert!(seen(&obs, "ssh-summary").contains("legacy hmac-sha1"), "{obs:#?}");
}

fn sshd_config(dir: &Path, algorithms: &str) -> String {
    run("ssh-keygen", &["-q", "-t", "ed25519", "-N", "", "-f", "hk_ed25519"], dir);
    run("ssh-keygen", &["-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", "hk_rsa"], dir);
    let d = dir.display();
    let config = format!(
        "HostKey {d}/hk_ed25519\nHostKey {d}/hk_rsa\nPidFile {d}/sshd.pid\nUsePAM no\nStrictModes no\n\
         PasswordAuthentication no\nKbdInteractiveAuthentication no\n{algorithms}"
    );
    let path = dir.join("sshd_config");
    std::fs::write(&path, config).unwrap();
    path.display().to_string()
}

fn start_sshd(dir: &Path, config: &str, port: u16) -> Daemon {
    // sshd insists on its privilege separation directory; creating it changes nothing else.
    let _ = std::fs::create_dir_all("/run/sshd");
    let p = port.to_string();
    let mut daemon = Daemon::start(
        "sshd",
        "/usr/sbin/sshd",
        &["-D", "-e", "-f", config, "-p", &p, "-o", "ListenAddress=127.0.0.1"],
        dir,
    );
    daemon.wait_tcp((LOCALHOST, port).into());
    daemon
}

#[tokio::test]
async fn openssh_with_legacy_algorithms_gives_every_weak_finding() {
    if !require(&["/usr/sbin/sshd", "ssh-keygen"], true) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = sshd_config(
        dir.path(),
        "KexAlgorithms diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1,curve25519-sha256\n\
         HostKeyAlgorithms ssh-rsa,ssh-ed25519\n\
         Ciphers 3des-cbc,aes128-cbc,aes256-ctr\n\
         MACs hmac-md5,hmac-sha1-96,hmac-sha2-256\n",
    );
    let port = free_tcp_port();
    let _sshd = start_sshd(dir.path(), &config, port);
    let obs = ssh::check(LOCALHOST, port, &limits()).await;
    assert_eq!(
        ids(&obs),
        ["ssh-weak-kex", "ssh-weak-hostkey", "ssh-weak-cipher", "ssh-weak-mac", "ssh-summary"].into(),
        "{obs:#?}"
    );
    let kex = seen(&obs, "ssh-weak-kex");
    for name in ["diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1", "diffie-hellman-group-exchange-sha1"] {
        assert!(kex.contains(name), "{kex}");
    }
    assert!(!kex.contains("curve25519"));
    assert!(seen(&obs, "ssh-weak-cipher").contains("3des-cbc") && seen(&obs, "ssh-weak-cipher").contains("aes128-cbc"));
    assert!(seen(&obs, "ssh-weak-mac").contains("hmac-md5") && seen(&obs, "ssh-weak-mac").contains("hmac-sha1-96"));
    let weak = obs.iter().find(|o| o.check == "ssh-weak-cipher").unwrap();
    assert!(weak.detail.ja.contains("3des-cbc") && weak.detail.ja.contains("暗号"));
}

#[tokio::test]
async fn hardened_openssh_gives_no_finding() {
    if !require(&["/usr/sbin/sshd", "ssh-keygen"], true) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = sshd_config(
        dir.path(),
        "KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org\n\
         HostKeyAlgorithms ssh-ed25519,rsa-sha2-512,rsa-sha2-256\n\
         Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com\n\
         MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com\n",
    );
    let port = free_tcp_port();
    let _sshd = start_sshd(dir.path(), &config, port);
    let report = ssh::probe((LOCALHOST, port).into(), &limits()).await.unwrap();
    let kex = report.kexinit.as_ref().unwrap();
    assert!(kex.kex.iter().any(|k| k.starts_with("kex-strict-s")), "OpenSSH 9.2+ marks strict kex: {kex:?}");
    let obs = ssh::observations(&report, port);
    assert_eq!(ids(&obs), ["ssh-summary"].into(), "{obs:#?}");
    assert!(obs[0].detail.en.contains("OpenSSH_"));
    assert!(!seen(&obs, "ssh-summary").contains("legacy"), "{obs:#?}");
}

#[tokio::test]
async fn closed_port_and_other_protocols_give_nothing() {
    assert!(ssh::check(LOCALHOST, free_tcp_port(), &limits()).await.is_empty());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        while let Ok((mut s, _)) = listener.accept().await {
            let _ = s.write_all(b"220 ProFTPD Server ready.\r\n\x15\x03\x01\x00\x02\x02\x46").await;
        }
    });
    assert!(ssh::check(LOCALHOST, port, &limits()).await.is_empty());
}
