//! Valid packs whose layers pay twice on the same money load, with a located warning for the administrator.

use yibao_core::Policy;

const HEAD: &str = r#"
[region]
admdvs = "110000"
name = "提醒"
version = "t"

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
    ratio = [{ ratio = 0.80 }]
    cap = 1000
"#;

#[test]
fn a_second_in_range_layer_is_flagged() {
    let pack = format!(
        "{HEAD}
  [[scheme.layer]]
  id = \"hifmi\"
  name = \"大病保险\"
  fund_pay_type = \"390200\"
    [[scheme.layer.benefit]]
    id = \"c\"
    name = \"大病\"
    ratio = [{{ ratio = 0.50 }}]
"
    );
    let p = Policy::from_toml("w.toml", &pack).expect("valid pack");
    assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
    let w = &p.warnings[0];
    assert_eq!(w.path.to_string(), "scheme[0].layer[1].benefit[0].id");
    assert_eq!(w.line, Some(27)); // the line of `id = "c"`
    assert!(w.zh.contains("两层合计比例可能超过 100%"), "{}", w.zh);
}

#[test]
fn an_above_cap_layer_not_next_to_its_layer_is_flagged() {
    let pack = format!(
        "{HEAD}
  [[scheme.layer]]
  id = \"maf\"
  name = \"医疗救助\"
  fund_pay_type = \"610100\"
    [[scheme.layer.benefit]]
    id = \"m\"
    name = \"救助\"
    base = \"personal_burden\"
    ratio = [{{ ratio = 0.50 }}]

  [[scheme.layer]]
  id = \"hifob\"
  name = \"大额\"
  fund_pay_type = \"330100\"
    [[scheme.layer.benefit]]
    id = \"o\"
    name = \"大额\"
    base = \"above_cap\"
    above_cap_of = \"hifp\"
    ratio = [{{ ratio = 0.90 }}]
"
    );
    let p = Policy::from_toml("w.toml", &pack).expect("valid pack");
    assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
    assert_eq!(p.warnings[0].path.to_string(), "scheme[0].layer[2].benefit[0].above_cap_of");
    assert!(p.warnings[0].zh.contains("建议把本层紧接在第 1 层之后"));
}

#[test]
fn well_ordered_packs_have_no_warnings() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../packs/demo-county.toml")).unwrap();
    assert!(Policy::from_toml("demo", &text).unwrap().warnings.is_empty());
}
