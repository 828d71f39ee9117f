//! TARGET: the one host the probe may talk to. An IPv4 or IPv6 address, or a host name resolved
//! once (the first address is used, so a name cannot make the probe wander over several hosts).
//! A CIDR block (`10.0.0.0/24`) or a last-octet range (`192.0.2.1-20`) is refused unless the
//! caller allows ranges, and even then at most [`MAX_RANGE_HOSTS`] hosts.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, ToSocketAddrs};

/// The most hosts a range may name, even with `--allow-range`.
pub const MAX_RANGE_HOSTS: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// What the user wrote.
    pub input: String,
    /// The addresses to probe, in order: one, unless a range was allowed.
    pub addresses: Vec<IpAddr>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("`{0}` names a range of hosts; the probe tests one device at a time (pass --allow-range to probe a range)")]
    RangeNotAllowed(String),
    #[error("`{input}` names {count} hosts; a range may name at most {max}")]
    RangeTooLarge { input: String, count: u128, max: usize },
    #[error("`{0}` is not an address, a range or a host name")]
    Invalid(String),
    #[error("cannot resolve host name `{0}`: {1}")]
    Resolve(String, String),
}

impl Target {
    /// Parses TARGET; resolves a host name once (blocking, through the system resolver).
    ///
    /// # Errors
    /// A range without `allow_range`, a range over [`MAX_RANGE_HOSTS`], a malformed input, or a
    /// name that does not resolve.
    pub fn parse(input: &str, allow_range: bool) -> Result<Target, TargetError> {
        let text = input.trim();
        let bare = text.trim_start_matches('[').trim_end_matches(']');
        if let Ok(address) = bare.parse::<IpAddr>() {
            return Ok(Target { input: text.to_owned(), addresses: vec![address] });
        }
        if let Some(addresses) = parse_range(text)? {
            if !allow_range {
                return Err(TargetError::RangeNotAllowed(text.to_owned()));
            }
            return Ok(Target { input: text.to_owned(), addresses });
        }
        if !is_host_name(text) {
            return Err(TargetError::Invalid(text.to_owned()));
        }
        let address = (text, 0)
            .to_socket_addrs()
            .map_err(|error| TargetError::Resolve(text.to_owned(), error.to_string()))?
            .next()
            .ok_or_else(|| TargetError::Resolve(text.to_owned(), "no address".into()))?
            .ip();
        Ok(Target { input: text.to_owned(), addresses: vec![address] })
    }
}

/// `Some` when the text is written as a range (CIDR or last-octet), parsed and size-checked.
fn parse_range(text: &str) -> Result<Option<Vec<IpAddr>>, TargetError> {
    let invalid = || TargetError::Invalid(text.to_owned());
    if let Some((base, prefix)) = text.split_once('/') {
        let prefix: u32 = prefix.parse().map_err(|_| invalid())?;
        let base: IpAddr = base.trim_start_matches('[').trim_end_matches(']').parse().map_err(|_| invalid())?;
        let bits = if base.is_ipv4() { 32 } else { 128 };
        if prefix > bits {
            return Err(invalid());
        }
        let count: u128 = 1u128.checked_shl(bits - prefix).unwrap_or(u128::MAX);
        if count > MAX_RANGE_HOSTS as u128 {
            return Err(TargetError::RangeTooLarge { input: text.to_owned(), count, max: MAX_RANGE_HOSTS });
        }
        let addresses = match base {
            IpAddr::V4(v4) => {
                let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
                let start = u32::from(v4) & mask;
                (0..count as u32).map(|i| IpAddr::V4(Ipv4Addr::from(start + i))).collect()
            }
            IpAddr::V6(v6) => {
                let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix) };
                let start = u128::from(v6) & mask;
                (0..count).map(|i| IpAddr::V6(Ipv6Addr::from(start + i))).collect()
            }
        };
        return Ok(Some(addresses));
    }
    if let Some((first, last)) = text.rsplit_once('-')
        && let Ok(first) = first.parse::<Ipv4Addr>()
    {
        let last: u8 = last.parse().map_err(|_| invalid())?;
        let start = first.octets()[3];
        if last < start {
            return Err(invalid());
        }
        let prefix = u32::from(first) & 0xffff_ff00;
        return Ok(Some((start..=last).map(|octet| IpAddr::V4(Ipv4Addr::from(prefix | u32::from(octet)))).collect()));
    }
    Ok(None)
}

/// RFC 1123 host name: labels of letters, digits and hyphens, dot-separated.
fn is_host_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 253
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_v4_and_v6() {
        assert_eq!(Target::parse("127.0.0.1", false).unwrap().addresses, vec![IpAddr::from([127, 0, 0, 1])]);
        assert_eq!(Target::parse("::1", false).unwrap().addresses, vec!["::1".parse::<IpAddr>().unwrap()]);
        assert_eq!(Target::parse("[::1]", false).unwrap().addresses, vec!["::1".parse::<IpAddr>().unwrap()]);
    }

    #[test]
    fn localhost_resolves_once_to_one_address() {
        let target = Target::parse("localhost", false).unwrap();
        assert_eq!(target.addresses.len(), 1);
        assert!(target.addresses[0].is_loopback());
    }

    #[test]
    fn ranges_are_refused_unless_allowed() {
        for range in ["127.0.0.0/24", "127.0.0.1-5", "::1/120"] {
            assert_eq!(Target::parse(range, false), Err(TargetError::RangeNotAllowed(range.into())), "{range}");
        }
        assert_eq!(Target::parse("127.0.0.0/30", true).unwrap().addresses.len(), 4);
        assert_eq!(Target::parse("127.0.0.1-5", true).unwrap().addresses.len(), 5);
        assert_eq!(Target::parse("127.0.0.9/32", true).unwrap().addresses, vec![IpAddr::from([127, 0, 0, 9])]);
    }

    #[test]
    fn ranges_are_capped_even_when_allowed() {
        assert!(matches!(Target::parse("127.0.0.0/23", true), Err(TargetError::RangeTooLarge { count: 512, .. })));
        assert!(matches!(Target::parse("10.0.0.0/8", true), Err(TargetError::RangeTooLarge { .. })));
        assert!(matches!(Target::parse("::/0", true), Err(TargetError::RangeTooLarge { .. })));
        assert_eq!(Target::parse("127.0.0.0/24", true).unwrap().addresses.len(), 256);
    }

    #[test]
    fn garbage_is_invalid() {
        for bad in ["", "1.2.3.4/33", "127.0.0.5-1", "a b", "-x.example", "127.0.0.1/x"] {
            assert!(Target::parse(bad, true).is_err(), "{bad}");
        }
    }
}
