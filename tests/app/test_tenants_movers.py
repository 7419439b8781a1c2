"""The Tenants page's movers (AppTest): change columns, the Movement filter, the Usage %
band filter and its chart. Known answers: tests/unit/test_movers.py."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from fcu.ui import keys
from tests.fixtures import EXEC, TENANTS_PAGE, app_test


def table(at: AppTest):
    return next(d.value for d in at.dataframe if "Tenant name" in d.value.columns)


def test_change_columns_and_the_movement_filter(app_env):
    at = app_test(EXEC, TENANTS_PAGE)
    assert not at.exception
    shown = table(at).set_index("Tenant name")
    assert round(shown.loc["Alpha Corp", "Usage % vs last month"], 2) == -29.33
    assert shown.loc["Alpha Corp", "MAU vs last month"] == -40
    at.selectbox(key=keys.TENANT_MOVEMENT).set_value("falling").run()
    assert table(at)["Tenant name"].tolist() == ["Alpha Corp"]
    at.selectbox(key=keys.TENANT_MOVEMENT).set_value("rising").run()
    assert not at.dataframe or table(at).empty
    assert any("No tenant matches" in i.value for i in at.info)


def test_a_usage_band_filters_the_list_and_the_chart_shows_every_band(app_env):
    at = app_test(EXEC, TENANTS_PAGE)
    assert len(at.get("plotly_chart")) == 1  # the band chart
    at.button_group(key=keys.TENANT_BAND).set_value("Over 100 %").run()
    assert not at.exception
    assert table(at)["Tenant name"].tolist() == ["Beta School"]
    assert {m.label: m.value for m in at.metric}["Tenants"] == "1"
    at.button_group(key=keys.TENANT_BAND).set_value(None).run()
    assert table(at)["Tenant name"].tolist() == ["Alpha Corp", "Beta School"]
