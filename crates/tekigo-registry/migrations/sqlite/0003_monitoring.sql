-- Issue 7: the label lifecycle after issue (lifecycle.rs) and continuous vulnerability
-- monitoring of every labeled product's SBOM (monitor.rs).

-- The full lifecycle state as JSON (`lifecycle::Lifecycle`); `state` stays its coarse form.
ALTER TABLE labels ADD COLUMN lifecycle TEXT NOT NULL DEFAULT '{"state":"active"}';

-- A non-conformity against a label: found by monitoring, surveillance, a report or an incident.
CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    label_number TEXT NOT NULL REFERENCES labels(number),
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    opened_on TEXT NOT NULL,
    grace_until TEXT NOT NULL,
    closed_on TEXT,
    outcome TEXT,
    summary TEXT NOT NULL,
    detail TEXT NOT NULL,
    updated BIGINT NOT NULL
);
CREATE INDEX cases_by_label ON cases(label_number, id);
CREATE INDEX cases_by_status ON cases(status, id);

-- What the certification body tells a vendor, shown on the vendor's pages.
CREATE TABLE notices (
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    label_number TEXT,
    case_id BIGINT,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    subject_en TEXT NOT NULL,
    subject_ja TEXT NOT NULL,
    body_en TEXT NOT NULL,
    body_ja TEXT NOT NULL
);
CREATE INDEX notices_by_organisation ON notices(organisation_id, id);

-- Monitoring. Components are stored once however many labels hold them; the index keys
-- (`pkg:<package>`, `cpe:<product>`) are the ones the vulnerability database's change journal
-- names, so an import re-checks only the components it touches.
CREATE TABLE monitored_labels (
    id INTEGER PRIMARY KEY,
    label_number TEXT NOT NULL UNIQUE REFERENCES labels(number),
    level TEXT NOT NULL,
    sbom_sha256 TEXT NOT NULL,
    vex TEXT NOT NULL DEFAULT '[]',
    dirty INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE components (
    id INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    checked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX components_unchecked ON components(checked) WHERE checked = 0;
CREATE TABLE component_keys (
    key TEXT NOT NULL,
    component_id BIGINT NOT NULL,
    PRIMARY KEY (key, component_id)
) WITHOUT ROWID;
CREATE TABLE label_components (
    component_id BIGINT NOT NULL,
    monitored_id BIGINT NOT NULL,
    PRIMARY KEY (component_id, monitored_id)
) WITHOUT ROWID;
CREATE INDEX label_components_by_label ON label_components(monitored_id);
-- Findings of a component that fail a level, before any label's VEX.
CREATE TABLE component_findings (
    component_id BIGINT NOT NULL,
    level TEXT NOT NULL,
    vuln_id TEXT NOT NULL,
    finding TEXT NOT NULL,
    PRIMARY KEY (component_id, level, vuln_id)
);
CREATE INDEX component_findings_by_vuln ON component_findings(vuln_id);
-- A label's failing findings after its VEX: what its case is about. The finding itself is the
-- component's (component_findings at the label's level), not copied per label.
CREATE TABLE label_findings (
    monitored_id BIGINT NOT NULL,
    component_id BIGINT NOT NULL,
    vuln_id TEXT NOT NULL,
    PRIMARY KEY (monitored_id, component_id, vuln_id)
);
