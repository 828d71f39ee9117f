//! Proof verification, step by step as RFC 9162 §2.1.3.2 and §2.1.4.2 state it. These depend only
//! on the proof, never on how it was produced, so a client can use them against any RFC 6962 log.

use crate::hash::{Hash, empty_root, node_hash};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("leaf index {index} is not in a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("tree size {first} is larger than tree size {second}")]
    SizeOrder { first: u64, second: u64 },
    #[error("the proof has more hashes than a tree of this size needs")]
    ProofTooLong,
    #[error("the proof has fewer hashes than a tree of this size needs")]
    ProofTooShort,
    #[error("a consistency proof between different sizes cannot be empty")]
    EmptyProof,
    #[error("a proof for equal or empty tree sizes must be empty, this one has {0} hashes")]
    UnexpectedProof(usize),
    #[error("the proof leads to root {computed}, not the expected {expected}")]
    RootMismatch { computed: Hash, expected: Hash },
    #[error("the root of an empty tree is {expected}, not {got}")]
    EmptyRoot { expected: Hash, got: Hash },
}

/// RFC 9162 §2.1.3.2: the root that `proof` leads to from leaf `index` in a tree of `size`.
pub fn root_from_inclusion_proof(leaf: &Hash, index: u64, size: u64, proof: &[Hash]) -> Result<Hash, VerifyError> {
    // Step 1.
    if index >= size {
        return Err(VerifyError::IndexOutOfRange { index, size });
    }
    // Steps 2 and 3.
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf;
    // Step 4.
    for p in proof {
        // Step 4a: the path has already reached the root.
        if s_n == 0 {
            return Err(VerifyError::ProofTooLong);
        }
        // Step 4b.
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            // Step 4b.ii: skip the levels where this node is the last, lone child of the right edge.
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        // Step 4c.
        f_n >>= 1;
        s_n >>= 1;
    }
    // Step 5: `sn` is 0 only once the path has reached the root.
    if s_n != 0 {
        return Err(VerifyError::ProofTooShort);
    }
    Ok(r)
}

/// RFC 9162 §2.1.3.2: `proof` shows that `leaf` is leaf `index` of the tree of `size` with `root`.
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> Result<(), VerifyError> {
    let computed = root_from_inclusion_proof(leaf, index, size, proof)?;
    if computed != *root {
        return Err(VerifyError::RootMismatch { computed, expected: *root });
    }
    Ok(())
}

/// RFC 9162 §2.1.4.2: `proof` shows that the tree of `first` leaves with `first_root` is a prefix
/// of the tree of `second` leaves with `second_root`.
///
/// The RFC's proofs are for `0 < first < second`. Equal sizes are consistent with an empty proof
/// when the roots are equal; size 0 with an empty proof when `first_root` is the empty tree's root
/// (stricter than some logs, which accept any `first_root` there).
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> Result<(), VerifyError> {
    if first > second {
        return Err(VerifyError::SizeOrder { first, second });
    }
    if first == 0 || first == second {
        if !proof.is_empty() {
            return Err(VerifyError::UnexpectedProof(proof.len()));
        }
        if first == 0 {
            let expected = empty_root();
            if *first_root != expected {
                return Err(VerifyError::EmptyRoot { expected, got: *first_root });
            }
        } else if first_root != second_root {
            return Err(VerifyError::RootMismatch { computed: *first_root, expected: *second_root });
        }
        return Ok(());
    }
    // Step 1.
    if proof.is_empty() {
        return Err(VerifyError::EmptyProof);
    }
    // Step 2: when the old tree is a perfect subtree the proof leaves out its hash, which the
    // verifier already has.
    let (start, rest) = if first.is_power_of_two() { (*first_root, proof) } else { (proof[0], &proof[1..]) };
    // Step 3.
    let (mut f_n, mut s_n) = (first - 1, second - 1);
    // Step 4: climb past the levels where the old tree's last node is a right child.
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    // Step 5.
    let (mut f_r, mut s_r) = (start, start);
    // Step 6.
    for c in rest {
        // Step 6a.
        if s_n == 0 {
            return Err(VerifyError::ProofTooLong);
        }
        // Step 6b.
        if f_n & 1 == 1 || f_n == s_n {
            f_r = node_hash(c, &f_r);
            s_r = node_hash(c, &s_r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            s_r = node_hash(&s_r, c);
        }
        // Step 6c.
        f_n >>= 1;
        s_n >>= 1;
    }
    // Step 7.
    if s_n != 0 {
        return Err(VerifyError::ProofTooShort);
    }
    if f_r != *first_root {
        return Err(VerifyError::RootMismatch { computed: f_r, expected: *first_root });
    }
    if s_r != *second_root {
        return Err(VerifyError::RootMismatch { computed: s_r, expected: *second_root });
    }
    Ok(())
}
