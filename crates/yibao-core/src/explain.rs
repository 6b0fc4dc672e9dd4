//! The Chinese explanation of a settlement: every figure with the rule, the parameters and the arithmetic behind it.

use std::fmt::Write;

use crate::money::Fen;
use crate::policy::{BaseKind, Policy, Scope};
use crate::settlement::{LayerCalc, LimitKind, LineNote, SettleRequest, Settlement};

/// Renders the explanation, one sentence per line, in the order the money flows.
pub fn render_zh(policy: &Policy, req: &SettleRequest, s: &Settlement) -> Vec<String> {
    let scheme = &policy.schemes[s.scheme];
    let mut out = Vec::with_capacity(s.layers.len() + 6);
    out.push(format!(
        "医疗费总额 {} 元：全自费 {} 元，超限价自费 {} 元，先行自付 {} 元，政策范围内费用 {} 元。",
        s.medfee_sumamt.grouped(),
        s.fulamt_ownpay_amt.grouped(),
        s.overlmt_selfpay.grouped(),
        s.preselfpay_amt.grouped(),
        s.inscp_scp_amt.grouped()
    ));
    for (l, r) in req.visit.fee_lines.iter().zip(&s.lines) {
        let why = match r.note {
            LineNote::NotInCatalogue => Some(""),
            LineNote::ClassC => Some("丙类项目，全部自费"),
            LineNote::RestrictedSex => Some("限性别使用的项目，与患者性别不符且无医院审批，全部自费"),
            LineNote::RestrictedAge => Some("限年龄使用的项目，患者年龄不符且无医院审批，全部自费"),
            LineNote::RestrictedHospLv => Some("限医院等级使用的项目，本机构等级不符且无医院审批，全部自费"),
            LineNote::RestrictedMedType => Some("限医疗类别使用的项目，本次医疗类别不符且无医院审批，全部自费"),
            LineNote::None | LineNote::Override(_) => None,
        };
        let overridden = match r.note {
            LineNote::Override(i) if r.preselfpay_amt.is_zero() => scheme.preselfpay_overrides.get(usize::from(i)),
            _ => None,
        };
        if why.is_none() && r.overlmt_amt.is_zero() && r.preselfpay_amt.is_zero() && overridden.is_none() {
            continue;
        }
        let name = policy.catalogue.get(&l.med_list_codg).map_or(l.name.as_str(), |i| i.name.as_str());
        let mut t = String::with_capacity(224);
        let _ = write!(
            t,
            "明细 {}「{}」{} 元：",
            l.feedetl_sn,
            if name.is_empty() { &l.med_list_codg } else { name },
            r.det_item_fee_sumamt.grouped()
        );
        let mut sep = "";
        match why {
            Some("") => {
                let _ = write!(t, "编码 {} 不在医保目录内，全部自费", l.med_list_codg);
                sep = "；";
            }
            Some(w) => {
                t.push_str(w);
                sep = "；";
            }
            None => {}
        }
        if !r.overlmt_amt.is_zero() {
            let cap = r.pric_uplmt_amt.unwrap_or_default();
            let _ = write!(
                t,
                "{sep}单价 {} 元超过最高限价 {} 元，超限价部分 ({} − {}) × {} = {} 元自付",
                l.pric,
                cap,
                l.pric,
                cap,
                l.cnt,
                r.overlmt_amt.grouped()
            );
            sep = "；";
        }
        if !r.preselfpay_amt.is_zero() {
            let pct = r.selfpay_prop.percent();
            let _ = write!(
                t,
                "{sep}{}先行自付 {pct}：{} × {pct} = {} 元",
                r.chrgitm_lv.name_zh(),
                (r.det_item_fee_sumamt - r.overlmt_amt).grouped(),
                r.preselfpay_amt.grouped()
            );
        } else if let Some(o) = overridden {
            let _ = write!(t, "{sep}按“{}”先行自付比例为 {}", o.name, o.selfpay_prop.percent());
        }
        t.push('。');
        out.push(t);
    }
    for c in &s.layers {
        out.push(layer_sentence(policy, s, c));
    }
    if !s.hosp_part_amt.is_zero() {
        out.push(format!("超限价费用 {} 元由医院负担。", s.hosp_part_amt.grouped()));
    }
    out.push(format!(
        "基金支付合计 {} 元（实际报销比 {}）；个人负担 {} 元。",
        s.fund_pay_sumamt.grouped(),
        percent_of(s.fund_pay_sumamt, s.medfee_sumamt),
        s.psn_part_amt.grouped()
    ));
    let a = &s.account;
    out.push(if a.used {
        format!(
            "个人账户余额 {} 元，可由账户支付的部分 {} 元，账户支付 {} 元，余额 {} 元；现金支付 {} 元。",
            a.balance_before.grouped(),
            a.payable.grouped(),
            s.acct_pay.grouped(),
            s.balc.grouped(),
            s.psn_cash_pay.grouped()
        )
    } else {
        format!("未使用个人账户，现金支付 {} 元。", s.psn_cash_pay.grouped())
    });
    out
}

fn percent_of(part: Fen, whole: Fen) -> String {
    if whole.0 <= 0 {
        return "—".to_string();
    }
    // Two decimals of a percent, half-up.
    let bp = crate::money::round_div(i128::from(part.0) * 10_000, i128::from(whole.0));
    format!("{}.{:02}%", bp / 100, (bp % 100).abs())
}

fn layer_sentence(policy: &Policy, s: &Settlement, c: &LayerCalc) -> String {
    let scheme = &policy.schemes[s.scheme];
    let layer = &scheme.layers[usize::from(c.layer)];
    let b = &layer.benefits[usize::from(c.benefit)];
    let mut t = String::with_capacity(512);
    let _ = write!(t, "{}（{}）：", layer.name, b.name);
    if !c.adjusts.is_empty() {
        let names: Vec<&str> = c.adjusts.iter().map(|&i| b.adjust[usize::from(i)].name.as_str()).collect();
        let _ = write!(t, "按{}调整，", names.join("、"));
    }
    let pre = if c.preselfpay_added.is_zero() {
        String::new()
    } else {
        format!("（含先行自付 {} 元）", c.preselfpay_added.grouped())
    };
    match c.base_kind {
        BaseKind::InRange => {
            let _ = write!(t, "政策范围内费用 {} 元{pre}", c.base.grouped());
        }
        BaseKind::PersonalBurden => {
            let mut how = format!("政策范围内费用 {} 元", c.inscp.grouped());
            if !c.preselfpay_added.is_zero() {
                let _ = write!(how, " + 先行自付 {} 元", c.preselfpay_added.grouped());
            }
            if !c.prior_paid.is_zero() {
                let _ = write!(how, " − 前面各项基金已支付 {} 元", c.prior_paid.grouped());
            }
            if !c.deductible_removed.is_zero() {
                let _ = write!(how, " − 基本医保起付线 {} 元", c.deductible_removed.grouped());
            }
            let _ = write!(t, "政策范围内个人负担 {} 元（{how}）", c.base.grouped());
        }
        BaseKind::AboveCap => {
            let prev = b.above_cap_of.map_or("上一层基金", |i| scheme.layers[i].name.as_str());
            let prev_paid = s.layers.iter().find(|l| Some(usize::from(l.layer)) == b.above_cap_of).map(|l| l.pay);
            match c.cap_point {
                Some(_) if prev_paid == Some(Fen::ZERO) => {
                    let _ = write!(t, "{prev}本年封顶线此前已用完，起付线以上费用 {} 元", c.base.grouped());
                }
                Some(p) => {
                    let _ = write!(
                        t,
                        "{prev}在费用累计到 {} 元时达到封顶线，超出部分 {} 元",
                        p.grouped(),
                        c.base.grouped()
                    );
                }
                None => {
                    let _ = write!(t, "{prev}未达到封顶线，本层无可支付费用");
                    return t + "：0.00 元。";
                }
            }
        }
    }
    if c.scope == Scope::Year {
        let _ = write!(t, "，本年累计由 {} 元增至 {} 元", c.axis_start.grouped(), c.axis_end().grouped());
    }
    if !c.deductible.is_zero() {
        if c.scope == Scope::Year {
            let _ = write!(
                t,
                "，年度起付线 {} 元（本次计入 {} 元）",
                c.deductible.grouped(),
                c.deductible_consumed.grouped()
            );
        } else if c.deductible_consumed < c.deductible {
            let _ = write!(t, "，未超过起付线 {} 元", c.deductible.grouped());
        } else {
            let _ = write!(t, "，扣除起付线 {} 元后", c.deductible.grouped());
        }
    }
    match c.bands.as_slice() {
        [] => t.push_str("，无可支付部分：0.00 元"),
        [one] if c.scope == Scope::Visit && one.from == c.deductible.max(c.axis_start) && one.to == c.axis_end() => {
            let sep = if !c.deductible.is_zero() && c.deductible_consumed == c.deductible { "" } else { "，" };
            let _ = write!(t, "{sep}按 {} 支付：{} 元", one.ratio.percent(), one.pay.grouped());
        }
        [one] => {
            let _ = write!(
                t,
                "，其中 {}–{} 元部分 {} 元按 {} 支付：{} 元",
                one.from.grouped(),
                one.to.grouped(),
                (one.to - one.from).grouped(),
                one.ratio.percent(),
                one.pay.grouped()
            );
        }
        parts => {
            t.push_str("，分段支付：");
            for (i, p) in parts.iter().enumerate() {
                let _ = write!(
                    t,
                    "{}{}–{} 元段 {} 元 × {} = {} 元",
                    if i == 0 { "" } else { "；" },
                    p.from.grouped(),
                    p.to.grouped(),
                    (p.to - p.from).grouped(),
                    p.ratio.percent(),
                    p.pay.grouped()
                );
            }
            let _ = write!(t, "；合计 {} 元", c.uncapped.grouped());
        }
    }
    if let Some((kind, left)) = c.limited_by {
        let what = match kind {
            LimitKind::Annual => format!("年度封顶线 {} 元的剩余额度", c.cap.unwrap_or_default().grouped()),
            LimitKind::Quota(i) => format!("{}年度限额的剩余额度", b.quota[usize::from(i)].name),
            LimitKind::Combined(i) => format!("{}的剩余额度", scheme.combined_caps[usize::from(i)].name),
            LimitKind::Available => "尚未支付的政策范围内费用".to_string(),
        };
        let _ = write!(t, "；受{what} {} 元限制，实际支付 {} 元", left.grouped(), c.pay.grouped());
    }
    t.push('。');
    t
}
