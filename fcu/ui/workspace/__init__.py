"""The Tenant details page below its header, in sections, one module each: workloads and
usage (with Claim workload), status notes, contacts, service status and service intent
notes.

``render`` draws the section the URL names (``?section=contacts``; the first when it names
none or an unknown one) from one ``TenantWorkspace`` (``fcu.tenant_workspace.read``), read
once per run for a tenant the page checked once. Only the chosen section is drawn: a rerun
costs one section's widgets, not five (``st.tabs`` would draw every tab on every run). The
section control is a segmented control whose choice is written to the URL, so a section can
be linked to and the browser's address always says where one is.

Every write goes through the fcu module that owns it (which checks access and input
afresh, and audits), in the callback of a ``submit.save_button``. User text is only ever
shown with ``st.text`` / ``st.dataframe`` or escaped (``tables.plain``), never rendered as
markup.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import NamedTuple

import streamlit as st

from fcu.access import User
from fcu.db import Database
from fcu.service_status import TaxonomyError
from fcu.tenant_workspace import TenantWorkspace
from fcu.ui import keys, tables
from fcu.ui.workspace import contacts, intent, notes, service_status, workloads

log = logging.getLogger("fcu")
QUERY_PARAM = "section"


class Section(NamedTuple):
    label: str
    count: Callable[[TenantWorkspace], int]  # shown in the label
    show: Callable[[Database, User, TenantWorkspace], None]


# URL key -> section, in page order; the first is shown when the URL names none.
SECTIONS: dict[str, Section] = {
    "workloads": Section("Workloads and usage", lambda r: len(r.workloads), workloads.show),
    "notes": Section("Status notes", lambda r: r.note_count, notes.show),
    "contacts": Section("Contacts", lambda r: len(r.contacts), contacts.show),
    "service_status": Section(
        "Service status", lambda r: r.saved_status_count, service_status.show
    ),
    "intent": Section("Intent notes", lambda r: r.intent_count, intent.show),
}
FIRST = next(iter(SECTIONS))


def chosen_section() -> str:
    """The section the URL names, or the first one."""
    asked = st.query_params.get(QUERY_PARAM, "")
    return asked if asked in SECTIONS else FIRST


def _to_url() -> None:
    st.query_params[QUERY_PARAM] = st.session_state[keys.TENANT_SECTION]


def render(db: Database, user: User, record: TenantWorkspace) -> None:
    """Draw the section control and the chosen section of a tenant the user may see."""
    section = chosen_section()
    st.session_state[keys.TENANT_SECTION] = section  # the URL decides (links, Back/Forward)
    labels = {key: f"{s.label} ({s.count(record):,})" for key, s in SECTIONS.items()}
    st.segmented_control(
        "Section",
        list(SECTIONS),
        format_func=labels.get,
        required=True,
        key=keys.TENANT_SECTION,
        on_change=_to_url,
        label_visibility="collapsed",
        width="stretch",
    )
    message = st.session_state.pop(keys.FLASH, None)
    if message:
        st.success(tables.plain(message))
    stale = st.session_state.pop(keys.WS_STALE, None)
    if stale:
        st.error(tables.plain(stale))
    try:
        SECTIONS[section].show(db, user, record)
    except TaxonomyError as exc:
        st.error(tables.plain(str(exc)))
    except Exception:  # noqa: BLE001 - logged, never shown as a trace
        log.exception("the workspace of tenant %s failed", record.tenant_id)
        st.error("An error occurred while fetching data, please refresh the page and retry.")
