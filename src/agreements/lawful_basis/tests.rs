//! The vocabulary's data file and the functions over it.

use super::*;

#[test]
fn the_data_file_parses_and_every_code_is_unique_and_complete() {
    let v = vocabulary();
    assert!(v.len() > 60, "the data file did not parse: {}", v.len());
    let mut seen = std::collections::HashSet::new();
    for e in v {
        assert!(seen.insert(e.code.as_str()), "{} twice", e.code);
        assert!(
            !e.keys.is_empty() && !e.description.is_empty() && !e.source.is_empty(),
            "{}",
            e.code
        );
        for k in &e.keys {
            assert!(e.regime.lists().contains(&k.as_str()), "{} in {k}", e.code);
        }
        for n in &e.needs_one_of {
            let prefix = n.trim_end_matches('*');
            assert!(
                v.iter().any(|x| x.code.starts_with(prefix)),
                "{} needs {n}: no such code",
                e.code
            );
        }
    }
}

#[test]
fn covers_the_law_the_issue_names() {
    let codes: Vec<String> = ('a'..='f')
        .map(|l| format!("6(1)({l})"))
        .chain(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].map(|l| format!("9(2)({l})")))
        .chain((1..=4).map(|n| format!("DPA2018-Sch1-P1-{n}")))
        .chain((6..=28).map(|n| format!("DPA2018-Sch1-P2-{n}")))
        .chain((29..=37).map(|n| format!("DPA2018-Sch1-P3-{n}")))
        .chain((1..=5).map(|n| format!("UKGDPR-Annex1-{n}")))
        .chain((1..=9).map(|n| format!("DPA2018-Sch8-{n}")))
        .chain(
            ["6(1)(ea)", "10-official-authority", "DPA2018-s35(4)", "DPA2018-s35(5)"]
                .map(String::from),
        )
        .collect();
    for c in &codes {
        assert!(lookup(c).is_some(), "{c} missing");
    }
    assert_eq!(
        lookup("DPA2018-Sch1-P2-18").map(|e| e.title.as_str()),
        Some("Safeguarding of children and of individuals at risk")
    );
    assert_eq!(lookup("DPA2018-Sch8-4").map(|e| e.regime), Some(Regime::DpaPart3));
    assert!(lookup("DPA2018-Sch1-P1-1").is_some_and(|e| e.policy_document));
    assert!(lookup("DPA2018-Sch1-P1-2").is_some_and(|e| !e.policy_document));
    assert!(lookup("9(2)(h)").is_some_and(|e| e.needs_met_by("DPA2018-Sch1-P1-2")));
    assert!(lookup("9(2)(g)").is_some_and(
        |e| e.needs_met_by("DPA2018-Sch1-P2-6") && !e.needs_met_by("DPA2018-Sch1-P1-2")
    ));
    assert!(lookup("6(1)(z)").is_none());
}

#[test]
fn describe_gives_title_source_and_plain_english() {
    let d = describe("6(1)(e)").unwrap_or_default();
    assert!(d.starts_with("Public task (UK GDPR Article 6(1)(e)): "), "{d}");
    assert_eq!(describe("because we want to"), None);
}

#[test]
fn free_text_spellings_map_to_codes() {
    for (text, code) in [
        ("Art 6(1)(e)", "6(1)(e)"),
        ("Article 6(1)(e)", "6(1)(e)"),
        ("UK GDPR 6.1.e", "6(1)(e)"),
        ("6(1)e", "6(1)(e)"),
        ("public task", "6(1)(e)"),
        ("Public Task", "6(1)(e)"),
        ("legitimate interests", "6(1)(f)"),
        ("Art 9(2)(h)", "9(2)(h)"),
        ("article 9(2)(g)", "9(2)(g)"),
        ("Schedule 1 paragraph 18", "DPA2018-Sch1-P2-18"),
        ("DPA 2018 Sch 1 para 2", "DPA2018-Sch1-P1-2"),
        ("Schedule 8 paragraph 4", "DPA2018-Sch8-4"),
        ("section 35(5)", "DPA2018-s35(5)"),
        ("Counselling", "DPA2018-Sch1-P2-17"),
        ("dpa2018-sch1-p2-18", "DPA2018-Sch1-P2-18"),
    ] {
        assert_eq!(code_for_free_text(text), Some(code), "{text}");
    }
    assert_eq!(code_for_free_text("because we want to"), None);
    assert_eq!(code_for_free_text("6(1)(z)"), None);
}

#[test]
fn only_checked_codes_unlock() {
    let lb = |a9: &[&str], a10: &[&str], p3: &[&str]| LawfulBasis {
        article_9: a9.iter().map(|s| s.to_string()).collect(),
        article_10: a10.iter().map(|s| s.to_string()).collect(),
        part_3: p3.iter().map(|s| s.to_string()).collect(),
        ..LawfulBasis::default()
    };
    let free = unlocks(&lb(&["because we want to"], &["x"], &[]), Regime::UkGdpr);
    assert_eq!(free, Unlocks::default());
    let gdpr = unlocks(
        &lb(&["9(2)(g)", "DPA2018-Sch1-P2-18"], &["DPA2018-Sch1-P2-10"], &[]),
        Regime::UkGdpr,
    );
    assert!(gdpr.special_category && gdpr.criminal_offence);
    // A Schedule 1 condition alone in article_9 is no Article 9(2) condition.
    assert!(!unlocks(&lb(&["DPA2018-Sch1-P2-18"], &[], &[]), Regime::UkGdpr).special_category);
    // Under Part 3 the Article lists count for nothing.
    assert_eq!(
        unlocks(&lb(&["9(2)(g)"], &["10-official-authority"], &[]), Regime::DpaPart3),
        Unlocks::default()
    );
    let p3 = unlocks(
        &lb(&[], &[], &["DPA2018-s35(2)(b)", "DPA2018-s35(5)", "DPA2018-Sch8-4"]),
        Regime::DpaPart3,
    );
    assert!(p3.special_category && p3.criminal_offence);
    let no_schedule_8 =
        unlocks(&lb(&[], &[], &["DPA2018-s35(2)(b)", "DPA2018-s35(5)"]), Regime::DpaPart3);
    assert!(!no_schedule_8.special_category && no_schedule_8.criminal_offence);
    // Part 3 codes do not count under UK GDPR.
    assert_eq!(unlocks(&lb(&[], &[], &["DPA2018-s35(4)"]), Regime::UkGdpr), Unlocks::default());
}

#[test]
fn the_data_file_parses() {
    if let Err(e) = toml::from_str::<Data>(DATA) {
        panic!("{e}");
    }
}

/// `docs/lawful-basis.md` shows the data file as it is: the table between its markers is
/// [`markdown_table`] (`UPDATE_GOLDEN=1` rewrites it).
#[test]
fn the_docs_page_equals_the_data() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/lawful-basis.md");
    let page = std::fs::read_to_string(&path).unwrap_or_default();
    let (begin, end) = ("<!-- vocabulary: begin -->\n", "<!-- vocabulary: end -->");
    let (Some(b), Some(e)) = (page.find(begin), page.find(end)) else {
        panic!("docs/lawful-basis.md lacks the vocabulary markers");
    };
    let table = markdown_table();
    let want = format!("{}{begin}{table}{}", &page[..b], &page[e..]);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &want).unwrap_or_default();
    }
    assert_eq!(
        page, want,
        "docs/lawful-basis.md differs from lawful_basis.toml: run with UPDATE_GOLDEN=1"
    );
}
