//! The staff's "fee received" step: the certification body records that an application's fee
//! was paid before it issues the label (docs/scheme.md, "Registration": the fee is paid after
//! acceptance and is not refunded). A record only; tekigo processes no payment.

use super::Application;
use crate::accounts::User;
use crate::db::{Registry, RegistryError, invalid};

impl Registry {
    /// Records the fee received for an application waiting for review: the amount (the
    /// schedule's fee unless staff enter another, which must then be given) and the payment's
    /// reference (an invoice or transfer number).
    pub async fn record_fee(
        &self,
        staff: &User,
        id: i64,
        yen: Option<u64>,
        reference: &str,
        now: i64,
    ) -> Result<Application, RegistryError> {
        Self::require_reviewer(staff)?;
        let application = self.application(staff, id).await?;
        if application.status != "submitted" {
            return Err(invalid(
                format!("application {} is not waiting for review", application.number),
                format!("申請 {} は審査待ちではありません", application.number),
            ));
        }
        if application.fee_received.is_some() {
            return Err(invalid(
                format!("the fee for application {} is recorded already", application.number),
                format!("申請 {} の手数料は記録済みです", application.number),
            ));
        }
        let reference = reference.trim();
        crate::validate::name(("payment reference", "入金の照合番号"), reference)
            .map_err(|problem| RegistryError::Rejected(vec![problem]))?;
        let yen = match (yen, &application.fee_due) {
            (Some(0), _) => {
                return Err(invalid("the fee received must be more than ¥0", "入金額は 0 円より大きくしてください"));
            }
            (Some(yen), _) => yen,
            (None, Some(due)) => due.yen,
            (None, None) => {
                return Err(invalid(
                    format!(
                        "the fee schedule has no {} fee for level {}: enter the amount received",
                        application.route.name(),
                        application.level
                    ),
                    format!("手数料表にレベル {} の手数料がありません。入金額を入力してください", application.level),
                ));
            }
        };
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE applications SET fee_received = $1, fee_received_yen = $2, fee_received_by = $3, fee_reference = $4 \
             WHERE id = $5 AND fee_received IS NULL",
        )
        .bind(now)
        .bind(i64::try_from(yen).unwrap_or(i64::MAX))
        .bind(staff.id)
        .bind(reference)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        Self::audit(
            &mut tx,
            now,
            &staff.email,
            "fee-received",
            &format!("application:{id}"),
            serde_json::json!({
                "number": application.number,
                "yen": yen,
                "due": application.fee_due.as_ref().map(|due| due.yen),
                "reference": reference,
            }),
        )
        .await?;
        tx.commit().await?;
        self.application(staff, id).await
    }
}
