"""A tiny run of the benchmark's code on 200 tenants, so the suite proves `make bench` still works.

The measurements run in-process here (the real benchmark runs each in its own subprocess);
nothing is timed against a target.
"""

from __future__ import annotations

import sys

import pytest

from bench import __main__ as bench
from bench import worker
from fcu import db as fcu_db
from fcu import store, users
from fcu.access import User
from fcu.sample import write_sample_feed


@pytest.fixture
def clean_streamlit(monkeypatch):
    monkeypatch.setenv("FCU_DB", "unused")  # the worker sets these; restored afterwards
    monkeypatch.setenv("BENCH_FEED", "unused")
    import streamlit as st

    store.forget_shared()
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()
    store.forget_shared()


def test_bench_measures_a_small_feed_and_prints_the_table(tmp_path, clean_streamlit):
    folder = tmp_path / "feed-200"
    write_sample_feed(folder, tenants=200, seed=7, end_month="2026-10")
    floor = worker.floor(str(folder), str(tmp_path / "floor.duckdb"))
    assert set(floor["steps"]) == set(worker.FEED_FILES)

    db_file = tmp_path / "fcu.duckdb"
    steps = worker.load_steps(str(folder), str(db_file))
    assert "Reading usage.csv" in [text for text, _ in steps["steps"]]
    assert steps["statement_count"] > 10

    db = fcu_db.Database(db_file)
    users.add_many(db, [User(bench.EMAIL, "P1", "executive", True, None, "Avery Admin")])
    db.close()
    pages = worker.pages(str(db_file), bench.EMAIL, repeat=1, profile_runs=1, warm_up=False)
    assert pages["visible_tenants"] > 0
    assert pages["csv_rows"] == pages["visible_tenants"]  # fewer than 25,000: all rows
    baseline = worker.baseline(str(folder), repeat=1)
    assert baseline["tenants"] != "0"

    spawned = bench.run_measured([sys.executable, "-c", 'print("log line"); print("{}")'])
    assert spawned.peak_rss > 0 and spawned.result == {}

    result = {
        "tenants": 200,
        "load_average_start": "1.0 / 1.0 / 1.0",
        "load_average_end": "1.0 / 1.0 / 1.0",
        "load_s": [2.0],
        "floor_s": [1.0],
        "load_rss": 300 * bench.MB,
        "floor_rss": 100 * bench.MB,
        "cli_startup_s": [0.5],
        "load_steps": steps,
        "floor_steps": floor["steps"],
        "pages": pages,
        "pages_rss": 240 * bench.MB,
        "baseline": baseline,
        "baseline_rss": 200 * bench.MB,
        "browse_rss": 250 * bench.MB,
        "browse": {
            "steps": [
                ["open referrals", 0.3, 200 * bench.MB],
                ["open earnings", 1.0, 250 * bench.MB],
            ]
        },
    }
    text = bench.table([result], 1, 1)
    assert "load: ratio to floor" in text and "2.00x" in text
    assert "Tenants: rerun after slider change" in text
    assert "load <= 1.5 x floor" in text and "FAIL" in text  # 2 s against a 1 s floor
    assert "app process <= 600 MB" in text
    assert "Load steps at 200 tenants" in bench.steps_table([result])
    assert "Tenant details rerun at 200 tenants" in bench.profile_table([result])
    assert "open earnings" in bench.browse_table([result])
