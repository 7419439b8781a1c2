-- The movers (a tenant's change of Usage % and MAU since the month before and three months
-- before) are computed by the load. A feed loaded before this version gets the columns
-- empty, shown as no value, until the next load fills them.
ALTER TABLE IF EXISTS feed_tenant_workload ADD COLUMN IF NOT EXISTS mau_1m BIGINT;
ALTER TABLE IF EXISTS feed_tenant_workload ADD COLUMN IF NOT EXISTS pau_1m BIGINT;
ALTER TABLE IF EXISTS feed_tenant_workload ADD COLUMN IF NOT EXISTS mau_3m BIGINT;
ALTER TABLE IF EXISTS feed_tenant_workload ADD COLUMN IF NOT EXISTS pau_3m BIGINT;
ALTER TABLE IF EXISTS feed_partner_tenant ADD COLUMN IF NOT EXISTS usage_change_1m DOUBLE;
ALTER TABLE IF EXISTS feed_partner_tenant ADD COLUMN IF NOT EXISTS mau_change_1m BIGINT;
ALTER TABLE IF EXISTS feed_partner_tenant ADD COLUMN IF NOT EXISTS usage_change_3m DOUBLE;
ALTER TABLE IF EXISTS feed_partner_tenant ADD COLUMN IF NOT EXISTS mau_change_3m BIGINT;
