//! The UDP check against real responders: libcoap's example `coap-server` on 127.0.0.1, and
//! miniupnpd and avahi-daemon inside a network namespace pair the test creates (a veth link with
//! addresses that exist only there). The probe's own sockets are opened inside the client
//! namespace by a thread that joined it (`setns`), so no packet touches the host's network.

mod support_crypto;

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, UdpSocket};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use support_crypto::{DEVICE_ADDR, Daemon, Link, free_udp_port, limits, require};
use tekigo_probe::udp::{self, UdpPorts};
use tekigo_probe::{Limits, Observation};

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn ids(obs: &[Observation]) -> BTreeSet<&'static str> {
    obs.iter().map(|o| o.check).collect()
}

/// Runs the UDP check on a thread that has joined the network namespace at `netns`.
fn check_in_netns(netns: PathBuf, ip: IpAddr, limits: Limits) -> Vec<Observation> {
    std::thread::spawn(move || {
        let file = std::fs::File::open(&netns).expect("namespace file");
        nix::sched::setns(&file, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(udp::check(ip, &limits))
    })
    .join()
    .expect("probe thread")
}

/// Waits until something has bound UDP `port` on 127.0.0.1 (at most 10 s).
fn wait_udp_bound(daemon: &mut Daemon, port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        daemon.assert_running();
        if UdpSocket::bind((LOCALHOST, port)).is_err() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("coap-server did not bind {port}:\n{}", daemon.log());
}

#[tokio::test]
async fn coap_server_lists_its_resources() {
    if !require(&["coap-server-notls"], false) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_udp_port();
    let p = port.to_string();
    let mut server = Daemon::start("coap-server", "coap-server-notls", &["-A", "127.0.0.1", "-p", &p], dir.path());
    wait_udp_bound(&mut server, port);
    let ports = UdpPorts { ssdp: free_udp_port(), mdns: free_udp_port(), coap: port };
    let obs = udp::check_ports(LOCALHOST, &ports, &limits()).await;
    assert_eq!(ids(&obs), ["coap-exposed"].into(), "{obs:#?}");
    let coap = &obs[0];
    assert_eq!((coap.port, coap.protocol), (Some(port), Some("udp")));
    assert!(coap.detail.en.contains("/time"), "{coap:#?}");
    assert!(coap.evidence.seen.iter().any(|s| s.starts_with("<") && s.contains("rt=ticks")), "{coap:#?}");
}

#[tokio::test]
async fn nothing_listening_gives_nothing() {
    let ports = UdpPorts { ssdp: free_udp_port(), mdns: free_udp_port(), coap: free_udp_port() };
    let limits = Limits { read_timeout: Duration::from_millis(500), ..limits() };
    assert!(udp::check_ports(LOCALHOST, &ports, &limits).await.is_empty());
}

fn miniupnpd(link: &Link, dir: &Path) -> Daemon {
    // miniupnpd wants an external interface too: a second veth pair, inside the device namespace.
    link.device.ip(&["link", "add", "wan0", "type", "veth", "peer", "name", "wan1"]);
    link.device.ip(&["addr", "add", "192.0.2.1/24", "dev", "wan0"]);
    link.device.ip(&["link", "set", "wan0", "up"]);
    link.device.ip(&["link", "set", "wan1", "up"]);
    let conf = dir.join("miniupnpd.conf");
    std::fs::write(
        &conf,
        "ext_ifname=wan0\nlistening_ip=veth1\nhttp_port=5000\nenable_natpmp=no\nenable_upnp=yes\nsecure_mode=yes\n\
         uuid=3d3cec3a-8cf0-11e0-98ee-001a6bd2d07b\nallow 1024-65535 10.231.7.0/24 1024-65535\n\
         deny 0-65535 0.0.0.0/0 0-65535\n",
    )
    .unwrap();
    let pid = dir.join("miniupnpd.pid");
    let mut d = link.device.start(
        "miniupnpd",
        "miniupnpd",
        &["-d", "-f", conf.to_str().unwrap(), "-P", pid.to_str().unwrap()],
        dir,
    );
    d.wait_log("HTTP listening on port");
    d
}

fn avahi(link: &Link, dir: &Path) -> Daemon {
    let conf = dir.join("avahi-daemon.conf");
    std::fs::write(
        &conf,
        "[server]\nuse-ipv4=yes\nuse-ipv6=no\nallow-interfaces=veth1\nenable-dbus=no\n\
         [publish]\npublish-workstation=yes\n",
    )
    .unwrap();
    // A private /run, so that its pid file and socket touch nothing of the host's.
    let script = format!(
        "mount -t tmpfs tekigo-test /run && mkdir -p /run/avahi-daemon && exec avahi-daemon --no-drop-root --no-chroot --no-rlimits -f {}",
        conf.display()
    );
    let mut d =
        link.device.start("avahi-daemon", "unshare", &["-m", "--propagation", "private", "sh", "-c", &script], dir);
    d.wait_log("Server startup complete");
    d
}

#[test]
fn miniupnpd_and_avahi_in_a_namespace_are_found() {
    if !require(&["ip", "miniupnpd", "avahi-daemon", "unshare"], true) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let link = Link::new("udp");
    let device: IpAddr = DEVICE_ADDR.parse().unwrap();

    // Nothing running yet: nothing found (the hardened case).
    let quick = Limits { read_timeout: Duration::from_secs(1), ..limits() };
    assert!(check_in_netns(link.client.path(), device, quick).is_empty());

    let _upnp = miniupnpd(&link, dir.path());
    let _mdns = avahi(&link, dir.path());
    let obs = check_in_netns(link.client.path(), device, limits());
    assert_eq!(ids(&obs), ["upnp-exposed", "mdns-exposed"].into(), "{obs:#?}");
    let upnp = obs.iter().find(|o| o.check == "upnp-exposed").unwrap();
    assert!(upnp.detail.en.contains("MiniUPnPd/"), "{upnp:#?}");
    assert!(upnp.evidence.seen.iter().any(|s| s == "LOCATION: http://10.231.7.1:5000/rootDesc.xml"), "{upnp:#?}");
    assert!(upnp.evidence.seen.iter().any(|s| s.contains("InternetGatewayDevice")), "{upnp:#?}");
    let mdns = obs.iter().find(|o| o.check == "mdns-exposed").unwrap();
    assert!(mdns.detail.en.contains("_workstation._tcp.local"), "{mdns:#?}");
}
