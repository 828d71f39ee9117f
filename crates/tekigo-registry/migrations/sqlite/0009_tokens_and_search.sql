-- API tokens get a scope and an expiry (store.rs `TokenScope`): `read` (the vendor's own pages
-- and data), `submit` (read, and upload applications, VEX and SBOMs), `manage` (submit, and
-- register products). Tokens made before scopes existed could do all of that; they become
-- `submit` tokens expiring 90 days after this migration ran, so the machines using them keep
-- working while their owners replace them. `id` names a token on the vendor's page (the hash
-- is the lookup key and never shown).
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'submit';
ALTER TABLE api_tokens ADD COLUMN expires BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN id TEXT;
UPDATE api_tokens SET expires = CAST(strftime('%s', 'now') AS INTEGER) + 90 * 86400, id = substr(token_hash, 1, 16);
CREATE UNIQUE INDEX api_tokens_by_id ON api_tokens(id);
CREATE INDEX api_tokens_by_user ON api_tokens(user_id);

-- Text search answered by an index, not a scan: a trigram full-text index of product names and
-- models (substring matching, which Japanese names without spaces need; case-insensitive).
-- `label_search_rows` gives each label a stable integer row id (labels' own rowid may change on
-- VACUUM); triggers keep the index in step with every write to labels.
CREATE TABLE label_search_rows (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE label_search USING fts5(product_name, model, tokenize = 'trigram');
INSERT INTO label_search_rows (number) SELECT number FROM labels ORDER BY number;
INSERT INTO label_search (rowid, product_name, model)
    SELECT r.id, l.product_name, l.model FROM labels l JOIN label_search_rows r ON r.number = l.number;
CREATE TRIGGER label_search_insert AFTER INSERT ON labels BEGIN
    INSERT INTO label_search_rows (number) VALUES (new.number);
    INSERT INTO label_search (rowid, product_name, model)
        VALUES ((SELECT id FROM label_search_rows WHERE number = new.number), new.product_name, new.model);
END;
CREATE TRIGGER label_search_update AFTER UPDATE OF number, product_name, model ON labels BEGIN
    DELETE FROM label_search WHERE rowid = (SELECT id FROM label_search_rows WHERE number = old.number);
    DELETE FROM label_search_rows WHERE number = old.number;
    INSERT INTO label_search_rows (number) VALUES (new.number);
    INSERT INTO label_search (rowid, product_name, model)
        VALUES ((SELECT id FROM label_search_rows WHERE number = new.number), new.product_name, new.model);
END;
CREATE TRIGGER label_search_delete AFTER DELETE ON labels BEGIN
    DELETE FROM label_search WHERE rowid = (SELECT id FROM label_search_rows WHERE number = old.number);
    DELETE FROM label_search_rows WHERE number = old.number;
END;
