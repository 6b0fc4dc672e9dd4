-- Fund supervision's case ledger (案件台账): cases from 智能监控, 飞行检查, 举报, 自查自纠 and 交叉检查, each moving
-- forward only through 线索 → 核查 → 立案 → 处理 → 结案 (every step kept with who, when and a note), their outcomes
-- (recovered funds, fines, deductions of the quality deposit, agreement suspensions) and small attachments.
-- Findings are taken into a case through audit_finding.case_id (migration 0008).

CREATE TABLE supervision_case (
    case_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,                -- smart 智能监控 | flying 飞行检查 | tipoff 举报 | self 自查自纠 | cross 交叉检查
    fixmedins_code TEXT NOT NULL,
    psn_no TEXT,                         -- the person concerned, if any
    title TEXT NOT NULL,
    status TEXT NOT NULL,                -- clue 线索 | verify 核查 | filed 立案 | handle 处理 | closed 结案
    due_date TEXT NOT NULL,              -- YYYY-MM-DD the case must be closed by (overdue after it while not closed)
    opened_by TEXT NOT NULL,
    opened_at TEXT NOT NULL,             -- yyyy-MM-dd HH:mm:ss
    updated_at TEXT NOT NULL,
    closed_at TEXT
);
CREATE INDEX supervision_case_inst ON supervision_case (fixmedins_code, opened_at);
CREATE INDEX supervision_case_time ON supervision_case (opened_at);

-- One row per status a case reached (the first is 线索 when it is opened).
CREATE TABLE case_step (
    case_id TEXT NOT NULL,
    status TEXT NOT NULL,
    seq BIGINT NOT NULL,                 -- 1 线索 … 5 结案
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (case_id, status)
);

CREATE TABLE case_outcome (
    outcome_id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    fixmedins_code TEXT NOT NULL,
    kind TEXT NOT NULL,                  -- recover 追回 | fine 罚款/违约金 | deposit 扣除质量保证金 | suspend 暂停协议
    amount BIGINT NOT NULL,              -- fen (0 for a suspension)
    begndate TEXT,                       -- a suspension's first day
    enddate TEXT,                        -- a suspension's last day (NULL: until further notice)
    note TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX case_outcome_case ON case_outcome (case_id);
CREATE INDEX case_outcome_time ON case_outcome (at);

CREATE TABLE case_attachment (
    attachment_id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,                -- bytes
    content TEXT NOT NULL,               -- the bytes in hex (the schema has TEXT and BIGINT columns only)
    actor TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX case_attachment_case ON case_attachment (case_id);
