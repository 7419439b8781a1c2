"""Claim workload: claim one of the tenant's unclaimed workloads under an MPN location."""

from __future__ import annotations

import streamlit as st

from fcu import claims
from fcu.access import User
from fcu.db import Database
from fcu.tenant_workspace import TenantWorkspace
from fcu.ui import keys
from fcu.ui.workspace.submit import save_button


def show(db: Database, user: User, record: TenantWorkspace) -> None:
    tenant, unclaimed = record.tenant_id, record.unclaimed
    st.subheader("Claim workload")
    if unclaimed.empty:
        st.caption("Every workload listed on this tenant is claimed.")
        return
    locations = dict(record.claim_locations)
    names = dict(zip(unclaimed["workload"], unclaimed["display_name"], strict=True))
    st.caption(
        "Claim a workload no partner has claimed yet. The claim is submitted under the MPN "
        "location you choose and gets a claim number at once."
    )
    with st.form(keys.WS_CLAIM_WORKLOAD + tenant + ":form"):
        left, right = st.columns(2)
        left.selectbox(
            "Workload", list(names), format_func=names.get, key=keys.WS_CLAIM_WORKLOAD + tenant
        )
        right.selectbox(
            "MPN location",
            list(locations),
            format_func=lambda m: f"{m} · {locations[m]}",
            key=keys.WS_CLAIM_MPN + tenant,
        )

        def write():
            workload = st.session_state[keys.WS_CLAIM_WORKLOAD + tenant]
            return claims.claim_workload(
                db, user, tenant, workload, st.session_state[keys.WS_CLAIM_MPN + tenant]
            )

        save_button(
            "Claim workload",
            keys.WS_CLAIM_WORKLOAD + tenant + ":save",
            write,
            lambda claim: (
                f"Claimed {names[claim.workload]}: claim number {claim.claim_id} (submitted "
                f"under {claim.mpn_id})."
            ),
            form=True,
            claims_changed=True,
        )
