"""The ground rules every workspace write (status notes, contacts, service status, intent
notes, claims) shares: the tenant must be one the user may see, input is checked before
anything is written, the write and its audit row land in one transaction, and a refusal
is a ``WorkspaceError`` whose message says what to fix. Reads check once: what Tenant
details shows is read once per run from a view already checked (``fcu.tenant_workspace``),
while every write checks the tenant again (``writable_tenant``). Referral changes share the
scheme: ``write_checked``, ``WorkspaceError`` and ``StaleEdit``.

Who may write what (PRODUCT.md, "Who sees what"): Report viewers may not change contacts
(and see them masked); nothing in PRODUCT.md keeps them from the rest of the partner's
record, so any user with a role may add notes, service status and intent notes and claim
workloads on a tenant they can see.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import TypeVar

import duckdb
import pandas as pd

from fcu import portfolio
from fcu.access import User, tenant_scope
from fcu.db import Database

T = TypeVar("T")
MAX_TEXT = 2000  # characters per free-text field
MAX_SHORT = 200  # names, owners, countries
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class WorkspaceError(ValueError):
    """A workspace write that cannot be made; the message is a sentence saying what to fix."""


class StaleEdit(WorkspaceError):
    """Someone else saved the same record since this edit started."""


RELOAD = "Reload the page to see their change, then make yours again."


def writable_tenant(db: Database, user: User, tenant_id: str) -> str:
    """The tenant's canonical ID if the user may write to it, else a refusal."""
    view = portfolio.tenant_view(db, user, tenant_id)
    if view.status != "visible":
        raise WorkspaceError(
            "This tenant is not one you can work on: open a tenant from the Tenants page."
        )
    return view.tenant_id


def clean_text(value: object, label: str, limit: int = MAX_TEXT) -> str:
    """Trimmed text without control characters, refused past ``limit`` characters."""
    text = _CONTROL.sub("", str(value or "")).strip()
    if len(text) > limit:
        raise WorkspaceError(
            f"{label} is {len(text):,} characters long; shorten it to {limit:,} or fewer."
        )
    return text


def parse_date(value: object, label: str) -> date | None:
    """A date between 2000 and 2100 from a date or 'YYYY-MM-DD' text; empty gives None."""
    if value is None or value == "":
        return None
    if isinstance(value, pd.Timestamp):
        value = value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip())
        except ValueError:
            raise WorkspaceError(
                f"{label} {str(value)[:40]!r} is not a date; give it as YYYY-MM-DD."
            ) from None
    if not EARLIEST <= value <= LATEST:
        raise WorkspaceError(f"{label} must fall between 2000-01-01 and 2100-12-31.")
    return value


def write_checked(db: Database, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """A write whose checks must see every earlier write (a version, a unique rule): one at a
    time (``Database.write_serialised``), and once more when a unique key was won meanwhile
    (the re-run then refuses)."""
    for attempt in range(3):
        try:
            return db.write_serialised(work)
        except (duckdb.ConstraintException, duckdb.TransactionException) as exc:
            text = str(exc).lower()
            if "constraint" not in text and "duplicate key" not in text:
                raise
            if attempt == 2:
                raise StaleEdit(
                    f"Someone else saved the same record at the same moment. {RELOAD}"
                ) from exc
    raise AssertionError("unreachable")


def scoped_sql(user: User, table_alias: str) -> tuple[str, dict]:
    """Condition for workspace rows of the user's partner on tenants the user may see."""
    scope_sql, params = tenant_scope(user, "pt")
    params["partner"] = user.partner_id
    return (
        f"{table_alias}.partner_id = $partner AND EXISTS (SELECT 1 FROM feed_partner_tenant pt "
        f"WHERE pt.tenant_id = {table_alias}.tenant_id AND {scope_sql})"
    ), params
