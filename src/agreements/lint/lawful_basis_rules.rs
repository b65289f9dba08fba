//! Lint rules about lawful bases (issue 13 part 1): every code comes from the closed
//! vocabulary ([`crate::agreements::lawful_basis`]) and sits in a list it belongs to, the
//! conditions a code needs stand beside it, a flow's codes fit its regime, an appropriate
//! policy document is named where a condition needs one, and a public authority does not
//! rely on legitimate interests. Schema-field rules (special category and criminal
//! offence fields without a condition) stay in `schema_rules`, fed by the same codes.

use super::yaml_tree::{Step, YNode};
use super::{Finding, Report, Rule};
use crate::agreements::lawful_basis::{code_for_free_text, lookup, vocabulary, Entry, Regime};
use crate::agreements::load::{ParsedAgreement, ParsedPolicy};
use crate::agreements::model::{AgencyRef, LawfulBasis};
use crate::spelling::did_you_mean;

use Step::{Index as I, Key as K};

/// Where the vocabulary is documented, for help lines.
const DOCS: &str = "docs/lawful-basis.md";

/// One `lawful_basis` mapping as written: where it is and what it holds.
struct Written<'a> {
    file: &'a str,
    tree: &'a YNode,
    /// The YAML path of the `lawful_basis` mapping.
    at: Vec<Step<'a>>,
    basis: &'a LawfulBasis,
}

impl Written<'_> {
    fn lists(&self) -> [(&'static str, &[String]); 4] {
        let b = self.basis;
        [
            ("article_6", &b.article_6),
            ("article_9", &b.article_9),
            ("article_10", &b.article_10),
            ("part_3", &b.part_3),
        ]
    }

    fn pos(&self, tail: &[Step<'_>]) -> super::Pos {
        let mut path = self.at.clone();
        path.extend_from_slice(tail);
        self.tree.pos_at(&path)
    }

    fn finding(&self, rule: Rule, tail: &[Step<'_>], message: String, help: String) -> Finding {
        Finding::new(rule, self.file, self.pos(tail), message, help)
    }
}

/// Every lawful-basis rule over the agreements.
pub(crate) fn check_lawful_bases(
    parsed: &[ParsedAgreement],
    agencies: Option<&[AgencyRef]>,
    report: &mut Report,
) {
    for p in parsed {
        let a = &p.agreement;
        let at = |prefix: Vec<Step<'static>>| {
            let mut path = prefix;
            path.push(K("lawful_basis"));
            path
        };
        let top = Written { file: &p.file, tree: &p.tree, at: at(vec![]), basis: &a.lawful_basis };
        check_codes(&top, report);
        for (i, flow) in a.flows.iter().enumerate() {
            let own = flow.lawful_basis.as_ref().map(|basis| Written {
                file: &p.file,
                tree: &p.tree,
                at: at(vec![K("flows"), I(i)]),
                basis,
            });
            if let Some(own) = &own {
                check_codes(own, report);
            }
            let used = own.as_ref().unwrap_or(&top);
            let flow_at = [K("flows"), I(i)];
            check_regime(
                used,
                flow.regime,
                &format!("flow `{}`", flow.id),
                own.is_none(),
                &p.tree.pos_at(&flow_at),
                report,
            );
            // Only with the registered agencies: without them, one warning already says
            // that parties were not checked.
            let public = agencies
                .and_then(|list| list.iter().find(|g| g.id == flow.from))
                .is_some_and(|g| g.public_authority);
            if public && flow.regime == Regime::UkGdpr {
                check_public_authority(used, &flow.from, &flow.id, report);
            }
        }
    }
}

/// Every lawful-basis rule over the emergency policy's rules (UK GDPR processing).
pub(crate) fn check_policy_lawful_bases(p: &ParsedPolicy, report: &mut Report) {
    for (i, rule) in p.policy.rules.iter().enumerate() {
        let written = Written {
            file: &p.file,
            tree: &p.tree,
            at: vec![K("rules"), I(i), K("lawful_basis")],
            basis: &rule.lawful_basis,
        };
        check_codes(&written, report);
        let at = p.tree.pos_at(&[K("rules"), I(i)]);
        check_regime(&written, Regime::UkGdpr, &format!("rule `{}`", rule.id), false, &at, report);
    }
}

/// Known codes, each in a list it belongs to, with what it needs beside it, and the
/// appropriate policy document where a condition needs one.
fn check_codes(w: &Written<'_>, report: &mut Report) {
    let mut needs_document: Option<(&'static str, usize, &'static Entry)> = None;
    for (key, codes) in w.lists() {
        for (j, code) in codes.iter().enumerate() {
            let tail = [K(key), I(j)];
            let Some(entry) = lookup(code) else {
                report.push(unknown(w, &tail, code).label("not a lawful-basis code"));
                continue;
            };
            if !entry.keys.iter().any(|k| k == key) {
                report.push(
                    w.finding(
                        Rule::LawfulBasisWrongList,
                        &tail,
                        format!("`{code}` ({}) does not belong in `{key}`", entry.title),
                        format!("write it in {} instead; see {DOCS}", quoted(&entry.keys, " or ")),
                    )
                    .label("wrong list"),
                );
                continue;
            }
            if !entry.needs_one_of.is_empty() && !codes.iter().any(|c| entry.needs_met_by(c)) {
                report.push(
                    w.finding(
                        Rule::LawfulBasisIncomplete,
                        &tail,
                        format!("`{code}` ({}) needs {} beside it in `{key}`", entry.title, needed(entry)),
                        format!("add the condition the processing meets to `{key}` (see {DOCS} for each one's wording), or cite another basis"),
                    )
                    .label("incomplete"),
                );
            }
            if entry.policy_document && needs_document.is_none() {
                needs_document = Some((key, j, entry));
            }
        }
    }
    if let (Some((key, j, entry)), None) = (needs_document, &w.basis.appropriate_policy_document) {
        report.push(
            w.finding(
                Rule::MissingPolicyDocument,
                &[K(key), I(j)],
                format!("`{}` ({}) needs an appropriate policy document, and none is named", entry.code, entry.title),
                "add `appropriate_policy_document: <its title or reference>` to this `lawful_basis` (DPA 2018 Schedule 1 paragraphs 5 and 39; section 42 for Part 3)".to_owned(),
            )
            .label("no policy document"),
        );
    }
}

/// An unknown code: the code free text most likely means, else the closest code.
fn unknown(w: &Written<'_>, tail: &[Step<'_>], code: &str) -> Finding {
    let help = match code_for_free_text(code) {
        Some(c) if c != code => {
            let title = lookup(c).map_or("", |e| e.title.as_str());
            format!("write the code `{c}` ({title}); every code is listed in {DOCS}")
        }
        _ => format!(
            "{}lawful bases are codes from a closed list, such as `6(1)(e)` or `DPA2018-Sch1-P2-18`; every code is listed in {DOCS}",
            did_you_mean(code, vocabulary().iter().map(|e| e.code.as_str()))
        ),
    };
    w.finding(Rule::UnknownLawfulBasis, tail, format!("`{code}` is not a lawful-basis code"), help)
}

/// What `entry` needs, in words: `DPA2018-Sch1-P1-2`, or a Schedule 1 Part 2 condition.
fn needed(entry: &Entry) -> String {
    let names: Vec<String> = entry
        .needs_one_of
        .iter()
        .map(|p| match p.strip_suffix('*') {
            Some(prefix) => {
                let first = vocabulary().iter().find(|e| e.code.starts_with(prefix));
                let example =
                    first.map_or(String::new(), |e| format!(" (for example `{}`)", e.code));
                format!("a condition whose code begins `{prefix}`{example}")
            }
            None => format!("`{p}`"),
        })
        .collect();
    names.join(" or ")
}

fn quoted(items: &[String], sep: &str) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(sep)
}

/// The codes fit the regime, and there is a basis for the processing itself.
fn check_regime(
    w: &Written<'_>,
    regime: Regime,
    owner: &str,
    inherited: bool,
    owner_pos: &super::Pos,
    report: &mut Report,
) {
    let allowed = regime.lists();
    let whose = if inherited { "the agreement's lawful basis" } else { "its lawful basis" };
    for (key, codes) in w.lists() {
        if codes.is_empty() || allowed.contains(&key) {
            continue;
        }
        let help = match regime {
            Regime::DpaPart3 => "under DPA 2018 Part 3, Articles 6, 9 and 10 do not apply: cite section 35 and Schedule 8 codes in `part_3` (give the flow its own `lawful_basis` if the agreement's is for UK GDPR flows)",
            Regime::UkGdpr => "`part_3` codes are for law enforcement processing: set the flow's `regime: dpa-part-3` if the disclosing party is a competent authority processing for a law enforcement purpose, or remove them",
        };
        let message = format!("{owner} is `{}` but {whose} cites `{key}` codes", regime.as_str());
        let f = if inherited {
            Finding::new(Rule::LawfulBasisWrongRegime, w.file, *owner_pos, message, help)
        } else {
            w.finding(Rule::LawfulBasisWrongRegime, &[K(key)], message, help.to_owned())
        };
        report.push(f.label("wrong regime"));
    }
    let (key, base, prefix, what) = match regime {
        Regime::UkGdpr => {
            ("article_6", &w.basis.article_6, "6(1)(", "an Article 6 basis, such as `6(1)(e)`")
        }
        Regime::DpaPart3 => (
            "part_3",
            &w.basis.part_3,
            "DPA2018-s35(2)",
            "a section 35(2) basis, such as `DPA2018-s35(2)(b)`",
        ),
    };
    let has_base = base.iter().any(|c| c.starts_with(prefix) && lookup(c).is_some());
    if !has_base {
        let message =
            format!("{owner} has no lawful basis for the processing: `{key}` needs {what}");
        let help = format!("add the basis to `{key}`; every code is listed in {DOCS}");
        let f = if inherited {
            Finding::new(Rule::MissingLawfulBasis, w.file, *owner_pos, message, help)
        } else {
            w.finding(Rule::MissingLawfulBasis, &[K(key)], message, help)
        };
        report.push(f.label("no lawful basis"));
    }
}

/// A public authority acting in its tasks may not rely on Article 6(1)(f) or (ea).
fn check_public_authority(w: &Written<'_>, from: &str, flow: &str, report: &mut Report) {
    for (j, code) in w.basis.article_6.iter().enumerate() {
        if code == "6(1)(f)" || code == "6(1)(ea)" {
            report.push(
                w.finding(
                    Rule::LegitimateInterestsByPublicAuthority,
                    &[K("article_6"), I(j)],
                    format!("flow `{flow}` is sent by `{from}`, a public authority, and relies on `{code}`"),
                    format!("a public authority acting in its tasks relies on `6(1)(e)` (public task) or `6(1)(c)` (legal obligation); if `{from}` is not a public authority, set `public_authority = false` for it in the configuration"),
                )
                .label("public authority"),
            );
        }
    }
}
