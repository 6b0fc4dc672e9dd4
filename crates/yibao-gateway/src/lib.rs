//! The hospital gateway: answers the national 定点医药机构接口 (1101, 2201–2208, 2301–2305, 2401–2405, 5203–5206,
//! 9001/9002, 1901 …) over HTTP, at `/fsi/api` and at the per-service paths, on the ledger store.
//!
//! A call flows one way: envelope → authentication → institution check → idempotency (msgid) → transaction
//! (validate, compute with the core) → commit (batched, durable) → answer. A refused call stores nothing.

pub mod auth;
pub mod catalogue;
pub mod client;
pub mod demo;
pub mod envelope;
mod explain;
pub mod fsi_bench;
pub mod ids;
pub mod screening;
pub mod state;
pub mod txn;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::post;
use serde_json::Value;
use serde_json::value::RawValue;
use tokio::sync::{Mutex, OwnedMutexGuard};

use envelope::{Answer, GwError, parse_envelope};
use state::{Effect, HotState, InstitutionCtx};
use yibao_core::Policy;
use yibao_store::{Op, Store, StoreError};

/// Shared state of a running gateway.
pub struct Gateway {
    pub store: Store,
    /// Compiled policies by region (统筹区), with their version label.
    policies: RwLock<HashMap<String, Arc<Policy>>>,
    /// The region whose policy applies when a call names none.
    pub default_admdvs: String,
    locks: Vec<Arc<Mutex<()>>>,
    pub ids: ids::IdGen,
    nonces: auth::Nonces,
    /// People, open visits and institutions in memory (see [`state`]).
    pub state: HotState,
    /// Fund-supervision rule packs by region, with their `on_settle` option (see [`screening`]).
    screening: RwLock<HashMap<String, Arc<screening::Screening>>>,
}

/// What a transaction produced: the output node, the changes to commit with it, and what they do to the hot state.
pub struct Outcome {
    /// The output node's JSON text (transactions serialize their structs straight into it).
    pub output: Box<RawValue>,
    pub ops: Vec<Op>,
    pub psn_no: Option<String>,
    /// The visit this call changes, with the version it was read at (its commit starts with a version check).
    pub touches: Option<(String, String, i64)>,
    /// Applied to the hot state once the commit is durable.
    pub effects: Vec<Effect>,
    /// Held until the commit is durable and its effects applied (per-person serialisation of settlements).
    pub guard: Option<OwnedMutexGuard<()>>,
}

impl Outcome {
    pub fn read(output: impl serde::Serialize) -> Outcome {
        Outcome { output: raw(&output), ops: Vec::new(), psn_no: None, touches: None, effects: Vec::new(), guard: None }
    }

    /// A change answered with `output`.
    pub fn change(output: impl serde::Serialize, ops: Vec<Op>, psn_no: String, effects: Vec<Effect>) -> Outcome {
        Outcome { output: raw(&output), ops, psn_no: Some(psn_no), touches: None, effects, guard: None }
    }

    /// This change applies to a visit read at `version`.
    pub fn touching(mut self, v: &yibao_store::VisitRow) -> Outcome {
        self.touches = Some((v.psn_no.clone(), v.mdtrt_id.clone(), v.version));
        self
    }
}

const LOCK_SHARDS: usize = 1024;

/// How many times a call whose commit met another writer's change is run again on fresh data.
const CONFLICT_ATTEMPTS: usize = 6;

impl Gateway {
    pub fn new(store: Store, default_admdvs: String) -> Gateway {
        Gateway {
            store,
            policies: RwLock::new(HashMap::new()),
            default_admdvs,
            locks: (0..LOCK_SHARDS).map(|_| Arc::new(Mutex::new(()))).collect(),
            ids: ids::IdGen::default(),
            nonces: auth::Nonces::default(),
            state: HotState::default(),
            screening: RwLock::new(HashMap::new()),
        }
    }

    /// Loads (or replaces) a region's rule pack. Rules that take their rows from the catalogue get the region's
    /// policy catalogue when its policy is loaded (load policies first).
    pub fn set_screening(&self, mut s: screening::Screening) {
        if let Ok(p) = self.policy(&s.pack.admdvs) {
            s.pack.attach_catalogue(&p.catalogue);
        }
        let mut g = self.screening.write().unwrap_or_else(|p| p.into_inner());
        g.insert(s.pack.admdvs.clone(), Arc::new(s));
    }

    /// The rule pack for a region (the default region's when `admdvs` is empty or has none of its own; the only pack
    /// when the gateway has one).
    pub fn screening(&self, admdvs: &str) -> Option<Arc<screening::Screening>> {
        let g = self.screening.read().unwrap_or_else(|p| p.into_inner());
        let only = || if g.len() == 1 { g.values().next() } else { None };
        g.get(admdvs).or_else(|| g.get(&self.default_admdvs)).or_else(only).cloned()
    }

    /// The rule pack loaded for exactly this region, if any.
    pub fn screening_of(&self, admdvs: &str) -> Option<Arc<screening::Screening>> {
        self.screening.read().unwrap_or_else(|p| p.into_inner()).get(admdvs).cloned()
    }

    /// Takes a node number from the ledger for the ids this instance issues (see [`ids::IdGen`]); call once at start.
    pub async fn claim_node(&self) -> Result<u8, StoreError> {
        let n = (self.store.next_counter("gateway_node").await? % 100) as u8;
        self.ids.set_node(n);
        Ok(n)
    }

    /// Loads (or replaces) a region's policy.
    pub fn set_policy(&self, policy: Policy) {
        let mut g = self.policies.write().unwrap_or_else(|p| p.into_inner());
        g.insert(policy.admdvs.clone(), Arc::new(policy));
    }

    /// The policy of a region (the default region when `admdvs` is empty).
    pub fn policy(&self, admdvs: &str) -> Result<Arc<Policy>, GwError> {
        let key = if admdvs.is_empty() { self.default_admdvs.as_str() } else { admdvs };
        let g = self.policies.read().unwrap_or_else(|p| p.into_inner());
        g.get(key).cloned().ok_or_else(|| GwError::new(format!("参保地医保区划 {key} 未配置政策，请联系医保经办机构")))
    }

    /// Loads every region's newest policy version from the store.
    pub async fn load_policies(&self, regions: &[String]) -> Result<(), String> {
        for r in regions {
            if let Some((version, pack)) = self.store.latest_policy(r).await.map_err(|e| e.to_string())? {
                let p = Policy::from_toml(&format!("{r}@{version}"), &pack).map_err(|e| e.to_string())?;
                catalogue::install(self, p).await.map_err(|e| e.to_string())?; // with the region's stored catalogue
            }
        }
        Ok(())
    }

    /// Serialises work on one person (settlement, reversal) until the guard is dropped.
    pub async fn lock_person(&self, psn_no: &str) -> OwnedMutexGuard<()> {
        let mut h: u64 = 1469598103934665603;
        for b in psn_no.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(1099511628211);
        }
        self.locks[(h as usize) % LOCK_SHARDS].clone().lock_owned().await
    }

    /// Handles one call — envelope, authentication, idempotency, transaction, commit — and returns the answer's JSON
    /// text. A logged answer is returned exactly as it was stored, without reading it back into values.
    pub async fn handle_text(&self, headers: &HeaderMap, body: &Value, path_infno: Option<&str>) -> String {
        let refmsg_time = ids::stamp_ms();
        let env = match parse_envelope(body) {
            Ok(e) => e,
            Err(e) => return self.refusal(None, &refmsg_time, e),
        };
        let result = self.handle_env(headers, &env, path_infno).await;
        match result {
            Ok(Handled::Fresh(output)) => self.answer(Some(&env), &refmsg_time, Ok(&output)),
            Ok(Handled::Logged(answer)) => answer,
            Err(e) => {
                tracing::info!(infno = %env.infno, msgid = %env.msgid, fixmedins = %env.fixmedins_code, err = %e.msg, "refused");
                self.refusal(Some(&env), &refmsg_time, e)
            }
        }
    }

    async fn handle_env(
        &self,
        headers: &HeaderMap,
        env: &envelope::Envelope,
        path_infno: Option<&str>,
    ) -> Result<Handled, GwError> {
        if let Some(p) = path_infno
            && p != env.infno
        {
            return Err(GwError::new(format!("交易编号 infno {} 与服务地址对应的交易 {p} 不一致", env.infno)));
        }
        let inst = self.authenticate(headers, env).await?;
        self.handle_for(&inst, env).await
    }

    /// Runs a call for an institution already known to be the caller: transaction, commit, idempotency.
    ///
    /// A fresh msgid costs no read: the request log's key refuses a second commit of the same msgid, and only then
    /// (or when the transaction refuses, e.g. a visit already settled by the first attempt) is the logged answer
    /// looked up and replayed.
    async fn handle_for(&self, inst: &InstitutionCtx, env: &envelope::Envelope) -> Result<Handled, GwError> {
        let mutating = txn::is_mutating(&env.infno);
        let digest = if mutating { input_digest(env) } else { String::new() };
        for attempt in 0..CONFLICT_ATTEMPTS {
            let outcome = match txn::run(self, inst, env).await {
                Ok(o) => o,
                Err(e) if mutating => match self.replay(&inst.fixmedins_code, env, &digest).await? {
                    Some(prev) => return Ok(prev),
                    None => return Err(e),
                },
                Err(e) => return Err(e),
            };
            if !mutating {
                return Ok(Handled::Fresh(outcome.output));
            }
            let answer = self.answer(Some(env), &ids::stamp_ms(), Ok(&outcome.output));
            let mut ops = Vec::with_capacity(outcome.ops.len() + 2);
            if let Some((psn_no, mdtrt_id, expected)) = outcome.touches {
                ops.push(Op::TouchVisit { psn_no, mdtrt_id, expected });
            }
            ops.extend(outcome.ops);
            ops.push(Op::LogRequest {
                log_id: self.ids.id('R'),
                fixmedins_code: inst.fixmedins_code.clone(),
                opter: env.opter.clone(),
                msgid: env.msgid.clone(),
                infno: env.infno.clone(),
                digest: digest.clone(),
                psn_no: outcome.psn_no.clone(),
                response: answer.clone(),
            });
            match self.store.commit(ops).await {
                Ok(()) => {
                    self.state.apply(outcome.effects);
                    drop(outcome.guard);
                    return Ok(Handled::Logged(answer));
                }
                // The same msgid was committed by an earlier or concurrent call: answer as it was answered.
                Err(StoreError::Duplicate(m)) if m.contains(&env.msgid) => {
                    return match self.replay(&inst.fixmedins_code, env, &digest).await? {
                        Some(prev) => Ok(prev),
                        None => Err(GwError::new(m)),
                    };
                }
                // What this call read was changed by another writer (another gateway instance settling the same
                // person): read again and run once more, after a short, varying pause.
                Err(StoreError::Conflict(m)) => {
                    if let Some(p) = &outcome.psn_no {
                        self.state.forget_person(p);
                    }
                    if attempt + 1 == CONFLICT_ATTEMPTS {
                        return Err(GwError::new(format!("{m}，请稍后重试")));
                    }
                    drop(outcome.guard);
                    let pause = 1 + (ids::stamp_ms().bytes().last().unwrap_or(0) as u64 % 7) * (attempt as u64 + 1);
                    tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
                }
                Err(e) => return Err(GwError::new(e.to_string())),
            }
        }
        Err(GwError::new("医保平台内部错误：重试后仍冲突，请稍后再试"))
    }

    /// A call made inside the platform on an institution's behalf (the service window settling a bill for a
    /// hospital, a reviewer's manual claim): the same transaction, checks, idempotency and ledger entries as a
    /// hospital's own call, without the HTTP signature. `msgid` is the caller's request id (a form's hidden id), so
    /// that a resubmitted form gets the first answer and no second effect; `opter` names the staff member.
    pub async fn call_as(
        &self,
        fixmedins_code: &str,
        opter: &str,
        opter_name: &str,
        msgid: &str,
        infno: &str,
        input: Value,
    ) -> Answer {
        let refmsg_time = ids::stamp_ms();
        // Read afresh: a staff call sees an agreement suspended a moment ago.
        let inst = match self.store.institution(fixmedins_code).await {
            Ok(Some(row)) => match self.store.suspensions(fixmedins_code).await {
                Ok(suspensions) => InstitutionCtx { row, suspensions, read_at: std::time::Instant::now() },
                Err(e) => return parsed(&self.refusal(None, &refmsg_time, db(e))),
            },
            Ok(None) => {
                let e = GwError::new(format!("定点机构“{fixmedins_code}”不存在"));
                return parsed(&self.refusal(None, &refmsg_time, e));
            }
            Err(e) => return parsed(&self.refusal(None, &refmsg_time, db(e))),
        };
        let env = envelope::Envelope {
            infno: infno.to_string(),
            msgid: msgid.to_string(),
            mdtrtarea_admvs: inst.admdvs.clone(),
            insuplc_admdvs: inst.admdvs.clone(),
            fixmedins_code: inst.fixmedins_code.clone(),
            opter: opter.to_string(),
            opter_name: opter_name.to_string(),
            inf_time: yibao_store::now_text(),
            sign_no: String::new(),
            input,
        };
        match self.handle_for(&inst, &env).await {
            Ok(Handled::Fresh(output)) => parsed(&self.answer(Some(&env), &refmsg_time, Ok(&output))),
            Ok(Handled::Logged(answer)) => parsed(&answer),
            Err(e) => parsed(&self.refusal(Some(&env), &refmsg_time, e)),
        }
    }

    /// Forgets cached institution credentials and agreement states (after an administrator changed them), so that
    /// the next call reads them again.
    pub fn forget_institutions(&self) {
        self.state.forget_institutions();
    }

    /// Forgets what is kept in memory about a person (after a staff member changed their record).
    pub fn forget_person(&self, psn_no: &str) {
        self.state.forget_person(psn_no);
    }

    /// Watches the ledger's cache epochs (bumped by imports and by staff edits in other processes) and forgets the
    /// copies they name. Runs until the gateway is dropped.
    pub async fn watch_epochs(self: &Arc<Self>) -> Result<(), StoreError> {
        catalogue::watch(self); // imported catalogue versions: reloaded by their own watcher
        screening::library::watch(self); // stored rule pack versions: likewise
        let mut seen = self.store.epochs().await?;
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                let Some(gw) = weak.upgrade() else { return };
                let Ok(now) = gw.store.epochs().await else { continue };
                for (name, v) in &now {
                    if seen.iter().any(|(n, b)| n == name && b != v) {
                        match name.as_str() {
                            "person" => gw.state.forget_people(),
                            catalogue::EPOCH | screening::library::EPOCH => {} // see their own watchers
                            _ => gw.state.forget_institutions(),
                        }
                    }
                }
                seen = now;
            }
        });
        Ok(())
    }

    /// The logged answer for this msgid, if any; refuses a msgid reused for another transaction or other content.
    async fn replay(
        &self,
        fixmedins_code: &str,
        env: &envelope::Envelope,
        digest: &str,
    ) -> Result<Option<Handled>, GwError> {
        let Some(prev) = self.store.logged_request(fixmedins_code, &env.msgid).await.map_err(db)? else {
            return Ok(None);
        };
        if prev.infno != env.infno || prev.digest != digest {
            return Err(GwError::new(format!(
                "报文ID msgid“{}”已用于另一笔交易（交易编号 {}，内容不同），请为每笔新交易生成新的 msgid",
                env.msgid, prev.infno
            )));
        }
        // The answer is given only once it is durable: wait for the writer to have synced everything committed so
        // far (an empty job), in case the first call's commit is still on its way to the disk.
        self.store.commit(Vec::new()).await.map_err(db)?;
        Ok(Some(Handled::Logged(prev.response)))
    }

    async fn authenticate(
        &self,
        headers: &HeaderMap,
        env: &envelope::Envelope,
    ) -> Result<Arc<InstitutionCtx>, GwError> {
        let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
        let paasid =
            h("x-tif-paasid").filter(|s| !s.is_empty()).ok_or_else(|| GwError::new("缺少请求头 x-tif-paasid"))?;
        let inst = self.state.institution(&self.store, paasid).await?;
        let hs = auth::Headers {
            paasid: Some(paasid),
            timestamp: h("x-tif-timestamp"),
            nonce: h("x-tif-nonce"),
            signature: h("x-tif-signature"),
        };
        auth::verify(&hs, &inst.secret, chrono::Utc::now().timestamp(), &self.nonces)?;
        if inst.fixmedins_code != env.fixmedins_code {
            return Err(GwError::new(format!(
                "字段 fixmedins_code“{}”与接入账号所属机构“{}”不一致",
                env.fixmedins_code, inst.fixmedins_code
            )));
        }
        Ok(inst)
    }

    /// The answer envelope (§1.2) around an output, as JSON text.
    fn answer(&self, env: Option<&envelope::Envelope>, refmsg_time: &str, r: Result<&RawValue, GwError>) -> String {
        #[derive(serde::Serialize)]
        struct Out<'a> {
            infcode: i32,
            inf_refmsgid: String,
            refmsg_time: &'a str,
            respond_time: String,
            err_msg: &'a str,
            warn_msg: &'a str,
            output: &'a RawValue,
        }
        let admvs = env.map_or(self.default_admdvs.as_str(), |e| e.mdtrtarea_admvs.as_str());
        let empty = RawValue::from_string("{}".to_string()).expect("{} is JSON");
        let (infcode, err_msg, output) = match &r {
            Ok(output) => (0, "", *output),
            Err(e) => (-1, e.msg.as_str(), &*empty),
        };
        serde_json::to_string(&Out {
            infcode,
            inf_refmsgid: self.ids.refmsgid(admvs),
            refmsg_time,
            respond_time: ids::stamp_ms(),
            err_msg,
            warn_msg: "",
            output,
        })
        .unwrap_or_default()
    }

    fn refusal(&self, env: Option<&envelope::Envelope>, refmsg_time: &str, e: GwError) -> String {
        self.answer(env, refmsg_time, Err(e))
    }
}

/// A value's JSON text, as an output node.
pub fn raw(v: &impl serde::Serialize) -> Box<RawValue> {
    serde_json::value::to_raw_value(v).unwrap_or_else(|_| RawValue::from_string("{}".to_string()).expect("{} is JSON"))
}

enum Handled {
    /// A read's output, to be wrapped in a new answer.
    Fresh(Box<RawValue>),
    /// The JSON text of an answer, as logged with the call's commit.
    Logged(String),
}

/// An answer's text read back as values (for callers inside the platform).
fn parsed(text: &str) -> Answer {
    serde_json::from_str(text).unwrap_or_else(|e| Answer {
        infcode: -1,
        inf_refmsgid: String::new(),
        refmsg_time: String::new(),
        respond_time: String::new(),
        err_msg: format!("应答无法读取：{e}"),
        warn_msg: String::new(),
        output: Value::Object(Default::default()),
    })
}

/// An answer's JSON text as an HTTP response.
fn json_response(body: String) -> axum::response::Response {
    use axum::response::IntoResponse;
    ([(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// SHA-256 of the request's input (serde_json writes object keys in sorted order, so equal inputs hash equal).
fn input_digest(env: &envelope::Envelope) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(env.input.to_string().as_bytes()))
}

pub(crate) fn db(e: StoreError) -> GwError {
    tracing::error!(error = %e, "store error");
    GwError::new(format!("医保平台内部错误，请稍后重试（{e}）"))
}

/// The HTTP routes: `/fsi/api` for every transaction, and the per-service paths.
pub fn router(gw: Arc<Gateway>) -> Router {
    Router::new().route("/fsi/api", post(all)).route("/fsi/api/{service}/{method}", post(per_service)).with_state(gw)
}

async fn all(State(gw): State<Arc<Gateway>>, headers: HeaderMap, body: axum::body::Bytes) -> axum::response::Response {
    json_response(respond(&gw, &headers, &body, None).await)
}

async fn per_service(
    State(gw): State<Arc<Gateway>>,
    Path((service, method)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> axum::response::Response {
    let path = format!("/fsi/api/{service}/{method}");
    let infno = txn::infno_for_path(&path);
    let Some(infno) = infno else {
        let a = gw.refusal(None, &ids::stamp_ms(), GwError::new(format!("未知的服务地址 {path}")));
        return json_response(a);
    };
    json_response(respond(&gw, &headers, &body, Some(infno)).await)
}

async fn respond(gw: &Gateway, headers: &HeaderMap, body: &[u8], path_infno: Option<&str>) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(v) => gw.handle_text(headers, &v, path_infno).await,
        Err(e) => gw.refusal(None, &ids::stamp_ms(), GwError::new(format!("报文不是有效的 JSON：{e}"))),
    }
}
