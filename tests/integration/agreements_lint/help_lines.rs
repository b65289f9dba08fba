//! Help lines a governance officer can act on (issue 13 part 4): a mistyped party is never
//! "corrected" towards the typo itself, and a `: ` inside an unquoted YAML value is
//! explained with the quoted line to write instead.

use isagate::agreements::lint::Report;
use isagate::agreements::load::load_with_findings;
use isagate::config::Config;
use jiff::civil::date;

use crate::support::{repo, scratch};

/// A lint fixture whose parties list `polce`, a typo of the registered `police` that its
/// flow names correctly.
fn agreement() -> String {
    let path = repo().join("tests/fixtures/lint/cases/expiring-soon.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains("parties: [council, police]") && text.contains("title: Test agreement"));
    text.replace("parties: [council, police]", "parties: [council, polce]")
}

fn lint(text: &str) -> Report {
    let dir = scratch();
    std::fs::write(dir.path().join("a.yaml"), text).unwrap();
    let fixtures = repo().join("tests/fixtures/lint");
    let agencies =
        Config::load_without_files(&fixtures.join("agencies.toml")).unwrap().to_agency_refs();
    let (_, report) = load_with_findings(
        dir.path(),
        &fixtures.join("schemas"),
        Some(&agencies),
        date(2026, 11, 23),
    )
    .unwrap();
    report
}

#[test]
fn a_mistyped_party_is_never_suggested_as_the_correction() {
    let report = lint(&agreement());
    let unknown = report.with_code("unknown-party").next().expect("`polce` is not registered");
    assert!(unknown.help.contains("did you mean `police`?"), "{}", unknown.help);
    let flow =
        report.with_code("flow-party-not-listed").next().expect("`police` is not in parties");
    assert!(!flow.help.contains("`polce`?"), "suggests the typo: {}", flow.help);
    assert!(flow.help.contains("`police` is a registered agency"), "{}", flow.help);
    assert!(
        flow.help.contains("`polce`") && flow.help.contains("correct `parties`"),
        "{}",
        flow.help
    );
}

#[test]
fn a_colon_inside_a_plain_value_says_to_quote_it() {
    let text = agreement()
        .replace("parties: [council, polce]", "parties: [council, police]")
        .replace("title: Test agreement", "title: Referrals: council to police");
    let report = lint(&text);
    let f = report.with_code("yaml-syntax").next().expect("a YAML syntax error");
    assert_eq!(f.line, 2);
    assert!(
        f.help.contains("double quotes")
            && f.help.contains("`title: \"Referrals: council to police\"`"),
        "{}",
        f.help
    );
    // Quoted, the same value is fine.
    let quoted = text
        .replace("title: Referrals: council to police", "title: \"Referrals: council to police\"");
    let report = lint(&quoted);
    assert_eq!(report.with_code("yaml-syntax").count(), 0, "{:#?}", report.findings);
    // Other syntax errors keep the general help.
    let broken = lint(&text.replace("title: Referrals: council to police", "title: [unclosed"));
    let f = broken.with_code("yaml-syntax").next().unwrap();
    assert!(f.help.contains("indentation"), "{}", f.help);
}
