//! The client side of the registry's transparency log, as a library: what `tekigo log verify` and
//! `tekigo log monitor` do, callable from tests and from other programs (an auditor's monitor, a
//! seller's shop system). Nothing the registry serves is trusted beyond what its signatures and
//! proofs show: leaf hashes are computed here from the served events
//! ([`tekigo_translog::EventLeaf`], the registry's own leaf format), and every proof is checked
//! with [`tekigo_translog`]'s verifiers.
//!
//! - [`http`]: a bounded blocking HTTP client for one registry ([`LogClient`]).
//! - [`wire`]: the JSON the registry's log API serves.
//! - [`keys`]: verifier keys as given by a person or served by the registry, into a keyring.
//! - [`verify`]: one label, online against the log or offline against a signed status.
//! - [`monitor`]: the whole log, from a kept checkpoint to the newest one.
//!
//! Problems found are returned as bilingual alerts ([`tekigo_base::Text`]), not printed; errors
//! that stop a check (network, malformed responses) are [`ClientError`]s.

pub mod http;
pub mod keys;
pub mod monitor;
pub mod verify;
pub mod wire;

pub use http::{ClientError, LogClient};
pub use keys::{keyring_from, parse_keys};
pub use monitor::{MonitorState, Summary, Watch, watch};
pub use verify::{EntryCheck, OfflineCheck, OnlineCheck, Target, parse_target, verify_offline, verify_online};
