//! The crate's old module paths, kept only so that tekigo-web and the tekigo CLI compile unchanged
//! while tekigo-web is rewritten. Nothing in this crate uses them. Delete this file (and its two
//! lines in lib.rs and the one in reports.rs) once both crates name the new paths.

/// Was `store.rs`: the one `impl Registry` of accounts, products, applications and labels.
pub mod store {
    pub use crate::accounts::*;
    pub use crate::applications::{Application, Upload};
    pub use crate::db::{Backend, Registry, RegistryError, default_url};
    pub use crate::labels::{Label, Search};
    pub use crate::products::{NewProduct, Product};
    pub use crate::transparency::LabelEvent;
}

/// Was `rules.rs`: now `labels::rules`.
pub mod rules {
    pub use crate::labels::rules::*;
}

/// Was `lifecycle.rs`: now `cases::lifecycle`.
pub mod lifecycle {
    pub use crate::cases::lifecycle::*;
}

/// Was `monitor.rs`: now `monitoring`.
pub mod monitor {
    pub use crate::monitoring::*;
}

/// Was `checks.rs`: now `applications::checks`.
pub mod checks {
    pub use crate::applications::checks::*;
}

/// Was `vulnerability_check.rs`: now `applications::vulnerability_check`.
pub mod vulnerability_check {
    pub use crate::applications::vulnerability_check::*;
}

/// Was `incident_store.rs`: now inside `incidents`.
pub mod incident_store {
    pub use crate::incidents::{AgendaEntry, Incident, IncidentRecord, NewIncident};
}

/// Was `csaf_export.rs`: now `advisories`.
pub mod csaf_export {
    pub use crate::advisories::*;
}

/// Surveillance evidence, once in `reports.rs`, now in `surveillance`; `reports` re-exports these.
pub(crate) mod moved_from_reports {
    pub use crate::surveillance::{
        EVIDENCE_MAX, Evidence, EvidenceKind, PublishedPlan, SurveillanceCase, check_evidence,
    };
}
