"""Session state keys, named in one place. Big data never lives in session state."""

DEMO_EMAIL = "fcu_demo_email"  # demo mode: the email picked in "Signed in as"
TENANT_FILTERS = "fcu_tenant_filters"  # Tenants page: the TenantFilters in force
TENANT_PAGE = "fcu_tenant_page"  # Tenants page: page number of the table
FLASH = "fcu_flash"  # a message to show once on the next run (e.g. "Note saved")
