"""Tables a user may take away, as CSV or Parquet, with the same rules as the pages.

Each table is a function (db, user) -> DataFrame registered in ``TABLES``; ``render``
applies the redaction of ``fcu.access`` and makes text safe to open in a spreadsheet.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pandas as pd

from fcu import portfolio
from fcu.access import User, redact
from fcu.db import Database

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MONEY_COLUMNS = ("potential_earnings", "unclaimed_opportunity", "rate_per_unit")
ExportFn = Callable[[Database, User], pd.DataFrame]
TABLES: dict[str, ExportFn] = {}
# Free-text columns per table whose embedded emails are masked for a Report viewer.
TEXT_COLUMNS: dict[str, tuple[str, ...]] = {}


def table(name: str, text_columns: tuple[str, ...] = ()) -> Callable[[ExportFn], ExportFn]:
    """Register an export table (used by the modules that own each kind of record)."""

    def register(fn: ExportFn) -> ExportFn:
        TABLES[name] = fn
        TEXT_COLUMNS[name] = text_columns
        return fn

    return register


def neutralise(value: object) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _flatten(value: object) -> object:
    if isinstance(value, list | tuple) or (hasattr(value, "tolist") and not isinstance(value, str)):
        items = value.tolist() if hasattr(value, "tolist") else value
        return ";".join(str(v) for v in items)
    return value


def prepare(frame: pd.DataFrame, user: User, name: str = "") -> pd.DataFrame:
    """Redacted, lists joined with ';', figures rounded, text neutralised."""
    out = redact(user, frame, TEXT_COLUMNS.get(name, ())).copy()
    for column in out.columns:
        series = out[column]
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            out[column] = series.map(_flatten).map(neutralise)
        elif column == "usage_pct":
            out[column] = series.round(2)
        elif column in MONEY_COLUMNS:
            out[column] = series.round(2)
    return out


def to_csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def to_parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def render(db: Database, user: User, name: str, fmt: str = "csv") -> bytes:
    if name not in TABLES:
        raise KeyError(name)
    frame = prepare(TABLES[name](db, user), user, name)
    return to_parquet(frame) if fmt == "parquet" else to_csv(frame)


@table("tenants")
def tenants_table(
    db: Database,
    user: User,
    filters: portfolio.TenantFilters = portfolio.TenantFilters(),  # noqa: B008 - frozen
) -> pd.DataFrame:
    return portfolio.tenants(db, user, filters)[portfolio.TENANT_COLUMNS]


def tenants_csv(
    db: Database,
    user: User,
    filters: portfolio.TenantFilters = portfolio.TenantFilters(),  # noqa: B008 - frozen
) -> bytes:
    """The Tenants page's Download CSV: the filtered rows, exactly as `export tenants` shapes
    them (with no filters the bytes equal `python -m fcu export tenants` for that user)."""
    return to_csv(prepare(tenants_table(db, user, filters), user, "tenants"))


@table("workloads")
def workloads_table(db: Database, user: User) -> pd.DataFrame:
    if not db.table_exists("feed_partner_tenant"):
        return pd.DataFrame(columns=portfolio.EXPORT_WORKLOAD_COLUMNS)
    sql, params = portfolio.workloads_sql(user)
    frame = db.df(sql + " ORDER BY r.tenant_name, r.tenant_id, r.workload", params)
    return frame[portfolio.EXPORT_WORKLOAD_COLUMNS]


# Tables registered by the modules that own them (imported last: they use ``table``).
from fcu import earnings, referrals  # noqa: E402,F401

# The partner's workspace registers notes, contacts, service-status, intent-notes, claims, audit.
WORKSPACE_TABLES = ("notes", "contacts", "service-status", "intent-notes", "claims", "audit")
from fcu import claims, contacts, intent, notes, service_status  # noqa: E402,F401
