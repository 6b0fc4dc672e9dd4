-- Visits carry a version bumped by every change, so that a gateway working from its in-memory copy of a visit cannot
-- overwrite a change another gateway instance made (its conditional update finds another version; the call is retried).
ALTER TABLE visit ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

-- Counters that writers outside the gateway (imports, staff edits) bump when they change what gateways keep in memory
-- (people and their identities, enrollments and accounts; institutions and agreements). Gateways poll them.
CREATE TABLE cache_epoch (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO cache_epoch (name, value) VALUES ('person', 0);
INSERT INTO cache_epoch (name, value) VALUES ('institution', 0);
