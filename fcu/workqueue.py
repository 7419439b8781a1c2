"""My work: what is due for one person (or, for an admin or executive, their whole team).

Five kinds of item, each computed against a given day (``today``; the feed's dates are fixed,
so tests and trials name the day, and the app takes it from FCU_TODAY when that is set):

- next actions overdue, and due in the next 7 days: the latest status note of each tenant
  the user may see, whose next action date is set and whose owner is this person (by email,
  ignoring case) or nobody; in team view, every owner;
- referrals not answered yet (accepted or declined), with the days left of their 7;
- claims submitted more than 30 days ago and still not approved;
- tenants whose Usage % fell by more than 10 points since the previous month.

Every item names the place to act (a path of the app, such as
``tenant?tenant=<id>&section=notes`` or ``referrals?rfa=<id>``). The rules of
``fcu.access`` hold: the tenants and referrals of the user's partner and scope only; for a
Report viewer no revenue and no personal data (owners and emails in the text are masked).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

import pandas as pd

from fcu import referrals
from fcu.access import MASK, User, mask_emails_in_text, normalise_email, tenant_scope
from fcu.db import Database
from fcu.referrals import ReferralFilters

DUE_WITHIN_DAYS = 7
CLAIM_WAIT_DAYS = 30  # a claim submitted longer ago than this and not approved is waiting long
FALL_POINTS = 10.0  # a tenant whose Usage % fell by more than this since last month
KINDS: dict[str, str] = {  # kind -> heading, in the order shown
    "overdue": "Next actions overdue",
    "due": f"Next actions due in the next {DUE_WITHIN_DAYS} days",
    "referral": "Referrals to accept or decline",
    "claim": f"Claims waiting more than {CLAIM_WAIT_DAYS} days for approval",
    "falling": f"Tenants whose Usage % fell more than {FALL_POINTS:.0f} points",
}
TODAY = "FCU_TODAY"


def today(environ: dict | None = None) -> date:
    """The day "due" is counted from: FCU_TODAY (YYYY-MM-DD) where set, else today in UTC."""
    value = ((os.environ if environ is None else environ).get(TODAY) or "").strip()
    if value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    return datetime.now(UTC).date()


def link(page: str, **params: str) -> str:
    """The path of a page of the app with its query (``tenant?tenant=...&section=notes``)."""
    return f"{page}?{urlencode(params)}" if params else page


def tenant_link(tenant_id: str, section: str | None = None) -> str:
    params = {"tenant": tenant_id}
    if section:
        params["section"] = section
    return link("tenant", **params)


@dataclass(frozen=True)
class WorkItem:
    kind: str  # a key of KINDS
    tenant_id: str
    tenant_name: str
    what: str  # one line: the action, the referral, the claim or the fall
    when: str  # the date or the days left, as read
    link: str  # path of the place to act
    due_on: date | None = None  # next actions: the date (for the calendar)
    owner: str = ""  # next actions: as this user may see it ('' unassigned)
    note_id: int | None = None


@dataclass(frozen=True)
class WorkQueue:
    user_email: str
    today: date
    team: bool
    items: tuple[WorkItem, ...]

    def of(self, kind: str) -> list[WorkItem]:
        return [i for i in self.items if i.kind == kind]

    @property
    def count(self) -> int:
        return len(self.items)

    def counts(self) -> dict[str, int]:
        return {kind: len(self.of(kind)) for kind in KINDS}


def can_see_team(user: User) -> bool:
    """Admins and executives may look at their whole team's next actions."""
    return user.effective_role == "executive"


def work_queue(db: Database, user: User, on: date, *, team: bool = False) -> WorkQueue:
    """Everything due for ``user`` on day ``on`` (``team``: every owner's next actions, for
    admins and executives only)."""
    team = team and can_see_team(user)
    if not user.has_access or not db.table_exists("feed_partner_tenant"):
        return WorkQueue(user.email, on, team, ())
    items = [
        *_next_actions(db, user, on, team),
        *_referrals(db, user, on),
        *_claims(db, user, on),
        *_falling(db, user),
    ]
    order = list(KINDS)
    items.sort(key=lambda i: order.index(i.kind))  # stable: each kind keeps its own order
    return WorkQueue(user.email, on, team, tuple(items))


# -- next actions ---------------------------------------------------------------------------
def next_actions(db: Database, user: User, *, team: bool = False) -> pd.DataFrame:
    """Each visible tenant's current next action (its latest note's) with a date, owned by
    this user or nobody (every owner in team view), by date; unredacted."""
    team = team and can_see_team(user)
    columns = ["note_id", "tenant_id", "tenant_name", "next_actions", "next_action_date"]
    columns.append("next_action_owner")
    if not user.has_access or not db.table_exists("feed_partner_tenant"):
        return pd.DataFrame(columns=columns)
    scope_sql, params = tenant_scope(user, "pt")
    owner_sql = "true"
    if not team:
        owner_sql = "(owner = '' OR lower(owner) = $me)"
        params["me"] = normalise_email(user.email)
    frame = db.df(
        f"""
        WITH latest AS (
            SELECT tenant_id, max(note_id) AS note_id
            FROM notes WHERE partner_id = $partner GROUP BY tenant_id
        ),
        current AS (
            SELECT n.note_id, n.tenant_id, pt.tenant_name,
                   coalesce(n.next_actions, '') AS next_actions, n.next_action_date,
                   trim(coalesce(n.next_action_owner, '')) AS owner
            FROM latest l
            JOIN notes n ON n.note_id = l.note_id
            JOIN feed_partner_tenant pt ON pt.tenant_id = n.tenant_id
            WHERE {scope_sql} AND n.next_action_date IS NOT NULL
        )
        SELECT note_id, tenant_id, tenant_name, next_actions, next_action_date,
               owner AS next_action_owner
        FROM current WHERE {owner_sql}
        """,
        params,
    )
    return frame.sort_values(["next_action_date", "tenant_name", "note_id"]).reset_index(drop=True)


def shown_owner(user: User, owner: str) -> str:
    if not owner:
        return ""
    if normalise_email(owner) == normalise_email(user.email):
        return "you"
    return owner if user.sees_personal_data else MASK


def shown_text(user: User, text: str) -> str:
    text = " ".join(str(text or "").split())
    return text if user.sees_personal_data else str(mask_emails_in_text(text))


def _days(n: int) -> str:
    return f"{n} day" if abs(n) == 1 else f"{n} days"


def _next_actions(db: Database, user: User, on: date, team: bool) -> list[WorkItem]:
    out = []
    horizon = on + timedelta(days=DUE_WITHIN_DAYS)
    for row in next_actions(db, user, team=team).itertuples(index=False):
        due = pd.Timestamp(row.next_action_date).date()
        if due > horizon:
            continue
        late = (on - due).days
        if late > 0:
            kind, when = "overdue", f"{due:%Y-%m-%d} ({_days(late)} overdue)"
        else:
            kind = "due"
            when = f"{due:%Y-%m-%d} (today)" if late == 0 else f"{due:%Y-%m-%d} (in {_days(-late)})"
        out.append(
            WorkItem(
                kind=kind,
                tenant_id=row.tenant_id,
                tenant_name=row.tenant_name,
                what=shown_text(user, row.next_actions) or "Next action (no text in the note)",
                when=when,
                link=tenant_link(row.tenant_id, "notes"),
                due_on=due,
                owner=shown_owner(user, row.next_action_owner),
                note_id=int(row.note_id),
            )
        )
    return out


# -- referrals, claims, falling tenants -----------------------------------------------------
def _referrals(db: Database, user: User, on: date) -> list[WorkItem]:
    now = datetime.combine(on, datetime.min.time())
    pending = referrals.referrals(db, user, ReferralFilters(acceptance=("pending",)), now=now)
    out = []
    for row in pending.sort_values(["assigned_at", "rfa_id"]).itertuples(index=False):
        assigned = pd.Timestamp(row.assigned_at).to_pydatetime()
        deadline = (assigned + timedelta(days=referrals.ACCEPT_WITHIN_DAYS)).date()
        left = (deadline - on).days
        if left > 0:
            when = f"{_days(left)} left of {referrals.ACCEPT_WITHIN_DAYS} (by {deadline:%Y-%m-%d})"
        elif left == 0:
            when = f"last day (by {deadline:%Y-%m-%d})"
        else:
            when = f"overdue: was due by {deadline:%Y-%m-%d} ({_days(-left)} ago)"
        workloads = ", ".join(row.workloads) or "no workload named"
        out.append(
            WorkItem(
                kind="referral",
                tenant_id=row.tenant_id,
                tenant_name=row.tenant_name,
                what=f"Referral {row.rfa_id} ({workloads}), assigned {assigned:%Y-%m-%d}",
                when=when,
                link=link("referrals", rfa=row.rfa_id),
            )
        )
    return out


def _claims(db: Database, user: User, on: date) -> list[WorkItem]:
    from fcu import claims  # (claims imports precompute, which the queue needs only here)

    frame = claims.claims_table(db, user)
    if frame.empty:
        return []
    names = dict(db.execute("SELECT workload, display_name FROM feed_workloads"))
    cutoff = on - timedelta(days=CLAIM_WAIT_DAYS)
    out = []
    waiting = frame[frame["status"] == "submitted"].sort_values(["submitted_on", "claim_id"])
    for row in waiting.itertuples(index=False):
        submitted = pd.Timestamp(row.submitted_on).date()
        if submitted >= cutoff:
            continue
        out.append(
            WorkItem(
                kind="claim",
                tenant_id=row.tenant_id,
                tenant_name=row.tenant_name,
                what=f"Claim {row.claim_id} on {names.get(row.workload, row.workload)} "
                f"(MPN {row.mpn_id}), submitted {submitted:%Y-%m-%d}",
                when=f"waiting {_days((on - submitted).days)}",
                link=tenant_link(row.tenant_id, "workloads"),
            )
        )
    return out


def _falling(db: Database, user: User) -> list[WorkItem]:
    scope_sql, params = tenant_scope(user, "pt")
    params["fall"] = -FALL_POINTS
    rows = db.execute(
        f"""
        SELECT tenant_id, tenant_name, usage_pct, usage_change_1m, potential_earnings
        FROM feed_partner_tenant pt
        WHERE {scope_sql} AND usage_change_1m < $fall
        ORDER BY usage_change_1m, tenant_name
        """,
        params,
    )
    out = []
    for tenant_id, name, usage, change, earnings in rows:
        what = f"Usage % {usage - change:.1f} % last month, {usage:.1f} % now"
        if user.sees_revenue and earnings:
            what += f"; potential earnings ${earnings:,.0f}"
        out.append(
            WorkItem(
                kind="falling",
                tenant_id=tenant_id,
                tenant_name=name,
                what=what,
                when=f"{change:+.1f} points since last month",
                link=tenant_link(tenant_id, "workloads"),
            )
        )
    return out


def as_frame(queue: WorkQueue, kind: str) -> pd.DataFrame:
    """One kind's items as a table (tenant, what, when, owner for next actions, link)."""
    items = queue.of(kind)
    frame = pd.DataFrame(
        {
            "tenant_name": [i.tenant_name for i in items],
            "what": [i.what for i in items],
            "when": [i.when for i in items],
            "owner": [i.owner or "unassigned" for i in items],
            "link": [i.link for i in items],
        }
    )
    if kind not in ("overdue", "due"):
        frame = frame.drop(columns=["owner"])
    return frame
