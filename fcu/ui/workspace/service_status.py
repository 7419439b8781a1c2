"""Service status: how a workload's entitlements split over the taxonomy's L1 / L2 / L3
statuses, edited as rows whose counts must add up to the total."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fcu import service_status
from fcu.access import User, redact
from fcu.db import Database
from fcu.tenant_workspace import TenantWorkspace
from fcu.ui import keys, tables
from fcu.ui.workspace.submit import save_button

NONE_LABEL = "— none —"


def show(db: Database, user: User, record: TenantWorkspace) -> None:
    tenant, names = record.tenant_id, dict(record.names)
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
    saved = record.status(workload)
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
            f"{tables.minute(saved.updated_at)} UTC (version {saved.version})."
        )
    counted = 0
    # The version is part of the widgets' keys: after someone else's save, fresh widgets
    # show the saved rows instead of keeping what was typed over the old version.
    prefix = f"{keys.WS_STATUS_FIELD}{tenant}:{workload}:v{state['version']}:"
    for position, uid in enumerate(list(state["uids"])):
        start = state["start"][position] if position < len(state["start"]) else None
        counted += _status_row(taxonomy, prefix + str(uid), start, state, uid)[3]
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

    def write() -> int:
        rows = [_typed_row(taxonomy, prefix + str(uid)) for uid in state["uids"]]
        return service_status.save_status(
            db, user, tenant, workload, rows, state["version"], taxonomy
        )

    def forget() -> None:  # the run shows the saved status afresh
        del st.session_state[state_key]

    save_button(
        "Save service status",
        prefix + "save",
        write,
        lambda version: f"Service status of {names[workload]} saved (version {version}).",
        place=save,
        on_saved=forget,
        on_stale=forget,
    )


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
    l2 = _level(l2_col, "L2", taxonomy.l2_options(l1), start and start.l2, f"{prefix}:l2:{l1}")
    l3 = _level(
        l3_col, "L3", taxonomy.l3_options(l1, l2), start and start.l3, f"{prefix}:l3:{l1}:{l2}"
    )
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


def _level(column, label: str, options: list, start, key: str):
    """An L2 or L3 choice: the taxonomy's options under the levels above, or a disabled
    "none" where it has none (the value is then None)."""
    if not options:
        column.selectbox(label, [NONE_LABEL], disabled=True, key=key)
        return None
    return column.selectbox(
        label,
        options,
        index=options.index(start) if start in options else None,
        placeholder=f"Choose {label}",
        key=key,
    )


def _typed_row(taxonomy, prefix: str) -> tuple:
    """A row as submitted, read from its widgets' keys (the keys ``_status_row`` gives)."""
    typed = st.session_state
    l1 = typed[prefix + ":l1"]
    l2 = typed.get(f"{prefix}:l2:{l1}") if taxonomy.l2_options(l1) else None
    l3 = typed.get(f"{prefix}:l3:{l1}:{l2}") if taxonomy.l3_options(l1, l2) else None
    return (l1, l2, l3, int(typed[prefix + ":count"]))
