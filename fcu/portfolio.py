"""The partner's portfolio as a user may see it: the Tenants list, its KPIs and a tenant's figures.

Reads the tables the load precomputed (``feed_partner_tenant``, ``feed_tenant_workload``)
and the partner's workspace (notes, contacts, intent notes) for the flags; every query is
narrowed by ``fcu.access.tenant_scope``.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import pandas as pd

from fcu import metrics
from fcu.access import User, tenant_scope
from fcu.db import Database

FLAGS: dict[str, str] = {
    "over_100": "Usage over 100 %",
    "education": "Education",
    "underused": f"Under-used (below {metrics.UNDERUSED_BELOW_PCT:.0f} %)",
    "overdue": "Next action overdue",
    "no_survey_contact": "No survey-eligible contact",
    "intent_warnings": "Intent note with warnings",
}
CLAIM_STATUS_LABELS = {
    "submitted": "Submitted",
    "approved": "Approved",
    "approved-pending-data": "Approved, pending data",
}
TENANT_COLUMNS = [
    "tenant_id",
    "tenant_name",
    "tenant_domain",
    "country",
    "segment",
    "mpn_ids",
    "claimed_workloads",
    "mau",
    "pau",
    "usage_pct",
    "usage_change_1m",
    "mau_change_1m",
    "usage_change_3m",
    "mau_change_3m",
    "potential_earnings",
    "unclaimed_opportunity",
    "next_action_date",
    "flags",
]
# The movers: change since the month before (1m) and three months before (3m).
CHANGE_COLUMNS = ("usage_change_1m", "mau_change_1m", "usage_change_3m", "mau_change_3m")
MOVEMENTS = {
    "falling": f"Falling: Usage % down {metrics.MOVER_POINTS:.0f}+ points since last month",
    "rising": f"Rising: Usage % up {metrics.MOVER_POINTS:.0f}+ points since last month",
}
# Usage % bands of the Tenants page's chart and filter: label -> SQL condition on usage_pct.
USAGE_BANDS: dict[str, str] = {
    "Under 25 %": "usage_pct < 25",
    "25–50 %": "usage_pct >= 25 AND usage_pct < 50",
    "50–75 %": "usage_pct >= 50 AND usage_pct < 75",
    "75–100 %": "usage_pct >= 75 AND usage_pct <= 100",
    "Over 100 %": "usage_pct > 100",
    "No Usage %": "usage_pct IS NULL",
}
SORTABLE = {
    "tenant_name",
    "tenant_id",
    "country",
    "usage_pct",
    "mau",
    "pau",
    "potential_earnings",
    "unclaimed_opportunity",
    "next_action_date",
    *CHANGE_COLUMNS,
}
GUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)
MAX_SEARCH = 200


@dataclass(frozen=True)
class TenantFilters:
    search: str = ""
    usage_min: float | None = None
    usage_max: float | None = None
    workloads: tuple[str, ...] = ()
    claim_statuses: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    mpn_ids: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    movement: str = ""  # "", or a key of MOVEMENTS
    usage_band: str = ""  # "", or a key of USAGE_BANDS
    sort: str = "tenant_name"
    descending: bool = False


@dataclass(frozen=True)
class FeedStatus:
    current_month: str
    loaded_at: datetime


def feed_status(db: Database) -> FeedStatus | None:
    """The loaded feed's current month and load time, or None when no feed is loaded."""
    if not db.table_exists("feed_meta"):
        return None
    row = db.one("SELECT current_month, loaded_at FROM feed_meta")
    return FeedStatus(row[0], row[1]) if row else None


def normalise_tenant_id(text: str | None) -> str | None:
    """A Tenant ID in its canonical form (lower-case, hyphenated), or None if it is not one."""
    if not text or not GUID_RE.match(text.strip()):
        return None
    return str(uuid.UUID(text.strip()))


# -- the Tenants list ----------------------------------------------------------------------
def _workspace_ctes() -> str:
    return """
        latest_note AS (
            -- the latest note's date, even when that note has none (a struct is never NULL)
            SELECT tenant_id,
                   arg_max({'d': next_action_date}, note_id).d AS next_action_date
            FROM notes WHERE partner_id = $partner GROUP BY tenant_id
        ),
        survey AS (
            SELECT DISTINCT tenant_id FROM contacts
            WHERE partner_id = $partner AND kind = 'customer' AND survey_eligible
        ),
        intent_warned AS (
            SELECT tenant_id FROM (
                SELECT tenant_id, workload, arg_max(len(warnings), intent_id) AS n_warnings
                FROM intent_notes WHERE partner_id = $partner GROUP BY tenant_id, workload
            ) GROUP BY tenant_id HAVING max(n_warnings) > 0
        )
    """


def _tenants_sql(user: User, filters: TenantFilters, today: date) -> tuple[str, dict]:
    scope_sql, params = tenant_scope(user, "pt")
    params.update(partner=user.partner_id, today=today)
    where = [scope_sql]
    search = (filters.search or "").strip()[:MAX_SEARCH].lower()
    if search:
        where.append(
            "(contains(lower(pt.tenant_name), $search) OR contains(lower(pt.tenant_domain), "
            "$search) OR contains(pt.tenant_id, $search))"
        )
        params["search"] = search
    if filters.usage_min is not None:
        where.append("pt.usage_pct >= $usage_min")
        params["usage_min"] = float(filters.usage_min)
    if filters.usage_max is not None:
        where.append("pt.usage_pct <= $usage_max")
        params["usage_max"] = float(filters.usage_max)
    for name, column in (
        ("workloads", "claimed_workloads"),
        ("claim_statuses", "claim_statuses"),
        ("mpn_ids", "mpn_ids"),
    ):
        values = getattr(filters, name)
        if values:
            where.append(f"list_has_any(pt.{column}, ${name}::VARCHAR[])")
            params[name] = list(values)
    if filters.usage_band in USAGE_BANDS:
        where.append(USAGE_BANDS[filters.usage_band].replace("usage_pct", "pt.usage_pct"))
    if filters.movement == "falling":
        where.append(f"pt.usage_change_1m <= -{metrics.MOVER_POINTS}")
    elif filters.movement == "rising":
        where.append(f"pt.usage_change_1m >= {metrics.MOVER_POINTS}")
    if filters.countries:
        where.append("pt.country = ANY($countries::VARCHAR[])")
        params["countries"] = list(filters.countries)
    flag_sql = {
        "over_100": "pt.over_100",
        "education": "pt.education",
        "underused": "coalesce(pt.underused, false)",
        "overdue": "ln.next_action_date < $today",
        "no_survey_contact": "sv.tenant_id IS NULL",
        "intent_warnings": "iw.tenant_id IS NOT NULL",
    }
    for flag in filters.flags:
        if flag in flag_sql:
            where.append(flag_sql[flag])
    flags_expr = (
        "list_filter(["
        + ", ".join(
            f"CASE WHEN coalesce({sql}, false) THEN '{key}' END" for key, sql in flag_sql.items()
        )
        + "], lambda f: f IS NOT NULL)"
    )
    sql = f"""
        WITH {_workspace_ctes()}
        SELECT pt.tenant_id, pt.tenant_name, pt.tenant_domain, pt.country, pt.segment,
               pt.mpn_ids, pt.claimed_workloads, pt.mau, pt.pau, pt.usage_pct,
               pt.usage_change_1m, pt.mau_change_1m, pt.usage_change_3m, pt.mau_change_3m,
               pt.potential_earnings, pt.unclaimed_opportunity, ln.next_action_date,
               {flags_expr} AS flags
        FROM feed_partner_tenant pt
        LEFT JOIN latest_note ln ON ln.tenant_id = pt.tenant_id
        LEFT JOIN survey sv ON sv.tenant_id = pt.tenant_id
        LEFT JOIN intent_warned iw ON iw.tenant_id = pt.tenant_id
        WHERE {" AND ".join(where)}
    """
    return sql, params


def _order_by(filters: TenantFilters) -> str:
    column = filters.sort if filters.sort in SORTABLE else "tenant_name"
    direction = "DESC" if filters.descending else "ASC"
    return f"ORDER BY {column} {direction} NULLS LAST, tenant_name ASC, tenant_id ASC"


def tenants_query(
    user: User, filters: TenantFilters, today: date | None = None
) -> tuple[str, dict]:
    """SQL (ordered as the filters ask) and parameters of the user's filtered tenants."""
    sql, params = _tenants_sql(user, filters, today or date.today())
    return sql + " " + _order_by(filters), params


def tenants(
    db: Database,
    user: User,
    filters: TenantFilters = TenantFilters(),  # noqa: B008 - frozen, safe as a default
    *,
    limit: int | None = None,
    offset: int = 0,
    today: date | None = None,
) -> pd.DataFrame:
    """The tenants the user may see that pass the filters (all export columns, unredacted)."""
    if not db.table_exists("feed_partner_tenant"):
        return pd.DataFrame(columns=TENANT_COLUMNS)
    sql, params = tenants_query(user, filters, today)
    if limit is not None:
        sql += " LIMIT $limit OFFSET $offset"
        params.update(limit=int(limit), offset=int(offset))
    return db.df(sql, params)


@dataclass(frozen=True)
class Kpis:
    tenants: int
    average_usage_pct: float | None
    mau: int
    pau: int
    potential_earnings: float
    unclaimed_opportunity: float
    # Tenants per Usage % band (every band of USAGE_BANDS, in order) among those the other
    # filters keep: the band filter itself is left out, so the chart shows where else to go.
    bands: dict[str, int] = field(default_factory=lambda: dict.fromkeys(USAGE_BANDS, 0))


def kpis(
    db: Database,
    user: User,
    filters: TenantFilters = TenantFilters(),  # noqa: B008
    today: date | None = None,
) -> Kpis:
    """The Tenants page's tiles over the filtered tenants, and the band chart's counts, in
    one pass over the tenants the filters other than the band keep."""
    if not db.table_exists("feed_partner_tenant"):
        return Kpis(0, None, 0, 0, 0.0, 0.0)
    sql, params = _tenants_sql(user, replace(filters, usage_band=""), today or date.today())
    picked = f"FILTER (WHERE {USAGE_BANDS.get(filters.usage_band, 'true')})"
    tiles = [
        f"count(*) {picked}",
        f"avg(usage_pct) {picked}",
        *(
            f"coalesce(sum({column}) {picked}, 0)"
            for column in ("mau", "pau", "potential_earnings", "unclaimed_opportunity")
        ),
    ]
    bands = [f"count(*) FILTER (WHERE {condition})" for condition in USAGE_BANDS.values()]
    row = db.one(f"SELECT {', '.join(tiles + bands)} FROM ({sql})", params)
    counts = dict(zip(USAGE_BANDS, (int(n) for n in row[len(tiles) :]), strict=True))
    return Kpis(int(row[0]), row[1], int(row[2]), int(row[3]), float(row[4]), float(row[5]), counts)


@dataclass(frozen=True)
class FilterOptions:
    workloads: dict[str, str] = field(default_factory=dict)  # key -> display name
    countries: list[str] = field(default_factory=list)
    mpn_ids: dict[str, str] = field(default_factory=dict)  # mpn -> location name
    max_usage_pct: float = 100.0


def filter_options(db: Database, user: User) -> FilterOptions:
    if not db.table_exists("feed_partner_tenant"):
        return FilterOptions()
    scope_sql, scope_params = tenant_scope(user, "pt")
    workloads = dict(db.execute("SELECT workload, display_name FROM feed_workloads ORDER BY 2"))
    countries = [
        r[0]
        for r in db.execute(
            f"SELECT DISTINCT country FROM feed_partner_tenant pt WHERE {scope_sql} ORDER BY 1",
            scope_params,
        )
    ]
    mpn_rows = db.execute(
        "SELECT mpn_id, location_name FROM feed_partners WHERE partner_id = ? ORDER BY mpn_id",
        [user.partner_id],
    )
    mpns = {m: n for m, n in mpn_rows if user.scope_mpns is None or m in user.scope_mpns}
    top = db.scalar(
        f"SELECT max(usage_pct) FROM feed_partner_tenant pt WHERE {scope_sql}", scope_params
    )
    return FilterOptions(workloads, countries, mpns, max(100.0, float(top or 0.0)))


# -- one tenant ----------------------------------------------------------------------------
@dataclass(frozen=True)
class TenantView:
    """What a user may see of one tenant; ``status`` says which case applies."""

    status: str  # 'visible' | 'not_found' | 'not_in_fasttrack'
    tenant_id: str | None = None
    tenant_name: str | None = None
    tenant_domain: str | None = None
    country: str | None = None
    segment: str | None = None
    eligible_licenses: int | None = None
    mpn_ids: tuple[str, ...] = ()
    usage_pct: float | None = None
    mau: int = 0
    pau: int = 0
    potential_earnings: float = 0.0
    unclaimed_opportunity: float = 0.0


NOT_FOUND = TenantView("not_found")


def tenant_view(db: Database, user: User, tenant_id: str | None) -> TenantView:
    """The tenant if this user may see it. Unknown, foreign and out-of-scope look the same."""
    canonical = normalise_tenant_id(tenant_id)
    if canonical is None or not user.has_access or not db.table_exists("feed_partner_tenant"):
        return NOT_FOUND
    scope_sql, params = tenant_scope(user, "pt", fasttrack_only=False)
    row = db.one(
        "SELECT tenant_id, tenant_name, tenant_domain, country, segment, eligible_licenses, "
        "mpn_ids, usage_pct, mau, pau, potential_earnings, unclaimed_opportunity, in_fasttrack "
        f"FROM feed_partner_tenant pt WHERE pt.tenant_id = $tenant AND {scope_sql}",
        {**params, "tenant": canonical},
    )
    if row is None:
        return NOT_FOUND
    status = "visible" if row[12] else "not_in_fasttrack"
    return TenantView(
        status,
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        int(row[5]),
        tuple(row[6] or ()),
        None if row[7] is None or pd.isna(row[7]) else float(row[7]),
        int(row[8]),
        int(row[9]),
        float(row[10]),
        float(row[11]),
    )


EXPORT_WORKLOAD_COLUMNS = [
    "tenant_id",
    "tenant_name",
    "workload",
    "claim_id",
    "claim_status",
    "mau",
    "pau",
    "usage_pct",
    "hwm",
    "opportunity_units",
    "rate_per_unit",
    "potential_earnings",
]
WORKLOAD_COLUMNS = [
    "tenant_id",
    "tenant_name",
    "workload",
    "display_name",
    "claim_id",
    "claim_status",
    "mpn_id",
    "mau",
    "pau",
    "entitlements",
    "usage_pct",
    "hwm",
    "opportunity_units",
    "rate_per_unit",
    "potential_earnings",
]


def workloads_sql(user: User, one_tenant: bool = False) -> tuple[str, dict]:
    """Workload rows the user may see: the partner's claims and the unclaimed, never others'.
    With ``one_tenant``, only the tenant given as the $tenant parameter."""
    scope_sql, params = tenant_scope(user, "pt")
    params.setdefault("partner", user.partner_id)  # used below even when the scope is empty
    tenant_filter = "AND pt.tenant_id = $tenant" if one_tenant else ""
    sql = f"""
        WITH claims AS (
            SELECT * FROM active_claims('feed_claims') c
            {"WHERE c.tenant_id = $tenant" if one_tenant else ""}
        ),
        tenants AS (
            SELECT pt.tenant_id, pt.tenant_name FROM feed_partner_tenant pt
            WHERE {scope_sql} {tenant_filter}
        ),
        rows AS (
            SELECT t.tenant_id, t.tenant_name, tw.workload, c.claim_id, c.status AS claim_status,
                   c.mpn_id, c.partner_id AS holder, tw.mau, tw.pau, tw.entitlements,
                   tw.usage_pct, tw.hwm, tw.opportunity_units, tw.rate_per_unit,
                   tw.opportunity_value, tw.mau_1m, tw.pau_1m, tw.mau_3m, tw.pau_3m
            FROM tenants t JOIN feed_tenant_workload tw ON tw.tenant_id = t.tenant_id
            LEFT JOIN claims c ON c.tenant_id = tw.tenant_id AND c.workload = tw.workload
            UNION ALL BY NAME
            SELECT t.tenant_id, t.tenant_name, c.workload, c.claim_id, c.status AS claim_status,
                   c.mpn_id, c.partner_id AS holder
            FROM tenants t JOIN claims c ON c.tenant_id = t.tenant_id
            WHERE NOT EXISTS (SELECT 1 FROM feed_tenant_workload tw
                              WHERE tw.tenant_id = c.tenant_id AND tw.workload = c.workload)
        )
        SELECT r.tenant_id, r.tenant_name, r.workload, w.display_name, r.claim_id,
               r.claim_status, r.mpn_id, r.mau, r.pau, r.entitlements, r.usage_pct, r.hwm,
               r.opportunity_units, r.rate_per_unit, coalesce(r.opportunity_value, 0)
               AS potential_earnings, r.mau_1m, r.pau_1m, r.mau_3m, r.pau_3m
        FROM rows r JOIN feed_workloads w ON w.workload = r.workload
        WHERE r.holder IS NULL OR r.holder = $partner
    """
    return sql, params


def tenant_workloads(db: Database, user: User, tenant_id: str) -> pd.DataFrame:
    """The workloads of one visible tenant: claimed by the partner first, then unclaimed,
    each with its change of Usage % (points) and MAU since 1 and 3 months before
    (``CHANGE_COLUMNS``; no value when the workload had no usage line then)."""
    sql, params = workloads_sql(user, one_tenant=True)
    params["tenant"] = tenant_id
    frame = db.df(sql + " ORDER BY r.claim_id IS NULL, w.display_name", params)
    for months in ("1m", "3m"):
        then_mau, then_pau = frame[f"mau_{months}"], frame[f"pau_{months}"]
        usage_then = metrics.usage_pct(then_mau, then_pau).to_numpy()
        frame[f"usage_change_{months}"] = frame["usage_pct"].astype("float64") - usage_then
        frame[f"mau_change_{months}"] = (
            pd.to_numeric(frame["mau"]) - pd.to_numeric(then_mau)
        ).astype("Int64")
    return frame.drop(columns=["mau_1m", "pau_1m", "mau_3m", "pau_3m"])


def tenant_trend(db: Database, user: User, tenant_id: str) -> pd.DataFrame:
    """Monthly MAU, PAU and Usage % per visible workload of one visible tenant."""
    if tenant_view(db, user, tenant_id).status != "visible":
        return pd.DataFrame(
            columns=["workload", "display_name", "month", "mau", "pau", "usage_pct"]
        )
    frame = db.df(
        """
        WITH claims AS (
            SELECT * FROM active_claims('feed_claims') c WHERE c.tenant_id = $tenant
        )
        SELECT u.workload, w.display_name, u.month, u.mau, u.pau
        FROM feed_usage u JOIN feed_workloads w ON w.workload = u.workload
        LEFT JOIN claims c ON c.workload = u.workload
        WHERE u.tenant_id = CAST($tenant AS UUID)
          AND (c.partner_id IS NULL OR c.partner_id = $partner)
        ORDER BY w.display_name, u.month
        """,
        {"tenant": tenant_id, "partner": user.partner_id},
    )
    frame["usage_pct"] = metrics.usage_pct(frame["mau"], frame["pau"]).to_numpy()
    return frame
