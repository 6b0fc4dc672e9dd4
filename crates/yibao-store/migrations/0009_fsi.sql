-- 事前/事中 service (3101/3102/3103): the hospitals' feedback on the warnings they were given (3103 事前事中服务反馈),
-- one row per warning answered. A 3103 call is logged in gateway_request like every mutating call, so a repeated
-- msgid is answered from the log and adds no second row; the unique key below is a second guard.

CREATE TABLE fsi_feedback (
    feedback_id TEXT PRIMARY KEY,
    fixmedins_code TEXT NOT NULL,
    msgid TEXT NOT NULL,                 -- the 3103 call's msgid
    seq BIGINT NOT NULL,                 -- position in warns[] (1-based)
    warn_type TEXT NOT NULL,             -- 反馈类型
    warn_rslt_id TEXT NOT NULL,          -- the jr_id answered
    dspo_way TEXT NOT NULL,              -- 处理方式
    dspo_way_rea TEXT NOT NULL,          -- 处理原因
    opter TEXT NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (fixmedins_code, msgid, seq)
);
CREATE INDEX fsi_feedback_result ON fsi_feedback (warn_rslt_id);
