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
        "`{0}` is a draft level: its product-type criteria are not published, so there is nothing to assess against yet"
    )]
    Draft(String),
    #[error("`{scheme}` has no levels; assess it as `{scheme}` (level `{ALL_LEVEL}`)")]
    NoLevels { scheme: String },
}

/// A scheme without levels is assessed at its implicit level `all`; it is given a level record
/// here so that every assessment has one.
pub fn scope<'c>(catalog: &'c Catalog, scheme_id: &str, level_id: &str) -> Result<Scope<'c>, ScopeError> {
    let scheme = catalog.scheme(scheme_id)?;
    let level = if scheme.levels.is_empty() {
        if level_id != ALL_LEVEL {
            return Err(ScopeError::NoLevels { scheme: scheme_id.to_owned() });
        }
        Cow::Owned(implicit_level(scheme))
    } else {
        Cow::Borrowed(scheme.level(level_id)?)
    };
    if level.status == LevelStatus::Draft {
        return Err(ScopeError::Draft(format!("{scheme_id}:{level_id}")));
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
    /// `SCHEME:LEVEL`.
    pub fn selector(&self) -> String {
        format!("{}:{}", self.scheme.id, self.level.id)
    }

    pub fn scheme_ref(&self) -> SchemeRef {
        SchemeRef {
            id: self.scheme.id.clone(),
            version: self.scheme.version.clone(),
            level: self.level.id.clone(),
            title: self.scheme.title.clone(),
            level_name: self.level.name.clone(),
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
