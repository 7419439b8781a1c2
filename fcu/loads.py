"""The Data page's side of feed loading: loading an upload (a zip of the feed's files, or
the files themselves) with the same checks as ``python -m fcu load``, and the history of
loads with the problems of the last refused one. The feed is every partner's: operators
(FCU_OPERATORS) load it and see all of its history; other admins see what concerns them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from fcu import feed, partner_center
from fcu.access import MASK, User, ensure_admin, ensure_operator, is_operator
from fcu.db import Database
from fcu.feed import FeedError, LoadResult, Problem, Progress
from fcu.partner_center import PartnerCenterLoad

HISTORY_COLUMNS = [
    "load_id",
    "started_at",
    "finished_at",
    "loaded_by",
    "outcome",
    "current_month",
    "rows_per_file",
    "error_count",
]
PROBLEM_COLUMNS = ["file", "line", "column", "message"]
HISTORY_LIMIT = 50
ZIP_MAGIC = b"PK\x03\x04"


def load_upload(
    db: Database,
    user: User,
    files: Sequence[tuple[str, bytes]],
    *,
    progress: Progress | None = None,
) -> LoadResult:
    """Check and load uploaded files (all or nothing), recorded as loaded by the user.

    ``files`` are (name, content) pairs: zips are unpacked, other files kept by name.
    Raises FeedError (a sentence) when the upload cannot be read as a feed at all.
    """
    ensure_operator(user)
    if not files:
        raise FeedError("Choose the feed's files (or a zip of them) first, then load.")
    with tempfile.TemporaryDirectory(prefix="fcu-upload-") as tmp:
        folder = _unpack(files, Path(tmp) / "feed")
        return feed.load_feed(db, folder, loaded_by=user.email, progress=progress)


def load_reports_upload(
    db: Database,
    user: User,
    files: Sequence[tuple[str, bytes]],
    partner_id: str,
    *,
    progress: Progress | None = None,
) -> PartnerCenterLoad:
    """As load_upload, for a partner's Partner Center reports (and its claims, referrals
    and rate card): see ``partner_center.load_reports``."""
    ensure_operator(user)
    if not files:
        raise FeedError("Choose the reports (or a zip of them) first, then load.")
    if not partner_id:
        raise FeedError("Choose the partner whose reports these are, then load.")
    with tempfile.TemporaryDirectory(prefix="fcu-upload-") as tmp:
        folder = _unpack(files, Path(tmp) / "reports", partner_center.accepts)
        return partner_center.load_reports(
            db, folder, partner_id, loaded_by=user.email, progress=progress
        )


def _unpack(files: Sequence[tuple[str, bytes]], folder: Path, accept=None) -> Path:
    """Zips unpacked (their members that ``accept`` takes), other files kept by name."""
    loose: dict[str, bytes] = {}
    for name, content in files:
        if name.lower().endswith(".zip") or content[:4] == ZIP_MAGIC:
            feed.extract_upload(content, folder, accept)
        elif Path(name).name in loose:
            raise feed.FeedError(
                f"{Path(name).name} was uploaded twice. Keep one copy and upload again."
            )
        else:
            loose[Path(name).name] = content
    if loose:
        feed.extract_upload(loose, folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def partner_choices(db: Database) -> list[str]:
    """The partners an operator may load reports for: those with users or in the feed."""
    sql = "SELECT partner_id FROM users"
    if db.table_exists("feed_partners"):
        sql += " UNION SELECT partner_id FROM feed_partners"
    return [p for (p,) in db.execute(f"SELECT DISTINCT partner_id FROM ({sql}) ORDER BY 1") if p]


def problems_frame(problems: Sequence[Problem]) -> pd.DataFrame:
    """Problems as a table: file, line (empty for a whole-file problem), column, message."""
    return pd.DataFrame(
        [(p.file, p.line, p.column, p.message) for p in problems], columns=PROBLEM_COLUMNS
    ).astype({"line": "Int64"})


def history(db: Database, user: User, limit: int = HISTORY_LIMIT) -> pd.DataFrame:
    """The latest loads, newest first: when, by whom, outcome, current month, rows per file.

    The feed is every partner's: an operator sees it all; any other admin sees when the
    feed changed and its month, the loader's email only when the loader is of their own
    partner, and no row counts (they sum every partner's rows)."""
    ensure_admin(user)
    frame = db.df(
        "SELECT l.load_id, l.started_at, l.finished_at, l.loaded_by, l.outcome, "
        "l.current_month, l.rows_per_file, l.error_count, u.partner_id = ? AS own "
        "FROM loads l LEFT JOIN users u ON u.email = l.loaded_by "
        "ORDER BY l.load_id DESC LIMIT ?",
        [user.partner_id, int(limit)],
    )
    if not is_operator(user):
        own = frame["own"].fillna(False).astype(bool)
        frame["loaded_by"] = frame["loaded_by"].where(own, MASK)
        return frame[[c for c in HISTORY_COLUMNS if c != "rows_per_file"]]
    frame["rows_per_file"] = frame["rows_per_file"].map(_rows_text)
    return frame[HISTORY_COLUMNS]


def _rows_text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    items = value.items() if isinstance(value, dict) else value
    return ", ".join(f"{name} {int(count):,}" for name, count in items)


def last_refused(db: Database, user: User) -> tuple[pd.Timestamp, pd.DataFrame] | None:
    """When the latest refused load ran and its problems, if it came after the last good one
    (operators only: the problems quote claim and referral values of every partner)."""
    if not is_operator(user):
        return None
    row = db.one(
        "SELECT started_at, errors FROM loads WHERE outcome <> 'loaded' AND load_id > "
        "coalesce((SELECT max(load_id) FROM loads WHERE outcome = 'loaded'), 0) "
        "ORDER BY load_id DESC LIMIT 1"
    )
    if row is None:
        return None
    return row[0], problems_frame([_parse(line) for line in (row[1] or "").splitlines()])


def _parse(line: str) -> Problem:
    """Read back a problem stored as ``file:line: column: message`` (see feed.Problem)."""
    parts = line.split(":", 3)
    if len(parts) < 4:
        return Problem("", None, None, line)
    file, number, column, message = (p.strip() for p in parts)
    return Problem(
        file,
        int(number) if number.isdigit() else None,
        None if column == "-" else column,
        message,
    )
