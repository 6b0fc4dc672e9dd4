//! Checking a row of a deaths file (死亡信息交换): the person by ID number or person number, a date of death not in
//! the future nor before the birth date; a death already recorded as given is unchanged, a different one is updated.

use chrono::NaiveDate;
use yibao_core::codes::mask_id;
use yibao_store::{DeathRow, Op, Result as StoreResult};

use super::{Checker, Reasons, id_number_ok};
use crate::fields::{CERTNO, DEATH_DATE, PSN_NO, SOURCE};
use crate::source::Row;
use crate::values::{self, iso};

/// The source recorded when a deaths file has no 来源 column (or the cell is empty).
pub(crate) const DEFAULT_SOURCE: &str = "民政";

impl Checker<'_> {
    pub(super) async fn death(&mut self, row: &Row, why: &mut Reasons) -> StoreResult<Vec<Op>> {
        let certno = why.field(&CERTNO, values::optional(self.cell(row, &CERTNO))).flatten();
        let psn_no = why.field(&PSN_NO, values::optional(self.cell(row, &PSN_NO))).flatten();
        let date = why.field(&DEATH_DATE, values::required_date(self.cell(row, &DEATH_DATE)));
        let source = why
            .field(&SOURCE, values::optional(self.cell(row, &SOURCE)))
            .flatten()
            .unwrap_or_else(|| DEFAULT_SOURCE.to_string());
        if let Some(d) = date
            && d > chrono::Local::now().date_naive()
        {
            why.push(format!("死亡日期 {} 晚于今天", iso(d)));
        }
        let person = match (certno, psn_no) {
            (None, None) => {
                why.push("证件号码和人员编号都为空，无法确定人员".to_string());
                None
            }
            (Some(c), p) => self.death_by_certno(&c.to_ascii_uppercase(), p.as_deref(), why).await?,
            (None, Some(p)) => match self.store.person(&p).await? {
                Some(person) => Some(person),
                None => {
                    why.push(format!("人员编号 {p} 在系统中不存在（请先导入人员）"));
                    None
                }
            },
        };
        let (Some(person), Some(date)) = (person, date) else { return Ok(Vec::new()) };
        if let Ok(birth) = NaiveDate::parse_from_str(&person.brdy, "%Y-%m-%d")
            && date < birth
        {
            why.push(format!("死亡日期 {} 早于人员 {} 的出生日期 {}", iso(date), person.psn_no, person.brdy));
        }
        if let Some(first) = self.first_seen(format!("X\u{1}{}", person.psn_no), row.number) {
            why.push(format!("人员 {} 的死亡信息与第 {first} 行重复", person.psn_no));
        }
        let new = DeathRow { psn_no: person.psn_no, death_date: iso(date), source };
        match self.store.death(&new.psn_no).await? {
            Some(stored) if stored == new => Ok(Vec::new()),
            stored => {
                if stored.is_some() && why.0.is_empty() {
                    self.updated += 1;
                }
                Ok(vec![Op::RecordDeath(new)])
            }
        }
    }

    /// The person of an ID number, who must be in the store and, when the row also gives a person number, be that
    /// person. The number is masked in the reasons.
    async fn death_by_certno(
        &mut self,
        certno: &str,
        psn_no: Option<&str>,
        why: &mut Reasons,
    ) -> StoreResult<Option<yibao_store::PersonRow>> {
        if !id_number_ok(certno, why) {
            return Ok(None);
        }
        let Some(person) = self.store.person_by_certno(certno).await? else {
            why.push(format!("证件号码 {} 在系统中没有对应的人员", mask_id(certno)));
            return Ok(None);
        };
        if let Some(p) = psn_no
            && p != person.psn_no
        {
            why.push(format!("证件号码 {} 属于人员 {}，与人员编号 {p} 不一致", mask_id(certno), person.psn_no));
            return Ok(None);
        }
        Ok(Some(person))
    }
}
