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

Speed: the load computes each tenant-workload's monthly history
(``feed_tenant_workload.monthly_values``) and, per partner, every breakdown for the users
who see the whole portfolio, what-if targets at the slider's steps included
(``feed_partner_earnings``, kept right after a claim in the app by
``precompute.refresh_partner_tenant``). A user of some MPN locations gets the same sums
from the rows at query time (``_rows_cte``); tests/unit/test_earnings_precomputed.py holds
the two paths equal.
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
WHAT_IF_STEP = precompute.WHAT_IF_STEP  # the what-if slider's step: precomputed targets


def _whole_portfolio(user: User) -> bool:
    """The user sees the partner's whole portfolio: the load precomputed their figures."""
    return user.has_access and user.scope_mpns is None


def _rows_cte(user: User) -> tuple[str, dict]:
    """CTE ``rows``: one row per visible tenant-workload with its claim (if the partner's)
    and its monthly history (``monthly_values``), for a user of some MPN locations."""
    scope_sql, params = tenant_scope(user, "pt")
    mpn_sql, mpn_params = mpn_scope(user, "c.mpn_id")
    params.update(mpn_params, partner=user.partner_id)
    return precompute.earnings_rows_sql("feed", scope_sql, mpn_sql), params


def _ready(db: Database) -> bool:
    return db.table_exists("feed_partner_earnings")


def _precomputed(db: Database, user: User, breakdown: str, by: str) -> pd.DataFrame:
    """A breakdown of the user's whole portfolio, as the load (or the last claim) left it."""
    return db.df(
        f"SELECT key AS {by}, potential_earnings, unclaimed_opportunity "
        "FROM feed_partner_earnings WHERE partner_id = ? AND breakdown = ? ORDER BY key",
        [user.partner_id, breakdown],
    ).astype({c: "float64" for c in FIGURES})


def _sums(db: Database, user: User, by: str, breakdown: str) -> pd.DataFrame:
    """Potential earnings and unclaimed opportunity per ``by`` (a column of ``rows``)."""
    if _whole_portfolio(user):
        return _precomputed(db, user, breakdown, by)
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
    frame = _sums(db, user, "workload", "workload")
    names = dict(db.execute("SELECT workload, display_name FROM feed_workloads"))
    frame.insert(1, "display_name", frame["workload"].map(names))
    return frame.sort_values(FIGURES, ascending=False, ignore_index=True)


def by_mpn(db: Database, user: User) -> pd.DataFrame:
    """Current month, per MPN location: mpn_id, location_name, potential, unclaimed (USD)."""
    ensure_revenue(user)
    if not _ready(db):
        return pd.DataFrame(columns=["mpn_id", "location_name", *FIGURES])
    frame = _sums(db, user, "mpn_id", "mpn")
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
    frame = _sums(db, user, "country", "country")
    return frame.sort_values(FIGURES, ascending=False, ignore_index=True)


def by_month(db: Database, user: User) -> pd.DataFrame:
    """Per month of the usage history: potential, unclaimed (USD), with today's claims and
    rate card applied to that month's PAU and the high-water mark reached by then
    (``tenant_workload.monthly_values``, computed by the load from ``fcu.metrics``)."""
    ensure_revenue(user)
    if not _ready(db):
        return pd.DataFrame(columns=["month", *FIGURES])
    if _whole_portfolio(user):
        return _precomputed(db, user, "month", "month")
    months = [r[0] for r in db.execute("SELECT month FROM feed_months WHERE valid ORDER BY idx")]
    sql, params = _rows_cte(user)
    labels = "[" + ", ".join(f"'{m}'" for m in months) + "]::VARCHAR[]"
    return db.df(
        sql
        + f"""
        , sums AS (
            SELECT {precompute.month_sums_sql(len(months), "claimed")} AS potential,
                   {precompute.month_sums_sql(len(months), "NOT claimed")} AS unclaimed
            FROM rows WHERE monthly_values IS NOT NULL HAVING count(*) > 0
        )
        SELECT unnest({labels}) AS month, unnest(potential) AS potential_earnings,
               unnest(unclaimed) AS unclaimed_opportunity
        FROM sums ORDER BY month
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
    if _whole_portfolio(user) and target in precompute.WHAT_IF_TARGETS:
        steps = _precomputed(db, user, "what_if", "target").set_index("target")
        if steps.empty:
            return WhatIf(target, 0.0, 0.0, 0.0)
        at = steps.loc[str(int(target))]
        # at 100 % every claimed workload is fully used: today's potential earnings
        full = steps.loc["100", "potential_earnings"]
        return WhatIf(
            target, float(at["potential_earnings"]), float(at["unclaimed_opportunity"]), float(full)
        )
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
