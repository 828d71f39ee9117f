//! The transparency log: every label event (the changes feed's rows) is a leaf of an append-only
//! RFC 6962 Merkle tree. The event's own INSERT gives it the next index (`label_events.log_index`,
//! `store.rs` `event`), so no event exists without its place in the log and the write path costs
//! no extra statement (a retry when two writers pick one place). The tree above the leaves is *sealed* in
//! batches (`seal`): the leaves' hashes and every complete subtree's hash go to `log_nodes`, the
//! sealed size and right edge (`Frontier`) to `log_state`. Checkpoints, statuses and proofs seal
//! first and are only ever about sealed leaves; once sealed, a leaf's hash is fixed, so changing,
//! deleting or reordering a stored event breaks its inclusion proof against a signed tree head.
//! The math and signed formats are `tekigo-translog`'s; `log_keys` holds the signing keys, retired
//! ones kept public with their end.

use std::sync::atomic::{AtomicBool, Ordering};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use jiff::Timestamp;
use serde::Serialize;
use sqlx::Row;
use tekigo_translog::{
    Checkpoint, Frontier, Hash, Keyring, LabelStatus, NodeId, NoteSigner, NoteVerifier, SignedNote, leaf_hash,
};

use crate::accounts::User;
use crate::db::{Registry, RegistryError, invalid};
use sqlx::any::AnyRow;
use std::sync::Arc;
use tekigo_base::Status;
use tekigo_criteria::Catalog;

/// Off only for the write-path benchmark's baseline (`benches/write_path.rs`): the registry
/// without its log. Nothing else may turn it off.
static LOG_DISABLED: AtomicBool = AtomicBool::new(false);

#[doc(hidden)]
pub fn disable_log_for_benchmark(disabled: bool) {
    LOG_DISABLED.store(disabled, Ordering::SeqCst);
}

pub(crate) fn log_enabled() -> bool {
    !LOG_DISABLED.load(Ordering::Relaxed)
}

/// The bytes a leaf hashes: the event as the feed serves it, in `tekigo_translog`'s leaf format
/// (`EventLeaf`), which verifiers use too.
pub fn leaf_data(event: &LabelEvent) -> Vec<u8> {
    tekigo_translog::EventLeaf {
        seq: event.seq,
        label: &event.label,
        kind: &event.kind,
        status: &event.status,
        at: event.at,
        detail: event.detail.as_deref(),
    }
    .data()
}

/// One entry of the log as served: its index and the live event it commits to.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub index: u64,
    #[serde(flatten)]
    pub event: LabelEvent,
}

/// An entry from a row with the event's columns and its index as `idx`.
fn entry_from(row: &sqlx::any::AnyRow) -> Result<LogEntry, RegistryError> {
    Ok(LogEntry { index: row.try_get::<i64, _>("idx")?.unsigned_abs(), event: event_from(row)? })
}

fn decode_hash(text: &str) -> Result<Hash, RegistryError> {
    Hash::from_hex(text).map_err(|e| invalid(format!("stored log hash: {e}"), format!("保存されたログのハッシュ: {e}")))
}

fn corrupt(what: impl std::fmt::Display) -> RegistryError {
    invalid(format!("transparency log: {what}"), format!("透明性ログ: {what}"))
}

impl Registry {
    /// Gives a log index to the events that have none (written in bulk by the demo filler, or
    /// before the log existed), in sequence order, then seals. Run when the registry opens.
    pub(crate) async fn catch_up_log(&self) -> Result<u64, RegistryError> {
        let mut tx = self.begin_write().await?;
        if tx.backend_name() == "PostgreSQL" {
            sqlx::query("SELECT pg_advisory_xact_lock(6962)").execute(&mut *tx).await?;
        }
        sqlx::query(
            "UPDATE label_events SET log_index = r.base + r.rank - 1 FROM \
             (SELECT seq, row_number() OVER (ORDER BY seq) AS rank, \
                     (SELECT coalesce(max(log_index), -1) + 1 FROM label_events) AS base \
              FROM label_events WHERE log_index IS NULL) r \
             WHERE label_events.seq = r.seq",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.seal().await
    }

    /// Hashes the leaves not yet sealed into the tree, in index order, in batches: their nodes
    /// and the new right edge are written together. Returns the sealed size. A missing index (an
    /// event deleted before it was sealed) stops the log there, loudly.
    pub async fn seal(&self) -> Result<u64, RegistryError> {
        loop {
            let size: i64 =
                sqlx::query_scalar("SELECT size FROM log_state WHERE id = 1").fetch_one(self.pool()).await?;
            let waiting: Option<i64> =
                sqlx::query_scalar("SELECT max(log_index) FROM label_events").fetch_one(self.pool()).await?;
            if waiting.is_none_or(|last| last < size) {
                return Ok(size.unsigned_abs());
            }
            let mut tx = self.begin_write().await?;
            // The row lock (PostgreSQL) or the write lock (SQLite) makes one sealer at a time.
            let row = sqlx::query("UPDATE log_state SET size = size WHERE id = 1 RETURNING size, frontier")
                .fetch_one(&mut *tx)
                .await?;
            let size: i64 = row.try_get("size")?;
            let stored: String = row.try_get("frontier")?;
            let bytes = BASE64.decode(stored.as_bytes()).map_err(corrupt)?;
            let mut frontier =
                if bytes.is_empty() { Frontier::new() } else { Frontier::from_bytes(&bytes).map_err(corrupt)? };
            if frontier.size() != size.unsigned_abs() {
                return Err(corrupt("the stored right edge does not match the size"));
            }
            let rows = sqlx::query(
                "SELECT seq, label_number, kind, status, at, detail, log_index FROM label_events \
                 WHERE log_index >= $1 ORDER BY log_index LIMIT 5000",
            )
            .bind(size)
            .fetch_all(&mut *tx)
            .await?;
            let mut nodes = Vec::new();
            for row in &rows {
                let index: i64 = row.try_get("log_index")?;
                if index.unsigned_abs() != frontier.size() {
                    break;
                }
                let event = event_from(row)?;
                nodes.extend(frontier.append(leaf_hash(&leaf_data(&event))).map_err(corrupt)?);
            }
            if nodes.is_empty() {
                return Err(corrupt(format!(
                    "log index {} is missing: an event was deleted before it was sealed",
                    frontier.size()
                )));
            }
            for chunk in nodes.chunks(500) {
                let values: Vec<String> = chunk
                    .iter()
                    .map(|(id, hash)| format!("({}, {}, '{}')", id.level, id.index, hash.to_hex()))
                    .collect();
                // Levels, indices and hex digests only: nothing from outside reaches this SQL.
                sqlx::query(safe!("INSERT INTO log_nodes (level, idx, hash) VALUES {}", values.join(", ")))
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("UPDATE log_state SET size = $1, frontier = $2 WHERE id = 1")
                .bind(frontier.size() as i64)
                .bind(BASE64.encode(frontier.to_bytes()))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
    }

    /// The signing key, made on first use: the log's origin is its name.
    async fn log_signer(&self) -> Result<NoteSigner, RegistryError> {
        let active: Option<String> =
            sqlx::query_scalar("SELECT signer FROM log_keys WHERE signer IS NOT NULL ORDER BY valid_from DESC LIMIT 1")
                .fetch_optional(self.pool())
                .await?;
        if let Some(text) = active {
            return NoteSigner::from_private_key_text(&text).map_err(corrupt);
        }
        let mut suffix = [0u8; 4];
        getrandom::fill(&mut suffix).map_err(|e| corrupt(format!("no randomness: {e}")))?;
        let name = format!("tekigo-log-{}", suffix.iter().map(|b| format!("{b:02x}")).collect::<String>());
        self.add_log_key(&name, 0).await
    }

    async fn add_log_key(&self, name: &str, valid_from: i64) -> Result<NoteSigner, RegistryError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| corrupt(format!("no randomness: {e}")))?;
        let signer = NoteSigner::new(name, ed25519_dalek::SigningKey::from_bytes(&seed)).map_err(corrupt)?;
        sqlx::query(
            "INSERT INTO log_keys (key_id, verifier, signer, valid_from, not_after) VALUES ($1, $2, $3, $4, NULL) \
             ON CONFLICT (key_id) DO NOTHING",
        )
        .bind(format!("{:08x}", signer.key_id()))
        .bind(signer.verifier().to_string())
        .bind(signer.to_private_key_text())
        .bind(valid_from)
        .execute(self.pool())
        .await?;
        Ok(signer)
    }

    /// Retires the active key at `now` (its private half is deleted; its public half stays in the
    /// keyring with `not_after`, so what it signed keeps verifying) and makes a new one.
    pub async fn rotate_log_key(&self, staff: &User, now: i64) -> Result<String, RegistryError> {
        Self::require_reviewer(staff)?;
        let old = self.log_signer().await?;
        sqlx::query("UPDATE log_keys SET signer = NULL, not_after = $1 WHERE key_id = $2")
            .bind(now)
            .bind(format!("{:08x}", old.key_id()))
            .execute(self.pool())
            .await?;
        let new = self.add_log_key(old.name(), now).await?;
        let mut tx = self.begin_write().await?;
        Self::audit(
            &mut tx,
            now,
            &staff.email,
            "log-key-rotated",
            "log",
            serde_json::json!({ "retired": format!("{:08x}", old.key_id()), "active": format!("{:08x}", new.key_id()) }),
        )
        .await?;
        tx.commit().await?;
        Ok(new.verifier().to_string())
    }

    /// Every key the log has signed with, with its validity window: what verifiers need.
    pub async fn log_keyring(&self) -> Result<Vec<NoteVerifier>, RegistryError> {
        self.log_signer().await?;
        let rows = sqlx::query("SELECT verifier, valid_from, not_after FROM log_keys ORDER BY valid_from")
            .fetch_all(self.pool())
            .await?;
        let mut keys = Vec::new();
        for row in &rows {
            let mut key = NoteVerifier::parse(&row.try_get::<String, _>("verifier")?).map_err(corrupt)?;
            let from: i64 = row.try_get("valid_from")?;
            if from > 0 {
                key = key.valid_from(Timestamp::from_second(from).map_err(corrupt)?);
            }
            if let Some(until) = row.try_get::<Option<i64>, _>("not_after")? {
                key = key.retired_at(Timestamp::from_second(until).map_err(corrupt)?);
            }
            keys.push(key);
        }
        Ok(keys)
    }

    /// The log's size and root now.
    pub async fn log_head(&self) -> Result<(u64, Hash), RegistryError> {
        self.seal().await?;
        let stored: String =
            sqlx::query_scalar("SELECT frontier FROM log_state WHERE id = 1").fetch_one(self.pool()).await?;
        let bytes = BASE64.decode(stored.as_bytes()).map_err(corrupt)?;
        let frontier =
            if bytes.is_empty() { Frontier::new() } else { Frontier::from_bytes(&bytes).map_err(corrupt)? };
        Ok((frontier.size(), frontier.root()))
    }

    /// The current tree head, signed: a C2SP checkpoint.
    pub async fn checkpoint(&self) -> Result<SignedNote, RegistryError> {
        let signer = self.log_signer().await?;
        let (size, root) = self.log_head().await?;
        Checkpoint::new(signer.name(), size, root).sign(&signer).map_err(corrupt)
    }

    async fn nodes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, RegistryError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let filter: Vec<String> =
            ids.iter().map(|id| format!("(level = {} AND idx = {})", id.level, id.index)).collect();
        let rows = sqlx::query(safe!("SELECT level, idx, hash FROM log_nodes WHERE {}", filter.join(" OR ")))
            .fetch_all(self.pool())
            .await?;
        let mut found = std::collections::HashMap::new();
        for row in &rows {
            let level: i64 = row.try_get("level")?;
            let index: i64 = row.try_get("idx")?;
            found.insert((level, index), decode_hash(&row.try_get::<String, _>("hash")?)?);
        }
        ids.iter()
            .map(|id| {
                found
                    .get(&(i64::from(id.level), id.index as i64))
                    .copied()
                    .ok_or_else(|| corrupt(format!("node {}/{} is missing", id.level, id.index)))
            })
            .collect()
    }

    fn check_size(size: u64, head: u64) -> Result<(), RegistryError> {
        if size > head {
            return Err(invalid(
                format!("the log holds {head} entries; {size} is beyond it"),
                format!("ログは {head} 件です。{size} はその先です"),
            ));
        }
        Ok(())
    }

    /// The inclusion proof of leaf `index` in the tree of `size` (RFC 9162 §2.1.3).
    pub async fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, RegistryError> {
        Self::check_size(size, self.log_head().await?.0)?;
        let plan = tekigo_translog::inclusion_plan(index, size).map_err(|e| invalid(e.to_string(), e.to_string()))?;
        plan.assemble(&self.nodes(plan.nodes()).await?).map_err(corrupt)
    }

    /// The consistency proof between the trees of sizes `first` and `second` (RFC 9162 §2.1.4).
    pub async fn consistency_proof(&self, first: u64, second: u64) -> Result<Vec<Hash>, RegistryError> {
        Self::check_size(second, self.log_head().await?.0)?;
        let plan =
            tekigo_translog::consistency_plan(first, second).map_err(|e| invalid(e.to_string(), e.to_string()))?;
        plan.assemble(&self.nodes(plan.nodes()).await?).map_err(corrupt)
    }

    /// The root of the tree of `size` (any past size).
    pub async fn root_at(&self, size: u64) -> Result<Hash, RegistryError> {
        Self::check_size(size, self.log_head().await?.0)?;
        let plan = tekigo_translog::root_plan(size);
        let hashes = self.nodes(plan.nodes()).await?;
        let assembled = plan.assemble(&hashes).map_err(corrupt)?;
        assembled.first().copied().ok_or_else(|| corrupt("no root"))
    }

    /// Entries `start..end` (at most 1,000) with the live events they commit to. A deleted event
    /// leaves its index out: a gap a monitor reports.
    pub async fn log_entries(&self, start: u64, end: u64) -> Result<Vec<LogEntry>, RegistryError> {
        let end = end.min(start.saturating_add(1000)).min(self.log_head().await?.0);
        let rows = sqlx::query(
            "SELECT log_index AS idx, seq, label_number, kind, status, at, detail FROM label_events \
             WHERE log_index >= $1 AND log_index < $2 ORDER BY log_index",
        )
        .bind(start as i64)
        .bind(end as i64)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(entry_from).collect()
    }

    /// The log index of each of a label's events, in the label's order.
    pub async fn label_log_entries(&self, number: &str) -> Result<Vec<LogEntry>, RegistryError> {
        let sealed = self.log_head().await?.0;
        let rows = sqlx::query(
            "SELECT log_index AS idx, seq, label_number, kind, status, at, detail FROM label_events \
             WHERE label_number = $1 AND log_index < $2 ORDER BY log_index",
        )
        .bind(number)
        .bind(sealed as i64)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(entry_from).collect()
    }

    /// The label's status on `today`, signed with the tree head it was issued against: compact
    /// enough for a QR code's URL fragment (`tekigo_translog::encode_for_url`).
    pub async fn signed_status(
        &self,
        number: &str,
        today: jiff::civil::Date,
        now: i64,
    ) -> Result<Option<SignedNote>, RegistryError> {
        let Some(label) = self.label(number, today).await? else { return Ok(None) };
        let signer = self.log_signer().await?;
        let (tree_size, root) = self.log_head().await?;
        let parse = |text: &str| text.parse::<jiff::civil::Date>().map_err(corrupt);
        let status = LabelStatus {
            label: label.number.clone(),
            product: label.model.clone(),
            level: label.level.clone(),
            status: label.status,
            valid_from: parse(&label.issued)?,
            valid_until: parse(&label.expires)?,
            tree_size,
            root,
            issued_at: Timestamp::from_second(now).map_err(corrupt)?,
        };
        status.sign(&signer).map(Some).map_err(corrupt)
    }

    /// The keyring as `tekigo_translog` verifies with it.
    pub async fn keyring(&self) -> Result<Keyring, RegistryError> {
        Keyring::new(self.log_keyring().await?).map_err(corrupt)
    }
}

impl Registry {
    /// Connects and brings the schema up to date. `sqlite://PATH` (the file and its folder are
    /// made when missing) or `postgres://...`. For `tekigo serve` and tests.
    pub async fn open(url: &str, catalog: Arc<Catalog>) -> Result<Registry, RegistryError> {
        let registry = Self::open_with(url, catalog, true).await?;
        registry.catch_up_log().await?;
        Ok(registry)
    }

    /// Opens a registry that exists: a missing SQLite file, or a PostgreSQL database without the
    /// registry's tables, is [`RegistryError::NoRegistry`] and nothing is made. For the commands
    /// that work on a registry `serve` made; an empty new one would only answer "0".
    pub async fn open_existing(url: &str, catalog: Arc<Catalog>) -> Result<Registry, RegistryError> {
        let registry = Self::open_with(url, catalog, false).await?;
        registry.catch_up_log().await?;
        Ok(registry)
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct LabelEvent {
    pub seq: i64,
    #[sqlx(rename = "label_number")]
    pub label: String,
    pub kind: String,
    pub status: String,
    pub at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A label event from a row with its columns (`seq, label_number, kind, status, at, detail`).
pub(crate) fn event_from(row: &AnyRow) -> Result<LabelEvent, RegistryError> {
    Ok(sqlx::FromRow::from_row(row)?)
}

impl Registry {
    pub(crate) async fn event(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        number: &str,
        kind: &str,
        status: Status,
        now: i64,
        detail: Option<String>,
    ) -> Result<(), RegistryError> {
        // Every label event takes the next place in the transparency log in its own INSERT, so
        // it never exists without its leaf (transparency.rs). Two writers that pick the same
        // place meet at the unique index: the second waits for the first, inserts nothing, and
        // takes the next place on its retry; a place given back by a rollback is taken again.
        if !log_enabled() {
            sqlx::query(
                "INSERT INTO label_events (label_number, kind, status, at, detail) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(number)
            .bind(kind)
            .bind(status.name())
            .bind(now)
            .bind(&detail)
            .execute(&mut **tx)
            .await?;
            return Ok(());
        }
        for _ in 0..100 {
            let inserted: Option<i64> = sqlx::query_scalar(
                "INSERT INTO label_events (label_number, kind, status, at, detail, log_index) \
                 VALUES ($1, $2, $3, $4, $5, (SELECT coalesce(max(log_index), -1) + 1 FROM label_events)) \
                 ON CONFLICT (log_index) DO NOTHING RETURNING seq",
            )
            .bind(number)
            .bind(kind)
            .bind(status.name())
            .bind(now)
            .bind(&detail)
            .fetch_optional(&mut **tx)
            .await?;
            if inserted.is_some() {
                return Ok(());
            }
        }
        Err(invalid(
            "the transparency log is too busy: no free place after 100 attempts",
            "透明性ログが混み合っています（100 回試行しても空きがありません）",
        ))
    }
}
