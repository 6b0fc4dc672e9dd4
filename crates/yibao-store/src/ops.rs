//! Write operations: each one a few statements in the common SQL of SQLite and PostgreSQL, run inside a job's savepoint.

use crate::HouseholdRow;
use crate::db::{Fail, Stmt};
use crate::rows::*;
use crate::{Backend, now_text, params};

/// One change to the ledger. A job is a list of these, committed together or not at all.
#[derive(Debug, Clone)]
pub enum Op {
    UpsertInstitution(InstitutionRow),
    AddSuspension(SuspensionRow),
    /// 户: adds a household, or changes its area and address.
    UpsertHousehold(HouseholdRow),
    InsertPerson(PersonRow),
    UpsertEnrollment(EnrollmentRow),
    InsertIdentity(IdentityRow),
    InsertDisease(DiseaseRow),
    SetAccount {
        psn_no: String,
        balance: i64,
    },
    InsertPolicyVersion {
        admdvs: String,
        version: String,
        pack: String,
    },
    /// A catalogue version's header; fails as Duplicate when the region has that version already. Commit it in one
    /// job with its items, so that no reader sees half a version.
    InsertCatalogueVersion {
        admdvs: String,
        version: String,
        begndate: String,
        source: String,
    },
    /// Items of a catalogue version; fails as Duplicate when the version has one of the codes already.
    InsertCatalogueItems {
        admdvs: String,
        version: String,
        items: Vec<yibao_core::policy::CatalogueItemDef>,
    },
    /// Records a mutating request's answer under its msgid; a second insert of the same msgid fails as Duplicate.
    LogRequest {
        /// A time-ordered id the caller issues (the log is appended in this order).
        log_id: String,
        fixmedins_code: String,
        /// The operator named in the envelope (`opter`).
        opter: String,
        msgid: String,
        infno: String,
        digest: String,
        psn_no: Option<String>,
        response: String,
    },
    InsertVisit(VisitRow),
    /// Bumps a visit's version; fails as Conflict unless it is `expected` (another writer changed the visit first).
    /// Every job that changes a visit starts with it.
    TouchVisit {
        psn_no: String,
        mdtrt_id: String,
        expected: i64,
    },
    /// Tells every gateway that something it keeps in memory changed (`person`, `institution`).
    BumpEpoch(String),
    /// Moves a visit from one state to another; fails as Conflict if it is not in `from`.
    VisitState {
        psn_no: String,
        mdtrt_id: String,
        from: String,
        to: String,
        endtime: Option<String>,
    },
    /// 2203/2403: changes the visit's medical type, diagnoses and disease.
    VisitInfo {
        psn_no: String,
        mdtrt_id: String,
        med_type: String,
        diagnoses: String,
        opsp_dise_code: Option<String>,
    },
    InsertFeeLines(Vec<FeeLineRow>),
    /// 2205/2302: cancels uploaded (unsettled) lines; all of them when `feedetl_sn` is empty.
    CancelFeeLines {
        psn_no: String,
        mdtrt_id: String,
        feedetl_sn: Vec<String>,
    },
    /// Marks the visit's uploaded lines as settled by a settlement, or back to uploaded on reversal.
    SettleFeeLines {
        psn_no: String,
        mdtrt_id: String,
        setl_id: String,
    },
    UnsettleFeeLines {
        psn_no: String,
        mdtrt_id: String,
        setl_id: String,
    },
    /// Bumps the person-year version; fails as Conflict unless it is `expected` (0 = no row yet).
    BumpPersonYear {
        psn_no: String,
        year: i64,
        expected: i64,
    },
    AddAccumulators {
        psn_no: String,
        year: i64,
        insutype: String,
        deltas: Vec<(String, i64)>,
    },
    /// Changes the account balance; fails as InsufficientBalance if it would go below zero.
    AdjustAccount {
        psn_no: String,
        delta: i64,
    },
    InsertSettlement(Box<SettlementRow>),
    /// Marks a settlement reversed; fails as Conflict if it was already reversed or is itself a reversal.
    MarkReversed {
        psn_no: String,
        setl_id: String,
        reversed_by: String,
    },
    Audit(AuditRow),
    /// The web interface's own tables (staff, sessions, drafts, figures, statistics rollups): see `webop.rs`.
    Web(crate::webop::WebOp),
    /// Fund supervision: review runs, findings and their held money.
    Supervision(crate::supervision::SupervisionOp),
    /// Fund supervision's case ledger: cases, their steps, outcomes and attachments (see `cases.rs`).
    Case(crate::cases::CaseOp),
    /// The 事前/事中 service's records (3103 feedback): see `fsi.rs`.
    Fsi(crate::fsi::FsiOp),
    /// Fund-supervision rule pack versions per region (see `rule_packs.rs`).
    RulePack(crate::rule_packs::RulePackOp),
    /// A death exchanged with civil affairs (upsert on the person; see `deaths.rs`).
    RecordDeath(crate::deaths::DeathRow),
}

/// The statements of a job, in order.
///
/// A job that changes what gateways keep in memory — people and their enrollments, identities, diseases and
/// account balances set from outside a settlement; institutions and their agreements; catalogue versions; rule
/// packs — also bumps the matching cache epoch once, so that every gateway forgets (or reloads) its copies within a
/// second.
///
/// A visit's version check ([`Op::TouchVisit`]) is folded into the job's first later state or information update of
/// the same visit, so that the visit row is updated once.
pub(crate) fn statements(ops: Vec<Op>, backend: Backend) -> Vec<crate::db::Stmt> {
    let mut out = Vec::with_capacity(ops.len() + 4);
    let (mut people, mut institutions, mut catalogue, mut rules) = (false, false, false, false);
    let mut ops = ops;
    let mut folded: Option<(usize, i64)> = None;
    if let Some(t) = ops.iter().position(|o| matches!(o, Op::TouchVisit { .. }))
        && let Op::TouchVisit { psn_no, mdtrt_id, expected } = &ops[t]
    {
        let same = |o: &Op| match o {
            Op::VisitState { psn_no: p, mdtrt_id: m, .. } | Op::VisitInfo { psn_no: p, mdtrt_id: m, .. } => {
                p == psn_no && m == mdtrt_id
            }
            _ => false,
        };
        if let Some(u) = ops.iter().skip(t + 1).position(same) {
            folded = Some((t + u, *expected));
            ops.remove(t);
        }
    }
    for (i, op) in ops.into_iter().enumerate() {
        if let Some((at, expected)) = folded
            && at == i
        {
            push_versioned(&mut out, op, expected);
            continue;
        }
        match &op {
            Op::InsertPerson(_)
            | Op::UpsertEnrollment(_)
            | Op::InsertIdentity(_)
            | Op::InsertDisease(_)
            | Op::SetAccount { .. } => people = true,
            Op::UpsertInstitution(_) | Op::AddSuspension(_) => institutions = true,
            Op::InsertCatalogueVersion { .. } | Op::InsertCatalogueItems { .. } => catalogue = true,
            Op::RulePack(_) => rules = true,
            _ => {}
        }
        push(&mut out, op, backend);
    }
    let epochs = [
        (people, "person"),
        (institutions, "institution"),
        (catalogue, "catalogue"),
        (rules, crate::rule_packs::RULES_EPOCH),
    ];
    for (changed, name) in epochs {
        if changed {
            push(&mut out, Op::BumpEpoch(name.to_string()), backend);
        }
    }
    out
}

fn conflict(m: String) -> Fail {
    Fail::Conflict(m)
}

fn duplicate(m: String) -> Fail {
    Fail::Duplicate(m)
}

const FEE_LINE_COLS: &str = "psn_no, mdtrt_id, feedetl_sn, chrg_bchno, med_list_codg, medins_list_codg, fee_ocur_time,
    pric, cnt, det_item_fee_sumamt, hosp_appr_flag, fulamt_ownpay_amt, overlmt_amt, preselfpay_amt, inscp_scp_amt,
    selfpay_prop, chrgitm_lv, state, setl_id, detail";

fn fee_line_params(l: FeeLineRow) -> Vec<crate::Param> {
    params![
        l.psn_no,
        l.mdtrt_id,
        l.feedetl_sn,
        l.chrg_bchno,
        l.med_list_codg,
        l.medins_list_codg,
        l.fee_ocur_time,
        l.pric,
        l.cnt,
        l.det_item_fee_sumamt,
        l.hosp_appr_flag,
        l.fulamt_ownpay_amt,
        l.overlmt_amt,
        l.preselfpay_amt,
        l.inscp_scp_amt,
        l.selfpay_prop,
        l.chrgitm_lv,
        l.state,
        l.setl_id,
        l.detail
    ]
}

/// The one-line fee-line insert, built once (a static text is prepared and translated once per connection).
fn one_fee_line_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| format!("INSERT INTO fee_line ({FEE_LINE_COLS}) VALUES {}", values(1, 20)))
}

/// `($1, …, $n), ($n+1, …)`: the VALUES of a multi-row insert.
pub(crate) fn values(rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        s.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            s.push('$');
            s.push_str(&(r * cols + c + 1).to_string());
        }
        s.push(')');
    }
    s
}

fn push(out: &mut Vec<Stmt>, op: Op, backend: Backend) {
    match op {
        Op::UpsertInstitution(i) => {
            let m = format!("机构接入账号 {} 已被占用", i.paasid);
            out.push(
                Stmt::new(
                    "INSERT INTO institution (fixmedins_code, fixmedins_name, fixmedins_type, hosp_lv, admdvs, paasid, secret, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (fixmedins_code) DO UPDATE SET fixmedins_name = excluded.fixmedins_name,
                       fixmedins_type = excluded.fixmedins_type, hosp_lv = excluded.hosp_lv, admdvs = excluded.admdvs,
                       paasid = excluded.paasid, secret = excluded.secret",
                    params![i.fixmedins_code, i.fixmedins_name, i.fixmedins_type, i.hosp_lv, i.admdvs, i.paasid, i.secret, now_text()],
                )
                .dup(duplicate(m)),
            );
        }
        Op::AddSuspension(s) => {
            let m = format!("机构 {} 在 {} 已有暂停记录", s.fixmedins_code, s.begndate);
            out.push(
                Stmt::new(
                    "INSERT INTO agreement_suspension (fixmedins_code, begndate, enddate, reason, created_at) VALUES ($1, $2, $3, $4, $5)",
                    params![s.fixmedins_code, s.begndate, s.enddate, s.reason, now_text()],
                )
                .dup(duplicate(m)),
            );
        }
        Op::UpsertHousehold(h) => crate::household::push(out, h),
        Op::InsertPerson(p) => {
            let m = format!("人员 {} 或其证件号已存在", p.psn_no);
            out.push(
                Stmt::new(
                    "INSERT INTO person (psn_no, certno, psn_cert_type, psn_name, gend, brdy, naty, hhold_id, admdvs, chosen_fixmedins_code, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    params![
                        p.psn_no,
                        p.certno,
                        p.psn_cert_type,
                        p.psn_name,
                        p.gend,
                        p.brdy,
                        p.naty,
                        p.hhold_id,
                        p.admdvs,
                        p.chosen_fixmedins_code,
                        now_text()
                    ],
                )
                .dup(duplicate(m)),
            );
        }
        Op::UpsertEnrollment(e) => out.push(Stmt::new(
            "INSERT INTO enrollment (psn_no, insutype, year, psn_type, psn_insu_stas, cvlserv_flag, emp_name, insu_date)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (psn_no, insutype, year) DO UPDATE SET psn_type = excluded.psn_type,
               psn_insu_stas = excluded.psn_insu_stas, cvlserv_flag = excluded.cvlserv_flag, emp_name = excluded.emp_name",
            params![e.psn_no, e.insutype, e.year, e.psn_type, e.psn_insu_stas, e.cvlserv_flag, e.emp_name, e.insu_date],
        )),
        Op::InsertIdentity(i) => {
            let m = format!("人员 {} 的身份 {} 自 {} 已存在", i.psn_no, i.code, i.begndate);
            out.push(
                Stmt::new(
                    "INSERT INTO identity (psn_no, code, begndate, enddate, source) VALUES ($1, $2, $3, $4, $5)",
                    params![i.psn_no, i.code, i.begndate, i.enddate, i.source],
                )
                .dup(duplicate(m)),
            );
        }
        Op::InsertDisease(d) => {
            let m = format!("人员 {} 的病种 {} 自 {} 已登记", d.psn_no, d.code, d.begndate);
            out.push(
                Stmt::new(
                    "INSERT INTO registered_disease (psn_no, code, name, begndate, enddate) VALUES ($1, $2, $3, $4, $5)",
                    params![d.psn_no, d.code, d.name, d.begndate, d.enddate],
                )
                .dup(duplicate(m)),
            );
        }
        Op::SetAccount { psn_no, balance } => out.push(Stmt::new(
            "INSERT INTO account (psn_no, balance) VALUES ($1, $2) ON CONFLICT (psn_no) DO UPDATE SET balance = excluded.balance",
            params![psn_no, balance],
        )),
        Op::InsertPolicyVersion { admdvs, version, pack } => {
            let m = format!("统筹区 {admdvs} 的政策版本 {version} 已存在");
            out.push(
                Stmt::new(
                    "INSERT INTO policy_version (admdvs, version, pack, loaded_at) VALUES ($1, $2, $3, $4)",
                    params![admdvs, version, pack, now_text()],
                )
                .dup(duplicate(m)),
            );
        }
        op @ (Op::InsertCatalogueVersion { .. } | Op::InsertCatalogueItems { .. }) => crate::catalogue::push(out, op),
        Op::LogRequest { log_id, fixmedins_code, opter, msgid, infno, digest, psn_no, response } => {
            let m = format!("报文ID {msgid} 已处理");
            out.push(
                Stmt::new(
                    "INSERT INTO request_log (log_id, fixmedins_code, msgid, infno, digest, psn_no, response, created_at, opter)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    params![log_id, fixmedins_code, msgid, infno, digest, psn_no, response, now_text(), opter],
                )
                .dup(duplicate(m)),
            );
        }
        Op::InsertVisit(v) => {
            let m = format!("就诊ID {} 已存在", v.mdtrt_id);
            out.push(
                Stmt::new(
                    "INSERT INTO visit (psn_no, mdtrt_id, fixmedins_code, insutype, med_type, kind, state, begntime, endtime, ipt_otp_no,
                       mdtrt_cert_type, diagnoses, opsp_dise_code, detail, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                    params![
                        v.psn_no,
                        v.mdtrt_id,
                        v.fixmedins_code,
                        v.insutype,
                        v.med_type,
                        v.kind,
                        v.state,
                        v.begntime,
                        v.endtime,
                        v.ipt_otp_no,
                        v.mdtrt_cert_type,
                        v.diagnoses,
                        v.opsp_dise_code,
                        v.detail,
                        now_text()
                    ],
                )
                .dup(duplicate(m)),
            );
        }
        Op::TouchVisit { psn_no, mdtrt_id, expected } => {
            let m = format!("就诊 {mdtrt_id} 已被另一请求修改，请重新查询后再办理");
            out.push(
                Stmt::new(
                    "UPDATE visit SET version = version + 1 WHERE psn_no = $1 AND mdtrt_id = $2 AND version = $3",
                    params![psn_no, mdtrt_id, expected],
                )
                .one(conflict(m)),
            );
        }
        Op::BumpEpoch(name) => {
            out.push(Stmt::new("UPDATE cache_epoch SET value = value + 1 WHERE name = $1", params![name]))
        }
        Op::VisitState { psn_no, mdtrt_id, from, to, endtime } => {
            let m = format!("就诊 {mdtrt_id} 已不处于“{from}”状态");
            out.push(
                Stmt::new(
                    "UPDATE visit SET state = $1, endtime = COALESCE($2, endtime) WHERE psn_no = $3 AND mdtrt_id = $4 AND state = $5",
                    params![to, endtime, psn_no, mdtrt_id, from],
                )
                .one(conflict(m)),
            );
        }
        Op::VisitInfo { psn_no, mdtrt_id, med_type, diagnoses, opsp_dise_code } => {
            let m = format!("就诊 {mdtrt_id} 已结算或已撤销，不能修改就诊信息");
            out.push(
                Stmt::new(
                    "UPDATE visit SET med_type = $1, diagnoses = $2, opsp_dise_code = $3
                     WHERE psn_no = $4 AND mdtrt_id = $5 AND state IN ('registered', 'admitted')",
                    params![med_type, diagnoses, opsp_dise_code, psn_no, mdtrt_id],
                )
                .one(conflict(m)),
            );
        }
        Op::InsertFeeLines(lines) => {
            let dup_msg = |sns: &[String]| format!("费用明细流水号（{}）中有已上传的流水号", sns.join("、"));
            match backend {
                // SQLite: one prepared statement per line costs a function call each.
                Backend::Sqlite => {
                    for l in lines {
                        let m = format!("费用明细流水号 feedetl_sn“{}”在本次就诊中已上传", l.feedetl_sn);
                        out.push(
                            Stmt::new(
                                one_fee_line_sql(),
                                fee_line_params(l),
                            )
                            .dup(duplicate(m)),
                        );
                    }
                }
                // PostgreSQL: one multi-row statement per chunk, far fewer round trips.
                Backend::Postgres => {
                    let mut it = lines.into_iter().peekable();
                    while it.peek().is_some() {
                        let chunk: Vec<FeeLineRow> = it.by_ref().take(200).collect();
                        let sns: Vec<String> = chunk.iter().map(|l| l.feedetl_sn.clone()).collect();
                        let sql = format!("INSERT INTO fee_line ({FEE_LINE_COLS}) VALUES {}", values(chunk.len(), 20));
                        let params = chunk.into_iter().flat_map(fee_line_params).collect();
                        out.push(Stmt::new(sql, params).dup(duplicate(dup_msg(&sns))));
                    }
                }
            }
        }
        Op::CancelFeeLines { psn_no, mdtrt_id, feedetl_sn } => {
            if feedetl_sn.is_empty() {
                out.push(Stmt::new(
                    "DELETE FROM fee_line WHERE psn_no = $1 AND mdtrt_id = $2 AND state = 'uploaded'",
                    params![psn_no, mdtrt_id],
                ));
            } else {
                for sn in feedetl_sn {
                    let m = format!("费用明细 {sn} 不存在或已结算");
                    out.push(
                        Stmt::new(
                            "DELETE FROM fee_line WHERE psn_no = $1 AND mdtrt_id = $2 AND feedetl_sn = $3 AND state = 'uploaded'",
                            params![&psn_no, &mdtrt_id, sn],
                        )
                        .one(conflict(m)),
                    );
                }
            }
        }
        Op::SettleFeeLines { psn_no, mdtrt_id, setl_id } => out.push(Stmt::new(
            "UPDATE fee_line SET state = 'settled', setl_id = $1 WHERE psn_no = $2 AND mdtrt_id = $3 AND state = 'uploaded'",
            params![setl_id, psn_no, mdtrt_id],
        )),
        Op::UnsettleFeeLines { psn_no, mdtrt_id, setl_id } => out.push(Stmt::new(
            "UPDATE fee_line SET state = 'uploaded', setl_id = NULL WHERE mdtrt_id = $1 AND psn_no = $2 AND setl_id = $3",
            params![mdtrt_id, psn_no, setl_id],
        )),
        Op::BumpPersonYear { psn_no, year, expected } => {
            let m = format!("人员 {psn_no} 的 {year} 年度累计已被并发修改");
            out.push(if expected == 0 {
                Stmt::new("INSERT INTO person_year (psn_no, year, version) VALUES ($1, $2, 1)", params![psn_no, year])
                    .dup(conflict(m.clone()))
                    .one(conflict(m))
            } else {
                Stmt::new(
                    "UPDATE person_year SET version = version + 1 WHERE psn_no = $1 AND year = $2 AND version = $3",
                    params![psn_no, year, expected],
                )
                .one(conflict(m))
            });
        }
        Op::AddAccumulators { psn_no, year, insutype, deltas } => {
            for (name, d) in deltas {
                out.push(Stmt::new(
                    "INSERT INTO accumulator (psn_no, year, insutype, name, value) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (psn_no, year, insutype, name) DO UPDATE SET value = accumulator.value + excluded.value",
                    params![&psn_no, year, &insutype, name, d],
                ));
            }
        }
        Op::AdjustAccount { psn_no, delta } => out.push(
            Stmt::new(
                "UPDATE account SET balance = balance + $1 WHERE psn_no = $2 AND balance + $1 >= 0",
                params![delta, psn_no],
            )
            .one(Fail::InsufficientBalance),
        ),
        Op::InsertSettlement(s) => insert_settlement(out, *s),
        Op::MarkReversed { psn_no, setl_id, reversed_by } => {
            let m = format!("结算 {setl_id} 已撤销或不可撤销");
            out.push(
                Stmt::new(
                    "UPDATE settlement SET reversed_by = $1 WHERE psn_no = $2 AND setl_id = $3 AND kind = 'settle' AND reversed_by IS NULL",
                    params![reversed_by, psn_no, setl_id],
                )
                .one(conflict(m)),
            );
        }
        Op::Audit(a) => out.push(Stmt::new(
            "INSERT INTO audit_log (id, at, actor, action, entity, entity_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            params![a.id, a.at, a.actor, a.action, a.entity, a.entity_id, a.detail],
        )),
        Op::Web(w) => crate::webop::push(out, w),
        Op::Supervision(s) => crate::supervision::push(out, s),
        Op::Case(c) => crate::cases::push(out, c),
        Op::Fsi(f) => crate::fsi::push(out, f),
        Op::RulePack(r) => crate::rule_packs::push(out, r),
        Op::RecordDeath(d) => crate::deaths::push(out, d),
    }
}

/// A visit state or information update that also checks and bumps the visit's version.
fn push_versioned(out: &mut Vec<Stmt>, op: Op, expected: i64) {
    match op {
        Op::VisitState { psn_no, mdtrt_id, from, to, endtime } => {
            let m = format!("就诊 {mdtrt_id} 已不处于“{from}”状态，或已被另一请求修改，请重新查询后再办理");
            out.push(
                Stmt::new(
                    "UPDATE visit SET state = $1, endtime = COALESCE($2, endtime), version = version + 1
                     WHERE psn_no = $3 AND mdtrt_id = $4 AND state = $5 AND version = $6",
                    params![to, endtime, psn_no, mdtrt_id, from, expected],
                )
                .one(conflict(m)),
            );
        }
        Op::VisitInfo { psn_no, mdtrt_id, med_type, diagnoses, opsp_dise_code } => {
            let m = format!("就诊 {mdtrt_id} 已结算或已撤销，或已被另一请求修改，请重新查询后再办理");
            out.push(
                Stmt::new(
                    "UPDATE visit SET med_type = $1, diagnoses = $2, opsp_dise_code = $3, version = version + 1
                     WHERE psn_no = $4 AND mdtrt_id = $5 AND state IN ('registered', 'admitted') AND version = $6",
                    params![med_type, diagnoses, opsp_dise_code, psn_no, mdtrt_id, expected],
                )
                .one(conflict(m)),
            );
        }
        other => unreachable!("only visit updates take a version: {other:?}"),
    }
}

fn insert_settlement(out: &mut Vec<Stmt>, s: SettlementRow) {
    let m = format!("结算ID {} 已存在", s.setl_id);
    let mut details = Vec::with_capacity(s.details.len());
    for (i, d) in s.details.iter().enumerate() {
        details.push(Stmt::new(
            "INSERT INTO setl_detail (psn_no, setl_id, seq, fund_pay_type, fund_payamt, inscp_scp_amt, crt_payb_lmt_amt)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            params![&s.psn_no, &s.setl_id, i as i64, &d.fund_pay_type, d.fund_payamt, d.inscp_scp_amt, d.crt_payb_lmt_amt],
        ));
    }
    out.push(
        Stmt::new(
            "INSERT INTO settlement (psn_no, setl_id, mdtrt_id, fixmedins_code, insutype, year, med_type, kind, reverses, reversed_by,
               setl_time, msgid, policy_version, medfee_sumamt, fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt, inscp_scp_amt,
               act_pay_dedc, hifp_pay, cvlserv_pay, hifes_pay, hifmi_pay, hifob_pay, maf_pay, hifdm_pay, oth_pay, fund_pay_sumamt,
               psn_part_amt, acct_pay, psn_cash_pay, hosp_part_amt, balc, output, delta, explanation)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24,
               $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36)",
            params![
                s.psn_no,
                s.setl_id,
                s.mdtrt_id,
                s.fixmedins_code,
                s.insutype,
                s.year,
                s.med_type,
                s.kind,
                s.reverses,
                s.reversed_by,
                s.setl_time,
                s.msgid,
                s.policy_version,
                s.medfee_sumamt,
                s.fulamt_ownpay_amt,
                s.overlmt_selfpay,
                s.preselfpay_amt,
                s.inscp_scp_amt,
                s.act_pay_dedc,
                s.hifp_pay,
                s.cvlserv_pay,
                s.hifes_pay,
                s.hifmi_pay,
                s.hifob_pay,
                s.maf_pay,
                s.hifdm_pay,
                s.oth_pay,
                s.fund_pay_sumamt,
                s.psn_part_amt,
                s.acct_pay,
                s.psn_cash_pay,
                s.hosp_part_amt,
                s.balc,
                s.output,
                s.delta,
                s.explanation
            ],
        )
        .dup(duplicate(m)),
    );
    out.extend(details);
}
