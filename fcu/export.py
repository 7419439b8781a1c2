"""Tables a user may take away, as CSV or Parquet, with the same rules as the pages.

Each table is a function (db, user) -> DataFrame of the module that owns the records, listed
in ``TABLES``; ``render`` applies the redaction of ``fcu.access`` and makes text safe to open
in a spreadsheet.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from fcu import (
    audit,
    claims,
    contacts,
    earnings,
    intent,
    notes,
    portfolio,
    referrals,
    service_status,
)
from fcu.access import REVENUE_COLUMNS, User, get_user, redact
from fcu.db import Database, owner_only

F = TypeVar("F")  # a page's filters

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MONEY_COLUMNS = ("potential_earnings", "unclaimed_opportunity", "rate_per_unit")
# Figures written with two decimals: Usage % and its changes (points), and money.
ROUNDED_COLUMNS = ("usage_pct", "usage_change_1m", "usage_change_3m", *MONEY_COLUMNS)
ExportFn = Callable[[Database, User], pd.DataFrame]


FORMULA_RE = r"^[=+\-@\t\r]"  # the same starts as FORMULA_START, for SQL and pandas


def neutralise(value: object) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _is_list_column(series: pd.Series) -> bool:
    first = series.dropna().head(1)
    return len(first) > 0 and isinstance(first.iloc[0], list | tuple | np.ndarray)


def prepare(frame: pd.DataFrame, user: User, name: str = "") -> pd.DataFrame:
    """Redacted, lists joined with ';', figures rounded, text neutralised (vectorised)."""
    out = redact(user, frame, TEXT_COLUMNS.get(name, ())).copy()
    for column in out.columns:
        series = out[column]
        if series.dtype == object and _is_list_column(series):
            items = pa.array(
                [None if v is None else [str(x) for x in v] for v in series],
                type=pa.list_(pa.string()),
            )
            series = pd.Series(pc.binary_join(items, ";").to_pandas(), index=series.index)
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            text = series.astype("string")
            formula = text.str.contains(FORMULA_RE, regex=True).fillna(False).astype(bool)
            out[column] = text.mask(formula, "'" + text)
        elif pd.api.types.is_datetime64_any_dtype(series):
            # DATE columns arrive as midnight datetimes: write them back as dates.
            times = series.dropna()
            dates_only = bool((times == times.dt.normalize()).all())
            out[column] = series.dt.strftime("%Y-%m-%d" if dates_only else "%Y-%m-%d %H:%M:%S")
        elif column in ROUNDED_COLUMNS:
            out[column] = series.round(2)
    return out


def _copy_csv(cur: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> bytes:
    """CSV bytes of a query, written by DuckDB (header line, quotes only where needed)."""
    handle, path = tempfile.mkstemp(prefix="fcu-export-", suffix=".csv")
    os.close(handle)
    try:
        cur.execute(f"COPY ({sql}) TO '{path}' (HEADER, DELIMITER ',')", params or {})
        return Path(path).read_bytes()
    finally:
        os.remove(path)


def to_csv(frame: pd.DataFrame) -> bytes:
    con = duckdb.connect()
    try:
        con.register("frame", frame)
        return _copy_csv(con, "SELECT * FROM frame")
    finally:
        con.close()


def to_parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def write_private(path: Path, data: bytes) -> None:
    """Write an export file readable by its owner alone (0600), replacing any old one."""
    owner_only()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        os.fchmod(out.fileno(), 0o600)
        out.write(data)


def render(db: Database, user: User, name: str, fmt: str = "csv") -> bytes:
    if name not in TABLES:
        raise KeyError(name)
    if name == "tenants" and fmt == "csv":
        return tenants_csv(db, user)
    frame = prepare(TABLES[name](db, user), user, name)
    return to_parquet(frame) if fmt == "parquet" else to_csv(frame)


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
    """The Tenants page's Download CSV and `python -m fcu export tenants`: the filtered rows,
    shaped in SQL (a portfolio can be large) by the rules of ``prepare``: revenue columns
    only for executives, lists joined with ';', figures rounded, text neutralised."""
    if not db.table_exists("feed_partner_tenant"):
        return to_csv(prepare(pd.DataFrame(columns=portfolio.TENANT_COLUMNS), user, "tenants"))
    sql, params = portfolio.tenants_query(user, filters)
    cur = db.cursor()
    try:
        # Shaped by type, so a text or list column added later is neutralised too.
        cur.execute(f"SELECT * FROM ({sql}) LIMIT 0", params)
        types = {name: str(kind) for name, kind, *_ in cur.description}
        shaped = []
        for column in portfolio.TENANT_COLUMNS:
            if column in REVENUE_COLUMNS and not user.sees_revenue:
                continue
            if types[column].endswith("[]"):
                shaped.append(
                    f"{neutralised_sql(f'array_to_string({column}, chr(59))')} AS {column}"
                )
            elif column in ROUNDED_COLUMNS:
                shaped.append(f"round({column}, 2) AS {column}")
            elif types[column] in ("VARCHAR", "STRING"):
                shaped.append(f"{neutralised_sql(column)} AS {column}")
            else:
                shaped.append(column)
        return _copy_csv(cur, f"SELECT {', '.join(shaped)} FROM ({sql})", params)
    finally:
        cur.close()


def at_the_click(
    make: Callable[[Database, User, F], bytes], db: Database, email: str, filters: F
) -> bytes:
    """``make`` (``tenants_csv``, ``referrals_csv``) for whoever ``email`` is at this moment:
    a download deferred to the click re-reads the user, so rights narrowed or removed since
    the button was drawn apply (a removed user, or one without a role, gets the header
    alone)."""
    return make(db, get_user(db, email) or User(email, "", None), filters)


def referrals_csv(
    db: Database,
    user: User,
    filters: referrals.ReferralFilters = referrals.ReferralFilters(),  # noqa: B008 - frozen
) -> bytes:
    """The Referrals page's Download CSV: the filtered referrals as ``python -m fcu export
    referrals`` writes them all (decline reasons masked for a Report viewer)."""
    return to_csv(prepare(referrals.referrals_table(db, user, filters), user, "referrals"))


def neutralised_sql(expr: str) -> str:
    """SQL of ``neutralise``: a text a spreadsheet would run as a formula gets a leading '."""
    formula = f"regexp_matches({expr}, '{FORMULA_RE}')"
    return f"CASE WHEN {formula} THEN concat(chr(39), {expr}) ELSE {expr} END"


def workloads_table(db: Database, user: User) -> pd.DataFrame:
    if not db.table_exists("feed_partner_tenant"):
        return pd.DataFrame(columns=portfolio.EXPORT_WORKLOAD_COLUMNS)
    sql, params = portfolio.workloads_sql(user)
    frame = db.df(sql + " ORDER BY r.tenant_name, r.tenant_id, r.workload", params)
    return frame[portfolio.EXPORT_WORKLOAD_COLUMNS]


# name: the function giving its rows. Earnings' tables are refused (AccessDenied) to a Report
# viewer, as the page is.
TABLES: dict[str, ExportFn] = {
    "tenants": tenants_table,
    "workloads": workloads_table,
    "claims": claims.claims_table,
    "contacts": contacts.contacts_table,
    "notes": notes.notes_table,
    "service-status": service_status.service_status_table,
    "intent-notes": intent.intent_notes_table,
    "referrals": referrals.referrals_table,
    "audit": audit.audit_table,
    "earnings_by_workload": earnings.by_workload,
    "earnings_by_mpn": earnings.by_mpn,
    "earnings_by_country": earnings.by_country,
    "earnings_by_month": earnings.by_month,
    "earnings_top_tenants": earnings.top_tenants,
}
# Free-text columns per table whose embedded emails are masked for a Report viewer.
TEXT_COLUMNS: dict[str, tuple[str, ...]] = {
    "notes": tuple(notes.TEXT_FIELDS),
    "intent-notes": ("text",),
    "referrals": ("decline_reason",),
    "audit": ("entity_key", "before", "after"),
}
