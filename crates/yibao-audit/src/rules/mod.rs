//! Rule packs (规则库): reading, validating and compiling a region's versioned rule library with its knowledge rows.

pub mod check;
pub mod model;
pub mod settle;

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use yibao_core::catalogue::Catalogue;
use yibao_core::codes::{Dictionaries, kind};
use yibao_core::policy::diagnostic::{locate, write_located};
use yibao_core::policy::{Diagnostic, FieldPath, syntax_diagnostic};

pub use model::RulePackFile;
pub use settle::{OnSettle, OnSettleModes};

use crate::evidence::Evidence;
use crate::finding::RuleInfo;
use crate::knowledge::Table;
use crate::review::peers::unknown_targets;
use crate::templates::{self, Build, Compiled, Mode, Stage, TemplateKind};

/// The audit dictionaries shipped with Yibao (`data/audit_dict.toml`): sev_deg, vola_bhvr_type, medins_type …
pub const AUDIT_DICT_TOML: &str = include_str!("../../data/audit_dict.toml");

/// The national dictionaries with the audit ones on top.
pub fn audit_dictionaries() -> Dictionaries {
    let mut d = Dictionaries::national();
    let extra: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>> =
        toml::from_str(AUDIT_DICT_TOML).expect("shipped audit dictionary is valid TOML");
    for (k, codes) in &extra {
        d.extend(k, codes);
    }
    d
}

/// Everything wrong with one rule pack file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleErrors {
    pub file: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for RuleErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "规则库 {} 有 {} 处错误 ({} error(s)):",
            self.file,
            self.diagnostics.len(),
            self.diagnostics.len()
        )?;
        write_located(f, &self.file, &self.diagnostics)
    }
}

impl std::error::Error for RuleErrors {}

/// Which settlements are inpatient, pharmacy or emergency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitKinds {
    pub inpatient_med_types: Vec<String>,
    pub pharmacy_med_types: Vec<String>,
    pub pharmacy_medins_types: Vec<String>,
    pub emergency_med_types: Vec<String>,
}

/// One compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub info: Arc<RuleInfo>,
    /// On by default (before region switches).
    pub enabled: bool,
    pub begin: NaiveDate,
    pub end: Option<NaiveDate>,
    pub trig_scen: Vec<u8>,
    /// Rows of its knowledge (file or inline) as written in the pack.
    pub knowledge_rows: usize,
    pub(crate) scenes: u16,
    pub(crate) evidence: Evidence,
    pub(crate) compiled: Compiled,
}

impl Rule {
    pub fn effective_on(&self, d: NaiveDate) -> bool {
        self.begin <= d && self.end.is_none_or(|e| d <= e)
    }
    pub fn in_scene(&self, trig_scen: u8) -> bool {
        trig_scen < 16 && self.scenes & (1 << trig_scen) != 0
    }
    pub fn template(&self) -> TemplateKind {
        self.info.template
    }
}

/// A region's compiled, validated rule library.
#[derive(Debug, Clone)]
pub struct RulePack {
    pub admdvs: String,
    pub name: String,
    pub version: String,
    pub dict: Dictionaries,
    pub visit_kinds: VisitKinds,
    pub(crate) rules: Vec<Rule>,
    /// Item code → (rule, row) of every item-keyed rule, by rule.
    pub(crate) index: FxHashMap<Box<str>, Vec<(u32, u32)>>,
    /// Rules that look at every line, and rules that look at the whole visit.
    pub(crate) every_line: Vec<u32>,
    pub(crate) per_visit: Vec<u32>,
    switches: FxHashMap<String, FxHashMap<u32, bool>>,
    /// What settlements do with their 事中 findings (`[on_settle]`).
    pub on_settle: OnSettleModes,
}

impl RulePack {
    /// Reads, validates and compiles a pack file; knowledge files are read relative to its folder.
    pub fn load(path: &Path) -> Result<RulePack, RuleErrors> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| RuleErrors {
            file: file.clone(),
            diagnostics: vec![Diagnostic::new(FieldPath::root(), format!("无法读取文件：{e}"), e.to_string())],
        })?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        RulePack::from_toml_with(&file, &text, &|name| std::fs::read(dir.join(name)))
    }

    /// Parses pack text whose rules carry their knowledge inline (a `knowledge = "…"` file is an error).
    pub fn from_toml(file: &str, text: &str) -> Result<RulePack, RuleErrors> {
        RulePack::from_toml_with(file, text, &|name| {
            Err(std::io::Error::new(std::io::ErrorKind::NotFound, format!("{name}: no knowledge files here")))
        })
    }

    /// Parses, validates and compiles pack text; `read` gives a knowledge file's bytes by the name the pack uses.
    pub fn from_toml_with(
        file: &str,
        text: &str,
        read: &dyn Fn(&str) -> std::io::Result<Vec<u8>>,
    ) -> Result<RulePack, RuleErrors> {
        let errors = |diagnostics| RuleErrors { file: file.to_string(), diagnostics };
        let pack: RulePackFile = toml::from_str(text).map_err(|e| errors(vec![syntax_diagnostic(text, &e)]))?;
        let mut dict = audit_dictionaries();
        for (k, codes) in &pack.dict {
            dict.extend(k, codes);
        }
        let mut diags = check::check_pack(&pack, &dict);
        let on_settle = settle::read(&pack.on_settle, &mut diags);
        let mut rules = Vec::with_capacity(pack.rule.len());
        let ids: Vec<&str> = pack.rule.iter().map(|r| r.id.as_str()).collect();
        for (i, def) in pack.rule.iter().enumerate() {
            if let Some(r) = compile_rule(i, def, &dict, read, &mut diags) {
                for (j, id) in unknown_targets(&r.compiled, &ids) {
                    let zh = format!("规则库中没有规则ID为“{id}”的规则");
                    diags.push(Diagnostic::new(
                        FieldPath::root().at("rule", i).key("params").at("rules", j),
                        zh.clone(),
                        zh,
                    ));
                }
                rules.push(r);
            }
        }
        if !diags.is_empty() {
            for d in &mut diags {
                if let Some((l, c)) = locate(text, &d.path) {
                    (d.line, d.column) = (Some(l), Some(c));
                }
            }
            diags.sort_by_key(|d| (d.line.is_none(), d.line, d.column));
            return Err(errors(diags));
        }
        let inpatient = if pack.visit_kinds.inpatient_med_types.is_empty() {
            dict.codes(kind::INPATIENT_MED_TYPE).map(|(c, _)| c.to_string()).collect()
        } else {
            pack.visit_kinds.inpatient_med_types.clone()
        };
        let switches = pack
            .switch
            .iter()
            .map(|(region, s)| {
                let by_rule = s
                    .iter()
                    .filter_map(|(id, on)| rules.iter().position(|r: &Rule| &r.info.id == id).map(|i| (i as u32, *on)))
                    .collect();
                (region.clone(), by_rule)
            })
            .collect();
        let mut rp = RulePack {
            admdvs: pack.pack.admdvs,
            name: pack.pack.name,
            version: pack.pack.version,
            dict,
            visit_kinds: VisitKinds {
                inpatient_med_types: inpatient,
                pharmacy_med_types: pack.visit_kinds.pharmacy_med_types,
                pharmacy_medins_types: pack.visit_kinds.pharmacy_medins_types,
                emergency_med_types: pack.visit_kinds.emergency_med_types,
            },
            rules,
            index: FxHashMap::default(),
            every_line: Vec::new(),
            per_visit: Vec::new(),
            switches,
            on_settle,
        };
        rp.reindex();
        Ok(rp)
    }

    fn reindex(&mut self) {
        let mut index: FxHashMap<Box<str>, Vec<(u32, u32)>> = FxHashMap::default();
        self.every_line.clear();
        self.per_visit.clear();
        for (ri, r) in self.rules.iter().enumerate() {
            for (code, row) in r.compiled.keys() {
                match index.get_mut(code) {
                    Some(v) => v.push((ri as u32, row)),
                    None => {
                        index.insert(code.into(), vec![(ri as u32, row)]);
                    }
                }
            }
            match r.compiled.mode() {
                Mode::EveryLine => self.every_line.push(ri as u32),
                Mode::Visit => self.per_visit.push(ri as u32),
                _ => {}
            }
        }
        self.index = index;
    }

    /// Fills the rows of `not_covered` and `price_cap` rules that say `from_catalogue = true` from a policy's
    /// catalogue (yibao-core's 医保目录: class and price caps by hospital level).
    pub fn attach_catalogue(&mut self, cat: &Catalogue) {
        for r in &mut self.rules {
            match &mut r.compiled {
                Compiled::NotCovered(n) if n.from_catalogue => n.fill_from(cat),
                Compiled::PriceCap(p) if p.from_catalogue => p.fill_from(cat),
                _ => {}
            }
        }
        self.reindex();
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.info.id == id)
    }

    /// Whether a rule is switched on in a region (`None` = the pack's own region).
    pub fn is_on(&self, rule: usize, admdvs: Option<&str>) -> bool {
        let region = admdvs.unwrap_or(&self.admdvs);
        self.switches.get(region).and_then(|s| s.get(&(rule as u32))).copied().unwrap_or(self.rules[rule].enabled)
    }

    /// The regions whose `[switch.<区划>]` turns a rule on or off, with the setting.
    pub fn switches_of(&self, rule: usize) -> Vec<(&str, bool)> {
        let mut v: Vec<(&str, bool)> =
            self.switches.iter().filter_map(|(r, s)| s.get(&(rule as u32)).map(|on| (r.as_str(), *on))).collect();
        v.sort();
        v
    }

    /// Whether a med_type is an inpatient one.
    pub fn is_inpatient(&self, med_type: &str) -> bool {
        self.visit_kinds.inpatient_med_types.iter().any(|m| m == med_type)
    }
}

fn compile_rule(
    i: usize,
    def: &model::RuleDef,
    dict: &Dictionaries,
    read: &dyn Fn(&str) -> std::io::Result<Vec<u8>>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Rule> {
    let path = FieldPath::root().at("rule", i);
    let table = match &def.knowledge {
        Some(name) => match read(name) {
            Ok(bytes) => match Table::from_bytes(name, &bytes) {
                Ok(t) => Some(t),
                Err(e) => {
                    let at = if e.number > 0 { format!("第 {} 行：", e.number) } else { String::new() };
                    let zh = format!("知识库文件 {name} {at}{}", e.zh);
                    diags.push(Diagnostic::new(path.key("knowledge"), zh.clone(), zh));
                    None
                }
            },
            Err(e) => {
                let zh = format!("无法读取知识库文件 {name}：{e}");
                diags.push(Diagnostic::new(path.key("knowledge"), zh.clone(), e.to_string()));
                None
            }
        },
        None if !def.row.is_empty() => Some(Table::from_inline(&def.row)),
        None => None,
    };
    let knowledge_rows = table.as_ref().map_or(0, |t| t.rows.len());
    let mut b = Build { dict, path: path.clone(), table, diags: Vec::new() };
    let compiled = templates::compile(def.template, &def.params, &mut b);
    diags.append(&mut b.diags);
    let t = def.template;
    let evidence = Evidence::compile(def.evidence.as_deref().unwrap_or(t.default_evidence()), t.placeholders()).ok()?;
    let sev_deg = def.sev_deg.clone().unwrap_or_else(|| t.default_sev_deg().to_string());
    let info = RuleInfo {
        id: def.id.clone(),
        name: def.name.clone(),
        template: t,
        sev_deg_name: dict.label_or_code("sev_deg", &sev_deg).to_string(),
        sev_deg,
        vola_bhvr_type: def.vola_bhvr_type.clone().unwrap_or_else(|| t.default_bhvr_type().to_string()),
        basis: def.basis.clone(),
    };
    let scenes = if t.stage() == Stage::Screen {
        def.trig_scen.iter().filter(|s| **s <= 15).fold(0u16, |m, s| m | (1 << *s))
    } else {
        0
    };
    Some(Rule {
        info: Arc::new(info),
        enabled: def.enabled,
        begin: def.begin,
        end: def.end,
        trig_scen: def.trig_scen.clone(),
        knowledge_rows,
        scenes,
        evidence,
        compiled: compiled?,
    })
}
