//! A lab's staff submit the evaluation report for the vendor that engaged them: the same checks
//! and the same application as the vendor's own submission, filed under the vendor's product.

use jiff::civil::Date;

use super::{Application, Upload};
use crate::accounts::User;
use crate::db::{Registry, RegistryError};

impl Registry {
    /// Submits the lab's evaluation report (countersigned by the vendor) and the SBOM under the
    /// engagement `engagement_id`, which the user's lab must hold. The application belongs to
    /// the vendor; the audit record says the lab's staff member filed it.
    pub async fn submit_as_lab(
        &self,
        lab_user: &User,
        engagement_id: i64,
        upload: Upload<'_>,
        today: Date,
        now: i64,
    ) -> Result<Application, RegistryError> {
        let engagement = self.lab_engagement(lab_user, engagement_id).await?;
        if engagement.status != "open" {
            return Err(crate::db::invalid(
                format!("engagement {engagement_id} is {}, not open", engagement.status),
                format!("依頼 {engagement_id} は受付中ではありません（{}）", engagement.status),
            ));
        }
        let product = self.product_unchecked(engagement.product_id).await?;
        let id = self.store_application(lab_user, product, upload, today, now).await?;
        self.application_unchecked(id).await
    }
}
