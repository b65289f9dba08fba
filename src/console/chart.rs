//! Bar charts that are tables first: a caption, a header row, one row per key with its
//! count as text, and the bar drawn in SVG beside it (hidden from screen readers, who
//! read the numbers). No inline styles: sizes are SVG attributes, colour is a class.

use std::collections::BTreeMap;

use maud::{html, Markup};

/// The widest bar, in pixels.
const WIDTH: u64 = 240;

/// A bar chart of `counts` captioned `caption`; `key_header` names the first column.
pub fn bars(caption: &str, key_header: &str, counts: &BTreeMap<String, u64>) -> Markup {
    let max = counts.values().copied().max().unwrap_or(1).max(1);
    html! {
        table.chart {
            caption { (caption) }
            thead { tr { th scope="col" { (key_header) } th.num scope="col" { "Count" } th scope="col" { span.noprint { "Bar" } } } }
            tbody {
                @if counts.is_empty() {
                    tr { td colspan="3" { "None in this period." } }
                }
                @for (k, v) in counts {
                    tr {
                        th scope="row" { (k) }
                        td.num { (v) }
                        td {
                            svg width=(WIDTH) height="14" aria-hidden="true" focusable="false"
                                xmlns="http://www.w3.org/2000/svg" {
                                rect.bar x="0" y="0" height="14" width=((v * WIDTH / max).max(1)) {}
                            }
                        }
                    }
                }
            }
        }
    }
}
