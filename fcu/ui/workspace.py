"""The partner's workspace on the Tenant details page: status notes, contacts, claim
workload, service status and service intent notes.

Every write goes through the fcu module that owns it (which checks access and input and
audits); a refusal is shown as the module's sentence. User text is only ever shown with
``st.text`` / ``st.dataframe`` or escaped (``tables.plain``), never rendered as markup.
"""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from fcu import claims, contacts, intent, notes, service_status
from fcu.access import User, redact
from fcu.contacts import KINDS, SURVEY_LANGUAGES, ContactInput
from fcu.db import Database
from fcu.notes import NoteInput
from fcu.portfolio import TenantView
from fcu.ui import data, keys, tables
from fcu.ui.data import clear_caches
from fcu.workspace import MAX_SHORT, MAX_TEXT, StaleEdit, WorkspaceError

log = logging.getLogger("fcu")
SHOWN_NOTES = 4
TRUNCATE_AT = 280
NONE_LABEL = "— none —"
NOTE_LABELS = {
    "created_at": "Written (UTC)",
    "author": "Author",
    "onboarding_scope": "Onboarding scope",
    "risks": "Risks",
    "next_actions": "Next actions",
    "next_action_date": "Next action date",
    "next_action_owner": "Next action owner",
}
CONTACT_LABELS = {
    "kind": "Type",
    "name": "Name",
    "email": "Email",
    "country": "Country/Region",
    "survey_language": "Survey language",
    "services": "Services assisted with",
    "survey_eligible": "Survey eligible",
}


def render(db: Database, user: User, view: TenantView) -> None:
    """Draw the workspace sections for a tenant the user may see."""
    if view.status != "visible":
        return
    tenant = view.tenant_id
    message = st.session_state.pop(keys.FLASH, None)
    if message:
        st.success(tables.plain(message))
    try:
        workloads = data.tenant_workloads(user, tenant)
        names = dict(zip(workloads["workload"], workloads["display_name"], strict=True))
        notes_section(db, user, tenant)
        contacts_section(db, user, tenant, names)
        claim_section(db, user, tenant, workloads)
        status_section(db, user, tenant, names)
        intent_section(db, user, tenant, names)
    except service_status.TaxonomyError as exc:
        st.error(tables.plain(str(exc)))
    except Exception:  # noqa: BLE001 - logged, never shown as a trace
        log.exception("the workspace of tenant %s failed", tenant)
        st.error("An error occurred while fetching data, please refresh the page and retry.")


def _saved(message: str, *, claims_changed: bool = False) -> None:
    """After a write: say so on the next run and draw again. Of the cached reads (shared by
    every session), only the claims-derived ones (workloads, earnings) go stale, and only
    after a claim: clearing them on every note would make each session read afresh."""
    st.session_state[keys.FLASH] = message
    if claims_changed:
        clear_caches()
    st.rerun()


def _refused(exc: WorkspaceError) -> None:
    st.error(tables.plain(str(exc)))


def _when(value: object) -> str:
    if value is None or pd.isna(value):
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


# -- status notes --------------------------------------------------------------------------
def notes_section(db: Database, user: User, tenant: str) -> None:
    st.subheader("Status Note updates")
    form_key = keys.WS_NOTE_FORM + tenant
    if st.button("+ Add note", key=form_key + ":open"):
        st.session_state[form_key] = True
    if st.session_state.get(form_key):
        _note_form(db, user, tenant, form_key)
    total = notes.note_count(db, user, tenant)
    if total == 0:
        st.info("No status notes yet. Use + Add note to record the first one.")
        return
    latest = redact(user, notes.notes(db, user, tenant, SHOWN_NOTES), tuple(notes.TEXT_FIELDS))
    st.caption(f"The latest {min(total, SHOWN_NOTES)} of {total} notes, newest first.")
    for _, note in latest.iterrows():
        with st.container(border=True):
            st.caption(f"{_when(note['created_at'])} UTC · {tables.plain(note['author'])}")
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
        every = redact(user, notes.notes(db, user, tenant), tuple(notes.TEXT_FIELDS))
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
    with st.form(form_key + ":form", clear_on_submit=False):
        st.markdown("**New status note**")
        scope = st.text_area("Onboarding scope", max_chars=MAX_TEXT)
        risks = st.text_area("Risks", max_chars=MAX_TEXT)
        actions = st.text_area("Next actions", max_chars=MAX_TEXT)
        left, right = st.columns(2)
        due = left.date_input("Next action date", value=None, format="YYYY-MM-DD")
        owner = right.text_input("Next action owner", max_chars=MAX_SHORT)
        save, cancel = st.columns([1, 8])
        saved = save.form_submit_button("Save", type="primary")
        cancelled = cancel.form_submit_button("Cancel")
    if cancelled:
        st.session_state[form_key] = False
        st.rerun()
    if saved:
        try:
            notes.add_note(db, user, tenant, NoteInput(scope, risks, actions, due, owner))
        except WorkspaceError as exc:
            _refused(exc)
            return
        st.session_state[form_key] = False
        _saved("Note saved.")


# -- contacts ------------------------------------------------------------------------------
def contacts_section(db: Database, user: User, tenant: str, names: dict[str, str]) -> None:
    st.subheader("Contacts")
    frame = contacts.contacts(db, user, tenant)
    if not contacts.has_survey_contact(db, user, tenant):
        st.warning(
            "No customer contact is survey eligible: add or edit a customer contact and mark "
            "them Survey eligible, so the customer can be surveyed about the FastTrack work."
        )
    if frame.empty:
        st.info("No contacts yet.")
    else:
        shown = redact(user, frame).copy()
        shown["kind"] = shown["kind"].map(KINDS)
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
        name = st.text_input(
            "Name", value="" if current is None else current["name"], max_chars=MAX_SHORT
        )
        email = st.text_input(
            "Email", value="" if current is None else current["email"], max_chars=254
        )
        country, language, eligible = "", "", None
        if customer:
            country = st.text_input(
                "Country/Region",
                value="" if current is None else (current["country"] or ""),
                max_chars=MAX_SHORT,
            )
            languages = list(SURVEY_LANGUAGES)
            had = None if current is None else current["survey_language"]
            language = st.selectbox(
                "Survey language",
                languages,
                index=languages.index(had) if had in languages else None,
                placeholder="Choose a language",
            )
        chosen = [] if current is None else [s for s in current["services"] if s in names]
        services = st.multiselect(
            "Services assisted with",
            services_known,
            default=chosen,
            format_func=lambda w: names.get(w, w),
        )
        if customer:
            was = None if current is None else bool(current["survey_eligible"])
            answer = st.radio(
                "Survey eligible",
                ["Yes", "No"],
                index=None if was is None else (0 if was else 1),
                horizontal=True,
            )
            eligible = None if answer is None else answer == "Yes"
        save, cancel = st.columns([1, 8])
        saved = save.form_submit_button("Save", type="primary")
        cancelled = cancel.form_submit_button("Cancel")
    if cancelled:
        st.session_state[keys.WS_CONTACT_MODE + tenant] = None
        st.rerun()
    if not saved:
        return
    given = ContactInput(kind, name, email, country, language or "", tuple(services), eligible)
    try:
        if contact_id is None:
            contacts.create_contact(db, user, tenant, given)
        else:
            contacts.edit_contact(db, user, tenant, contact_id, given, version)
    except WorkspaceError as exc:
        _refused(exc)
        if isinstance(exc, StaleEdit):  # reopening Edit shows the other person's change
            _forget_contact_edit(tenant)
        return
    st.session_state[keys.WS_CONTACT_MODE + tenant] = None
    st.session_state.pop(keys.WS_CONTACT_VERSION + tenant, None)
    _saved("Contact saved.")


def _forget_contact_edit(tenant: str) -> None:
    st.session_state[keys.WS_CONTACT_MODE + tenant] = None
    st.session_state.pop(keys.WS_CONTACT_VERSION + tenant, None)


def _contact_delete(db: Database, user: User, tenant: str, current: pd.Series, version: int):
    st.text(f"Delete {current['name']} <{current['email']}>? The history keeps what it held.")
    if st.button("Confirm delete", type="primary", key=keys.WS_CONTACT_MODE + tenant + ":confirm"):
        try:
            contacts.delete_contact(db, user, tenant, int(current["contact_id"]), version)
        except WorkspaceError as exc:
            _refused(exc)
            if isinstance(exc, StaleEdit):
                _forget_contact_edit(tenant)
            return
        st.session_state[keys.WS_CONTACT_MODE + tenant] = None
        st.session_state.pop(keys.WS_CONTACT_VERSION + tenant, None)
        _saved("Contact deleted.")


# -- claim workload ------------------------------------------------------------------------
def claim_section(db: Database, user: User, tenant: str, workloads: pd.DataFrame) -> None:
    unclaimed = workloads[workloads["claim_id"].isna()]
    st.subheader("Claim workload")
    if unclaimed.empty:
        st.caption("Every workload listed on this tenant is claimed.")
        return
    locations = claims.claim_locations(db, user)
    names = dict(zip(unclaimed["workload"], unclaimed["display_name"], strict=True))
    st.caption(
        "Claim a workload no partner has claimed yet. The claim is submitted under the MPN "
        "location you choose and gets a claim number at once."
    )
    with st.form(keys.WS_CLAIM_WORKLOAD + tenant + ":form"):
        left, right = st.columns(2)
        workload = left.selectbox(
            "Workload", list(names), format_func=names.get, key=keys.WS_CLAIM_WORKLOAD + tenant
        )
        mpn = right.selectbox(
            "MPN location",
            list(locations),
            format_func=lambda m: f"{m} · {locations[m]}",
            key=keys.WS_CLAIM_MPN + tenant,
        )
        submitted = st.form_submit_button("Claim workload", type="primary")
    if submitted:
        try:
            claim = claims.claim_workload(db, user, tenant, workload, mpn)
        except WorkspaceError as exc:
            _refused(exc)
            return
        _saved(
            f"Claimed {names[workload]}: claim number {claim.claim_id} (submitted under "
            f"{claim.mpn_id}).",
            claims_changed=True,
        )


# -- service status ------------------------------------------------------------------------
def status_section(db: Database, user: User, tenant: str, names: dict[str, str]) -> None:
    st.subheader("Service status")
    if not names:
        st.info("This tenant has no workloads you can see.")
        return
    workload = st.selectbox(
        "Workload",
        list(names),
        format_func=names.get,
        key=keys.WS_STATUS_WORKLOAD + tenant,
    )
    taxonomy = service_status.load_taxonomy()
    saved = service_status.status(db, user, tenant, workload)
    state_key = f"{keys.WS_STATUS_ROWS}{tenant}:{workload}"
    state = st.session_state.get(state_key)
    if state is None:
        state = {"uids": [], "next": 0, "version": saved.version, "start": saved.rows}
        for _ in saved.rows or (None,):
            state["uids"].append(state["next"])
            state["next"] += 1
        st.session_state[state_key] = state
    st.markdown(f"**Total entitlements: {saved.total_entitlements:,}**")
    if saved.version:
        st.caption(
            f"Saved by {tables.plain(redact_one(user, saved.updated_by))} on "
            f"{_when(saved.updated_at)} UTC (version {saved.version})."
        )
    rows = []
    # The version is part of the widgets' keys: after someone else's save, fresh widgets
    # show the saved rows instead of keeping what was typed over the old version.
    prefix = f"{keys.WS_STATUS_FIELD}{tenant}:{workload}:v{state['version']}:"
    for position, uid in enumerate(list(state["uids"])):
        start = state["start"][position] if position < len(state["start"]) else None
        rows.append(_status_row(taxonomy, prefix + str(uid), start, state, uid))
    counted = sum(r[3] for r in rows)
    difference = saved.total_entitlements - counted
    st.caption(
        f"Counted {counted:,} of {saved.total_entitlements:,}"
        + (
            "."
            if difference == 0
            else f": {abs(difference):,} {'left' if difference > 0 else 'too many'}."
        )
    )
    add, save = st.columns([1, 6])
    if add.button("Add row", key=prefix + "add"):
        state["uids"].append(state["next"])
        state["next"] += 1
        st.rerun()
    if save.button("Save service status", type="primary", key=prefix + "save"):
        try:
            version = service_status.save_status(
                db, user, tenant, workload, rows, state["version"], taxonomy
            )
        except WorkspaceError as exc:
            _refused(exc)
            if isinstance(exc, StaleEdit):  # the next run shows the saved status afresh
                del st.session_state[state_key]
            return
        del st.session_state[state_key]
        _saved(f"Service status of {names[workload]} saved (version {version}).")


def redact_one(user: User, value: object) -> object:
    frame = redact(user, pd.DataFrame({"updated_by": [value]}))
    return frame["updated_by"].iloc[0]


def _status_row(taxonomy, prefix: str, start, state: dict, uid: int) -> tuple:
    l1_col, l2_col, l3_col, count_col, drop_col = st.columns([3, 3, 3, 2, 1])
    l1_options = taxonomy.l1_options
    l1 = l1_col.selectbox(
        "L1",
        l1_options,
        index=l1_options.index(start.l1) if start and start.l1 in l1_options else 0,
        key=prefix + ":l1",
    )
    l2_options = taxonomy.l2_options(l1)
    l2 = None
    if l2_options:
        l2 = l2_col.selectbox(
            "L2",
            l2_options,
            index=l2_options.index(start.l2) if start and start.l2 in l2_options else None,
            placeholder="Choose L2",
            key=f"{prefix}:l2:{l1}",
        )
    else:
        l2_col.selectbox("L2", [NONE_LABEL], disabled=True, key=f"{prefix}:l2:{l1}")
    l3_options = taxonomy.l3_options(l1, l2)
    l3 = None
    if l3_options:
        l3 = l3_col.selectbox(
            "L3",
            l3_options,
            index=l3_options.index(start.l3) if start and start.l3 in l3_options else None,
            placeholder="Choose L3",
            key=f"{prefix}:l3:{l1}:{l2}",
        )
    else:
        l3_col.selectbox("L3", [NONE_LABEL], disabled=True, key=f"{prefix}:l3:{l1}:{l2}")
    count = count_col.number_input(
        "Count",
        min_value=0,
        max_value=service_status.MAX_COUNT,
        value=int(start.count) if start else 0,
        step=1,
        key=prefix + ":count",
    )
    drop_col.markdown("&nbsp;")
    if len(state["uids"]) > 1 and drop_col.button("✕", key=prefix + ":drop", help="Remove row"):
        position = state["uids"].index(uid)
        state["uids"].remove(uid)
        if position < len(state["start"]):
            state["start"] = state["start"][:position] + state["start"][position + 1 :]
        st.rerun()
    return (l1, l2, l3, int(count))


# -- service intent notes ------------------------------------------------------------------
GUIDELINES = (
    "One or two sentences on the customer's intent (or lack of it) for this workload, with "
    "the reason. Avoid ambiguous timing (for now, currently, yet, still…), give the reason "
    "(because, due to, unable, blocked, no value, lack of features…), keep meetings, calls "
    "and dates in the status notes, and do not repeat another workload's note."
)


def intent_section(db: Database, user: User, tenant: str, names: dict[str, str]) -> None:
    st.subheader("Service intent notes")
    if not names:
        return
    workload = st.selectbox(
        "Workload", list(names), format_func=names.get, key=keys.WS_INTENT_WORKLOAD + tenant
    )
    history = redact(user, intent.history(db, user, tenant, workload), ("text",))
    current = history.iloc[0] if not history.empty else None
    if current is None:
        st.info(f"No intent note for {tables.plain(names[workload])} yet.")
    else:
        with st.container(border=True):
            st.caption(
                f"Current note · {_when(current['created_at'])} UTC · "
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
        warnings = intent.check(text, intent.other_notes(db, user, tenant, workload))
        for warning in warnings:
            st.warning(tables.plain(warning))
        if not warnings:
            st.success("No warnings: the note follows the guidelines.")
    if st.button("Save intent note", type="primary", key=keys.WS_INTENT_TEXT + suffix + ":save"):
        try:
            intent.save_intent(db, user, tenant, workload, text, st.session_state[base_key])
        except WorkspaceError as exc:
            _refused(exc)
            if isinstance(exc, StaleEdit):  # the next run shows their note; the text stays
                del st.session_state[base_key]
            return
        del st.session_state[base_key]
        st.session_state.pop(keys.WS_INTENT_TEXT + suffix, None)
        _saved(f"Intent note for {names[workload]} saved.")
