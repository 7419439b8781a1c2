"""The Earnings page's figures: potential earnings and unclaimed opportunity of the partner's
portfolio, broken down by workload, MPN location, country and month; the top tenants; and
a what-if at a target Usage %.

For Executive report viewers only: every public function calls ``access.ensure_revenue``
first, so no route (page, export, command) computes these for a Report viewer.

Attribution follows the Tenants page: the rows are the workloads of the tenants the user
sees (``tenant_scope``), minus those another partner holds. A workload the partner claims
counts as *potential earnings* (under the claim's MPN location); an unclaimed one as
*unclaimed opportunity*, under one MPN location so nothing is counted twice: the one through
which the partner holds most of the tenant's claimed workloads (of those in the user's
scope; on a tie, the lowest MPN ID). ``HOLDING_RULE`` says so on the page.

The monthly history applies today's claims and today's rate card to each month's PAU and
the high-water mark reached by then (``metrics.running_high_water_mark``): it answers
"how has the opportunity of the portfolio we hold now moved", not "what did we earn".
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from fcu import metrics, precompute
from fcu.access import User, ensure_revenue, mpn_scope, tenant_scope
from fcu.db import Database

FIGURES = ["potential_earnings", "unclaimed_opportunity"]
HOLDING_RULE = (
    "A claimed workload counts under its claim's MPN location; an unclaimed one under the "
    "location through which your partner holds most of that tenant's claimed workloads "
    "(on a tie, the lowest MPN ID), so each dollar is counted once."
)
TOP_TENANTS = 20


def _rows_cte(user: User, series: bool = False) -> tuple[str, dict]:
    """CTE ``rows``: one row per visible tenant-workload with its claim (if the partner's);
    with ``series``, also its monthly history (precompute.ensure_usage_series first)."""
    scope_sql, params = tenant_scope(user, "pt")
    mpn_sql, mpn_params = mpn_scope(user)
    params.update(mpn_params, partner=user.partner_id)
    series_columns, series_join = "", ""
    if series:
        series_columns = ", s.months, s.mau_series, s.pau_series"
        series_join = (
            "JOIN feed_usage_series s ON s.tenant_id = tw.tenant_id AND s.workload = tw.workload"
        )
    sql = f"""
        WITH claims AS (
            SELECT tenant_id, workload, partner_id, mpn_id
            FROM active_claims('feed_claims')
        ),
        holding AS (  -- per tenant, the MPN location an unclaimed workload counts under
            SELECT tenant_id, mpn_id FROM (
                SELECT tenant_id, mpn_id, row_number() OVER (
                    PARTITION BY tenant_id ORDER BY count(*) DESC, mpn_id) AS rank
                FROM claims WHERE partner_id = $partner AND {mpn_sql}
                GROUP BY tenant_id, mpn_id)
            WHERE rank = 1
        ),
        rows AS (
            SELECT pt.tenant_id, pt.tenant_name, pt.country, tw.workload,
                   c.partner_id IS NOT NULL AS claimed,
                   coalesce(c.mpn_id, h.mpn_id) AS mpn_id,
                   tw.pau, tw.hwm, tw.rate_per_unit, tw.max_earning, tw.min_pau,
                   tw.opportunity_value {series_columns}
            FROM feed_partner_tenant pt
            JOIN feed_tenant_workload tw ON tw.tenant_id = pt.tenant_id {series_join}
            LEFT JOIN claims c ON c.tenant_id = tw.tenant_id AND c.workload = tw.workload
            LEFT JOIN holding h ON h.tenant_id = pt.tenant_id
            WHERE {scope_sql} AND (c.partner_id IS NULL OR c.partner_id = $partner)
        )
    """
    return sql, params


def _ready(db: Database) -> bool:
    return db.table_exists("feed_partner_tenant") and db.table_exists("feed_tenant_workload")


def _sums(db: Database, user: User, by: str) -> pd.DataFrame:
    """Potential earnings and unclaimed opportunity per ``by`` (a column of ``rows``)."""
    sql, params = _rows_cte(user)
    return db.df(
        sql + f"SELECT {by}, "
        "coalesce(sum(opportunity_value) FILTER (WHERE claimed), 0) AS potential_earnings, "
        "coalesce(sum(opportunity_value) FILTER (WHERE NOT claimed), 0) AS unclaimed_opportunity "
        f"FROM rows GROUP BY {by} ORDER BY {by}",
        params,
    ).astype({c: "float64" for c in FIGURES})


def by_workload(db: Database, user: User) -> pd.DataFrame:
    """Current month, per workload: workload, display_name, potential, unclaimed (USD)."""
    ensure_revenue(user)
    if not _ready(db):
        return pd.DataFrame(columns=["workload", "display_name", *FIGURES])
    frame = _sums(db, user, "workload")
    names = dict(db.execute("SELECT workload, display_name FROM feed_workloads"))
    frame.insert(1, "display_name", frame["workload"].map(names))
    return frame.sort_values(FIGURES, ascending=False, ignore_index=True)


def by_mpn(db: Database, user: User) -> pd.DataFrame:
    """Current month, per MPN location: mpn_id, location_name, potential, unclaimed (USD)."""
    ensure_revenue(user)
    if not _ready(db):
        return pd.DataFrame(columns=["mpn_id", "location_name", *FIGURES])
    frame = _sums(db, user, "mpn_id")
    names = dict(
        db.execute(
            "SELECT mpn_id, location_name FROM feed_partners WHERE partner_id = ?",
            [user.partner_id],
        )
    )
    frame.insert(1, "location_name", frame["mpn_id"].map(lambda m: names.get(m, m)))
    return frame.sort_values(FIGURES, ascending=False, ignore_index=True)


def by_country(db: Database, user: User) -> pd.DataFrame:
    """Current month, per tenant country (ISO code): potential, unclaimed (USD)."""
    ensure_revenue(user)
    if not _ready(db):
        return pd.DataFrame(columns=["country", *FIGURES])
    frame = _sums(db, user, "country")
    return frame.sort_values(FIGURES, ascending=False, ignore_index=True)


# Each month's opportunity of a tenant-workload: metrics.opportunity_units on that month's
# PAU and metrics.running_high_water_mark, written as a list lambda so DuckDB computes it
# beside the data (the pandas version took 66 s at 100,000 tenants; this takes ~3 s).
# tests/unit/test_earnings.py checks it against the metrics functions.
_MONTHLY_VALUES = """
    list_transform(pau_series, lambda p, i:
        CASE WHEN p >= min_pau
             THEN least(greatest(p - list_max(mau_series[1:i]), 0),
                        floor(max_earning / rate_per_unit)) * rate_per_unit
             ELSE 0 END)
"""


def by_month(db: Database, user: User) -> pd.DataFrame:
    """Per month of the usage history: potential, unclaimed (USD), with today's claims and
    rate card applied to that month's PAU and the high-water mark reached by then."""
    ensure_revenue(user)
    if not _ready(db):
        return pd.DataFrame(columns=["month", *FIGURES])
    precompute.ensure_usage_series(db)
    sql, params = _rows_cte(user, series=True)
    return db.df(
        sql
        + f"""
        , monthly AS (
            SELECT claimed, unnest(months) AS month, unnest({_MONTHLY_VALUES}) AS value
            FROM rows WHERE rate_per_unit > 0 AND max_earning IS NOT NULL
        )
        SELECT month,
               coalesce(sum(value) FILTER (WHERE claimed), 0) AS potential_earnings,
               coalesce(sum(value) FILTER (WHERE NOT claimed), 0) AS unclaimed_opportunity
        FROM monthly GROUP BY month ORDER BY month
        """,
        params,
    ).astype({c: "float64" for c in FIGURES})


def top_tenants(db: Database, user: User, limit: int = TOP_TENANTS) -> pd.DataFrame:
    """The tenants with the most opportunity (potential + unclaimed), with a link to each."""
    ensure_revenue(user)
    columns = ["tenant_id", "tenant_name", "country", *FIGURES, "total_opportunity", "link"]
    if not _ready(db):
        return pd.DataFrame(columns=columns)
    scope_sql, params = tenant_scope(user, "pt")
    frame = db.df(
        "SELECT tenant_id, tenant_name, country, potential_earnings, unclaimed_opportunity, "
        "potential_earnings + unclaimed_opportunity AS total_opportunity "
        f"FROM feed_partner_tenant pt WHERE {scope_sql} "
        "AND potential_earnings + unclaimed_opportunity > 0 "
        "ORDER BY total_opportunity DESC, tenant_name, tenant_id LIMIT $limit",
        {**params, "limit": int(limit)},
    )
    frame["link"] = "tenant?tenant=" + frame["tenant_id"].astype(str)
    return frame[columns]


@dataclass(frozen=True)
class WhatIf:
    target_pct: float
    claimed_earnings: float  # claimed workloads brought to the target
    unclaimed_earnings: float  # unclaimed workloads, were the partner to claim them
    potential_earnings: float  # claimed workloads brought to full PAU (today's figure)


def what_if(db: Database, user: User, target_pct: float) -> WhatIf:
    """Earnings if every eligible workload's MAU rose to ``target_pct`` of its PAU."""
    ensure_revenue(user)
    target = min(max(float(target_pct), 0.0), 100.0)
    if not _ready(db):
        return WhatIf(target, 0.0, 0.0, 0.0)
    sql, params = _rows_cte(user)
    frame = db.df(
        sql + "SELECT claimed, pau, hwm, rate_per_unit, max_earning, min_pau, "
        "opportunity_value FROM rows WHERE rate_per_unit > 0",  # no rate: never earns
        params,
    )
    if frame.empty:
        return WhatIf(target, 0.0, 0.0, 0.0)
    earned = metrics.target_uplift(frame, target).to_numpy()
    claimed = frame["claimed"].to_numpy(dtype=bool)
    return WhatIf(
        target,
        float(earned[claimed].sum()),
        float(earned[~claimed].sum()),
        float(frame["opportunity_value"].to_numpy()[claimed].sum()),
    )
