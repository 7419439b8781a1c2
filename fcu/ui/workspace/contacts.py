"""Contacts: the tenant's customer and partner contacts, and New / Edit / Delete for those who
may change them (Report viewers see them masked)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from fcu import contacts, countries
from fcu.access import User, redact
from fcu.contacts import KINDS, SURVEY_LANGUAGES, ContactInput
from fcu.db import Database
from fcu.tenant_workspace import TenantWorkspace
from fcu.ui import keys
from fcu.ui.workspace.submit import save_button
from fcu.workspace import MAX_SHORT

CONTACT_LABELS = {
    "kind": "Type",
    "name": "Name",
    "email": "Email",
    "country": "Country/Region",
    "survey_language": "Survey language",
    "services": "Services assisted with",
    "survey_eligible": "Survey eligible",
}


def show(db: Database, user: User, record: TenantWorkspace) -> None:
    tenant, names, frame = record.tenant_id, dict(record.names), record.contacts
    st.subheader("Contacts")
    if not record.has_survey_contact:
        st.warning(
            "No customer contact is survey eligible: add or edit a customer contact and mark "
            "them Survey eligible, so the customer can be surveyed about the FastTrack work."
        )
    if frame.empty:
        st.info("No contacts yet.")
    else:
        shown = redact(user, frame).copy()
        shown["kind"] = shown["kind"].map(KINDS)
        shown["country"] = shown["country"].map(countries.name)  # free text from before: as is
        shown["services"] = [", ".join(names.get(s, s) for s in ss) for ss in shown["services"]]
        shown["survey_eligible"] = [
            "Yes" if e else ("No" if k == "Customer" else "—")
            for e, k in zip(shown["survey_eligible"], shown["kind"], strict=True)
        ]
        st.dataframe(
            shown[list(CONTACT_LABELS)].rename(columns=CONTACT_LABELS),
            hide_index=True,
            width="stretch",
        )
    if not user.can_edit_contacts:
        st.caption("Report viewers see contacts masked and cannot change them.")
        return
    mode_key = keys.WS_CONTACT_MODE + tenant
    buttons = st.columns([1, 1, 1, 9])
    for column, (mode, label) in zip(
        buttons, (("new", "New"), ("edit", "Edit"), ("delete", "Delete")), strict=False
    ):
        if column.button(label, key=f"{mode_key}:{mode}", disabled=mode != "new" and frame.empty):
            st.session_state[mode_key] = mode
            st.session_state.pop(keys.WS_CONTACT_VERSION + tenant, None)
    mode = st.session_state.get(mode_key)
    if mode == "new":
        _contact_form(db, user, tenant, names, None)
    elif mode in ("edit", "delete") and not frame.empty:
        by_id = {int(r["contact_id"]): r for _, r in frame.iterrows()}
        picked = st.selectbox(
            "Contact",
            list(by_id),
            key=keys.WS_CONTACT_PICK + tenant,
            format_func=lambda c: f"{by_id[c]['name']} <{by_id[c]['email']}>",
        )
        # The version the user started from: an edit made meanwhile by someone else is refused.
        versions = st.session_state.setdefault(keys.WS_CONTACT_VERSION + tenant, {})
        versions.setdefault(picked, int(by_id[picked]["version"]))
        if mode == "edit":
            _contact_form(db, user, tenant, names, by_id[picked], versions[picked])
        else:
            _contact_delete(db, user, tenant, by_id[picked], versions[picked])


def _contact_form(
    db: Database,
    user: User,
    tenant: str,
    names: dict[str, str],
    current: pd.Series | None,
    version: int = 0,
) -> None:
    contact_id = None if current is None else int(current["contact_id"])
    prefix = f"{keys.WS_CONTACT_FIELD}{tenant}:{contact_id or 'new'}:"
    kinds = list(KINDS)
    kind = st.radio(
        "Contact type",
        kinds,
        index=kinds.index(current["kind"]) if current is not None else 0,
        format_func=KINDS.get,
        horizontal=True,
        key=prefix + "kind",
    )
    customer = kind == "customer"
    services_known = list(names)
    title = "New contact" if current is None else "Edit contact"
    with st.form(prefix + "form"):
        st.markdown(f"**{title}** ({KINDS[kind].lower()})")
        st.text_input(
            "Name",
            value="" if current is None else current["name"],
            max_chars=MAX_SHORT,
            key=prefix + "name",
        )
        st.text_input(
            "Email",
            value="" if current is None else current["email"],
            max_chars=254,
            key=prefix + "email",
        )
        if customer:
            codes = list(countries.by_name())
            was = None if current is None else current["country"]
            st.selectbox(  # type to search the names; a free-text country from before the
                "Country/Region",  # list (migration 007) is not among them: choose again
                codes,
                index=codes.index(was) if was in codes else None,
                format_func=countries.name,
                placeholder="Type to search countries and regions",
                key=prefix + "country",
            )
            languages = list(SURVEY_LANGUAGES)
            had = None if current is None else current["survey_language"]
            st.selectbox(
                "Survey language",
                languages,
                index=languages.index(had) if had in languages else None,
                placeholder="Choose a language",
                key=prefix + "language",
            )
        chosen = [] if current is None else [s for s in current["services"] if s in names]
        st.multiselect(
            "Services assisted with",
            services_known,
            default=chosen,
            format_func=lambda w: names.get(w, w),
            key=prefix + "services",
        )
        if customer:
            was = None if current is None else bool(current["survey_eligible"])
            st.radio(
                "Survey eligible",
                ["Yes", "No"],
                index=None if was is None else (0 if was else 1),
                horizontal=True,
                key=prefix + "eligible",
            )
        save, cancel = st.columns([1, 8])

        def write() -> int:
            given = _typed(prefix)
            if contact_id is None:
                return contacts.create_contact(db, user, tenant, given)
            return contacts.edit_contact(db, user, tenant, contact_id, given, version)

        # After a save, and after someone else's (reopening Edit then shows their change).
        done = _closer(tenant)
        save_button(
            "Save",
            prefix + "save",
            write,
            "Contact saved.",
            form=True,
            place=save,
            on_saved=done,
            on_stale=done,
        )
        cancelled = cancel.form_submit_button("Cancel")
    if cancelled:
        st.session_state[keys.WS_CONTACT_MODE + tenant] = None
        st.rerun()


def _typed(prefix: str) -> ContactInput:
    """The contact as submitted (a customer's fields are absent for a partner contact)."""
    typed, kind = st.session_state, st.session_state[prefix + "kind"]
    customer = {} if kind != "customer" else typed
    answer = customer.get(prefix + "eligible")
    return ContactInput(
        kind,
        typed[prefix + "name"],
        typed[prefix + "email"],
        customer.get(prefix + "country") or "",
        customer.get(prefix + "language") or "",
        tuple(typed[prefix + "services"]),
        None if answer is None else answer == "Yes",
    )


def _closer(tenant: str) -> Callable[[], None]:
    """Leave New/Edit/Delete: the next run shows the saved contacts."""

    def close() -> None:
        st.session_state[keys.WS_CONTACT_MODE + tenant] = None
        st.session_state.pop(keys.WS_CONTACT_VERSION + tenant, None)

    return close


def _contact_delete(db: Database, user: User, tenant: str, current: pd.Series, version: int):
    st.text(f"Delete {current['name']} <{current['email']}>? The history keeps what it held.")
    done = _closer(tenant)
    save_button(
        "Confirm delete",
        keys.WS_CONTACT_MODE + tenant + ":confirm",
        lambda: contacts.delete_contact(db, user, tenant, int(current["contact_id"]), version),
        "Contact deleted.",
        on_saved=done,
        on_stale=done,
    )
