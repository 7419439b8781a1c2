"""The Data page (AppTest): an operator uploads a partner's Partner Center reports (a zip, or
the files themselves) with the partner chosen on the page; a good upload replaces the feed
(figures: tests/unit/test_partner_center.py), a bad one lists its problems by report file and
line and changes nothing."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fcu import db as fcu_db
from fcu import export
from fcu.access import get_user
from fcu.ui import keys

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = str(ROOT / "dashboard.py")
REPORTS = ROOT / "tests" / "data" / "partner_center"
ALPHA = "aaaaaaaa-0000-0000-0000-000000000001"


@pytest.fixture(autouse=True)
def operator(monkeypatch):
    monkeypatch.setenv("FCU_OPERATORS", "admin@northwind.example")


def data_page(email: str = "admin@northwind.example") -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.secrets["fcu_tests"] = "demo mode"
    at.session_state[keys.DEMO_EMAIL] = email
    at.run()
    at.switch_page("pages/data.py")
    return at.run()


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(f"Insights export/{name}", content)
    return buffer.getvalue()


def report_files() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in REPORTS.iterdir()}


def upload_reports(at: AppTest, partner: str, files: list[tuple[str, bytes, str]]) -> AppTest:
    at.radio(key=keys.DATA_SOURCE).set_value("Partner Center reports").run()
    at.selectbox(key=keys.DATA_PARTNER).set_value(partner).run()
    at.file_uploader(key=keys.DATA_UPLOAD).set_value(files).run()
    return at.button[0].click().run()


def figures(db_path: Path, email: str = "exec@northwind.example") -> bytes:
    database = fcu_db.Database(db_path)
    try:
        return export.render(database, get_user(database, email), "tenants")
    finally:
        database.close()


def test_an_operator_loads_a_zip_of_reports_for_the_partner_chosen(app_env):
    at = data_page()
    at.radio(key=keys.DATA_SOURCE).set_value("Partner Center reports").run()
    assert at.selectbox(key=keys.DATA_PARTNER).options == ["P1", "P2"]
    at = upload_reports(at, "P1", [("reports.zip", zipped(report_files()), "application/zip")])
    assert not at.exception and not at.error
    assert [s.value for s in at.success][0].startswith("Feed loaded in ")
    assert "Current month: 2026-10." in at.success[0].value
    summary = at.code[0].value
    assert "Partner Center reports of P1 loaded" in summary
    assert "(2 duplicate-flagged rows dropped)" in summary
    assert "viva_engage: Viva Engage" in summary
    history = at.dataframe[0].value
    assert history[["loaded_by", "outcome"]].values.tolist()[0] == [
        "admin@northwind.example",
        "loaded",
    ]
    # The partner's figures are the reports' (see tests/unit/test_partner_center.py), less
    # Alpha's teams, which P2 holds by C2: P2's part of the feed stays as it was
    assert "Other partners in FCU, left as they were" in summary
    rows = figures(app_env).decode().splitlines()
    assert rows[1].startswith(f"{ALPHA},Alpha Corp,alpha.example,US,commercial,M11,")
    assert ",1060,1650,64.24,-5.76,80,,,2200.0,450.0," in rows[1]


def test_bad_reports_are_listed_by_file_and_line_and_change_nothing(app_env):
    before = figures(app_env)
    files = report_files()
    files["OfficeUsage.csv"] = files["OfficeUsage.csv"].replace(b",1000,700,", b",1000,lots,")
    at = data_page()
    at = upload_reports(
        at, "P1", [(name, content, "text/csv") for name, content in sorted(files.items())]
    )
    assert not at.exception
    assert "Feed refused: 1 problem(s); nothing was changed." in at.error[0].value
    problems = at.dataframe[0].value
    assert [(r.file, r.line, r.column, r.message) for r in problems.itertuples()] == [
        ("OfficeUsage.csv", 4, "MonthlyActiveUsers", "'lots' is not a whole number")
    ]
    assert figures(app_env) == before
    again = data_page()  # opened later: the last refused load, by the reports' names
    assert "Problems of the last refused load" in [s.value for s in again.subheader]
    listed = again.dataframe[1].value
    assert ("OfficeUsage.csv", 4, "MonthlyActiveUsers") in [
        (r.file, r.line, r.column) for r in listed.itertuples()
    ]


def test_an_admin_who_is_not_an_operator_gets_no_partner_center_upload(app_env):
    at = data_page("admin@fabrikam.example")
    assert not at.exception and not at.error
    assert not at.get("radio") and not at.get("file_uploader")


def test_the_page_shows_the_last_sync_its_failure_and_the_next(app_env, monkeypatch):
    from fcu import sync

    database = fcu_db.Database(app_env)
    unreachable = sync.Settings(base_url="http://127.0.0.1:9/insights", attempts=1)
    failed = sync.sync(database, "P1", settings=unreachable, token="t", started_by="tests")
    database.close()
    assert not failed.ok
    monkeypatch.setenv("FCU_SYNC_HOUR", "4")
    monkeypatch.setenv("FCU_SYNC_PARTNER", "P1")
    at = data_page()
    assert not at.exception
    caption = " ".join(c.value for c in at.caption)
    assert "Last sync: " in caption and "by tests, partner P1, failed in " in caption
    assert "Next sync: " in caption and ":00 UTC (daily), partner P1." in caption
    assert [w.value for w in at.warning][0].endswith(
        "FCU could not reach Partner Center at 127.0.0.1:9 ([Errno 111] Connection refused) "
        "1 times; try again later. Nothing was loaded."
    )
    assert "Sync now" in [b.label for b in at.button]
