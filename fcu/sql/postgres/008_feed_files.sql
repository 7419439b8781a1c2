-- FCU for a team (fcu.team). Each load's feed is a DuckDB file of its own under
-- FCU_DATA_DIR/feeds, named in its row of loads.
ALTER TABLE loads ADD COLUMN snapshot VARCHAR;

-- What the app processes poll: one row per workspace table, bumped by every statement that
-- changes the table, in the changing transaction. The bump takes the row's lock, so writers
-- of one table commit their bumps in order and a reader that saw version N has seen every
-- change up to it.
CREATE TABLE fcu_changes (
    table_name VARCHAR PRIMARY KEY,
    version    BIGINT NOT NULL DEFAULT 0
);
CREATE FUNCTION fcu_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE fcu_changes SET version = version + 1 WHERE table_name = TG_TABLE_NAME;
    RETURN NULL;
END $$;
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['users', 'loads', 'audit', 'notes', 'contacts', 'service_status',
                             'intent_notes', 'app_claims', 'referral_state', 'syncs',
                             'digest_subscriptions', 'digests'] LOOP
        INSERT INTO fcu_changes (table_name) VALUES (t);
        EXECUTE format('CREATE TRIGGER fcu_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
                       'ON %I FOR EACH STATEMENT EXECUTE FUNCTION fcu_bump()', t);
    END LOOP;
END $$;

-- DuckDB's MAP(keys, values), as the embedded store's statements write it (fcu.feed.swap).
CREATE FUNCTION map(keys VARCHAR[], vals BIGINT[]) RETURNS JSON LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(json_object_agg(keys[i], vals[i]), '{}'::json)
    FROM generate_subscripts(keys, 1) AS i
$$;
