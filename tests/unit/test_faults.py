"""Faults: processes killed part-way (SIGKILL), damaged and unusable database files.

- A feed load killed at any stage leaves the previous feed served whole (same current
  month, same rows in every feed table), the workspace untouched and no staging tables
  behind; killed while swapping, the feed is entirely the old one or entirely the new one.
- A write killed inside its transaction leaves nothing of it; a committed write survives
  a kill that follows it.
- After every kill the file reopens (``Database(path)``); ``python -m fcu export`` and the app
  then work on it (tests/app/test_faults_in_the_app.py).
- A damaged, foreign or unusable database file gives one sentence (``DatabaseError``; exit
  status 1 and no traceback from the command; the app shows the sentence, tested in
  tests/app/test_faults_in_the_app.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from fcu import feed
from fcu.db import Database, DatabaseError
from tests.fixtures import (
    BAD_FILES,
    EXEC,
    FEED_TABLES,
    LOADER,
    PYTHON,
    ROOT,
    WRITER,
    assert_one_sentence,
    copy_db,
    fingerprints,
    kill_at,
    leftover_load_tables,
    run_fcu,
    workspace_tables,
)


def _state(path: Path) -> dict:
    database = Database(path)
    try:
        return {
            "leftovers": leftover_load_tables(database),
            "month": database.scalar("SELECT current_month FROM feed_meta"),
            "feed": fingerprints(database, FEED_TABLES),
            "workspace": fingerprints(database, workspace_tables(database)),
            "loads": database.scalar("SELECT count(*) FROM loads"),
        }
    finally:
        database.close()


@pytest.fixture(scope="module")
def new_feed_state(tmp_path_factory, fixture_db_template, big_feed) -> dict:
    """The feed tables as a clean load of the big feed leaves them."""
    path = copy_db(fixture_db_template, tmp_path_factory.mktemp("clean") / "fcu.duckdb")
    database = Database(path)
    assert feed.load_feed(database, big_feed).ok
    database.close()
    return _state(path)


STAGES = [
    "Reading usage.csv",
    "Checking values, keys and references",
    "Computing figures",
]


@pytest.mark.parametrize("stage", STAGES)
def test_a_load_killed_part_way_leaves_the_previous_feed(workspace_db, big_feed, stage):
    before = _state(workspace_db)
    assert before["month"] == "2026-10"

    kill_at([LOADER, str(workspace_db), str(big_feed)], stage)

    after = _state(workspace_db)
    assert after["leftovers"] == []
    assert after["month"] == "2026-10"
    assert after["feed"] == before["feed"]
    assert after["workspace"] == before["workspace"]
    assert after["loads"] == before["loads"]  # the killed attempt never finished


def test_a_load_killed_while_swapping_is_all_old_or_all_new(workspace_db, big_feed, new_feed_state):
    before = _state(workspace_db)
    kill_at([LOADER, str(workspace_db), str(big_feed)], "Replacing the feed")
    after = _state(workspace_db)
    assert after["leftovers"] == []
    assert after["workspace"] == before["workspace"]
    if after["month"] == "2026-10":
        assert after["feed"] == before["feed"]
    else:
        feed_after = {t: v for t, v in after["feed"].items() if t != "feed_meta"}
        feed_new = {t: v for t, v in new_feed_state["feed"].items() if t != "feed_meta"}
        assert after["month"] == "2026-11"
        assert feed_after == feed_new  # loaded_at differs; every other row is the clean load's
        assert after["loads"] == before["loads"] + 1


def test_the_load_command_killed_once_it_writes_leaves_the_previous_feed(
    workspace_db, big_feed, new_feed_state
):
    """`python -m fcu load`, killed as soon as its write-ahead log appears (mid-load)."""
    before = _state(workspace_db)
    wal = Path(f"{workspace_db}.wal")
    assert not wal.exists()
    child = subprocess.Popen(
        [PYTHON, "-m", "fcu", "--db", str(workspace_db), "load", str(big_feed)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        while child.poll() is None and not (wal.exists() and wal.stat().st_size > 0):
            time.sleep(0.01)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL  # killed, not finished
    after = _state(workspace_db)
    assert after["leftovers"] == []
    assert after["workspace"] == before["workspace"]
    assert after["month"] in ("2026-10", "2026-11")
    expected = before if after["month"] == "2026-10" else new_feed_state
    assert {t: v for t, v in after["feed"].items() if t != "feed_meta"} == {
        t: v for t, v in expected["feed"].items() if t != "feed_meta"
    }


def test_a_write_killed_inside_its_transaction_leaves_nothing(workspace_db):
    before = _state(workspace_db)
    kill_at([WRITER, str(workspace_db), "once"], "inside")
    after = _state(workspace_db)
    assert after["workspace"] == before["workspace"]
    database = Database(workspace_db)
    try:
        assert database.scalar("SELECT count(*) FROM notes WHERE risks LIKE 'half-written%'") == 0
        assert database.scalar("SELECT count(*) FROM audit WHERE actor = 'killer@x.example'") == 0
    finally:
        database.close()


def test_a_committed_write_survives_a_kill_that_follows(workspace_db):
    kill_at([WRITER, str(workspace_db), "commit-first"], "inside")
    database = Database(workspace_db)
    try:
        rows = database.execute("SELECT risks FROM notes WHERE author = 'killer@x.example'")
        assert rows == [("committed before the kill",)]  # stored once, the rest nowhere
        audits = database.execute("SELECT action FROM audit WHERE actor = 'killer@x.example'")
        assert audits == [("note.add committed before the kill",)]
    finally:
        database.close()


# -- damaged and unusable files ---------------------------------------------------------
@pytest.mark.parametrize("kind", BAD_FILES)
def test_a_bad_database_file_gives_one_sentence(kind, bad_db_file):
    path = bad_db_file(kind)
    with pytest.raises(DatabaseError) as raised:
        Database(path)
    assert_one_sentence(str(raised.value))
    assert str(path) in str(raised.value)


@pytest.mark.parametrize("kind", ["random bytes", "folder is a file"])
def test_the_command_on_a_bad_file_exits_1_with_the_sentence(kind, bad_db_file):
    path = bad_db_file(kind)
    done = run_fcu("--db", str(path), "export", "tenants", "--user", EXEC)
    assert done.returncode == 1
    assert done.stdout == ""
    assert_one_sentence(done.stderr)
