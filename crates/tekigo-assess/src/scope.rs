//! What an assessment covers: one published level of one scheme, and its requirements.

use std::borrow::Cow;

use tekigo_criteria::{ALL_LEVEL, Catalog, Level, LevelStatus, ReqRef, Requirement, Scheme};

use crate::declaration::SchemeRef;

/// How a level's member is named in a declaration: the bare ID for the scheme's own requirements,
/// `SCHEME/ID` for a base scheme's (Singapore CLS over ETSI EN 303 645).
pub fn result_id(scheme: &str, reference: &ReqRef) -> String {
    if reference.scheme == scheme { reference.id.clone() } else { reference.to_string() }
}

#[derive(Debug, Clone)]
pub struct Scope<'c> {
    pub scheme: &'c Scheme,
    pub level: Cow<'c, Level>,
    /// Each requirement with the ID the assessment uses for it (see [`result_id`]).
    pub requirements: Vec<(String, &'c Requirement)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScopeError {
    #[error(transparent)]
    Lookup(#[from] tekigo_criteria::LookupError),
    #[error(
        "`{0}` is a draft level: its product-type criteria are not written, so there is nothing to assess against yet"
    )]
    Draft(String),
    #[error("`{scheme}` has no levels; assess it as `{scheme}` (level `{ALL_LEVEL}`)")]
    NoLevels { scheme: String },
}

/// A scheme without levels is assessed at its implicit level `all`; it is given a level record
/// here so that every assessment has one. A level set per product type (JC-STAR ★2-★4) is
/// resolved for the product's type, which it needs.
pub fn scope<'c>(
    catalog: &'c Catalog,
    scheme_id: &str,
    level_id: &str,
    product_type: Option<&str>,
) -> Result<Scope<'c>, ScopeError> {
    let scheme = catalog.scheme(scheme_id)?;
    let level = if scheme.levels.is_empty() {
        if level_id != ALL_LEVEL {
            return Err(ScopeError::NoLevels { scheme: scheme_id.to_owned() });
        }
        Cow::Owned(implicit_level(scheme))
    } else {
        scheme.level_for(level_id, product_type)?
    };
    if level.status == LevelStatus::Draft {
        return Err(ScopeError::Draft(match &level.product_type {
            Some(product_type) => format!("{scheme_id}:{level_id}/{product_type}"),
            None => format!("{scheme_id}:{level_id}"),
        }));
    }
    let requirements = level
        .requirements
        .iter()
        .filter_map(|reference| catalog.requirement(reference).map(|r| (result_id(&scheme.id, reference), r)))
        .collect();
    Ok(Scope { scheme, level, requirements })
}

pub(crate) fn implicit_level(scheme: &Scheme) -> Level {
    scheme.implicit_level()
}

impl Scope<'_> {
    /// `SCHEME:LEVEL`, or `SCHEME:LEVEL/PRODUCT-TYPE` for a level set per product type.
    pub fn selector(&self) -> String {
        match &self.level.product_type {
            Some(product_type) => format!("{}:{}/{product_type}", self.scheme.id, self.level.id),
            None => format!("{}:{}", self.scheme.id, self.level.id),
        }
    }

    /// Whether the criteria are provisional: tekigo's own, not the scheme's published text. Every
    /// output made from the scope says so.
    pub fn is_provisional(&self) -> bool {
        self.level.status == LevelStatus::Provisional
    }

    pub fn scheme_ref(&self) -> SchemeRef {
        SchemeRef {
            id: self.scheme.id.clone(),
            version: self.scheme.version.clone(),
            level: self.level.id.clone(),
            title: self.scheme.title.clone(),
            level_name: self.level.name.clone(),
            product_type: self.level.product_type.clone(),
            criteria_status: self.is_provisional().then_some(LevelStatus::Provisional),
        }
    }

    pub fn requirement(&self, id: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|(rid, _)| rid == id).map(|(_, r)| *r)
    }

    pub fn ids(&self) -> String {
        let ids: Vec<&str> = self.requirements.iter().map(|(id, _)| id.as_str()).collect();
        match ids.as_slice() {
            [] => String::new(),
            [one] => (*one).to_owned(),
            [first, .., last] if ids.len() > 6 => format!("{first} … {last}"),
            _ => ids.join(", "),
        }
    }
}
