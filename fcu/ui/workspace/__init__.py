"""The partner's workspace on the Tenant details page, one module per section: status notes,
contacts, claim workload, service status and service intent notes.

``render`` draws them from one ``TenantWorkspace`` (``fcu.tenant_workspace.read``), read once
per run for a tenant the page checked once. Every write goes through the fcu module that
owns it (which checks access and input afresh, and audits), in the callback of a
``submit.save_button``. User text is only ever shown with ``st.text`` / ``st.dataframe`` or
escaped (``tables.plain``), never rendered as markup.
"""

from __future__ import annotations

import logging

import streamlit as st

from fcu.access import User
from fcu.db import Database
from fcu.service_status import TaxonomyError
from fcu.tenant_workspace import TenantWorkspace
from fcu.ui import keys, tables
from fcu.ui.workspace import claims, contacts, intent, notes, service_status

log = logging.getLogger("fcu")
SECTIONS = (notes.show, contacts.show, claims.show, service_status.show, intent.show)  # page order


def render(db: Database, user: User, record: TenantWorkspace) -> None:
    """Draw the workspace sections of a tenant the user may see."""
    message = st.session_state.pop(keys.FLASH, None)
    if message:
        st.success(tables.plain(message))
    stale = st.session_state.pop(keys.WS_STALE, None)
    if stale:
        st.error(tables.plain(stale))
    try:
        for section in SECTIONS:
            section(db, user, record)
    except TaxonomyError as exc:
        st.error(tables.plain(str(exc)))
    except Exception:  # noqa: BLE001 - logged, never shown as a trace
        log.exception("the workspace of tenant %s failed", record.tenant_id)
        st.error("An error occurred while fetching data, please refresh the page and retry.")
