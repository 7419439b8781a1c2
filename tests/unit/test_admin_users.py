"""What an admin may do to users (fcu.users with acting_for): own partner only, never
remove or demote the last admin, every change audited."""

from __future__ import annotations

import dataclasses
import time

import pytest

from fcu import access, users
from fcu.access import AccessDenied, User
from fcu.users import UserError

pytestmark = pytest.mark.both_stores  # the same checks on the team store (fcu.team)


def test_add_change_and_remove_a_user_of_the_own_partner(db, user):
    admin = user("admin@northwind.example")
    new = User("New.Person@Northwind.example", "P1", "report", False, ("M12",), "New Person")
    saved = users.save_user(db, admin.email, new, acting_for=admin)
    assert saved == User(
        "new.person@northwind.example", "P1", "report", False, ("M12",), "New Person"
    )
    changed = users.save_user(
        db,
        admin.email,
        dataclasses.replace(saved, role="executive", scope_mpns=None),
        acting_for=admin,
    )
    assert (changed.role, changed.scope_mpns) == ("executive", None)
    users.remove_user(db, admin.email, saved.email, acting_for=admin)
    assert access.get_user(db, saved.email) is None
    actions = db.execute(
        "SELECT action, actor, partner_id FROM audit WHERE entity_key = ? ORDER BY audit_id",
        [saved.email],
    )
    assert actions == [
        ("user.add", admin.email, "P1"),
        ("user.change", admin.email, "P1"),
        ("user.remove", admin.email, "P1"),
    ]


def test_partner_users_lists_only_the_admins_partner(db, user):
    listed = {u.email for u in users.partner_users(db, user("admin@fabrikam.example"))}
    assert listed == {"admin@fabrikam.example"}
    with pytest.raises(AccessDenied):
        users.partner_users(db, user("exec@northwind.example"))
    assert users.mpn_locations(db, "P1") == {"M11": "Northwind Seattle", "M12": "Northwind London"}


def test_an_admin_cannot_touch_another_partners_users(db, user):
    fabrikam = user("admin@fabrikam.example")
    target = user("exec@northwind.example")
    with pytest.raises(AccessDenied):
        users.save_user(
            db, fabrikam.email, dataclasses.replace(target, role="report"), acting_for=fabrikam
        )
    with pytest.raises(AccessDenied):  # same email, claimed for P2: still another's user
        users.save_user(
            db, fabrikam.email, dataclasses.replace(target, partner_id="P2"), acting_for=fabrikam
        )
    with pytest.raises(AccessDenied):
        users.remove_user(db, fabrikam.email, target.email, acting_for=fabrikam)
    assert access.get_user(db, target.email) == target


def test_the_last_admin_can_be_neither_demoted_nor_removed(db, user):
    admin = user("admin@northwind.example")
    with pytest.raises(UserError, match="last admin"):
        users.save_user(
            db, admin.email, dataclasses.replace(admin, is_admin=False), acting_for=admin
        )
    with pytest.raises(UserError, match="last admin"):
        users.remove_user(db, admin.email, admin.email, acting_for=admin)
    assert access.get_user(db, admin.email).is_admin
    # With a second admin, the first may step down.
    users.save_user(
        db,
        admin.email,
        dataclasses.replace(user("exec@northwind.example"), is_admin=True),
        acting_for=admin,
    )
    users.save_user(db, admin.email, dataclasses.replace(admin, is_admin=False), acting_for=admin)
    assert not access.get_user(db, admin.email).is_admin


def test_two_admins_removing_each_other_at_once_leave_one_admin(db, user, monkeypatch, at_once):
    """Each counts two admins before the other's removal lands: without one-at-a-time writes
    both removals pass and the partner is left with no admin."""
    first = user("admin@northwind.example")
    second = dataclasses.replace(user("exec@northwind.example"), is_admin=True)
    users.save_user(db, first.email, second, acting_for=first)
    counted = users._ensure_not_last_admin

    def slow_count(cur, target):  # both transactions have counted before either removes
        counted(cur, target)
        time.sleep(0.3)

    monkeypatch.setattr(users, "_ensure_not_last_admin", slow_count)
    outcomes: list[str] = []
    pairs = [(first, second), (second, first)]  # each removes the other

    def remove(number: int) -> None:
        actor, target = pairs[number]
        try:
            users.remove_user(db, actor.email, target.email, acting_for=actor)
            outcomes.append("removed")
        except UserError as exc:
            outcomes.append(str(exc))

    at_once(2, remove)
    assert sorted("refused: last admin" if "last admin" in o else o for o in outcomes) == [
        "refused: last admin",
        "removed",
    ]
    assert [u.email for u in users.list_users(db, "P1") if u.is_admin] in (
        [first.email],
        [second.email],
    )


def test_a_scope_must_name_the_partners_own_locations(db, user):
    admin = user("admin@northwind.example")
    with pytest.raises(UserError, match="M21"):
        users.save_user(
            db,
            admin.email,
            dataclasses.replace(user("exec@northwind.example"), scope_mpns=("M21",)),
            acting_for=admin,
        )
