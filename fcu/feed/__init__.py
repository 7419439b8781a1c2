"""The feed: FCU's seven files, checked and loaded all or nothing.

A load goes through the layers of jaffle_shop's SQL, each in its own module:

- ``contract``: the files, their columns and types (the spec of the feed), the staging
  tables every reader produces, and the ``Problem`` every check reports.
- ``upload``: an uploaded zip (or loose files) written into a folder, within limits.
- ``staging``: a feed folder read into typed ``stg_<file>`` tables (rename and cast only).
- ``rules``: the checks over the staging tables, one SQL query per rule, with messages.
- figures: ``fcu.precompute`` builds ``stg_tenant_workload``, ``stg_partner_tenant`` and
  ``stg_partner_earnings``.
- ``swap``: what the pages read, swapped in as ``feed_*`` in one transaction, and the
  load's record in ``loads``.

Only when no rule fails are the figures built and the tables swapped in; every problem is
reported at once as FILE:LINE: COLUMN: message. A reader of another source stages the
same ``stg_<file>`` tables and hands the rules a ``contract.Staged``, as ``staging`` does,
through ``load_staged``.

This module is the front door: the two things callers do (``extract_upload``,
``load_feed``) and the limits they apply. The limits are read here at each call and passed
to the modules below as arguments, so that setting ``fcu.feed.MAX_EXPANDED_MB`` (or
``MAX_LISTED_PER_RULE``) takes effect.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from fcu import precompute
from fcu.db import LOAD_RUNNING, Database, DatabaseError
from fcu.feed import rules, staging, swap, upload
from fcu.feed.contract import (
    CONTRACT,
    ISO_COUNTRIES,
    KINDS,
    MAX_TEXT,
    SEGMENTS,
    SPECS,
    Column,
    FeedError,
    FileSpec,
    Problem,
    Staged,
    problem_order,
)
from fcu.feed.swap import FINAL_TABLES, LoadResult

__all__ = [  # what other code uses; each step's own functions are in its module
    "CONTRACT",
    "FINAL_TABLES",
    "ISO_COUNTRIES",
    "KINDS",
    "MAX_EXPANDED_MB",
    "MAX_LISTED_PER_RULE",
    "MAX_TEXT",
    "SEGMENTS",
    "SPECS",
    "Column",
    "FeedError",
    "FileSpec",
    "LoadResult",
    "Problem",
    "Progress",
    "Reader",
    "Staged",
    "extract_upload",
    "load_feed",
    "load_staged",
]

# How many problems of one kind (file, column, rule) are listed before the rest are counted.
MAX_LISTED_PER_RULE = 200
# How much an upload's zip may expand to in all (see fcu.feed.upload for the ratio limit).
MAX_EXPANDED_MB = int(os.environ.get("FCU_MAX_EXPANDED_MB", "8192"))

Progress = Callable[[float, str], None]
# A reader of one source: fills the stg_<file> tables through the cursor, saying its steps.
Reader = Callable[[duckdb.DuckDBPyConnection, Progress], Staged]
# Given the feed's problems: the same named in another format's terms, with that format's
# own problems added, and how many it added (listed or not). See load_feed.
Explain = Callable[[list[Problem]], tuple[list[Problem], int]]

log = logging.getLogger("fcu")


def extract_upload(
    data: bytes | dict[str, bytes],
    into: Path,
    accept: Callable[[str], bool] | None = None,
) -> Path:
    """Write an uploaded zip (or {file name: bytes}) into a folder; return that folder.
    ``accept`` says which of a zip's file names to take (default: the feed's file names).

    Raises FeedError (a sentence) for a zip that cannot be read, expands past the limits,
    or holds a feed file twice (also when the folder already holds it from another upload).
    """
    return upload.unpack(data, into, max_expanded_mb=MAX_EXPANDED_MB, accept=accept)


def load_feed(
    db: Database,
    folder: str | Path,
    *,
    loaded_by: str = "command line",
    progress: Progress | None = None,
    source: str | None = None,
    explain: Explain | None = None,
) -> LoadResult:
    """Check and load a feed folder; all or nothing. Records the attempt in ``loads``.

    A reader of another format (``fcu.partner_center``) that wrote the folder passes what
    the load is recorded as coming from (``source``) and ``explain`` (see ``Explain``), so
    that every problem names the file and line the partner has.
    """
    folder = Path(folder)

    def read(cur: duckdb.DuckDBPyConnection, say: Progress) -> Staged:
        return staging.read_folder(cur, folder, say)

    return load_staged(
        db,
        read,
        source=source or str(folder),
        loaded_by=loaded_by,
        progress=progress,
        explain=explain,
    )


def load_staged(
    db: Database,
    read: Reader,
    *,
    source: str,
    loaded_by: str,
    progress: Progress | None = None,
    explain: Explain | None = None,
) -> LoadResult:
    """Check and load what ``read`` stages from ``source``; all or nothing, recorded in
    ``loads``. ``read(cursor, say)`` is a reader of one source (``staging.read_folder`` for
    a feed folder): it fills the ``stg_<file>`` tables and returns them as a ``Staged``."""
    started = time.perf_counter()
    result = LoadResult(False, loaded_by=loaded_by, source=source)
    mark = [started, "Starting"]

    def say(fraction: float, text: str) -> None:
        now = time.perf_counter()
        result.step_seconds[mark[1]] = now - mark[0]
        mark[:] = [now, text]
        if progress is not None:
            progress(fraction, text)

    if not db.feed_lock.acquire(blocking=False):
        raise FeedError(LOAD_RUNNING)
    try:
        # the embedded store builds in its own file; the team store in a new feed file,
        # made current by publish (fcu.team)
        with db.feed_build() as target:
            result = _load_locked(target, read, say, result, explain)
            if result.ok:
                db.publish(target, lambda cur, **more: swap.record_load(cur, result, **more))
    except DatabaseError as exc:
        raise FeedError(str(exc)) from exc
    finally:
        db.feed_lock.release()
    say(1.0, "Done")
    result.seconds = time.perf_counter() - started
    log.info(
        "feed load %s in %.1f s: %s",
        "done" if result.ok else "refused",
        result.seconds,
        ", ".join(f"{k} {v:.1f} s" for k, v in result.step_seconds.items()),
    )
    if not result.ok:
        db.write(lambda cur: swap.record_load(cur, result))
    return result


def _load_locked(
    db: Database, read: Reader, say: Progress, result: LoadResult, explain: Explain | None = None
) -> LoadResult:
    cur = db.cursor()
    try:
        staging.drop_staging(cur)
        staged = read(cur, say)
        names = staged.names
        problems = list(staged.problems)
        total = len(problems)

        current_month = None
        if "usage" in staged.checked:
            say(0.6, "Summing usage per tenant and workload")
            current_month = precompute.build_usage_tw(cur)
            if current_month is None:
                problems.append(
                    Problem(
                        names["usage"],
                        None,
                        None,
                        "no line has a valid month, so the feed has no current month",
                    )
                )
                total += 1
            else:
                found, count = rules.usage_key_problems(
                    cur, names["usage"], listed_per_rule=MAX_LISTED_PER_RULE
                )
                problems += found
                total += count
        say(0.7, "Checking values, keys and references")
        found, count = rules.check_staged(cur, staged, listed_per_rule=MAX_LISTED_PER_RULE)
        problems += found
        total += count
        if explain is not None:
            problems, added = explain(problems)
            total += added

        if problems:
            staging.drop_staging(cur)
            result.problems = sorted(problems, key=problem_order)
            result.problem_count = total
            return result

        say(0.8, "Computing figures")
        rows = {
            names[s.name]: cur.execute(f"SELECT count(*) FROM stg_{s.name}").fetchone()[0]
            for s in CONTRACT
        }
        swap.finalise_small_tables(cur, current_month)
        precompute.build_tenant_workload(cur)
        say(0.9, "Computing partner portfolios")
        precompute.build_partner_tenant(cur)
        say(0.93, "Computing earnings")
        precompute.build_partner_earnings(cur)
        say(0.95, "Replacing the feed")
        result.ok, result.rows, result.current_month = True, rows, current_month
        swap.swap_in(db, result)
        say(0.97, "Checkpointing the database file")
        staging.drop_staging(cur)
        try:
            cur.execute("CHECKPOINT")
        except duckdb.Error:
            pass  # a reader holds a snapshot; DuckDB checkpoints later on its own
        return result
    except BaseException:
        try:
            staging.drop_staging(cur)
        except duckdb.Error:
            pass
        raise
    finally:
        cur.close()
