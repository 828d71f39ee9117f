//! The JSON of the registry's log API (`/api/v1/log/...`, `/api/v1/labels/{number}/...`), as far
//! as a verifier reads it. Unknown fields are ignored: the server may add some.

use serde::{Deserialize, Serialize};
use tekigo_translog::{EventLeaf, Hash};

/// A verifier key with its validity window (Unix seconds), as `/api/v1/log/keys` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyEntry {
    pub verifier: String,
    #[serde(default)]
    pub valid_from: Option<i64>,
    #[serde(default)]
    pub not_after: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct KeysResponse {
    pub keys: Vec<KeyEntry>,
}

#[derive(Debug, Deserialize)]
pub struct StatusResponse {
    pub note: String,
}

/// One log entry: a label event and its place in the tree.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub index: u64,
    pub seq: i64,
    pub label: String,
    pub kind: String,
    pub status: String,
    pub at: i64,
    #[serde(default)]
    pub detail: Option<String>,
}

impl Entry {
    /// The leaf hash, computed here from the event as served: never taken from the server.
    pub fn leaf_hash(&self) -> Hash {
        EventLeaf {
            seq: self.seq,
            label: &self.label,
            kind: &self.kind,
            status: &self.status,
            at: self.at,
            detail: self.detail.as_deref(),
        }
        .hash()
    }
}

#[derive(Debug, Deserialize)]
pub struct EntriesResponse {
    pub entries: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
pub struct ProofResponse {
    pub proof: Vec<String>,
}

impl ProofResponse {
    pub fn hashes(&self) -> Result<Vec<Hash>, String> {
        self.proof.iter().map(|h| Hash::from_base64(h).map_err(|e| e.to_string())).collect()
    }
}
