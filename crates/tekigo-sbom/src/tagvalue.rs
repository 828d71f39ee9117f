//! SPDX 2 tag-value: `Tag: value` lines, `#` comments, and `<text>…</text>` values that may span
//! lines. A `PackageName` line starts a package, `FileName` a file, `SnippetSPDXID` a snippet and
//! `LicenseID` an extracted licence; the lines after it describe that element. `Relationship`
//! lines may come anywhere.

use crate::model::{Draft, spdx_agent};
use crate::spdx2::{self, Document, Relationship};
use crate::{Position, Sbom, SbomError, SbomFormat};

/// The element the lines being read describe.
#[derive(PartialEq)]
enum Section {
    Document,
    Package,
    /// A file, snippet or licence: not a component.
    Other,
}

pub(crate) fn read(bytes: &[u8], origin: &str) -> Result<Sbom, SbomError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let position = crate::position::from_offset(bytes, e.valid_up_to());
        SbomError::new(origin, Some(position), "not an SBOM: the file is not UTF-8 text")
    })?;
    // Any other text file is "not an SBOM", not a tag-value syntax error on its first line.
    if !text.lines().any(|l| l.trim_start().starts_with("SPDXVersion")) {
        return Err(SbomError::new(
            origin,
            None,
            "not an SBOM: not JSON, XML, or SPDX tag-value (no `SPDXVersion:` line)",
        ));
    }
    let lines = lines(text, origin)?;
    let mut document = Document::default();
    let mut section = Section::Document;
    for line in lines {
        let value = line.value;
        match line.tag {
            "SPDXVersion" => document.version = Some(value.trim().to_owned()),
            "DocumentName" => document.name = Some(value.trim().to_owned()),
            "PackageName" => {
                section = Section::Package;
                document.packages.push(Draft {
                    name: Some(value.to_owned()),
                    place: "package".to_owned(),
                    position: Some(line.position),
                    ..Draft::default()
                });
            }
            "FileName" | "SnippetSPDXID" | "LicenseID" => {
                section = Section::Other;
                if line.tag == "SnippetSPDXID" {
                    document.other_ids.insert(value.trim().to_owned());
                }
            }
            "SPDXID" => match section {
                Section::Package => {
                    if let Some(package) = document.packages.last_mut() {
                        package.id = Some(value.trim().to_owned());
                    }
                }
                Section::Document | Section::Other => {
                    document.other_ids.insert(value.trim().to_owned());
                }
            },
            "Relationship" => {
                let words: Vec<&str> = value.split_whitespace().collect();
                if let [from, kind, to, ..] = words[..] {
                    document.relationships.push(Relationship {
                        from: from.to_owned(),
                        kind: kind.to_owned(),
                        to: to.to_owned(),
                        position: Some(line.position),
                    });
                } else {
                    document
                        .diagnostics
                        .push((format!("relationship skipped: `{value}` is not `ID TYPE ID`"), Some(line.position)));
                }
            }
            tag if section == Section::Package => {
                let Some(package) = document.packages.last_mut() else { continue };
                package_line(package, tag, value, line.position, &mut document.diagnostics);
            }
            _ => {}
        }
    }
    let version = document.version.clone().unwrap_or_default();
    Ok(spdx2::build(SbomFormat::SpdxTagValue { version }, document))
}

fn package_line(
    package: &mut Draft,
    tag: &str,
    value: &str,
    position: Position,
    diagnostics: &mut Vec<(String, Option<Position>)>,
) {
    match tag {
        "PackageVersion" => package.version = Some(value.to_owned()),
        "PackageSupplier" => package.supplier = spdx_agent(value),
        "PrimaryPackagePurpose" => package.kind = Some(value.to_owned()),
        "PackageChecksum" => match value.split_once(':') {
            Some((algorithm, hash)) => {
                package.hashes.push((algorithm.trim().to_owned(), hash.trim().to_owned()));
            }
            None => {
                diagnostics.push((format!("checksum skipped: `{value}` is not `ALGORITHM: value`"), Some(position)))
            }
        },
        "ExternalRef" => {
            let words: Vec<&str> = value.split_whitespace().collect();
            if let [_category, kind, locator, ..] = words[..] {
                spdx2::external_ref(package, kind, locator);
            } else {
                diagnostics.push((
                    format!("external reference skipped: `{value}` is not `CATEGORY TYPE LOCATOR`"),
                    Some(position),
                ));
            }
        }
        _ => {}
    }
}

/// One `Tag: value` of the file; a `<text>` value has its markers removed.
struct Line<'a> {
    tag: &'a str,
    value: &'a str,
    position: Position,
}

fn lines<'a>(text: &'a str, origin: &str) -> Result<Vec<Line<'a>>, SbomError> {
    let mut out = Vec::new();
    let mut offset = 0;
    let mut number = 1;
    while offset < text.len() {
        let line_start = offset;
        let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i + 1);
        let next = match line_at(text, line_start, line_end, number, origin)? {
            None => line_end,
            Some((line, next)) => {
                out.push(line);
                next
            }
        };
        number += text[line_start..next].matches('\n').count();
        offset = next;
    }
    Ok(out)
}

/// The line at `start..end` (and, for a `<text>` value, the lines up to `</text>`), with the
/// offset where the next line starts; `None` for blank lines and comments.
fn line_at<'a>(
    text: &'a str,
    start: usize,
    end: usize,
    number: usize,
    origin: &str,
) -> Result<Option<(Line<'a>, usize)>, SbomError> {
    let line = text[start..end].trim_end_matches(['\n', '\r']);
    let trimmed = line.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(None);
    }
    let column = line[..line.len() - trimmed.len()].chars().count() + 1;
    let position = Position { line: number, column };
    let Some((tag, value)) = trimmed.split_once(':') else {
        return Err(SbomError::new(
            origin,
            Some(position),
            format!("invalid tag-value line: expected `Tag: value`, found `{}`", shorten(trimmed)),
        ));
    };
    let tag = tag.trim();
    let value = value.trim_start();
    let Some(after_open) = value.strip_prefix("<text>") else {
        return Ok(Some((Line { tag, value: value.trim_end(), position }, end)));
    };
    // A <text> value runs to the next </text>, on this line or a later one.
    let value_start = start + (line.len() - after_open.len());
    let Some(close) = text[value_start..].find("</text>") else {
        return Err(SbomError::new(
            origin,
            Some(position),
            format!("invalid tag-value: the <text> value of `{tag}` is never closed by </text>"),
        ));
    };
    let close_end = value_start + close + "</text>".len();
    let next = text[close_end..].find('\n').map_or(text.len(), |i| close_end + i + 1);
    let value = &text[value_start..value_start + close];
    Ok(Some((Line { tag, value, position }, next)))
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_values_span_lines() {
        let text = "A: 1\nB: <text>one\ntwo: x\n</text>\n# comment\n\nC:  3 \nD: <text>x</text>\nE: y";
        let lines = lines(text, "t").unwrap();
        let got: Vec<(&str, &str, usize)> = lines.iter().map(|l| (l.tag, l.value, l.position.line)).collect();
        assert_eq!(got, [("A", "1", 1), ("B", "one\ntwo: x\n", 2), ("C", "3", 7), ("D", "x", 8), ("E", "y", 9)]);
    }

    #[test]
    fn a_line_without_a_colon_is_an_error() {
        let error = lines("A: 1\n  oops no colon\n", "doc.spdx").err().unwrap();
        assert_eq!(error.position, Some(Position { line: 2, column: 3 }));
        assert_eq!(
            error.to_string(),
            "doc.spdx:2:3: invalid tag-value line: expected `Tag: value`, found `oops no colon`"
        );
    }

    #[test]
    fn an_unclosed_text_is_an_error() {
        let error = lines("A: 1\nB: <text>open\nC: 2\n", "t").err().unwrap();
        assert_eq!(error.position, Some(Position { line: 2, column: 1 }));
    }
}
