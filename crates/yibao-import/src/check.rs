//! Checking one row at a time, against the file so far and the store: gives the operations to write, or says the row
//! is already in the store as it is, or gives every reason the row is wrong.

mod deaths;

use std::collections::HashMap;

use chrono::NaiveDate;
use yibao_core::codes::{Dictionaries, check_id_number, kind};
use yibao_store::{
    DiseaseRow, EnrollmentRow, HouseholdRow, IdentityRow, InstitutionRow, Op, PersonRow, Result as StoreResult, Store,
};

use crate::fields::*;
use crate::source::{Cell, Row};
use crate::values::{self, iso};

/// What one row comes to.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// New or changed records to write.
    Write(Vec<Op>),
    /// Everything in the row is already in the store exactly as given.
    Unchanged,
    /// The row is wrong; every reason, joined.
    Bad(String),
}

const PSN_INSU_STAS_CODES: &[(&str, &str)] = &[("1", "正常参保"), ("2", "暂停参保"), ("4", "终止参保")];
const CVLSERV_FLAG_CODES: &[(&str, &str)] = &[("0", "否"), ("1", "是")];
const FIXMEDINS_TYPE_CODES: &[(&str, &str)] = &[("1", "定点医疗机构"), ("2", "定点零售药店")];

/// The reasons a row is wrong.
#[derive(Default)]
pub(crate) struct Reasons(pub Vec<String>);

impl Reasons {
    /// Keeps a value, or records why the field is wrong ("险种“999”不是有效的代码", "姓名为空").
    pub(crate) fn field<T>(&mut self, f: &Field, r: Result<T, String>) -> Option<T> {
        self.named(f.zh, r)
    }
    /// The same for a column named by its header.
    pub(crate) fn named<T>(&mut self, name: &str, r: Result<T, String>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(why) => {
                self.0.push(format!("{name}{why}"));
                None
            }
        }
    }
    pub(crate) fn push(&mut self, why: String) {
        self.0.push(why);
    }
}

/// A person met earlier in the same file.
struct FilePerson {
    row: usize,
    person: Option<PersonRow>,
    /// Its InsertPerson is already among the operations of a good row (or it is in the store as it is).
    written: bool,
}

pub(crate) struct Checker<'a> {
    store: &'a Store,
    kind: Kind,
    cols: &'a Columns,
    dict: Dictionaries,
    /// First row of each key seen in the file.
    keys: HashMap<String, usize>,
    /// Second unique key: (first row, owner) of each certno (people) or paasid (institutions).
    keys2: HashMap<String, (usize, String)>,
    people: HashMap<String, FilePerson>,
    exists: HashMap<String, bool>,
    enrollments: HashMap<String, Vec<EnrollmentRow>>,
    identities: HashMap<String, Vec<IdentityRow>>,
    diseases: HashMap<String, Vec<DiseaseRow>>,
    households: HashMap<String, Option<HouseholdRow>>,
    /// Rows already in the store exactly as given.
    pub unchanged: usize,
    /// Rows that change a record the store already has (enrollment, account balance, institution).
    pub updated: usize,
}

pub(crate) fn cell<'r>(row: &'r Row, cols: &Columns, f: &Field) -> &'r Cell {
    cols.get(f).and_then(|i| row.cells.get(i)).unwrap_or(&Cell::Empty)
}

/// The Chinese half of a bilingual message ("身份证号校验位错误 (ID number check digit is wrong)").
/// Whether `certno` is a valid ID number (公民身份号码); the reason is pushed when it is not.
pub(crate) fn id_number_ok(certno: &str, why: &mut Reasons) -> bool {
    check_id_number(certno).map_err(|m| why.push(format!("证件号码：{}", zh(m)))).is_ok()
}

pub(crate) fn zh(msg: &str) -> &str {
    msg.split_once(" (").map_or(msg, |(z, _)| z)
}

impl<'a> Checker<'a> {
    pub fn new(store: &'a Store, kind: Kind, cols: &'a Columns) -> Checker<'a> {
        Checker {
            store,
            kind,
            cols,
            dict: Dictionaries::national(),
            keys: HashMap::new(),
            keys2: HashMap::new(),
            people: HashMap::new(),
            exists: HashMap::new(),
            enrollments: HashMap::new(),
            identities: HashMap::new(),
            diseases: HashMap::new(),
            households: HashMap::new(),
            unchanged: 0,
            updated: 0,
        }
    }

    pub async fn check(&mut self, row: &Row) -> StoreResult<Outcome> {
        let mut why = Reasons::default();
        let ops = match self.kind {
            Kind::People => self.person(row, &mut why).await?,
            Kind::Enrollments => self.enrollment_row(row, &mut why).await?,
            Kind::Identities => self.identity(row, &mut why).await?,
            Kind::Diseases => self.disease(row, &mut why).await?,
            Kind::Accounts => self.account(row, &mut why).await?,
            Kind::Institutions => self.institution(row, &mut why).await?,
            Kind::Households => self.household(row, &mut why).await?,
            Kind::Deaths => self.death(row, &mut why).await?,
            Kind::Catalogue => unreachable!("a catalogue is checked by catalogue::import_catalogue"),
        };
        Ok(if !why.0.is_empty() {
            Outcome::Bad(why.0.join("；"))
        } else if ops.is_empty() {
            self.unchanged += 1;
            Outcome::Unchanged
        } else {
            Outcome::Write(ops)
        })
    }

    fn cell<'r>(&self, row: &'r Row, f: &Field) -> &'r Cell {
        cell(row, self.cols, f)
    }

    /// Records a key of the file; says which earlier row had it.
    fn first_seen(&mut self, key: String, row: usize) -> Option<usize> {
        match self.keys.get(&key) {
            Some(first) => Some(*first),
            None => {
                self.keys.insert(key, row);
                None
            }
        }
    }

    /// Whether a person is in the store (cached).
    async fn person_exists(&mut self, psn_no: &str) -> StoreResult<bool> {
        if let Some(e) = self.exists.get(psn_no) {
            return Ok(*e);
        }
        let e = self.store.person(psn_no).await?.is_some();
        self.exists.insert(psn_no.to_string(), e);
        Ok(e)
    }

    /// The person number of a row that refers to a person, who must be in the store.
    async fn psn_ref(&mut self, row: &Row, why: &mut Reasons) -> StoreResult<Option<String>> {
        let Some(psn_no) = why.field(&PSN_NO, values::required(self.cell(row, &PSN_NO))) else {
            return Ok(None);
        };
        if !self.person_exists(&psn_no).await? {
            why.push(format!("人员编号 {psn_no} 在系统中不存在（请先导入人员）"));
            return Ok(None);
        }
        Ok(Some(psn_no))
    }

    async fn person(&mut self, row: &Row, why: &mut Reasons) -> StoreResult<Vec<Op>> {
        let psn_no = why.field(&PSN_NO, values::required(self.cell(row, &PSN_NO)));
        let certno = why.field(&CERTNO, values::required(self.cell(row, &CERTNO))).map(|c| c.to_ascii_uppercase());
        let id = certno.as_deref().filter(|c| id_number_ok(c, why));
        // check_id_number has checked the 17 digits and the date.
        let id_birth = id.and_then(|c| NaiveDate::parse_from_str(&c[6..14], "%Y%m%d").ok());
        let id_gend = id.map(|c| if (c.as_bytes()[16] - b'0') % 2 == 1 { "1" } else { "2" });
        let psn_name = why.field(&PSN_NAME, values::required(self.cell(row, &PSN_NAME)));
        let gend = if self.cell(row, &GEND).is_blank() && id_gend.is_some() {
            id_gend.map(str::to_string)
        } else {
            why.field(&GEND, values::dict_code(&self.dict, kind::GEND, self.cell(row, &GEND)))
        };
        if let (Some(g), Some(ig)) = (gend.as_deref(), id_gend)
            && g != "9"
            && g != ig
        {
            let label = |c: &str| self.dict.label_or_code(kind::GEND, c).to_string();
            why.push(format!("性别“{}”与身份证号第17位（{}）不一致", label(g), label(ig)));
        }
        let brdy = match why.field(&BRDY, values::date(self.cell(row, &BRDY))) {
            Some(Some(d)) => {
                if let Some(b) = id_birth.filter(|b| *b != d) {
                    why.push(format!("出生日期 {} 与身份证号中的出生日期 {} 不一致", iso(d), iso(b)));
                }
                Some(d)
            }
            Some(None) if id_birth.is_some() => id_birth,
            Some(None) => {
                if id.is_some() {
                    why.push("出生日期为空".to_string());
                }
                None
            }
            None => None,
        };
        let naty = why.field(&NATY, values::text(self.cell(row, &NATY)));
        let admdvs = why.field(&ADMDVS, values::admdvs(self.cell(row, &ADMDVS)));
        let hhold_id = why.field(&HHOLD_ID, values::optional(self.cell(row, &HHOLD_ID)));
        let chosen = why.field(&CHOSEN_FIXMEDINS_CODE, values::optional(self.cell(row, &CHOSEN_FIXMEDINS_CODE)));
        if let Some(Some(h)) = &hhold_id {
            self.household_ref(h, admdvs.as_deref(), why).await?;
        }
        let enrolled = self.cols.has(&INSUTYPE);
        let person = match (&psn_no, &certno, psn_name, gend, brdy, naty, admdvs, hhold_id, chosen) {
            (Some(p), Some(c), Some(name), Some(g), Some(b), Some(naty), Some(a), Some(h), Some(ch))
                if id.is_some() =>
            {
                Some(PersonRow {
                    psn_no: p.clone(),
                    certno: c.clone(),
                    psn_cert_type: "01".to_string(),
                    psn_name: name,
                    gend: g,
                    brdy: iso(b),
                    naty,
                    hhold_id: h,
                    admdvs: a,
                    chosen_fixmedins_code: ch,
                })
            }
            _ => None,
        };
        // The same person twice in the file: only as further enrollment rows of a 参保名单, with the same details.
        let mut write_person = true;
        let mut duplicate = false;
        if let Some(p) = &psn_no
            && let Some(prev) = self.people.get(p)
        {
            if enrolled && person.is_some() && prev.person == person {
                write_person = !prev.written;
            } else {
                duplicate = true;
                if !enrolled || person.is_some() {
                    why.push(format!("人员编号 {p} 与第 {} 行重复", prev.row));
                }
            }
        }
        let enrollment =
            if enrolled { self.enrollment_fields(row, psn_no.as_deref().filter(|_| !duplicate), why) } else { None };
        let Some(psn_no) = psn_no else { return Ok(Vec::new()) };
        if let Some(c) = id {
            match self.keys2.get(c) {
                Some((first, other)) if *other != psn_no => {
                    why.push(format!("证件号码与第 {first} 行（人员编号 {other}）重复"));
                }
                Some(_) => {}
                None => {
                    self.keys2.insert(c.to_string(), (row.number, psn_no.clone()));
                }
            }
        }
        // The store: a person number is added once; an ID number belongs to one person.
        if write_person
            && !duplicate
            && let Some(stored) = self.store.person(&psn_no).await?
        {
            if person.is_some() && Some(&stored) == person.as_ref() {
                write_person = false;
            } else if person.is_some() {
                why.push(format!(
                    "人员编号 {psn_no} 在系统中已存在，且信息与文件不同（导入只新增人员，不修改已有人员）"
                ));
            }
        }
        if let Some(c) = id
            && let Some(other) = self.store.person_by_certno(c).await?
            && other.psn_no != psn_no
        {
            why.push(format!("证件号码已被系统中的人员 {} 使用", other.psn_no));
        }
        let good = why.0.is_empty();
        let entry = self.people.entry(psn_no.clone()).or_insert(FilePerson {
            row: row.number,
            person: person.clone(),
            written: false,
        });
        let mut ops = Vec::new();
        if good {
            if write_person && let Some(p) = person {
                ops.push(Op::InsertPerson(p));
            }
            entry.written = true;
            if let Some(e) = enrollment {
                ops.extend(self.enrollment_op(e).await?);
            }
        }
        Ok(ops)
    }

    /// A household a person names must be in the store, in the person's area.
    async fn household_ref(&mut self, hhold_id: &str, admdvs: Option<&str>, why: &mut Reasons) -> StoreResult<()> {
        if !self.households.contains_key(hhold_id) {
            let stored = self.store.household(hhold_id).await?;
            self.households.insert(hhold_id.to_string(), stored);
        }
        match (&self.households[hhold_id], admdvs) {
            (None, _) => {
                why.push(format!("户编号 {hhold_id} 在系统中不存在（请先导入家庭户：yibao import households 文件）"))
            }
            (Some(h), Some(a)) if h.admdvs != a => {
                why.push(format!("户编号 {hhold_id} 属于统筹区 {}，与人员的统筹区 {a} 不一致", h.admdvs))
            }
            _ => {}
        }
        Ok(())
    }

    /// The enrollment columns of a row (an enrollments file, or a people file that carries them), and the
    /// duplicate check on (psn_no, insutype, year).
    fn enrollment_fields(&mut self, row: &Row, psn_no: Option<&str>, why: &mut Reasons) -> Option<EnrollmentRow> {
        let insutype = why.field(&INSUTYPE, values::dict_code(&self.dict, kind::INSUTYPE, self.cell(row, &INSUTYPE)));
        let year = why.field(&YEAR, values::year(self.cell(row, &YEAR)));
        let psn_type = why.field(&PSN_TYPE, values::dict_code(&self.dict, kind::PSN_TYPE, self.cell(row, &PSN_TYPE)));
        let stas = why.field(&PSN_INSU_STAS, values::list_code(PSN_INSU_STAS_CODES, self.cell(row, &PSN_INSU_STAS)));
        let cvlserv = why.field(&CVLSERV_FLAG, values::list_code(CVLSERV_FLAG_CODES, self.cell(row, &CVLSERV_FLAG)));
        let emp_name = why.field(&EMP_NAME, values::text(self.cell(row, &EMP_NAME)));
        let insu_date = why.field(&INSU_DATE, values::required_date(self.cell(row, &INSU_DATE)));
        let (psn_no, insutype, year) = (psn_no?, insutype?, year?);
        if let Some(first) = self.first_seen(format!("E\u{1}{psn_no}\u{1}{insutype}\u{1}{year}"), row.number) {
            why.push(format!("人员编号 {psn_no} 的 {year} 年度险种 {insutype} 参保记录与第 {first} 行重复"));
        }
        Some(EnrollmentRow {
            psn_no: psn_no.to_string(),
            insutype,
            year,
            psn_type: psn_type?,
            psn_insu_stas: stas?,
            cvlserv_flag: cvlserv?,
            emp_name: emp_name?,
            insu_date: iso(insu_date?),
        })
    }

    /// The upsert for an enrollment, unless the store already has it as given (the upsert keeps insu_date).
    async fn enrollment_op(&mut self, e: EnrollmentRow) -> StoreResult<Option<Op>> {
        if !self.enrollments.contains_key(&e.psn_no) {
            let stored = self.store.enrollments(&e.psn_no).await?;
            self.enrollments.insert(e.psn_no.clone(), stored);
        }
        let stored = self.enrollments[&e.psn_no].iter().find(|s| s.insutype == e.insutype && s.year == e.year);
        match stored {
            Some(s)
                if s.psn_type == e.psn_type
                    && s.psn_insu_stas == e.psn_insu_stas
                    && s.cvlserv_flag == e.cvlserv_flag
                    && s.emp_name == e.emp_name =>
            {
                Ok(None)
            }
            Some(_) => {
                self.updated += 1;
                Ok(Some(Op::UpsertEnrollment(e)))
            }
            None => Ok(Some(Op::UpsertEnrollment(e))),
        }
    }

    async fn enrollment_row(&mut self, row: &Row, why: &mut Reasons) -> StoreResult<Vec<Op>> {
        let psn_no = self.psn_ref(row, why).await?;
        // Check the columns even when the person is unknown, so that every reason is reported at once.
        let raw_psn = values::text(self.cell(row, &PSN_NO)).unwrap_or_default();
        let key_psn = psn_no.as_deref().or((!raw_psn.is_empty()).then_some(raw_psn.as_str()));
        let e = self.enrollment_fields(row, key_psn, why);
        match (psn_no, e) {
            (Some(_), Some(e)) if why.0.is_empty() => Ok(self.enrollment_op(e).await?.into_iter().collect()),
            _ => Ok(Vec::new()),
        }
    }

    async fn identity(&mut self, row: &Row, why: &mut Reasons) -> StoreResult<Vec<Op>> {
        let psn_no = self.psn_ref(row, why).await?;
        let code = why.field(&IDET_CODE, values::dict_code(&self.dict, kind::IDENTITY, self.cell(row, &IDET_CODE)));
        let (begn, end) = self.period(row, why);
        let source = why.field(&SOURCE, values::text(self.cell(row, &SOURCE)));
        let (Some(psn_no), Some(code), Some(begn), Some(end), Some(source)) = (psn_no, code, begn, end, source) else {
            return Ok(Vec::new());
        };
        if let Some(first) = self.first_seen(format!("I\u{1}{psn_no}\u{1}{code}\u{1}{begn}"), row.number) {
            why.push(format!("人员编号 {psn_no} 自 {begn} 起的身份 {code} 与第 {first} 行重复"));
        }
        let new = IdentityRow { psn_no: psn_no.clone(), code, begndate: begn, enddate: end, source };
        if !self.identities.contains_key(&psn_no) {
            let stored = self.store.identities(&psn_no).await?;
            self.identities.insert(psn_no.clone(), stored);
        }
        match self.identities[&psn_no].iter().find(|s| s.code == new.code && s.begndate == new.begndate) {
            Some(s) if *s == new => Ok(Vec::new()),
            Some(_) => {
                why.push(format!(
                    "人员编号 {psn_no} 自 {} 起的身份 {} 在系统中已存在，且结束日期或来源与文件不同（导入不修改已有身份记录）",
                    new.begndate, new.code
                ));
                Ok(Vec::new())
            }
            None => Ok(vec![Op::InsertIdentity(new)]),
        }
    }

    async fn disease(&mut self, row: &Row, why: &mut Reasons) -> StoreResult<Vec<Op>> {
        let psn_no = self.psn_ref(row, why).await?;
        let code = why.field(&DISE_CODE, values::required(self.cell(row, &DISE_CODE)));
        let name = why.field(&DISE_NAME, values::required(self.cell(row, &DISE_NAME)));
        let (begn, end) = self.period(row, why);
        let (Some(psn_no), Some(code), Some(name), Some(begn), Some(end)) = (psn_no, code, name, begn, end) else {
            return Ok(Vec::new());
        };
        if let Some(first) = self.first_seen(format!("D\u{1}{psn_no}\u{1}{code}\u{1}{begn}"), row.number) {
            why.push(format!("人员编号 {psn_no} 自 {begn} 起的病种 {code} 与第 {first} 行重复"));
        }
        let new = DiseaseRow { psn_no: psn_no.clone(), code, name, begndate: begn, enddate: end };
        if !self.diseases.contains_key(&psn_no) {
            let stored = self.store.diseases(&psn_no).await?;
            self.diseases.insert(psn_no.clone(), stored);
        }
        match self.diseases[&psn_no].iter().find(|s| s.code == new.code && s.begndate == new.begndate) {
            Some(s) if *s == new => Ok(Vec::new()),
            Some(_) => {
                why.push(format!(
                    "人员编号 {psn_no} 自 {} 起的病种 {} 在系统中已登记，且名称或结束日期与文件不同（导入不修改已有登记）",
                    new.begndate, new.code
                ));
                Ok(Vec::new())
            }
            None => Ok(vec![Op::InsertDisease(new)]),
        }
    }

    /// begndate (required) and enddate (optional, not before begndate).
    fn period(&self, row: &Row, why: &mut Reasons) -> (Option<String>, Option<Option<String>>) {
        let begn = why.field(&BEGNDATE, values::required_date(self.cell(row, &BEGNDATE)));
        let end = why.field(&ENDDATE, values::date(self.cell(row, &ENDDATE)));
        if let (Some(b), Some(Some(e))) = (begn, end)
            && e < b
        {
            why.push(format!("结束日期 {} 早于开始日期 {}", iso(e), iso(b)));
        }
        (begn.map(iso), end.map(|e| e.map(iso)))
    }

    async fn account(&mut self, row: &Row, why: &mut Reasons) -> StoreResult<Vec<Op>> {
        let psn_no = self.psn_ref(row, why).await?;
        let balance = why.field(&BALANCE, values::amount(self.cell(row, &BALANCE)));
        let (Some(psn_no), Some(balance)) = (psn_no, balance) else { return Ok(Vec::new()) };
        if let Some(first) = self.first_seen(format!("A\u{1}{psn_no}"), row.number) {
            why.push(format!("人员编号 {psn_no} 的个人账户与第 {first} 行重复"));
            return Ok(Vec::new());
        }
        match self.store.account_balance(&psn_no).await? {
            Some(b) if b == balance.0 => Ok(Vec::new()),
            stored => {
                if stored.is_some() {
                    self.updated += 1;
                }
                Ok(vec![Op::SetAccount { psn_no, balance: balance.0 }])
            }
        }
    }

    async fn institution(&mut self, row: &Row, why: &mut Reasons) -> StoreResult<Vec<Op>> {
        let code = why.field(&FIXMEDINS_CODE, values::required(self.cell(row, &FIXMEDINS_CODE)));
        let name = why.field(&FIXMEDINS_NAME, values::required(self.cell(row, &FIXMEDINS_NAME)));
        let ty = why.field(&FIXMEDINS_TYPE, values::list_code(FIXMEDINS_TYPE_CODES, self.cell(row, &FIXMEDINS_TYPE)));
        let lv = why.field(&HOSP_LV, values::dict_code(&self.dict, kind::HOSP_LV, self.cell(row, &HOSP_LV)));
        let admdvs = why.field(&ADMDVS, values::admdvs(self.cell(row, &ADMDVS)));
        let paasid = why.field(&PAASID, values::required(self.cell(row, &PAASID)));
        let secret = why.field(&SECRET, values::required(self.cell(row, &SECRET)));
        let Some(code) = code else { return Ok(Vec::new()) };
        if let Some(first) = self.first_seen(format!("H\u{1}{code}"), row.number) {
            why.push(format!("机构编号 {code} 与第 {first} 行重复"));
        }
        if let Some(p) = &paasid {
            match self.keys2.get(p) {
                Some((first, other)) if *other != code => {
                    why.push(format!("接入账号 {p} 与第 {first} 行（机构 {other}）重复"));
                }
                Some(_) => {}
                None => {
                    self.keys2.insert(p.clone(), (row.number, code.clone()));
                }
            }
            if let Some(other) = self.store.institution_by_paasid(p).await?
                && other.fixmedins_code != code
            {
                why.push(format!("接入账号 {p} 已被系统中的机构 {} 使用", other.fixmedins_code));
            }
        }
        let (Some(name), Some(ty), Some(lv), Some(admdvs), Some(paasid), Some(secret)) =
            (name, ty, lv, admdvs, paasid, secret)
        else {
            return Ok(Vec::new());
        };
        let new = InstitutionRow {
            fixmedins_code: code,
            fixmedins_name: name,
            fixmedins_type: ty,
            hosp_lv: lv,
            admdvs,
            paasid,
            secret,
        };
        match self.store.institution(&new.fixmedins_code).await? {
            Some(stored) if stored == new => Ok(Vec::new()),
            stored => {
                if stored.is_some() {
                    self.updated += 1;
                }
                Ok(vec![Op::UpsertInstitution(new)])
            }
        }
    }

    async fn household(&mut self, row: &Row, why: &mut Reasons) -> StoreResult<Vec<Op>> {
        let f = HHOLD_ID.required();
        let hhold_id = why.field(&f, values::required(self.cell(row, &f)));
        let admdvs = why.field(&ADMDVS, values::admdvs(self.cell(row, &ADMDVS)));
        let address = why.field(&ADDRESS, values::text(self.cell(row, &ADDRESS)));
        let Some(hhold_id) = hhold_id else { return Ok(Vec::new()) };
        if let Some(first) = self.first_seen(format!("F\u{1}{hhold_id}"), row.number) {
            why.push(format!("户编号 {hhold_id} 与第 {first} 行重复"));
        }
        let (Some(admdvs), Some(address)) = (admdvs, address) else { return Ok(Vec::new()) };
        let new = HouseholdRow { hhold_id, admdvs, address };
        let stored = self.store.household(&new.hhold_id).await?;
        if stored.as_ref() == Some(&new) {
            return Ok(Vec::new());
        }
        if stored.as_ref().is_some_and(|s| s.admdvs != new.admdvs)
            && let Some(p) =
                self.store.household_members(&new.hhold_id).await?.into_iter().find(|p| p.admdvs != new.admdvs)
        {
            why.push(format!(
                "户编号 {} 的成员（如人员 {}）在统筹区 {} 参保，不能把本户改到统筹区 {}",
                new.hhold_id, p.psn_no, p.admdvs, new.admdvs
            ));
        }
        if stored.is_some() && why.0.is_empty() {
            self.updated += 1;
        }
        Ok(vec![Op::UpsertHousehold(new)])
    }
}
