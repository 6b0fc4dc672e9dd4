//! Reads: people, institutions, visits, lines, settlements, accumulators and logged answers.

use std::collections::BTreeMap;

use crate::db::Row;
use crate::rows::*;
use crate::{Result, Store};

fn s(r: &Row, c: &str) -> String {
    r.text(c)
}
fn os(r: &Row, c: &str) -> Option<String> {
    r.opt_text(c)
}
fn n(r: &Row, c: &str) -> i64 {
    r.int(c)
}
fn on(r: &Row, c: &str) -> Option<i64> {
    r.opt_int(c)
}

fn institution(r: &Row) -> InstitutionRow {
    InstitutionRow {
        fixmedins_code: s(r, "fixmedins_code"),
        fixmedins_name: s(r, "fixmedins_name"),
        fixmedins_type: s(r, "fixmedins_type"),
        hosp_lv: s(r, "hosp_lv"),
        admdvs: s(r, "admdvs"),
        paasid: s(r, "paasid"),
        secret: s(r, "secret"),
    }
}

pub(crate) fn enrollment(r: &Row) -> EnrollmentRow {
    EnrollmentRow {
        psn_no: s(r, "psn_no"),
        insutype: s(r, "insutype"),
        year: n(r, "year"),
        psn_type: s(r, "psn_type"),
        psn_insu_stas: s(r, "psn_insu_stas"),
        cvlserv_flag: s(r, "cvlserv_flag"),
        emp_name: s(r, "emp_name"),
        insu_date: s(r, "insu_date"),
    }
}

pub(crate) fn identity(r: &Row) -> IdentityRow {
    IdentityRow {
        psn_no: s(r, "psn_no"),
        code: s(r, "code"),
        begndate: s(r, "begndate"),
        enddate: os(r, "enddate"),
        source: s(r, "source"),
    }
}

pub(crate) fn disease(r: &Row) -> DiseaseRow {
    DiseaseRow {
        psn_no: s(r, "psn_no"),
        code: s(r, "code"),
        name: s(r, "name"),
        begndate: s(r, "begndate"),
        enddate: os(r, "enddate"),
    }
}

pub(crate) fn person(r: &Row) -> PersonRow {
    PersonRow {
        psn_no: s(r, "psn_no"),
        certno: s(r, "certno"),
        psn_cert_type: s(r, "psn_cert_type"),
        psn_name: s(r, "psn_name"),
        gend: s(r, "gend"),
        brdy: s(r, "brdy"),
        naty: s(r, "naty"),
        hhold_id: os(r, "hhold_id"),
        admdvs: s(r, "admdvs"),
        chosen_fixmedins_code: os(r, "chosen_fixmedins_code"),
    }
}

fn visit(r: &Row) -> VisitRow {
    VisitRow {
        psn_no: s(r, "psn_no"),
        mdtrt_id: s(r, "mdtrt_id"),
        fixmedins_code: s(r, "fixmedins_code"),
        insutype: s(r, "insutype"),
        med_type: s(r, "med_type"),
        kind: s(r, "kind"),
        state: s(r, "state"),
        begntime: s(r, "begntime"),
        endtime: os(r, "endtime"),
        ipt_otp_no: s(r, "ipt_otp_no"),
        mdtrt_cert_type: s(r, "mdtrt_cert_type"),
        diagnoses: s(r, "diagnoses"),
        opsp_dise_code: os(r, "opsp_dise_code"),
        detail: s(r, "detail"),
        version: n(r, "version"),
    }
}

fn fee_line(r: &Row) -> FeeLineRow {
    FeeLineRow {
        psn_no: s(r, "psn_no"),
        mdtrt_id: s(r, "mdtrt_id"),
        feedetl_sn: s(r, "feedetl_sn"),
        chrg_bchno: s(r, "chrg_bchno"),
        med_list_codg: s(r, "med_list_codg"),
        medins_list_codg: s(r, "medins_list_codg"),
        fee_ocur_time: s(r, "fee_ocur_time"),
        pric: n(r, "pric"),
        cnt: n(r, "cnt"),
        det_item_fee_sumamt: n(r, "det_item_fee_sumamt"),
        hosp_appr_flag: s(r, "hosp_appr_flag"),
        fulamt_ownpay_amt: n(r, "fulamt_ownpay_amt"),
        overlmt_amt: n(r, "overlmt_amt"),
        preselfpay_amt: n(r, "preselfpay_amt"),
        inscp_scp_amt: n(r, "inscp_scp_amt"),
        selfpay_prop: n(r, "selfpay_prop"),
        chrgitm_lv: s(r, "chrgitm_lv"),
        state: s(r, "state"),
        setl_id: os(r, "setl_id"),
        detail: s(r, "detail"),
    }
}

fn setl_detail(r: &Row) -> SetlDetailRow {
    SetlDetailRow {
        fund_pay_type: s(r, "fund_pay_type"),
        fund_payamt: n(r, "fund_payamt"),
        inscp_scp_amt: n(r, "inscp_scp_amt"),
        crt_payb_lmt_amt: on(r, "crt_payb_lmt_amt"),
    }
}

fn settlement(r: &Row) -> SettlementRow {
    SettlementRow {
        psn_no: s(r, "psn_no"),
        setl_id: s(r, "setl_id"),
        mdtrt_id: s(r, "mdtrt_id"),
        fixmedins_code: s(r, "fixmedins_code"),
        insutype: s(r, "insutype"),
        year: n(r, "year"),
        med_type: s(r, "med_type"),
        kind: s(r, "kind"),
        reverses: os(r, "reverses"),
        reversed_by: os(r, "reversed_by"),
        setl_time: s(r, "setl_time"),
        msgid: s(r, "msgid"),
        policy_version: s(r, "policy_version"),
        medfee_sumamt: n(r, "medfee_sumamt"),
        fulamt_ownpay_amt: n(r, "fulamt_ownpay_amt"),
        overlmt_selfpay: n(r, "overlmt_selfpay"),
        preselfpay_amt: n(r, "preselfpay_amt"),
        inscp_scp_amt: n(r, "inscp_scp_amt"),
        act_pay_dedc: n(r, "act_pay_dedc"),
        hifp_pay: n(r, "hifp_pay"),
        cvlserv_pay: n(r, "cvlserv_pay"),
        hifes_pay: n(r, "hifes_pay"),
        hifmi_pay: n(r, "hifmi_pay"),
        hifob_pay: n(r, "hifob_pay"),
        maf_pay: n(r, "maf_pay"),
        hifdm_pay: n(r, "hifdm_pay"),
        oth_pay: n(r, "oth_pay"),
        fund_pay_sumamt: n(r, "fund_pay_sumamt"),
        psn_part_amt: n(r, "psn_part_amt"),
        acct_pay: n(r, "acct_pay"),
        psn_cash_pay: n(r, "psn_cash_pay"),
        hosp_part_amt: n(r, "hosp_part_amt"),
        balc: n(r, "balc"),
        output: s(r, "output"),
        delta: s(r, "delta"),
        explanation: s(r, "explanation"),
        details: Vec::new(),
    }
}

impl Store {
    pub async fn institution(&self, code: &str) -> Result<Option<InstitutionRow>> {
        let r = self.row("SELECT * FROM institution WHERE fixmedins_code = $1", crate::params![code]).await?;
        Ok(r.as_ref().map(institution))
    }

    pub async fn institution_by_paasid(&self, paasid: &str) -> Result<Option<InstitutionRow>> {
        let r = self.row("SELECT * FROM institution WHERE paasid = $1", crate::params![paasid]).await?;
        Ok(r.as_ref().map(institution))
    }

    pub async fn institutions(&self) -> Result<Vec<InstitutionRow>> {
        let rows = self.rows("SELECT * FROM institution ORDER BY fixmedins_code", crate::params![]).await?;
        Ok(rows.iter().map(institution).collect())
    }

    /// The suspension in force on a date, if any.
    pub async fn suspension_on(&self, code: &str, date: &str) -> Result<Option<SuspensionRow>> {
        let r = self.row("SELECT * FROM agreement_suspension WHERE fixmedins_code = $1 AND begndate <= $2 AND (enddate IS NULL OR enddate >= $2)
             ORDER BY begndate DESC LIMIT 1", crate::params![code, date]).await?;
        Ok(r.map(|r| SuspensionRow {
            fixmedins_code: s(&r, "fixmedins_code"),
            begndate: s(&r, "begndate"),
            enddate: os(&r, "enddate"),
            reason: s(&r, "reason"),
        }))
    }

    pub async fn person(&self, psn_no: &str) -> Result<Option<PersonRow>> {
        let r = self.row("SELECT * FROM person WHERE psn_no = $1", crate::params![psn_no]).await?;
        Ok(r.as_ref().map(person))
    }

    pub async fn person_by_certno(&self, certno: &str) -> Result<Option<PersonRow>> {
        let r = self.row("SELECT * FROM person WHERE certno = $1", crate::params![certno]).await?;
        Ok(r.as_ref().map(person))
    }

    pub async fn enrollments(&self, psn_no: &str) -> Result<Vec<EnrollmentRow>> {
        let rows = self
            .rows("SELECT * FROM enrollment WHERE psn_no = $1 ORDER BY year DESC, insutype", crate::params![psn_no])
            .await?;
        Ok(rows.iter().map(enrollment).collect())
    }

    pub async fn identities(&self, psn_no: &str) -> Result<Vec<IdentityRow>> {
        let rows = self
            .rows("SELECT * FROM identity WHERE psn_no = $1 ORDER BY begndate, code", crate::params![psn_no])
            .await?;
        Ok(rows.iter().map(identity).collect())
    }

    pub async fn diseases(&self, psn_no: &str) -> Result<Vec<DiseaseRow>> {
        let rows = self
            .rows("SELECT * FROM registered_disease WHERE psn_no = $1 ORDER BY begndate, code", crate::params![psn_no])
            .await?;
        Ok(rows.iter().map(disease).collect())
    }

    pub async fn account_balance(&self, psn_no: &str) -> Result<Option<i64>> {
        let r = self.row("SELECT balance FROM account WHERE psn_no = $1", crate::params![psn_no]).await?;
        Ok(r.map(|r| n(&r, "balance")))
    }

    pub async fn visit(&self, psn_no: &str, mdtrt_id: &str) -> Result<Option<VisitRow>> {
        let r = self
            .row("SELECT * FROM visit WHERE psn_no = $1 AND mdtrt_id = $2", crate::params![psn_no, mdtrt_id])
            .await?;
        Ok(r.as_ref().map(visit))
    }

    /// The visit's lines in a state (e.g. "uploaded"), or all when `state` is None, in upload order.
    pub async fn fee_lines(&self, psn_no: &str, mdtrt_id: &str, state: Option<&str>) -> Result<Vec<FeeLineRow>> {
        let rows = match state {
            Some(st) => {
                self.rows("SELECT * FROM fee_line WHERE psn_no = $1 AND mdtrt_id = $2 AND state = $3 ORDER BY fee_ocur_time, feedetl_sn", crate::params![psn_no, mdtrt_id, st]).await?
            }
            None => {
                self.rows("SELECT * FROM fee_line WHERE psn_no = $1 AND mdtrt_id = $2 ORDER BY fee_ocur_time, feedetl_sn", crate::params![psn_no, mdtrt_id]).await?
            }
        };
        Ok(rows.iter().map(fee_line).collect())
    }

    pub async fn settlement(&self, psn_no: &str, setl_id: &str) -> Result<Option<SettlementRow>> {
        let r = self
            .row("SELECT * FROM settlement WHERE psn_no = $1 AND setl_id = $2", crate::params![psn_no, setl_id])
            .await?;
        let Some(r) = r else { return Ok(None) };
        let mut st = settlement(&r);
        st.details = self.setl_details_of(psn_no, setl_id).await?;
        Ok(Some(st))
    }

    /// The per-fund rows of a settlement.
    pub async fn setl_details_of(&self, psn_no: &str, setl_id: &str) -> Result<Vec<SetlDetailRow>> {
        let rows = self
            .rows(
                "SELECT * FROM setl_detail WHERE psn_no = $1 AND setl_id = $2 ORDER BY seq",
                crate::params![psn_no, setl_id],
            )
            .await?;
        Ok(rows.iter().map(setl_detail).collect())
    }

    /// A person's settlements (and reversals) whose settlement time falls in [from, to].
    pub async fn settlements_of(&self, psn_no: &str, from: &str, to: &str) -> Result<Vec<SettlementRow>> {
        let rows = self.rows("SELECT * FROM settlement WHERE psn_no = $1 AND setl_time >= $2 AND setl_time <= $3 ORDER BY setl_time, setl_id", crate::params![psn_no, from, to]).await?;
        Ok(rows.iter().map(settlement).collect())
    }

    /// The latest settlement of a visit that has not been reversed.
    pub async fn live_settlement_of_visit(&self, psn_no: &str, mdtrt_id: &str) -> Result<Option<SettlementRow>> {
        let r = self.row("SELECT * FROM settlement WHERE psn_no = $1 AND mdtrt_id = $2 AND kind = 'settle' AND reversed_by IS NULL
             ORDER BY setl_time DESC LIMIT 1", crate::params![psn_no, mdtrt_id]).await?;
        Ok(r.as_ref().map(settlement))
    }

    /// A person's accumulators for a year and scheme, and the person-year version to write against.
    pub async fn accumulators(&self, psn_no: &str, year: i64, insutype: &str) -> Result<(BTreeMap<String, i64>, i64)> {
        let rows = self
            .rows(
                "SELECT name, value FROM accumulator WHERE psn_no = $1 AND year = $2 AND insutype = $3",
                crate::params![psn_no, year, insutype],
            )
            .await?;
        let version = self
            .row("SELECT version FROM person_year WHERE psn_no = $1 AND year = $2", crate::params![psn_no, year])
            .await?
            .map(|r| n(&r, "version"))
            .unwrap_or(0);
        Ok((rows.iter().map(|r| (s(r, "name"), n(r, "value"))).collect(), version))
    }

    /// Every accumulator of a person: (year, insutype, name, value).
    pub async fn person_accumulators(&self, psn_no: &str) -> Result<Vec<(i64, String, String, i64)>> {
        let rows = self
            .rows("SELECT year, insutype, name, value FROM accumulator WHERE psn_no = $1", crate::params![psn_no])
            .await?;
        Ok(rows.iter().map(|r| (n(r, "year"), s(r, "insutype"), s(r, "name"), n(r, "value"))).collect())
    }

    /// A person's person-year versions: (year, version).
    pub async fn person_versions(&self, psn_no: &str) -> Result<Vec<(i64, i64)>> {
        let rows = self.rows("SELECT year, version FROM person_year WHERE psn_no = $1", crate::params![psn_no]).await?;
        Ok(rows.iter().map(|r| (n(r, "year"), n(r, "version"))).collect())
    }

    /// Every suspension of an institution's agreement, oldest first.
    pub async fn suspensions(&self, code: &str) -> Result<Vec<SuspensionRow>> {
        let rows = self
            .rows(
                "SELECT * FROM agreement_suspension WHERE fixmedins_code = $1 ORDER BY begndate",
                crate::params![code],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| SuspensionRow {
                fixmedins_code: s(r, "fixmedins_code"),
                begndate: s(r, "begndate"),
                enddate: os(r, "enddate"),
                reason: s(r, "reason"),
            })
            .collect())
    }

    /// The cache epochs: (name, value).
    pub async fn epochs(&self) -> Result<Vec<(String, i64)>> {
        let rows = self.rows("SELECT name, value FROM cache_epoch ORDER BY name", crate::params![]).await?;
        Ok(rows.iter().map(|r| (s(r, "name"), n(r, "value"))).collect())
    }

    /// The answer logged for a msgid, with the transaction number and input digest it was given for.
    pub async fn logged_request(&self, fixmedins_code: &str, msgid: &str) -> Result<Option<LoggedRequest>> {
        let r = self
            .row(
                "SELECT infno, digest, response FROM request_log WHERE fixmedins_code = $1 AND msgid = $2",
                crate::params![fixmedins_code, msgid],
            )
            .await?;
        Ok(r.map(|r| LoggedRequest { infno: s(&r, "infno"), digest: s(&r, "digest"), response: s(&r, "response") }))
    }

    /// The answer logged for a msgid, if that request was already processed.
    pub async fn logged_response(&self, fixmedins_code: &str, msgid: &str) -> Result<Option<String>> {
        Ok(self.logged_request(fixmedins_code, msgid).await?.map(|l| l.response))
    }

    /// Every settlement row (for `yibao verify`), in ledger order.
    pub async fn all_settlements(&self) -> Result<Vec<SettlementRow>> {
        let rows = self.scan("SELECT * FROM settlement ORDER BY psn_no, setl_time, setl_id", crate::params![]).await?;
        Ok(rows.iter().map(settlement).collect())
    }

    /// Every settlement's per-fund rows, by (psn_no, setl_id), in order.
    pub async fn all_setl_details(&self) -> Result<BTreeMap<(String, String), Vec<SetlDetailRow>>> {
        let rows = self.scan("SELECT * FROM setl_detail ORDER BY psn_no, setl_id, seq", crate::params![]).await?;
        let mut m: BTreeMap<(String, String), Vec<SetlDetailRow>> = BTreeMap::new();
        for r in &rows {
            m.entry((s(r, "psn_no"), s(r, "setl_id"))).or_default().push(setl_detail(r));
        }
        Ok(m)
    }

    /// Every accumulator value, keyed by (psn_no, year, insutype, name).
    pub async fn all_accumulators(&self) -> Result<BTreeMap<(String, i64, String, String), i64>> {
        let rows = self.scan("SELECT psn_no, year, insutype, name, value FROM accumulator", crate::params![]).await?;
        Ok(rows
            .iter()
            .map(|r| ((s(r, "psn_no"), n(r, "year"), s(r, "insutype"), s(r, "name")), n(r, "value")))
            .collect())
    }

    /// The newest policy pack text of a region.
    pub async fn latest_policy(&self, admdvs: &str) -> Result<Option<(String, String)>> {
        let r = self.row("SELECT version, pack FROM policy_version WHERE admdvs = $1 ORDER BY loaded_at DESC, version DESC LIMIT 1", crate::params![admdvs]).await?;
        Ok(r.map(|r| (s(&r, "version"), s(&r, "pack"))))
    }

    /// Everyone enrolled (status 1) in a year: (psn_no, certno, insutype).
    pub async fn enrolled_people(&self, year: i64) -> Result<Vec<(String, String, String)>> {
        let rows = self
            .rows(
                "SELECT p.psn_no AS psn_no, p.certno AS certno, e.insutype AS insutype FROM person p
             JOIN enrollment e ON e.psn_no = p.psn_no WHERE e.year = $1 AND e.psn_insu_stas = '1' ORDER BY p.psn_no",
                crate::params![year],
            )
            .await?;
        Ok(rows.iter().map(|r| (s(r, "psn_no"), s(r, "certno"), s(r, "insutype"))).collect())
    }

    /// The text of one policy version, if stored.
    pub async fn policy_text(&self, admdvs: &str, version: &str) -> Result<Option<String>> {
        let r = self
            .row("SELECT pack FROM policy_version WHERE admdvs = $1 AND version = $2", crate::params![admdvs, version])
            .await?;
        Ok(r.map(|r| s(&r, "pack")))
    }

    pub async fn audit_for(&self, entity: &str, entity_id: &str) -> Result<Vec<AuditRow>> {
        let rows = self
            .rows(
                "SELECT * FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY at, id",
                crate::params![entity, entity_id],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| AuditRow {
                id: s(r, "id"),
                at: s(r, "at"),
                actor: s(r, "actor"),
                action: s(r, "action"),
                entity: s(r, "entity"),
                entity_id: s(r, "entity_id"),
                detail: s(r, "detail"),
            })
            .collect())
    }
}
