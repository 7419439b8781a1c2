"""Session state keys, named in one place. Big data never lives in session state."""

DEMO_EMAIL = "fcu_demo_email"  # demo mode: the email picked in "Signed in as"
TENANT_FILTERS = "fcu_tenant_filters"  # Tenants page: the TenantFilters in force
TENANT_PAGE = "fcu_tenant_page"  # Tenants page: page number of the table
# Tenants page widgets (their values are copied into TENANT_FILTERS / TENANT_PAGE each run,
# because Streamlit drops a widget's state while another page is shown).
TENANT_SEARCH = "fcu_tenants_search"
TENANT_USAGE = "fcu_tenants_usage"
TENANT_WORKLOADS = "fcu_tenants_workloads"
TENANT_STATUSES = "fcu_tenants_statuses"
TENANT_COUNTRIES = "fcu_tenants_countries"
TENANT_MPNS = "fcu_tenants_mpns"
TENANT_FLAGS = "fcu_tenants_flags"
TENANT_SORT = "fcu_tenants_sort"
TENANT_DESCENDING = "fcu_tenants_descending"
TENANT_PAGER = "fcu_tenants_pager"
TENANT_TABLE = "fcu_tenants_table"  # the table's row selection
FLASH = "fcu_flash"  # a message to show once on the next run (e.g. "Note saved")
