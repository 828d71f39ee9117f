//! Real daemons as test devices, weak and hardened, for the probe's end-to-end tests (and for the
//! TLS/SSH/UDP checks' tests: reuse [`Lab`], [`Daemon`] and [`Netns`]).
//!
//! Rules kept here, so no test has to remember them:
//! - every daemon listens on 127.0.0.1 (a free port picked per daemon) or inside a network
//!   namespace that the test creates ([`Netns`]); nothing else is ever addressed;
//! - fake `passwd`/`shadow` files are bind-mounted over /etc inside a private mount namespace
//!   (`unshare -m`), never written to the host's /etc;
//! - each daemon runs in its own process group and is killed by that id when its [`Daemon`]
//!   drops; each namespace is deleted when its [`Netns`] drops; the lab folder is a temp dir.
//!
//! The daemons come from Debian packages (`.ci/run` installs them). [`Lab::new`] returns `None`
//! (the test skips, saying why) when not root or a tool is missing, except under CI (`CI` set),
//! where that is a failure: a green CI must mean the tests ran.
#![allow(dead_code, unreachable_pub, clippy::print_stderr)]

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub const TOOLS: &[&str] = &[
    "/usr/bin/busybox",
    "/usr/sbin/dropbear",
    "/usr/bin/dropbearkey",
    "/usr/sbin/vsftpd",
    "/usr/sbin/mosquitto",
    "/usr/bin/mosquitto_passwd",
    "/usr/sbin/telnetd",
    "/usr/bin/openssl",
    "/usr/bin/unshare",
    "/usr/sbin/ip",
];

/// A running daemon; killed (its whole process group) on drop.
pub struct Daemon {
    pub name: String,
    pub port: u16,
    child: Child,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let pid = self.child.id();
        // The daemon leads its own process group: kill the group, by its id.
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{pid}")]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A network namespace made for one test, with `lo` up; deleted on drop.
pub struct Netns {
    pub name: String,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst))
}

impl Netns {
    pub fn new() -> Netns {
        let name = unique("tekigo");
        run("ip", &["netns", "add", &name]);
        let netns = Netns { name };
        run("ip", &["-n", &netns.name, "link", "set", "lo", "up"]);
        netns
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.name]).status();
    }
}

fn run(program: &str, args: &[&str]) {
    let status = Command::new(program).args(args).status().unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(status.success(), "{program} {args:?} failed: {status}");
}

fn output(program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A port nobody listens on now (bind to :0, read, release).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0").local_addr().expect("local addr").port()
}

/// Waits until something accepts on 127.0.0.1:`port` (at most 5 s).
pub fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nothing listens on 127.0.0.1:{port} after 5 s");
}

/// A strong random password, for hardened configurations.
pub fn strong_password() -> String {
    format!("Tk-{}", output("openssl", &["rand", "-hex", "16"]))
}

/// A folder of fake system files and daemon configurations.
pub struct Lab {
    pub dir: PathBuf,
    _temp: TempDir,
}

/// A temporary folder removed on drop (no extra crate needed).
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Lab {
    /// `None` (skip) when not root or a daemon is missing; a panic instead under CI.
    pub fn new() -> Option<Lab> {
        let root = output("id", &["-u"]) == "0";
        let missing: Vec<&str> = TOOLS.iter().copied().filter(|tool| !Path::new(tool).exists()).collect();
        if !root || !missing.is_empty() {
            let why = if root {
                format!(
                    "missing {missing:?} (apt-get install busybox dropbear-bin vsftpd mosquitto inetutils-telnetd openssl iproute2)"
                )
            } else {
                "not root".to_owned()
            };
            assert!(std::env::var_os("CI").is_none(), "daemon tests cannot run under CI: {why}");
            eprintln!("skipped: {why}");
            return None;
        }
        let dir = std::env::temp_dir().join(unique("tekigo-lab"));
        std::fs::create_dir_all(dir.join("etc")).expect("create lab dir");
        Some(Lab { _temp: TempDir(dir.clone()), dir })
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create dir");
        }
        std::fs::write(&path, text).expect("write lab file");
        path
    }

    /// Fake `etc/passwd` and `etc/shadow` where `root` and `admin` have `password`.
    pub fn accounts(&self, password: &str) {
        let hash = output("openssl", &["passwd", "-6", password]);
        self.write("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nadmin:x:0:0:admin:/root:/bin/sh\n");
        self.write("etc/shadow", &format!("root:{hash}:19000:0:99999:7:::\nadmin:{hash}:19000:0:99999:7:::\n"));
        let group = std::fs::read_to_string("/etc/group").unwrap_or_default();
        self.write("etc/group", &group);
    }

    /// `sh -c` text that bind-mounts the fake accounts over /etc, then runs `command`.
    fn with_accounts(&self, command: &str) -> String {
        let etc = self.path("etc");
        format!(
            "mount --bind {e}/passwd /etc/passwd && mount --bind {e}/shadow /etc/shadow && exec {command}",
            e = etc.display()
        )
    }

    fn spawn(&self, name: &str, port: u16, program: &str, args: &[String], netns: Option<&Netns>) -> Daemon {
        let mut command = match netns {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", &ns.name, program]);
                c
            }
            None => Command::new(program),
        };
        command.args(args).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).process_group(0);
        let child = command.spawn().unwrap_or_else(|e| panic!("start {name}: {e}"));
        Daemon { name: name.to_owned(), port, child }
    }

    /// dropbear on 127.0.0.1, with `root` and `admin` having `password`.
    pub fn dropbear(&self, password: &str) -> Daemon {
        self.accounts(password);
        let key = self.path("etc/dropbear_ed25519_host_key");
        if !key.exists() {
            let status = Command::new("dropbearkey")
                .args(["-t", "ed25519", "-f"])
                .arg(&key)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("dropbearkey");
            assert!(status.success());
        }
        let port = free_port();
        let inner = self.with_accounts(&format!("dropbear -F -E -p 127.0.0.1:{port} -r {}", key.display()));
        let daemon = self.spawn(
            "dropbear",
            port,
            "unshare",
            &["-m".into(), "--propagation".into(), "private".into(), "sh".into(), "-c".into(), inner],
            None,
        );
        wait_for_port(port);
        daemon
    }

    /// inetutils telnetd behind `busybox nc -ll -p 23` inside `netns` (busybox nc cannot bind to
    /// one address, so it only ever runs in a namespace), `root`/`admin` having `password`.
    pub fn telnetd(&self, password: &str, netns: &Netns) -> Daemon {
        self.accounts(password);
        let inner = self.with_accounts("busybox nc -ll -p 23 -e /usr/sbin/telnetd");
        let daemon = self.spawn(
            "telnetd",
            23,
            "unshare",
            &["-m".into(), "--propagation".into(), "private".into(), "sh".into(), "-c".into(), inner],
            Some(netns),
        );
        // Wait for the listener inside the namespace.
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            let out = Command::new("ip").args(["netns", "exec", &netns.name, "ss", "-ltn"]).output().expect("ss");
            if String::from_utf8_lossy(&out.stdout).contains(":23 ") {
                return daemon;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("telnetd did not listen in {}", netns.name);
    }

    /// busybox httpd on 127.0.0.1 with basic auth `admin:password` on everything.
    pub fn httpd(&self, password: &str) -> Daemon {
        self.write("www/index.html", "<html><body>camera</body></html>\n");
        let conf = self.write("etc/httpd.conf", &format!("/:admin:{password}\n"));
        let port = free_port();
        let args = [
            "-f".into(),
            "-p".into(),
            format!("127.0.0.1:{port}"),
            "-h".into(),
            self.path("www").display().to_string(),
            "-c".into(),
            conf.display().to_string(),
        ];
        let daemon = self.spawn("httpd", port, "busybox", &[vec!["httpd".to_owned()], args.to_vec()].concat(), None);
        wait_for_port(port);
        daemon
    }

    /// vsftpd on 127.0.0.1; anonymous login on or off, no local users.
    pub fn vsftpd(&self, anonymous: bool) -> Daemon {
        let port = free_port();
        std::fs::create_dir_all(self.path("ftp")).expect("ftp root");
        std::fs::create_dir_all(self.path("empty")).expect("empty");
        let conf = self.write(
            "etc/vsftpd.conf",
            &format!(
                "listen=YES\nlisten_ipv6=NO\nlisten_address=127.0.0.1\nlisten_port={port}\nbackground=NO\n\
                 anonymous_enable={}\nlocal_enable=NO\nwrite_enable=NO\nanon_root={}\nsecure_chroot_dir={}\n\
                 seccomp_sandbox=NO\nisolate_network=NO\nisolate=NO\nvsftpd_log_file=/dev/null\n",
                if anonymous { "YES" } else { "NO" },
                self.path("ftp").display(),
                self.path("empty").display()
            ),
        );
        let daemon = self.spawn("vsftpd", port, "vsftpd", &[conf.display().to_string()], None);
        wait_for_port(port);
        daemon
    }

    /// mosquitto on 127.0.0.1: anonymous clients allowed, or only `user:password` from a
    /// password file.
    pub fn mosquitto(&self, credential: Option<(&str, &str)>) -> Daemon {
        let port = free_port();
        let mut conf = format!("listener {port} 127.0.0.1\npersistence false\nuser root\nlog_dest none\n");
        match credential {
            None => conf.push_str("allow_anonymous true\n"),
            Some((user, password)) => {
                let file = self.path("etc/mosquitto.pw");
                let status = Command::new("mosquitto_passwd")
                    .args(["-b", "-c"])
                    .arg(&file)
                    .args([user, password])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .expect("mosquitto_passwd");
                assert!(status.success());
                conf.push_str(&format!("allow_anonymous false\npassword_file {}\n", file.display()));
            }
        }
        let conf = self.write("etc/mosquitto.conf", &conf);
        let daemon = self.spawn("mosquitto", port, "mosquitto", &["-c".into(), conf.display().to_string()], None);
        wait_for_port(port);
        daemon
    }
}
