"""Referrals (RFAs) assigned to the partner: the list, one referral's details, and the
partner's own record of each (accepted or declined, and a status kept up to date).

The feed says which referrals exist (``feed_referrals``); the partner's answers live in
``referral_state`` (one row per partner and RFA, created on the first change) and every
change is audited in the same transaction. Changes carry the version the user saw, so a
change made on a stale screen is refused instead of silently overwriting another's. Changes
follow the workspace's write scheme (``fcu.workspace``): one at a time (``write_checked``), a
refusal is a ``WorkspaceError`` and a change from a stale screen a ``StaleEdit``.

Rules:
- A user sees the referrals assigned to their partner under the MPN locations of their
  scope, on tenants in FastTrack (a tenant under 150 licences is listed nowhere).
- Acceptance is ``pending`` until someone accepts or declines; declining needs a reason
  and closes the referral. Accepting again after a decline (or declining after an
  accept) is allowed and audited: people change their minds.
- Status, kept by the partner: New → Contacted → In progress → Completed, or Closed.
- Flag "not accepted in 7 days": still pending 7 days after assignment, or accepted
  more than 7 days after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import duckdb
import pandas as pd

from fcu import audit, portfolio
from fcu.access import User, mpn_scope, redact
from fcu.db import Database
from fcu.workspace import StaleEdit, WorkspaceError, write_checked

STATUSES: dict[str, str] = {
    "new": "New",
    "contacted": "Contacted",
    "in_progress": "In progress",
    "completed": "Completed",
    "closed": "Closed",
}
ACCEPTANCE: dict[str, str] = {
    "pending": "Not answered yet",
    "accepted": "Accepted",
    "declined": "Declined",
}
ACCEPT_WITHIN_DAYS = 7
MAX_REASON = 1000
MAX_SEARCH = 200
AU_PENDING = "AU % is not known yet: it appears two to three days after the referral is assigned."
LIST_COLUMNS = [
    "rfa_id",
    "tenant_name",
    "tenant_id",
    "tenant_domain",
    "mpn_id",
    "assigned_at",
    "workloads",
    "au_pct",
    "source",
    "acceptance",
    "status",
    "not_accepted_in_7_days",
    "decline_reason",
    "updated_by",
    "updated_at",
    "version",
]
EXPORT_COLUMNS = [c for c in LIST_COLUMNS if c != "version"]
LIST_LABELS = {  # the columns the Referrals page shows, in order, with their headings
    "tenant_name": "Tenant",
    "rfa_id": "RFA ID",
    "assigned_at": "Assigned (UTC)",
    "acceptance": "Acceptance",
    "status": "Status",
    "not_accepted_in_7_days": "Not accepted in 7 days",
    "mpn_id": "MPN ID",
    "workloads": "RFA workloads",
}

# The names referral callers know, for the workspace's errors.
ReferralError = WorkspaceError  # a change that cannot be made (a sentence saying what to do)
ReferralConflict = StaleEdit  # someone else changed the referral since the user read it


@dataclass(frozen=True)
class ReferralFilters:
    search: str = ""
    acceptance: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    not_accepted_in_7_days: bool = False


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _base_sql(user: User, now: datetime) -> tuple[str, dict]:
    """Every referral the user may see, the RFA's workloads by their display names."""
    scope_sql, params = mpn_scope(user, "r.mpn_id")
    params.update(partner=user.partner_id, deadline=now - timedelta(days=ACCEPT_WITHIN_DAYS))
    sql = f"""
        WITH names AS (
            SELECT map(list(workload), list(display_name)) AS display FROM feed_workloads
        )
        SELECT r.rfa_id, t.tenant_name, r.tenant_id, t.tenant_domain, r.mpn_id, r.assigned_at,
               coalesce(list_transform(r.workloads, lambda k: coalesce(names.display[k], k)),
                        []::VARCHAR[]) AS workloads,
               r.au_pct, r.source,
               coalesce(s.acceptance, 'pending') AS acceptance,
               coalesce(s.status, 'new') AS status,
               coalesce(
                   (coalesce(s.acceptance, 'pending') = 'pending' AND r.assigned_at < $deadline)
                   OR (s.acceptance = 'accepted'
                       AND s.decided_at > r.assigned_at + INTERVAL {ACCEPT_WITHIN_DAYS} DAY),
                   false) AS not_accepted_in_7_days,
               s.decline_reason, s.updated_by, s.updated_at,
               coalesce(s.version, 0) AS version
        FROM feed_referrals r
        CROSS JOIN names
        JOIN feed_tenants t ON t.tenant_id = r.tenant_id
        LEFT JOIN referral_state s ON s.partner_id = r.partner_id AND s.rfa_id = r.rfa_id
        WHERE r.partner_id = $partner AND t.eligible_licenses >= 150 AND {scope_sql}
    """
    return sql, params


def _filtered_sql(user: User, filters: ReferralFilters, now: datetime) -> tuple[str, dict]:
    """The referrals the user may see that pass the filters (in no order)."""
    sql, params = _base_sql(user, now)
    where = []
    search = (filters.search or "").strip()[:MAX_SEARCH].lower()
    if search:
        where.append(
            "(contains(lower(tenant_name), $search) OR contains(lower(tenant_domain), $search) "
            "OR contains(tenant_id, $search) OR contains(lower(rfa_id), $search))"
        )
        params["search"] = search
    if filters.acceptance:
        where.append("acceptance = ANY($acceptance::VARCHAR[])")
        params["acceptance"] = list(filters.acceptance)
    if filters.statuses:
        where.append("status = ANY($statuses::VARCHAR[])")
        params["statuses"] = list(filters.statuses)
    if filters.not_accepted_in_7_days:
        where.append("not_accepted_in_7_days")
    return f"SELECT * FROM ({sql})" + (f" WHERE {' AND '.join(where)}" if where else ""), params


NEWEST_FIRST = " ORDER BY assigned_at DESC, rfa_id"


def _listed(db: Database, user: User) -> bool:
    """Whether the user may see any referral at all (a role, and referrals loaded)."""
    return user.has_access and db.table_exists("feed_referrals")


def _names(workloads) -> list[str]:
    """A row's workloads (DuckDB gives an array) as a list of names."""
    return [str(name) for name in workloads]


def referrals(
    db: Database,
    user: User,
    filters: ReferralFilters = ReferralFilters(),  # noqa: B008 - frozen, safe as a default
    *,
    now: datetime | None = None,
) -> pd.DataFrame:
    """The referrals the user may see that pass the filters, newest first (unredacted)."""
    if not _listed(db, user):
        return pd.DataFrame(columns=LIST_COLUMNS)
    sql, params = _filtered_sql(user, filters, now or _now())
    frame = db.df(f"SELECT {', '.join(LIST_COLUMNS)} FROM ({sql}){NEWEST_FIRST}", params)
    frame["workloads"] = frame["workloads"].map(_names)
    return frame


def shown_list(
    db: Database,
    user: User,
    filters: ReferralFilters = ReferralFilters(),  # noqa: B008 - frozen, safe as a default
    *,
    now: datetime | None = None,
) -> pd.DataFrame:
    """The Referrals page's list, and nothing more (a column the page left out would still
    reach the browser): the ``LIST_LABELS`` columns in order, acceptance and status by
    their labels, the workloads' names joined with ', ' (unredacted: no free text)."""
    if not _listed(db, user):
        return pd.DataFrame(columns=list(LIST_LABELS))
    sql, params = _filtered_sql(user, filters, now or _now())
    columns = [
        "array_to_string(workloads, ', ') AS workloads" if c == "workloads" else c
        for c in LIST_LABELS
    ]
    frame = db.df(f"SELECT {', '.join(columns)} FROM ({sql}){NEWEST_FIRST}", params)
    frame["acceptance"] = frame["acceptance"].map(ACCEPTANCE)
    frame["status"] = frame["status"].map(STATUSES)
    return frame


@dataclass(frozen=True)
class ReferralDetail:
    rfa_id: str
    tenant_id: str
    tenant_name: str
    tenant_domain: str
    mpn_id: str
    assigned_at: datetime
    workloads: tuple[str, ...]
    au_pct: float | None
    source: str | None
    acceptance: str
    status: str
    decline_reason: str | None
    not_accepted_in_7_days: bool
    version: int
    usage_link: str | None  # "tenant?tenant=<id>" once the partner has a claim there
    contacts: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    notes: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)

    @property
    def au_message(self) -> str | None:
        return AU_PENDING if self.au_pct is None else None

    @property
    def facts(self) -> list[str]:
        """The referral's facts, one line each, as shown on the page (plain text)."""
        lines = [
            f"Tenant: {self.tenant_name}",
            f"Tenant domain: {self.tenant_domain}",
            f"Tenant ID: {self.tenant_id}",
            f"RFA ID: {self.rfa_id}  ·  MPN ID: {self.mpn_id}",
            f"Assigned: {self.assigned_at:%Y-%m-%d %H:%M} UTC",
            f"RFA workloads: {', '.join(self.workloads) or '-'}",
            f"Source: {self.source or '-'}",
            f"Acceptance: {ACCEPTANCE[self.acceptance]}  ·  Status: {STATUSES[self.status]}",
        ]
        if self.decline_reason:
            lines.append(f"Decline reason: {self.decline_reason}")
        if self.au_pct is not None:
            lines.append(f"AU %: {self.au_pct:.1f} %")
        return lines


CONTACT_COLUMNS = ["kind", "name", "email", "country", "services", "survey_eligible"]
NOTE_COLUMNS = [
    "created_at",
    "author",
    "onboarding_scope",
    "risks",
    "next_actions",
    "next_action_date",
    "next_action_owner",
]
NOTE_TEXT = ("onboarding_scope", "risks", "next_actions")


def referral(
    db: Database, user: User, rfa_id: str, *, now: datetime | None = None
) -> ReferralDetail | None:
    """One referral if the user may see it (None for unknown, foreign or out of scope)."""
    if not rfa_id or not _listed(db, user):
        return None
    sql, params = _base_sql(user, now or _now())
    frame = db.df(f"SELECT * FROM ({sql}) WHERE rfa_id = $rfa", {**params, "rfa": rfa_id})
    if frame.empty:
        return None
    # The decline reason is free text (it can hold a customer's email): masked as in the export.
    row = redact(user, frame, ("decline_reason",)).iloc[0]
    tenant_id = row["tenant_id"]
    visible = portfolio.tenant_view(db, user, tenant_id).status == "visible"
    contacts = pd.DataFrame(columns=CONTACT_COLUMNS)
    notes = pd.DataFrame(columns=NOTE_COLUMNS)
    if visible:  # the tenant's record, only where the user may open the tenant itself
        contacts = db.df(
            f"SELECT {', '.join(CONTACT_COLUMNS)} FROM contacts "
            "WHERE partner_id = ? AND tenant_id = ? ORDER BY kind, name",
            [user.partner_id, tenant_id],
        )
        notes = db.df(
            f"SELECT {', '.join(NOTE_COLUMNS)} FROM notes WHERE partner_id = ? "
            "AND tenant_id = ? ORDER BY created_at DESC, note_id DESC",
            [user.partner_id, tenant_id],
        )
    au = row["au_pct"]
    return ReferralDetail(
        rfa_id=row["rfa_id"],
        tenant_id=tenant_id,
        tenant_name=row["tenant_name"],
        tenant_domain=row["tenant_domain"],
        mpn_id=row["mpn_id"],
        assigned_at=row["assigned_at"],
        workloads=tuple(_names(row["workloads"])),
        au_pct=None if au is None or pd.isna(au) else float(au),
        source=row["source"],
        acceptance=row["acceptance"],
        status=row["status"],
        decline_reason=None if pd.isna(row["decline_reason"]) else row["decline_reason"],
        not_accepted_in_7_days=bool(row["not_accepted_in_7_days"]),
        version=int(row["version"]),
        usage_link=f"tenant?tenant={tenant_id}" if visible else None,
        contacts=redact(user, contacts),
        notes=redact(user, notes, NOTE_TEXT),
    )


# -- changes -------------------------------------------------------------------------------
def _change(
    db: Database,
    user: User,
    rfa_id: str,
    expected_version: int,
    action: str,
    apply: dict,
    now: datetime | None = None,
) -> int:
    """Apply ``apply`` (column -> value) to the referral's state; return the new version."""
    if not user.has_access:
        raise WorkspaceError("You need a role to work on referrals. Ask an admin of your partner.")
    detail = referral(db, user, rfa_id, now=now)
    if detail is None:
        raise WorkspaceError(
            f"Referral {rfa_id!r} is not one of your referrals. Pick one from the list."
        )

    def work(cur: duckdb.DuckDBPyConnection) -> int:
        row = cur.execute(
            "SELECT acceptance, decline_reason, status, version FROM referral_state "
            "WHERE partner_id = ? AND rfa_id = ?",
            [user.partner_id, rfa_id],
        ).fetchone()
        version = row[3] if row else 0
        if version != expected_version:
            raise StaleEdit(
                f"Someone else changed referral {rfa_id} after you opened it. "
                "Reload the page to see their change, then try again."
            )
        before = {
            "acceptance": row[0] if row else "pending",
            "decline_reason": row[1] if row else None,
            "status": row[2] if row else "new",
        }
        after = {**before, **{k: v for k, v in apply.items() if k in before}}
        decided = "acceptance" in apply
        if row is None:
            cur.execute(
                "INSERT INTO referral_state (partner_id, rfa_id, acceptance, decline_reason, "
                "status, decided_at, version, updated_by) VALUES (?, ?, ?, ?, ?, "
                "CASE WHEN ? THEN current_timestamp END, 1, ?)",
                [
                    user.partner_id,
                    rfa_id,
                    after["acceptance"],
                    after["decline_reason"],
                    after["status"],
                    decided,
                    user.email,
                ],
            )
        else:
            cur.execute(
                "UPDATE referral_state SET acceptance = ?, decline_reason = ?, status = ?, "
                "decided_at = CASE WHEN ? THEN current_timestamp ELSE decided_at END, "
                "version = version + 1, updated_by = ?, updated_at = current_timestamp "
                "WHERE partner_id = ? AND rfa_id = ?",
                [
                    after["acceptance"],
                    after["decline_reason"],
                    after["status"],
                    decided,
                    user.email,
                    user.partner_id,
                    rfa_id,
                ],
            )
        audit.record(
            cur,
            actor=user.email,
            action=action,
            partner_id=user.partner_id,
            tenant_id=detail.tenant_id,
            entity_key=rfa_id,
            before=before,
            after=after,
        )
        return version + 1

    # One change at a time (the version check must see every earlier change).
    return write_checked(db, work)


def accept(db: Database, user: User, rfa_id: str, expected_version: int) -> int:
    """Accept a referral (its status stays as it was, New by default)."""
    return _change(
        db,
        user,
        rfa_id,
        expected_version,
        "referral.accept",
        {"acceptance": "accepted", "decline_reason": None},
    )


def decline(db: Database, user: User, rfa_id: str, reason: str, expected_version: int) -> int:
    """Decline a referral with a reason (required); its status becomes Closed."""
    reason = (reason or "").strip()
    if not reason:
        raise WorkspaceError(
            "Give a reason for declining (for example: no capacity in that region), "
            "then press Decline again."
        )
    if len(reason) > MAX_REASON:
        raise WorkspaceError(f"Keep the reason under {MAX_REASON} characters.")
    return _change(
        db,
        user,
        rfa_id,
        expected_version,
        "referral.decline",
        {"acceptance": "declined", "decline_reason": reason, "status": "closed"},
    )


def set_status(db: Database, user: User, rfa_id: str, status: str, expected_version: int) -> int:
    """Keep the referral's status up to date (one of STATUSES)."""
    if status not in STATUSES:
        raise WorkspaceError(f"Choose a status among {', '.join(STATUSES.values())}.")
    return _change(db, user, rfa_id, expected_version, "referral.status", {"status": status})


def referrals_table(
    db: Database,
    user: User,
    filters: ReferralFilters = ReferralFilters(),  # noqa: B008 - frozen, safe as a default
) -> pd.DataFrame:
    """The referrals to export (``python -m fcu export referrals``, the page's Download CSV)."""
    return referrals(db, user, filters)[EXPORT_COLUMNS]
