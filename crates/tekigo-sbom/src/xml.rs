//! XML: a small element tree built from quick-xml events, each element with the byte offset it
//! starts at, so that both errors and diagnostics carry a line and column. The CycloneDX reader
//! walks this tree (element names are matched by local name, prefixes ignored).
//!
//! quick-xml's serde deserializer was not used: it does not report where in the file a
//! structure broke, and positions are what a person fixing an SBOM needs.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::{SbomError, position};

/// One element: local name, attributes (local names), text (all text and CDATA directly inside
/// it, entity references resolved) and child elements.
#[derive(Debug, Default)]
pub(crate) struct Element {
    pub(crate) name: String,
    pub(crate) attributes: Vec<(String, String)>,
    pub(crate) text: String,
    pub(crate) children: Vec<Element>,
    pub(crate) offset: usize,
}

impl Element {
    pub(crate) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub(crate) fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of the child `name`, when there is some.
    pub(crate) fn child_text(&self, name: &str) -> Option<String> {
        self.child(name).map(|c| c.text.trim().to_owned()).filter(|t| !t.is_empty())
    }

    pub(crate) fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Parses well-formed XML into its root element.
pub(crate) fn parse(bytes: &[u8], origin: &str) -> Result<Element, SbomError> {
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().check_end_names = true;
    let error = |offset: u64, message: String| {
        let offset = usize::try_from(offset).unwrap_or(usize::MAX);
        SbomError::new(origin, Some(position::from_offset(bytes, offset)), message)
    };
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let start = reader.buffer_position();
        let event = reader.read_event().map_err(|e| error(reader.error_position(), format!("invalid XML: {e}")))?;
        let decode_error = |e: &dyn std::fmt::Display| error(start, format!("invalid XML: {e}"));
        match event {
            Event::Start(_) | Event::Empty(_) if root.is_some() && stack.is_empty() => {
                return Err(error(start, "invalid XML: a second root element".to_owned()));
            }
            Event::Start(_) if stack.len() >= crate::MAX_DEPTH => {
                return Err(error(
                    start,
                    format!("elements nest deeper than {} levels, the limit for SBOMs", crate::MAX_DEPTH),
                ));
            }
            Event::Start(tag) => stack.push(element(&tag, start, origin, bytes)?),
            Event::Empty(tag) => {
                let element = element(&tag, start, origin, bytes)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::End(_) => {
                let Some(element) = stack.pop() else {
                    return Err(error(start, "invalid XML: an end tag with no start".to_owned()));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::Text(text) => {
                let text = text.decode().map_err(|e| decode_error(&e))?;
                match stack.last_mut() {
                    Some(parent) => parent.text.push_str(&text),
                    None if text.trim().is_empty() => {}
                    None => {
                        return Err(error(start, "invalid XML: text outside the root".to_owned()));
                    }
                }
            }
            Event::CData(text) => {
                let text = text.decode().map_err(|e| decode_error(&e))?;
                if let Some(parent) = stack.last_mut() {
                    parent.text.push_str(&text);
                }
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref().map_err(|e| decode_error(&e))? {
                    Some(c) => c,
                    None => match reference.decode().map_err(|e| decode_error(&e))?.as_ref() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => {
                            return Err(error(start, format!("invalid XML: unknown entity `&{other};`")));
                        }
                    },
                };
                if let Some(parent) = stack.last_mut() {
                    parent.text.push(resolved);
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(error(
            reader.buffer_position(),
            format!("invalid XML: the file ends before <{}> is closed", open.name),
        ));
    }
    root.ok_or_else(|| error(0, "invalid XML: no root element".to_owned()))
}

fn element(tag: &BytesStart<'_>, offset: u64, origin: &str, bytes: &[u8]) -> Result<Element, SbomError> {
    let offset = usize::try_from(offset).unwrap_or(usize::MAX);
    let error = |message: String| SbomError::new(origin, Some(position::from_offset(bytes, offset)), message);
    let name = local(tag.local_name().as_ref(), &error)?;
    let mut attributes = Vec::new();
    for attribute in tag.attributes() {
        let attribute = attribute.map_err(|e| error(format!("invalid XML: {e}")))?;
        let key = attribute.key;
        // Namespace declarations are attributes too: keep `xmlns` (the CycloneDX version is in it).
        let key = if key.as_ref() == b"xmlns" { "xmlns".to_owned() } else { local(key.local_name().as_ref(), &error)? };
        let value = attribute.unescape_value().map_err(|e| error(format!("invalid XML: {e}")))?;
        attributes.push((key, value.into_owned()));
    }
    Ok(Element { name, attributes, offset, ..Element::default() })
}

fn local(name: &[u8], error: &dyn Fn(String) -> SbomError) -> Result<String, SbomError> {
    std::str::from_utf8(name).map(str::to_owned).map_err(|_| error("invalid XML: a name is not UTF-8".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_a_tree_with_text_and_entities() {
        let xml = b"<?xml version=\"1.0\"?>\n<a xmlns=\"urn:x\" k=\"v&amp;w\">\n  <b>x &lt; y &#65;<![CDATA[<z>]]></b><c/>\n</a>";
        let root = parse(xml, "t.xml").unwrap();
        assert_eq!(root.name, "a");
        assert_eq!(root.attribute("xmlns"), Some("urn:x"));
        assert_eq!(root.attribute("k"), Some("v&w"));
        assert_eq!(root.child_text("b").as_deref(), Some("x < y A<z>"));
        assert!(root.child("c").is_some());
        assert_eq!(position::from_offset(xml, root.offset).line, 2);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        // A few thousand nested components used to overflow the stack (reading, then dropping
        // the tree) and abort the process; the registry reads uploaded SBOMs.
        let levels = 50_000;
        let mut xml = String::from("<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\"><components>");
        for _ in 0..levels {
            xml.push_str("<component type=\"library\"><name>x</name><components>");
        }
        for _ in 0..levels {
            xml.push_str("</components></component>");
        }
        xml.push_str("</components></bom>");
        let error = crate::read(xml.as_bytes(), "deep.xml").unwrap_err();
        assert!(error.message.contains("deeper than 127 levels"), "{error}");
        assert_eq!(error.position.map(|p| p.line), Some(1), "{error}");

        // At the limit itself the document is read.
        let depth = crate::MAX_DEPTH;
        let nested = (depth - 2) / 2;
        let mut xml = String::from("<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\"><components>");
        for _ in 0..nested {
            xml.push_str("<component type=\"library\"><name>x</name><components>");
        }
        for _ in 0..nested {
            xml.push_str("</components></component>");
        }
        xml.push_str("</components></bom>");
        let sbom = crate::read(xml.as_bytes(), "limit.xml").unwrap();
        assert_eq!(sbom.components.len(), nested);
    }

    #[test]
    fn errors_have_positions() {
        let cases: [(&[u8], usize); 4] =
            [(b"<a>\n  <b></c>\n</a>", 2), (b"<a>\n<b>\n", 3), (b"<a></a>\n<b/>", 2), (b"<a>\n &nope;</a>", 2)];
        for (xml, line) in cases {
            let error = parse(xml, "t.xml").unwrap_err();
            assert_eq!(error.position.map(|p| p.line), Some(line), "{error}");
            assert!(error.message.starts_with("invalid XML"), "{error}");
        }
    }
}
