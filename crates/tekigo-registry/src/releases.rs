//! Firmware releases during a label's validity. The vendor's central duty is to keep the product
//! updated while the label is valid (SCHEME §5.1); a security update must not fork a new label,
//! or the QR codes already printed on boxes would point at the old one. So a release is recorded
//! against the series: the models it applies to, whether it changes security functions, its SBOM
//! (checked by the registry itself, with the level's rule) and optional VEX. Monitoring then
//! follows the current release of every model; a failing release opens a case as monitoring does,
//! and a fixing one closes it.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use tekigo_base::model_key;

use crate::accounts::{Role, User};
use crate::applications::RegistryCheck;
use crate::db::{Registry, RegistryError, invalid};
use crate::labels::State;
use crate::validate;

/// What a vendor publishes.
#[derive(Debug, Clone, Copy)]
pub struct NewRelease<'a> {
    pub version: &'a str,
    /// The model numbers it applies to, as the series lists them (any spelling); empty for every
    /// model of the series.
    pub models: &'a [String],
    /// Whether the release changes a security function (authentication, update mechanism,
    /// communication protection...): reviewers and buyers read it.
    pub changes_security: bool,
    pub sbom: &'a [u8],
    pub vex: Option<&'a [u8]>,
}

/// A release as the registry holds it.
#[derive(Debug, Clone, Serialize)]
pub struct Release {
    pub id: i64,
    pub product_id: i64,
    pub version: String,
    /// The day it was published (Japan time).
    pub released: String,
    pub models: Vec<String>,
    pub changes_security: bool,
    /// `None` for a release migrated from a label the registry holds no SBOM for.
    pub sbom_sha256: Option<String>,
    pub vex_statements: usize,
    /// `None` when the release came from before the registry checked for itself.
    pub registry_check: Option<RegistryCheck>,
    /// An older release the vendor still supports: monitoring follows it too.
    pub still_supported: bool,
}

/// The firmware each model of a series runs now: the latest release that applies to it.
#[derive(Debug, Clone, Serialize)]
pub struct CurrentFirmware {
    pub model: String,
    pub version: String,
    pub released: String,
}

impl Registry {
    /// Publishes a firmware release for a labeled series. The registry checks the SBOM itself; a
    /// failing check is recorded and, with a vulnerability database, monitoring runs at once and
    /// opens a case (the release is not refused: the firmware is already in users' hands, and
    /// the case is how the scheme follows it up).
    pub async fn publish_release(
        &self,
        user: &User,
        product_id: i64,
        release: NewRelease<'_>,
        today: Date,
        now: i64,
    ) -> Result<Release, RegistryError> {
        if user.role != Role::Vendor {
            return Err(RegistryError::Forbidden("only the vendor publishes its firmware".into()));
        }
        let product = self.product(user, product_id).await?;
        let version = release.version.trim();
        validate::name(("firmware version", "ファームウェアのバージョン"), version).map_err(RegistryError::Invalid)?;
        let label: Option<(String, String, String)> =
            sqlx::query_as("SELECT number, level, state FROM labels WHERE product_id = $1")
                .bind(product_id)
                .fetch_optional(&self.pool)
                .await?;
        let Some((number, level, state)) = label else {
            return Err(invalid(
                "this product has no label yet: its application names the firmware; releases follow once the label is issued",
                "この製品にはまだラベルがありません。申請でファームウェアを指定し、ラベルの発行後にリリースを登録してください",
            ));
        };
        if State::parse(&state) == Some(State::Revoked) {
            return Err(invalid(
                format!("label {number} is revoked: it takes no firmware releases"),
                format!("ラベル {number} は取り消されています。ファームウェアのリリースは登録できません"),
            ));
        }
        // The models it applies to, as the series spells them.
        let series: BTreeMap<String, String> =
            product.models.iter().map(|m| (model_key(&m.model), m.model.clone())).collect();
        let mut models = Vec::new();
        let mut unknown = Vec::new();
        for model in release.models.iter().filter(|m| !m.trim().is_empty()) {
            match series.get(&model_key(model)) {
                Some(listed) if !models.contains(listed) => models.push(listed.clone()),
                Some(_) => {}
                None => unknown.push(model.trim().to_owned()),
            }
        }
        if !unknown.is_empty() {
            return Err(invalid(
                format!("not a model of this series: {}", unknown.join(", ")),
                format!("このシリーズの型番ではありません: {}", unknown.join("、")),
            ));
        }
        if models.is_empty() {
            models = product.models.iter().map(|m| m.model.clone()).collect();
        }
        if release.sbom.len() > validate::MAX_SBOM_BYTES {
            return Err(invalid("the SBOM is larger than 64 MiB", "SBOM が 64 MiB を超えています"));
        }
        match tekigo_sbom::read(release.sbom, "SBOM") {
            Ok(sbom) if sbom.components.is_empty() => {
                return Err(invalid("the SBOM lists no components", "SBOM にコンポーネントが記載されていません"));
            }
            Ok(_) => {}
            Err(error) => {
                return Err(invalid(
                    format!("the SBOM cannot be read: {error}"),
                    format!("SBOM を読めません: {error}"),
                ));
            }
        }
        let vex = match release.vex {
            None => Vec::new(),
            Some(bytes) => tekigo_vuln::vex::read(bytes, "VEX").map_err(|error| {
                invalid(format!("the VEX document cannot be read: {error}"), format!("VEX 文書を読めません: {error}"))
            })?,
        };
        let check = self.check_vulnerabilities(product_id, &level, release.sbom, &vex, today).await?;
        let sha256 = tekigo_assess::folder::sha256_hex(release.sbom);

        let mut tx = self.begin_write().await?;
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT id FROM firmware_releases WHERE product_id = $1 AND version = $2")
                .bind(product_id)
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
        if taken.is_some() {
            return Err(invalid(
                format!("firmware {version} is published already; a changed build needs its own version"),
                format!("ファームウェア {version} は登録済みです。変更したビルドには別のバージョンを付けてください"),
            ));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO firmware_releases (product_id, version, released, models, changes_security, sbom, sbom_sha256, vex, \
             registry_check, published_by, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(product_id)
        .bind(version)
        .bind(today.to_string())
        .bind(serde_json::to_string(&models).unwrap_or_default())
        .bind(i64::from(release.changes_security))
        .bind(release.sbom.to_vec())
        .bind(&sha256)
        .bind(serde_json::to_string(&vex).unwrap_or_default())
        .bind(serde_json::to_string(&check).unwrap_or_default())
        .bind(user.id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;

        let current = Self::index_monitored_releases(&mut tx, product_id, &number, &level).await?;
        Self::append_vex_in(&mut tx, &number, &vex).await?;
        // The label and the product show the firmware of the representative model: a renewal
        // declares the firmware the product runs now.
        let representative = current.get(&model_key(&product.model)).map(|(_, version, _)| version.clone());
        sqlx::query("UPDATE products SET firmware_version = $1 WHERE id = $2")
            .bind(representative.as_deref().unwrap_or(&product.firmware_version))
            .bind(product_id)
            .execute(&mut *tx)
            .await?;
        let shown = current.get(&model_key(&product.model)).map(|(_, version, _)| version.clone());
        sqlx::query("UPDATE labels SET firmware_version = $1, updated = $2 WHERE number = $3")
            .bind(shown.as_deref().unwrap_or(version))
            .bind(now)
            .bind(&number)
            .execute(&mut *tx)
            .await?;
        let (state, expires, support_end): (String, String, String) =
            sqlx::query_as("SELECT state, expires, support_end FROM labels WHERE number = $1")
                .bind(&number)
                .fetch_one(&mut *tx)
                .await?;
        let state = State::parse(&state).ok_or_else(|| {
            crate::db::corrupt(format!("label {number}: state"), format!("`{state}` is not a label state"))
        })?;
        let status =
            crate::labels::rules::status_on(state, today, crate::db::day(&expires)?, crate::db::day(&support_end)?);
        let detail = serde_json::json!({
            "version": version,
            "models": models,
            "changes_security": release.changes_security,
            "sbom_sha256": sha256,
            "registry_check": check.outcome,
        });
        Self::event(&mut tx, &number, "firmware-released", status, now, Some(detail.to_string())).await?;
        Self::audit(&mut tx, now, &user.email, "firmware-released", &format!("label:{number}"), detail).await?;
        tx.commit().await?;

        // A failing release opens a case, and a fixing one closes it, by monitoring itself.
        self.monitor_then_release(product_id, id, today, now).await
    }

    /// Monitoring follows every model's current release and every older release the vendor
    /// still supports: the label is indexed for the components of each of them. Returns each
    /// model's current release.
    async fn index_monitored_releases(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        product_id: i64,
        number: &str,
        level: &str,
    ) -> Result<BTreeMap<String, (i64, String, String)>, RegistryError> {
        let current = current_releases(&Self::release_rows(tx, product_id).await?);
        let supported: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM firmware_releases WHERE product_id = $1 AND still_supported = 1")
                .bind(product_id)
                .fetch_all(&mut **tx)
                .await?;
        let followed: std::collections::BTreeSet<i64> =
            current.values().map(|(id, _, _)| *id).chain(supported).collect();
        let mut sboms: Vec<Vec<u8>> = Vec::new();
        for release_id in followed {
            let sbom: Option<Vec<u8>> = sqlx::query_scalar("SELECT sbom FROM firmware_releases WHERE id = $1")
                .bind(release_id)
                .fetch_one(&mut **tx)
                .await?;
            sboms.extend(sbom);
        }
        let slices: Vec<&[u8]> = sboms.iter().map(Vec::as_slice).collect();
        Self::index_sboms_in(tx, number, level, &slices, crate::monitoring::DIRTY_SBOM).await?;
        Ok(current)
    }

    /// The vendor says whether it still supports an older release (for a model that cannot
    /// take the newest firmware): monitoring follows a supported release beside the current
    /// ones, and stops following it when support is withdrawn. A current release is followed
    /// anyway.
    pub async fn set_release_supported(
        &self,
        user: &User,
        product_id: i64,
        version: &str,
        supported: bool,
        today: Date,
        now: i64,
    ) -> Result<Release, RegistryError> {
        if user.role != Role::Vendor {
            return Err(RegistryError::Forbidden("only the vendor says which of its firmware it supports".into()));
        }
        self.product(user, product_id).await?;
        let label: Option<(String, String)> = sqlx::query_as("SELECT number, level FROM labels WHERE product_id = $1")
            .bind(product_id)
            .fetch_optional(&self.pool)
            .await?;
        let Some((number, level)) = label else {
            return Err(RegistryError::NotFound(format!("the label of product {product_id}")));
        };
        let mut tx = self.begin_write().await?;
        let release: Option<i64> =
            sqlx::query_scalar("SELECT id FROM firmware_releases WHERE product_id = $1 AND version = $2")
                .bind(product_id)
                .bind(version.trim())
                .fetch_optional(&mut *tx)
                .await?;
        let Some(release_id) = release else {
            return Err(RegistryError::NotFound(format!("firmware {} of label {number}", version.trim())));
        };
        let current = current_releases(&Self::release_rows(&mut tx, product_id).await?);
        if current.values().any(|(id, _, _)| *id == release_id) {
            return Err(invalid(
                format!("firmware {} is the current release of a model: monitoring follows it anyway", version.trim()),
                format!("ファームウェア {} はいずれかの型番の現行リリースで、常に監視されます", version.trim()),
            ));
        }
        sqlx::query("UPDATE firmware_releases SET still_supported = $1 WHERE id = $2")
            .bind(i64::from(supported))
            .bind(release_id)
            .execute(&mut *tx)
            .await?;
        Self::index_monitored_releases(&mut tx, product_id, &number, &level).await?;
        let detail = serde_json::json!({ "version": version.trim(), "still_supported": supported });
        Self::audit(&mut tx, now, &user.email, "release-support", &format!("label:{number}"), detail).await?;
        tx.commit().await?;
        self.monitor_then_release(product_id, release_id, today, now).await
    }

    /// Runs monitoring over what the change touched (with a vulnerability database), so a case
    /// opens or closes at once, then reads the release back.
    async fn monitor_then_release(
        &self,
        product_id: i64,
        release_id: i64,
        today: Date,
        now: i64,
    ) -> Result<Release, RegistryError> {
        if let Some(dir) = self.vulndb.clone() {
            let mut db = tekigo_vuln::VulnDb::open(&dir).map_err(|error| {
                invalid(format!("vulnerability database: {error}"), format!("脆弱性データベース: {error}"))
            })?;
            self.monitor(&mut db, crate::monitoring::Scope::Journal, today, now).await?;
        }
        self.releases_of(product_id)
            .await?
            .into_iter()
            .find(|r| r.id == release_id)
            .ok_or_else(|| RegistryError::NotFound(format!("release {release_id}")))
    }

    /// A series' releases, newest first.
    pub async fn releases_of(&self, product_id: i64) -> Result<Vec<Release>, RegistryError> {
        let rows = sqlx::query(
            "SELECT id, product_id, version, released, models, changes_security, sbom_sha256, vex, registry_check, \
             still_supported FROM firmware_releases WHERE product_id = $1 ORDER BY id DESC",
        )
        .bind(product_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(release_from).collect()
    }

    /// The firmware each model of a series runs now, in the series' order.
    pub async fn current_firmware(&self, product_id: i64) -> Result<Vec<CurrentFirmware>, RegistryError> {
        let mut tx = self.pool.begin().await?;
        let current = current_releases(&Self::release_rows(&mut tx, product_id).await?);
        tx.commit().await?;
        let models: Vec<String> =
            sqlx::query_scalar("SELECT model FROM product_models WHERE product_id = $1 ORDER BY position")
                .bind(product_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(models
            .into_iter()
            .filter_map(|model| {
                current.get(&model_key(&model)).map(|(_, version, released)| CurrentFirmware {
                    model,
                    version: version.clone(),
                    released: released.clone(),
                })
            })
            .collect())
    }

    /// Every release of a product as (id, version, released day, models), oldest first.
    async fn release_rows(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        product_id: i64,
    ) -> Result<Vec<(i64, String, String, Vec<String>)>, RegistryError> {
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT id, version, released, models FROM firmware_releases WHERE product_id = $1 ORDER BY id",
        )
        .bind(product_id)
        .fetch_all(&mut **tx)
        .await?;
        rows.into_iter()
            .map(|(id, version, released, models)| {
                let models: Vec<String> = serde_json::from_str(&models)
                    .map_err(|error| crate::db::corrupt(format!("release {id}: models"), error.to_string()))?;
                Ok((id, version, released, models))
            })
            .collect()
    }
}

/// Each model's latest release (by publication order), keyed by [`model_key`].
fn current_releases(rows: &[(i64, String, String, Vec<String>)]) -> BTreeMap<String, (i64, String, String)> {
    let mut current = BTreeMap::new();
    for (id, version, released, models) in rows {
        for model in models {
            current.insert(model_key(model), (*id, version.clone(), released.clone()));
        }
    }
    current
}

fn release_from(row: &AnyRow) -> Result<Release, RegistryError> {
    let id: i64 = row.try_get("id")?;
    let corrupt =
        |field: &str, error: serde_json::Error| crate::db::corrupt(format!("release {id}: {field}"), error.to_string());
    let models: String = row.try_get("models")?;
    let vex: String = row.try_get("vex")?;
    let check: Option<String> = row.try_get("registry_check")?;
    let vex: Vec<serde_json::Value> = serde_json::from_str(&vex).map_err(|e| corrupt("vex", e))?;
    Ok(Release {
        id,
        product_id: row.try_get("product_id")?,
        version: row.try_get("version")?,
        released: row.try_get("released")?,
        models: serde_json::from_str(&models).map_err(|e| corrupt("models", e))?,
        changes_security: row.try_get::<i64, _>("changes_security")? != 0,
        sbom_sha256: row.try_get("sbom_sha256")?,
        vex_statements: vex.len(),
        registry_check: check
            .filter(|c| !c.is_empty())
            .map(|c| serde_json::from_str(&c))
            .transpose()
            .map_err(|e| corrupt("registry_check", e))?,
        still_supported: row.try_get::<i64, _>("still_supported")? != 0,
    })
}
