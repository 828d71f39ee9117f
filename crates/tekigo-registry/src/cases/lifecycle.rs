//! The label lifecycle after issue, as one pure state machine: no I/O, no clock of its own. The
//! store loads a label's [`Lifecycle`], applies one [`Event`] with [`Lifecycle::apply`], and
//! writes the new state, the [`Transition`]'s feed event and its audit record in one transaction.
//!
//! ```text
//!            non-conformity found                grace period over              hearing over
//!  Active ───────────────────────► Correcting ─────────────────────► Suspended ───────────────► Revoked
//!    ▲   ◄─────────────────────────    │        (SCHEME §5.3, §5.4)    │  ▲                        ▲
//!    │        corrected                │ staff: suspend                │  │ (hearing, §5.4)        │
//!    └─────────────────────────────────┴───────────────────────────────┘  │                        │
//!                  reinstated (corrected during the hearing)              └── urgent revocation ───┘
//! ```
//!
//! Calendar statuses (expired, support ended) are not states: they follow from the dates on every
//! read (`rules::status_on`), so a label can be expired and suspended at once.

use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use tekigo_base::Text;

use crate::labels::rules::State;

/// Days the vendor has to correct a non-conformity before the label is suspended. SCHEME §5.4
/// names a grace period without a length; 30 days is the usual patch window of coordinated
/// disclosure and sits inside CISA's KEV remediation deadlines (two to three weeks for
/// exploited vulnerabilities, more for older entries).
pub const GRACE_DAYS: i64 = 30;

/// Days of the hearing between suspension and revocation: foreign practice gives the vendor "a
/// reasonable period" to answer before revocation unless security demands urgency (SCHEME §5.4).
pub const HEARING_DAYS: i64 = 14;

/// The grounds for revocation, a closed list (SCHEME §5.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Ground {
    /// The application was false.
    FalseApplication,
    /// The vendor fails its obligations (security updates during the validity, disclosure).
    ObligationsNotMet,
    /// The product no longer meets the criteria.
    NoLongerConformant,
    /// Surveillance or monitoring found a non-conformity that was not corrected in the grace period.
    NotCorrectedInGrace,
}

impl Ground {
    pub const ALL: [Ground; 4] =
        [Ground::FalseApplication, Ground::ObligationsNotMet, Ground::NoLongerConformant, Ground::NotCorrectedInGrace];

    pub fn name(self) -> &'static str {
        match self {
            Ground::FalseApplication => "false-application",
            Ground::ObligationsNotMet => "obligations-not-met",
            Ground::NoLongerConformant => "no-longer-conformant",
            Ground::NotCorrectedInGrace => "not-corrected-in-grace",
        }
    }

    pub fn parse(text: &str) -> Option<Ground> {
        Ground::ALL.into_iter().find(|g| g.name() == text)
    }

    pub fn text(self) -> Text {
        match self {
            Ground::FalseApplication => Text::new("the application was false", "申請内容に虚偽があった"),
            Ground::ObligationsNotMet => {
                Text::new("the vendor did not meet its obligations", "ベンダーが義務を果たさなかった")
            }
            Ground::NoLongerConformant => {
                Text::new("the product no longer meets the criteria", "製品が基準を満たさなくなった")
            }
            Ground::NotCorrectedInGrace => Text::new(
                "a non-conformity was not corrected within the grace period",
                "不適合が猶予期間内に是正されなかった",
            ),
        }
    }
}

/// Where a non-conformity came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// Continuous monitoring of the label's SBOM found a vulnerability that fails the level.
    Monitoring,
    /// A surveillance evaluation (SCHEME §5.3).
    Surveillance,
    /// A report to the desk, confirmed by staff.
    Report,
    /// An incident investigation (SCHEME §6, cases A-2 and B-1).
    Incident,
    /// Oversight of the evaluation: the lab that evaluated the product lost its accreditation.
    Oversight,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Monitoring => "monitoring",
            Source::Surveillance => "surveillance",
            Source::Report => "report",
            Source::Incident => "incident",
            Source::Oversight => "oversight",
        }
    }
}

/// How a non-conformity was corrected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Correction {
    /// A VEX statement shows the product is not affected.
    Vex,
    /// An updated SBOM no longer holds the vulnerable component.
    UpdatedSbom,
    /// A new firmware version was declared and approved.
    NewFirmware,
    /// The advisory changed (withdrawn, a narrower range, a lower score): nothing fails any more.
    AdvisoryChanged,
    /// Staff found the product conformant after all (a re-evaluation, the vendor's answer).
    Reevaluated,
}

impl Correction {
    pub fn name(self) -> &'static str {
        match self {
            Correction::Vex => "vex",
            Correction::UpdatedSbom => "updated-sbom",
            Correction::NewFirmware => "new-firmware",
            Correction::AdvisoryChanged => "advisory-changed",
            Correction::Reevaluated => "reevaluated",
        }
    }
}

/// Where a label stands after issue. Each variant carries what its invariants need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Lifecycle {
    /// Valid, with nothing open against it.
    Active,
    /// A non-conformity is open (case `case`); the label stays valid until `grace_until`.
    Correcting { case: i64, source: Source, opened: Date, grace_until: Date },
    /// Suspended on `ground`; unless `urgent`, revocation waits for the hearing to end.
    Suspended { case: Option<i64>, ground: Ground, since: Date, hearing_until: Date, urgent: bool },
    /// Revoked on `on`, for good. `announced`: the revocation is published as a public notice.
    Revoked { case: Option<i64>, ground: Ground, on: Date, urgent: bool, announced: bool },
}

/// What can happen to a label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event {
    /// A new approval of the same product (renewal): allowed while nothing is open against it.
    Renewed { on: Date },
    /// A non-conformity was found; opens case `case` with a grace period.
    NonConformityFound { case: i64, source: Source, on: Date },
    /// The open non-conformity was corrected (while correcting, or during the hearing).
    Corrected { how: Correction, on: Date },
    /// The calendar reached `on`: an expired grace period or hearing moves the label on.
    DayPassed { on: Date },
    /// Staff suspend the label directly (for example on a confirmed report), starting a hearing.
    Suspend { ground: Ground, on: Date, urgent: bool },
    /// Staff revoke: allowed after the hearing, or at once when `urgent` (SCHEME §5.4).
    Revoke { ground: Ground, on: Date, urgent: bool, serious: bool },
    /// Staff lift a suspension after the hearing (the vendor showed conformity).
    Reinstate { on: Date },
}

/// Why an event cannot apply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the label is revoked; nothing changes a revoked label")]
    Revoked,
    #[error("a case is open against the label; close it before renewing")]
    OpenCase,
    #[error("the label is suspended; it must be reinstated before it can be renewed")]
    SuspendedRenewal,
    #[error("nothing is open against the label to correct")]
    NothingToCorrect,
    #[error("the label is already suspended")]
    AlreadySuspended,
    #[error("the hearing runs until {0}; revoke before then only as urgent (SCHEME §5.4)")]
    HearingRunning(Date),
    #[error("only a suspended label can be reinstated")]
    NotSuspended,
    #[error("a non-urgent revocation needs the suspension and hearing first (SCHEME §5.4)")]
    NoHearing,
    #[error("events must not go back in time ({0} is before {1})")]
    BackInTime(Date, Date),
}

impl Refused {
    pub fn text(&self) -> Text {
        let ja = match self {
            Refused::Revoked => "ラベルは取り消されています。取り消されたラベルは変更できません".to_owned(),
            Refused::OpenCase => "ラベルに未解決の案件があります。更新の前に解決してください".to_owned(),
            Refused::SuspendedRenewal => "ラベルは一時停止中です。更新の前に再開が必要です".to_owned(),
            Refused::NothingToCorrect => "是正すべき案件はありません".to_owned(),
            Refused::AlreadySuspended => "ラベルはすでに一時停止中です".to_owned(),
            Refused::HearingRunning(day) => {
                format!("聴聞期間は {day} までです。それまでの取消しは緊急の場合に限ります（SCHEME §5.4）")
            }
            Refused::NotSuspended => "再開できるのは一時停止中のラベルだけです".to_owned(),
            Refused::NoHearing => "緊急でない取消しには一時停止と聴聞が先に必要です（SCHEME §5.4）".to_owned(),
            Refused::BackInTime(a, b) => format!("日付が逆行しています（{a} は {b} より前です）"),
        };
        Text::new(self.to_string(), ja)
    }
}

/// One step of the machine: what the store records as the label's feed event and audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub from: Lifecycle,
    pub to: Lifecycle,
    /// The feed event's kind (`case-opened`, `suspended`, ...), `None` when nothing public changed.
    pub kind: Option<&'static str>,
}

impl Lifecycle {
    /// The coarse state the label table indexes and the public status reads.
    pub fn state(&self) -> State {
        match self {
            Lifecycle::Active | Lifecycle::Correcting { .. } => State::Active,
            Lifecycle::Suspended { .. } => State::Suspended,
            Lifecycle::Revoked { .. } => State::Revoked,
        }
    }

    /// The case this state belongs to, if any.
    pub fn case(&self) -> Option<i64> {
        match self {
            Lifecycle::Active => None,
            Lifecycle::Correcting { case, .. } => Some(*case),
            Lifecycle::Suspended { case, .. } | Lifecycle::Revoked { case, .. } => *case,
        }
    }

    /// The last day a state began on, for the "no going back in time" check.
    fn since(&self) -> Option<Date> {
        match self {
            Lifecycle::Active => None,
            Lifecycle::Correcting { opened, .. } => Some(*opened),
            Lifecycle::Suspended { since, .. } => Some(*since),
            Lifecycle::Revoked { on, .. } => Some(*on),
        }
    }

    /// Applies `event`. A refused event changes nothing; `DayPassed` before a deadline is a
    /// transition to the same state with no feed event.
    pub fn apply(&self, event: &Event) -> Result<Transition, Refused> {
        if let Lifecycle::Revoked { .. } = self {
            return Err(Refused::Revoked);
        }
        let on = event.on();
        if let Some(since) = self.since()
            && on < since
        {
            return Err(Refused::BackInTime(on, since));
        }
        let step = |to: Lifecycle, kind: Option<&'static str>| Ok(Transition { from: self.clone(), to, kind });
        match (self, event) {
            (Lifecycle::Revoked { .. }, _) => Err(Refused::Revoked),

            (Lifecycle::Active, Event::Renewed { .. }) => step(Lifecycle::Active, Some("renewed")),
            (Lifecycle::Correcting { .. }, Event::Renewed { .. }) => Err(Refused::OpenCase),
            (Lifecycle::Suspended { .. }, Event::Renewed { .. }) => Err(Refused::SuspendedRenewal),

            // SCHEME §5.4: a non-conformity opens a grace period for correction.
            (Lifecycle::Active, Event::NonConformityFound { case, source, on }) => step(
                Lifecycle::Correcting { case: *case, source: *source, opened: *on, grace_until: grace_end(*on) },
                Some("case-opened"),
            ),
            // Another finding while a case is open joins that case; its clock keeps running.
            (Lifecycle::Correcting { .. } | Lifecycle::Suspended { .. }, Event::NonConformityFound { .. }) => {
                step(self.clone(), None)
            }

            (Lifecycle::Correcting { .. }, Event::Corrected { .. }) => step(Lifecycle::Active, Some("case-closed")),
            (Lifecycle::Suspended { .. }, Event::Corrected { .. }) => step(Lifecycle::Active, Some("reinstated")),
            (Lifecycle::Active, Event::Corrected { .. }) => Err(Refused::NothingToCorrect),

            (Lifecycle::Active, Event::DayPassed { .. }) => step(Lifecycle::Active, None),
            // SCHEME §5.4: not corrected within the grace period → suspension and the hearing.
            (Lifecycle::Correcting { case, grace_until, .. }, Event::DayPassed { on }) if on > grace_until => step(
                Lifecycle::Suspended {
                    case: Some(*case),
                    ground: Ground::NotCorrectedInGrace,
                    since: *on,
                    hearing_until: hearing_end(*on),
                    urgent: false,
                },
                Some("suspended"),
            ),
            (Lifecycle::Correcting { .. }, Event::DayPassed { .. }) => step(self.clone(), None),
            // The hearing ended without a correction: revocation on the suspension's ground.
            (Lifecycle::Suspended { case, ground, hearing_until, urgent, .. }, Event::DayPassed { on })
                if on > hearing_until =>
            {
                step(
                    Lifecycle::Revoked {
                        case: *case,
                        ground: *ground,
                        on: *on,
                        urgent: *urgent,
                        announced: must_announce(*ground, false),
                    },
                    Some("revoked"),
                )
            }
            (Lifecycle::Suspended { .. }, Event::DayPassed { .. }) => step(self.clone(), None),

            (Lifecycle::Active | Lifecycle::Correcting { .. }, Event::Suspend { ground, on, urgent }) => step(
                Lifecycle::Suspended {
                    case: self.case(),
                    ground: *ground,
                    since: *on,
                    hearing_until: if *urgent { *on } else { hearing_end(*on) },
                    urgent: *urgent,
                },
                Some("suspended"),
            ),
            (Lifecycle::Suspended { .. }, Event::Suspend { .. }) => Err(Refused::AlreadySuspended),

            // SCHEME §5.4: malicious cases and cases with a large impact are announced.
            (_, Event::Revoke { ground, on, urgent: true, serious }) => step(
                Lifecycle::Revoked {
                    case: self.case(),
                    ground: *ground,
                    on: *on,
                    urgent: true,
                    announced: must_announce(*ground, *serious),
                },
                Some("revoked"),
            ),
            (
                Lifecycle::Suspended { case, hearing_until, .. },
                Event::Revoke { ground, on, urgent: false, serious },
            ) => {
                if on <= hearing_until {
                    return Err(Refused::HearingRunning(*hearing_until));
                }
                step(
                    Lifecycle::Revoked {
                        case: *case,
                        ground: *ground,
                        on: *on,
                        urgent: false,
                        announced: must_announce(*ground, *serious),
                    },
                    Some("revoked"),
                )
            }
            (_, Event::Revoke { .. }) => Err(Refused::NoHearing),

            (Lifecycle::Suspended { .. }, Event::Reinstate { .. }) => step(Lifecycle::Active, Some("reinstated")),
            (_, Event::Reinstate { .. }) => Err(Refused::NotSuspended),
        }
    }
}

impl Event {
    pub fn on(&self) -> Date {
        match self {
            Event::Renewed { on }
            | Event::NonConformityFound { on, .. }
            | Event::Corrected { on, .. }
            | Event::DayPassed { on }
            | Event::Suspend { on, .. }
            | Event::Revoke { on, .. }
            | Event::Reinstate { on } => *on,
        }
    }
}

/// A false application is by definition a malicious case; anything staff mark serious (a large
/// impact on users) is announced too (SCHEME §5.4).
pub fn must_announce(ground: Ground, serious: bool) -> bool {
    serious || ground == Ground::FalseApplication
}

pub fn grace_end(opened: Date) -> Date {
    opened.saturating_add(GRACE_DAYS.days())
}

pub fn hearing_end(since: Date) -> Date {
    since.saturating_add(HEARING_DAYS.days())
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use proptest::prelude::*;

    use super::*;

    const DAY: Date = date(2026, 12, 1);

    fn opened() -> Lifecycle {
        Lifecycle::Active.apply(&Event::NonConformityFound { case: 7, source: Source::Monitoring, on: DAY }).unwrap().to
    }

    #[test]
    fn an_uncorrected_case_is_suspended_after_the_grace_and_revoked_after_the_hearing() {
        let correcting = opened();
        assert_eq!(correcting.state(), State::Active, "the label stays valid during the grace period");
        let same = correcting.apply(&Event::DayPassed { on: grace_end(DAY) }).unwrap();
        assert_eq!((same.to.clone(), same.kind), (correcting.clone(), None), "the last day of grace is still grace");
        let suspended = correcting.apply(&Event::DayPassed { on: grace_end(DAY).tomorrow().unwrap() }).unwrap();
        assert_eq!(suspended.kind, Some("suspended"));
        assert_eq!(suspended.to.state(), State::Suspended);
        let early = Event::Revoke {
            ground: Ground::NotCorrectedInGrace,
            on: DAY.saturating_add(35.days()),
            urgent: false,
            serious: false,
        };
        assert!(matches!(suspended.to.apply(&early), Err(Refused::HearingRunning(_))));
        let day_after_hearing = grace_end(DAY).saturating_add((HEARING_DAYS + 2).days());
        let revoked = suspended.to.apply(&Event::DayPassed { on: day_after_hearing }).unwrap();
        assert_eq!(revoked.kind, Some("revoked"));
        let Lifecycle::Revoked { ground, case, announced, .. } = revoked.to else { panic!("{:?}", revoked.to) };
        assert_eq!((ground, case, announced), (Ground::NotCorrectedInGrace, Some(7), false));
    }

    #[test]
    fn a_correction_closes_the_case_or_reinstates() {
        let closed = opened().apply(&Event::Corrected { how: Correction::Vex, on: DAY }).unwrap();
        assert_eq!((closed.to, closed.kind), (Lifecycle::Active, Some("case-closed")));
        let suspended = opened().apply(&Event::DayPassed { on: grace_end(DAY).saturating_add(1.days()) }).unwrap().to;
        let back = suspended.apply(&Event::Corrected { how: Correction::NewFirmware, on: grace_end(DAY) }).unwrap_err();
        assert!(matches!(back, Refused::BackInTime(..)), "{back}");
        let reinstated = suspended
            .apply(&Event::Corrected { how: Correction::NewFirmware, on: grace_end(DAY).saturating_add(3.days()) })
            .unwrap();
        assert_eq!((reinstated.to, reinstated.kind), (Lifecycle::Active, Some("reinstated")));
    }

    #[test]
    fn urgent_revocation_skips_the_hearing_and_false_applications_are_announced() {
        let revoked = Lifecycle::Active
            .apply(&Event::Revoke { ground: Ground::FalseApplication, on: DAY, urgent: true, serious: false })
            .unwrap()
            .to;
        assert!(matches!(revoked, Lifecycle::Revoked { announced: true, urgent: true, .. }));
        assert_eq!(
            Lifecycle::Active.apply(&Event::Revoke {
                ground: Ground::ObligationsNotMet,
                on: DAY,
                urgent: false,
                serious: true
            }),
            Err(Refused::NoHearing)
        );
        assert_eq!(revoked.apply(&Event::Reinstate { on: DAY }), Err(Refused::Revoked));
    }

    #[test]
    fn renewal_waits_for_open_cases() {
        assert_eq!(opened().apply(&Event::Renewed { on: DAY }), Err(Refused::OpenCase));
        assert_eq!(Lifecycle::Active.apply(&Event::Renewed { on: DAY }).unwrap().kind, Some("renewed"));
    }

    #[test]
    fn states_round_trip_through_json() {
        for state in [
            Lifecycle::Active,
            opened(),
            Lifecycle::Suspended {
                case: None,
                ground: Ground::ObligationsNotMet,
                since: DAY,
                hearing_until: DAY,
                urgent: true,
            },
            Lifecycle::Revoked {
                case: Some(1),
                ground: Ground::NoLongerConformant,
                on: DAY,
                urgent: false,
                announced: true,
            },
        ] {
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(serde_json::from_str::<Lifecycle>(&json).unwrap(), state, "{json}");
        }
    }

    fn ground() -> impl Strategy<Value = Ground> {
        prop::sample::select(Ground::ALL.to_vec())
    }

    /// Events on days drawn around `DAY`, so deadlines are sometimes met and sometimes not.
    fn event() -> impl Strategy<Value = Event> {
        let on = (0i64..120).prop_map(|d| DAY.saturating_add(d.days()));
        prop_oneof![
            on.clone().prop_map(|on| Event::Renewed { on }),
            (1i64..5, on.clone()).prop_map(|(case, on)| Event::NonConformityFound { case, source: Source::Report, on }),
            on.clone().prop_map(|on| Event::Corrected { how: Correction::UpdatedSbom, on }),
            on.clone().prop_map(|on| Event::DayPassed { on }),
            (ground(), on.clone(), any::<bool>()).prop_map(|(ground, on, urgent)| Event::Suspend {
                ground,
                on,
                urgent
            }),
            (ground(), on.clone(), any::<bool>(), any::<bool>())
                .prop_map(|(ground, on, urgent, serious)| Event::Revoke { ground, on, urgent, serious }),
            on.prop_map(|on| Event::Reinstate { on }),
        ]
    }

    /// What must hold of every state the machine can reach.
    fn legal(state: &Lifecycle) -> Result<(), String> {
        match state {
            Lifecycle::Active => Ok(()),
            Lifecycle::Correcting { opened, grace_until, .. } => {
                (*grace_until == grace_end(*opened)).then_some(()).ok_or("grace period of the wrong length".into())
            }
            Lifecycle::Suspended { since, hearing_until, urgent, .. } => {
                let expected = if *urgent { *since } else { hearing_end(*since) };
                (*hearing_until == expected).then_some(()).ok_or("hearing of the wrong length".into())
            }
            Lifecycle::Revoked { ground, announced, .. } => {
                if *ground == Ground::FalseApplication && !announced {
                    return Err("a false application's revocation was not announced".into());
                }
                Ok(())
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// No sequence of events reaches an illegal state; revocation is final; a revocation
        /// comes either urgently or after a suspension whose hearing had ended; refused events
        /// change nothing.
        #[test]
        fn no_sequence_of_events_reaches_an_illegal_state(events in prop::collection::vec(event(), 0..40)) {
            let mut state = Lifecycle::Active;
            for event in &events {
                match state.apply(event) {
                    Ok(transition) => {
                        prop_assert_eq!(&transition.from, &state);
                        if let Lifecycle::Revoked { .. } = &state {
                            prop_assert!(false, "left a revoked state");
                        }
                        if let Lifecycle::Revoked { urgent, on, .. } = &transition.to
                            && !matches!(state, Lifecycle::Revoked { .. })
                        {
                            let after_hearing = matches!(&state, Lifecycle::Suspended { hearing_until, .. } if on > hearing_until);
                            prop_assert!(*urgent || after_hearing, "revoked without hearing: {:?} -> {:?}", state, transition.to);
                        }
                        if transition.to != transition.from {
                            prop_assert!(transition.kind.is_some(), "a silent change: {:?}", transition);
                        }
                        legal(&transition.to).map_err(TestCaseError::fail)?;
                        state = transition.to;
                    }
                    Err(_) => legal(&state).map_err(TestCaseError::fail)?,
                }
            }
        }
    }
}
