//! A small `multipart/form-data` reader for the attachment upload form: text fields and one file per field, from a
//! body already limited in size.

/// One part of a form: its field name, and for a file its name, type and bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: String,
    pub data: Vec<u8>,
}

impl Part {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

/// The boundary of a `multipart/form-data; boundary=…` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    let (kind, rest) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    rest.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim().eq_ignore_ascii_case("boundary").then(|| v.trim().trim_matches('"').to_string())
    })
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (from..=hay.len() - needle.len()).find(|&i| &hay[i..i + needle.len()] == needle)
}

/// A quoted parameter of a Content-Disposition header (`name="…"`).
fn param(header: &str, key: &str) -> Option<String> {
    let pat = format!("{key}=\"");
    let mut start = 0;
    while let Some(i) = header[start..].find(&pat) {
        let at = start + i;
        // Not the tail of another parameter (`filename=` contains `name=`).
        let before = header[..at].chars().last();
        if before.is_none_or(|c| c == ' ' || c == ';') {
            let rest = &header[at + pat.len()..];
            return rest.find('"').map(|e| rest[..e].to_string());
        }
        start = at + pat.len();
    }
    None
}

/// The parts of a body; None when it is not well-formed.
pub fn parse(body: &[u8], boundary: &str) -> Option<Vec<Part>> {
    let delim = format!("--{boundary}");
    let d = delim.as_bytes();
    let mut at = find(body, d, 0)? + d.len();
    let mut parts = Vec::new();
    loop {
        if body.get(at..at + 2) == Some(b"--") {
            return Some(parts);
        }
        if body.get(at..at + 2) != Some(b"\r\n") {
            return None;
        }
        let head_end = find(body, b"\r\n\r\n", at + 2)?;
        let head = String::from_utf8_lossy(&body[at + 2..head_end]).into_owned();
        let next = find(body, format!("\r\n{delim}").as_bytes(), head_end + 4)?;
        let data = body[head_end + 4..next].to_vec();
        let (mut name, mut filename, mut content_type) = (None, None, String::new());
        for line in head.split("\r\n") {
            let Some((k, v)) = line.split_once(':') else { continue };
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                name = param(v, "name");
                filename = param(v, "filename");
            } else if k.trim().eq_ignore_ascii_case("content-type") {
                content_type = v.trim().to_string();
            }
        }
        parts.push(Part { name: name?, filename, content_type, data });
        at = next + 2 + d.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_and_a_file() {
        let b = "XyZ";
        let body = [
            "--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n".as_bytes(),
            "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"笔录.pdf\"\r\nContent-Type: application/pdf\r\n\r\n".as_bytes(),
            &[0, 1, 13, 10, 255],
            "\r\n--XyZ--\r\n".as_bytes(),
        ]
        .concat();
        assert_eq!(boundary("multipart/form-data; boundary=XyZ").as_deref(), Some(b));
        let p = parse(&body, b).unwrap();
        assert_eq!((p[0].name.as_str(), p[0].text().as_str(), p[0].filename.clone()), ("csrf", "abc", None));
        assert_eq!((p[1].name.as_str(), p[1].filename.as_deref()), ("file", Some("笔录.pdf")));
        assert_eq!((p[1].content_type.as_str(), p[1].data.as_slice()), ("application/pdf", &[0, 1, 13, 10, 255][..]));
        assert!(parse(b"garbage", b).is_none());
    }
}
