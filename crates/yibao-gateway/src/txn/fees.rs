//! Fee lines: 2204/2301 upload with per-line classification, 2205/2302 cancellation of unsettled lines.

use serde_json::{Value, json};

use super::Call;
use super::settle::build_request;
use super::visit::{changed, state_zh};
use crate::Outcome;
use crate::envelope::{GwError, GwResult};
use crate::state::Effect;
use yibao_core::money::line_amount;
use yibao_core::output::fee_results;
use yibao_store::{FeeLineRow, Op};

/// The fields of a line kept in their own columns; the rest (department, doctor, …) is kept as JSON.
const LINE_COLUMNS: &[&str] = &[
    "feedetl_sn",
    "mdtrt_id",
    "psn_no",
    "chrg_bchno",
    "fee_ocur_time",
    "med_list_codg",
    "medins_list_codg",
    "pric",
    "cnt",
    "det_item_fee_sumamt",
    "hosp_appr_flag",
];

/// The line's fields that have no column of their own, as JSON (empty values left out).
fn extras(map: &serde_json::Map<String, Value>) -> String {
    let rest: serde_json::Map<String, Value> = map
        .iter()
        .filter(|(k, v)| !LINE_COLUMNS.contains(&k.as_str()) && !v.is_null() && v.as_str() != Some(""))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::Object(rest).to_string()
}

/// The most lines one upload may carry.
const MAX_LINES: usize = 2000;

pub async fn upload(c: &Call<'_>) -> GwResult<Outcome> {
    let inpatient = c.env.infno == "2301";
    let items = c.nodes("feedetail")?;
    if items.is_empty() {
        return Err(GwError::new("节点 input.feedetail 没有费用明细"));
    }
    if items.len() > MAX_LINES {
        return Err(GwError::new(format!("一次最多上传 {MAX_LINES} 条费用明细，收到 {} 条", items.len())));
    }
    let mut rows = Vec::with_capacity(items.len());
    let mut seen = std::collections::HashSet::new();
    let (mut psn, mut visit_id) = (String::new(), String::new());
    for (i, it) in items.iter().enumerate() {
        let at = |e: GwError| GwError::new(format!("第 {} 条明细：{}", i + 1, e.msg));
        let sn = it.str("feedetl_sn", 30).map_err(at)?;
        let mdtrt_id = it.str("mdtrt_id", 30).map_err(at)?;
        let psn_no = it.str("psn_no", 30).map_err(at)?;
        if i == 0 {
            psn = psn_no.clone();
            visit_id = mdtrt_id.clone();
        } else if psn_no != psn || mdtrt_id != visit_id {
            return Err(GwError::new(format!("第 {} 条明细：一次上传的明细必须属于同一人员、同一次就诊", i + 1)));
        }
        if !seen.insert(sn.clone()) {
            return Err(GwError::new(format!("第 {} 条明细：费用明细流水号 feedetl_sn“{sn}”在本次上传中重复", i + 1)));
        }
        let chrg_bchno = if inpatient {
            it.opt_str("chrg_bchno", 30).map_err(at)?.unwrap_or_default()
        } else {
            it.str("chrg_bchno", 30).map_err(at)?
        };
        let fee_ocur_time = it.str("fee_ocur_time", 19).map_err(at)?;
        it.date("fee_ocur_time").map_err(at)?;
        let med_list_codg = it.str("med_list_codg", 50).map_err(at)?;
        let medins_list_codg = it.str("medins_list_codg", 150).map_err(at)?;
        let pric = it.price("pric").map_err(at)?;
        let cnt = it.qty("cnt").map_err(at)?;
        if cnt.0 == 0 {
            return Err(at(GwError::new("字段 feedetail.cnt 数量不能为 0".to_string())));
        }
        if cnt.0 < 0 && !inpatient {
            return Err(at(GwError::new(
                "字段 feedetail.cnt：门诊明细数量不能为负数（退费请撤销明细后重传）".to_string(),
            )));
        }
        let sum = it.signed_amount("det_item_fee_sumamt").map_err(at)?;
        let expect = line_amount(pric, cnt);
        if sum != expect {
            return Err(at(GwError::new(format!(
                "字段 feedetail.det_item_fee_sumamt {sum} 与单价 {pric} × 数量 {cnt} = {expect} 不符"
            ))));
        }
        it.str("bilg_dept_codg", 30).map_err(at)?;
        it.str("bilg_dept_name", 100).map_err(at)?;
        let hosp_appr_flag = it.opt_str("hosp_appr_flag", 3).map_err(at)?.unwrap_or_default();
        rows.push(FeeLineRow {
            psn_no,
            mdtrt_id,
            feedetl_sn: sn,
            chrg_bchno,
            med_list_codg,
            medins_list_codg,
            fee_ocur_time,
            pric: pric.0,
            cnt: cnt.0,
            det_item_fee_sumamt: sum.0,
            hosp_appr_flag,
            fulamt_ownpay_amt: 0,
            overlmt_amt: 0,
            preselfpay_amt: 0,
            inscp_scp_amt: 0,
            selfpay_prop: 0,
            chrgitm_lv: String::new(),
            state: "uploaded".to_string(),
            setl_id: None,
            detail: extras(it.map),
        });
    }
    let x = c.visit(&psn, &visit_id).await?;
    let v = &x.row;
    match (inpatient, v.kind.as_str(), v.state.as_str()) {
        (false, "otp", "registered") | (true, "ipt", "admitted" | "discharged") => {}
        (false, "ipt", _) => return Err(GwError::new("住院就诊的费用明细请使用 2301 上传")),
        (true, "otp", _) => return Err(GwError::new("门诊就诊的费用明细请使用 2204 上传")),
        (_, _, s) => {
            return Err(GwError::new(format!("就诊 {visit_id} 当前状态为“{}”，不能上传费用明细", state_zh(s))));
        }
    }
    if let Some(d) = rows.iter().find(|r| x.serials.contains(&r.feedetl_sn)) {
        return Err(GwError::new(format!("费用明细流水号 feedetl_sn“{}”在本次就诊中已上传", d.feedetl_sn)));
    }
    let policy = c.policy()?;
    let (req, _) = build_request(c, &policy, v, &rows, "0").await?;
    let results = yibao_core::settlement::classify(&policy, &req).map_err(|e| GwError::new(e.to_string()))?;
    for (r, x) in rows.iter_mut().zip(&results) {
        r.fulamt_ownpay_amt = x.fulamt_ownpay_amt.0;
        r.overlmt_amt = x.overlmt_amt.0;
        r.preselfpay_amt = x.preselfpay_amt.0;
        r.inscp_scp_amt = x.inscp_scp_amt.0;
        r.selfpay_prop = i64::from(x.selfpay_prop.0);
        r.chrgitm_lv = x.chrgitm_lv.code().to_string();
    }
    let out = json!({ "result": fee_results(&policy, &req, &results) });
    let mut after = changed(&x, |_| {});
    after.serials.extend(rows.iter().map(|r| r.feedetl_sn.clone()));
    after.uploaded.extend(rows.iter().cloned());
    // The ledger's order, so that a settlement reads its lines the same way from memory and from the ledger.
    after.uploaded.sort_by(|a, b| (&a.fee_ocur_time, &a.feedetl_sn).cmp(&(&b.fee_ocur_time, &b.feedetl_sn)));
    Ok(Outcome::change(out, vec![Op::InsertFeeLines(rows)], psn, vec![Effect::PutVisit(Box::new(after))]).touching(v))
}

pub async fn cancel(c: &Call<'_>) -> GwResult<Outcome> {
    let d = c.node("data")?;
    let psn_no = d.str("psn_no", 30)?;
    let mdtrt_id = d.str("mdtrt_id", 30)?;
    let x = c.visit(&psn_no, &mdtrt_id).await?;
    let v = &x.row;
    if v.state == "settled" || v.state == "cancelled" {
        return Err(GwError::new(format!(
            "就诊 {mdtrt_id} 当前状态为“{}”，不能撤销费用明细（已结算的须先撤销结算）",
            state_zh(&v.state)
        )));
    }
    let uploaded = &x.uploaded;
    let sns: Vec<String> = if c.env.infno == "2205" {
        let batch = d.str("chrg_bchno", 30)?;
        if batch == "0000" {
            Vec::new()
        } else {
            let v: Vec<String> =
                uploaded.iter().filter(|l| l.chrg_bchno == batch).map(|l| l.feedetl_sn.clone()).collect();
            if v.is_empty() {
                return Err(GwError::new(format!("收费批次号 chrg_bchno“{batch}”下没有未结算的费用明细")));
            }
            v
        }
    } else {
        let sn = d.str("feedetl_sn", 30)?;
        if sn == "0000" {
            Vec::new()
        } else {
            if !uploaded.iter().any(|l| l.feedetl_sn == sn) {
                return Err(GwError::new(format!("费用明细流水号 feedetl_sn“{sn}”不存在或已结算")));
            }
            vec![sn]
        }
    };
    let mut after = changed(&x, |_| {});
    let gone = |sn: &String| sns.is_empty() || sns.contains(sn);
    after.serials.retain(|sn| !(gone(sn) && uploaded.iter().any(|l| &l.feedetl_sn == sn)));
    after.uploaded.retain(|l| !gone(&l.feedetl_sn));
    let op = Op::CancelFeeLines { psn_no: psn_no.clone(), mdtrt_id: mdtrt_id.clone(), feedetl_sn: sns };
    Ok(Outcome::change(json!({}), vec![op], psn_no, vec![Effect::PutVisit(Box::new(after))]).touching(v))
}
