"""The Data page (AppTest): admins only; the history of loads, the upload limit, and the
problems of the last refused load by file, line and column. (Uploading itself is driven in
the browser: tests/e2e/test_referrals_earnings_data_admin.py.)"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from fcu import db as fcu_db
from fcu import loads
from fcu.access import AccessDenied, get_user
from tests.fixtures import ADMIN, DATA_PAGE, FABRIKAM_ADMIN, FIXTURE_FEED, app_test


@pytest.fixture(autouse=True)
def operator(monkeypatch):
    """Northwind's admin runs this FCU (FCU_OPERATORS); Fabrikam's admin does not."""
    monkeypatch.setenv("FCU_OPERATORS", "admin@northwind.example")


def data_page(email: str) -> AppTest:
    return app_test(email, DATA_PAGE)


def test_an_admin_sees_the_loads_and_the_upload_limit(app_env):
    at = data_page(ADMIN)
    assert not at.exception and not at.error
    caption = " ".join(c.value for c in at.caption)
    assert "Uploads up to 2,000 MB" in caption and "changes nothing" in caption
    history = at.dataframe[0].value
    assert history[["loaded_by", "outcome", "current_month"]].values.tolist() == [
        ["tests", "loaded", "2026-10"]
    ]
    assert "usage.csv 13" in history["rows_per_file"][0]
    assert [b.label for b in at.button] == ["Check and load"] and at.button[0].disabled
    assert not [s.value for s in at.subheader if "refused" in s.value]


def test_the_last_refused_load_lists_its_problems(app_env):
    files = {p.name: p.read_bytes() for p in FIXTURE_FEED.glob("*.csv")}
    files["usage.csv"] = files["usage.csv"].replace(b",700,1000,", b",lots,1000,")
    database = fcu_db.Database(app_env)
    admin = get_user(database, "admin@northwind.example")
    result = loads.load_upload(database, admin, list(files.items()))
    database.close()
    assert not result.ok
    at = data_page(ADMIN)
    assert "Problems of the last refused load" in [s.value for s in at.subheader]
    problems = at.dataframe[1].value
    assert ("usage.csv", 4, "mau") in [(r.file, r.line, r.column) for r in problems.itertuples()]
    assert at.dataframe[0].value["outcome"].tolist() == ["refused", "loaded"]


@pytest.mark.parametrize("email", ["exec@northwind.example", "report@northwind.example"])
def test_not_an_admin_gets_no_data_page(app_env, email):
    at = app_test(email)
    with pytest.raises(ValueError):
        at.switch_page(DATA_PAGE)
    page = app_test(email, DATA_PAGE, alone=True)
    assert [e.value for e in page.error] == ["This page is for admins of your partner."]
    assert not page.dataframe and not page.button


def test_an_admin_who_is_not_an_operator_sees_only_what_concerns_them(app_env):
    """The feed is every partner's: Fabrikam's admin cannot replace it, and sees when it
    changed but not who of another partner loaded it, the row counts or the problems of a
    refused load (which quote claim and referral values of every partner)."""
    files = {p.name: p.read_bytes() for p in FIXTURE_FEED.glob("*.csv")}
    files["usage.csv"] = files["usage.csv"].replace(b",700,1000,", b",lots,1000,")
    database = fcu_db.Database(app_env)
    northwind = get_user(database, "admin@northwind.example")
    fabrikam = get_user(database, "admin@fabrikam.example")
    assert not loads.load_upload(database, northwind, list(files.items())).ok
    with pytest.raises(AccessDenied, match="FCU_OPERATORS"):
        loads.load_upload(database, fabrikam, list(files.items()))
    database.close()
    at = data_page(FABRIKAM_ADMIN)
    assert not at.exception and not at.error
    assert not at.button and not at.get("file_uploader")
    assert "operators of this FCU" in " ".join(c.value for c in at.caption)
    assert len(at.dataframe) == 1  # the history only: no problems table
    history = at.dataframe[0].value
    assert history["outcome"].tolist() == ["refused", "loaded"]
    assert set(history["loaded_by"]) <= {"•••"} and "rows_per_file" not in history.columns
    assert "Problems of the last refused load" not in [s.value for s in at.subheader]
