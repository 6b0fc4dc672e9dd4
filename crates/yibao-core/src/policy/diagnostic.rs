//! Errors in a policy pack, located at file, line and field, in Chinese and English.

use std::fmt;

/// One step of a path into the pack: a key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A path such as `scheme[0].layer[1].benefit[0].ratio[2].bands[1].from`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<Seg>);

impl FieldPath {
    pub fn root() -> FieldPath {
        FieldPath(Vec::new())
    }
    pub fn key(&self, k: &str) -> FieldPath {
        let mut v = self.0.clone();
        v.push(Seg::Key(k.to_string()));
        FieldPath(v)
    }
    pub fn idx(&self, i: usize) -> FieldPath {
        let mut v = self.0.clone();
        v.push(Seg::Index(i));
        FieldPath(v)
    }
    /// `self.key(k).idx(i)`.
    pub fn at(&self, k: &str, i: usize) -> FieldPath {
        self.key(k).idx(i)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => write!(f, ".{k}")?,
                Seg::Key(k) => write!(f, ".\"{k}\"")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// One problem found in a pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub path: FieldPath,
    /// What is wrong, for a bureau administrator.
    pub zh: String,
    /// The same, for a developer.
    pub en: String,
    /// 1-based line and column, when the location could be found in the file.
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl Diagnostic {
    pub fn new(path: FieldPath, zh: impl Into<String>, en: impl Into<String>) -> Diagnostic {
        Diagnostic { path, zh: zh.into(), en: en.into(), line: None, column: None }
    }
}

/// All problems found in one pack file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackErrors {
    pub file: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for PackErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "政策包 {} 有 {} 处错误 ({} error(s)):",
            self.file,
            self.diagnostics.len(),
            self.diagnostics.len()
        )?;
        write_located(f, &self.file, &self.diagnostics)
    }
}

/// Writes one line per diagnostic, `file:line:col: 字段 path: 原因` with the developer text below when it differs;
/// shared by every pack format that reports through [`Diagnostic`]s (policy packs, rule packs).
pub fn write_located(f: &mut fmt::Formatter<'_>, file: &str, diagnostics: &[Diagnostic]) -> fmt::Result {
    for d in diagnostics {
        match (d.line, d.column) {
            (Some(l), Some(c)) => write!(f, "{file}:{l}:{c}")?,
            _ => write!(f, "{file}")?,
        }
        if d.path.0.is_empty() {
            writeln!(f, ": {}", d.zh)?;
        } else {
            writeln!(f, ": 字段 {}: {}", d.path, d.zh)?;
        }
        if d.en != d.zh {
            writeln!(f, "    ({})", d.en)?;
        }
    }
    Ok(())
}

impl std::error::Error for PackErrors {}

/// Finds the 1-based line and column of a path in the TOML text, going as deep as the path can be followed.
pub fn locate(text: &str, path: &FieldPath) -> Option<(usize, usize)> {
    let doc: toml_edit::Document<&str> = toml_edit::Document::parse(text).ok()?;
    locate_in_table(doc.as_table(), &path.0, None).map(|s| line_col(text, s))
}

fn locate_in_table(
    t: &toml_edit::Table,
    rest: &[Seg],
    span: Option<std::ops::Range<usize>>,
) -> Option<std::ops::Range<usize>> {
    use toml_edit::{Item, Value};
    let Some((first, rest)) = rest.split_first() else { return span };
    let Seg::Key(k) = first else { return span };
    let Some((key, it)) = t.get_key_value(k) else { return span };
    let span = key.span().or(span);
    match it {
        Item::Table(sub) => locate_in_table(sub, rest, sub.span().or(span)),
        Item::ArrayOfTables(a) => match rest.split_first() {
            Some((Seg::Index(i), rest2)) => match a.get(*i) {
                Some(sub) => locate_in_table(sub, rest2, sub.span().or(span)),
                None => span,
            },
            _ => span,
        },
        Item::Value(v) => {
            let mut v: &Value = v;
            let mut span = v.span().or(span);
            for seg in rest {
                let next = match (seg, v) {
                    (Seg::Key(k), Value::InlineTable(t)) => t.get(k),
                    (Seg::Index(i), Value::Array(a)) => a.get(*i),
                    _ => None,
                };
                match next {
                    Some(n) => {
                        span = n.span().or(span);
                        v = n;
                    }
                    None => break,
                }
            }
            span
        }
        Item::None => span,
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, span: std::ops::Range<usize>) -> (usize, usize) {
    let start = span.start.min(text.len());
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, col)
}
