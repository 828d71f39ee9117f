//! Which level a procurer should require for a use (SCHEME §2, §8), and what it corresponds to abroad.

use serde::Serialize;

use crate::model::*;
use tekigo_base::Text;

#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    #[serde(rename = "use")]
    pub use_case: UseCase,
    pub level: LevelSelector,
    pub level_name: Text,
    pub level_status: LevelStatus,
    /// Requirements of the level, counting inherited ones.
    pub requirement_count: usize,
    pub abroad: Vec<Equivalent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_type: Option<ProductTypeAdvice>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProductTypeAdvice {
    pub id: String,
    pub title: Text,
    /// Profiles that set criteria for this product type.
    pub profiles: Vec<Profile>,
    /// Whether published criteria exist for this product type at the recommended level. When they
    /// do not, a procurer can require the highest level that has them now (★1 for every type).
    pub criteria_published: bool,
    /// How settled this type's criteria at the recommended level are: draft (none to assess
    /// against), provisional (tekigo's own, not the scheme's text) or published.
    pub criteria_status: LevelStatus,
    /// The level whose published criteria a product of this type can be labelled under today.
    pub available_now: LevelSelector,
    /// The highest level, up to the recommended one, that a product of this type can be assessed
    /// against today, counting provisional criteria.
    pub assessable_now: LevelSelector,
}

/// Why a recommendation could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecommendError {
    #[error("unknown use `{0}` (uses: {1})")]
    UnknownUse(String, String),
    #[error("unknown product type `{0}` (product types: {1})")]
    UnknownProductType(String, String),
}

impl Catalog {
    /// # Errors
    /// When the use or the product type is not in the catalog.
    pub fn recommend(&self, use_id: &str, product_type: Option<&str>) -> Result<Recommendation, RecommendError> {
        let found =
            self.schemes.iter().find_map(|scheme| scheme.uses.iter().find(|u| u.id == use_id).map(|u| (scheme, u)));
        let Some((scheme, use_case)) = found else {
            let known: Vec<&str> = self.schemes.iter().flat_map(|s| &s.uses).map(|u| u.id.as_str()).collect();
            return Err(RecommendError::UnknownUse(use_id.to_owned(), known.join(", ")));
        };
        // The loader checked that every use names a level of its scheme.
        let level = scheme.levels.iter().find(|l| l.id == use_case.level).expect("validated on load");

        let product_type = match product_type {
            None => None,
            Some(wanted) => {
                let Some(found) = scheme.product_types.iter().find(|p| p.id == wanted) else {
                    let known: Vec<&str> = scheme.product_types.iter().map(|p| p.id.as_str()).collect();
                    return Err(RecommendError::UnknownProductType(wanted.to_owned(), known.join(", ")));
                };
                let profiles: Vec<Profile> =
                    scheme.profiles.iter().filter(|p| p.product_types.contains(&found.id)).cloned().collect();
                // A level's status for the type: common levels (★1, SCHEME §2) have their own, a
                // level set per product type the one `level_for` resolves, draft when the type has
                // no criteria at it.
                let status_for = |candidate: &Level| {
                    scheme.level_for(&candidate.id, Some(&found.id)).map_or(LevelStatus::Draft, |level| level.status)
                };
                let rank = scheme.level_rank(&level.id).unwrap_or(0);
                let highest = |wanted: LevelStatus| {
                    let id = scheme.levels[..=rank]
                        .iter()
                        .rev()
                        .find(|candidate| status_for(candidate) >= wanted)
                        .map_or_else(|| level.id.clone(), |l| l.id.clone());
                    LevelSelector::level(&scheme.id, id)
                };
                let criteria_status = status_for(level);
                Some(ProductTypeAdvice {
                    id: found.id.clone(),
                    title: found.title.clone(),
                    profiles,
                    criteria_published: criteria_status == LevelStatus::Published,
                    criteria_status,
                    available_now: highest(LevelStatus::Published),
                    assessable_now: highest(LevelStatus::Provisional),
                })
            }
        };
        // With a product type, the level as that type is assessed at it.
        let resolved = product_type.as_ref().and_then(|advice| scheme.level_for(&level.id, Some(&advice.id)).ok());
        let (level_status, requirement_count) = match &resolved {
            Some(resolved) => (resolved.status, resolved.requirements.len()),
            None => (level.status, level.requirements.len()),
        };

        Ok(Recommendation {
            use_case: use_case.clone(),
            level: LevelSelector {
                scheme: scheme.id.clone(),
                level: Some(level.id.clone()),
                product_type: resolved.as_ref().and_then(|r| r.product_type.clone()),
            },
            level_name: level.name.clone(),
            level_status,
            requirement_count,
            abroad: level.abroad.clone(),
            product_type,
        })
    }
}
