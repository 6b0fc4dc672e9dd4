//! The attachment upload form's `multipart/form-data` body, read with `multer` into text fields and files, from a
//! body already limited in size.

use axum::body::Bytes;
use axum::http::{HeaderMap, header};
use axum::response::Response;

use crate::auth::{Area, Staff};
use crate::ui;

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

    /// The file's own name without the sender's folders, at most 120 characters.
    pub fn file_name(&self) -> String {
        self.filename
            .as_deref()
            .unwrap_or_default()
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or("")
            .chars()
            .take(120)
            .collect()
    }
}

/// A posted multipart form whose sender may post in `area` (its CSRF token checked): its parts, or the page to answer.
pub async fn posted(staff: &Staff, area: Area, headers: &HeaderMap, body: Bytes) -> Result<Vec<Part>, Response> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let Some(parts) = parse(ct, body).await else {
        return Err(ui::bad(staff, "上传内容无法读取，请回到上一页重新选择文件后提交"));
    };
    staff.require_post(area, &field(&parts, "csrf"))?;
    Ok(parts)
}

/// The text of the field `name` ("" when absent).
pub fn field(parts: &[Part], name: &str) -> String {
    parts.iter().find(|p| p.name == name).map(Part::text).unwrap_or_default()
}

/// The files chosen in the file field `name` (a field left empty sends a part without a file name).
pub fn files<'a>(parts: &'a [Part], name: &'a str) -> impl Iterator<Item = &'a Part> {
    parts.iter().filter(move |p| p.name == name && p.filename.as_ref().is_some_and(|n| !n.is_empty()))
}

/// The parts of a body with this content type; None when it is not a well-formed multipart form.
pub async fn parse(content_type: &str, body: Bytes) -> Option<Vec<Part>> {
    let boundary = multer::parse_boundary(content_type).ok()?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    let mut parts = Vec::new();
    while let Some(field) = form.next_field().await.ok()? {
        let name = field.name()?.to_string();
        let filename = field.file_name().map(str::to_string);
        let content_type = field.content_type().map(ToString::to_string).unwrap_or_default();
        let data = field.bytes().await.ok()?.to_vec();
        parts.push(Part { name, filename, content_type, data });
    }
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_fields_and_a_file() {
        let body = [
            "--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n".as_bytes(),
            "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"笔录.pdf\"\r\nContent-Type: application/pdf\r\n\r\n".as_bytes(),
            &[0, 1, 13, 10, 255],
            "\r\n--XyZ--\r\n".as_bytes(),
        ]
        .concat();
        let ct = "multipart/form-data; boundary=XyZ";
        let p = parse(ct, Bytes::from(body)).await.unwrap();
        assert_eq!((p[0].name.as_str(), p[0].text().as_str(), p[0].filename.clone()), ("csrf", "abc", None));
        assert_eq!((p[1].name.as_str(), p[1].filename.as_deref()), ("file", Some("笔录.pdf")));
        assert_eq!((p[1].content_type.as_str(), p[1].data.as_slice()), ("application/pdf", &[0, 1, 13, 10, 255][..]));
        assert!(parse(ct, Bytes::from_static(b"garbage")).await.is_none());
        assert!(parse("application/x-www-form-urlencoded", Bytes::from_static(b"a=1")).await.is_none());
    }
}
