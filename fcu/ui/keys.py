"""Session state keys, named in one place. Big data never lives in session state."""

DEMO_EMAIL = "fcu_demo_email"  # demo mode: the email picked in "Signed in as"
BOUND_SUBJECT = "fcu_bound_subject"  # sign-in: (email, subject) checked against the user record
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
TENANT_MOVEMENT = "fcu_tenants_movement"
TENANT_BAND = "fcu_tenants_band"
TENANT_BAND_CHART = "fcu_tenants_band_chart"  # the Usage % band chart's selection
TENANT_SORT = "fcu_tenants_sort"
TENANT_DESCENDING = "fcu_tenants_descending"
TENANT_PAGER = "fcu_tenants_pager"
TENANT_TABLE = "fcu_tenants_table"  # the table's row selection
FLASH = "fcu_flash"  # a message to show once on the next run (e.g. "Note saved")
# Referrals page
REFERRAL_SEARCH = "fcu_referrals_search"
REFERRAL_ACCEPTANCE = "fcu_referrals_acceptance"
REFERRAL_STATUSES = "fcu_referrals_statuses"
REFERRAL_LATE = "fcu_referrals_late"
REFERRAL_OPEN = "fcu_referrals_open"  # the RFA ID whose details are shown
REFERRAL_REASON = "fcu_referrals_reason"  # decline reason being typed
REFERRAL_STATUS = "fcu_referrals_status"  # status being chosen
REFERRAL_MESSAGE = "fcu_referrals_message"  # (kind, text) after accept/decline/status
# Earnings, Data and Admin pages
EARNINGS_TARGET = "fcu_earnings_target"  # what-if target Usage %
DATA_UPLOAD = "fcu_data_upload"
DATA_SOURCE = "fcu_data_source"  # what an upload holds: FCU's feed or Partner Center reports
DATA_PARTNER = "fcu_data_partner"  # whose Partner Center reports
DATA_RESULT = "fcu_data_result"  # the last upload's outcome, shown once
ADMIN_EDIT = "fcu_admin_edit"  # email of the user being edited ('' for a new one)
ADMIN_MESSAGE = "fcu_admin_message"  # (kind, text) after a save or removal
TENANT_SECTION = "fcu_tenant_section"  # Tenant details: the section shown (?section=)
# Tenant details: the partner's workspace (fcu/ui/workspace/). Keys ending in ":" are
# prefixes completed with the tenant (and workload or row) they belong to.
WS_NOTE_FORM = "fcu_ws_note_form:"  # + tenant: the Add note form is open
WS_NOTE_HISTORY = "fcu_ws_note_history:"  # + tenant: View all history is on
WS_CONTACT_MODE = "fcu_ws_contact_mode:"  # + tenant: 'new' | 'edit' | 'delete' | None
WS_CONTACT_PICK = "fcu_ws_contact_pick:"  # + tenant: the contact chosen to edit or delete
WS_CONTACT_VERSION = "fcu_ws_contact_version:"  # + tenant: {contact_id: version when opened}
WS_CONTACT_FIELD = "fcu_ws_contact_field:"  # + mode:contact:field: the form's widgets
WS_STATUS_WORKLOAD = "fcu_ws_status_workload:"  # + tenant: the workload whose status is shown
WS_STATUS_ROWS = "fcu_ws_status_rows:"  # + tenant:workload: {"uids": [...], "version": n}
WS_STATUS_FIELD = "fcu_ws_status_field:"  # + tenant:workload:uid:level: a row's widgets
WS_INTENT_WORKLOAD = "fcu_ws_intent_workload:"  # + tenant: the workload whose note is shown
WS_INTENT_TEXT = "fcu_ws_intent_text:"  # + tenant:workload: the note being written
WS_INTENT_BASE = "fcu_ws_intent_base:"  # + tenant:workload: current note ID when writing began
WS_CLAIM_WORKLOAD = "fcu_ws_claim_workload:"  # + tenant:workload: its Claim workload row
WS_CLAIM_MPN = "fcu_ws_claim_mpn:"  # + tenant:workload: the MPN location to claim under
WS_STALE = "fcu_ws_stale"  # the sentence of a save refused because someone saved first
WS_REFUSED = "fcu_ws_refused:"  # + a Save button's key: the sentence of a refused save
# My work
WORK_TEAM = "fcu_work_team"  # admins and executives: show every owner's next actions
WORK_DIGEST = "fcu_work_digest"  # the daily digest toggle
WORK_MESSAGE = "fcu_work_message"  # (kind, text) after the digest setting changed
LANDED = "fcu_landed"  # the email whose first page after sign-in was decided this session
