"""Tenant details asks each question once per run (AppTest): the tenant's visibility, the
loaded feed, the workloads (cached: not at all on a rerun)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from streamlit.testing.v1 import AppTest

from fcu import portfolio
from fcu.ui import data, keys

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")
ALPHA = "aaaaaaaa-0000-0000-0000-000000000001"


def test_a_run_checks_the_tenant_and_reads_the_feed_once(app_env, monkeypatch):
    asked: Counter = Counter()

    def counted(name, function):
        def call(*args, **kwargs):
            asked[name] += 1
            return function(*args, **kwargs)

        return call

    monkeypatch.setattr(portfolio, "tenant_view", counted("tenant", portfolio.tenant_view))
    monkeypatch.setattr(
        portfolio, "tenant_workloads", counted("workloads", portfolio.tenant_workloads)
    )
    monkeypatch.setattr(data, "feed_status", counted("feed", data.feed_status))
    at = AppTest.from_file(DASHBOARD, default_timeout=30)
    at.secrets["fcu_tests"] = "demo mode"
    at.session_state[keys.DEMO_EMAIL] = "exec@northwind.example"
    at.run()
    at.switch_page("pages/tenant.py")
    at.query_params["tenant"] = ALPHA
    at.run()
    assert not at.exception and [h.value for h in at.header] == ["Alpha Corp"]
    for _ in range(2):  # reruns, each on its own
        asked.clear()
        at.run()
        assert not at.exception and not at.error
        assert asked == {"tenant": 1, "feed": 1}  # the workloads come from the cache
