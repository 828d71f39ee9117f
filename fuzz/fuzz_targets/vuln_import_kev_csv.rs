//! The CISA KEV CSV reader of `vulndb import`, kept in it by its header line.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tekigo_fuzz_support::import_one(
        data,
        b"cveID,vendorProject,product,vulnerabilityName,dateAdded,shortDescription,requiredAction,dueDate,knownRansomwareCampaignUse,notes,cwes\n",
    );
});

#[path = "../support.rs"]
mod tekigo_fuzz_support;
