//! Self-assessment: an assessment folder (product facts, answers, evidence) and the results of
//! `tekigo probe` and `tekigo sbom check` become a verdict per requirement, and then a signed
//! self-declaration in JSON, OSCAL assessment results, the applicant's XLSX checklist and readable
//! HTML in Japanese and English.
//!
//! The verdict rules ([`evaluate`]), the declaration format ([`declaration`]) and its checks
//! ([`verify`]) do no I/O; the assessment folder ([`folder`]), key files ([`keys`]) and the
//! declaration folder ([`publish`]) are the only places that touch disk.

pub mod automated;
pub mod checklist;
pub mod crosswalk;
pub mod declaration;
pub mod declare;
pub mod evaluate;
pub mod folder;
pub mod input;
pub mod keys;
pub mod oscal;
pub mod publish;
pub mod render;
pub mod scope;
pub mod sign;
pub mod verify;

pub use declaration::Declaration;
