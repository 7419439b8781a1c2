"""Help (AppTest): the FAQ answered for the signed-in user; without a role, only how to get one."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from fcu.ui import keys

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")


def help_page(email: str) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=30)
    at.secrets["fcu_tests"] = "demo mode"
    at.session_state[keys.DEMO_EMAIL] = email
    at.run()
    return at.switch_page("pages/help.py").run()


def main_text(at: AppTest) -> str:
    kinds = ("title", "subheader", "markdown", "caption", "text", "info", "warning", "error")
    return "\n".join(str(e.value) for kind in kinds for e in at.main.get(kind))


def test_user_without_role_sees_only_how_to_get_one(app_env):
    at = help_page("norole@northwind.example")
    shown = main_text(at)
    assert "You have no role in FCU yet" in shown
    assert "Executive report viewer" in shown and "Report viewer" in shown
    assert "Admin" in shown and "python -m fcu users add" in shown
    for absent in ("Usage %", "Opportunity units", "Tenant ID", "tenants", "Alpha Corp"):
        assert absent not in shown
    assert not at.expander and not at.metric and not at.dataframe


def test_executive_gets_role_scope_count_and_all_formulas(app_env):
    at = help_page("exec@northwind.example")
    shown = main_text(at)
    assert "Executive report viewer, scope Entire organisation" in shown
    assert "You can see **2** tenants:" in shown
    assert "current month is 2026-10" in shown
    for formula in ("**Usage %** = MAU ÷ PAU × 100", "**HWM**", "**Opportunity units**"):
        assert formula in shown
    assert "**Potential earnings**" in shown and "**Unclaimed opportunity**" in shown
    questions = [e.label for e in at.expander]
    assert "Where is the Tenant ID?" in questions
    assert 'What does "An error occurred while fetching data" mean?' in questions


def test_scoped_report_viewer_gets_their_scope_and_no_earnings_formulas(app_env):
    shown = main_text(help_page("report.m12@northwind.example"))
    assert "Report viewer, scope MPN locations M12" in shown
    assert "You can see **1** tenant:" in shown
    assert "made under your MPN locations" in shown
    assert "Opportunity units" not in shown and "rate per unit" not in shown
    assert "Earnings and opportunity figures are for Executive report viewers." in shown
