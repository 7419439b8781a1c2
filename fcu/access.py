"""Who sees what (PRODUCT.md, "Who sees what"): users, visibility and redaction, in one place.

Every query of partner data takes a ``User`` and goes through ``tenant_scope`` (which
tenants) and every table handed to a person goes through ``redact`` (which columns and
values). Pages, exports and commands all call these; nothing else decides access.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from fcu import config
from fcu.db import Database

ROLES = ("executive", "report")
ROLE_NAMES = {"executive": "Executive report viewer", "report": "Report viewer"}
EMAIL_RE = re.compile(r"^[^@\s<>\"'(),;:]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
MAX_EMAIL = 254

# Columns that carry revenue: dropped for a Report viewer wherever they appear.
REVENUE_COLUMNS = frozenset(
    {
        "potential_earnings",
        "unclaimed_opportunity",
        "rate_per_unit",
        "max_earning",
        "opportunity_units",
        "opportunity_value",
        "earnings",
        "what_if_earnings",
    }
)
# Columns holding personal data: masked for a Report viewer.
PERSONAL_COLUMNS = frozenset(
    {
        "name",
        "email",
        "contact_name",
        "contact_email",
        "author",
        "actor",
        "created_by",
        "updated_by",
        "next_action_owner",
        "loaded_by",
    }
)
MASK = "•••"


class AccessDenied(Exception):
    """The user may not do or see this (message is a sentence for the user)."""


@dataclass(frozen=True)
class User:
    email: str
    partner_id: str
    role: str | None  # 'executive' | 'report' | None (no role yet)
    is_admin: bool = False
    scope_mpns: tuple[str, ...] | None = None  # None: entire organisation
    display_name: str | None = None

    @property
    def effective_role(self) -> str | None:
        return "executive" if self.is_admin else self.role

    @property
    def has_access(self) -> bool:
        return self.effective_role in ROLES

    @property
    def sees_revenue(self) -> bool:
        return self.effective_role == "executive"

    @property
    def sees_personal_data(self) -> bool:
        return self.effective_role == "executive"

    @property
    def can_edit_contacts(self) -> bool:
        return self.effective_role == "executive"

    @property
    def scope_label(self) -> str:
        if self.scope_mpns is None:
            return "Entire organisation"
        return "MPN locations " + ", ".join(self.scope_mpns)

    @property
    def role_label(self) -> str:
        if not self.has_access:
            return "No role"
        name = ROLE_NAMES[self.effective_role]
        return f"{name} (admin)" if self.is_admin else name


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def valid_email(email: str) -> bool:
    email = normalise_email(email)
    return len(email) <= MAX_EMAIL and bool(EMAIL_RE.match(email))


def user_from_row(row: tuple) -> User:
    email, partner_id, role, is_admin, scope, display_name = row
    return User(
        email=email,
        partner_id=partner_id,
        role=role,
        is_admin=bool(is_admin),
        scope_mpns=tuple(scope) if scope is not None else None,
        display_name=display_name,
    )


USER_COLUMNS = "email, partner_id, role, is_admin, scope_mpns, display_name"


def get_user(db: Database, email: str) -> User | None:
    """The user with this email (case-insensitive), or None."""
    row = db.one(f"SELECT {USER_COLUMNS} FROM users WHERE email = ?", [normalise_email(email)])
    return user_from_row(row) if row else None


def list_users(db: Database, partner_id: str | None = None) -> list[User]:
    if partner_id is None:
        rows = db.execute(f"SELECT {USER_COLUMNS} FROM users ORDER BY partner_id, email")
    else:
        rows = db.execute(
            f"SELECT {USER_COLUMNS} FROM users WHERE partner_id = ? ORDER BY email", [partner_id]
        )
    return [user_from_row(r) for r in rows]


def require_user(db: Database, email: str) -> User:
    user = get_user(db, email)
    if user is None:
        raise AccessDenied(
            f"No user {normalise_email(email)!r} exists. List users with `python -m fcu users "
            "list`, or add one with `python -m fcu users add`."
        )
    if not user.has_access:
        raise AccessDenied(
            f"{user.email} has no role yet. An admin of the partner gives a role "
            "(Executive report viewer or Report viewer) on the Admin page or with "
            "`python -m fcu users add`."
        )
    return user


def tenant_scope(user: User, alias: str = "pt", *, fasttrack_only: bool = True) -> tuple[str, dict]:
    """SQL condition and named parameters ($partner, $scope) for the partner_tenant rows a
    user may see: the partner's own, under the user's MPN locations, in FastTrack."""
    if not user.has_access:
        return "false", {}
    sql = f"{alias}.partner_id = $partner"
    params: dict = {"partner": user.partner_id}
    if fasttrack_only:
        sql += f" AND {alias}.in_fasttrack"
    if user.scope_mpns is not None:
        sql += f" AND list_has_any({alias}.mpn_ids, $scope::VARCHAR[])"
        params["scope"] = list(user.scope_mpns)
    return sql, params


def mpn_scope(user: User, column: str = "mpn_id") -> tuple[str, dict]:
    """SQL condition for rows made under one MPN location (referrals, claims) of the user."""
    if not user.has_access:
        return "false", {}
    if user.scope_mpns is None:
        return "true", {}
    return f"{column} = ANY($scope::VARCHAR[])", {"scope": list(user.scope_mpns)}


def mask_email(value: object) -> object:
    if not isinstance(value, str) or not value:
        return value
    return MASK


EMAIL_IN_TEXT = re.compile(r"[^@\s<>\"'(),;:]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


def mask_emails_in_text(value: object) -> object:
    if not isinstance(value, str):
        return value
    return EMAIL_IN_TEXT.sub(MASK, value)


def redact(user: User, frame: pd.DataFrame, text_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """The frame as this user may see it: revenue dropped, personal data masked."""
    out = frame
    if not user.sees_revenue:
        out = out.drop(columns=[c for c in out.columns if c in REVENUE_COLUMNS])
    if not user.sees_personal_data:
        out = out.copy()
        for column in out.columns:
            if column in PERSONAL_COLUMNS:
                out[column] = out[column].map(mask_email)
            elif column in text_columns:
                out[column] = out[column].map(mask_emails_in_text)
    return out


def ensure_revenue(user: User) -> None:
    if not user.sees_revenue:
        raise AccessDenied(
            "Earnings figures are for Executive report viewers. Ask an admin of your partner "
            "for that role if you need them."
        )


def is_operator(user: User | None) -> bool:
    """An admin named in FCU_OPERATORS: may load the feed (every partner's) from the app."""
    return user is not None and user.is_admin and user.email in config.operators()


def ensure_operator(user: User) -> None:
    if not is_operator(user):
        raise AccessDenied(
            "The feed holds every partner's data, so only the operators of this FCU "
            "(FCU_OPERATORS) load it here; others use `python -m fcu load` on the server."
        )


def ensure_admin(user: User) -> None:
    if not user.is_admin:
        raise AccessDenied("Only an admin of your partner can manage users and load feeds.")
