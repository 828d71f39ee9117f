//! Real daemons for the TLS, SSH and UDP checks' tests: started on 127.0.0.1 or inside network
//! namespaces the test creates, stopped by PID when their guard drops. Nothing here sends traffic
//! anywhere else.
//!
//! A test whose daemon is not installed (or that needs root for a namespace and lacks it) is
//! skipped with a message on stderr, unless `TEKIGO_REQUIRE_DAEMONS=1`, when it fails: CI sets it
//! after installing the apt packages (see `.ci/run`).

#![allow(dead_code, unreachable_pub, clippy::print_stderr)]

use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use tekigo_probe::Limits;

/// Bounds short enough for tests on loopback.
pub fn limits() -> Limits {
    Limits { connect_timeout: Duration::from_secs(2), read_timeout: Duration::from_secs(3), ..Limits::default() }
}

/// Whether the daemons a test needs are here; `false` means: skip (or fail in CI).
pub fn require(programs: &[&str], needs_root: bool) -> bool {
    let missing: Vec<&&str> = programs.iter().filter(|p| which(p).is_none()).collect();
    let root_missing = needs_root && !is_root();
    if missing.is_empty() && !root_missing {
        return true;
    }
    let why = if missing.is_empty() {
        "needs root for a network namespace".to_string()
    } else {
        format!("missing {missing:?}")
    };
    if std::env::var("TEKIGO_REQUIRE_DAEMONS").is_ok_and(|v| v == "1") {
        panic!("TEKIGO_REQUIRE_DAEMONS=1 but the test {why}");
    }
    eprintln!("skipped: {why} (set TEKIGO_REQUIRE_DAEMONS=1 to make this an error)");
    false
}

pub fn which(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        return Path::new(program).exists().then(|| PathBuf::from(program));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|d| d.join(program))
        .find(|p| p.exists())
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false)
}

/// A free TCP port on 127.0.0.1 (free when asked; the daemon binds it right after).
pub fn free_tcp_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

pub fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// Runs a command to completion and panics with its output when it fails.
pub fn run(program: &str, args: &[&str], dir: &Path) -> String {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A daemon, killed by its PID (SIGKILL) and reaped when dropped.
pub struct Daemon {
    name: String,
    child: Child,
    log: PathBuf,
}

impl Daemon {
    /// Starts `program` with its output in `dir/<name>.log`.
    pub fn start(name: &str, program: &str, args: &[&str], dir: &Path) -> Daemon {
        let log = dir.join(format!("{name}.log"));
        let file = std::fs::File::create(&log).expect("log file");
        let child = Command::new(program)
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log file"))
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        Daemon { name: name.to_string(), child, log }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the daemon wrote so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Panics with the log when the daemon has exited already.
    pub fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("{} exited early ({status}):\n{}", self.name, self.log());
        }
    }

    /// Waits until a TCP connect to `addr` succeeds (at most 10 s).
    pub fn wait_tcp(&mut self, addr: SocketAddr) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            self.assert_running();
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{} did not listen on {addr}:\n{}", self.name, self.log());
    }

    /// Waits for a line in the log (at most 10 s).
    pub fn wait_log(&mut self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.log().contains(needle) {
                return;
            }
            self.assert_running();
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{} never logged {needle:?}:\n{}", self.name, self.log());
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

static NETNS_SEQ: AtomicU32 = AtomicU32::new(0);

/// A network namespace the test created, deleted when dropped. Its name carries the test
/// process's PID and a sequence number, so parallel tests never share one.
pub struct Netns {
    pub name: String,
}

impl Netns {
    pub fn new(tag: &str) -> Netns {
        let name = format!("tkp-{tag}-{}-{}", std::process::id(), NETNS_SEQ.fetch_add(1, Ordering::SeqCst));
        run("ip", &["netns", "add", &name], Path::new("/"));
        let ns = Netns { name };
        ns.ip(&["link", "set", "lo", "up"]);
        ns
    }

    /// `ip -n NAME ARGS...`
    pub fn ip(&self, args: &[&str]) {
        let mut all = vec!["-n", self.name.as_str()];
        all.extend_from_slice(args);
        run("ip", &all, Path::new("/"));
    }

    /// Starts a daemon inside the namespace (`ip netns exec` execs it, so the PID is the daemon's).
    pub fn start(&self, name: &str, program: &str, args: &[&str], dir: &Path) -> Daemon {
        let mut all = vec!["netns", "exec", self.name.as_str(), program];
        all.extend_from_slice(args);
        Daemon::start(name, "ip", &all, dir)
    }

    /// The namespace's file, for `setns`.
    pub fn path(&self) -> PathBuf {
        PathBuf::from("/run/netns").join(&self.name)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.name]).status();
    }
}

/// Two namespaces joined by a veth pair: `client` holds `CLIENT_ADDR/24`, `device` holds
/// `DEVICE_ADDR/24`. The addresses exist only inside these namespaces.
pub struct Link {
    pub client: Netns,
    pub device: Netns,
}

pub const CLIENT_ADDR: &str = "10.231.7.2";
pub const DEVICE_ADDR: &str = "10.231.7.1";

impl Link {
    pub fn new(tag: &str) -> Link {
        let client = Netns::new(&format!("{tag}c"));
        let device = Netns::new(&format!("{tag}d"));
        // Both ends are created inside `client` and one is moved: nothing touches the host's namespace.
        client.ip(&["link", "add", "veth0", "type", "veth", "peer", "name", "veth1"]);
        client.ip(&["link", "set", "veth1", "netns", &device.name]);
        client.ip(&["addr", "add", &format!("{CLIENT_ADDR}/24"), "dev", "veth0"]);
        device.ip(&["addr", "add", &format!("{DEVICE_ADDR}/24"), "dev", "veth1"]);
        client.ip(&["link", "set", "veth0", "up"]);
        device.ip(&["link", "set", "veth1", "up"]);
        Link { client, device }
    }
}
