-- The registry checks for itself (vulnerability_check.rs): the result of its own known-vulnerability
-- check of an application's SBOM against the registry's vulnerability database (JSON: outcome,
-- failing and undecided findings, counts, the database's sources and dates), kept beside the
-- vendor's declared result; NULL for an application stored before. `vex`: the VEX statements
-- the vendor sent with the application (JSON list), which the label keeps once approved.
ALTER TABLE applications ADD COLUMN registry_check TEXT;
ALTER TABLE applications ADD COLUMN vex TEXT NOT NULL DEFAULT '[]';
-- The evidence files the vendor uploads with an application, each one the signed declaration
-- fixes by its SHA-256 (an evidence record's or an attachment's); the reviewer downloads them.
CREATE TABLE application_files (
    application_id BIGINT NOT NULL REFERENCES applications(id),
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (application_id, sha256)
);
