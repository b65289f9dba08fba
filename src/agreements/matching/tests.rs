//! Unit tests of request matching and path templates.

use jiff::civil::date;

use super::*;
use crate::agreements::model::*;

fn flow(id: &str, from: &str, to: &str, method: &str, path: &str, purposes: &[&str]) -> Flow {
    Flow {
        id: id.into(),
        from: from.into(),
        to: to.into(),
        method: method.into(),
        path: path.into(),
        purposes: purposes.iter().map(|s| s.to_string()).collect(),
        request_schema: Some("r.json".into()),
        response_schema: None,
        query: vec![],
        content_encodings: vec![],
        regime: Default::default(),
        lawful_basis: None,
    }
}

fn agreement(id: &str, status: AgreementStatus, flows: Vec<Flow>) -> LoadedAgreement {
    LoadedAgreement {
        agreement: Agreement {
            id: id.into(),
            title: "t".into(),
            version: 1,
            status,
            owner: "o".into(),
            parties: vec!["lcc-ssc".into(), "merseyside-police".into()],
            dpia: Some("D".into()),
            effective_from: date(2026, 1, 1),
            expires: date(2027, 1, 1),
            review_by: None,
            lawful_basis: LawfulBasis::default(),
            purposes: vec![],
            retention: "r".into(),
            flows,
            emergency: None,
            international_transfer: None,
            restrictions_override: None,
            approvers: vec![],
            decision_maker: None,
            dpo_consulted: None,
            dpia_outcome: None,
            statutory_power: None,
            controllers: None,
        },
        path: format!("{id}.yaml").into(),
        sha256: "0".repeat(64),
    }
}

fn referral() -> Flow {
    flow("referral", "lcc-ssc", "merseyside-police", "POST", "/v1/referrals", &["safeguarding"])
}

fn key<'a>() -> RequestKey<'a> {
    RequestKey::referral("lcc-ssc", "merseyside-police")
}

const TODAY: Date = date(2026, 11, 23);

fn set(agreements: Vec<LoadedAgreement>) -> AgreementSet {
    AgreementSet { agreements, ..Default::default() }
}

fn code(r: Result<Matched<'_>, Vec<Reason>>) -> RefusalCode {
    match r {
        Ok(m) => panic!("expected a refusal, got {m:?}"),
        Err(reasons) => {
            assert_eq!(reasons.len(), 1);
            reasons[0].code
        }
    }
}

#[test]
fn matches_a_flow_of_an_in_force_agreement() {
    let s = set(vec![agreement("A", AgreementStatus::Active, vec![referral()])]);
    match match_request(&s, &key(), TODAY).unwrap() {
        Matched::Flow { agreement, flow } => {
            assert_eq!(agreement.agreement.id, "A");
            assert_eq!(flow.id, "referral");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_recipient_and_uncovered_pair_get_the_same_reason() {
    let s = set(vec![agreement("A", AgreementStatus::Active, vec![referral()])]);
    let unknown =
        match_request(&s, &RequestKey { recipient: "no-such-agency", ..key() }, TODAY).unwrap_err();
    let uncovered =
        match_request(&s, &RequestKey { caller: "nhs-trust", ..key() }, TODAY).unwrap_err();
    assert_eq!(unknown, uncovered);
    assert_eq!(unknown[0].code, RefusalCode::NoAgreement);
    // Direction matters.
    let reverse = RequestKey { caller: "merseyside-police", recipient: "lcc-ssc", ..key() };
    assert_eq!(code(match_request(&s, &reverse, TODAY)), RefusalCode::NoAgreement);
    // Method and path matter.
    assert_eq!(
        code(match_request(&s, &RequestKey { method: "GET", ..key() }, TODAY)),
        RefusalCode::NoAgreement
    );
    assert_eq!(
        code(match_request(&s, &RequestKey { path: "/v1/other", ..key() }, TODAY)),
        RefusalCode::NoAgreement
    );
}

#[test]
fn suspended_expired_draft_and_future_agreements_are_not_in_force() {
    for status in [AgreementStatus::Suspended, AgreementStatus::Expired, AgreementStatus::Draft] {
        let s = set(vec![agreement("A", status, vec![referral()])]);
        assert_eq!(code(match_request(&s, &key(), TODAY)), RefusalCode::AgreementNotInForce);
    }
    let s = set(vec![agreement("A", AgreementStatus::Active, vec![referral()])]);
    assert_eq!(
        code(match_request(&s, &key(), date(2025, 12, 31))),
        RefusalCode::AgreementNotInForce
    );
    assert_eq!(code(match_request(&s, &key(), date(2027, 1, 1))), RefusalCode::AgreementNotInForce);
    assert!(match_request(&s, &key(), date(2026, 1, 1)).is_ok());
    assert!(match_request(&s, &key(), date(2026, 12, 31)).is_ok());
}

#[test]
fn purpose_must_be_allowed() {
    let s = set(vec![agreement("A", AgreementStatus::Active, vec![referral()])]);
    let r = match_request(&s, &RequestKey { purpose: "marketing", ..key() }, TODAY).unwrap_err();
    assert_eq!(r[0].code, RefusalCode::PurposeNotAllowed);
    assert!(!r[0].detail.contains("marketing"), "the sentence must not echo the header");
}

#[test]
fn two_agreements_need_the_header_and_a_wrong_header_is_no_agreement() {
    let s = set(vec![
        agreement("A", AgreementStatus::Active, vec![referral()]),
        agreement("B", AgreementStatus::Active, vec![referral()]),
    ]);
    assert_eq!(code(match_request(&s, &key(), TODAY)), RefusalCode::AgreementAmbiguous);
    match match_request(&s, &RequestKey { agreement: Some("B"), ..key() }, TODAY).unwrap() {
        Matched::Flow { agreement, .. } => assert_eq!(agreement.agreement.id, "B"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        code(match_request(&s, &RequestKey { agreement: Some("C"), ..key() }, TODAY)),
        RefusalCode::NoAgreement
    );
}

#[test]
fn a_purpose_settles_which_agreement() {
    let mut other = referral();
    other.purposes = vec!["crime-prevention".into()];
    let s = set(vec![
        agreement("A", AgreementStatus::Active, vec![referral()]),
        agreement("B", AgreementStatus::Active, vec![other]),
    ]);
    match match_request(&s, &RequestKey { purpose: "crime-prevention", ..key() }, TODAY).unwrap() {
        Matched::Flow { agreement, .. } => assert_eq!(agreement.agreement.id, "B"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_suspended_agreement_does_not_make_an_active_one_ambiguous() {
    let s = set(vec![
        agreement("A", AgreementStatus::Suspended, vec![referral()]),
        agreement("B", AgreementStatus::Active, vec![referral()]),
    ]);
    assert!(matches!(match_request(&s, &key(), TODAY), Ok(Matched::Flow { .. })));
}

#[test]
fn transfers_outside_the_uk_need_a_safeguard() {
    let mut a = agreement("A", AgreementStatus::Active, vec![referral()]);
    let k = RequestKey { recipient_jurisdiction: "IE", ..key() };
    let s = set(vec![a.clone()]);
    assert_eq!(code(match_request(&s, &k, TODAY)), RefusalCode::InternationalTransfer);
    a.agreement.international_transfer = Some(InternationalTransfer {
        safeguard: Safeguard::Adequacy,
        reference: "UK adequacy regulations".into(),
    });
    let s = set(vec![a]);
    assert!(match_request(&s, &k, TODAY).is_ok());
}

fn with_clause(categories: Option<Vec<&str>>, allowed: bool) -> LoadedAgreement {
    let mut a = agreement("A", AgreementStatus::Active, vec![referral()]);
    a.agreement.emergency = Some(EmergencyClause {
        allowed,
        request_schema: "e.json".into(),
        response_schema: None,
        categories: categories.map(|c| c.into_iter().map(String::from).collect()),
    });
    a
}

fn policy(rules: Vec<EmergencyRule>) -> EmergencyPolicy {
    EmergencyPolicy { version: 1, rules, limits: EmergencyLimits::default() }
}

fn rule(
    from: &[&str],
    to: &[&str],
    methods: Option<&[&str]>,
    paths: Option<&[&str]>,
) -> EmergencyRule {
    EmergencyRule {
        id: "blue-light".into(),
        from: from.iter().map(|s| s.to_string()).collect(),
        to: to.iter().map(|s| s.to_string()).collect(),
        categories: vec!["risk-to-life".into()],
        methods: methods.map(|m| m.iter().map(|s| s.to_string()).collect()),
        paths: paths.map(|m| m.iter().map(|s| s.to_string()).collect()),
        request_schema: "g.json".into(),
        response_schema: None,
        lawful_basis: LawfulBasis::default(),
    }
}

fn emergency<'a>(category: &'a str) -> RequestKey<'a> {
    RequestKey { emergency: Some(category), purpose: "", ..key() }
}

#[test]
fn unknown_emergency_category() {
    let s = set(vec![with_clause(None, true)]);
    assert_eq!(code(match_request(&s, &emergency("bad-day"), TODAY)), RefusalCode::UnknownCategory);
}

#[test]
fn emergency_under_an_agreement_clause_needs_no_purpose() {
    let s = set(vec![with_clause(None, true)]);
    match match_request(&s, &emergency("risk-to-life"), TODAY).unwrap() {
        Matched::EmergencyClause { agreement, flow, clause } => {
            assert_eq!(agreement.agreement.id, "A");
            assert_eq!(flow.id, "referral");
            assert_eq!(clause.request_schema, "e.json");
        }
        other => panic!("{other:?}"),
    }
    // The flow's method and path must still match.
    let k = RequestKey { path: "/v1/other", ..emergency("risk-to-life") };
    assert_eq!(code(match_request(&s, &k, TODAY)), RefusalCode::EmergencyNotAllowed);
}

#[test]
fn clause_categories_and_allowed_flag_are_honoured() {
    let s = set(vec![with_clause(Some(vec!["child-at-risk"]), true)]);
    assert_eq!(
        code(match_request(&s, &emergency("risk-to-life"), TODAY)),
        RefusalCode::EmergencyNotAllowed
    );
    assert!(match_request(&s, &emergency("child-at-risk"), TODAY).is_ok());
    let s = set(vec![with_clause(None, false)]);
    assert_eq!(
        code(match_request(&s, &emergency("risk-to-life"), TODAY)),
        RefusalCode::EmergencyNotAllowed
    );
}

#[test]
fn a_covering_agreement_without_clause_is_not_overridden_by_the_policy() {
    let mut s = set(vec![agreement("A", AgreementStatus::Active, vec![referral()])]);
    s.emergency_policy = Some(policy(vec![rule(&["*"], &["*"], None, None)]));
    assert_eq!(
        code(match_request(&s, &emergency("risk-to-life"), TODAY)),
        RefusalCode::EmergencyNotAllowed
    );
}

#[test]
fn the_policy_applies_where_no_agreement_covers_the_pair() {
    let mut s = set(vec![]);
    s.emergency_policy = Some(policy(vec![rule(&["lcc-ssc"], &["merseyside-police"], None, None)]));
    assert!(matches!(
        match_request(&s, &emergency("risk-to-life"), TODAY),
        Ok(Matched::EmergencyPolicy { .. })
    ));
    // Category not in the rule.
    assert_eq!(
        code(match_request(&s, &emergency("serious-crime"), TODAY)),
        RefusalCode::EmergencyNotAllowed
    );
    // Methods default to POST.
    let k = RequestKey { method: "PUT", ..emergency("risk-to-life") };
    assert_eq!(code(match_request(&s, &k, TODAY)), RefusalCode::EmergencyNotAllowed);
    // Wrong caller.
    let k = RequestKey { caller: "nhs-trust", ..emergency("risk-to-life") };
    assert_eq!(code(match_request(&s, &k, TODAY)), RefusalCode::EmergencyNotAllowed);
    // Outside the UK: never under the policy.
    let k = RequestKey { recipient_jurisdiction: "FR", ..emergency("risk-to-life") };
    assert_eq!(code(match_request(&s, &k, TODAY)), RefusalCode::InternationalTransfer);
}

#[test]
fn policy_methods_and_paths_restrict_the_rule() {
    let mut s = set(vec![]);
    s.emergency_policy = Some(policy(vec![rule(
        &["*"],
        &["merseyside-police"],
        Some(&["PUT"]),
        Some(&["/v1/cases/{id}"]),
    )]));
    let k = RequestKey { method: "PUT", path: "/v1/cases/42", ..emergency("risk-to-life") };
    assert!(match_request(&s, &k, TODAY).is_ok());
    let k = RequestKey { method: "PUT", path: "/v1/referrals", ..emergency("risk-to-life") };
    assert_eq!(code(match_request(&s, &k, TODAY)), RefusalCode::EmergencyNotAllowed);
    assert_eq!(
        code(match_request(&s, &emergency("risk-to-life"), TODAY)),
        RefusalCode::EmergencyNotAllowed
    );
}

#[test]
fn a_suspended_agreement_never_covers_a_pair() {
    let mut a = with_clause(None, true);
    a.agreement.status = AgreementStatus::Suspended;
    let mut s = set(vec![a]);
    assert_eq!(
        code(match_request(&s, &emergency("risk-to-life"), TODAY)),
        RefusalCode::EmergencyNotAllowed
    );
    s.emergency_policy = Some(policy(vec![rule(&["lcc-ssc"], &["merseyside-police"], None, None)]));
    assert!(matches!(
        match_request(&s, &emergency("risk-to-life"), TODAY),
        Ok(Matched::EmergencyPolicy { .. })
    ));
}

#[test]
fn no_policy_and_no_agreement_is_not_allowed() {
    let s = set(vec![]);
    assert_eq!(
        code(match_request(&s, &emergency("risk-to-life"), TODAY)),
        RefusalCode::EmergencyNotAllowed
    );
}

/// One row of `path_cases.toml`: `[a, b, expected]`.
type PathCase = (String, String, bool);

/// `path_cases.toml`: each function's cases.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PathCases {
    path_matches: Vec<PathCase>,
    templates_overlap: Vec<PathCase>,
}

#[test]
fn path_templates_match_and_overlap_as_documented() {
    let cases: PathCases = toml::from_str(include_str!("path_cases.toml")).unwrap();
    type Check = fn(&str, &str) -> bool;
    let checks: [(&str, Check, &[PathCase]); 2] = [
        ("path_matches", path_matches, &cases.path_matches),
        ("templates_overlap", templates_overlap, &cases.templates_overlap),
    ];
    for (name, check, cases) in checks {
        assert!(!cases.is_empty(), "{name} has no cases");
        for (a, b, expected) in cases {
            assert_eq!(check(a, b), *expected, "{name}({a:?}, {b:?})");
        }
    }
}

#[test]
fn overlap_agrees_with_matching_on_samples() {
    let templates =
        ["/", "/*", "/a", "/b", "/a/b", "/{x}", "/a/{y}", "/a/*", "/{x}/b", "/{x}/*", "/a/b/*"];
    let paths = ["/", "/a", "/b", "/c", "/a/b", "/a/c", "/b/b", "/a/b/c", "/c/b/a", "/a/b/c/d"];
    for a in templates {
        for b in templates {
            let witnessed = paths.iter().any(|p| path_matches(a, p) && path_matches(b, p));
            if witnessed {
                assert!(templates_overlap(a, b), "{a} and {b} share a path");
            }
            assert_eq!(templates_overlap(a, b), templates_overlap(b, a), "{a} {b}");
        }
    }
}

#[test]
fn bad_templates_are_explained() {
    for good in ["/", "/v1/referrals", "/v1/cases/{case_id}", "/v1/x/*", "/v1/a:b"] {
        assert_eq!(template_problem(good), None, "{good}");
    }
    for bad in [
        "v1/referrals",
        "/v1//x",
        "/v1/x/",
        "/v1/../x",
        "/v1/*/x",
        "/v1/{}",
        "/v1/{a b}",
        "/v1/x?y=1",
        "/v1/a%20b",
        "/v1/a{b}",
        "/v1/a b",
    ] {
        assert!(template_problem(bad).is_some(), "{bad}");
    }
}
