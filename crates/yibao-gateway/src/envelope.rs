//! The national interface's message envelope: lenient reading of requests, strict writing of answers.
//!
//! Real clients vary: numbers arrive as numbers or strings, `input` nodes as objects or one-element lists, empty
//! strings stand for absent values. Readers here accept all of those; every refusal names the field.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use yibao_core::money::{Fen, Price, Qty};

/// A refusal: `infcode` -1 with a Chinese message naming the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GwError {
    pub msg: String,
}

impl GwError {
    pub fn new(msg: impl Into<String>) -> GwError {
        GwError { msg: msg.into() }
    }
}

impl std::fmt::Display for GwError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.msg)
    }
}

pub type GwResult<T> = Result<T, GwError>;

/// The request envelope fields the gateway uses (§1.1).
#[derive(Debug, Clone)]
pub struct Envelope {
    pub infno: String,
    pub msgid: String,
    pub mdtrtarea_admvs: String,
    pub insuplc_admdvs: String,
    pub fixmedins_code: String,
    pub opter: String,
    pub opter_name: String,
    pub inf_time: String,
    pub sign_no: String,
    pub input: Value,
}

/// A JSON object with field readers that name the field in every error.
pub struct Obj<'a> {
    pub node: &'a str,
    pub map: &'a Map<String, Value>,
}

impl<'a> Obj<'a> {
    pub fn new(node: &'a str, v: &'a Value) -> GwResult<Obj<'a>> {
        match v {
            Value::Object(map) => Ok(Obj { node, map }),
            Value::Array(a) if a.len() == 1 => Obj::new(node, &a[0]),
            Value::String(_) => {
                Err(GwError::new(format!("节点 {node} 应为对象，收到字符串（若为 JSON 文本请勿再次转义）")))
            }
            _ => Err(GwError::new(format!("缺少节点 {node} 或其不是对象"))),
        }
    }

    fn path(&self, f: &str) -> String {
        format!("{}.{f}", self.node)
    }

    /// The text of a field; numbers are read as their text; "" and null count as absent.
    pub fn opt_str(&self, f: &str, max: usize) -> GwResult<Option<String>> {
        let v = match self.map.get(f) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::String(s)) => s.trim().to_string(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Bool(b)) => if *b { "1" } else { "0" }.to_string(),
            Some(_) => return Err(GwError::new(format!("字段 {} 应为字符串", self.path(f)))),
        };
        if v.is_empty() {
            return Ok(None);
        }
        if v.chars().count() > max {
            return Err(GwError::new(format!(
                "字段 {} 超长：最多 {max} 个字符，收到 {} 个",
                self.path(f),
                v.chars().count()
            )));
        }
        Ok(Some(v))
    }

    pub fn str(&self, f: &str, max: usize) -> GwResult<String> {
        self.opt_str(f, max)?.ok_or_else(|| GwError::new(format!("缺少必填字段 {}", self.path(f))))
    }

    /// A code that must exist in a dictionary (checked by `known`).
    pub fn code(&self, f: &str, max: usize, what: &str, known: impl Fn(&str) -> bool) -> GwResult<String> {
        let v = self.str(f, max)?;
        if !known(&v) {
            return Err(GwError::new(format!("字段 {} 的{what}代码“{v}”不存在", self.path(f))));
        }
        Ok(v)
    }

    /// A date or datetime; returns the `YYYY-MM-DD` part (datetime text is kept by `opt_str`).
    pub fn opt_date(&self, f: &str) -> GwResult<Option<chrono::NaiveDate>> {
        match self.opt_str(f, 19)? {
            None => Ok(None),
            Some(s) => yibao_core::settlement::request::parse_date(&s)
                .filter(|_| s.len() == 10 || chrono::NaiveDateTime::parse_from_str(&s, "%Y-%m-%d %H:%M:%S").is_ok())
                .map(Some)
                .ok_or_else(|| {
                    GwError::new(format!(
                        "字段 {} 的日期“{s}”格式错误，应为 yyyy-MM-dd 或 yyyy-MM-dd HH:mm:ss",
                        self.path(f)
                    ))
                }),
        }
    }

    pub fn date(&self, f: &str) -> GwResult<chrono::NaiveDate> {
        self.opt_date(f)?.ok_or_else(|| GwError::new(format!("缺少必填字段 {}", self.path(f))))
    }

    fn number_text(&self, f: &str) -> GwResult<Option<String>> {
        match self.map.get(f) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(_) => Err(GwError::new(format!("字段 {} 应为数字", self.path(f)))),
        }
    }

    /// A non-negative amount (16,2).
    pub fn opt_amount(&self, f: &str) -> GwResult<Option<Fen>> {
        let Some(t) = self.number_text(f)? else { return Ok(None) };
        let v: Fen = t.parse().map_err(|e| GwError::new(format!("字段 {} 金额无效：{e}", self.path(f))))?;
        if v.0 < 0 {
            return Err(GwError::new(format!("字段 {} 金额不能为负数：{t}", self.path(f))));
        }
        Ok(Some(v))
    }

    pub fn amount(&self, f: &str) -> GwResult<Fen> {
        self.opt_amount(f)?.ok_or_else(|| GwError::new(format!("缺少必填字段 {}", self.path(f))))
    }

    /// A signed amount (refund lines carry negative amounts).
    pub fn signed_amount(&self, f: &str) -> GwResult<Fen> {
        let t = self.number_text(f)?.ok_or_else(|| GwError::new(format!("缺少必填字段 {}", self.path(f))))?;
        t.parse().map_err(|e| GwError::new(format!("字段 {} 金额无效：{e}", self.path(f))))
    }

    pub fn price(&self, f: &str) -> GwResult<Price> {
        let t = self.number_text(f)?.ok_or_else(|| GwError::new(format!("缺少必填字段 {}", self.path(f))))?;
        let p: Price = t.parse().map_err(|e| GwError::new(format!("字段 {} 单价无效：{e}", self.path(f))))?;
        if p.0 < 0 {
            return Err(GwError::new(format!("字段 {} 单价不能为负数：{t}", self.path(f))));
        }
        Ok(p)
    }

    pub fn qty(&self, f: &str) -> GwResult<Qty> {
        let t = self.number_text(f)?.ok_or_else(|| GwError::new(format!("缺少必填字段 {}", self.path(f))))?;
        t.parse().map_err(|e| GwError::new(format!("字段 {} 数量无效：{e}", self.path(f))))
    }

    /// A flag "0"/"1" (default when absent).
    pub fn flag(&self, f: &str, default: &str) -> GwResult<String> {
        let v = self.opt_str(f, 1)?.unwrap_or_else(|| default.to_string());
        if v != "0" && v != "1" {
            return Err(GwError::new(format!("字段 {} 只能为 0 或 1，收到“{v}”", self.path(f))));
        }
        Ok(v)
    }

    /// A child node that is a list (a single object counts as a list of one).
    pub fn list(&self, f: &str) -> GwResult<Vec<&'a Value>> {
        match self.map.get(f) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(a)) => Ok(a.iter().collect()),
            Some(v @ Value::Object(_)) => Ok(vec![v]),
            Some(_) => Err(GwError::new(format!("节点 {} 应为列表", self.path(f)))),
        }
    }
}

/// Reads the envelope from a request body.
pub fn parse_envelope(body: &Value) -> GwResult<Envelope> {
    let env = Obj::new("报文", body).map_err(|_| GwError::new("报文不是 JSON 对象"))?;
    let s = |f: &str, max: usize| -> GwResult<String> {
        env.str(f, max).map_err(|e| GwError::new(e.msg.replace("报文.", "")))
    };
    let o = |f: &str, max: usize| -> GwResult<String> {
        Ok(env.opt_str(f, max).map_err(|e| GwError::new(e.msg.replace("报文.", "")))?.unwrap_or_default())
    };
    let inf_time = s("inf_time", 19)?;
    if chrono::NaiveDateTime::parse_from_str(&inf_time, "%Y-%m-%d %H:%M:%S").is_err() {
        return Err(GwError::new(format!("字段 inf_time 的时间“{inf_time}”格式错误，应为 yyyy-MM-dd HH:mm:ss")));
    }
    let input = match body.get("input") {
        Some(Value::Object(_)) => body["input"].clone(),
        // Some clients send input as a JSON string.
        Some(Value::String(t)) => serde_json::from_str(t).map_err(|_| GwError::new("字段 input 不是有效的 JSON"))?,
        _ => return Err(GwError::new("缺少必填字段 input")),
    };
    Ok(Envelope {
        infno: s("infno", 6)?,
        msgid: s("msgid", 30)?,
        mdtrtarea_admvs: s("mdtrtarea_admvs", 6)?,
        insuplc_admdvs: o("insuplc_admdvs", 6)?,
        fixmedins_code: s("fixmedins_code", 30)?,
        opter: s("opter", 30)?,
        opter_name: s("opter_name", 50)?,
        inf_time,
        sign_no: o("sign_no", 30)?,
        input,
    })
}

/// The answer envelope (§1.2).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Answer {
    pub infcode: i32,
    pub inf_refmsgid: String,
    pub refmsg_time: String,
    pub respond_time: String,
    pub err_msg: String,
    pub warn_msg: String,
    pub output: Value,
}
