//! Incidents on labeled products (SCHEME §6), pure: no I/O. An incident is classified into one of
//! the four cases of the scheme's table by two facts, each case names who does what
//! ([`responsibilities`], the table in one place), and incidents the criteria could not prevent
//! (case B-2) put a review of the criteria on the technical committee's agenda when they recur
//! ([`agenda_items`]).

mod store;

pub use store::{AgendaEntry, Improvement, Incident, IncidentRecord, NewIncident};

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use tekigo_base::Text;

/// Distinct B-2 incidents on one requirement that put it on the committee's agenda: "when
/// incidents that the criteria could not prevent recur" (SCHEME §6) — recurring means twice.
pub const AGENDA_THRESHOLD: usize = 2;

/// What caused the incident (SCHEME §6, column "cause").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// A: the user's settings or use.
    UserSettingsOrUse,
    /// B: the product's own security.
    ProductSecurity,
}

impl Cause {
    pub const ALL: [Cause; 2] = [Cause::UserSettingsOrUse, Cause::ProductSecurity];

    pub fn name(self) -> &'static str {
        match self {
            Cause::UserSettingsOrUse => "user-settings-or-use",
            Cause::ProductSecurity => "product-security",
        }
    }

    pub fn parse(text: &str) -> Option<Cause> {
        Cause::ALL.into_iter().find(|c| c.name() == text || c.letter() == text)
    }

    /// The table's letter: `A` or `B`.
    pub fn letter(self) -> &'static str {
        match self {
            Cause::UserSettingsOrUse => "A",
            Cause::ProductSecurity => "B",
        }
    }

    pub fn text(self) -> Text {
        match self {
            Cause::UserSettingsOrUse => Text::new("the user's settings or use", "利用者の設定・使い方"),
            Cause::ProductSecurity => Text::new("the product's own security", "製品自体のセキュリティ"),
        }
    }
}

/// The four cases of SCHEME §6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Case {
    #[serde(rename = "A-1")]
    A1,
    #[serde(rename = "A-2")]
    A2,
    #[serde(rename = "B-1")]
    B1,
    #[serde(rename = "B-2")]
    B2,
}

impl Case {
    pub const ALL: [Case; 4] = [Case::A1, Case::A2, Case::B1, Case::B2];

    pub fn name(self) -> &'static str {
        match self {
            Case::A1 => "A-1",
            Case::A2 => "A-2",
            Case::B1 => "B-1",
            Case::B2 => "B-2",
        }
    }

    /// `A-2`, `a2`, `A2`: the table's name, case and dash optional.
    pub fn parse(text: &str) -> Option<Case> {
        let wanted: String = text.trim().chars().filter(|c| *c != '-').collect::<String>().to_ascii_uppercase();
        Case::ALL.into_iter().find(|c| c.name().replace('-', "") == wanted)
    }

    pub fn cause(self) -> Cause {
        match self {
            Case::A1 | Case::A2 => Cause::UserSettingsOrUse,
            Case::B1 | Case::B2 => Cause::ProductSecurity,
        }
    }

    /// The case's row heading in the table.
    pub fn text(self) -> Text {
        match self {
            Case::A1 => Text::new(
                "caused by the user's settings or use; the vendor gave the information the criteria require",
                "利用者の設定・使い方による。ベンダーは基準が求める情報を提供していた",
            ),
            Case::A2 => Text::new(
                "caused by the user's settings or use; the vendor did not give the information the criteria require",
                "利用者の設定・使い方による。ベンダーは基準が求める情報を提供していなかった",
            ),
            Case::B1 => Text::new(
                "caused by the product's security; the product did not in fact meet the criteria",
                "製品のセキュリティによる。製品は実際には基準を満たしていなかった",
            ),
            Case::B2 => Text::new(
                "caused by the product's security; the criteria could not prevent the incident",
                "製品のセキュリティによる。基準では防げなかった",
            ),
        }
    }

    /// Whether the case is a non-conformity of the label: the certification body investigates
    /// and the revocation path opens (SCHEME §6 A-2 and B-1, §5.4).
    pub fn opens_case(self) -> bool {
        matches!(self, Case::A2 | Case::B1)
    }
}

/// The classification rule of SCHEME §6. Under cause A only the information counts; under cause B
/// only whether the product met the criteria.
pub fn classify(cause: Cause, vendor_gave_required_information: bool, product_met_criteria: bool) -> Case {
    match cause {
        Cause::UserSettingsOrUse if vendor_gave_required_information => Case::A1,
        Cause::UserSettingsOrUse => Case::A2,
        Cause::ProductSecurity if product_met_criteria => Case::B2,
        Cause::ProductSecurity => Case::B1,
    }
}

/// The columns of the table (SCHEME §1, §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stakeholder {
    UserOrProcurer,
    Vendor,
    Evaluator,
    CertificationBody,
    SchemeOwner,
}

impl Stakeholder {
    pub const ALL: [Stakeholder; 5] = [
        Stakeholder::UserOrProcurer,
        Stakeholder::Vendor,
        Stakeholder::Evaluator,
        Stakeholder::CertificationBody,
        Stakeholder::SchemeOwner,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Stakeholder::UserOrProcurer => "user-or-procurer",
            Stakeholder::Vendor => "vendor",
            Stakeholder::Evaluator => "evaluator",
            Stakeholder::CertificationBody => "certification-body",
            Stakeholder::SchemeOwner => "scheme-owner",
        }
    }

    pub fn text(self) -> Text {
        match self {
            Stakeholder::UserOrProcurer => Text::new("user / procurer", "利用者・調達者"),
            Stakeholder::Vendor => Text::new("vendor", "ベンダー"),
            Stakeholder::Evaluator => Text::new("evaluator", "評価者"),
            Stakeholder::CertificationBody => Text::new("certification body", "認証機関"),
            Stakeholder::SchemeOwner => Text::new("scheme owner / technical committee", "制度所有者・技術委員会"),
        }
    }
}

/// What can be done about an incident, a closed list. The certification body's and the scheme
/// owner's actions are the registry's to carry out; the others are what it tells the parties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// The user or procurer works the incident out with the vendor and the others.
    RespondWithParties,
    /// The vendor finds the cause and answers for it.
    InvestigateAndRespond,
    /// Procure or build to a higher level next time.
    ConsiderHigherLevel,
    /// The evaluator finds why conformity was misjudged or missed and improves its evaluation.
    ImproveEvaluation,
    /// The certification body investigates the non-conformity (a case against the label).
    InvestigateNonConformity,
    /// The certification body revokes the label (SCHEME §5.4): the case's revocation path.
    RevokeLabel,
    /// The scheme owner reviews lab accreditation criteria, the verifier definition and the
    /// self-declaration method.
    ReviewAccreditationAndMethods,
    /// The scheme owner checks that the criteria ask for the information users need.
    CheckCriteria,
    /// The scheme owner raises users' awareness of secure settings and use.
    Awareness,
    /// The technical committee reviews the criteria's validity (the agenda, on recurrence).
    CommitteeReviewsCriteria,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::RespondWithParties => "respond-with-parties",
            Action::InvestigateAndRespond => "investigate-and-respond",
            Action::ConsiderHigherLevel => "consider-higher-level",
            Action::ImproveEvaluation => "improve-evaluation",
            Action::InvestigateNonConformity => "investigate-non-conformity",
            Action::RevokeLabel => "revoke-label",
            Action::ReviewAccreditationAndMethods => "review-accreditation-and-methods",
            Action::CheckCriteria => "check-criteria",
            Action::Awareness => "awareness",
            Action::CommitteeReviewsCriteria => "committee-reviews-criteria",
        }
    }

    pub fn text(self) -> Text {
        match self {
            Action::RespondWithParties => Text::new("respond together with the parties", "関係者と連携して対応する"),
            Action::InvestigateAndRespond => Text::new("investigate the cause and respond", "原因を調査し対応する"),
            Action::ConsiderHigherLevel => {
                Text::new("consider a higher level (★) next time", "より高いレベル（★）を検討する")
            }
            Action::ImproveEvaluation => Text::new(
                "find why conformity was misjudged or missed, and improve the evaluation",
                "適合の誤判断・見落としの原因を究明し、評価を改善する",
            ),
            Action::InvestigateNonConformity => {
                Text::new("investigate the non-conformity (open a case)", "不適合を調査する（案件を開く）")
            }
            Action::RevokeLabel => Text::new("revoke the label (SCHEME §5.4)", "ラベルを取り消す（SCHEME §5.4）"),
            Action::ReviewAccreditationAndMethods => Text::new(
                "review lab accreditation criteria, the verifier definition and the self-declaration method",
                "試験所の認定基準、検証事業者の定義、自己宣言の方法を見直す",
            ),
            Action::CheckCriteria => Text::new("check the criteria", "基準を確認する"),
            Action::Awareness => Text::new("run awareness activities for users", "利用者への普及啓発を行う"),
            Action::CommitteeReviewsCriteria => Text::new(
                "the technical committee reviews the criteria's validity",
                "技術委員会が基準の妥当性を検証する",
            ),
        }
    }
}

/// One cell of the table: what one stakeholder does in one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Duty {
    pub stakeholder: Stakeholder,
    pub duty: Text,
    pub actions: Vec<Action>,
}

fn duty(stakeholder: Stakeholder, en: &str, ja: &str, actions: &[Action]) -> Duty {
    Duty { stakeholder, duty: Text::new(en, ja), actions: actions.to_vec() }
}

/// Who does what in `case`: the table of SCHEME §6, one row per arm, in the table's column order.
/// A cell marked "-" in the table is no duty and is left out.
pub fn responsibilities(case: Case) -> Vec<Duty> {
    use Action::*;
    use Stakeholder::*;
    // The certification body's, the evaluator's and the scheme owner's cells of A-2, which B-1
    // repeats ("as A-2").
    let evaluator_a2 = || {
        duty(
            Evaluator,
            "Finds out why conformity was misjudged (self-assessment) or missed (third party), and improves.",
            "適合を誤って判断した（自己適合）または見落とした（第三者）原因を究明し、改善する。",
            &[ImproveEvaluation],
        )
    };
    let certification_body_a2 = || {
        duty(
            CertificationBody,
            "Investigates the non-conformity and revokes the label.",
            "不適合を調査し、ラベルを取り消す。",
            &[InvestigateNonConformity, RevokeLabel],
        )
    };
    let scheme_owner_a2 = || {
        duty(
            SchemeOwner,
            "Checks the lab accreditation criteria, the definition of verifiers and the self-declaration method.",
            "試験所の認定基準、検証事業者の定義、自己宣言の方法を確認する。",
            &[ReviewAccreditationAndMethods],
        )
    };
    match case {
        // SCHEME §6 row A-1: user's settings or use; the vendor gave the required information.
        // Vendor, evaluator and certification body: "-".
        Case::A1 => vec![
            duty(
                UserOrProcurer,
                "Bears the loss and responds together with the parties.",
                "損失を負い、関係者と連携して対応する。",
                &[RespondWithParties],
            ),
            duty(
                SchemeOwner,
                "Checks the criteria and runs awareness activities.",
                "基準を確認し、普及啓発を行う。",
                &[CheckCriteria, Awareness],
            ),
        ],
        // SCHEME §6 row A-2: user's settings or use; the vendor did not give that information.
        Case::A2 => vec![
            duty(
                UserOrProcurer,
                "Bears the loss; may count as having done its duty by choosing a labeled product.",
                "損失を負う。ラベル取得製品を選んだことで注意義務を果たしたとみなされ得る。",
                &[],
            ),
            duty(
                Vendor,
                "May be liable in tort or contract; investigates and responds.",
                "不法行為責任・契約責任を問われ得る。原因を調査し対応する。",
                &[InvestigateAndRespond],
            ),
            evaluator_a2(),
            certification_body_a2(),
            scheme_owner_a2(),
        ],
        // SCHEME §6 row B-1: the product's security; it did not in fact meet the criteria.
        // Evaluator, certification body and scheme owner: "as A-2".
        Case::B1 => vec![
            duty(
                UserOrProcurer,
                "Responds together with the parties.",
                "関係者と連携して対応する。",
                &[RespondWithParties],
            ),
            duty(
                Vendor,
                "May be liable (product liability, tort, contract).",
                "製造物責任・不法行為責任・契約責任を問われ得る。",
                &[],
            ),
            evaluator_a2(),
            certification_body_a2(),
            scheme_owner_a2(),
        ],
        // SCHEME §6 row B-2: the product's security; the criteria could not prevent it.
        // Evaluator and certification body: "-". On recurrence the committee must review the
        // criteria (the agenda, `agenda_items`).
        Case::B2 => vec![
            duty(
                UserOrProcurer,
                "Responds; considers procuring a higher level.",
                "対応する。より高いレベルの製品の調達を検討する。",
                &[RespondWithParties, ConsiderHigherLevel],
            ),
            duty(
                Vendor,
                "May be liable; investigates; considers a higher level.",
                "責任を問われ得る。原因を調査する。より高いレベルを検討する。",
                &[InvestigateAndRespond, ConsiderHigherLevel],
            ),
            duty(
                SchemeOwner,
                "The technical committee checks the criteria's validity; when such incidents recur it must review the criteria.",
                "技術委員会が基準の妥当性を検証する。同様のインシデントが繰り返されれば基準を見直さなければならない。",
                &[CommitteeReviewsCriteria],
            ),
        ],
    }
}

/// What the agenda rule needs to know of a stored incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentFacts {
    pub id: i64,
    pub case: Case,
    /// Requirement IDs of the criteria catalog, such as `S1.1-03`.
    pub requirements: Vec<String>,
}

/// "Review requirement X" on the technical committee's agenda, with the incidents that put it there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgendaItem {
    pub requirement_id: String,
    /// Distinct incident IDs, ascending.
    pub incidents: Vec<i64>,
}

/// The agenda rule (SCHEME §6: "when incidents that the criteria could not prevent recur, the
/// committee must review the criteria"): B-2 incidents grouped by the requirements they concern;
/// every requirement with at least `threshold` distinct incidents is an item. Other cases never
/// count: in the cause is the use, in B-1 the product, not the criteria. Items are in
/// requirement order.
pub fn agenda_items(incidents: &[IncidentFacts], threshold: usize) -> Vec<AgendaItem> {
    let mut groups: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
    for incident in incidents.iter().filter(|i| i.case == Case::B2) {
        for requirement in &incident.requirements {
            groups.entry(requirement.as_str()).or_default().insert(incident.id);
        }
    }
    groups
        .into_iter()
        .filter(|(_, ids)| ids.len() >= threshold.max(1))
        .map(|(requirement, ids)| AgendaItem {
            requirement_id: requirement.to_owned(),
            incidents: ids.into_iter().collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests;
