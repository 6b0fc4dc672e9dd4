-- Fund-supervision rule packs (规则库) as versions per region, like policy versions: the pack TOML and the contents
-- of its knowledge files, who installed it and from when it is in force. Installing one bumps the `rules` cache epoch
-- so that running gateways switch to the region's newest version in force.

CREATE TABLE rule_pack_version (
    admdvs TEXT NOT NULL,
    version TEXT NOT NULL,
    seq BIGINT NOT NULL,                 -- 1, 2, … per region in install order (the newest wins among equal dates)
    name TEXT NOT NULL,                  -- the pack's [pack] name
    effective TEXT NOT NULL,             -- YYYY-MM-DD from which gateways use it
    source TEXT NOT NULL,                -- the file name it was installed from
    pack TEXT NOT NULL,                  -- the TOML text
    installed_by TEXT NOT NULL,
    installed_at TEXT NOT NULL,
    PRIMARY KEY (admdvs, version)
);

CREATE TABLE rule_pack_file (
    admdvs TEXT NOT NULL,
    version TEXT NOT NULL,
    name TEXT NOT NULL,                  -- as the pack names it (`knowledge = "…"`)
    size BIGINT NOT NULL,
    content TEXT NOT NULL,               -- the bytes in hex (the schema has TEXT and BIGINT columns only)
    PRIMARY KEY (admdvs, version, name)
);

INSERT INTO cache_epoch (name, value) VALUES ('rules', 0);
