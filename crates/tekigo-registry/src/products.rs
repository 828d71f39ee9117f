//! Products: what a vendor registers (name, the series' models, firmware, support end,
//! vulnerability contact) before applying for its label. A product is a series: one
//! registration covers every model in it (docs/scheme.md, "Registration"), each stored with its
//! [`model_key`] and GTIN so a label is found by any of them.

use std::collections::HashMap;

use jiff::civil::Date;
use serde::Serialize;
use sqlx::FromRow;
use sqlx::any::AnyRow;
use tekigo_base::Text;

use tekigo_base::identifiers::{Gtin, ModelEntry, check_series, model_key, series_models};

use crate::accounts::User;
use crate::db::{Registry, RegistryError, day, invalid};
use crate::validate;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Product {
    pub id: i64,
    pub organisation_id: i64,
    pub vendor: String,
    pub name: String,
    /// The series' representative model.
    pub model: String,
    /// Every model of the series, the representative first.
    #[sqlx(skip)]
    pub models: Vec<ModelEntry>,
    pub firmware_version: String,
    pub product_type: Option<String>,
    pub support_end: String,
    pub vulnerability_contact: String,
}

#[derive(Debug, Clone)]
pub struct NewProduct {
    pub name: String,
    /// The series' representative model.
    pub model: String,
    /// Every model of the series, `model` among them; empty for a series of `model` alone.
    pub models: Vec<ModelEntry>,
    pub firmware_version: String,
    pub product_type: Option<String>,
    pub support_end: String,
    pub vulnerability_contact: String,
}

impl Registry {
    const PRODUCT_COLUMNS: &'static str = "p.id, p.organisation_id, o.name AS vendor, p.name, p.model, p.firmware_version, \
         p.product_type, p.support_end, p.vulnerability_contact FROM products p JOIN organisations o ON o.id = p.organisation_id";

    pub async fn create_product(
        &self,
        user: &User,
        product: NewProduct,
        today: Date,
        now: i64,
    ) -> Result<Product, RegistryError> {
        let organisation =
            user.organisation_id.ok_or_else(|| RegistryError::Forbidden("only a vendor registers products".into()))?;
        let mut missing = Vec::new();
        for (value, en, ja) in [
            (&product.name, "product name", "製品名"),
            (&product.model, "model", "型番"),
            (&product.firmware_version, "firmware version", "ファームウェアのバージョン"),
            (&product.support_end, "support end", "サポート終了日"),
            (&product.vulnerability_contact, "vulnerability contact", "脆弱性の連絡先"),
        ] {
            if value.trim().is_empty() {
                missing.push((en, ja));
            } else if value.len() > 500 {
                return Err(invalid(
                    format!("{en}: at most 500 characters"),
                    format!("{ja}: 500文字以内にしてください"),
                ));
            }
        }
        if !missing.is_empty() {
            return Err(invalid(
                format!("missing: {}", missing.iter().map(|m| m.0).collect::<Vec<_>>().join(", ")),
                format!("未入力: {}", missing.iter().map(|m| m.1).collect::<Vec<_>>().join("、")),
            ));
        }
        validate::name(("product name", "製品名"), &product.name).map_err(RegistryError::Invalid)?;
        validate::name(("model", "型番"), &product.model).map_err(RegistryError::Invalid)?;
        validate::name(("firmware version", "ファームウェアのバージョン"), &product.firmware_version)
            .map_err(RegistryError::Invalid)?;
        validate::vulnerability_contact(&product.vulnerability_contact).map_err(RegistryError::Invalid)?;
        let models = series_models(&product.model, &product.models);
        let problems = check_series(&product.model, &models);
        if !problems.is_empty() {
            return Err(RegistryError::Invalid(Text::new(
                problems.iter().map(|p| p.en.as_str()).collect::<Vec<_>>().join("; "),
                problems.iter().map(|p| p.ja.as_str()).collect::<Vec<_>>().join("。"),
            )));
        }
        let support_end = day(product.support_end.trim())?;
        if support_end <= today {
            return Err(invalid(
                format!("support end {support_end} is not in the future (SCHEME §5.1)"),
                format!("サポート終了日 {support_end} が将来の日付ではありません（SCHEME §5.1）"),
            ));
        }
        if let Some(product_type) = &product.product_type
            && !self.catalog.schemes.iter().any(|s| s.product_types.iter().any(|t| &t.id == product_type))
        {
            return Err(invalid(
                format!("unknown product type `{product_type}`"),
                format!("製品類型 `{product_type}` は定義されていません"),
            ));
        }
        let mut tx = self.begin_write().await?;
        let exists: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM products WHERE organisation_id = $1 AND model = $2 AND firmware_version = $3",
        )
        .bind(organisation)
        .bind(product.model.trim())
        .bind(product.firmware_version.trim())
        .fetch_optional(&mut *tx)
        .await?;
        if exists.is_some() {
            return Err(invalid(
                format!("{} firmware {} is registered already", product.model.trim(), product.firmware_version.trim()),
                format!("{} ファームウェア {} は登録済みです", product.model.trim(), product.firmware_version.trim()),
            ));
        }
        // A GTIN names one trade item: it may sit on another series only as the same model of the
        // same vendor (a product registered again for a new firmware before releases existed).
        for entry in &models {
            let Some(gtin) = entry.gtin.as_deref().filter(|g| !g.trim().is_empty()) else { continue };
            let gtin = Gtin::parse(gtin).map_err(RegistryError::Invalid)?;
            let holders: Vec<(i64, String)> = sqlx::query_as(
                "SELECT p.organisation_id, m.model_key FROM product_models m JOIN products p ON p.id = m.product_id \
                 WHERE m.gtin_key = $1",
            )
            .bind(gtin.key())
            .fetch_all(&mut *tx)
            .await?;
            if holders.iter().any(|(holder, key)| *holder != organisation || *key != model_key(&entry.model)) {
                return Err(invalid(
                    format!("GTIN {} is registered for another product", gtin.as_str()),
                    format!("GTIN {} は別の製品に登録されています", gtin.as_str()),
                ));
            }
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO products (organisation_id, name, model, firmware_version, product_type, support_end, vulnerability_contact, created) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(organisation)
        .bind(product.name.trim())
        .bind(product.model.trim())
        .bind(product.firmware_version.trim())
        .bind(product.product_type.clone())
        .bind(support_end.to_string())
        .bind(product.vulnerability_contact.trim())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        for (position, entry) in models.iter().enumerate() {
            let gtin = entry.gtin.as_deref().filter(|g| !g.trim().is_empty()).map(Gtin::parse).transpose();
            let gtin = gtin.map_err(RegistryError::Invalid)?;
            sqlx::query(
                "INSERT INTO product_models (product_id, position, model, model_key, gtin, gtin_key, sku) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(entry.model.trim())
            .bind(model_key(&entry.model))
            .bind(gtin.as_ref().map(|g| g.as_str().to_owned()))
            .bind(gtin.as_ref().map(Gtin::key))
            .bind(entry.sku.as_deref().map(str::trim).filter(|s| !s.is_empty()))
            .execute(&mut *tx)
            .await?;
        }
        Self::audit(
            &mut tx,
            now,
            &user.email,
            "create-product",
            &format!("product:{id}"),
            serde_json::json!({
                "model": product.model,
                "models": models.iter().map(|m| &m.model).collect::<Vec<_>>(),
                "firmware": product.firmware_version,
            }),
        )
        .await?;
        tx.commit().await?;
        self.product(user, id).await
    }

    fn product_from(row: &AnyRow) -> Result<Product, RegistryError> {
        Ok(Product::from_row(row)?)
    }

    /// One product, if the user may see it: its vendor's own, or any for staff. Another vendor's
    /// product is "not found", not "forbidden": its existence is not disclosed.
    /// A product whoever asks (the caller has checked they may act on it: a lab under the
    /// vendor's engagement).
    pub(crate) async fn product_unchecked(&self, id: i64) -> Result<Product, RegistryError> {
        let row = sqlx::query(safe!("SELECT {} WHERE p.id = $1", Self::PRODUCT_COLUMNS))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| RegistryError::NotFound(format!("product {id}")))?;
        let mut product = Self::product_from(&row)?;
        product.models = self.series_of(&[product.id]).await?.remove(&product.id).unwrap_or_default();
        Ok(product)
    }

    /// A product its vendor or staff may see; another vendor's reads as not found.
    pub async fn product(&self, user: &User, id: i64) -> Result<Product, RegistryError> {
        let product = self.product_unchecked(id).await?;
        if user.role.is_staff() || user.organisation_id == Some(product.organisation_id) {
            Ok(product)
        } else {
            Err(RegistryError::NotFound(format!("product {id}")))
        }
    }

    pub async fn products(&self, user: &User) -> Result<Vec<Product>, RegistryError> {
        let rows = if user.role.is_staff() {
            sqlx::query(safe!("SELECT {} ORDER BY p.id DESC LIMIT 500", Self::PRODUCT_COLUMNS))
                .fetch_all(&self.pool)
                .await?
        } else {
            sqlx::query(safe!("SELECT {} WHERE p.organisation_id = $1 ORDER BY p.id DESC", Self::PRODUCT_COLUMNS))
                .bind(user.organisation_id.unwrap_or(-1))
                .fetch_all(&self.pool)
                .await?
        };
        let mut products = rows.iter().map(Self::product_from).collect::<Result<Vec<_>, _>>()?;
        let ids: Vec<i64> = products.iter().map(|p| p.id).collect();
        let mut series = self.series_of(&ids).await?;
        for product in &mut products {
            product.models = series.remove(&product.id).unwrap_or_default();
        }
        Ok(products)
    }

    /// The models of each product, in the vendor's order.
    pub(crate) async fn series_of(&self, product_ids: &[i64]) -> Result<HashMap<i64, Vec<ModelEntry>>, RegistryError> {
        let mut series: HashMap<i64, Vec<ModelEntry>> = HashMap::new();
        // In chunks: a bind list has a limit (SQLite's default is 32,766 variables).
        for chunk in product_ids.chunks(500) {
            if chunk.is_empty() {
                continue;
            }
            let list = (1..=chunk.len()).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
            let sql = format!(
                "SELECT product_id, model, gtin, sku FROM product_models WHERE product_id IN ({list}) ORDER BY product_id, position"
            );
            let mut query =
                sqlx::query_as::<_, (i64, String, Option<String>, Option<String>)>(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(*id);
            }
            for (product_id, model, gtin, sku) in query.fetch_all(&self.pool).await? {
                series.entry(product_id).or_default().push(ModelEntry { model, gtin, sku });
            }
        }
        Ok(series)
    }

    /// The products one of whose models is `text` as [`model_key`] spells it, or whose GTIN it
    /// is: how a seller's listing finds its label.
    pub(crate) fn identifier_condition(text: &str, bind: &mut dyn FnMut(String) -> String) -> String {
        let key = bind(model_key(text));
        match Gtin::parse(text) {
            Ok(gtin) => {
                let gtin = bind(gtin.key());
                format!(
                    "product_id IN (SELECT product_id FROM product_models WHERE model_key = {key} OR gtin_key = {gtin})"
                )
            }
            Err(_) => format!("product_id IN (SELECT product_id FROM product_models WHERE model_key = {key})"),
        }
    }

    /// Recomputes every model key with the full rule of [`model_key`], once: the migration that
    /// made the series could only spell keys with ASCII rules in SQL. Marked done in `counters`.
    pub(crate) async fn refresh_model_keys(&self) -> Result<(), RegistryError> {
        const DONE: &str = "model_keys_v1";
        let done: Option<i64> = sqlx::query_scalar("SELECT value FROM counters WHERE name = $1")
            .bind(DONE)
            .fetch_optional(&self.pool)
            .await?;
        if done.is_some() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        let rows: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT id, model, model_key FROM product_models").fetch_all(&mut *tx).await?;
        for (id, model, stored) in rows {
            let key = model_key(&model);
            if key != stored {
                sqlx::query("UPDATE product_models SET model_key = $1 WHERE id = $2")
                    .bind(key)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        sqlx::query("INSERT INTO counters (name, value) VALUES ($1, 1) ON CONFLICT (name) DO NOTHING")
            .bind(DONE)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
