-- Applications as the certification body runs them (docs/scheme.md, "Registration"): a number
-- given at submission, the route (`standard`, or `uk-psti` when the declaration rests on a UK
-- PSTI statement of compliance), the fee the schedule asks for on the day of submission
-- (`fee_yen`, NULL when the schedule has none for the level) and the staff's record that it was
-- received; an agent filing on the vendor's behalf with the vendor's authorisation document.
-- Applications made before this migration get numbers from their ids, the year of submission
-- in Japan time.
ALTER TABLE applications ADD COLUMN number TEXT;
ALTER TABLE applications ADD COLUMN route TEXT NOT NULL DEFAULT 'standard';
ALTER TABLE applications ADD COLUMN fee_yen BIGINT;
ALTER TABLE applications ADD COLUMN fee_source TEXT;
ALTER TABLE applications ADD COLUMN fee_received BIGINT;
ALTER TABLE applications ADD COLUMN fee_received_yen BIGINT;
ALTER TABLE applications ADD COLUMN fee_received_by BIGINT REFERENCES users(id);
ALTER TABLE applications ADD COLUMN fee_reference TEXT;
ALTER TABLE applications ADD COLUMN psti_statement TEXT;
ALTER TABLE applications ADD COLUMN agent_organisation TEXT;
ALTER TABLE applications ADD COLUMN agent_contact TEXT;
ALTER TABLE applications ADD COLUMN agent_authorisation BLOB;
ALTER TABLE applications ADD COLUMN agent_authorisation_name TEXT;
ALTER TABLE applications ADD COLUMN agent_authorisation_sha256 TEXT;
UPDATE applications SET number = 'A-' || strftime('%Y', submitted + 32400, 'unixepoch') || '-' || substr('000000' || id, -6);
CREATE UNIQUE INDEX applications_by_number ON applications(number);

-- A ★1 label listed as deemed to meet the UK PSTI regime: the vendor asks (with the product's
-- English information and English vulnerability contact), staff confirm or refuse.
CREATE TABLE psti_listings (
    label_number TEXT PRIMARY KEY REFERENCES labels(number),
    status TEXT NOT NULL,
    english_information TEXT NOT NULL,
    english_contact TEXT NOT NULL,
    requested_by BIGINT REFERENCES users(id),
    requested BIGINT NOT NULL,
    decided_by BIGINT REFERENCES users(id),
    decided BIGINT,
    comment TEXT
);
CREATE INDEX psti_listings_by_status ON psti_listings(status, label_number);

-- Every change of a product's support period: an extension applies at once (`applied`); a
-- shortening waits for staff (`requested`, then `approved` or `refused`) and, approved, is
-- announced on the product page.
CREATE TABLE support_changes (
    id INTEGER PRIMARY KEY,
    product_id BIGINT NOT NULL REFERENCES products(id),
    previous_end TEXT NOT NULL,
    new_end TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    requested_by BIGINT REFERENCES users(id),
    requested BIGINT NOT NULL,
    decided_by BIGINT REFERENCES users(id),
    decided BIGINT,
    comment TEXT
);
CREATE INDEX support_changes_by_product ON support_changes(product_id, id);
CREATE INDEX support_changes_by_status ON support_changes(status, id);

-- An older release the vendor still supports (a model that cannot take the newest firmware):
-- monitoring follows it beside each model's current release.
ALTER TABLE firmware_releases ADD COLUMN still_supported BIGINT NOT NULL DEFAULT 0;
