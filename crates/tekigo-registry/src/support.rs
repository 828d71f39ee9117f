//! The support period (SCHEME §5.1: the vendor keeps the product updated until the end of
//! support it declared; a label never outlives it). The vendor extends it at any time while
//! support runs; shortening it needs the certification body's approval and, approved, is
//! announced on the product page. Every change is kept (`support_changes`), logged in the
//! transparency log and the changes feed.

use jiff::civil::Date;
use serde::Serialize;
use sqlx::Row;

use crate::accounts::{Role, User};
use crate::db::{Registry, RegistryError, day, invalid};
use crate::labels::{Assurance, State, rules};
use crate::products::Product;

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

#[derive(Debug, Clone, Serialize)]
pub struct SupportChange {
    pub id: i64,
    pub product_id: i64,
    pub previous_end: String,
    pub new_end: String,
    pub reason: String,
    /// `applied` (an extension), `requested`, `approved` or `refused` (a shortening).
    pub status: String,
    pub requested: i64,
    pub decided: Option<i64>,
    pub comment: Option<String>,
    /// The product's label, if it has one.
    pub label_number: Option<String>,
}

impl SupportChange {
    pub fn is_shortening(&self) -> bool {
        self.new_end < self.previous_end
    }
}

/// What a vendor's change of the support end did.
#[derive(Debug, Clone)]
pub enum SupportOutcome {
    /// Extended at once.
    Extended(Product),
    /// A shortening, waiting for the certification body.
    Requested(SupportChange),
}

const CHANGE_COLUMNS: &str = "c.id, c.product_id, c.previous_end, c.new_end, c.reason, c.status, c.requested, c.decided, \
     c.comment, l.number AS label_number FROM support_changes c LEFT JOIN labels l ON l.product_id = c.product_id";

impl Registry {
    /// The vendor extends the end of security updates, at any time while support runs: the
    /// product and its label take the new day, the label's validity grows with it up to what the
    /// expiry rule allows (SCHEME §5.1), and a `support-extended` event goes to the changes feed
    /// and the transparency log. Shortening is refused here: it is
    /// [`Registry::change_support_end`]'s request to the certification body.
    pub async fn extend_support(
        &self,
        user: &User,
        product_id: i64,
        new_end: Date,
        today: Date,
        now: i64,
    ) -> Result<Product, RegistryError> {
        let (product, current) = self.support_running(user, product_id, today).await?;
        if new_end <= current {
            return Err(invalid(
                format!(
                    "{new_end} is not after the current end of support {current}: shortening the support period needs the certification body's approval"
                ),
                format!(
                    "{new_end} は現在のサポート終了日 {current} より後ではありません。サポート期間の短縮には認証機関の承認が必要です"
                ),
            ));
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO support_changes (product_id, previous_end, new_end, reason, status, requested_by, requested, decided_by, decided) \
             VALUES ($1, $2, $3, '', 'applied', $4, $5, $4, $5)",
        )
        .bind(product.id)
        .bind(current.to_string())
        .bind(new_end.to_string())
        .bind(user.id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        Self::apply_support_end(&mut tx, product_id, current, new_end, "support-extended", today, now).await?;
        let detail = serde_json::json!({ "from": current.to_string(), "to": new_end.to_string() });
        Self::audit(&mut tx, now, &user.email, "support-extended", &format!("product:{product_id}"), detail).await?;
        tx.commit().await?;
        self.product(user, product_id).await
    }

    /// The vendor's change of the support end: a later day extends it at once; an earlier one
    /// (not before today) is a request to the certification body, with the vendor's reason.
    pub async fn change_support_end(
        &self,
        user: &User,
        product_id: i64,
        new_end: Date,
        reason: &str,
        today: Date,
        now: i64,
    ) -> Result<SupportOutcome, RegistryError> {
        let (product, current) = self.support_running(user, product_id, today).await?;
        if new_end > current {
            return self.extend_support(user, product_id, new_end, today, now).await.map(SupportOutcome::Extended);
        }
        if new_end == current {
            return Err(invalid(
                format!("security updates end on {current} already"),
                format!("サポート終了日はすでに {current} です"),
            ));
        }
        if new_end < today {
            return Err(invalid(
                format!("{new_end} is in the past: support cannot end before today"),
                format!("{new_end} は過去の日付です。本日より前にサポートを終了することはできません"),
            ));
        }
        let reason = reason.trim();
        crate::validate::name(("reason for shortening the support period", "サポート期間を短縮する理由"), reason)
            .map_err(|problem| RegistryError::Rejected(vec![problem]))?;
        let mut tx = self.begin_write().await?;
        let pending: Option<i64> =
            sqlx::query_scalar("SELECT id FROM support_changes WHERE product_id = $1 AND status = 'requested'")
                .bind(product.id)
                .fetch_optional(&mut *tx)
                .await?;
        if pending.is_some() {
            return Err(invalid(
                "a shortening of this product's support period is waiting for the certification body already",
                "この製品のサポート期間短縮はすでに認証機関の確認待ちです",
            ));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO support_changes (product_id, previous_end, new_end, reason, status, requested_by, requested) \
             VALUES ($1, $2, $3, $4, 'requested', $5, $6) RETURNING id",
        )
        .bind(product.id)
        .bind(current.to_string())
        .bind(new_end.to_string())
        .bind(reason)
        .bind(user.id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let detail = serde_json::json!({ "from": current.to_string(), "to": new_end.to_string(), "reason": reason });
        Self::audit(
            &mut tx,
            now,
            &user.email,
            "support-shortening-requested",
            &format!("product:{product_id}"),
            detail,
        )
        .await?;
        tx.commit().await?;
        self.support_change(id).await.map(SupportOutcome::Requested)
    }

    /// Staff approve (the product and its label take the earlier day, the label's validity
    /// shrinks with it, and the product page announces it) or refuse a shortening.
    pub async fn decide_support_change(
        &self,
        staff: &User,
        id: i64,
        approve: bool,
        comment: &str,
        today: Date,
        now: i64,
    ) -> Result<SupportChange, RegistryError> {
        Self::require_reviewer(staff)?;
        let change = self.support_change(id).await?;
        if change.status != "requested" {
            return Err(invalid(
                format!("support change {id} is not waiting for a decision"),
                format!("サポート期間の変更 {id} は確認待ちではありません"),
            ));
        }
        let comment = comment.trim();
        if !approve && comment.is_empty() {
            return Err(invalid("say why the shortening is refused", "短縮を認めない理由を記入してください"));
        }
        let (previous, new_end) = (day(&change.previous_end)?, day(&change.new_end)?);
        let mut tx = self.begin_write().await?;
        let current: String = sqlx::query_scalar("SELECT support_end FROM products WHERE id = $1")
            .bind(change.product_id)
            .fetch_one(&mut *tx)
            .await?;
        if approve && (day(&current)? != previous || new_end < today) {
            return Err(invalid(
                format!(
                    "the request was made against support ending {previous}; the product now says {current}: the vendor must ask again"
                ),
                format!("申請時のサポート終了日は {previous}、現在は {current} です。改めて申請が必要です"),
            ));
        }
        sqlx::query(
            "UPDATE support_changes SET status = $1, decided_by = $2, decided = $3, comment = $4 WHERE id = $5 AND status = 'requested'",
        )
        .bind(if approve { "approved" } else { "refused" })
        .bind(staff.id)
        .bind(now)
        .bind(Some(comment).filter(|c| !c.is_empty()))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if approve {
            Self::apply_support_end(&mut tx, change.product_id, previous, new_end, "support-shortened", today, now)
                .await?;
        }
        let detail =
            serde_json::json!({ "change": id, "from": change.previous_end, "to": change.new_end, "comment": comment });
        let action = if approve { "support-shortening-approved" } else { "support-shortening-refused" };
        Self::audit(&mut tx, now, &staff.email, action, &format!("product:{}", change.product_id), detail).await?;
        tx.commit().await?;
        self.support_change(id).await
    }

    /// Every change of a product's support period, oldest first (public: the product page
    /// shows the extensions and the approved shortenings).
    pub async fn support_changes(&self, product_id: i64) -> Result<Vec<SupportChange>, RegistryError> {
        let rows = sqlx::query(safe!("SELECT {} WHERE c.product_id = $1 ORDER BY c.id", CHANGE_COLUMNS))
            .bind(product_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(change_from).collect()
    }

    /// Shortenings waiting for staff, oldest first.
    pub async fn pending_support_changes(&self, staff: &User) -> Result<Vec<SupportChange>, RegistryError> {
        if !staff.role.is_staff() {
            return Err(RegistryError::Forbidden("staff only".into()));
        }
        let rows = sqlx::query(safe!("SELECT {} WHERE c.status = 'requested' ORDER BY c.id LIMIT 500", CHANGE_COLUMNS))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(change_from).collect()
    }

    async fn support_change(&self, id: i64) -> Result<SupportChange, RegistryError> {
        let row = sqlx::query(safe!("SELECT {} WHERE c.id = $1", CHANGE_COLUMNS))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| RegistryError::NotFound(format!("support change {id}")))?;
        change_from(&row)
    }

    /// The vendor's product and its current support end, refused once support is over.
    async fn support_running(
        &self,
        user: &User,
        product_id: i64,
        today: Date,
    ) -> Result<(Product, Date), RegistryError> {
        if user.role != Role::Vendor {
            return Err(RegistryError::Forbidden("only the vendor changes its support period".into()));
        }
        let product = self.product(user, product_id).await?;
        let current = day(&product.support_end)?;
        if current < today {
            return Err(invalid(
                format!("support ended on {current}: it cannot be changed afterwards; apply again (SCHEME §5.1)"),
                format!(
                    "サポートは {current} に終了しています。終了後の変更はできません。改めて申請してください（SCHEME §5.1）"
                ),
            ));
        }
        Ok((product, current))
    }

    /// The product and its label take a new support end; the label's expiry follows the rule
    /// (SCHEME §5.1): an extension never shortens the validity it was issued with, a shortening
    /// cuts it to the new end.
    async fn apply_support_end(
        tx: &mut Tx<'_>,
        product_id: i64,
        previous: Date,
        new_end: Date,
        kind: &str,
        today: Date,
        now: i64,
    ) -> Result<(), RegistryError> {
        sqlx::query("UPDATE products SET support_end = $1 WHERE id = $2")
            .bind(new_end.to_string())
            .bind(product_id)
            .execute(&mut **tx)
            .await?;
        let label: Option<(String, String, String, String, String, String)> = sqlx::query_as(
            "SELECT number, assurance, issued, first_evaluated, expires, state FROM labels WHERE product_id = $1",
        )
        .bind(product_id)
        .fetch_optional(&mut **tx)
        .await?;
        let Some((number, assurance, issued, first_evaluated, expires, state)) = label else { return Ok(()) };
        let state = State::parse(&state).unwrap_or(State::Active);
        if state == State::Revoked {
            return Ok(());
        }
        let assurance =
            if assurance == Assurance::ThirdParty.name() { Assurance::ThirdParty } else { Assurance::SelfDeclared };
        let recomputed = rules::expiry(assurance, day(&issued)?, new_end, day(&first_evaluated)?)
            .map_err(|error| invalid(error.to_string(), "有効期間を計算できません（SCHEME §5.1）"))?;
        let expires = if new_end > previous { recomputed.max(day(&expires)?) } else { recomputed.min(day(&expires)?) };
        sqlx::query("UPDATE labels SET support_end = $1, expires = $2, updated = $3 WHERE number = $4")
            .bind(new_end.to_string())
            .bind(expires.to_string())
            .bind(now)
            .bind(&number)
            .execute(&mut **tx)
            .await?;
        let status = rules::status_on(state, today, expires, new_end);
        let event = serde_json::json!({ "from": previous.to_string(), "to": new_end.to_string(), "expires": expires.to_string() });
        Self::event(tx, &number, kind, status, now, Some(event.to_string())).await
    }
}

fn change_from(row: &sqlx::any::AnyRow) -> Result<SupportChange, RegistryError> {
    Ok(SupportChange {
        id: row.try_get("id")?,
        product_id: row.try_get("product_id")?,
        previous_end: row.try_get("previous_end")?,
        new_end: row.try_get("new_end")?,
        reason: row.try_get("reason")?,
        status: row.try_get("status")?,
        requested: row.try_get("requested")?,
        decided: row.try_get("decided")?,
        comment: row.try_get("comment")?,
        label_number: row.try_get("label_number")?,
    })
}
