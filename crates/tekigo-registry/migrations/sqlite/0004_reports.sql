-- The reports desk and surveillance (SCHEME §5.3): reports from the public, triaged by staff;
-- a yearly surveillance plan drawn from a published seed; one surveillance case per pick, with
-- its evidence (stored once by SHA-256) and outcome.

CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    -- The label the report is about, or NULL when the product is only described in `product`.
    label_number TEXT REFERENCES labels(number),
    product TEXT,
    contact TEXT,
    -- default-password | unpatched-vulnerability | open-service | false-claim | support-ended-still-sold | other
    category TEXT NOT NULL,
    description TEXT NOT NULL,
    received BIGINT NOT NULL,
    -- received | triaged | dismissed | surveillance | case-opened
    status TEXT NOT NULL,
    -- 0..=3, set at triage.
    risk_weight BIGINT,
    triage_note TEXT,
    triaged_by TEXT,
    triaged BIGINT,
    case_id BIGINT
);
CREATE INDEX reports_by_status ON reports(status, id);
CREATE INDEX reports_by_label ON reports(label_number, status);

CREATE TABLE surveillance_plans (
    id INTEGER PRIMARY KEY,
    year BIGINT NOT NULL UNIQUE,
    seed TEXT NOT NULL,
    published BIGINT NOT NULL,
    published_by TEXT NOT NULL,
    -- `surveillance::Plan` as JSON.
    plan TEXT NOT NULL
);

CREATE TABLE surveillance_cases (
    id INTEGER PRIMARY KEY,
    year BIGINT NOT NULL REFERENCES surveillance_plans(year),
    label_number TEXT NOT NULL REFERENCES labels(number),
    -- report | random
    reason TEXT NOT NULL,
    weight BIGINT NOT NULL,
    -- planned | evaluating | conformant | non-conformant
    status TEXT NOT NULL,
    -- JSON list of {kind: probe|sbom-check|document, sha256, summary}.
    evidence TEXT NOT NULL DEFAULT '[]',
    outcome_note TEXT,
    evaluated_by TEXT,
    evaluated BIGINT,
    -- The case opened on non-conformity.
    case_id BIGINT,
    UNIQUE (year, label_number)
);
CREATE INDEX surveillance_cases_by_year ON surveillance_cases(year, id);

CREATE TABLE surveillance_evidence (
    sha256 TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    bytes BLOB NOT NULL,
    stored BIGINT NOT NULL
);
