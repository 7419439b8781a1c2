"""Faults, as the app meets them (AppTest): after a load and a write were killed part-way,
``python -m fcu export`` and the app work on the same file and show the previous feed; on a
damaged or unusable database file the app shows the one sentence. The faults themselves:
tests/unit/test_faults.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fcu import export
from fcu.access import get_user
from fcu.db import Database
from tests.fixtures import EXEC, LOADER, TENANTS_PAGE, WRITER, assert_one_sentence, kill_at, run_fcu


def _export(path: Path) -> bytes:
    database = Database(path)
    try:
        return export.render(database, get_user(database, EXEC), "tenants")
    finally:
        database.close()


def test_after_kills_the_command_and_the_app_work_on_the_same_file(workspace_db, big_feed, app_on):
    exec_before = _export(workspace_db)
    kill_at([LOADER, str(workspace_db), str(big_feed)], "Checking values, keys and references")
    kill_at([WRITER, str(workspace_db), "once"], "inside")

    done = run_fcu("--db", str(workspace_db), "export", "tenants", "--user", EXEC)
    assert done.returncode == 0, done.stderr
    assert done.stdout.encode() == exec_before  # the previous feed, exactly

    at = app_on(workspace_db, page=TENANTS_PAGE)
    assert not at.exception
    assert list(at.dataframe[0].value["Tenant name"]) == ["Alpha Corp", "Beta School"]


@pytest.mark.parametrize("kind", ["random bytes", "folder is a file", "path is a folder"])
def test_the_app_on_a_bad_file_shows_the_sentence(kind, bad_db_file, app_on):
    at = app_on(bad_db_file(kind))
    assert not at.exception
    assert len(at.error) == 1
    assert_one_sentence(at.error[0].value)


def test_the_app_without_its_postgresql_shows_the_sentence(app_on, monkeypatch, tmp_path):
    monkeypatch.setenv("FCU_DATABASE_URL", "postgresql://fcu:pw@127.0.0.1:9/fcu")
    monkeypatch.setenv("FCU_DATA_DIR", str(tmp_path))
    at = app_on(tmp_path / "unused.duckdb")
    assert not at.exception
    assert len(at.error) == 1
    assert (
        "PostgreSQL at postgresql://fcu:***@127.0.0.1:9/fcu cannot be reached" in at.error[0].value
    )
    assert len(at.error[0].value.splitlines()) == 1 and "Traceback" not in at.error[0].value
