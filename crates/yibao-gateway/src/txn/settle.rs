//! Settlement over the ledger: 2206/2303 预结算, 2207/2304 结算, 2208/2305 结算撤销.
//!
//! A settlement holds the person's lock from reading the accumulators until its commit is durable, and writes
//! against the person-year version it read, so two hospitals settling the same person never lose an update.

use std::collections::BTreeMap;

use chrono::Datelike;
use serde_json::{Value, json};

use super::Call;
use super::visit::{changed, state_zh};
use crate::envelope::{GwError, GwResult, Obj};
use crate::state::{Effect, VisitCtx};
use crate::{Outcome, db};
use yibao_core::money::{Fen, Price, Qty};
use yibao_core::output::{SetlDetail, SetlIds, SetlInfo, setldetail, setlinfo};
use yibao_core::settlement::request::{Diagnosis, Enrollment, FeeLine, Identity, Person, Visit, parse_date};
use yibao_core::settlement::{Accumulators, SettleRequest, Settlement, named_accumulators};
use yibao_core::{Policy, codes::kind, explain};
use yibao_store::{FeeLineRow, Op, SetlDetailRow, SettlementRow, VisitRow};

/// Builds the engine's request for a visit from the ledger: person, enrollment, identities, diseases, account,
/// the year's accumulators (with the person-year version), and the given lines.
pub async fn build_request(
    c: &Call<'_>,
    policy: &Policy,
    v: &VisitRow,
    lines: &[FeeLineRow],
    acct_used_flag: &str,
) -> GwResult<(SettleRequest, i64)> {
    let ctx = c.person(&v.psn_no).await?;
    let p = &ctx.person;
    let begin = parse_date(&v.begntime).ok_or_else(|| GwError::new("就诊开始时间无效"))?;
    let end = v.endtime.as_deref().and_then(parse_date);
    let year = i64::from(end.unwrap_or(begin).year());
    let enrollments = &ctx.enrollments;
    let psn_type = enrollments
        .iter()
        .find(|e| e.insutype == v.insutype && e.year == year)
        .or_else(|| enrollments.iter().find(|e| e.insutype == v.insutype))
        .map(|e| e.psn_type.clone())
        .unwrap_or_default();
    let cvlserv_flag =
        enrollments.iter().find(|e| e.insutype == v.insutype).map_or("0".to_string(), |e| e.cvlserv_flag.clone());
    let identities = &ctx.identities;
    let diseases = &ctx.diseases;
    let balance = ctx.balance.unwrap_or(0);
    let (acc, version) = (ctx.accumulators_of(year, &v.insutype), ctx.version(year));
    let scheme = end.or(Some(begin)).and_then(|d| policy.scheme_for(&v.insutype, d));
    let known = |name: &str| scheme.is_none_or(|s| s.slots.iter().any(|x| x == name));
    let accumulators = Accumulators {
        year: Some(year as i32),
        admissions: acc.get("admissions").copied().unwrap_or(0),
        amounts: acc
            .iter()
            .filter(|(k, _)| *k != "admissions" && known(k))
            .map(|(k, val)| (k.clone(), Fen(*val)))
            .collect(),
    };
    let diag: Vec<Value> = serde_json::from_str(&v.diagnoses).unwrap_or_default();
    let req = SettleRequest {
        person: Person {
            psn_no: p.psn_no.clone(),
            psn_name: p.psn_name.clone(),
            certno: p.certno.clone(),
            psn_cert_type: p.psn_cert_type.clone(),
            gend: p.gend.clone(),
            naty: p.naty.clone(),
            brdy: parse_date(&p.brdy).ok_or_else(|| GwError::new("人员出生日期无效"))?,
            insutype: v.insutype.clone(),
            psn_type,
            cvlserv_flag,
            enrollments: enrollments
                .iter()
                .map(|e| Enrollment {
                    insutype: e.insutype.clone(),
                    year: e.year as i32,
                    psn_insu_stas: e.psn_insu_stas.clone(),
                })
                .collect(),
            identities: identities
                .iter()
                .map(|i| Identity {
                    code: i.code.clone(),
                    begndate: parse_date(&i.begndate),
                    enddate: i.enddate.as_deref().and_then(parse_date),
                })
                .collect(),
            registered_diseases: diseases
                .iter()
                .filter(|d| d.enddate.as_deref().and_then(parse_date).is_none_or(|e| e >= begin))
                .map(|d| d.code.clone())
                .collect(),
            account_balance: Fen(balance),
            chosen_fixmedins_code: p.chosen_fixmedins_code.clone(),
        },
        accumulators,
        visit: Visit {
            mdtrt_id: v.mdtrt_id.clone(),
            fixmedins_code: v.fixmedins_code.clone(),
            fixmedins_name: c.inst.fixmedins_name.clone(),
            hosp_lv: c.inst.hosp_lv.clone(),
            med_type: v.med_type.clone(),
            begntime: begin,
            endtime: end,
            diagnoses: diag
                .iter()
                .filter_map(|d| {
                    Some(Diagnosis {
                        diag_code: d.get("diag_code")?.as_str()?.to_string(),
                        diag_name: d.get("diag_name").and_then(Value::as_str).unwrap_or_default().to_string(),
                    })
                })
                .collect(),
            opsp_dise_code: v.opsp_dise_code.clone(),
            acct_used_flag: acct_used_flag.to_string(),
            medfee_sumamt: None,
            fee_lines: lines
                .iter()
                .map(|l| FeeLine {
                    feedetl_sn: l.feedetl_sn.clone(),
                    med_list_codg: l.med_list_codg.clone(),
                    medins_list_codg: l.medins_list_codg.clone(),
                    name: String::new(),
                    pric: Price(l.pric),
                    cnt: Qty(l.cnt),
                    det_item_fee_sumamt: Fen(l.det_item_fee_sumamt),
                    hosp_appr_flag: l.hosp_appr_flag.clone(),
                })
                .collect(),
        },
    };
    Ok((req, version))
}

/// What 2206/2207 and 2303/2304 share: the visit, its lines, and the computed settlement.
struct Computed {
    policy: std::sync::Arc<Policy>,
    visit: std::sync::Arc<VisitCtx>,
    req: SettleRequest,
    settlement: Settlement,
    version: i64,
    /// 事中 findings of the lines settled, when the region screens at settlement (see [`crate::screening`]).
    fsi: Option<crate::screening::settle::SettleCheck>,
}

async fn compute(c: &Call<'_>) -> GwResult<Computed> {
    let d = c.node("data")?;
    let inpatient = matches!(c.env.infno.as_str(), "2303" | "2304");
    let psn_no = d.str("psn_no", 30)?;
    let mdtrt_id = d.str("mdtrt_id", 30)?;
    let insutype = d.code("insutype", 6, "险种", |x| c.known(kind::INSUTYPE, x))?;
    d.code("mdtrt_cert_type", 3, "就诊凭证类型", |x| c.known(kind::MDTRT_CERT_TYPE, x))?;
    let medfee_sumamt = d.amount("medfee_sumamt")?;
    let acct_used_flag = d.flag("acct_used_flag", "0")?;
    let psn_setlway = d.opt_str("psn_setlway", 6)?.unwrap_or_else(|| "01".to_string());
    if psn_setlway != "01" {
        return Err(GwError::new(format!("字段 data.psn_setlway：暂只支持按项目结算（01），收到“{psn_setlway}”")));
    }
    let mid = inpatient && d.flag("mid_setl_flag", "0")? == "1";
    let x = c.visit(&psn_no, &mdtrt_id).await?;
    let v = &x.row;
    match (inpatient, v.kind.as_str(), v.state.as_str()) {
        (false, "otp", "registered") | (true, "ipt", "discharged") => {}
        (true, "ipt", "admitted") if mid => {}
        (false, "ipt", _) => {
            return Err(GwError::new(format!("就诊 {mdtrt_id} 是住院就诊，请使用 2303/2304 住院结算")));
        }
        (true, "otp", _) => return Err(GwError::new(format!("就诊 {mdtrt_id} 是门诊就诊，请使用 2206/2207 门诊结算"))),
        (_, _, "settled") => return Err(GwError::new(format!("就诊 {mdtrt_id} 已结算，不能重复结算"))),
        (true, _, "admitted") => {
            return Err(GwError::new(format!(
                "就诊 {mdtrt_id} 尚未出院，请先办理 2402 出院（中途结算请置 mid_setl_flag=1）"
            )));
        }
        (_, _, s) => return Err(GwError::new(format!("就诊 {mdtrt_id} 当前状态为“{}”，不能结算", state_zh(s)))),
    }
    if v.insutype != insutype {
        return Err(GwError::new(format!("字段 data.insutype“{insutype}”与挂号/入院时的险种“{}”不一致", v.insutype)));
    }
    if let Some(m) = d.opt_str("med_type", 6)?
        && m != v.med_type
    {
        return Err(GwError::new(format!("字段 data.med_type“{m}”与就诊信息中的医疗类别“{}”不一致", v.med_type)));
    }
    c.check_agreement(&yibao_store::now_text()[..10])?;
    let lines = &x.uploaded;
    if lines.is_empty() {
        return Err(GwError::new(format!("就诊 {mdtrt_id} 没有待结算的费用明细，请先上传费用明细")));
    }
    let sum: Fen = lines.iter().map(|l| Fen(l.det_item_fee_sumamt)).sum();
    if sum != medfee_sumamt {
        return Err(GwError::new(format!("字段 data.medfee_sumamt {medfee_sumamt} 与已上传费用明细合计 {sum} 不符")));
    }
    let policy = c.policy()?;
    let (req, version) = build_request(c, &policy, v, lines, &acct_used_flag).await?;
    let s = yibao_core::settle(&policy, &req).map_err(|e| GwError::new(e.to_string()))?;
    check_stated(&d, &s)?;
    let fsi = crate::screening::settle::check(c, &policy, &x, lines).await?;
    Ok(Computed { policy, visit: x.clone(), req, settlement: s, version, fsi })
}

/// Later interface versions send the 2204 sums with the settlement; when present they must agree.
fn check_stated(d: &Obj<'_>, s: &Settlement) -> GwResult<()> {
    for (f, v) in [
        ("fulamt_ownpay_amt", s.fulamt_ownpay_amt),
        ("overlmt_selfpay", s.overlmt_selfpay),
        ("preselfpay_amt", s.preselfpay_amt),
        ("inscp_scp_amt", s.inscp_scp_amt),
    ] {
        if let Some(stated) = d.opt_amount(f)?
            && stated != v
        {
            return Err(GwError::new(format!("字段 data.{f} {stated} 与平台按费用明细计算的 {v} 不符")));
        }
    }
    Ok(())
}

/// The 2206/2207 output node, serialized straight from the structs; with the 事中 findings as `fsi_result` (a Yibao
/// extension, present only when the region flags findings at settlement and there are some).
fn output(
    setlinfo: &SetlInfo,
    setldetail: &[SetlDetail],
    fsi: Option<&[yibao_audit::fsi::JudgeResult]>,
) -> Box<serde_json::value::RawValue> {
    #[derive(serde::Serialize)]
    struct Out<'a> {
        setlinfo: &'a SetlInfo,
        setldetail: &'a [SetlDetail],
        #[serde(skip_serializing_if = "Option::is_none")]
        fsi_result: Option<&'a [yibao_audit::fsi::JudgeResult]>,
    }
    crate::raw(&Out { setlinfo, setldetail, fsi_result: fsi.filter(|r| !r.is_empty()) })
}

pub async fn pre_settle(c: &Call<'_>) -> GwResult<Outcome> {
    let x = compute(c).await?;
    let ids = SetlIds {
        mdtrt_cert_type: x.visit.row.mdtrt_cert_type.clone(),
        medins_setl_id: c.env.msgid.clone(),
        ..SetlIds::default()
    };
    let info = setlinfo(&x.policy, &x.req, &x.settlement, &ids, false);
    let shown = x.fsi.as_ref().map(|f| f.result(&c.env.msgid));
    Ok(Outcome::read(output(&info, &setldetail(&x.policy, &x.settlement), shown.as_deref())))
}

fn delta_map(x: &Computed) -> BTreeMap<String, i64> {
    let scheme = &x.policy.schemes[x.settlement.scheme];
    let named = named_accumulators(scheme, x.settlement.year, &x.settlement.delta);
    let mut m: BTreeMap<String, i64> = named.amounts.iter().map(|(k, v)| (k.clone(), v.0)).collect();
    if named.admissions != 0 {
        m.insert("admissions".to_string(), named.admissions);
    }
    m
}

pub async fn settle(c: &Call<'_>) -> GwResult<Outcome> {
    let psn_no = c.node("data")?.str("psn_no", 30)?;
    let guard = c.gw.lock_person(&psn_no).await;
    let x = compute(c).await?;
    let s = &x.settlement;
    let setl_id = c.gw.ids.id('S');
    let setl_time = yibao_store::now_text();
    let ids = SetlIds {
        setl_id: setl_id.clone(),
        setl_time: setl_time.clone(),
        medins_setl_id: c.env.msgid.clone(),
        mdtrt_cert_type: x.visit.row.mdtrt_cert_type.clone(),
    };
    let info = setlinfo(&x.policy, &x.req, s, &ids, false);
    let details = setldetail(&x.policy, s);
    let shown = x.fsi.as_ref().map(|f| f.result(&setl_id));
    let out = output(&info, &details, shown.as_deref());
    let delta = delta_map(&x);
    let explanation = explain::render_zh(&x.policy, &x.req, s);
    let row = SettlementRow {
        psn_no: psn_no.clone(),
        setl_id: setl_id.clone(),
        mdtrt_id: x.visit.row.mdtrt_id.clone(),
        fixmedins_code: c.inst.fixmedins_code.clone(),
        insutype: x.visit.row.insutype.clone(),
        year: i64::from(s.year),
        med_type: x.visit.row.med_type.clone(),
        kind: "settle".to_string(),
        reverses: None,
        reversed_by: None,
        setl_time: setl_time.clone(),
        msgid: c.env.msgid.clone(),
        policy_version: format!("{}@{}", x.policy.admdvs, x.policy.version),
        medfee_sumamt: s.medfee_sumamt.0,
        fulamt_ownpay_amt: s.fulamt_ownpay_amt.0,
        overlmt_selfpay: s.overlmt_selfpay.0,
        preselfpay_amt: s.preselfpay_amt.0,
        inscp_scp_amt: s.inscp_scp_amt.0,
        act_pay_dedc: s.act_pay_dedc.0,
        hifp_pay: s.funds.hifp_pay.0,
        cvlserv_pay: s.funds.cvlserv_pay.0,
        hifes_pay: s.funds.hifes_pay.0,
        hifmi_pay: s.funds.hifmi_pay.0,
        hifob_pay: s.funds.hifob_pay.0,
        maf_pay: s.funds.maf_pay.0,
        hifdm_pay: s.funds.hifdm_pay.0,
        oth_pay: s.funds.oth_pay.0,
        fund_pay_sumamt: s.fund_pay_sumamt.0,
        psn_part_amt: s.psn_part_amt.0,
        acct_pay: s.acct_pay.0,
        psn_cash_pay: s.psn_cash_pay.0,
        hosp_part_amt: s.hosp_part_amt.0,
        balc: s.balc.0,
        output: out.get().to_string(),
        delta: serde_json::to_string(&delta).unwrap_or_default(),
        explanation: serde_json::to_string(&explanation).unwrap_or_default(),
        details: details.iter().map(detail_row).collect(),
    };
    let deltas: Vec<(String, i64)> = delta.into_iter().collect();
    let settled = Effect::Settled {
        psn_no: psn_no.clone(),
        year: i64::from(s.year),
        insutype: x.visit.row.insutype.clone(),
        deltas: deltas.clone(),
        account_delta: -s.acct_pay.0,
    };
    let mut ops = vec![
        Op::BumpPersonYear { psn_no: psn_no.clone(), year: i64::from(s.year), expected: x.version },
        Op::AddAccumulators {
            psn_no: psn_no.clone(),
            year: i64::from(s.year),
            insutype: x.visit.row.insutype.clone(),
            deltas,
        },
    ];
    if s.acct_pay.0 != 0 {
        ops.push(Op::AdjustAccount { psn_no: psn_no.clone(), delta: -s.acct_pay.0 });
    }
    ops.push(Op::InsertSettlement(Box::new(row)));
    // Held money (剔除待查) is committed with the settlement it is held from, or not at all.
    if let Some(f) = &x.fsi {
        ops.extend(f.ops(c, &setl_id));
    }
    ops.push(Op::SettleFeeLines {
        psn_no: psn_no.clone(),
        mdtrt_id: x.visit.row.mdtrt_id.clone(),
        setl_id: setl_id.clone(),
    });
    let v = &x.visit.row;
    // 中途结算 keeps the stay open with no unsettled lines; any other settlement closes the visit.
    let after = if v.kind == "ipt" && v.state == "admitted" {
        let mut open = changed(&x.visit, |_| {});
        open.uploaded.clear();
        Effect::PutVisit(Box::new(open))
    } else {
        ops.push(Op::VisitState {
            psn_no: psn_no.clone(),
            mdtrt_id: v.mdtrt_id.clone(),
            from: v.state.clone(),
            to: "settled".into(),
            endtime: None,
        });
        Effect::DropVisit { psn_no: psn_no.clone(), mdtrt_id: v.mdtrt_id.clone() }
    };
    let mut o = Outcome::change(out, ops, psn_no, vec![settled, after]).touching(v);
    o.guard = Some(guard);
    Ok(o)
}

fn detail_row(d: &SetlDetail) -> SetlDetailRow {
    SetlDetailRow {
        fund_pay_type: d.fund_pay_type.clone(),
        fund_payamt: d.fund_payamt.0,
        inscp_scp_amt: d.inscp_scp_amt.0,
        crt_payb_lmt_amt: d.crt_payb_lmt_amt.map(|f| f.0),
    }
}

pub async fn reverse(c: &Call<'_>) -> GwResult<Outcome> {
    let d = c.node("data")?;
    let psn_no = d.str("psn_no", 30)?;
    let setl_id = d.str("setl_id", 30)?;
    let mdtrt_id = d.str("mdtrt_id", 30)?;
    let guard = c.gw.lock_person(&psn_no).await;
    let orig =
        c.gw.store
            .settlement(&psn_no, &setl_id)
            .await
            .map_err(db)?
            .ok_or_else(|| GwError::new(format!("结算ID setl_id“{setl_id}”不存在（或不属于人员 {psn_no}）")))?;
    if orig.fixmedins_code != c.inst.fixmedins_code {
        return Err(GwError::new(format!("结算ID setl_id“{setl_id}”不属于本机构")));
    }
    if orig.mdtrt_id != mdtrt_id {
        return Err(GwError::new(format!("字段 data.mdtrt_id“{mdtrt_id}”与结算 {setl_id} 的就诊ID不一致")));
    }
    if orig.kind != "settle" {
        return Err(GwError::new(format!("结算ID {setl_id} 本身是一笔撤销记录，不能再撤销")));
    }
    if let Some(by) = &orig.reversed_by {
        return Err(GwError::new(format!("结算 {setl_id} 已于撤销记录 {by} 中撤销，不能重复撤销")));
    }
    let x = c.visit(&psn_no, &mdtrt_id).await?;
    let v = &x.row;
    let inpatient = c.env.infno == "2305";
    if inpatient != (v.kind == "ipt") {
        return Err(GwError::new(if inpatient {
            "这是门诊结算，请使用 2208 撤销"
        } else {
            "这是住院结算，请使用 2305 撤销"
        }));
    }
    let version = c.person(&psn_no).await?.version(orig.year);
    let delta: BTreeMap<String, i64> =
        serde_json::from_str(&orig.delta).map_err(|_| GwError::new("原结算的累计变化无法读取"))?;
    let new_id = c.gw.ids.id('S');
    let setl_time = yibao_store::now_text();
    let stored: Value = serde_json::from_str(&orig.output).unwrap_or_default();
    let mut info: SetlInfo = serde_json::from_value(stored["setlinfo"].clone())
        .map_err(|e| GwError::new(format!("原结算信息无法读取：{e}")))?;
    let mut details: Vec<SetlDetail> = serde_json::from_value(stored["setldetail"].clone()).unwrap_or_default();
    negate_info(&mut info, &new_id, &setl_time, &c.env.msgid);
    for x in &mut details {
        x.fund_payamt = -x.fund_payamt;
    }
    let out = output(&info, &details, None);
    let neg = |v: i64| -v;
    let row = SettlementRow {
        setl_id: new_id.clone(),
        kind: "reverse".to_string(),
        reverses: Some(setl_id.clone()),
        reversed_by: None,
        setl_time,
        msgid: c.env.msgid.clone(),
        medfee_sumamt: neg(orig.medfee_sumamt),
        fulamt_ownpay_amt: neg(orig.fulamt_ownpay_amt),
        overlmt_selfpay: neg(orig.overlmt_selfpay),
        preselfpay_amt: neg(orig.preselfpay_amt),
        inscp_scp_amt: neg(orig.inscp_scp_amt),
        act_pay_dedc: neg(orig.act_pay_dedc),
        hifp_pay: neg(orig.hifp_pay),
        cvlserv_pay: neg(orig.cvlserv_pay),
        hifes_pay: neg(orig.hifes_pay),
        hifmi_pay: neg(orig.hifmi_pay),
        hifob_pay: neg(orig.hifob_pay),
        maf_pay: neg(orig.maf_pay),
        hifdm_pay: neg(orig.hifdm_pay),
        oth_pay: neg(orig.oth_pay),
        fund_pay_sumamt: neg(orig.fund_pay_sumamt),
        psn_part_amt: neg(orig.psn_part_amt),
        acct_pay: neg(orig.acct_pay),
        psn_cash_pay: neg(orig.psn_cash_pay),
        hosp_part_amt: neg(orig.hosp_part_amt),
        balc: orig.balc + orig.acct_pay,
        output: out.get().to_string(),
        delta: serde_json::to_string(&delta.iter().map(|(k, v)| (k.clone(), -v)).collect::<BTreeMap<_, _>>())
            .unwrap_or_default(),
        explanation: json!([format!("撤销结算 {setl_id}：各项基金、个人账户与年度累计按原结算金额退回。")]).to_string(),
        details: details.iter().map(detail_row).collect(),
        ..orig.clone()
    };
    let mut ops = vec![
        Op::MarkReversed { psn_no: psn_no.clone(), setl_id: setl_id.clone(), reversed_by: new_id.clone() },
        Op::BumpPersonYear { psn_no: psn_no.clone(), year: orig.year, expected: version },
        Op::AddAccumulators {
            psn_no: psn_no.clone(),
            year: orig.year,
            insutype: orig.insutype.clone(),
            deltas: delta.iter().map(|(k, v)| (k.clone(), -v)).collect(),
        },
    ];
    if orig.acct_pay != 0 {
        ops.push(Op::AdjustAccount { psn_no: psn_no.clone(), delta: orig.acct_pay });
    }
    ops.push(Op::InsertSettlement(Box::new(row)));
    ops.push(Op::UnsettleFeeLines { psn_no: psn_no.clone(), mdtrt_id: mdtrt_id.clone(), setl_id: setl_id.clone() });
    let back = if v.kind == "ipt" { if v.endtime.is_some() { "discharged" } else { "admitted" } } else { "registered" };
    if v.state == "settled" {
        ops.push(Op::VisitState {
            psn_no: psn_no.clone(),
            mdtrt_id: mdtrt_id.clone(),
            from: "settled".into(),
            to: back.into(),
            endtime: None,
        });
    }
    let effects = vec![
        Effect::Settled {
            psn_no: psn_no.clone(),
            year: orig.year,
            insutype: orig.insutype.clone(),
            deltas: delta.iter().map(|(k, v)| (k.clone(), -v)).collect(),
            account_delta: orig.acct_pay,
        },
        // The visit's lines come back as uploaded: read it again from the ledger.
        Effect::DropVisit { psn_no: psn_no.clone(), mdtrt_id: mdtrt_id.clone() },
    ];
    let mut o = Outcome::change(out, ops, psn_no, effects).touching(v);
    o.guard = Some(guard);
    Ok(o)
}

/// Turns a settlement's setlinfo into its reversal's: a new id and time, every amount negated, the account given back.
fn negate_info(i: &mut SetlInfo, setl_id: &str, setl_time: &str, msgid: &str) {
    i.setl_id = setl_id.to_string();
    i.setl_time = setl_time.to_string();
    i.medins_setl_id = msgid.to_string();
    i.balc += i.acct_pay;
    for f in [
        &mut i.medfee_sumamt,
        &mut i.fulamt_ownpay_amt,
        &mut i.overlmt_selfpay,
        &mut i.preselfpay_amt,
        &mut i.inscp_scp_amt,
        &mut i.act_pay_dedc,
        &mut i.hifp_pay,
        &mut i.cvlserv_pay,
        &mut i.hifes_pay,
        &mut i.hifmi_pay,
        &mut i.hifob_pay,
        &mut i.maf_pay,
        &mut i.hifdm_pay,
        &mut i.oth_pay,
        &mut i.fund_pay_sumamt,
        &mut i.psn_part_amt,
        &mut i.acct_pay,
        &mut i.psn_cash_pay,
        &mut i.hosp_part_amt,
        &mut i.acct_mulaid_pay,
    ] {
        *f = -*f;
    }
}
