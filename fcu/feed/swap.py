"""What the pages read: the checked staging tables swapped in as ``feed_*``, and the load's record.

Once every rule passes and the figures are built, the small tables get their final shape
(GUIDs as text, referral workloads as a list, rate card defaults) and every ``stg_*`` table
of ``FINAL_TABLES`` replaces its ``feed_*`` table in one transaction, together with the
load's row in ``loads``; a refused load writes only that row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from fcu import precompute
from fcu.db import Database
from fcu.feed.contract import Problem
from fcu.metrics import DEFAULT_MIN_PAU

FINAL_TABLES = (
    "partners",
    "tenants",
    "workloads",
    "usage",
    "claims",
    "referrals",
    "rate_card",
    "tenant_workload",
    "partner_tenant",
    "partner_earnings",
    "months",
    "meta",
)


@dataclass
class LoadResult:
    ok: bool
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0  # every problem, including those past the listing cap
    rows: dict[str, int] = field(default_factory=dict)
    current_month: str | None = None
    seconds: float = 0.0
    load_id: int | None = None
    loaded_by: str = ""
    source: str = ""
    step_seconds: dict[str, float] = field(default_factory=dict)  # how long each step took
    started_at: datetime = field(default_factory=datetime.now)

    def summary(self) -> str:
        if not self.ok:
            return f"Feed refused: {self.problem_count} problem(s); the database is unchanged."
        lines = [f"Feed loaded in {self.seconds:.1f} s. Current month: {self.current_month}."]
        lines += [f"  {name:<16}{count:>14,} rows" for name, count in self.rows.items()]
        return "\n".join(lines)


def finalise_small_tables(cur: duckdb.DuckDBPyConnection, current_month: str) -> None:
    """Cast GUIDs to text and apply defaults in the small tables (usage stays as read)."""
    cur.execute(
        "CREATE OR REPLACE TABLE stg_tenants AS SELECT CAST(tenant_id AS VARCHAR) AS tenant_id, "
        "tenant_name, tenant_domain, country, segment, eligible_licenses FROM stg_tenants"
    )
    cur.execute(
        "CREATE OR REPLACE TABLE stg_claims AS SELECT claim_id, CAST(tenant_id AS VARCHAR) "
        "AS tenant_id, workload, partner_id, mpn_id, status, submitted_on, approved_on "
        "FROM stg_claims"
    )
    cur.execute(
        "CREATE OR REPLACE TABLE stg_referrals AS SELECT rfa_id, CAST(tenant_id AS VARCHAR) "
        "AS tenant_id, partner_id, mpn_id, CAST(assigned_at AS TIMESTAMP) AS assigned_at, "
        "list_filter(list_transform(string_split(workloads, ';'), lambda w: trim(w)), "
        "lambda w: w <> '') "
        "AS workloads, au_pct, source FROM stg_referrals"
    )
    cur.execute(
        "CREATE OR REPLACE TABLE stg_rate_card_final AS SELECT workload, rate_per_unit, "
        f"max_earning, coalesce(min_pau, {DEFAULT_MIN_PAU}) AS min_pau FROM stg_rate_card"
    )
    cur.execute(
        "CREATE OR REPLACE TABLE stg_meta AS SELECT CAST(? AS VARCHAR) AS current_month, "
        "CAST(current_timestamp AS TIMESTAMP) AS loaded_at",
        [current_month],
    )


def swap_in(db: Database, result: LoadResult) -> None:
    """Replace every feed table at once, in one transaction, and record the load."""

    def swap(cur: duckdb.DuckDBPyConnection) -> None:
        for name in FINAL_TABLES:
            source = "stg_rate_card_final" if name == "rate_card" else f"stg_{name}"
            _drop(cur, f"feed_{name}")
            cur.execute(f"ALTER TABLE {source} RENAME TO feed_{name}")
        for name in precompute.RETIRED_TABLES:  # no longer built
            _drop(cur, name)
        record_load(cur, result)

    db.write(swap, attempts=3)


def _drop(cur: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop a feed table, or the view of the feed being replaced that a team store's load
    reads it through (fcu.team)."""
    kind = cur.execute(
        "SELECT 'VIEW' FROM duckdb_views() WHERE view_name = $n AND database_name = "
        "current_database() UNION ALL SELECT 'TABLE' FROM duckdb_tables() WHERE "
        "table_name = $n AND database_name = current_database()",
        {"n": name},
    ).fetchone()
    if kind:
        cur.execute(f"DROP {kind[0]} {name}")


def record_load(
    cur: duckdb.DuckDBPyConnection, result: LoadResult, snapshot: str | None = None
) -> None:
    """The load's row in ``loads``: who, from where, its outcome, rows and problems (and in
    the team store the feed file it made, ``snapshot``)."""
    errors = "\n".join(str(p) for p in result.problems[:1000]) or None
    result.load_id = cur.execute(
        "INSERT INTO loads (started_at, finished_at, loaded_by, source, outcome, current_month, "
        "rows_per_file, error_count, errors, snapshot) VALUES (?, current_timestamp, ?, ?, ?, "
        "?, MAP(?::VARCHAR[], ?::BIGINT[]), ?, ?, ?) RETURNING load_id",
        [
            result.started_at,
            result.loaded_by,
            result.source,
            "loaded" if result.ok else "refused",
            result.current_month,
            list(result.rows),
            list(result.rows.values()),
            result.problem_count,
            errors,
            snapshot,
        ],
    ).fetchone()[0]
