//! What the rules report: a finding on one visit (事前/事中, the 3101 result row) or a case over settlements (事后).

use std::sync::Arc;

use chrono::NaiveDate;
use yibao_core::Fen;

use crate::templates::TemplateKind;

/// The rule a finding came from, shared by all its findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    /// 规则ID (`rule_id`).
    pub id: String,
    /// 规则名称 (`rule_name`).
    pub name: String,
    pub template: TemplateKind,
    /// 严重程度 code (`sev_deg`) and its label.
    pub sev_deg: String,
    pub sev_deg_name: String,
    /// 违规行为分类 code (`vola_bhvr_type`).
    pub vola_bhvr_type: String,
    /// 违规依据 (`vola_evid`): the policy text the rule rests on.
    pub basis: String,
}

/// How a fee line takes part in a finding (3101 `vola_item_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineRole {
    /// 1 违规项: the line is the violation.
    Violating,
    /// 2 涉及项: the line is involved (the other item of a pair, an earlier dispensing).
    Involved,
}

impl LineRole {
    pub fn code(self) -> &'static str {
        match self {
            LineRole::Violating => "1",
            LineRole::Involved => "2",
        }
    }
}

/// One fee line of a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingLine {
    /// Position of the line in [`crate::Encounter::lines`].
    pub index: usize,
    /// 明细流水号 / `rx_id`.
    pub line_id: String,
    pub code: String,
    pub role: LineRole,
    /// The line's share of the violation amount.
    pub amount: Fen,
}

/// One violation found on one visit: a row of the 3101/3102 `result[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Arc<RuleInfo>,
    pub psn_no: String,
    pub mdtrt_id: String,
    pub fixmedins_code: String,
    /// The date the violation happened (fee date, visit date).
    pub date: NaiveDate,
    /// 违规金额: the fund-claimed money the violation concerns.
    pub amount: Fen,
    pub lines: Vec<FindingLine>,
    /// 违规内容, rendered from the rule's evidence template.
    pub text: String,
}

/// One case found by 事后 review: a person's settlements, or an institution's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub rule: Arc<RuleInfo>,
    /// The person, for person-level detectors.
    pub psn_no: Option<String>,
    /// The institution the case is held against (the suspect settlement's, or the outlier institution).
    pub fixmedins_code: Option<String>,
    /// 结算ID of every settlement involved, the suspect one last.
    pub setl_ids: Vec<String>,
    pub date: NaiveDate,
    /// The money at stake (剔除待查 candidate).
    pub amount: Fen,
    /// Evidence in Chinese.
    pub text: String,
}
