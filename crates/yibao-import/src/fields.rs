//! What each kind of file holds: its columns, their Chinese header aliases, which are required; and the mapping of a
//! file's header row onto them.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use crate::ImportError;

/// The kind of records a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// 人员: psn_no, certno, psn_name, gend, brdy, naty, admdvs, hhold_id?, chosen_fixmedins_code?; a people file may
    /// also carry the enrollment columns (a 参保名单), and then each row also enrolls the person.
    People,
    /// 参保: psn_no, insutype, year, psn_type, psn_insu_stas, cvlserv_flag, emp_name, insu_date.
    Enrollments,
    /// 人员身份: psn_no, code, begndate, enddate?, source.
    Identities,
    /// 门慢门特病种登记: psn_no, code, name, begndate, enddate?.
    Diseases,
    /// 个人账户: psn_no, balance (yuan).
    Accounts,
    /// 定点医药机构: fixmedins_code, fixmedins_name, fixmedins_type, hosp_lv, admdvs, paasid, secret.
    Institutions,
    /// 家庭户: hhold_id, admdvs, address. People name their household by hhold_id.
    Households,
    /// 医保目录: one catalogue version of a region (see `catalogue::columns` for its columns).
    Catalogue,
    /// 死亡信息 (exchanged with civil affairs): certno or psn_no (at least one), death_date, source?.
    Deaths,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::People,
        Kind::Enrollments,
        Kind::Identities,
        Kind::Diseases,
        Kind::Accounts,
        Kind::Institutions,
        Kind::Households,
        Kind::Catalogue,
        Kind::Deaths,
    ];

    /// The English name, as given on the command line and written in the audit log.
    pub fn name(self) -> &'static str {
        match self {
            Kind::People => "people",
            Kind::Enrollments => "enrollments",
            Kind::Identities => "identities",
            Kind::Diseases => "diseases",
            Kind::Accounts => "accounts",
            Kind::Institutions => "institutions",
            Kind::Households => "households",
            Kind::Catalogue => "catalogue",
            Kind::Deaths => "deaths",
        }
    }

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Kind::People => "人员",
            Kind::Enrollments => "参保",
            Kind::Identities => "人员身份",
            Kind::Diseases => "门慢门特病种登记",
            Kind::Accounts => "个人账户",
            Kind::Institutions => "定点医药机构",
            Kind::Households => "家庭户",
            Kind::Catalogue => "医保目录",
            Kind::Deaths => "死亡信息",
        }
    }

    /// Names accepted on the command line, and preferred sheet names in a workbook.
    pub(crate) fn names(self) -> &'static [&'static str] {
        match self {
            Kind::People => &["people", "person", "人员", "参保人员", "人员信息", "参保名单"],
            Kind::Enrollments => &["enrollments", "enrollment", "参保", "参保信息", "参保登记"],
            Kind::Identities => &["identities", "identity", "身份", "人员身份", "身份信息"],
            Kind::Diseases => &["diseases", "disease", "病种", "慢特病", "门慢门特", "病种登记"],
            Kind::Accounts => &["accounts", "account", "账户", "个人账户", "账户余额"],
            Kind::Institutions => &["institutions", "institution", "机构", "定点机构", "定点医药机构"],
            Kind::Households => &["households", "household", "户", "家庭", "家庭户", "户信息", "家庭信息"],
            Kind::Catalogue => &["catalogue", "catalog", "目录", "医保目录", "药品目录", "诊疗项目目录", "目录信息"],
            Kind::Deaths => &["deaths", "death", "死亡", "死亡信息", "死亡人员", "死亡名单", "死亡信息交换"],
        }
    }

    pub(crate) fn fields(self) -> &'static [Field] {
        match self {
            Kind::People => PEOPLE_FIELDS,
            Kind::Enrollments => &[PSN_NO, INSUTYPE, YEAR, PSN_TYPE, PSN_INSU_STAS, CVLSERV_FLAG, EMP_NAME, INSU_DATE],
            Kind::Identities => &[PSN_NO, IDET_CODE, BEGNDATE, ENDDATE, SOURCE],
            Kind::Diseases => &[PSN_NO, DISE_CODE, DISE_NAME, BEGNDATE, ENDDATE],
            Kind::Accounts => &[PSN_NO, BALANCE],
            Kind::Institutions => &[FIXMEDINS_CODE, FIXMEDINS_NAME, FIXMEDINS_TYPE, HOSP_LV, ADMDVS, PAASID, SECRET],
            Kind::Households => HOUSEHOLD_FIELDS,
            Kind::Catalogue => crate::catalogue::columns::FIELDS,
            Kind::Deaths => DEATH_FIELDS,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Kind {
    type Err = ImportError;
    fn from_str(s: &str) -> Result<Kind, ImportError> {
        let t = s.trim().to_ascii_lowercase();
        Kind::ALL
            .into_iter()
            .find(|k| k.names().contains(&t.as_str()))
            .ok_or_else(|| ImportError::UnknownKind(s.to_string()))
    }
}

/// Whether a column must be in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    Required,
    Optional,
    /// Optional as a group: when any column of the group is present, all of them are required.
    Group,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    pub name: &'static str,
    pub zh: &'static str,
    pub aliases: &'static [&'static str],
    pub need: Need,
}

impl Field {
    pub(crate) const fn req(name: &'static str, zh: &'static str, aliases: &'static [&'static str]) -> Field {
        Field { name, zh, aliases, need: Need::Required }
    }
    pub(crate) const fn opt(name: &'static str, zh: &'static str, aliases: &'static [&'static str]) -> Field {
        Field { name, zh, aliases, need: Need::Optional }
    }
    const fn in_group(self) -> Field {
        Field { need: Need::Group, ..self }
    }
    pub(crate) const fn optional(self) -> Field {
        Field { need: Need::Optional, ..self }
    }
    pub(crate) const fn required(self) -> Field {
        Field { need: Need::Required, ..self }
    }
    /// "证件号码 (certno)", for messages about columns.
    pub fn display(&self) -> String {
        format!("{} ({})", self.zh, self.name)
    }
}

/// A deaths file: the person by ID number or person number (at least one of them, see [`map_columns`]), the date
/// of death, and where the record came from (民政 when the file does not say).
const DEATH_FIELDS: &[Field] = &[CERTNO.optional(), PSN_NO.optional(), DEATH_DATE, SOURCE.optional()];

/// A household file: the household number is required here.
const HOUSEHOLD_FIELDS: &[Field] = &[HHOLD_ID.required(), ADMDVS, ADDRESS];

/// A people file; the enrollment columns are optional as a group (a 参保名单).
const PEOPLE_FIELDS: &[Field] = &[
    PSN_NO,
    CERTNO,
    PSN_NAME,
    GEND,
    BRDY,
    NATY,
    ADMDVS,
    HHOLD_ID,
    CHOSEN_FIXMEDINS_CODE,
    INSUTYPE.in_group(),
    YEAR.in_group(),
    PSN_TYPE.in_group(),
    PSN_INSU_STAS.in_group(),
    CVLSERV_FLAG.in_group(),
    EMP_NAME.in_group(),
    INSU_DATE.in_group(),
];

pub(crate) const PSN_NO: Field = Field::req("psn_no", "人员编号", &["个人编号", "人员编码", "个人编码", "参保人编号"]);
pub(crate) const CERTNO: Field = Field::req(
    "certno",
    "证件号码",
    &["身份证号", "身份证号码", "公民身份号码", "身份证", "证件号", "身份证件号码", "社会保障号码"],
);
pub(crate) const PSN_NAME: Field = Field::req("psn_name", "姓名", &["人员姓名", "参保人姓名"]);
pub(crate) const GEND: Field = Field::req("gend", "性别", &[]);
pub(crate) const BRDY: Field = Field::req("brdy", "出生日期", &["出生年月日"]);
pub(crate) const NATY: Field = Field::req("naty", "民族", &[]);
pub(crate) const ADMDVS: Field = Field::req(
    "admdvs",
    "统筹区",
    &["统筹区编码", "统筹区划", "统筹区划代码", "医保区划", "参保地", "参保地区划", "行政区划", "行政区划代码"],
);
pub(crate) const HHOLD_ID: Field = Field::opt("hhold_id", "户编号", &["家庭编号", "户号", "家庭户编号"]);
pub(crate) const CHOSEN_FIXMEDINS_CODE: Field =
    Field::opt("chosen_fixmedins_code", "选定定点机构编号", &["选定机构编号", "签约机构编号", "选定定点医疗机构编号"]);
pub(crate) const INSUTYPE: Field = Field::req("insutype", "险种", &["险种类型", "险种编码", "参保险种"]);
pub(crate) const YEAR: Field = Field::req("year", "年度", &["参保年度", "缴费年度"]);
pub(crate) const PSN_TYPE: Field = Field::req("psn_type", "人员类别", &["人员类别编码"]);
pub(crate) const PSN_INSU_STAS: Field = Field::req("psn_insu_stas", "参保状态", &["人员参保状态"]);
pub(crate) const CVLSERV_FLAG: Field = Field::req("cvlserv_flag", "公务员标志", &["公务员标识"]);
pub(crate) const EMP_NAME: Field = Field::req("emp_name", "单位名称", &["工作单位", "参保单位", "参保单位名称"]);
pub(crate) const INSU_DATE: Field = Field::req("insu_date", "参保日期", &["首次参保日期", "参保时间", "psn_insu_date"]);
pub(crate) const IDET_CODE: Field =
    Field::req("code", "身份类别", &["人员身份类别", "身份类别编码", "身份编码", "身份类型", "psn_idet_type"]);
pub(crate) const BEGNDATE: Field =
    Field::req("begndate", "开始日期", &["起始日期", "生效日期", "开始时间", "begntime"]);
pub(crate) const ENDDATE: Field =
    Field::req("enddate", "结束日期", &["终止日期", "失效日期", "截止日期", "结束时间", "endtime"]);
pub(crate) const SOURCE: Field = Field::req("source", "来源", &["数据来源", "信息来源"]);
pub(crate) const DISE_CODE: Field = Field::req("code", "病种编码", &["病种代码", "门慢门特病种编码", "opsp_dise_code"]);
pub(crate) const DISE_NAME: Field = Field::req("name", "病种名称", &["门慢门特病种名称", "opsp_dise_name"]);
pub(crate) const BALANCE: Field = Field::req("balance", "余额", &["账户余额", "个人账户余额", "balc"]);
pub(crate) const FIXMEDINS_CODE: Field = Field::req(
    "fixmedins_code",
    "机构编号",
    &["机构编码", "定点机构编号", "医药机构编号", "定点医药机构编号", "定点医疗机构编号"],
);
pub(crate) const FIXMEDINS_NAME: Field =
    Field::req("fixmedins_name", "机构名称", &["定点机构名称", "医药机构名称", "定点医药机构名称"]);
pub(crate) const FIXMEDINS_TYPE: Field = Field::req("fixmedins_type", "机构类型", &["定点机构类型", "医药机构类型"]);
pub(crate) const HOSP_LV: Field = Field::req("hosp_lv", "医院等级", &["机构等级"]);
pub(crate) const PAASID: Field = Field::req("paasid", "接入账号", &["接入帐号", "paas_id"]);
pub(crate) const SECRET: Field = Field::req("secret", "密钥", &["接入密钥", "秘钥"]);
pub(crate) const DEATH_DATE: Field =
    Field::req("death_date", "死亡日期", &["死亡时间", "死亡年月日", "注销日期", "dieday", "die_date"]);
pub(crate) const ADDRESS: Field =
    Field::req("address", "地址", &["家庭住址", "家庭地址", "住址", "户籍地址", "居住地址", "联系地址", "户地址"]);

/// A header cell made comparable: no spaces, no required-marks (*), no trailing note in brackets ("余额（元）"),
/// ASCII lowercased. Returns the name and the note.
pub(crate) fn normalize(header: &str) -> (String, String) {
    let mut h: String = header
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '＊'))
        .collect::<String>()
        .to_ascii_lowercase();
    let mut note = String::new();
    for (open, close) in [('(', ')'), ('（', '）'), ('[', ']'), ('【', '】')] {
        if h.ends_with(close)
            && let Some(i) = h.rfind(open)
            && i > 0
        {
            note = h[i + open.len_utf8()..h.len() - close.len_utf8()].to_string();
            h.truncate(i);
            break;
        }
    }
    (h, note)
}

/// Whether a row looks like the kind's header: one of its cells names one of the kind's fields.
pub(crate) fn is_header(kind: Kind, cells: &[String]) -> bool {
    cells.iter().any(|c| {
        let (name, _) = normalize(c);
        kind.fields().iter().any(|f| f.name == name || f.zh == name || f.aliases.contains(&name.as_str()))
    })
}

/// Where each field is in the file's rows.
#[derive(Debug, Default)]
pub(crate) struct Columns {
    index: HashMap<&'static str, usize>,
}

impl Columns {
    pub fn get(&self, field: &Field) -> Option<usize> {
        self.index.get(field.name).copied()
    }
    pub fn has(&self, field: &Field) -> bool {
        self.index.contains_key(field.name)
    }
}

/// Maps the header row onto the kind's fields; warns about columns it does not know, fails on missing required
/// columns (naming all of them) and on two columns meaning the same field.
pub(crate) fn map_columns(kind: Kind, headers: &[String]) -> Result<(Columns, Vec<String>), ImportError> {
    let fields = kind.fields();
    let mut cols = Columns::default();
    let mut seen: HashMap<&'static str, &str> = HashMap::new();
    let mut warnings = Vec::new();
    for (i, raw) in headers.iter().enumerate() {
        let (name, note) = normalize(raw);
        if name.is_empty() {
            continue;
        }
        let found = fields.iter().find(|f| f.name == name || f.aliases.iter().chain([&f.zh]).any(|a| *a == name));
        // A note naming the field ("人员编号(psn_no)") is fine; so is the unit of an amount in yuan.
        let found = found.or_else(|| fields.iter().find(|f| f.name == note));
        match found {
            Some(f) => {
                if let Some(first) = seen.get(f.name) {
                    return Err(ImportError::DuplicateColumn {
                        field: f.display(),
                        first: first.trim().to_string(),
                        second: raw.trim().to_string(),
                    });
                }
                if f.name == BALANCE.name && note.contains('分') && !note.contains('元') {
                    return Err(ImportError::BadHeader(format!(
                        "列“{}”的单位是分，导入要求余额以元为单位（如 1234.50），请换算后再导入",
                        raw.trim()
                    )));
                }
                seen.insert(f.name, raw);
                cols.index.insert(f.name, i);
            }
            None => warnings.push(format!("未识别的列“{}”已忽略", raw.trim())),
        }
    }
    let group_present = fields.iter().any(|f| f.need == Need::Group && cols.has(f));
    let missing: Vec<String> = fields
        .iter()
        .filter(|f| !cols.has(f) && (f.need == Need::Required || (f.need == Need::Group && group_present)))
        .map(Field::display)
        .collect();
    if !missing.is_empty() {
        return Err(ImportError::MissingColumns(missing));
    }
    // A deaths file names the person by one of two columns.
    if kind == Kind::Deaths && !cols.has(&CERTNO) && !cols.has(&PSN_NO) {
        return Err(ImportError::MissingColumns(vec![format!("{}或{}", CERTNO.display(), PSN_NO.display())]));
    }
    Ok((cols, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn kinds_parse_in_english_and_chinese() {
        assert_eq!("people".parse::<Kind>().unwrap(), Kind::People);
        assert_eq!("机构".parse::<Kind>().unwrap(), Kind::Institutions);
        assert_eq!(" Accounts ".parse::<Kind>().unwrap(), Kind::Accounts);
        assert_eq!("目录".parse::<Kind>().unwrap(), Kind::Catalogue);
        assert_eq!("家庭户".parse::<Kind>().unwrap(), Kind::Households);
        assert_eq!("死亡信息".parse::<Kind>().unwrap(), Kind::Deaths);
        assert!("catalogues".parse::<Kind>().is_err());
    }

    #[test]
    fn headers_map_by_name_and_alias_in_any_order() {
        let (cols, warnings) = map_columns(Kind::Accounts, &h(&["备注", "个人账户余额（元）", "*人员编号"])).unwrap();
        assert_eq!(cols.get(&PSN_NO), Some(2));
        assert_eq!(cols.get(&BALANCE), Some(1));
        assert_eq!(warnings, vec!["未识别的列“备注”已忽略"]);
        let (cols, _) = map_columns(Kind::Accounts, &h(&["PSN_NO", "余额(balance)"])).unwrap();
        assert_eq!(cols.get(&BALANCE), Some(1));
    }

    #[test]
    fn missing_and_duplicate_columns_are_file_errors() {
        let e = map_columns(Kind::People, &h(&["人员编号", "姓名"])).unwrap_err().to_string();
        assert!(e.contains("证件号码 (certno)") && e.contains("统筹区 (admdvs)"), "{e}");
        assert!(!e.contains("hhold_id") && !e.contains("insutype"), "{e}");
        let e = map_columns(Kind::Accounts, &h(&["人员编号", "psn_no", "余额"])).unwrap_err().to_string();
        assert!(e.contains("人员编号") && e.contains("psn_no"), "{e}");
        assert!(map_columns(Kind::Accounts, &h(&["人员编号", "余额(分)"])).is_err());
        // One enrollment column in a people file asks for all of them.
        let people = ["psn_no", "certno", "psn_name", "gend", "brdy", "naty", "admdvs", "险种"];
        let e = map_columns(Kind::People, &h(&people)).unwrap_err().to_string();
        assert!(e.contains("年度 (year)") && !e.contains("险种"), "{e}");
        // A deaths file needs the person by one of two columns, and the date.
        let e = map_columns(Kind::Deaths, &h(&["姓名", "死亡日期"])).unwrap_err().to_string();
        assert!(e.contains("证件号码 (certno)或人员编号 (psn_no)"), "{e}");
        assert!(map_columns(Kind::Deaths, &h(&["身份证号", "死亡日期"])).is_ok());
        let e = map_columns(Kind::Deaths, &h(&["人员编号"])).unwrap_err().to_string();
        assert!(e.contains("死亡日期 (death_date)"), "{e}");
    }
}
