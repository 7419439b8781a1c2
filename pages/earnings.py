"""Earnings (Executive report viewers): where the portfolio's money is, and what a higher
usage would bring."""

import streamlit as st

import fcu.countries
from fcu import earnings
from fcu.ui import auth, charts, keys, layout, tables

# A Report viewer who types /earnings stops here: the menu hides the page, this refuses it.
user = layout.require(auth.current_user(), revenue=True)
layout.header("Earnings")
st.caption(
    "Potential earnings are the incentives of the workloads your partner has claimed; "
    "unclaimed opportunity is what the unclaimed workloads of your tenants would add. "
    "Both use the current month's PAU, the highest MAU so far and the rate card. "
    "Find where to act (the top tenants link to each), then open the tenant to claim or engage."
)


def frame(name: str):
    with layout.fetching():
        return charts.earnings_frame(name, user)


def download(data, name: str) -> None:
    st.download_button(
        "Download CSV",
        charts.csv_of(data, user, name),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"download_{name}",
    )


def breakdown(data, name: str, label: str, title: str, axis_title: str) -> None:
    """A chart of the largest, every row a click away, and the CSV."""
    st.plotly_chart(charts.breakdown(data, label, title, axis_title), key=f"chart_{name}")
    with st.expander(f"{axis_title}: all {len(data):,} rows"):
        st.dataframe(
            data,
            hide_index=True,
            column_order=[label, "potential_earnings", "unclaimed_opportunity"],
            column_config={label: axis_title, **tables.USD_COLUMNS},
            key=f"table_{name}",
        )
    download(data, name)


workloads = frame("earnings_by_workload")
k1, k2 = st.columns(2)
k1.metric("Potential earnings (USD)", f"{workloads['potential_earnings'].sum():,.0f}")
k2.metric("Unclaimed opportunity (USD)", f"{workloads['unclaimed_opportunity'].sum():,.0f}")
if workloads.empty:
    st.info(
        "No tenant with usage is visible to you yet: earnings appear once your partner holds "
        "an active claim on a tenant in FastTrack within your scope."
    )
    st.stop()

left, right = st.columns(2)
with left:
    breakdown(workloads, "earnings_by_workload", "display_name", "By workload", "Workload")
with right:
    mpns = frame("earnings_by_mpn")
    breakdown(mpns, "earnings_by_mpn", "location_name", "By MPN location", "MPN location")
    st.caption(earnings.HOLDING_RULE)
left, right = st.columns(2)
with left:
    countries = frame("earnings_by_country")
    named = countries.assign(country_name=countries["country"].map(fcu.countries.name))
    breakdown(named, "earnings_by_country", "country_name", "By country", "Country")
with right:
    months = frame("earnings_by_month")
    st.plotly_chart(charts.over_months(months), key="chart_month")
    st.caption("Each month with today's claims and rate card, that month's PAU and the HWM then.")
    download(months, "earnings_by_month")

st.subheader("What if usage rose?")
target = st.slider(
    "Target Usage %",
    min_value=0,
    max_value=100,
    value=80,
    step=earnings.WHAT_IF_STEP,
    key=keys.EARNINGS_TARGET,
    help="Every eligible workload's MAU raised to this share of its PAU (never lowered).",
)
with layout.fetching():
    result = charts.what_if(user, float(target))
w1, w2 = st.columns(2)
w1.metric(
    f"Claimed workloads at {target} % (USD)",
    f"{result.claimed_earnings:,.0f}",
    help=f"Of {result.potential_earnings:,.0f} USD were every claimed workload fully used.",
)
w2.metric(
    f"Unclaimed workloads at {target} %, once claimed (USD)", f"{result.unclaimed_earnings:,.0f}"
)

st.subheader("Top tenants by opportunity")
st.caption("Select a row to open the tenant.")
top = frame("earnings_top_tenants")
picked = st.dataframe(
    top,
    hide_index=True,
    column_order=["tenant_name", "country", "potential_earnings", "unclaimed_opportunity"],
    column_config={
        "tenant_name": "Tenant",
        "country": "Country",
        **tables.USD_COLUMNS,
    },
    on_select="rerun",
    selection_mode="single-row",
    key="earnings_top_table",
)
download(top.drop(columns=["link"]), "earnings_top_tenants")
rows = picked.selection.rows if picked else []
if rows:
    st.switch_page("pages/tenant.py", query_params={"tenant": top.iloc[rows[0]]["tenant_id"]})
