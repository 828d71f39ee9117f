//! What a vendor adds to a label's monitoring (VEX statements, a new SBOM) and what it reads
//! (the label's findings); which VEX statement clears a finding.

use tekigo_vuln::vex::{VexStatement, VexStatus, names_component};

use super::*;
use crate::accounts::User;
use crate::db::{Registry, RegistryError, invalid};

impl Registry {
    /// The vendor adds VEX statements (CycloneDX VEX, OpenVEX or CSAF VEX) to its label; the
    /// next run re-evaluates the label with them.
    pub async fn add_vex(&self, vendor: &User, number: &str, bytes: &[u8], now: i64) -> Result<usize, RegistryError> {
        self.require_label_owner(vendor, number).await?;
        let statements = tekigo_vuln::vex::read(bytes, "VEX").map_err(|error| {
            invalid(format!("the VEX document cannot be read: {error}"), format!("VEX 文書を読めません: {error}"))
        })?;
        if statements.is_empty() {
            return Err(invalid("the VEX document holds no statement", "VEX 文書に記述がありません"));
        }
        let mut tx = self.begin_write().await?;
        let added = statements.len();
        if !Self::append_vex_in(&mut tx, number, &statements).await? {
            return Err(invalid(
                format!("label {number} has no monitored SBOM"),
                format!("ラベル {number} には監視中の SBOM がありません"),
            ));
        }
        sqlx::query(safe!("UPDATE monitored_labels SET dirty = {DIRTY_VEX} WHERE label_number = $1"))
            .bind(number)
            .execute(&mut *tx)
            .await?;
        Self::audit(
            &mut tx,
            now,
            &vendor.email,
            "vex-added",
            &format!("label:{number}"),
            serde_json::json!({ "statements": added }),
        )
        .await?;
        tx.commit().await?;
        Ok(added)
    }

    /// Adds `statements` to the VEX the monitored label `number` holds, in `tx`; `false` when the
    /// label is not monitored. Stored VEX that does not read is damage (`Corrupt`): read as none,
    /// it would drop the vendor's answers silently.
    pub(crate) async fn append_vex_in(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        number: &str,
        statements: &[VexStatement],
    ) -> Result<bool, RegistryError> {
        let stored: Option<String> = sqlx::query_scalar("SELECT vex FROM monitored_labels WHERE label_number = $1")
            .bind(number)
            .fetch_optional(&mut **tx)
            .await?;
        let Some(stored) = stored else { return Ok(false) };
        if statements.is_empty() {
            return Ok(true);
        }
        let mut all: Vec<VexStatement> = serde_json::from_str(&stored)
            .map_err(|error| crate::db::corrupt(format!("label {number}: VEX"), error.to_string()))?;
        all.extend(statements.iter().cloned());
        sqlx::query("UPDATE monitored_labels SET vex = $1 WHERE label_number = $2")
            .bind(serde_json::to_string(&all).unwrap_or_default())
            .bind(number)
            .execute(&mut **tx)
            .await?;
        Ok(true)
    }

    /// The vendor replaces its label's SBOM (a correction of the component list for the same
    /// firmware); the next run re-evaluates the label.
    pub async fn update_sbom(&self, vendor: &User, number: &str, bytes: &[u8], now: i64) -> Result<(), RegistryError> {
        self.require_label_owner(vendor, number).await?;
        if bytes.len() > crate::validate::MAX_SBOM_BYTES {
            return Err(invalid("the SBOM is larger than 64 MiB", "SBOM が 64 MiB を超えています"));
        }
        let mut tx = self.begin_write().await?;
        let level: Option<String> = sqlx::query_scalar("SELECT level FROM labels WHERE number = $1")
            .bind(number)
            .fetch_optional(&mut *tx)
            .await?;
        let level = level.ok_or_else(|| RegistryError::NotFound(format!("label {number}")))?;
        Self::index_sbom_in(&mut tx, number, &level, bytes, DIRTY_SBOM).await?;
        Self::audit(
            &mut tx,
            now,
            &vendor.email,
            "sbom-updated",
            &format!("label:{number}"),
            serde_json::json!({ "sha256": tekigo_assess::folder::sha256_hex(bytes) }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn require_label_owner(&self, user: &User, number: &str) -> Result<(), RegistryError> {
        let owner: Option<i64> = sqlx::query_scalar("SELECT organisation_id FROM labels WHERE number = $1")
            .bind(number)
            .fetch_optional(self.pool())
            .await?;
        match owner {
            Some(owner) if user.organisation_id == Some(owner) || user.role.is_staff() => Ok(()),
            // Another vendor's label is "not found", as its products are.
            _ => Err(RegistryError::NotFound(format!("label {number}"))),
        }
    }

    /// A label's failing findings as monitoring last saw them (after its VEX).
    pub async fn label_findings(&self, number: &str) -> Result<Vec<serde_json::Value>, RegistryError> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT cf.finding FROM label_findings f JOIN monitored_labels m ON m.id = f.monitored_id \
             JOIN component_findings cf ON cf.component_id = f.component_id AND cf.level = m.level AND cf.vuln_id = f.vuln_id \
             WHERE m.label_number = $1 ORDER BY f.vuln_id, f.component_id",
        )
        .bind(number)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.iter().filter_map(|text| serde_json::from_str(text).ok()).collect())
    }
}

/// The label's VEX statement that says a finding does not apply, if any: it names the
/// vulnerability (or an alias) and either the component (purl, CPE) or the labeled product as a
/// whole (no products, or the label number).
pub(crate) fn vex_statement_for<'a>(
    vex: &'a [VexStatement],
    number: &str,
    vuln_id: &str,
    finding: &serde_json::Value,
) -> Option<&'a VexStatement> {
    let aliases: Vec<&str> = finding
        .get("aliases")
        .and_then(|a| a.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let component = finding.get("component");
    let purl = component.and_then(|c| c.get("purl")).and_then(|p| p.as_str());
    let cpes: Vec<String> =
        component.and_then(|c| c.get("cpe")).and_then(|c| c.as_str()).map(|c| vec![c.to_owned()]).unwrap_or_default();
    vex.iter().find(|statement| {
        matches!(statement.status, VexStatus::NotAffected | VexStatus::Fixed)
            && (statement.vulnerability == vuln_id || aliases.contains(&statement.vulnerability.as_str()))
            && (statement.products.is_empty()
                || statement.products.iter().any(|product| {
                    product == number || (!product.is_empty() && names_component(product, "", purl, &cpes))
                }))
    })
}

pub(super) fn vex_clears(vex: &[VexStatement], number: &str, vuln_id: &str, finding: &serde_json::Value) -> bool {
    vex_statement_for(vex, number, vuln_id, finding).is_some()
}
