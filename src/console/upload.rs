//! Forms that carry files: a `multipart/form-data` body (RFC 7578) read into its text
//! fields and its files, within bounds. The admin listener has already capped the whole
//! body (`limits.max_body`); here each file is capped at [`MAX_FILE_BYTES`] and a form at
//! [`MAX_PARTS`] parts. A file input left empty (no file chosen) is dropped.
//!
//! Nothing here logs or echoes a file's content: errors name the form field and the file
//! name the browser sent, and say what to do.

use bytes::Bytes;

/// The largest file one field may carry.
pub const MAX_FILE_BYTES: usize = 512 * 1024;
/// The most parts (fields and files) a form may have.
pub const MAX_PARTS: usize = 64;
/// The most bytes of headers one part may have.
const MAX_PART_HEAD: usize = 4096;

/// A file sent with a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The form field it came in.
    pub field: String,
    /// The file name the browser sent, as sent.
    pub name: String,
    pub data: Bytes,
}

impl Upload {
    /// The file as UTF-8 text.
    pub fn text(&self) -> Result<String, UploadError> {
        String::from_utf8(self.data.to_vec())
            .map_err(|_| UploadError::NotText { name: self.name.clone() })
    }
}

/// Why a form's files were not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error(
        "the form is not multipart/form-data with a boundary; send it from the console's page"
    )]
    NoBoundary,
    #[error(
        "the form's body is not well-formed multipart ({0}); send it again from the console's page"
    )]
    Malformed(&'static str),
    #[error("the form has more than {MAX_PARTS} parts; send fewer files at once")]
    TooManyParts,
    #[error("the file `{name}` is over {} KiB; send a smaller file", MAX_FILE_BYTES / 1024)]
    TooLarge { name: String },
    #[error("the file `{name}` is not UTF-8 text; save it as UTF-8 and send it again")]
    NotText { name: String },
    #[error("the form field `{0}` is not UTF-8 text")]
    FieldNotText(String),
}

/// The boundary of a `multipart/form-data` content type, or `None` for any other type.
pub fn boundary(content_type: &str) -> Option<&str> {
    let mut parts = content_type.split(';');
    let kind = parts.next()?.trim();
    if !kind.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    parts.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        let v = v.trim().trim_matches('"');
        (k.trim().eq_ignore_ascii_case("boundary") && !v.is_empty() && v.len() <= 70).then_some(v)
    })
}

/// A form's text fields (name, value) and its files.
pub type Form = (Vec<(String, String)>, Vec<Upload>);

/// Read a multipart body.
pub fn parse(body: &Bytes, boundary: &str) -> Result<Form, UploadError> {
    let delimiter = format!("--{boundary}");
    let delim = delimiter.as_bytes();
    let mut at = find(body, delim, 0).ok_or(UploadError::Malformed("no first boundary"))?;
    let (mut fields, mut files) = (Vec::new(), Vec::new());
    for _ in 0..=MAX_PARTS {
        at += delim.len();
        if body.get(at..at + 2) == Some(b"--") {
            return Ok((fields, files));
        }
        if body.get(at..at + 2) != Some(b"\r\n") {
            return Err(UploadError::Malformed("a boundary is not followed by a line break"));
        }
        at += 2;
        let head_window = &body[..body.len().min(at + MAX_PART_HEAD + 4)];
        let head_end = find(head_window, b"\r\n\r\n", at)
            .ok_or(UploadError::Malformed("a part's headers do not end"))?;
        let head = std::str::from_utf8(&body[at..head_end])
            .map_err(|_| UploadError::Malformed("a part's headers are not text"))?;
        let start = head_end + 4;
        let mut end_marker = b"\r\n".to_vec();
        end_marker.extend_from_slice(delim);
        let end = find(body, &end_marker, start)
            .ok_or(UploadError::Malformed("a part has no closing boundary"))?;
        let (name, file_name) = disposition(head)?;
        let data = body.slice(start..end);
        match file_name {
            Some(f) if f.is_empty() && data.is_empty() => {}
            Some(f) => {
                if data.len() > MAX_FILE_BYTES {
                    return Err(UploadError::TooLarge { name: f });
                }
                files.push(Upload { field: name, name: f, data });
            }
            None => {
                let value = String::from_utf8(data.to_vec())
                    .map_err(|_| UploadError::FieldNotText(name.clone()))?;
                fields.push((name, value));
            }
        }
        at = end + 2;
    }
    Err(UploadError::TooManyParts)
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

/// A part's field name and file name from its `Content-Disposition: form-data` header.
fn disposition(head: &str) -> Result<(String, Option<String>), UploadError> {
    let line = head
        .split("\r\n")
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case("content-disposition").then_some(v)
        })
        .ok_or(UploadError::Malformed("a part has no Content-Disposition"))?;
    let (mut name, mut file) = (None, None);
    for p in line.split(';').skip(1) {
        let Some((k, v)) = p.split_once('=') else { continue };
        let v = v.trim().trim_matches('"').to_owned();
        match k.trim() {
            "name" => name = Some(v),
            // As sent: the page's name checks (the API's) refuse anything but a plain name.
            "filename" => file = Some(v),
            _ => {}
        }
    }
    let name = name.ok_or(UploadError::Malformed("a part has no field name"))?;
    Ok((name, file))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(parts: &[(&str, Option<&str>, &str)]) -> Bytes {
        let mut b = String::new();
        for (name, file, data) in parts {
            b.push_str("--XyZ\r\nContent-Disposition: form-data; name=\"");
            b.push_str(name);
            b.push('"');
            if let Some(f) = file {
                b.push_str(&format!(
                    "; filename=\"{f}\"\r\nContent-Type: application/octet-stream"
                ));
            }
            b.push_str("\r\n\r\n");
            b.push_str(data);
            b.push_str("\r\n");
        }
        b.push_str("--XyZ--\r\n");
        Bytes::from(b)
    }

    #[test]
    fn fields_and_files_are_read_and_empty_file_inputs_dropped() {
        let b = body(&[
            ("csrf", None, "1.ab"),
            ("agreements", Some("a.yaml"), "id: x\r\nversion: 2\n"),
            ("schemas", Some(""), ""),
            ("note", None, "why"),
        ]);
        let (fields, files) =
            parse(&b, boundary("multipart/form-data; boundary=XyZ").unwrap()).unwrap();
        assert_eq!(fields, vec![("csrf".into(), "1.ab".into()), ("note".into(), "why".into())]);
        assert_eq!(files.len(), 1);
        assert_eq!((files[0].field.as_str(), files[0].name.as_str()), ("agreements", "a.yaml"));
        assert_eq!(files[0].text().unwrap(), "id: x\r\nversion: 2\n");
    }

    #[test]
    fn bounds_and_malformed_bodies_are_refused() {
        let big = "x".repeat(MAX_FILE_BYTES + 1);
        let b = body(&[("f", Some("big.json"), &big)]);
        assert_eq!(parse(&b, "XyZ"), Err(UploadError::TooLarge { name: "big.json".into() }));
        let many: Vec<(&str, Option<&str>, &str)> = vec![("a", None, "1"); MAX_PARTS + 1];
        assert_eq!(parse(&body(&many), "XyZ"), Err(UploadError::TooManyParts));
        let cut = Bytes::from_static(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end",
        );
        assert!(matches!(parse(&cut, "XyZ"), Err(UploadError::Malformed(_))));
        let long_head = format!(
            "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Pad: {}\r\n\r\n1\r\n--XyZ--\r\n",
            "p".repeat(MAX_PART_HEAD)
        );
        let refused = parse(&Bytes::from(long_head), "XyZ");
        assert_eq!(refused, Err(UploadError::Malformed("a part's headers do not end")));
        assert_eq!(boundary("application/x-www-form-urlencoded"), None);
        let path = body(&[("f", Some("../a.yaml"), "x")]);
        assert_eq!(parse(&path, "XyZ").unwrap().1[0].name, "../a.yaml", "kept for the checks");
    }
}
