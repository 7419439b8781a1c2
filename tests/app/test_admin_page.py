"""The Admin page (AppTest): the partner's users, change a scope, the last-admin rule, remove
a user; admins only."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fcu import access, store
from fcu.ui import keys
from fcu.ui.tables import plain
from tests.fixtures import ADMIN, ADMIN_PAGE, app_test


def admin_page(email: str = ADMIN) -> AppTest:
    return app_test(email, ADMIN_PAGE)


def stored(db_path: Path, email: str) -> access.User | None:
    """The user as saved (read through the app's own connection to the file)."""
    return access.get_user(store.shared(db_path), email)


def test_an_admin_sees_only_the_users_of_their_partner(app_env):
    at = admin_page()
    assert not at.exception and not at.error
    assert "Pick a user below" in " ".join(c.value for c in at.caption)
    table = at.dataframe[0].value
    assert "admin@fabrikam.example" not in table["Email"].tolist()
    row = table.set_index("Email").loc["report.m12@northwind.example"]
    assert (row["Role"], row["Admin"], row["Scope"]) == (
        "Report viewer",
        False,
        "MPN locations M12",
    )
    assert at.selectbox(key=keys.ADMIN_EDIT).options[0] == "New user"


def test_change_a_scope_add_and_remove_a_user(app_env):
    at = admin_page()
    at.selectbox(key=keys.ADMIN_EDIT).set_value("exec@northwind.example").run()
    at.radio[0].set_value(False)
    at.multiselect[0].set_value(["M11"])
    at.button[0].click().run()
    assert [s.value for s in at.success] == [plain("Saved exec@northwind.example.")]
    table = at.dataframe[0].value.set_index("Email")
    assert table.loc["exec@northwind.example", "Scope"] == "MPN locations M11"
    assert stored(app_env, "exec@northwind.example").scope_mpns == ("M11",)

    at.selectbox(key=keys.ADMIN_EDIT).set_value("").run()
    at.text_input[0].input("New.Analyst@northwind.example")
    next(s for s in at.selectbox if s.label == "Role").set_value("report")
    at.button[0].click().run()
    assert [s.value for s in at.success] == [plain("Saved new.analyst@northwind.example.")]
    assert stored(app_env, "new.analyst@northwind.example").role == "report"

    at.checkbox(key="admin_sure_new.analyst@northwind.example").check().run()
    next(b for b in at.button if b.label == "Remove user").click().run()
    assert [s.value for s in at.success] == [plain("Removed new.analyst@northwind.example.")]
    assert stored(app_env, "new.analyst@northwind.example") is None


def test_bad_input_and_the_last_admin_are_refused_with_a_sentence(app_env):
    at = admin_page()
    at.selectbox(key=keys.ADMIN_EDIT).set_value("admin@northwind.example").run()
    at.checkbox[0].uncheck()
    at.button[0].click().run()
    assert "is the last admin of partner P1" in at.error[0].value
    assert stored(app_env, "admin@northwind.example").is_admin

    at.selectbox(key=keys.ADMIN_EDIT).set_value("exec@northwind.example").run()
    at.radio[0].set_value(False)
    at.button[0].click().run()
    assert "Choose at least one MPN location" in at.error[0].value

    at.selectbox(key=keys.ADMIN_EDIT).set_value("").run()
    at.text_input[0].input("not an email")
    at.button[0].click().run()
    assert "is not an email address" in at.error[0].value


@pytest.mark.parametrize("email", ["exec@northwind.example", "report.m12@northwind.example"])
def test_not_an_admin_gets_no_admin_page(app_env, email):
    page = app_test(email, ADMIN_PAGE, alone=True)
    assert [e.value for e in page.error] == ["This page is for admins of your partner."]
    assert not page.dataframe and not page.button
