"""Admin (admins): the partner's users, their role, admin flag and scope."""

import pandas as pd
import streamlit as st

from fcu import digest, users
from fcu.access import ROLE_NAMES, AccessDenied, User
from fcu.ui import auth, keys, layout, tables
from fcu.ui.data import clear_caches, database

user = layout.require(auth.current_user(), admin=True)
layout.header("Admin")
st.caption(
    "The people of your partner who may use FCU. An Executive report viewer sees everything; "
    "a Report viewer sees no earnings and no personal data. An admin also manages users and "
    "loads feeds. A scope limits a user to the tenants and referrals of chosen MPN locations. "
    "Pick a user below to change or remove them, or 'New user' to add one."
)
db = database()
with layout.fetching():
    people = users.partner_users(db, user)
    locations = users.mpn_locations(db, user.partner_id)
    by_mail = {u.email for u in digest.subscribers(db, user.partner_id)}

message = st.session_state.pop(keys.ADMIN_MESSAGE, None)
if message:  # (text, email to select next): set before the selectbox exists in this run
    st.success(tables.plain(message[0]))
    st.session_state[keys.ADMIN_EDIT] = message[1]
st.dataframe(
    pd.DataFrame(
        {
            "Email": [p.email for p in people],
            "Name": [p.display_name or "" for p in people],
            "Role": [ROLE_NAMES.get(p.role, "No role") for p in people],
            "Admin": [p.is_admin for p in people],
            "Scope": [p.scope_label for p in people],
            "Daily digest": [p.email in by_mail for p in people],
        }
    ),
    hide_index=True,
)

NEW = ""
emails = [NEW] + [p.email for p in people]
chosen = st.selectbox(
    "User to add or change",
    emails,
    key=keys.ADMIN_EDIT,
    format_func=lambda e: "New user" if e == NEW else e,
)
current = next((p for p in people if p.email == chosen), None)
roles = ["executive", "report", None]
with st.form(f"admin_form_{chosen}"):
    email = st.text_input("Email", value=chosen, disabled=current is not None)
    name = st.text_input("Display name", value=(current.display_name or "") if current else "")
    role = st.selectbox(
        "Role",
        roles,
        index=roles.index(current.role) if current else 0,
        format_func=lambda r: ROLE_NAMES.get(r, "No role (cannot sign in to any page)"),
    )
    is_admin = st.checkbox(
        "Admin (manages users and feeds; sees everything)",
        value=current.is_admin if current else False,
    )
    everywhere = st.radio(
        "Scope",
        [True, False],
        index=0 if current is None or current.scope_mpns is None else 1,
        format_func=lambda a: "Entire organisation" if a else "Chosen MPN locations",
        horizontal=True,
    )
    mpns = st.multiselect(
        "MPN locations (when the scope is chosen locations)",
        list(locations),
        default=list(current.scope_mpns or ()) if current else [],
        format_func=lambda m: f"{m} · {locations[m]}",
    )
    saved = st.form_submit_button("Save", type="primary")
if saved:
    if not everywhere and not mpns:
        st.error("Choose at least one MPN location, or give the scope Entire organisation.")
    else:
        person = User(
            email=chosen if current else email,
            partner_id=user.partner_id,
            role=role,
            is_admin=is_admin,
            scope_mpns=None if everywhere else tuple(sorted(mpns)),
            display_name=name.strip() or None,
        )
        try:
            saved_user = users.save_user(db, user.email, person, acting_for=user)
        except (users.UserError, AccessDenied) as exc:
            st.error(tables.plain(exc))
        else:
            clear_caches()
            st.session_state[keys.ADMIN_MESSAGE] = (f"Saved {saved_user.email}.", saved_user.email)
            st.rerun()

if current is not None:
    with st.expander(f"Remove {current.email}"):
        sure = st.checkbox(f"Yes, remove {current.email} from FCU", key=f"admin_sure_{chosen}")
        if st.button("Remove user", disabled=not sure):
            try:
                users.remove_user(db, user.email, current.email, acting_for=user)
            except (users.UserError, AccessDenied) as exc:
                st.error(tables.plain(exc))
            else:
                clear_caches()
                st.session_state[keys.ADMIN_MESSAGE] = (f"Removed {current.email}.", "")
                st.rerun()
