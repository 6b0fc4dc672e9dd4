//! Deaths exchanged with civil affairs (死亡信息交换, `person_death`): the record operation and its point read.
//!
//! The gateway reads a person's date of death on every settlement (one point read on the primary key, see
//! `yibao_gateway::screening::ledger::death_date`), so recording a death needs no cache epoch.

use crate::db::Stmt;
use crate::{Result, Store, params};

/// A person's date of death as exchanged with civil affairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeathRow {
    pub psn_no: String,
    /// `YYYY-MM-DD`.
    pub death_date: String,
    /// Where the record came from (民政, 卫健, a file name …).
    pub source: String,
}

pub(crate) fn push(out: &mut Vec<Stmt>, d: DeathRow) {
    out.push(Stmt::new(
        "INSERT INTO person_death (psn_no, death_date, source) VALUES ($1, $2, $3)
         ON CONFLICT (psn_no) DO UPDATE SET death_date = excluded.death_date, source = excluded.source",
        params![d.psn_no, d.death_date, d.source],
    ));
}

impl Store {
    /// The recorded death of a person, `None` while none is recorded.
    pub async fn death(&self, psn_no: &str) -> Result<Option<DeathRow>> {
        let r =
            self.row("SELECT psn_no, death_date, source FROM person_death WHERE psn_no = $1", params![psn_no]).await?;
        Ok(r.map(|r| DeathRow { psn_no: r.text("psn_no"), death_date: r.text("death_date"), source: r.text("source") }))
    }
}
