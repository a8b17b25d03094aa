//! Parsing the `multipart/related` body of `uploadType=multipart`: JSON metadata, then the data.

use bytes::Bytes;

use super::error::GcsError;

/// The two parts of a multipart upload.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct MultipartUpload {
    /// The first part: the object resource as JSON.
    pub(crate) metadata: Bytes,
    /// The second part's `Content-Type`, if it has one.
    pub(crate) content_type: Option<String>,
    /// The second part: the object's data.
    pub(crate) data: Bytes,
}

fn invalid(reason: &'static str) -> GcsError {
    GcsError::InvalidMultipart { reason }
}

/// The `boundary` parameter of a `multipart/related` content type.
pub(crate) fn boundary(content_type: &str) -> Result<String, GcsError> {
    let mut params = content_type.split(';');
    let mime = params.next().unwrap_or_default().trim();
    if !mime.eq_ignore_ascii_case("multipart/related") {
        return Err(invalid("Content-Type must be multipart/related"));
    }
    params
        .filter_map(|p| p.split_once('='))
        .find(|(key, _)| key.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, value)| value.trim().trim_matches('"').to_owned())
        .filter(|b| !b.is_empty())
        .ok_or_else(|| invalid("Content-Type has no boundary parameter"))
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// Splits one part into its `Content-Type` header (if any) and its body.
fn split_part(part: Bytes) -> Result<(Option<String>, Bytes), GcsError> {
    let end = find(&part, b"\r\n\r\n", 0)
        .ok_or_else(|| invalid("a part has no blank line after its headers"))?;
    let headers =
        std::str::from_utf8(&part[..end]).map_err(|_| invalid("part headers are not UTF-8"))?;
    let content_type = headers
        .split("\r\n")
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-type"))
        .map(|(_, value)| value.trim().to_owned());
    Ok((content_type, part.slice(end + 4..)))
}

/// Parses a body of exactly two parts delimited by `boundary`.
pub(crate) fn parse(body: &Bytes, boundary: &str) -> Result<MultipartUpload, GcsError> {
    let opening = format!("--{boundary}");
    let delimiter = format!("\r\n--{boundary}");
    let mut start = find(body, opening.as_bytes(), 0)
        .ok_or_else(|| invalid("the body does not contain the boundary"))?
        + opening.len();
    let mut parts = Vec::new();
    loop {
        let rest = body.get(start..).unwrap_or_default();
        if rest.starts_with(b"--") {
            break;
        }
        if !rest.starts_with(b"\r\n") {
            return Err(invalid("a boundary is not followed by CRLF"));
        }
        let part_start = start + 2;
        let end = find(body, delimiter.as_bytes(), part_start)
            .ok_or_else(|| invalid("the body does not end with the closing boundary"))?;
        parts.push(body.slice(part_start..end));
        start = end + delimiter.len();
    }
    let [metadata, media]: [Bytes; 2] = parts
        .try_into()
        .map_err(|_| invalid("expected exactly two parts: JSON metadata, then the data"))?;
    let (_, metadata) = split_part(metadata)?;
    let (content_type, data) = split_part(media)?;
    Ok(MultipartUpload {
        metadata,
        content_type,
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_python_clients_body_parses() {
        let body = Bytes::from_static(
            b"--==0==\r\ncontent-type: application/json; charset=UTF-8\r\n\r\n{\"name\": \"a\"}\r\n\
              --==0==\r\ncontent-type: text/plain\r\n\r\nline1\r\n--line2\r\n--==0==--",
        );
        let boundary = boundary("multipart/related; boundary=\"==0==\"").expect("boundary");
        let upload = parse(&body, &boundary).expect("parses");
        assert_eq!(upload.metadata, Bytes::from_static(b"{\"name\": \"a\"}"));
        assert_eq!(upload.content_type.as_deref(), Some("text/plain"));
        assert_eq!(upload.data, Bytes::from_static(b"line1\r\n--line2"));
    }

    #[test]
    fn a_body_without_the_closing_boundary_is_refused() {
        let body = Bytes::from_static(b"--b\r\n\r\n{}\r\n--b\r\n\r\ndata");
        assert!(matches!(
            parse(&body, "b"),
            Err(GcsError::InvalidMultipart { .. })
        ));
    }

    #[test]
    fn a_content_type_other_than_multipart_related_is_refused() {
        assert!(boundary("multipart/form-data; boundary=x").is_err());
        assert!(boundary("multipart/related").is_err());
        assert_eq!(
            boundary("Multipart/Related; boundary=abc").ok().as_deref(),
            Some("abc")
        );
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let _ = parse(&Bytes::from(body), "b");
        }
    }
}
