//! `yibao import`: the files bureaus exchange — people, households, enrollments, identities, registered diseases,
//! personal accounts, designated institutions, the 医保目录 and deaths exchanged with civil affairs — read from CSV or spreadsheets, checked row by row,
//! and written to the ledger.
//!
//! - Formats: CSV in UTF-8 (with or without BOM), GBK/GB18030 (detected when the bytes are not UTF-8) or UTF-16 with
//!   BOM, comma- or tab-separated; xlsx/xlsm, xls and ods workbooks (the sheet named after the kind, else the first
//!   sheet with data).
//! - The header row names the columns, in English field names or Chinese headers (人员编号, 身份证号, 险种 …), in any
//!   order; notes in brackets and required-marks are ignored ("*余额（元）"). Unknown columns are ignored with a
//!   warning; a missing required column fails the whole file, naming it.
//! - Every row is checked (ID number, dates, dictionary codes, exact amounts, duplicates in the file, the store) and
//!   every wrong row is reported with its number (the header is row 1) and the reasons in Chinese.
//! - By default a file with any wrong row writes nothing, so that the bureau fixes the file and imports it again;
//!   with `skip_bad` the good rows are written and the wrong ones reported.
//! - Rows already in the store exactly as given are counted as unchanged and not written again, so a file can be
//!   imported again after a fix or an interruption.
//! - Good rows are committed in jobs of [`CHUNK_ROWS`] rows, with one audit record per file in the last job; a
//!   catalogue version is committed in one job ([`import_catalogue`]).

mod catalogue;
mod check;
mod fields;
mod source;
mod values;

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use yibao_store::{AuditRow, Op, Store, StoreError};

pub use catalogue::{CatalogueTarget, import_catalogue};
pub use fields::Kind;

/// Rows per commit job.
pub const CHUNK_ROWS: usize = 5_000;

/// A row that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    /// 1-based, the header being row 1: the line of a CSV file, the row of a sheet.
    pub row: usize,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Data rows in the file (blank rows not counted).
    pub rows: usize,
    /// Rows written.
    pub imported: usize,
    /// Rows already in the store exactly as given (not written again).
    pub unchanged: usize,
    pub bad: Vec<BadRow>,
    /// How the file was read, columns ignored, records updated.
    pub warnings: Vec<String>,
}

impl Report {
    /// Whether an import goes on to write its good rows: not when a row is wrong and wrong rows are not skipped, nor
    /// when no row is left to write. Notes the rows found unchanged (`same_as`: what they are the same as).
    fn goes_on(&mut self, skip_bad: bool, good_rows: usize, same_as: &str) -> bool {
        if !self.bad.is_empty() && !skip_bad {
            return false;
        }
        if self.unchanged > 0 {
            self.warnings.push(format!("{} 行与{same_as}完全相同，未重复写入", self.unchanged));
        }
        good_rows > 0
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(
        "未知的导入类型“{0}”，应为 people（人员）、households（家庭户）、enrollments（参保）、identities（人员身份）、diseases（病种登记）、accounts（个人账户）、institutions（定点医药机构）、catalogue（医保目录）或 deaths（死亡信息）"
    )]
    UnknownKind(String),
    /// The region, version or start day given for a catalogue is not usable.
    #[error("{0}")]
    CatalogueTarget(String),
    #[error("无法读取文件 {path}：{source}")]
    Io { path: String, source: std::io::Error },
    #[error("文件编码无法识别：{0}")]
    Encoding(String),
    #[error("CSV 格式错误（第 {line} 行）：{message}")]
    Csv { line: usize, message: String },
    #[error("无法读取表格文件：{0}")]
    Workbook(String),
    #[error("文件中没有表头行（文件为空）")]
    NoHeader,
    #[error("缺少必需的列：{}", .0.join("、"))]
    MissingColumns(Vec<String>),
    #[error("列“{first}”和列“{second}”都对应 {field}，请只保留一列")]
    DuplicateColumn { field: String, first: String, second: String },
    #[error("表头错误：{0}")]
    BadHeader(String),
    #[error("读取数据库失败：{0}")]
    Store(#[from] StoreError),
    /// A commit job failed after the checks passed; the jobs before it stay written.
    #[error(
        "第 {first_row}–{last_row} 行写入数据库失败：{source}。此前已写入 {} 行并已保留；排除原因后可重新导入整个文件，已写入的行不会重复写入",
        report.imported
    )]
    Commit { report: Box<Report>, first_row: usize, last_row: usize, source: StoreError },
}

/// Imports one file of one kind into the store. Wrong rows are returned in the report (not as an error); an error is
/// a problem with the whole file, the database, or a commit.
pub async fn import(store: &Store, kind: Kind, path: &Path, skip_bad: bool) -> Result<Report, ImportError> {
    if kind == Kind::Catalogue {
        return Err(ImportError::CatalogueTarget(
            "导入医保目录须指定统筹区和目录版本（--admdvs、--version），见 import_catalogue".to_string(),
        ));
    }
    let mut table = source::read(path, kind.names())?;
    table.find_header(|cells| fields::is_header(kind, cells));
    let (cols, column_warnings) = fields::map_columns(kind, &table.headers)?;
    let mut report = Report { rows: table.rows.len(), warnings: table.notes, ..Report::default() };
    report.warnings.extend(column_warnings);

    let mut checker = check::Checker::new(store, kind, &cols);
    let mut good: Vec<(usize, Vec<Op>)> = Vec::new();
    for row in &table.rows {
        match checker.check(row).await? {
            check::Outcome::Write(ops) => good.push((row.number, ops)),
            check::Outcome::Unchanged => {}
            check::Outcome::Bad(reason) => report.bad.push(BadRow { row: row.number, reason }),
        }
    }
    report.unchanged = checker.unchanged;
    let updated = checker.updated;
    if !report.goes_on(skip_bad, good.len(), "系统中已有记录") {
        return Ok(report);
    }
    if updated > 0 {
        report.warnings.push(format!("{updated} 行更新了系统中已有的{}记录", kind.label()));
    }

    let file_name = file_name(path);
    let total = good.len();
    let chunks: Vec<&[(usize, Vec<Op>)]> = good.chunks(CHUNK_ROWS).collect();
    let last = chunks.len() - 1;
    for (i, chunk) in chunks.into_iter().enumerate() {
        let mut ops: Vec<Op> = chunk.iter().flat_map(|(_, ops)| ops.iter().cloned()).collect();
        if i == last {
            let detail = serde_json::json!({
                "rows": report.rows, "imported": total, "unchanged": report.unchanged, "updated": updated,
                "bad": report.bad.len(), "skip_bad": skip_bad,
            });
            ops.push(audit(kind, &file_name, detail));
        }
        if let Err(source) = store.commit(ops).await {
            let (first_row, last_row) = (chunk[0].0, chunk[chunk.len() - 1].0);
            if report.imported > 0 {
                // What did land is recorded; failing that, the error below still says it.
                let detail = serde_json::json!({
                    "rows": report.rows, "imported": report.imported, "unchanged": report.unchanged,
                    "bad": report.bad.len(), "skip_bad": skip_bad,
                    "failed": format!("第 {first_row}–{last_row} 行：{source}"),
                });
                let _ = store.commit(vec![audit(kind, &file_name, detail)]).await;
            }
            return Err(ImportError::Commit { report: Box::new(report), first_row, last_row, source });
        }
        report.imported += chunk.len();
    }
    Ok(report)
}

/// The file's name, as the audit record names it.
fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// The audit record of an import: actor `import`, action 导入, entity = kind, entity id = file name.
fn audit(kind: Kind, file_name: &str, detail: serde_json::Value) -> Op {
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let nanos = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
    let seq = SEQ.fetch_add(1, Ordering::Relaxed) % 1000;
    Op::Audit(AuditRow {
        id: format!("I{nanos:019}{:07}{seq:03}", std::process::id() % 10_000_000),
        at: yibao_store::now_text(),
        actor: "import".to_string(),
        action: "导入".to_string(),
        entity: kind.name().to_string(),
        entity_id: file_name.to_string(),
        detail: detail.to_string(),
    })
}
