//! Stage 5a: reading a body. Size is limited while reading (413 as soon as the limit is
//! passed, without buffering the rest); the media type must be JSON (415); a
//! `Content-Encoding` is refused unless the flow allows it (415), and then the
//! decompressed size counts against the same limit.

use std::io::Read as _;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::HeaderMap;
use http_body_util::BodyExt as _;

use crate::codes::problem::Refusal;
use crate::codes::RefusalCode;

/// Read a whole body, refusing it once it passes `max_bytes`, or when it takes longer than `timeout`.
pub async fn read_limited<B>(body: B, max_bytes: usize, timeout: Duration) -> Result<Bytes, Refusal>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
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
    tokio::time::timeout(timeout, read).await.map_err(|_| {
        Refusal::one(RefusalCode::BadRequest, "the request body was not received in time")
    })?
}

fn too_large(max: usize) -> Refusal {
    Refusal::one(RefusalCode::BodyTooLarge, format!("the body is over the limit of {max} bytes"))
}

/// `application/json` or `application/*+json`, parameters allowed.
pub fn is_json_media_type(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Refuse a body that is not JSON where the flow expects JSON.
pub fn require_json(headers: &HeaderMap) -> Result<(), Refusal> {
    if is_json_media_type(headers) {
        Ok(())
    } else {
        Err(Refusal::one(
            RefusalCode::UnsupportedMediaType,
            "send the body as `application/json` (or `application/*+json`)",
        ))
    }
}

/// Undo a `Content-Encoding` the flow allows (`gzip` only); refuse any other.
pub fn decode(
    headers: &HeaderMap,
    body: Bytes,
    allowed: &[String],
    max_bytes: usize,
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
            let mut reader = flate2::read::GzDecoder::new(&body[..]).take(max_bytes as u64 + 1);
            reader.read_to_end(&mut out).map_err(|_| {
                Refusal::one(RefusalCode::MalformedJson, "the gzip body could not be decompressed")
            })?;
            if out.len() > max_bytes {
                return Err(too_large(max_bytes));
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
    use std::io::Write as _;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.append(http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        m
    }

    #[test]
    fn json_media_types() {
        assert!(is_json_media_type(&headers(&[(
            "content-type",
            "application/json; charset=utf-8"
        )])));
        assert!(is_json_media_type(&headers(&[("content-type", "application/fhir+json")])));
        assert!(!is_json_media_type(&headers(&[("content-type", "text/plain")])));
        assert!(!is_json_media_type(&headers(&[])));
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
