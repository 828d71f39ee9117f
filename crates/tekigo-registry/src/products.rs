//! Products: what a vendor registers (name, model, firmware, support end, vulnerability contact)
//! before applying for its label.

use jiff::civil::Date;
use serde::Serialize;
use sqlx::FromRow;
use sqlx::any::AnyRow;

use crate::accounts::User;
use crate::db::{Registry, RegistryError, day, invalid};
use crate::validate;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Product {
    pub id: i64,
    pub organisation_id: i64,
    pub vendor: String,
    pub name: String,
    pub model: String,
    pub firmware_version: String,
    pub product_type: Option<String>,
    pub support_end: String,
    pub vulnerability_contact: String,
}

#[derive(Debug, Clone)]
pub struct NewProduct {
    pub name: String,
    pub model: String,
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
        Self::audit(
            &mut tx,
            now,
            &user.email,
            "create-product",
            &format!("product:{id}"),
            serde_json::json!({ "model": product.model, "firmware": product.firmware_version }),
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
    pub async fn product(&self, user: &User, id: i64) -> Result<Product, RegistryError> {
        let row = sqlx::query(safe!("SELECT {} WHERE p.id = $1", Self::PRODUCT_COLUMNS))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let product = row.map(|row| Self::product_from(&row)).transpose()?;
        match product {
            Some(product) if user.role.is_staff() || user.organisation_id == Some(product.organisation_id) => {
                Ok(product)
            }
            _ => Err(RegistryError::NotFound(format!("product {id}"))),
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
        rows.iter().map(Self::product_from).collect()
    }
}
