//! The national interface's output shapes: `setlinfo`, `setldetail[]` and the 2204/2301 per-line `result[]`.

use serde::{Deserialize, Serialize};

use crate::catalogue::Lv;
use crate::codes::mask_id;
use crate::money::{Fen, Price, Qty, Ratio};
use crate::policy::Policy;
use crate::settlement::context::age_on;
use crate::settlement::{LineResult, SettleRequest, Settlement};

/// The identifiers a settlement gets when it is recorded (empty for a pre-settlement).
#[derive(Debug, Clone, Default)]
pub struct SetlIds {
    pub setl_id: String,
    pub setl_time: String,
    pub medins_setl_id: String,
    pub mdtrt_cert_type: String,
}

/// `setlinfo` with every field of 2207/2304 (nhsa_interface.md §2.3), in the interface's spelling.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetlInfo {
    pub mdtrt_id: String,
    pub setl_id: String,
    pub psn_no: String,
    pub psn_name: String,
    pub psn_cert_type: String,
    pub certno: String,
    pub gend: String,
    pub naty: String,
    pub brdy: String,
    pub age: u32,
    pub insutype: String,
    pub psn_type: String,
    pub cvlserv_flag: String,
    pub setl_time: String,
    pub mdtrt_cert_type: String,
    pub med_type: String,
    pub medfee_sumamt: Fen,
    pub fulamt_ownpay_amt: Fen,
    pub overlmt_selfpay: Fen,
    pub preselfpay_amt: Fen,
    pub inscp_scp_amt: Fen,
    pub act_pay_dedc: Fen,
    pub hifp_pay: Fen,
    pub pool_prop_selfpay: Ratio,
    pub cvlserv_pay: Fen,
    pub hifes_pay: Fen,
    pub hifmi_pay: Fen,
    pub hifob_pay: Fen,
    pub maf_pay: Fen,
    pub hifdm_pay: Fen,
    pub oth_pay: Fen,
    pub fund_pay_sumamt: Fen,
    pub psn_part_amt: Fen,
    pub acct_pay: Fen,
    pub psn_cash_pay: Fen,
    pub hosp_part_amt: Fen,
    pub balc: Fen,
    pub acct_mulaid_pay: Fen,
    pub medins_setl_id: String,
    pub clr_optins: String,
    pub clr_way: String,
    pub clr_type: String,
}

/// One fund's row of `setldetail`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetlDetail {
    pub fund_pay_type: String,
    pub fund_pay_type_name: String,
    pub inscp_scp_amt: Fen,
    pub crt_payb_lmt_amt: Option<Fen>,
    pub fund_payamt: Fen,
    pub setl_proc_info: String,
}

/// One row of the 2204/2301 `result`.
#[derive(Debug, Clone, Serialize)]
pub struct FeeResult {
    pub feedetl_sn: String,
    pub det_item_fee_sumamt: Fen,
    pub cnt: Qty,
    pub pric: Price,
    pub pric_uplmt_amt: Option<Price>,
    pub selfpay_prop: Ratio,
    pub fulamt_ownpay_amt: Fen,
    pub overlmt_amt: Fen,
    pub preselfpay_amt: Fen,
    pub inscp_scp_amt: Fen,
    pub chrgitm_lv: Lv,
    pub med_chrgitm_type: Option<String>,
    pub lmt_used_flag: String,
    pub memo: Option<String>,
}

/// Builds `setlinfo`. `mask` hides the ID number and name (for lists and logs).
pub fn setlinfo(policy: &Policy, req: &SettleRequest, s: &Settlement, ids: &SetlIds, mask: bool) -> SetlInfo {
    let (p, v) = (&req.person, &req.visit);
    // 清算类别 follows the visit: 21 住院 for the inpatient med_types, 11 门诊 otherwise.
    let inpatient = policy.schemes[s.scheme].inpatient_med_types.contains(&v.med_type);
    let clr_type = if inpatient { "21" } else { "11" }.to_string();
    SetlInfo {
        mdtrt_id: v.mdtrt_id.clone(),
        setl_id: ids.setl_id.clone(),
        psn_no: p.psn_no.clone(),
        psn_name: if mask { crate::codes::mask_name(&p.psn_name) } else { p.psn_name.clone() },
        psn_cert_type: p.psn_cert_type.clone(),
        certno: if mask { mask_id(&p.certno) } else { p.certno.clone() },
        gend: p.gend.clone(),
        naty: p.naty.clone(),
        brdy: p.brdy.to_string(),
        age: age_on(p.brdy, v.begntime),
        insutype: p.insutype.clone(),
        psn_type: p.psn_type.clone(),
        cvlserv_flag: p.cvlserv_flag.clone(),
        setl_time: ids.setl_time.clone(),
        mdtrt_cert_type: ids.mdtrt_cert_type.clone(),
        med_type: v.med_type.clone(),
        medfee_sumamt: s.medfee_sumamt,
        fulamt_ownpay_amt: s.fulamt_ownpay_amt,
        overlmt_selfpay: s.overlmt_selfpay,
        preselfpay_amt: s.preselfpay_amt,
        inscp_scp_amt: s.inscp_scp_amt,
        act_pay_dedc: s.act_pay_dedc,
        hifp_pay: s.funds.hifp_pay,
        pool_prop_selfpay: s.pool_prop_selfpay,
        cvlserv_pay: s.funds.cvlserv_pay,
        hifes_pay: s.funds.hifes_pay,
        hifmi_pay: s.funds.hifmi_pay,
        hifob_pay: s.funds.hifob_pay,
        maf_pay: s.funds.maf_pay,
        hifdm_pay: s.funds.hifdm_pay,
        oth_pay: s.funds.oth_pay,
        fund_pay_sumamt: s.fund_pay_sumamt,
        psn_part_amt: s.psn_part_amt,
        acct_pay: s.acct_pay,
        psn_cash_pay: s.psn_cash_pay,
        hosp_part_amt: s.hosp_part_amt,
        balc: s.balc,
        acct_mulaid_pay: Fen::ZERO,
        medins_setl_id: ids.medins_setl_id.clone(),
        clr_optins: policy.admdvs.clone(),
        clr_way: "1".to_string(),
        clr_type,
    }
}

/// Builds `setldetail`: one row per fund that paid, then the account and the hospital's share.
pub fn setldetail(policy: &Policy, s: &Settlement) -> Vec<SetlDetail> {
    let scheme = &policy.schemes[s.scheme];
    let mut rows: Vec<SetlDetail> = s
        .layers
        .iter()
        .filter(|c| !c.pay.is_zero())
        .map(|c| {
            let l = &scheme.layers[usize::from(c.layer)];
            let b = &l.benefits[usize::from(c.benefit)];
            #[derive(Serialize)]
            #[serde(rename_all = "camelCase")]
            struct ProcInfo<'a> {
                pol_item_code: String,
                pol_item_name: &'a str,
                base: Fen,
                dedc: Fen,
                pay: Fen,
            }
            let info = [ProcInfo {
                pol_item_code: format!("{}.{}", l.id, b.id),
                pol_item_name: &b.name,
                base: c.base,
                dedc: c.deductible_consumed,
                pay: c.pay,
            }];
            let info = serde_json::to_string(&info).unwrap_or_default();
            SetlDetail {
                fund_pay_type: l.fund_pay_type.clone(),
                fund_pay_type_name: l.fund_pay_type_name.clone(),
                inscp_scp_amt: c.base,
                crt_payb_lmt_amt: c.limit_left,
                fund_payamt: c.pay,
                setl_proc_info: info,
            }
        })
        .collect();
    if !s.acct_pay.is_zero() {
        let code = scheme.account.as_ref().map_or("310200", |a| a.fund_pay_type.as_str());
        rows.push(SetlDetail {
            fund_pay_type: code.to_string(),
            fund_pay_type_name: policy.dict.label_or_code(crate::codes::kind::FUND_PAY_TYPE, code).to_string(),
            inscp_scp_amt: s.inscp_scp_amt,
            crt_payb_lmt_amt: Some(s.account.balance_before),
            fund_payamt: s.acct_pay,
            setl_proc_info: String::new(),
        });
    }
    if !s.hosp_part_amt.is_zero() {
        rows.push(SetlDetail {
            fund_pay_type: "999996".to_string(),
            fund_pay_type_name: policy.dict.label_or_code(crate::codes::kind::FUND_PAY_TYPE, "999996").to_string(),
            inscp_scp_amt: s.inscp_scp_amt,
            crt_payb_lmt_amt: None,
            fund_payamt: s.hosp_part_amt,
            setl_proc_info: String::new(),
        });
    }
    rows
}

/// Builds the per-line `result` rows of 2204/2301.
pub fn fee_results(policy: &Policy, req: &SettleRequest, lines: &[LineResult]) -> Vec<FeeResult> {
    req.visit
        .fee_lines
        .iter()
        .zip(lines)
        .map(|(l, r)| FeeResult {
            feedetl_sn: l.feedetl_sn.clone(),
            det_item_fee_sumamt: r.det_item_fee_sumamt,
            cnt: l.cnt,
            pric: l.pric,
            pric_uplmt_amt: r.pric_uplmt_amt,
            selfpay_prop: r.selfpay_prop,
            fulamt_ownpay_amt: r.fulamt_ownpay_amt,
            overlmt_amt: r.overlmt_amt,
            preselfpay_amt: r.preselfpay_amt,
            inscp_scp_amt: r.inscp_scp_amt,
            chrgitm_lv: r.chrgitm_lv,
            med_chrgitm_type: policy.catalogue.get(&l.med_list_codg).and_then(|i| i.category.clone()),
            lmt_used_flag: if r.lmt_used_flag { "1" } else { "0" }.to_string(),
            memo: match r.note {
                crate::settlement::LineNote::NotInCatalogue => Some("目录外项目".to_string()),
                crate::settlement::LineNote::ClassC => Some("丙类项目".to_string()),
                crate::settlement::LineNote::RestrictedSex
                | crate::settlement::LineNote::RestrictedAge
                | crate::settlement::LineNote::RestrictedHospLv
                | crate::settlement::LineNote::RestrictedMedType => Some("超限定范围使用".to_string()),
                _ => None,
            },
        })
        .collect()
}

/// Where the policy came from, for the record.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyRef {
    pub admdvs: String,
    pub version: String,
    pub insutype: String,
    pub scheme: String,
    pub from: chrono::NaiveDate,
    pub to: Option<chrono::NaiveDate>,
}

/// The explanation, as text and as the structured figures behind it.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation<'a> {
    pub text: Vec<String>,
    pub layers: &'a [crate::settlement::LayerCalc],
    pub account: &'a crate::settlement::AccountCalc,
}

/// Accumulators before, the change, and after.
#[derive(Debug, Clone, Serialize)]
pub struct AccumulatorView {
    pub before: crate::settlement::Accumulators,
    pub delta: crate::settlement::Accumulators,
    pub after: crate::settlement::Accumulators,
}

/// The whole printed settlement: interface shapes plus explanation and accumulators.
#[derive(Debug, Clone, Serialize)]
pub struct SettleOutput<'a> {
    pub policy: PolicyRef,
    pub setlinfo: SetlInfo,
    pub setldetail: Vec<SetlDetail>,
    pub result: Vec<FeeResult>,
    pub explanation: Explanation<'a>,
    pub accumulators: AccumulatorView,
}

impl<'a> SettleOutput<'a> {
    /// Assembles the output of a settlement made from `req` (whose accumulators are the "before").
    pub fn build(
        policy: &Policy,
        req: &SettleRequest,
        s: &'a Settlement,
        ids: &SetlIds,
        mask: bool,
    ) -> SettleOutput<'a> {
        use crate::settlement::{accumulator_slots, named_accumulators};
        let scheme = &policy.schemes[s.scheme];
        let before = accumulator_slots(scheme, &req.accumulators).unwrap_or_else(|_| vec![0; scheme.slots.len()]);
        let after: Vec<i64> = before.iter().zip(&s.delta).map(|(a, d)| a + d).collect();
        SettleOutput {
            policy: PolicyRef {
                admdvs: policy.admdvs.clone(),
                version: policy.version.clone(),
                insutype: scheme.insutype.clone(),
                scheme: scheme.name.clone(),
                from: scheme.from,
                to: scheme.to,
            },
            setlinfo: setlinfo(policy, req, s, ids, mask),
            setldetail: setldetail(policy, s),
            result: fee_results(policy, req, &s.lines),
            explanation: Explanation {
                text: crate::explain::render_zh(policy, req, s),
                layers: &s.layers,
                account: &s.account,
            },
            accumulators: AccumulatorView {
                before: named_accumulators(scheme, s.year, &before),
                delta: named_accumulators(scheme, s.year, &s.delta),
                after: named_accumulators(scheme, s.year, &after),
            },
        }
    }
}
