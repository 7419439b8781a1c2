"""Who sees what, as one matrix (AppTest): role × scope × page, with Tenant IDs typed into the
address of the Tenant details page. Known answers: tests/data/feed_small/README.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fcu.access import REVENUE_COLUMNS
from fcu.ui import keys

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")
TENANT_IDS = {
    "Alpha Corp": "aaaaaaaa-0000-0000-0000-000000000001",
    "Beta School": "aaaaaaaa-0000-0000-0000-000000000002",
    "Gamma Small": "aaaaaaaa-0000-0000-0000-000000000003",
    "Delta Gov, Ministry": "aaaaaaaa-0000-0000-0000-000000000004",
}
NOT_AVAILABLE = (
    "No tenant with this Tenant ID is available to you. Check the ID, or open the tenant "
    "from the Tenants page."
)
REVENUE_LABELS = {"Potential earnings", "Unclaimed opportunity"}

# email -> (tenants listed, tenants that open as "not in FastTrack", sees revenue, pages)
MATRIX = {
    "admin@northwind.example": (
        {"Alpha Corp", "Beta School"},
        {"Gamma Small"},
        True,
        {"earnings", "data", "admin"},
    ),
    "exec@northwind.example": (
        {"Alpha Corp", "Beta School"},
        {"Gamma Small"},
        True,
        {"earnings"},
    ),
    "report@northwind.example": ({"Alpha Corp", "Beta School"}, {"Gamma Small"}, False, set()),
    "exec.m11@northwind.example": ({"Alpha Corp"}, {"Gamma Small"}, True, {"earnings"}),
    "report.m12@northwind.example": ({"Beta School"}, set(), False, set()),
    "admin@fabrikam.example": (
        {"Alpha Corp", "Delta Gov, Ministry"},
        set(),
        True,
        {"earnings", "data", "admin"},
    ),
}
RESTRICTED = ("earnings", "data", "admin")


def signed_in(email: str) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=30)
    at.secrets["fcu_tests"] = "demo mode"
    at.session_state[keys.DEMO_EMAIL] = email
    return at.run()


def labels(at: AppTest) -> set[str]:
    return {m.label for m in at.metric}


@pytest.mark.parametrize("email", list(MATRIX))
def test_role_and_scope_decide_every_page(app_env, email):
    listed, not_in_fasttrack, revenue, restricted_pages = MATRIX[email]
    at = signed_in(email)
    assert not at.exception

    # Tenants: exactly the scope's tenants; revenue tiles and columns only for executives.
    table = at.dataframe[0].value
    assert set(table["Tenant name"]) == listed
    assert bool(labels(at) & REVENUE_LABELS) == revenue
    assert bool(set(table.columns) & REVENUE_LABELS) == revenue
    assert [o for o in at.selectbox(key=keys.TENANT_SORT).options if o in REVENUE_LABELS] == (
        ["Potential earnings", "Unclaimed opportunity"] if revenue else []
    )

    # Restricted pages are not even in the navigation of those without the rights.
    for name in RESTRICTED:
        if name in restricted_pages:
            at.switch_page(f"pages/{name}.py")
        else:
            with pytest.raises(ValueError):
                at.switch_page(f"pages/{name}.py")

    # Tenant details by typed Tenant ID: visible, "not in FastTrack", or the one message.
    for name, tenant_id in TENANT_IDS.items():
        at.switch_page("pages/tenant.py")
        at.query_params["tenant"] = tenant_id
        at.run()
        assert not at.exception and not at.error
        if name in listed:
            assert [h.value for h in at.header] == [name]
            assert bool(labels(at) & REVENUE_LABELS) == revenue
            columns = set(at.dataframe[0].value.columns)
            assert bool(columns & REVENUE_LABELS) == revenue
        elif name in not_in_fasttrack:
            assert "not in FastTrack" in at.info[0].value
            assert not at.metric and not at.dataframe
        else:
            assert [w.value for w in at.warning] == [NOT_AVAILABLE], (email, name)
            assert not at.header and not at.metric and not at.dataframe


def test_report_viewer_download_has_no_revenue_column(app_env):
    from fcu import access, export
    from fcu.ui.data import database

    signed_in("report@northwind.example")  # opens the app's database
    user = access.get_user(database(), "report@northwind.example")
    header = export.tenants_csv(database(), user).decode().splitlines()[0].split(",")
    assert not set(header) & REVENUE_COLUMNS
    assert header[:2] == ["tenant_id", "tenant_name"]


def test_user_without_role_gets_only_help_whatever_the_address(app_env):
    at = signed_in("norole@northwind.example")
    for page in ("tenants", "tenant", "referrals", *RESTRICTED):
        with pytest.raises(ValueError):
            at.switch_page(f"pages/{page}.py")
    at.query_params["tenant"] = TENANT_IDS["Alpha Corp"]
    at.run()
    shown = " ".join(m.value for m in at.main.get("markdown"))
    assert "You have no role in FCU yet" in [s.value for s in at.subheader]
    assert "Alpha Corp" not in shown and not at.dataframe and not at.metric
