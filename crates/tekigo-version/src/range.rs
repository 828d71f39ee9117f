//! Range evaluation: OSV `ranges[].events` and NVD CPE match ranges.

use std::cmp::Ordering;

use crate::{Scheme, Version, VersionError};

/// One event of an OSV range (`affected[].ranges[].events[]`) of type `SEMVER` or `ECOSYSTEM`.
///
/// `GIT` ranges name commits, not versions, and cannot be evaluated here.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Event {
    /// The first affected version; `"0"` means "from the start".
    Introduced(String),
    /// The first version no longer affected.
    Fixed(String),
    /// The last affected version.
    LastAffected(String),
    /// An upper bound on the whole range: versions at or after it are not affected; `"*"` means none.
    Limit(String),
}

/// Where an event sits: `introduced: "0"` before every version, `limit: "*"` after.
enum Point {
    Start,
    At(Version),
    Infinity,
}

impl Point {
    fn cmp_version(&self, v: &Version) -> Ordering {
        match self {
            Point::Start => Ordering::Less,
            Point::At(at) => at.cmp_same_scheme(v),
            Point::Infinity => Ordering::Greater,
        }
    }

    fn cmp_point(&self, other: &Point) -> Ordering {
        match (self, other) {
            (Point::Start, Point::Start) | (Point::Infinity, Point::Infinity) => Ordering::Equal,
            (Point::Start, _) | (_, Point::Infinity) => Ordering::Less,
            (_, Point::Start) | (Point::Infinity, _) => Ordering::Greater,
            (Point::At(a), Point::At(b)) => a.cmp_same_scheme(b),
        }
    }
}

/// Whether `version` is affected by one OSV range, by the OSV schema's evaluation algorithm.
///
/// The events are sorted by version (`introduced: "0"` first, stably, so events at one version keep
/// their order), then walked: at or after an `introduced` the version is affected, at or after a
/// `fixed` or after a `last_affected` it is not. Several introduced/fixed pairs make several
/// intervals. If the range has `limit` events, the version must also be below one of them.
/// A range without events affects nothing.
///
/// # Errors
/// If `version` or any event's version cannot be read with `scheme`.
pub fn osv_range_affects(scheme: Scheme, events: &[Event], version: &str) -> Result<bool, VersionError> {
    let v = Version::parse(scheme, version)?;
    let mut points = Vec::with_capacity(events.len());
    for event in events {
        let point = match event {
            Event::Introduced(at) if at.trim() == "0" => Point::Start,
            Event::Limit(at) if at.trim() == "*" => Point::Infinity,
            Event::Introduced(at) | Event::Fixed(at) | Event::LastAffected(at) | Event::Limit(at) => {
                Point::At(Version::parse(scheme, at)?)
            }
        };
        points.push((event, point));
    }
    points.sort_by(|(_, a), (_, b)| a.cmp_point(b));

    let mut affected = false;
    let mut limits = 0usize;
    let mut below_a_limit = false;
    for (event, point) in &points {
        let here = point.cmp_version(&v); // how the event's version orders against `v`
        match event {
            Event::Introduced(_) if here.is_le() => affected = true,
            Event::Fixed(_) if here.is_le() => affected = false,
            Event::LastAffected(_) if here.is_lt() => affected = false,
            Event::Limit(_) => {
                limits += 1;
                below_a_limit |= here.is_gt();
            }
            _ => {}
        }
    }
    Ok(affected && (limits == 0 || below_a_limit))
}

/// An NVD CPE match range (`versionStartIncluding`, `versionStartExcluding`, `versionEndIncluding`,
/// `versionEndExcluding`). Absent bounds do not restrict; a range with no bound contains every
/// version (NVD then matches on the CPE's own version field, which is the caller's business).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CpeRange {
    /// `versionStartIncluding`.
    pub start_including: Option<String>,
    /// `versionStartExcluding`.
    pub start_excluding: Option<String>,
    /// `versionEndIncluding`.
    pub end_including: Option<String>,
    /// `versionEndExcluding`.
    pub end_excluding: Option<String>,
}

impl CpeRange {
    /// Whether `version` lies within every bound that is set.
    ///
    /// # Errors
    /// If `version` or a bound cannot be read with `scheme`.
    pub fn contains(&self, scheme: Scheme, version: &str) -> Result<bool, VersionError> {
        let v = Version::parse(scheme, version)?;
        // `ok(bound)` tests how `v` orders against the bound.
        let check = |bound: &Option<String>, ok: fn(Ordering) -> bool| -> Result<bool, VersionError> {
            match bound {
                None => Ok(true),
                Some(bound) => Ok(ok(v.cmp_same_scheme(&Version::parse(scheme, bound)?))),
            }
        };
        Ok(check(&self.start_including, Ordering::is_ge)?
            && check(&self.start_excluding, Ordering::is_gt)?
            && check(&self.end_including, Ordering::is_le)?
            && check(&self.end_excluding, Ordering::is_lt)?)
    }
}
