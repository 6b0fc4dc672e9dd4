//! Reading an exchange file into a table of cells: CSV (UTF-8 with or without BOM, GBK/GB18030, UTF-16 with BOM;
//! comma or tab separated) and spreadsheets (xlsx, xlsm, xls, ods) through calamine.

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Ods, Reader, Xls, Xlsx};
use chrono::NaiveDate;

use crate::ImportError;

/// One cell as read. CSV gives only `Text` and `Empty`; spreadsheets keep numbers and dates typed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Empty,
    Text(String),
    Int(i64),
    Float(f64),
    Date(NaiveDate),
    Bool(bool),
    /// A spreadsheet error value (#N/A, #REF! …) or an unreadable date.
    Error(String),
}

impl Cell {
    pub(crate) fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }
}

/// A data row with its number as the bureau sees it: the line of a CSV file, the row of a sheet (header = row 1 when
/// the header is the first line).
#[derive(Debug)]
pub(crate) struct Row {
    pub number: usize,
    pub cells: Vec<Cell>,
}

#[derive(Debug)]
pub(crate) struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
    /// Notes about how the file was read (encoding, sheet chosen).
    pub notes: Vec<String>,
}

/// How many rows above the header (a title such as “2025年度参保人员名单”) are looked through.
const MAX_TITLE_ROWS: usize = 10;

impl Table {
    /// When the first row is not a header but a later one is (a title above the header), that later row becomes the
    /// header and the rows above it are dropped.
    pub(crate) fn find_header(&mut self, is_header: impl Fn(&[String]) -> bool) {
        if is_header(&self.headers) {
            return;
        }
        let Some(k) = self.rows.iter().take(MAX_TITLE_ROWS).position(|r| is_header(&texts(&r.cells))) else {
            return;
        };
        let header = self.rows.drain(..=k).next_back().expect("row k exists");
        self.notes.push(format!("表头在第 {} 行，其上的 {} 行标题已忽略", header.number, k + 1));
        self.headers = texts(&header.cells);
    }
}

fn texts(cells: &[Cell]) -> Vec<String> {
    cells.iter().map(header_text).collect()
}

/// Reads a file: a spreadsheet when its bytes say so (zip or OLE container), CSV otherwise.
/// `sheet_names` are preferred sheet names (the kind's), else the first sheet with data is used.
pub(crate) fn read(path: &Path, sheet_names: &[&str]) -> Result<Table, ImportError> {
    let bytes = std::fs::read(path).map_err(|e| ImportError::Io { path: path.display().to_string(), source: e })?;
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        read_workbook(&bytes, sheet_names)
    } else {
        read_csv(&bytes)
    }
}

/// Decodes CSV bytes: UTF-8 (BOM stripped), UTF-16 with BOM, else GBK (GB18030, its superset).
fn decode(bytes: &[u8], notes: &mut Vec<String>) -> Result<String, ImportError> {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom..]);
        if had_errors {
            return Err(ImportError::Encoding(format!(
                "文件以 {} 的 BOM 开头，但内容不是有效的 {} 文本",
                enc.name(),
                enc.name()
            )));
        }
        if enc != encoding_rs::UTF_8 {
            notes.push(format!("文件按 {} 编码读取", enc.name()));
        }
        return Ok(text.into_owned());
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(ImportError::Encoding("文件既不是有效的 UTF-8 文本，也不是有效的 GBK 文本".to_string()));
    }
    notes.push("文件不是 UTF-8 编码，已按 GBK 编码读取".to_string());
    Ok(text.into_owned())
}

fn read_csv(bytes: &[u8]) -> Result<Table, ImportError> {
    let mut notes = Vec::new();
    let text = decode(bytes, &mut notes)?;
    // Tab-separated when the first line has tabs and no commas (Excel's "Unicode text").
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = if first.contains('\t') && !first.contains(',') { b'\t' } else { b',' };
    let mut rdr =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                return Err(ImportError::Csv { line, message: e.to_string() });
            }
        }
        let number = record.position().map_or(0, |p| p.line() as usize);
        let cells: Vec<Cell> = record
            .iter()
            .map(|f| {
                let t = f.trim();
                if t.is_empty() { Cell::Empty } else { Cell::Text(t.to_string()) }
            })
            .collect();
        if cells.iter().all(Cell::is_blank) {
            continue;
        }
        match headers {
            None => headers = Some(record.iter().map(str::to_string).collect()),
            Some(_) => rows.push(Row { number, cells }),
        }
    }
    let headers = headers.ok_or(ImportError::NoHeader)?;
    Ok(Table { headers, rows, notes })
}

fn read_workbook(bytes: &[u8], sheet_names: &[&str]) -> Result<Table, ImportError> {
    let wb_err = |e: &dyn std::fmt::Display| ImportError::Workbook(e.to_string());
    let (names, range) = if bytes.starts_with(b"PK") {
        match Xlsx::new(Cursor::new(bytes)) {
            Ok(mut wb) => pick_sheet(&mut wb, sheet_names).map_err(|e| wb_err(&e))?,
            Err(xlsx_err) => match Ods::new(Cursor::new(bytes)) {
                Ok(mut wb) => pick_sheet(&mut wb, sheet_names).map_err(|e| wb_err(&e))?,
                Err(_) => return Err(wb_err(&xlsx_err)),
            },
        }
    } else {
        let mut wb = Xls::new(Cursor::new(bytes)).map_err(|e| wb_err(&e))?;
        pick_sheet(&mut wb, sheet_names).map_err(|e| wb_err(&e))?
    };
    let (sheet, range) = match range {
        Some(r) => r,
        None => return Err(ImportError::NoHeader),
    };
    let mut notes = Vec::new();
    if names.len() > 1 {
        notes.push(format!("工作簿有 {} 个工作表，读取的是“{sheet}”", names.len()));
    }
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let first_col = range.start().map_or(0, |(_, c)| c as usize);
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for (i, row) in range.rows().enumerate() {
        let number = first_row + i + 1;
        let mut cells: Vec<Cell> = vec![Cell::Empty; first_col];
        cells.extend(row.iter().map(cell));
        if cells.iter().all(Cell::is_blank) {
            continue;
        }
        match headers {
            None => headers = Some(texts(&cells)),
            Some(_) => rows.push(Row { number, cells }),
        }
    }
    let headers = headers.ok_or(ImportError::NoHeader)?;
    Ok(Table { headers, rows, notes })
}

type Picked = (Vec<String>, Option<(String, calamine::Range<Data>)>);

/// The sheet named like the kind, else the first sheet that has any data.
fn pick_sheet<R, B>(wb: &mut R, preferred: &[&str]) -> Result<Picked, R::Error>
where
    R: Reader<Cursor<B>>,
    B: AsRef<[u8]>,
{
    let names = wb.sheet_names();
    if let Some(n) = names.iter().find(|n| preferred.iter().any(|p| n.trim().eq_ignore_ascii_case(p))) {
        let range = wb.worksheet_range(n)?;
        let n = n.clone();
        return Ok((names, Some((n, range))));
    }
    for n in &names {
        let range = wb.worksheet_range(n)?;
        if range.used_cells().any(|(_, _, c)| !Cell::is_blank(&cell(c))) {
            return Ok((names.clone(), Some((n.clone(), range))));
        }
    }
    Ok((names, None))
}

fn cell(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
            let t = s.trim();
            if t.is_empty() { Cell::Empty } else { Cell::Text(t.to_string()) }
        }
        Data::Int(i) => Cell::Int(*i),
        Data::Float(f) => Cell::Float(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => {
            if dt.is_duration() {
                return Cell::Float(dt.as_f64());
            }
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            match NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d)) {
                Some(date) => Cell::Date(date),
                None => Cell::Error(format!("{y}-{m:02}-{d:02}")),
            }
        }
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

fn header_text(c: &Cell) -> String {
    match c {
        Cell::Empty => String::new(),
        Cell::Text(t) => t.clone(),
        Cell::Int(i) => i.to_string(),
        Cell::Float(f) => f.to_string(),
        Cell::Date(d) => d.to_string(),
        Cell::Bool(b) => b.to_string(),
        Cell::Error(e) => e.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_bom_gbk_and_utf16() {
        let mut notes = Vec::new();
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice("姓名,性别".as_bytes());
        assert_eq!(decode(&bom, &mut notes).unwrap(), "姓名,性别");
        assert!(notes.is_empty());
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,性别");
        assert_eq!(decode(&gbk, &mut notes).unwrap(), "姓名,性别");
        assert_eq!(notes.len(), 1);
        let mut utf16 = vec![0xFF, 0xFE];
        for u in "姓名\t性别".encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode(&utf16, &mut notes).unwrap(), "姓名\t性别");
        assert!(decode(&[0x81, 0x20, 0xFF], &mut notes).is_err());
    }

    #[test]
    fn csv_rows_are_numbered_by_line_and_blank_rows_skipped() {
        let t = read_csv(b"a,b\n1,2\n\n,\n3,4\n").unwrap();
        assert_eq!(t.headers, vec!["a", "b"]);
        let numbers: Vec<usize> = t.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, vec![2, 5]);
        let mut titled = read_csv("2025年度名单,\n人员编号,姓名\nP1,张三\n".as_bytes()).unwrap();
        titled.find_header(|h| h.iter().any(|c| c == "姓名"));
        assert_eq!((titled.headers.clone(), titled.rows.len()), (vec!["人员编号".to_string(), "姓名".to_string()], 1));
        assert_eq!(titled.notes, vec!["表头在第 2 行，其上的 1 行标题已忽略"]);
        assert_eq!(titled.rows[0].number, 3);
        let tabs = read_csv("人员编号\t姓名\nP1\t张三\n".as_bytes()).unwrap();
        assert_eq!(tabs.headers, vec!["人员编号", "姓名"]);
        assert_eq!(tabs.rows[0].cells[1], Cell::Text("张三".into()));
    }
}
