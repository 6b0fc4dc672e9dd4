-- Yibao ledger schema, shared by SQLite and PostgreSQL (only TEXT and BIGINT columns).
-- Money is BIGINT fen; prices are BIGINT millionths of a yuan; counts BIGINT ten-thousandths; ratios BIGINT
-- ten-thousandths. Dates are ISO text. Every person-owned table leads its key with psn_no, so that a person's data
-- shards together on a distributed PostgreSQL engine (distribution column psn_no).

CREATE TABLE institution (
    fixmedins_code TEXT PRIMARY KEY,
    fixmedins_name TEXT NOT NULL,
    fixmedins_type TEXT NOT NULL,          -- 1 医疗机构 / 2 零售药店
    hosp_lv TEXT NOT NULL,
    admdvs TEXT NOT NULL,
    paasid TEXT NOT NULL UNIQUE,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE agreement_suspension (
    fixmedins_code TEXT NOT NULL,
    begndate TEXT NOT NULL,
    enddate TEXT,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (fixmedins_code, begndate)
);

CREATE TABLE household (
    hhold_id TEXT PRIMARY KEY,
    admdvs TEXT NOT NULL,
    address TEXT NOT NULL
);

CREATE TABLE person (
    psn_no TEXT PRIMARY KEY,
    certno TEXT NOT NULL,
    psn_cert_type TEXT NOT NULL,
    psn_name TEXT NOT NULL,
    gend TEXT NOT NULL,
    brdy TEXT NOT NULL,
    naty TEXT NOT NULL,
    hhold_id TEXT,
    admdvs TEXT NOT NULL,
    chosen_fixmedins_code TEXT,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX person_certno ON person (certno);

CREATE TABLE enrollment (
    psn_no TEXT NOT NULL,
    insutype TEXT NOT NULL,
    year BIGINT NOT NULL,
    psn_type TEXT NOT NULL,
    psn_insu_stas TEXT NOT NULL,
    cvlserv_flag TEXT NOT NULL,
    emp_name TEXT NOT NULL,
    insu_date TEXT NOT NULL,
    PRIMARY KEY (psn_no, insutype, year)
);

CREATE TABLE identity (
    psn_no TEXT NOT NULL,
    code TEXT NOT NULL,
    begndate TEXT NOT NULL,
    enddate TEXT,
    source TEXT NOT NULL,
    PRIMARY KEY (psn_no, code, begndate)
);

CREATE TABLE registered_disease (
    psn_no TEXT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    begndate TEXT NOT NULL,
    enddate TEXT,
    PRIMARY KEY (psn_no, code, begndate)
);

CREATE TABLE account (
    psn_no TEXT PRIMARY KEY,
    balance BIGINT NOT NULL
);

CREATE TABLE policy_version (
    admdvs TEXT NOT NULL,
    version TEXT NOT NULL,
    pack TEXT NOT NULL,
    loaded_at TEXT NOT NULL,
    PRIMARY KEY (admdvs, version)
);

CREATE TABLE visit (
    psn_no TEXT NOT NULL,
    mdtrt_id TEXT NOT NULL,
    fixmedins_code TEXT NOT NULL,
    insutype TEXT NOT NULL,
    med_type TEXT NOT NULL,
    kind TEXT NOT NULL,                    -- otp 门诊 / ipt 住院
    state TEXT NOT NULL,                   -- registered / admitted / discharged / settled / cancelled
    begntime TEXT NOT NULL,
    endtime TEXT,
    ipt_otp_no TEXT NOT NULL,
    mdtrt_cert_type TEXT NOT NULL,
    diagnoses TEXT NOT NULL,               -- JSON [{diag_code, diag_name, ...}]
    opsp_dise_code TEXT,
    detail TEXT NOT NULL,                  -- JSON of the registration/admission input as received
    created_at TEXT NOT NULL,
    PRIMARY KEY (psn_no, mdtrt_id)
);
CREATE INDEX visit_mdtrt ON visit (mdtrt_id);
CREATE INDEX visit_institution ON visit (fixmedins_code, begntime);

CREATE TABLE fee_line (
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
    state TEXT NOT NULL,                   -- uploaded / settled / cancelled
    setl_id TEXT,
    detail TEXT NOT NULL,                  -- JSON of the line as received
    PRIMARY KEY (psn_no, mdtrt_id, feedetl_sn)
);

CREATE TABLE settlement (
    psn_no TEXT NOT NULL,
    setl_id TEXT NOT NULL,
    mdtrt_id TEXT NOT NULL,
    fixmedins_code TEXT NOT NULL,
    insutype TEXT NOT NULL,
    year BIGINT NOT NULL,
    med_type TEXT NOT NULL,
    kind TEXT NOT NULL,                    -- settle / reverse
    reverses TEXT,                         -- for a reversal: the setl_id it reverses
    reversed_by TEXT,                      -- for a settlement: the reversal's setl_id
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
    output TEXT NOT NULL,                  -- JSON {setlinfo, setldetail} as answered
    delta TEXT NOT NULL,                   -- JSON accumulator delta {admissions, amounts}
    explanation TEXT NOT NULL,             -- JSON lines of the Chinese explanation
    PRIMARY KEY (psn_no, setl_id)
);
CREATE INDEX settlement_mdtrt ON settlement (mdtrt_id);
CREATE INDEX settlement_institution ON settlement (fixmedins_code, setl_time);
CREATE INDEX settlement_time ON settlement (setl_time);

CREATE TABLE setl_detail (
    psn_no TEXT NOT NULL,
    setl_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    fund_pay_type TEXT NOT NULL,
    fund_payamt BIGINT NOT NULL,
    inscp_scp_amt BIGINT NOT NULL,
    crt_payb_lmt_amt BIGINT,
    PRIMARY KEY (psn_no, setl_id, seq)
);

CREATE TABLE accumulator (
    psn_no TEXT NOT NULL,
    year BIGINT NOT NULL,
    insutype TEXT NOT NULL,
    name TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (psn_no, year, insutype, name)
);

-- One row per person and year: its version is bumped by every settlement and reversal, so that two writers that
-- read the same accumulators cannot both commit (optimistic concurrency across gateway instances).
CREATE TABLE person_year (
    psn_no TEXT NOT NULL,
    year BIGINT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (psn_no, year)
);

CREATE TABLE request_log (
    fixmedins_code TEXT NOT NULL,
    msgid TEXT NOT NULL,
    infno TEXT NOT NULL,
    digest TEXT NOT NULL,                  -- SHA-256 of the request's input, to refuse a msgid reused for other content
    psn_no TEXT,
    response TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (fixmedins_code, msgid)
);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit_log (entity, entity_id);
