//! Reads of many people at once, in psn_no order: how a gateway fills its memory at start-up without a query per
//! person.

use crate::read::{disease, enrollment, identity, person};
use crate::rows::*;
use crate::{Result, Store, params};

/// Everything a settlement needs about a range of people, grouped by person in psn_no order.
#[derive(Debug, Default)]
pub struct PeopleChunk {
    pub people: Vec<PersonRow>,
    pub enrollments: Vec<EnrollmentRow>,
    pub identities: Vec<IdentityRow>,
    pub diseases: Vec<DiseaseRow>,
    /// (psn_no, balance).
    pub accounts: Vec<(String, i64)>,
    /// (psn_no, year, insutype, name, value).
    pub accumulators: Vec<(String, i64, String, String, i64)>,
    /// (psn_no, year, version).
    pub versions: Vec<(String, i64, i64)>,
}

impl Store {
    /// Up to `limit` people with psn_no after `after` ("" = from the start), with their enrollments, identities,
    /// registered diseases, accounts, accumulators and person-year versions. An empty chunk means the end.
    pub async fn people_after(&self, after: &str, limit: i64) -> Result<PeopleChunk> {
        let people: Vec<PersonRow> = self
            .scan("SELECT * FROM person WHERE psn_no > $1 ORDER BY psn_no LIMIT $2", params![after, limit])
            .await?
            .iter()
            .map(person)
            .collect();
        let (Some(first), Some(last)) = (people.first(), people.last()) else { return Ok(PeopleChunk::default()) };
        let (first, last) = (first.psn_no.clone(), last.psn_no.clone());
        let range = |table: &str| format!("SELECT * FROM {table} WHERE psn_no >= $1 AND psn_no <= $2");
        let rows = |sql: String| {
            let p = params![&first, &last];
            async move { self.scan(&sql, p).await }
        };
        Ok(PeopleChunk {
            enrollments: rows(range("enrollment")).await?.iter().map(enrollment).collect(),
            identities: rows(range("identity")).await?.iter().map(identity).collect(),
            diseases: rows(range("registered_disease")).await?.iter().map(disease).collect(),
            accounts: rows(range("account")).await?.iter().map(|r| (r.text("psn_no"), r.int("balance"))).collect(),
            accumulators: rows(range("accumulator"))
                .await?
                .iter()
                .map(|r| (r.text("psn_no"), r.int("year"), r.text("insutype"), r.text("name"), r.int("value")))
                .collect(),
            versions: rows(range("person_year"))
                .await?
                .iter()
                .map(|r| (r.text("psn_no"), r.int("year"), r.int("version")))
                .collect(),
            people,
        })
    }
}
