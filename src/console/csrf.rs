//! Cross-site request protection for the console's forms: the `Origin` and
//! `Sec-Fetch-Site` headers of every POST, and a stateless form token.
//!
//! The token is `<unix seconds>.<hex HMAC-SHA256>` over a fixed label, the client
//! certificate's SHA-256 fingerprint and that time, keyed with the file `keys.console`
//! names. It needs no server session, so every replica holding the same key file and a
//! restarted gateway accept it; it is bound to one certificate and lasts
//! [`TOKEN_LIFETIME`]. This module must not log a token or a key.

use std::path::Path;

use aws_lc_rs::hmac;

use crate::keys::{KeyError, SecretKey};

/// How long a form token is accepted after the page that carried it was made.
pub const TOKEN_LIFETIME_SECS: i64 = 12 * 3600;
/// How far in the future a token's time may be (clocks of replicas differ a little).
const CLOCK_SKEW_SECS: i64 = 300;
const LABEL: &[u8] = b"isagate-console-form\0";

/// Why a state-changing request was refused as possibly cross-site.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsrfError {
    #[error(
        "the form came from another site (`Sec-Fetch-Site: {0}`); use the console's own pages"
    )]
    CrossSite(String),
    #[error("the request carries no `Origin` header; send forms from the console's pages")]
    NoOrigin,
    #[error("the form came from another origin; use the console's own pages")]
    WrongOrigin,
    #[error("the form has no valid token; reload the page and send the form again")]
    BadToken,
    #[error("the form's token has expired; reload the page and send the form again")]
    Expired,
    #[error("console forms are off: the gateway has no console key (`keys.console`); ask the operators to create it (`isagate dev-certs` makes one for development)")]
    NoKey,
}

/// The console's form-token key, loaded from `keys.console`.
#[derive(Clone)]
pub struct CsrfKey(hmac::Key);

impl std::fmt::Debug for CsrfKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfKey(<redacted>)")
    }
}

impl CsrfKey {
    pub fn new(secret: &SecretKey) -> Self {
        Self(hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes()))
    }

    /// The key in `path`; `Ok(None)` (and a warning) when there is no such file, so the
    /// console serves its pages and refuses its forms. A file that is there but is not a
    /// key is an error: the gateway does not start.
    pub fn load(path: &Path) -> Result<Option<Self>, KeyError> {
        if !path.exists() {
            tracing::warn!(
                file = %path.display(),
                "no console key file: the console's forms are refused until it exists"
            );
            return Ok(None);
        }
        Ok(Some(Self::new(&SecretKey::read(path)?)))
    }

    /// The signed message: label, fingerprint, a zero byte, the time in decimal.
    fn message(cert_sha256: &str, time: i64) -> Vec<u8> {
        let mut m = Vec::with_capacity(LABEL.len() + cert_sha256.len() + 24);
        m.extend_from_slice(LABEL);
        m.extend_from_slice(cert_sha256.as_bytes());
        m.push(0);
        m.extend_from_slice(time.to_string().as_bytes());
        m
    }

    /// A token for forms sent by the holder of the certificate `cert_sha256` at `now`.
    pub fn token(&self, cert_sha256: &str, now: jiff::Timestamp) -> String {
        let t = now.as_second();
        format!("{t}.{}", hex::encode(hmac::sign(&self.0, &Self::message(cert_sha256, t)).as_ref()))
    }

    /// Accept `token` only if this key made it for this certificate, within its lifetime.
    pub fn check(
        &self,
        cert_sha256: &str,
        token: &str,
        now: jiff::Timestamp,
    ) -> Result<(), CsrfError> {
        let (t, mac) = token.split_once('.').ok_or(CsrfError::BadToken)?;
        let t: i64 = t.parse().map_err(|_| CsrfError::BadToken)?;
        let mac = hex::decode(mac).map_err(|_| CsrfError::BadToken)?;
        hmac::verify(&self.0, &Self::message(cert_sha256, t), &mac)
            .map_err(|_| CsrfError::BadToken)?;
        let age = now.as_second() - t;
        if !(-CLOCK_SKEW_SECS..=TOKEN_LIFETIME_SECS).contains(&age) {
            return Err(CsrfError::Expired);
        }
        Ok(())
    }
}

/// The header checks of a state-changing request: `Sec-Fetch-Site`, when sent, must be
/// `same-origin`; `Origin` must be sent and name this listener (`https://<host>`).
pub fn check_origin(headers: &http::HeaderMap, host: Option<&str>) -> Result<(), CsrfError> {
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = site.to_str().unwrap_or("?");
        if site != "same-origin" {
            return Err(CsrfError::CrossSite(site.chars().take(20).collect()));
        }
    }
    let origin = headers.get(http::header::ORIGIN).ok_or(CsrfError::NoOrigin)?;
    let origin = origin.to_str().map_err(|_| CsrfError::WrongOrigin)?;
    match host {
        Some(h) if origin.eq_ignore_ascii_case(&format!("https://{h}")) => Ok(()),
        _ => Err(CsrfError::WrongOrigin),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CsrfKey {
        CsrfKey::new(&SecretKey::from_base64(&"A".repeat(44)).unwrap())
    }

    #[test]
    fn a_token_is_bound_to_its_certificate_and_its_lifetime() {
        let k = key();
        let now = jiff::Timestamp::from_second(1_800_000_000).unwrap();
        let t = k.token("aa", now);
        assert_eq!(k.check("aa", &t, now), Ok(()));
        assert_eq!(k.check("bb", &t, now), Err(CsrfError::BadToken));
        let later = jiff::Timestamp::from_second(1_800_000_000 + TOKEN_LIFETIME_SECS + 1).unwrap();
        assert_eq!(k.check("aa", &t, later), Err(CsrfError::Expired));
        let other = CsrfKey::new(&SecretKey::from_base64(&"B".repeat(44)).unwrap());
        assert_eq!(other.check("aa", &t, now), Err(CsrfError::BadToken));
        assert_eq!(k.check("aa", "12.zz", now), Err(CsrfError::BadToken));
    }

    #[test]
    fn origin_and_fetch_site_are_checked() {
        let mut h = http::HeaderMap::new();
        assert_eq!(check_origin(&h, Some("127.0.0.1:9443")), Err(CsrfError::NoOrigin));
        h.insert("origin", http::HeaderValue::from_static("https://127.0.0.1:9443"));
        assert_eq!(check_origin(&h, Some("127.0.0.1:9443")), Ok(()));
        assert_eq!(check_origin(&h, Some("127.0.0.1:1")), Err(CsrfError::WrongOrigin));
        h.insert("sec-fetch-site", http::HeaderValue::from_static("cross-site"));
        assert!(matches!(check_origin(&h, Some("127.0.0.1:9443")), Err(CsrfError::CrossSite(_))));
    }
}
