-- API tokens get a scope and an expiry (store.rs `TokenScope`): `read` (the vendor's own pages
-- and data), `submit` (read, and upload applications, VEX and SBOMs), `manage` (submit, and
-- register products). Tokens made before scopes existed could do all of that; they become
-- `submit` tokens expiring 90 days after this migration ran, so the machines using them keep
-- working while their owners replace them. `id` names a token on the vendor's page (the hash
-- is the lookup key and never shown).
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'submit';
ALTER TABLE api_tokens ADD COLUMN expires BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN id TEXT;
UPDATE api_tokens SET expires = CAST(EXTRACT(EPOCH FROM now()) AS BIGINT) + 90 * 86400, id = substr(token_hash, 1, 16);
CREATE UNIQUE INDEX api_tokens_by_id ON api_tokens(id);
CREATE INDEX api_tokens_by_user ON api_tokens(user_id);

-- Text search answered by an index, not a scan: trigram indexes of product names and models
-- (substring matching, which Japanese names without spaces need; ILIKE, case-insensitive).
-- PostgreSQL maintains them on every write.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX labels_by_name_trigrams ON labels USING gin (product_name gin_trgm_ops);
CREATE INDEX labels_by_model_trigrams ON labels USING gin (model gin_trgm_ops);
