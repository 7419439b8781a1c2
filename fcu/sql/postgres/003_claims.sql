-- 003 defines DuckDB macros over the feed's claims; the feed is DuckDB's in every store (the
-- team store's processes define them in their own DuckDB), so PostgreSQL has nothing to add.
SELECT 1;
