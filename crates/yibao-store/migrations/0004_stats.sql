-- Statistics rollups, derived from the settlement table only (see src/stats.rs): exact, rebuilt deterministically,
-- brought up to date before every statistics read. Nothing in the settlement commit writes them.

-- A narrow copy of every settlement and reversal row; live = 1 for a settlement that has not been reversed.
CREATE TABLE stat_setl (
    psn_no TEXT NOT NULL,
    setl_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    day TEXT NOT NULL,
    admdvs TEXT NOT NULL,                  -- the institution's 统筹区
    fixmedins_code TEXT NOT NULL,
    insutype TEXT NOT NULL,
    med_type TEXT NOT NULL,
    ipt BIGINT NOT NULL,                   -- 1 inpatient med_type, 0 outpatient
    live BIGINT NOT NULL,
    medfee BIGINT NOT NULL,
    inscp BIGINT NOT NULL,
    hifp BIGINT NOT NULL,
    hifmi BIGINT NOT NULL,
    hifob BIGINT NOT NULL,
    cvlserv BIGINT NOT NULL,
    maf BIGINT NOT NULL,
    fund BIGINT NOT NULL,
    psn_part BIGINT NOT NULL,
    acct BIGINT NOT NULL,
    cash BIGINT NOT NULL,
    PRIMARY KEY (psn_no, setl_id)
);
CREATE INDEX stat_setl_group ON stat_setl (day, admdvs, fixmedins_code, insutype, ipt);
-- 大病保险 beneficiaries are few: their settlements are read through this partial index.
CREATE INDEX stat_setl_hifmi ON stat_setl (day) WHERE hifmi <> 0;

-- Live settlements summed by day, institution, scheme and inpatient/outpatient.
CREATE TABLE stat_day (
    day TEXT NOT NULL,
    admdvs TEXT NOT NULL,
    fixmedins_code TEXT NOT NULL,
    insutype TEXT NOT NULL,
    ipt BIGINT NOT NULL,
    n BIGINT NOT NULL,
    medfee BIGINT NOT NULL,
    inscp BIGINT NOT NULL,
    hifp BIGINT NOT NULL,
    hifmi BIGINT NOT NULL,
    hifob BIGINT NOT NULL,
    cvlserv BIGINT NOT NULL,
    maf BIGINT NOT NULL,
    fund BIGINT NOT NULL,
    psn_part BIGINT NOT NULL,
    acct BIGINT NOT NULL,
    cash BIGINT NOT NULL,
    n_hifp BIGINT NOT NULL,
    n_hifmi BIGINT NOT NULL,
    n_hifob BIGINT NOT NULL,
    n_cvlserv BIGINT NOT NULL,
    n_maf BIGINT NOT NULL,
    n_b1 BIGINT NOT NULL,                  -- 大病保险 payouts under 1万
    n_b2 BIGINT NOT NULL,                  -- 1万 to under 3万
    n_b3 BIGINT NOT NULL,                  -- 3万 to under 5万
    n_b4 BIGINT NOT NULL,                  -- 5万 and over
    a_b1 BIGINT NOT NULL,
    a_b2 BIGINT NOT NULL,
    a_b3 BIGINT NOT NULL,
    a_b4 BIGINT NOT NULL,
    PRIMARY KEY (day, admdvs, fixmedins_code, insutype, ipt)
);

-- Who was served by which fund tier on which day (live settlements), for counts of people rather than person-times.
CREATE TABLE stat_psn_day (
    tier TEXT NOT NULL,                    -- any / hifp / hifmi / hifob / cvlserv / maf
    psn_no TEXT NOT NULL,
    day TEXT NOT NULL,
    admdvs TEXT NOT NULL,
    PRIMARY KEY (tier, psn_no, day, admdvs)
);

CREATE TABLE stat_state (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
