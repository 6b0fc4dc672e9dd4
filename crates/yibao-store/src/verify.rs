//! `yibao verify`: recomputes every accumulator from the ledger and checks every settlement's identities.

use std::collections::BTreeMap;

use crate::{Result, SettlementRow, Store};

/// What verification found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub settlements: usize,
    pub reversals: usize,
    pub accumulators: usize,
    /// Human-readable differences (Chinese); empty when the ledger is consistent.
    pub problems: Vec<String>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The identities one settlement row must satisfy.
pub fn row_problems(s: &SettlementRow) -> Vec<String> {
    let mut p = Vec::new();
    let funds =
        s.hifp_pay + s.cvlserv_pay + s.hifes_pay + s.hifmi_pay + s.hifob_pay + s.maf_pay + s.hifdm_pay + s.oth_pay;
    let checks = [
        (
            s.medfee_sumamt == s.fund_pay_sumamt + s.psn_part_amt + s.hosp_part_amt,
            "医疗费总额 ≠ 基金支付 + 个人负担 + 医院负担",
        ),
        (s.psn_part_amt == s.acct_pay + s.psn_cash_pay, "个人负担 ≠ 个人账户 + 现金"),
        (s.fund_pay_sumamt == funds, "基金支付总额 ≠ 各基金之和"),
        (
            s.medfee_sumamt == s.fulamt_ownpay_amt + s.overlmt_selfpay + s.preselfpay_amt + s.inscp_scp_amt,
            "医疗费总额 ≠ 全自费 + 超限价 + 先行自付 + 政策范围内",
        ),
        (
            s.details.iter().map(|d| d.fund_payamt).sum::<i64>() == s.fund_pay_sumamt + s.acct_pay + s.hosp_part_amt,
            "结算明细合计 ≠ 基金支付 + 个人账户 + 医院负担",
        ),
    ];
    for (ok, what) in checks {
        if !ok {
            p.push(format!("结算 {}（人员 {}）：{what}", s.setl_id, s.psn_no));
        }
    }
    p
}

impl Store {
    /// Recomputes accumulators from the ledger and checks every settlement and reversal.
    pub async fn verify(&self) -> Result<Report> {
        let mut r = Report::default();
        let mut rows = self.all_settlements().await?;
        let mut details = self.all_setl_details().await?;
        for s in &mut rows {
            s.details = details.remove(&(s.psn_no.clone(), s.setl_id.clone())).unwrap_or_default();
        }
        let by_id: BTreeMap<(&str, &str), &SettlementRow> =
            rows.iter().map(|s| ((s.psn_no.as_str(), s.setl_id.as_str()), s)).collect();
        let mut expect: BTreeMap<(String, i64, String, String), i64> = BTreeMap::new();
        for s in &rows {
            if s.kind == "reverse" {
                r.reversals += 1;
            } else {
                r.settlements += 1;
            }
            r.problems.extend(row_problems(s));
            match serde_json::from_str::<BTreeMap<String, i64>>(&s.delta) {
                Ok(delta) => {
                    for (k, v) in delta {
                        *expect.entry((s.psn_no.clone(), s.year, s.insutype.clone(), k)).or_default() += v;
                    }
                }
                Err(_) => r.problems.push(format!("结算 {}：累计变化无法读取", s.setl_id)),
            }
            match (&s.kind[..], &s.reverses, &s.reversed_by) {
                ("reverse", Some(orig), _) => match by_id.get(&(s.psn_no.as_str(), orig.as_str())) {
                    Some(o)
                        if o.reversed_by.as_deref() == Some(s.setl_id.as_str())
                            && o.medfee_sumamt == -s.medfee_sumamt
                            && o.fund_pay_sumamt == -s.fund_pay_sumamt => {}
                    Some(_) => r.problems.push(format!("撤销记录 {} 与原结算 {orig} 不对应", s.setl_id)),
                    None => r.problems.push(format!("撤销记录 {} 所撤销的结算 {orig} 不存在", s.setl_id)),
                },
                ("settle", _, Some(by)) if !by_id.contains_key(&(s.psn_no.as_str(), by.as_str())) => {
                    r.problems.push(format!("结算 {} 标记为已撤销，但撤销记录 {by} 不存在", s.setl_id));
                }
                _ => {}
            }
        }
        let stored = self.all_accumulators().await?;
        r.accumulators = stored.len();
        let keys: std::collections::BTreeSet<_> = expect.keys().chain(stored.keys()).cloned().collect();
        for k in keys {
            let e = expect.get(&k).copied().unwrap_or(0);
            let s = stored.get(&k).copied().unwrap_or(0);
            if e != s {
                r.problems.push(format!("累计 {} {} 年 {} {}：台账合计 {e}，累计表 {s}", k.0, k.1, k.2, k.3));
            }
        }
        Ok(r)
    }
}
