-- Issue 8: the transparency log of label events (transparency.rs). Each event takes its place in
-- the log (`log_index`, the next free one) in its own INSERT, so no event exists without its
-- leaf. The tree above the leaves is sealed in batches: `log_nodes` holds every complete
-- subtree's hash (leaves at level 0), `log_state` the sealed size and right edge (base64); a
-- checkpoint is signed only over sealed leaves. `log_keys`: the signing keys, retired ones kept
-- public with their end.
ALTER TABLE label_events ADD COLUMN log_index BIGINT;
CREATE UNIQUE INDEX label_events_by_log_index ON label_events(log_index);
CREATE TABLE log_nodes (
    level BIGINT NOT NULL,
    idx BIGINT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
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
