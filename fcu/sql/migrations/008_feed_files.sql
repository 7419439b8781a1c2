-- FCU for a team (fcu.team): each load's feed is a DuckDB file of its own under
-- FCU_DATA_DIR/feeds, named here; NULL in the embedded store, whose feed is in its one file.
ALTER TABLE loads ADD COLUMN snapshot VARCHAR;
