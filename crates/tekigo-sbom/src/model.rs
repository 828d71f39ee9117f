//! What every reader shares: components as found ([`Draft`]), and the [`Builder`] that normalizes
//! them into an [`Sbom`] (ids made unique, edges checked, hashes and CPEs normalized).

use std::collections::{HashMap, HashSet};

use crate::{Component, Dependency, Diagnostic, Hash, Position, Sbom, SbomFormat, cpe};

/// A component as a reader found it, before normalization.
#[derive(Debug, Default)]
pub(crate) struct Draft {
    pub(crate) id: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) supplier: Option<String>,
    pub(crate) purl: Option<String>,
    pub(crate) cpes: Vec<String>,
    /// (algorithm, value) as written.
    pub(crate) hashes: Vec<(String, String)>,
    pub(crate) kind: Option<String>,
    /// Where the component is, for diagnostics: a JSON path, or "component" with a position.
    pub(crate) place: String,
    pub(crate) position: Option<Position>,
}

/// One end of an edge: a component by its id in the document, or by the index [`Builder::push`]
/// returned (for components that had no id).
#[derive(Debug, Clone)]
pub(crate) enum End {
    Id(String),
    Index(usize),
}

pub(crate) struct Builder {
    format: SbomFormat,
    name: Option<String>,
    drafts: Vec<Draft>,
    edges: Vec<(End, End, Option<Position>)>,
    diagnostics: Vec<Diagnostic>,
}

impl Builder {
    pub(crate) fn new(format: SbomFormat) -> Self {
        Self { format, name: None, drafts: Vec::new(), edges: Vec::new(), diagnostics: Vec::new() }
    }

    pub(crate) fn set_name(&mut self, name: Option<String>) {
        self.name = name.and_then(present);
    }

    pub(crate) fn diagnostic(&mut self, message: impl Into<String>, position: Option<Position>) {
        self.diagnostics.push(Diagnostic { message: message.into(), position });
    }

    /// Adds a component; `None` (with a diagnostic) when it has no name and is skipped.
    pub(crate) fn push(&mut self, draft: Draft) -> Option<usize> {
        if draft.name.as_deref().and_then(|n| present(n.to_owned())).is_none() {
            let id = draft.id.as_deref().map(|id| format!(" ({id})")).unwrap_or_default();
            self.diagnostic(format!("{}{id} skipped: it has no name", draft.place), draft.position);
            return None;
        }
        self.drafts.push(draft);
        Some(self.drafts.len() - 1)
    }

    pub(crate) fn edge(&mut self, from: End, to: End, position: Option<Position>) {
        self.edges.push((from, to, position));
    }

    pub(crate) fn finish(mut self) -> Sbom {
        // Ids the document gives come first, so that a made-up id never takes one of them.
        let mut taken: HashSet<String> = HashSet::new();
        let mut by_document_id: HashMap<String, usize> = HashMap::new();
        let mut ids: Vec<Option<String>> = vec![None; self.drafts.len()];
        for (index, draft) in self.drafts.iter_mut().enumerate() {
            let Some(id) = draft.id.take().and_then(present) else { continue };
            if taken.insert(id.clone()) {
                by_document_id.insert(id.clone(), index);
                ids[index] = Some(id);
            } else {
                self.diagnostics.push(Diagnostic {
                    message: format!(
                        "{}: id `{id}` is used twice; this one is renamed and no edge can name it",
                        draft.place
                    ),
                    position: draft.position,
                });
                draft.id = Some(id);
            }
        }
        for (index, draft) in self.drafts.iter().enumerate() {
            if ids[index].is_some() {
                continue;
            }
            let name = draft.name.as_deref().unwrap_or_default().trim();
            let base = draft.id.clone().or_else(|| draft.purl.clone()).unwrap_or_else(|| match &draft.version {
                Some(v) => format!("{name}@{v}"),
                None => name.to_owned(),
            });
            let mut id = base.clone();
            let mut n = 2;
            while taken.contains(&id) {
                id = format!("{base}#{n}");
                n += 1;
            }
            taken.insert(id.clone());
            ids[index] = Some(id);
        }
        let ids: Vec<String> = ids.into_iter().map(Option::unwrap_or_default).collect();

        let components: Vec<Component> =
            self.drafts.into_iter().zip(&ids).map(|(d, id)| normalize(d, id.clone())).collect();

        let mut seen: HashSet<Dependency> = HashSet::new();
        let mut dependencies = Vec::new();
        for (from, to, position) in self.edges {
            let resolve = |end: &End| match end {
                End::Index(i) => ids.get(*i).cloned(),
                End::Id(id) => by_document_id.get(id).map(|&i| ids[i].clone()),
            };
            match (resolve(&from), resolve(&to)) {
                (Some(from), Some(to)) => {
                    let dependency = Dependency { from, to };
                    if seen.insert(dependency.clone()) {
                        dependencies.push(dependency);
                    }
                }
                (a, _) => {
                    let name = |end: &End| match end {
                        End::Id(id) => id.clone(),
                        End::Index(i) => ids.get(*i).cloned().unwrap_or_default(),
                    };
                    let missing = if a.is_none() { name(&from) } else { name(&to) };
                    self.diagnostics.push(Diagnostic {
                        message: format!(
                            "dependency {} -> {} skipped: no component has id `{missing}`",
                            name(&from),
                            name(&to)
                        ),
                        position,
                    });
                }
            }
        }
        Sbom { format: self.format, name: self.name, components, dependencies, diagnostics: self.diagnostics }
    }
}

fn normalize(draft: Draft, id: String) -> Component {
    let mut cpes: Vec<String> = Vec::new();
    for raw in draft.cpes {
        if let Some(cpe) = cpe::to_cpe23(&raw)
            && !cpes.contains(&cpe)
        {
            cpes.push(cpe);
        }
    }
    let mut hashes: Vec<Hash> = Vec::new();
    for (algorithm, value) in draft.hashes {
        let hash = Hash { algorithm: hash_algorithm(&algorithm), value: hash_value(&value) };
        if !hash.value.is_empty() && !hashes.contains(&hash) {
            hashes.push(hash);
        }
    }
    Component {
        id,
        name: draft.name.unwrap_or_default().trim().to_owned(),
        version: draft.version.and_then(present),
        supplier: draft.supplier.and_then(present),
        purl: draft.purl.and_then(present),
        cpes,
        hashes,
        kind: draft.kind.and_then(present).map(|k| kebab(&k)),
    }
}

/// `None` for empty text and SPDX's `NOASSERTION` / `NONE`; otherwise the text, trimmed.
pub(crate) fn present(text: String) -> Option<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed == "NOASSERTION" || trimmed == "NONE" {
        None
    } else if trimmed.len() == text.len() {
        Some(text)
    } else {
        Some(trimmed.to_owned())
    }
}

/// `OPERATING-SYSTEM`, `OPERATING_SYSTEM`, `operatingSystem` → `operating-system`.
pub(crate) fn kebab(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    let mut previous_lower = false;
    for c in text.trim().chars() {
        if c == '_' || c == '-' || c == ' ' {
            out.push('-');
            previous_lower = false;
        } else if c.is_uppercase() {
            if previous_lower {
                out.push('-');
            }
            out.extend(c.to_lowercase());
            previous_lower = false;
        } else {
            out.push(c);
            previous_lower = c.is_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

/// Hash algorithm names as CycloneDX spells them, whatever the format wrote.
pub(crate) fn hash_algorithm(name: &str) -> String {
    let key: String = name.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_uppercase();
    let known = match key.as_str() {
        "MD2" | "MD4" | "MD5" | "MD6" | "ADLER32" | "BLAKE3" => return key,
        "SHA1" => "SHA-1",
        "SHA224" => "SHA-224",
        "SHA256" => "SHA-256",
        "SHA384" => "SHA-384",
        "SHA512" => "SHA-512",
        "SHA3224" => "SHA3-224",
        "SHA3256" => "SHA3-256",
        "SHA3384" => "SHA3-384",
        "SHA3512" => "SHA3-512",
        "BLAKE2B256" => "BLAKE2b-256",
        "BLAKE2B384" => "BLAKE2b-384",
        "BLAKE2B512" => "BLAKE2b-512",
        _ => return name.trim().to_owned(),
    };
    known.to_owned()
}

fn hash_value(value: &str) -> String {
    let value = value.trim();
    if value.chars().all(|c| c.is_ascii_hexdigit()) { value.to_ascii_lowercase() } else { value.to_owned() }
}

/// SPDX 2 supplier text: `Organization: ACME (ops@acme.example)` → `ACME`.
pub(crate) fn spdx_agent(text: &str) -> Option<String> {
    let text = text.trim();
    let name = ["Organization:", "Person:", "Tool:"]
        .iter()
        .find_map(|prefix| text.strip_prefix(prefix))
        .unwrap_or(text)
        .trim();
    let name = match name.rfind('(') {
        Some(open) if name.ends_with(')') && open > 0 => name[..open].trim(),
        _ => name,
    };
    present(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(id: Option<&str>, name: &str) -> Draft {
        Draft {
            id: id.map(str::to_owned),
            name: Some(name.to_owned()),
            place: "components[0]".to_owned(),
            ..Draft::default()
        }
    }

    #[test]
    fn ids_are_unique_and_document_ids_win() {
        let mut b = Builder::new(SbomFormat::Spdx3JsonLd);
        let first = b.push(Draft { purl: Some("pkg:npm/a@1".into()), ..draft(None, "a") });
        b.push(draft(Some("pkg:npm/a@1"), "a"));
        b.push(draft(Some("x"), "x"));
        b.push(draft(Some("x"), "x again"));
        b.push(draft(None, "x"));
        b.edge(End::Index(first.unwrap()), End::Id("x".into()), None);
        b.edge(End::Id("x".into()), End::Id("gone".into()), None);
        let sbom = b.finish();
        let ids: Vec<&str> = sbom.components.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["pkg:npm/a@1#2", "pkg:npm/a@1", "x", "x#2", "x#3"]);
        assert_eq!(sbom.dependencies, [Dependency { from: "pkg:npm/a@1#2".into(), to: "x".into() }]);
        assert_eq!(sbom.diagnostics.len(), 2, "{:?}", sbom.diagnostics);
        assert!(sbom.diagnostics[0].message.contains("used twice"));
        assert!(sbom.diagnostics[1].message.contains("`gone`"));
    }

    #[test]
    fn a_component_without_a_name_is_skipped() {
        let mut b = Builder::new(SbomFormat::Spdx3JsonLd);
        assert_eq!(b.push(draft(Some("a"), "  ")), None);
        let sbom = b.finish();
        assert!(sbom.components.is_empty());
        assert_eq!(sbom.diagnostics[0].message, "components[0] (a) skipped: it has no name");
    }

    #[test]
    fn names_are_normalized() {
        assert_eq!(kebab("OPERATING-SYSTEM"), "operating-system");
        assert_eq!(kebab("operatingSystem"), "operating-system");
        assert_eq!(kebab("firmware"), "firmware");
        assert_eq!(hash_algorithm("SHA256"), "SHA-256");
        assert_eq!(hash_algorithm("sha3_512"), "SHA3-512");
        assert_eq!(hash_algorithm("BLAKE2b-256"), "BLAKE2b-256");
        assert_eq!(hash_algorithm("md5"), "MD5");
        assert_eq!(hash_algorithm("crc32"), "crc32");
        assert_eq!(spdx_agent("Organization: ACME Corp (ops@acme.example)"), Some("ACME Corp".into()));
        assert_eq!(spdx_agent("Person: Jane Doe"), Some("Jane Doe".into()));
        assert_eq!(spdx_agent("NOASSERTION"), None);
        assert_eq!(present(" NONE ".into()), None);
    }
}
