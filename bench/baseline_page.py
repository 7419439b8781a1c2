"""The pandas baseline: a Tenants page written the way most Streamlit dashboards are.

The feed's CSV files are read into DataFrames once per process (``st.cache_resource``), and
every rerun filters and aggregates them in pandas: the current month's usage rows, the
partner's active claims, per-tenant sums, the Usage % and search filters, KPIs and the whole
filtered table in ``st.dataframe``. It is not part of FCU; the benchmark compares FCU's
Tenants page against it. BENCH_FEED names the feed folder, BENCH_PARTNER the partner.
"""

import os

import pandas as pd
import streamlit as st

FEED = os.environ.get("BENCH_FEED", "bench/.cache/feed-1000")
PARTNER = os.environ.get("BENCH_PARTNER", "P1")
ACTIVE = ["submitted", "approved", "approved-pending-data"]


@st.cache_resource
def load(folder: str) -> dict[str, pd.DataFrame]:
    return {
        name: pd.read_csv(os.path.join(folder, f"{name}.csv"))
        for name in ("tenants", "usage", "claims")
    }


data = load(FEED)
usage, tenants, claims = data["usage"], data["tenants"], data["claims"]

st.title("Tenants (pandas baseline)")
search = st.text_input("Search", key="search")
low, high = st.slider("Usage %", 0.0, 300.0, (0.0, 300.0), step=1.0, key="usage")

mine = claims[(claims["partner_id"] == PARTNER) & claims["status"].isin(ACTIVE)]
current = usage[usage["month"] == usage["month"].max()]
current = current[current["tenant_id"].isin(mine["tenant_id"])]
per_tenant = current.groupby("tenant_id")[["mau", "pau"]].sum()
per_tenant["usage_pct"] = per_tenant["mau"] / per_tenant["pau"].where(per_tenant["pau"] > 0) * 100
table = tenants.merge(per_tenant, left_on="tenant_id", right_index=True)
table = table[table["eligible_licenses"] >= 150]
if search:
    text = search.lower()
    table = table[
        table["tenant_name"].str.lower().str.contains(text, regex=False)
        | table["tenant_domain"].str.lower().str.contains(text, regex=False)
        | table["tenant_id"].str.contains(text, regex=False)
    ]
if low > 0 or high < 300:
    table = table[table["usage_pct"].between(low, high)]
table = table.sort_values("tenant_name")

tiles = st.columns(4)
tiles[0].metric("Tenants", f"{len(table):,}")
tiles[1].metric("Average Usage %", f"{table['usage_pct'].mean():.1f} %")
tiles[2].metric("Total MAU", f"{int(table['mau'].sum()):,}")
tiles[3].metric("Total PAU", f"{int(table['pau'].sum()):,}")
st.dataframe(table, hide_index=True)
