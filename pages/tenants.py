"""Tenants (home): KPI tiles, filters, the paged table, a click to open a tenant, CSV."""

import streamlit as st

from fcu import export, portfolio
from fcu.ui import auth, charts, filters, keys, layout, tables
from fcu.ui.data import database, filter_options

user = layout.require(auth.current_user())
layout.header("Tenants")
db = database()
if "tenant" in st.query_params:  # left over from a tenant's address after "Back"
    del st.query_params["tenant"]

with layout.fetching():
    options = filter_options(user)
chosen = filters.tenant_filters(user, options)
with layout.fetching():
    kpis = portfolio.kpis(db, user, chosen)

tiles = st.columns(4)
tiles[0].metric("Tenants", tables.count(kpis.tenants))
tiles[1].metric(
    "Average Usage %",
    tables.pct(kpis.average_usage_pct),
    help="The mean of the tenants' Usage % (tenants without a Usage % are left out).",
)
tiles[2].metric("Total MAU", tables.count(kpis.mau), help="Monthly active users, summed.")
tiles[3].metric("Total PAU", tables.count(kpis.pau), help="Paid available units, summed.")
if user.sees_revenue:  # a second row: six tiles side by side cut big figures short
    tiles = st.columns(4)
    tiles[0].metric(
        "Potential earnings",
        tables.usd(kpis.potential_earnings),
        help="Opportunity units × rate per unit, over the workloads you have claimed.",
    )
    tiles[1].metric(
        "Unclaimed opportunity",
        tables.usd(kpis.unclaimed_opportunity),
        help="What the unclaimed workloads of these tenants could earn once claimed.",
    )

if kpis.tenants == 0:
    st.info(
        "No tenant matches. Clear the search or widen the filters; if the list stays empty, "
        "the Help page explains which tenants you can see."
    )
    st.stop()

st.plotly_chart(
    charts.usage_bands(kpis.bands, chosen.usage_band),
    on_select=filters.pick_band,
    selection_mode="points",
    key=keys.TENANT_BAND_CHART,
    config={"displayModeBar": False},
)

page = filters.page_number(kpis.tenants)
with layout.fetching():
    rows = portfolio.tenants(
        db, user, chosen, limit=tables.PAGE_SIZE, offset=(page - 1) * tables.PAGE_SIZE
    )
shown = tables.tenants_table(rows, user, options.workloads)
first = (page - 1) * tables.PAGE_SIZE + 1
st.caption(
    f"Tenants {first:,}–{first + len(rows) - 1:,} of {kpis.tenants:,}. "
    "Select a row, or click its Usage %, to open the tenant."
)
event = st.dataframe(
    shown,
    hide_index=True,
    column_config=tables.tenants_column_config(),
    on_select="rerun",
    selection_mode="single-row",
    key=keys.TENANT_TABLE,
)
if event.selection.rows:
    picked = shown.iloc[event.selection.rows[0]]["Tenant ID"]
    st.switch_page("pages/tenant.py", query_params={"tenant": picked})

st.download_button(
    "Download CSV",
    # the rights of the moment of the click, not of the drawing
    data=lambda: export.at_the_click(export.tenants_csv, db, user.email, chosen),
    file_name="tenants.csv",
    mime="text/csv",
    on_click="ignore",
    icon=":material/download:",
    help="Every tenant that matches the filters (not just this page), as a CSV file.",
)
