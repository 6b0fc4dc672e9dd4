//! Validation of a rule pack's header, rules, switches and visit kinds: every mistake a supervision clerk could make,
//! with its field path and a Chinese reason. Template parameters and knowledge rows are checked as they compile.

use std::collections::BTreeMap;

use yibao_core::codes::{Dictionaries, kind};
use yibao_core::policy::{Diagnostic, FieldPath};

use super::model::{RuleDef, RulePackFile};
use crate::evidence::Evidence;
use crate::templates::Stage;

struct Checker<'a> {
    dict: &'a Dictionaries,
    out: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn err(&mut self, path: FieldPath, zh: impl Into<String>) {
        let zh = zh.into();
        self.out.push(Diagnostic::new(path, zh.clone(), zh));
    }

    fn code(&mut self, path: FieldPath, dict_kind: &str, code: &str) {
        if !self.dict.contains(dict_kind, code) {
            let known: Vec<String> = self.dict.codes(dict_kind).map(|(c, l)| format!("{c} {l}")).collect();
            self.err(path, format!("“{code}”不是字典 {dict_kind} 中的代码（可用：{}）", known.join("，")));
        }
    }

    fn codes(&mut self, path: FieldPath, dict_kind: &str, codes: &[String]) {
        for (i, c) in codes.iter().enumerate() {
            self.code(path.idx(i), dict_kind, c);
        }
    }
}

fn six_digits(s: &str) -> bool {
    s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Checks everything outside template parameters and rows.
pub(crate) fn check_pack(pack: &RulePackFile, dict: &Dictionaries) -> Vec<Diagnostic> {
    let mut c = Checker { dict, out: Vec::new() };
    let root = FieldPath::root();
    let h = root.key("pack");
    if !six_digits(&pack.pack.admdvs) {
        c.err(h.key("admdvs"), format!("统筹区划代码“{}”应为6位数字", pack.pack.admdvs));
    }
    for (k, v, zh) in [("name", &pack.pack.name, "规则库名称"), ("version", &pack.pack.version, "规则库版本")]
    {
        if v.trim().is_empty() {
            c.err(h.key(k), format!("{zh}不能为空"));
        }
    }
    let vk = root.key("visit_kinds");
    c.codes(vk.key("inpatient_med_types"), kind::MED_TYPE, &pack.visit_kinds.inpatient_med_types);
    c.codes(vk.key("pharmacy_med_types"), kind::MED_TYPE, &pack.visit_kinds.pharmacy_med_types);
    c.codes(vk.key("pharmacy_medins_types"), "medins_type", &pack.visit_kinds.pharmacy_medins_types);
    c.codes(vk.key("emergency_med_types"), kind::MED_TYPE, &pack.visit_kinds.emergency_med_types);
    let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, r) in pack.rule.iter().enumerate() {
        let p = root.at("rule", i);
        if r.id.trim().is_empty() || r.id.contains(char::is_whitespace) {
            c.err(p.key("id"), format!("规则ID“{}”不能为空，也不能含空格", r.id));
        } else if let Some(first) = ids.insert(&r.id, i) {
            c.err(p.key("id"), format!("规则ID“{}”与第 {} 条规则重复", r.id, first + 1));
        }
        check_rule(&mut c, p, r);
    }
    for (region, switches) in &pack.switch {
        let p = root.key("switch").key(region);
        if !six_digits(region) {
            c.err(p.clone(), format!("统筹区划代码“{region}”应为6位数字"));
        }
        for id in switches.keys() {
            if !ids.contains_key(id.as_str()) {
                c.err(p.key(id), format!("规则库中没有规则ID为“{id}”的规则"));
            }
        }
    }
    c.out
}

fn check_rule(c: &mut Checker, p: FieldPath, r: &RuleDef) {
    if r.name.trim().is_empty() {
        c.err(p.key("name"), "规则名称不能为空");
    }
    if let Some(end) = r.end
        && end < r.begin
    {
        c.err(p.key("end"), format!("失效日期 {end} 早于生效日期 {}", r.begin));
    }
    let stage = r.template.stage();
    if stage == Stage::Review && !r.trig_scen.is_empty() {
        c.err(
            p.key("trig_scen"),
            format!("“{}”是事后审核模板，只在批量审核中运行，不能设置触发场景", r.template.name_zh()),
        );
    }
    for (i, s) in r.trig_scen.iter().enumerate() {
        if !(1..=10).contains(s) {
            c.err(p.at("trig_scen", i), format!("触发场景“{s}”无效：应为 1–10（3101 事前 1–5，3102 事中 6–10）"));
        }
    }
    if let Some(s) = &r.sev_deg {
        c.code(p.key("sev_deg"), "sev_deg", s);
    }
    if let Some(s) = &r.vola_bhvr_type {
        c.code(p.key("vola_bhvr_type"), "vola_bhvr_type", s);
    }
    if let Some(e) = &r.evidence
        && let Err(zh) = Evidence::compile(e, r.template.placeholders())
    {
        c.err(p.key("evidence"), zh);
    }
    let has_rows = r.knowledge.is_some() || !r.row.is_empty();
    if r.knowledge.is_some() && !r.row.is_empty() {
        c.err(p.key("knowledge"), "knowledge（知识库文件）与 [[rule.row]]（行内知识）只能二选一");
    }
    if has_rows && !r.template.takes_rows() {
        c.err(
            p.key(if r.knowledge.is_some() { "knowledge" } else { "row" }),
            format!("“{}”模板不使用知识库", r.template.name_zh()),
        );
    }
    if !has_rows && r.template.needs_rows() {
        c.err(
            p.key("knowledge"),
            format!("“{}”模板需要知识库：写 knowledge = \"文件.csv\" 或 [[rule.row]]", r.template.name_zh()),
        );
    }
}
