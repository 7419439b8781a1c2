"""The movers: a tenant's change of Usage % and MAU since last month and three months ago,
the Movement filter and the Usage % bands. Known answers (tests/data/feed_small/README.md):
Alpha for P1 is 50.67 % in 2026-10 and 80 % in 2026-09 (exchange 800 / 1000 alone); for P2,
34.29 % against 75 % (teams 150 / 200). No tenant has a line in 2026-07."""

from __future__ import annotations

import pandas as pd
import pytest

from fcu import portfolio, precompute
from fcu.portfolio import TenantFilters
from tests.fixtures import EXEC, FABRIKAM_ADMIN


def changes(db, who, filters: TenantFilters | None = None) -> dict:
    """{tenant name: (Usage % points since last month, MAU since last month)}; None: no value."""
    frame = portfolio.tenants(db, who, filters or TenantFilters())
    return {
        row["tenant_name"]: (
            None if pd.isna(row["usage_change_1m"]) else round(row["usage_change_1m"], 2),
            None if pd.isna(row["mau_change_1m"]) else int(row["mau_change_1m"]),
        )
        for _, row in frame.iterrows()
    }


def test_change_since_last_month_per_tenant(db, user):
    assert changes(db, user(EXEC)) == {
        "Alpha Corp": (-29.33, -40),
        "Beta School": (None, None),  # October alone
    }
    assert changes(db, user(FABRIKAM_ADMIN))["Alpha Corp"] == (-40.71, 90)


def test_no_three_month_change_without_that_month(db, user):
    frame = portfolio.tenants(db, user(EXEC))
    assert frame["usage_change_3m"].isna().all() and frame["mau_change_3m"].isna().all()


def test_movement_filter_and_sort(db, user):
    exec_ = user(EXEC)
    assert list(changes(db, exec_, TenantFilters(movement="falling"))) == ["Alpha Corp"]
    assert changes(db, exec_, TenantFilters(movement="rising")) == {}
    ordered = portfolio.tenants(db, exec_, TenantFilters(sort="usage_change_1m"))
    assert ordered["tenant_name"].tolist() == ["Alpha Corp", "Beta School"]  # no value last


def test_usage_bands_count_what_the_other_filters_keep(db, user):
    exec_ = user(EXEC)
    shown = portfolio.kpis(db, exec_, TenantFilters(usage_band="Over 100 %"))
    assert shown.bands == {
        "Under 25 %": 0,
        "25–50 %": 0,
        "50–75 %": 1,  # Alpha, 50.67 %
        "75–100 %": 0,
        "Over 100 %": 1,  # Beta, 120 %
        "No Usage %": 0,
    }
    picked = portfolio.tenants(db, exec_, TenantFilters(usage_band="50–75 %"))
    assert picked["tenant_name"].tolist() == ["Alpha Corp"]
    assert shown.tenants == 1 and shown.average_usage_pct == pytest.approx(120)


@pytest.mark.parametrize(
    ("month", "n", "before"),
    [
        ("2026-10", 1, "2026-09"),
        ("2026-02", 3, "2025-11"),
        ("2026-01", 1, "2025-12"),
        (None, 1, None),
    ],
)
def test_months_before(month, n, before):
    assert precompute.months_before(month, n) == before
