-- Claims, defined once for every query that asks who holds a workload.
--
-- A claim in one of these statuses is active: it attributes the workload to its partner, and a
-- tenant-workload holds at most one. Denied and disassociated claims are kept for the record.
CREATE MACRO is_active_claim(status) AS
    status IN ('submitted', 'approved', 'approved-pending-data');

-- Every claim: the feed's (the table named by `claims`: feed_claims, or stg_claims while a
-- load computes its figures), and the app's until the feed carries a claim for that
-- tenant-workload (an active one, or one submitted on or after the app's, e.g. its denial);
-- an older denied or disassociated feed claim does not hide a new claim made in the app.
-- A filter on tenant_id reaches both halves, so one tenant's claims cost the same whatever
-- the size of the feed.
CREATE MACRO effective_claims(claims) AS TABLE
    SELECT claim_id, tenant_id, workload, partner_id, mpn_id, status, submitted_on,
           approved_on, 'feed' AS origin
    FROM query_table(claims)
    UNION ALL
    SELECT a.claim_id, a.tenant_id, a.workload, a.partner_id, a.mpn_id, a.status,
           a.submitted_on, CAST(NULL AS DATE), 'app'
    FROM app_claims a
    WHERE NOT EXISTS (SELECT 1 FROM query_table(claims) c
                      WHERE c.tenant_id = a.tenant_id AND c.workload = a.workload
                        AND (is_active_claim(c.status) OR c.submitted_on >= a.submitted_on));

-- The claims that hold their workload now.
CREATE MACRO active_claims(claims) AS TABLE
    SELECT * FROM effective_claims(claims) WHERE is_active_claim(status);
