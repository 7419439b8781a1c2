"""The Tenants page (AppTest): tiles, filters, sort, paging, opening a tenant, Download CSV.

Figures are the fixture feed's known answers (tests/data/feed_small/README.md).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fcu import cli, feed, store, users
from fcu import db as fcu_db
from fcu.sample import write_sample_feed
from fcu.ui import keys
from tests.fixtures import ALPHA, BETA, EXEC, EXEC_M11, REPORT_M12, ROOT, TENANTS_PAGE, app_test


def tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def names(at: AppTest) -> list[str]:
    return list(at.dataframe[0].value["Tenant name"]) if at.dataframe else []


def cli_export(db_path: Path, email: str) -> bytes:
    """`python -m fcu export tenants` as that user (run before the app opens the file)."""
    done = subprocess.run(
        [sys.executable, "-m", "fcu", "--db", str(db_path), "export", "tenants", "--user", email],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    return done.stdout


def test_executive_sees_tiles_and_table_of_the_portfolio(app_env):
    at = app_test(EXEC, TENANTS_PAGE)
    assert not at.exception and not at.error
    assert tiles(at) == {
        "Tenants": "2",
        "Average Usage %": "85.3 %",
        "Total MAU": "1,360",
        "Total PAU": "2,000",
        "Potential earnings": "$2,000",
        "Unclaimed opportunity": "$0",
    }
    table = at.dataframe[0].value
    assert list(table["Tenant name"]) == ["Alpha Corp", "Beta School"]
    assert list(table["Tenant ID"]) == [ALPHA, BETA]
    assert list(table["MAU"]) == [760, 600]
    assert list(table["Potential earnings"]) == [2000.0, 0.0]
    assert table["Usage %"][1].startswith(f"tenant?tenant={BETA}&usage=120.0")
    assert "Usage over 100 %" in table["Flags"][1] and "Education" in table["Flags"][1]
    assert any("2026-10" in c.value for c in at.caption), "the current month is shown"


def test_usage_search_and_sort_filters_narrow_the_rows(app_env):
    at = app_test(EXEC, TENANTS_PAGE)
    at.slider(key=keys.TENANT_USAGE).set_value((100.0, 120.0)).run()
    assert names(at) == ["Beta School"] and tiles(at)["Tenants"] == "1"
    at.slider(key=keys.TENANT_USAGE).set_value((0.0, 120.0)).run()
    at.text_input(key=keys.TENANT_SEARCH).set_value("ALPHA.example").run()
    assert names(at) == ["Alpha Corp"]
    at.text_input(key=keys.TENANT_SEARCH).set_value("0000-000000000002").run()
    assert names(at) == ["Beta School"]
    at.text_input(key=keys.TENANT_SEARCH).set_value("").run()
    at.multiselect(key=keys.TENANT_FLAGS).set_value(["education"]).run()
    assert names(at) == ["Beta School"]
    at.multiselect(key=keys.TENANT_FLAGS).set_value([]).run()
    at.selectbox(key=keys.TENANT_SORT).set_value("usage_pct").run()
    at.toggle(key=keys.TENANT_DESCENDING).set_value(True).run()
    assert names(at) == ["Beta School", "Alpha Corp"]
    at.text_input(key=keys.TENANT_SEARCH).set_value("no such tenant").run()
    assert not at.dataframe and "No tenant matches" in at.info[0].value


def test_scoped_user_gets_only_their_mpn_locations_as_filter_options(app_env):
    at = app_test(EXEC_M11, TENANTS_PAGE)
    assert names(at) == ["Alpha Corp"]
    assert at.multiselect(key=keys.TENANT_MPNS).options == ["M11 · Northwind Seattle"]
    assert at.multiselect(key=keys.TENANT_COUNTRIES).options == ["US"]


def test_a_row_click_opens_the_tenant_and_filters_survive_the_visit(app_env):
    at = app_test(EXEC, TENANTS_PAGE)
    at.slider(key=keys.TENANT_USAGE).set_value((40.0, 100.0)).run()
    at.text_input(key=keys.TENANT_SEARCH).set_value("corp").run()
    assert names(at) == ["Alpha Corp"]
    at.session_state[keys.TENANT_TABLE] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    assert at.query_params == {"tenant": ALPHA}
    assert [c.value for c in at.code] == [ALPHA]
    at.switch_page(TENANTS_PAGE).run()
    assert at.slider(key=keys.TENANT_USAGE).value == (40.0, 100.0)
    assert at.text_input(key=keys.TENANT_SEARCH).value == "corp"
    assert names(at) == ["Alpha Corp"]


@pytest.mark.parametrize("email", [EXEC, REPORT_M12])
def test_download_csv_is_the_command_line_export(app_env, downloads, email):
    expected = cli_export(app_env, email)
    at = app_test(email, TENANTS_PAGE)
    assert [b.label for b in at.get("download_button")] == ["Download CSV"]
    assert downloads[-1]() == expected
    header = expected.decode().splitlines()[0]
    assert ("potential_earnings" in header) == email.startswith("exec")


def test_download_csv_holds_exactly_the_filtered_rows(app_env, downloads):
    at = app_test(EXEC, TENANTS_PAGE)
    full = downloads[-1]().decode().splitlines()
    at.slider(key=keys.TENANT_USAGE).set_value((100.0, 120.0)).run()
    assert downloads[-1]().decode().splitlines() == [full[0], full[2]]
    assert full[2].startswith(BETA + ",Beta School,")


def test_a_failing_read_shows_the_error_sentence_and_no_trace(app_env):
    database = fcu_db.Database(app_env)
    database.execute("DROP TABLE feed_workloads")
    database.close()
    at = app_test(EXEC, TENANTS_PAGE)
    assert not at.exception
    assert [e.value for e in at.error] == [
        "An error occurred while fetching data, please refresh the page and retry."
    ]


def test_large_portfolio_is_paged(tmp_path, monkeypatch):
    folder = tmp_path / "feed"
    write_sample_feed(folder, tenants=400, seed=3, end_month="2026-10")
    database = fcu_db.Database(tmp_path / "big.duckdb")
    assert feed.load_feed(database, folder, loaded_by="tests").ok
    users.add_many(database, cli.demo_users(database), actor="tests")
    exec_email = cli.demo_users(database)[1].email
    total = database.scalar("SELECT count(*) FROM feed_partner_tenant WHERE in_fasttrack")
    database.close()
    monkeypatch.setenv("FCU_DB", str(tmp_path / "big.duckdb"))
    store.forget_shared()
    import streamlit as st

    st.cache_resource.clear()
    at = app_test(exec_email, TENANTS_PAGE)
    count = int(tiles(at)["Tenants"].replace(",", ""))
    assert 50 < count <= total
    assert len(at.dataframe[0].value) == 50
    first_page = list(at.dataframe[0].value["Tenant ID"])
    at.get("pagination")[0].set_value(2).run()
    second_page = list(at.dataframe[0].value["Tenant ID"])
    assert len(second_page) == min(50, count - 50)
    assert not set(first_page) & set(second_page)
    assert any(f"Tenants 51–{50 + len(second_page)} of {count:,}" in c.value for c in at.caption)
    st.cache_resource.clear()
    store.forget_shared()
