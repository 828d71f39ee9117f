//! Indexing a label's SBOM for monitoring: its components stored once, keyed as the vulnerability
//! database's change journal names them.
use std::collections::{BTreeSet, HashMap};

use sqlx::Row;

use super::*;
use crate::db::{Registry, RegistryError, invalid};

impl Registry {
    /// Indexes the SBOM of label `number` in `tx` (issue and renewal): its components, their
    /// keys, and the label's link to them. The label is then evaluated at the next run.
    pub(crate) async fn index_sbom_in(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        number: &str,
        level: &str,
        sbom_bytes: &[u8],
        dirty: i64,
    ) -> Result<i64, RegistryError> {
        Self::index_sboms_in(tx, number, level, &[sbom_bytes], dirty).await
    }

    /// [`Registry::index_sbom_in`] for a label whose models run different firmware releases: the
    /// label is monitored for the components of every one of them. Its stored digest is the
    /// SBOM's own for one SBOM, and for several the SHA-256 of their sorted digests.
    pub(crate) async fn index_sboms_in(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        number: &str,
        level: &str,
        sboms: &[&[u8]],
        dirty: i64,
    ) -> Result<i64, RegistryError> {
        let mut read = Vec::with_capacity(sboms.len());
        let mut digests = Vec::with_capacity(sboms.len());
        for bytes in sboms {
            read.push(tekigo_sbom::read(bytes, "SBOM").map_err(|error| {
                invalid(format!("the SBOM cannot be read: {error}"), format!("SBOM を読めません: {error}"))
            })?);
            digests.push(tekigo_assess::folder::sha256_hex(bytes));
        }
        digests.sort();
        let sha = match digests.as_slice() {
            [one] => one.clone(),
            many => tekigo_assess::folder::sha256_hex(many.join("\n").as_bytes()),
        };
        let monitored: i64 = sqlx::query_scalar(
            "INSERT INTO monitored_labels (label_number, level, sbom_sha256, dirty) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (label_number) DO UPDATE SET level = excluded.level, sbom_sha256 = excluded.sbom_sha256, dirty = excluded.dirty \
             RETURNING id",
        )
        .bind(number)
        .bind(level)
        .bind(&sha)
        .bind(dirty)
        .fetch_one(&mut **tx)
        .await?;
        sqlx::query(safe!("DELETE FROM label_components WHERE monitored_id = {monitored}")).execute(&mut **tx).await?;
        let mut seen = BTreeSet::new();
        let components: Vec<(String, StoredComponent, Vec<String>)> = read
            .iter()
            .flat_map(|sbom| sbom.components.iter())
            .map(|c| {
                let stored = StoredComponent::of(c);
                let body = serde_json::to_string(&stored).unwrap_or_default();
                (tekigo_assess::folder::sha256_hex(body.as_bytes()), stored, tekigo_vuln::db::component_index_keys(c))
            })
            .filter(|(fingerprint, _, _)| seen.insert(fingerprint.clone()))
            .collect();
        for chunk in components.chunks(500) {
            let values: Vec<String> = (0..chunk.len()).map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2)).collect();
            let sql = format!(
                "INSERT INTO components (fingerprint, body) VALUES {} ON CONFLICT (fingerprint) DO NOTHING",
                values.join(", ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (fingerprint, stored, _) in chunk {
                query = query.bind(fingerprint.clone()).bind(serde_json::to_string(stored).unwrap_or_default());
            }
            query.execute(&mut **tx).await?;
            let sql = format!(
                "SELECT id, fingerprint FROM components WHERE fingerprint IN ({})",
                placeholders(1, chunk.len())
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (fingerprint, _, _) in chunk {
                query = query.bind(fingerprint.clone());
            }
            let ids: HashMap<String, i64> = query
                .fetch_all(&mut **tx)
                .await?
                .iter()
                .map(|row| Ok((row.try_get::<String, _>("fingerprint")?, row.try_get::<i64, _>("id")?)))
                .collect::<Result<_, sqlx::Error>>()?;
            let mut keys = Vec::new();
            let mut links = Vec::new();
            for (fingerprint, _, component_keys) in chunk {
                let Some(id) = ids.get(fingerprint) else { continue };
                links.push(format!("({id}, {monitored})"));
                keys.extend(component_keys.iter().map(|key| (key.clone(), *id)));
            }
            if !links.is_empty() {
                sqlx::query(safe!(
                    "INSERT INTO label_components (component_id, monitored_id) VALUES {} ON CONFLICT DO NOTHING",
                    links.join(", ")
                ))
                .execute(&mut **tx)
                .await?;
            }
            for keys in keys.chunks(500) {
                let values: Vec<String> = (0..keys.len()).map(|i| format!("(${}, {})", i + 1, keys[i].1)).collect();
                let mut query = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO component_keys (key, component_id) VALUES {} ON CONFLICT DO NOTHING",
                    values.join(", ")
                )));
                for (key, _) in keys {
                    query = query.bind(key.clone());
                }
                query.execute(&mut **tx).await?;
            }
        }
        Ok(monitored)
    }
}
