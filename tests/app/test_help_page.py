"""Help (AppTest): the FAQ answered for the signed-in user; without a role, only how to get one."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.fixtures import EXEC, HELP_PAGE, NOROLE, REPORT_M12, app_test


def help_page(email: str) -> AppTest:
    return app_test(email, HELP_PAGE)


def main_text(at: AppTest) -> str:
    kinds = ("title", "subheader", "markdown", "caption", "text", "info", "warning", "error")
    return "\n".join(str(e.value) for kind in kinds for e in at.main.get(kind))


def test_user_without_role_sees_only_how_to_get_one(app_env):
    at = help_page(NOROLE)
    shown = main_text(at)
    assert "You have no role in FCU yet" in shown
    assert "Executive report viewer" in shown and "Report viewer" in shown
    assert "Admin" in shown and "python -m fcu users add" in shown
    for absent in ("Usage %", "Opportunity units", "Tenant ID", "tenants", "Alpha Corp"):
        assert absent not in shown
    assert not at.expander and not at.metric and not at.dataframe


def test_executive_gets_role_scope_count_and_all_formulas(app_env):
    at = help_page(EXEC)
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
    shown = main_text(help_page(REPORT_M12))
    assert "Report viewer, scope MPN locations M12" in shown
    assert "You can see **1** tenant:" in shown
    assert "made under your MPN locations" in shown
    assert "Opportunity units" not in shown and "rate per unit" not in shown
    assert "Earnings and opportunity figures are for Executive report viewers." in shown
