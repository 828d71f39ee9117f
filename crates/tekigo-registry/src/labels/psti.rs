//! The UK PSTI listing (docs/scheme.md, "Registration"): a ★1 label whose product page gives
//! English product information and an English vulnerability contact may be listed as deemed to
//! meet the UK PSTI regime's security requirements, under the UK's recognition of the label. The
//! vendor asks; staff confirm or refuse; the public list and the API show the listed labels
//! (`Search::psti_listed`).

use jiff::civil::Date;
use serde::Serialize;
use sqlx::Row;
use tekigo_base::Text;

use crate::accounts::{Role, User};
use crate::db::{Registry, RegistryError, invalid};
use crate::labels::Status;

/// Only ★1 labels qualify for now: the UK recognises the ★1 label (IPA's PSTI page).
pub const PSTI_LEVELS: &[&str] = &["1"];

#[derive(Debug, Clone, Serialize)]
pub struct PstiListing {
    pub label_number: String,
    /// `requested`, `listed` or `refused`.
    pub status: String,
    /// The product's information in English (an https:// page).
    pub english_information: String,
    /// Where vulnerabilities are reported, in English.
    pub english_contact: String,
    pub requested: i64,
    pub decided: Option<i64>,
    pub comment: Option<String>,
}

impl Registry {
    /// The vendor asks to list its label as deemed to meet UK PSTI.
    pub async fn request_psti_listing(
        &self,
        vendor: &User,
        number: &str,
        english_information: &str,
        english_contact: &str,
        today: Date,
        now: i64,
    ) -> Result<PstiListing, RegistryError> {
        if vendor.role != Role::Vendor {
            return Err(RegistryError::Forbidden("only the label's vendor asks for the PSTI listing".into()));
        }
        let label =
            self.label(number, today).await?.ok_or_else(|| RegistryError::NotFound(format!("label {number}")))?;
        let product = self.product(vendor, label.product_id).await?;
        if !PSTI_LEVELS.contains(&label.level.as_str()) {
            return Err(invalid(
                format!("only ★1 labels can be listed as deemed to meet UK PSTI; {number} is ★{}", label.level),
                format!("英国PSTI法適合として掲載できるのは★1ラベルだけです。{number} は★{} です", label.level),
            ));
        }
        if label.status != Status::Valid {
            return Err(invalid(
                format!("label {number} is not valid: only a valid label can be listed"),
                format!("ラベル {number} は有効ではありません。掲載できるのは有効なラベルだけです"),
            ));
        }
        let information = english_information.trim();
        let https_page = url::Url::parse(information)
            .is_ok_and(|url| url.scheme() == "https" && url.host_str().is_some_and(|host| !host.is_empty()));
        if !https_page {
            return Err(RegistryError::Rejected(vec![Text::new(
                format!("English product information `{information}`: give the https:// address of the page"),
                format!("英語の製品情報 `{information}`: ページの https:// アドレスを指定してください"),
            )]));
        }
        let contact = english_contact.trim();
        crate::validate::vulnerability_contact(contact).map_err(|problem| RegistryError::Rejected(vec![problem]))?;
        let mut tx = self.begin_write().await?;
        let existing: Option<String> = sqlx::query_scalar("SELECT status FROM psti_listings WHERE label_number = $1")
            .bind(number)
            .fetch_optional(&mut *tx)
            .await?;
        match existing.as_deref() {
            Some("listed") => {
                return Err(invalid(
                    format!("label {number} is listed already"),
                    format!("ラベル {number} は掲載済みです"),
                ));
            }
            Some("requested") => {
                return Err(invalid(
                    format!("the listing of label {number} is waiting for the certification body"),
                    format!("ラベル {number} の掲載は認証機関の確認待ちです"),
                ));
            }
            _ => {}
        }
        // A refused request may be made again, with corrected information.
        sqlx::query("DELETE FROM psti_listings WHERE label_number = $1").bind(number).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO psti_listings (label_number, status, english_information, english_contact, requested_by, requested) \
             VALUES ($1, 'requested', $2, $3, $4, $5)",
        )
        .bind(number)
        .bind(information)
        .bind(contact)
        .bind(vendor.id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        Self::audit(
            &mut tx,
            now,
            &vendor.email,
            "psti-listing-requested",
            &format!("label:{number}"),
            serde_json::json!({ "product": product.id, "english_information": information, "english_contact": contact }),
        )
        .await?;
        tx.commit().await?;
        self.psti_listing(number).await?.ok_or_else(|| RegistryError::NotFound(format!("PSTI listing of {number}")))
    }

    /// Staff confirm (the label is listed) or refuse (with the reason) a request.
    pub async fn decide_psti_listing(
        &self,
        staff: &User,
        number: &str,
        confirm: bool,
        comment: &str,
        today: Date,
        now: i64,
    ) -> Result<PstiListing, RegistryError> {
        Self::require_reviewer(staff)?;
        let comment = comment.trim();
        if !confirm && comment.is_empty() {
            return Err(invalid("say why the listing is refused", "掲載を認めない理由を記入してください"));
        }
        let label =
            self.label(number, today).await?.ok_or_else(|| RegistryError::NotFound(format!("label {number}")))?;
        let status = if confirm { "listed" } else { "refused" };
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE psti_listings SET status = $1, decided_by = $2, decided = $3, comment = $4 \
             WHERE label_number = $5 AND status = 'requested'",
        )
        .bind(status)
        .bind(staff.id)
        .bind(now)
        .bind(Some(comment).filter(|c| !c.is_empty()))
        .bind(number)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(invalid(
                format!("no request to list label {number} is waiting"),
                format!("ラベル {number} の掲載申請で確認待ちのものはありません"),
            ));
        }
        if confirm {
            Self::event(&mut tx, number, "psti-listed", label.status, now, None).await?;
        }
        Self::audit(
            &mut tx,
            now,
            &staff.email,
            if confirm { "psti-listed" } else { "psti-listing-refused" },
            &format!("label:{number}"),
            serde_json::json!({ "comment": comment }),
        )
        .await?;
        tx.commit().await?;
        self.psti_listing(number).await?.ok_or_else(|| RegistryError::NotFound(format!("PSTI listing of {number}")))
    }

    /// A label's PSTI listing or request, if any (public: the label page shows a listing).
    pub async fn psti_listing(&self, number: &str) -> Result<Option<PstiListing>, RegistryError> {
        let row = sqlx::query(
            "SELECT label_number, status, english_information, english_contact, requested, decided, comment \
             FROM psti_listings WHERE label_number = $1",
        )
        .bind(number)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Self::psti_from(&row)).transpose()
    }

    /// Requests waiting for staff, oldest first.
    pub async fn psti_requests(&self, staff: &User) -> Result<Vec<PstiListing>, RegistryError> {
        if !staff.role.is_staff() {
            return Err(RegistryError::Forbidden("staff only".into()));
        }
        let rows = sqlx::query(
            "SELECT label_number, status, english_information, english_contact, requested, decided, comment \
             FROM psti_listings WHERE status = 'requested' ORDER BY requested, label_number LIMIT 500",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::psti_from).collect()
    }

    fn psti_from(row: &sqlx::any::AnyRow) -> Result<PstiListing, RegistryError> {
        Ok(PstiListing {
            label_number: row.try_get("label_number")?,
            status: row.try_get("status")?,
            english_information: row.try_get("english_information")?,
            english_contact: row.try_get("english_contact")?,
            requested: row.try_get("requested")?,
            decided: row.try_get("decided")?,
            comment: row.try_get("comment")?,
        })
    }
}
