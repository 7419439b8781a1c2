"""Shared pieces of the reliability tests: fingerprints of the database's tables, a workspace
with something in every table, and a bigger feed to load (and kill) part-way.

A table's fingerprint is its row count and the sum of its rows' hashes: equal fingerprints
mean the same rows (in any order), which is what "the database is unchanged" means.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

from fcu import claims, contacts, feed, intent, notes, referrals, service_status
from fcu.access import get_user
from fcu.contacts import ContactInput
from fcu.db import Database
from fcu.notes import NoteInput
from fcu.service_status import StatusRow

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
ALPHA = "aaaaaaaa-0000-0000-0000-000000000001"
BETA = "aaaaaaaa-0000-0000-0000-000000000002"
EXEC = "exec@northwind.example"
FEED_TABLES = tuple(f"feed_{name}" for name in feed.FINAL_TABLES)
LOAD_PREFIXES = ("stg_", "rej_", "rejscan_", "raw_")
# Tenants in the bigger feed: enough that a load takes a few seconds to kill part-way.
BIG_FEED_TENANTS = 400


def workspace_tables(db: Database) -> list[str]:
    """Every table that is not the feed and not the record of load attempts."""
    names = db.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY table_name"
    )
    return [
        n
        for (n,) in names
        if not n.startswith("feed_") and n != "loads" and not n.startswith(LOAD_PREFIXES)
    ]


def fingerprints(db: Database, tables: list[str] | tuple[str, ...]) -> dict[str, tuple]:
    return {t: db.one(f'SELECT count(*), sum(hash(t)) FROM "{t}" AS t') for t in tables}


def leftover_load_tables(db: Database) -> list[str]:
    names = db.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary")
    return sorted(n for (n,) in names if n.startswith(LOAD_PREFIXES))


def fill_workspace(db: Database) -> None:
    """One record of every kind a partner writes, through the product's own functions."""
    exec_ = get_user(db, EXEC)
    notes.add_note(db, exec_, ALPHA, NoteInput(risks="Legacy proxy", next_actions="Pilot"))
    contacts.create_contact(
        db,
        exec_,
        ALPHA,
        ContactInput(
            kind="customer",
            name="Kim Lee",
            email="kim@alpha.example",
            country="United States",
            survey_language="English",
            services=("exchange",),
            survey_eligible=True,
        ),
    )
    service_status.save_status(db, exec_, ALPHA, "exchange", [StatusRow("Deployed", count=1000)], 0)
    intent.save_intent(db, exec_, ALPHA, "exchange", "No intent because of a merger freeze.")
    claims.claim_workload(db, exec_, ALPHA, "viva", "M11", today=date(2026, 11, 2))
    referrals.accept(db, exec_, "R1", 0)
    db.execute("CHECKPOINT")


def run_fcu(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m fcu ARGS` in a child process, as an operator would run it."""
    return subprocess.run(
        [PYTHON, "-m", "fcu", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def copy_db(source: Path, target: Path) -> Path:
    shutil.copy(source, target)
    wal = Path(f"{source}.wal")
    if wal.exists():
        shutil.copy(wal, Path(f"{target}.wal"))
    return target


# -- what an AppTest page shows ------------------------------------------------------------
MARKDOWN_KINDS = ("markdown", "caption", "title", "header", "subheader")
MARKDOWN_KINDS += ("info", "warning", "error", "success")
_ESCAPED = re.compile(r"\\(.)")


def markdown_shown(at) -> list[str]:
    """Every string Streamlit renders as markdown: elements and the labels of containers."""
    out = [str(e.value) for kind in MARKDOWN_KINDS for e in getattr(at, kind)]
    out += [str(e.label) for e in at.expander]
    out += [str(e.label) for e in at.tabs]
    out += [str(e.label) for e in at.metric]
    return out


def as_text(at) -> str:
    """Everything shown as text: text, code and table cells, and markdown with its escapes
    undone (an escaped ``\\*`` shows as ``*``)."""
    parts = [str(e.value) for e in at.text] + [str(e.value) for e in at.code]
    for frame in at.dataframe:
        value = frame.value
        parts += [str(v) for v in value.astype(str).to_numpy().ravel()]
        parts += [str(c) for c in value.columns]
    for kind in ("selectbox", "multiselect", "radio"):
        parts += [str(o) for e in getattr(at, kind) for o in e.options]
    parts += [str(e.value) for e in at.metric]
    parts += [_ESCAPED.sub(r"\1", m) for m in markdown_shown(at)]
    return "\n".join(parts)
