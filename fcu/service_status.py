"""Service status of a workload: how its entitlements split over L1 / L2 / L3 statuses.

The choices come from an operator-editable taxonomy file (``data/service_taxonomy.json``,
or ``FCU_TAXONOMY``): each L1 lists its L2 choices and each L2 its L3 choices. The counts
of a workload's rows must add up to its total entitlements (the feed's entitlements,
defaulting to PAU). A save names the version it started from; if someone saved the
workload since, it is refused and nothing is overwritten.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from fcu import audit, portfolio
from fcu.access import User
from fcu.db import Database
from fcu.workspace import (
    RELOAD,
    StaleEdit,
    WorkspaceError,
    scoped_sql,
    writable_tenant,
    write_checked,
)

DEFAULT_TAXONOMY = Path(__file__).resolve().parent.parent / "data" / "service_taxonomy.json"
MAX_ROWS = 50
MAX_COUNT = 1_000_000_000
EXPORT_COLUMNS = [
    "tenant_id",
    "workload",
    "row",
    "l1",
    "l2",
    "l3",
    "count",
    "version",
    "updated_by",
    "updated_at",
]


class TaxonomyError(Exception):
    """The taxonomy file cannot be used (message says what to fix in it)."""


@dataclass(frozen=True)
class Taxonomy:
    levels: dict[str, dict[str, list[str]]]  # L1 -> L2 -> L3 choices
    no_intent: frozenset[str] = frozenset()  # L1s recording a customer without intent

    @property
    def l1_options(self) -> list[str]:
        return list(self.levels)

    def l2_options(self, l1: str | None) -> list[str]:
        return list(self.levels.get(l1 or "", {}))

    def l3_options(self, l1: str | None, l2: str | None) -> list[str]:
        return list(self.levels.get(l1 or "", {}).get(l2 or "", []))


def taxonomy_path() -> Path:
    env = os.environ.get("FCU_TAXONOMY")
    return Path(env) if env else DEFAULT_TAXONOMY


def load_taxonomy(path: str | os.PathLike | None = None) -> Taxonomy:
    """The taxonomy in ``path`` (default: FCU_TAXONOMY or data/service_taxonomy.json)."""
    resolved = Path(path) if path else taxonomy_path()
    try:
        info = resolved.stat()
    except OSError as exc:
        raise TaxonomyError(
            f"The service-status taxonomy {resolved} cannot be read ({exc.strerror}); restore "
            "it or point FCU_TAXONOMY at one."
        ) from exc
    return _parse(str(resolved), (info.st_mtime_ns, info.st_size))


@lru_cache(maxsize=8)
def _parse(path: str, _stamp: tuple[int, int]) -> Taxonomy:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        levels: dict[str, dict[str, list[str]]] = {}
        no_intent = set()
        for l1, spec in raw["l1"].items():
            levels[str(l1)] = {str(l2): [str(x) for x in l3s] for l2, l3s in spec["l2"].items()}
            if spec.get("no_intent"):
                no_intent.add(str(l1))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise TaxonomyError(
            f"The service-status taxonomy {path} is not in the expected shape "
            f'({{"l1": {{L1: {{"l2": {{L2: [L3, ...]}}}}}}}}): {exc}'
        ) from exc
    if not levels:
        raise TaxonomyError(f"The service-status taxonomy {path} lists no L1 status.")
    return Taxonomy(levels, frozenset(no_intent))


@dataclass(frozen=True)
class StatusRow:
    l1: str
    l2: str | None = None
    l3: str | None = None
    count: int = 0


@dataclass(frozen=True)
class WorkloadStatus:
    workload: str
    display_name: str
    total_entitlements: int
    rows: tuple[StatusRow, ...] = ()
    version: int = 0  # 0: never saved
    updated_by: str | None = None
    updated_at: datetime | None = None
    claimed: bool = field(default=False)


def _workload_row(workloads: pd.DataFrame, workload: str) -> pd.Series:
    """The workload's row of the tenant's visible workloads (``portfolio.tenant_workloads``)."""
    match = workloads[workloads["workload"] == workload]
    if match.empty:
        raise WorkspaceError(
            "That workload is not one you can see on this tenant; choose one from the list."
        )
    return match.iloc[0]


def _total(row: pd.Series) -> int:
    for column in ("entitlements", "pau"):
        value = row.get(column)
        if value is not None and not pd.isna(value):
            return int(value)
    return 0


def _workload_status(info: pd.Series, saved: tuple | None) -> WorkloadStatus:
    """A workload's status from its row of the workloads and its saved
    (entries, version, updated_by, updated_at), if any."""
    rows: tuple[StatusRow, ...] = ()
    version, updated_by, updated_at = 0, None, None
    if saved:
        rows = tuple(StatusRow(**entry) for entry in json.loads(saved[0]))
        version, updated_by, updated_at = int(saved[1]), saved[2], saved[3]
    return WorkloadStatus(
        str(info["workload"]),
        str(info["display_name"]),
        _total(info),
        rows,
        version,
        updated_by,
        updated_at,
        claimed=not pd.isna(info["claim_id"]),
    )


def status(db: Database, user: User, tenant_id: str, workload: str) -> WorkloadStatus:
    """The saved status of one workload of a tenant the user may see."""
    tenant = writable_tenant(db, user, tenant_id)
    info = _workload_row(portfolio.tenant_workloads(db, user, tenant), workload)
    saved = db.one(
        "SELECT entries, version, updated_by, updated_at FROM service_status "
        "WHERE partner_id = ? AND tenant_id = ? AND workload = ?",
        [user.partner_id, tenant, workload],
    )
    return _workload_status(info, saved)


def statuses_of(
    db: Database, user: User, view: portfolio.TenantView, workloads: pd.DataFrame
) -> dict[str, WorkloadStatus]:
    """``status`` of every visible workload of a tenant already looked up for this user
    (``portfolio.tenant_view``), from its workloads as ``portfolio.tenant_workloads`` gave
    them: one query for the saved statuses, none for the workloads."""
    if view.status != "visible":
        return {}
    saved = {
        row[0]: row[1:]
        for row in db.execute(
            "SELECT workload, entries, version, updated_by, updated_at FROM service_status "
            "WHERE partner_id = ? AND tenant_id = ?",
            [user.partner_id, view.tenant_id],
        )
    }
    return {
        str(info["workload"]): _workload_status(info, saved.get(info["workload"]))
        for _, info in workloads.iterrows()
    }


def check_rows(rows: list[StatusRow], total: int, taxonomy: Taxonomy) -> list[StatusRow]:
    """The rows cleaned, or a refusal naming the row and what to change."""
    if not rows:
        raise WorkspaceError("Add at least one row: an L1 status and its entitlement count.")
    if len(rows) > MAX_ROWS:
        raise WorkspaceError(f"Use at most {MAX_ROWS} rows; combine rows with the same status.")
    clean: list[StatusRow] = []
    seen: dict[tuple, int] = {}
    for number, row in enumerate(rows, start=1):
        l1, l2, l3 = (str(v).strip() if v not in (None, "") else None for v in row[:3])
        if l1 not in taxonomy.levels:
            raise WorkspaceError(
                f"Row {number}: choose an L1 status ({', '.join(taxonomy.l1_options)})."
            )
        l2_choices = taxonomy.l2_options(l1)
        if not l2_choices and l2:
            raise WorkspaceError(f"Row {number}: {l1} takes no L2 status; clear it.")
        if l2_choices and l2 not in l2_choices:
            raise WorkspaceError(
                f"Row {number}: {l1} needs an L2 status ({', '.join(l2_choices)})."
            )
        l3_choices = taxonomy.l3_options(l1, l2)
        if not l3_choices and l3:
            raise WorkspaceError(f"Row {number}: {l2 or l1} takes no L3 status; clear it.")
        if l3_choices and l3 not in l3_choices:
            raise WorkspaceError(
                f"Row {number}: {l2} needs an L3 status ({', '.join(l3_choices)})."
            )
        count = row[3]
        if isinstance(count, bool) or not isinstance(count, int | float) or count != int(count):
            raise WorkspaceError(f"Row {number}: the count must be a whole number.")
        if not 0 <= count <= MAX_COUNT:
            raise WorkspaceError(f"Row {number}: the count must be between 0 and {MAX_COUNT:,}.")
        key = (l1, l2, l3)
        if key in seen:
            raise WorkspaceError(
                f"Rows {seen[key]} and {number} have the same status; put their counts in one row."
            )
        seen[key] = number
        clean.append(StatusRow(l1, l2, l3, int(count)))
    counted = sum(r.count for r in clean)
    if counted != total:
        difference = total - counted
        fix = f"add {difference:,}" if difference > 0 else f"remove {-difference:,}"
        raise WorkspaceError(
            f"The counts add up to {counted:,} but the workload has {total:,} entitlements: "
            f"{fix} so they match."
        )
    return clean


def _tuple(row: StatusRow | dict | tuple) -> tuple:
    if isinstance(row, StatusRow):
        return (row.l1, row.l2, row.l3, row.count)
    if isinstance(row, dict):
        return (row.get("l1"), row.get("l2"), row.get("l3"), row.get("count"))
    return tuple(row)


def save_status(
    db: Database,
    user: User,
    tenant_id: str,
    workload: str,
    rows: list[StatusRow | dict | tuple],
    version: int,
    taxonomy: Taxonomy | None = None,
) -> int:
    """Save a workload's status read at ``version`` (0: none yet); returns the new version."""
    tenant = writable_tenant(db, user, tenant_id)
    info = _workload_row(portfolio.tenant_workloads(db, user, tenant), workload)
    clean = check_rows([_tuple(r) for r in rows], _total(info), taxonomy or load_taxonomy())
    entries = [r.__dict__ for r in clean]

    def work(cur: duckdb.DuckDBPyConnection) -> int:
        saved = cur.execute(
            "SELECT entries, version FROM service_status "
            "WHERE partner_id = ? AND tenant_id = ? AND workload = ?",
            [user.partner_id, tenant, workload],
        ).fetchone()
        current = int(saved[1]) if saved else 0
        if current != int(version):
            raise StaleEdit(
                f"Someone else saved this workload's status after you opened it. {RELOAD}"
            )
        new_version = current + 1
        if saved:
            cur.execute(
                "UPDATE service_status SET entries = ?, version = ?, updated_by = ?, "
                "updated_at = current_timestamp "
                "WHERE partner_id = ? AND tenant_id = ? AND workload = ? AND version = ?",
                [
                    json.dumps(entries),
                    new_version,
                    user.email,
                    user.partner_id,
                    tenant,
                    workload,
                    current,
                ],
            )
        else:
            cur.execute(
                "INSERT INTO service_status (partner_id, tenant_id, workload, entries, version, "
                "updated_by) VALUES (?, ?, ?, ?, ?, ?)",
                [user.partner_id, tenant, workload, json.dumps(entries), new_version, user.email],
            )
        audit.record(
            cur,
            actor=user.email,
            action="service_status.save",
            partner_id=user.partner_id,
            tenant_id=tenant,
            entity_key=workload,
            before=json.loads(saved[0]) if saved else None,
            after=entries,
        )
        return new_version

    return write_checked(db, work)


def service_status_table(db: Database, user: User) -> pd.DataFrame:
    if not db.table_exists("feed_partner_tenant"):
        return pd.DataFrame(columns=EXPORT_COLUMNS)
    where, params = scoped_sql(user, "s")
    return db.df(
        f"""
        SELECT s.tenant_id, s.workload, e.row, e.entry->>'l1' AS l1, e.entry->>'l2' AS l2,
               e.entry->>'l3' AS l3, CAST(e.entry->>'count' AS BIGINT) AS count,
               s.version, s.updated_by, s.updated_at
        FROM service_status s,
             LATERAL (SELECT unnest(CAST(s.entries AS JSON[])) AS entry,
                             generate_subscripts(CAST(s.entries AS JSON[]), 1) AS row) e
        WHERE {where}
        ORDER BY s.tenant_id, s.workload, e.row
        """,
        params,
    )
