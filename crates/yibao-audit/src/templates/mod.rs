//! Rule templates (规则模板): what each kind of rule checks, the placeholders its evidence text can use, and the
//! compiled form of one rule (parameters plus knowledge rows) that the screen and the review run.
//!
//! Screening templates look at one visit ([`crate::Encounter`]); review templates (事后) look at a person's or an
//! institution's settlements over a period ([`crate::review`]).

pub mod chronic;
pub mod coverage;
pub mod death;
pub mod pairs;
pub mod quantity;
pub mod restrict;
pub mod supply;

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use yibao_core::Fen;
use yibao_core::codes::{Dictionaries, kind};
use yibao_core::policy::{Diagnostic, FieldPath, serde_message_zh};

use crate::encounter::{Encounter, Line};
use crate::evidence::Facts;
use crate::finding::LineRole;
use crate::knowledge::{Cells, Col, RowReader, Source, Table};
use crate::review::Detector;

/// Every rule template, as written in a pack's `template = "…"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateKind {
    SexLimit,
    AgeLimit,
    InstitutionLimit,
    MedTypeLimit,
    SchemeLimit,
    NotCovered,
    PriceCap,
    QuantityLimit,
    ExclusivePair,
    SupplyDays,
    RepeatSupply,
    ChronicDrugList,
    AfterDeath,
    SplitAdmission,
    BedHolding,
    VisitDuringStay,
    ConcurrentStays,
    SameDayVisits,
    FrequentPurchase,
    NightSwipes,
    BurstSwipes,
    PeerCost,
    PeerHitRate,
}

/// Where a template runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// On one visit: 事前/事中 (3101/3102, trig_scen), and over every settlement in 事后 re-audit.
    Screen,
    /// 事后 only, over settlement histories.
    Review,
}

/// The settlements a template's hit rate is counted against (peer comparison of hit rates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VisitKind {
    Outpatient = 0,
    Inpatient = 1,
    Pharmacy = 2,
}

impl VisitKind {
    pub const ALL: [VisitKind; 3] = [VisitKind::Outpatient, VisitKind::Inpatient, VisitKind::Pharmacy];
    pub fn name_zh(self) -> &'static str {
        match self {
            VisitKind::Outpatient => "门诊",
            VisitKind::Inpatient => "住院",
            VisitKind::Pharmacy => "药店购药",
        }
    }
    pub fn parse(s: &str) -> Option<VisitKind> {
        match s {
            "outpatient" | "门诊" => Some(VisitKind::Outpatient),
            "inpatient" | "住院" => Some(VisitKind::Inpatient),
            "pharmacy" | "药店" | "购药" => Some(VisitKind::Pharmacy),
            _ => None,
        }
    }
}

const ITEM: [&str; 2] = ["item_code", "item_name"];

impl TemplateKind {
    pub const ALL: [TemplateKind; 23] = [
        TemplateKind::SexLimit,
        TemplateKind::AgeLimit,
        TemplateKind::InstitutionLimit,
        TemplateKind::MedTypeLimit,
        TemplateKind::SchemeLimit,
        TemplateKind::NotCovered,
        TemplateKind::PriceCap,
        TemplateKind::QuantityLimit,
        TemplateKind::ExclusivePair,
        TemplateKind::SupplyDays,
        TemplateKind::RepeatSupply,
        TemplateKind::ChronicDrugList,
        TemplateKind::AfterDeath,
        TemplateKind::SplitAdmission,
        TemplateKind::BedHolding,
        TemplateKind::VisitDuringStay,
        TemplateKind::ConcurrentStays,
        TemplateKind::SameDayVisits,
        TemplateKind::FrequentPurchase,
        TemplateKind::NightSwipes,
        TemplateKind::BurstSwipes,
        TemplateKind::PeerCost,
        TemplateKind::PeerHitRate,
    ];

    /// The name written in packs.
    pub fn name(self) -> &'static str {
        use TemplateKind::*;
        match self {
            SexLimit => "sex_limit",
            AgeLimit => "age_limit",
            InstitutionLimit => "institution_limit",
            MedTypeLimit => "med_type_limit",
            SchemeLimit => "scheme_limit",
            NotCovered => "not_covered",
            PriceCap => "price_cap",
            QuantityLimit => "quantity_limit",
            ExclusivePair => "exclusive_pair",
            SupplyDays => "supply_days",
            RepeatSupply => "repeat_supply",
            ChronicDrugList => "chronic_drug_list",
            AfterDeath => "after_death",
            SplitAdmission => "split_admission",
            BedHolding => "bed_holding",
            VisitDuringStay => "visit_during_stay",
            ConcurrentStays => "concurrent_stays",
            SameDayVisits => "same_day_visits",
            FrequentPurchase => "frequent_purchase",
            NightSwipes => "night_swipes",
            BurstSwipes => "burst_swipes",
            PeerCost => "peer_cost",
            PeerHitRate => "peer_hit_rate",
        }
    }

    pub fn name_zh(self) -> &'static str {
        use TemplateKind::*;
        match self {
            SexLimit => "限性别使用",
            AgeLimit => "限年龄使用",
            InstitutionLimit => "限医疗机构级别或类型",
            MedTypeLimit => "限定就医方式",
            SchemeLimit => "限定险种支付",
            NotCovered => "非医保目录项目申报基金支付",
            PriceCap => "超标准收费",
            QuantityLimit => "超数量收费",
            ExclusivePair => "重复收费",
            SupplyDays => "超量开药",
            RepeatSupply => "重复开药",
            ChronicDrugList => "门慢门特超病种用药",
            AfterDeath => "死亡后发生费用",
            SplitAdmission => "分解住院",
            BedHolding => "挂床住院",
            VisitDuringStay => "住院期间门诊或购药结算",
            ConcurrentStays => "跨机构同时住院",
            SameDayVisits => "同日多次门诊",
            FrequentPurchase => "高频购药",
            NightSwipes => "药店夜间刷卡",
            BurstSwipes => "药店集中刷卡",
            PeerCost => "次均费用高于同类机构",
            PeerHitRate => "规则命中率高于同类机构",
        }
    }

    pub fn stage(self) -> Stage {
        if (self as u8) <= (TemplateKind::AfterDeath as u8) { Stage::Screen } else { Stage::Review }
    }

    /// The placeholders the template fills (besides [`crate::evidence::COMMON`]).
    pub fn placeholders(self) -> &'static [&'static str] {
        use TemplateKind::*;
        match self {
            SexLimit => &[ITEM[0], ITEM[1], "gend", "limit"],
            AgeLimit => &[ITEM[0], ITEM[1], "age", "limit"],
            InstitutionLimit => &[ITEM[0], ITEM[1], "level", "medins_type", "limit"],
            MedTypeLimit => &[ITEM[0], ITEM[1], "med_type", "limit"],
            SchemeLimit => &[ITEM[0], ITEM[1], "insutype", "limit"],
            NotCovered => &[ITEM[0], ITEM[1], "lv"],
            PriceCap => &[ITEM[0], ITEM[1], "price", "cap", "level"],
            QuantityLimit => &[ITEM[0], ITEM[1], "qty", "limit", "scope", "days"],
            ExclusivePair => &[ITEM[0], ITEM[1], "other_code", "other_name", "scope"],
            SupplyDays => &[ITEM[0], ITEM[1], "days", "limit", "visit_kind"],
            RepeatSupply => &[ITEM[0], ITEM[1], "days", "overlap", "prev_date", "prev_mdtrt"],
            ChronicDrugList => &[ITEM[0], ITEM[1], "disease"],
            AfterDeath => &["death_date", "count"],
            SplitAdmission => &["prev_end", "begin", "gap", "dx", "prev_dx", "prev_institution"],
            BedHolding => &["begin", "end", "days", "idle_days"],
            VisitDuringStay => &["begin", "end", "visit_date", "visit_kind", "stay_institution"],
            ConcurrentStays => &["begin", "end", "other_begin", "other_end", "other_institution", "overlap"],
            SameDayVisits => &["visit_date", "count", "institutions"],
            FrequentPurchase => &[ITEM[0], ITEM[1], "count", "window", "first_date", "last_date"],
            NightSwipes => &["count", "times"],
            BurstSwipes => &["count", "minutes", "first_time", "last_time"],
            PeerCost => &["visit_kind", "value", "median", "threshold", "count", "peers"],
            PeerHitRate => &["target_rule", "rate", "median", "threshold", "hits", "count", "peers"],
        }
    }

    /// The evidence text used when a rule gives none.
    pub fn default_evidence(self) -> &'static str {
        use TemplateKind::*;
        match self {
            SexLimit => "参保人性别为{gend}，【{item_name}】({item_code})限{limit}使用，涉及医保基金{amount}元。",
            AgeLimit => "参保人就诊时{age}岁，【{item_name}】({item_code})限{limit}使用，涉及医保基金{amount}元。",
            InstitutionLimit => {
                "【{item_name}】({item_code})限{limit}使用，本机构为{level}{medins_type}，涉及医保基金{amount}元。"
            }
            MedTypeLimit => {
                "【{item_name}】({item_code})限{limit}使用，本次就诊医疗类别为{med_type}，涉及医保基金{amount}元。"
            }
            SchemeLimit => {
                "【{item_name}】({item_code})限{limit}支付，本次结算险种为{insutype}，涉及医保基金{amount}元。"
            }
            NotCovered => "【{item_name}】({item_code})为{lv}，不属于医保基金支付范围，却申报医保基金支付{amount}元。",
            PriceCap => {
                "【{item_name}】({item_code})收费单价{price}元，超过{level}最高限价{cap}元，超标准收费{amount}元。"
            }
            QuantityLimit => {
                "【{item_name}】({item_code}){scope}收费数量{qty}，超过限定数量{limit}，超量金额{amount}元。"
            }
            ExclusivePair => {
                "【{item_name}】({item_code})与【{other_name}】({other_code}){scope}不能同时收费，重复收费{amount}元。"
            }
            SupplyDays => {
                "【{item_name}】({item_code})本次开药{days}天，超过{visit_kind}限量{limit}天，超量金额{amount}元。"
            }
            RepeatSupply => {
                "【{item_name}】({item_code})已于{prev_date}开具（就诊ID {prev_mdtrt}），本次开药时前次药量尚余{overlap}天，重复开药金额{amount}元。"
            }
            ChronicDrugList => {
                "【{item_name}】({item_code})不在参保人门慢门特备案病种（{disease}）的用药范围内，涉及医保基金{amount}元。"
            }
            AfterDeath => "参保人已于{death_date}死亡，其后仍发生医疗费用{count}条并申报医保基金支付{amount}元。",
            SplitAdmission => {
                "参保人{prev_end}出院后{gap}天（{begin}）再次入院，前后主要诊断{prev_dx}、{dx}同属一类，疑似分解住院，再次住院基金支付{amount}元。"
            }
            BedHolding => {
                "住院{begin}至{end}共{days}天，其中{idle_days}天只有床位费和护理费、没有任何诊疗，疑似挂床住院，涉及费用{amount}元。"
            }
            VisitDuringStay => {
                "参保人{begin}至{end}在{stay_institution}住院期间，于{visit_date}发生{visit_kind}结算，基金支付{amount}元。"
            }
            ConcurrentStays => {
                "参保人{other_begin}至{other_end}在{other_institution}住院，同时{begin}至{end}在本机构住院，重叠{overlap}天，基金支付{amount}元。"
            }
            SameDayVisits => {
                "参保人{visit_date}一天内门诊结算{count}次（{institutions}），其后各次基金支付{amount}元。"
            }
            FrequentPurchase => {
                "参保人{first_date}至{last_date}（{window}天内）购买【{item_name}】({item_code}){count}次，疑似高频购药，超出部分金额{amount}元。"
            }
            NightSwipes => "参保人在定点药店夜间刷卡{count}次（{times}），基金支付{amount}元。",
            BurstSwipes => {
                "参保人{first_time}至{last_time}（{minutes}分钟内）在定点药店刷卡{count}次，疑似集中刷卡，其后各次基金支付{amount}元。"
            }
            PeerCost => {
                "本机构{visit_kind}次均费用{value}元，同类同级机构（{peers}家）中位数{median}元、警戒值{threshold}元；{count}人次超出警戒值合计{amount}元。"
            }
            PeerHitRate => {
                "本机构“{target_rule}”命中{hits}次，命中率{rate}‰（{count}人次），同类同级机构（{peers}家）中位数{median}‰、警戒值{threshold}‰，涉及金额{amount}元。"
            }
        }
    }

    /// 严重程度 when a rule gives none: 明确违规 for rules that leave no doubt, 可疑 for patterns.
    pub fn default_sev_deg(self) -> &'static str {
        use TemplateKind::*;
        match self {
            RepeatSupply | SplitAdmission | BedHolding | SameDayVisits | FrequentPurchase | NightSwipes
            | BurstSwipes | PeerCost | PeerHitRate => "2",
            _ => "1",
        }
    }

    /// 违规行为分类 when a rule gives none: 政策类 (1) for coverage and restriction rules, 管理类 (2) otherwise.
    pub fn default_bhvr_type(self) -> &'static str {
        use TemplateKind::*;
        match self {
            SexLimit | AgeLimit | InstitutionLimit | MedTypeLimit | SchemeLimit | NotCovered | ChronicDrugList => "1",
            _ => "2",
        }
    }

    /// The settlements a hit rate is counted against: `None` = all of the institution's settlements.
    pub fn visit_kind(self) -> Option<VisitKind> {
        use TemplateKind::*;
        match self {
            SplitAdmission | BedHolding | ConcurrentStays => Some(VisitKind::Inpatient),
            SameDayVisits => Some(VisitKind::Outpatient),
            NightSwipes | BurstSwipes => Some(VisitKind::Pharmacy),
            _ => None,
        }
    }

    /// Whether rules of this template need knowledge rows (a file or `[[rule.row]]`).
    pub fn needs_rows(self) -> bool {
        use TemplateKind::*;
        matches!(
            self,
            SexLimit
                | AgeLimit
                | InstitutionLimit
                | MedTypeLimit
                | SchemeLimit
                | QuantityLimit
                | ExclusivePair
                | SupplyDays
                | RepeatSupply
                | ChronicDrugList
        )
    }

    /// Whether the template reads knowledge rows at all.
    pub fn takes_rows(self) -> bool {
        self.needs_rows()
            || matches!(self, TemplateKind::NotCovered | TemplateKind::PriceCap | TemplateKind::SplitAdmission)
    }
}

/// A rule's compiled parameters and knowledge rows.
#[derive(Debug, Clone)]
pub(crate) enum Compiled {
    Restrict(restrict::Restrict),
    NotCovered(coverage::NotCovered),
    PriceCap(coverage::PriceCap),
    Quantity(quantity::Quantity),
    Pair(pairs::Pairs),
    Supply(supply::Supply),
    Repeat(supply::Repeat),
    Chronic(chronic::Chronic),
    Death(death::Death),
    Review(Detector),
}

/// How the screen calls a compiled rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Per line, for lines whose code has rows of this rule.
    Line,
    /// Per line, for every line (the rule also fires on codes it has no row for).
    EveryLine,
    /// Once, over all lines whose code has rows of this rule.
    Group,
    /// Once per visit.
    Visit,
    /// Not a screening rule.
    Review,
}

impl Compiled {
    pub(crate) fn mode(&self) -> Mode {
        match self {
            Compiled::Restrict(_) | Compiled::PriceCap(_) | Compiled::Supply(_) | Compiled::Repeat(_) => Mode::Line,
            Compiled::NotCovered(_) | Compiled::Chronic(_) => Mode::EveryLine,
            Compiled::Quantity(_) | Compiled::Pair(_) => Mode::Group,
            Compiled::Death(_) => Mode::Visit,
            Compiled::Review(_) => Mode::Review,
        }
    }

    /// (item code, row) pairs for the screen's item index.
    pub(crate) fn keys(&self) -> Vec<(&str, u32)> {
        match self {
            Compiled::Restrict(r) => r.keys(),
            Compiled::NotCovered(r) => r.keys(),
            Compiled::PriceCap(r) => r.keys(),
            Compiled::Quantity(r) => r.keys(),
            Compiled::Pair(r) => r.keys(),
            Compiled::Supply(r) => r.keys(),
            Compiled::Repeat(r) => r.keys(),
            Compiled::Chronic(r) => r.keys(),
            Compiled::Death(_) | Compiled::Review(_) => Vec::new(),
        }
    }

    /// `rows`: this rule's rows for the line's code (empty for [`Mode::EveryLine`] rules without one).
    pub(crate) fn line(&self, rows: &[u32], cx: &Ctx, i: usize) -> Option<Hit> {
        match self {
            Compiled::Restrict(r) => r.line(rows[0], cx, i),
            Compiled::PriceCap(r) => r.line(rows, cx, i),
            Compiled::Supply(r) => r.line(rows[0], cx, i),
            Compiled::Repeat(r) => r.line(rows[0], cx, i),
            Compiled::NotCovered(r) => r.line(rows.first().copied(), cx, i),
            Compiled::Chronic(r) => r.line(rows, cx, i),
            _ => None,
        }
    }

    /// `cands`: (row, line index) for every line with rows of this rule, in line order.
    pub(crate) fn group(&self, cands: &[(u32, usize)], cx: &Ctx) -> Vec<Hit> {
        match self {
            Compiled::Quantity(r) => r.group(cands, cx),
            Compiled::Pair(r) => r.group(cands, cx),
            _ => Vec::new(),
        }
    }

    pub(crate) fn visit(&self, cx: &Ctx) -> Vec<Hit> {
        match self {
            Compiled::Death(r) => r.visit(cx),
            _ => Vec::new(),
        }
    }
}

/// What the screen knows about the visit being checked.
pub(crate) struct Ctx<'e, 'a> {
    pub enc: &'e Encounter<'a>,
    pub dict: &'e Dictionaries,
    /// Full years at the visit's first day.
    pub age: Option<u32>,
    /// Hospital level as a number (higher = higher level).
    pub level: Option<u8>,
    pub inpatient: bool,
    pub emergency: bool,
    /// Days of stay: discharge − admission (at least 1); for an open stay, the days up to the check date.
    pub los: i64,
}

impl<'e, 'a> Ctx<'e, 'a> {
    pub(crate) fn line(&self, i: usize) -> &'e Line<'a> {
        &self.enc.lines[i]
    }
    pub(crate) fn label(&self, kind: &str, code: &str) -> String {
        self.dict.label_or_code(kind, code).to_string()
    }
}

/// One violation a template found, before the screen turns it into a [`crate::Finding`].
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub lines: Vec<(usize, LineRole, Fen)>,
    pub amount: Fen,
    pub date: NaiveDate,
    pub facts: Facts,
}

impl Hit {
    /// A hit on one line, for its claimed amount.
    pub(crate) fn on_line(cx: &Ctx, i: usize, facts: Facts) -> Option<Hit> {
        let l = cx.line(i);
        let amount = l.claimed();
        if amount <= Fen::ZERO {
            return None;
        }
        Some(Hit { lines: vec![(i, LineRole::Violating, amount)], amount, date: l.date, facts: item_facts(l, facts) })
    }
}

pub(crate) fn item_facts(l: &Line, facts: Facts) -> Facts {
    facts.with("item_code", l.code).with("item_name", l.name)
}

/// Everything a template needs to compile one rule, and where its problems go.
pub(crate) struct Build<'a> {
    pub dict: &'a Dictionaries,
    pub path: FieldPath,
    pub table: Option<Table>,
    pub diags: Vec<Diagnostic>,
}

impl Build<'_> {
    pub(crate) fn err(&mut self, key: &str, zh: impl Into<String>) {
        let zh = zh.into();
        self.diags.push(Diagnostic::new(self.path.key("params").key(key), zh.clone(), zh));
    }

    /// A problem with the rule's knowledge as a whole (no rows where the template needs some).
    pub(crate) fn knowledge_err(&mut self, zh: impl Into<String>) {
        let zh = zh.into();
        self.diags.push(Diagnostic::new(self.path.key("knowledge"), zh.clone(), zh));
    }

    /// The rule's `[rule.params]`, read into the template's parameter type (defaults for what is not given).
    pub(crate) fn params<P: DeserializeOwned>(&mut self, params: &toml::Table) -> Option<P> {
        match toml::Value::Table(params.clone()).try_into::<P>() {
            Ok(p) => Some(p),
            Err(e) => {
                let msg = e.message().trim().to_string();
                self.diags.push(Diagnostic::new(self.path.key("params"), serde_message_zh(&msg), msg));
                None
            }
        }
    }

    /// Checks parameter codes against a dictionary.
    pub(crate) fn codes(&mut self, key: &str, dict_kind: &str, codes: &[String]) {
        for (i, c) in codes.iter().enumerate() {
            if !self.dict.contains(dict_kind, c) {
                let zh = format!("“{c}”不是字典 {dict_kind} 中的代码");
                self.diags.push(Diagnostic::new(self.path.key("params").at(key, i), zh.clone(), zh));
            }
        }
    }

    /// Reads the rule's knowledge rows; every row error becomes a located diagnostic.
    pub(crate) fn rows<R>(&mut self, cols: &'static [Col], f: impl FnMut(&mut Cells<'_, '_>) -> Option<R>) -> Vec<R> {
        let Some(table) = self.table.take() else { return Vec::new() };
        let mut reader = RowReader::new(&table, cols, self.dict);
        let rows = reader.rows(f);
        for e in reader.errors {
            let (path, zh) = match &table.source {
                Source::Inline => {
                    let base = match e.record {
                        Some(r) => self.path.at("row", r),
                        None => self.path.key("row"),
                    };
                    (e.field.map_or(base.clone(), |f| base.key(f)), e.zh)
                }
                Source::File(name) => {
                    let col = e.header.as_deref().or(e.field).map(|h| format!("「{h}」列")).unwrap_or_default();
                    let at = if e.number == 0 { String::new() } else { format!("第 {} 行", e.number) };
                    (self.path.key("knowledge"), format!("知识库文件 {name} {at}{col}：{}", e.zh))
                }
            };
            self.diags.push(Diagnostic::new(path, zh.clone(), zh));
        }
        rows
    }
}

/// Compiles one rule's parameters and rows.
pub(crate) fn compile(t: TemplateKind, params: &toml::Table, b: &mut Build) -> Option<Compiled> {
    use TemplateKind::*;
    Some(match t {
        SexLimit | AgeLimit | InstitutionLimit | MedTypeLimit | SchemeLimit => {
            Compiled::Restrict(restrict::Restrict::compile(t, params, b)?)
        }
        NotCovered => Compiled::NotCovered(coverage::NotCovered::compile(params, b)?),
        PriceCap => Compiled::PriceCap(coverage::PriceCap::compile(params, b)?),
        QuantityLimit => Compiled::Quantity(quantity::Quantity::compile(params, b)?),
        ExclusivePair => Compiled::Pair(pairs::Pairs::compile(params, b)?),
        SupplyDays => Compiled::Supply(supply::Supply::compile(params, b)?),
        RepeatSupply => Compiled::Repeat(supply::Repeat::compile(params, b)?),
        ChronicDrugList => Compiled::Chronic(chronic::Chronic::compile(params, b)?),
        AfterDeath => Compiled::Death(death::Death::compile(params, b)?),
        _ => Compiled::Review(Detector::compile(t, params, b)?),
    })
}

/// The label of a hospital level for evidence texts ("三级医疗机构"; "医保" when the level is unknown).
pub(crate) fn level_label(dict: &Dictionaries, lv: Option<&str>) -> String {
    match lv {
        Some(l) => format!("{}医疗机构", dict.label_or_code(kind::HOSP_LV, l)),
        None => "医保".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::Evidence;

    #[test]
    fn every_template_has_a_valid_default_evidence_and_a_stage() {
        for t in TemplateKind::ALL {
            Evidence::compile(t.default_evidence(), t.placeholders()).unwrap_or_else(|e| panic!("{}: {e}", t.name()));
            let name: TemplateKind = toml::Value::String(t.name().into()).try_into().unwrap();
            assert_eq!(name, t);
            if t.stage() == Stage::Review {
                let mut b = test_build();
                assert!(
                    Detector::compile(t, &toml::Table::new(), &mut b).is_some(),
                    "{} with default parameters",
                    t.name()
                );
                assert!(b.diags.is_empty(), "{}: {:?}", t.name(), b.diags);
            }
        }
        assert_eq!(TemplateKind::AfterDeath.stage(), Stage::Screen);
        assert_eq!(TemplateKind::SplitAdmission.stage(), Stage::Review);
    }

    fn test_build() -> Build<'static> {
        let dict: &'static Dictionaries = Box::leak(Box::new(crate::rules::audit_dictionaries()));
        Build { dict, path: FieldPath::root(), table: None, diags: Vec::new() }
    }
}
