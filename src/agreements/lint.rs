//! The governance linter's findings: what [`crate::agreements::load`] found wrong (errors)
//! or worth a look (warnings) in agreements, the emergency policy and schemas, each with
//! its file, line, column and a help line, and how a report is printed (miette for people,
//! a stable JSON document for tools; `docs/agreements.md` lists every rule).
//!
//! Rules live in the submodules and only look at parsed input: no file I/O here, no
//! decision about a live request (that is [`crate::agreements::matching`]).

mod agreement_rules;
mod date_rules;
mod json_pos;
mod lawful_basis_rules;
mod policy_rules;
mod render;
mod request_form_rules;
mod rule;
mod schema_rules;
mod shape;
mod subject_bound;
pub(crate) mod yaml_tree;

use std::collections::BTreeMap;

use serde::Serialize;

pub(crate) use agreement_rules::check_agreements;
pub use date_rules::{today_notes, DateNote, EXPIRY_WARNING_DAYS};
pub(crate) use json_pos::JsonPositions;
pub(crate) use lawful_basis_rules::{check_lawful_bases, check_policy_lawful_bases};
pub(crate) use policy_rules::check_policy;
pub use render::RenderOptions;
pub use rule::Rule;
pub(crate) use schema_rules::{check_schema_file, check_schema_uses, schema_uses, SchemaFile};
pub(crate) use shape::{check_shape, Document};

/// How bad a finding is: any error refuses the whole set; warnings are advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
        }
    }
}

/// A position in a source file: 1-based line and column (in characters), and the byte
/// range of the offending token for the caret. Line 0 means "the file as a whole".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
    pub offset: usize,
    pub len: usize,
}

impl Pos {
    /// The first character of `text`.
    pub fn start(text: &str) -> Self {
        let _ = text;
        Pos { line: 1, column: 1, offset: 0, len: 0 }
    }

    /// No position: the finding is about the file (or set) as a whole.
    pub const NONE: Pos = Pos { line: 0, column: 0, offset: 0, len: 0 };

    /// The byte offset of 1-based (`line`, `column`) in `text` (column in characters).
    pub fn offset_of(text: &str, line: u32, column: u32) -> usize {
        let mut offset = 0usize;
        for (i, l) in text.split_inclusive('\n').enumerate() {
            if i + 1 == line as usize {
                let col = column.saturating_sub(1) as usize;
                return offset + l.char_indices().nth(col).map_or(l.len(), |(b, _)| b);
            }
            offset += l.len();
        }
        text.len()
    }

    /// The position at byte `offset` of `text`, `len` bytes long.
    pub fn at_offset(text: &str, offset: usize, len: usize) -> Self {
        let offset = offset.min(text.len());
        let before = text.get(..offset).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        Pos {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
            offset,
            len,
        }
    }
}

/// One finding. Messages are lower case, quote user values in backticks, and never hold
/// payload data (schemas and agreements hold none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Kebab-case rule code, e.g. `unknown-party` ([`Rule::as_str`]).
    pub code: &'static str,
    pub message: String,
    /// The file as the linter was given it (e.g. `agreements/isa-lcc-police.yaml`).
    pub file: String,
    /// 1-based; 0 when the finding is about the file as a whole.
    pub line: u32,
    pub column: u32,
    /// What to do about it.
    pub help: String,
    /// A short label under the caret in human output.
    #[serde(skip)]
    pub label: String,
    #[serde(skip)]
    pub span: (usize, usize),
}

impl Finding {
    /// A finding of `rule` at `pos` in `file`, with the rule's own severity.
    pub fn new(
        rule: Rule,
        file: &str,
        pos: Pos,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        Finding {
            severity: rule.severity(),
            code: rule.as_str(),
            message: message.into(),
            file: file.to_string(),
            line: pos.line,
            column: pos.column,
            help: help.into(),
            label: String::new(),
            span: (pos.offset, pos.len),
        }
    }

    /// Set the label shown under the caret.
    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }
}

/// Every finding of one lint run, with the text of the files they point into (for the
/// quoted source lines).
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// File name -> its text, for rendering.
    pub sources: BTreeMap<String, String>,
    /// How many agreement files and schema files were looked at.
    pub agreements_checked: usize,
    pub schemas_checked: usize,
}

impl Report {
    pub fn push(&mut self, f: Finding) {
        self.findings.push(f);
    }

    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.severity == Severity::Error).count()
    }

    pub fn warnings(&self) -> usize {
        self.findings.iter().filter(|f| f.severity == Severity::Warning).count()
    }

    pub fn has_errors(&self) -> bool {
        self.errors() > 0
    }

    /// An error that refuses the set at load: any error except those that depend on
    /// today's date ([`Rule::depends_on_today`]), which `agreements check` still fails on.
    pub fn refuses_load(&self) -> bool {
        self.findings.iter().any(|f| {
            f.severity == Severity::Error
                && !Rule::from_code(f.code).is_some_and(Rule::depends_on_today)
        })
    }

    /// Findings with `code`, for tests and the admin API.
    pub fn with_code<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings.iter().filter(move |f| f.code == code)
    }

    /// Sort by file, line, column, severity and code, and drop exact duplicates, so
    /// output is stable.
    pub fn sort(&mut self) {
        self.findings.sort_by(|a, b| {
            (&a.file, a.line, a.column, a.severity, a.code, &a.message)
                .cmp(&(&b.file, b.line, b.column, b.severity, b.code, &b.message))
        });
        self.findings.dedup();
    }

    /// The stable JSON document of `--format json` (documented in `docs/agreements.md`).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "errors": self.errors(),
            "warnings": self.warnings(),
            "agreements_checked": self.agreements_checked,
            "schemas_checked": self.schemas_checked,
            "findings": self.findings,
        })
    }

    /// Human output: one miette report per finding, then a summary line.
    pub fn render_human(&self, opts: &RenderOptions) -> String {
        render::render(self, opts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_positions_agree() {
        let text = "ab\ncdé f\n";
        let o = Pos::offset_of(text, 2, 5);
        assert_eq!(&text[o..o + 1], "f");
        let p = Pos::at_offset(text, o, 1);
        assert_eq!((p.line, p.column), (2, 5));
    }

    #[test]
    fn report_counts_and_sorts() {
        let mut r = Report::default();
        r.push(Finding::new(Rule::UnusedPurpose, "b.yaml", Pos::NONE, "m", "h"));
        let at = Pos { line: 3, column: 1, offset: 0, len: 0 };
        for _ in 0..2 {
            r.push(Finding::new(Rule::UnknownParty, "a.yaml", at, "m", "h"));
        }
        r.sort();
        assert_eq!(r.findings.len(), 2);
        assert_eq!(r.findings[0].file, "a.yaml");
        assert_eq!((r.errors(), r.warnings()), (1, 1));
        let j = r.to_json();
        assert_eq!(j["findings"][0]["code"], "unknown-party");
        assert_eq!(j["findings"][0]["severity"], "error");
        assert!(j["findings"][0].get("span").is_none());
    }
}
