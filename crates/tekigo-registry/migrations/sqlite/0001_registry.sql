-- The registry's tables (SQLite). The PostgreSQL file beside it is the same schema; only the
-- types of generated keys and binary columns differ. Times are Unix seconds, days are
-- 'YYYY-MM-DD' text (they sort as dates).

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    created BIGINT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    organisation_id BIGINT REFERENCES organisations(id),
    password_hash TEXT NOT NULL,
    created BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf TEXT NOT NULL,
    expires BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    created BIGINT NOT NULL,
    revoked BIGINT
);

CREATE TABLE signing_keys (
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    key_id TEXT NOT NULL UNIQUE,
    public_key_pem TEXT NOT NULL,
    added BIGINT NOT NULL
);

CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    name TEXT NOT NULL,
    model TEXT NOT NULL,
    firmware_version TEXT NOT NULL,
    product_type TEXT,
    support_end TEXT NOT NULL,
    vulnerability_contact TEXT NOT NULL,
    created BIGINT NOT NULL,
    UNIQUE (organisation_id, model, firmware_version)
);

CREATE TABLE applications (
    id INTEGER PRIMARY KEY,
    product_id BIGINT NOT NULL REFERENCES products(id),
    level TEXT NOT NULL,
    declaration_id TEXT NOT NULL UNIQUE,
    declaration BLOB NOT NULL,
    sbom BLOB NOT NULL,
    sbom_sha256 TEXT NOT NULL,
    checks TEXT NOT NULL,
    status TEXT NOT NULL,
    submitted BIGINT NOT NULL,
    submitted_by BIGINT NOT NULL REFERENCES users(id),
    decided BIGINT,
    decided_by BIGINT REFERENCES users(id),
    comment TEXT,
    label_number TEXT
);
CREATE INDEX applications_by_status ON applications(status, submitted);
CREATE INDEX applications_by_product ON applications(product_id);

CREATE TABLE labels (
    number TEXT PRIMARY KEY,
    product_id BIGINT NOT NULL UNIQUE REFERENCES products(id),
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    application_id BIGINT REFERENCES applications(id),
    level TEXT NOT NULL,
    scheme_version TEXT NOT NULL,
    assurance TEXT NOT NULL,
    state TEXT NOT NULL,
    issued TEXT NOT NULL,
    first_evaluated TEXT NOT NULL,
    expires TEXT NOT NULL,
    support_end TEXT NOT NULL,
    calendar_status TEXT NOT NULL,
    vendor TEXT NOT NULL,
    product_name TEXT NOT NULL,
    model TEXT NOT NULL,
    firmware_version TEXT NOT NULL,
    product_type TEXT,
    vulnerability_contact TEXT NOT NULL,
    updated BIGINT NOT NULL
);
CREATE INDEX labels_by_vendor ON labels(vendor);
CREATE INDEX labels_by_type ON labels(product_type, level);
CREATE INDEX labels_by_calendar ON labels(state, expires);
CREATE INDEX labels_by_support ON labels(state, support_end);

CREATE TABLE label_events (
    seq INTEGER PRIMARY KEY,
    label_number TEXT NOT NULL REFERENCES labels(number),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    at BIGINT NOT NULL,
    detail TEXT
);
CREATE INDEX label_events_by_label ON label_events(label_number, seq);

CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    detail TEXT NOT NULL
);

CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
