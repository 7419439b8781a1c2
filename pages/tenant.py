"""Tenant details, addressed by ?tenant=<Tenant ID> (and &section=<section>) so a link can be
shared."""

import streamlit as st

from fcu import portfolio, tenant_workspace
from fcu.ui import auth, data, layout, tables, workspace
from fcu.ui.data import database

# One sentence for unknown, malformed, out-of-scope and other partners' IDs alike: it must
# not reveal whether a tenant exists.
NOT_AVAILABLE = (
    "No tenant with this Tenant ID is available to you. Check the ID, or open the tenant "
    "from the Tenants page."
)

user = layout.require(auth.current_user())
layout.header("Tenant details")
db = database()
requested = st.query_params.get("tenant", "")

with layout.fetching():  # the one check of the tenant: what follows reads the visible view
    view = portfolio.tenant_view(db, user, requested)
if view.status == "not_found":
    st.warning(NOT_AVAILABLE)
    st.page_link("pages/tenants.py", label="Back to Tenants", icon=":material/arrow_back:")
    st.stop()

st.header(tables.plain(view.tenant_name))
st.caption("Tenant ID")
st.code(view.tenant_id, language=None)
if view.status == "not_in_fasttrack":
    st.info(
        "This tenant is not in FastTrack: it has fewer than 150 FastTrack-eligible licences. "
        "FCU shows no usage or earnings figures for it, although your partner holds a claim "
        "on it."
    )
    st.stop()
st.caption(
    tables.plain(
        f"{view.tenant_domain} · {view.country} · {view.segment} · "
        f"MPN location {', '.join(view.mpn_ids)}"
    )
)

tiles = st.columns(5 if user.sees_revenue else 3)
tiles[0].metric("Usage %", tables.pct(view.usage_pct), help="Σ MAU / Σ PAU × 100.")
tiles[1].metric("MAU", tables.count(view.mau), help="Monthly active users (28 days).")
tiles[2].metric("PAU", tables.count(view.pau), help="Paid available units.")
if user.sees_revenue:
    tiles[3].metric("Potential earnings", tables.usd(view.potential_earnings))
    tiles[4].metric("Unclaimed opportunity", tables.usd(view.unclaimed_opportunity))

# The sections (workloads and usage, notes, contacts, service status, intent notes): the one
# the URL names is drawn, from the workspace read once.
with layout.fetching():
    workloads = data.tenant_workloads(user, view.tenant_id)
    record = tenant_workspace.read(db, user, view, workloads)
workspace.render(db, user, record)
