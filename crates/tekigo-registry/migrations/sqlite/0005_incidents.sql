-- Incidents on labeled products (SCHEME §6, incidents.rs) and the technical committee's agenda.

-- One incident, as staff recorded it. `case_code` is the case of the SCHEME §6 table (A-1, A-2,
-- B-1, B-2; `case` is an SQL keyword); `requirements` a JSON list of requirement IDs; `case_id`
-- the non-conformity case it opened against the label (A-2, B-1).
CREATE TABLE incidents (
    id INTEGER PRIMARY KEY,
    label_number TEXT NOT NULL REFERENCES labels(number),
    occurred TEXT NOT NULL,
    reported BIGINT NOT NULL,
    cause TEXT NOT NULL,
    vendor_gave_information BIGINT NOT NULL,
    product_met_criteria BIGINT NOT NULL,
    case_code TEXT NOT NULL,
    requirements TEXT NOT NULL,
    summary TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    case_id BIGINT
);
CREATE INDEX incidents_by_case ON incidents(case_code, id);
CREATE INDEX incidents_by_label ON incidents(label_number, id);

-- "Review requirement X": recurring B-2 incidents on one requirement. `incidents` is a JSON
-- list of incident IDs. At most one open item per requirement.
CREATE TABLE agenda_items (
    id INTEGER PRIMARY KEY,
    requirement_id TEXT NOT NULL,
    opened BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'reviewed')),
    incidents TEXT NOT NULL,
    note TEXT,
    closed BIGINT,
    closed_by TEXT
);
CREATE UNIQUE INDEX agenda_one_open_per_requirement ON agenda_items(requirement_id) WHERE status = 'open';
