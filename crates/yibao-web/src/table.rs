//! The generic list page: filters, a table of cells (text, link, number), server-side pagination, an xlsx export
//! link, and trusted blocks (forms built with escaped values) before and after the table.

use askama::Template;

use crate::ui::{Layout, Pager};

/// A filter field.
pub struct Field {
    pub name: String,
    pub label: String,
    pub value: String,
    /// text / date / month / select
    pub kind: String,
    pub options: Vec<(String, String)>,
}

impl Field {
    pub fn text(name: &str, label: &str, value: &str) -> Field {
        Field { name: name.into(), label: label.into(), value: value.into(), kind: "text".into(), options: Vec::new() }
    }
    pub fn date(name: &str, label: &str, value: &str) -> Field {
        Field { kind: "date".into(), ..Field::text(name, label, value) }
    }
    /// A select whose first option is "全部" (empty).
    pub fn select(name: &str, label: &str, value: &str, options: Vec<(String, String)>) -> Field {
        let mut all = vec![(String::new(), "全部".to_string())];
        all.extend(options);
        Field { kind: "select".into(), options: all, ..Field::text(name, label, value) }
    }
}

/// A table cell.
pub struct Cell {
    pub text: String,
    pub href: String,
    pub num: bool,
}

impl Cell {
    pub fn t(s: impl Into<String>) -> Cell {
        Cell { text: s.into(), href: String::new(), num: false }
    }
    pub fn n(s: impl Into<String>) -> Cell {
        Cell { text: s.into(), href: String::new(), num: true }
    }
    pub fn link(s: impl Into<String>, href: impl Into<String>) -> Cell {
        Cell { text: s.into(), href: href.into(), num: false }
    }
}

#[derive(Template)]
#[template(path = "table.html")]
pub struct TablePage {
    pub l: Layout,
    pub action: String,
    pub filters: Vec<Field>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub pager: Option<Pager>,
    pub export: String,
    pub notice: String,
    /// Trusted HTML (built with `ui::esc`) shown before and after the table.
    pub before: String,
    pub after: String,
}

impl TablePage {
    pub fn new(l: Layout, action: &str, headers: &[&str]) -> TablePage {
        TablePage {
            l,
            action: action.to_string(),
            filters: Vec::new(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            pager: None,
            export: String::new(),
            notice: String::new(),
            before: String::new(),
            after: String::new(),
        }
    }
}
