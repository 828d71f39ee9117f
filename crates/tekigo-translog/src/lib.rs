//! The registry's transparency log, without I/O: every label event is a leaf of an append-only
//! RFC 6962 Merkle tree; tree heads are signed as C2SP checkpoints; each label gets a signed
//! compact status a QR code can carry.
//!
//! - [`hash`]: RFC 6962 §2.1 leaf and node hashes.
//! - [`tree`]: appends in O(log n) that return the nodes to store, roots of any past size, and
//!   proofs planned as a list of stored nodes (one batch read) then assembled.
//! - [`verify`]: inclusion and consistency verification as RFC 9162 §2.1.3.2 and §2.1.4.2 state it.
//!
//! The caller owns storage: it keeps the [`Frontier`] in one row and the nodes from
//! [`append`] in a table keyed by `(level, index)`, and implements [`NodeSource`] over it.

pub mod hash;
pub mod tree;
pub mod verify;

pub use hash::{Hash, HashParseError, empty_root, leaf_hash, node_hash};
pub use tree::{
    AppendResult, Frontier, MemoryLog, MissingNode, NodeId, NodeSource, ProofPlan, SourceError, TreeError, append,
    consistency_plan, consistency_proof, inclusion_plan, inclusion_proof, root_at, root_from_right_edge, root_plan,
};
pub use verify::{VerifyError, root_from_inclusion_proof, verify_consistency, verify_inclusion};
