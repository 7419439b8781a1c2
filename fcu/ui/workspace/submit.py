"""How every workspace section saves: one write through the fcu module that owns it, a
refusal shown as that module's sentence, a success said once on the next run."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from fcu.ui import keys, tables
from fcu.ui.data import clear_caches
from fcu.workspace import StaleEdit, WorkspaceError

T = TypeVar("T")


def submit(
    write: Callable[[], T],
    saved: str | Callable[[T], str],
    *,
    on_saved: Callable[[], None] | None = None,
    on_stale: Callable[[], None] | None = None,
    claims_changed: bool = False,
) -> None:
    """Run ``write()``. Refused (``WorkspaceError``): show its sentence and keep what the user
    typed; when someone else saved the record meanwhile (``StaleEdit``), ``on_stale`` lets
    the next run show their version. Done: ``on_saved``, then ``saved`` (a sentence, or one
    made from the write's result) is shown on the next run, which starts now.

    Of the cached reads (shared by every session), only the claims-derived ones (workloads,
    earnings) go stale, and only after a claim: clearing them on every note would make each
    session read afresh.
    """
    try:
        result = write()
    except WorkspaceError as exc:
        st.error(tables.plain(str(exc)))
        if isinstance(exc, StaleEdit) and on_stale is not None:
            on_stale()
        return
    if on_saved is not None:
        on_saved()
    st.session_state[keys.FLASH] = saved(result) if callable(saved) else saved
    if claims_changed:
        clear_caches()
    st.rerun()
