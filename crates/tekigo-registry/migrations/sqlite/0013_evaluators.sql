-- Skilled evaluators registered with the certification body (docs/scheme.md, ★2: a registered
-- evaluator evaluates with the vendor and co-signs the declaration). `qualifications` is a JSON
-- array of {name, evidence}; the key is the one their co-signatures verify with.
CREATE TABLE evaluators (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    organisation TEXT NOT NULL,
    key_id TEXT NOT NULL UNIQUE,
    public_key_pem TEXT NOT NULL,
    qualifications TEXT NOT NULL,
    independence TEXT NOT NULL,
    registered_by BIGINT REFERENCES users(id),
    at BIGINT NOT NULL
);

-- An evaluator's standing over time: each row takes effect on its day (YYYY-MM-DD) and holds
-- until the next. Registration is the first row (`active`); `suspended` and `withdrawn` end
-- good standing. A declaration is judged by the standing on the day it was issued.
CREATE TABLE evaluator_standing (
    id INTEGER PRIMARY KEY,
    evaluator_id BIGINT NOT NULL REFERENCES evaluators(id),
    status TEXT NOT NULL,
    effective TEXT NOT NULL,
    reason TEXT NOT NULL,
    decided_by BIGINT REFERENCES users(id),
    at BIGINT NOT NULL
);
CREATE INDEX evaluator_standing_by_evaluator ON evaluator_standing(evaluator_id, effective, id);
