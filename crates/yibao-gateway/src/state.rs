//! The gateway's hot state: the people, open visits and institutions that calls read, kept in memory and changed
//! only after the change is durable in the ledger.
//!
//! The ledger stays the authority. A person is read from it on first use (and again after an import or a staff edit
//! tells the gateways to forget, see `cache_epoch`); an open visit is read on first use and dropped once settled or
//! cancelled. Every commit is checked against what the copy was made from — the person-year version for
//! accumulators and account, the visit version for visits — so a copy that another gateway instance made stale turns
//! into a conflict that is retried on fresh data, never into a lost update.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use yibao_store::{
    DiseaseRow, EnrollmentRow, FeeLineRow, IdentityRow, InstitutionRow, PersonRow, Store, SuspensionRow, VisitRow,
};

use crate::db;
use crate::envelope::{GwError, GwResult};

/// What a settlement needs to know about a person, as of the person-year versions it holds.
#[derive(Debug, Clone)]
pub struct PersonCtx {
    pub person: PersonRow,
    pub enrollments: Vec<EnrollmentRow>,
    pub identities: Vec<IdentityRow>,
    pub diseases: Vec<DiseaseRow>,
    /// 个人账户余额 in fen (None: no account).
    pub balance: Option<i64>,
    /// Accumulators by (year, insutype): name → value.
    pub accumulators: HashMap<(i64, String), BTreeMap<String, i64>>,
    /// Person-year versions by year (absent = 0, no settlement yet).
    pub versions: HashMap<i64, i64>,
}

impl PersonCtx {
    pub fn version(&self, year: i64) -> i64 {
        self.versions.get(&year).copied().unwrap_or(0)
    }

    /// Whether the person is enrolled with status 1 (正常参保) in the scheme for the year of `date`.
    pub fn enrolled(&self, insutype: &str, date: chrono::NaiveDate) -> bool {
        use chrono::Datelike;
        let year = i64::from(date.year());
        self.enrollments.iter().any(|e| e.insutype == insutype && e.year == year && e.psn_insu_stas == "1")
    }

    pub fn accumulators_of(&self, year: i64, insutype: &str) -> BTreeMap<String, i64> {
        self.accumulators.get(&(year, insutype.to_string())).cloned().unwrap_or_default()
    }
}

/// An open visit and its lines.
#[derive(Debug, Clone)]
pub struct VisitCtx {
    pub row: VisitRow,
    /// Lines uploaded and not yet settled, in upload order.
    pub uploaded: Vec<FeeLineRow>,
    /// Every serial number the visit holds in the ledger (uploaded or settled).
    pub serials: HashSet<String>,
}

/// An institution with its agreement suspensions.
#[derive(Debug, Clone)]
pub struct InstitutionCtx {
    pub row: InstitutionRow,
    pub suspensions: Vec<SuspensionRow>,
    pub read_at: std::time::Instant,
}

impl std::ops::Deref for InstitutionCtx {
    type Target = InstitutionRow;
    fn deref(&self) -> &InstitutionRow {
        &self.row
    }
}

impl InstitutionCtx {
    /// The suspension in force on a date (`yyyy-MM-dd`), if any.
    pub fn suspension_on(&self, date: &str) -> Option<&SuspensionRow> {
        self.suspensions
            .iter()
            .rev()
            .find(|s| s.begndate.as_str() <= date && s.enddate.as_deref().is_none_or(|e| e >= date))
    }
}

/// A change to the hot state, applied once the call's commit is durable.
#[derive(Debug, Clone)]
pub enum Effect {
    /// The visit as it now is (new, or changed and still open).
    PutVisit(Box<VisitCtx>),
    /// The visit left the open states (settled, cancelled) or changed in a way not worth copying: read it again.
    DropVisit { psn_no: String, mdtrt_id: String },
    /// A settlement or reversal: the year's version is one higher, the accumulators and the account moved.
    Settled { psn_no: String, year: i64, insutype: String, deltas: Vec<(String, i64)>, account_delta: i64 },
    /// Read the person again.
    DropPerson(String),
}

const SHARDS: usize = 64;

fn shard(psn_no: &str) -> usize {
    let mut h: u64 = 1469598103934665603;
    for b in psn_no.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(1099511628211);
    }
    (h as usize) % SHARDS
}

type VisitKey = (String, String);

/// The hot state of one gateway process.
pub struct HotState {
    /// Bumped whenever people are forgotten: a copy read before a bump is not kept (it may predate the change).
    generation: std::sync::atomic::AtomicU64,
    people: Vec<Mutex<HashMap<String, Arc<PersonCtx>>>>,
    visits: Vec<Mutex<HashMap<VisitKey, Arc<VisitCtx>>>>,
    certnos: Mutex<HashMap<String, String>>,
    institutions: Mutex<HashMap<String, Arc<InstitutionCtx>>>,
}

/// How long an institution's credentials and agreement are kept before they are read again.
pub const INSTITUTION_TTL: std::time::Duration = std::time::Duration::from_secs(30);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Default for HotState {
    fn default() -> HotState {
        HotState {
            generation: std::sync::atomic::AtomicU64::new(0),
            people: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            visits: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            certnos: Mutex::new(HashMap::new()),
            institutions: Mutex::new(HashMap::new()),
        }
    }
}

impl HotState {
    /// A person's context, from memory or read from the ledger; None if the person does not exist.
    pub async fn person(&self, store: &Store, psn_no: &str) -> GwResult<Option<Arc<PersonCtx>>> {
        if let Some(p) = lock(&self.people[shard(psn_no)]).get(psn_no) {
            return Ok(Some(p.clone()));
        }
        let generation = self.generation();
        let Some(person) = store.person(psn_no).await.map_err(db)? else { return Ok(None) };
        let mut accumulators: HashMap<(i64, String), BTreeMap<String, i64>> = HashMap::new();
        for (year, insutype, name, value) in store.person_accumulators(psn_no).await.map_err(db)? {
            accumulators.entry((year, insutype)).or_default().insert(name, value);
        }
        let ctx = Arc::new(PersonCtx {
            enrollments: store.enrollments(psn_no).await.map_err(db)?,
            identities: store.identities(psn_no).await.map_err(db)?,
            diseases: store.diseases(psn_no).await.map_err(db)?,
            balance: store.account_balance(psn_no).await.map_err(db)?,
            accumulators,
            versions: store.person_versions(psn_no).await.map_err(db)?.into_iter().collect(),
            person,
        });
        lock(&self.certnos).insert(ctx.person.certno.clone(), psn_no.to_string());
        // Checked under the shard's lock: a forget that bumps the generation after this check clears the shard after
        // this insert. Another call may have read (and since changed) the same person: keep the copy already there.
        let mut g = lock(&self.people[shard(psn_no)]);
        if generation != self.generation() {
            return Ok(Some(ctx));
        }
        Ok(Some(g.entry(psn_no.to_string()).or_insert(ctx).clone()))
    }

    /// The psn_no of an ID number, from memory or the ledger.
    pub async fn psn_no_of(&self, store: &Store, certno: &str) -> GwResult<Option<String>> {
        if let Some(p) = lock(&self.certnos).get(certno) {
            return Ok(Some(p.clone()));
        }
        Ok(store.person_by_certno(certno).await.map_err(db)?.map(|p| p.psn_no))
    }

    /// An open visit and its lines, from memory or the ledger; None if the person has no such visit.
    pub async fn visit(&self, store: &Store, psn_no: &str, mdtrt_id: &str) -> GwResult<Option<Arc<VisitCtx>>> {
        let key = (psn_no.to_string(), mdtrt_id.to_string());
        if let Some(v) = lock(&self.visits[shard(psn_no)]).get(&key) {
            return Ok(Some(v.clone()));
        }
        let Some(row) = store.visit(psn_no, mdtrt_id).await.map_err(db)? else { return Ok(None) };
        let lines = store.fee_lines(psn_no, mdtrt_id, None).await.map_err(db)?;
        let serials = lines.iter().map(|l| l.feedetl_sn.clone()).collect();
        let uploaded = lines.into_iter().filter(|l| l.state == "uploaded").collect();
        let open = matches!(row.state.as_str(), "registered" | "admitted" | "discharged");
        let ctx = Arc::new(VisitCtx { row, uploaded, serials });
        if open {
            lock(&self.visits[shard(psn_no)]).entry(key).or_insert(ctx.clone());
        }
        Ok(Some(ctx))
    }

    /// Applies the effects of a durable commit, in order.
    pub fn apply(&self, effects: Vec<Effect>) {
        for e in effects {
            match e {
                Effect::PutVisit(v) => {
                    let key = (v.row.psn_no.clone(), v.row.mdtrt_id.clone());
                    let mut g = lock(&self.visits[shard(&key.0)]);
                    // A later change may already be there (applied by a call that committed after this one).
                    if g.get(&key).is_none_or(|old| old.row.version <= v.row.version) {
                        g.insert(key, Arc::new(*v));
                    }
                }
                Effect::DropVisit { psn_no, mdtrt_id } => {
                    lock(&self.visits[shard(&psn_no)]).remove(&(psn_no, mdtrt_id));
                }
                Effect::Settled { psn_no, year, insutype, deltas, account_delta } => {
                    let mut g = lock(&self.people[shard(&psn_no)]);
                    if let Some(p) = g.get_mut(&psn_no) {
                        let p = Arc::make_mut(p);
                        *p.versions.entry(year).or_insert(0) += 1;
                        let acc = p.accumulators.entry((year, insutype)).or_default();
                        for (k, d) in deltas {
                            *acc.entry(k).or_insert(0) += d;
                        }
                        if let Some(b) = &mut p.balance {
                            *b += account_delta;
                        }
                    }
                }
                Effect::DropPerson(psn_no) => self.forget_person(&psn_no),
            }
        }
    }

    fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Reads every person into memory, a chunk at a time (a gateway does this in the background at start-up, so that
    /// no call waits for a person to be read). Returns how many were kept.
    pub async fn warm(&self, store: &Store) -> Result<usize, yibao_store::StoreError> {
        let mut after = String::new();
        let mut kept = 0;
        loop {
            let generation = self.generation();
            let chunk = store.people_after(&after, 20_000).await?;
            let Some(last) = chunk.people.last() else { return Ok(kept) };
            after = last.psn_no.clone();
            if generation != self.generation() {
                continue;
            }
            let mut by: HashMap<String, PersonCtx> = chunk
                .people
                .into_iter()
                .map(|person| {
                    let ctx = PersonCtx {
                        person,
                        enrollments: Vec::new(),
                        identities: Vec::new(),
                        diseases: Vec::new(),
                        balance: None,
                        accumulators: HashMap::new(),
                        versions: HashMap::new(),
                    };
                    (ctx.person.psn_no.clone(), ctx)
                })
                .collect();
            for e in chunk.enrollments {
                if let Some(p) = by.get_mut(&e.psn_no) {
                    p.enrollments.push(e);
                }
            }
            for i in chunk.identities {
                if let Some(p) = by.get_mut(&i.psn_no) {
                    p.identities.push(i);
                }
            }
            for d in chunk.diseases {
                if let Some(p) = by.get_mut(&d.psn_no) {
                    p.diseases.push(d);
                }
            }
            for (psn_no, balance) in chunk.accounts {
                if let Some(p) = by.get_mut(&psn_no) {
                    p.balance = Some(balance);
                }
            }
            for (psn_no, year, insutype, name, value) in chunk.accumulators {
                if let Some(p) = by.get_mut(&psn_no) {
                    p.accumulators.entry((year, insutype)).or_default().insert(name, value);
                }
            }
            for (psn_no, year, version) in chunk.versions {
                if let Some(p) = by.get_mut(&psn_no) {
                    p.versions.insert(year, version);
                }
            }
            // The ledger's order, as a person read alone gets them.
            for p in by.values_mut() {
                p.enrollments.sort_by(|a, b| (b.year, &a.insutype).cmp(&(a.year, &b.insutype)));
                p.identities.sort_by(|a, b| (&a.begndate, &a.code).cmp(&(&b.begndate, &b.code)));
                p.diseases.sort_by(|a, b| (&a.begndate, &a.code).cmp(&(&b.begndate, &b.code)));
            }
            {
                let mut certnos = lock(&self.certnos);
                for p in by.values() {
                    certnos.insert(p.person.certno.clone(), p.person.psn_no.clone());
                }
            }
            for (psn_no, ctx) in by {
                let mut g = lock(&self.people[shard(&psn_no)]);
                if generation != self.generation() {
                    break;
                }
                if let std::collections::hash_map::Entry::Vacant(e) = g.entry(psn_no) {
                    e.insert(Arc::new(ctx));
                    kept += 1;
                }
            }
        }
    }

    /// Forgets a person and their open visits (after a conflict, or a change made elsewhere).
    pub fn forget_person(&self, psn_no: &str) {
        self.generation.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        lock(&self.people[shard(psn_no)]).remove(psn_no);
        lock(&self.visits[shard(psn_no)]).retain(|k, _| k.0 != psn_no);
    }

    /// Forgets every person (an import changed people in bulk).
    pub fn forget_people(&self) {
        self.generation.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        for s in &self.people {
            lock(s).clear();
        }
        lock(&self.certnos).clear();
    }

    /// An institution by paasid with its agreement, from memory when read in the last [`INSTITUTION_TTL`].
    pub async fn institution(&self, store: &Store, paasid: &str) -> GwResult<Arc<InstitutionCtx>> {
        if let Some(i) = lock(&self.institutions).get(paasid)
            && i.read_at.elapsed() < INSTITUTION_TTL
        {
            return Ok(i.clone());
        }
        let row = store
            .institution_by_paasid(paasid)
            .await
            .map_err(db)?
            .ok_or_else(|| GwError::new(format!("接入账号 x-tif-paasid“{paasid}”未登记")))?;
        let suspensions = store.suspensions(&row.fixmedins_code).await.map_err(db)?;
        let ctx = Arc::new(InstitutionCtx { row, suspensions, read_at: std::time::Instant::now() });
        lock(&self.institutions).insert(paasid.to_string(), ctx.clone());
        Ok(ctx)
    }

    /// Forgets every institution (an administrator changed one, or an agreement).
    pub fn forget_institutions(&self) {
        lock(&self.institutions).clear();
    }
}
