//! The synthetic county's 医保目录 (70 items with prices and the part each plays in a visit), its institutions, and
//! the demo rule pack with its knowledge files: the generator and the pack agree on every code.

use yibao_core::Price;

use crate::review::Institution;
use crate::rules::RulePack;

/// The part an item plays when the generator builds a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    ConsultOut,
    ConsultIn,
    Bed,
    Nursing,
    NursingSpecial,
    Exam,
    Lab,
    Monitor,
    Treat,
    Surgery,
    Material,
    Chronic,
    Oral,
    Injection,
    Patent,
    Herbal,
    SelfPay,
    /// Restricted by a knowledge row; used only where the row allows it (or in a planted case).
    Restricted,
}

/// One catalogue item.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Item {
    pub code: &'static str,
    pub name: &'static str,
    pub class: &'static str,
    pub lv: &'static str,
    /// Base unit price at a 二级 hospital, fen.
    pub price_fen: i64,
    pub role: Role,
}

/// Items with a price cap (their price follows the level only, never an institution's own factor).
pub(crate) const CAPPED: [&str; 3] = ["S0301", "S0303", "S0501"];

pub(crate) const ITEMS: &[Item] = &[
    Item {
        code: "S0201", name: "普通门诊诊察费", class: "02", lv: "01", price_fen: 1000, role: Role::ConsultOut
    },
    Item { code: "S0202", name: "住院诊察费", class: "02", lv: "01", price_fen: 2000, role: Role::ConsultIn },
    Item { code: "S0101", name: "普通病房床位费", class: "01", lv: "01", price_fen: 3000, role: Role::Bed },
    Item { code: "S0701", name: "一级护理", class: "07", lv: "01", price_fen: 2500, role: Role::Nursing },
    Item { code: "S0702", name: "二级护理", class: "07", lv: "01", price_fen: 1500, role: Role::Nursing },
    Item { code: "S0703", name: "特级护理", class: "07", lv: "01", price_fen: 8000, role: Role::NursingSpecial },
    Item {
        code: "S0301", name: "彩色多普勒超声检查", class: "03", lv: "01", price_fen: 10000, role: Role::Exam
    },
    Item { code: "S0302", name: "胸部X线摄影", class: "03", lv: "01", price_fen: 6000, role: Role::Exam },
    Item { code: "S0303", name: "颅脑CT平扫", class: "03", lv: "01", price_fen: 18000, role: Role::Exam },
    Item { code: "S0304", name: "常规心电图检查", class: "03", lv: "01", price_fen: 2500, role: Role::Exam },
    Item { code: "S0305", name: "胸部CT平扫", class: "03", lv: "02", price_fen: 26000, role: Role::Exam },
    Item {
        code: "S0340",
        name: "正电子发射计算机断层显像(PET-CT)",
        class: "03",
        lv: "02",
        price_fen: 700000,
        role: Role::Restricted,
    },
    Item { code: "S0401", name: "血细胞分析", class: "04", lv: "01", price_fen: 2000, role: Role::Lab },
    Item { code: "S0402", name: "尿液分析", class: "04", lv: "01", price_fen: 1000, role: Role::Lab },
    Item { code: "S0403", name: "肝功能检测", class: "04", lv: "01", price_fen: 6000, role: Role::Lab },
    Item { code: "S0404", name: "肾功能检测", class: "04", lv: "01", price_fen: 4000, role: Role::Lab },
    Item { code: "S0405", name: "血清葡萄糖测定", class: "04", lv: "01", price_fen: 800, role: Role::Lab },
    Item { code: "S0406", name: "C反应蛋白测定", class: "04", lv: "01", price_fen: 3000, role: Role::Lab },
    Item { code: "S0407", name: "血脂四项", class: "04", lv: "01", price_fen: 4000, role: Role::Lab },
    Item { code: "S0411", name: "末梢血糖监测", class: "04", lv: "01", price_fen: 500, role: Role::Monitor },
    Item {
        code: "S0330",
        name: "前列腺特异性抗原测定",
        class: "04",
        lv: "01",
        price_fen: 8000,
        role: Role::Restricted,
    },
    Item {
        code: "S0331", name: "宫颈细胞学检查", class: "04", lv: "01", price_fen: 12000, role: Role::Restricted
    },
    Item { code: "S0501", name: "静脉输液", class: "05", lv: "01", price_fen: 1200, role: Role::Treat },
    Item { code: "S0502", name: "静脉注射", class: "05", lv: "01", price_fen: 600, role: Role::Treat },
    Item { code: "S0503", name: "肌肉注射", class: "05", lv: "01", price_fen: 300, role: Role::Treat },
    Item { code: "S0504", name: "雾化吸入", class: "05", lv: "01", price_fen: 1500, role: Role::Treat },
    Item { code: "S0505", name: "大换药", class: "05", lv: "01", price_fen: 2000, role: Role::Treat },
    Item {
        code: "S0510", name: "心电监护（每小时）", class: "05", lv: "01", price_fen: 800, role: Role::Monitor
    },
    Item { code: "S0560", name: "血液透析", class: "05", lv: "01", price_fen: 42000, role: Role::Restricted },
    Item { code: "S0601", name: "阑尾切除术", class: "06", lv: "01", price_fen: 180000, role: Role::Surgery },
    Item {
        code: "S0602", name: "腹腔镜胆囊切除术", class: "06", lv: "01", price_fen: 350000, role: Role::Surgery
    },
    Item { code: "S0603", name: "清创缝合术", class: "06", lv: "01", price_fen: 20000, role: Role::Surgery },
    Item {
        code: "M0801", name: "一次性使用输液器", class: "08", lv: "02", price_fen: 500, role: Role::Material
    },
    Item { code: "M0802", name: "静脉留置针", class: "08", lv: "02", price_fen: 2500, role: Role::Material },
    Item { code: "M0803", name: "医用敷料", class: "08", lv: "02", price_fen: 800, role: Role::Material },
    Item {
        code: "D0901",
        name: "硝苯地平控释片(30mg×7片)",
        class: "09",
        lv: "01",
        price_fen: 3200,
        role: Role::Chronic,
    },
    Item {
        code: "D0902",
        name: "苯磺酸氨氯地平片(5mg×7片)",
        class: "09",
        lv: "01",
        price_fen: 1200,
        role: Role::Chronic,
    },
    Item {
        code: "D0903", name: "缬沙坦胶囊(80mg×7粒)", class: "09", lv: "02", price_fen: 1800, role: Role::Chronic
    },
    Item {
        code: "D0904",
        name: "盐酸二甲双胍片(0.5g×14片)",
        class: "09",
        lv: "01",
        price_fen: 600,
        role: Role::Chronic,
    },
    Item {
        code: "D0905", name: "格列美脲片(2mg×7片)", class: "09", lv: "02", price_fen: 1500, role: Role::Chronic
    },
    Item {
        code: "D0906", name: "阿卡波糖片(50mg×21片)", class: "09", lv: "02", price_fen: 3000, role: Role::Chronic
    },
    Item {
        code: "D0907",
        name: "重组人促红素注射液(3000IU)",
        class: "09",
        lv: "02",
        price_fen: 12000,
        role: Role::Chronic,
    },
    Item {
        code: "D0910", name: "阿莫西林胶囊(0.25g×24粒)", class: "09", lv: "01", price_fen: 900, role: Role::Oral
    },
    Item {
        code: "D0911", name: "头孢克洛胶囊(0.25g×12粒)", class: "09", lv: "02", price_fen: 2200, role: Role::Oral
    },
    Item {
        code: "D0912", name: "布洛芬缓释胶囊(0.3g×10粒)", class: "09", lv: "01", price_fen: 800, role: Role::Oral
    },
    Item {
        code: "D0914", name: "氯雷他定片(10mg×6片)", class: "09", lv: "02", price_fen: 1800, role: Role::Oral
    },
    Item {
        code: "D0915",
        name: "奥美拉唑肠溶胶囊(20mg×14粒)",
        class: "09",
        lv: "01",
        price_fen: 1200,
        role: Role::Oral,
    },
    Item { code: "D0916", name: "蒙脱石散(3g×10袋)", class: "09", lv: "01", price_fen: 1400, role: Role::Oral },
    Item {
        code: "D0917",
        name: "左氧氟沙星片(0.5g×6片)",
        class: "09",
        lv: "02",
        price_fen: 2500,
        role: Role::Restricted,
    },
    Item {
        code: "D0920",
        name: "0.9%氯化钠注射液(250ml)",
        class: "09",
        lv: "01",
        price_fen: 400,
        role: Role::Injection,
    },
    Item {
        code: "D0921", name: "注射用头孢曲松钠(1g)", class: "09", lv: "02", price_fen: 1800, role: Role::Injection
    },
    Item {
        code: "D0922", name: "5%葡萄糖注射液(250ml)", class: "09", lv: "01", price_fen: 400, role: Role::Injection
    },
    Item {
        code: "D0923",
        name: "注射用奥美拉唑钠(40mg)",
        class: "09",
        lv: "02",
        price_fen: 2500,
        role: Role::Injection,
    },
    Item {
        code: "D0930", name: "注射用顺铂(10mg)", class: "09", lv: "02", price_fen: 6000, role: Role::Injection
    },
    Item {
        code: "D0950", name: "黄体酮注射液(20mg)", class: "09", lv: "01", price_fen: 1500, role: Role::Restricted
    },
    Item {
        code: "D0951", name: "非那雄胺片(5mg×7片)", class: "09", lv: "02", price_fen: 3000, role: Role::Restricted
    },
    Item {
        code: "D0960",
        name: "小儿氨酚黄那敏颗粒(×10袋)",
        class: "09",
        lv: "01",
        price_fen: 1200,
        role: Role::Restricted,
    },
    Item {
        code: "D0970",
        name: "利奈唑胺注射液(600mg)",
        class: "09",
        lv: "02",
        price_fen: 28000,
        role: Role::Restricted,
    },
    Item {
        code: "D0980",
        name: "人血白蛋白注射液(10g)",
        class: "09",
        lv: "02",
        price_fen: 38000,
        role: Role::Restricted,
    },
    Item {
        code: "D0990", name: "缩宫素注射液(10IU)", class: "09", lv: "01", price_fen: 800, role: Role::Restricted
    },
    Item {
        code: "D0991",
        name: "重组人表皮生长因子凝胶(工伤)",
        class: "09",
        lv: "02",
        price_fen: 6000,
        role: Role::Restricted,
    },
    Item { code: "D0999", name: "复方阿胶浆", class: "11", lv: "03", price_fen: 9800, role: Role::SelfPay },
    Item {
        code: "D1101", name: "连花清瘟胶囊(×24粒)", class: "11", lv: "02", price_fen: 1500, role: Role::Patent
    },
    Item {
        code: "D1102", name: "板蓝根颗粒(×20袋)", class: "11", lv: "01", price_fen: 1200, role: Role::Patent
    },
    Item {
        code: "D1160",
        name: "小儿豉翘清热颗粒(×6袋)",
        class: "11",
        lv: "02",
        price_fen: 2500,
        role: Role::Restricted,
    },
    Item { code: "D1001", name: "枸杞子（每克）", class: "10", lv: "02", price_fen: 20, role: Role::Herbal },
    Item { code: "D1002", name: "当归（每克）", class: "10", lv: "02", price_fen: 30, role: Role::Herbal },
    Item { code: "D1003", name: "西洋参（每克）", class: "10", lv: "02", price_fen: 150, role: Role::Herbal },
    Item { code: "S0390", name: "健康体检套餐", class: "14", lv: "03", price_fen: 30000, role: Role::SelfPay },
    Item { code: "S0591", name: "激光美容治疗", class: "05", lv: "03", price_fen: 50000, role: Role::SelfPay },
];

/// The item with this code.
pub(crate) fn item(code: &str) -> usize {
    ITEMS.iter().position(|i| i.code == code).unwrap_or_else(|| panic!("synthetic catalogue has no item {code}"))
}

/// Price percentage by hospital level (0 未定级, 1 一级, 2 二级, 3 三级).
pub(crate) fn level_pct(level: &str) -> i64 {
    match level {
        "3" => 110,
        "2" => 100,
        _ => 90,
    }
}

/// The unit price of an item at an institution of `level` whose own price factor is `factor_pct`.
pub(crate) fn price(it: &Item, level: &str, factor_pct: i64) -> Price {
    let f = if CAPPED.contains(&it.code) { 100 } else { factor_pct };
    Price(it.price_fen * 10_000 * level_pct(level) * f / 10_000)
}

/// (medins_type, level, how many, name pattern) of the synthetic county's institutions.
pub(crate) const INSTITUTION_MIX: &[(&str, &str, usize, &str)] = &[
    ("1", "3", 2, "示范县人民医院"),
    ("2", "3", 1, "示范县中医院"),
    ("1", "2", 6, "示范县第二人民医院"),
    ("3", "2", 2, "示范县专科医院"),
    ("4", "1", 30, "乡镇卫生院"),
    ("5", "0", 60, "村卫生室"),
    ("6", "0", 45, "定点零售药店"),
];

/// The institutions, numbered in the order of [`INSTITUTION_MIX`].
pub(crate) fn institutions() -> Vec<Institution> {
    let mut out = Vec::new();
    for (t, lv, n, pattern) in INSTITUTION_MIX {
        for k in 1..=*n {
            let code = format!("H999001{:04}", out.len() + 1);
            let name = if *n == 1 { pattern.to_string() } else { format!("{pattern}{k:02}") };
            out.push(Institution { code, name, medins_type: t.to_string(), level: lv.to_string() });
        }
    }
    out
}

/// The demo rule pack (`data/demo_rules.toml`) and its knowledge files, embedded.
pub const DEMO_PACK_TOML: &str = include_str!("../../data/demo_rules.toml");

/// The demo pack's knowledge files by the names the pack uses.
pub const KNOWLEDGE_FILES: &[(&str, &str)] = &[
    ("knowledge/catalogue.csv", include_str!("../../data/knowledge/catalogue.csv")),
    ("knowledge/sex_limit.csv", include_str!("../../data/knowledge/sex_limit.csv")),
    ("knowledge/child_only.csv", include_str!("../../data/knowledge/child_only.csv")),
    ("knowledge/adult_only.csv", include_str!("../../data/knowledge/adult_only.csv")),
    ("knowledge/institution_limit.csv", include_str!("../../data/knowledge/institution_limit.csv")),
    ("knowledge/med_type_limit.csv", include_str!("../../data/knowledge/med_type_limit.csv")),
    ("knowledge/scheme_limit.csv", include_str!("../../data/knowledge/scheme_limit.csv")),
    ("knowledge/price_cap.csv", include_str!("../../data/knowledge/price_cap.csv")),
    ("knowledge/quantity_limit.csv", include_str!("../../data/knowledge/quantity_limit.csv")),
    ("knowledge/exclusive_pairs.csv", include_str!("../../data/knowledge/exclusive_pairs.csv")),
    ("knowledge/drug_supply.csv", include_str!("../../data/knowledge/drug_supply.csv")),
    ("knowledge/chronic_drugs.csv", include_str!("../../data/knowledge/chronic_drugs.csv")),
    ("knowledge/planned_readmission.csv", include_str!("../../data/knowledge/planned_readmission.csv")),
];

/// A knowledge file of the demo pack.
pub fn knowledge_file(name: &str) -> Option<&'static str> {
    KNOWLEDGE_FILES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The demo rule pack, compiled.
pub fn demo_pack() -> RulePack {
    RulePack::from_toml_with("demo_rules.toml", DEMO_PACK_TOML, &|name| {
        knowledge_file(name)
            .map(|t| t.as_bytes().to_vec())
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, name.to_string()))
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::Table;

    #[test]
    fn the_catalogue_file_lists_every_synthetic_item_with_its_class() {
        let text = knowledge_file("knowledge/catalogue.csv").unwrap();
        let t = Table::from_bytes("catalogue.csv", text.as_bytes()).unwrap();
        let file: Vec<(&str, &str, &str)> =
            t.rows.iter().map(|r| (r.cells[0].as_str(), r.cells[2].as_str(), r.cells[3].as_str())).collect();
        let items: Vec<(&str, &str, &str)> = ITEMS.iter().map(|i| (i.code, i.lv, i.class)).collect();
        assert_eq!(file, items);
        assert_eq!(institutions().len(), INSTITUTION_MIX.iter().map(|m| m.2).sum::<usize>());
    }
}
