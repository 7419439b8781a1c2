"""Demo mode: a tenant link opened in a new tab (a new session) keeps the picked sample user."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from fcu.ui import keys

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")


def test_usage_links_carry_the_demo_user_and_a_new_session_honours_it(app_env):
    at = AppTest.from_file(DASHBOARD, default_timeout=30)
    at.secrets["fcu_tests"] = "demo mode"
    at.session_state[keys.DEMO_EMAIL] = "report.m12@northwind.example"
    at.run()
    links = list(at.dataframe[0].value["Usage %"])
    assert links and all("as=report.m12%40northwind.example" in link for link in links)

    fresh = AppTest.from_file(DASHBOARD, default_timeout=30)
    fresh.secrets["fcu_tests"] = "demo mode"
    fresh.query_params["as"] = "report.m12@northwind.example"
    fresh.run()
    assert fresh.session_state[keys.DEMO_EMAIL] == "report.m12@northwind.example"
    assert list(fresh.dataframe[0].value["Tenant name"]) == ["Beta School"]


def test_an_unknown_demo_user_in_the_link_falls_back_to_the_first_user(app_env):
    fresh = AppTest.from_file(DASHBOARD, default_timeout=30)
    fresh.secrets["fcu_tests"] = "demo mode"
    fresh.query_params["as"] = "ghost@nowhere.example"
    fresh.run()
    assert fresh.session_state[keys.DEMO_EMAIL] == "admin@northwind.example"
