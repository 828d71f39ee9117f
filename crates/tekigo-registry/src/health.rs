//! What the server's health check and metrics ask of the registry: whether the database answers,
//! and how many labels hold each status today.

use jiff::civil::Date;
use tekigo_base::Status;

use crate::RegistryError;
use crate::store::{Registry, Search};

impl Registry {
    /// Whether the database answers a query now.
    pub async fn ping(&self) -> Result<(), RegistryError> {
        sqlx::query("SELECT 1").execute(self.pool()).await?;
        Ok(())
    }

    /// How many labels hold each status on `today`, every status listed (zero included), in the
    /// order of [`Status::ALL`]. Counted by the public search's own status filter, so the numbers
    /// are what `/labels?status=...` finds.
    pub async fn label_counts_by_status(&self, today: Date) -> Result<Vec<(Status, u64)>, RegistryError> {
        let mut counts = Vec::with_capacity(Status::ALL.len());
        for status in Status::ALL {
            let search = Search { status: Some(status), limit: 1, ..Search::default() };
            let (_, total) = self.search(&search, today).await?;
            counts.push((status, u64::try_from(total).unwrap_or(0)));
        }
        Ok(counts)
    }
}
