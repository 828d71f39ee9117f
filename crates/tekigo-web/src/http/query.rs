//! The one encoder of values in the query strings the pages write (`/labels?vendor=...`,
//! `/login?next=...`): `application/x-www-form-urlencoded` as `form_urlencoded` writes it (space
//! as `+`, unreserved characters kept, everything else percent-encoded), except `/`, which a query
//! may hold as it is (RFC 3986 §3.4) and which keeps a `next=` path readable. What axum's `Query`
//! and `Form` decode (`serde_urlencoded`, over the same crate) is exactly what was encoded.

/// `value` encoded for a query string.
pub fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>().replace("%2F", "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(query: &str) -> String {
        form_urlencoded::parse(format!("v={query}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
    }

    #[test]
    fn values_are_encoded() {
        assert_eq!(encode("Demo Vendor 001 (fictional)"), "Demo+Vendor+001+%28fictional%29");
        assert_eq!(encode("a&b=c"), "a%26b%3Dc");
        assert_eq!(encode("株"), "%E6%A0%AA");
        assert_eq!(encode("é"), "%C3%A9");
        assert_eq!(encode("/vendor/products/1?lang=ja"), "/vendor/products/1%3Flang%3Dja");
    }

    #[test]
    fn spaces_slashes_and_everything_else_round_trip() {
        for value in ["a b", "a/b", " / ", "a+b", "100% / 2 + 1", "/review?lang=ja&x=1", "株式会社 A/B", "~*'!()", ""]
        {
            assert_eq!(decoded(&encode(value)), value, "{value}");
        }
    }
}
