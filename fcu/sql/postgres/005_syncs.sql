-- 005 in PostgreSQL's dialect (DOUBLE is DOUBLE PRECISION).
-- Syncs from the Partner Center Insights API (see fcu.sync): when, what, outcome.
CREATE SEQUENCE sync_seq START 1;
CREATE TABLE syncs (
    sync_id     BIGINT PRIMARY KEY DEFAULT nextval('sync_seq'),
    partner_id  VARCHAR NOT NULL,
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    started_by  VARCHAR,
    outcome     VARCHAR NOT NULL,             -- 'loaded' | 'failed'
    reports     VARCHAR,                      -- the reports downloaded, with their sizes
    report_rows BIGINT,                       -- rows of the reports loaded
    seconds     DOUBLE PRECISION,
    message     VARCHAR,                      -- a failure's sentence, or the summary's
    load_id     BIGINT                        -- the load it made (loads.load_id)
);
