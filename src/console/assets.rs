//! The console's one stylesheet, compiled into the binary and served as a file (the CSP
//! allows styles from the console only, so nothing is inline). It holds the print rules
//! for the subject access answer too.

use http::StatusCode;

use crate::admin::reply::Reply;

/// The stylesheet's text (also inlined into `audit report --format html`'s file).
pub const STYLESHEET: &str = include_str!("console.css");

pub fn stylesheet() -> Reply {
    super::bytes_reply(StatusCode::OK, STYLESHEET.as_bytes().to_vec(), "text/css; charset=utf-8")
}
