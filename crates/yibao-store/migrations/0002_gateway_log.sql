-- The request log is the audit trail of the hospital interface: who (institution and operator) made which call, when,
-- and what was answered. Staff actions stay in audit_log.
ALTER TABLE request_log ADD COLUMN opter TEXT NOT NULL DEFAULT '';
