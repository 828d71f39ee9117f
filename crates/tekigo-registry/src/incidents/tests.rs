use proptest::prelude::*;
use tekigo_base::Lang;

use super::*;

/// The table as a person reads it, one language.
fn render(lang: Lang) -> String {
    let mut out = String::new();
    for case in Case::ALL {
        out.push_str(&format!("{} ({}): {}\n", case.name(), case.cause().letter(), case.text().get(lang)));
        for duty in responsibilities(case) {
            let actions: Vec<&str> = duty.actions.iter().map(|a| a.name()).collect();
            out.push_str(&format!(
                "  {}: {} [{}]\n",
                duty.stakeholder.text().get(lang),
                duty.duty.get(lang),
                actions.join(", ")
            ));
        }
    }
    out
}

#[test]
fn the_table_in_both_languages() {
    insta::assert_snapshot!("responsibilities_en", render(Lang::En));
    insta::assert_snapshot!("responsibilities_ja", render(Lang::Ja));
}

#[test]
fn the_table_pinned() {
    let who = |case| responsibilities(case).iter().map(|d| d.stakeholder).collect::<Vec<_>>();
    use Stakeholder::*;
    // Empty cells ("-") are no duty.
    assert_eq!(who(Case::A1), [UserOrProcurer, SchemeOwner]);
    assert_eq!(who(Case::A2), Stakeholder::ALL);
    assert_eq!(who(Case::B1), Stakeholder::ALL);
    assert_eq!(who(Case::B2), [UserOrProcurer, Vendor, SchemeOwner]);
    // "as A-2": B-1's evaluator, certification body and scheme owner cells are A-2's.
    let a2 = responsibilities(Case::A2);
    let b1 = responsibilities(Case::B1);
    assert_eq!(a2[2..], b1[2..]);
    // Revocation only where the label was in fact wrong.
    for case in Case::ALL {
        let revokes = responsibilities(case).iter().any(|d| d.actions.contains(&Action::RevokeLabel));
        assert_eq!(revokes, case.opens_case(), "{case:?}");
        let committee = responsibilities(case).iter().any(|d| d.actions.contains(&Action::CommitteeReviewsCriteria));
        assert_eq!(committee, case == Case::B2, "{case:?}");
    }
    let a1 = responsibilities(Case::A1);
    assert_eq!(a1[1].actions, [Action::CheckCriteria, Action::Awareness]);
}

#[test]
fn every_text_in_both_languages() {
    for case in Case::ALL {
        for duty in responsibilities(case) {
            assert!(!duty.duty.en.is_empty() && !duty.duty.ja.is_empty());
            for action in duty.actions {
                assert!(!action.text().en.is_empty() && !action.text().ja.is_empty());
            }
        }
    }
}

#[test]
fn case_names_round_trip() {
    for case in Case::ALL {
        assert_eq!(Case::parse(case.name()), Some(case));
        assert_eq!(serde_json::to_value(case).unwrap(), case.name());
    }
    assert_eq!(Case::parse("b2"), Some(Case::B2));
    assert_eq!(Case::parse("C-1"), None);
    assert_eq!(Cause::parse("A"), Some(Cause::UserSettingsOrUse));
    assert_eq!(Cause::parse("product-security"), Some(Cause::ProductSecurity));
}

fn facts(id: i64, case: Case, requirements: &[&str]) -> IncidentFacts {
    IncidentFacts { id, case, requirements: requirements.iter().map(|r| (*r).to_owned()).collect() }
}

#[test]
fn recurring_b2_incidents_put_a_requirement_on_the_agenda() {
    let incidents = [
        facts(1, Case::B2, &["S1.1-01"]),
        facts(2, Case::B2, &["S1.1-01", "S1.1-03"]),
        facts(3, Case::B1, &["S1.1-03"]),
        facts(4, Case::A1, &["S1.1-03"]),
        facts(5, Case::B2, &["S1.1-05"]),
    ];
    assert_eq!(
        agenda_items(&incidents, AGENDA_THRESHOLD),
        [AgendaItem { requirement_id: "S1.1-01".into(), incidents: vec![1, 2] }]
    );
    // A third joins the same item.
    let mut more = incidents.to_vec();
    more.push(facts(6, Case::B2, &["S1.1-01"]));
    assert_eq!(agenda_items(&more, 2)[0].incidents, [1, 2, 6]);
    // The same incident twice, or one requirement named twice, is one incident.
    let twice = [facts(7, Case::B2, &["S1.1-02", "S1.1-02"]), facts(7, Case::B2, &["S1.1-02"])];
    assert!(agenda_items(&twice, 2).is_empty());
    assert_eq!(agenda_items(&twice, 1).len(), 1);
    assert!(agenda_items(&[], 2).is_empty());
}

proptest! {
    #[test]
    fn classify_is_total_and_agrees_with_the_table(cause in prop::sample::select(Cause::ALL.to_vec()), information: bool, met: bool) {
        let case = classify(cause, information, met);
        prop_assert_eq!(case.cause(), cause);
        match case {
            Case::A1 => prop_assert!(information),
            Case::A2 => prop_assert!(!information),
            Case::B1 => prop_assert!(!met),
            Case::B2 => prop_assert!(met),
        }
        // The other cause's fact does not matter.
        match cause {
            Cause::UserSettingsOrUse => prop_assert_eq!(classify(cause, information, !met), case),
            Cause::ProductSecurity => prop_assert_eq!(classify(cause, !information, met), case),
        }
    }

    #[test]
    fn agenda_items_meet_the_threshold(
        raw in prop::collection::vec((0i64..20, 0usize..4, prop::collection::vec(0usize..4, 0..3)), 0..30),
        threshold in 0usize..4,
    ) {
        let ids = ["S1.1-01", "S1.1-02", "S1.1-03", "S1.2-01"];
        let incidents: Vec<IncidentFacts> = raw
            .iter()
            .map(|(id, case, reqs)| IncidentFacts { id: *id, case: Case::ALL[*case], requirements: reqs.iter().map(|r| ids[*r].to_owned()).collect() })
            .collect();
        for item in agenda_items(&incidents, threshold) {
            prop_assert!(item.incidents.len() >= threshold.max(1));
            for id in &item.incidents {
                prop_assert!(incidents.iter().any(|i| i.id == *id && i.case == Case::B2 && i.requirements.contains(&item.requirement_id)));
            }
        }
    }
}
