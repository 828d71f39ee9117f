-- CSAF advisories shared with JVN (csaf_export.rs): each vulnerability's tracking ID, the hash
-- of the content last published and its revision history, so versions only move on change; the
-- last document, which the API serves.
CREATE TABLE csaf_advisories (
    vuln_id TEXT PRIMARY KEY,
    tracking_id TEXT NOT NULL UNIQUE,
    content_sha256 TEXT NOT NULL,
    revisions TEXT NOT NULL,
    file_name TEXT NOT NULL,
    current_release BIGINT NOT NULL,
    document TEXT NOT NULL
);
