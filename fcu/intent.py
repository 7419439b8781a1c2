"""Service intent notes: one current note per workload (earlier ones kept as history),
checked against the writing guidelines of PRODUCT.md.

A note is one or two sentences on the customer's intent (or lack of it) for one workload,
with the reason. ``check`` returns the warnings a note earns; they are shown while the
user writes and stored with the note, so the Tenants page can filter tenants whose
current notes have warnings. Warnings advise: a note with warnings still saves.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

import duckdb
import pandas as pd

from fcu import audit, portfolio
from fcu.access import User
from fcu.db import Database
from fcu.workspace import (
    RELOAD,
    StaleEdit,
    WorkspaceError,
    clean_text,
    scoped_sql,
    writable_tenant,
    write_checked,
)

MAX_INTENT = 2000
SIMILAR = 0.9  # notes this alike (after normalising) count as repeats

AMBIGUOUS = (
    "for now",
    "currently",
    "yet",
    "at the moment",
    "at this time",
    "at present",
    "presently",
    "still",
    "right now",
    "so far",
    "for the time being",
    "for the moment",
    "later",
    "soon",
    "maybe",
    "perhaps",
    "possibly",
    "tbd",
    "not sure",
)
REASONS = (
    "because",
    "due to",
    "owing to",
    "as a result of",
    "since",
    "unable",
    "cannot",
    "can't",
    "problem",
    "blocked",
    "blocker",
    "don't have intent",
    "do not have intent",
    "does not have intent",
    "doesn't have intent",
    "no intent",
    "issue",
    "issues",
    "no value",
    "lack of features",
    "lack of",
    "lacks",
    "missing",
    "not needed",
    "no need",
    "no business need",
    "requires",
    "depends on",
    "too expensive",
    "cost",
    "policy",
    "prefer",
    "prefers",
    "uses another",
    "competitor",
    "compliance",
    "security",
)
ENGAGEMENT = (
    "meeting",
    "meetings",
    "met with",
    "meet with",
    "call",
    "calls",
    "called",
    "workshop",
    "workshops",
    "session",
    "demo",
    "follow up",
    "follow-up",
    "emailed",
    "spoke with",
    "spoke to",
    "scheduled",
)
_MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|"
    "july|august|september|october|november|december"
)
_DATE = re.compile(
    r"\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b"
    rf"|\b\d{{1,2}}(st|nd|rd|th)?\s+({_MONTHS})\b|\b({_MONTHS})\s+\d{{1,2}}(st|nd|rd|th)?\b"
    r"|\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tomorrow|"
    r"last week|next week)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
_WORD_CHARS = re.compile(r"[^a-z0-9 ]+")

W_AMBIGUOUS = (
    "Ambiguous timing ({words}): say what the customer intends, not how things stand today."
)
W_NO_REASON = (
    "No reason given: say why, e.g. with 'because', 'due to', 'unable', 'blocked', "
    "'no value' or 'lack of features'."
)
W_ENGAGEMENT = (
    "Reads like an engagement log ({words}): keep meetings, calls, workshops and dates in "
    "the status notes, and state the customer's intent here."
)
W_DUPLICATE = "Repeats the note of {workload}: write what is particular to this workload."
W_LONG = "Runs to {n} sentences: keep it to one or two."


def _find(text: str, phrases: tuple[str, ...]) -> list[str]:
    lowered = text.lower().replace("\u2019", "'")
    return [p for p in phrases if re.search(rf"(?<![\w']){re.escape(p)}(?![\w'])", lowered)]


def _normalised(text: str) -> str:
    return " ".join(_WORD_CHARS.sub(" ", text.lower()).split())


def sentence_count(text: str) -> int:
    parts = _SENTENCE_END.split(text.strip())
    return sum(1 for part in parts if part.strip())


def check(text: str, other_notes: dict[str, str] | list[str] | tuple = ()) -> list[str]:
    """Warnings for an intent note; ``other_notes`` are the current notes of the tenant's
    other workloads (display name -> text, or just texts)."""
    text = (text or "").strip()
    if not text:
        return []
    warnings = []
    ambiguous = _find(text, AMBIGUOUS)
    if ambiguous:
        warnings.append(W_AMBIGUOUS.format(words=", ".join(f"'{w}'" for w in ambiguous)))
    if not _find(text, REASONS):
        warnings.append(W_NO_REASON)
    logged = _find(text, ENGAGEMENT) + [m.group(0) for m in _DATE.finditer(text)]
    if logged:
        words = ", ".join(f"'{w}'" for w in dict.fromkeys(logged))
        warnings.append(W_ENGAGEMENT.format(words=words))
    others = other_notes.items() if isinstance(other_notes, dict) else enumerate(other_notes)
    mine = _normalised(text)
    for label, other in others:
        theirs = _normalised(other or "")
        if theirs and (mine == theirs or SequenceMatcher(None, mine, theirs).ratio() >= SIMILAR):
            name = label if isinstance(label, str) else "another workload"
            warnings.append(W_DUPLICATE.format(workload=name))
            break
    count = sentence_count(text)
    if count > 2:
        warnings.append(W_LONG.format(n=count))
    return warnings


HISTORY_COLUMNS = ["intent_id", "tenant_id", "workload", "text", "warnings", "author", "created_at"]


def history(db: Database, user: User, tenant_id: str, workload: str | None = None) -> pd.DataFrame:
    """Every intent note of a tenant the user may see (of one workload if given), newest first."""
    return history_of(db, user, portfolio.tenant_view(db, user, tenant_id), workload)


def history_of(
    db: Database, user: User, view: portfolio.TenantView, workload: str | None = None
) -> pd.DataFrame:
    """``history`` of a tenant already looked up for this user (``portfolio.tenant_view``)."""
    if view.status != "visible":
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    sql = (
        f"SELECT {', '.join(HISTORY_COLUMNS)} FROM intent_notes "
        "WHERE partner_id = ? AND tenant_id = ?"
    )
    params: list = [user.partner_id, view.tenant_id]
    if workload is not None:
        sql += " AND workload = ?"
        params.append(workload)
    return db.df(sql + " ORDER BY intent_id DESC", params)


def current(db: Database, user: User, tenant_id: str) -> pd.DataFrame:
    """The current (latest) note of each workload of the tenant."""
    return current_in(history(db, user, tenant_id))


def current_in(history: pd.DataFrame) -> pd.DataFrame:
    """The current (latest) note of each workload in a ``history`` frame."""
    return history.drop_duplicates("workload", keep="first").reset_index(drop=True)


def other_notes(db: Database, user: User, tenant_id: str, workload: str) -> dict[str, str]:
    """Current notes of the tenant's other workloads, by display name (for ``check``)."""
    return other_notes_in(current(db, user, tenant_id), workload, workload_names(db))


def other_notes_in(current: pd.DataFrame, workload: str, names: dict[str, str]) -> dict[str, str]:
    """Of the current notes (``current_in``), those of other workloads, by display name."""
    return {
        names.get(w, w): t
        for w, t in zip(current["workload"], current["text"], strict=True)
        if w != workload
    }


def workload_names(db: Database) -> dict[str, str]:
    """Display name of every workload of the feed."""
    return dict(db.execute("SELECT workload, display_name FROM feed_workloads"))


def save_intent(
    db: Database,
    user: User,
    tenant_id: str,
    workload: str,
    text: str,
    based_on: int | None = None,
) -> tuple[int, list[str]]:
    """Make ``text`` the current note of a workload; ``based_on`` is the note ID the user saw
    as current (None: there was none). Returns the new note's ID and its warnings."""
    tenant = writable_tenant(db, user, tenant_id)
    visible = portfolio.tenant_workloads(db, user, tenant)
    if workload not in set(visible["workload"]):
        raise WorkspaceError(
            "That workload is not one you can see on this tenant; choose one from the list."
        )
    text = clean_text(text, "The intent note", MAX_INTENT)
    if not text:
        raise WorkspaceError(
            "The intent note is empty: write one or two sentences with the reason."
        )
    warnings = check(text, other_notes(db, user, tenant, workload))

    def work(cur: duckdb.DuckDBPyConnection) -> int:
        latest = cur.execute(
            "SELECT intent_id, text FROM intent_notes WHERE partner_id = ? AND tenant_id = ? "
            "AND workload = ? ORDER BY intent_id DESC LIMIT 1",
            [user.partner_id, tenant, workload],
        ).fetchone()
        if (latest[0] if latest else None) != based_on:
            raise StaleEdit(
                f"Someone else saved an intent note for this workload after you opened it. {RELOAD}"
            )
        intent_id = cur.execute(
            "INSERT INTO intent_notes (partner_id, tenant_id, workload, text, warnings, author) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING intent_id",
            [user.partner_id, tenant, workload, text, warnings, user.email],
        ).fetchone()[0]
        audit.record(
            cur,
            actor=user.email,
            action="intent.save",
            partner_id=user.partner_id,
            tenant_id=tenant,
            entity_key=workload,
            before={"text": latest[1]} if latest else None,
            after={"text": text, "warnings": warnings},
        )
        return int(intent_id)

    return write_checked(db, work), warnings


def intent_notes_table(db: Database, user: User) -> pd.DataFrame:
    if not db.table_exists("feed_partner_tenant"):
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    where, params = scoped_sql(user, "i")
    return db.df(
        f"SELECT {', '.join('i.' + c for c in HISTORY_COLUMNS)} FROM intent_notes i "
        f"WHERE {where} ORDER BY i.tenant_id, i.workload, i.intent_id",
        params,
    )
