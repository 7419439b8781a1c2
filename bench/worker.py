"""The benchmark's measurements that run inside one process (`python -m bench.worker CMD ...`).

The parent (bench/__main__.py) starts each command in a fresh subprocess, so that its peak
memory, its import cost and its DuckDB connection are its own; the last line a command prints
is its result as JSON. The functions can also be called in-process (the smoke test does).
Imports are kept inside the functions: `first-open` times the imports themselves.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = str(ROOT / "dashboard.py")
BARE_PAGE = str(ROOT / "bench" / "bare_page.py")
BASELINE_PAGE = str(ROOT / "bench" / "baseline_page.py")
FEED_FILES = ("partners", "tenants", "workloads", "usage", "claims", "referrals", "rate_card")
CSV_ROWS = 25_000  # the Download CSV target's row count
TIMEOUT = 1800  # AppTest runs (the baseline's first run reads the whole feed)


def _timed(fn, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - started, out


# -- load --------------------------------------------------------------------------------
def floor(feed: str, db_file: str) -> dict:
    """The bare floor: DuckDB's own CREATE TABLE AS read_csv of each file, default settings."""
    import duckdb

    con = duckdb.connect(db_file)
    steps = {}
    for name in FEED_FILES:
        seconds, _ = _timed(
            con.execute,
            f"CREATE TABLE {name} AS SELECT * FROM read_csv(?)",
            [str(Path(feed) / f"{name}.csv")],
        )
        steps[name] = seconds
    con.close()
    return {"steps": steps}


def floor_reports(folder: str, db_file: str) -> dict:
    """The floor of a Partner Center load: the same CREATE TABLE AS read_csv, default
    settings, of each report and FCU file that `fcu sample --format partner-center` writes."""
    import duckdb

    from fcu.sample import PARTNER_CENTER_FILES

    con = duckdb.connect(db_file)
    steps = {}
    for i, name in enumerate(PARTNER_CENTER_FILES):
        seconds, _ = _timed(
            con.execute,
            f"CREATE TABLE t{i} AS SELECT * FROM read_csv(?)",
            [str(Path(folder) / name)],
        )
        steps[name] = seconds
    con.close()
    return {"steps": steps}


class _TimedCursor:
    """A cursor that records how long each statement (and the fetch of its result) takes."""

    FETCHES = ("fetchall", "fetchone", "fetchmany", "df", "fetchdf", "fetchnumpy", "arrow")

    def __init__(self, cur, log: list) -> None:
        self._cur, self._log = cur, log

    def execute(self, sql, params=None):
        started = time.perf_counter()
        if params is None:
            self._cur.execute(sql)
        else:
            self._cur.execute(sql, params)
        self._log.append([" ".join(str(sql).split()), time.perf_counter() - started])
        return self

    def __getattr__(self, name):
        attr = getattr(self._cur, name)
        if name not in self.FETCHES:
            return attr

        def fetch(*args, **kwargs):
            started = time.perf_counter()
            out = attr(*args, **kwargs)
            if self._log:
                self._log[-1][1] += time.perf_counter() - started
            return out

        return fetch


def load_steps(feed: str, db_file: str) -> dict:
    """One load through fcu.feed.load_feed, timing its progress steps and every statement."""
    from fcu import db as fcu_db
    from fcu import feed as fcu_feed
    from fcu import metrics

    db = fcu_db.Database(db_file)
    log: list = []
    plain_cursor = db.cursor
    db.cursor = lambda: _TimedCursor(plain_cursor(), log)  # type: ignore[method-assign]
    for name in ("workload_figures", "tenant_figures"):  # pandas steps of the precompute
        fn = getattr(metrics, name)

        def wrapped(*args, _fn=fn, _name=name, **kwargs):
            started = time.perf_counter()
            out = _fn(*args, **kwargs)
            log.append([f"(pandas) fcu.metrics.{_name}", time.perf_counter() - started])
            return out

        setattr(metrics, name, wrapped)
    marks: list = []
    started = time.perf_counter()
    result = fcu_feed.load_feed(
        db,
        feed,
        loaded_by="bench",
        progress=lambda f, text: marks.append((text, time.perf_counter())),
    )
    total = time.perf_counter() - started
    db.close()
    if not result.ok:
        raise SystemExit("the feed did not load: " + "; ".join(map(str, result.problems[:5])))
    marks.append(("end", started + total))
    steps = [["(start: open, drop staging)", marks[0][1] - started]] if marks else []
    steps += [[text, marks[i + 1][1] - at] for i, (text, at) in enumerate(marks[:-1])]
    statements = sorted(log, key=lambda s: -s[1])
    return {
        "total": total,
        "steps": steps,
        "statements": [[sql[:160], s] for sql, s in statements[:12]],
        "statement_count": len(log),
        "statement_seconds": sum(s for _, s in log),
    }


# -- where a page's time goes ----------------------------------------------------------------
def profile(fn, runs: int = 3, interval: float = 0.002) -> list:
    """Run ``fn`` ``runs`` times while sampling the other threads' stacks (AppTest runs the
    script in its own thread); the wall time per run spent under each project function, or
    under each line of a page's module code. Frames outside the project count toward the
    project frame that called them (e.g. a page line that draws a chart)."""
    ticks, counts = 0, Counter()
    done = threading.Event()
    root = str(ROOT) + os.sep

    def sample() -> None:
        nonlocal ticks
        me = threading.get_ident()
        while not done.is_set():
            ticks += 1
            for ident, frame in sys._current_frames().items():
                if ident in (me, main):
                    continue
                seen = set()
                while frame is not None:
                    path = frame.f_code.co_filename
                    if path.startswith(root) and "/.venv/" not in path:
                        name = frame.f_code.co_name
                        where = f"line {frame.f_lineno}" if name == "<module>" else name
                        seen.add(f"{path[len(root) :]}:{where}")
                    frame = frame.f_back
                counts.update(seen)
            time.sleep(interval)

    main = threading.get_ident()
    sampler = threading.Thread(target=sample, daemon=True)
    started = time.perf_counter()
    sampler.start()
    for _ in range(runs):
        fn()
    done.set()
    sampler.join()
    per_run = (time.perf_counter() - started) / runs
    top = counts.most_common(14)
    return [[name, per_run * n / max(ticks, 1)] for name, n in top] + [["(per run)", per_run]]


# -- the pages ---------------------------------------------------------------------------
def _dashboard(email: str):
    from streamlit.testing.v1 import AppTest

    from fcu.ui import keys

    at = AppTest.from_file(DASHBOARD, default_timeout=TIMEOUT)
    at.secrets["fcu_tests"] = "demo mode"  # keeps a developer's own secrets.toml out
    at.session_state[keys.DEMO_EMAIL] = email
    # The first page after sign-in is My work for anyone with items; the benchmark measures
    # Tenants (comparable with earlier runs), as opened once that first page was decided.
    at.session_state[keys.LANDED] = email
    return at


def _check(at, what: str) -> None:
    if at.exception or at.error:
        problems = [e.value for e in at.exception] + [e.value for e in at.error]
        raise RuntimeError(f"{what}: the page failed: {problems}")


def _csv_filters(db, user):
    """A Usage % upper bound that keeps about CSV_ROWS tenants (no filter when fewer exist)."""
    from fcu import portfolio

    if portfolio.kpis(db, user).tenants <= CSV_ROWS:
        return portfolio.TenantFilters()
    low, high = 0, int(portfolio.filter_options(db, user).max_usage_pct) + 1
    best = None
    while low <= high:  # the smallest bound that keeps at least CSV_ROWS tenants
        mid = (low + high) // 2
        filters = portfolio.TenantFilters(usage_max=float(mid))
        if portfolio.kpis(db, user, filters).tenants >= CSV_ROWS:
            best, high = filters, mid - 1
        else:
            low = mid + 1
    return best or portfolio.TenantFilters()


def pages(
    db_file: str, email: str, repeat: int, profile_runs: int = 3, warm_up: bool = True
) -> dict:
    """Tenants rerun vs its floor (query + bare rerun), Tenant details rerun, Download CSV.

    Each repetition moves the Usage % slider to a new lower bound, then times, one after
    the other, the page rerun, the same query alone, a bare Streamlit rerun, a details
    rerun and the CSV, so that the machine's load weighs on all of them alike.
    """
    os.environ["FCU_DB"] = str(db_file)
    from streamlit.testing.v1 import AppTest

    from fcu import access, export, portfolio, store
    from fcu.ui import keys

    # the very Database the app's pages use in this process (the team store's, when
    # FCU_DATABASE_URL is set: bench/team.py)
    db = store.shared(os.environ.get("FCU_DATABASE_URL") or db_file)
    user = access.get_user(db, email)
    if user is None:
        raise SystemExit(f"no user {email} in {db_file}")

    tenants_first, at = _timed(_dashboard(email).run)
    _check(at, "Tenants")
    high = at.slider(key=keys.TENANT_USAGE).value[1]
    bare = AppTest.from_file(BARE_PAGE, default_timeout=TIMEOUT).run()

    first = portfolio.tenants(db, user, limit=1)
    if first.empty:
        raise SystemExit(f"{email} sees no tenant in {db_file}")
    tenant = first["tenant_id"].iloc[0]
    details = _dashboard(email).run()
    details.switch_page("pages/tenant.py")
    details.query_params["tenant"] = tenant
    details_first, _ = _timed(details.run)
    _check(details, "Tenant details")

    earnings_page = _dashboard(email).run()
    earnings_page.switch_page("pages/earnings.py")
    earnings_first, _ = _timed(earnings_page.run)
    _check(earnings_page, "Earnings")
    referrals_page = _dashboard(email).run()
    referrals_page.switch_page("pages/referrals.py")
    referrals_first, _ = _timed(referrals_page.run)
    _check(referrals_page, "Referrals")

    csv_filters = _csv_filters(db, user)
    out: dict = {k: [] for k in ("tenants_rerun", "query", "kpis", "tenants_query")}
    out.update({k: [] for k in ("earnings_rerun", "referrals_rerun")})
    out.update({k: [] for k in ("filter_options", "bare_rerun", "details_rerun", "csv")})
    out.update({k: [] for k in ("tenant_view", "tenant_workloads", "tenant_trend")})
    for i in range(repeat + warm_up):  # a first round warms up and is not counted
        lower = float(i + 1)
        at.slider(key=keys.TENANT_USAGE).set_value((lower, high))
        seconds, _ = _timed(at.run)
        _check(at, "Tenants")
        shown = at.metric[0].value
        filters = portfolio.TenantFilters(usage_min=lower)
        samples = {"tenants_rerun": seconds}
        samples["kpis"], kpis = _timed(portfolio.kpis, db, user, filters)
        samples["tenants_query"], _ = _timed(portfolio.tenants, db, user, filters, limit=50)
        samples["query"] = samples["kpis"] + samples["tenants_query"]
        if shown != f"{kpis.tenants:,}":
            raise RuntimeError(f"the page shows {shown} tenants, its query counts {kpis.tenants}")
        samples["filter_options"], _ = _timed(portfolio.filter_options, db, user)
        bare.slider(key="usage").set_value((lower, 100.0))
        samples["bare_rerun"], _ = _timed(bare.run)
        samples["details_rerun"], _ = _timed(details.run)
        _check(details, "Tenant details")
        samples["tenant_view"], _ = _timed(portfolio.tenant_view, db, user, tenant)
        samples["tenant_workloads"], _ = _timed(portfolio.tenant_workloads, db, user, tenant)
        samples["tenant_trend"], _ = _timed(portfolio.tenant_trend, db, user, tenant)
        samples["csv"], data = _timed(export.tenants_csv, db, user, csv_filters)
        # Earnings: the what-if slider to another step; Referrals: the "late" filter toggled
        earnings_page.slider(key=keys.EARNINGS_TARGET).set_value(50 + 5 * (i % 10))
        samples["earnings_rerun"], _ = _timed(earnings_page.run)
        _check(earnings_page, "Earnings")
        referrals_page.checkbox(key=keys.REFERRAL_LATE).set_value(i % 2 == 0)
        samples["referrals_rerun"], _ = _timed(referrals_page.run)
        _check(referrals_page, "Referrals")
        if i or not warm_up:
            for key, value in samples.items():
                out[key].append(value)
    if profile_runs:
        out["profile_tenants"] = profile(at.run, profile_runs)
        out["profile_details"] = profile(details.run, profile_runs)
        out["profile_earnings"] = profile(earnings_page.run, profile_runs)
        out["profile_referrals"] = profile(referrals_page.run, profile_runs)
    out.update(
        tenants_first=tenants_first,
        details_first=details_first,
        earnings_first=earnings_first,
        referrals_first=referrals_first,
        details_tenant=tenant,
        visible_tenants=portfolio.kpis(db, user).tenants,
        csv_rows=data.count(b"\n") - 1,
        csv_bytes=len(data),
        csv_filter=str(csv_filters.usage_max),
    )
    store.forget_shared()
    return out


def baseline(feed: str, repeat: int, partner: str = "P1") -> dict:
    """The pandas baseline page: its first run (reads the feed) and reruns after the slider."""
    os.environ["BENCH_FEED"], os.environ["BENCH_PARTNER"] = str(feed), partner
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(BASELINE_PAGE, default_timeout=TIMEOUT)
    first, _ = _timed(at.run)
    _check(at, "baseline")
    reruns = []
    for i in range(repeat + 1):
        at.slider(key="usage").set_value((float(i + 1), 300.0))
        seconds, _ = _timed(at.run)
        _check(at, "baseline")
        if i:
            reruns.append(seconds)
    return {"first": first, "rerun": reruns, "tenants": at.metric[0].value}


def first_open(script: str, db_file: str, email: str) -> dict:
    """Import Streamlit's AppTest, run the script once; wall-clock times (time.time())."""
    os.environ["FCU_DB"] = str(db_file)
    from streamlit.testing.v1 import AppTest

    imported = time.time()
    if script == "dashboard":
        at = _dashboard(email)
    else:
        at = AppTest.from_file(BARE_PAGE, default_timeout=TIMEOUT)
    at.run()
    _check(at, script)
    return {"imported": imported, "rendered": time.time()}


def browse(db_file: str, email: str) -> dict:
    """A session through the app (the parent reads this process's peak RSS)."""
    os.environ["FCU_DB"] = str(db_file)
    from fcu import access, export, portfolio, store
    from fcu.ui import keys

    steps = []

    def step(name, fn, *args):
        seconds, out = _timed(fn, *args)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # bytes so far
        steps.append([name, seconds, peak])
        return out

    at = _dashboard(email)
    step("open Tenants", at.run)
    _check(at, "Tenants")
    high = at.slider(key=keys.TENANT_USAGE).value[1]
    for lower in (10.0, 30.0, 50.0):
        at.slider(key=keys.TENANT_USAGE).set_value((lower, high))
        step(f"Usage % from {lower:.0f}", at.run)
    at.text_input(key=keys.TENANT_SEARCH).set_value("a")
    step("search 'a'", at.run)
    _check(at, "Tenants")
    db = store.shared(db_file)
    user = access.get_user(db, email)
    filters = at.session_state[keys.TENANT_FILTERS]
    step("Download CSV", export.tenants_csv, db, user, filters)
    tenant = portfolio.tenants(db, user, filters, limit=1)["tenant_id"].iloc[0]
    at.switch_page("pages/tenant.py")
    at.query_params["tenant"] = tenant
    step("open a tenant", at.run)
    _check(at, "Tenant details")
    for name in ("referrals", "earnings", "tenants"):
        at.switch_page(f"pages/{name}.py")
        step(f"open {name}", at.run)
        _check(at, name)
    return {"steps": steps}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.worker")
    p.add_argument(
        "command",
        choices=(
            "floor",
            "floor-reports",
            "load-steps",
            "pages",
            "baseline",
            "first-open",
            "browse",
        ),
    )
    p.add_argument("--feed")
    p.add_argument("--db")
    p.add_argument("--email", default="admin@northwind.example")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--script", default="dashboard")
    args = p.parse_args(argv)
    if args.command == "floor":
        out = floor(args.feed, args.db)
    elif args.command == "floor-reports":
        out = floor_reports(args.feed, args.db)
    elif args.command == "load-steps":
        out = load_steps(args.feed, args.db)
    elif args.command == "pages":
        out = pages(args.db, args.email, args.repeat)
    elif args.command == "baseline":
        out = baseline(args.feed, args.repeat)
    elif args.command == "first-open":
        out = first_open(args.script, args.db, args.email)
    else:
        out = browse(args.db, args.email)
    sys.stdout.write("\n" + json.dumps(out) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
