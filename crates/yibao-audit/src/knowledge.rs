//! Knowledge rows (知识库): the tables that drive a rule, read from CSV (UTF-8 or GBK), xlsx, or inline in the pack,
//! with every bad cell reported by row number and column in Chinese.

use std::io::Cursor;
use std::str::FromStr;

use calamine::{Data, Reader as _};
use yibao_core::codes::Dictionaries;

/// Where a table came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A knowledge file, by the name the pack gives it.
    File(String),
    /// `[[rule.row]]` tables in the pack itself.
    Inline,
}

/// A table of text cells with a header row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub source: Source,
    pub headers: Vec<String>,
    pub rows: Vec<Record>,
}

/// One data row: its number as the bureau sees it (file line or sheet row; the header is row 1) and its cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub number: usize,
    pub cells: Vec<String>,
}

/// One problem in a knowledge table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Row number (1 = header); 0 when the whole file is unreadable.
    pub number: usize,
    /// Index into [`Table::rows`] (for inline rows, the `[[rule.row]]` index).
    pub record: Option<usize>,
    /// The column's field name, when the problem is in one column.
    pub field: Option<&'static str>,
    /// The header as written in the file.
    pub header: Option<String>,
    pub zh: String,
}

impl RowError {
    fn file(zh: impl Into<String>) -> RowError {
        RowError { number: 0, record: None, field: None, header: None, zh: zh.into() }
    }
}

impl Table {
    /// Reads a knowledge file's bytes: a spreadsheet when the bytes say so (zip or OLE container), CSV otherwise.
    pub fn from_bytes(name: &str, bytes: &[u8]) -> Result<Table, RowError> {
        let source = Source::File(name.to_string());
        if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            return read_workbook(source, bytes);
        }
        read_csv(source, &decode(bytes)?)
    }

    /// Builds a table from `[[rule.row]]` TOML tables: the headers are every key used, in order of first use.
    pub fn from_inline(rows: &[toml::Table]) -> Table {
        let mut headers: Vec<String> = Vec::new();
        for r in rows {
            for k in r.keys() {
                if !headers.contains(k) {
                    headers.push(k.clone());
                }
            }
        }
        let records = rows
            .iter()
            .enumerate()
            .map(|(i, r)| Record {
                number: i + 1,
                cells: headers.iter().map(|h| r.get(h).map(toml_text).unwrap_or_default()).collect(),
            })
            .collect();
        Table { source: Source::Inline, headers, rows: records }
    }
}

fn toml_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.trim().to_string(),
        toml::Value::Array(a) => a.iter().map(toml_text).collect::<Vec<_>>().join("|"),
        other => other.to_string(),
    }
}

/// UTF-8 (with or without BOM), UTF-16 with BOM, else GBK (read as GB18030, its superset).
fn decode(bytes: &[u8]) -> Result<String, RowError> {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, bad) = enc.decode_without_bom_handling(&bytes[bom..]);
        return if bad {
            Err(RowError::file(format!("文件不是有效的 {} 文本", enc.name())))
        } else {
            Ok(text.into())
        };
    }
    match std::str::from_utf8(bytes) {
        Ok(t) => Ok(t.to_string()),
        Err(_) => {
            let (text, bad) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
            if bad {
                Err(RowError::file("文件既不是有效的 UTF-8 文本，也不是有效的 GBK 文本"))
            } else {
                Ok(text.into())
            }
        }
    }
}

fn read_csv(source: Source, text: &str) -> Result<Table, RowError> {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = if first.contains('\t') && !first.contains(',') { b'\t' } else { b',' };
    let mut rdr =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| RowError {
            number: e.position().map_or(0, |p| p.line() as usize),
            ..RowError::file(format!("CSV 格式错误：{e}"))
        })?;
        let cells: Vec<String> = rec.iter().map(|c| c.trim().to_string()).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        let number = rec.position().map_or(0, |p| p.line() as usize);
        match headers {
            None => headers = Some(cells),
            Some(_) => rows.push(Record { number, cells }),
        }
    }
    let headers = headers.ok_or_else(|| RowError::file("文件是空的：没有表头行"))?;
    Ok(Table { source, headers, rows })
}

fn read_workbook(source: Source, bytes: &[u8]) -> Result<Table, RowError> {
    let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| RowError::file(format!("无法读取电子表格：{e}")))?;
    let (_, range) = wb
        .worksheets()
        .into_iter()
        .find(|(_, r)| r.rows().any(|row| row.iter().any(|c| !cell_text(c).is_empty())))
        .ok_or_else(|| RowError::file("电子表格中没有数据"))?;
    let (first_row, first_col) = range.start().map_or((0, 0), |(r, c)| (r as usize, c as usize));
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for (i, row) in range.rows().enumerate() {
        let mut cells = vec![String::new(); first_col];
        cells.extend(row.iter().map(cell_text));
        if cells.iter().all(String::is_empty) {
            continue;
        }
        match headers {
            None => headers = Some(cells),
            Some(_) => rows.push(Record { number: first_row + i + 1, cells }),
        }
    }
    let headers = headers.ok_or_else(|| RowError::file("电子表格中没有表头行"))?;
    Ok(Table { source, headers, rows })
}

fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.as_datetime().map(|t| t.date().to_string()).unwrap_or_default(),
    }
}

/// One column a template reads: its field name, its Chinese name, the other headers bureaus use for it.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    pub name: &'static str,
    pub zh: &'static str,
    pub aliases: &'static [&'static str],
    pub required: bool,
}

impl Col {
    pub const fn req(name: &'static str, zh: &'static str, aliases: &'static [&'static str]) -> Col {
        Col { name, zh, aliases, required: true }
    }
    pub const fn opt(name: &'static str, zh: &'static str, aliases: &'static [&'static str]) -> Col {
        Col { name, zh, aliases, required: false }
    }
    fn matches(&self, header: &str) -> bool {
        let h = header.trim();
        h.eq_ignore_ascii_case(self.name) || h == self.zh || self.aliases.iter().any(|a| h.eq_ignore_ascii_case(a))
    }
}

/// Reads a table's rows into a template's row type, collecting every error.
pub struct RowReader<'t> {
    table: &'t Table,
    cols: &'static [Col],
    pos: Vec<Option<usize>>,
    pub dict: &'t Dictionaries,
    pub errors: Vec<RowError>,
}

impl<'t> RowReader<'t> {
    pub fn new(table: &'t Table, cols: &'static [Col], dict: &'t Dictionaries) -> RowReader<'t> {
        let pos: Vec<Option<usize>> = cols.iter().map(|c| table.headers.iter().position(|h| c.matches(h))).collect();
        let mut errors = Vec::new();
        for (c, p) in cols.iter().zip(&pos) {
            if c.required && p.is_none() && !(table.source == Source::Inline && table.rows.is_empty()) {
                errors.push(RowError {
                    number: 1,
                    record: None,
                    field: Some(c.name),
                    header: None,
                    zh: format!("缺少“{}”列（表头写 {} 或 {}）", c.zh, c.name, c.zh),
                });
            }
        }
        for (i, h) in table.headers.iter().enumerate() {
            if !h.trim().is_empty() && !pos.contains(&Some(i)) {
                let known: Vec<String> = cols.iter().map(|c| format!("{}（{}）", c.name, c.zh)).collect();
                errors.push(RowError {
                    number: 1,
                    record: None,
                    field: None,
                    header: Some(h.clone()),
                    zh: format!("未知的列“{h}”；本规则可用的列：{}", known.join("、")),
                });
            }
        }
        RowReader { table, cols, pos, dict, errors }
    }

    /// Calls `f` on every row; rows where `f` returns `None` (after recording errors) are left out.
    pub fn rows<R>(&mut self, mut f: impl FnMut(&mut Cells<'_, 't>) -> Option<R>) -> Vec<R> {
        if self.errors.iter().any(|e| e.number == 1) {
            return Vec::new();
        }
        let table = self.table;
        let mut out = Vec::with_capacity(table.rows.len());
        for (i, rec) in table.rows.iter().enumerate() {
            let mut cells = Cells { reader: self, rec, index: i, ok: true };
            let r = f(&mut cells);
            if cells.ok
                && let Some(r) = r
            {
                out.push(r);
            }
        }
        out
    }
}

/// The cells of one row, read by field name.
pub struct Cells<'r, 't> {
    reader: &'r mut RowReader<'t>,
    rec: &'t Record,
    index: usize,
    ok: bool,
}

impl<'t> Cells<'_, 't> {
    fn col(&self, name: &str) -> usize {
        self.reader.cols.iter().position(|c| c.name == name).expect("template reads a column it declares")
    }

    /// The row's number (1 = header).
    pub fn number(&self) -> usize {
        self.rec.number
    }

    /// Records an error in a column and marks the row bad.
    pub fn error(&mut self, name: &'static str, zh: impl Into<String>) {
        let c = self.col(name);
        let header = self.reader.pos[c].map(|p| self.reader.table.headers[p].clone());
        self.reader.errors.push(RowError {
            number: self.rec.number,
            record: Some(self.index),
            field: Some(self.reader.cols[c].name),
            header,
            zh: zh.into(),
        });
        self.ok = false;
    }

    /// The cell's text, `None` when blank or when the column is absent.
    pub fn text(&self, name: &str) -> Option<&'t str> {
        let p = self.reader.pos[self.col(name)]?;
        self.rec.cells.get(p).map(String::as_str).filter(|s| !s.is_empty())
    }

    /// A required cell.
    pub fn req(&mut self, name: &'static str) -> Option<&'t str> {
        let v = self.text(name);
        if v.is_none() {
            let zh = self.reader.cols[self.col(name)].zh;
            self.error(name, format!("“{zh}”不能为空"));
        }
        v
    }

    /// An optional value parsed with `FromStr` (money, quantities, prices, numbers).
    pub fn parse<T: FromStr>(&mut self, name: &'static str) -> Option<T>
    where
        T::Err: std::fmt::Display,
    {
        let t = self.text(name)?;
        match t.parse::<T>() {
            Ok(v) => Some(v),
            Err(e) => {
                self.error(name, format!("“{t}”不是有效的数值：{e}"));
                None
            }
        }
    }

    /// A required parsed value.
    pub fn req_parse<T: FromStr>(&mut self, name: &'static str) -> Option<T>
    where
        T::Err: std::fmt::Display,
    {
        self.req(name)?;
        self.parse(name)
    }

    /// A yes/no cell: 1/0, 是/否, true/false, Y/N; blank is `false`.
    pub fn flag(&mut self, name: &'static str) -> bool {
        match self.text(name) {
            None => false,
            Some("1" | "是" | "true" | "TRUE" | "Y" | "y" | "yes") => true,
            Some("0" | "否" | "false" | "FALSE" | "N" | "n" | "no") => false,
            Some(t) => {
                self.error(name, format!("“{t}”应为 1/0 或 是/否"));
                false
            }
        }
    }

    /// A dictionary code, checked.
    pub fn code(&mut self, name: &'static str, kind: &str) -> Option<Box<str>> {
        let t = self.text(name)?;
        self.check_code(name, kind, t).then(|| t.into())
    }

    /// A list of dictionary codes separated by `|`, `,`, `、` or `;`.
    pub fn codes(&mut self, name: &'static str, kind: Option<&str>) -> Vec<Box<str>> {
        let Some(t) = self.text(name) else { return Vec::new() };
        let mut out = Vec::new();
        for c in t.split(['|', ',', '、', ';', '，', '；']).map(str::trim).filter(|c| !c.is_empty()) {
            if kind.is_none_or(|k| self.check_code(name, k, c)) {
                out.push(c.into());
            }
        }
        out
    }

    fn check_code(&mut self, name: &'static str, kind: &str, code: &str) -> bool {
        if self.reader.dict.contains(kind, code) {
            return true;
        }
        let known: Vec<String> = self.reader.dict.codes(kind).map(|(c, l)| format!("{c} {l}")).collect();
        self.error(name, format!("“{code}”不是字典 {kind} 中的代码（可用：{}）", known.join("，")));
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: &[Col] = &[Col::req("code", "项目编码", &["医保目录编码"]), Col::opt("gend", "限定性别", &["性别"])];

    #[test]
    fn reads_gbk_csv_with_chinese_headers_and_reports_rows() {
        let text = "医保目录编码,性别\nS0331,2\n,1\nD0951,3\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let t = Table::from_bytes("sex.csv", &gbk).unwrap();
        assert_eq!(t.headers, vec!["医保目录编码", "性别"]);
        let dict = Dictionaries::national();
        let mut r = RowReader::new(&t, COLS, &dict);
        let rows = r.rows(|c| Some((c.req("code")?.to_string(), c.code("gend", "gend"))));
        assert_eq!(rows, vec![("S0331".to_string(), Some("2".into()))]);
        assert_eq!(r.errors.len(), 2);
        assert_eq!((r.errors[0].number, r.errors[0].field), (3, Some("code")));
        assert_eq!(r.errors[0].zh, "“项目编码”不能为空");
        assert_eq!(r.errors[1].number, 4);
        assert!(r.errors[1].zh.contains("“3”不是字典 gend 中的代码"), "{}", r.errors[1].zh);
    }

    #[test]
    fn missing_and_unknown_headers_are_reported_on_row_one() {
        let t = Table::from_bytes("x.csv", "编码,性别\nA,1\n".as_bytes()).unwrap();
        let dict = Dictionaries::national();
        let mut r = RowReader::new(&t, COLS, &dict);
        assert!(r.rows(|c| c.text("gend").map(str::to_string)).is_empty());
        let zh: Vec<&str> = r.errors.iter().map(|e| e.zh.as_str()).collect();
        assert!(zh[0].starts_with("缺少“项目编码”列"), "{zh:?}");
        assert!(zh[1].starts_with("未知的列“编码”"), "{zh:?}");
    }

    #[test]
    fn inline_rows_become_a_table() {
        let rows: Vec<toml::Table> = toml::from_str::<toml::Table>(
            "[[row]]\ncode = \"A\"\n[[row]]\ncode = \"B\"\ngend = 2\nlist = [\"11\", \"13\"]\n",
        )
        .unwrap()["row"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_table().unwrap().clone())
            .collect();
        let t = Table::from_inline(&rows);
        assert_eq!(t.headers, vec!["code", "gend", "list"]);
        assert_eq!(t.rows[1].cells, vec!["B", "2", "11|13"]);
        assert_eq!(t.rows[0].cells, vec!["A", "", ""]);
    }
}
