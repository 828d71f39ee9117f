//! The log's tree over stored nodes: O(log n) appends and proofs read from perfect subtrees.
//!
//! Storage model: the caller keeps (a) every leaf hash, as node `(0, index)`, and (b) the hash
//! of every *perfect* subtree, node `(level, index)` covering leaves `[index·2^level,
//! (index+1)·2^level)`, plus (c) the *right edge* (the frontier): the hashes of the perfect
//! subtrees that make up the whole tree, largest (leftmost) first, one per set bit of the size.
//! A perfect subtree never changes once complete, so a node is written once and never updated;
//! only the right edge (at most 64 hashes, one row) is rewritten on each append.
//!
//! Every RFC 6962 proof element is the hash of a range `D[a:b]` that is either a perfect subtree
//! or the right-hand end of a tree of some size; the latter is recomputed from the perfect
//! subtrees it splits into. So proofs for any older tree size `m <= n` come from the same
//! stored nodes, and the nodes a proof needs are known before reading any of them
//! ([`ProofPlan::nodes`]), so the caller can fetch them in one query.

use std::collections::HashMap;

use crate::hash::{Hash, empty_root, node_hash};

/// A stored node: `level` 0 is a leaf; `index` counts nodes of that level from the left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u32,
    pub index: u64,
}

impl NodeId {
    pub fn new(level: u32, index: u64) -> NodeId {
        NodeId { level, index }
    }

    /// The first leaf this node covers.
    fn start(self) -> u64 {
        self.index << self.level
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    #[error("leaf index {index} is not in a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("tree size {first} is larger than tree size {second}")]
    SizeOrder { first: u64, second: u64 },
    #[error("the right edge of a tree of size {size} has {expected} hashes, not {got}")]
    RightEdgeLength { size: u64, expected: usize, got: usize },
    #[error("the tree is full (size {0})")]
    Full(u64),
    #[error("the proof needs {expected} node hashes, {got} were given")]
    NodeCount { expected: usize, got: usize },
    #[error("a stored right edge is {0} bytes: not 8 + 32·k with k the number of bits set in the size")]
    RightEdgeBytes(usize),
}

/// A node the source does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no stored node at level {}, index {}", .0.level, .0.index)]
pub struct MissingNode(pub NodeId);

/// A failure building a proof from stored nodes: the request, or the caller's storage.
#[derive(Debug, thiserror::Error)]
pub enum SourceError<E> {
    #[error(transparent)]
    Tree(#[from] TreeError),
    #[error("reading stored nodes: {0}")]
    Source(E),
}

/// What an append produced: the nodes to store (the leaf itself first, then each perfect subtree
/// the leaf completed, at most 1 + log2(n) in all) and the right edge to keep in place of the
/// old one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendResult {
    pub new_nodes: Vec<(NodeId, Hash)>,
    pub new_right_edge: Vec<Hash>,
}

/// Appends `leaf` (a [`crate::leaf_hash`]) to a tree of `size` leaves whose right edge is
/// `right_edge`. Costs one node hash per perfect subtree completed: O(log n), amortised O(1).
pub fn append(size: u64, leaf: Hash, right_edge: &[Hash]) -> Result<AppendResult, TreeError> {
    check_right_edge(size, right_edge)?;
    if size == u64::MAX {
        return Err(TreeError::Full(size));
    }
    let mut edge = right_edge.to_vec();
    let mut new_nodes = Vec::with_capacity(1 + size.trailing_ones() as usize);
    new_nodes.push((NodeId::new(0, size), leaf));
    let mut hash = leaf;
    let mut level = 0u32;
    // Each set low bit of `size` is a perfect subtree of that height ending just before the new
    // leaf: it and the new subtree are now the two halves of a perfect subtree one level up.
    while (size >> level) & 1 == 1 {
        let left = edge.pop().ok_or(TreeError::RightEdgeLength {
            size,
            expected: size.count_ones() as usize,
            got: right_edge.len(),
        })?;
        hash = node_hash(&left, &hash);
        level += 1;
        new_nodes.push((NodeId::new(level, size >> level), hash));
    }
    edge.push(hash);
    Ok(AppendResult { new_nodes, new_right_edge: edge })
}

/// The root of a tree from its right edge. RFC 6962 §2.1: the tree splits at the largest power
/// of two below its size, so its root is the right edge's hashes folded from the right.
pub fn root_from_right_edge(size: u64, right_edge: &[Hash]) -> Result<Hash, TreeError> {
    check_right_edge(size, right_edge)?;
    Ok(fold_right(right_edge))
}

fn check_right_edge(size: u64, right_edge: &[Hash]) -> Result<(), TreeError> {
    let expected = size.count_ones() as usize;
    if right_edge.len() != expected {
        return Err(TreeError::RightEdgeLength { size, expected, got: right_edge.len() });
    }
    Ok(())
}

fn fold_right(hashes: &[Hash]) -> Hash {
    match hashes.split_last() {
        None => empty_root(),
        Some((last, rest)) => rest.iter().rev().fold(*last, |acc, left| node_hash(left, &acc)),
    }
}

/// The right edge as the caller keeps it, in one row: `size` and the edge's hashes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frontier {
    size: u64,
    right_edge: Vec<Hash>,
}

impl Frontier {
    pub fn new() -> Frontier {
        Frontier::default()
    }

    pub fn from_parts(size: u64, right_edge: Vec<Hash>) -> Result<Frontier, TreeError> {
        check_right_edge(size, &right_edge)?;
        Ok(Frontier { size, right_edge })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn right_edge(&self) -> &[Hash] {
        &self.right_edge
    }

    pub fn root(&self) -> Hash {
        fold_right(&self.right_edge)
    }

    /// Appends a leaf hash; returns the nodes to store (see [`append`]).
    pub fn append(&mut self, leaf: Hash) -> Result<Vec<(NodeId, Hash)>, TreeError> {
        let result = append(self.size, leaf, &self.right_edge)?;
        self.size += 1;
        self.right_edge = result.new_right_edge;
        Ok(result.new_nodes)
    }

    /// Big-endian size (8 bytes), then the edge's hashes: at most 8 + 64·32 bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + 32 * self.right_edge.len());
        out.extend_from_slice(&self.size.to_be_bytes());
        for hash in &self.right_edge {
            out.extend_from_slice(&hash.0);
        }
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Frontier, TreeError> {
        let error = || TreeError::RightEdgeBytes(bytes.len());
        let (size, rest) = bytes.split_first_chunk::<8>().ok_or_else(error)?;
        let size = u64::from_be_bytes(*size);
        if rest.len() != 32 * size.count_ones() as usize {
            return Err(error());
        }
        let right_edge = rest.chunks_exact(32).filter_map(Hash::from_slice).collect();
        Frontier::from_parts(size, right_edge)
    }
}

/// The caller's stored nodes. `nodes` is the batch read a proof uses; the default reads one by
/// one, a database implements it as one query.
pub trait NodeSource {
    type Error;

    fn node(&self, id: NodeId) -> Result<Hash, Self::Error>;

    /// The hashes of `ids`, in the same order.
    fn nodes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, Self::Error> {
        ids.iter().map(|id| self.node(*id)).collect()
    }
}

impl NodeSource for HashMap<NodeId, Hash> {
    type Error = MissingNode;

    fn node(&self, id: NodeId) -> Result<Hash, MissingNode> {
        self.get(&id).copied().ok_or(MissingNode(id))
    }
}

/// Which stored nodes a proof (or root) needs, and how to put their hashes together.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProofPlan {
    nodes: Vec<NodeId>,
    /// How many consecutive entries of `nodes` make each output hash (folded from the right).
    groups: Vec<u8>,
}

impl ProofPlan {
    /// The nodes to read, without repeats, in the order [`ProofPlan::assemble`] wants their hashes.
    pub fn nodes(&self) -> &[NodeId] {
        &self.nodes
    }

    /// The proof from the hashes of [`ProofPlan::nodes`], given in the same order.
    pub fn assemble(&self, hashes: &[Hash]) -> Result<Vec<Hash>, TreeError> {
        if hashes.len() != self.nodes.len() {
            return Err(TreeError::NodeCount { expected: self.nodes.len(), got: hashes.len() });
        }
        let mut out = Vec::with_capacity(self.groups.len());
        let mut at = 0;
        for &count in &self.groups {
            let count = usize::from(count);
            out.push(fold_right(&hashes[at..at + count]));
            at += count;
        }
        Ok(out)
    }

    /// Reads the nodes from `source` in one batch and assembles the proof.
    pub fn fetch<S: NodeSource>(&self, source: &S) -> Result<Vec<Hash>, SourceError<S::Error>> {
        let hashes = source.nodes(&self.nodes).map_err(SourceError::Source)?;
        Ok(self.assemble(&hashes)?)
    }

    /// Adds MTH(D[start:end]) as the next output hash. The ranges RFC 6962 proofs use start at a
    /// multiple of a power of two at least their length, so they split into perfect subtrees by
    /// the bits of the length, largest first, and their hash is those folded from the right
    /// (RFC 6962 §2.1: the split is at the largest power of two below the length).
    fn push_range(&mut self, start: u64, end: u64) {
        debug_assert!(start < end);
        let mut at = start;
        let mut count = 0u8;
        while at < end {
            let level = 63 - (end - at).leading_zeros();
            let node = NodeId::new(level, at >> level);
            debug_assert_eq!(node.start(), at, "range [{start}, {end}) is not aligned");
            self.nodes.push(node);
            at += 1 << level;
            count += 1;
        }
        self.groups.push(count);
    }
}

/// The largest power of two strictly below `n` (n > 1). RFC 6962 §2.1's `k`.
fn split_point(n: u64) -> u64 {
    debug_assert!(n > 1);
    1 << (63 - (n - 1).leading_zeros())
}

/// The nodes for the root of the tree of `size` leaves (one output hash; none for size 0, whose
/// root is [`empty_root`]).
pub fn root_plan(size: u64) -> ProofPlan {
    let mut plan = ProofPlan::default();
    if size > 0 {
        plan.push_range(0, size);
    }
    plan
}

/// The root of the tree of `size` leaves from stored nodes: any size up to the current one.
pub fn root_at<S: NodeSource>(source: &S, size: u64) -> Result<Hash, SourceError<S::Error>> {
    Ok(root_plan(size).fetch(source)?.pop().unwrap_or_else(empty_root))
}

/// The nodes for the inclusion proof of leaf `index` in the tree of `size` leaves.
pub fn inclusion_plan(index: u64, size: u64) -> Result<ProofPlan, TreeError> {
    if index >= size {
        return Err(TreeError::IndexOutOfRange { index, size });
    }
    let mut plan = ProofPlan::default();
    path(&mut plan, index, 0, size);
    Ok(plan)
}

/// RFC 6962 §2.1.1 PATH(m, D[lo:hi]), with `m` absolute: the sibling hashes from the leaf up.
fn path(plan: &mut ProofPlan, m: u64, lo: u64, hi: u64) {
    let n = hi - lo;
    if n <= 1 {
        return;
    }
    let k = split_point(n);
    if m - lo < k {
        path(plan, m, lo, lo + k);
        plan.push_range(lo + k, hi);
    } else {
        path(plan, m, lo + k, hi);
        plan.push_range(lo, lo + k);
    }
}

/// The inclusion proof of leaf `index` in the tree of `size` leaves, from stored nodes.
pub fn inclusion_proof<S: NodeSource>(source: &S, index: u64, size: u64) -> Result<Vec<Hash>, SourceError<S::Error>> {
    inclusion_plan(index, size)?.fetch(source)
}

/// The nodes for the consistency proof from tree size `first` to tree size `second`. Empty when
/// `first` is 0 or equal to `second` (RFC 6962 §2.1.2 defines proofs for 0 < m < n only; those
/// two cases need none).
pub fn consistency_plan(first: u64, second: u64) -> Result<ProofPlan, TreeError> {
    if first > second {
        return Err(TreeError::SizeOrder { first, second });
    }
    let mut plan = ProofPlan::default();
    if first > 0 && first < second {
        subproof(&mut plan, first, 0, second, true);
    }
    Ok(plan)
}

/// RFC 6962 §2.1.2 SUBPROOF(m, D[lo:hi], b), with `m` relative to `lo`.
fn subproof(plan: &mut ProofPlan, m: u64, lo: u64, hi: u64, whole: bool) {
    let n = hi - lo;
    if m == n {
        // The old tree is this whole subtree: the verifier knows its hash only if it is the
        // whole old tree (`whole`); otherwise the proof carries it.
        if !whole {
            plan.push_range(lo, hi);
        }
        return;
    }
    let k = split_point(n);
    if m <= k {
        subproof(plan, m, lo, lo + k, whole);
        plan.push_range(lo + k, hi);
    } else {
        subproof(plan, m - k, lo + k, hi, false);
        plan.push_range(lo, lo + k);
    }
}

/// The consistency proof from tree size `first` to `second`, from stored nodes.
pub fn consistency_proof<S: NodeSource>(
    source: &S,
    first: u64,
    second: u64,
) -> Result<Vec<Hash>, SourceError<S::Error>> {
    consistency_plan(first, second)?.fetch(source)
}

/// A whole log in memory: the frontier and a map of nodes. For tests, tools and the benchmark;
/// the registry keeps the same two things in its database.
#[derive(Debug, Clone, Default)]
pub struct MemoryLog {
    frontier: Frontier,
    nodes: HashMap<NodeId, Hash>,
}

impl MemoryLog {
    pub fn new() -> MemoryLog {
        MemoryLog::default()
    }

    /// Appends a leaf hash; returns its index.
    pub fn append(&mut self, leaf: Hash) -> Result<u64, TreeError> {
        let index = self.frontier.size();
        self.nodes.extend(self.frontier.append(leaf)?);
        Ok(index)
    }

    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    pub fn root(&self) -> Hash {
        self.frontier.root()
    }

    pub fn frontier(&self) -> &Frontier {
        &self.frontier
    }

    pub fn nodes(&self) -> &HashMap<NodeId, Hash> {
        &self.nodes
    }
}
