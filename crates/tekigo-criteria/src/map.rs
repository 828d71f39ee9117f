//! The mapping between two schemes, read in one direction whichever way its file was written.

use serde::Serialize;

use crate::model::*;
use tekigo_base::Text;

/// One correspondence between a requirement of `from` and one of `to`.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub from: ReqRef,
    pub to: ReqRef,
    /// "`from` is <relationship> `to`".
    pub relationship: Relationship,
    pub provenance: MappingProvenance,
    /// The owner of the `to` scheme accepts `from` as meeting `to`.
    pub deemed: bool,
    /// True when the published mapping runs the other way and is read here inverted.
    pub inverted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rationale: Option<Text>,
    /// The file the mapping is defined in.
    pub file: String,
}

/// Every link between two schemes, and the requirements of each side that have none.
#[derive(Debug, Clone, Serialize)]
pub struct MapReport {
    pub from: String,
    pub to: String,
    pub links: Vec<Link>,
    pub unmapped_from: Vec<String>,
    pub unmapped_to: Vec<String>,
}

impl Catalog {
    /// All links from requirements of `from` to requirements of `to`, reading inverse mappings
    /// backwards. A deemed conformity is only ever read in its published direction.
    pub fn links(&self, from: &str, to: &str) -> Vec<Link> {
        let mut links = Vec::new();
        for mapping in &self.mappings {
            if mapping.from == from && mapping.to == to {
                links.extend(mapping.entries.iter().map(|entry| Link {
                    from: ReqRef::new(from, &entry.from),
                    to: ReqRef::new(to, &entry.to),
                    relationship: entry.relationship,
                    provenance: entry.provenance,
                    deemed: entry.deemed,
                    inverted: false,
                    source: entry.source.clone(),
                    rationale: entry.rationale.clone(),
                    file: mapping.file.clone(),
                }));
            } else if mapping.from == to && mapping.to == from {
                links.extend(mapping.entries.iter().map(|entry| Link {
                    from: ReqRef::new(from, &entry.to),
                    to: ReqRef::new(to, &entry.from),
                    relationship: entry.relationship.inverse(),
                    provenance: entry.provenance,
                    deemed: false,
                    inverted: true,
                    source: entry.source.clone(),
                    rationale: entry.rationale.clone(),
                    file: mapping.file.clone(),
                }));
            }
        }
        // A pair published in both directions is read as published, not as the other's inverse.
        let published: Vec<(ReqRef, ReqRef)> =
            links.iter().filter(|link| !link.inverted).map(|link| (link.from.clone(), link.to.clone())).collect();
        links.retain(|link| !link.inverted || !published.contains(&(link.from.clone(), link.to.clone())));
        links
    }

    /// The mapping between two schemes as one report.
    ///
    /// # Errors
    /// When either scheme is unknown.
    pub fn map(&self, from: &str, to: &str) -> Result<MapReport, LookupError> {
        let from_scheme = self.scheme(from)?;
        let to_scheme = self.scheme(to)?;
        let mut links = self.links(from, to);
        // Keep the `from` scheme's order, then the `to` scheme's, so output is stable and readable.
        let position = |scheme: &Scheme, id: &str| scheme.requirements.iter().position(|r| r.id == id);
        links.sort_by_key(|link| {
            (position(from_scheme, &link.from.id), position(to_scheme, &link.to.id), link.inverted)
        });
        let mapped = |scheme: &Scheme, side: fn(&Link) -> &ReqRef| -> Vec<String> {
            scheme
                .requirements
                .iter()
                .filter(|r| {
                    !links.iter().any(|link| side(link).id == r.id && link.relationship != Relationship::NotRelated)
                })
                .map(|r| r.id.clone())
                .collect()
        };
        let unmapped_from = mapped(from_scheme, |link| &link.from);
        let unmapped_to = mapped(to_scheme, |link| &link.to);
        Ok(MapReport { from: from.to_owned(), to: to.to_owned(), links, unmapped_from, unmapped_to })
    }
}
