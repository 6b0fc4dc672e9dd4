//! Write operations: each one a few statements in the common SQL of SQLite and PostgreSQL, run inside a job's savepoint.

use sqlx::any::AnyQueryResult;
use sqlx::{Any, AnyConnection};

use crate::rows::*;
use crate::{Result, StoreError, now_text};

/// One change to the ledger. A job is a list of these, committed together or not at all.
#[derive(Debug, Clone)]
pub enum Op {
    UpsertInstitution(InstitutionRow),
    AddSuspension(SuspensionRow),
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
    /// Records a mutating request's answer under its msgid; a second insert of the same msgid fails as Duplicate.
    LogRequest {
        fixmedins_code: String,
        msgid: String,
        infno: String,
        digest: String,
        psn_no: Option<String>,
        response: String,
    },
    InsertVisit(VisitRow),
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
}

fn one(r: AnyQueryResult, what: impl FnOnce() -> String) -> Result<()> {
    if r.rows_affected() == 1 { Ok(()) } else { Err(StoreError::Conflict(what())) }
}

/// Maps unique-key violations to `Duplicate`.
fn dup(e: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Duplicate(what()),
        _ => StoreError::Db(e),
    }
}

pub(crate) async fn apply(c: &mut AnyConnection, op: &Op) -> Result<()> {
    match op {
        Op::UpsertInstitution(i) => {
            sqlx::query::<Any>(
                "INSERT INTO institution (fixmedins_code, fixmedins_name, fixmedins_type, hosp_lv, admdvs, paasid, secret, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (fixmedins_code) DO UPDATE SET fixmedins_name = excluded.fixmedins_name,
                   fixmedins_type = excluded.fixmedins_type, hosp_lv = excluded.hosp_lv, admdvs = excluded.admdvs,
                   paasid = excluded.paasid, secret = excluded.secret",
            )
            .bind(&i.fixmedins_code)
            .bind(&i.fixmedins_name)
            .bind(&i.fixmedins_type)
            .bind(&i.hosp_lv)
            .bind(&i.admdvs)
            .bind(&i.paasid)
            .bind(&i.secret)
            .bind(now_text())
            .execute(&mut *c)
            .await
            .map_err(|e| dup(e, || format!("机构接入账号 {} 已被占用", i.paasid)))?;
        }
        Op::AddSuspension(s) => {
            sqlx::query::<Any>(
                "INSERT INTO agreement_suspension (fixmedins_code, begndate, enddate, reason, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&s.fixmedins_code)
            .bind(&s.begndate)
            .bind(&s.enddate)
            .bind(&s.reason)
            .bind(now_text())
            .execute(&mut *c)
            .await
            .map_err(|e| dup(e, || format!("机构 {} 在 {} 已有暂停记录", s.fixmedins_code, s.begndate)))?;
        }
        Op::InsertPerson(p) => {
            sqlx::query::<Any>(
                "INSERT INTO person (psn_no, certno, psn_cert_type, psn_name, gend, brdy, naty, hhold_id, admdvs, chosen_fixmedins_code, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(&p.psn_no)
            .bind(&p.certno)
            .bind(&p.psn_cert_type)
            .bind(&p.psn_name)
            .bind(&p.gend)
            .bind(&p.brdy)
            .bind(&p.naty)
            .bind(&p.hhold_id)
            .bind(&p.admdvs)
            .bind(&p.chosen_fixmedins_code)
            .bind(now_text())
            .execute(&mut *c)
            .await
            .map_err(|e| dup(e, || format!("人员 {} 或其证件号已存在", p.psn_no)))?;
        }
        Op::UpsertEnrollment(e) => {
            sqlx::query::<Any>(
                "INSERT INTO enrollment (psn_no, insutype, year, psn_type, psn_insu_stas, cvlserv_flag, emp_name, insu_date)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (psn_no, insutype, year) DO UPDATE SET psn_type = excluded.psn_type,
                   psn_insu_stas = excluded.psn_insu_stas, cvlserv_flag = excluded.cvlserv_flag, emp_name = excluded.emp_name",
            )
            .bind(&e.psn_no)
            .bind(&e.insutype)
            .bind(e.year)
            .bind(&e.psn_type)
            .bind(&e.psn_insu_stas)
            .bind(&e.cvlserv_flag)
            .bind(&e.emp_name)
            .bind(&e.insu_date)
            .execute(&mut *c)
            .await?;
        }
        Op::InsertIdentity(i) => {
            sqlx::query::<Any>(
                "INSERT INTO identity (psn_no, code, begndate, enddate, source) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&i.psn_no)
            .bind(&i.code)
            .bind(&i.begndate)
            .bind(&i.enddate)
            .bind(&i.source)
            .execute(&mut *c)
            .await
            .map_err(|e| dup(e, || format!("人员 {} 的身份 {} 自 {} 已存在", i.psn_no, i.code, i.begndate)))?;
        }
        Op::InsertDisease(d) => {
            sqlx::query::<Any>(
                "INSERT INTO registered_disease (psn_no, code, name, begndate, enddate) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&d.psn_no)
            .bind(&d.code)
            .bind(&d.name)
            .bind(&d.begndate)
            .bind(&d.enddate)
            .execute(&mut *c)
            .await
            .map_err(|e| dup(e, || format!("人员 {} 的病种 {} 自 {} 已登记", d.psn_no, d.code, d.begndate)))?;
        }
        Op::SetAccount { psn_no, balance } => {
            sqlx::query::<Any>(
                "INSERT INTO account (psn_no, balance) VALUES ($1, $2) ON CONFLICT (psn_no) DO UPDATE SET balance = excluded.balance",
            )
            .bind(psn_no)
            .bind(*balance)
            .execute(&mut *c)
            .await?;
        }
        Op::InsertPolicyVersion { admdvs, version, pack } => {
            sqlx::query::<Any>("INSERT INTO policy_version (admdvs, version, pack, loaded_at) VALUES ($1, $2, $3, $4)")
                .bind(admdvs)
                .bind(version)
                .bind(pack)
                .bind(now_text())
                .execute(&mut *c)
                .await
                .map_err(|e| dup(e, || format!("统筹区 {admdvs} 的政策版本 {version} 已存在")))?;
        }
        Op::LogRequest { fixmedins_code, msgid, infno, digest, psn_no, response } => {
            sqlx::query::<Any>(
                "INSERT INTO request_log (fixmedins_code, msgid, infno, digest, psn_no, response, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(fixmedins_code)
            .bind(msgid)
            .bind(infno)
            .bind(digest)
            .bind(psn_no)
            .bind(response)
            .bind(now_text())
            .execute(&mut *c)
            .await
            .map_err(|e| dup(e, || format!("报文ID {msgid} 已处理")))?;
        }
        Op::InsertVisit(v) => {
            sqlx::query::<Any>(
                "INSERT INTO visit (psn_no, mdtrt_id, fixmedins_code, insutype, med_type, kind, state, begntime, endtime, ipt_otp_no,
                   mdtrt_cert_type, diagnoses, opsp_dise_code, detail, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            )
            .bind(&v.psn_no)
            .bind(&v.mdtrt_id)
            .bind(&v.fixmedins_code)
            .bind(&v.insutype)
            .bind(&v.med_type)
            .bind(&v.kind)
            .bind(&v.state)
            .bind(&v.begntime)
            .bind(&v.endtime)
            .bind(&v.ipt_otp_no)
            .bind(&v.mdtrt_cert_type)
            .bind(&v.diagnoses)
            .bind(&v.opsp_dise_code)
            .bind(&v.detail)
            .bind(now_text())
            .execute(&mut *c)
            .await
            .map_err(|e| dup(e, || format!("就诊ID {} 已存在", v.mdtrt_id)))?;
        }
        Op::VisitState { psn_no, mdtrt_id, from, to, endtime } => {
            let r = sqlx::query::<Any>(
                "UPDATE visit SET state = $1, endtime = COALESCE($2, endtime) WHERE psn_no = $3 AND mdtrt_id = $4 AND state = $5",
            )
            .bind(to)
            .bind(endtime)
            .bind(psn_no)
            .bind(mdtrt_id)
            .bind(from)
            .execute(&mut *c)
            .await?;
            one(r, || format!("就诊 {mdtrt_id} 已不处于“{from}”状态"))?;
        }
        Op::VisitInfo { psn_no, mdtrt_id, med_type, diagnoses, opsp_dise_code } => {
            let r = sqlx::query::<Any>(
                "UPDATE visit SET med_type = $1, diagnoses = $2, opsp_dise_code = $3 WHERE psn_no = $4 AND mdtrt_id = $5 AND state IN ('registered', 'admitted')",
            )
            .bind(med_type)
            .bind(diagnoses)
            .bind(opsp_dise_code)
            .bind(psn_no)
            .bind(mdtrt_id)
            .execute(&mut *c)
            .await?;
            one(r, || format!("就诊 {mdtrt_id} 已结算或已撤销，不能修改就诊信息"))?;
        }
        Op::InsertFeeLines(lines) => {
            // One multi-row statement per chunk: far fewer round trips than a statement per line.
            for chunk in lines.chunks(200) {
                let mut sql = String::from(
                    "INSERT INTO fee_line (psn_no, mdtrt_id, feedetl_sn, chrg_bchno, med_list_codg, medins_list_codg, fee_ocur_time,
                       pric, cnt, det_item_fee_sumamt, hosp_appr_flag, fulamt_ownpay_amt, overlmt_amt, preselfpay_amt, inscp_scp_amt,
                       selfpay_prop, chrgitm_lv, state, setl_id, detail) VALUES ",
                );
                for r in 0..chunk.len() {
                    let b = r * 20;
                    let params: Vec<String> = (1..=20).map(|k| format!("${}", b + k)).collect();
                    sql.push_str(if r == 0 { "(" } else { ", (" });
                    sql.push_str(&params.join(", "));
                    sql.push(')');
                }
                let mut q = sqlx::query::<Any>(sqlx::AssertSqlSafe(sql));
                for l in chunk {
                    q = q
                        .bind(&l.psn_no)
                        .bind(&l.mdtrt_id)
                        .bind(&l.feedetl_sn)
                        .bind(&l.chrg_bchno)
                        .bind(&l.med_list_codg)
                        .bind(&l.medins_list_codg)
                        .bind(&l.fee_ocur_time)
                        .bind(l.pric)
                        .bind(l.cnt)
                        .bind(l.det_item_fee_sumamt)
                        .bind(&l.hosp_appr_flag)
                        .bind(l.fulamt_ownpay_amt)
                        .bind(l.overlmt_amt)
                        .bind(l.preselfpay_amt)
                        .bind(l.inscp_scp_amt)
                        .bind(l.selfpay_prop)
                        .bind(&l.chrgitm_lv)
                        .bind(&l.state)
                        .bind(&l.setl_id)
                        .bind(&l.detail);
                }
                q.execute(&mut *c).await.map_err(|e| {
                    dup(e, || {
                        let sns: Vec<&str> = chunk.iter().map(|l| l.feedetl_sn.as_str()).collect();
                        format!("费用明细流水号（{}）中有已上传的流水号", sns.join("、"))
                    })
                })?;
            }
        }
        Op::CancelFeeLines { psn_no, mdtrt_id, feedetl_sn } => {
            if feedetl_sn.is_empty() {
                sqlx::query::<Any>("DELETE FROM fee_line WHERE psn_no = $1 AND mdtrt_id = $2 AND state = 'uploaded'")
                    .bind(psn_no)
                    .bind(mdtrt_id)
                    .execute(&mut *c)
                    .await?;
            } else {
                for sn in feedetl_sn {
                    let r = sqlx::query::<Any>(
                        "DELETE FROM fee_line WHERE psn_no = $1 AND mdtrt_id = $2 AND feedetl_sn = $3 AND state = 'uploaded'",
                    )
                    .bind(psn_no)
                    .bind(mdtrt_id)
                    .bind(sn)
                    .execute(&mut *c)
                    .await?;
                    one(r, || format!("费用明细 {sn} 不存在或已结算"))?;
                }
            }
        }
        Op::SettleFeeLines { psn_no, mdtrt_id, setl_id } => {
            sqlx::query::<Any>(
                "UPDATE fee_line SET state = 'settled', setl_id = $1 WHERE psn_no = $2 AND mdtrt_id = $3 AND state = 'uploaded'",
            )
            .bind(setl_id)
            .bind(psn_no)
            .bind(mdtrt_id)
            .execute(&mut *c)
            .await?;
        }
        Op::UnsettleFeeLines { psn_no, setl_id } => {
            sqlx::query::<Any>(
                "UPDATE fee_line SET state = 'uploaded', setl_id = NULL WHERE psn_no = $1 AND setl_id = $2",
            )
            .bind(psn_no)
            .bind(setl_id)
            .execute(&mut *c)
            .await?;
        }
        Op::BumpPersonYear { psn_no, year, expected } => {
            let r = if *expected == 0 {
                sqlx::query::<Any>("INSERT INTO person_year (psn_no, year, version) VALUES ($1, $2, 1)")
                    .bind(psn_no)
                    .bind(*year)
                    .execute(&mut *c)
                    .await
                    .map_err(|e| match dup(e, String::new) {
                        StoreError::Duplicate(_) => {
                            StoreError::Conflict(format!("人员 {psn_no} 的 {year} 年度累计已被并发修改"))
                        }
                        other => other,
                    })?
            } else {
                sqlx::query::<Any>(
                    "UPDATE person_year SET version = version + 1 WHERE psn_no = $1 AND year = $2 AND version = $3",
                )
                .bind(psn_no)
                .bind(*year)
                .bind(*expected)
                .execute(&mut *c)
                .await?
            };
            one(r, || format!("人员 {psn_no} 的 {year} 年度累计已被并发修改"))?;
        }
        Op::AddAccumulators { psn_no, year, insutype, deltas } => {
            for (name, d) in deltas {
                sqlx::query::<Any>(
                    "INSERT INTO accumulator (psn_no, year, insutype, name, value) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (psn_no, year, insutype, name) DO UPDATE SET value = accumulator.value + excluded.value",
                )
                .bind(psn_no)
                .bind(*year)
                .bind(insutype)
                .bind(name)
                .bind(*d)
                .execute(&mut *c)
                .await?;
            }
        }
        Op::AdjustAccount { psn_no, delta } => {
            let r =
                sqlx::query::<Any>("UPDATE account SET balance = balance + $1 WHERE psn_no = $2 AND balance + $1 >= 0")
                    .bind(*delta)
                    .bind(psn_no)
                    .execute(&mut *c)
                    .await?;
            if r.rows_affected() != 1 {
                return Err(StoreError::InsufficientBalance);
            }
        }
        Op::InsertSettlement(s) => insert_settlement(c, s).await?,
        Op::MarkReversed { psn_no, setl_id, reversed_by } => {
            let r = sqlx::query::<Any>(
                "UPDATE settlement SET reversed_by = $1 WHERE psn_no = $2 AND setl_id = $3 AND kind = 'settle' AND reversed_by IS NULL",
            )
            .bind(reversed_by)
            .bind(psn_no)
            .bind(setl_id)
            .execute(&mut *c)
            .await?;
            one(r, || format!("结算 {setl_id} 已撤销或不可撤销"))?;
        }
        Op::Audit(a) => {
            sqlx::query::<Any>(
                "INSERT INTO audit_log (id, at, actor, action, entity, entity_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&a.id)
            .bind(&a.at)
            .bind(&a.actor)
            .bind(&a.action)
            .bind(&a.entity)
            .bind(&a.entity_id)
            .bind(&a.detail)
            .execute(&mut *c)
            .await?;
        }
    }
    Ok(())
}

async fn insert_settlement(c: &mut AnyConnection, s: &SettlementRow) -> Result<()> {
    sqlx::query::<Any>(
        "INSERT INTO settlement (psn_no, setl_id, mdtrt_id, fixmedins_code, insutype, year, med_type, kind, reverses, reversed_by,
           setl_time, msgid, policy_version, medfee_sumamt, fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt, inscp_scp_amt,
           act_pay_dedc, hifp_pay, cvlserv_pay, hifes_pay, hifmi_pay, hifob_pay, maf_pay, hifdm_pay, oth_pay, fund_pay_sumamt,
           psn_part_amt, acct_pay, psn_cash_pay, hosp_part_amt, balc, output, delta, explanation)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24,
           $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36)",
    )
    .bind(&s.psn_no)
    .bind(&s.setl_id)
    .bind(&s.mdtrt_id)
    .bind(&s.fixmedins_code)
    .bind(&s.insutype)
    .bind(s.year)
    .bind(&s.med_type)
    .bind(&s.kind)
    .bind(&s.reverses)
    .bind(&s.reversed_by)
    .bind(&s.setl_time)
    .bind(&s.msgid)
    .bind(&s.policy_version)
    .bind(s.medfee_sumamt)
    .bind(s.fulamt_ownpay_amt)
    .bind(s.overlmt_selfpay)
    .bind(s.preselfpay_amt)
    .bind(s.inscp_scp_amt)
    .bind(s.act_pay_dedc)
    .bind(s.hifp_pay)
    .bind(s.cvlserv_pay)
    .bind(s.hifes_pay)
    .bind(s.hifmi_pay)
    .bind(s.hifob_pay)
    .bind(s.maf_pay)
    .bind(s.hifdm_pay)
    .bind(s.oth_pay)
    .bind(s.fund_pay_sumamt)
    .bind(s.psn_part_amt)
    .bind(s.acct_pay)
    .bind(s.psn_cash_pay)
    .bind(s.hosp_part_amt)
    .bind(s.balc)
    .bind(&s.output)
    .bind(&s.delta)
    .bind(&s.explanation)
    .execute(&mut *c)
    .await
    .map_err(|e| dup(e, || format!("结算ID {} 已存在", s.setl_id)))?;
    for (i, d) in s.details.iter().enumerate() {
        sqlx::query::<Any>(
            "INSERT INTO setl_detail (psn_no, setl_id, seq, fund_pay_type, fund_payamt, inscp_scp_amt, crt_payb_lmt_amt)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&s.psn_no)
        .bind(&s.setl_id)
        .bind(i as i64)
        .bind(&d.fund_pay_type)
        .bind(d.fund_payamt)
        .bind(d.inscp_scp_amt)
        .bind(d.crt_payb_lmt_amt)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}
