-- A vendor engages a registered lab to evaluate a product series at a level (★3/★4). The
-- registry accepts that lab's evaluation report for the product only under an open engagement,
-- and the lab's staff may then submit it for the vendor.
CREATE TABLE engagements (
    id INTEGER PRIMARY KEY,
    product_id BIGINT NOT NULL REFERENCES products(id),
    lab_id BIGINT NOT NULL REFERENCES labs(id),
    level TEXT NOT NULL,
    status TEXT NOT NULL,
    engaged_by BIGINT REFERENCES users(id),
    at BIGINT NOT NULL
);
CREATE INDEX engagements_by_product ON engagements(product_id, lab_id, level);
CREATE INDEX engagements_by_lab ON engagements(lab_id, id);
