"""The security review's ten cases, each refused or masked (the classes they belong to are
tested over every page and table in tests/app/test_access_matrix.py and
tests/app/test_hostile_users.py). The cases a page shows (1 and 3, 5, 7):
tests/app/test_security_review_pages.py.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

import pytest

from fcu import cli, config, export, feed, loads, referrals
from fcu.access import MASK, get_user
from fcu.db import Database
from fcu.feed import FeedError
from tests.fixtures import (
    ALPHA,
    DECLINE_REASON,
    DECLINED_CUSTOMER,
    DELTA,
    EXEC,
    FIXTURE_FEED,
    REPORT,
    ROOT,
    fingerprints,
    workspace_tables,
)


# 1 and 3: a referral's details, as a Report viewer (``declined``: tests/conftest.py) ------
def test_a_referrals_decline_reason_is_masked_for_a_report_viewer(declined):
    db = Database(declined)
    try:
        detail = referrals.referral(db, get_user(db, REPORT), "R3")
        assert detail.decline_reason == DECLINE_REASON.replace(DECLINED_CUSTOMER, MASK)
        assert DECLINED_CUSTOMER not in "\n".join(detail.facts)
        assert referrals.referral(db, get_user(db, EXEC), "R3").decline_reason == DECLINE_REASON
    finally:
        db.close()


# 2: a referral of a tenant outside the user's scope ---------------------------------------
def test_a_referral_outside_the_users_tenants_shows_no_notes_or_contacts(db):
    """A referral under the user's MPN location of a tenant they cannot open (Delta is not
    Northwind's): its facts, but none of the record kept on that tenant."""
    db.execute(
        "INSERT INTO feed_referrals SELECT 'R9', tenant_id, 'P1', 'M11', assigned_at, "
        "workloads, au_pct, source FROM feed_referrals WHERE rfa_id = 'R2'"
    )
    db.execute(
        "INSERT INTO notes (note_id, partner_id, tenant_id, risks, author) "
        "VALUES (9001, 'P1', ?, 'Delta secret note', 'exec@northwind.example')",
        [DELTA],
    )
    db.execute(
        "INSERT INTO contacts (contact_id, partner_id, tenant_id, kind, name, email, services, "
        "created_by) VALUES (9001, 'P1', ?, 'customer', 'Dee Hidden', 'dee@delta.example', "
        "['teams'], 'exec@northwind.example')",
        [DELTA],
    )
    scoped = get_user(db, "exec.m11@northwind.example")
    detail = referrals.referral(db, scoped, "R9")
    assert detail is not None and detail.usage_link is None
    assert detail.notes.empty and detail.contacts.empty


# 4: formulas in list cells of the Tenants CSV -----------------------------------------------
def test_the_tenants_csv_neutralises_list_cells(db):
    db.execute("UPDATE feed_partner_tenant SET mpn_ids = ['=HYPERLINK(\"x\")', 'M12']")
    db.execute("UPDATE feed_partner_tenant SET claimed_workloads = ['@SUM(1+1)']")
    data = export.tenants_csv(db, get_user(db, EXEC)).decode()
    assert "'=HYPERLINK" in data and "'@SUM(1+1)" in data
    assert ",=HYPERLINK" not in data and ",@SUM" not in data


# 7: sign-in identity ----------------------------------------------------------------------
AUTH = {
    "redirect_uri": "https://fcu.example.com/oauth2callback",
    "cookie_secret": "a-test-cookie-secret-of-forty-characters!",
    "client_id": "fcu",
    "client_secret": "secret",
    "server_metadata_url": "https://login.microsoftonline.com/contoso-tid/v2.0/"
    ".well-known/openid-configuration",
}


@pytest.mark.parametrize("segment", ["common", "organizations", "consumers"])
def test_multi_organisation_metadata_needs_an_allow_list(segment):
    url = AUTH["server_metadata_url"].replace("contoso-tid", segment)
    problems = config.auth_problems({**AUTH, "server_metadata_url": url})
    assert any("allowed_tenants" in p for p in problems), problems
    allowed = {**AUTH, "server_metadata_url": url, "allowed_tenants": ["contoso-tid"]}
    assert config.auth_problems(allowed) == []
    assert config.auth_problems(AUTH) == []


def test_the_readmes_cookie_secret_is_refused_outside_localhost():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    examples = [s for s in config.EXAMPLE_COOKIE_SECRETS if s in readme]
    assert examples, "the README's example secrets are the ones refused"
    for secret in examples:
        public = config.auth_problems({**AUTH, "cookie_secret": secret})
        assert any("README's example" in p for p in public), public
        local = {
            **AUTH,
            "cookie_secret": secret,
            "redirect_uri": "http://localhost:8501/oauth2callback",
        }
        assert not [p for p in config.auth_problems(local) if "README's example" in p]


# 8: the Data page: see tests/app/test_data_page.py (an admin who is not an operator) -----


# 9: uploads ---------------------------------------------------------------------------------
def _zip(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.fixture
def operator(monkeypatch):
    monkeypatch.setenv("FCU_OPERATORS", "admin@northwind.example")
    return "admin@northwind.example"


def _refused_and_unchanged(db, admin: str, upload: list, match: str) -> str:
    tables = [*workspace_tables(db), "feed_usage", "loads"]
    before = fingerprints(db, tables)
    with pytest.raises(FeedError, match=match) as raised:
        loads.load_upload(db, get_user(db, admin), upload)
    assert fingerprints(db, tables) == before
    return str(raised.value)


def test_a_zip_bomb_is_refused_before_it_fills_the_disk(db, operator):
    files = {f"feed/{p.name}": p.read_bytes() for p in FIXTURE_FEED.glob("*.csv")}
    files["feed/usage.csv"] = b"0" * (200 << 20)  # 200 MB of zeros: about 200 KB zipped
    bomb = _zip(files)
    assert len(bomb) < 1 << 20
    said = _refused_and_unchanged(db, operator, [("feed.zip", bomb)], "times its compressed")
    assert "usage.csv" in said


def test_a_zip_past_the_expanded_limit_is_refused(db, operator, monkeypatch):
    monkeypatch.setattr(feed, "MAX_EXPANDED_MB", 1)
    files = {f"{p.name}": p.read_bytes() for p in FIXTURE_FEED.glob("*.csv")}
    files["usage.csv"] = os.urandom(2 << 20)  # does not compress: the total limit speaks
    _refused_and_unchanged(db, operator, [("feed.zip", _zip(files))], "more than 1 MB")


def test_a_feed_file_twice_in_an_upload_is_refused(db, operator):
    files = {p.name: p.read_bytes() for p in FIXTURE_FEED.glob("*.csv")}
    twice = _zip({**files, "old/usage.csv": files["usage.csv"]})
    said = _refused_and_unchanged(db, operator, [("feed.zip", twice)], "more than once")
    assert "usage.csv" in said
    two_zips = [("a.zip", _zip(files)), ("b.zip", _zip({"usage.csv": files["usage.csv"]}))]
    _refused_and_unchanged(db, operator, two_zips, "more than once")
    loose = [*files.items(), ("usage.csv", files["usage.csv"])]
    _refused_and_unchanged(db, operator, loose, "twice")


# 10: files readable by their owner alone ------------------------------------------------------
def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_its_wal_and_exports_are_owner_only(tmp_path, db_path, capsys):
    path = tmp_path / "new" / "fcu.duckdb"
    db = Database(path)
    try:
        db.execute("CREATE TABLE t AS SELECT 1 AS x")
        assert Path(f"{path}.wal").exists()
        assert _mode(path) == 0o600 and _mode(Path(f"{path}.wal")) == 0o600
        assert _mode(path.parent) == 0o700
    finally:
        db.close()
    db_path.chmod(0o644)  # a database made before FCU restricted its files
    Database(db_path).close()
    assert _mode(db_path) == 0o600
    out = tmp_path / "tenants.csv"
    out.write_text("")
    out.chmod(0o644)
    code = cli.main(["--db", str(db_path), "export", "tenants", "--user", EXEC, "--out", str(out)])
    capsys.readouterr()
    assert code == 0 and _mode(out) == 0o600 and ALPHA in out.read_text()
