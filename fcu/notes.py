"""Status notes: the partner's append-only log of its work with one tenant.

Also the ground rules every workspace write (notes, contacts, service status, intent
notes, claims) shares: the tenant must be one the user may see, input is checked before
anything is written, the write and its audit row land in one transaction, and a refusal
is a ``WorkspaceError`` whose message says what to fix.

Who may write what (PRODUCT.md, "Who sees what"): Report viewers may not change contacts
(and see them masked); nothing in PRODUCT.md keeps them from the rest of the partner's
record, so any user with a role may add notes, service status and intent notes and claim
workloads on a tenant they can see.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import duckdb
import pandas as pd

from fcu import audit, portfolio
from fcu.access import MASK, User, tenant_scope
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


# DuckDB lets a transaction update a row that another transaction changed and committed
# after the first began, so "read the version, then write" inside one transaction does not
# by itself stop a lost update. Writes that check a version (or a unique rule) therefore run
# one at a time in this process; DuckDB lets only one process open the file read-write, so
# that covers every writer.
_CHECKED_WRITES = threading.Lock()


def write_checked(db: Database, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """``db.write`` for a write whose checks must see every earlier write: run one at a time,
    and once more when a unique key was won meanwhile (the re-run then refuses)."""
    with _CHECKED_WRITES:
        return _write_retrying(db, work)


def _write_retrying(db: Database, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    for attempt in range(3):
        try:
            return db.write(work)
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


# -- status notes --------------------------------------------------------------------------
TEXT_FIELDS = {
    "onboarding_scope": "Onboarding scope",
    "risks": "Risks",
    "next_actions": "Next actions",
}
NOTE_COLUMNS = [
    "note_id",
    "tenant_id",
    "onboarding_scope",
    "risks",
    "next_actions",
    "next_action_date",
    "next_action_owner",
    "author",
    "created_at",
]


@dataclass(frozen=True)
class NoteInput:
    onboarding_scope: str = ""
    risks: str = ""
    next_actions: str = ""
    next_action_date: date | str | None = None
    next_action_owner: str = ""


def _checked(note: NoteInput) -> dict:
    row = {name: clean_text(getattr(note, name), label) for name, label in TEXT_FIELDS.items()}
    row["next_action_owner"] = clean_text(note.next_action_owner, "Next action owner", MAX_SHORT)
    row["next_action_date"] = parse_date(note.next_action_date, "Next action date")
    if not any(row[name] for name in TEXT_FIELDS):
        raise WorkspaceError(
            "The note is empty: write the onboarding scope, risks or next actions."
        )
    return row


def add_note(db: Database, user: User, tenant_id: str, note: NoteInput) -> int:
    """Append a note (notes are never changed or removed) and return its ID."""
    tenant = writable_tenant(db, user, tenant_id)
    row = _checked(note)

    def work(cur: duckdb.DuckDBPyConnection) -> int:
        note_id = cur.execute(
            "INSERT INTO notes (partner_id, tenant_id, onboarding_scope, risks, next_actions, "
            "next_action_date, next_action_owner, author) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "RETURNING note_id",
            [
                user.partner_id,
                tenant,
                row["onboarding_scope"],
                row["risks"],
                row["next_actions"],
                row["next_action_date"],
                row["next_action_owner"],
                user.email,
            ],
        ).fetchone()[0]
        audit.record(
            cur,
            actor=user.email,
            action="note.add",
            partner_id=user.partner_id,
            tenant_id=tenant,
            entity_key=str(note_id),
            after=row,
        )
        return int(note_id)

    return db.write(work)


def notes(db: Database, user: User, tenant_id: str, limit: int | None = None) -> pd.DataFrame:
    """The partner's notes on a tenant the user may see, newest first (unredacted)."""
    view = portfolio.tenant_view(db, user, tenant_id)
    if view.status != "visible":
        return pd.DataFrame(columns=NOTE_COLUMNS)
    sql = (
        f"SELECT {', '.join(NOTE_COLUMNS)} FROM notes WHERE partner_id = ? AND tenant_id = ? "
        "ORDER BY note_id DESC"
    )
    params: list = [user.partner_id, view.tenant_id]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    return db.df(sql, params)


def note_count(db: Database, user: User, tenant_id: str) -> int:
    view = portfolio.tenant_view(db, user, tenant_id)
    if view.status != "visible":
        return 0
    return int(
        db.scalar(
            "SELECT count(*) FROM notes WHERE partner_id = ? AND tenant_id = ?",
            [user.partner_id, view.tenant_id],
        )
    )


def notes_table(db: Database, user: User) -> pd.DataFrame:
    if not db.table_exists("feed_partner_tenant"):
        return pd.DataFrame(columns=NOTE_COLUMNS)
    where, params = scoped_sql(user, "n")
    return db.df(
        f"SELECT {', '.join('n.' + c for c in NOTE_COLUMNS)} FROM notes n WHERE {where} "
        "ORDER BY n.tenant_id, n.note_id",
        params,
    )


# -- the audit, as a table -----------------------------------------------------------------
AUDIT_COLUMNS = [
    "audit_id",
    "at_time",
    "actor",
    "action",
    "tenant_id",
    "entity_key",
    "before",
    "after",
]
# Actions whose before/after hold personal data (contact details, note owners): hidden
# whole from users who may not see personal data.
PERSONAL_ACTIONS = ("contact.", "note.", "user.")


def audit_table(db: Database, user: User) -> pd.DataFrame:
    """The partner's history on tenants the user may see (and, for admins, user changes)."""
    if not user.has_access or not db.table_exists("feed_partner_tenant"):
        return pd.DataFrame(columns=AUDIT_COLUMNS)
    where, params = scoped_sql(user, "a")
    if user.is_admin:
        where = f"(({where}) OR (a.partner_id = $partner AND a.tenant_id IS NULL))"
    frame = db.df(
        f"SELECT {', '.join('a.' + c for c in AUDIT_COLUMNS)} FROM audit a WHERE {where} "
        "ORDER BY a.audit_id",
        params,
    )
    if not user.sees_personal_data and not frame.empty:
        personal = frame["action"].str.startswith(PERSONAL_ACTIONS)
        for column in ("before", "after"):
            frame[column] = frame[column].astype(object)
            frame.loc[personal & frame[column].notna(), column] = MASK
    return frame


# Registered last: fcu.export imports the other workspace modules, which import this one, so
# everything above must exist before fcu.export is first imported from here.
from fcu import export  # noqa: E402

export.table("notes", text_columns=tuple(TEXT_FIELDS))(notes_table)
export.table("audit", text_columns=("entity_key", "before", "after"))(audit_table)
