"""`python -m fcu sync` against a local HTTP server of the tests' own that answers like the
Partner Center Insights API: ScheduledQueries and ScheduledReport (created once, found by
name afterwards), the latest execution (Pending before Completed), and the report file at
its reportAccessSecureLink; and its failures: 401, 429 with Retry-After, 5xx, a report
still running, a download cut off mid-way, a malformed file. Each failure ends in a
sentence and loads nothing; the reports are tests/data/partner_center's, whose figures
tests/unit/test_partner_center.py derives."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import urllib.parse
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from fcu import daily, export, sync
from fcu.access import get_user

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "tests" / "data" / "partner_center"
TOKEN = "secret-token-7f3a"
BASE = "/insights/v1/mpn"
ALPHA = "aaaaaaaa-0000-0000-0000-000000000001"


class Insights:
    """What the server knows and how it misbehaves (set by each test)."""

    def __init__(self) -> None:
        self.files = {
            "OfficeUsage": (REPORTS / "OfficeUsage.csv").read_bytes(),
            "EMSUsage": (REPORTS / "EMSUsage.tsv").read_bytes(),
            "CustomersAndTenants": (REPORTS / "CustomersAndTenants.csv").read_bytes(),
        }
        self.queries: dict[str, dict] = {}
        self.reports: dict[str, dict] = {}
        self.pending = Counter({"OfficeUsage": 2, "EMSUsage": 1})  # Pending answers first
        self.faults: list[tuple[str, int, dict]] = []  # (path part, status, headers), in order
        self.cuts = Counter()  # downloads to cut off mid-way, per dataset
        self.calls: list[tuple[str, str, bool]] = []  # method, path, with a token

    def fault(self, path: str) -> tuple[int, dict] | None:
        for i, (part, status, headers) in enumerate(self.faults):
            if part in path:
                del self.faults[i]
                return status, headers
        return None


class Handler(BaseHTTPRequestHandler):
    state: Insights

    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, headers: dict | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, value: list) -> None:
        body = json.dumps({"Value": value, "TotalCount": len(value), "StatusCode": 200})
        self._send(200, body.encode(), {"Content-Type": "application/json"})

    def _handle(self, method: str) -> None:
        state = self.state
        auth = self.headers.get("Authorization", "")
        state.calls.append((method, self.path, TOKEN in auth))
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path.startswith("/download/"):
            return self._download(url.path.rsplit("/", 1)[1].split(".")[0])
        fault = state.fault(url.path)
        if fault:
            return self._send(fault[0], b'{"Message": "no"}', fault[1])
        if auth != f"Bearer {TOKEN}":
            return self._send(401, b'{"Message": "Unauthorized"}')
        path = url.path.removeprefix(BASE + "/")
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}") if length else {}
        if path == "ScheduledQueries" and method == "GET":
            name = query.get("queryName", [""])[0]
            return self._json([q for q in state.queries.values() if q["Name"] == name])
        if path == "ScheduledQueries" and method == "POST":
            made = {"QueryId": f"q{len(state.queries) + 1}", **body}
            state.queries[made["QueryId"]] = made
            return self._json([made])
        if path == "ScheduledReport" and method == "GET":
            return self._json(list(state.reports.values()))
        if path == "ScheduledReport" and method == "POST":
            made = {"ReportId": f"r{len(state.reports) + 1}", "ReportStatus": "Active", **body}
            state.reports[made["ReportId"]] = made
            return self._json([made])
        if path.startswith("ScheduledReport/execution/"):
            report = state.reports[path.rsplit("/", 1)[1]]
            dataset = report["ReportName"].removeprefix("FCU ")
            if state.pending[dataset] > 0:
                state.pending[dataset] -= 1
                return self._json([{"ExecutionId": "e1", "ExecutionStatus": "Pending"}])
            host = f"http://127.0.0.1:{self.server.server_port}"
            link = f"{host}/download/{dataset}.csv?sv=2020&sig=abc"
            return self._json(
                [
                    {
                        "ExecutionId": "e1",
                        "ExecutionStatus": "Completed",
                        "ReportAccessSecureLink": link,
                    }
                ]
            )
        return self._send(404, b"{}")

    def _download(self, dataset: str) -> None:
        data = self.state.files[dataset]
        if self.state.cuts[dataset] > 0:  # promise it all, send half, hang up
            self.state.cuts[dataset] -= 1
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self._send(200, data, {"Content-Type": "text/csv"})

    def do_GET(self) -> None:  # noqa: N802
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")


@pytest.fixture
def insights():
    state = Insights()
    handler = type("Bound", (Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}{BASE}"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def own_files(tmp_path) -> Path:
    folder = tmp_path / "own"
    folder.mkdir()
    for name in ("claims.csv", "referrals.csv", "rate_card.csv"):
        shutil.copy(REPORTS / name, folder / name)
    return folder


def settings(state: Insights) -> sync.Settings:
    return sync.Settings(
        base_url=state.url, backoff_seconds=0.01, poll_seconds=0.01, wait_seconds=1.0
    )


def run_sync(db, state, own_files, **kwargs) -> sync.SyncResult:
    return sync.sync(db, "P1", with_dir=own_files, settings=settings(state), token=TOKEN, **kwargs)


def figures(db) -> bytes:
    return export.render(db, get_user(db, "exec@northwind.example"), "tenants")


def fcu_sync(db_path: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    """``python -m fcu sync ARGS`` in a process of its own, with only ``env``."""
    command = [sys.executable, "-m", "fcu", "--db", str(db_path), "sync", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_the_command_syncs_end_to_end_and_creates_fcus_reports_once(db_path, insights, own_files):
    env = {
        "PATH": "/usr/bin:/bin",
        "FCU_PARTNER_CENTER_URL": insights.url,
        "FCU_PARTNER_CENTER_TOKEN": TOKEN,
        "FCU_SYNC_POLL_SECONDS": "0.01",
    }
    done = fcu_sync(db_path, env, "--partner", "P1", "--with", str(own_files))
    assert done.returncode == 0, done.stderr
    assert "Partner Center reports of P1 loaded" in done.stdout
    assert "(2 duplicate-flagged rows dropped)" in done.stdout
    assert TOKEN not in done.stdout + done.stderr
    assert len(insights.queries) == 3 and len(insights.reports) == 3
    assert {q["Name"] for q in insights.queries.values()} == {
        "FCU OfficeUsage",
        "FCU EMSUsage",
        "FCU CustomersAndTenants",
    }
    # the secure link is fetched without the token
    assert all(not with_token for _, path, with_token in insights.calls if "/download/" in path)
    again = fcu_sync(db_path, env, "--partner", "P1")
    assert again.returncode == 0, again.stderr  # claims etc. already loaded stay
    assert len(insights.queries) == 3 and len(insights.reports) == 3  # found, not made again
    export_cmd = [sys.executable, "-m", "fcu", "--db", str(db_path), "export", "tenants"]
    tenants = subprocess.run(
        [*export_cmd, "--user", "exec@northwind.example"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    # the reports' figures, less Alpha's teams, which P2 (kept as it was) holds by C2
    assert (
        f"{ALPHA},Alpha Corp,alpha.example,US,commercial,M11,entra_id;exchange,1060,1650,64.24,"
        "-5.76,80,,,2200.0,450.0," in tenants
    )


def test_a_refused_token_is_a_sentence_and_exit_1(db_path, insights):
    env = {
        "PATH": "/usr/bin:/bin",
        "FCU_PARTNER_CENTER_URL": insights.url,
        "FCU_PARTNER_CENTER_TOKEN": "expired-token",
    }
    done = subprocess.run(
        [sys.executable, "-m", "fcu", "--db", str(db_path), "sync", "--partner", "P1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "Partner Center did not accept FCU's sign-in (HTTP 401). Sign in again with "
        "`python -m fcu sync --sign-in`, or set a fresh FCU_PARTNER_CENTER_TOKEN. Nothing was "
        "loaded."
    )
    assert "expired-token" not in done.stdout + done.stderr


def test_no_token_at_all_says_how_to_get_one(db, monkeypatch, insights):
    monkeypatch.delenv("FCU_PARTNER_CENTER_TOKEN", raising=False)
    monkeypatch.delenv("FCU_PARTNER_CENTER_CLIENT_ID", raising=False)
    result = sync.sync(db, "P1", settings=settings(insights))
    assert not result.ok and "FCU has no Partner Center sign-in" in result.message


def test_429_is_retried_after_its_retry_after(db, insights, own_files):
    insights.faults = [("ScheduledQueries", 429, {"Retry-After": "1"})]
    result = run_sync(db, insights, own_files)
    assert result.ok, result.message
    assert "Alpha Corp" in figures(db).decode()


def test_429_every_time_gives_up_with_a_sentence(db, insights, own_files):
    before = figures(db)
    insights.faults = [("ScheduledQueries", 429, {"Retry-After": "0"})] * 4
    result = run_sync(db, insights, own_files)
    assert result.message == (
        "Partner Center asked FCU to slow down (HTTP 429) 4 times; try again later. Nothing "
        "was loaded."
    )
    assert figures(db) == before


def test_5xx_is_retried_then_a_sentence(db, insights, own_files):
    insights.faults = [("ScheduledReport", 503, {})] * 2
    assert run_sync(db, insights, own_files).ok
    before = figures(db)
    insights.faults = [("execution", 500, {})] * 4
    result = run_sync(db, insights, own_files)
    assert result.message.startswith("Partner Center failed ScheduledReport/execution/")
    assert result.message.endswith("(HTTP 500) 4 times; try again later. Nothing was loaded.")
    assert figures(db) == before


def test_a_report_still_running_loads_nothing(db, insights, own_files):
    before = figures(db)
    insights.pending["OfficeUsage"] = 10_000
    result = run_sync(db, insights, own_files)
    assert result.message.startswith(
        "Partner Center is still preparing the OfficeUsage report (Pending after "
    )
    assert "the next sync loads it" in result.message
    assert figures(db) == before


def test_a_download_cut_off_is_fetched_again_or_loads_nothing(db, insights, own_files):
    insights.cuts["EMSUsage"] = 1
    assert run_sync(db, insights, own_files).ok
    before = figures(db)
    insights.cuts["OfficeUsage"] = 4
    result = run_sync(db, insights, own_files)
    assert result.message.startswith("The OfficeUsage report's download broke off (")
    assert result.message.endswith("4 times; try again later. Nothing was loaded.")
    assert figures(db) == before


@pytest.mark.both_stores  # a sync on the team store too (fcu.team)
def test_a_malformed_report_is_refused_by_line(db, insights, own_files):
    before = figures(db)
    insights.files["OfficeUsage"] = insights.files["OfficeUsage"].replace(
        b",1000,700,", b",1000,lots,"
    )
    result = run_sync(db, insights, own_files)
    assert not result.ok
    assert result.message == (
        "The reports from Partner Center were refused (1 problem(s), listed below); nothing "
        "was loaded."
    )
    assert [str(p) for p in result.load.problems] == [
        "OfficeUsage.csv:4: MonthlyActiveUsers: 'lots' is not a whole number"
    ]
    assert figures(db) == before


@pytest.mark.both_stores  # a sync on the team store too (fcu.team)
def test_every_sync_is_recorded_and_the_next_is_at_the_hour(db, insights, own_files, monkeypatch):
    insights.faults = [("ScheduledQueries", 500, {})] * 4
    run_sync(db, insights, own_files)
    last = sync.last_sync(db)
    assert last["outcome"] == "failed" and last["partner_id"] == "P1"
    assert [m for _, m in sync.failures(db)] == [last["message"]]
    assert run_sync(db, insights, own_files, started_by="admin@northwind.example").ok
    last = sync.last_sync(db)
    assert last["outcome"] == "loaded" and last["rows"] == 15  # 10 + 3 + 2 report rows
    assert "OfficeUsage (" in last["reports"] and "EMSUsage (" in last["reports"]
    assert sync.failures(db) == []
    from datetime import datetime

    monkeypatch.setenv("FCU_SYNC_HOUR", "3")
    assert sync.next_sync(datetime(2026, 11, 30, 2, 59)) == datetime(2026, 11, 30, 3, 0)
    assert sync.next_sync(datetime(2026, 11, 30, 3, 0)) == datetime(2026, 12, 1, 3, 0)
    monkeypatch.setenv("FCU_SYNC_HOUR", "")
    assert sync.next_sync() is None


def test_the_daily_sync_waits_for_its_hour_and_outlives_a_failed_day(
    db, insights, own_files, monkeypatch
):
    from datetime import datetime, timedelta

    monkeypatch.setenv("FCU_SYNC_HOUR", "6")
    clock = [datetime(2026, 12, 2, 5, 30)]
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # the clock moves only while the loop waits
        waits.append(seconds)
        clock[0] += timedelta(seconds=seconds)

    insights.faults = [("ScheduledQueries", 500, {})] * 4  # the first day's sync fails
    job = sync.daily_job(db, "P1", str(own_files), settings=settings(insights), token=TOKEN)
    daily.loop("fcu-daily-sync", sync.sync_hour(), job, now=lambda: clock[0], sleep=sleep, days=2)
    assert waits == [1800.0, 86400.0]  # to 06:00 today, then to 06:00 tomorrow
    runs = db.execute("SELECT started_by, outcome FROM syncs ORDER BY sync_id")
    assert runs == [("daily sync", "failed"), ("daily sync", "loaded")]
    assert b"Alpha Corp" in figures(db)


def test_the_running_app_starts_one_daily_sync_when_configured(db, monkeypatch):
    started = []
    monkeypatch.setattr(daily, "_threads", {})
    monkeypatch.setattr(daily, "loop", lambda name, hour, job: started.append((name, hour)))
    monkeypatch.delenv("FCU_SYNC_HOUR", raising=False)
    monkeypatch.setenv("FCU_SYNC_PARTNER", "P1")
    assert sync.start_daily(db) is False  # no hour: no thread
    monkeypatch.setenv("FCU_SYNC_HOUR", "6")
    monkeypatch.setenv("FCU_SYNC_WITH", "/srv/p1-own-files")
    assert sync.start_daily(db) and sync.start_daily(db)  # asked twice (two sessions)
    assert list(daily._threads) == ["fcu-daily-sync"]
    daily._threads["fcu-daily-sync"].join(5)
    assert started == [("fcu-daily-sync", 6)]
    assert sync.with_dir() == "/srv/p1-own-files"


# -- device-code sign-in through MSAL, against an Entra ID of the tests' own -------------------
class Entra(BaseHTTPRequestHandler):
    """The endpoints MSAL's device-code flow calls (HTTPS, a CA of the test's own): the
    tenant's OpenID configuration, the device authorization (a user code to show), and the
    token endpoint, which says "authorization_pending" once before it issues ``TOKEN``."""

    state: dict

    def log_message(self, *args) -> None:
        pass

    def _json(self, body: dict, status: int = 200) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        base = self.state["base"]
        if self.path.startswith("/organizations/v2.0/.well-known/openid-configuration"):
            self._json(
                {
                    "issuer": f"{base}/organizations/v2.0",
                    "authorization_endpoint": f"{base}/organizations/oauth2/v2.0/authorize",
                    "token_endpoint": f"{base}/organizations/oauth2/v2.0/token",
                    "device_authorization_endpoint": f"{base}/organizations/oauth2/v2.0/devicecode",
                }
            )
        else:
            self._json({"error": "not_found"}, 404)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        self.state["posts"].append((self.path, form))
        if self.path.endswith("/devicecode"):
            self._json(
                {
                    "device_code": "device-123",
                    "user_code": "FCU-7788",
                    "verification_uri": "https://microsoft.com/devicelogin",
                    "expires_in": 60,
                    "interval": 1,
                    "message": "To sign in, open https://microsoft.com/devicelogin and enter "
                    "the code FCU-7788.",
                }
            )
        elif self.path.endswith("/token"):
            self.state["polls"] += 1
            if self.state["polls"] == 1:
                self._json({"error": "authorization_pending"}, 400)
                return
            self._json(
                {
                    "token_type": "Bearer",
                    "scope": sync.SCOPE,
                    "expires_in": 3600,
                    "access_token": TOKEN,
                    "refresh_token": "refresh-9b1",
                    "id_token": _jwt(
                        {
                            "iss": f"{self.state['base']}/tid-1/v2.0",
                            "aud": "client-1",
                            "sub": "sub-1",
                            "oid": "oid-1",
                            "tid": "tid-1",
                            "preferred_username": "admin@northwind.example",
                            "iat": 1_700_000_000,
                            "exp": 4_000_000_000,
                        }
                    ),
                    "client_info": _b64({"uid": "oid-1", "utid": "tid-1"}),
                }
            )
        else:
            self._json({"error": "not_found"}, 404)


def _b64(body: dict) -> str:
    import base64

    return base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")


def _jwt(claims: dict) -> str:
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.sig"


@pytest.fixture
def entra(tmp_path):
    import ssl

    import trustme

    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("localhost").configure_cert(context)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    state = {"posts": [], "polls": 0}
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Bound", (Entra,), {"state": state}))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    state["base"] = f"https://localhost:{server.server_port}"
    state["bundle"] = str(bundle)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def test_sign_in_once_by_device_code_then_sync_with_the_cached_token(
    db_path, tmp_path, entra, insights, own_files
):
    cache = tmp_path / "home" / ".config" / "fcu" / "partner-center-token.json"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "REQUESTS_CA_BUNDLE": entra["bundle"],  # the test's CA, for MSAL's HTTPS
        "FCU_PARTNER_CENTER_CLIENT_ID": "client-1",
        "FCU_PARTNER_CENTER_AUTHORITY": entra["base"],
        "FCU_PARTNER_CENTER_URL": insights.url,
        "FCU_SYNC_POLL_SECONDS": "0.01",
    }
    signed = fcu_sync(db_path, env, "--sign-in")
    assert signed.returncode == 0, signed.stderr
    # the person is told where to go and what code to enter; the token is never shown
    assert "enter the code FCU-7788" in signed.stderr
    assert f"keeps the sign-in in {cache}" in signed.stdout
    assert TOKEN not in signed.stdout + signed.stderr and "refresh-9b1" not in signed.stderr
    assert entra["polls"] == 2  # pending once, then the token
    assert cache.stat().st_mode & 0o777 == 0o600  # readable by its owner only
    assert cache.parent.stat().st_mode & 0o077 == 0
    device = next(form for path, form in entra["posts"] if path.endswith("/devicecode"))
    assert device["client_id"] == ["client-1"] and sync.SCOPE in device["scope"][0]
    # a later sync signs in from the cache, with no token in its environment
    done = fcu_sync(db_path, env, "--partner", "P1", "--with", str(own_files))
    assert done.returncode == 0, done.stderr
    assert "Partner Center reports of P1 loaded" in done.stdout
    assert TOKEN not in done.stdout + done.stderr
    assert all(with_token for _, path, with_token in insights.calls if "/download/" not in path)
