-- Imported catalogue versions (医保目录) per region, and households (户) that people refer to.
--
-- A catalogue version is a whole 目录 as a bureau exchanges it, in force from begndate; gateways lay the version in
-- force over the region's policy pack's own [[catalogue]] (same codes replaced, new codes added). Prices are BIGINT
-- millionths of a yuan and ratios BIGINT ten-thousandths, as in fee_line.

CREATE TABLE catalogue_version (
    admdvs TEXT NOT NULL,
    version TEXT NOT NULL,
    begndate TEXT NOT NULL,
    source TEXT NOT NULL,                  -- the file it was imported from
    loaded_at TEXT NOT NULL,
    PRIMARY KEY (admdvs, version)
);

CREATE TABLE catalogue_item (
    admdvs TEXT NOT NULL,
    version TEXT NOT NULL,
    code TEXT NOT NULL,                    -- med_list_codg
    name TEXT NOT NULL,
    lv TEXT NOT NULL,                      -- chrgitm_lv 01 甲类 / 02 乙类 / 03 丙类
    category TEXT,                         -- med_chrgitm_type
    sex TEXT,                              -- restrictions; NULL: none
    age_min BIGINT,
    age_max BIGINT,
    min_hosp_lv TEXT,
    med_types TEXT,                        -- med_type codes joined by ','
    PRIMARY KEY (admdvs, version, code)
);

-- 先行自付比例 by 险种 ('*': every scheme).
CREATE TABLE catalogue_selfpay (
    admdvs TEXT NOT NULL,
    version TEXT NOT NULL,
    code TEXT NOT NULL,
    insutype TEXT NOT NULL,
    ratio BIGINT NOT NULL,
    PRIMARY KEY (admdvs, version, code, insutype)
);

-- 最高限价 by hospital level ('*': every level).
CREATE TABLE catalogue_price_cap (
    admdvs TEXT NOT NULL,
    version TEXT NOT NULL,
    code TEXT NOT NULL,
    hosp_lv TEXT NOT NULL,
    price BIGINT NOT NULL,
    PRIMARY KEY (admdvs, version, code, hosp_lv)
);

-- Gateways reload a region's catalogue when an import bumps this.
INSERT INTO cache_epoch (name, value) VALUES ('catalogue', 0);

-- People refer to households by hhold_id. Households named by people imported before households could be imported
-- get a row here (area of the person, no address), so that every stored reference resolves.
CREATE INDEX person_hhold ON person (hhold_id);
INSERT INTO household (hhold_id, admdvs, address)
    SELECT hhold_id, MIN(admdvs), '' FROM person WHERE hhold_id IS NOT NULL GROUP BY hhold_id;
