//! The page shell every console page shares: a skip link, the header with the signed-in
//! identity, the navigation ([`SECTIONS`], the one list of sections), the main region,
//! and the notice and error boxes. Accessibility lives here once: `lang`, landmarks,
//! `aria-current` on the current section, visible focus (in the stylesheet).

use maud::{html, Markup, DOCTYPE};

use super::{ConsoleError, Ctx};

/// A section of the console, as the navigation lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Overview,
    Agreements,
    Proposals,
    Explain,
    Emergency,
    Restrictions,
    Subject,
    Report,
    /// Error pages: no section is current.
    None,
}

/// Every section: (section, address, label): the navigation, in this order.
pub const SECTIONS: &[(Section, &str, &str)] = &[
    (Section::Overview, "/", "Overview"),
    (Section::Agreements, "/console/agreements", "Agreements"),
    (Section::Proposals, "/console/proposals", "Proposals"),
    (Section::Explain, "/console/explain", "Explain"),
    (Section::Emergency, "/console/emergency", "Emergency reviews"),
    (Section::Restrictions, "/console/restrictions", "Restrictions"),
    (Section::Subject, "/console/subject", "Subject access"),
    (Section::Report, "/console/report", "Transparency report"),
];

/// A whole page: `title` is both the document title and the page's one `h1`.
pub fn page(title: &str, current: Section, actor: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · isagate console" }
                link rel="stylesheet" href="/console/assets/console.css";
            }
            body {
                a.skip href="#main" { "Skip to the page's content" }
                header.top {
                    p.brand { "isagate governance console" }
                    p.who { "Signed in by certificate as " code { (actor) } }
                }
                nav aria-label="Console sections" {
                    ul {
                        @for (section, href, label) in SECTIONS {
                            li {
                                @if *section == current {
                                    a href=(href) aria-current="page" { (label) }
                                } @else {
                                    a href=(href) { (label) }
                                }
                            }
                        }
                    }
                }
                main #main tabindex="-1" {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// The hidden form-token field every form carries.
pub fn token_field(ctx: &Ctx<'_>) -> Markup {
    html! { input type="hidden" name="csrf" value=(ctx.token()); }
}

/// A success notice (a status region, so screen readers announce it).
pub fn done(text: &str) -> Markup {
    html! { div.notice.ok role="status" { p { (text) } } }
}

/// The box that says why something was refused.
pub fn problem(err: &ConsoleError) -> Markup {
    html! {
        div.notice.bad role="alert" {
            p { strong { "Refused: " } (err.sentence()) }
            @if let ConsoleError::Refused { reasons, .. } = err {
                @if !reasons.is_empty() {
                    ul { @for r in reasons { li { (r) } } }
                }
            }
        }
    }
}

/// A page that is only the refusal.
pub fn error_page(actor: &str, err: &ConsoleError) -> Markup {
    let title = match err {
        ConsoleError::NotFound => "Page not found",
        _ => "Not done",
    };
    page(title, Section::None, actor, problem(err))
}

/// The page for a certificate that is not a governance identity: no navigation, the
/// API's refusal sentence.
pub fn refused(err: &ConsoleError) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "Refused · isagate console" }
                link rel="stylesheet" href="/console/assets/console.css";
            }
            body { main #main { h1 { "Refused" } (problem(err)) } }
        }
    }
}

/// A key and value as a description-list row.
pub fn row(key: &str, value: Markup) -> Markup {
    html! { dt { (key) } dd { (value) } }
}
