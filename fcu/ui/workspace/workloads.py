"""Workloads and usage: the partner's claimed workloads as a table (figures and their change
since last month and three months ago), each unclaimed workload on a row of its own with
its MPN location and **Claim workload**, and the usage trend charts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fcu import claims
from fcu.access import User
from fcu.db import Database
from fcu.tenant_workspace import TenantWorkspace
from fcu.ui import charts, data, keys, tables
from fcu.ui.workspace.submit import save_button

# An unclaimed row's columns (heading -> width); the opportunity for revenue users only.
ROW_COLUMNS = {
    "Workload": 1.7,
    "Usage % (vs last month)": 1.5,
    "MAU": 0.7,
    "PAU": 0.7,
    "Incentives": 1.2,
    "Opportunity": 1.3,
    "MPN location": 1.9,
    "": 1.8,  # the Claim workload button
}


def _row_columns(user: User) -> dict[str, float]:
    return {h: w for h, w in ROW_COLUMNS.items() if user.sees_revenue or h != "Opportunity"}


def show(db: Database, user: User, record: TenantWorkspace) -> None:
    claimed = record.workloads[record.workloads["claim_id"].notna()]
    st.subheader("Claimed by your partner")
    st.dataframe(
        tables.workloads_table(claimed, user),
        hide_index=True,
        column_config=tables.change_column_config(short=True),
    )
    _unclaimed(db, user, record)
    _trend(user, record.tenant_id)


def _unclaimed(db: Database, user: User, record: TenantWorkspace) -> None:
    unclaimed = record.unclaimed
    st.subheader("Unclaimed: no partner has claimed these yet")
    if unclaimed.empty:
        st.caption("Every workload listed on this tenant is claimed.")
        return
    st.caption(
        "Workloads claimed by another partner are not listed. A claim is submitted under the "
        "MPN location chosen on its row and gets a claim number at once."
    )
    locations = dict(record.claim_locations)
    layout = _row_columns(user)
    for column, head in zip(st.columns(list(layout.values())), layout, strict=True):
        column.caption(head)
    for _, row in unclaimed.iterrows():  # each cell chosen below: no revenue unless allowed
        _claim_row(db, user, record.tenant_id, row, locations)


def _claim_row(db: Database, user: User, tenant: str, row, locations: dict[str, str]) -> None:
    workload, name = str(row["workload"]), str(row["display_name"])
    suffix = f"{tenant}:{workload}"
    mpn_key = keys.WS_CLAIM_MPN + suffix
    with st.form(keys.WS_CLAIM_WORKLOAD + suffix + ":form", border=False):
        layout = _row_columns(user)
        columns = st.columns(list(layout.values()), vertical_alignment="center")
        cells = dict(zip(layout, columns, strict=True))
        change = row["usage_change_1m"]
        moved = "" if pd.isna(change) else f" ({change:+.1f})"
        cells["Workload"].text(name)
        cells["Usage % (vs last month)"].text(tables.pct(row["usage_pct"]) + moved)
        cells["MAU"].text(tables.count(row["mau"]))
        cells["PAU"].text(tables.count(row["pau"]))
        cells["Incentives"].text(tables.incentives(row["rate_per_unit"]))
        if "Opportunity" in cells:
            cells["Opportunity"].text(tables.usd(row["potential_earnings"]))
        cells["MPN location"].selectbox(
            f"MPN location for {name}",
            list(locations),
            format_func=lambda m: f"{m} · {locations[m]}",
            key=mpn_key,
            label_visibility="collapsed",
        )

        def write():
            return claims.claim_workload(db, user, tenant, workload, st.session_state[mpn_key])

        save_button(
            "Claim workload",
            keys.WS_CLAIM_WORKLOAD + suffix + ":save",
            write,
            lambda claim: (
                f"Claimed {name}: claim number {claim.claim_id} (submitted under {claim.mpn_id})."
            ),
            form=True,
            place=cells[""],
            claims_changed=True,
        )


def _trend(user: User, tenant: str) -> None:
    st.subheader("Usage trend")
    trend = data.tenant_trend(user, tenant)
    if trend.empty:
        st.info("No monthly usage has been reported for this tenant's workloads yet.")
        return
    left, right = st.columns(2)
    for column, field, label in ((left, "usage_pct", "Usage %"), (right, "mau", "MAU")):
        column.plotly_chart(charts.trend_figure(user, tenant, field, label), width="stretch")
