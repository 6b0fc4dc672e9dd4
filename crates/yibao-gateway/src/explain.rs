//! The Chinese explanation of a visit's pending settlement, for the service window's pre-settlement: the same
//! request builder and engine as 2206/2303, read-only.

use crate::envelope::Envelope;
use crate::{Gateway, txn};

impl Gateway {
    /// Explains how the visit's uploaded lines would settle now (what 2206/2303 answers, in sentences).
    pub async fn explain_visit(
        &self,
        fixmedins_code: &str,
        psn_no: &str,
        mdtrt_id: &str,
        acct_used_flag: &str,
    ) -> Result<Vec<String>, String> {
        let e = |e: yibao_store::StoreError| e.to_string();
        let row = self
            .store
            .institution(fixmedins_code)
            .await
            .map_err(e)?
            .ok_or_else(|| format!("定点机构 {fixmedins_code} 不存在"))?;
        let suspensions = self.store.suspensions(fixmedins_code).await.map_err(e)?;
        let inst = crate::state::InstitutionCtx { row, suspensions, read_at: std::time::Instant::now() };
        let v = self
            .store
            .visit(psn_no, mdtrt_id)
            .await
            .map_err(e)?
            .ok_or_else(|| format!("人员 {psn_no} 没有就诊 {mdtrt_id}"))?;
        let lines = self.store.fee_lines(psn_no, mdtrt_id, Some("uploaded")).await.map_err(e)?;
        let policy = self.policy(&inst.admdvs).map_err(|e| e.msg)?;
        let env = Envelope {
            infno: if v.kind == "ipt" { "2303" } else { "2206" }.to_string(),
            msgid: String::new(),
            mdtrtarea_admvs: inst.admdvs.clone(),
            insuplc_admdvs: inst.admdvs.clone(),
            fixmedins_code: inst.fixmedins_code.clone(),
            opter: String::new(),
            opter_name: String::new(),
            inf_time: yibao_store::now_text(),
            sign_no: String::new(),
            input: serde_json::Value::Null,
        };
        let c = txn::Call { gw: self, inst: &inst, env: &env };
        let (req, _) = txn::settle::build_request(&c, &policy, &v, &lines, acct_used_flag).await.map_err(|e| e.msg)?;
        let s = yibao_core::settle(&policy, &req).map_err(|e| e.to_string())?;
        Ok(yibao_core::explain::render_zh(&policy, &req, &s))
    }
}
