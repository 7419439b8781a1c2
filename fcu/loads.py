"""The Data page's side of feed loading: loading an upload (a zip of the feed's files, or
the files themselves) with the same checks as ``python -m fcu load``, and the history of
loads with the problems of the last refused one. Admins only.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from fcu import feed
from fcu.access import User, ensure_admin
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
    ensure_admin(user)
    if not files:
        raise FeedError("Choose the feed's files (or a zip of them) first, then load.")
    with tempfile.TemporaryDirectory(prefix="fcu-upload-") as tmp:
        folder = Path(tmp) / "feed"
        loose: dict[str, bytes] = {}
        for name, content in files:
            if name.lower().endswith(".zip") or content[:4] == ZIP_MAGIC:
                feed.extract_upload(content, folder)
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
    """The latest loads, newest first: when, by whom, outcome, current month, rows per file."""
    ensure_admin(user)
    frame = db.df(
        "SELECT load_id, started_at, finished_at, loaded_by, outcome, current_month, "
        "rows_per_file, error_count FROM loads ORDER BY load_id DESC LIMIT ?",
        [int(limit)],
    )
    frame["rows_per_file"] = frame["rows_per_file"].map(_rows_text)
    return frame[HISTORY_COLUMNS]


def _rows_text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    items = value.items() if isinstance(value, dict) else value
    return ", ".join(f"{name} {int(count):,}" for name, count in items)


def last_refused(db: Database, user: User) -> tuple[pd.Timestamp, pd.DataFrame] | None:
    """When the latest refused load ran and its problems, if it came after the last good one."""
    ensure_admin(user)
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
