"""The security review's ten cases, each refused or masked (the classes they belong to are
tested over every page and table in test_access_everywhere.py and test_hostile_users.py).
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

import pytest
from reliability_helpers import ALPHA, BETA, EXEC, ROOT, as_text, fingerprints, workspace_tables

from fcu import cli, config, export, feed, loads, referrals, users
from fcu.access import MASK, User, get_user
from fcu.db import Database
from fcu.feed import FeedError

DELTA = "aaaaaaaa-0000-0000-0000-000000000004"
FEED = ROOT / "tests" / "data" / "feed_small"
CUSTOMER = "dana.secret@alpha.example"
REASON = f"The customer ({CUSTOMER}) asked us to wait until spring."
REPORT = "report@northwind.example"


@pytest.fixture
def declined(db_path) -> Path:
    """R3 (Beta, M12) declined by an executive with a reason quoting a customer's email."""
    db = Database(db_path)
    referrals.decline(db, get_user(db, EXEC), "R3", REASON, 0)
    db.execute("CHECKPOINT")
    db.close()
    return db_path


# 1 and 3: the Referrals page and a referral's details, as a Report viewer -----------------
def test_the_referrals_page_sends_a_report_viewer_no_hidden_column(app_for, declined):
    at = app_for(declined, REPORT)
    at.run()
    at.switch_page("pages/referrals.py")
    at.query_params["rfa"] = "R3"
    at.run()
    assert not at.exception
    listed = at.dataframe[0].value  # the whole frame the browser receives, hidden or not
    assert list(listed.columns) == list(referrals.LIST_LABELS)
    shown = as_text(at)
    assert CUSTOMER not in shown and "asked us to wait" in shown  # masked, not dropped
    for frame in at.dataframe:
        cells = [str(c) for c in frame.value.to_numpy().ravel()]
        assert not [c for c in cells if "@" in c], "an email reached a Report viewer"


def test_a_referrals_decline_reason_is_masked_for_a_report_viewer(declined):
    db = Database(declined)
    try:
        detail = referrals.referral(db, get_user(db, REPORT), "R3")
        assert detail.decline_reason == REASON.replace(CUSTOMER, MASK)
        assert CUSTOMER not in "\n".join(detail.facts)
        assert referrals.referral(db, get_user(db, EXEC), "R3").decline_reason == REASON
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


# 5: a deferred download re-checks its user --------------------------------------------------
def test_a_deferred_download_uses_the_users_rights_at_the_click(app_for, db_path, downloads):
    """Every download drawn as data-at-the-click (on any page) follows the rights of the
    moment: narrowed to M12, the Tenants CSV holds Beta alone; removed, only its header."""
    pages = sorted(p.name for p in (ROOT / "pages").glob("*.py"))
    at = app_for(db_path, EXEC)
    at.run()
    for page in pages:
        try:
            at.switch_page(f"pages/{page}")
        except ValueError:
            continue
        at.run()
    assert downloads, "no deferred download was drawn"
    before = [d() for d in downloads]
    assert all(ALPHA.encode() in b for b in before)
    db = Database(db_path)
    try:
        users.save_user(db, "tests", User(EXEC, "P1", "executive", False, ("M12",), "Emery"))
        narrowed = [d() for d in downloads]
        assert all(ALPHA.encode() not in b and BETA.encode() in b for b in narrowed)
        users.remove_user(db, "tests", EXEC)
        removed = [d().decode() for d in downloads]
        assert all(text.count("\n") == 1 for text in removed)  # the header alone
    finally:
        db.close()


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


def _oidc_app(app_for, path, claims: dict, auth: dict | None = None):
    at = app_for(path, None)
    at.secrets["auth"] = auth or {
        **AUTH,
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    }
    at.user = {"is_logged_in": True, "name": "Someone", **claims}
    return at.run()


def test_a_user_record_is_bound_to_its_first_sign_in_account(app_for, db_path):
    first = _oidc_app(app_for, db_path, {"email": EXEC, "sub": "account-1"})
    assert not first.exception and "Alpha Corp" in as_text(first)
    again = _oidc_app(app_for, db_path, {"email": EXEC, "sub": "account-1"})
    assert "Alpha Corp" in as_text(again)
    other = _oidc_app(app_for, db_path, {"email": EXEC.upper(), "sub": "account-2"})
    shown = as_text(other)
    assert "Alpha Corp" not in shown and "another account" in shown
    db = Database(db_path)
    try:
        assert db.scalar("SELECT subject FROM users WHERE email = ?", [EXEC]) == "account-1"
        assert db.scalar("SELECT count(*) FROM audit WHERE action = 'user.bind_subject'") == 1
    finally:
        db.close()


def test_an_account_of_another_directory_is_refused(app_for, db_path):
    auth = {
        **AUTH,
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "server_metadata_url": "http://127.0.0.1:9/organizations/v2.0/"
        ".well-known/openid-configuration",
        "allowed_tenants": ["contoso-tid"],
    }
    stranger = _oidc_app(app_for, db_path, {"email": EXEC, "oid": "o-1", "tid": "evil"}, auth)
    assert "Alpha Corp" not in as_text(stranger)
    assert "organisation" in " ".join(e.value for e in stranger.error)
    member = _oidc_app(app_for, db_path, {"email": EXEC, "oid": "o-1", "tid": "Contoso-TID"}, auth)
    assert "Alpha Corp" in as_text(member)


# 8: the Data page: see test_data_page.py (an admin who is not an operator) -----------------


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
    files = {f"feed/{p.name}": p.read_bytes() for p in FEED.glob("*.csv")}
    files["feed/usage.csv"] = b"0" * (200 << 20)  # 200 MB of zeros: about 200 KB zipped
    bomb = _zip(files)
    assert len(bomb) < 1 << 20
    said = _refused_and_unchanged(db, operator, [("feed.zip", bomb)], "times its compressed")
    assert "usage.csv" in said


def test_a_zip_past_the_expanded_limit_is_refused(db, operator, monkeypatch):
    monkeypatch.setattr(feed, "MAX_EXPANDED_MB", 1)
    files = {f"{p.name}": p.read_bytes() for p in FEED.glob("*.csv")}
    files["usage.csv"] = os.urandom(2 << 20)  # does not compress: the total limit speaks
    _refused_and_unchanged(db, operator, [("feed.zip", _zip(files))], "more than 1 MB")


def test_a_feed_file_twice_in_an_upload_is_refused(db, operator):
    files = {p.name: p.read_bytes() for p in FEED.glob("*.csv")}
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
