-- 001 in PostgreSQL's dialect (fcu/sql/migrations/001_workspace.sql is the embedded one):
-- the same tables and columns; a MAP is JSON (kept as written, as DuckDB keeps it).
CREATE TABLE users (
    email       VARCHAR PRIMARY KEY,          -- stored lower-case
    partner_id  VARCHAR NOT NULL,
    role        VARCHAR CHECK (role IN ('executive', 'report')),  -- NULL: no role yet
    is_admin    BOOLEAN NOT NULL DEFAULT false,
    scope_mpns  VARCHAR[],                    -- NULL: entire organisation
    display_name VARCHAR,
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE SEQUENCE load_seq START 1;
CREATE TABLE loads (
    load_id       BIGINT PRIMARY KEY DEFAULT nextval('load_seq'),
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    loaded_by     VARCHAR,
    source        VARCHAR,
    outcome       VARCHAR NOT NULL,           -- 'loaded' | 'refused' | 'failed'
    current_month VARCHAR,
    rows_per_file JSON,                     -- DuckDB: MAP(VARCHAR, BIGINT)
    error_count   BIGINT NOT NULL DEFAULT 0,
    errors        VARCHAR                     -- first problems, one per line
);
CREATE SEQUENCE audit_seq START 1;
CREATE TABLE audit (
    audit_id   BIGINT PRIMARY KEY DEFAULT nextval('audit_seq'),
    at_time    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    actor      VARCHAR NOT NULL,
    partner_id VARCHAR,
    action     VARCHAR NOT NULL,              -- e.g. 'note.add', 'contact.edit'
    tenant_id  VARCHAR,
    entity_key VARCHAR,
    before     JSON,
    after      JSON
);
CREATE SEQUENCE note_seq START 1;
CREATE TABLE notes (
    note_id           BIGINT PRIMARY KEY DEFAULT nextval('note_seq'),
    partner_id        VARCHAR NOT NULL,
    tenant_id         VARCHAR NOT NULL,
    onboarding_scope  VARCHAR,
    risks             VARCHAR,
    next_actions      VARCHAR,
    next_action_date  DATE,
    next_action_owner VARCHAR,
    author            VARCHAR NOT NULL,
    created_at        TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE SEQUENCE contact_seq START 1;
CREATE TABLE contacts (
    contact_id       BIGINT PRIMARY KEY DEFAULT nextval('contact_seq'),
    partner_id       VARCHAR NOT NULL,
    tenant_id        VARCHAR NOT NULL,
    kind             VARCHAR NOT NULL CHECK (kind IN ('customer', 'partner')),
    name             VARCHAR NOT NULL,
    email            VARCHAR NOT NULL,        -- stored lower-case
    country          VARCHAR,
    survey_language  VARCHAR,
    services         VARCHAR[] NOT NULL,
    survey_eligible  BOOLEAN NOT NULL DEFAULT false,
    version          INTEGER NOT NULL DEFAULT 1,
    created_by       VARCHAR NOT NULL,
    created_at       TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_by       VARCHAR,
    updated_at       TIMESTAMP,
    UNIQUE (partner_id, tenant_id, email)
);
CREATE TABLE service_status (
    partner_id VARCHAR NOT NULL,
    tenant_id  VARCHAR NOT NULL,
    workload   VARCHAR NOT NULL,
    entries    JSON NOT NULL,                 -- [{"l1":..,"l2":..,"l3":..,"count":..}]
    version    INTEGER NOT NULL,
    updated_by VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (partner_id, tenant_id, workload)
);
CREATE SEQUENCE intent_seq START 1;
CREATE TABLE intent_notes (
    intent_id  BIGINT PRIMARY KEY DEFAULT nextval('intent_seq'),
    partner_id VARCHAR NOT NULL,
    tenant_id  VARCHAR NOT NULL,
    workload   VARCHAR NOT NULL,
    text       VARCHAR NOT NULL,
    warnings   VARCHAR[] NOT NULL,
    author     VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE SEQUENCE app_claim_seq START 1;
CREATE TABLE app_claims (
    claim_id     VARCHAR PRIMARY KEY,
    tenant_id    VARCHAR NOT NULL,
    workload     VARCHAR NOT NULL,
    partner_id   VARCHAR NOT NULL,
    mpn_id       VARCHAR NOT NULL,
    status       VARCHAR NOT NULL DEFAULT 'submitted',
    submitted_on DATE NOT NULL,
    created_by   VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    UNIQUE (tenant_id, workload)
);
CREATE TABLE referral_state (
    partner_id     VARCHAR NOT NULL,
    rfa_id         VARCHAR NOT NULL,
    acceptance     VARCHAR NOT NULL DEFAULT 'pending',  -- pending | accepted | declined
    decline_reason VARCHAR,
    status         VARCHAR,                             -- see fcu.referrals.STATUSES
    decided_at     TIMESTAMP,                           -- when last accepted or declined
    version        INTEGER NOT NULL DEFAULT 1,
    updated_by     VARCHAR NOT NULL,
    updated_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (partner_id, rfa_id)
);
