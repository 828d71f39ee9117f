//! The words every tekigo crate shares, and nothing else: a text in both of the scheme's
//! languages ([`Text`]), the day as the scheme counts it ([`Clock`], [`scheme_day`]) and a label's
//! public status ([`Status`]) and number ([`label_number`]), and how a product series is named
//! ([`identifiers`]: model numbers, GTINs). It depends on no other tekigo crate and does no I/O beyond reading
//! the system clock, so the probe, the registry or the web can use it without pulling in the
//! criteria catalog.

pub mod calendar;
pub mod identifiers;
pub mod label_number;
pub mod status;
pub mod text;

pub use calendar::{Clock, scheme_day, scheme_time};
pub use identifiers::{Gtin, ModelEntry, model_key};
pub use label_number::{is_label_number, label_number};
pub use status::{IpaFacts, IpaStatus, Status};
pub use text::{Lang, Text};
