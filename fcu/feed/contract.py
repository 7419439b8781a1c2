"""The feed's contract: its seven files, their columns and types, and how a breach is told.

This is the spec of the feed (PRODUCT.md, "The data feed") as data. Every reader of a
source (the FCU-format folder in ``fcu.feed.staging``; a Partner Center report reader)
produces the same staging tables from it: ``stg_<file>`` with the file's columns in
contract order, typed as ``KINDS`` says, one row per source line, and hands them over as a
``Staged``. The rules (``fcu.feed.rules``) then check those tables, whatever read them.

Every problem is a ``Problem``, shown as FILE:LINE: COLUMN: message; a source that cannot
be read as a feed at all raises ``FeedError`` with a sentence that says what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from fcu import countries

MAX_TEXT = 256  # characters in any feed text value
SEGMENTS = ("commercial", "education", "government")

# ISO 3166-1 alpha-2 codes, as the tenants file must give a country.
ISO_COUNTRIES = countries.CODES

# column kind -> (DuckDB type, what a good value looks like)
KINDS: dict[str, tuple[str, str]] = {
    "text": ("VARCHAR", "text"),
    "guid": ("UUID", "a GUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
    "int": ("BIGINT", "a whole number"),
    "number": ("DOUBLE", "a number"),
    "date": ("DATE", "a date as YYYY-MM-DD"),
    "timestamp": ("TIMESTAMPTZ", "an ISO 8601 time such as 2026-10-28T14:05:00Z"),
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"
    required: bool = True  # a value must be present
    optional_column: bool = False  # the column itself may be left out of the file


@dataclass(frozen=True)
class FileSpec:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


CONTRACT: tuple[FileSpec, ...] = (
    FileSpec(
        "partners",
        (Column("partner_id"), Column("partner_name"), Column("mpn_id"), Column("location_name")),
        ("mpn_id",),
    ),
    FileSpec(
        "tenants",
        (
            Column("tenant_id", "guid"),
            Column("tenant_name"),
            Column("tenant_domain"),
            Column("country"),
            Column("segment"),
            Column("eligible_licenses", "int"),
        ),
        ("tenant_id",),
    ),
    FileSpec("workloads", (Column("workload"), Column("display_name")), ("workload",)),
    FileSpec(
        "usage",
        (
            Column("tenant_id", "guid"),
            Column("workload"),
            Column("month"),
            Column("mau", "int"),
            Column("pau", "int"),
            Column("entitlements", "int", required=False, optional_column=True),
        ),
        ("tenant_id", "workload", "month"),
    ),
    FileSpec(
        "claims",
        (
            Column("claim_id"),
            Column("tenant_id", "guid"),
            Column("workload"),
            Column("partner_id"),
            Column("mpn_id"),
            Column("status"),
            Column("submitted_on", "date"),
            Column("approved_on", "date", required=False),
        ),
        ("claim_id",),
    ),
    FileSpec(
        "referrals",
        (
            Column("rfa_id"),
            Column("tenant_id", "guid"),
            Column("partner_id"),
            Column("mpn_id"),
            Column("assigned_at", "timestamp"),
            Column("workloads"),
            Column("au_pct", "number", required=False),
            Column("source", required=False),
        ),
        ("rfa_id",),
    ),
    FileSpec(
        "rate_card",
        (
            Column("workload"),
            Column("rate_per_unit", "number"),
            Column("max_earning", "number"),
            Column("min_pau", "int", required=False, optional_column=True),
        ),
        ("workload",),
    ),
)
SPECS = {spec.name: spec for spec in CONTRACT}


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        line = "-" if self.line is None else str(self.line)
        return f"{self.file}:{line}: {self.column or '-'}: {self.message}"


class FeedError(Exception):
    """The folder or upload cannot be read as a feed at all (message is a sentence)."""


def problem_order(p: Problem) -> tuple:
    """Problems in contract file order, whole-file problems first, then by line."""
    order = [f"{s.name}." for s in CONTRACT]
    rank = next((i for i, prefix in enumerate(order) if p.file.startswith(prefix)), 99)
    return (rank, p.file, p.line is not None, p.line or 0, p.column or "", p.message)


# -- the staging tables: what a reader hands the rules -------------------------------------
@dataclass
class Staged:
    """The staging tables a reader made, and what it found while reading.

    ``names`` gives each file read the name problems cite (``usage.csv``); ``checked`` the
    files whose ``stg_<file>`` the rules check (also a file with bad lines, so that every
    problem is listed at once); ``problems`` what the reader itself found.
    """

    names: dict[str, str] = field(default_factory=dict)
    checked: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)


def line_expr(cur: duckdb.DuckDBPyConnection, name: str, alias: str, parquet: bool) -> str:
    """SQL for the file line (CSV, after the header) or row number (Parquet) of a staged row.

    A reader stages a file's rows in order, so row ``rowid`` of ``stg_<name>`` is on line
    ``rowid + 2`` of a CSV; when it leaves unreadable lines out it lists where each shift
    starts in ``stg_<name>__shift`` (``shift_at``: the first rowid after a left-out line).
    """
    if parquet:
        return f"{alias}.rowid + 1"
    shifted = cur.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [f"stg_{name}__shift"]
    ).fetchone()[0]
    if not shifted:
        return f"{alias}.rowid + 2"
    return (
        f"{alias}.rowid + 2 + (SELECT count(*) FROM stg_{name}__shift s "
        f"WHERE s.shift_at <= {alias}.rowid)"
    )
