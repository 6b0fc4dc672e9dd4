//! Queries: 5203 结算信息, 5204 费用明细, 5205 人员结算列表, 5206 人员累计信息. An institution sees only its own.

use serde_json::{Value, json};

use super::Call;
use crate::envelope::{GwError, GwResult};
use crate::{Outcome, db};
use yibao_core::money::{Fen, Price, Qty, Ratio};
use yibao_store::SettlementRow;

async fn own_settlement(c: &Call<'_>, psn_no: &str, setl_id: &str) -> GwResult<SettlementRow> {
    let s =
        c.gw.store
            .settlement(psn_no, setl_id)
            .await
            .map_err(db)?
            .ok_or_else(|| GwError::new(format!("结算ID setl_id“{setl_id}”不存在（或不属于人员 {psn_no}）")))?;
    if s.fixmedins_code != c.inst.fixmedins_code {
        return Err(GwError::new(format!("结算ID setl_id“{setl_id}”不属于本机构")));
    }
    Ok(s)
}

pub async fn setl_info(c: &Call<'_>) -> GwResult<Outcome> {
    let d = c.node("data")?;
    let psn_no = d.str("psn_no", 30)?;
    let setl_id = d.str("setl_id", 30)?;
    let s = own_settlement(c, &psn_no, &setl_id).await?;
    if let Some(m) = d.opt_str("mdtrt_id", 30)?
        && m != s.mdtrt_id
    {
        return Err(GwError::new(format!("字段 data.mdtrt_id“{m}”与结算 {setl_id} 的就诊ID不一致")));
    }
    let out: Value = serde_json::from_str(&s.output).map_err(|_| GwError::new("结算记录无法读取"))?;
    Ok(Outcome::read(out))
}

pub async fn fee_list(c: &Call<'_>) -> GwResult<Outcome> {
    let d = c.node("data")?;
    let psn_no = d.str("psn_no", 30)?;
    let setl_id = d.str("setl_id", 30)?;
    let s = own_settlement(c, &psn_no, &setl_id).await?;
    let target = s.reverses.clone().unwrap_or(setl_id.clone());
    let lines = c.gw.store.fee_lines(&psn_no, &s.mdtrt_id, None).await.map_err(db)?;
    let rows: Vec<Value> = lines
        .iter()
        .filter(|l| l.setl_id.as_deref() == Some(target.as_str()) || (s.reversed_by.is_some() && s.kind == "settle" && l.setl_id.is_none()))
        .map(|l| {
            json!({
                "feedetl_sn": l.feedetl_sn, "mdtrt_id": l.mdtrt_id, "setl_id": setl_id, "med_list_codg": l.med_list_codg,
                "medins_list_codg": l.medins_list_codg, "fee_ocur_time": l.fee_ocur_time,
                "pric": Price(l.pric), "cnt": Qty(l.cnt), "det_item_fee_sumamt": Fen(l.det_item_fee_sumamt),
                "fulamt_ownpay_amt": Fen(l.fulamt_ownpay_amt), "overlmt_amt": Fen(l.overlmt_amt),
                "preselfpay_amt": Fen(l.preselfpay_amt), "inscp_scp_amt": Fen(l.inscp_scp_amt),
                "selfpay_prop": Ratio(l.selfpay_prop as u32), "chrgitm_lv": l.chrgitm_lv,
            })
        })
        .collect();
    Ok(Outcome::read(json!({ "data": rows })))
}

pub async fn setl_list(c: &Call<'_>) -> GwResult<Outcome> {
    let d = c.node("data")?;
    let psn_no = d.str("psn_no", 30)?;
    let from = d.date("begntime")?;
    let to = d.date("endtime")?;
    if to < from {
        return Err(GwError::new("字段 data.endtime 早于 data.begntime"));
    }
    c.person(&psn_no).await?;
    let list =
        c.gw.store.settlements_of(&psn_no, &format!("{from} 00:00:00"), &format!("{to} 23:59:59")).await.map_err(db)?;
    let rows: Vec<Value> = list
        .iter()
        .filter(|s| s.fixmedins_code == c.inst.fixmedins_code)
        .map(|s| {
            json!({
                "setl_id": s.setl_id, "mdtrt_id": s.mdtrt_id, "psn_no": s.psn_no, "insutype": s.insutype,
                "med_type": s.med_type, "setl_time": s.setl_time, "medfee_sumamt": Fen(s.medfee_sumamt),
                "fund_pay_sumamt": Fen(s.fund_pay_sumamt), "acct_pay": Fen(s.acct_pay), "psn_cash_pay": Fen(s.psn_cash_pay),
                "refd_setl_flag": if s.kind == "reverse" || s.reversed_by.is_some() { "1" } else { "0" },
            })
        })
        .collect();
    Ok(Outcome::read(json!({ "data": rows })))
}

pub async fn cumulative(c: &Call<'_>) -> GwResult<Outcome> {
    let d = c.node("data")?;
    let psn_no = d.str("psn_no", 30)?;
    let ym = d.str("cum_ym", 6)?;
    let year: i64 = ym
        .get(..4)
        .and_then(|y| y.parse().ok())
        .filter(|_| ym.len() == 6)
        .ok_or_else(|| GwError::new(format!("字段 data.cum_ym“{ym}”应为 yyyyMM")))?;
    c.person(&psn_no).await?;
    let store = &c.gw.store;
    let mut rows = Vec::new();
    let mut schemes: Vec<String> = store
        .enrollments(&psn_no)
        .await
        .map_err(db)?
        .into_iter()
        .filter(|e| e.year == year)
        .map(|e| e.insutype)
        .collect();
    schemes.dedup();
    for insutype in schemes {
        let (acc, _) = store.accumulators(&psn_no, year, &insutype).await.map_err(db)?;
        for (name, v) in acc {
            let cum: Value = if name == "admissions" { json!(v) } else { json!(Fen(v)) };
            rows.push(json!({ "insutype": insutype, "year": year, "cum_type_code": name, "cum": cum }));
        }
    }
    Ok(Outcome::read(json!({ "cuminfo": rows })))
}
