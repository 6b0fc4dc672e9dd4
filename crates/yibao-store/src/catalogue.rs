//! Catalogue versions (医保目录) per region: their rows, the statements that write them, and the reads.
//!
//! A version is written whole in one job (its header and every item), so that a reader never sees half a version.
//! Items are the core's [`CatalogueItemDef`]s; ratios are kept in ten-thousandths and prices in millionths of a yuan.

use std::collections::BTreeMap;

use yibao_core::money::{Price, Ratio};
use yibao_core::policy::CatalogueItemDef;

use crate::db::{Fail, Row, Stmt};
use crate::{Op, Param, Result, Store, now_text, params};

/// One imported catalogue version of a region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueVersionRow {
    pub admdvs: String,
    pub version: String,
    /// In force from this day (ISO date).
    pub begndate: String,
    /// The file it was imported from.
    pub source: String,
    pub loaded_at: String,
}

/// Rows per multi-row insert (11 parameters each: well under both databases' limits).
const ROWS_PER_INSERT: usize = 200;

/// The statements of a catalogue operation.
pub(crate) fn push(out: &mut Vec<Stmt>, op: Op) {
    match op {
        Op::InsertCatalogueVersion { admdvs, version, begndate, source } => {
            push_version(out, admdvs, version, begndate, source)
        }
        Op::InsertCatalogueItems { admdvs, version, items } => push_items(out, &admdvs, &version, items),
        other => unreachable!("not a catalogue operation: {other:?}"),
    }
}

/// The header of a new version; fails as Duplicate when the region already has that version.
fn push_version(out: &mut Vec<Stmt>, admdvs: String, version: String, begndate: String, source: String) {
    let m = format!("统筹区 {admdvs} 的目录版本 {version} 已存在");
    out.push(
        Stmt::new(
            "INSERT INTO catalogue_version (admdvs, version, begndate, source, loaded_at) VALUES ($1, $2, $3, $4, $5)",
            params![admdvs, version, begndate, source, now_text()],
        )
        .dup(Fail::Duplicate(m)),
    );
}

/// Items of a version (with their 先行自付 ratios and price caps), in multi-row inserts.
fn push_items(out: &mut Vec<Stmt>, admdvs: &str, version: &str, items: Vec<CatalogueItemDef>) {
    let dup = |what: &str| Fail::Duplicate(format!("统筹区 {admdvs} 的目录版本 {version} 中已有{what}"));
    let mut selfpay: Vec<Vec<Param>> = Vec::new();
    let mut caps: Vec<Vec<Param>> = Vec::new();
    let mut rows: Vec<Vec<Param>> = Vec::with_capacity(items.len());
    for d in items {
        for (k, r) in &d.selfpay_prop {
            selfpay.push(params![admdvs, version, &d.code, k, i64::from(r.0)]);
        }
        for (k, p) in &d.price_cap {
            caps.push(params![admdvs, version, &d.code, k, p.0]);
        }
        let med_types = d.med_types.as_ref().map(|m| m.join(","));
        rows.push(params![
            admdvs,
            version,
            d.code,
            d.name,
            d.lv,
            d.category,
            d.sex,
            d.age_min.map(i64::from),
            d.age_max.map(i64::from),
            d.min_hosp_lv,
            med_types
        ]);
    }
    let tables = [
        (
            "catalogue_item (admdvs, version, code, name, lv, category, sex, age_min, age_max, min_hosp_lv, med_types)",
            11,
            rows,
            "此目录编码",
        ),
        ("catalogue_selfpay (admdvs, version, code, insutype, ratio)", 5, selfpay, "此目录编码的先行自付比例"),
        ("catalogue_price_cap (admdvs, version, code, hosp_lv, price)", 5, caps, "此目录编码的最高限价"),
    ];
    for (table, cols, rows, what) in tables {
        let mut it = rows.into_iter().peekable();
        while it.peek().is_some() {
            let chunk: Vec<Vec<Param>> = it.by_ref().take(ROWS_PER_INSERT).collect();
            let sql = format!("INSERT INTO {table} VALUES {}", crate::ops::values(chunk.len(), cols));
            out.push(Stmt::new(sql, chunk.into_iter().flatten().collect()).dup(dup(what)));
        }
    }
}

fn version_row(r: &Row) -> CatalogueVersionRow {
    CatalogueVersionRow {
        admdvs: r.text("admdvs"),
        version: r.text("version"),
        begndate: r.text("begndate"),
        source: r.text("source"),
        loaded_at: r.text("loaded_at"),
    }
}

/// Which of a region's versions comes first when several qualify: the latest start, then the latest load.
const NEWEST_FIRST: &str = "ORDER BY begndate DESC, loaded_at DESC, version DESC";

impl Store {
    /// Every catalogue version of a region, oldest first.
    pub async fn catalogue_versions(&self, admdvs: &str) -> Result<Vec<CatalogueVersionRow>> {
        let rows = self
            .rows(
                "SELECT * FROM catalogue_version WHERE admdvs = $1 ORDER BY begndate, loaded_at, version",
                params![admdvs],
            )
            .await?;
        Ok(rows.iter().map(version_row).collect())
    }

    /// One version of a region, if stored.
    pub async fn catalogue_version(&self, admdvs: &str, version: &str) -> Result<Option<CatalogueVersionRow>> {
        let r = self
            .row("SELECT * FROM catalogue_version WHERE admdvs = $1 AND version = $2", params![admdvs, version])
            .await?;
        Ok(r.as_ref().map(version_row))
    }

    /// The newest version of a region: the one that starts latest (the last loaded of those).
    pub async fn latest_catalogue(&self, admdvs: &str) -> Result<Option<CatalogueVersionRow>> {
        let sql = format!("SELECT * FROM catalogue_version WHERE admdvs = $1 {NEWEST_FIRST} LIMIT 1");
        Ok(self.row(&sql, params![admdvs]).await?.as_ref().map(version_row))
    }

    /// The version in force in a region on a day (ISO date): the newest that starts on or before it.
    pub async fn catalogue_in_force(&self, admdvs: &str, date: &str) -> Result<Option<CatalogueVersionRow>> {
        let sql =
            format!("SELECT * FROM catalogue_version WHERE admdvs = $1 AND begndate <= $2 {NEWEST_FIRST} LIMIT 1");
        Ok(self.row(&sql, params![admdvs, date]).await?.as_ref().map(version_row))
    }

    /// The items of a version, by code (a long read: on SQLite it runs off the calling thread).
    pub async fn catalogue_items(&self, admdvs: &str, version: &str) -> Result<Vec<CatalogueItemDef>> {
        let key = || params![admdvs, version];
        let mut items: BTreeMap<String, CatalogueItemDef> = self
            .scan("SELECT * FROM catalogue_item WHERE admdvs = $1 AND version = $2", key())
            .await?
            .iter()
            .map(|r| {
                let item = CatalogueItemDef {
                    code: r.text("code"),
                    name: r.text("name"),
                    lv: r.text("lv"),
                    category: r.opt_text("category"),
                    selfpay_prop: BTreeMap::new(),
                    price_cap: BTreeMap::new(),
                    sex: r.opt_text("sex"),
                    age_min: r.opt_int("age_min").and_then(|a| u32::try_from(a).ok()),
                    age_max: r.opt_int("age_max").and_then(|a| u32::try_from(a).ok()),
                    min_hosp_lv: r.opt_text("min_hosp_lv"),
                    med_types: r.opt_text("med_types").map(|m| m.split(',').map(str::to_string).collect()),
                };
                (item.code.clone(), item)
            })
            .collect();
        for r in self
            .scan("SELECT code, insutype, ratio FROM catalogue_selfpay WHERE admdvs = $1 AND version = $2", key())
            .await?
        {
            if let Some(it) = items.get_mut(&r.text("code")) {
                it.selfpay_prop.insert(r.text("insutype"), Ratio(u32::try_from(r.int("ratio")).unwrap_or(0)));
            }
        }
        for r in self
            .scan("SELECT code, hosp_lv, price FROM catalogue_price_cap WHERE admdvs = $1 AND version = $2", key())
            .await?
        {
            if let Some(it) = items.get_mut(&r.text("code")) {
                it.price_cap.insert(r.text("hosp_lv"), Price(r.int("price")));
            }
        }
        Ok(items.into_values().collect())
    }
}
