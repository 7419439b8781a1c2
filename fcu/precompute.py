"""What the pages read, computed once per load (and per tenant after a claim in the app).

- ``usage_tw``: one row per tenant-workload from the usage history: row and month counts
  (for the key check), HWM, current-month MAU / PAU / entitlements and the monthly series.
- ``tenant_workload``: usage_tw with the rate card and the figures of ``fcu.metrics``.
- ``partner_tenant``: one row per partner and tenant on which the partner holds an active
  claim: the tenant's attributes, the partner's MPN locations and claimed workloads there,
  sums over the workloads the partner may see, and the flags the Tenants page filters on.

Claims are the feed's plus those made in the app that the feed has not yet caught up with
(``effective_claims`` and ``active_claims`` in fcu/sql/migrations/003_claims.sql).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import duckdb
import pandas as pd
import pyarrow as pa

from fcu import metrics
from fcu.db import Database

DEFAULT_MIN_PAU = metrics.DEFAULT_MIN_PAU


MONTH_PATTERN = "[0-9]{4}-(0[1-9]|1[0-2])"


def _udf(fn: Callable[..., pd.Series], arity: int) -> Callable[..., pa.Array]:
    """A DuckDB vectorised (Arrow) function computed by one of ``fcu.metrics``' pandas
    functions: SQL gathers the inputs and the figures come from pandas, in the same pass,
    with no second copy of the table. NaN comes back as NULL (no value)."""

    def call(*arrays: pa.Array) -> pa.Array:
        return pa.array(fn(*(a.to_pandas() for a in arrays)), from_pandas=True)

    # DuckDB counts a function's parameters: give it one per SQL argument.
    positional = inspect.Parameter.POSITIONAL_ONLY
    call.__signature__ = inspect.Signature(
        [inspect.Parameter(f"arg{i}", positional) for i in range(arity)]
    )
    return call


METRIC_FUNCTIONS = {
    # name: (pandas function, argument types, result type)
    "fcu_usage_pct": (metrics.usage_pct, ["DOUBLE", "DOUBLE"], "DOUBLE"),
    "fcu_opportunity_units": (
        metrics.opportunity_units,
        ["DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE"],
        "BIGINT",
    ),
    "fcu_potential_earnings": (metrics.potential_earnings, ["DOUBLE", "DOUBLE"], "DOUBLE"),
}


# Made once and kept for the life of the process: a registered function stays in the
# database's catalog after the cursor that registered it is gone, and DuckDB holds no
# reference of its own to the Python callable.
_UDFS = {name: _udf(fn, len(args)) for name, (fn, args, _) in METRIC_FUNCTIONS.items()}


def register_metrics(cur: duckdb.DuckDBPyConnection) -> None:
    """Make fcu.metrics callable from SQL on this cursor (once per cursor).

    Checked first rather than caught: a failed statement would abort the caller's transaction.
    """
    known = {
        row[0]
        for row in cur.execute(
            "SELECT function_name FROM duckdb_functions() WHERE function_name LIKE 'fcu\\_%' "
            "ESCAPE '\\'"
        ).fetchall()
    }
    for name, (_, args, result) in METRIC_FUNCTIONS.items():
        if name not in known:
            cur.create_function(
                name, _UDFS[name], args, result, type="arrow", null_handling="special"
            )


def build_usage_tw(cur: duckdb.DuckDBPyConnection) -> str | None:
    """Aggregate stg_usage per tenant-workload into stg_usage_tw; return the current month.

    One pass over the big table gives what the checks and the pages need: rows and distinct
    months per pair (for the duplicate-key check; a bit per month, or count(DISTINCT) past
    64 months), the HWM, the current month's MAU / PAU / entitlements, and the MAU / PAU of
    the month before and of three months before (for the movers). ``stg_months``
    lists the distinct month values and whether each is a valid YYYY-MM.
    """
    cur.execute(
        f"""
        CREATE OR REPLACE TABLE stg_months AS
        SELECT month, valid,
               CAST(row_number() OVER (PARTITION BY valid ORDER BY month) - 1 AS UBIGINT) AS idx
        FROM (SELECT month, regexp_full_match(month, '{MONTH_PATTERN}') AS valid
              FROM (SELECT DISTINCT month FROM stg_usage WHERE month IS NOT NULL))
        """
    )
    current_month, months = cur.execute(
        "SELECT max(month) FILTER (WHERE valid), count(*) FILTER (WHERE valid) FROM stg_months"
    ).fetchone()
    register_metrics(cur)
    rate_card = "stg_rate_card" if _exists(cur, "stg_rate_card") else _EMPTY_RATE_CARD
    distinct_months = (
        "bit_count(bit_or(CAST(1 AS UBIGINT) << m.idx))"
        if months <= 64
        else "count(DISTINCT u.month)"
    )
    cur.execute(
        f"""
        CREATE OR REPLACE TABLE stg_usage_tw AS
        WITH pairs AS (
            SELECT CAST(u.tenant_id AS VARCHAR) AS tenant_id, u.workload,
                   count(*) AS n_rows,
                   {distinct_months} AS n_months,
                   max(u.mau) AS hwm,
                   max(u.mau) FILTER (WHERE u.month = $cm) AS mau,
                   max(u.pau) FILTER (WHERE u.month = $cm) AS pau,
                   max(coalesce(u.entitlements, u.pau)) FILTER (WHERE u.month = $cm)
                       AS entitlements,
                   max(u.mau) FILTER (WHERE u.month = $m1) AS mau_1m,
                   max(u.pau) FILTER (WHERE u.month = $m1) AS pau_1m,
                   max(u.mau) FILTER (WHERE u.month = $m3) AS mau_3m,
                   max(u.pau) FILTER (WHERE u.month = $m3) AS pau_3m
            FROM stg_usage u JOIN stg_months m ON m.month = u.month AND m.valid
            WHERE u.tenant_id IS NOT NULL AND u.workload IS NOT NULL
            GROUP BY u.tenant_id, u.workload
        ),
        rates AS (  -- one row per workload even before the rate card's own checks ran
            SELECT workload, any_value(rate_per_unit) AS rate_per_unit,
                   any_value(max_earning) AS max_earning,
                   coalesce(any_value(min_pau), {DEFAULT_MIN_PAU}) AS min_pau
            FROM {rate_card} GROUP BY workload
        )
        SELECT p.*, r.rate_per_unit, r.max_earning, r.min_pau,
               fcu_usage_pct(p.mau, p.pau) AS usage_pct,
               fcu_opportunity_units(p.pau, p.hwm, r.rate_per_unit, r.max_earning, r.min_pau)
                   AS opportunity_units,
               fcu_potential_earnings(
                   fcu_opportunity_units(p.pau, p.hwm, r.rate_per_unit, r.max_earning,
                                         r.min_pau),
                   r.rate_per_unit) AS opportunity_value
        FROM pairs p LEFT JOIN rates r ON r.workload = p.workload
        """,
        {
            "cm": current_month,
            "m1": months_before(current_month, 1),
            "m3": months_before(current_month, 3),
        },
    )
    return current_month  # None when no line has a valid month


def months_before(month: str | None, n: int) -> str | None:
    """ "2026-07" for ("2026-10", 3): the YYYY-MM month ``n`` calendar months earlier."""
    if month is None:
        return None
    year, number = divmod(int(month[:4]) * 12 + int(month[5:7]) - 1 - n, 12)
    return f"{year:04d}-{number + 1:02d}"


ON_DEMAND_TABLES = ("feed_usage_series",)
# Tables computed from the feed and the claims made in FCU: changed after such a claim
# (``refresh_partner_tenant``), so the team store keeps its own copy of each (fcu.team).
CLAIM_DEPENDENT = ("feed_partner_tenant",)


def ensure_usage_series(db: Database) -> None:
    """Build ``feed_usage_series`` (each tenant-workload's monthly MAU and PAU as lists) if
    the loaded feed does not have it yet.

    Only the earnings history needs it, and building lists over the whole usage history
    costs several times the rest of a load, so it is built on first use and dropped by the
    next load. Lists are aligned to the feed's months (``months`` is the same for every row;
    a month with no line is NULL).
    """
    if db.table_exists("feed_usage_series") or not db.table_exists("feed_usage"):
        return
    with db.feed_lock:
        if db.table_exists("feed_usage_series"):
            return
        months = [r[0] for r in db.execute("SELECT DISTINCT month FROM feed_usage ORDER BY 1")]
        if len(months) <= 64:
            # A column per month and CASE picks are several times cheaper than ordered
            # list aggregates; months are the feed's own checked YYYY-MM values.
            def picks(value: str) -> str:
                return (
                    "["
                    + ", ".join(f"max(CASE WHEN month = '{m}' THEN {value} END)" for m in months)
                    + "]"
                )

            mau, pau = picks("mau"), picks("pau")
            month_list = "[" + ", ".join(f"'{m}'" for m in months) + "]"
        else:
            mau = "list(mau ORDER BY month)"
            pau = "list(pau ORDER BY month)"
            month_list = "list(month ORDER BY month)"
        db.execute(
            f"""
            CREATE OR REPLACE TABLE feed_usage_series AS
            SELECT CAST(tenant_id AS VARCHAR) AS tenant_id, workload,
                   {month_list} AS months, {mau} AS mau_series, {pau} AS pau_series
            FROM feed_usage GROUP BY tenant_id, workload
            """
        )


_EMPTY_RATE_CARD = (
    "(SELECT CAST(NULL AS VARCHAR) AS workload, CAST(NULL AS DOUBLE) AS rate_per_unit, "
    "CAST(NULL AS DOUBLE) AS max_earning, CAST(NULL AS BIGINT) AS min_pau WHERE false)"
)


def _exists(cur: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        cur.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]
        ).fetchone()[0]
    )


def build_tenant_workload(cur: duckdb.DuckDBPyConnection) -> None:
    """stg_tenant_workload is the checked usage aggregate, figures included."""
    cur.execute("ALTER TABLE stg_usage_tw RENAME TO stg_tenant_workload")


def partner_tenant_sql(prefix: str, tenant_filter: str = "") -> str:
    """Rows of partner_tenant from ``{prefix}_tenants`` etc.; optional SQL filter on tenant_id."""
    where = f"WHERE c.tenant_id IN ({tenant_filter})" if tenant_filter else ""
    return f"""
        WITH claims AS (
            SELECT * FROM active_claims('{prefix}_claims') c {where}
        ),
        pt AS (
            SELECT partner_id, tenant_id,
                   list(DISTINCT mpn_id ORDER BY mpn_id) AS mpn_ids,
                   list(workload ORDER BY workload) AS claimed_workloads,
                   list(DISTINCT status ORDER BY status) AS claim_statuses
            FROM claims GROUP BY partner_id, tenant_id
        ),
        visible AS (
            SELECT pt.partner_id, pt.tenant_id, tw.workload, tw.mau, tw.pau, tw.usage_pct,
                   tw.opportunity_value, c.partner_id AS holder,
                   tw.mau_1m, tw.pau_1m, tw.mau_3m, tw.pau_3m
            FROM pt
            JOIN {prefix}_tenant_workload tw ON tw.tenant_id = pt.tenant_id
            LEFT JOIN claims c ON c.tenant_id = tw.tenant_id AND c.workload = tw.workload
            WHERE c.partner_id IS NULL OR c.partner_id = pt.partner_id
        ),
        sums AS (
            SELECT partner_id, tenant_id,
                   CAST(coalesce(sum(mau), 0) AS BIGINT) AS mau,
                   CAST(coalesce(sum(pau), 0) AS BIGINT) AS pau,
                   coalesce(sum(opportunity_value) FILTER (WHERE holder IS NOT NULL), 0)
                       AS potential_earnings,
                   coalesce(sum(opportunity_value) FILTER (WHERE holder IS NULL), 0)
                       AS unclaimed_opportunity,
                   coalesce(bool_or(usage_pct > 100), false) AS over_100,
                   CAST(sum(mau_1m) AS BIGINT) AS mau_1m, CAST(sum(pau_1m) AS BIGINT) AS pau_1m,
                   CAST(sum(mau_3m) AS BIGINT) AS mau_3m, CAST(sum(pau_3m) AS BIGINT) AS pau_3m
            FROM visible GROUP BY partner_id, tenant_id
        )
        SELECT pt.partner_id, pt.tenant_id, t.tenant_name, t.tenant_domain, t.country,
               t.segment, t.eligible_licenses, t.eligible_licenses >= 150 AS in_fasttrack,
               pt.mpn_ids, pt.claimed_workloads, pt.claim_statuses,
               coalesce(s.mau, 0) AS mau, coalesce(s.pau, 0) AS pau,
               coalesce(s.potential_earnings, 0) AS potential_earnings,
               coalesce(s.unclaimed_opportunity, 0) AS unclaimed_opportunity,
               coalesce(s.over_100, false) AS over_100,
               t.segment = 'education' AS education,
               fcu_usage_pct(coalesce(s.mau, 0), coalesce(s.pau, 0)) AS usage_pct,
               coalesce(fcu_usage_pct(coalesce(s.mau, 0), coalesce(s.pau, 0))
                        < {metrics.UNDERUSED_BELOW_PCT}, false) AS underused,
               -- the movers: points of Usage % and MAU since 1 and 3 months before (no
               -- value when the tenant had no usage line then)
               fcu_usage_pct(coalesce(s.mau, 0), coalesce(s.pau, 0))
                   - fcu_usage_pct(s.mau_1m, s.pau_1m) AS usage_change_1m,
               coalesce(s.mau, 0) - s.mau_1m AS mau_change_1m,
               fcu_usage_pct(coalesce(s.mau, 0), coalesce(s.pau, 0))
                   - fcu_usage_pct(s.mau_3m, s.pau_3m) AS usage_change_3m,
               coalesce(s.mau, 0) - s.mau_3m AS mau_change_3m
        FROM pt
        JOIN {prefix}_tenants t ON t.tenant_id = pt.tenant_id
        LEFT JOIN sums s ON s.partner_id = pt.partner_id AND s.tenant_id = pt.tenant_id
    """


def build_partner_tenant(cur: duckdb.DuckDBPyConnection) -> None:
    register_metrics(cur)
    cur.execute(f"CREATE OR REPLACE TABLE stg_partner_tenant AS {partner_tenant_sql('stg')}")


def refresh_partner_tenant(cur: duckdb.DuckDBPyConnection, tenant_id: str) -> None:
    """Recompute feed_partner_tenant rows of one tenant (after a claim made in the app)."""
    register_metrics(cur)
    cur.execute("DELETE FROM feed_partner_tenant WHERE tenant_id = ?", [tenant_id])
    cur.execute(
        f"INSERT INTO feed_partner_tenant BY NAME {partner_tenant_sql('feed', '$tenant')}",
        {"tenant": tenant_id},
    )
