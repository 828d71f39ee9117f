//! The device probe: tests one IoT device on the network for what JC-STAR ★1 forbids (SCHEME §2,
//! §3: Mirai-style default passwords, telnet left open, unused services, eavesdropping) and maps
//! every finding to the requirements it bears on.
//!
//! Safety, stated once: the probe talks only to the one target named on the command line (no
//! ranges unless explicitly allowed), bounds its connections, attempts and rate, and stops
//! credential guessing when the device locks out. It is for devices the user is entitled to test.

pub mod finding;
pub mod observation;
pub mod policy;
pub mod ssh;
pub mod tls;
pub mod udp;

pub use finding::{Credential, Evidence, Finding, Severity, Verdict};
pub use observation::{Limits, Observation};
