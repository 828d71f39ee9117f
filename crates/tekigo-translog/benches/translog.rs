//! The registry's write path appends one leaf per label event and must stay within 10% of its
//! speed without the log; reads build proofs from a log of a million events.

use std::cell::RefCell;
use std::sync::OnceLock;

use divan::Bencher;
use ed25519_dalek::SigningKey;
use jiff::Timestamp;
use jiff::civil::date;
use tekigo_translog::{
    Frontier, Keyring, LabelStatus, MemoryLog, NoteSigner, Status, consistency_proof, encode_for_url, inclusion_proof,
    leaf_hash, root_at, verify_consistency, verify_inclusion,
};

fn main() {
    divan::main();
}

const N: u64 = 1_000_000;

fn log() -> &'static MemoryLog {
    static LOG: OnceLock<MemoryLog> = OnceLock::new();
    LOG.get_or_init(|| {
        let mut log = MemoryLog::new();
        for i in 0..N {
            log.append(leaf_hash(&i.to_be_bytes())).unwrap();
        }
        log
    })
}

/// Spread indexes over the tree without a random number generator.
fn spread(i: u64, below: u64) -> u64 {
    i.wrapping_mul(0x9E37_79B9_7F4A_7C15) % below
}

/// One leaf: hash the event, fold the right edge, store the new nodes in a map (the caller's
/// table) and keep the new frontier.
#[divan::bench]
fn append_with_persistence(bencher: Bencher) {
    let log = RefCell::new(MemoryLog::new());
    let mut i = 0u64;
    bencher.bench_local(|| {
        i += 1;
        log.borrow_mut().append(leaf_hash(&i.to_be_bytes())).unwrap()
    });
}

/// The tree work alone: the right edge fold, no storage.
#[divan::bench]
fn append_frontier_only(bencher: Bencher) {
    let mut frontier = Frontier::new();
    let leaf = leaf_hash(b"label event");
    bencher.bench_local(|| frontier.append(leaf).unwrap());
}

#[divan::bench]
fn inclusion_proof_1m(bencher: Bencher) {
    let log = log();
    let mut i = 0u64;
    bencher.bench_local(|| {
        i += 1;
        inclusion_proof(log.nodes(), spread(i, N), N).unwrap()
    });
}

#[divan::bench]
fn inclusion_verify_1m(bencher: Bencher) {
    let log = log();
    let root = log.root();
    let cases: Vec<_> = (0..64)
        .map(|i| {
            let index = spread(i, N);
            (index, leaf_hash(&index.to_be_bytes()), inclusion_proof(log.nodes(), index, N).unwrap())
        })
        .collect();
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % cases.len();
        let (index, leaf, proof) = &cases[i];
        verify_inclusion(leaf, *index, N, proof, &root).unwrap()
    });
}

#[divan::bench]
fn consistency_proof_1m(bencher: Bencher) {
    let log = log();
    let mut i = 0u64;
    bencher.bench_local(|| {
        i += 1;
        consistency_proof(log.nodes(), 1 + spread(i, N - 1), N).unwrap()
    });
}

#[divan::bench]
fn consistency_verify_1m(bencher: Bencher) {
    let log = log();
    let root = log.root();
    let cases: Vec<_> = (0..64)
        .map(|i| {
            let first = 1 + spread(i, N - 1);
            (first, root_at(log.nodes(), first).unwrap(), consistency_proof(log.nodes(), first, N).unwrap())
        })
        .collect();
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % cases.len();
        let (first, first_root, proof) = &cases[i];
        verify_consistency(*first, N, first_root, &root, proof).unwrap()
    });
}

/// The root of an older size, as a checkpoint for it needs.
#[divan::bench]
fn root_at_older_size_1m(bencher: Bencher) {
    let log = log();
    let mut i = 0u64;
    bencher.bench_local(|| {
        i += 1;
        root_at(log.nodes(), 1 + spread(i, N)).unwrap()
    });
}

fn status() -> LabelStatus {
    LabelStatus {
        label: "JC2-2026-000123".into(),
        product: "4711".into(),
        level: "2".into(),
        status: Status::Valid,
        valid_from: date(2026, 4, 1),
        valid_until: date(2028, 3, 31),
        tree_size: N,
        root: leaf_hash(b"root"),
        issued_at: Timestamp::from_second(1_775_001_600).unwrap(),
    }
}

#[divan::bench]
fn status_sign_and_encode(bencher: Bencher) {
    let signer = NoteSigner::new("registry.example.jp/log", SigningKey::from_bytes(&[1; 32])).unwrap();
    let status = status();
    bencher.bench_local(|| encode_for_url(&status.sign(&signer).unwrap()));
}

#[divan::bench]
fn status_decode_and_verify(bencher: Bencher) {
    let signer = NoteSigner::new("registry.example.jp/log", SigningKey::from_bytes(&[1; 32])).unwrap();
    let keyring = Keyring::new(vec![signer.verifier()]).unwrap();
    let url = encode_for_url(&status().sign(&signer).unwrap());
    bencher.bench_local(|| LabelStatus::open(&tekigo_translog::decode_from_url(&url).unwrap(), &keyring).unwrap());
}
