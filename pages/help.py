"""Help: the FAQ answered for the signed-in user (or, without a role, how to get one)."""

import streamlit as st

from fcu import portfolio
from fcu.ui import auth, layout, tables
from fcu.ui.data import database

ROLES_NEEDED = """
FCU shows a partner's portfolio to people who have one of two roles:

- **Executive report viewer**: every page, including earnings and unclaimed opportunity.
- **Report viewer**: every page except earnings; revenue figures and contacts' personal
  data are hidden.

An admin of your partner (Global admin or Account admin) gives you a role and a scope (the
entire organisation or some MPN locations) on the **Admin** page, or on the command line:
`python -m fcu users add <your email> --partner <partner ID> --role report`.
Ask them, then reload this page.
"""

user = auth.current_user()
layout.header("Help")
if user is None or not user.has_access:
    st.subheader("You have no role in FCU yet")
    if user is not None:
        st.text(f"Signed in as {user.email}.")
    st.markdown(ROLES_NEEDED)
    st.stop()

db = database()
with layout.fetching():
    visible = portfolio.kpis(db, user).tenants
    status = portfolio.feed_status(db)

st.subheader("Who am I in FCU?")
st.text(f"Signed in as {user.email}: {user.role_label}, scope {user.scope_label}.")
st.markdown(
    f"You can see **{visible:,}** tenant{'' if visible == 1 else 's'}: those on which your "
    "partner holds an active claim (submitted, approved or approved pending data)"
    + ("" if user.scope_mpns is None else ", made under your MPN locations")
    + ", with at least 150 FastTrack-eligible licences."
)
if not user.sees_revenue:
    st.markdown(
        "As a **Report viewer** you do not see earnings, opportunity or rates, and contacts' "
        "names and emails are masked. An admin can make you an Executive report viewer."
    )

feed_line = (
    "No feed is loaded yet: an admin loads one on the Data page."
    if status is None
    else f"The loaded feed's current month is {status.current_month}; figures are for it."
)
with st.expander("Why do I see no tenants, or fewer than I expect?", expanded=visible == 0):
    st.markdown(
        f"""
- {feed_line}
- You see only tenants with an **active claim** of your partner; a denied or
  disassociated claim does not count, and workloads another partner claimed are not listed.
- Your scope is **{tables.plain(user.scope_label)}**: a scoped user sees only tenants
  claimed under those MPN locations. An admin can widen it.
- A tenant with fewer than **150** FastTrack-eligible licences is not in FastTrack and is
  listed nowhere; opening it by its Tenant ID says so.
- Filters on the Tenants page (Search, Usage %, workload, …) stay set while you move
  between pages: clear them if the list is empty.
"""
    )

with st.expander("What do the figures mean?", expanded=True):
    st.markdown(
        """
- **MAU**: monthly active users of a workload (rolling 28 days). **PAU**: paid available
  units, the licences paid for and assigned.
- **Usage %** = MAU ÷ PAU × 100 for the current month; a workload with PAU 0 has no
  Usage %. A tenant's Usage % = Σ MAU ÷ Σ PAU over the workloads you see on it. Values over
  100 % (trials, education) are shown as they are and flagged.
- **HWM** (high-water mark) = the highest MAU of that workload in any month so far.
"""
    )
    if user.sees_revenue:
        st.markdown(
            """
- **Opportunity units** = min(max(PAU − HWM, 0), ⌊max earning ÷ rate per unit⌋); 0 when
  the workload has no rate card row, its rate is 0, or PAU is under its minimum PAU.
- **Potential earnings** = opportunity units × rate per unit, summed over the workloads
  your partner has claimed. **Unclaimed opportunity** sums the workloads no partner has
  claimed yet. Rates come from the operator's rate card.
"""
        )
    else:
        st.markdown("Earnings and opportunity figures are for Executive report viewers.")

with st.expander("Where is the Tenant ID?"):
    st.markdown(
        "On the Tenants page it is a column of the table; on a tenant's page it is shown at "
        "the top, with a copy button. A tenant's page address ends in `?tenant=<Tenant ID>`, "
        "so you can share the link with a colleague who may see that tenant."
    )

with st.expander('What does "An error occurred while fetching data" mean?'):
    st.markdown(
        "FCU could not read the data for that page, for example while a new feed was being "
        "loaded. Refresh the page and retry. If it keeps happening, tell your admin: the "
        "cause is written to the application log."
    )
