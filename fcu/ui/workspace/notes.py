"""Status Note updates: the latest notes of the tenant, the full history, and + Add note."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fcu import notes
from fcu.access import User, redact
from fcu.db import Database
from fcu.notes import NoteInput
from fcu.tenant_workspace import TenantWorkspace
from fcu.ui import keys, tables
from fcu.ui.workspace.submit import save_button
from fcu.workspace import MAX_SHORT, MAX_TEXT

SHOWN_NOTES = 4
NOTE_INPUTS = ("scope", "risks", "actions", "due", "owner")  # NoteInput's order
TRUNCATE_AT = 280
NOTE_LABELS = {
    "created_at": "Written (UTC)",
    "author": "Author",
    "onboarding_scope": "Onboarding scope",
    "risks": "Risks",
    "next_actions": "Next actions",
    "next_action_date": "Next action date",
    "next_action_owner": "Next action owner",
}


def show(db: Database, user: User, record: TenantWorkspace) -> None:
    tenant = record.tenant_id
    st.subheader("Status Note updates")
    form_key = keys.WS_NOTE_FORM + tenant
    if st.button("+ Add note", key=form_key + ":open"):
        st.session_state[form_key] = True
    if st.session_state.get(form_key):
        _note_form(db, user, tenant, form_key)
    total = record.note_count
    if total == 0:
        st.info("No status notes yet. Use + Add note to record the first one.")
        return
    latest = redact(user, record.notes.head(SHOWN_NOTES), tuple(notes.TEXT_FIELDS))
    st.caption(f"The latest {min(total, SHOWN_NOTES)} of {total} notes, newest first.")
    for _, note in latest.iterrows():
        with st.container(border=True):
            st.caption(f"{tables.minute(note['created_at'])} UTC · {tables.plain(note['author'])}")
            for field, label in notes.TEXT_FIELDS.items():
                if note[field]:
                    _long_text(label, str(note[field]), f"{tenant}:{note['note_id']}:{field}")
            if not pd.isna(note["next_action_date"]) or note["next_action_owner"]:
                due = (
                    ""
                    if pd.isna(note["next_action_date"])
                    else f"{note['next_action_date']:%Y-%m-%d}"
                )
                st.text(
                    f"Next action date: {due or '—'} · Owner: {note['next_action_owner'] or '—'}"
                )
    if st.toggle("View all history", key=keys.WS_NOTE_HISTORY + tenant):
        every = redact(user, record.notes, tuple(notes.TEXT_FIELDS)).copy()
        every["next_action_date"] = pd.to_datetime(every["next_action_date"]).dt.date
        st.dataframe(
            every[list(NOTE_LABELS)].rename(columns=NOTE_LABELS), hide_index=True, width="stretch"
        )


def _long_text(label: str, text: str, key: str) -> None:
    st.markdown(f"**{label}**")
    if len(text) <= TRUNCATE_AT:
        st.text(text)
        return
    st.text(text[:TRUNCATE_AT].rstrip() + " …")
    with st.expander("read more"):
        st.text(text)


def _note_form(db: Database, user: User, tenant: str, form_key: str) -> None:
    field = f"{form_key}:field:"
    with st.form(form_key + ":form", clear_on_submit=False):
        st.markdown("**New status note**")
        st.text_area("Onboarding scope", max_chars=MAX_TEXT, key=field + "scope")
        st.text_area("Risks", max_chars=MAX_TEXT, key=field + "risks")
        st.text_area("Next actions", max_chars=MAX_TEXT, key=field + "actions")
        left, right = st.columns(2)
        left.date_input("Next action date", value=None, format="YYYY-MM-DD", key=field + "due")
        right.text_input("Next action owner", max_chars=MAX_SHORT, key=field + "owner")
        save, cancel = st.columns([1, 8])

        def write() -> int:
            typed = (st.session_state[field + f] for f in NOTE_INPUTS)
            return notes.add_note(db, user, tenant, NoteInput(*typed))

        def close() -> None:
            st.session_state[form_key] = False

        save_button(
            "Save", form_key + ":save", write, "Note saved.", form=True, place=save, on_saved=close
        )
        cancelled = cancel.form_submit_button("Cancel")
    if cancelled:
        st.session_state[form_key] = False
        st.rerun()
