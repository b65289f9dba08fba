//! Stage 5a: reading a body. Size is limited while reading (413 as soon as the limit is
//! passed, without buffering the rest); a `Content-Encoding` is refused unless the flow
//! allows it (415; the decision in `policy::decision` asks, after the media type), and then the
//! decompressed size counts against `limits.decompressed_max` (413).
//!
//! Time is limited twice: the body must arrive within `limits.read_timeout`, and the
//! whole request within its [`Deadline`] (`limits.request_timeout`, counted from when its
//! head was read), whichever ends first. The deadline is checked once more just before
//! the request record is committed; after that, the upstream's own timeouts govern, so
//! a transfer is never abandoned between its two records.

use std::io::Read as _;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http::HeaderMap;
use http_body_util::BodyExt as _;

use crate::codes::problem::Refusal;
use crate::codes::RefusalCode;

/// The longest deadline kept (about ten years): a larger `request_timeout` means "never".
const FOREVER: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// When a request must have been received and its record be about to commit.
#[derive(Debug, Clone, Copy)]
pub struct Deadline(Instant);

impl Deadline {
    /// `request_timeout` from now (the handler runs once the request head has been read).
    pub fn after(request_timeout: Duration) -> Self {
        Self(Instant::now() + request_timeout.min(FOREVER))
    }

    fn remaining(self) -> Duration {
        self.0.saturating_duration_since(Instant::now())
    }

    /// Refuse the request once the deadline has passed (before anything is committed or sent).
    pub fn check(self) -> Result<(), Refusal> {
        if self.remaining().is_zero() {
            Err(request_timed_out())
        } else {
            Ok(())
        }
    }
}

fn request_timed_out() -> Refusal {
    Refusal::one(
        RefusalCode::BadRequest,
        "the request was not received within the request timeout (`limits.request_timeout`); nothing was sent",
    )
}

/// Read a whole body, refusing it once it passes `max_bytes`, when it takes longer than
/// `timeout`, or when the request's `deadline` passes first.
pub async fn read_limited<B>(
    body: B,
    max_bytes: usize,
    timeout: Duration,
    deadline: Deadline,
) -> Result<Bytes, Refusal>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    // A declared length over the limit is refused before the body is polled, so hyper
    // never answers `Expect: 100-continue` with `100 Continue` for a body we would refuse.
    if body.size_hint().lower() > u64::try_from(max_bytes).unwrap_or(u64::MAX) {
        return Err(too_large(max_bytes));
    }
    let read = async move {
        let mut body = body;
        let mut buf = BytesMut::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| {
                Refusal::one(RefusalCode::BadRequest, "the request body could not be read")
            })?;
            if let Ok(data) = frame.into_data() {
                if buf.len() + data.len() > max_bytes {
                    return Err(too_large(max_bytes));
                }
                buf.extend_from_slice(&data);
            }
        }
        Ok(buf.freeze())
    };
    let remaining = deadline.remaining();
    tokio::time::timeout(timeout.min(remaining), read).await.map_err(|_| {
        if remaining <= timeout {
            request_timed_out()
        } else {
            Refusal::one(
                RefusalCode::BadRequest,
                "the request body was not received in time (`limits.read_timeout`)",
            )
        }
    })?
}

fn too_large(max: usize) -> Refusal {
    Refusal::one(RefusalCode::BodyTooLarge, format!("the body is over the limit of {max} bytes"))
}

fn too_large_decompressed(max: usize) -> Refusal {
    Refusal::one(
        RefusalCode::BodyTooLarge,
        format!("the body decompresses to more than the limit of {max} bytes"),
    )
}

/// Undo a `Content-Encoding` the flow allows (`gzip` only); refuse any other, and refuse a
/// body that decompresses to more than `decompressed_max` bytes (`limits.decompressed_max`)
/// without inflating more than one byte past it.
pub fn decode(
    headers: &HeaderMap,
    body: Bytes,
    allowed: &[String],
    decompressed_max: usize,
) -> Result<Bytes, Refusal> {
    let encodings: Vec<String> = headers
        .get_all(http::header::CONTENT_ENCODING)
        .iter()
        .flat_map(|v| v.to_str().unwrap_or("\u{0}").split(','))
        .map(|e| e.trim().to_ascii_lowercase())
        .filter(|e| !e.is_empty() && e != "identity")
        .collect();
    match encodings.as_slice() {
        [] => Ok(body),
        [gzip] if gzip == "gzip" && allowed.iter().any(|a| a == "gzip") => {
            let mut out = Vec::new();
            let limit = u64::try_from(decompressed_max).unwrap_or(u64::MAX).saturating_add(1);
            let mut reader = flate2::read::GzDecoder::new(&body[..]).take(limit);
            reader.read_to_end(&mut out).map_err(|_| {
                Refusal::one(RefusalCode::MalformedJson, "the gzip body could not be decompressed")
            })?;
            if out.len() > decompressed_max {
                return Err(too_large_decompressed(decompressed_max));
            }
            Ok(Bytes::from(out))
        }
        _ => Err(Refusal::one(
            RefusalCode::UnsupportedEncoding,
            "this flow does not accept that `Content-Encoding`",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::headers::tests::map as headers;
    use std::io::Write as _;

    #[test]
    fn a_passed_deadline_refuses_and_a_future_one_does_not() {
        let err = Deadline::after(Duration::ZERO).check().unwrap_err();
        assert_eq!(err.code(), RefusalCode::BadRequest);
        assert!(Deadline::after(Duration::from_secs(60)).check().is_ok());
        assert!(Deadline::after(Duration::MAX).check().is_ok(), "no overflow");
    }

    #[tokio::test]
    async fn the_deadline_cuts_a_body_read_short() {
        let body = silent_body();
        let started = std::time::Instant::now();
        let deadline = Deadline::after(Duration::from_millis(50));
        let err = read_limited(body, 100, Duration::from_secs(30), deadline).await.unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(err.reasons[0].detail.contains("request_timeout"), "{err:?}");
        let body = silent_body();
        let far = Deadline::after(Duration::from_secs(30));
        let err = read_limited(body, 100, Duration::from_millis(50), far).await.unwrap_err();
        assert!(err.reasons[0].detail.contains("read_timeout"), "{err:?}");
    }

    /// A body that never sends a frame.
    fn silent_body() -> http_body_util::StreamBody<
        futures::stream::Pending<Result<hyper::body::Frame<Bytes>, std::convert::Infallible>>,
    > {
        http_body_util::StreamBody::new(futures::stream::pending())
    }

    #[test]
    fn gzip_only_when_allowed_and_within_the_limit() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&[b' '; 5000]).unwrap();
        let body = Bytes::from(gz.finish().unwrap());
        let h = headers(&[("content-encoding", "gzip")]);
        let none: Vec<String> = vec![];
        let gzip = vec!["gzip".to_owned()];
        assert_eq!(
            decode(&h, body.clone(), &none, 10_000).unwrap_err().code(),
            RefusalCode::UnsupportedEncoding
        );
        assert_eq!(decode(&h, body.clone(), &gzip, 10_000).unwrap().len(), 5000);
        assert_eq!(decode(&h, body, &gzip, 4000).unwrap_err().code(), RefusalCode::BodyTooLarge);
        let br = headers(&[("content-encoding", "br")]);
        assert!(decode(&br, Bytes::new(), &gzip, 10).is_err());
    }
}
