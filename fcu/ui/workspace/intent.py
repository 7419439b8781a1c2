"""Service intent notes: a workload's current note and its history, and a new note checked
against the writing guidelines while it is written."""

from __future__ import annotations

import streamlit as st

from fcu import intent
from fcu.access import User, redact
from fcu.db import Database
from fcu.tenant_workspace import TenantWorkspace
from fcu.ui import keys, tables
from fcu.ui.workspace.submit import save_button

GUIDELINES = (
    "One or two sentences on the customer's intent (or lack of it) for this workload, with "
    "the reason. Avoid ambiguous timing (for now, currently, yet, still…), give the reason "
    "(because, due to, unable, blocked, no value, lack of features…), keep meetings, calls "
    "and dates in the status notes, and do not repeat another workload's note."
)


def show(db: Database, user: User, record: TenantWorkspace) -> None:
    tenant, names = record.tenant_id, dict(record.names)
    st.subheader("Service intent notes")
    if not names:
        return
    workload = st.selectbox(
        "Workload", list(names), format_func=names.get, key=keys.WS_INTENT_WORKLOAD + tenant
    )
    history = redact(user, record.intent_history(workload), ("text",))
    current = history.iloc[0] if not history.empty else None
    if current is None:
        st.info(f"No intent note for {tables.plain(names[workload])} yet.")
    else:
        with st.container(border=True):
            st.caption(
                f"Current note · {tables.minute(current['created_at'])} UTC · "
                f"{tables.plain(current['author'])}"
            )
            st.text(current["text"])
            for warning in current["warnings"]:
                st.caption("⚠ " + tables.plain(warning))
        if len(history) > 1:
            with st.expander(f"History ({len(history)} notes)"):
                shown = history.assign(warnings=[len(w) for w in history["warnings"]])
                st.dataframe(
                    shown[["created_at", "author", "text", "warnings"]].rename(
                        columns={
                            "created_at": "Written (UTC)",
                            "author": "Author",
                            "text": "Note",
                            "warnings": "Warnings",
                        }
                    ),
                    hide_index=True,
                    width="stretch",
                )
    suffix = f"{tenant}:{workload}"
    base_key = keys.WS_INTENT_BASE + suffix
    if base_key not in st.session_state:
        st.session_state[base_key] = None if current is None else int(current["intent_id"])
    text = st.text_area(
        f"New intent note for {tables.plain(names[workload])}",
        key=keys.WS_INTENT_TEXT + suffix,
        max_chars=intent.MAX_INTENT,
        help=GUIDELINES,
    )
    st.caption(
        "The note is checked against the writing guidelines whenever the text changes: click "
        "outside the box or press Ctrl+Enter to check it while you write. Warnings advise; "
        "a note with warnings can still be saved."
    )
    if text.strip():
        warnings = intent.check(text, record.other_intent_notes(workload))
        for warning in warnings:
            st.warning(tables.plain(warning))
        if not warnings:
            st.success("No warnings: the note follows the guidelines.")
    text_key = keys.WS_INTENT_TEXT + suffix

    def write() -> int:
        typed = st.session_state
        return intent.save_intent(db, user, tenant, workload, typed[text_key], typed[base_key])

    def restart() -> None:  # the run starts from the note now current
        del st.session_state[base_key]

    def saved() -> None:
        restart()
        del st.session_state[text_key]

    save_button(
        "Save intent note",
        text_key + ":save",
        write,
        f"Intent note for {names[workload]} saved.",
        on_saved=saved,
        on_stale=restart,  # the run shows their note; the text stays
    )
