//! The transactions, by number: which ones change the ledger, which path each answers at, and who handles it.

mod fees;
mod fsi;
mod person;
mod query;
pub(crate) mod settle;
mod visit;

use serde_json::{Value, json};

use std::sync::Arc;

use crate::envelope::{Envelope, GwError, GwResult, Obj};
use crate::state::{InstitutionCtx, PersonCtx, VisitCtx};
use crate::{Gateway, Outcome};
use yibao_core::codes::kind;

/// (infno, per-service path, changes the ledger).
const TRANSACTIONS: &[(&str, &str, bool)] = &[
    ("9001", "/fsi/api/signInSignOutService/signIn", true),
    ("9002", "/fsi/api/signInSignOutService/signOut", true),
    ("1101", "/fsi/api/fsiPsnInfoService/queryPsnInfo", false),
    ("1901", "/fsi/api/catalogqueryservice/queryDataDic", false),
    ("2001", "/fsi/api/fsiPsnPriorityService/queryPsnPriority", false),
    ("2201", "/fsi/api/outpatientDocInfoService/outpatientRregistration", true),
    ("2202", "/fsi/api/outpatientDocInfoService/outpatientRregistrationCancel", true),
    ("2203", "/fsi/api/outpatientDocInfoService/outpatientMdtrtinfoUp", true),
    ("2203A", "/fsi/api/outpatientDocInfoService/outpatientMdtrtinfoUpA", true),
    ("2204", "/fsi/api/outpatientDocInfoService/outpatientFeeListUp", true),
    ("2205", "/fsi/api/outpatientDocInfoService/outpatientFeeListUpCancel", true),
    ("2206", "/fsi/api/outpatientSettleService/preSettletment", false),
    ("2207", "/fsi/api/outpatientSettleService/saveSettletmentV2", true),
    ("2208", "/fsi/api/outpatientSettleService/cancleSettletment", true),
    ("2301", "/fsi/api/hospFeeDtlService/feeDtlUp", true),
    ("2302", "/fsi/api/hospFeeDtlService/feeDtlCl", true),
    ("2303", "/fsi/api/hospSettService/preSett", false),
    ("2304", "/fsi/api/hospSettService/settV2", true),
    ("2305", "/fsi/api/hospSettService/settCl", true),
    ("2401", "/fsi/api/hospitalRegisterService/hospitalRegisterSave", true),
    ("2402", "/fsi/api/dischargeProcessService/dischargeProcess", true),
    ("2403", "/fsi/api/hospitalRegisterService/hospitalRegisterUpdate", true),
    ("2404", "/fsi/api/hospitalRegisterService/hospitalRegisterCancel", true),
    ("2405", "/fsi/api/dischargeProcessService/dischargeUndo", true),
    ("3101", "/fsi/api/riskConService/beforeAnalyze", false),
    ("3102", "/fsi/api/riskConService/courseAnalyze", false),
    ("3103", "/fsi/api/riskConService/feedback", true),
    ("5203", "/fsi/api/settleService/querySetlInfo", false),
    ("5204", "/fsi/api/settleService/queryFeeList", false),
    ("5205", "/fsi/api/settleService/querySetlList", false),
    ("5206", "/fsi/api/settleService/queryPsnCum", false),
];

pub fn is_mutating(infno: &str) -> bool {
    TRANSACTIONS.iter().any(|(n, _, m)| *n == infno && *m)
}

pub fn infno_for_path(path: &str) -> Option<&'static str> {
    TRANSACTIONS.iter().find(|(_, p, _)| *p == path).map(|(n, _, _)| *n)
}

/// Every transaction the gateway answers, with its per-service path.
pub fn all() -> impl Iterator<Item = (&'static str, &'static str)> {
    TRANSACTIONS.iter().map(|(n, p, _)| (*n, *p))
}

pub async fn run(gw: &Gateway, inst: &InstitutionCtx, env: &Envelope) -> GwResult<Outcome> {
    let c = Call { gw, inst, env };
    if !matches!(env.infno.as_str(), "9001" | "9002") {
        // Codes are checked against the region's dictionaries: name the region when it has no policy.
        gw.policy(&env.insuplc_admdvs).map_err(|e| GwError::new(format!("字段 insuplc_admdvs：{}", e.msg)))?;
    }
    match env.infno.as_str() {
        "9001" | "9002" => person::sign(&c).await,
        "1101" => person::psn_info(&c).await,
        "1901" => person::dictionary(&c).await,
        "2001" => person::priority(&c).await,
        "2201" => visit::register(&c).await,
        "2202" => visit::cancel_registration(&c).await,
        "2203" | "2203A" => visit::outpatient_info(&c).await,
        "2204" | "2301" => fees::upload(&c).await,
        "2205" | "2302" => fees::cancel(&c).await,
        "2206" | "2303" => settle::pre_settle(&c).await,
        "2207" | "2304" => settle::settle(&c).await,
        "2208" | "2305" => settle::reverse(&c).await,
        "2401" => visit::admit(&c).await,
        "2402" => visit::discharge(&c).await,
        "2403" => visit::change_admission(&c).await,
        "2404" => visit::cancel_admission(&c).await,
        "2405" => visit::undo_discharge(&c).await,
        "3101" | "3102" => fsi::analyze(&c).await,
        "3103" => fsi::feedback(&c).await,
        "5203" => query::setl_info(&c).await,
        "5204" => query::fee_list(&c).await,
        "5205" => query::setl_list(&c).await,
        "5206" => query::cumulative(&c).await,
        other => Err(GwError::new(format!("不支持的交易编号 infno“{other}”"))),
    }
}

/// One call in progress: the gateway, the calling institution, the envelope.
pub struct Call<'a> {
    pub gw: &'a Gateway,
    pub inst: &'a InstitutionCtx,
    pub env: &'a Envelope,
}

impl Call<'_> {
    /// The `input.<node>` object.
    pub fn node<'s>(&'s self, name: &'s str) -> GwResult<Obj<'s>> {
        let v = self.env.input.get(name).ok_or_else(|| GwError::new(format!("缺少节点 input.{name}")))?;
        Obj::new(name, v)
    }

    /// The `input.<node>` list (an object counts as a list of one).
    pub fn nodes<'s>(&'s self, name: &'s str) -> GwResult<Vec<Obj<'s>>> {
        let v = self.env.input.get(name).ok_or_else(|| GwError::new(format!("缺少节点 input.{name}")))?;
        let items: Vec<&Value> = match v {
            Value::Array(a) => a.iter().collect(),
            other => vec![other],
        };
        items.into_iter().map(|i| Obj::new(name, i)).collect()
    }

    pub fn policy(&self) -> GwResult<std::sync::Arc<yibao_core::Policy>> {
        self.gw.policy(&self.env.insuplc_admdvs)
    }

    /// A person by psn_no (with enrollments, identities, account and accumulators), or a refusal naming the field.
    pub async fn person(&self, psn_no: &str) -> GwResult<Arc<PersonCtx>> {
        self.gw
            .state
            .person(&self.gw.store, psn_no)
            .await?
            .ok_or_else(|| GwError::new(format!("人员编号 psn_no“{psn_no}”不存在")))
    }

    /// A visit of this institution with its lines, or a refusal.
    pub async fn visit(&self, psn_no: &str, mdtrt_id: &str) -> GwResult<Arc<VisitCtx>> {
        let v = self
            .gw
            .state
            .visit(&self.gw.store, psn_no, mdtrt_id)
            .await?
            .ok_or_else(|| GwError::new(format!("就诊ID mdtrt_id“{mdtrt_id}”不存在（或不属于人员 {psn_no}）")))?;
        if v.row.fixmedins_code != self.inst.fixmedins_code {
            return Err(GwError::new(format!("就诊ID mdtrt_id“{mdtrt_id}”不属于本机构")));
        }
        Ok(v)
    }

    /// Refuses when the institution's agreement is suspended on a date (`yyyy-MM-dd`).
    pub fn check_agreement(&self, date: &str) -> GwResult<()> {
        if let Some(s) = self.inst.suspension_on(date) {
            return Err(GwError::new(format!(
                "本机构医保服务协议暂停中（{} 至 {}，原因：{}），暂停期间不能办理医保结算",
                s.begndate,
                s.enddate.as_deref().unwrap_or("另行通知"),
                s.reason
            )));
        }
        Ok(())
    }

    /// A dictionary code check against the region's policy dictionaries.
    pub fn known(&self, kind_name: &str, code: &str) -> bool {
        match self.policy() {
            Ok(p) if kind_name == kind::PSN_TYPE => p.dict.contains_psn_type(code),
            Ok(p) => p.dict.contains(kind_name, code),
            Err(_) => false,
        }
    }

    pub fn audit(&self, action: &str, entity: &str, entity_id: &str, detail: Value) -> yibao_store::Op {
        yibao_store::Op::Audit(yibao_store::AuditRow {
            id: self.gw.ids.id('A'),
            at: yibao_store::now_text(),
            actor: format!("{}/{}", self.inst.fixmedins_code, self.env.opter),
            action: action.to_string(),
            entity: entity.to_string(),
            entity_id: entity_id.to_string(),
            detail: detail.to_string(),
        })
    }
}

/// The output node `{ "data": … }` many transactions answer with.
pub fn data(v: Value) -> Value {
    json!({ "data": v })
}
