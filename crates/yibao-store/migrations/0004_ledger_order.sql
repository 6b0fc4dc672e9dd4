-- Rows that are only ever appended (visits, fee lines, settlements and their fund rows) are keyed first by their
-- time-ordered id (就诊ID / 结算ID are issued from the clock), so that the embedded database appends them to the
-- right-hand pages of its B-trees instead of scattering them over pages keyed by person: far fewer pages written per
-- commit, and pages packed full. psn_no stays in every primary key — the distribution column on Citus or YugabyteDB,
-- where a person's rows still shard together — and each table keeps an index by person for a person's history.

CREATE TABLE visit_new (
    psn_no TEXT NOT NULL,
    mdtrt_id TEXT NOT NULL,
    fixmedins_code TEXT NOT NULL,
    insutype TEXT NOT NULL,
    med_type TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    begntime TEXT NOT NULL,
    endtime TEXT,
    ipt_otp_no TEXT NOT NULL,
    mdtrt_cert_type TEXT NOT NULL,
    diagnoses TEXT NOT NULL,
    opsp_dise_code TEXT,
    detail TEXT NOT NULL,
    created_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (mdtrt_id, psn_no)
);
INSERT INTO visit_new (psn_no, mdtrt_id, fixmedins_code, insutype, med_type, kind, state, begntime, endtime, ipt_otp_no,
    mdtrt_cert_type, diagnoses, opsp_dise_code, detail, created_at, version)
  SELECT psn_no, mdtrt_id, fixmedins_code, insutype, med_type, kind, state, begntime, endtime, ipt_otp_no,
    mdtrt_cert_type, diagnoses, opsp_dise_code, detail, created_at, version FROM visit;
DROP TABLE visit;
ALTER TABLE visit_new RENAME TO visit;
CREATE INDEX visit_psn ON visit (psn_no, begntime);
CREATE INDEX visit_institution ON visit (fixmedins_code, begntime);

CREATE TABLE fee_line_new (
    psn_no TEXT NOT NULL,
    mdtrt_id TEXT NOT NULL,
    feedetl_sn TEXT NOT NULL,
    chrg_bchno TEXT NOT NULL,
    med_list_codg TEXT NOT NULL,
    medins_list_codg TEXT NOT NULL,
    fee_ocur_time TEXT NOT NULL,
    pric BIGINT NOT NULL,
    cnt BIGINT NOT NULL,
    det_item_fee_sumamt BIGINT NOT NULL,
    hosp_appr_flag TEXT NOT NULL,
    fulamt_ownpay_amt BIGINT NOT NULL,
    overlmt_amt BIGINT NOT NULL,
    preselfpay_amt BIGINT NOT NULL,
    inscp_scp_amt BIGINT NOT NULL,
    selfpay_prop BIGINT NOT NULL,
    chrgitm_lv TEXT NOT NULL,
    state TEXT NOT NULL,
    setl_id TEXT,
    detail TEXT NOT NULL,                  -- JSON of the line's fields not kept in columns (department, doctor …)
    PRIMARY KEY (mdtrt_id, feedetl_sn, psn_no)
);
INSERT INTO fee_line_new SELECT psn_no, mdtrt_id, feedetl_sn, chrg_bchno, med_list_codg, medins_list_codg, fee_ocur_time,
    pric, cnt, det_item_fee_sumamt, hosp_appr_flag, fulamt_ownpay_amt, overlmt_amt, preselfpay_amt, inscp_scp_amt,
    selfpay_prop, chrgitm_lv, state, setl_id, detail FROM fee_line;
DROP TABLE fee_line;
ALTER TABLE fee_line_new RENAME TO fee_line;

CREATE TABLE settlement_new (
    psn_no TEXT NOT NULL,
    setl_id TEXT NOT NULL,
    mdtrt_id TEXT NOT NULL,
    fixmedins_code TEXT NOT NULL,
    insutype TEXT NOT NULL,
    year BIGINT NOT NULL,
    med_type TEXT NOT NULL,
    kind TEXT NOT NULL,
    reverses TEXT,
    reversed_by TEXT,
    setl_time TEXT NOT NULL,
    msgid TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    medfee_sumamt BIGINT NOT NULL,
    fulamt_ownpay_amt BIGINT NOT NULL,
    overlmt_selfpay BIGINT NOT NULL,
    preselfpay_amt BIGINT NOT NULL,
    inscp_scp_amt BIGINT NOT NULL,
    act_pay_dedc BIGINT NOT NULL,
    hifp_pay BIGINT NOT NULL,
    cvlserv_pay BIGINT NOT NULL,
    hifes_pay BIGINT NOT NULL,
    hifmi_pay BIGINT NOT NULL,
    hifob_pay BIGINT NOT NULL,
    maf_pay BIGINT NOT NULL,
    hifdm_pay BIGINT NOT NULL,
    oth_pay BIGINT NOT NULL,
    fund_pay_sumamt BIGINT NOT NULL,
    psn_part_amt BIGINT NOT NULL,
    acct_pay BIGINT NOT NULL,
    psn_cash_pay BIGINT NOT NULL,
    hosp_part_amt BIGINT NOT NULL,
    balc BIGINT NOT NULL,
    output TEXT NOT NULL,
    delta TEXT NOT NULL,
    explanation TEXT NOT NULL,
    PRIMARY KEY (setl_id, psn_no)
);
INSERT INTO settlement_new SELECT psn_no, setl_id, mdtrt_id, fixmedins_code, insutype, year, med_type, kind, reverses,
    reversed_by, setl_time, msgid, policy_version, medfee_sumamt, fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt,
    inscp_scp_amt, act_pay_dedc, hifp_pay, cvlserv_pay, hifes_pay, hifmi_pay, hifob_pay, maf_pay, hifdm_pay, oth_pay,
    fund_pay_sumamt, psn_part_amt, acct_pay, psn_cash_pay, hosp_part_amt, balc, output, delta, explanation FROM settlement;
DROP TABLE settlement;
ALTER TABLE settlement_new RENAME TO settlement;
CREATE INDEX settlement_psn ON settlement (psn_no, setl_time);
CREATE INDEX settlement_mdtrt ON settlement (mdtrt_id);
CREATE INDEX settlement_institution ON settlement (fixmedins_code, setl_time);
CREATE INDEX settlement_time ON settlement (setl_time);

CREATE TABLE setl_detail_new (
    psn_no TEXT NOT NULL,
    setl_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    fund_pay_type TEXT NOT NULL,
    fund_payamt BIGINT NOT NULL,
    inscp_scp_amt BIGINT NOT NULL,
    crt_payb_lmt_amt BIGINT,
    PRIMARY KEY (setl_id, seq, psn_no)
);
INSERT INTO setl_detail_new SELECT psn_no, setl_id, seq, fund_pay_type, fund_payamt, inscp_scp_amt, crt_payb_lmt_amt
  FROM setl_detail;
DROP TABLE setl_detail;
ALTER TABLE setl_detail_new RENAME TO setl_detail;

-- The request log too: appended in time order under its own id, with a small unique index on (institution, msgid)
-- for idempotency, instead of scattering every logged answer over pages keyed by institution.
CREATE TABLE request_log_new (
    log_id TEXT NOT NULL,
    fixmedins_code TEXT NOT NULL,
    msgid TEXT NOT NULL,
    infno TEXT NOT NULL,
    digest TEXT NOT NULL,
    psn_no TEXT,
    response TEXT NOT NULL,
    created_at TEXT NOT NULL,
    opter TEXT NOT NULL,
    PRIMARY KEY (log_id, fixmedins_code)
);
INSERT INTO request_log_new SELECT created_at || ' ' || fixmedins_code || ' ' || msgid, fixmedins_code, msgid, infno,
    digest, psn_no, response, created_at, opter FROM request_log;
DROP TABLE request_log;
ALTER TABLE request_log_new RENAME TO request_log;
CREATE UNIQUE INDEX request_log_msgid ON request_log (fixmedins_code, msgid);
CREATE INDEX request_log_psn ON request_log (psn_no, created_at);
