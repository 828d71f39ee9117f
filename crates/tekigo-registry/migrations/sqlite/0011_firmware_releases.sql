-- Firmware releases during a label's validity (docs/scheme.md §5.1: the vendor keeps the product
-- updated). A release names the models it applies to (`models`, a JSON array of model numbers as
-- the series lists them) and whether it changes security functions; the registry checks its SBOM
-- itself (`registry_check`, JSON, NULL when no check could run) and monitoring follows the
-- current release of every model. `sbom` is NULL only for a release migrated from a label the
-- registry holds no SBOM for (a demo label).
CREATE TABLE firmware_releases (
    id INTEGER PRIMARY KEY,
    product_id BIGINT NOT NULL REFERENCES products(id),
    version TEXT NOT NULL,
    released TEXT NOT NULL,
    models TEXT NOT NULL,
    changes_security BIGINT NOT NULL,
    sbom BLOB,
    sbom_sha256 TEXT,
    vex TEXT NOT NULL DEFAULT '[]',
    registry_check TEXT,
    published_by BIGINT REFERENCES users(id),
    at BIGINT NOT NULL,
    UNIQUE (product_id, version)
);
CREATE INDEX firmware_releases_by_product ON firmware_releases(product_id, id);

-- Every label's firmware becomes its series' first release, with the SBOM and VEX of the
-- application that issued the label.
INSERT INTO firmware_releases (product_id, version, released, models, changes_security, sbom, sbom_sha256, vex, registry_check, published_by, at)
    SELECT l.product_id, l.firmware_version, l.issued, json_array(l.model), 1, a.sbom, a.sbom_sha256, COALESCE(a.vex, '[]'), a.registry_check, a.submitted_by, l.updated
    FROM labels l LEFT JOIN applications a ON a.id = l.application_id;
