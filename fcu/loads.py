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

from fcu import feed
from fcu.access import MASK, User, ensure_admin, ensure_operator, is_operator
from fcu.db import Database
from fcu.feed import FeedError, LoadResult, Problem, Progress

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
        folder = Path(tmp) / "feed"
        loose: dict[str, bytes] = {}
        for name, content in files:
            if name.lower().endswith(".zip") or content[:4] == ZIP_MAGIC:
                feed.extract_upload(content, folder)
            elif Path(name).name in loose:
                raise feed.FeedError(
                    f"{Path(name).name} was uploaded twice. Keep one copy and upload again."
                )
            else:
                loose[Path(name).name] = content
        if loose:
            feed.extract_upload(loose, folder)
        folder.mkdir(parents=True, exist_ok=True)
        return feed.load_feed(db, folder, loaded_by=user.email, progress=progress)


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
