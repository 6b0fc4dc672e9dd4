//! Property tests of the settlement engine over random policy packs and random bills.
//!
//! Each case writes a pack as TOML text from random parameters (1–5 layers; flat ratios or progressive bands from 0;
//! deductibles per visit or per year, with level and admission rows; caps or none; bases `in_range`,
//! `personal_burden` and `above_cap`; combined caps; a personal account; a catalogue of 甲/乙/丙 items with price caps
//! and 先行自付 shares), compiles it with `Policy::from_toml`, builds a random bill (exact line amounts, refunds of
//! earlier lines) and random year accumulators, and settles. The oracles below recompute every identity from the
//! lines and layers and read caps and deductibles from the generated parameters, never from the engine.
//!
//! Properties (256 cases each by default; `PROPTEST_CASES=50000 cargo test --release --test properties` searches
//! deeper): identities to the fen, no negative fund, caps (own and combined) and the in-range amount respected,
//! determinism; two visits in a row accumulate exactly and consume a year deductible at most once; recording then
//! reversing a delta restores the accumulators; one more 甲类 line never lowers the personal share (for packs whose
//! layers do not pay twice on the same money); the Chinese explanation has a sentence for every layer that paid.
//!
//! Known failures are kept as `#[ignore]`d tests with their minimal inputs: two engine bugs
//! (`above_cap_starts_where_the_cap_runs_out_not_before_a_zero_band`,
//! `funds_never_pay_more_than_in_range_plus_preselfpay_even_with_unmatched_refunds`) and the pack shapes under
//! which the personal share can fall as the bill rises (`more_in_range_never_lowers_personal_share_any_pack`).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use proptest::prelude::*;
use proptest::sample::Index;
use yibao_core::explain::render_zh;
use yibao_core::money::{Fen, Price, Qty, Ratio, line_amount};
use yibao_core::settlement::request::Enrollment;
use yibao_core::settlement::{
    Accumulators, FeeLine, Person, SettleError, SettleRequest, Settlement, Visit, accumulator_slots,
    named_accumulators, settle,
};
use yibao_core::{Policy, policy::BaseKind};

// ---------------------------------------------------------------------------------------------------------------
// Random parameters
// ---------------------------------------------------------------------------------------------------------------

const YEAR: i32 = 2024;
const LAYER_NAMES: [&str; 5] = ["基本统筹基金", "大额补助", "公务员补助", "医疗救助", "倾斜救助"];
/// Fund codes a layer may pay as, with the setlinfo column each one writes to (nhsa_interface.md §2.4).
const FUNDS: [(&str, &str); 9] = [
    ("310100", "hifp_pay"),
    ("390100", "hifp_pay"),
    ("320100", "cvlserv_pay"),
    ("330100", "hifob_pay"),
    ("390200", "hifmi_pay"),
    ("370100", "hifes_pay"),
    ("610100", "maf_pay"),
    ("610102", "maf_pay"),
    ("999997", "oth_pay"),
];
/// A 甲类 item without price cap that every generated catalogue has (for the monotonicity property).
const EXTRA_CODE: &str = "A-EXTRA";

#[derive(Debug, Clone)]
enum BaseP {
    InRange,
    Burden {
        include_deductible: bool,
    },
    /// Above the cap of an earlier layer (index taken modulo the layer's position).
    AboveCap(Index),
    /// Above the cap of this earlier layer.
    AboveCapOf(usize),
}

#[derive(Debug, Clone)]
enum RatioP {
    Flat(u32),
    /// Widths of the closed bands (fen) with their ratios, then the ratio of the open last band.
    Bands(Vec<(i64, u32)>, u32),
}

#[derive(Debug, Clone)]
struct LayerP {
    base: BaseP,
    include_preselfpay: bool,
    year: bool,
    /// The unconditional deductible row (fen); no rows at all when 0 and no other row.
    deductible: i64,
    /// A row for level-3 hospitals.
    deductible_lv3: Option<i64>,
    /// A row for the 2nd and later admissions (visit-scoped layers only).
    deductible_adm2: Option<i64>,
    ratio: RatioP,
    /// The cap is the largest deductible plus this (fen).
    cap_extra: Option<i64>,
    fund: usize,
    /// Accumulated pay before the visit, in percent of the cap (or ×50 yuan without a cap).
    acc_paid_pct: u8,
    /// Accumulated base before the visit (year scope).
    acc_base: i64,
}

impl LayerP {
    fn max_deductible(&self) -> i64 {
        self.deductible.max(self.deductible_lv3.unwrap_or(0)).max(self.deductible_adm2.unwrap_or(0))
    }
    fn cap(&self) -> Option<i64> {
        self.cap_extra.map(|e| self.max_deductible() + e)
    }
    fn has_deductible_rows(&self) -> bool {
        self.deductible > 0 || self.deductible_lv3.is_some() || self.deductible_adm2.is_some()
    }
    /// The deductible that applies to a visit, by the documented row rule (oracle; not read from the engine).
    fn deductible_for(&self, v: &VisitP, admissions_before: i64) -> i64 {
        if !self.has_deductible_rows() {
            return 0;
        }
        if v.inpatient && admissions_before >= 1 && self.deductible_adm2.is_some() {
            return self.deductible_adm2.unwrap_or(0);
        }
        if v.hosp_lv == 3 && self.deductible_lv3.is_some() {
            return self.deductible_lv3.unwrap_or(0);
        }
        self.deductible
    }
    fn acc_paid(&self) -> i64 {
        match self.cap() {
            Some(c) => c * i64::from(self.acc_paid_pct) / 100,
            None => i64::from(self.acc_paid_pct) * 5_000,
        }
    }
}

#[derive(Debug, Clone)]
struct ItemP {
    /// 1 甲, 2 乙, 3 丙.
    lv: u8,
    selfpay: u32,
    /// Key the 先行自付 share by the scheme's 险种 instead of "*".
    selfpay_by_insutype: bool,
    /// Price cap: for one hospital level (or every level when None), in millionths of a yuan.
    cap: Option<(Option<u8>, i64)>,
}

#[derive(Debug, Clone)]
struct PolicyP {
    employee: bool,
    layers: Vec<LayerP>,
    /// Pool membership per layer, and the combined cap (fen).
    combined: Option<(Vec<bool>, i64)>,
    /// pays_ownpay, pays_overlimit, pays_preselfpay.
    account: Option<[bool; 3]>,
    hospital_overlimit: bool,
    items: Vec<ItemP>,
}

impl PolicyP {
    fn insutype(&self) -> &'static str {
        if self.employee { "310" } else { "390" }
    }
    fn above_cap_of(&self, li: usize) -> Option<usize> {
        match &self.layers[li].base {
            BaseP::AboveCap(i) if li > 0 => Some(i.index(li)),
            BaseP::AboveCapOf(of) if *of < li => Some(*of),
            _ => None,
        }
    }
    fn base_kind(&self, li: usize) -> BaseKind {
        match (&self.layers[li].base, self.above_cap_of(li)) {
            (BaseP::Burden { .. }, _) => BaseKind::PersonalBurden,
            (BaseP::AboveCap(_) | BaseP::AboveCapOf(_), Some(_)) => BaseKind::AboveCap,
            _ => BaseKind::InRange,
        }
    }
    fn combined_pools(&self) -> Option<(Vec<usize>, i64)> {
        let (mask, cap) = self.combined.as_ref()?;
        let pools: Vec<usize> = (0..self.layers.len()).filter(|&i| mask.get(i).copied().unwrap_or(false)).collect();
        (!pools.is_empty()).then_some((pools, *cap))
    }
}

#[derive(Debug, Clone)]
struct LineP {
    item: Index,
    /// A code the catalogue does not have.
    unknown: bool,
    price: i64,
    cnt: i64,
    /// Refund this share (percent, 1..=100) of the count in a later line.
    refund_pct: Option<u8>,
}

#[derive(Debug, Clone)]
struct VisitP {
    inpatient: bool,
    hosp_lv: u8,
    acct_used: bool,
    balance: i64,
    psn_type: &'static str,
    admissions: i64,
}

#[derive(Debug, Clone)]
struct Case {
    p: PolicyP,
    v: VisitP,
    lines: Vec<LineP>,
}

fn ratio_s() -> impl Strategy<Value = u32> {
    prop_oneof![
        3 => (0..=10u32).prop_map(|x| x * 1_000),
        2 => (10..=20u32).prop_map(|x| x * 500),
        2 => 0..=10_000u32,
    ]
}

/// An amount in fen: whole yuan or any fen, up to `max_yuan`.
fn money_s(max_yuan: i64) -> impl Strategy<Value = i64> {
    prop_oneof![(0..=max_yuan).prop_map(|y| y * 100), 0..=max_yuan * 100]
}

fn ratio_p_s() -> impl Strategy<Value = RatioP> {
    prop_oneof![
        ratio_s().prop_map(RatioP::Flat),
        (prop::collection::vec((money_s(30_000).prop_map(|w| w.max(1)), ratio_s()), 1..=3), ratio_s())
            .prop_map(|(b, last)| RatioP::Bands(b, last)),
    ]
}

fn base_s() -> impl Strategy<Value = BaseP> {
    prop_oneof![
        Just(BaseP::InRange),
        any::<bool>().prop_map(|include_deductible| BaseP::Burden { include_deductible }),
        any::<Index>().prop_map(BaseP::AboveCap),
    ]
}

prop_compose! {
    fn layer_s()(
        base in base_s(),
        include_preselfpay in prop::bool::weighted(0.25),
        year in prop::bool::weighted(0.4),
        deductible in prop_oneof![Just(0i64), money_s(3_000), money_s(30_000)],
        deductible_lv3 in prop::option::weighted(0.3, money_s(5_000)),
        deductible_adm2 in prop::option::weighted(0.3, money_s(2_000)),
        ratio in ratio_p_s(),
        cap_extra in prop::option::weighted(0.6, prop_oneof![money_s(2_000), money_s(100_000)]),
        fund in 0..FUNDS.len(),
        acc_paid_pct in prop_oneof![Just(0u8), Just(100u8), 0..=100u8],
        acc_base in prop_oneof![Just(0i64), money_s(50_000)],
    ) -> LayerP {
        LayerP {
            base,
            include_preselfpay,
            year,
            deductible,
            deductible_lv3,
            deductible_adm2: if year { None } else { deductible_adm2 },
            ratio,
            cap_extra,
            fund,
            acc_paid_pct,
            acc_base: if year { acc_base } else { 0 },
        }
    }
}

prop_compose! {
    fn item_s()(
        lv in prop_oneof![1u8..=1, 2u8..=2, 3u8..=3],
        selfpay in prop_oneof![Just(0u32), (1..=6u32).prop_map(|x| x * 500), 0..=5_000u32],
        selfpay_by_insutype in any::<bool>(),
        cap in prop::option::weighted(0.3, (prop::option::of(1u8..=3), 1..=500_000_000i64)),
    ) -> ItemP {
        ItemP { lv, selfpay: if lv == 2 { selfpay } else { 0 }, selfpay_by_insutype, cap }
    }
}

prop_compose! {
    fn policy_s()(
        employee in any::<bool>(),
        layers in prop::collection::vec(layer_s(), 1..=5),
        combined in prop::option::weighted(0.3, (prop::collection::vec(any::<bool>(), 5), money_s(200_000))),
        account in prop::option::weighted(0.5, any::<[bool; 3]>()),
        hospital_overlimit in prop::bool::weighted(0.2),
        items in prop::collection::vec(item_s(), 1..=8),
    ) -> PolicyP {
        let mut layers = layers;
        // The first layer has no earlier layer to continue.
        if matches!(layers[0].base, BaseP::AboveCap(_)) {
            layers[0].base = BaseP::InRange;
        }
        PolicyP { employee, layers, combined, account, hospital_overlimit, items }
    }
}

fn price_s() -> impl Strategy<Value = i64> {
    prop_oneof![
        (1..=5_000i64).prop_map(|y| y * 1_000_000),
        (1..=500_000i64).prop_map(|f| f * 10_000),
        1..=2_000_000_000i64,
    ]
}

fn cnt_s() -> impl Strategy<Value = i64> {
    prop_oneof![(1..=20i64).prop_map(|c| c * 10_000), 1..=300_000i64]
}

prop_compose! {
    fn line_s()(
        item in any::<Index>(),
        unknown in prop::bool::weighted(0.05),
        price in price_s(),
        cnt in cnt_s(),
        refund_pct in prop::option::weighted(0.1, prop_oneof![Just(100u8), 1..=100u8]),
    ) -> LineP {
        LineP { item, unknown, price, cnt, refund_pct }
    }
}

fn lines_s() -> impl Strategy<Value = Vec<LineP>> {
    prop::collection::vec(line_s(), 1..=30)
}

prop_compose! {
    fn visit_s()(
        inpatient in any::<bool>(),
        hosp_lv in 1u8..=3,
        acct_used in any::<bool>(),
        balance in prop_oneof![Just(0i64), money_s(5_000)],
        psn_type in prop::sample::select(vec!["1101", "1201", "1501", "1601"]),
        admissions in 0..=3i64,
    ) -> VisitP {
        VisitP { inpatient, hosp_lv, acct_used, balance, psn_type, admissions }
    }
}

prop_compose! {
    fn case_s()(p in policy_s(), v in visit_s(), lines in lines_s()) -> Case {
        Case { p, v, lines }
    }
}

/// Cases whose layers never pay twice on the same money: later `in_range` layers become `personal_burden` ones (what
/// supplementary funds do in practice); an `above_cap` layer directly follows the layer whose cap it continues
/// (大额 right after the basic fund), so no layer in between has already paid on the amount above that cap; and a
/// layer continued above its cap does not share a combined cap with an earlier layer (else every fen the earlier
/// layer pays moves the continued layer's cap point back by 1/ratio, and the continuation pays on that too).
fn layered_case_s() -> impl Strategy<Value = Case> {
    case_s().prop_map(|mut c| {
        let pools = c.p.combined_pools().map(|(p, _)| p).unwrap_or_default();
        for li in 1..c.p.layers.len() {
            let of = li - 1;
            let shares_with_earlier = pools.contains(&of) && pools.iter().any(|&p| p < of);
            let l = &mut c.p.layers[li];
            match l.base {
                BaseP::InRange => l.base = BaseP::Burden { include_deductible: true },
                BaseP::AboveCap(_) if shares_with_earlier => l.base = BaseP::Burden { include_deductible: true },
                BaseP::AboveCap(_) => l.base = BaseP::AboveCapOf(of),
                _ => {}
            }
        }
        c
    })
}

/// Layered cases whose basic fund starts with a 0% band and has a cap (often used up) that an `above_cap` layer
/// continues, with small bills so that one more line can cross the end of the 0% band.
fn zero_band_case_s() -> impl Strategy<Value = Case> {
    let small_lines = prop::collection::vec(
        (any::<Index>(), 1..=500_000_000i64, 1..=20_000i64).prop_map(|(item, price, cnt)| LineP {
            item,
            unknown: false,
            price,
            cnt,
            refund_pct: None,
        }),
        1..=3,
    );
    (layered_case_s(), 1..=1_000_000i64, prop_oneof![Just(0i64), money_s(20_000)], any::<bool>(), small_lines).prop_map(
        |(mut c, width, cap, used_up, lines)| {
            let first = &mut c.p.layers[0];
            first.ratio = match &first.ratio {
                RatioP::Flat(r) => RatioP::Bands(vec![(width, 0)], (*r).max(1)),
                RatioP::Bands(b, last) => {
                    let mut b = b.clone();
                    b[0] = (width, 0);
                    RatioP::Bands(b, (*last).max(1))
                }
            };
            first.cap_extra = Some(cap);
            (first.deductible, first.deductible_lv3, first.deductible_adm2) = (0, None, None);
            if used_up {
                first.acc_paid_pct = 100;
            }
            if c.p.layers.len() < 2 {
                let second = c.p.layers[0].clone();
                c.p.layers.push(second);
            }
            c.p.layers[1].base = BaseP::AboveCapOf(0);
            c.lines = lines;
            c
        },
    )
}

/// Layered cases without 0% bands (a flat stretch of the basic fund confuses where its cap runs out: see
/// `above_cap_starts_where_the_cap_runs_out_not_before_a_zero_band`).
fn layered_positive_case_s() -> impl Strategy<Value = Case> {
    layered_case_s().prop_map(|mut c| {
        for l in &mut c.p.layers {
            match &mut l.ratio {
                RatioP::Flat(r) => *r = (*r).max(1),
                RatioP::Bands(bands, last) => {
                    for (_, r) in bands.iter_mut() {
                        *r = (*r).max(1);
                    }
                    *last = (*last).max(1);
                }
            }
        }
        c
    })
}

// ---------------------------------------------------------------------------------------------------------------
// Building packs and requests
// ---------------------------------------------------------------------------------------------------------------

fn fen(v: i64) -> String {
    format!("\"{}\"", Fen(v))
}
fn ratio(r: u32) -> String {
    format!("\"{}\"", Ratio(r))
}
fn item_code(i: usize) -> String {
    format!("I{i}")
}
fn pool(li: usize) -> String {
    format!("l{li}.b")
}

/// Writes the pack text, as an administrator would.
fn pack_toml(p: &PolicyP) -> String {
    let mut t = String::from("[region]\nadmdvs = \"110000\"\nname = \"随机统筹区\"\nversion = \"prop\"\n\n");
    t += &format!("[[catalogue]]\ncode = \"{EXTRA_CODE}\"\nname = \"附加甲类项目\"\nlv = \"01\"\n\n");
    for (i, it) in p.items.iter().enumerate() {
        t += &format!("[[catalogue]]\ncode = \"{}\"\nname = \"项目{i}\"\nlv = \"0{}\"\n", item_code(i), it.lv);
        if it.lv == 2 {
            let key = if it.selfpay_by_insutype { p.insutype() } else { "*" };
            t += &format!("selfpay_prop = {{ \"{key}\" = {} }}\n", ratio(it.selfpay));
        }
        if let Some((lv, cap)) = it.cap {
            let key = lv.map_or("*".to_string(), |l| l.to_string());
            t += &format!("price_cap = {{ \"{key}\" = \"{}\" }}\n", Price(cap));
        }
        t += "\n";
    }
    t += &format!("[[scheme]]\ninsutype = \"{}\"\nname = \"随机险种\"\nfrom = 2024-01-01\n", p.insutype());
    if p.hospital_overlimit {
        t += "overlimit_paid_by = \"hospital\"\n";
    }
    if let Some([own, over, pre]) = p.account {
        t += &format!(
            "\n  [scheme.account]\n  pays_ownpay = {own}\n  pays_overlimit = {over}\n  pays_preselfpay = {pre}\n"
        );
    }
    if let Some((pools, cap)) = p.combined_pools() {
        let names: Vec<String> = pools.iter().map(|&i| format!("\"{}\"", pool(i))).collect();
        t += &format!(
            "\n  [[scheme.combined_cap]]\n  name = \"合并封顶\"\n  pools = [{}]\n  cap = {}\n",
            names.join(", "),
            fen(cap)
        );
    }
    for (li, l) in p.layers.iter().enumerate() {
        t += &format!(
            "\n  [[scheme.layer]]\n  id = \"l{li}\"\n  name = \"{}\"\n  fund_pay_type = \"{}\"\n",
            LAYER_NAMES[li], FUNDS[l.fund].0
        );
        if li == 0 {
            t += "  required = true\n";
        }
        t += &format!("\n    [[scheme.layer.benefit]]\n    id = \"b\"\n    name = \"待遇{li}\"\n");
        match (&l.base, p.above_cap_of(li)) {
            (BaseP::Burden { include_deductible }, _) => {
                t += &format!("    base = \"personal_burden\"\n    include_deductible = {include_deductible}\n");
            }
            (BaseP::AboveCap(_) | BaseP::AboveCapOf(_), Some(of)) => {
                t += &format!("    base = \"above_cap\"\n    above_cap_of = \"l{of}\"\n");
            }
            _ => t += "    base = \"in_range\"\n",
        }
        if l.include_preselfpay {
            t += "    include_preselfpay = true\n";
        }
        if l.year {
            t += "    scope = \"year\"\n";
        }
        if l.has_deductible_rows() {
            let mut rows = vec![format!("{{ amount = {} }}", fen(l.deductible))];
            if let Some(d) = l.deductible_lv3 {
                rows.push(format!("{{ hosp_lv = \"3\", amount = {} }}", fen(d)));
            }
            if let Some(d) = l.deductible_adm2 {
                rows.push(format!("{{ admission = 2, amount = {} }}", fen(d)));
            }
            t += &format!("    deductible = [{}]\n", rows.join(", "));
        }
        match &l.ratio {
            RatioP::Flat(r) => t += &format!("    ratio = [{{ ratio = {} }}]\n", ratio(*r)),
            RatioP::Bands(bands, last) => {
                let mut from = 0i64;
                let mut rows = Vec::new();
                for (w, r) in bands {
                    rows.push(format!("{{ from = {}, to = {}, ratio = {} }}", fen(from), fen(from + w), ratio(*r)));
                    from += w;
                }
                rows.push(format!("{{ from = {}, ratio = {} }}", fen(from), ratio(*last)));
                t += &format!("    ratio = [{{ bands = [{}] }}]\n", rows.join(", "));
            }
        }
        if let Some(c) = l.cap() {
            t += &format!("    cap = {}\n", fen(c));
        }
    }
    t
}

fn policy_of(p: &PolicyP) -> Policy {
    let text = pack_toml(p);
    match Policy::from_toml("random.toml", &text) {
        Ok(pol) => pol,
        Err(e) => panic!("generated pack rejected: {e:?}\n{text}"),
    }
}

fn fee_line(sn: usize, code: String, price: i64, cnt: i64) -> FeeLine {
    let (pric, cnt) = (Price(price), Qty(cnt));
    FeeLine {
        feedetl_sn: sn.to_string(),
        med_list_codg: code,
        medins_list_codg: String::new(),
        name: format!("明细{sn}"),
        pric,
        cnt,
        det_item_fee_sumamt: line_amount(pric, cnt),
        hosp_appr_flag: String::new(),
    }
}

/// The bill's lines; a refund repeats its line's code and price with a negative count after all charges.
fn bill(p: &PolicyP, lines: &[LineP]) -> Vec<FeeLine> {
    let mut out = Vec::new();
    let mut refunds = Vec::new();
    for l in lines {
        let code = if l.unknown { "NOT-IN-CATALOGUE".to_string() } else { item_code(l.item.index(p.items.len())) };
        out.push(fee_line(out.len() + 1, code.clone(), l.price, l.cnt));
        if let Some(pct) = l.refund_pct {
            let back = (l.cnt * i64::from(pct) / 100).max(1);
            refunds.push((code, l.price, -back));
        }
    }
    for (code, price, cnt) in refunds {
        out.push(fee_line(out.len() + 1, code, price, cnt));
    }
    out
}

/// Year accumulators before the visit, named as the engine names them, within the generated bounds.
fn accumulators(p: &PolicyP, v: &VisitP) -> Accumulators {
    let mut amounts = BTreeMap::new();
    for (li, l) in p.layers.iter().enumerate() {
        amounts.insert(format!("{}.paid", pool(li)), Fen(l.acc_paid()));
        if l.year {
            amounts.insert(format!("{}.base", pool(li)), Fen(l.acc_base));
        }
    }
    Accumulators { year: Some(YEAR), admissions: v.admissions, amounts }
}

fn request(p: &PolicyP, v: &VisitP, fee_lines: Vec<FeeLine>, acc: Accumulators) -> SettleRequest {
    let date = NaiveDate::from_ymd_opt(YEAR, 6, 1).expect("date");
    SettleRequest {
        person: Person {
            psn_no: "P0001".to_string(),
            psn_name: "测试".to_string(),
            certno: "11010519491231002X".to_string(),
            psn_cert_type: "01".to_string(),
            gend: "1".to_string(),
            naty: "01".to_string(),
            brdy: NaiveDate::from_ymd_opt(1960, 3, 15).expect("date"),
            insutype: p.insutype().to_string(),
            psn_type: v.psn_type.to_string(),
            cvlserv_flag: "0".to_string(),
            enrollments: vec![Enrollment {
                insutype: p.insutype().to_string(),
                year: YEAR,
                psn_insu_stas: "1".to_string(),
            }],
            identities: Vec::new(),
            registered_diseases: Vec::new(),
            account_balance: Fen(v.balance),
            chosen_fixmedins_code: None,
        },
        accumulators: acc,
        visit: Visit {
            mdtrt_id: "M0001".to_string(),
            fixmedins_code: "H0001".to_string(),
            fixmedins_name: "测试医院".to_string(),
            hosp_lv: v.hosp_lv.to_string(),
            med_type: if v.inpatient { "21" } else { "11" }.to_string(),
            begntime: date,
            endtime: Some(date),
            diagnoses: Vec::new(),
            opsp_dise_code: None,
            acct_used_flag: if v.acct_used { "1" } else { "0" }.to_string(),
            medfee_sumamt: None,
            fee_lines,
        },
    }
}

fn build(c: &Case) -> (Policy, SettleRequest) {
    let policy = policy_of(&c.p);
    let req = request(&c.p, &c.v, bill(&c.p, &c.lines), accumulators(&c.p, &c.v));
    (policy, req)
}

fn settled(policy: &Policy, req: &SettleRequest) -> Result<Settlement, TestCaseError> {
    settle(policy, req).map_err(|e| TestCaseError::fail(format!("settlement refused: {e}")))
}

fn amount(acc: &Accumulators, key: &str) -> i64 {
    acc.amounts.get(key).map_or(0, |f| f.0)
}

fn slot(policy: &Policy, name: &str) -> usize {
    policy.schemes[0].slots.iter().position(|s| s == name).unwrap_or_else(|| panic!("no slot {name}"))
}

// ---------------------------------------------------------------------------------------------------------------
// Oracles
// ---------------------------------------------------------------------------------------------------------------

/// Every identity of one settlement, recomputed from its lines and layers, plus the limits read from the parameters.
fn check_settlement(
    p: &PolicyP,
    v: &VisitP,
    policy: &Policy,
    req: &SettleRequest,
    s: &Settlement,
) -> Result<(), TestCaseError> {
    // Lines: each line's amount is price × count, and its four parts add up to it.
    prop_assert_eq!(s.lines.len(), req.visit.fee_lines.len());
    let (mut total, mut own, mut over, mut pre, mut inscp) = (0i64, 0i64, 0i64, 0i64, 0i64);
    for (l, r) in req.visit.fee_lines.iter().zip(&s.lines) {
        prop_assert_eq!(r.det_item_fee_sumamt, line_amount(l.pric, l.cnt));
        prop_assert_eq!(
            r.fulamt_ownpay_amt.0 + r.overlmt_amt.0 + r.preselfpay_amt.0 + r.inscp_scp_amt.0,
            r.det_item_fee_sumamt.0,
            "line {} parts do not add up",
            l.feedetl_sn
        );
        total += r.det_item_fee_sumamt.0;
        own += r.fulamt_ownpay_amt.0;
        over += r.overlmt_amt.0;
        pre += r.preselfpay_amt.0;
        inscp += r.inscp_scp_amt.0;
    }
    prop_assert_eq!(s.medfee_sumamt.0, total);
    prop_assert_eq!(s.fulamt_ownpay_amt.0, own);
    prop_assert_eq!(s.overlmt_selfpay.0, over);
    prop_assert_eq!(s.preselfpay_amt.0, pre);
    prop_assert_eq!(s.inscp_scp_amt.0, inscp);
    prop_assert_eq!(total, own + over + pre + inscp);

    // Funds: per-column totals from the layers' fund codes (our table, not the engine's), and the layers' sum.
    prop_assert_eq!(s.layers.len(), p.layers.len(), "every layer has a benefit that matches");
    let mut by_field: BTreeMap<&str, i64> = BTreeMap::new();
    let mut layer_sum = 0i64;
    for c in &s.layers {
        let li = usize::from(c.layer);
        prop_assert!(c.pay.0 >= 0, "layer {} pays a negative amount {}", li, c.pay);
        *by_field.entry(FUNDS[p.layers[li].fund].1).or_default() += c.pay.0;
        layer_sum += c.pay.0;
    }
    let f = &s.funds;
    let columns = [
        ("hifp_pay", f.hifp_pay),
        ("cvlserv_pay", f.cvlserv_pay),
        ("hifes_pay", f.hifes_pay),
        ("hifmi_pay", f.hifmi_pay),
        ("hifob_pay", f.hifob_pay),
        ("maf_pay", f.maf_pay),
        ("hifdm_pay", f.hifdm_pay),
        ("oth_pay", f.oth_pay),
    ];
    let mut column_sum = 0i64;
    for (name, v) in columns {
        prop_assert!(v.0 >= 0, "{} is negative", name);
        prop_assert_eq!(v.0, by_field.get(name).copied().unwrap_or(0), "column {}", name);
        column_sum += v.0;
    }
    prop_assert_eq!(s.fund_pay_sumamt.0, column_sum);
    prop_assert_eq!(s.fund_pay_sumamt.0, layer_sum);

    // Who pays: funds + person + hospital = total; person = account + cash.
    let hosp = if p.hospital_overlimit { over } else { 0 };
    prop_assert_eq!(s.hosp_part_amt.0, hosp);
    prop_assert_eq!(s.medfee_sumamt.0, s.fund_pay_sumamt.0 + s.psn_part_amt.0 + s.hosp_part_amt.0);
    prop_assert_eq!(s.psn_part_amt.0, s.acct_pay.0 + s.psn_cash_pay.0);
    prop_assert!(s.acct_pay.0 >= 0 && s.psn_cash_pay.0 >= 0, "negative account or cash pay");
    if p.account.is_none() || !v.acct_used {
        prop_assert_eq!(s.acct_pay, Fen::ZERO);
    }
    prop_assert!(s.acct_pay.0 <= v.balance, "account pays {} beyond its balance {}", s.acct_pay, Fen(v.balance));
    prop_assert_eq!(s.balc.0, v.balance - s.acct_pay.0);

    // The funds never pay more than the in-range amount (with 先行自付 when a layer may take it).
    prop_assert!(
        s.fund_pay_sumamt.0 <= inscp + pre,
        "funds pay {} > in-range {} + 先行自付 {}",
        s.fund_pay_sumamt,
        Fen(inscp),
        Fen(pre)
    );
    if !p.layers.iter().any(|l| l.include_preselfpay) {
        prop_assert!(s.fund_pay_sumamt.0 <= inscp.max(0), "funds pay {} > in-range {}", s.fund_pay_sumamt, Fen(inscp));
    }

    // Caps, deductibles and the delta, per layer.
    let acc = &req.accumulators;
    for c in &s.layers {
        let li = usize::from(c.layer);
        let l = &p.layers[li];
        let before = amount(acc, &format!("{}.paid", pool(li)));
        if let Some(cap) = l.cap() {
            prop_assert!(
                c.pay.0 <= (cap - before).max(0),
                "layer {} pays {} with {} of its cap {} used",
                li,
                c.pay,
                Fen(before),
                Fen(cap)
            );
        }
        let ded = l.deductible_for(v, acc.admissions);
        prop_assert!(c.deductible_consumed.0 >= 0);
        let room = if l.year { (ded - amount(acc, &format!("{}.base", pool(li)))).max(0) } else { ded };
        prop_assert!(
            c.deductible_consumed.0 <= room,
            "layer {} consumes {} of deductible {}",
            li,
            c.deductible_consumed,
            Fen(ded)
        );
        prop_assert_eq!(c.base_kind, p.base_kind(li));
        prop_assert!(c.base.0 >= 0);
        prop_assert_eq!(s.delta[slot(policy, &format!("{}.paid", pool(li)))], c.pay.0, "layer {} paid delta", li);
        if l.year {
            prop_assert_eq!(s.delta[slot(policy, &format!("{}.base", pool(li)))], c.base.0, "layer {} base delta", li);
        }
    }
    if let Some((pools, cap)) = p.combined_pools() {
        let before: i64 = pools.iter().map(|&i| amount(acc, &format!("{}.paid", pool(i)))).sum();
        let now: i64 = s.layers.iter().filter(|c| pools.contains(&usize::from(c.layer))).map(|c| c.pay.0).sum();
        prop_assert!(
            now <= (cap - before).max(0),
            "combined cap {} exceeded: {} used, {} paid",
            Fen(cap),
            Fen(before),
            Fen(now)
        );
    }
    if let Some(basic) = s.layers.iter().find(|c| c.layer == 0) {
        prop_assert_eq!(s.act_pay_dedc, basic.deductible_consumed);
        prop_assert!(s.act_pay_dedc.0 <= p.layers[0].deductible_for(v, acc.admissions));
    }
    Ok(())
}

/// Adds one positive 甲类 line to the case's bill and checks that the personal share does not go down.
fn more_in_range_check(c: &Case, price: i64, cnt: i64) -> Result<(), TestCaseError> {
    let (policy, req) = build(c);
    let s = settled(&policy, &req)?;
    let mut more = req.clone();
    let n = more.visit.fee_lines.len();
    more.visit.fee_lines.push(fee_line(n + 1, EXTRA_CODE.to_string(), price, cnt));
    let extra = line_amount(Price(price), Qty(cnt));
    let t = settled(&policy, &more)?;
    check_settlement(&c.p, &c.v, &policy, &more, &t)?;
    prop_assert_eq!(t.inscp_scp_amt, s.inscp_scp_amt + extra);
    prop_assert!(
        t.psn_part_amt >= s.psn_part_amt,
        "adding {} of 甲类 lowers the personal share from {} to {} (funds {} → {})\nbefore: {}\nafter:  {}",
        extra,
        s.psn_part_amt,
        t.psn_part_amt,
        s.fund_pay_sumamt,
        t.fund_pay_sumamt,
        layers_brief(&s),
        layers_brief(&t)
    );
    Ok(())
}

/// One line per layer: base, axis, deductible, uncapped, limit and pay, for failure messages.
fn layers_brief(s: &Settlement) -> String {
    let rows: Vec<String> = s
        .layers
        .iter()
        .map(|c| {
            format!(
                "L{} base {} axis {}..{} ded {} uncapped {} limit {:?} pay {} exhausted_at {:?}",
                c.layer,
                c.base,
                c.axis_start,
                c.axis_end(),
                c.deductible_consumed,
                c.uncapped,
                c.limited_by,
                c.pay,
                c.exhausted_at.map(|f| f.to_string())
            )
        })
        .collect();
    rows.join(" | ")
}

fn add(a: &[i64], b: &[i64]) -> Vec<i64> {
    a.iter().zip(b).map(|(x, y)| x + y).collect()
}

// ---------------------------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------------------------

proptest! {
    // 256 cases per property by default; PROPTEST_CASES=N searches deeper.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    /// Every settlement adds up to the fen, pays nothing negative, stays within caps and the in-range amount,
    /// and is deterministic.
    #[test]
    fn settlements_satisfy_their_identities(c in case_s()) {
        let (policy, req) = build(&c);
        let s = settled(&policy, &req)?;
        check_settlement(&c.p, &c.v, &policy, &req, &s)?;
        prop_assert_eq!(s.check_identities(), Ok(()));
        prop_assert_eq!(&settled(&policy, &req)?, &s, "same input, same settlement");
    }

    /// Two visits in a row: the year totals are the sum of the deltas, year deductibles are consumed at most once,
    /// and caps (own and combined) hold over the year.
    #[test]
    fn two_visits_accumulate(c in case_s(), lines2 in lines_s(), from_zero in any::<bool>()) {
        let policy = policy_of(&c.p);
        let scheme = &policy.schemes[0];
        let acc0 = if from_zero { Accumulators { year: Some(YEAR), ..Accumulators::default() } } else { accumulators(&c.p, &c.v) };
        let req1 = request(&c.p, &c.v, bill(&c.p, &c.lines), acc0.clone());
        let s1 = settled(&policy, &req1)?;
        check_settlement(&c.p, &c.v, &policy, &req1, &s1)?;

        let before = accumulator_slots(scheme, &acc0).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let after1 = add(&before, &s1.delta);
        let acc1 = named_accumulators(scheme, YEAR, &after1);
        let req2 = request(&c.p, &c.v, bill(&c.p, &lines2), acc1.clone());
        let s2 = settled(&policy, &req2)?;
        check_settlement(&c.p, &c.v, &policy, &req2, &s2)?;

        // Re-keying by name loses nothing.
        let reread = accumulator_slots(scheme, &acc1).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&reread, &after1);
        let after2 = add(&reread, &s2.delta);
        // Year totals = before + both deltas, slot by slot and by name.
        let sum_deltas = add(&s1.delta, &s2.delta);
        prop_assert_eq!(&after2, &add(&before, &sum_deltas));
        let named_after = named_accumulators(scheme, YEAR, &after2);
        let mut expect: BTreeMap<String, Fen> = BTreeMap::new();
        for a in [&named_accumulators(scheme, YEAR, &before), &named_accumulators(scheme, YEAR, &s1.delta), &named_accumulators(scheme, YEAR, &s2.delta)] {
            for (k, v) in &a.amounts {
                *expect.entry(k.clone()).or_default() += *v;
            }
        }
        expect.retain(|_, v| !v.is_zero());
        prop_assert_eq!(&named_after.amounts, &expect);
        prop_assert_eq!(named_after.admissions, before[scheme.admissions_slot] + 2 * i64::from(c.v.inpatient));

        for (li, l) in c.p.layers.iter().enumerate() {
            let (c1, c2) = (&s1.layers[li], &s2.layers[li]);
            let paid_slot = slot(&policy, &format!("{}.paid", pool(li)));
            prop_assert_eq!(after2[paid_slot], before[paid_slot] + c1.pay.0 + c2.pay.0);
            if let Some(cap) = l.cap() {
                prop_assert!(
                    c1.pay.0 + c2.pay.0 <= (cap - before[paid_slot]).max(0),
                    "layer {} pays {} + {} over the year with {} of cap {} used before", li, c1.pay, c2.pay, Fen(before[paid_slot]), Fen(cap)
                );
            }
            if l.year {
                let base_slot = slot(&policy, &format!("{}.base", pool(li)));
                // The year axis continues where the first visit ended.
                prop_assert_eq!(c2.axis_start.0, before[base_slot] + c1.base.0);
                prop_assert_eq!(after2[base_slot], before[base_slot] + c1.base.0 + c2.base.0);
                let ded = l.deductible_for(&c.v, 0);
                prop_assert_eq!(ded, l.deductible_for(&c.v, 1), "year deductibles do not depend on admissions");
                let consumed = c1.deductible_consumed.0 + c2.deductible_consumed.0;
                prop_assert!(consumed <= ded, "year deductible {} consumed {} over two visits", Fen(ded), Fen(consumed));
                prop_assert!(consumed <= (ded - before[base_slot]).max(0));
            }
        }
        if let Some((pools, cap)) = c.p.combined_pools() {
            let used: i64 = pools.iter().map(|&i| before[slot(&policy, &format!("{}.paid", pool(i)))]).sum();
            let paid: i64 = s1.layers.iter().chain(&s2.layers).filter(|x| pools.contains(&usize::from(x.layer))).map(|x| x.pay.0).sum();
            prop_assert!(paid <= (cap - used).max(0), "combined cap {} over the year: {} used before, {} paid", Fen(cap), Fen(used), Fen(paid));
        }
    }

    /// Recording a settlement and then reversing it (its negated delta) gives back the accumulators exactly.
    #[test]
    fn reversal_restores_accumulators(c in case_s()) {
        let (policy, req) = build(&c);
        let scheme = &policy.schemes[0];
        let s = settled(&policy, &req)?;
        let before = accumulator_slots(scheme, &req.accumulators).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let recorded = named_accumulators(scheme, YEAR, &add(&before, &s.delta));
        let neg: Vec<i64> = s.delta.iter().map(|d| -d).collect();
        let reread = accumulator_slots(scheme, &recorded).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let reversed = add(&reread, &neg);
        prop_assert_eq!(&reversed, &before);
        let mut original = req.accumulators.clone();
        original.amounts.retain(|_, v| !v.is_zero());
        prop_assert_eq!(named_accumulators(scheme, YEAR, &reversed), original);
        // The negated delta names the same accumulators as the delta.
        let d = named_accumulators(scheme, YEAR, &s.delta);
        let n = named_accumulators(scheme, YEAR, &neg);
        prop_assert_eq!(d.amounts.keys().collect::<Vec<_>>(), n.amounts.keys().collect::<Vec<_>>());
        prop_assert_eq!(d.admissions, -n.admissions);
    }

    /// A higher bill never lowers the personal share: one more positive 甲类 line never decreases psn_part_amt,
    /// for packs whose layers after the first work on what is left (`personal_burden`) or above a cap.
    #[test]
    fn more_in_range_never_lowers_personal_share(c in layered_positive_case_s(), price in price_s(), cnt in cnt_s()) {
        more_in_range_check(&c, price, cnt)?;
    }

    /// The same for layered packs whose basic fund starts with a 0% band and is continued above its cap. Fails: see
    /// `above_cap_starts_where_the_cap_runs_out_not_before_a_zero_band` for the minimal input.
    #[test]
    fn more_in_range_never_lowers_personal_share_with_zero_bands(
        c in zero_band_case_s(),
        price in price_s(),
        cnt in cnt_s(),
    ) {
        more_in_range_check(&c, price, cnt)?;
    }

    /// The same over every generated pack, including several `in_range` layers stacked on the same amount.
    #[test]
    #[ignore = "not an engine bug alone: packs whose layers pay twice on the same money (stacked in_range layers, a layer between a capped layer and its above_cap continuation) have marginal fund rates above 100%; see stacked_in_range_layers_can_lower_the_personal_share and a_layer_between_a_cap_and_its_continuation_can_lower_the_personal_share"]
    fn more_in_range_never_lowers_personal_share_any_pack(c in case_s(), price in price_s(), cnt in cnt_s()) {
        more_in_range_check(&c, price, cnt)?;
    }

    /// The Chinese explanation never panics and has a sentence, with the amount, for every layer that paid.
    #[test]
    fn explanation_mentions_every_paying_layer(c in case_s()) {
        let (policy, req) = build(&c);
        let s = settled(&policy, &req)?;
        let text = render_zh(&policy, &req, &s);
        prop_assert!(text.len() >= 3);
        prop_assert!(text.iter().all(|t| !t.is_empty()));
        let scheme = &policy.schemes[0];
        for calc in s.layers.iter().filter(|c| !c.pay.is_zero()) {
            let layer = &scheme.layers[usize::from(calc.layer)];
            let head = format!("{}（{}）：", layer.name, layer.benefits[usize::from(calc.benefit)].name);
            let sentence = text.iter().find(|t| t.starts_with(&head));
            prop_assert!(sentence.is_some(), "no sentence for paying layer {}: {:?}", layer.name, text);
            let pay = calc.pay.grouped().to_string();
            prop_assert!(sentence.is_some_and(|t| t.contains(&pay)), "sentence for {} lacks the amount {}", layer.name, pay);
        }
        let total = s.fund_pay_sumamt.grouped().to_string();
        prop_assert!(text.iter().any(|t| t.contains("基金支付合计") && t.contains(&total)));
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Edge cases
// ---------------------------------------------------------------------------------------------------------------

/// A simple resident pack: basic fund with a 1,000-yuan deductible at 70%, cap 100,000; 大病 on the personal burden.
const SIMPLE_PACK: &str = r#"
[region]
admdvs = "110000"
name = "测试统筹区"
version = "t1"

[[catalogue]]
code = "A1"
name = "甲类项目"
lv = "01"

[[catalogue]]
code = "B1"
name = "乙类药品"
lv = "02"
selfpay_prop = { "*" = "0.10" }
price_cap = { "*" = "8.00" }

[[catalogue]]
code = "C1"
name = "丙类项目"
lv = "03"

[[scheme]]
insutype = "390"
name = "城乡居民住院"
from = 2024-01-01

  [[scheme.layer]]
  id = "hifp"
  name = "基本统筹基金"
  fund_pay_type = "390100"
  required = true

    [[scheme.layer.benefit]]
    id = "inpatient"
    name = "住院"
    deductible = [{ amount = 1000 }]
    ratio = [{ ratio = 0.70 }]
    cap = 100000

  [[scheme.layer]]
  id = "hifmi"
  name = "大病保险"
  fund_pay_type = "390200"

    [[scheme.layer.benefit]]
    id = "critical"
    name = "大病"
    base = "personal_burden"
    scope = "year"
    deductible = [{ amount = 15000 }]
    ratio = [{ ratio = 0.60 }]
"#;

fn simple() -> Policy {
    Policy::from_toml("simple.toml", SIMPLE_PACK).expect("simple pack is valid")
}

fn simple_request(lines: Vec<FeeLine>) -> SettleRequest {
    let p = PolicyP {
        employee: false,
        layers: Vec::new(),
        combined: None,
        account: None,
        hospital_overlimit: false,
        items: Vec::new(),
    };
    let v = VisitP { inpatient: true, hosp_lv: 3, acct_used: false, balance: 0, psn_type: "1501", admissions: 0 };
    request(&p, &v, lines, Accumulators { year: Some(YEAR), ..Accumulators::default() })
}

fn yuan_line(sn: usize, code: &str, price_yuan: &str, cnt: &str) -> FeeLine {
    let p: Price = price_yuan.parse().expect("price");
    let q: Qty = cnt.parse().expect("count");
    fee_line(sn, code.to_string(), p.0, q.0)
}

#[test]
fn a_bill_without_lines_is_refused() {
    let policy = simple();
    let req = simple_request(Vec::new());
    match settle(&policy, &req) {
        Err(SettleError::Invalid { field, .. }) => assert_eq!(field, "visit.fee_lines"),
        other => panic!("expected refusal, got {other:?}"),
    }
}

#[test]
fn a_zero_count_line_is_refused() {
    let policy = simple();
    let mut line = yuan_line(1, "A1", "10", "1");
    line.cnt = Qty(0);
    line.det_item_fee_sumamt = Fen::ZERO;
    match settle(&policy, &simple_request(vec![line])) {
        Err(SettleError::Invalid { field, .. }) => assert_eq!(field, "visit.fee_lines[0].cnt"),
        other => panic!("expected refusal, got {other:?}"),
    }
}

#[test]
fn a_bill_that_is_all_refund_is_refused() {
    let policy = simple();
    let req = simple_request(vec![yuan_line(1, "A1", "10", "-1")]);
    assert!(matches!(settle(&policy, &req), Err(SettleError::Invalid { .. })));
}

#[test]
fn refund_lines_within_a_bill_net_out() {
    let policy = simple();
    // 甲类 5,000 yuan charged, 1,000 refunded; 乙类 over its 8-yuan cap charged 100 × 9.5 and 30 refunded.
    let lines = vec![
        yuan_line(1, "A1", "1000", "5"),
        yuan_line(2, "B1", "9.5", "100"),
        yuan_line(3, "C1", "12.345678", "2.5"),
        yuan_line(4, "A1", "1000", "-1"),
        yuan_line(5, "B1", "9.5", "-30"),
    ];
    let req = simple_request(lines);
    let s = settle(&policy, &req).expect("settles");
    assert_eq!(s.check_identities(), Ok(()));
    assert_eq!(s.lines[3].det_item_fee_sumamt, Fen(-100_000));
    assert_eq!(s.lines[3].inscp_scp_amt, Fen(-100_000));
    // B1 refund: -285 yuan, of which (9.5 − 8) × −30 = −45 over the cap; 10% of −240 = −24 first self-pay.
    assert_eq!(s.lines[4].det_item_fee_sumamt, Fen(-28_500));
    assert_eq!(s.lines[4].overlmt_amt, Fen(-4_500));
    assert_eq!(s.lines[4].preselfpay_amt, Fen(-2_400));
    assert_eq!(s.lines[4].inscp_scp_amt, Fen(-21_600));
    // Net: 甲 4,000 + 乙 665 (over 105, pre 56, in range 504) + 丙 30.86 (12.345678 × 2.5 = 30.864195 → 30.86).
    assert_eq!(s.medfee_sumamt, Fen(400_000 + 66_500 + 3_086));
    assert_eq!(s.overlmt_selfpay, Fen(10_500));
    assert_eq!(s.preselfpay_amt, Fen(5_600));
    assert_eq!(s.fulamt_ownpay_amt, Fen(3_086));
    assert_eq!(s.inscp_scp_amt, Fen(400_000 + 50_400));
    // Basic fund: (4,504 − 1,000) × 70% = 2,452.80; 大病: burden 2,051.20 is within its 15,000 deductible.
    assert_eq!(s.funds.hifp_pay, Fen(245_280));
    assert_eq!(s.funds.hifmi_pay, Fen::ZERO);
    assert_eq!(s.psn_part_amt, s.medfee_sumamt - Fen(245_280));
}

#[test]
fn a_bill_below_the_deductible_pays_nothing() {
    let policy = simple();
    let req = simple_request(vec![yuan_line(1, "A1", "123.456789", "4"), yuan_line(2, "B1", "7.99", "3")]);
    let s = settle(&policy, &req).expect("settles");
    assert_eq!(s.check_identities(), Ok(()));
    assert_eq!(s.fund_pay_sumamt, Fen::ZERO);
    assert!(s.layers.iter().all(|c| c.pay.is_zero()));
    assert_eq!(s.act_pay_dedc, s.inscp_scp_amt, "the whole in-range amount goes to the deductible");
    assert_eq!(s.psn_part_amt, s.medfee_sumamt);
    assert_eq!(s.psn_cash_pay, s.medfee_sumamt);
    let text = render_zh(&policy, &req, &s);
    assert!(text.iter().any(|t| t.contains("未超过起付线 1,000.00 元")), "{text:?}");
}

#[test]
fn a_bill_exactly_at_the_deductible_pays_nothing_and_one_fen_more_pays_one_fen() {
    let policy = simple();
    let s = settle(&policy, &simple_request(vec![yuan_line(1, "A1", "1000", "1")])).expect("settles");
    assert_eq!(s.fund_pay_sumamt, Fen::ZERO);
    assert_eq!(s.act_pay_dedc, Fen(100_000));
    let s = settle(&policy, &simple_request(vec![yuan_line(1, "A1", "1000.01", "1")])).expect("settles");
    // 0.01 × 70% = 0.007 → 0.01 (half-up).
    assert_eq!(s.funds.hifp_pay, Fen(1));
}

/// Two layers that pay on the whole in-range amount with ratios adding up to more than 100%: the personal share falls
/// as the bill rises until the funds have paid everything. The engine does what the pack says; the pack checker
/// accepts the pack. (Found by `more_in_range_never_lowers_personal_share_any_pack`.)
#[test]
fn stacked_in_range_layers_can_lower_the_personal_share() {
    let pack = r#"
[region]
admdvs = "110000"
name = "叠加"
version = "t"

[[catalogue]]
code = "A1"
name = "甲类项目"
lv = "01"

[[scheme]]
insutype = "390"
name = "城乡居民"
from = 2024-01-01

  [[scheme.layer]]
  id = "hifp"
  name = "统筹基金"
  fund_pay_type = "390100"
    [[scheme.layer.benefit]]
    id = "b"
    name = "住院"
    ratio = [{ ratio = 0.10 }]

  [[scheme.layer]]
  id = "extra"
  name = "补充"
  fund_pay_type = "999997"
    [[scheme.layer.benefit]]
    id = "b"
    name = "补充"
    ratio = [{ bands = [{ from = 0, to = 13222, ratio = 0 }, { from = 13222, ratio = 1.0 }] }]
"#;
    let policy = Policy::from_toml("stacked.toml", pack).expect("the checker accepts stacked in_range layers");
    let psn = |yuan: &str| {
        let s = settle(&policy, &simple_request(vec![yuan_line(1, "A1", yuan, "1")])).expect("settles");
        s.psn_part_amt
    };
    assert_eq!(psn("100"), Fen(9_000));
    // 131,320.54: 10% = 13,132.05 + 100% × 118,098.54 = 131,230.59 from the funds; the person pays 89.95 < 90.00.
    assert_eq!(psn("131320.54"), Fen(8_995));
}

/// A `personal_burden` layer placed between a capped layer and its `above_cap` continuation pays on the amount above
/// the cap too, and so does the continuation: the marginal fund rate is 50% + 100% there, and the personal share
/// falls from 55.55 (bill 1,111.11) to 11.11 (bill 1,200) until the funds pay everything. (Found by
/// `more_in_range_never_lowers_personal_share_any_pack`; the layered properties keep 大额 right after its layer.)
#[test]
fn a_layer_between_a_cap_and_its_continuation_can_lower_the_personal_share() {
    let pack = r#"
[region]
admdvs = "110000"
name = "夹层"
version = "t"

[[catalogue]]
code = "A1"
name = "甲类项目"
lv = "01"

[[scheme]]
insutype = "390"
name = "城乡居民"
from = 2024-01-01

  [[scheme.layer]]
  id = "hifp"
  name = "统筹基金"
  fund_pay_type = "390100"
    [[scheme.layer.benefit]]
    id = "b"
    name = "住院"
    ratio = [{ ratio = 0.90 }]
    cap = 1000

  [[scheme.layer]]
  id = "cvl"
  name = "补助"
  fund_pay_type = "320100"
    [[scheme.layer.benefit]]
    id = "b"
    name = "补助"
    base = "personal_burden"
    ratio = [{ ratio = 0.50 }]

  [[scheme.layer]]
  id = "hifob"
  name = "大额"
  fund_pay_type = "330100"
    [[scheme.layer.benefit]]
    id = "b"
    name = "大额"
    base = "above_cap"
    above_cap_of = "hifp"
    ratio = [{ ratio = 1.0 }]
"#;
    let policy = Policy::from_toml("sandwich.toml", pack).expect("the checker accepts the order");
    let psn = |yuan: &str| {
        let s = settle(&policy, &simple_request(vec![yuan_line(1, "A1", yuan, "1")])).expect("settles");
        s.psn_part_amt
    };
    assert_eq!(psn("1111.11"), Fen(5_555));
    assert_eq!(psn("1200"), Fen(1_111));
    assert_eq!(psn("2000"), Fen::ZERO);
}

/// Engine bug (minimal input). The basic fund pays 0% up to 10,000 yuan and 50% above, with a 50,000 cap that is
/// already used up this year; 大额 pays 90% above that cap. A bill of 9,999.99 gets nothing from 大额 (the basic
/// fund's uncapped pay is 0, so its cap is not "reached"); a bill of 10,000.02 makes the basic fund's uncapped pay
/// 0.01 > 0 left, and `exhaustion_point` returns the first position where the cumulative pay reaches 0 — the start
/// of the 0% band, 0.00 — so 大额 pays 90% of all 10,000.02 and the personal share falls from 9,999.99 to 1,000.00.
/// The cap runs out where the basic fund would pay more than is left: at 10,000 here, so 大额's base is 0.02.
#[test]
fn above_cap_starts_where_the_cap_runs_out_not_before_a_zero_band() {
    let pack = r#"
[region]
admdvs = "110000"
name = "零比例段"
version = "t"

[[catalogue]]
code = "A1"
name = "甲类项目"
lv = "01"

[[scheme]]
insutype = "310"
name = "职工住院"
from = 2024-01-01

  [[scheme.layer]]
  id = "hifp"
  name = "统筹基金"
  fund_pay_type = "310100"
    [[scheme.layer.benefit]]
    id = "b"
    name = "住院"
    ratio = [{ bands = [{ from = 0, to = 10000, ratio = 0 }, { from = 10000, ratio = 0.5 }] }]
    cap = 50000

  [[scheme.layer]]
  id = "hifob"
  name = "大额"
  fund_pay_type = "330100"
    [[scheme.layer.benefit]]
    id = "b"
    name = "大额"
    base = "above_cap"
    above_cap_of = "hifp"
    ratio = [{ ratio = 0.9 }]
"#;
    let policy = Policy::from_toml("zero-band.toml", pack).expect("valid pack");
    let run = |yuan: &str| {
        let mut req = simple_request(vec![yuan_line(1, "A1", yuan, "1")]);
        req.person.insutype = "310".to_string();
        req.person.enrollments[0].insutype = "310".to_string();
        req.accumulators.amounts.insert("hifp.b.paid".to_string(), Fen::yuan(50_000));
        settle(&policy, &req).expect("settles")
    };
    let below = run("9999.99");
    let above = run("10000.02");
    assert_eq!(below.fund_pay_sumamt, Fen::ZERO);
    assert!(
        above.psn_part_amt >= below.psn_part_amt,
        "3 fen more of bill lowers the personal share from {} to {}",
        below.psn_part_amt,
        above.psn_part_amt
    );
    assert_eq!(above.layers[1].base, Fen(2), "大额 pays only above the point where the cap binds (10,000)");
}

/// A refund line with no matching charge in the bill makes the in-range total negative (−10.00) while the 乙类 line
/// brings 10.00 of 先行自付: no fund may pay on that, so the bill is refused with a reason the hospital can act on.
#[test]
fn refunds_without_matching_charges_are_refused() {
    let pack = SIMPLE_PACK.replace("deductible = [{ amount = 1000 }]", "include_preselfpay = true");
    let policy = Policy::from_toml("refund.toml", &pack).expect("valid pack");
    let req = simple_request(vec![
        yuan_line(1, "C1", "1000", "1"),
        yuan_line(2, "A1", "100", "-1"),
        yuan_line(3, "B1", "5", "20"),
    ]);
    let e = settle(&policy, &req).expect_err("refused").to_string();
    assert!(e.contains("退费明细多于对应的收费明细"), "{e}");
}
