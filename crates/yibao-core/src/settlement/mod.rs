//! One-stop settlement: validate the request, classify the lines, run the fund cascade, split the personal share
//! between account and cash, and return every figure with its explanation and the accumulator delta.

pub mod cascade;
pub mod classify;
pub mod context;
pub mod request;

use serde::Serialize;

pub use cascade::{BandPart, LayerCalc, LimitKind};
pub use classify::{LineNote, LineResult};
pub use request::{Accumulators, FeeLine, Person, SettleRequest, Visit};

use crate::codes::kind;
use crate::money::{Fen, Ratio, line_amount};
use crate::policy::{FundField, Payer, Policy, Scheme};
use context::VisitCtx;

/// Why a settlement was refused. Messages are Chinese for the window and the HIS, with the field for developers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettleError {
    #[error("{zh}（字段 {field}）")]
    Invalid { field: String, zh: String },
    #[error("未找到险种 {insutype} 在 {date} 适用的政策版本，请确认就医日期或联系医保经办机构")]
    PolicyNotFound { insutype: String, date: String },
    #[error("参保人 {year} 年度未参加险种 {insutype}（或参保状态非正常），不能享受待遇")]
    NotInsured { insutype: String, year: i32 },
    #[error("{layer}：无适用于医疗类别 {med_type}、医院等级 {hosp_lv} 的待遇")]
    NoBenefit { layer: String, med_type: String, hosp_lv: String },
    #[error(
        "{layer}（{benefit}）：医院等级 {hosp_lv}、人员类别 {psn_type} 不在{what}表的范围内，本机构等级不在待遇范围"
    )]
    LevelNotCovered { layer: String, benefit: String, what: &'static str, hosp_lv: String, psn_type: String },
    #[error("累计值“{key}”不属于本险种政策（可用：{known}）")]
    UnknownAccumulator { key: String, known: String },
    #[error("结算恒等式不成立：{0}（系统错误，请报告）")]
    Identity(String),
}

impl SettleError {
    fn invalid(field: impl Into<String>, zh: impl Into<String>) -> SettleError {
        SettleError::Invalid { field: field.into(), zh: zh.into() }
    }
}

/// Per-column fund totals of setlinfo.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FundTotals {
    pub hifp_pay: Fen,
    pub cvlserv_pay: Fen,
    pub hifes_pay: Fen,
    pub hifmi_pay: Fen,
    pub hifob_pay: Fen,
    pub maf_pay: Fen,
    pub hifdm_pay: Fen,
    pub oth_pay: Fen,
}

impl FundTotals {
    fn add(&mut self, f: FundField, v: Fen) {
        *match f {
            FundField::HifpPay => &mut self.hifp_pay,
            FundField::CvlservPay => &mut self.cvlserv_pay,
            FundField::HifesPay => &mut self.hifes_pay,
            FundField::HifmiPay => &mut self.hifmi_pay,
            FundField::HifobPay => &mut self.hifob_pay,
            FundField::MafPay => &mut self.maf_pay,
            FundField::HifdmPay => &mut self.hifdm_pay,
            FundField::OthPay => &mut self.oth_pay,
        } += v;
    }
    pub fn sum(&self) -> Fen {
        self.hifp_pay
            + self.cvlserv_pay
            + self.hifes_pay
            + self.hifmi_pay
            + self.hifob_pay
            + self.maf_pay
            + self.hifdm_pay
            + self.oth_pay
    }
}

/// How the personal share was split between account and cash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AccountCalc {
    pub used: bool,
    pub balance_before: Fen,
    /// The part of the personal share the account may pay.
    pub payable: Fen,
    pub pay: Fen,
}

/// The result of one settlement, before it is shaped into setlinfo/setldetail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Settlement {
    #[serde(skip)]
    pub scheme: usize,
    pub year: i32,
    pub lines: Vec<LineResult>,
    pub medfee_sumamt: Fen,
    pub fulamt_ownpay_amt: Fen,
    pub overlmt_selfpay: Fen,
    pub preselfpay_amt: Fen,
    pub inscp_scp_amt: Fen,
    pub act_pay_dedc: Fen,
    pub pool_prop_selfpay: Ratio,
    pub funds: FundTotals,
    pub fund_pay_sumamt: Fen,
    pub hosp_part_amt: Fen,
    pub psn_part_amt: Fen,
    pub acct_pay: Fen,
    pub psn_cash_pay: Fen,
    pub balc: Fen,
    pub layers: Vec<LayerCalc>,
    pub account: AccountCalc,
    /// Change of each accumulator slot (see `Scheme::slots`); apply it to record, its negation to reverse.
    #[serde(skip)]
    pub delta: Vec<i64>,
}

impl Settlement {
    /// Checks the identities every settlement must satisfy, to the fen.
    pub fn check_identities(&self) -> Result<(), String> {
        let line_sum: Fen = self.lines.iter().map(|l| l.det_item_fee_sumamt).sum();
        let parts = self.fulamt_ownpay_amt + self.overlmt_selfpay + self.preselfpay_amt + self.inscp_scp_amt;
        let checks = [
            (line_sum == self.medfee_sumamt, "医疗费总额 = 各明细金额之和"),
            (parts == self.medfee_sumamt, "医疗费总额 = 全自费 + 超限价 + 先行自付 + 政策范围内"),
            (
                self.fund_pay_sumamt + self.psn_part_amt + self.hosp_part_amt == self.medfee_sumamt,
                "医疗费总额 = 基金支付 + 个人负担 + 医院负担",
            ),
            (self.acct_pay + self.psn_cash_pay == self.psn_part_amt, "个人负担 = 个人账户 + 现金"),
            (self.funds.sum() == self.fund_pay_sumamt, "基金支付总额 = 各基金支出之和"),
            (self.layers.iter().map(|l| l.pay).sum::<Fen>() == self.fund_pay_sumamt, "基金支付总额 = 各层支付之和"),
            (self.layers.iter().all(|l| l.pay.0 >= 0), "各基金支付不为负"),
            (self.acct_pay.0 >= 0 && self.acct_pay <= self.account.balance_before.max0(), "个人账户支付不超过余额"),
        ];
        match checks.iter().find(|(ok, _)| !ok) {
            Some((_, what)) => Err((*what).to_string()),
            None => Ok(()),
        }
    }
}

/// Resolves the request's accumulator names into the scheme's slots.
pub fn accumulator_slots(scheme: &Scheme, acc: &Accumulators) -> Result<Vec<i64>, SettleError> {
    let mut slots = vec![0i64; scheme.slots.len()];
    slots[scheme.admissions_slot] = acc.admissions;
    for (k, v) in &acc.amounts {
        match scheme.slots.iter().position(|s| s == k) {
            Some(i) if i != scheme.admissions_slot => slots[i] = v.0,
            _ => {
                return Err(SettleError::UnknownAccumulator {
                    key: k.clone(),
                    known: scheme.slots.iter().filter(|s| *s != "admissions").cloned().collect::<Vec<_>>().join("、"),
                });
            }
        }
    }
    Ok(slots)
}

/// Writes a slot vector (year totals or a delta) back as named accumulators, leaving out zeros.
pub fn named_accumulators(scheme: &Scheme, year: i32, slots: &[i64]) -> Accumulators {
    Accumulators {
        year: Some(year),
        admissions: slots[scheme.admissions_slot],
        amounts: scheme
            .slots
            .iter()
            .zip(slots)
            .enumerate()
            .filter(|(i, (_, v))| *i != scheme.admissions_slot && **v != 0)
            .map(|(_, (k, v))| (k.clone(), Fen(*v)))
            .collect(),
    }
}

/// Checks what the policy cannot: codes exist, lines add up, flags are flags.
pub fn validate(policy: &Policy, req: &SettleRequest) -> Result<(), SettleError> {
    validate_with(policy, req, true)
}

/// As [`validate`]; `whole_bill` false accepts a set of lines that nets negative (an upload of refund lines).
fn validate_with(policy: &Policy, req: &SettleRequest, whole_bill: bool) -> Result<(), SettleError> {
    let d = &policy.dict;
    let (p, v) = (&req.person, &req.visit);
    let code = |field: &str, k: &str, c: &str, what: &str| {
        let ok = if k == kind::PSN_TYPE { d.contains_psn_type(c) } else { d.contains(k, c) };
        if ok { Ok(()) } else { Err(SettleError::invalid(field, format!("{what}代码“{c}”不存在"))) }
    };
    if p.psn_no.trim().is_empty() {
        return Err(SettleError::invalid("person.psn_no", "人员编号不能为空"));
    }
    code("person.insutype", kind::INSUTYPE, &p.insutype, "险种")?;
    code("person.psn_type", kind::PSN_TYPE, &p.psn_type, "人员类别")?;
    code("person.gend", kind::GEND, &p.gend, "性别")?;
    code("visit.med_type", kind::MED_TYPE, &v.med_type, "医疗类别")?;
    code("visit.hosp_lv", kind::HOSP_LV, &v.hosp_lv, "医院等级")?;
    for (i, id) in p.identities.iter().enumerate() {
        if !d.contains(kind::IDENTITY, &id.code) {
            code(&format!("person.identities[{i}]"), kind::IDENTITY, &id.code, "人员身份类别")?;
        }
    }
    if !matches!(v.acct_used_flag.as_str(), "0" | "1") {
        return Err(SettleError::invalid("visit.acct_used_flag", "个人账户使用标志只能是 0 或 1"));
    }
    if p.brdy > v.begntime {
        return Err(SettleError::invalid("person.brdy", "出生日期晚于就诊日期"));
    }
    if v.endtime.is_some_and(|e| e < v.begntime) {
        return Err(SettleError::invalid("visit.endtime", "结束时间早于开始时间"));
    }
    if v.fee_lines.is_empty() {
        return Err(SettleError::invalid("visit.fee_lines", "没有费用明细，无法结算"));
    }
    let mut seen = rustc_hash::FxHashSet::with_capacity_and_hasher(v.fee_lines.len(), Default::default());
    let mut sum = Fen::ZERO;
    for (i, l) in v.fee_lines.iter().enumerate() {
        let f = |name: &str| format!("visit.fee_lines[{i}].{name}");
        if l.feedetl_sn.trim().is_empty() {
            return Err(SettleError::invalid(f("feedetl_sn"), format!("第 {} 条明细缺少费用明细流水号", i + 1)));
        }
        if !seen.insert(l.feedetl_sn.as_str()) {
            return Err(SettleError::invalid(f("feedetl_sn"), format!("费用明细流水号“{}”重复", l.feedetl_sn)));
        }
        if l.med_list_codg.trim().is_empty() {
            return Err(SettleError::invalid(f("med_list_codg"), format!("明细“{}”缺少医疗目录编码", l.feedetl_sn)));
        }
        if l.pric.0 < 0 {
            return Err(SettleError::invalid(f("pric"), format!("明细“{}”单价不能为负数", l.feedetl_sn)));
        }
        if l.cnt.0 == 0 {
            return Err(SettleError::invalid(f("cnt"), format!("明细“{}”数量不能为 0", l.feedetl_sn)));
        }
        let expect = line_amount(l.pric, l.cnt);
        if expect != l.det_item_fee_sumamt {
            return Err(SettleError::invalid(
                f("det_item_fee_sumamt"),
                format!(
                    "明细“{}”金额 {} 与单价 {} × 数量 {} = {} 不符",
                    l.feedetl_sn, l.det_item_fee_sumamt, l.pric, l.cnt, expect
                ),
            ));
        }
        sum += l.det_item_fee_sumamt;
    }
    if whole_bill && sum.0 < 0 {
        return Err(SettleError::invalid("visit.fee_lines", format!("明细合计 {sum} 为负数，无法结算")));
    }
    if let Some(total) = v.medfee_sumamt
        && total != sum
    {
        return Err(SettleError::invalid("visit.medfee_sumamt", format!("医疗费总额 {total} 与明细合计 {sum} 不符")));
    }
    Ok(())
}

/// The scheme period that applies to a request, after checking the person is insured that year.
fn scheme_of(policy: &Policy, req: &SettleRequest) -> Result<usize, SettleError> {
    let (person, visit) = (&req.person, &req.visit);
    let date = visit.settle_date();
    let year = visit.year();
    let si = policy
        .schemes
        .iter()
        .position(|s| s.insutype == person.insutype && s.from <= date && s.to.is_none_or(|t| date <= t))
        .ok_or_else(|| SettleError::PolicyNotFound { insutype: person.insutype.clone(), date: date.to_string() })?;
    if !person.enrollments.iter().any(|e| e.insutype == person.insutype && e.year == year && e.psn_insu_stas == "1") {
        return Err(SettleError::NotInsured { insutype: person.insutype.clone(), year });
    }
    Ok(si)
}

/// Classifies a request's lines only (what 2204/2301 answer), without settling.
pub fn classify(policy: &Policy, req: &SettleRequest) -> Result<Vec<LineResult>, SettleError> {
    validate_with(policy, req, false)?;
    let scheme = &policy.schemes[scheme_of(policy, req)?];
    let ctx = VisitCtx::new(&req.person, &req.visit, &scheme.inpatient_med_types, req.accumulators.admissions);
    Ok(req.visit.fee_lines.iter().map(|l| classify::classify_line(l, &policy.catalogue, scheme, &ctx)).collect())
}

/// Settles a visit. Pure: reads the policy and the request, returns the settlement or why it was refused.
pub fn settle(policy: &Policy, req: &SettleRequest) -> Result<Settlement, SettleError> {
    validate(policy, req)?;
    let (person, visit) = (&req.person, &req.visit);
    let year = visit.year();
    let si = scheme_of(policy, req)?;
    let scheme = &policy.schemes[si];
    if let Some(y) = req.accumulators.year
        && y != year
    {
        return Err(SettleError::invalid("accumulators.year", format!("累计值年度 {y} 与结算年度 {year} 不一致")));
    }
    let acc = accumulator_slots(scheme, &req.accumulators)?;
    let ctx = VisitCtx::new(person, visit, &scheme.inpatient_med_types, acc[scheme.admissions_slot]);
    let mut s = settle_with(policy, scheme, &ctx, &acc)?;
    s.scheme = si;
    s.year = year;
    s.check_identities().map_err(SettleError::Identity)?;
    Ok(s)
}

fn settle_with(policy: &Policy, scheme: &Scheme, ctx: &VisitCtx, acc: &[i64]) -> Result<Settlement, SettleError> {
    let visit = ctx.visit;
    let mut lines = Vec::with_capacity(visit.fee_lines.len());
    let (mut total, mut fulamt, mut overlmt, mut pre, mut inscp) =
        (Fen::ZERO, Fen::ZERO, Fen::ZERO, Fen::ZERO, Fen::ZERO);
    for l in &visit.fee_lines {
        let r = classify::classify_line(l, &policy.catalogue, scheme, ctx);
        total += r.det_item_fee_sumamt;
        fulamt += r.fulamt_ownpay_amt;
        overlmt += r.overlmt_amt;
        pre += r.preselfpay_amt;
        inscp += r.inscp_scp_amt;
        lines.push(r);
    }
    if inscp.0 < 0 || pre.0 < 0 || overlmt.0 < 0 || fulamt.0 < 0 {
        return Err(SettleError::invalid(
            "visit.fee_lines",
            "退费明细多于对应的收费明细：政策范围内、先行自付、超限价或全自费金额合计为负数，无法结算",
        ));
    }
    let mut delta = vec![0i64; acc.len()];
    delta[scheme.admissions_slot] = i64::from(ctx.is_inpatient);
    let mut cascade = cascade::Cascade {
        scheme,
        acc,
        delta,
        inscp: inscp.max0(),
        preselfpay: pre.max0(),
        paid: Fen::ZERO,
        basic_deductible: Fen::ZERO,
        calcs: Vec::with_capacity(scheme.layers.len()),
    };
    cascade.run(ctx)?;
    let mut funds = FundTotals::default();
    for c in &cascade.calcs {
        funds.add(scheme.layers[usize::from(c.layer)].field, c.pay);
    }
    let basic = cascade.calcs.iter().find(|c| c.layer == 0);
    let fund_pay_sumamt = funds.sum();
    let hosp_part_amt = if scheme.overlimit_paid_by == Payer::Hospital { overlmt } else { Fen::ZERO };
    let psn_part_amt = total - fund_pay_sumamt - hosp_part_amt;
    let balance = ctx.person.account_balance;
    let account = match &scheme.account {
        Some(a) if visit.acct_used_flag == "1" => {
            let mut payable = psn_part_amt;
            if !a.pays_ownpay {
                payable -= fulamt;
            }
            if !a.pays_overlimit && hosp_part_amt.is_zero() {
                payable -= overlmt;
            }
            if !a.pays_preselfpay {
                payable -= pre;
            }
            let payable = payable.max0().min(psn_part_amt.max0());
            AccountCalc { used: true, balance_before: balance, payable, pay: payable.min(balance.max0()) }
        }
        _ => AccountCalc { used: false, balance_before: balance, payable: Fen::ZERO, pay: Fen::ZERO },
    };
    Ok(Settlement {
        scheme: 0,
        year: 0,
        lines,
        medfee_sumamt: total,
        fulamt_ownpay_amt: fulamt,
        overlmt_selfpay: overlmt,
        preselfpay_amt: pre,
        inscp_scp_amt: inscp,
        act_pay_dedc: cascade.basic_deductible,
        pool_prop_selfpay: basic.map_or(Ratio::ZERO, |b| b.ratio),
        funds,
        fund_pay_sumamt,
        hosp_part_amt,
        psn_part_amt,
        acct_pay: account.pay,
        psn_cash_pay: psn_part_amt - account.pay,
        balc: balance - account.pay,
        layers: cascade.calcs,
        account,
        delta: cascade.delta,
    })
}
