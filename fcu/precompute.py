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
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from fcu import metrics

DEFAULT_MIN_PAU = metrics.DEFAULT_MIN_PAU
T = TypeVar("T")
U = TypeVar("U")


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
    64 months), the HWM, the current month's MAU / PAU / entitlements, the MAU / PAU of
    the month before and of three months before (for the movers), and every month's MAU and
    PAU packed in one list (for the Earnings history). The figures then come from
    ``fcu.metrics`` in one pandas pass per batch of pairs (``_with_figures``), the monthly
    opportunity included: ``monthly_values`` is aligned to ``stg_months`` (idx order).
    ``stg_months`` lists the distinct month values, whether each is a valid YYYY-MM and, for
    the valid ones, their position.
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
    rate_card = "stg_rate_card" if _exists(cur, "stg_rate_card") else _EMPTY_RATE_CARD
    distinct_months = (
        "bit_count(bit_or(CAST(1 AS UBIGINT) << m.idx))"
        if months <= 64
        else "count(DISTINCT u.month)"
    )
    history = _history_lists(cur, months)
    positions = _month_positions(cur, current_month)
    sql = f"""
        WITH pairs AS (
            SELECT CAST(u.tenant_id AS VARCHAR) AS tenant_id, u.workload,
                   count(*) AS n_rows,
                   {distinct_months} AS n_months,
                   max(u.mau) AS hwm,
                   max(u.mau) FILTER (WHERE m.idx = $cm) AS mau,
                   max(u.pau) FILTER (WHERE m.idx = $cm) AS pau,
                   max(coalesce(u.entitlements, u.pau)) FILTER (WHERE m.idx = $cm)
                       AS entitlements,
                   max(u.mau) FILTER (WHERE m.idx = $m1) AS mau_1m,
                   max(u.pau) FILTER (WHERE m.idx = $m1) AS pau_1m,
                   max(u.mau) FILTER (WHERE m.idx = $m3) AS mau_3m,
                   max(u.pau) FILTER (WHERE m.idx = $m3) AS pau_3m,
                   {history.sql}
            FROM stg_usage u JOIN stg_months m ON m.month = u.month AND m.valid
            WHERE u.tenant_id IS NOT NULL AND u.workload IS NOT NULL
              AND hash(u.tenant_id) % $parts = $part
            GROUP BY u.tenant_id, u.workload
        ),
        rates AS (  -- one row per workload even before the rate card's own checks ran
            SELECT workload, any_value(rate_per_unit) AS rate_per_unit,
                   any_value(max_earning) AS max_earning,
                   coalesce(any_value(min_pau), {DEFAULT_MIN_PAU}) AS min_pau
            FROM {rate_card} GROUP BY workload
        )
        SELECT p.*, r.rate_per_unit, r.max_earning, r.min_pau
        FROM pairs p LEFT JOIN rates r ON r.workload = p.workload
        """
    # Read on a second cursor: this one writes the table while the batches stream in. The
    # lists of a very large feed (300,000 tenants) are aggregated a share of the tenants at
    # a time, which bounds the aggregate's memory (about 20 bytes a usage line) at the cost
    # of one more scan a share (at 100,000 tenants three shares tripled the step's time).
    reader = cur.cursor()
    parts = max(1, -(-history.usage_rows // HISTORY_ROWS_PER_PART))

    def part(k: int) -> pa.RecordBatchReader:
        return reader.sql(sql, params={**positions, "parts": parts, "part": k}).to_arrow_reader(
            FIGURE_BATCH_ROWS
        )

    first = part(0)

    def batches() -> Iterator[pa.RecordBatch]:
        yield from first
        for k in range(1, parts):
            yield from part(k)

    figures = pa.RecordBatchReader.from_batches(
        _figures_schema(first.schema, history),
        _in_threads(lambda batch: _with_figures(batch, months, history), batches()),
    )
    cur.register("stg_usage_tw_figures", figures)
    try:
        cur.execute("CREATE OR REPLACE TABLE stg_usage_tw AS SELECT * FROM stg_usage_tw_figures")
    finally:
        cur.unregister("stg_usage_tw_figures")
        reader.close()
    return current_month  # None when no line has a valid month


# Pairs per pandas pass of the figures: large enough that pandas' per-call cost vanishes,
# small enough that a batch's month grid (pairs x months) stays a few tens of MB.
FIGURE_BATCH_ROWS = 50_000
HISTORY_ROWS_PER_PART = 40_000_000  # usage lines per share of the history aggregate


@dataclass(frozen=True)
class _History:
    """How the aggregate carries each pair's months: one list of packed integers
    (month position, PAU and MAU in one BIGINT: one list is much cheaper to build than
    three) when the feed's values fit, else three lists."""

    sql: str
    value_bits: int | None  # None: three lists (positions, MAU, PAU)
    usage_rows: int


def _history_lists(cur: duckdb.DuckDBPyConnection, months: int) -> _History:
    idx_bits = max((months - 1).bit_length(), 1)
    value_bits = (63 - idx_bits) // 2
    low, high, rows = cur.execute(
        "SELECT min(least(mau, pau)), max(greatest(mau, pau)), count(*) FROM stg_usage"
    ).fetchall()[0]
    if low is None or (low >= 0 and high < 2**value_bits):
        shift = 2**value_bits
        return _History(
            f"list((CAST(m.idx AS BIGINT) * {shift} + u.pau) * {shift} + u.mau) AS history",
            value_bits,
            rows,
        )
    return _History(
        "list(CAST(m.idx AS BIGINT)) AS history_idx, list(u.mau) AS history_mau, "
        "list(u.pau) AS history_pau",
        None,
        rows,
    )


def _month_positions(cur: duckdb.DuckDBPyConnection, current_month: str | None) -> dict:
    """$cm, $m1, $m3: positions (stg_months.idx) of the current month, the month before and
    three months before; NULL for a month the feed does not have."""

    def position(month: str | None) -> int | None:
        rows = cur.execute(
            "SELECT idx FROM stg_months WHERE valid AND month = ?", [month]
        ).fetchall()
        return int(rows[0][0]) if rows else None

    return {
        "cm": position(current_month),
        "m1": position(months_before(current_month, 1)),
        "m3": position(months_before(current_month, 3)),
    }


def _in_threads(fn: Callable[[T], U], items: Iterable[T], workers: int = 2) -> Iterator[U]:
    """``map(fn, items)`` in order, ``workers`` items at a time (numpy releases the GIL, so
    the batches' figures use the machine's cores while DuckDB waits for them)."""
    with ThreadPoolExecutor(workers) as pool:
        pending: deque = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


HISTORY_COLUMNS = ("history", "history_idx", "history_mau", "history_pau")
FIGURE_FIELDS = [
    pa.field("usage_pct", pa.float64()),
    pa.field("opportunity_units", pa.int64()),
    pa.field("opportunity_value", pa.float64()),
    pa.field("monthly_values", pa.list_(pa.float64())),
]


def _figures_schema(schema: pa.Schema, history: _History) -> pa.Schema:
    kept = [f for f in schema if f.name not in HISTORY_COLUMNS]
    return pa.schema(kept + FIGURE_FIELDS)


def _column(batch: pa.RecordBatch, name: str) -> pd.Series:
    return batch.column(name).to_pandas()


def _with_figures(batch: pa.RecordBatch, months: int, history: _History) -> pa.RecordBatch:
    """A batch of pairs with the figures of ``fcu.metrics``: Usage %, opportunity units and
    value, and the monthly opportunity (each month's PAU against the HWM reached by then,
    ``metrics.running_high_water_mark``; only for workloads the rate card pays for)."""
    pau, hwm = _column(batch, "pau"), _column(batch, "hwm")
    rate, cap = _column(batch, "rate_per_unit"), _column(batch, "max_earning")
    min_pau = _column(batch, "min_pau")
    units = metrics.opportunity_units(pau, hwm, rate, cap, min_pau)
    figures = [
        pa.array(metrics.usage_pct(_column(batch, "mau"), pau), from_pandas=True),
        pa.array(units, type=pa.int64()),
        pa.array(metrics.potential_earnings(units, rate), from_pandas=True),
        _monthly_values(batch, months, history, rate, cap, min_pau),
    ]
    kept = [name for name in batch.schema.names if name not in HISTORY_COLUMNS]
    return pa.RecordBatch.from_arrays(
        [batch.column(name) for name in kept] + figures,
        schema=_figures_schema(batch.schema, history),
    )


def _monthly_values(
    batch: pa.RecordBatch,
    months: int,
    history: _History,
    rate: pd.Series,
    cap: pd.Series,
    min_pau: pd.Series,
) -> pa.Array:
    """Per pair, the list of each month's opportunity (USD), NULL where the workload earns
    nothing in any month (no rate card row, rate 0, no cap). A grid of pairs x months: a
    month with no line has no PAU, so it earns nothing, and the HWM runs over the months
    that have one (``metrics.running_high_water_mark``)."""
    n = batch.num_rows
    if history.value_bits is None:
        lists = batch.column("history_idx")
        idx = lists.flatten().to_numpy()
        mau = batch.column("history_mau").flatten().to_numpy()
        pau = batch.column("history_pau").flatten().to_numpy()
    else:
        lists = batch.column("history")
        packed = lists.flatten().to_numpy()
        mask = (1 << history.value_bits) - 1
        mau, pau = packed & mask, (packed >> history.value_bits) & mask
        idx = packed >> (2 * history.value_bits)
    rate_values = rate.to_numpy(dtype="float64", na_value=np.nan)
    cap_values = cap.to_numpy(dtype="float64", na_value=np.nan)
    earns = (rate_values > 0) & ~np.isnan(cap_values)
    # only the pairs that can earn get a grid (the others' lists are NULL)
    position = np.cumsum(earns) - 1
    rows = np.repeat(np.arange(n), lists.value_lengths().fill_null(0).to_numpy())
    keep = earns[rows]
    rows, idx, mau, pau = position[rows[keep]], idx[keep], mau[keep], pau[keep]
    earning = int(earns.sum())
    grid_mau = np.full((earning, months), np.nan)
    grid_pau = np.full((earning, months), np.nan)
    grid_mau[rows, idx] = mau
    grid_pau[rows, idx] = pau
    running_hwm = np.fmax.accumulate(grid_mau, axis=1) if months else grid_mau

    def each_month(values: np.ndarray) -> np.ndarray:
        return np.repeat(values[earns], months)

    units = metrics.opportunity_units_of_arrays(
        grid_pau.ravel(),
        running_hwm.ravel(),
        each_month(rate_values),
        each_month(cap_values),
        each_month(min_pau.to_numpy(dtype="float64", na_value=np.nan)),
    )
    values = units * each_month(rate_values)  # metrics.potential_earnings: rate > 0 here
    offsets = np.zeros(n + 1, dtype=np.int32)
    offsets[1:] = np.cumsum(np.where(earns, months, 0))
    return pa.ListArray.from_arrays(
        pa.array(offsets), pa.array(values, type=pa.float64()), mask=pa.array(~earns)
    )


def months_before(month: str | None, n: int) -> str | None:
    """ "2026-07" for ("2026-10", 3): the YYYY-MM month ``n`` calendar months earlier."""
    if month is None:
        return None
    year, number = divmod(int(month[:4]) * 12 + int(month[5:7]) - 1 - n, 12)
    return f"{year:04d}-{number + 1:02d}"


# Tables earlier versions built on demand; the next load drops them.
RETIRED_TABLES = ("feed_usage_series",)


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


# The tables that depend on the app's claims (app_claims) as well as the feed: built by the
# load from the staged feed, rebuilt from the feed tables by ``build_claim_dependent`` (with
# a DuckDB cursor alone), and refreshed for one tenant after a claim made in the app.
CLAIM_DEPENDENT = ("feed_partner_tenant", "feed_partner_earnings")

# The Earnings page's breakdowns precomputed per partner for the users who see the partner's
# whole portfolio (feed_partner_earnings.breakdown), and the what-if targets among them: the
# page's slider steps.
BREAKDOWNS = ("workload", "mpn", "country", "month", "what_if")
WHAT_IF_STEP = 5
WHAT_IF_TARGETS = tuple(range(0, 101, WHAT_IF_STEP))


def earnings_rows_sql(prefix: str, partner_filter: str = "true", mpn_filter: str = "true") -> str:
    """CTEs ``claims``, ``holding`` and ``rows``: one row per tenant-workload of a
    partner's portfolio (``{prefix}_partner_tenant`` rows that pass ``partner_filter``,
    alias pt) that no other partner holds, with the claim's MPN location or, unclaimed, the
    one the partner holds most of the tenant's claimed workloads through (of those passing
    ``mpn_filter``; on a tie the lowest MPN ID). See fcu.earnings for the rule."""
    return f"""
        WITH claims AS (
            SELECT tenant_id, workload, partner_id, mpn_id
            FROM active_claims('{prefix}_claims')
        ),
        portfolio AS (
            SELECT pt.partner_id, pt.tenant_id, pt.country
            FROM {prefix}_partner_tenant pt WHERE {partner_filter}
        ),
        holding AS (  -- per partner and tenant, where an unclaimed workload counts
            SELECT partner_id, tenant_id, mpn_id FROM (
                SELECT c.partner_id, c.tenant_id, c.mpn_id, row_number() OVER (
                    PARTITION BY c.partner_id, c.tenant_id
                    ORDER BY count(*) DESC, c.mpn_id) AS rank
                FROM claims c
                SEMI JOIN portfolio p ON p.partner_id = c.partner_id AND p.tenant_id = c.tenant_id
                WHERE {mpn_filter}
                GROUP BY c.partner_id, c.tenant_id, c.mpn_id)
            WHERE rank = 1
        ),
        rows AS (
            SELECT p.partner_id, p.tenant_id, p.country, tw.workload,
                   c.partner_id IS NOT NULL AS claimed,
                   coalesce(c.mpn_id, h.mpn_id) AS mpn_id,
                   tw.pau, tw.hwm, tw.rate_per_unit, tw.max_earning, tw.min_pau,
                   tw.opportunity_units, tw.opportunity_value, tw.monthly_values
            FROM portfolio p
            JOIN {prefix}_tenant_workload tw ON tw.tenant_id = p.tenant_id
            LEFT JOIN claims c ON c.tenant_id = tw.tenant_id AND c.workload = tw.workload
            LEFT JOIN holding h ON h.partner_id = p.partner_id AND h.tenant_id = p.tenant_id
            WHERE c.partner_id IS NULL OR c.partner_id = p.partner_id
        )
    """


def month_sums_sql(months: int, where: str = "true") -> str:
    """A list of an aggregate over ``rows``: each month's sum of monthly_values (of the
    rows that pass ``where``; a month with no value sums to 0)."""
    sums = ", ".join(
        f"coalesce(sum(monthly_values[{i}]) FILTER (WHERE {where}), 0)"
        for i in range(1, months + 1)
    )
    return f"[{sums}]::DOUBLE[]"


def what_if_value_sql(target: int) -> str:
    """metrics.target_uplift in SQL: the units between the HWM and ``target`` % of PAU
    (rounded down), capped by the opportunity units (0 without a rate), times the rate."""
    return (
        f"least(greatest(floor(coalesce(pau, 0) * {int(target)} / 100.0) - coalesce(hwm, 0), "
        "0), opportunity_units) * rate_per_unit"
    )


def partner_earnings_sql(prefix: str, months: list[str], partner_filter: str = "true") -> str:
    """Rows of partner_earnings: per partner, every breakdown of the Earnings page for its
    whole portfolio (tenants in FastTrack): (partner_id, breakdown, key, potential_earnings,
    unclaimed_opportunity). A what-if row holds the claimed and the unclaimed earnings at its
    target (key: the target, e.g. '80')."""
    sums = "sum(opportunity_value) AS value"
    what_if = ", ".join(f"sum({what_if_value_sql(t)})" for t in WHAT_IF_TARGETS)
    month_labels = "[" + ", ".join(f"'{m}'" for m in months) + "]::VARCHAR[]"
    targets = "[" + ", ".join(f"'{t}'" for t in WHAT_IF_TARGETS) + "]::VARCHAR[]"
    # Each sum is taken per claimed / unclaimed, then the two are put side by side.
    return (
        earnings_rows_sql(prefix, f"pt.in_fasttrack AND {partner_filter}")
        + f"""
        , split AS (
            SELECT partner_id, claimed, 'workload' AS breakdown, workload AS key, {sums}
            FROM rows GROUP BY partner_id, claimed, workload
            UNION ALL
            SELECT partner_id, claimed, 'mpn', mpn_id, {sums}
            FROM rows GROUP BY partner_id, claimed, mpn_id
            UNION ALL
            SELECT partner_id, claimed, 'country', country, {sums}
            FROM rows GROUP BY partner_id, claimed, country
        ),
        totals AS (
            SELECT partner_id, claimed,
                   count(monthly_values) AS with_history,
                   {month_sums_sql(len(months))} AS month_sums
            FROM rows GROUP BY partner_id, claimed
        ),
        what_if AS (  -- only workloads with a rate can earn
            SELECT partner_id, claimed, [{what_if}]::DOUBLE[] AS what_if_sums
            FROM rows WHERE rate_per_unit > 0 GROUP BY partner_id, claimed
        ),
        lists AS (
            SELECT partner_id, 'month' AS breakdown, unnest({month_labels}) AS key,
                   unnest(month_sums) AS value, claimed
            FROM totals
            WHERE partner_id IN (SELECT partner_id FROM totals WHERE with_history > 0)
            UNION ALL
            SELECT partner_id, 'what_if', unnest({targets}), unnest(what_if_sums), claimed
            FROM what_if
        )
        SELECT partner_id, breakdown, key,
               coalesce(sum(value) FILTER (WHERE claimed), 0) AS potential_earnings,
               coalesce(sum(value) FILTER (WHERE NOT claimed), 0) AS unclaimed_opportunity
        FROM (SELECT partner_id, breakdown, key, value, claimed FROM split
              UNION ALL SELECT partner_id, breakdown, key, value, claimed FROM lists)
        GROUP BY partner_id, breakdown, key
        """
    )


def history_months(cur: duckdb.DuckDBPyConnection, prefix: str) -> list[str]:
    """The months that tenant_workload.monthly_values are aligned to, in order."""
    return [
        r[0]
        for r in cur.execute(
            f"SELECT month FROM {prefix}_months WHERE valid ORDER BY idx"
        ).fetchall()
    ]


def build_partner_earnings(cur: duckdb.DuckDBPyConnection, prefix: str = "stg") -> None:
    """{prefix}_partner_earnings from {prefix}_partner_tenant and {prefix}_tenant_workload."""
    months = history_months(cur, prefix)
    cur.execute(
        f"CREATE OR REPLACE TABLE {prefix}_partner_earnings AS "
        f"{partner_earnings_sql(prefix, months)}"
    )


def build_claim_dependent(cur: duckdb.DuckDBPyConnection) -> None:
    """Rebuild every table of CLAIM_DEPENDENT from the feed tables and app_claims."""
    register_metrics(cur)
    cur.execute(f"CREATE OR REPLACE TABLE feed_partner_tenant AS {partner_tenant_sql('feed')}")
    build_partner_earnings(cur, "feed")


def refresh_partner_tenant(cur: duckdb.DuckDBPyConnection, tenant_id: str) -> None:
    """After a claim made in the app on one tenant: recompute that tenant's rows of
    feed_partner_tenant, and feed_partner_earnings of every partner whose portfolio held the
    tenant before or holds it now (every table of CLAIM_DEPENDENT)."""
    refresh_partner_tenants(cur, [tenant_id])


def refresh_partner_tenants(cur: duckdb.DuckDBPyConnection, tenant_ids: list[str]) -> None:
    """``refresh_partner_tenant`` for several tenants at once (each partner's earnings
    recomputed once, however many of its tenants changed)."""
    register_metrics(cur)
    tenants = {"tenants": sorted(set(tenant_ids))}
    held = "SELECT DISTINCT partner_id FROM feed_partner_tenant WHERE tenant_id = ANY($tenants)"
    partners = {r[0] for r in cur.execute(held, tenants).fetchall()}
    cur.execute("DELETE FROM feed_partner_tenant WHERE tenant_id = ANY($tenants)", tenants)
    cur.execute(
        "INSERT INTO feed_partner_tenant BY NAME "
        + partner_tenant_sql("feed", "SELECT unnest($tenants::VARCHAR[])"),
        tenants,
    )
    partners |= {r[0] for r in cur.execute(held, tenants).fetchall()}
    if not partners or not _exists(cur, "feed_partner_earnings"):
        return
    listed = {"partners": sorted(partners)}
    cur.execute(
        "DELETE FROM feed_partner_earnings WHERE partner_id = ANY($partners::VARCHAR[])", listed
    )
    months = history_months(cur, "feed")
    cur.execute(
        "INSERT INTO feed_partner_earnings BY NAME "
        + partner_earnings_sql("feed", months, "pt.partner_id = ANY($partners::VARCHAR[])"),
        listed,
    )
