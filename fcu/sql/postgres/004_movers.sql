-- 004 adds columns to feed tables, which live in DuckDB only.
SELECT 1;
