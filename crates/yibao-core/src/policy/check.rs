//! Validation of a policy pack: every rule a bureau administrator could break, reported with its field path.

use std::collections::{BTreeMap, BTreeSet};

use super::diagnostic::{Diagnostic, FieldPath};
use super::model::*;
use crate::codes::{Dictionaries, kind};
use crate::money::{Fen, Ratio};

struct Checker<'a> {
    dict: &'a Dictionaries,
    out: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn err(&mut self, path: FieldPath, zh: impl Into<String>, en: impl Into<String>) {
        self.out.push(Diagnostic::new(path, zh, en));
    }

    fn code(&mut self, path: FieldPath, kind: &str, code: &str) {
        let known =
            if kind == kind::PSN_TYPE { self.dict.contains_psn_type(code) } else { self.dict.contains(kind, code) };
        if !known {
            self.err(
                path,
                format!(
                    "未知的{}代码“{code}”：字典 {kind} 中没有此代码，请检查或在 [dict.{kind}] 中补充",
                    kind_zh(kind)
                ),
                format!("unknown {kind} code \"{code}\": add it under [dict.{kind}] or fix the code"),
            );
        }
    }

    fn codes(&mut self, path: FieldPath, kind: &str, codes: &[String]) {
        for (i, c) in codes.iter().enumerate() {
            self.code(path.idx(i), kind, c);
        }
    }

    fn non_empty(&mut self, path: FieldPath, what_zh: &str, v: &str) {
        if v.trim().is_empty() {
            self.err(path, format!("{what_zh}不能为空"), "must not be empty");
        }
    }

    fn conditions(&mut self, p: FieldPath, c: &Conditions) {
        self.codes(p.key("med_types"), kind::MED_TYPE, &c.med_types);
        self.codes(p.key("hosp_lvs"), kind::HOSP_LV, &c.hosp_lvs);
        self.codes(p.key("psn_types"), kind::PSN_TYPE, &c.psn_types);
        self.codes(p.key("identities"), kind::IDENTITY, &c.identities);
        for (i, d) in c.diseases.iter().enumerate() {
            if d.trim().is_empty() || d.contains(char::is_whitespace) {
                self.err(p.at("diseases", i), format!("病种编码“{d}”无效"), format!("invalid disease code \"{d}\""));
            }
        }
        if let (Some(a), Some(b)) = (c.age_min, c.age_max)
            && a > b
        {
            self.err(
                p.key("age_max"),
                format!("年龄上限 {b} 小于下限 {a}"),
                format!("age_max {b} is below age_min {a}"),
            );
        }
    }
}

fn kind_zh(kind: &str) -> &'static str {
    match kind {
        kind::INSUTYPE => "险种",
        kind::MED_TYPE => "医疗类别",
        kind::PSN_TYPE => "人员类别",
        kind::CHRGITM_LV => "收费项目等级",
        kind::MED_CHRGITM_TYPE => "收费项目类别",
        kind::FUND_PAY_TYPE => "基金支付类型",
        kind::HOSP_LV => "医院等级",
        kind::IDENTITY => "人员身份类别",
        kind::GEND => "性别",
        kind::SETLINFO_FIELD => "结算信息字段",
        _ => "",
    }
}

/// Checks a parsed pack against the dictionaries (national plus the pack's own extensions).
pub fn check_pack(pack: &PackFile, dict: &Dictionaries) -> Vec<Diagnostic> {
    let mut c = Checker { dict, out: Vec::new() };
    let root = FieldPath::root();
    let r = root.key("region");
    if pack.region.admdvs.len() != 6 || !pack.region.admdvs.bytes().all(|b| b.is_ascii_digit()) {
        c.err(r.key("admdvs"), format!("统筹区划代码“{}”应为6位数字", pack.region.admdvs), "admdvs must be 6 digits");
    }
    c.non_empty(r.key("name"), "统筹区名称", &pack.region.name);
    c.non_empty(r.key("version"), "政策包版本", &pack.region.version);
    check_catalogue(&mut c, pack);
    for (i, s) in pack.scheme.iter().enumerate() {
        check_scheme(&mut c, pack, root.at("scheme", i), s);
    }
    check_periods(&mut c, pack);
    c.out
}

fn check_catalogue(c: &mut Checker, pack: &PackFile) {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, it) in pack.catalogue.iter().enumerate() {
        let p = FieldPath::root().at("catalogue", i);
        c.non_empty(p.key("code"), "目录编码", &it.code);
        c.non_empty(p.key("name"), "目录名称", &it.name);
        if let Some(first) = seen.insert(&it.code, i) {
            c.err(
                p.key("code"),
                format!("目录编码“{}”重复：与第 {} 条相同", it.code, first + 1),
                format!("duplicate catalogue code \"{}\" (also catalogue[{first}])", it.code),
            );
        }
        c.code(p.key("lv"), kind::CHRGITM_LV, &it.lv);
        if let Some(cat) = &it.category {
            c.code(p.key("category"), kind::MED_CHRGITM_TYPE, cat);
        }
        if it.lv == "01" && !it.selfpay_prop.is_empty() {
            c.err(
                p.key("selfpay_prop"),
                "甲类项目全部纳入政策范围，不应设置先行自付比例",
                "class 01 items have no selfpay_prop",
            );
        }
        if it.lv == "02" && it.selfpay_prop.is_empty() {
            c.err(
                p.key("lv"),
                "乙类项目需设置先行自付比例 selfpay_prop（如 { \"*\" = 0.10 }；不需先行自付时写 0）",
                "class 02 items need selfpay_prop (0 if none)",
            );
        }
        for (k, r) in &it.selfpay_prop {
            if k != "*" {
                c.code(p.key("selfpay_prop").key(k), kind::INSUTYPE, k);
            }
            if it.lv == "03" && *r != Ratio::ONE {
                c.err(
                    p.key("selfpay_prop").key(k),
                    "丙类项目全部自费，不应设置先行自付比例",
                    "class 03 items are fully self-paid; selfpay_prop does not apply",
                );
            }
        }
        for (k, cap) in &it.price_cap {
            if k != "*" {
                c.code(p.key("price_cap").key(k), kind::HOSP_LV, k);
            }
            if cap.0 <= 0 {
                c.err(p.key("price_cap").key(k), "最高限价必须大于 0", "price cap must be positive");
            }
        }
        if let Some(s) = &it.sex {
            c.code(p.key("sex"), kind::GEND, s);
        }
        if let (Some(a), Some(b)) = (it.age_min, it.age_max)
            && a > b
        {
            c.err(p.key("age_max"), format!("年龄上限 {b} 小于下限 {a}"), format!("age_max {b} is below age_min {a}"));
        }
        if let Some(l) = &it.min_hosp_lv {
            c.code(p.key("min_hosp_lv"), kind::HOSP_LV, l);
        }
        if let Some(m) = &it.med_types {
            c.codes(p.key("med_types"), kind::MED_TYPE, m);
        }
    }
}

fn check_scheme(c: &mut Checker, pack: &PackFile, p: FieldPath, s: &SchemeDef) {
    c.code(p.key("insutype"), kind::INSUTYPE, &s.insutype);
    c.non_empty(p.key("name"), "险种政策名称", &s.name);
    if let Some(to) = s.to
        && to < s.from
    {
        c.err(
            p.key("to"),
            format!("截止日期 {to} 早于生效日期 {}", s.from),
            format!("to {to} is before from {}", s.from),
        );
    }
    if let Some(a) = &s.account {
        c.code(p.key("account").key("fund_pay_type"), kind::FUND_PAY_TYPE, &a.fund_pay_type);
    }
    let codes: BTreeSet<&str> = pack.catalogue.iter().map(|i| i.code.as_str()).collect();
    for (i, o) in s.preselfpay_override.iter().enumerate() {
        let op = p.at("preselfpay_override", i);
        for (j, item) in o.items.iter().enumerate() {
            if !codes.contains(item.as_str()) {
                c.err(
                    op.at("items", j),
                    format!("目录中没有编码为“{item}”的项目"),
                    format!("no catalogue item with code \"{item}\""),
                );
            }
        }
        c.conditions(op.key("when"), &o.when);
    }
    if s.layer.is_empty() {
        c.err(p.key("layer"), "险种至少需要一个基金层（[[scheme.layer]]）", "a scheme needs at least one layer");
    }
    let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
    let mut pools: BTreeSet<String> = BTreeSet::new();
    for (li, l) in s.layer.iter().enumerate() {
        let lp = p.at("layer", li);
        if !is_ident(&l.id) {
            c.err(
                lp.key("id"),
                format!("基金层标识“{}”只能包含小写字母、数字和下划线", l.id),
                "layer id must be lowercase letters, digits and underscores",
            );
        }
        if let Some(first) = ids.insert(&l.id, li) {
            c.err(
                lp.key("id"),
                format!("基金层标识“{}”与第 {} 层重复", l.id, first + 1),
                format!("duplicate layer id (also layer[{first}])"),
            );
        }
        c.code(lp.key("fund_pay_type"), kind::FUND_PAY_TYPE, &l.fund_pay_type);
        if let Some(f) = &l.setlinfo_field {
            c.code(lp.key("setlinfo_field"), kind::SETLINFO_FIELD, f);
        }
        if l.benefit.is_empty() {
            c.err(
                lp.key("benefit"),
                "基金层至少需要一项待遇（[[scheme.layer.benefit]]）",
                "a layer needs at least one benefit",
            );
        }
        let mut bids: BTreeSet<&str> = BTreeSet::new();
        for (bi, b) in l.benefit.iter().enumerate() {
            let bp = lp.at("benefit", bi);
            if !is_ident(&b.id) {
                c.err(
                    bp.key("id"),
                    format!("待遇标识“{}”只能包含小写字母、数字和下划线", b.id),
                    "benefit id must be lowercase letters, digits and underscores",
                );
            }
            if !bids.insert(&b.id) {
                c.err(bp.key("id"), format!("待遇标识“{}”在本层重复", b.id), "duplicate benefit id in this layer");
            }
            pools.insert(b.pool.clone().unwrap_or_else(|| format!("{}.{}", l.id, b.id)));
            check_benefit(c, bp, b, &s.layer[..li]);
        }
    }
    for (i, cc) in s.combined_cap.iter().enumerate() {
        let cp = p.at("combined_cap", i);
        for (j, pool) in cc.pools.iter().enumerate() {
            if !pools.contains(pool) {
                c.err(
                    cp.at("pools", j),
                    format!(
                        "合并封顶引用的累计池“{pool}”不存在；可用：{}",
                        pools.iter().cloned().collect::<Vec<_>>().join("、")
                    ),
                    format!("unknown pool \"{pool}\""),
                );
            }
        }
        if cc.cap.0 < 0 {
            c.err(cp.key("cap"), "封顶线不能为负数", "cap must not be negative");
        }
    }
}

fn is_ident(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn check_benefit(c: &mut Checker, p: FieldPath, b: &BenefitDef, earlier: &[LayerDef]) {
    c.conditions(p.key("when"), &b.when);
    match (b.base, &b.above_cap_of) {
        (BaseKind::AboveCap, None) => c.err(
            p.key("above_cap_of"),
            "base = \"above_cap\" 时必须用 above_cap_of 指明接续哪一层的封顶线",
            "base = \"above_cap\" needs above_cap_of = \"<earlier layer id>\"",
        ),
        (BaseKind::AboveCap, Some(of)) if !earlier.iter().any(|l| &l.id == of) => c.err(
            p.key("above_cap_of"),
            format!("above_cap_of 引用的基金层“{of}”不存在或不在本层之前"),
            format!("above_cap_of \"{of}\" is not an earlier layer"),
        ),
        (BaseKind::InRange | BaseKind::PersonalBurden, Some(_)) => c.err(
            p.key("above_cap_of"),
            "只有 base = \"above_cap\" 时才能填写 above_cap_of",
            "above_cap_of only applies to base = \"above_cap\"",
        ),
        _ => {}
    }
    let mut max_ded = Fen::ZERO;
    let mut keys = BTreeSet::new();
    for (i, d) in b.deductible.iter().enumerate() {
        let dp = p.at("deductible", i);
        if let Some(l) = &d.hosp_lv {
            c.code(dp.key("hosp_lv"), kind::HOSP_LV, l);
        }
        if let Some(t) = &d.psn_type {
            c.code(dp.key("psn_type"), kind::PSN_TYPE, t);
        }
        if d.admission == Some(0) {
            c.err(dp.key("admission"), "住院次数从 1 开始", "admission counts start at 1");
        }
        if d.amount.0 < 0 {
            c.err(dp.key("amount"), "起付线不能为负数", "deductible must not be negative");
        }
        if !keys.insert((d.hosp_lv.clone(), d.admission, d.psn_type.clone())) {
            c.err(
                dp.clone(),
                "起付线行重复：与前面某行的医院等级、住院次数、人员类别完全相同",
                "duplicate deductible row (same hosp_lv, admission and psn_type)",
            );
        }
        max_ded = max_ded.max(d.amount);
    }
    if b.ratio.is_empty() {
        c.err(p.key("ratio"), "待遇至少需要一行支付比例（ratio）", "a benefit needs at least one ratio row");
    }
    let mut rkeys = BTreeSet::new();
    for (i, r) in b.ratio.iter().enumerate() {
        let rp = p.at("ratio", i);
        if let Some(l) = &r.hosp_lv {
            c.code(rp.key("hosp_lv"), kind::HOSP_LV, l);
        }
        if let Some(t) = &r.psn_type {
            c.code(rp.key("psn_type"), kind::PSN_TYPE, t);
        }
        if !rkeys.insert((r.hosp_lv.clone(), r.psn_type.clone(), r.chosen_facility)) {
            c.err(
                rp.clone(),
                "支付比例行重复：与前面某行的条件完全相同",
                "duplicate ratio row (same hosp_lv, psn_type and chosen_facility)",
            );
        }
        match (&r.ratio, &r.bands) {
            (Some(_), Some(_)) => {
                c.err(rp.key("bands"), "同一行不能同时填写 ratio 和 bands", "give either ratio or bands, not both")
            }
            (None, None) => c.err(
                rp.clone(),
                "支付比例行需要 ratio（统一比例）或 bands（分段比例）",
                "a ratio row needs ratio or bands",
            ),
            (None, Some(bands)) => check_bands(c, rp.key("bands"), bands),
            _ => {}
        }
    }
    if let Some(cap) = b.cap {
        if cap.0 < 0 {
            c.err(p.key("cap"), "封顶线不能为负数", "cap must not be negative");
        } else if cap < max_ded {
            c.err(
                p.key("cap"),
                format!("封顶线 {} 元低于起付线 {} 元，请检查是否少写了位数", cap.grouped(), max_ded.grouped()),
                format!("cap {cap} is below the deductible {max_ded}"),
            );
        }
    }
    for (i, q) in b.quota.iter().enumerate() {
        let qp = p.at("quota", i);
        if !is_ident(&q.id) {
            c.err(
                qp.key("id"),
                "限额标识只能包含小写字母、数字和下划线",
                "quota id must be lowercase letters, digits and underscores",
            );
        }
        if q.diseases.is_empty() {
            c.err(qp.key("diseases"), "限额需要至少一个病种编码", "a quota needs at least one disease code");
        }
        if q.amount.0 <= 0 {
            c.err(qp.key("amount"), "限额必须大于 0", "quota amount must be positive");
        }
    }
    for (i, a) in b.adjust.iter().enumerate() {
        let ap = p.at("adjust", i);
        c.conditions(ap.key("when"), &a.when);
        if a.when == Conditions::default() {
            c.err(
                ap.key("when"),
                "调整项必须写明适用条件（when），否则会对所有人生效",
                "an adjustment needs a when condition",
            );
        }
        if a.deductible.is_some() && a.deductible_factor.is_some() {
            c.err(
                ap.key("deductible_factor"),
                "deductible 与 deductible_factor 只能填写一个",
                "give deductible or deductible_factor, not both",
            );
        }
        if a.ratio.is_some() && a.ratio_add.is_some() {
            c.err(ap.key("ratio_add"), "ratio 与 ratio_add 只能填写一个", "give ratio or ratio_add, not both");
        }
        if a.cap.is_some() && a.no_cap {
            c.err(ap.key("no_cap"), "cap 与 no_cap 只能填写一个", "give cap or no_cap, not both");
        }
        let any = a.deductible.is_some()
            || a.deductible_factor.is_some()
            || a.cap.is_some()
            || a.no_cap
            || a.ratio.is_some()
            || a.ratio_add.is_some();
        if !any {
            c.err(
                ap.clone(),
                "调整项没有任何调整内容（deductible、deductible_factor、cap、no_cap、ratio、ratio_add）",
                "an adjustment changes nothing",
            );
        }
        if let (Some(cap), Some(d)) = (a.cap, a.deductible)
            && cap < d
        {
            c.err(
                ap.key("cap"),
                format!("封顶线 {} 元低于起付线 {} 元", cap.grouped(), d.grouped()),
                "cap is below the deductible",
            );
        }
    }
}

fn check_bands(c: &mut Checker, p: FieldPath, bands: &[BandDef]) {
    if bands.is_empty() {
        c.err(p, "分段（bands）不能为空", "bands must not be empty");
        return;
    }
    if bands[0].from.0 != 0 {
        c.err(
            p.idx(0).key("from"),
            format!("第一段应从 0 元开始（起付线另行设置），现为 {} 元", bands[0].from.grouped()),
            "the first band must start at 0 (the deductible is set separately)",
        );
    }
    for (i, b) in bands.iter().enumerate() {
        if let Some(to) = b.to
            && to <= b.from
        {
            c.err(
                p.idx(i).key("to"),
                format!("分段上限 {} 元不大于下限 {} 元", to.grouped(), b.from.grouped()),
                format!("band upper end {to} is not above its start {}", b.from),
            );
        }
        if i + 1 < bands.len() {
            let next = &bands[i + 1];
            match b.to {
                None => {
                    c.err(p.idx(i).key("to"), "只有最后一段可以不设上限（to）", "only the last band may be open-ended")
                }
                Some(to) if next.from < to => c.err(
                    p.idx(i + 1).key("from"),
                    format!("分段重叠：上一段止于 {} 元，本段从 {} 元开始", to.grouped(), next.from.grouped()),
                    format!("overlapping bands: previous ends at {to}, this starts at {}", next.from),
                ),
                Some(to) if next.from > to => c.err(
                    p.idx(i + 1).key("from"),
                    format!(
                        "分段不连续：上一段止于 {} 元，本段从 {} 元开始，中间 {} 元无比例",
                        to.grouped(),
                        next.from.grouped(),
                        (next.from - to).grouped()
                    ),
                    format!("gap between bands: previous ends at {to}, this starts at {}", next.from),
                ),
                _ => {}
            }
        }
    }
}

/// Periods of one scheme must follow each other without overlap or gap.
fn check_periods(c: &mut Checker, pack: &PackFile) {
    let mut by_type: BTreeMap<&str, Vec<(usize, &SchemeDef)>> = BTreeMap::new();
    for (i, s) in pack.scheme.iter().enumerate() {
        by_type.entry(&s.insutype).or_default().push((i, s));
    }
    for list in by_type.values_mut() {
        list.sort_by_key(|(_, s)| s.from);
        for w in list.windows(2) {
            let ((ai, a), (bi, b)) = (w[0], w[1]);
            let p = FieldPath::root().at("scheme", bi).key("from");
            match a.to {
                None => c.err(
                    p,
                    format!(
                        "险种 {} 的政策期间重叠：第 {} 个期间（{} 起）没有截止日期，与本期间（{} 起）重叠",
                        a.insutype,
                        ai + 1,
                        a.from,
                        b.from
                    ),
                    format!("periods overlap: scheme[{ai}] from {} is open-ended", a.from),
                ),
                Some(to) if b.from <= to => c.err(
                    p,
                    format!("险种 {} 的政策期间重叠：第 {} 个期间至 {to} 止，本期间 {} 起", a.insutype, ai + 1, b.from),
                    format!("periods overlap: scheme[{ai}] ends {to}, this starts {}", b.from),
                ),
                Some(to) if to.succ_opt() != Some(b.from) => c.err(
                    p,
                    format!(
                        "险种 {} 的政策期间有空档：第 {} 个期间至 {to} 止，本期间 {} 起，其间就医将无政策可用",
                        a.insutype,
                        ai + 1,
                        b.from
                    ),
                    format!("gap between periods: scheme[{ai}] ends {to}, this starts {}", b.from),
                ),
                _ => {}
            }
        }
    }
}

/// Valid shapes that make a fund pay twice on the same money, so that a higher bill can lower the personal share:
/// a later layer paying on the whole in-range amount again, and a layer standing between a capped layer and the layer
/// that continues its cap.
pub fn warnings(pack: &PackFile) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (si, s) in pack.scheme.iter().enumerate() {
        let sp = FieldPath::root().at("scheme", si);
        let mut first_in_range: Option<usize> = None;
        for (li, l) in s.layer.iter().enumerate() {
            for (bi, b) in l.benefit.iter().enumerate() {
                let bp = sp.at("layer", li).at("benefit", bi);
                match (b.base, first_in_range) {
                    (BaseKind::InRange, Some(f)) if f != li => out.push(Diagnostic::new(
                        bp.key("id"),
                        format!(
                            "提醒：第 {} 层“{}”与第 {} 层“{}”都按全部政策范围内费用计算，两层合计比例可能超过 100%；后一层通常应写 base = \"personal_burden\"",
                            li + 1,
                            l.name,
                            f + 1,
                            s.layer[f].name
                        ),
                        "warning: two layers pay on the whole in-range amount; the later one is usually personal_burden",
                    )),
                    (BaseKind::InRange, None) => first_in_range = Some(li),
                    (BaseKind::AboveCap, _) => {
                        if let Some(of) = b.above_cap_of.as_ref().and_then(|of| s.layer.iter().position(|x| &x.id == of))
                            && of + 1 != li
                        {
                            out.push(Diagnostic::new(
                                bp.key("above_cap_of"),
                                format!(
                                    "提醒：第 {} 层接续第 {} 层的封顶线，但两层之间还有其他基金层，它们会在封顶点前后重复支付；建议把本层紧接在第 {} 层之后",
                                    li + 1,
                                    of + 1,
                                    of + 1
                                ),
                                "warning: an above_cap layer should directly follow the layer whose cap it continues",
                            ));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    out
}
