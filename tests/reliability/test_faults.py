"""Faults: processes killed part-way (SIGKILL), damaged and unusable database files.

- A feed load killed at any stage leaves the previous feed served whole (same current
  month, same rows in every feed table), the workspace untouched and no staging tables
  behind; killed while swapping, the feed is entirely the old one or entirely the new one.
- A write killed inside its transaction leaves nothing of it; a committed write survives
  a kill that follows it.
- After every kill the file reopens: ``Database(path)``, ``python -m fcu export`` and the app.
- A damaged, foreign or unusable database file gives one sentence (``DatabaseError``; exit
  status 1 and no traceback from the command; the app shows the sentence).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from reliability_helpers import (
    EXEC,
    FEED_TABLES,
    PYTHON,
    ROOT,
    copy_db,
    fingerprints,
    leftover_load_tables,
    run_fcu,
    workspace_tables,
)

from fcu import export, feed
from fcu.access import get_user
from fcu.db import Database, DatabaseError

# A load that reports each stage on stdout, so the test kills it at a known point.
LOADER = """
import sys
from fcu import feed
from fcu.db import Database
db = Database(sys.argv[1])
feed.load_feed(db, sys.argv[2], loaded_by="killed load",
               progress=lambda f, text: print(text, flush=True))
print("finished", flush=True)
"""
# A write of several rows (notes and their audit) that stops inside its transaction.
WRITER = """
import sys, time
from fcu.db import Database
db = Database(sys.argv[1])
commit_first = sys.argv[2] == "commit-first"
def insert(cur, text):
    cur.execute("INSERT INTO notes (partner_id, tenant_id, risks, author) "
                "VALUES ('P1', 'aaaaaaaa-0000-0000-0000-000000000001', ?, 'killer@x.example')",
                [text])
    cur.execute("INSERT INTO audit (actor, partner_id, action) VALUES ('killer@x.example', 'P1', ?)",
                ["note.add " + text])
if commit_first:
    db.write(lambda cur: insert(cur, "committed before the kill"))
    print("committed", flush=True)
def work(cur):
    for i in range(5):
        insert(cur, f"half-written {i}")
        if i == 2:
            print("inside", flush=True)
            time.sleep(600)
db.write(work)
"""


def _kill_at(args: list[str], marker: str) -> list[str]:
    """Run a child, SIGKILL it once it prints ``marker``; return what it printed."""
    child = subprocess.Popen(
        [PYTHON, "-c", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    seen: list[str] = []
    try:
        for line in child.stdout:
            seen.append(line.strip())
            if marker in line:
                child.send_signal(signal.SIGKILL)
                break
    finally:
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL, (seen, child.stderr.read())
    assert any(marker in s for s in seen), (seen, child.stderr.read())
    return seen


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

    _kill_at([LOADER, str(workspace_db), str(big_feed)], stage)

    after = _state(workspace_db)
    assert after["leftovers"] == []
    assert after["month"] == "2026-10"
    assert after["feed"] == before["feed"]
    assert after["workspace"] == before["workspace"]
    assert after["loads"] == before["loads"]  # the killed attempt never finished


def test_a_load_killed_while_swapping_is_all_old_or_all_new(workspace_db, big_feed, new_feed_state):
    before = _state(workspace_db)
    _kill_at([LOADER, str(workspace_db), str(big_feed)], "Replacing the feed")
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


def test_after_kills_the_command_and_the_app_work_on_the_same_file(workspace_db, big_feed, app_for):
    exec_before = _export(workspace_db)
    _kill_at([LOADER, str(workspace_db), str(big_feed)], "Checking values, keys and references")
    _kill_at([WRITER, str(workspace_db), "once"], "inside")

    done = run_fcu("--db", str(workspace_db), "export", "tenants", "--user", EXEC)
    assert done.returncode == 0, done.stderr
    assert done.stdout.encode() == exec_before  # the previous feed, exactly

    at = app_for(workspace_db)
    at.run()
    assert not at.exception
    assert list(at.dataframe[0].value["Tenant name"]) == ["Alpha Corp", "Beta School"]


def _export(path: Path) -> bytes:
    database = Database(path)
    try:
        return export.render(database, get_user(database, EXEC), "tenants")
    finally:
        database.close()


def test_a_write_killed_inside_its_transaction_leaves_nothing(workspace_db):
    before = _state(workspace_db)
    _kill_at([WRITER, str(workspace_db), "once"], "inside")
    after = _state(workspace_db)
    assert after["workspace"] == before["workspace"]
    database = Database(workspace_db)
    try:
        assert database.scalar("SELECT count(*) FROM notes WHERE risks LIKE 'half-written%'") == 0
        assert database.scalar("SELECT count(*) FROM audit WHERE actor = 'killer@x.example'") == 0
    finally:
        database.close()


def test_a_committed_write_survives_a_kill_that_follows(workspace_db):
    _kill_at([WRITER, str(workspace_db), "commit-first"], "inside")
    database = Database(workspace_db)
    try:
        rows = database.execute("SELECT risks FROM notes WHERE author = 'killer@x.example'")
        assert rows == [("committed before the kill",)]  # stored once, the rest nowhere
        audits = database.execute("SELECT action FROM audit WHERE actor = 'killer@x.example'")
        assert audits == [("note.add committed before the kill",)]
    finally:
        database.close()


# -- damaged and unusable files ---------------------------------------------------------
def _random_file(tmp_path: Path) -> Path:
    path = tmp_path / "random.duckdb"
    path.write_bytes(os.urandom(256 * 1024))
    return path


def _damaged_header(tmp_path: Path, fixture_db_template: Path) -> Path:
    path = copy_db(fixture_db_template, tmp_path / "damaged.duckdb")
    with path.open("r+b") as fh:
        fh.seek(4096)
        fh.write(os.urandom(8192))
    return path


def _empty_file(tmp_path: Path) -> Path:
    path = tmp_path / "empty.duckdb"
    path.write_bytes(b"")
    return path


def _folder_is_a_file(tmp_path: Path) -> Path:
    (tmp_path / "not-a-folder").write_text("x")
    return tmp_path / "not-a-folder" / "fcu.duckdb"


def _path_is_a_folder(tmp_path: Path) -> Path:
    path = tmp_path / "folder.duckdb"
    path.mkdir()
    return path


BAD_FILES = {
    "random bytes": _random_file,
    "damaged header": _damaged_header,
    "empty file": _empty_file,
    "folder is a file": _folder_is_a_file,
    "path is a folder": _path_is_a_folder,
}


def _bad_path(kind: str, tmp_path: Path, fixture_db_template: Path) -> Path:
    make = BAD_FILES[kind]
    if make is _damaged_header:
        return make(tmp_path, fixture_db_template)
    return make(tmp_path)


def _one_sentence(text: str) -> None:
    assert text.strip(), "no message"
    assert "Traceback" not in text
    assert len(text.strip().splitlines()) == 1
    assert text.strip().startswith("The database file")


@pytest.mark.parametrize("kind", BAD_FILES)
def test_a_bad_database_file_gives_one_sentence(kind, tmp_path, fixture_db_template):
    path = _bad_path(kind, tmp_path, fixture_db_template)
    with pytest.raises(DatabaseError) as raised:
        Database(path)
    _one_sentence(str(raised.value))
    assert str(path) in str(raised.value)


@pytest.mark.parametrize("kind", ["random bytes", "folder is a file"])
def test_the_command_on_a_bad_file_exits_1_with_the_sentence(kind, tmp_path, fixture_db_template):
    path = _bad_path(kind, tmp_path, fixture_db_template)
    done = run_fcu("--db", str(path), "export", "tenants", "--user", EXEC)
    assert done.returncode == 1
    assert done.stdout == ""
    _one_sentence(done.stderr)


@pytest.mark.parametrize("kind", ["random bytes", "folder is a file", "path is a folder"])
def test_the_app_on_a_bad_file_shows_the_sentence(kind, tmp_path, fixture_db_template, app_for):
    path = _bad_path(kind, tmp_path, fixture_db_template)
    at = app_for(path)
    at.run()
    assert not at.exception
    assert len(at.error) == 1
    _one_sentence(at.error[0].value)
