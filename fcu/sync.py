"""Syncing a partner's feed from the Partner Center Insights API.

``sync(db, partner_id)`` makes sure FCU's report queries and scheduled reports exist for
OfficeUsage, EMSUsage and CustomersAndTenants (``ScheduledQueries``, ``ScheduledReport``,
created once and found by name afterwards), waits for each report's latest execution to
complete, downloads its file from the execution's ``reportAccessSecureLink`` into a private
temporary folder, and
loads the files with the partner's claims, referrals and rate card through
``partner_center.load_reports``: all or nothing. Every sync is recorded in ``syncs``.

Where retrying helps it retries (HTTP 429 after its Retry-After, 5xx, a network error, a
download cut off mid-way); every other failure ends in one sentence (``SyncError``) and
nothing is loaded. The access token comes from FCU_PARTNER_CENTER_TOKEN or from a
sign-in through MSAL (``sign_in``); it is sent only in the Authorization header to the API
and never printed or logged. The base URL is FCU_PARTNER_CENTER_URL.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import shutil
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fcu import daily, partner_center
from fcu.db import Database
from fcu.feed import FeedError, Progress
from fcu.partner_center import PartnerCenterLoad

DEFAULT_URL = "https://api.partnercenter.microsoft.com/insights/v1/mpn"
SCOPE = "https://api.partnercenter.microsoft.com/user_impersonation"
DATASETS = ("OfficeUsage", "EMSUsage", "CustomersAndTenants")  # the last for domains
QUERY_COLUMNS = {
    "OfficeUsage": (
        "CustomerTenantId, CustomerTpid, WorkloadName, Month, PaidAvailableUnits, "
        "MonthlyActiveUsers, CustomerName, CustomerMarket, CustomerSegment, MPNId, "
        "PartnerName, PartnerLocation, PartnerAttributionType, IsDuplicateRowForPGA"
    ),
    "EMSUsage": (
        "SubscriptionId, Month, CustomerName, CustomerTenantId, CustomerTpid, "
        "CustomerSegment, CustomerMarket, MPNId, PartnerName, PartnerLocation, "
        "PaidAvailableUnits, MonthlyActiveUsers, AADPPaidAvailableUnits, "
        "IntunePaidAvailableUnits, AzipPaidAvailableUnits, AADPMonthlyActiveUsers, "
        "IntuneMonthlyActiveUsers, AzipMonthlyActiveUsers"
    ),
    "CustomersAndTenants": (
        "CustomerTenantId, TenantDomainName, CustomerTenantCountry, CustomerName"
    ),
}
OWN_FILES = ("claims.csv", "referrals.csv", "rate_card.csv", "tenants.csv")
log = logging.getLogger("fcu")


class SyncError(Exception):
    """A sync that cannot go on; the message is a sentence saying what to do."""


@dataclass(frozen=True)
class Settings:
    base_url: str = DEFAULT_URL
    attempts: int = 4  # tries of one request where retrying helps
    backoff_seconds: float = 2.0  # first wait after a 5xx or network error, then doubled
    max_retry_after: float = 120.0  # the longest Retry-After FCU waits
    poll_seconds: float = 30.0  # between looks at a running report
    wait_seconds: float = 900.0  # how long FCU waits for a report to complete
    timeout_seconds: float = 60.0  # one request

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            base_url=env.get("FCU_PARTNER_CENTER_URL", DEFAULT_URL).rstrip("/"),
            poll_seconds=float(env.get("FCU_SYNC_POLL_SECONDS", 30)),
            wait_seconds=float(env.get("FCU_SYNC_WAIT_SECONDS", 900)),
            backoff_seconds=float(env.get("FCU_SYNC_BACKOFF_SECONDS", 2)),
        )


# -- the token -------------------------------------------------------------------------------
DEFAULT_AUTHORITY = "https://login.microsoftonline.com"


def token_cache_path() -> Path:
    default = Path.home() / ".config" / "fcu" / "partner-center-token.json"
    return Path(os.environ.get("FCU_PARTNER_CENTER_TOKEN_CACHE", default))


def access_token() -> str:
    """FCU_PARTNER_CENTER_TOKEN, else a token from the MSAL cache of ``sign_in``."""
    token = os.environ.get("FCU_PARTNER_CENTER_TOKEN", "").strip()
    if token:
        return token
    app = _msal_app()
    accounts = app.get_accounts() if app else []
    found = app.acquire_token_silent([SCOPE], account=accounts[0]) if accounts else None
    if app is not None:
        _save_cache(app)
    if not found or "access_token" not in found:
        raise SyncError(
            "FCU has no Partner Center sign-in. Set FCU_PARTNER_CENTER_TOKEN, or sign in once "
            "with `python -m fcu sync --sign-in` (FCU_PARTNER_CENTER_CLIENT_ID names the app)."
        )
    return found["access_token"]


def sign_in(say: Callable[[str], None]) -> str:
    """Device-code sign-in through MSAL; the token cache is readable by its owner only."""
    app = _msal_app()
    if app is None:
        raise SyncError(
            "Set FCU_PARTNER_CENTER_CLIENT_ID (and FCU_PARTNER_CENTER_TENANT) to the app "
            "registered for Partner Center, then sign in again."
        )
    flow = app.initiate_device_flow(scopes=[SCOPE])
    if "user_code" not in flow:
        raise SyncError("Microsoft Entra ID did not start a sign-in; try again later.")
    say(flow["message"])
    found = app.acquire_token_by_device_flow(flow)
    _save_cache(app)
    if "access_token" not in found:
        raise SyncError("The sign-in did not complete; run `python -m fcu sync --sign-in` again.")
    return "Signed in to Partner Center; FCU keeps the sign-in in " + str(token_cache_path())


def _msal_app():
    client_id = os.environ.get("FCU_PARTNER_CENTER_CLIENT_ID", "").strip()
    if not client_id:
        return None
    import msal

    cache = msal.SerializableTokenCache()
    path = token_cache_path()
    if path.is_file():
        cache.deserialize(path.read_text())
    tenant = os.environ.get("FCU_PARTNER_CENTER_TENANT", "organizations")
    # Another Entra ID endpoint (a national cloud's) is named by FCU_PARTNER_CENTER_AUTHORITY,
    # and is then taken as it is, without Microsoft's list of known instances.
    host = os.environ.get("FCU_PARTNER_CENTER_AUTHORITY", "").strip().rstrip("/")
    return msal.PublicClientApplication(
        client_id,
        authority=f"{host or DEFAULT_AUTHORITY}/{tenant}",
        token_cache=cache,
        instance_discovery=not host,
    )


def _save_cache(app) -> None:
    cache = app.token_cache
    if not cache.has_state_changed:
        return
    path = token_cache_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(cache.serialize())
    os.chmod(path, 0o600)


# -- the API ---------------------------------------------------------------------------------
class Client:
    """The Insights API's calls FCU makes, each retried where retrying helps."""

    def __init__(self, settings: Settings, token: str, sleep: Callable[[float], None] = time.sleep):
        self.settings, self._token, self.sleep = settings, token, sleep

    def call(self, method: str, path: str, body: dict | None = None) -> list[dict]:
        """One API call; returns its ``Value`` list."""
        url = f"{self.settings.base_url}/{path}"
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"}

        def fetch() -> bytes:
            with self._open(method, url, data, headers) as answer:
                return answer.read()

        raw = self._with_retries(fetch, path)
        try:
            answer = json.loads(raw or b"{}")
        except ValueError as exc:
            raise SyncError(
                f"Partner Center answered {path.split('?')[0]} with something other than "
                "JSON; try again later. Nothing was loaded."
            ) from exc
        value = answer.get("Value", answer.get("value", []))
        return value if isinstance(value, list) else []

    def download(self, url: str, target: Path, what: str) -> int:
        """The file behind a secure link (no token sent there), checked to be whole."""

        def fetch() -> int:
            with self._open("GET", url, None, {}) as answer, target.open("wb") as out:
                expected = answer.headers.get("Content-Length")
                got = 0
                while chunk := answer.read(1 << 20):
                    out.write(chunk)
                    got += len(chunk)
            if expected is not None and got != int(expected):
                raise _CutOff(f"got {got:,} of {int(expected):,} bytes")
            return got

        return self._with_retries(fetch, f"the {what} report's download")

    def _open(self, method: str, url: str, data: bytes | None, headers: dict):
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        return urllib.request.urlopen(request, timeout=self.settings.timeout_seconds)  # noqa: S310

    def _with_retries(self, work: Callable, what: str):
        s = self.settings
        wait = s.backoff_seconds
        last = ""
        for attempt in range(1, s.attempts + 1):
            try:
                return work()
            except urllib.error.HTTPError as exc:
                code = exc.code
                if code in (401, 403):
                    raise SyncError(_refused(code)) from None
                if code == 429:
                    delay = min(_retry_after(exc), s.max_retry_after)
                    last = f"Partner Center asked FCU to slow down (HTTP 429) {attempt} times"
                elif code >= 500:
                    delay = wait
                    wait *= 2
                    last = f"Partner Center failed {what} (HTTP {code}) {attempt} times"
                else:
                    raise SyncError(
                        f"Partner Center refused {what.split('?')[0]} (HTTP {code}). Check "
                        "FCU_PARTNER_CENTER_URL; nothing was loaded."
                    ) from None
            except (_CutOff, http.client.IncompleteRead, ConnectionError) as exc:
                delay, wait = wait, wait * 2
                detail = exc if isinstance(exc, _CutOff) else "the connection closed early"
                last = f"{what[0].upper()}{what[1:]} broke off ({detail}) {attempt} times"
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                delay, wait = wait, wait * 2
                host = urllib.parse.urlsplit(s.base_url).netloc
                last = f"FCU could not reach Partner Center at {host} ({reason}) {attempt} times"
            if attempt < s.attempts:
                log.warning("partner center: %s; retrying in %.0f s", last, delay)
                self.sleep(delay)
        raise SyncError(f"{last}; try again later. Nothing was loaded.")


class _CutOff(Exception):
    pass


def _retry_after(exc: urllib.error.HTTPError) -> float:
    try:
        return max(float(exc.headers.get("Retry-After", "5")), 0.0)
    except ValueError:
        return 5.0


def _refused(code: int) -> str:
    if code == 401:
        return (
            "Partner Center did not accept FCU's sign-in (HTTP 401). Sign in again with "
            "`python -m fcu sync --sign-in`, or set a fresh FCU_PARTNER_CENTER_TOKEN. "
            "Nothing was loaded."
        )
    return (
        "Partner Center refused access (HTTP 403): the account FCU signs in with needs a "
        "Partner Center Insights role (Report viewer or Executive report viewer). Nothing "
        "was loaded."
    )


def _name(dataset: str) -> str:
    return f"FCU {dataset}"


def ensure_report(client: Client, dataset: str) -> str:
    """FCU's scheduled report of a dataset (its query and report created the first time)."""
    name = _name(dataset)
    queries = [
        q
        for q in client.call("GET", f"ScheduledQueries?queryName={urllib.parse.quote(name)}")
        if q.get("Name") == name
    ]
    if queries:
        query_id = queries[0]["QueryId"]
    else:
        made = client.call(
            "POST",
            "ScheduledQueries",
            {
                "Name": name,
                "Description": f"FCU's daily {dataset} (FastTrack usage)",
                "Query": f"SELECT {QUERY_COLUMNS[dataset]} FROM {dataset} TIMESPAN LAST_6_MONTHS",
            },
        )
        query_id = made[0]["QueryId"]
    reports = [r for r in client.call("GET", "ScheduledReport") if r.get("ReportName") == name]
    if reports:
        return reports[0]["ReportId"]
    made = client.call(
        "POST",
        "ScheduledReport",
        {
            "ReportName": name,
            "Description": f"FCU's daily {dataset}",
            "QueryId": query_id,
            "StartTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "RecurrenceInterval": 24,
            "RecurrenceCount": 3650,
            "Format": "csv",
        },
    )
    return made[0]["ReportId"]


def latest_file(client: Client, dataset: str, report_id: str) -> str:
    """The secure link of the report's latest completed execution, waiting while it runs."""
    s = client.settings
    waited = 0.0
    while True:
        runs = client.call("GET", f"ScheduledReport/execution/{report_id}?getLatestExecution=true")
        status = (runs[0].get("ExecutionStatus") if runs else "Pending") or "Pending"
        if status == "Completed":
            link = runs[0].get("ReportAccessSecureLink")
            if link:
                return link
            raise SyncError(
                f"Partner Center's latest {dataset} report has no download link; try again "
                "later. Nothing was loaded."
            )
        if status == "Failed":
            raise SyncError(
                f"Partner Center's latest run of the {dataset} report failed; it runs again "
                "within a day, so try again tomorrow. Nothing was loaded."
            )
        if waited >= s.wait_seconds:
            raise SyncError(
                f"Partner Center is still preparing the {dataset} report ({status} after "
                f"{waited:.0f} s); the next sync loads it, or run `python -m fcu sync` again "
                "later. Nothing was loaded."
            )
        client.sleep(s.poll_seconds)
        waited += s.poll_seconds


# -- a sync -----------------------------------------------------------------------------------
@dataclass
class SyncResult:
    ok: bool
    message: str
    reports: list[tuple[str, int]] = field(default_factory=list)  # dataset, bytes
    load: PartnerCenterLoad | None = None
    seconds: float = 0.0


def sync(
    db: Database,
    partner_id: str,
    *,
    with_dir: str | Path | None = None,
    started_by: str = "command line",
    settings: Settings | None = None,
    token: str | None = None,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SyncResult:
    """Download partner_id's reports from Partner Center and load them (all or nothing)."""
    settings = settings or Settings.from_env()
    started, at = time.perf_counter(), datetime.now(UTC).replace(tzinfo=None)
    result = SyncResult(False, "")

    def say(fraction: float, text: str) -> None:
        if progress is not None:
            progress(fraction, text)

    try:
        result = _sync(db, partner_id, with_dir, started_by, settings, token, say, sleep)
    except (SyncError, FeedError) as exc:
        result = SyncResult(False, str(exc))
    result.seconds = time.perf_counter() - started
    _record(db, partner_id, started_by, at, result)
    log.info("partner center sync of %s: %s", partner_id, "loaded" if result.ok else "failed")
    return result


def _sync(db, partner_id, with_dir, started_by, settings, token, say, sleep) -> SyncResult:
    if with_dir is not None and not Path(with_dir).is_dir():
        raise SyncError(f"{with_dir} is not a folder; give the folder of claims.csv and the rest.")
    client = Client(settings, token or access_token(), sleep)
    with tempfile.TemporaryDirectory(prefix="fcu-sync-") as tmp:
        folder = Path(tmp)
        done: list[tuple[str, int]] = []
        for i, dataset in enumerate(DATASETS):
            say(0.05 + 0.1 * i, f"Asking Partner Center for {dataset}")
            report_id = ensure_report(client, dataset)
            link = latest_file(client, dataset, report_id)
            say(0.1 + 0.1 * i, f"Downloading {dataset}")
            size = client.download(link, folder / f"{dataset}{_suffix(link)}", dataset)
            done.append((dataset, size))
        for name in OWN_FILES:
            if with_dir is not None and (Path(with_dir) / name).is_file():
                shutil.copyfile(Path(with_dir) / name, folder / name)
        load = partner_center.load_reports(
            db,
            folder,
            partner_id,
            loaded_by=started_by,
            progress=lambda f, text: say(0.4 + 0.6 * f, text),
        )
    if not load.ok:
        return SyncResult(
            False,
            f"The reports from Partner Center were refused ({load.result.problem_count:,} "
            "problem(s), listed below); nothing was loaded.",
            done,
            load,
        )
    return SyncResult(True, load.summary(), done, load)


def _suffix(link: str) -> str:
    path = urllib.parse.urlsplit(link).path.lower()
    return ".tsv" if path.endswith(".tsv") else ".csv"


def _record(db: Database, partner_id: str, by: str, at: datetime, r: SyncResult) -> None:
    rows = None
    if r.load is not None and r.load.ok:
        rows = sum(f.rows for f in r.load.files if f.kind in partner_center.KINDS)
    reports = ", ".join(f"{name} ({size:,} bytes)" for name, size in r.reports)
    db.write(
        lambda cur: cur.execute(
            "INSERT INTO syncs (partner_id, started_at, finished_at, started_by, outcome, "
            "reports, report_rows, seconds, message, load_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?)",
            [
                partner_id,
                at,
                at + timedelta(seconds=r.seconds),
                by,
                "loaded" if r.ok else "failed",
                reports,
                rows,
                r.seconds,
                r.message.splitlines()[0] if r.message else "",
                r.load.result.load_id if r.load is not None else None,
            ],
        )
    )


# -- when ---------------------------------------------------------------------------------------
def sync_hour() -> int | None:
    """FCU_SYNC_HOUR: the hour (0-23, UTC) of the daily sync in the running app, or None."""
    return daily.hour("FCU_SYNC_HOUR")


def next_sync(now: datetime | None = None, hour: int | None = None) -> datetime | None:
    hour = sync_hour() if hour is None else hour
    if hour is None:
        return None
    return daily.next_run(now or daily.utc_now(), hour)


def last_sync(db: Database) -> dict | None:
    row = db.one(
        "SELECT partner_id, started_at, finished_at, started_by, outcome, reports, report_rows, "
        "seconds, message FROM syncs ORDER BY sync_id DESC LIMIT 1"
    )
    if row is None:
        return None
    keys = ("partner_id", "started_at", "finished_at", "started_by", "outcome", "reports")
    return dict(zip((*keys, "rows", "seconds", "message"), row, strict=True))


def describe(db: Database) -> str:
    """The last sync and the next, in two sentences (the Data page's)."""
    last, when = last_sync(db), next_sync()
    partner = os.environ.get("FCU_SYNC_PARTNER", "").strip()
    if last is None:
        text = "No sync from Partner Center has run yet."
    else:
        text = (
            f"Last sync: {last['started_at']:%Y-%m-%d %H:%M} UTC by {last['started_by']}, "
            f"partner {last['partner_id']}, {last['outcome']} in {last['seconds']:.0f} s; "
            f"reports: {last['reports'] or 'none'}; rows: {last['rows'] or 0:,}."
        )
    if when and partner:
        return f"{text} Next sync: {when:%Y-%m-%d %H:%M} UTC (daily), partner {partner}."
    return f"{text} No daily sync: set FCU_SYNC_HOUR and FCU_SYNC_PARTNER on the server."


def failures(db: Database, limit: int = 5) -> list[tuple[datetime, str]]:
    """The latest failed syncs since the last good one: when, and the sentence."""
    return db.execute(
        "SELECT started_at, message FROM syncs WHERE outcome <> 'loaded' AND sync_id > "
        "coalesce((SELECT max(sync_id) FROM syncs WHERE outcome = 'loaded'), 0) "
        "ORDER BY sync_id DESC LIMIT ?",
        [limit],
    )


def start_daily(db: Database) -> bool:
    """In the running app: the daily sync at FCU_SYNC_HOUR of FCU_SYNC_PARTNER (with the
    files of FCU_SYNC_WITH), in one background thread per process. False when not set."""
    partner = os.environ.get("FCU_SYNC_PARTNER", "").strip()
    if not partner:
        return False

    return daily.start("fcu-daily-sync", sync_hour(), daily_job(db, partner, with_dir()))


def with_dir() -> str | None:
    """FCU_SYNC_WITH: the folder of the partner's own files for the daily sync, or None."""
    return os.environ.get("FCU_SYNC_WITH") or None


def daily_job(db: Database, partner: str, folder: str | None, **options) -> Callable[[], None]:
    """One day's sync of the daily loop (``options`` go to ``sync``: the tests' server)."""

    def job() -> None:
        sync(db, partner, with_dir=folder, started_by="daily sync", **options)

    return job
