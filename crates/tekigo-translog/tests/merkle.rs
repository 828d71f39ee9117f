//! The tree against RFC 6962's reference vectors (the leaves and proofs the certificate-transparency
//! and Trillian/transparency-dev tests use) and against a naive recursive MTH/PATH/PROOF.

use proptest::prelude::*;
use tekigo_translog::{
    Frontier, Hash, MemoryLog, NodeId, TreeError, VerifyError, append, consistency_plan, consistency_proof, empty_root,
    inclusion_plan, inclusion_proof, leaf_hash, node_hash, root_at, root_from_right_edge, verify_consistency,
    verify_inclusion,
};

fn h(hex: &str) -> Hash {
    Hash::from_hex(hex).unwrap()
}

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
}

/// The eight reference leaves.
const LEAVES: [&str; 8] =
    ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];

/// MTH of the first 1..=8 reference leaves.
const ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// (leaf index, tree size, proof)
const INCLUSION: [(u64, u64, &[&str]); 5] = [
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (0, 1, &[]),
];

/// (first size, second size, proof)
const CONSISTENCY: [(u64, u64, &[&str]); 5] = [
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (1, 1, &[]),
];

fn reference_log() -> MemoryLog {
    let mut log = MemoryLog::new();
    for leaf in LEAVES {
        log.append(leaf_hash(&unhex(leaf))).unwrap();
    }
    log
}

#[test]
fn reference_roots_from_the_frontier_and_from_stored_nodes() {
    let mut log = MemoryLog::new();
    assert_eq!(log.root(), empty_root());
    for (i, leaf) in LEAVES.iter().enumerate() {
        log.append(leaf_hash(&unhex(leaf))).unwrap();
        assert_eq!(log.root(), h(ROOTS[i]), "root of size {}", i + 1);
    }
    for (i, root) in ROOTS.iter().enumerate() {
        assert_eq!(root_at(log.nodes(), i as u64 + 1).unwrap(), h(root), "root_at({})", i + 1);
    }
    assert_eq!(root_at(log.nodes(), 0).unwrap(), empty_root());
}

#[test]
fn reference_inclusion_proofs() {
    let log = reference_log();
    for (index, size, expected) in INCLUSION {
        let expected: Vec<Hash> = expected.iter().map(|x| h(x)).collect();
        let proof = inclusion_proof(log.nodes(), index, size).unwrap();
        assert_eq!(proof, expected, "inclusion of {index} in {size}");
        let leaf = leaf_hash(&unhex(LEAVES[index as usize]));
        let root = h(ROOTS[size as usize - 1]);
        verify_inclusion(&leaf, index, size, &proof, &root).unwrap();
        // transparency-dev/merkle's corruptions of a good proof.
        for (bad_index, bad_size) in
            [(index.wrapping_sub(1), size), (index + 1, size), (index ^ 2, size), (index, size * 2), (index, size / 2)]
        {
            if (bad_index, bad_size) != (index, size) {
                assert!(verify_inclusion(&leaf, bad_index, bad_size, &proof, &root).is_err());
            }
        }
        assert!(verify_inclusion(&leaf_hash(b"WrongLeaf"), index, size, &proof, &root).is_err());
        assert!(verify_inclusion(&leaf, index, size, &proof, &empty_root()).is_err());
        let mut longer = proof.clone();
        longer.push(root);
        assert_eq!(verify_inclusion(&leaf, index, size, &longer, &root), Err(VerifyError::ProofTooLong));
        if !proof.is_empty() {
            assert_eq!(
                verify_inclusion(&leaf, index, size, &proof[..proof.len() - 1], &root),
                Err(VerifyError::ProofTooShort)
            );
        }
    }
}

#[test]
fn reference_consistency_proofs() {
    let log = reference_log();
    for (first, second, expected) in CONSISTENCY {
        let expected: Vec<Hash> = expected.iter().map(|x| h(x)).collect();
        let proof = consistency_proof(log.nodes(), first, second).unwrap();
        assert_eq!(proof, expected, "consistency {first} -> {second}");
        let (root1, root2) = (h(ROOTS[first as usize - 1]), h(ROOTS[second as usize - 1]));
        verify_consistency(first, second, &root1, &root2, &proof).unwrap();
        if !proof.is_empty() {
            assert!(verify_consistency(first, second, &root2, &root1, &proof).is_err(), "swapped roots");
            assert_eq!(verify_consistency(first, second, &root1, &root2, &[]), Err(VerifyError::EmptyProof));
            let mut longer = proof.clone();
            longer.push(root1);
            assert!(verify_consistency(first, second, &root1, &root2, &longer).is_err(), "trailing root");
            let mut earlier = vec![proof[0]];
            earlier.extend_from_slice(&proof);
            assert!(verify_consistency(first, second, &root1, &root2, &earlier).is_err(), "preceding proof[0]");
        }
    }
}

#[test]
fn trivial_consistency() {
    let (a, b) = (leaf_hash(b"a"), leaf_hash(b"b"));
    verify_consistency(0, 0, &empty_root(), &empty_root(), &[]).unwrap();
    verify_consistency(0, 5, &empty_root(), &a, &[]).unwrap();
    verify_consistency(3, 3, &a, &a, &[]).unwrap();
    assert!(verify_consistency(0, 5, &a, &b, &[]).is_err(), "size 0 has the empty root");
    assert!(verify_consistency(3, 3, &a, &b, &[]).is_err());
    assert_eq!(verify_consistency(3, 3, &a, &a, &[a]), Err(VerifyError::UnexpectedProof(1)));
    assert_eq!(verify_consistency(4, 3, &a, &a, &[]), Err(VerifyError::SizeOrder { first: 4, second: 3 }));
    assert!(consistency_plan(4, 3).is_err());
    assert!(consistency_plan(3, 3).unwrap().nodes().is_empty());
    assert!(consistency_plan(0, 3).unwrap().nodes().is_empty());
}

#[test]
fn inclusion_bounds() {
    assert_eq!(inclusion_plan(3, 3), Err(TreeError::IndexOutOfRange { index: 3, size: 3 }));
    assert!(verify_inclusion(&empty_root(), 0, 0, &[], &empty_root()).is_err());
}

#[test]
fn append_returns_what_to_store() {
    // Size 7 = 4 + 2 + 1: the eighth leaf completes the perfect subtrees of 2, 4 and 8 leaves.
    let log = reference_log();
    let mut frontier = Frontier::new();
    for leaf in &LEAVES[..7] {
        frontier.append(leaf_hash(&unhex(leaf))).unwrap();
    }
    assert_eq!(frontier.right_edge().len(), 3);
    let result = append(7, leaf_hash(&unhex(LEAVES[7])), frontier.right_edge()).unwrap();
    let ids: Vec<NodeId> = result.new_nodes.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, [NodeId::new(0, 7), NodeId::new(1, 3), NodeId::new(2, 1), NodeId::new(3, 0)]);
    assert_eq!(result.new_right_edge, [h(ROOTS[7])]);
    assert_eq!(root_from_right_edge(8, &result.new_right_edge).unwrap(), log.root());
    assert!(matches!(append(7, empty_root(), &[]), Err(TreeError::RightEdgeLength { expected: 3, got: 0, .. })));
    // The frontier as one stored row.
    let bytes = frontier.to_bytes();
    assert_eq!(bytes.len(), 8 + 3 * 32);
    assert_eq!(Frontier::from_bytes(&bytes).unwrap(), frontier);
    assert!(Frontier::from_bytes(&bytes[..bytes.len() - 1]).is_err());
}

// ---- against a naive implementation of RFC 6962 §2.1 ----

fn naive_mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = 1 << (usize::BITS - 1 - (n - 1).leading_zeros());
            node_hash(&naive_mth(&leaves[..k]), &naive_mth(&leaves[k..]))
        }
    }
}

fn split(n: usize) -> usize {
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// RFC 6962 §2.1.1 PATH(m, D[n]).
fn naive_path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = split(n);
    if m < k {
        let mut path = naive_path(m, &leaves[..k]);
        path.push(naive_mth(&leaves[k..]));
        path
    } else {
        let mut path = naive_path(m - k, &leaves[k..]);
        path.push(naive_mth(&leaves[..k]));
        path
    }
}

/// RFC 6962 §2.1.2 SUBPROOF(m, D[n], b).
fn naive_subproof(m: usize, leaves: &[Hash], whole: bool) -> Vec<Hash> {
    let n = leaves.len();
    if m == n {
        return if whole { Vec::new() } else { vec![naive_mth(leaves)] };
    }
    let k = split(n);
    if m <= k {
        let mut proof = naive_subproof(m, &leaves[..k], whole);
        proof.push(naive_mth(&leaves[k..]));
        proof
    } else {
        let mut proof = naive_subproof(m - k, &leaves[k..], false);
        proof.push(naive_mth(&leaves[..k]));
        proof
    }
}

fn build(n: usize) -> (MemoryLog, Vec<Hash>) {
    let leaves: Vec<Hash> = (0..n as u64).map(|i| leaf_hash(&i.to_be_bytes())).collect();
    let mut log = MemoryLog::new();
    for leaf in &leaves {
        log.append(*leaf).unwrap();
    }
    (log, leaves)
}

fn flipped(proof: &[Hash], at: usize, bit: u8) -> Vec<Hash> {
    let mut bad = proof.to_vec();
    bad[at].0[usize::from(bit / 8) % 32] ^= 1 << (bit % 8);
    bad
}

#[test]
fn every_proof_of_small_trees_matches_the_naive_one() {
    let (log, leaves) = build(40);
    for m in 0..=40usize {
        let root = naive_mth(&leaves[..m]);
        assert_eq!(root_at(log.nodes(), m as u64).unwrap(), root);
        for i in 0..m {
            let proof = inclusion_proof(log.nodes(), i as u64, m as u64).unwrap();
            assert_eq!(proof, naive_path(i, &leaves[..m]), "PATH({i}, D[{m}])");
            verify_inclusion(&leaves[i], i as u64, m as u64, &proof, &root).unwrap();
        }
        for first in 1..m {
            let proof = consistency_proof(log.nodes(), first as u64, m as u64).unwrap();
            assert_eq!(proof, naive_subproof(first, &leaves[..m], true), "PROOF({first}, D[{m}])");
            verify_consistency(first as u64, m as u64, &naive_mth(&leaves[..first]), &root, &proof).unwrap();
        }
    }
}

proptest! {
    #[test]
    fn stored_nodes_give_the_naive_roots_and_proofs(
        n in 1usize..300,
        m_seed in any::<prop::sample::Index>(),
        i_seed in any::<prop::sample::Index>(),
        f_seed in any::<prop::sample::Index>(),
        bit in any::<u8>(),
    ) {
        let (log, leaves) = build(n);
        let m = m_seed.index(n) + 1; // 1..=n
        let i = i_seed.index(m);
        let (m64, idx) = (m as u64, i as u64);
        let root_m = naive_mth(&leaves[..m]);
        prop_assert_eq!(log.root(), naive_mth(&leaves));
        prop_assert_eq!(root_at(log.nodes(), m64).unwrap(), root_m);

        // Inclusion of leaf i in the tree of size m, an older size of the log.
        let proof = inclusion_proof(log.nodes(), idx, m64).unwrap();
        prop_assert_eq!(&proof, &naive_path(i, &leaves[..m]));
        prop_assert!(verify_inclusion(&leaves[i], idx, m64, &proof, &root_m).is_ok());
        for at in 0..proof.len() {
            prop_assert!(verify_inclusion(&leaves[i], idx, m64, &flipped(&proof, at, bit), &root_m).is_err());
        }
        let mut leaf = leaves[i];
        leaf.0[usize::from(bit / 8) % 32] ^= 1 << (bit % 8);
        prop_assert!(verify_inclusion(&leaf, idx, m64, &proof, &root_m).is_err());
        for other in [i.wrapping_sub(1), i + 1, i ^ 1, i ^ 2] {
            if other != i && other < m {
                prop_assert!(verify_inclusion(&leaves[i], other as u64, m64, &proof, &root_m).is_err());
            }
        }
        // Another size, with that size's real root.
        for other in [m - 1, m + 1, m * 2, m / 2] {
            if other != m && other > i && other <= n {
                let root = naive_mth(&leaves[..other]);
                prop_assert!(verify_inclusion(&leaves[i], idx, other as u64, &proof, &root).is_err());
            }
        }

        // Consistency from an older size f to m.
        let f = f_seed.index(m + 1); // 0..=m
        let root_f = naive_mth(&leaves[..f]);
        let proof = consistency_proof(log.nodes(), f as u64, m64).unwrap();
        if f > 0 && f < m {
            prop_assert_eq!(&proof, &naive_subproof(f, &leaves[..m], true));
        } else {
            prop_assert!(proof.is_empty());
        }
        prop_assert!(verify_consistency(f as u64, m64, &root_f, &root_m, &proof).is_ok());
        if !proof.is_empty() {
            for at in 0..proof.len() {
                prop_assert!(verify_consistency(f as u64, m64, &root_f, &root_m, &flipped(&proof, at, bit)).is_err());
            }
            for (f2, m2) in [(f - 1, m), (f + 1, m), (f, m - 1), (f, m + 1)] {
                if (f2, m2) != (f, m) && f2 <= m2 && m2 <= n {
                    let (r1, r2) = (naive_mth(&leaves[..f2]), naive_mth(&leaves[..m2]));
                    prop_assert!(verify_consistency(f2 as u64, m2 as u64, &r1, &r2, &proof).is_err());
                }
            }
            let mut bad_root = root_f;
            bad_root.0[0] ^= 1;
            prop_assert!(verify_consistency(f as u64, m64, &bad_root, &root_m, &proof).is_err());
        }
    }

    #[test]
    fn append_stores_at_most_one_node_per_level(n in 0u64..5000) {
        let mut frontier = Frontier::new();
        let mut stored = 0usize;
        for i in 0..n {
            let nodes = frontier.append(leaf_hash(&i.to_be_bytes())).unwrap();
            prop_assert!(nodes.len() <= 1 + 64 - i.leading_zeros() as usize);
            stored += nodes.len();
        }
        // Every perfect subtree once: n leaves + n/2 + n/4 + ... < 2n.
        prop_assert!(stored < 2 * n as usize + 1);
        prop_assert_eq!(frontier.right_edge().len(), n.count_ones() as usize);
    }
}
