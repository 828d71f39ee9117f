-- The status filter of the public search reads (state, support_end, expires) together
-- (store.rs `search`): one index answers its count without reading the rows.
CREATE INDEX labels_by_status_dates ON labels(state, support_end, expires);
