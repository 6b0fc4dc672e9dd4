//! 9001/9002 签到签退, 1101 人员信息获取, 2001 人员待遇享受检查, 1901 字典表查询.

use chrono::Datelike;
use serde_json::{Value, json};

use super::Call;
use std::sync::Arc;

use crate::Outcome;
use crate::envelope::{GwError, GwResult};
use crate::state::PersonCtx;
use yibao_core::codes::{check_id_number, kind};

pub async fn sign(c: &Call<'_>) -> GwResult<Outcome> {
    let (node, out) = if c.env.infno == "9001" { ("signIn", "signinoutb") } else { ("data", "signoutoutb") };
    let n = c.node(node)?;
    let opter_no = n.str("opter_no", 30)?;
    let sign_no = if c.env.infno == "9001" { c.gw.ids.id('G') } else { n.str("sign_no", 30)? };
    let t = yibao_store::now_text();
    let mut o = Outcome::read(json!({ out: { "sign_time": t, "sign_no": sign_no } }));
    o.ops = vec![c.audit(
        if c.env.infno == "9001" { "签到" } else { "签退" },
        "operator",
        &opter_no,
        json!({ "sign_no": sign_no }),
    )];
    Ok(o)
}

/// Finds the person a 1101 call names: by ID number (凭证类型 02/03), by psn_no or ID number (01 电子凭证 token).
async fn find_person(c: &Call<'_>) -> GwResult<Arc<PersonCtx>> {
    let d = c.node("data")?;
    let cert_type = d.code("mdtrt_cert_type", 3, "就诊凭证类型", |v| c.known(kind::MDTRT_CERT_TYPE, v))?;
    let cert_no = d.str("mdtrt_cert_no", 600)?;
    if cert_type == "03" && d.opt_str("card_sn", 32)?.is_none() {
        return Err(GwError::new("社会保障卡就诊时必须填写 data.card_sn（卡识别码）"));
    }
    let (state, store) = (&c.gw.state, &c.gw.store);
    let psn_no = match cert_type.as_str() {
        "02" | "03" => {
            check_id_number(&cert_no).map_err(|e| GwError::new(format!("字段 data.mdtrt_cert_no：{e}")))?;
            state.psn_no_of(store, &cert_no).await?
        }
        _ => match state.person(store, &cert_no).await? {
            Some(p) => Some(p.person.psn_no.clone()),
            None => state.psn_no_of(store, &cert_no).await?,
        },
    };
    let found = match psn_no {
        Some(p) => state.person(store, &p).await?,
        None => None,
    };
    let p = found.ok_or_else(|| GwError::new("未查询到该人员的参保信息，请核对就诊凭证"))?;
    if let Some(name) = d.opt_str("psn_name", 50)?
        && name != p.person.psn_name
    {
        return Err(GwError::new("字段 data.psn_name 与凭证对应人员姓名不符"));
    }
    Ok(p)
}

pub async fn psn_info(c: &Call<'_>) -> GwResult<Outcome> {
    let ctx = find_person(c).await?;
    let p = &ctx.person;
    let year = i64::from(chrono::Local::now().year());
    let balance = ctx.balance.unwrap_or(0);
    let enrollments = &ctx.enrollments;
    let this_year: Vec<_> = enrollments.iter().filter(|e| e.year == year).collect();
    let latest = if this_year.is_empty() { enrollments.iter().take(1).collect() } else { this_year };
    // The account balance belongs to the schemes whose policy has a personal account (职工), not to a fixed code.
    let policy = c.policy()?;
    let today = chrono::Local::now().date_naive();
    let has_account = |insutype: &str| policy.scheme_for(insutype, today).is_some_and(|s| s.account.is_some());
    let insuinfo: Vec<Value> = latest
        .iter()
        .map(|e| {
            json!({
                "balc": yibao_core::Fen(if has_account(&e.insutype) { balance } else { 0 }),
                "insutype": e.insutype,
                "psn_type": e.psn_type,
                "psn_insu_stas": e.psn_insu_stas,
                "psn_insu_date": e.insu_date,
                "paus_insu_date": Value::Null,
                "cvlserv_flag": e.cvlserv_flag,
                "insuplc_admdvs": p.admdvs,
                "emp_name": e.emp_name,
            })
        })
        .collect();
    let idetinfo: Vec<Value> = ctx
        .identities
        .iter()
        .map(|i| json!({ "psn_idet_type": i.code, "psn_type_lv": "", "memo": i.source, "begntime": i.begndate, "endtime": i.enddate }))
        .collect();
    let brdy = chrono::NaiveDate::parse_from_str(&p.brdy, "%Y-%m-%d").ok();
    let age = brdy.map(|b| yibao_core::settlement::context::age_on(b, chrono::Local::now().date_naive()));
    Ok(Outcome::read(json!({
        "baseinfo": {
            "psn_no": p.psn_no, "psn_cert_type": p.psn_cert_type, "certno": p.certno, "psn_name": p.psn_name,
            "gend": p.gend, "naty": p.naty, "brdy": p.brdy, "age": age, "exp_content": Value::Null,
        },
        "insuinfo": insuinfo,
        "idetinfo": idetinfo,
    })))
}

pub async fn priority(c: &Call<'_>) -> GwResult<Outcome> {
    let d = c.node("data")?;
    let psn_no = d.str("psn_no", 30)?;
    let insutype = d.code("insutype", 6, "险种", |v| c.known(kind::INSUTYPE, v))?;
    let med_type = d.code("med_type", 6, "医疗类别", |v| c.known(kind::MED_TYPE, v))?;
    let begntime = d.date("begntime")?;
    let year = i64::from(begntime.year());
    let enrolled = c.person(&psn_no).await?.enrolled(&insutype, begntime);
    let suspended = c.check_agreement(&begntime.to_string()).err();
    let (flag, why) = match (enrolled, suspended) {
        (false, _) => ("0", format!("{year} 年度未正常参加险种 {insutype}")),
        (true, Some(e)) => ("0", e.msg),
        (true, None) => ("1", "可享受待遇".to_string()),
    };
    Ok(Outcome::read(json!({ "trtinfo": [{
        "psn_no": psn_no, "insutype": insutype, "med_type": med_type, "fund_pay_type": "",
        "trt_chk_type": "01", "trt_enjymnt_flag": flag, "trt_chk_rslt": why,
    }]})))
}

pub async fn dictionary(c: &Call<'_>) -> GwResult<Outcome> {
    let d = c.node("data")?;
    let t = d.str("type", 30)?;
    let policy = c.policy()?;
    if !policy.dict.has_kind(&t) {
        return Err(GwError::new(format!("字段 data.type：没有名为“{t}”的字典")));
    }
    let list: Vec<Value> = policy.dict.codes(&t).map(|(v, l)| json!({ "value": v, "label": l })).collect();
    Ok(Outcome::read(json!({ "list": list })))
}
