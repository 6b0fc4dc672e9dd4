-- People per fund tier over any period, exact (see src/stats_people.rs): each person-day a tier served a person,
-- with the day that tier last served that person before (`prev`, '' for none), per scope (a region, or '*' for all
-- regions). The people served in a period a..b are the person-days in a..b whose prev is before a, so they are
-- counted from `stat_psn_cell` (those person-days counted per day and prev) without touching any person's row.
-- Replaces stat_psn_day and stat_psn_year; the rollups are rebuilt at the next statistics read.
DROP TABLE IF EXISTS stat_psn_day;
DROP TABLE IF EXISTS stat_psn_year;

CREATE TABLE stat_psn_seq (
    tier TEXT NOT NULL,                    -- any / hifp / hifmi / hifob / cvlserv / maf
    scope TEXT NOT NULL,                   -- the institution's 统筹区, or '*' over all regions
    psn_no TEXT NOT NULL,
    day TEXT NOT NULL,
    prev TEXT NOT NULL,                    -- the person's previous day in this tier and scope, '' for none
    PRIMARY KEY (psn_no, tier, scope, day)
);
CREATE INDEX stat_psn_seq_cell ON stat_psn_seq (tier, scope, day, prev);

-- stat_psn_seq counted by (tier, scope, day, prev).
CREATE TABLE stat_psn_cell (
    tier TEXT NOT NULL,
    scope TEXT NOT NULL,
    day TEXT NOT NULL,
    prev TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (tier, scope, day, prev)
);

-- Cells whose stat_psn_seq rows changed and that are not recounted yet (written in the same commit as the change).
CREATE TABLE stat_psn_dirty (
    tier TEXT NOT NULL,
    scope TEXT NOT NULL,
    day TEXT NOT NULL,
    prev TEXT NOT NULL,
    PRIMARY KEY (tier, scope, day, prev)
);

-- Rebuild every rollup at the next read.
DELETE FROM stat_state;
