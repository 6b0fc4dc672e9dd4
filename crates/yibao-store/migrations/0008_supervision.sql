-- Fund supervision (基金监管): 事后 review runs and the findings of review and of 事中 screening at settlement, each
-- finding's amount held back from the institution's payment (剔除待查) until a reviewer clears or confirms it.
-- Findings shard by person like the ledger (psn_no first in the lookups); institution-level findings have no person.

CREATE TABLE audit_run (
    run_id TEXT PRIMARY KEY,
    admdvs TEXT NOT NULL,
    period_from TEXT NOT NULL,           -- YYYY-MM-DD, inclusive
    period_to TEXT NOT NULL,             -- YYYY-MM-DD, inclusive
    opter TEXT NOT NULL,                 -- who ran it (staff user or 'cli')
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    settlements BIGINT NOT NULL,         -- settlements analysed
    findings BIGINT NOT NULL,
    summary TEXT NOT NULL                -- JSON: counts and amounts per rule, timings
);

CREATE TABLE audit_finding (
    finding_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,                -- 'review' (事后 run) | 'settle' (事中, flagged at 2207/2304)
    run_id TEXT,                         -- the review run, for source 'review'
    rule_id TEXT NOT NULL,
    rule_name TEXT NOT NULL,
    sev_deg TEXT NOT NULL,               -- 严重程度 code as the rule pack has it
    psn_no TEXT,                         -- NULL for an institution-level finding
    fixmedins_code TEXT NOT NULL,
    setl_ids TEXT NOT NULL,              -- settlements concerned, comma-separated, the suspect one last
    occurred_on TEXT NOT NULL,           -- YYYY-MM-DD the violation happened
    amount BIGINT NOT NULL,              -- fen at stake; held from the institution's payment while status = 'held'
    evidence TEXT NOT NULL,              -- Chinese evidence text
    found_at TEXT NOT NULL,
    status TEXT NOT NULL,                -- held 待查 | cleared 排除 | confirmed 确认违规 | recovered 已追回
    reviewer TEXT,
    reviewed_at TEXT,
    review_note TEXT,
    case_id TEXT                         -- the supervision case it was taken into, if any
);
CREATE INDEX audit_finding_inst ON audit_finding (fixmedins_code, status);
CREATE INDEX audit_finding_run ON audit_finding (run_id);
CREATE INDEX audit_finding_psn ON audit_finding (psn_no);
CREATE INDEX audit_finding_time ON audit_finding (occurred_on);
