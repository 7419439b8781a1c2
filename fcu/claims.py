"""Claiming an unclaimed workload from the app, and the partner's claims as a table.

A claim made here is ``submitted`` under one of the user's MPN locations and gets a
claim number APP-nnnnnn. It counts as the partner's claim (``effective_claims``, defined in
fcu/sql/migrations/003_claims.sql) until a feed carries a claim for that tenant-workload; the
feed then takes over. A claim is refused when any partner holds an active claim on the
workload by the time it is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from fcu import audit, precompute
from fcu.access import User, mpn_scope, tenant_scope
from fcu.db import Database
from fcu.workspace import WorkspaceError, writable_tenant, write_checked

CLAIM_PREFIX = "APP-"
CLAIM_COLUMNS = [
    "claim_id",
    "tenant_id",
    "tenant_name",
    "workload",
    "mpn_id",
    "status",
    "submitted_on",
    "approved_on",
    "origin",
]


@dataclass(frozen=True)
class Claim:
    claim_id: str
    tenant_id: str
    workload: str
    mpn_id: str
    status: str
    submitted_on: date


def claim_locations(db: Database, user: User) -> dict[str, str]:
    """MPN ID -> location name of the partner's locations within the user's scope."""
    rows = db.execute(
        "SELECT mpn_id, location_name FROM feed_partners WHERE partner_id = ? ORDER BY mpn_id",
        [user.partner_id],
    )
    return {m: n for m, n in rows if user.scope_mpns is None or m in user.scope_mpns}


def claim_workload(
    db: Database,
    user: User,
    tenant_id: str,
    workload: str,
    mpn_id: str,
    today: date | None = None,
) -> Claim:
    """Claim an unclaimed workload of a visible tenant under ``mpn_id``."""
    tenant = writable_tenant(db, user, tenant_id)
    locations = claim_locations(db, user)
    if mpn_id not in locations:
        raise WorkspaceError(
            f"Choose the MPN location to claim under from your scope: {', '.join(locations)}."
        )
    names = dict(db.execute("SELECT workload, display_name FROM feed_workloads"))
    if workload not in names:
        raise WorkspaceError("That workload is not in the feed; choose one from the tenant's list.")
    listed = db.scalar(
        "SELECT count(*) FROM feed_tenant_workload WHERE tenant_id = ? AND workload = ?",
        [tenant, workload],
    )
    if not listed:
        raise WorkspaceError(
            f"{names[workload]} has no usage on this tenant; only listed workloads can be claimed."
        )
    submitted_on = today or date.today()

    def work(cur: duckdb.DuckDBPyConnection) -> Claim:
        holder = cur.execute(
            "SELECT partner_id, claim_id FROM active_claims('feed_claims') c "
            "WHERE c.tenant_id = ? AND c.workload = ?",
            [tenant, workload],
        ).fetchone()
        if holder is not None:
            who = "Your partner" if holder[0] == user.partner_id else "Another partner"
            raise WorkspaceError(
                f"{who} already holds an active claim on {names[workload]} for this tenant; "
                "reload the page to see the workload's current state."
            )
        # An app claim the feed has since replaced (e.g. denied there) makes way for this one.
        stale = cur.execute(
            "SELECT claim_id, partner_id, mpn_id, status FROM app_claims a "
            "WHERE a.tenant_id = ? AND a.workload = ?",
            [tenant, workload],
        ).fetchone()
        if stale is not None:
            cur.execute("DELETE FROM app_claims WHERE claim_id = ?", [stale[0]])
        claim_id = _next_claim_id(cur)
        cur.execute(
            "INSERT INTO app_claims (claim_id, tenant_id, workload, partner_id, mpn_id, status, "
            "submitted_on, created_by) VALUES (?, ?, ?, ?, ?, 'submitted', ?, ?)",
            [claim_id, tenant, workload, user.partner_id, mpn_id, submitted_on, user.email],
        )
        precompute.refresh_partner_tenant(cur, tenant)
        audit.record(
            cur,
            actor=user.email,
            action="claim.add",
            partner_id=user.partner_id,
            tenant_id=tenant,
            entity_key=claim_id,
            before=dict(zip(("claim_id", "partner_id", "mpn_id", "status"), stale, strict=True))
            if stale
            else None,
            after={"workload": workload, "mpn_id": mpn_id, "status": "submitted"},
        )
        return Claim(claim_id, tenant, workload, mpn_id, "submitted", submitted_on)

    return write_checked(db, work)


def _next_claim_id(cur: duckdb.DuckDBPyConnection) -> str:
    """APP-nnnnnn from a sequence, skipping any number a feed already uses."""
    while True:
        number = cur.execute("SELECT nextval('app_claim_seq')").fetchone()[0]
        claim_id = f"{CLAIM_PREFIX}{number:06d}"
        taken = cur.execute(
            "SELECT count(*) FROM feed_claims WHERE claim_id = ?", [claim_id]
        ).fetchone()[0]
        if not taken:
            return claim_id


def claims_table(db: Database, user: User) -> pd.DataFrame:
    """The partner's claims (any status) under the user's scope, on tenants they may see."""
    if not user.has_access or not db.table_exists("feed_partner_tenant"):
        return pd.DataFrame(columns=CLAIM_COLUMNS)
    scope_sql, params = tenant_scope(user, "pt")
    mpn_sql, mpn_params = mpn_scope(user, "c.mpn_id")
    params.update(mpn_params)
    return db.df(
        f"""
        SELECT c.claim_id, c.tenant_id, pt.tenant_name, c.workload, c.mpn_id, c.status,
               c.submitted_on, c.approved_on, c.origin
        FROM effective_claims('feed_claims') c
        JOIN feed_partner_tenant pt ON pt.tenant_id = c.tenant_id AND pt.partner_id = c.partner_id
        WHERE c.partner_id = $partner AND {scope_sql} AND {mpn_sql}
        ORDER BY pt.tenant_name, c.tenant_id, c.workload, c.claim_id
        """,
        params,
    )
