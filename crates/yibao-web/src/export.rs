//! Downloads: tables as xlsx (rust_xlsxwriter) and the bulletin as a Word document (docx written with the zip crate:
//! the few XML parts a docx needs).

use std::io::Write;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook};

use crate::Web;
use crate::auth::Staff;
use crate::ui;

/// A spreadsheet cell: text, a count, or an amount in fen (written in yuan with two decimals).
pub enum X {
    T(String),
    N(i64),
    Fen(i64),
    /// A ratio in ten-thousandths, written as a percentage.
    Pct(i64),
}

/// One sheet: name, title line, header row, rows.
pub struct Sheet {
    pub name: String,
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<X>>,
}

pub fn xlsx(sheets: &[Sheet]) -> Result<Vec<u8>, String> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let pct = Format::new().set_num_format("0.00%");
    for s in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&s.name).map_err(|e| e.to_string())?;
        ws.write_string_with_format(0, 0, &s.title, &bold).map_err(|e| e.to_string())?;
        for (c, h) in s.headers.iter().enumerate() {
            ws.write_string_with_format(1, c as u16, h, &bold).map_err(|e| e.to_string())?;
            ws.set_column_width(c as u16, 16).map_err(|e| e.to_string())?;
        }
        for (r, row) in s.rows.iter().enumerate() {
            let r = r as u32 + 2;
            for (c, v) in row.iter().enumerate() {
                let c = c as u16;
                let res = match v {
                    X::T(t) => ws.write_string(r, c, t).map(|_| ()),
                    X::N(n) => ws.write_number(r, c, *n as f64).map(|_| ()),
                    // The spreadsheet's own number type; the exact fen stay in the ledger.
                    X::Fen(f) => ws.write_number_with_format(r, c, *f as f64 / 100.0, &money).map(|_| ()),
                    X::Pct(p) => ws.write_number_with_format(r, c, *p as f64 / 10_000.0, &pct).map(|_| ()),
                };
                res.map_err(|e| e.to_string())?;
            }
        }
    }
    wb.save_to_buffer().map_err(|e| e.to_string())
}

/// Logs an export in the audit log (action, entity, detail) and sends the workbook as `filename`.
pub async fn logged_xlsx(
    app: &Web,
    staff: &Staff,
    (action, entity, detail): (&str, &str, &str),
    sheets: &[Sheet],
    filename: &str,
) -> Response {
    let audit = ui::audit_row(app, &staff.username, action, entity, "", detail);
    if let Err(e) = app.store.commit(vec![audit]).await {
        return ui::internal(Some(staff), e);
    }
    match xlsx(sheets) {
        Ok(b) => download(b, filename, XLSX),
        Err(e) => ui::internal(Some(staff), e),
    }
}

/// A file download response.
pub fn download(bytes: Vec<u8>, filename: &str, content_type: &str) -> Response {
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let disp = format!(
        "attachment; filename=\"export.{}\"; filename*=UTF-8''{}",
        filename.rsplit('.').next().unwrap_or("bin"),
        crate::ui::url_encode(filename)
    );
    if let Ok(v) = HeaderValue::from_str(&disp) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A Word document of paragraphs; the first is the title (centred, bold). A line starting with a Chinese ordinal
/// heading (一、 二、 …) is bold.
pub fn docx(paragraphs: &[String]) -> Result<Vec<u8>, String> {
    let mut body = String::new();
    for (i, p) in paragraphs.iter().enumerate() {
        let heading = i == 0 || ["一、", "二、", "三、", "四、", "五、", "六、"].iter().any(|h| p.starts_with(h));
        let ppr = if i == 0 {
            "<w:pPr><w:jc w:val=\"center\"/></w:pPr>"
        } else {
            "<w:pPr><w:ind w:firstLineChars=\"200\"/></w:pPr>"
        };
        let rpr =
            if heading { "<w:rPr><w:b/><w:sz w:val=\"32\"/></w:rPr>" } else { "<w:rPr><w:sz w:val=\"28\"/></w:rPr>" };
        body.push_str(&format!("<w:p>{ppr}<w:r>{rpr}<w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>", xml_escape(p)));
    }
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}\
<w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"1440\" w:right=\"1440\" w:bottom=\"1440\" w:left=\"1440\" w:header=\"720\" w:footer=\"720\" w:gutter=\"0\"/></w:sectPr></w:body></w:document>"
    );
    let content_types = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
<Default Extension=\"xml\" ContentType=\"application/xml\"/>\
<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>\
</Types>";
    let rels = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>\
</Relationships>";
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, text) in
            [("[Content_Types].xml", content_types), ("_rels/.rels", rels), ("word/document.xml", document.as_str())]
        {
            z.start_file(name, opts).map_err(|e| e.to_string())?;
            z.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
        }
        z.finish().map_err(|e| e.to_string())?;
    }
    Ok(buf.into_inner())
}

#[cfg(test)]
mod tests {
    #[test]
    fn docx_and_xlsx_are_zip_files() {
        let d = super::docx(&["标题".into(), "一、正文 <1>".into()]).unwrap();
        assert_eq!(&d[..2], b"PK");
        let s = super::Sheet {
            name: "表".into(),
            title: "t".into(),
            headers: vec!["a".into()],
            rows: vec![vec![super::X::Fen(12345)]],
        };
        assert_eq!(&super::xlsx(&[s]).unwrap()[..2], b"PK");
    }
}
