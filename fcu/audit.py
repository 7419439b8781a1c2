"""The history of every write: who, when, what, before and after."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from fcu.access import MASK, User
from fcu.db import Database
from fcu.workspace import scoped_sql


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


# -- the audit, as a table -----------------------------------------------------------------
AUDIT_COLUMNS = [
    "audit_id",
    "at_time",
    "actor",
    "action",
    "tenant_id",
    "entity_key",
    "before",
    "after",
]
# Actions whose before/after hold personal data (contact details, note owners): hidden
# whole from users who may not see personal data.
PERSONAL_ACTIONS = ("contact.", "note.", "user.")


def audit_table(db: Database, user: User) -> pd.DataFrame:
    """The partner's history on tenants the user may see (and, for admins, user changes)."""
    if not user.has_access or not db.table_exists("feed_partner_tenant"):
        return pd.DataFrame(columns=AUDIT_COLUMNS)
    where, params = scoped_sql(user, "a")
    if user.is_admin:
        where = f"(({where}) OR (a.partner_id = $partner AND a.tenant_id IS NULL))"
    frame = db.df(
        f"SELECT {', '.join('a.' + c for c in AUDIT_COLUMNS)} FROM audit a WHERE {where} "
        "ORDER BY a.audit_id",
        params,
    )
    if not user.sees_personal_data and not frame.empty:
        personal = frame["action"].str.startswith(PERSONAL_ACTIONS)
        for column in ("before", "after"):
            frame[column] = frame[column].astype(object)
            frame.loc[personal & frame[column].notna(), column] = MASK
    return frame
