"""Managing users: add, change, remove, each audited; the rules admins work under."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from fcu import audit
from fcu.access import (
    ROLES,
    USER_COLUMNS,
    AccessDenied,
    User,
    get_user,
    list_users,
    normalise_email,
    user_from_row,
    valid_email,
)
from fcu.db import Database


class UserError(ValueError):
    """A user change that cannot be made (message is a sentence saying what to fix)."""


def _row(user: User) -> dict:
    return {
        "email": user.email,
        "partner_id": user.partner_id,
        "role": user.role,
        "is_admin": user.is_admin,
        "scope": "all" if user.scope_mpns is None else list(user.scope_mpns),
    }


def parse_scope(text: str | None) -> tuple[str, ...] | None:
    """'all' (or empty) is the entire organisation; otherwise comma-separated MPN IDs."""
    if text is None or text.strip().lower() in ("", "all"):
        return None
    mpns = tuple(sorted({part.strip() for part in text.split(",") if part.strip()}))
    if not mpns:
        raise UserError("Give a scope of 'all' or one or more MPN IDs separated by commas.")
    return mpns


def partner_mpns(db: Database, partner_id: str) -> list[str]:
    if not db.table_exists("feed_partners"):
        return []
    return [
        r[0]
        for r in db.execute(
            "SELECT mpn_id FROM feed_partners WHERE partner_id = ? ORDER BY mpn_id", [partner_id]
        )
    ]


MAX_DISPLAY_NAME = 200  # characters


def _check(db: Database, user: User) -> None:
    if not valid_email(user.email):
        raise UserError(f"{user.email!r} is not an email address such as name@example.com.")
    if user.display_name and len(user.display_name) > MAX_DISPLAY_NAME:
        raise UserError(
            f"The display name is {len(user.display_name):,} characters long; shorten it to "
            f"{MAX_DISPLAY_NAME} or fewer."
        )
    if user.role is not None and user.role not in ROLES:
        raise UserError("Role must be 'executive' or 'report'.")
    if not user.partner_id or not user.partner_id.strip():
        raise UserError("Give the partner ID the user belongs to.")
    known = partner_mpns(db, user.partner_id)
    if db.table_exists("feed_partners") and not known:
        raise UserError(f"Partner {user.partner_id!r} is not in the loaded feed.")
    if user.scope_mpns is not None and known:
        unknown = sorted(set(user.scope_mpns) - set(known))
        if unknown:
            raise UserError(
                f"MPN ID(s) {', '.join(unknown)} are not locations of partner "
                f"{user.partner_id}; choose from {', '.join(known)}."
            )


def save_user(db: Database, actor: str, user: User, *, acting_for: User | None = None) -> User:
    """Add or change a user. ``acting_for`` is the admin doing it (None: the command line)."""
    user = User(
        email=normalise_email(user.email),
        partner_id=user.partner_id.strip(),
        role=user.role,
        is_admin=user.is_admin,
        scope_mpns=user.scope_mpns,
        display_name=user.display_name,
    )
    _check(db, user)
    if acting_for is not None:
        if not acting_for.is_admin:
            raise AccessDenied("Only an admin can manage users.")
        if user.partner_id != acting_for.partner_id:
            raise AccessDenied("You can only manage users of your own partner.")

    def work(cur: duckdb.DuckDBPyConnection) -> None:
        before = get_user_in(cur, user.email)
        if before is not None and acting_for is not None:
            if before.partner_id != acting_for.partner_id:
                raise AccessDenied("That email belongs to a user of another partner.")
        if before is not None and before.is_admin and not user.is_admin:
            _ensure_not_last_admin(cur, before)
        scope = list(user.scope_mpns) if user.scope_mpns is not None else None
        if before is None:
            cur.execute(
                "INSERT INTO users (email, partner_id, role, is_admin, scope_mpns, display_name) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [user.email, user.partner_id, user.role, user.is_admin, scope, user.display_name],
            )
        else:
            cur.execute(
                "UPDATE users SET partner_id = ?, role = ?, is_admin = ?, scope_mpns = ?, "
                "display_name = coalesce(?, display_name), updated_at = current_timestamp "
                "WHERE email = ?",
                [user.partner_id, user.role, user.is_admin, scope, user.display_name, user.email],
            )
        audit.record(
            cur,
            actor=actor,
            action="user.add" if before is None else "user.change",
            partner_id=user.partner_id,
            entity_key=user.email,
            before=_row(before) if before else None,
            after=_row(user),
        )

    db.write_serialised(work)  # the last-admin rule counts the other admins
    return get_user(db, user.email)  # type: ignore[return-value]


def remove_user(db: Database, actor: str, email: str, *, acting_for: User | None = None) -> None:
    email = normalise_email(email)

    def work(cur: duckdb.DuckDBPyConnection) -> None:
        before = get_user_in(cur, email)
        if before is None:
            raise UserError(f"No user {email!r} exists.")
        if acting_for is not None and before.partner_id != acting_for.partner_id:
            raise AccessDenied("You can only manage users of your own partner.")
        if before.is_admin:
            _ensure_not_last_admin(cur, before)
        cur.execute("DELETE FROM users WHERE email = ?", [email])
        cur.execute("DELETE FROM digest_subscriptions WHERE email = ?", [email])  # re-added: off
        audit.record(
            cur,
            actor=actor,
            action="user.remove",
            partner_id=before.partner_id,
            entity_key=email,
            before=_row(before),
        )

    db.write_serialised(work)  # the last-admin rule counts the other admins


class SubjectMismatch(AccessDenied):
    """A sign-in with a user's email but another account than the one it is bound to."""


def bind_subject(db: Database, email: str, subject: str) -> None:
    """Bind the user record to the sign-in account on its first sign-in; afterwards refuse
    another account that arrives with the same email (someone in another directory who set
    their mail to this address). Removing and re-adding the user clears the binding."""
    email = normalise_email(email)

    def work(cur: duckdb.DuckDBPyConnection) -> None:
        row = cur.execute("SELECT partner_id, subject FROM users WHERE email = ?", [email])
        found = row.fetchone()
        if found is None or found[1] == subject:
            return
        if found[1] is not None:
            raise SubjectMismatch(
                f"{email} is already bound to another sign-in account, so FCU refuses this "
                "one. If the account was replaced, an admin removes and re-adds the user."
            )
        cur.execute("UPDATE users SET subject = ? WHERE email = ?", [subject, email])
        audit.record(
            cur,
            actor=email,
            action="user.bind_subject",
            partner_id=found[0],
            entity_key=email,
            after={"subject": subject},
        )

    db.write_serialised(work)


def _ensure_not_last_admin(cur: duckdb.DuckDBPyConnection, user: User) -> None:
    admins = cur.execute(
        "SELECT count(*) FROM users WHERE partner_id = ? AND is_admin", [user.partner_id]
    ).fetchone()[0]
    if admins <= 1:
        raise UserError(
            f"{user.email} is the last admin of partner {user.partner_id}; make another user "
            "an admin first."
        )


def get_user_in(cur: duckdb.DuckDBPyConnection, email: str) -> User | None:
    row = cur.execute(f"SELECT {USER_COLUMNS} FROM users WHERE email = ?", [email]).fetchone()
    return user_from_row(row) if row else None


def add_many(db: Database, users: Sequence[User], actor: str = "fcu init") -> None:
    for user in users:
        save_user(db, actor, user)


# -- the Admin page ------------------------------------------------------------------------
def mpn_locations(db: Database, partner_id: str) -> dict[str, str]:
    """The partner's MPN locations: MPN ID -> location name (for choosing a scope)."""
    if not db.table_exists("feed_partners"):
        return {}
    return dict(
        db.execute(
            "SELECT mpn_id, location_name FROM feed_partners WHERE partner_id = ? ORDER BY mpn_id",
            [partner_id],
        )
    )


def partner_users(db: Database, admin: User) -> list[User]:
    """The users of the admin's own partner (never another partner's)."""
    if not admin.is_admin:
        raise AccessDenied("Only an admin of your partner can manage users and load feeds.")
    return list_users(db, admin.partner_id)
