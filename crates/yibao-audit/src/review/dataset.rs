//! The in-memory columnar dataset 事后 review runs on: a [`Registry`] of interned codes and institutions shared by
//! all shards, and [`Shard`]s of persons sorted by `psn_no`, each person's settlements sorted by date, each
//! settlement's fee lines. Money is integer fen, dates are day numbers, codes are dense integer IDs, so a year of a
//! county (1,000,000 settlements, 15,000,000 lines) takes about 30 bytes a line.
//!
//! The ledger shards by person, so a shard is what one store partition yields; review takes shards one at a time.

use chrono::{Datelike, NaiveDate};
use rustc_hash::FxHashMap;
use yibao_core::{Fen, Price, Qty};

/// A date as a day number (days from 0001-01-01, as [`NaiveDate::num_days_from_ce`]).
pub type Day = i32;
/// No date (a person who has not died).
pub const NO_DAY: Day = Day::MAX;
/// No code (a settlement without a 门慢门特 disease).
pub const NO_CODE: u32 = u32::MAX;

pub fn day(d: NaiveDate) -> Day {
    d.num_days_from_ce()
}

pub fn date(d: Day) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(d).unwrap_or(NaiveDate::MAX)
}

/// Strings stored back to back: one allocation for a million IDs.
#[derive(Debug, Clone, Default)]
pub struct StrColumn {
    text: String,
    ends: Vec<u32>,
}

impl StrColumn {
    pub fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.ends.push(self.text.len() as u32);
    }
    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// Codes interned to dense IDs.
#[derive(Debug, Clone, Default)]
pub struct Interner {
    ids: FxHashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(id) = self.ids.get(s) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.names.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }
    pub fn get(&self, s: &str) -> Option<u32> {
        self.ids.get(s).copied()
    }
    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }
    pub fn len(&self) -> usize {
        self.names.len()
    }
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// A designated institution (定点医药机构).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Institution {
    pub code: String,
    pub name: String,
    /// `medins_type` code (综合医院, 基层医疗卫生机构, 定点零售药店 …).
    pub medins_type: String,
    /// `hosp_lv` code.
    pub level: String,
}

/// Codes and institutions shared by every shard of one review.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    pub items: Interner,
    /// Item names by item ID (the first name seen).
    pub item_names: Vec<String>,
    pub diagnoses: Interner,
    pub diseases: Interner,
    pub med_types: Interner,
    pub insutypes: Interner,
    pub classes: Interner,
    pub genders: Interner,
    pub modifiers: Interner,
    pub institutions: Vec<Institution>,
    inst_index: FxHashMap<String, u32>,
}

impl Registry {
    /// Registers (or updates) an institution; returns its ID.
    pub fn institution(&mut self, inst: Institution) -> u32 {
        if let Some(&id) = self.inst_index.get(&inst.code) {
            self.institutions[id as usize] = inst;
            return id;
        }
        let id = self.institutions.len() as u32;
        self.inst_index.insert(inst.code.clone(), id);
        self.institutions.push(inst);
        id
    }
    pub fn institution_id(&self, code: &str) -> Option<u32> {
        self.inst_index.get(code).copied()
    }
    pub fn item(&mut self, code: &str, name: &str) -> u32 {
        let id = self.items.intern(code);
        if id as usize == self.item_names.len() {
            self.item_names.push(name.to_string());
        }
        id
    }
}

fn small(i: &mut Interner, s: &str, what: &'static str) -> Result<u8, DatasetError> {
    let id = i.intern(s);
    u8::try_from(id).ok().filter(|v| *v != u8::MAX).ok_or(DatasetError::TooManyCodes(what))
}

/// One 门慢门特 registration of a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registration {
    pub disease: u32,
    pub begin: Day,
    pub end: Day,
}

/// Line flag: the line was declared fully self-paid.
pub const LINE_OWNPAY: u8 = 1;
/// Settlement flag: emergency visit.
pub const SETL_EMERGENCY: u8 = 1;

/// Persons, their settlements and fee lines, as columns.
#[derive(Debug, Clone, Default)]
pub struct Shard {
    pub psn_no: StrColumn,
    /// Gender ID in [`Registry::genders`], `u8::MAX` when unknown.
    pub gend: Vec<u8>,
    pub brdy: Vec<Day>,
    pub death: Vec<Day>,
    /// Person `p`'s settlements are `setl_start[p]..setl_start[p + 1]`.
    pub setl_start: Vec<u32>,
    pub reg_start: Vec<u32>,
    pub registrations: Vec<Registration>,

    pub setl_id: StrColumn,
    pub mdtrt_id: StrColumn,
    pub person: Vec<u32>,
    pub inst: Vec<u32>,
    pub med_type: Vec<u8>,
    pub insutype: Vec<u8>,
    pub begin: Vec<Day>,
    /// Discharge day (= the settlement day); the visit day for outpatient visits.
    pub end: Vec<Day>,
    /// Minutes after midnight of the settlement (the card swipe).
    pub minute: Vec<u16>,
    /// Main diagnosis ID in [`Registry::diagnoses`].
    pub dx: Vec<u32>,
    /// 门慢门特 disease the visit settles for, or [`NO_CODE`].
    pub opsp: Vec<u32>,
    pub setl_flags: Vec<u8>,
    /// 医疗费总额 and 基金支付总额, fen.
    pub total: Vec<i64>,
    pub fund: Vec<i64>,
    /// Settlement `s`'s lines are `line_start[s]..line_start[s + 1]`.
    pub line_start: Vec<u32>,

    pub code: Vec<u32>,
    /// Days after the settlement's `begin`.
    pub line_day: Vec<u16>,
    pub class: Vec<u8>,
    /// Quantity in ten-thousandths (the interface's 16,4).
    pub qty: Vec<i32>,
    /// Unit price in millionths of a yuan.
    pub price: Vec<i64>,
    pub amount: Vec<i64>,
    pub line_flags: Vec<u8>,
    /// Modifier ID + 1 in [`Registry::modifiers`]; 0 = none.
    pub modifier: Vec<u8>,
}

impl Shard {
    pub fn persons(&self) -> usize {
        self.psn_no.len()
    }
    pub fn settlements(&self) -> usize {
        self.person.len()
    }
    pub fn lines(&self) -> usize {
        self.code.len()
    }
    pub fn person_setls(&self, p: usize) -> std::ops::Range<usize> {
        self.setl_start[p] as usize..self.setl_start[p + 1] as usize
    }
    pub fn setl_lines(&self, s: usize) -> std::ops::Range<usize> {
        self.line_start[s] as usize..self.line_start[s + 1] as usize
    }
    /// Gives back the columns' unused capacity.
    fn shrink(&mut self) {
        for c in [&mut self.psn_no, &mut self.setl_id, &mut self.mdtrt_id] {
            c.text.shrink_to_fit();
            c.ends.shrink_to_fit();
        }
        macro_rules! fit {
            ($($f:ident),*) => { $( self.$f.shrink_to_fit(); )* };
        }
        fit!(gend, brdy, death, setl_start, reg_start, registrations, person, inst, med_type, insutype, begin, end);
        fit!(minute, dx, opsp, setl_flags, total, fund, line_start, code, line_day, class, qty, price, amount);
        fit!(line_flags, modifier);
    }

    /// Bytes the shard's columns hold (capacity, not counting the allocator's own overhead).
    pub fn heap_bytes(&self) -> usize {
        fn v<T>(x: &Vec<T>) -> usize {
            x.capacity() * std::mem::size_of::<T>()
        }
        let strs = |c: &StrColumn| c.text.capacity() + v(&c.ends);
        strs(&self.psn_no)
            + strs(&self.setl_id)
            + strs(&self.mdtrt_id)
            + v(&self.gend)
            + v(&self.brdy)
            + v(&self.death)
            + v(&self.setl_start)
            + v(&self.reg_start)
            + v(&self.registrations)
            + v(&self.person)
            + v(&self.inst)
            + v(&self.med_type)
            + v(&self.insutype)
            + v(&self.begin)
            + v(&self.end)
            + v(&self.minute)
            + v(&self.dx)
            + v(&self.opsp)
            + v(&self.setl_flags)
            + v(&self.total)
            + v(&self.fund)
            + v(&self.line_start)
            + v(&self.code)
            + v(&self.line_day)
            + v(&self.class)
            + v(&self.qty)
            + v(&self.price)
            + v(&self.amount)
            + v(&self.line_flags)
            + v(&self.modifier)
    }

    pub fn person_registrations(&self, p: usize) -> &[Registration] {
        &self.registrations[self.reg_start[p] as usize..self.reg_start[p + 1] as usize]
    }
}

/// Why a shard could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DatasetError {
    #[error("人员编号未按顺序：{0} 排在 {1} 之后（每个分片须按 psn_no 升序，每人只出现一次）")]
    PersonOrder(String, String),
    #[error("结算 {0} 之前没有人员")]
    NoPerson(String),
    #[error("费用明细之前没有结算")]
    NoSettlement,
    #[error("结算 {0} 的定点医药机构 {1} 未登记")]
    UnknownInstitution(String, String),
    #[error("结算 {0} 的费用日期 {1} 早于就诊日期或晚于就诊日期 65535 天")]
    LineDate(String, NaiveDate),
    #[error("结算 {0} 的费用数量 {1} 超出范围")]
    LineQty(String, Qty),
    #[error("{0}代码超过 254 种")]
    TooManyCodes(&'static str),
}

/// A person as the builder takes them.
#[derive(Debug, Clone, Copy)]
pub struct PersonIn<'a> {
    pub psn_no: &'a str,
    pub gend: Option<&'a str>,
    pub brdy: Option<NaiveDate>,
    pub death_date: Option<NaiveDate>,
}

/// A settlement as the builder takes it.
#[derive(Debug, Clone, Copy)]
pub struct SettlementIn<'a> {
    pub setl_id: &'a str,
    pub mdtrt_id: &'a str,
    pub fixmedins_code: &'a str,
    pub med_type: &'a str,
    pub insutype: &'a str,
    pub begin: NaiveDate,
    pub end: NaiveDate,
    /// Minutes after midnight of the settlement.
    pub minute: u16,
    pub main_dx: &'a str,
    pub opsp_dise: Option<&'a str>,
    pub emergency: bool,
    pub total: Fen,
    pub fund: Fen,
}

/// A fee line as the builder takes it.
#[derive(Debug, Clone, Copy)]
pub struct LineIn<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub class: &'a str,
    pub date: NaiveDate,
    pub qty: Qty,
    pub price: Price,
    pub amount: Fen,
    pub ownpay: bool,
    pub modifier: Option<&'a str>,
}

#[derive(Debug, Clone, Copy)]
struct StagedLine {
    code: u32,
    day: u16,
    class: u8,
    qty: i32,
    price: i64,
    amount: i64,
    flags: u8,
    modifier: u8,
}

#[derive(Debug, Clone)]
struct Staged {
    key: (Day, u16, Day),
    setl_id: String,
    mdtrt_id: String,
    cols: (u32, u8, u8, Day, Day, u16, u32, u32, u8, i64, i64),
    lines: Vec<StagedLine>,
}

/// Builds a shard person by person; each person's settlements are sorted by date when the person is closed.
pub struct ShardBuilder<'r> {
    reg: &'r mut Registry,
    shard: Shard,
    staged: Vec<Staged>,
    has_person: bool,
}

impl<'r> ShardBuilder<'r> {
    pub fn new(reg: &'r mut Registry) -> ShardBuilder<'r> {
        let mut shard = Shard::default();
        shard.setl_start.push(0);
        shard.reg_start.push(0);
        shard.line_start.push(0);
        ShardBuilder { reg, shard, staged: Vec::new(), has_person: false }
    }

    pub fn registry(&mut self) -> &mut Registry {
        self.reg
    }

    /// Starts the next person (psn_no must be above the previous one).
    pub fn person(&mut self, p: PersonIn) -> Result<(), DatasetError> {
        let s = &mut self.shard;
        if let Some(last) = s.psn_no.len().checked_sub(1).map(|i| s.psn_no.get(i))
            && last >= p.psn_no
        {
            return Err(DatasetError::PersonOrder(p.psn_no.to_string(), last.to_string()));
        }
        self.close_person();
        let s = &mut self.shard;
        s.psn_no.push(p.psn_no);
        s.gend.push(match p.gend {
            Some(g) => small(&mut self.reg.genders, g, "性别")?,
            None => u8::MAX,
        });
        s.brdy.push(p.brdy.map_or(NO_DAY, day));
        s.death.push(p.death_date.map_or(NO_DAY, day));
        self.has_person = true;
        Ok(())
    }

    /// Adds a 门慢门特 registration to the current person.
    pub fn registration(&mut self, disease: &str, begin: NaiveDate, end: Option<NaiveDate>) {
        let disease = self.reg.diseases.intern(disease);
        self.shard.registrations.push(Registration { disease, begin: day(begin), end: end.map_or(NO_DAY, day) });
    }

    /// Adds a settlement to the current person.
    pub fn settlement(&mut self, s: SettlementIn) -> Result<(), DatasetError> {
        if !self.has_person {
            return Err(DatasetError::NoPerson(s.setl_id.to_string()));
        }
        let inst = self
            .reg
            .institution_id(s.fixmedins_code)
            .ok_or_else(|| DatasetError::UnknownInstitution(s.setl_id.to_string(), s.fixmedins_code.to_string()))?;
        let med = small(&mut self.reg.med_types, s.med_type, "医疗类别")?;
        let ins = small(&mut self.reg.insutypes, s.insutype, "险种")?;
        let dx = self.reg.diagnoses.intern(s.main_dx);
        let opsp = s.opsp_dise.map_or(NO_CODE, |d| self.reg.diseases.intern(d));
        let (b, e) = (day(s.begin), day(s.end));
        let flags = if s.emergency { SETL_EMERGENCY } else { 0 };
        self.staged.push(Staged {
            key: (e, s.minute, b),
            setl_id: s.setl_id.to_string(),
            mdtrt_id: s.mdtrt_id.to_string(),
            cols: (inst, med, ins, b, e, s.minute, dx, opsp, flags, s.total.0, s.fund.0),
            lines: Vec::new(),
        });
        Ok(())
    }

    /// Adds a fee line to the current settlement.
    pub fn line(&mut self, l: LineIn) -> Result<(), DatasetError> {
        let code = self.reg.item(l.code, l.name);
        let class = small(&mut self.reg.classes, l.class, "收费项目类别")?;
        let modifier = match l.modifier {
            Some(m) => small(&mut self.reg.modifiers, m, "修饰符")? + 1,
            None => 0,
        };
        let st = self.staged.last_mut().ok_or(DatasetError::NoSettlement)?;
        let off = day(l.date) - st.cols.3;
        let d = u16::try_from(off).map_err(|_| DatasetError::LineDate(st.setl_id.clone(), l.date))?;
        let qty = i32::try_from(l.qty.0).map_err(|_| DatasetError::LineQty(st.setl_id.clone(), l.qty))?;
        st.lines.push(StagedLine {
            code,
            day: d,
            class,
            qty,
            price: l.price.0,
            amount: l.amount.0,
            flags: if l.ownpay { LINE_OWNPAY } else { 0 },
            modifier,
        });
        Ok(())
    }

    fn close_person(&mut self) {
        if !self.has_person {
            return;
        }
        let s = &mut self.shard;
        let p = (s.psn_no.len() - 1) as u32;
        self.staged.sort_by_key(|st| (st.cols.3, st.key));
        for st in self.staged.drain(..) {
            let (inst, med, ins, b, e, minute, dx, opsp, flags, total, fund) = st.cols;
            s.setl_id.push(&st.setl_id);
            s.mdtrt_id.push(&st.mdtrt_id);
            s.person.push(p);
            s.inst.push(inst);
            s.med_type.push(med);
            s.insutype.push(ins);
            s.begin.push(b);
            s.end.push(e);
            s.minute.push(minute);
            s.dx.push(dx);
            s.opsp.push(opsp);
            s.setl_flags.push(flags);
            s.total.push(total);
            s.fund.push(fund);
            for l in &st.lines {
                s.code.push(l.code);
                s.line_day.push(l.day);
                s.class.push(l.class);
                s.qty.push(l.qty);
                s.price.push(l.price);
                s.amount.push(l.amount);
                s.line_flags.push(l.flags);
                s.modifier.push(l.modifier);
            }
            s.line_start.push(s.code.len() as u32);
        }
        s.setl_start.push(s.person.len() as u32);
        s.reg_start.push(s.registrations.len() as u32);
        self.has_person = false;
    }

    pub fn finish(mut self) -> Shard {
        self.close_person();
        self.shard.shrink();
        self.shard
    }
}

/// Minutes after midnight as "HH:MM".
pub fn clock(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// The day of a year's first day, for period-level findings.
pub fn year_start(d: Day) -> Day {
    let dt = date(d);
    day(NaiveDate::from_ymd_opt(dt.year(), 1, 1).unwrap_or(dt))
}
