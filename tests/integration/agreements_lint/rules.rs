//! Every lint rule against its fixture in `tests/fixtures/lint/cases/`: each case lists,
//! in `# expect:` comments, every finding it must produce (code, file, line, column).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use isagate::agreements::lint::{Report, Rule};
use isagate::agreements::load::load_with_findings;
use isagate::agreements::model::AgencyRef;
use isagate::config::Config;
use jiff::civil::date;

use crate::support::{repo, scratch};

fn fixtures() -> PathBuf {
    repo().join("tests/fixtures/lint")
}

/// Copy a case (one file, or a folder of files) into a fresh agreements folder and lint it
/// on 2026-11-23 with the fixture agencies.
fn lint_case(name: &str, with_agencies: bool) -> (Report, Vec<String>, tempfile::TempDir) {
    let dir = scratch();
    let src = fixtures().join("cases").join(name);
    let mut expected = Vec::new();
    let files: Vec<PathBuf> = if src.is_dir() {
        let mut v: Vec<PathBuf> =
            std::fs::read_dir(&src).unwrap().map(|e| e.unwrap().path()).collect();
        v.sort();
        v
    } else {
        vec![fixtures().join("cases").join(format!("{name}.yaml"))]
    };
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let base = f.file_name().unwrap().to_string_lossy().into_owned();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# expect: ") {
                let (code, at) = rest.split_once(' ').unwrap();
                let at = if at.matches(':').count() == 1 {
                    format!("{base}:{at}")
                } else {
                    at.to_string()
                };
                expected.push(format!("{code} {at}"));
            }
        }
        std::fs::copy(f, dir.path().join(&base)).unwrap();
    }
    let agencies = read_agencies(&fixtures().join("agencies.toml"));
    let agencies = with_agencies.then_some(agencies.as_slice());
    let (set, report) =
        load_with_findings(dir.path(), &fixtures().join("schemas"), agencies, date(2026, 11, 23))
            .unwrap();
    assert_eq!(set.is_some(), !report.refuses_load(), "a set exactly when no error refuses it");
    (report, expected, dir)
}

/// The agencies of a config file, read as `agreements check` reads them.
fn read_agencies(path: &Path) -> Vec<AgencyRef> {
    Config::load_without_files(path).unwrap().to_agency_refs()
}

fn actual(report: &Report) -> BTreeSet<String> {
    report
        .findings
        .iter()
        .map(|f| {
            let base = Path::new(&f.file).file_name().unwrap().to_string_lossy().into_owned();
            format!("{} {base}:{}:{}", f.code, f.line, f.column)
        })
        .collect()
}

/// Lint `name` and compare with its `# expect:` lines, exactly.
fn check(name: &str) -> Report {
    let (report, expected, _dir) = lint_case(name, true);
    let expected: BTreeSet<String> = expected.into_iter().collect();
    let got = actual(&report);
    assert_eq!(got, expected, "case `{name}`: findings differ\n{:#?}", report.findings);
    for f in &report.findings {
        assert!(!f.message.is_empty() && !f.help.is_empty(), "{f:?}");
    }
    report
}

macro_rules! cases {
    ($($test:ident => $case:literal,)*) => {
        $(#[test] fn $test() { check($case); })*
    };
}

cases! {
    yaml_syntax => "yaml-syntax",
    duplicate_key => "duplicate-key",
    unknown_key => "unknown-key",
    missing_key => "missing-key",
    wrong_type => "wrong-type",
    invalid_value => "invalid-value",
    duplicate_ids_within_an_agreement => "duplicate-ids-within",
    duplicate_agreement_ids_across_files => "duplicate-agreement-id",
    unknown_party => "unknown-party",
    flow_party_not_listed => "flow-party-not-listed",
    flow_to_self => "flow-to-self",
    unknown_purpose => "unknown-purpose",
    bad_schema_name => "bad-schema-name",
    schema_not_found => "schema-not-found",
    schema_not_json => "schema-not-json",
    schema_invalid => "schema-invalid",
    missing_dpia => "missing-dpia",
    expires_before_effective => "expires-before-effective",
    unknown_transform => "unknown-transform",
    unknown_category => "unknown-category",
    bad_subject_id => "bad-subject-id",
    unknown_annotation => "unknown-annotation",
    overlapping_flows => "overlapping-flows",
    emergency_clause => "emergency-clause",
    invalid_method => "invalid-method",
    invalid_path => "invalid-path",
    invalid_encoding => "invalid-encoding",
    overlapping_agreements => "overlapping-agreements",
    special_category_without_article_9 => "special-category-without-article-9",
    criminal_offence_without_article_10 => "criminal-offence-without-article-10",
    articles_present_silence_the_warnings => "articles-present",
    closed_schema => "closed-schema",
    review_overdue => "review-overdue",
    expiring_soon => "expiring-soon",
    expired => "expired",
    review_before_effective => "review-before-effective",
    request_form_keys => "request-form",
    unused_purpose => "unused-purpose",
    international_transfer_without_safeguard => "international-transfer-without-safeguard",
    international_transfer_with_safeguard => "international-transfer-with-safeguard",
    recipient_without_upstream => "recipient-without-upstream",
    ignored_file => "ignored-file",
    emergency_policy => "emergency-policy",
    unknown_lawful_basis => "unknown-lawful-basis",
    lawful_basis_wrong_list => "lawful-basis-wrong-list",
    lawful_basis_incomplete => "lawful-basis-incomplete",
    lawful_basis_wrong_regime => "lawful-basis-wrong-regime",
    missing_lawful_basis => "missing-lawful-basis",
    missing_policy_document => "missing-policy-document",
    legitimate_interests_by_public_authority => "legitimate-interests-by-public-authority",
    a_part_3_flow_beside_a_uk_gdpr_flow_is_clean => "lawful-basis-part-3-clean",
}

#[test]
fn without_agencies_one_warning_says_parties_were_not_checked() {
    let (report, _, _dir) = lint_case("unknown-party", false);
    let warnings: Vec<_> = report.with_code("parties-not-checked").collect();
    assert_eq!(warnings.len(), 1, "{:#?}", report.findings);
    assert_eq!(report.with_code("unknown-party").count(), 0);
    let (report, _, _dir) = lint_case("overlapping-agreements", false);
    assert_eq!(report.with_code("parties-not-checked").count(), 1, "once per run, not per file");
}

#[test]
fn every_rule_but_unreadable_files_has_a_fixture() {
    let mut seen = BTreeSet::new();
    for entry in std::fs::read_dir(fixtures().join("cases")).unwrap() {
        let path = entry.unwrap().path();
        let files: Vec<PathBuf> = if path.is_dir() {
            std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()).collect()
        } else {
            vec![path]
        };
        for f in files {
            for line in std::fs::read_to_string(&f).unwrap_or_default().lines() {
                if let Some(rest) = line.strip_prefix("# expect: ") {
                    seen.insert(rest.split(' ').next().unwrap().to_string());
                }
            }
        }
    }
    seen.insert("parties-not-checked".into());
    // Compares two sets, so it has no one-folder fixture: `versions.rs` tests it.
    seen.insert("version-not-increased".into());
    // Four-eyes, at a reload: `admin::proposals` tests it.
    seen.insert("unapproved-change".into());
    for rule in Rule::ALL {
        if *rule == Rule::UnreadableFile {
            continue;
        }
        assert!(seen.contains(rule.as_str()), "no fixture expects `{}`", rule.as_str());
    }
}

#[test]
fn findings_inside_schemas_point_below_the_first_line() {
    let report = check("unknown-transform");
    let f = report.with_code("unknown-transform").next().unwrap();
    assert!(f.file.ends_with("bad-transform.v1.json"));
    assert!(f.line > 1);
    assert!(f.help.contains("did you mean `year`?"), "{}", f.help);
}

#[test]
fn the_samples_lint_clean_in_process_with_their_hashes() {
    let agencies = read_agencies(&repo().join("examples/agencies.toml"));
    let (set, report) = load_with_findings(
        &repo().join("agreements"),
        &repo().join("schemas"),
        Some(&agencies),
        date(2026, 11, 23),
    )
    .unwrap();
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    let set = set.unwrap();
    assert!(set.agreements.len() >= 8);
    assert!(set.emergency_policy.is_some());
    for a in &set.agreements {
        let bytes = std::fs::read(&a.path).unwrap();
        assert_eq!(a.sha256, isagate::digest::sha256_hex(&bytes));
        assert_eq!(a.sha256.len(), 64);
        assert!(a.agreement.in_force_on(date(2026, 11, 23)), "{} in force", a.agreement.id);
    }
    for s in set.schemas.values() {
        assert_eq!(s.sha256, isagate::digest::sha256_hex(&std::fs::read(&s.path).unwrap()));
    }
    assert!(set.schemas.contains_key("ack.v1.json"));
}

#[test]
fn load_set_refuses_a_set_with_errors() {
    let dir = scratch();
    std::fs::copy(fixtures().join("cases/missing-dpia.yaml"), dir.path().join("a.yaml")).unwrap();
    let err =
        isagate::agreements::load::load_set(dir.path(), &fixtures().join("schemas")).unwrap_err();
    assert!(err.to_string().contains("do not lint clean"), "{err}");
    let ok =
        isagate::agreements::load::load_set(&repo().join("agreements"), &repo().join("schemas"))
            .unwrap();
    assert!(ok.agreement("ISA-LCC-MERPOL-0007").is_some());
}

/// The sample payloads (for `agreements explain`) are valid against their flows' schemas;
/// undeclared extras are there on purpose, to be stripped.
#[test]
fn sample_payloads_validate_against_their_schemas() {
    fn nhs_number(s: &str) -> bool {
        let d: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
        if d.len() != 10 || s.len() != 10 {
            return false;
        }
        let sum: u32 = d[..9].iter().zip((2..=10).rev()).map(|(x, w)| x * w).sum();
        let check = (11 - sum % 11) % 11;
        check != 10 && check == d[9]
    }
    let postcode = regex::Regex::new(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$").unwrap();
    let pairs = [
        ("referral.json", "referral.v1.json"),
        ("referral-emergency.json", "referral.emergency.v1.json"),
        ("discharge.json", "discharge.v1.json"),
        ("mappa-referral.json", "mappa-referral.v1.json"),
        ("outcomes.json", "outcomes.v1.json"),
        ("research-extract.json", "research-extract.v1.json"),
        ("nfi-submission.json", "nfi-submission.v1.json"),
        ("dhr-chronology.json", "dhr-chronology.v1.json"),
        ("child-protection.json", "child-protection.v1.json"),
        ("emergency-generic.json", "emergency.generic.v1.json"),
    ];
    let payloads = repo().join("examples/payloads");
    assert_eq!(
        std::fs::read_dir(&payloads).unwrap().count(),
        pairs.len(),
        "every payload is listed here"
    );
    for (payload, schema) in pairs {
        let schema: serde_json::Value =
            serde_json::from_slice(&std::fs::read(repo().join("schemas").join(schema)).unwrap())
                .unwrap();
        let re = postcode.clone();
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .with_format("nhs-number", nhs_number)
            .with_format("uk-postcode", move |s: &str| re.is_match(s))
            .build(&schema)
            .unwrap();
        let value: serde_json::Value =
            serde_json::from_slice(&std::fs::read(payloads.join(payload)).unwrap()).unwrap();
        let errors: Vec<String> = validator.iter_errors(&value).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{payload}: {errors:?}");
    }
    assert!(nhs_number("9434765919") && nhs_number("9434765870") && !nhs_number("9434765918"));
}
