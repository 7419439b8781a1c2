"""My work: the next actions, referrals, claims and falling tenants that need you now."""

import streamlit as st

from fcu import workqueue
from fcu.ui import auth, keys, layout, work
from fcu.ui.data import database

user = layout.require(auth.current_user())
layout.header("My work")
db = database()
team = False
if workqueue.can_see_team(user):
    team = st.toggle(
        "My team's next actions",
        key=keys.WORK_TEAM,
        help="Every owner's next actions within your scope, not only yours and unassigned ones.",
    )
today = workqueue.today()
with layout.fetching():
    queue = workqueue.work_queue(db, user, today, team=team)
whose = "your team's" if team else "yours and unassigned ones"
st.caption(
    f"On {today:%Y-%m-%d}: next actions ({whose}) overdue or due within "
    f"{workqueue.DUE_WITHIN_DAYS} days, referrals not yet accepted or declined, claims "
    f"submitted over {workqueue.CLAIM_WAIT_DAYS} days ago and not approved, and tenants whose "
    f"Usage % fell more than {workqueue.FALL_POINTS:.0f} points since last month. "
    "Open a row to act on it."
)
if not queue.count:
    st.success("Nothing is due for you today.")
for kind in workqueue.KINDS:
    work.section(queue, kind)
with layout.fetching():
    work.calendar_button(db, user, team)
    work.digest_setting(db, user)
