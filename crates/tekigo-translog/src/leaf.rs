//! What a leaf of the registry's log commits to: one label event as the public reads it, as the
//! JSON array `["tekigo-label-event/1", seq, label, kind, status, at, detail]` (compact, `detail`
//! `null` when absent). The registry hashes these bytes when it appends; a verifier or monitor
//! hashes them again from the served event, so both sides use this one function.

/// The first element of a leaf's array: the format and its version.
pub const EVENT_LEAF_FORMAT: &str = "tekigo-label-event/1";

/// One label event, borrowed, as a leaf commits to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventLeaf<'a> {
    /// The event's sequence number in the registry (its order).
    pub seq: i64,
    pub label: &'a str,
    pub kind: &'a str,
    pub status: &'a str,
    /// Unix seconds.
    pub at: i64,
    pub detail: Option<&'a str>,
}

impl EventLeaf<'_> {
    /// The bytes the leaf hashes ([`crate::leaf_hash`] of them is the leaf hash).
    pub fn data(&self) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!([
            EVENT_LEAF_FORMAT,
            self.seq,
            self.label,
            self.kind,
            self.status,
            self.at,
            self.detail
        ]))
        .unwrap_or_default()
    }

    /// The leaf hash: SHA-256(0x00 || [`EventLeaf::data`]).
    pub fn hash(&self) -> crate::Hash {
        crate::leaf_hash(&self.data())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_leaf_format_is_pinned() {
        let leaf = EventLeaf {
            seq: 7,
            label: "JC1-2026-000123",
            kind: "issued",
            status: "valid",
            at: 1_770_000_000,
            detail: Some("a \"quoted\" 日本語"),
        };
        assert_eq!(
            String::from_utf8(leaf.data()).unwrap(),
            r#"["tekigo-label-event/1",7,"JC1-2026-000123","issued","valid",1770000000,"a \"quoted\" 日本語"]"#
        );
        let none = EventLeaf { detail: None, ..leaf };
        assert!(String::from_utf8(none.data()).unwrap().ends_with(",1770000000,null]"));
        assert_eq!(leaf.hash(), crate::leaf_hash(&leaf.data()));
    }
}
