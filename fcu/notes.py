"""Status notes: the partner's append-only log of its work with one tenant (the rules all
workspace writes share are in ``fcu.workspace``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from fcu import audit, portfolio
from fcu.access import User
from fcu.db import Database
from fcu.workspace import (
    MAX_SHORT,
    WorkspaceError,
    clean_text,
    parse_date,
    scoped_sql,
    writable_tenant,
)

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
    return notes_of(db, user, portfolio.tenant_view(db, user, tenant_id), limit)


def notes_of(
    db: Database, user: User, view: portfolio.TenantView, limit: int | None = None
) -> pd.DataFrame:
    """``notes`` of a tenant already looked up for this user (``portfolio.tenant_view``)."""
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
