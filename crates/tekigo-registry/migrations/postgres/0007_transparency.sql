-- Issue 8: the transparency log of label events (transparency.rs). RFC 6962 tree: every
-- complete subtree's hash by (level, index), leaves at level 0; one row of state (size and the
-- right edge, base64), locked by each append; the signing keys, retired ones kept public.
CREATE TABLE log_leaves (
    idx BIGINT PRIMARY KEY,
    event_seq BIGINT NOT NULL UNIQUE
);
CREATE TABLE log_nodes (
    level BIGINT NOT NULL,
    idx BIGINT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (level, idx)
);
CREATE TABLE log_state (
    id BIGINT PRIMARY KEY,
    size BIGINT NOT NULL,
    frontier TEXT NOT NULL
);
INSERT INTO log_state (id, size, frontier) VALUES (1, 0, '');
CREATE TABLE log_keys (
    key_id TEXT PRIMARY KEY,
    verifier TEXT NOT NULL,
    signer TEXT,
    valid_from BIGINT NOT NULL,
    not_after BIGINT
);
