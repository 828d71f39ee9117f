//! The registry's transparency log, without I/O: every label event is a leaf of an append-only
//! RFC 6962 Merkle tree; tree heads are signed as C2SP checkpoints; each label gets a signed
//! compact status a QR code can carry.
//!
//! - [`hash`]: RFC 6962 §2.1 leaf and node hashes.
//! - [`tree`]: appends in O(log n) that return the nodes to store, roots of any past size, and
//!   proofs planned as a list of stored nodes (one batch read) then assembled.
//! - [`verify`]: inclusion and consistency verification as RFC 9162 §2.1.3.2 and §2.1.4.2 state it.
//! - [`note`]: C2SP signed notes with Ed25519, verifier keys, keyrings with validity windows.
//! - [`checkpoint`]: C2SP tlog-checkpoint bodies.
//! - [`leaf`]: what a leaf commits to: a label event in one fixed byte form.
//! - [`status`]: the `tekigo-label-status/1` statement and its URL form.
//!
//! The caller owns storage: it keeps the [`Frontier`] in one row and the nodes from
//! [`append`] in a table keyed by `(level, index)`, and implements [`NodeSource`] over it.

pub mod checkpoint;
pub mod hash;
pub mod leaf;
pub mod note;
pub mod status;
pub mod tree;
pub mod verify;

pub use checkpoint::Checkpoint;
pub use hash::{Hash, HashParseError, empty_root, leaf_hash, node_hash};
pub use leaf::{EVENT_LEAF_FORMAT, EventLeaf};
pub use note::{Keyring, NoteError, NoteSignature, NoteSigner, NoteVerifier, SignedNote, key_id};
pub use status::{LabelStatus, STATUS_FORMAT, Status, decode_from_url, encode_for_url};
pub use tree::{
    AppendResult, Frontier, MemoryLog, MissingNode, NodeId, NodeSource, ProofPlan, SourceError, TreeError, append,
    consistency_plan, consistency_proof, inclusion_plan, inclusion_proof, root_at, root_from_right_edge, root_plan,
};
pub use verify::{VerifyError, root_from_inclusion_proof, verify_consistency, verify_inclusion};
