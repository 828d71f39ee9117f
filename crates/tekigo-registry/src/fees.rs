//! The fee schedule (docs/scheme.md, "Registration"): what an application costs by route and
//! level, from a day. Data, not code: the certification body's schedule is `data/fees.toml`,
//! built in, and an operator gives its own with `tekigo serve --fees FILE`. Pure rules, no I/O.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The schedule built into the registry: IPA's published fees.
pub const BUILTIN: &str = include_str!("../data/fees.toml");

/// How an application reaches the certification body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Route {
    /// Every requirement of the level evaluated by the applicant.
    Standard,
    /// A product that complies with the UK PSTI regime: the requirements IPA deems met by the
    /// PSTI statement of compliance rest on it (the catalog's deemed mapping from `uk-psti`).
    UkPsti,
}

impl Route {
    pub fn name(self) -> &'static str {
        match self {
            Route::Standard => "standard",
            Route::UkPsti => "uk-psti",
        }
    }

    pub fn parse(name: &str) -> Option<Route> {
        [Route::Standard, Route::UkPsti].into_iter().find(|route| route.name() == name)
    }

    /// The route a declaration takes: the PSTI route when it rests on a PSTI statement.
    pub fn of(declaration: &tekigo_assess::Declaration) -> Route {
        if declaration.deemed.iter().any(|deemed| deemed.scheme == "uk-psti") { Route::UkPsti } else { Route::Standard }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    pub route: Route,
    pub level: String,
    pub yen: u64,
    pub from: Date,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeSchedule {
    fees: Vec<Fee>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FeeScheduleError {
    #[error("the fee schedule {0}")]
    Unreadable(String),
    #[error("the fee schedule has two fees for route {route}, level {level}, from {from}")]
    Duplicate { route: &'static str, level: String, from: Date },
    #[error("the fee schedule's fee for route {route}, level {level}, from {from} is zero")]
    Zero { route: &'static str, level: String, from: Date },
    #[error("the fee schedule's level {0:?} is not one of 1, 2, 3, 4")]
    Level(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    fee: Vec<Fee>,
}

impl FeeSchedule {
    /// Reads and checks a schedule: levels 1-4, no zero fee, no two fees for the same route,
    /// level and day.
    pub fn parse(text: &str) -> Result<FeeSchedule, FeeScheduleError> {
        let file: File = toml::from_str(text).map_err(|error| FeeScheduleError::Unreadable(error.to_string()))?;
        let mut fees = file.fee;
        for fee in &fees {
            if !matches!(fee.level.as_str(), "1" | "2" | "3" | "4") {
                return Err(FeeScheduleError::Level(fee.level.clone()));
            }
            if fee.yen == 0 {
                return Err(FeeScheduleError::Zero {
                    route: fee.route.name(),
                    level: fee.level.clone(),
                    from: fee.from,
                });
            }
        }
        fees.sort_by(|a, b| (a.route.name(), &a.level, a.from).cmp(&(b.route.name(), &b.level, b.from)));
        if let Some(pair) = fees
            .windows(2)
            .find(|pair| (pair[0].route, &pair[0].level, pair[0].from) == (pair[1].route, &pair[1].level, pair[1].from))
        {
            let fee = &pair[0];
            return Err(FeeScheduleError::Duplicate {
                route: fee.route.name(),
                level: fee.level.clone(),
                from: fee.from,
            });
        }
        Ok(FeeSchedule { fees })
    }

    pub fn builtin() -> FeeSchedule {
        Self::parse(BUILTIN).expect("the built-in fee schedule is checked by its test")
    }

    /// The fee in force for an application received on `day`, if the schedule has one.
    pub fn fee(&self, route: Route, level: &str, day: Date) -> Option<&Fee> {
        self.fees
            .iter()
            .filter(|fee| fee.route == route && fee.level == level && fee.from <= day)
            .max_by_key(|fee| fee.from)
    }

    pub fn fees(&self) -> &[Fee] {
        &self.fees
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn the_builtin_schedule_has_the_published_fees() {
        let schedule = FeeSchedule::builtin();
        let yen = |route, day| schedule.fee(route, "1", day).map(|fee| fee.yen);
        assert_eq!(yen(Route::Standard, date(2025, 9, 30)), Some(110_000));
        assert_eq!(yen(Route::Standard, date(2025, 10, 1)), Some(198_000));
        assert_eq!(yen(Route::Standard, date(2026, 12, 7)), Some(198_000));
        assert_eq!(yen(Route::Standard, date(2025, 3, 24)), None, "before the scheme opened");
        assert_eq!(yen(Route::UkPsti, date(2025, 12, 31)), None, "before the PSTI route opened");
        assert_eq!(yen(Route::UkPsti, date(2026, 1, 1)), Some(140_000));
        assert_eq!(schedule.fee(Route::Standard, "3", date(2026, 12, 7)), None, "no published ★3 fee");
    }

    #[test]
    fn a_bad_schedule_names_what_is_wrong() {
        let twice =
            "[[fee]]\nroute = \"standard\"\nlevel = \"1\"\nyen = 1\nfrom = \"2026-01-01\"\nsource = \"a\"\n".repeat(2);
        assert!(matches!(FeeSchedule::parse(&twice), Err(FeeScheduleError::Duplicate { .. })));
        let zero = "[[fee]]\nroute = \"standard\"\nlevel = \"1\"\nyen = 0\nfrom = \"2026-01-01\"\nsource = \"a\"\n";
        assert!(matches!(FeeSchedule::parse(zero), Err(FeeScheduleError::Zero { .. })));
        let level = "[[fee]]\nroute = \"standard\"\nlevel = \"5\"\nyen = 1\nfrom = \"2026-01-01\"\nsource = \"a\"\n";
        assert_eq!(FeeSchedule::parse(level), Err(FeeScheduleError::Level("5".into())));
        let route = "[[fee]]\nroute = \"fast\"\nlevel = \"1\"\nyen = 1\nfrom = \"2026-01-01\"\nsource = \"a\"\n";
        let error = FeeSchedule::parse(route).unwrap_err().to_string();
        assert!(error.contains("fast"), "{error}");
    }
}
