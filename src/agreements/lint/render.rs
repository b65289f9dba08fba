//! Human output of a lint report: one miette report per finding (the quoted line, a caret,
//! the help line), then a one-line summary. Colour and width are chosen by the caller, so
//! golden tests render without colour at a fixed width.

use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};

use super::{Finding, Report, Severity};

/// How to print a report for people.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    /// ANSI colours (a terminal).
    pub colour: bool,
    /// Wrap width in columns.
    pub width: usize,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions { colour: false, width: 100 }
    }
}

struct Diag<'a> {
    finding: &'a Finding,
    source: Option<NamedSource<String>>,
}

impl fmt::Debug for Diag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl fmt::Display for Diag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl std::error::Error for Diag<'_> {}

impl Diagnostic for Diag<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.finding.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.finding.help))
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        let (offset, len) = self.finding.span;
        let label = (!self.finding.label.is_empty()).then(|| self.finding.label.clone());
        Some(Box::new(std::iter::once(LabeledSpan::new_primary_with_span(
            label,
            (offset, len.max(1)),
        ))))
    }
}

pub(super) fn render(report: &Report, opts: &RenderOptions) -> String {
    let theme =
        if opts.colour { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler =
        GraphicalReportHandler::new_themed(theme).with_width(opts.width).with_links(false);
    let mut out = String::new();
    for finding in &report.findings {
        let source = if finding.line == 0 {
            None
        } else {
            report.sources.get(&finding.file).map(|text| {
                // miette adds `:line:column` itself.
                NamedSource::new(&finding.file, clamp_text(text, finding.span.0))
            })
        };
        let diag = Diag { finding, source };
        if diag.source.is_none() {
            out.push_str(&format!("{}: ", finding.file));
        }
        if handler.render_report(&mut out, &diag).is_err() {
            out.push_str(&format!(
                "{} [{}] {}:{}:{}: {}\n  help: {}\n",
                finding.severity.as_str(),
                finding.code,
                finding.file,
                finding.line,
                finding.column,
                finding.message,
                finding.help
            ));
        }
        out.push('\n');
    }
    out.push_str(&summary(report));
    out.push('\n');
    out
}

/// miette needs the span inside the text; a position past the end points at the end.
fn clamp_text(text: &str, offset: usize) -> String {
    if offset >= text.len() && !text.ends_with('\n') {
        format!("{text}\n")
    } else {
        text.to_string()
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `2 errors, 1 warning (9 agreements, 14 schemas checked)`.
pub(super) fn summary(report: &Report) -> String {
    format!(
        "{}, {} ({}, {} checked)",
        plural(report.errors(), "error", "errors"),
        plural(report.warnings(), "warning", "warnings"),
        plural(report.agreements_checked, "agreement", "agreements"),
        plural(report.schemas_checked, "schema", "schemas"),
    )
}
