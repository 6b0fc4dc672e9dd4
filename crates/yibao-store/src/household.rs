//! Households (户): a household row, the statement that adds or changes one, and the reads.

use serde::{Deserialize, Serialize};

use crate::db::Stmt;
use crate::rows::PersonRow;
use crate::{Result, Store, params};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdRow {
    pub hhold_id: String,
    /// 统筹区 of the household; its members are insured there.
    pub admdvs: String,
    /// May be empty (households named by people imported before households were imported have none).
    pub address: String,
}

pub(crate) fn push(out: &mut Vec<Stmt>, h: HouseholdRow) {
    out.push(Stmt::new(
        "INSERT INTO household (hhold_id, admdvs, address) VALUES ($1, $2, $3)
         ON CONFLICT (hhold_id) DO UPDATE SET admdvs = excluded.admdvs, address = excluded.address",
        params![h.hhold_id, h.admdvs, h.address],
    ));
}

impl Store {
    pub async fn household(&self, hhold_id: &str) -> Result<Option<HouseholdRow>> {
        let r = self.row("SELECT * FROM household WHERE hhold_id = $1", params![hhold_id]).await?;
        Ok(r.map(|r| HouseholdRow {
            hhold_id: r.text("hhold_id"),
            admdvs: r.text("admdvs"),
            address: r.text("address"),
        }))
    }

    /// The people of a household, by person number.
    pub async fn household_members(&self, hhold_id: &str) -> Result<Vec<PersonRow>> {
        let rows = self.rows("SELECT * FROM person WHERE hhold_id = $1 ORDER BY psn_no", params![hhold_id]).await?;
        Ok(rows.iter().map(crate::read::person).collect())
    }
}
