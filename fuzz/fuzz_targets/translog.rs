//! What `tekigo verify` and `tekigo monitor` read from a registry: signed notes, checkpoints,
//! label statuses (also in their URL form), verifier keys, and proofs.
#![no_main]
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use tekigo_translog::{Checkpoint, Hash, Keyring, LabelStatus, NoteSigner, SignedNote};

static KEYRING: LazyLock<Keyring> = LazyLock::new(|| {
    let signer = NoteSigner::new("registry.example", ed25519_dalek::SigningKey::from_bytes(&[9; 32])).unwrap();
    Keyring::new(vec![signer.verifier()]).unwrap()
});

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(note) = SignedNote::parse(&text) {
        let _ = Checkpoint::open(&note, &KEYRING, None);
        let _ = LabelStatus::open(&note, &KEYRING);
    }
    let _ = Checkpoint::parse(&text);
    let _ = LabelStatus::parse(&text);
    let _ = tekigo_translog::decode_from_url(&text);
    let _ = tekigo_translog::NoteVerifier::parse(&text);
    // Proofs: sizes and indexes from the first 24 bytes, hashes from the rest.
    if data.len() >= 24 {
        let number = |at: usize| u64::from_le_bytes(data[at..at + 8].try_into().unwrap());
        let hashes: Vec<Hash> = data[24..].chunks_exact(32).map(|c| Hash(c.try_into().unwrap())).collect();
        let (first, second, index) = (number(0), number(8), number(16));
        let root = hashes.first().cloned().unwrap_or(Hash([0; 32]));
        let _ = tekigo_translog::verify_inclusion(&root, index, second, &hashes, &root);
        let _ = tekigo_translog::verify_consistency(first, second, &root, &root, &hashes);
    }
});
