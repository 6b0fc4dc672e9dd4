//! Evidence texts (违规内容) shown to the hospital: a Chinese template with `{placeholder}`s filled from a finding.

use std::fmt::Display;

/// Placeholders every rule can use, whatever its template.
pub const COMMON: &[&str] = &["rule_name", "psn_no", "mdtrt_id", "institution", "date", "amount"];

/// A compiled evidence template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    segs: Vec<Seg>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Text(String),
    Fact(&'static str),
}

/// The values a finding fills the placeholders with.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    items: Vec<(&'static str, String)>,
}

impl Facts {
    pub fn new() -> Facts {
        Facts { items: Vec::with_capacity(8) }
    }
    /// Sets a placeholder's value (the last one set wins).
    pub fn set(&mut self, name: &'static str, value: impl Display) -> &mut Facts {
        let v = value.to_string();
        match self.items.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = v,
            None => self.items.push((name, v)),
        }
        self
    }
    pub fn with(mut self, name: &'static str, value: impl Display) -> Facts {
        self.set(name, value);
        self
    }
    pub fn get(&self, name: &str) -> Option<&str> {
        self.items.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }
}

impl Evidence {
    /// Compiles a template against the placeholders a template kind provides (plus [`COMMON`]). The error is the
    /// Chinese reason, for the pack checker to locate.
    pub fn compile(text: &str, provided: &[&'static str]) -> Result<Evidence, String> {
        let mut segs = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find(['{', '}']) {
            if rest[open..].starts_with('}') {
                return Err(format!("违规内容模板中有多余的“}}”（位置 {}）", text.len() - rest.len() + open + 1));
            }
            if open > 0 {
                segs.push(Seg::Text(rest[..open].to_string()));
            }
            let after = &rest[open + 1..];
            let close = after.find('}').ok_or_else(|| "违规内容模板中的“{”没有配对的“}”".to_string())?;
            let name = after[..close].trim();
            let known = provided.iter().chain(COMMON).find(|p| **p == name).copied().ok_or_else(|| {
                let all: Vec<&str> = provided.iter().chain(COMMON).copied().collect();
                format!("违规内容模板中的占位符“{{{name}}}”不适用于本模板；可用：{}", all.join("、"))
            })?;
            segs.push(Seg::Fact(known));
            rest = &after[close + 1..];
        }
        if !rest.is_empty() {
            segs.push(Seg::Text(rest.to_string()));
        }
        Ok(Evidence { segs })
    }

    /// Fills the template; a placeholder without a value shows as “—”.
    pub fn render(&self, facts: &Facts) -> String {
        let mut out = String::with_capacity(96);
        for s in &self.segs {
            match s {
                Seg::Text(t) => out.push_str(t),
                Seg::Fact(n) => out.push_str(facts.get(n).unwrap_or("—")),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_known_placeholders_and_refuses_unknown_ones() {
        let e = Evidence::compile("【{item_name}】限{limit}使用，金额{amount}元", &["item_name", "limit"]).unwrap();
        let f = Facts::new().with("item_name", "黄体酮注射液").with("limit", "女性").with("amount", "12.50");
        assert_eq!(e.render(&f), "【黄体酮注射液】限女性使用，金额12.50元");
        assert_eq!(e.render(&Facts::new()), "【—】限—使用，金额—元");
        let err = Evidence::compile("{gap}天", &["item_name"]).unwrap_err();
        assert!(err.contains("“{gap}”") && err.contains("item_name"), "{err}");
        assert!(Evidence::compile("{item_name", &["item_name"]).is_err());
        assert!(Evidence::compile("a}b", &[]).is_err());
    }
}
