//! The device probe: tests one IoT device on the network for what JC-STAR ★1 forbids (SCHEME §2,
//! §3: Mirai-style default passwords, telnet left open, unused services, eavesdropping) and maps
//! every finding to the requirements it bears on.
//!
//! Safety, stated once: the probe talks only to the one target named on the command line (no
//! ranges unless explicitly allowed, and then at most [`target::MAX_RANGE_HOSTS`] hosts), bounds
//! its connections, attempts and rate ([`Limits`]), and stops credential guessing on a service as
//! soon as it locks out. It is for devices the user is entitled to test.
//!
//! Flow: [`target`] (what to probe) → [`scan`] (open ports, what speaks there) → [`creds`]
//! (default credentials, anonymous access, through [`login`]) → [`bruteforce`] (S1.1-04) →
//! [`run`] turns every [`Observation`] into a [`Finding`] with the [`catalogue`] and the level's
//! verdicts.

pub mod bruteforce;
pub mod catalogue;
pub mod creds;
pub mod finding;
pub mod login;
mod net;
pub mod observation;
pub mod policy;
pub mod run;
pub mod scan;
pub mod ssh;
pub mod target;
pub mod tls;
pub mod udp;

pub use catalogue::{Catalogue, CatalogueError, CatalogueErrors};
pub use finding::{Credential, Evidence, Finding, Severity, Verdict};
pub use observation::{Limits, Observation};
pub use run::{PortInfo, ProbeError, ProbeOptions, Report, probe};
pub use target::{Target, TargetError};
