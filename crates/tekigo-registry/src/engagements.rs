//! Evaluation projects (docs/scheme.md, ★3/★4): a vendor engages a lab on the register to
//! evaluate one of its product series at a level. The registry accepts a lab's evaluation report
//! for a product only under an open engagement of that lab at that level
//! ([`Registry::engaged`], checked on every application that carries one), and the lab's staff
//! may then submit the report for the vendor (`applications::lab`).

use jiff::civil::Date;
use serde::Serialize;
use sqlx::Row;
use tekigo_base::Text;

use crate::accounts::{Role, User};
use crate::db::{Registry, RegistryError, invalid};

/// One engagement, as the vendor and the lab see it.
#[derive(Debug, Clone, Serialize)]
pub struct Engagement {
    pub id: i64,
    pub product_id: i64,
    pub product_name: String,
    pub vendor: String,
    pub lab_id: i64,
    pub lab_name: String,
    pub level: String,
    /// `open` until a report is approved or the vendor withdraws it.
    pub status: String,
    pub at: i64,
}

const ENGAGEMENT_COLUMNS: &str = "e.id, e.product_id, p.name AS product_name, o.name AS vendor, e.lab_id, \
     b.name AS lab_name, e.level, e.status, e.at FROM engagements e JOIN products p ON p.id = e.product_id \
     JOIN organisations o ON o.id = p.organisation_id JOIN labs b ON b.id = e.lab_id";

fn engagement_from(row: &sqlx::any::AnyRow) -> Result<Engagement, RegistryError> {
    Ok(Engagement {
        id: row.try_get("id")?,
        product_id: row.try_get("product_id")?,
        product_name: row.try_get("product_name")?,
        vendor: row.try_get("vendor")?,
        lab_id: row.try_get("lab_id")?,
        lab_name: row.try_get("lab_name")?,
        level: row.try_get("level")?,
        status: row.try_get("status")?,
        at: row.try_get("at")?,
    })
}

impl Registry {
    /// The vendor engages a lab for a product and level (★3 or ★4). Refused unless the lab is
    /// accredited for the product's type and the level today; an open engagement of the same lab
    /// for the same product and level is returned as it is.
    pub async fn engage_lab(
        &self,
        vendor: &User,
        product_id: i64,
        lab_id: i64,
        level: &str,
        today: Date,
        now: i64,
    ) -> Result<Engagement, RegistryError> {
        if vendor.role != Role::Vendor {
            return Err(RegistryError::Forbidden("only the vendor engages a lab for its product".into()));
        }
        let product = self.product(vendor, product_id).await?;
        let level = level.trim().trim_start_matches('★');
        if !matches!(level, "3" | "4") {
            return Err(invalid(
                format!("a lab evaluates at ★3 or ★4, not `{level}`"),
                format!("評価機関が評価するのは ★3 か ★4 です（`{level}` ではありません）"),
            ));
        }
        let lab = self.lab(lab_id).await?;
        lab.accredited_for(today, product.product_type.as_deref(), level)
            .map_err(|problem| RegistryError::Rejected(vec![problem]))?;
        if let Some(open) = self.open_engagement(product_id, lab_id, level).await? {
            return Ok(open);
        }
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO engagements (product_id, lab_id, level, status, engaged_by, at) VALUES ($1, $2, $3, 'open', $4, $5) RETURNING id",
        )
        .bind(product_id)
        .bind(lab_id)
        .bind(level)
        .bind(vendor.id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        Self::audit(
            &mut tx,
            now,
            &vendor.email,
            "engage-lab",
            &format!("engagement:{id}"),
            serde_json::json!({ "product": product_id, "lab": lab_id, "level": level }),
        )
        .await?;
        tx.commit().await?;
        self.engagement(id).await
    }

    async fn engagement(&self, id: i64) -> Result<Engagement, RegistryError> {
        let row = sqlx::query(safe!("SELECT {ENGAGEMENT_COLUMNS} WHERE e.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| RegistryError::NotFound(format!("engagement {id}")))?;
        engagement_from(&row)
    }

    async fn open_engagement(
        &self,
        product_id: i64,
        lab_id: i64,
        level: &str,
    ) -> Result<Option<Engagement>, RegistryError> {
        let row = sqlx::query(safe!(
            "SELECT {ENGAGEMENT_COLUMNS} WHERE e.product_id = $1 AND e.lab_id = $2 AND e.level = $3 AND e.status = 'open'"
        ))
        .bind(product_id)
        .bind(lab_id)
        .bind(level)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(engagement_from).transpose()
    }

    /// Whether a lab's report for `product_id` at `level` comes under an open engagement; the
    /// reason in both languages when not.
    pub(crate) async fn engaged(
        &self,
        product_id: i64,
        lab_id: i64,
        level: &str,
    ) -> Result<Result<(), Text>, RegistryError> {
        Ok(match self.open_engagement(product_id, lab_id, level).await? {
            Some(_) => Ok(()),
            None => {
                let lab = self.lab(lab_id).await?;
                Err(Text::new(
                    format!("the vendor has not engaged {} to evaluate this product at ★{level}", lab.name),
                    format!("製造事業者等はこの製品の ★{level} の評価を {} に依頼していません", lab.name),
                ))
            }
        })
    }

    /// An engagement the lab the user works for holds, for its staff to act on.
    pub async fn lab_engagement(&self, lab_user: &User, id: i64) -> Result<Engagement, RegistryError> {
        let lab = self
            .lab_of(lab_user)
            .await?
            .ok_or_else(|| RegistryError::Forbidden("only a registered lab's staff act on its engagements".into()))?;
        let engagement = self.engagement(id).await?;
        if engagement.lab_id != lab.id {
            return Err(RegistryError::NotFound(format!("engagement {id}")));
        }
        Ok(engagement)
    }

    /// The engagements of the lab the user works for, newest first.
    pub async fn lab_engagements(&self, lab_user: &User) -> Result<Vec<Engagement>, RegistryError> {
        let Some(lab) = self.lab_of(lab_user).await? else { return Ok(Vec::new()) };
        let rows = sqlx::query(safe!("SELECT {ENGAGEMENT_COLUMNS} WHERE e.lab_id = $1 ORDER BY e.id DESC LIMIT 200"))
            .bind(lab.id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(engagement_from).collect()
    }

    /// A product's engagements (its vendor or staff).
    pub async fn product_engagements(&self, user: &User, product_id: i64) -> Result<Vec<Engagement>, RegistryError> {
        self.product(user, product_id).await?;
        let rows = sqlx::query(safe!("SELECT {ENGAGEMENT_COLUMNS} WHERE e.product_id = $1 ORDER BY e.id DESC"))
            .bind(product_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(engagement_from).collect()
    }

    /// Closes the engagement a label was issued under (its report was approved).
    pub(crate) async fn complete_engagement_in(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        product_id: i64,
        lab_id: i64,
        level: &str,
    ) -> Result<(), RegistryError> {
        sqlx::query(
            "UPDATE engagements SET status = 'completed' WHERE product_id = $1 AND lab_id = $2 AND level = $3 AND status = 'open'",
        )
        .bind(product_id)
        .bind(lab_id)
        .bind(level)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}
