"""How every workspace section saves: one write through the fcu module that owns it, a
refusal shown as that module's sentence beside the button, a success said once.

The write runs in the button's callback, which Streamlit calls before the page script runs
again: a rerun requested meanwhile (a tab that lost its connection asks for one as soon as
it is back) can stop the page script at any element it draws, but not a callback, so a save
that reached the app is stored once whatever happens to the connection. A callback sees the
values just submitted only through ``st.session_state``: every ``write`` reads its inputs
from the widgets' keys, never from values the page read in an earlier run.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TypeVar

import streamlit as st

from fcu.db import DatabaseError
from fcu.ui import keys, tables
from fcu.ui.data import clear_caches
from fcu.workspace import StaleEdit, WorkspaceError

T = TypeVar("T")


def save_button(
    label: str,
    key: str,
    write: Callable[[], T],
    saved: str | Callable[[T], str],
    *,
    form: bool = False,
    place=None,
    on_saved: Callable[[], None] | None = None,
    on_stale: Callable[[], None] | None = None,
    claims_changed: bool = False,
) -> None:
    """A primary button (a form's submit button when ``form``; drawn in ``place``, a column
    say, when given) that runs ``write()``. Refused (``WorkspaceError``): its sentence is
    shown under the button and what the user typed stays; when someone else saved the record
    meanwhile (``StaleEdit``), ``on_stale`` lets the run show their version and the sentence
    is shown at the top of the workspace. Done: ``on_saved``, then ``saved`` (a sentence, or
    one made from the write's result) is shown at the top of the workspace.

    Of the cached reads (shared by every session), only the claims-derived ones (workloads,
    earnings) go stale, and only after a claim: clearing them on every note would make each
    session read afresh.
    """
    click = partial(_save, key, write, saved, on_saved, on_stale, claims_changed)
    where = st if place is None else place
    button = where.form_submit_button if form else where.button
    button(label, type="primary", key=key, on_click=click)
    refusal = st.session_state.pop(keys.WS_REFUSED + key, None)
    if refusal:
        st.error(tables.plain(refusal))


def _save(key, write, saved, on_saved, on_stale, claims_changed) -> None:
    try:
        result = write()
    except WorkspaceError as exc:
        if isinstance(exc, StaleEdit) and on_stale is not None:
            on_stale()  # the form may close: say it where a saved one is said
            st.session_state[keys.WS_STALE] = str(exc)
        else:
            st.session_state[keys.WS_REFUSED + key] = str(exc)
        return
    except DatabaseError as exc:  # the team store's server did not answer: nothing saved
        st.session_state[keys.WS_REFUSED + key] = str(exc)
        return
    if on_saved is not None:
        on_saved()
    st.session_state[keys.FLASH] = saved(result) if callable(saved) else saved
    if claims_changed:
        clear_caches()
