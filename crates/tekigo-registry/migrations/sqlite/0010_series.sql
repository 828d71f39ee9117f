-- A registration covers a product series (docs/scheme.md, "Registration"): the models of each
-- product, each with the identifiers sellers use. `model_key` is the model number as
-- `tekigo_base::model_key` spells it (compared by it, never as typed); `gtin_key` is the GTIN's
-- 14-digit form. Every existing product becomes a series of its one model. The key of a model
-- made before this migration is computed here with ASCII rules (upper case; spaces and hyphens
-- dropped); the registry recomputes every key with the full rule when it opens
-- (`Registry::refresh_model_keys`), so a full-width or non-ASCII model is found too.
CREATE TABLE product_models (
    id INTEGER PRIMARY KEY,
    product_id BIGINT NOT NULL REFERENCES products(id),
    position BIGINT NOT NULL,
    model TEXT NOT NULL,
    model_key TEXT NOT NULL,
    gtin TEXT,
    gtin_key TEXT,
    sku TEXT,
    UNIQUE (product_id, model_key)
);
CREATE INDEX product_models_by_key ON product_models(model_key);
CREATE INDEX product_models_by_gtin ON product_models(gtin_key);
INSERT INTO product_models (product_id, position, model, model_key)
    SELECT id, 0, trim(model), upper(replace(replace(replace(trim(model), ' ', ''), '-', ''), char(9), '')) FROM products;

-- Vendor search ignores case (sellers type vendor names as they like).
CREATE INDEX labels_by_vendor_folded ON labels(lower(vendor));
