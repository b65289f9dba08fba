//! The closed lawful-basis vocabulary (contract section 3, issue 13 part 1): every code an
//! agreement, a flow or an emergency policy rule may cite, each with its regime, its
//! source in law, a plain-English description, whether it needs an appropriate policy
//! document and which codes must stand beside it.
//!
//! The list is data, `lawful_basis.toml` beside this file, so that a lawyer can review it
//! without reading Rust; `docs/lawful-basis.md` shows it as a table ([`markdown_table`])
//! and a test keeps the two the same. This module only looks codes up and says what a set
//! of checked codes unlocks; the lint rules live in `lint::lawful_basis_rules`.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::codes::LawfulBasis;

/// The vocabulary's data file, compiled in.
const DATA: &str = include_str!("lawful_basis.toml");

/// Which law governs the disclosing party's processing on a flow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Regime {
    /// UK GDPR with DPA 2018 Part 2: Articles 6, 9 and 10 and Schedule 1. The default.
    #[default]
    UkGdpr,
    /// DPA 2018 Part 3, law enforcement processing by a competent authority: section 35
    /// and Schedule 8; Articles 6, 9 and 10 do not apply.
    #[serde(rename = "dpa-part-3")]
    DpaPart3,
}

impl Regime {
    pub const ALL: [Self; 2] = [Self::UkGdpr, Self::DpaPart3];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::UkGdpr => "uk-gdpr",
            Self::DpaPart3 => "dpa-part-3",
        }
    }

    /// The `lawful_basis` lists a flow under this regime may use.
    pub fn lists(self) -> &'static [&'static str] {
        match self {
            Self::UkGdpr => &["article_6", "article_9", "article_10"],
            Self::DpaPart3 => &["part_3"],
        }
    }
}

/// One code of the vocabulary, as `lawful_basis.toml` writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// What an agreement writes, e.g. `6(1)(e)` or `DPA2018-Sch1-P2-18`.
    pub code: String,
    /// The `lawful_basis` lists it may be written in (`article_6`, `article_9`,
    /// `article_10`, `part_3`).
    pub keys: Vec<String>,
    pub regime: Regime,
    /// The provision of law, e.g. `UK GDPR Article 6(1)(e)`.
    pub source: String,
    /// Its heading in the law, e.g. `Public task`.
    pub title: String,
    /// What it means, in plain English.
    pub description: String,
    /// Relying on it needs an appropriate policy document (DPA 2018 Schedule 1
    /// paragraphs 1(1)(b), 5 and 39; section 42 for Part 3).
    pub policy_document: bool,
    /// Codes of which one must be written beside it in the same list; a trailing `*`
    /// stands for any code that begins so.
    #[serde(default)]
    pub needs_one_of: Vec<String>,
}

impl Entry {
    /// Whether `code` satisfies one pattern of [`Entry::needs_one_of`].
    pub fn needs_met_by(&self, code: &str) -> bool {
        self.needs_one_of.iter().any(|p| pattern_matches(p, code))
    }
}

/// `p` is a code, or a prefix ending in `*`.
fn pattern_matches(p: &str, code: &str) -> bool {
    match p.strip_suffix('*') {
        Some(prefix) => code.starts_with(prefix),
        None => p == code,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Data {
    code: Vec<Entry>,
}

/// Every code, in the data file's order. Should the data file not parse (a test makes
/// sure it does), the vocabulary is empty: every code is then unknown and every agreement
/// is refused, which fails closed.
pub fn vocabulary() -> &'static [Entry] {
    static VOCABULARY: OnceLock<Vec<Entry>> = OnceLock::new();
    VOCABULARY.get_or_init(|| toml::from_str::<Data>(DATA).map(|d| d.code).unwrap_or_default())
}

/// The entry for `code` (exact, case-sensitive), if the vocabulary has it.
pub fn lookup(code: &str) -> Option<&'static Entry> {
    vocabulary().iter().find(|e| e.code == code)
}

/// The plain-English description of `code`, with its title and source:
/// `Public task (UK GDPR Article 6(1)(e)): necessary for ...`. `None` for an unknown code.
/// Explain, subject access and the report show it beside each code.
pub fn describe(code: &str) -> Option<String> {
    lookup(code).map(|e| format!("{} ({}): {}", e.title, e.source, e.description))
}

/// For free text written where a code belongs ("Art 6(1)(e)", "public task",
/// "Schedule 1 paragraph 18"), the code it most likely means.
pub fn code_for_free_text(text: &str) -> Option<&'static str> {
    let lower = text.trim().to_ascii_lowercase();
    if let Some(e) = vocabulary().iter().find(|e| e.code.to_ascii_lowercase() == lower) {
        return Some(&e.code);
    }
    let squeezed: String = lower
        .replace("uk gdpr", "")
        .replace("gdpr", "")
        .replace("article", "")
        .replace("art.", "")
        .replace("art", "")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if let Some(code) = article_code(&squeezed) {
        return Some(code);
    }
    if let Some(code) = dpa_code(&lower) {
        return Some(code);
    }
    let phrase: String = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    PHRASES
        .iter()
        .find(|(p, _)| phrase == *p || phrase.trim_end_matches('s') == *p)
        .map(|(_, c)| *c)
        .or_else(|| {
            let mut titled = vocabulary().iter().filter(|e| e.title.to_ascii_lowercase() == phrase);
            match (titled.next(), titled.next()) {
                (Some(e), None) => Some(e.code.as_str()),
                _ => None,
            }
        })
}

/// Names people write for the common bases.
const PHRASES: &[(&str, &str)] = &[
    ("consent", "6(1)(a)"),
    ("contract", "6(1)(b)"),
    ("legal obligation", "6(1)(c)"),
    ("vital interest", "6(1)(d)"),
    ("public task", "6(1)(e)"),
    ("public interest", "6(1)(e)"),
    ("official authority", "10-official-authority"),
    ("recognised legitimate interest", "6(1)(ea)"),
    ("legitimate interest", "6(1)(f)"),
    ("explicit consent", "9(2)(a)"),
    ("substantial public interest", "9(2)(g)"),
    ("health or social care", "9(2)(h)"),
    ("public health", "9(2)(i)"),
    ("research", "9(2)(j)"),
    ("safeguarding", "DPA2018-Sch1-P2-18"),
    ("law enforcement", "DPA2018-s35(2)(b)"),
];

/// `6(1)(e)`, `6.1.e`, `6(1)e`, `6-1-e`, `9(2)(h)`, `10` written without the article word.
fn article_code(s: &str) -> Option<&'static str> {
    let parts: Vec<&str> =
        s.split(|c: char| "().-_,/".contains(c)).filter(|p| !p.is_empty()).collect();
    let code = match parts.as_slice() {
        [article @ ("6" | "9"), para, letter] => format!("{article}({para})({letter})"),
        [article @ ("6" | "9"), rest] => {
            let (para, letter) = rest.split_at(rest.find(|c: char| c.is_ascii_alphabetic())?);
            format!("{article}({para})({letter})")
        }
        ["10"] => "10-official-authority".to_owned(),
        _ => return None,
    };
    lookup(&code).map(|e| e.code.as_str())
}

/// "Schedule 1 paragraph 18", "Sch 1 para 2", "Schedule 8 paragraph 4", "s35(5)".
fn dpa_code(lower: &str) -> Option<&'static str> {
    let words: Vec<String> = lower
        .split(|c: char| c.is_whitespace() || ",.".contains(c))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    let number_after = |names: &[&str]| {
        words.iter().enumerate().find_map(|(i, w)| {
            let rest = names.iter().find_map(|n| w.strip_prefix(n))?;
            let n = if rest.is_empty() { words.get(i + 1)?.as_str() } else { rest };
            n.parse::<u32>().ok()
        })
    };
    let paragraph = number_after(&["paragraph", "para", "p"]);
    let find = |prefix: &str, n: u32| {
        vocabulary()
            .iter()
            .find(|e| e.code.starts_with(prefix) && e.code.ends_with(&format!("-{n}")))
            .map(|e| e.code.as_str())
    };
    match (number_after(&["schedule", "sch"]), paragraph) {
        (Some(1), Some(n)) => return find("DPA2018-Sch1-", n),
        (Some(8), Some(n)) => return find("DPA2018-Sch8-", n),
        _ => {}
    }
    let section: String =
        lower.replace("section", "s").chars().filter(|c| !c.is_whitespace()).collect();
    let at = section.find("s35")?;
    let code = format!("DPA2018-{}", section.get(at..)?);
    lookup(&code).map(|e| e.code.as_str())
}

/// What a checked lawful basis unlocks on a flow under `regime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Unlocks {
    /// Special category fields may be disclosed.
    pub special_category: bool,
    /// Criminal offence fields may be disclosed.
    pub criminal_offence: bool,
}

/// What `lb` unlocks under `regime`, from vocabulary codes only: free text never unlocks
/// anything (the loader refuses it anyway).
///
/// - UK GDPR: an Article 9(2) condition in `article_9` unlocks special category data; an
///   Article 10 condition (a Schedule 1 condition or official authority) in `article_10`
///   unlocks criminal offence data.
/// - DPA 2018 Part 3: section 35(4), or 35(5) with a Schedule 8 condition, unlocks
///   sensitive processing; a section 35(2) basis covers criminal offence data, the
///   subject matter of law enforcement processing.
pub fn unlocks(lb: &LawfulBasis, regime: Regime) -> Unlocks {
    let known_in = |list: &[String], key: &str| -> Vec<&'static Entry> {
        list.iter()
            .filter_map(|c| lookup(c))
            .filter(|e| e.regime == regime && e.keys.iter().any(|k| k == key))
            .collect()
    };
    match regime {
        Regime::UkGdpr => Unlocks {
            special_category: known_in(&lb.article_9, "article_9")
                .iter()
                .any(|e| e.code.starts_with("9(2)(")),
            criminal_offence: !known_in(&lb.article_10, "article_10").is_empty(),
        },
        Regime::DpaPart3 => {
            let codes = known_in(&lb.part_3, "part_3");
            let has = |c: &str| codes.iter().any(|e| e.code == c);
            let schedule_8 = codes.iter().any(|e| e.code.starts_with("DPA2018-Sch8-"));
            Unlocks {
                special_category: has("DPA2018-s35(4)") || (has("DPA2018-s35(5)") && schedule_8),
                criminal_offence: has("DPA2018-s35(2)(a)") || has("DPA2018-s35(2)(b)"),
            }
        }
    }
}

/// The vocabulary as the Markdown table of `docs/lawful-basis.md`.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| code | regime | source | title | plain English | policy document | written with |\n|---|---|---|---|---|---|---|\n",
    );
    for e in vocabulary() {
        let needs = e.needs_one_of.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} |\n",
            e.code,
            e.regime.as_str(),
            e.source,
            e.title,
            e.description.replace('|', "\\|"),
            if e.policy_document { "needed" } else { "" },
            needs,
        ));
    }
    out
}

#[cfg(test)]
mod tests;
