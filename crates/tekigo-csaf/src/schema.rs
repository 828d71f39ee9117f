//! The official CSAF 2.0 JSON schema and the FIRST CVSS schemas it references, embedded.

use std::sync::LazyLock;

use jsonschema::{Retrieve, Uri, Validator};
use serde_json::{Value, json};

use crate::Problem;

const CSAF: &str = include_str!("../schemas/csaf_json_schema.json");
const CVSS_V2: &str = include_str!("../schemas/cvss-v2.0.json");
const CVSS_V30: &str = include_str!("../schemas/cvss-v3.0.json");
const CVSS_V31: &str = include_str!("../schemas/cvss-v3.1.json");

/// The CSAF schema `$ref`s the CVSS schemas by their first.org URLs; there is no network here, so
/// those URLs are answered from the embedded copies and nothing else is fetched.
struct Embedded;

impl Retrieve for Embedded {
    fn retrieve(&self, uri: &Uri<String>) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        // The files' own ids carry a `?date` query the references leave out.
        let address = uri.as_str().split(['?', '#']).next().unwrap_or_default();
        let text = match address {
            "https://www.first.org/cvss/cvss-v2.0.json" => CVSS_V2,
            "https://www.first.org/cvss/cvss-v3.0.json" => CVSS_V30,
            "https://www.first.org/cvss/cvss-v3.1.json" => CVSS_V31,
            _ => return Err(format!("{uri} is not one of the embedded schemas").into()),
        };
        Ok(serde_json::from_str(text)?)
    }
}

fn compile(schema: &Value) -> Validator {
    // Formats (`uri`, `date-time`) are asserted, as CSAF validators do.
    jsonschema::options()
        .should_validate_formats(true)
        .with_retriever(Embedded)
        .build(schema)
        .expect("the embedded schemas compile (tested)")
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("the embedded schemas are JSON (tested)")
}

static CSAF_VALIDATOR: LazyLock<Validator> = LazyLock::new(|| compile(&parse(CSAF)));

/// The CVSS schemas alone, for the mandatory test of §6.1.8.
pub(crate) static CVSS_V2_VALIDATOR: LazyLock<Validator> = LazyLock::new(|| compile(&parse(CVSS_V2)));
pub(crate) static CVSS_V30_VALIDATOR: LazyLock<Validator> = LazyLock::new(|| compile(&parse(CVSS_V30)));
pub(crate) static CVSS_V31_VALIDATOR: LazyLock<Validator> = LazyLock::new(|| compile(&parse(CVSS_V31)));

static URI: LazyLock<Validator> = LazyLock::new(|| compile(&json!({"type": "string", "format": "uri"})));

/// Whether the schema's `uri` format accepts `text`: the builder asks the same checker the schema
/// validation uses, so the two cannot disagree.
pub(crate) fn is_uri(text: &str) -> bool {
    URI.is_valid(&Value::from(text))
}

/// Every place where `document` breaks the CSAF 2.0 JSON schema; empty when it is valid.
pub fn validate_schema(document: &Value) -> Vec<Problem> {
    errors(&CSAF_VALIDATOR, document, "", "schema")
}

/// Errors of `validator` on `instance`, which sits at `base` in the document.
pub(crate) fn errors(validator: &Validator, instance: &Value, base: &str, test: &'static str) -> Vec<Problem> {
    validator
        .iter_errors(instance)
        .map(|error| Problem { test, path: format!("{base}{}", error.instance_path()), message: error.to_string() })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_schemas_compile() {
        for validator in [&CSAF_VALIDATOR, &CVSS_V2_VALIDATOR, &CVSS_V30_VALIDATOR, &CVSS_V31_VALIDATOR] {
            LazyLock::force(validator);
        }
    }

    #[test]
    fn cvss_references_resolve_to_the_embedded_copies() {
        // A CVSS object missing `baseSeverity` is caught through the referenced v3.1 schema.
        let mut document: Value = serde_json::from_str(include_str!("../tests/fixtures/minimal.json")).unwrap();
        assert!(validate_schema(&document).is_empty(), "{:?}", validate_schema(&document));
        document["vulnerabilities"][0]["scores"][0]["cvss_v3"].as_object_mut().unwrap().remove("baseSeverity");
        assert!(!validate_schema(&document).is_empty());
    }

    #[test]
    fn uri_format() {
        assert!(is_uri("https://example.com/a?b=c"));
        assert!(!is_uri("not a uri"));
        assert!(!is_uri("https://exa mple.com/"));
    }
}
