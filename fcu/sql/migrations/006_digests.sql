-- The daily digest by email (see fcu.digest): who asked for it, and every send tried.
CREATE TABLE digest_subscriptions (
    email         VARCHAR PRIMARY KEY,        -- a user's email (lower-case)
    subscribed_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    subscribed_by VARCHAR NOT NULL            -- the user, an admin, or 'command line'
);
-- One row per user and day: 'sending' while a send is under way, then 'sent' or 'failed'.
-- The primary key is what keeps a day's digest from going twice; a failed one is tried
-- again by the next run of the same day.
CREATE TABLE digests (
    email      VARCHAR NOT NULL,
    day        DATE NOT NULL,
    partner_id VARCHAR NOT NULL,
    outcome    VARCHAR NOT NULL,              -- 'sending' | 'sent' | 'failed'
    items      INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 1,
    tried_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    message    VARCHAR,                       -- a failure's sentence
    PRIMARY KEY (email, day)
);
