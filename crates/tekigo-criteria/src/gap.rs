//! Gap analysis: what of a wanted level is already covered by what a product holds, and what is
//! left to evaluate ("partial evaluation", SCHEME §8).
//!
//! The rule, in one place:
//! - a wanted requirement that is itself held is covered;
//! - else it is covered when some held requirement maps to it as `equal` or `superset`, or by an
//!   official deemed conformity;
//! - else it is partly covered when some held requirement maps to it as `subset` or `intersect`,
//!   or is a provision the wanted one was derived from (tekigo's provisional criteria name them
//!   in `derived_from`: written from it, not the same);
//! - else it remains to be evaluated.
//!
//! Only direct mappings count. Chaining mappings through a third scheme would compound two
//! judgements into a claim nobody made.

use serde::Serialize;

use crate::map::Link;
use crate::model::*;
use tekigo_base::Text;

#[derive(Debug, Clone, Serialize)]
pub struct GapReport {
    pub have: Vec<LevelSelector>,
    pub want: LevelSelector,
    pub covered: Vec<GapEntry>,
    pub partial: Vec<GapEntry>,
    pub remaining: Vec<GapEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GapEntry {
    pub id: String,
    pub scheme: String,
    pub title: Text,
    /// What covers it: the held requirements and how they relate to it.
    pub by: Vec<Basis>,
}

/// Why a held requirement counts toward a wanted one.
#[derive(Debug, Clone, Serialize)]
pub struct Basis {
    pub id: String,
    pub scheme: String,
    /// "held is <relationship> wanted".
    pub relationship: Relationship,
    pub basis: BasisKind,
    pub deemed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BasisKind {
    /// The wanted requirement is itself held (a profile over the same base scheme).
    SameRequirement,
    Official,
    Derived,
    /// The wanted requirement was written from the held one (its `derived_from`).
    DerivedFrom,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coverage {
    Full,
    Partial,
    None,
}

fn coverage(link: &Link) -> Coverage {
    if link.deemed {
        return Coverage::Full;
    }
    match link.relationship {
        Relationship::Equal | Relationship::Superset => Coverage::Full,
        Relationship::Subset | Relationship::Intersect => Coverage::Partial,
        Relationship::NotRelated => Coverage::None,
    }
}

impl Catalog {
    /// # Errors
    /// When a scheme or level named is unknown.
    pub fn gap(&self, have: &[LevelSelector], want: &LevelSelector) -> Result<GapReport, LookupError> {
        let mut held: Vec<ReqRef> = Vec::new();
        for selector in have {
            for reference in self.select(selector)? {
                if !held.contains(&reference) {
                    held.push(reference);
                }
            }
        }
        let wanted = self.select(want)?;

        let mut held_schemes: Vec<&str> = held.iter().map(|r| r.scheme.as_str()).collect();
        held_schemes.sort_unstable();
        held_schemes.dedup();
        let mut wanted_schemes: Vec<&str> = wanted.iter().map(|r| r.scheme.as_str()).collect();
        wanted_schemes.sort_unstable();
        wanted_schemes.dedup();
        let links: Vec<Link> = held_schemes
            .iter()
            .flat_map(|from| wanted_schemes.iter().map(move |to| (*from, *to)))
            .filter(|(from, to)| from != to)
            .flat_map(|(from, to)| self.links(from, to))
            .filter(|link| held.contains(&link.from))
            .collect();

        let mut report = GapReport {
            have: have.to_vec(),
            want: want.clone(),
            covered: Vec::new(),
            partial: Vec::new(),
            remaining: Vec::new(),
        };
        for reference in &wanted {
            let Some(requirement) = self.requirement(reference) else {
                continue;
            };
            let mut entry = GapEntry {
                id: requirement.id.clone(),
                scheme: requirement.scheme.clone(),
                title: requirement.title.clone(),
                by: Vec::new(),
            };
            if held.contains(reference) {
                entry.by.push(Basis {
                    id: reference.id.clone(),
                    scheme: reference.scheme.clone(),
                    relationship: Relationship::Equal,
                    basis: BasisKind::SameRequirement,
                    deemed: false,
                });
                report.covered.push(entry);
                continue;
            }
            let relevant: Vec<&Link> = links.iter().filter(|link| &link.to == reference).collect();
            let best = relevant.iter().map(|link| coverage(link)).min_by_key(|c| match c {
                Coverage::Full => 0,
                Coverage::Partial => 1,
                Coverage::None => 2,
            });
            let basis = |link: &Link| Basis {
                id: link.from.id.clone(),
                scheme: link.from.scheme.clone(),
                relationship: link.relationship,
                basis: match link.provenance {
                    MappingProvenance::Official => BasisKind::Official,
                    MappingProvenance::Derived => BasisKind::Derived,
                },
                deemed: link.deemed,
            };
            match best {
                Some(Coverage::Full) => {
                    entry.by = relevant.iter().filter(|l| coverage(l) == Coverage::Full).map(|l| basis(l)).collect();
                    report.covered.push(entry);
                }
                Some(Coverage::Partial) => {
                    entry.by = relevant.iter().filter(|l| coverage(l) == Coverage::Partial).map(|l| basis(l)).collect();
                    report.partial.push(entry);
                }
                _ => {
                    entry.by = requirement
                        .derived_from
                        .iter()
                        .filter(|source| held.contains(source))
                        .map(|source| Basis {
                            id: source.id.clone(),
                            scheme: source.scheme.clone(),
                            relationship: Relationship::Intersect,
                            basis: BasisKind::DerivedFrom,
                            deemed: false,
                        })
                        .collect();
                    if entry.by.is_empty() {
                        report.remaining.push(entry);
                    } else {
                        report.partial.push(entry);
                    }
                }
            }
        }
        Ok(report)
    }
}
