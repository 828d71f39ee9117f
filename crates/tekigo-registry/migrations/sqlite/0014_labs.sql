-- Evaluation labs accredited to ISO/IEC 17025 (docs/scheme.md, ★3/★4: an independent lab
-- evaluates and the certification body decides on its report). The key is the one the lab's
-- reports are signed with.
CREATE TABLE labs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    accreditation_body TEXT NOT NULL,
    accreditation_number TEXT NOT NULL,
    key_id TEXT NOT NULL UNIQUE,
    public_key_pem TEXT NOT NULL,
    contact TEXT NOT NULL,
    -- The lab's organisation, whose accounts (role `evaluator`) are the lab's staff.
    organisation_id BIGINT REFERENCES organisations(id),
    registered_by BIGINT REFERENCES users(id),
    at BIGINT NOT NULL
);

-- A lab's accreditation over time: each row takes effect on its day (YYYY-MM-DD) and holds until
-- the next, with its scope (a JSON array of {product_type, levels}) and the last day the
-- accreditation is valid. `active` is accredited; `suspended`, `withdrawn` and `lapsed` are not.
CREATE TABLE lab_accreditations (
    id INTEGER PRIMARY KEY,
    lab_id BIGINT NOT NULL REFERENCES labs(id),
    status TEXT NOT NULL,
    effective TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    scope TEXT NOT NULL,
    reason TEXT NOT NULL,
    decided_by BIGINT REFERENCES users(id),
    at BIGINT NOT NULL
);
CREATE INDEX lab_accreditations_by_lab ON lab_accreditations(lab_id, effective, id);

-- Who evaluated a label's product: the lab (★3/★4) or the skilled evaluator (★2) whose report or
-- co-signature the approved application carried.
ALTER TABLE labels ADD COLUMN lab_id BIGINT REFERENCES labs(id);
ALTER TABLE labels ADD COLUMN evaluator_id BIGINT REFERENCES evaluators(id);
CREATE INDEX labels_by_lab ON labels(lab_id);

-- An incident of case A-2 or B-1 (SCHEME §6) names who evaluated the product, so they are told
-- and record how they improve their evaluation.
ALTER TABLE incidents ADD COLUMN evaluated_by TEXT;
ALTER TABLE incidents ADD COLUMN lab_id BIGINT REFERENCES labs(id);
CREATE INDEX incidents_by_lab ON incidents(lab_id);
ALTER TABLE incidents ADD COLUMN improvement TEXT;
ALTER TABLE incidents ADD COLUMN improvement_at BIGINT;
ALTER TABLE incidents ADD COLUMN improvement_by TEXT;
