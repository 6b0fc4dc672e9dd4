-- Staff of the bureau and the web interface: accounts with roles, sessions, processed form requests (idempotency),
-- the window's pre-settlement drafts, figures entered by staff (raised fund, registered population) and bulletins.
-- Staff actions and views of personal data are recorded in audit_log (0001).

CREATE TABLE staff_user (
    username TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,                    -- clerk / reviewer / auditor / statistician / admin / institution
    fixmedins_code TEXT,                   -- the one institution an institution operator may see
    pw_hash TEXT NOT NULL,                 -- argon2id: "argon2id$m$t$p$salt_hex$hash_hex"
    failed BIGINT NOT NULL,                -- consecutive failed sign-ins
    locked_until TEXT,                     -- no sign-in before this time
    active BIGINT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE staff_session (
    token_hash TEXT PRIMARY KEY,           -- SHA-256 of the cookie's token (the token itself is never stored)
    username TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ended_at TEXT
);

-- A mutating form's request id, recorded with the action it caused: a resubmitted form finds it and does nothing.
CREATE TABLE web_request (
    request_id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    action TEXT NOT NULL,
    result TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- The service window's bill in progress: the visit its last pre-settlement registered.
CREATE TABLE window_draft (
    request_id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    psn_no TEXT NOT NULL,
    fixmedins_code TEXT NOT NULL,
    mdtrt_id TEXT NOT NULL,
    kind TEXT NOT NULL,                    -- otp / ipt
    content TEXT NOT NULL,                 -- digest of the bill the visit was registered for
    settle_input TEXT NOT NULL,            -- the 2207/2304 input that settles it
    updated_at TEXT NOT NULL
);

-- 全年筹资总额 by region, year and scheme, as entered by the statistician or administrator.
CREATE TABLE fund_budget (
    admdvs TEXT NOT NULL,
    year BIGINT NOT NULL,
    insutype TEXT NOT NULL,
    raised BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (admdvs, year, insutype)
);

-- 户籍人口 / 应参保人数 by region and year, for the coverage rate.
CREATE TABLE region_population (
    admdvs TEXT NOT NULL,
    year BIGINT NOT NULL,
    registered BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (admdvs, year)
);

CREATE TABLE bulletin (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    admdvs TEXT NOT NULL,
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    body TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX audit_at ON audit_log (at);
CREATE INDEX person_name ON person (psn_name);
CREATE INDEX enrollment_year ON enrollment (year, psn_insu_stas, insutype);
