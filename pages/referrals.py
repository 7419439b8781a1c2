"""Referrals: the requests for assistance assigned to the partner; open one to accept or
decline it and keep its status up to date."""

import streamlit as st

from fcu import export, referrals
from fcu.referrals import ACCEPTANCE, STATUSES, ReferralError, ReferralFilters
from fcu.ui import auth, data, keys, layout, tables
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
    reason = st.session_state.get(f"{keys.REFERRAL_REASON}_{rfa_id}", "")
    status = st.session_state.get(f"{keys.REFERRAL_STATUS}_{rfa_id}_{version}", "")
    try:
        if action == "accept":
            referrals.accept(db, user, rfa_id, version)
        elif action == "decline":
            referrals.decline(db, user, rfa_id, reason, version)
        else:
            referrals.set_status(db, user, rfa_id, status, version)
    except ReferralError as exc:
        st.session_state[keys.REFERRAL_MESSAGE] = ("error", str(exc))
        return
    clear_caches()
    done = {"accept": "accepted", "decline": "declined"}.get(action, "saved")
    st.session_state[keys.REFERRAL_MESSAGE] = ("success", f"Referral {rfa_id} {done}.")


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
    listed = data.referral_list(user, filters)  # the columns shown alone reach the browser

if listed.empty:
    st.info("No referral matches. Clear the filters; if none remain, none is assigned to you.")
    st.stop()
st.dataframe(
    listed,
    hide_index=True,
    column_config={
        **referrals.LIST_LABELS,
        "assigned_at": st.column_config.DatetimeColumn("Assigned (UTC)", format="YYYY-MM-DD"),
        "not_accepted_in_7_days": st.column_config.CheckboxColumn("Not accepted in 7 days"),
    },
)
st.download_button(
    "Download CSV",
    # the rights of the moment of the click, not of the drawing
    data=lambda: export.at_the_click(export.referrals_csv, db, user.email, filters),
    file_name="referrals.csv",
    mime="text/csv",
    on_click="ignore",
)

ids = listed["rfa_id"].tolist()
names = dict(zip(ids, listed["tenant_name"].tolist(), strict=True))  # (lists: not cell by cell)
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

st.subheader(f"Referral {tables.plain(detail.rfa_id)}")
st.text("\n".join(detail.facts))
if detail.au_message:
    st.info(detail.au_message)
if detail.usage_link:
    tenant = {"tenant": detail.tenant_id}
    st.page_link("pages/tenant.py", label="Open the tenant's usage", query_params=tenant)
else:
    st.caption("The tenant's usage can be opened here once your partner claims a workload there.")
if detail.not_accepted_in_7_days:
    st.warning("This referral was not accepted within 7 days of its assignment.")

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
    key=f"{keys.REFERRAL_STATUS}_{rfa_id}_{detail.version}",  # a new version resets it
)
s2.button("Save status", on_click=change, args=("status", rfa_id, detail.version))

if not detail.usage_link:
    st.caption("The tenant's contacts and notes show here once you can open the tenant.")
    st.stop()
for title, table, what in (
    ("Contacts", detail.contacts, "contacts"),
    ("Notes history", detail.notes, "notes"),
):
    st.markdown(f"**{title}**")
    if table.empty:
        st.caption(f"No {what} yet: add them on the tenant's page.")
    else:
        st.dataframe(table, hide_index=True)
