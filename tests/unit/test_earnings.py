"""Earnings on the fixture feed (known answers: tests/data/feed_small/README.md).

P1 holds exchange on Alpha (C1, M11): HWM 800 by 2026-09, PAU 1000 → 2026-08 400 units
(4,000 USD), then 200 units (2,000 USD); Beta's exchange is over 100 % (0). P2 holds teams on
Alpha (C2) and Delta (C6): 50 + 50 units in 2026-08/09 (100 USD only Alpha: Delta has
October alone), 20 units Alpha + 50 Delta in 2026-10 (140 USD); Delta's unclaimed exchange is
500 units (5,000 USD).
"""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from fcu import earnings, export
from fcu.access import AccessDenied
from tests.fixtures import ALPHA, DELTA, ROOT


def figures(frame: pd.DataFrame, key: str) -> dict:
    return {
        row[key]: (row["potential_earnings"], row["unclaimed_opportunity"])
        for _, row in frame.iterrows()
    }


def test_p1_by_workload_mpn_country_and_month(db, user):
    p1 = user("exec@northwind.example")
    assert figures(earnings.by_workload(db, p1), "workload") == {
        "exchange": (2000.0, 0.0),
        "intune": (0.0, 0.0),
        "teams": (0.0, 0.0),
        "viva": (0.0, 0.0),
    }
    mpns = earnings.by_mpn(db, p1)
    assert figures(mpns, "mpn_id") == {"M11": (2000.0, 0.0), "M12": (0.0, 0.0)}
    assert mpns["location_name"].tolist() == ["Northwind Seattle", "Northwind London"]
    assert figures(earnings.by_country(db, p1), "country") == {
        "US": (2000.0, 0.0),
        "GB": (0.0, 0.0),
    }
    assert figures(earnings.by_month(db, p1), "month") == {
        "2026-08": (4000.0, 0.0),
        "2026-09": (2000.0, 0.0),
        "2026-10": (2000.0, 0.0),
    }


def test_p2_by_workload_mpn_country_and_month(db, user):
    p2 = user("admin@fabrikam.example")
    assert figures(earnings.by_workload(db, p2), "workload")["teams"] == (140.0, 0.0)
    assert figures(earnings.by_workload(db, p2), "workload")["exchange"] == (0.0, 5000.0)
    assert figures(earnings.by_mpn(db, p2), "mpn_id") == {"M21": (140.0, 5000.0)}
    assert figures(earnings.by_country(db, p2), "country") == {
        "FR": (100.0, 5000.0),
        "US": (40.0, 0.0),
    }
    assert figures(earnings.by_month(db, p2), "month") == {
        "2026-08": (100.0, 0.0),
        "2026-09": (100.0, 0.0),
        "2026-10": (140.0, 5000.0),
    }


@pytest.mark.parametrize(
    "email", ["exec@northwind.example", "exec.m11@northwind.example", "admin@fabrikam.example"]
)
def test_current_month_agrees_with_the_tenants_figures(db, user, email):
    who = user(email)
    month = earnings.by_month(db, who).iloc[-1]
    for frame in (earnings.by_workload(db, who), earnings.by_mpn(db, who)):
        assert frame["potential_earnings"].sum() == month["potential_earnings"]
        assert frame["unclaimed_opportunity"].sum() == month["unclaimed_opportunity"]
    top = earnings.top_tenants(db, who)
    assert top["potential_earnings"].sum() == month["potential_earnings"]


def test_scope_narrows_the_figures(db, user):
    # M12 holds only Beta (0 USD); an M11 executive sees Alpha's 2,000 USD.
    m11 = user("exec.m11@northwind.example")
    assert figures(earnings.by_mpn(db, m11), "mpn_id") == {"M11": (2000.0, 0.0)}
    assert earnings.top_tenants(db, m11)["tenant_name"].tolist() == ["Alpha Corp"]


def test_top_tenants_by_opportunity_link_to_each_tenant(db, user):
    top = earnings.top_tenants(db, user("admin@fabrikam.example"))
    assert top["tenant_name"].tolist() == ["Delta Gov, Ministry", "Alpha Corp"]
    assert top["total_opportunity"].tolist() == [5100.0, 40.0]
    assert top["link"].tolist() == [f"tenant?tenant={DELTA}", f"tenant?tenant={ALPHA}"]


@pytest.mark.parametrize(
    "target, claimed, unclaimed",
    [(0, 0.0, 0.0), (50, 100.0, 4000.0), (80, 100.0, 5000.0), (100, 140.0, 5000.0)],
)
def test_what_if_at_a_target_usage(db, user, target, claimed, unclaimed):
    # Delta teams: PAU 1000, HWM 300 → 50 % gives 200 units, capped at 50 (100 USD);
    # Alpha teams: HWM 180 of PAU 200 → only 100 % adds 20 units (40 USD).
    # Delta exchange (unclaimed): HWM 100 → 50 % gives 400 units (4,000), 80 % the cap 500.
    result = earnings.what_if(db, user("admin@fabrikam.example"), target)
    assert (result.claimed_earnings, result.unclaimed_earnings) == (claimed, unclaimed)
    assert result.potential_earnings == 140.0


FUNCTIONS = [
    earnings.by_workload,
    earnings.by_mpn,
    earnings.by_country,
    earnings.by_month,
    earnings.top_tenants,
    lambda db, u: earnings.what_if(db, u, 80),
]


@pytest.mark.parametrize("email", ["report@northwind.example", "report.m12@northwind.example"])
@pytest.mark.parametrize("fn", FUNCTIONS)
def test_a_report_viewer_gets_nothing(db, user, email, fn):
    with pytest.raises(AccessDenied, match="Executive report viewers"):
        fn(db, user(email))


@pytest.mark.parametrize("name", [n for n in export.TABLES if n.startswith("earnings_")])
def test_exports_refuse_a_report_viewer(db, user, name):
    assert export.render(db, user("exec@northwind.example"), name)
    with pytest.raises(AccessDenied):
        export.render(db, user("report@northwind.example"), name)


def test_command_line_export_refuses_a_report_viewer(db, db_path):
    db.close()

    def run(email: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "fcu", "--db", str(db_path), "export"]
        return subprocess.run(
            [*command, "earnings_by_month", "--user", email],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )

    refused = run("report@northwind.example")
    assert refused.returncode == 1 and refused.stdout == ""
    assert "Executive report viewers" in refused.stderr
    allowed = run("exec@northwind.example")
    assert allowed.stdout.splitlines() == [
        "month,potential_earnings,unclaimed_opportunity",
        "2026-08,4000.0,0.0",
        "2026-09,2000.0,0.0",
        "2026-10,2000.0,0.0",
    ]
