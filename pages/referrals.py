"""Referrals: the requests for assistance assigned to the partner; open one to accept or
decline it and keep its status up to date."""

import streamlit as st

from fcu import export, referrals
from fcu.referrals import ACCEPTANCE, STATUSES, ReferralError, ReferralFilters
from fcu.ui import auth, keys, layout
from fcu.ui.data import clear_caches, database

user = layout.require(auth.current_user())
layout.header("Referrals")
st.caption(
    "Customers' requests for assistance (RFAs) assigned to your partner within your scope. "
    "Accept or decline each (a reason is required to decline) within 7 days of assignment, "
    "then keep its status up to date. Pick a referral below the list to see its details."
)
db = database()


def change(action: str, rfa_id: str, version: int) -> None:
    """Button callback: runs before the rerun, with the version the user was looking at."""
    try:
        if action == "accept":
            referrals.accept(db, user, rfa_id, version)
            text = f"Referral {rfa_id} accepted."
        elif action == "decline":
            reason = st.session_state.get(f"{keys.REFERRAL_REASON}_{rfa_id}", "")
            referrals.decline(db, user, rfa_id, reason, version)
            text = f"Referral {rfa_id} declined."
        else:
            status = st.session_state.get(f"{keys.REFERRAL_STATUS}_{rfa_id}", "")
            referrals.set_status(db, user, rfa_id, status, version)
            text = f"Status of referral {rfa_id} set to {STATUSES[status]}."
    except ReferralError as exc:
        st.session_state[keys.REFERRAL_MESSAGE] = ("error", str(exc))
        return
    clear_caches()
    st.session_state[keys.REFERRAL_MESSAGE] = ("success", text)


cols = st.columns([3, 2, 2, 2])
search = cols[0].text_input(
    "Search", key=keys.REFERRAL_SEARCH, placeholder="Tenant name, domain, Tenant ID or RFA ID"
)
acceptance = cols[1].multiselect(
    "Acceptance", list(ACCEPTANCE), format_func=ACCEPTANCE.get, key=keys.REFERRAL_ACCEPTANCE
)
statuses = cols[2].multiselect(
    "Status", list(STATUSES), format_func=STATUSES.get, key=keys.REFERRAL_STATUSES
)
late = cols[3].checkbox(
    "Not accepted in 7 days",
    key=keys.REFERRAL_LATE,
    help="Still unanswered 7 days after assignment, or accepted later than that.",
)
filters = ReferralFilters(search, tuple(acceptance), tuple(statuses), late)
with layout.fetching():
    frame = referrals.referrals(db, user, filters)

if frame.empty:
    st.info(
        "No referral matches. Clear the filters above; if the list stays empty, no referral "
        "is assigned to your partner within your scope in the loaded feed."
    )
    st.stop()
shown = frame.assign(
    acceptance=frame["acceptance"].map(ACCEPTANCE),
    status=frame["status"].map(STATUSES),
    workloads=frame["workloads"].map(", ".join),
)
st.dataframe(
    shown,
    hide_index=True,
    column_order=[
        "tenant_name",
        "rfa_id",
        "assigned_at",
        "acceptance",
        "status",
        "not_accepted_in_7_days",
        "mpn_id",
        "workloads",
    ],
    column_config={
        "tenant_name": "Tenant",
        "rfa_id": "RFA ID",
        "assigned_at": st.column_config.DatetimeColumn("Assigned (UTC)", format="YYYY-MM-DD"),
        "acceptance": "Acceptance",
        "status": "Status",
        "not_accepted_in_7_days": st.column_config.CheckboxColumn("Not accepted in 7 days"),
        "mpn_id": "MPN ID",
        "workloads": "RFA workloads",
    },
)
st.download_button(
    "Download CSV",
    export.to_csv(export.prepare(frame[referrals.EXPORT_COLUMNS], user, "referrals")),
    file_name="referrals.csv",
    mime="text/csv",
)

ids = frame["rfa_id"].tolist()
names = dict(zip(frame["rfa_id"], frame["tenant_name"], strict=True))
wanted = st.query_params.get("rfa")
if wanted in ids and st.session_state.get(keys.REFERRAL_OPEN) not in ids:
    st.session_state[keys.REFERRAL_OPEN] = wanted
rfa_id = st.selectbox(
    "Open a referral",
    ids,
    index=None,
    key=keys.REFERRAL_OPEN,
    format_func=lambda r: f"{r} · {names[r]}",
    placeholder="Choose a referral to see its details",
)
message = st.session_state.pop(keys.REFERRAL_MESSAGE, None)
if message:
    (st.success if message[0] == "success" else st.error)(message[1])
if rfa_id is None:
    st.stop()
with layout.fetching():
    detail = referrals.referral(db, user, rfa_id)
if detail is None:
    st.warning("This referral is no longer in your list. Pick another one.")
    st.stop()

st.subheader(f"Referral {detail.rfa_id}")
left, right = st.columns(2)
left.text(f"Tenant: {detail.tenant_name}")
left.text(f"Tenant domain: {detail.tenant_domain}")
left.text(f"Tenant ID: {detail.tenant_id}")
left.text(f"RFA ID: {detail.rfa_id}  ·  MPN ID: {detail.mpn_id}")
right.text(f"Assigned: {detail.assigned_at:%Y-%m-%d %H:%M} UTC")
right.text(f"RFA workloads: {', '.join(detail.workloads) or '—'}")
right.text(f"Acceptance: {ACCEPTANCE[detail.acceptance]}  ·  Status: {STATUSES[detail.status]}")
if detail.decline_reason:
    right.text(f"Decline reason: {detail.decline_reason}")
if detail.au_pct is not None:
    right.text(f"AU %: {detail.au_pct:.1f} %")
else:
    right.info(detail.au_message)
if detail.usage_link:
    st.page_link(
        "pages/tenant.py",
        label="Open the tenant's usage",
        query_params={"tenant": detail.tenant_id},
    )
else:
    st.caption("The tenant's usage can be opened here once your partner claims a workload there.")
if detail.not_accepted_in_7_days:
    st.warning("This referral was not accepted within 7 days of its assignment.")

st.markdown("**Accept or decline**")
a, d = st.columns([1, 3])
a.button(
    "Accept",
    type="primary",
    on_click=change,
    args=("accept", rfa_id, detail.version),
    disabled=detail.acceptance == "accepted",
)
d.text_area(
    "Reason for declining (required to decline)",
    key=f"{keys.REFERRAL_REASON}_{rfa_id}",
    max_chars=referrals.MAX_REASON,
    height=80,
)
d.button("Decline", on_click=change, args=("decline", rfa_id, detail.version))
s1, s2 = st.columns([3, 1])
s1.selectbox(
    "Status",
    list(STATUSES),
    index=list(STATUSES).index(detail.status),
    format_func=STATUSES.get,
    key=f"{keys.REFERRAL_STATUS}_{rfa_id}",
)
s2.button("Save status", on_click=change, args=("status", rfa_id, detail.version))

st.markdown("**Contacts**")
if detail.contacts.empty:
    st.caption("No contacts yet: add them on the tenant's page.")
else:
    st.dataframe(detail.contacts, hide_index=True)
st.markdown("**Notes history**")
if detail.notes.empty:
    st.caption("No status notes yet: add them on the tenant's page.")
else:
    st.dataframe(detail.notes, hide_index=True)
