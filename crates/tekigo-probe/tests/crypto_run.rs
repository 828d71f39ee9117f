//! The whole probe run reaches the TLS check: a weak TLS service found by the scan comes out as
//! failing findings with the catalogue's requirement IDs, and the report is not conformant.

mod support_crypto;

use std::net::{IpAddr, Ipv4Addr};

use support_crypto::{Daemon, free_tcp_port, limits, require, run};
use tekigo_probe::{Catalogue, ProbeOptions, Verdict, probe};

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

#[tokio::test]
async fn a_weak_tls_service_fails_the_whole_probe() {
    if !require(&["openssl"], false) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    run(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:1024",
            "-nodes",
            "-keyout",
            "k.pem",
            "-out",
            "c.pem",
            "-days",
            "30",
            "-subj",
            "/CN=iot-device.local",
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
            "-cert",
            "c.pem",
            "-key",
            "k.pem",
            "-tls1",
            "-cipher",
            "ALL:@SECLEVEL=0",
            "-www",
            "-quiet",
        ],
        dir.path(),
    );
    server.wait_tcp((LOCALHOST, port).into());

    let options = ProbeOptions {
        ports: Some(vec![port]),
        level: "1".into(),
        extra_credentials: Vec::new(),
        logins: false,
        catalogue: Catalogue::builtin().unwrap(),
        limits: limits(),
    };
    let report = probe("127.0.0.1", LOCALHOST, &options).await.unwrap();
    let weak = report.findings.iter().find(|f| f.id == "tls-protocol-weak").unwrap_or_else(|| panic!("{report:#?}"));
    assert_eq!((weak.verdict, weak.port), (Verdict::Fail, Some(port)));
    assert!(weak.requirements.iter().any(|r| r == "jc-star/S1.1-12"), "{:?}", weak.requirements);
    assert!(report.findings.iter().any(|f| f.id == "tls-key-weak"));
    assert!(!report.conformant);
}
