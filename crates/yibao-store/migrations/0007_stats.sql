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
    h_n BIGINT NOT NULL,                   -- settlements 大病保险 paid: person-times, 医疗费总额, 统筹基金
    h_medfee BIGINT NOT NULL,
    h_hifp BIGINT NOT NULL,
    PRIMARY KEY (day, admdvs, fixmedins_code, insutype, ipt)
);
CREATE INDEX stat_day_group ON stat_day (admdvs, fixmedins_code, insutype, ipt, day);

-- stat_day summed by month: a period reads its whole months here and only its partial months from stat_day.
CREATE TABLE stat_month (
    ym TEXT NOT NULL,
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
    n_b1 BIGINT NOT NULL,
    n_b2 BIGINT NOT NULL,
    n_b3 BIGINT NOT NULL,
    n_b4 BIGINT NOT NULL,
    a_b1 BIGINT NOT NULL,
    a_b2 BIGINT NOT NULL,
    a_b3 BIGINT NOT NULL,
    a_b4 BIGINT NOT NULL,
    h_n BIGINT NOT NULL,
    h_medfee BIGINT NOT NULL,
    h_hifp BIGINT NOT NULL,
    PRIMARY KEY (ym, admdvs, fixmedins_code, insutype, ipt)
);

-- Who was served by which fund tier on which day (live settlements), for counts of people rather than person-times.
CREATE TABLE stat_psn_day (
    tier TEXT NOT NULL,                    -- any / hifp / hifmi / hifob / cvlserv / maf
    psn_no TEXT NOT NULL,
    day TEXT NOT NULL,
    admdvs TEXT NOT NULL,
    PRIMARY KEY (tier, psn_no, day, admdvs)
);

-- The first day of each year each fund tier served each person, per region and ('*') over all regions: people
-- served from 1 January to a day are counted from an index range instead of distinct person-days.
CREATE TABLE stat_psn_year (
    tier TEXT NOT NULL,
    year BIGINT NOT NULL,
    psn_no TEXT NOT NULL,
    admdvs TEXT NOT NULL,
    first_day TEXT NOT NULL,
    PRIMARY KEY (tier, year, psn_no, admdvs)
);
CREATE INDEX stat_psn_year_first ON stat_psn_year (tier, year, admdvs, first_day);

CREATE TABLE stat_state (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
