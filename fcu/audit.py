"""The history of every write: who, when, what, before and after."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import duckdb


def _json(value: Any) -> str | None:
    if value is None:
        return None

    def default(obj: Any) -> str:
        if isinstance(obj, datetime | date):
            return obj.isoformat()
        return str(obj)

    return json.dumps(value, default=default, sort_keys=True)


def record(
    cur: duckdb.DuckDBPyConnection,
    *,
    actor: str,
    action: str,
    partner_id: str | None,
    tenant_id: str | None = None,
    entity_key: str | None = None,
    before: Any = None,
    after: Any = None,
) -> None:
    """Add one audit row inside the caller's transaction: it lands with the write or not at all."""
    cur.execute(
        "INSERT INTO audit (actor, partner_id, action, tenant_id, entity_key, before, after) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [actor, partner_id, action, tenant_id, entity_key, _json(before), _json(after)],
    )
