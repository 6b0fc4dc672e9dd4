//! The store's small database vocabulary, shared by both backends: parameters, rows, and statements with the effect
//! they must have.
//!
//! SQL is written once in the common subset of SQLite and PostgreSQL, with `$1 … $n` placeholders, TEXT and BIGINT
//! columns only (aggregates are `CAST(… AS BIGINT)`), so that the same text runs on both.

use std::borrow::Cow;
use std::sync::Arc;

use crate::StoreError;

/// A bound parameter. Nulls keep their type, because PostgreSQL wants to know what a NULL parameter is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    Int(i64),
    Text(String),
    NullInt,
    NullText,
}

impl From<i64> for Param {
    fn from(v: i64) -> Param {
        Param::Int(v)
    }
}
impl From<&i64> for Param {
    fn from(v: &i64) -> Param {
        Param::Int(*v)
    }
}
impl From<Option<i64>> for Param {
    fn from(v: Option<i64>) -> Param {
        v.map_or(Param::NullInt, Param::Int)
    }
}
impl From<&Option<i64>> for Param {
    fn from(v: &Option<i64>) -> Param {
        Param::from(*v)
    }
}
impl From<&str> for Param {
    fn from(v: &str) -> Param {
        Param::Text(v.to_string())
    }
}
impl From<String> for Param {
    fn from(v: String) -> Param {
        Param::Text(v)
    }
}
impl From<&String> for Param {
    fn from(v: &String) -> Param {
        Param::Text(v.clone())
    }
}
impl From<Option<String>> for Param {
    fn from(v: Option<String>) -> Param {
        v.map_or(Param::NullText, Param::Text)
    }
}
impl From<&Option<String>> for Param {
    fn from(v: &Option<String>) -> Param {
        v.as_ref().map_or(Param::NullText, |s| Param::Text(s.clone()))
    }
}
impl From<Option<&str>> for Param {
    fn from(v: Option<&str>) -> Param {
        v.map_or(Param::NullText, |s| Param::Text(s.to_string()))
    }
}

/// `params![a, b, c]`: a parameter list from values that convert into [`Param`].
#[macro_export]
macro_rules! params {
    ($($e:expr),* $(,)?) => { vec![$($crate::Param::from($e)),*] };
}

/// A value read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    Null,
    Int(i64),
    Text(String),
}

/// One result row: values by position, with the result's column names shared by all its rows.
#[derive(Debug, Clone)]
pub struct Row {
    pub(crate) cols: Arc<[String]>,
    pub(crate) vals: Vec<Val>,
}

impl Row {
    fn get(&self, col: &str) -> &Val {
        self.cols.iter().position(|c| c == col).map_or(&Val::Null, |i| &self.vals[i])
    }

    /// A text column ("" when NULL or absent; a number as its decimal text).
    pub fn text(&self, col: &str) -> String {
        self.opt_text(col).unwrap_or_default()
    }

    pub fn opt_text(&self, col: &str) -> Option<String> {
        match self.get(col) {
            Val::Null => None,
            Val::Int(i) => Some(i.to_string()),
            Val::Text(t) => Some(t.clone()),
        }
    }

    /// An integer column (0 when NULL or absent).
    pub fn int(&self, col: &str) -> i64 {
        self.opt_int(col).unwrap_or_default()
    }

    pub fn opt_int(&self, col: &str) -> Option<i64> {
        match self.get(col) {
            Val::Null => None,
            Val::Int(i) => Some(*i),
            Val::Text(t) => t.trim().parse().ok(),
        }
    }

    /// The value at a position (for `SELECT a, b` reads that do not name columns).
    pub fn at(&self, i: usize) -> &Val {
        self.vals.get(i).unwrap_or(&Val::Null)
    }

    pub fn int_at(&self, i: usize) -> i64 {
        match self.at(i) {
            Val::Int(v) => *v,
            Val::Text(t) => t.trim().parse().unwrap_or_default(),
            Val::Null => 0,
        }
    }

    pub fn text_at(&self, i: usize) -> String {
        match self.at(i) {
            Val::Int(v) => v.to_string(),
            Val::Text(t) => t.clone(),
            Val::Null => String::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.vals.len()
    }

    pub fn is_empty(&self) -> bool {
        self.vals.is_empty()
    }
}

/// What a statement must have done, and how its failures read.
#[derive(Debug, Clone)]
pub(crate) enum Fail {
    Conflict(String),
    Duplicate(String),
    InsufficientBalance,
}

impl Fail {
    pub(crate) fn error(&self) -> StoreError {
        match self {
            Fail::Conflict(m) => StoreError::Conflict(m.clone()),
            Fail::Duplicate(m) => StoreError::Duplicate(m.clone()),
            Fail::InsufficientBalance => StoreError::InsufficientBalance,
        }
    }
}

/// One statement of a write job.
#[derive(Debug, Clone)]
pub(crate) struct Stmt {
    pub sql: Cow<'static, str>,
    pub params: Vec<Param>,
    /// Must change exactly one row, else this failure.
    pub expect_one: Option<Fail>,
    /// A unique-key violation reads as this failure (default: a generic duplicate).
    pub on_duplicate: Option<Fail>,
}

impl Stmt {
    pub(crate) fn new(sql: impl Into<Cow<'static, str>>, params: Vec<Param>) -> Stmt {
        Stmt { sql: sql.into(), params, expect_one: None, on_duplicate: None }
    }

    pub(crate) fn one(mut self, f: Fail) -> Stmt {
        self.expect_one = Some(f);
        self
    }

    pub(crate) fn dup(mut self, f: Fail) -> Stmt {
        self.on_duplicate = Some(f);
        self
    }

    /// Checks the number of rows changed against what the statement expects.
    pub(crate) fn check(&self, changed: u64) -> crate::Result<()> {
        match &self.expect_one {
            Some(f) if changed != 1 => Err(f.error()),
            _ => Ok(()),
        }
    }

    /// The error a unique-key violation becomes.
    pub(crate) fn duplicate(&self, detail: &str) -> StoreError {
        match &self.on_duplicate {
            Some(f) => f.error(),
            None => StoreError::Duplicate(detail.to_string()),
        }
    }
}

/// A job for a writer: statements committed together or not at all, and where to say how it went.
pub(crate) struct Job {
    pub stmts: Vec<Stmt>,
    pub reply: tokio::sync::oneshot::Sender<crate::Result<()>>,
}

/// The largest number of jobs committed in one transaction.
pub(crate) const MAX_BATCH: usize = 1024;

/// A statement's SQLite text: translated once per distinct static SQL text, and kept. (It takes the `Cow` itself:
/// only a borrowed `'static` text may be cached.)
#[allow(clippy::ptr_arg)]
pub(crate) fn sqlite_text(sql: &std::borrow::Cow<'static, str>) -> std::borrow::Cow<'static, str> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<usize, &'static str>>> = OnceLock::new();
    match sql {
        std::borrow::Cow::Borrowed(s) => {
            let key = s.as_ptr() as usize ^ (s.len() << 48);
            let mut g = CACHE.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner());
            std::borrow::Cow::Borrowed(*g.entry(key).or_insert_with(|| Box::leak(sqlite_sql(s).into_boxed_str())))
        }
        std::borrow::Cow::Owned(s) => std::borrow::Cow::Owned(sqlite_sql(s)),
    }
}

/// `$1 … $n` → `?1 … ?n` (SQLite's numbered parameters), outside quoted strings.
pub(crate) fn sqlite_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    let mut prev_dollar = false;
    for ch in sql.chars() {
        if ch == '\'' {
            quoted = !quoted;
        }
        if prev_dollar {
            out.push(if ch.is_ascii_digit() { '?' } else { '$' });
            prev_dollar = false;
        }
        if ch == '$' && !quoted {
            prev_dollar = true;
            continue;
        }
        out.push(ch);
    }
    if prev_dollar {
        out.push('$');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_numbered() {
        assert_eq!(sqlite_sql("SELECT * FROM t WHERE a = $1 AND b = $12"), "SELECT * FROM t WHERE a = ?1 AND b = ?12");
        assert_eq!(sqlite_sql("SELECT '$1' || $2"), "SELECT '$1' || ?2");
    }

    #[test]
    fn rows_read_by_name_and_position() {
        let r = Row {
            cols: vec!["a".to_string(), "b".to_string(), "c".to_string()].into(),
            vals: vec![Val::Int(7), Val::Text("x".into()), Val::Null],
        };
        assert_eq!((r.int("a"), r.text("b"), r.opt_text("c"), r.text("a")), (7, "x".into(), None, "7".into()));
        assert_eq!((r.int_at(0), r.text_at(1), r.int("missing")), (7, "x".into(), 0));
    }
}
