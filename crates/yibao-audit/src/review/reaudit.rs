//! 事后 re-audit: every screening rule run again on every settled visit of a shard, with the person's registrations,
//! death date and dispensing history taken from the shard itself.

use std::sync::Arc;

use yibao_core::{Fen, Price, Qty};

use super::dataset::{LINE_OWNPAY, NO_CODE, NO_DAY, SETL_EMERGENCY, date};
use super::{PersonCx, Registry, ReviewOptions, Sink};
use crate::encounter::{Encounter, Line, PastDispense, Person, RegisteredDisease};
use crate::finding::Case;
use crate::rules::RulePack;
use crate::screen::{Screener, Selection};
use crate::templates::Compiled;

pub(crate) struct Reaudit<'a> {
    pack: &'a RulePack,
    screener: Screener<'a>,
    enc: Encounter<'a>,
    /// By item ID: the item has rows in a 重复开药 rule, so its dispensing goes into the history.
    history_item: Vec<bool>,
    opts: ReviewOptions<'a>,
}

impl<'a> Reaudit<'a> {
    pub(crate) fn new(pack: &'a RulePack, reg: &'a Registry, opts: ReviewOptions<'a>) -> Reaudit<'a> {
        let history_item = (0..reg.items.len() as u32)
            .map(|i| {
                pack.index.get(reg.items.name(i)).is_some_and(|entries| {
                    entries.iter().any(|(r, _)| matches!(pack.rules[*r as usize].compiled, Compiled::Repeat(_)))
                })
            })
            .collect();
        Reaudit { pack, screener: Screener::new(pack), enc: Encounter::default(), history_item, opts }
    }

    pub(crate) fn person(&mut self, cx: &PersonCx<'a>, sink: &mut Sink) {
        let (sh, reg, p) = (cx.shard, cx.reg, cx.p);
        let opt = |d| (d != NO_DAY).then(|| date(d));
        self.enc.person = Person {
            psn_no: sh.psn_no.get(p),
            gend: (sh.gend[p] != u8::MAX).then(|| reg.genders.name(u32::from(sh.gend[p]))),
            brdy: opt(sh.brdy[p]),
            death_date: opt(sh.death[p]),
            diseases: Some(
                sh.person_registrations(p)
                    .iter()
                    .map(|r| RegisteredDisease {
                        code: reg.diseases.name(r.disease),
                        begin: date(r.begin),
                        end: opt(r.end),
                    })
                    .collect(),
            ),
        };
        for s in cx.setls.clone() {
            let inst = &reg.institutions[sh.inst[s] as usize];
            let v = &mut self.enc.visit;
            v.mdtrt_id = sh.mdtrt_id.get(s);
            v.admdvs = self.opts.region;
            v.fixmedins_code = &inst.code;
            v.medins_lv = Some(&inst.level);
            v.medins_type = Some(&inst.medins_type);
            v.med_type = reg.med_types.name(u32::from(sh.med_type[s]));
            v.insutype = reg.insutypes.name(u32::from(sh.insutype[s]));
            v.begin = date(sh.begin[s]);
            v.end = Some(date(sh.end[s]));
            v.emergency = sh.setl_flags[s] & SETL_EMERGENCY != 0;
            v.diagnoses.clear();
            v.diagnoses.push(reg.diagnoses.name(sh.dx[s]));
            v.opsp_dise_code = (sh.opsp[s] != NO_CODE).then(|| reg.diseases.name(sh.opsp[s]));
            self.enc.lines.clear();
            for l in sh.setl_lines(s) {
                let amount = Fen(sh.amount[l]);
                let m = sh.modifier[l];
                self.enc.lines.push(Line {
                    id: "",
                    code: reg.items.name(sh.code[l]),
                    name: &reg.item_names[sh.code[l] as usize],
                    class: Some(reg.classes.name(u32::from(sh.class[l]))),
                    price: Price(sh.price[l]),
                    qty: Qty(i64::from(sh.qty[l])),
                    amount,
                    ownpay: if sh.line_flags[l] & LINE_OWNPAY != 0 { amount } else { Fen::ZERO },
                    date: date(sh.begin[s] + i32::from(sh.line_day[l])),
                    modifier: (m > 0).then(|| reg.modifiers.name(u32::from(m - 1))),
                });
            }
            self.enc.history.clear();
            let from = sh.begin[s] - self.opts.history_days;
            for q in (cx.setls.start..s).filter(|q| sh.end[*q] >= from) {
                for l in sh.setl_lines(q).filter(|l| self.history_item[sh.code[*l] as usize]) {
                    self.enc.history.push(PastDispense {
                        mdtrt_id: sh.mdtrt_id.get(q),
                        fixmedins_code: &reg.institutions[sh.inst[q] as usize].code,
                        date: date(sh.begin[q] + i32::from(sh.line_day[l])),
                        code: reg.items.name(sh.code[l]),
                        qty: Qty(i64::from(sh.qty[l])),
                    });
                }
            }
            let sel = Selection { date: date(sh.end[s]), trig_scen: None, rule_ids: &[] };
            for f in self.screener.run(&self.enc, &sel) {
                let Some(r) = self.pack.rules.iter().position(|r| Arc::ptr_eq(&r.info, &f.rule)) else { continue };
                sink.count(sh.inst[s] as usize, r, f.amount);
                sink.cases.push(Case {
                    rule: f.rule,
                    psn_no: Some(f.psn_no),
                    fixmedins_code: Some(f.fixmedins_code),
                    setl_ids: vec![sh.setl_id.get(s).to_string()],
                    date: f.date,
                    amount: f.amount,
                    text: f.text,
                });
            }
        }
    }
}
