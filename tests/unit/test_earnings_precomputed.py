"""Earnings precomputed by the load (feed_partner_earnings, tenant_workload.monthly_values)
give the figures the query-time path gives, on the fixture and on a generated sample, and
stay right after a claim made in the app."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fcu import claims, cli, earnings, feed, metrics, precompute, users
from fcu.access import User
from fcu.db import Database
from fcu.sample import write_sample_feed
from tests.fixtures import DELTA

BREAKDOWNS = [earnings.by_workload, earnings.by_mpn, earnings.by_country, earnings.by_month]


def query_time(monkeypatch, fn, db: Database, who: User):
    """``fn`` computed from the rows at query time, as for a user of some MPN locations."""
    with monkeypatch.context() as m:
        m.setattr(earnings, "_whole_portfolio", lambda user: False)
        return fn(db, who)


def assert_same_figures(monkeypatch, db: Database, who: User) -> None:
    for fn in BREAKDOWNS:
        pre, slow = fn(db, who), query_time(monkeypatch, fn, db, who)
        pd.testing.assert_frame_equal(pre, slow, check_exact=False, rtol=1e-12)
    for target in (0, 35, 80, 100):
        pre = earnings.what_if(db, who, target)
        slow = query_time(monkeypatch, lambda d, u, t=target: earnings.what_if(d, u, t), db, who)
        assert pre.claimed_earnings == pytest.approx(slow.claimed_earnings, rel=1e-12)
        assert pre.unclaimed_earnings == pytest.approx(slow.unclaimed_earnings, rel=1e-12)
        assert pre.potential_earnings == pytest.approx(slow.potential_earnings, rel=1e-12)


@pytest.mark.parametrize("email", ["exec@northwind.example", "admin@fabrikam.example"])
def test_the_fixture_figures_are_the_query_time_ones(db, user, monkeypatch, email):
    assert_same_figures(monkeypatch, db, user(email))


def test_a_claim_in_the_app_moves_the_precomputed_figures(db, user, monkeypatch):
    # Delta's exchange (500 units, 5,000 USD) is unclaimed for Fabrikam; once claimed in
    # the app it counts as potential earnings, in the month history too.
    p2 = user("admin@fabrikam.example")
    claims.claim_workload(db, p2, DELTA, "exchange", "M21")
    workloads = earnings.by_workload(db, p2).set_index("workload")
    assert tuple(workloads.loc["exchange", earnings.FIGURES]) == (5000.0, 0.0)
    assert earnings.by_month(db, p2).iloc[-1][earnings.FIGURES].tolist() == [5140.0, 0.0]
    assert earnings.what_if(db, p2, 100).claimed_earnings == 5140.0
    assert_same_figures(monkeypatch, db, p2)
    assert_same_figures(monkeypatch, db, user("exec@northwind.example"))


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample") / "feed"
    write_sample_feed(folder, tenants=300, seed=5, end_month="2026-10")
    database = Database(folder.parent / "sample.duckdb")
    assert feed.load_feed(database, folder, loaded_by="tests").ok
    users.add_many(database, cli.demo_users(database), actor="tests")
    yield database
    database.close()


def sample_users(db: Database) -> list[User]:
    whole = [u for u in cli.demo_users(db) if u.has_access and u.sees_revenue]
    locations = db.execute("SELECT partner_id, mpn_id FROM feed_partners ORDER BY 1, 2")
    scoped = [
        User(f"x{i}@example.com", partner, "executive", scope_mpns=(mpn,))
        for i, (partner, mpn) in enumerate(locations)
    ]
    return whole + scoped


def test_a_sample_feed_figures_are_the_query_time_ones(sample_db, monkeypatch):
    for who in sample_users(sample_db):
        assert_same_figures(monkeypatch, sample_db, who)


def test_a_sample_month_history_is_the_metrics_one(sample_db, monkeypatch):
    """by_month against pandas: every visible tenant-workload's history from feed_usage,
    its running HWM (metrics.running_high_water_mark) and metrics.opportunity_units."""
    who = next(u for u in sample_users(sample_db) if u.scope_mpns is None)
    sql, params = earnings._rows_cte(who)
    rows = sample_db.df(
        sql + "SELECT tenant_id, workload, claimed, rate_per_unit, max_earning, min_pau "
        "FROM rows WHERE rate_per_unit > 0 AND max_earning IS NOT NULL",
        params,
    )
    history = sample_db.df(
        "SELECT CAST(tenant_id AS VARCHAR) AS tenant_id, workload, month, mau, pau FROM feed_usage"
    )
    history = history.merge(rows, on=["tenant_id", "workload"])
    units = metrics.opportunity_units(
        history["pau"],
        metrics.running_high_water_mark(history),
        history["rate_per_unit"],
        history["max_earning"],
        history["min_pau"],
    )
    history["value"] = metrics.potential_earnings(units, history["rate_per_unit"])
    expected = history.pivot_table("value", "month", "claimed", aggfunc="sum", fill_value=0.0)
    shown = earnings.by_month(sample_db, who).set_index("month")
    assert shown.index.tolist() == sorted(history["month"].unique())
    assert np.allclose(shown["potential_earnings"], expected.get(True, 0.0))
    assert np.allclose(shown["unclaimed_opportunity"], expected.get(False, 0.0))


@settings(max_examples=40, deadline=None)
@given(
    months=st.lists(
        st.one_of(st.none(), st.tuples(st.integers(0, 3000), st.integers(0, 3000))),
        min_size=1,
        max_size=8,
    ),
    rate=st.sampled_from([0.5, 2.0, 10.0, 7.25]),
    max_earning=st.sampled_from([0.0, 100.0, 5000.0, 12345.0]),
    min_pau=st.sampled_from([0, 150, 1000]),
    huge=st.booleans(),
)
def test_the_loads_month_values_are_the_metrics_ones(months, rate, max_earning, min_pau, huge):
    """build_usage_tw's monthly_values (packed or, past the packing's range, three lists) are
    metrics.opportunity_units on each month's PAU and the HWM reached by then; a month with
    no line earns nothing."""
    lines = [(i, m) for i, m in enumerate(months) if m is not None]
    if not lines:
        return
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE stg_usage (tenant_id UUID, workload VARCHAR, month VARCHAR, mau BIGINT, "
        "pau BIGINT, entitlements BIGINT)"
    )
    tenant = "00000000-0000-0000-0000-000000000001"
    for i, (mau, pau) in lines:
        con.execute(
            "INSERT INTO stg_usage VALUES (?, 'w', ?, ?, ?, NULL)",
            [tenant, f"2026-{i + 1:02d}", mau, pau],
        )
    # another workload's months fix the feed's months; a huge PAU forces the three lists
    for i in range(len(months)):
        con.execute(
            "INSERT INTO stg_usage VALUES (?, 'x', ?, 1, ?, NULL)",
            [tenant, f"2026-{i + 1:02d}", 2**62 if huge else 1],
        )
    con.execute(
        "CREATE TABLE stg_rate_card AS SELECT 'w' AS workload, ?::DOUBLE AS rate_per_unit, "
        "?::DOUBLE AS max_earning, ?::BIGINT AS min_pau",
        [rate, max_earning, min_pau],
    )
    precompute.build_usage_tw(con)
    values = con.execute("SELECT monthly_values FROM stg_usage_tw WHERE workload = 'w'").fetchall()
    con.close()
    history = pd.DataFrame(
        [("t", "w", f"2026-{i + 1:02d}", mau, pau) for i, (mau, pau) in lines],
        columns=["tenant_id", "workload", "month", "mau", "pau"],
    )
    n = len(history)
    units = metrics.opportunity_units(
        history["pau"],
        metrics.running_high_water_mark(history),
        pd.Series([rate] * n),
        pd.Series([max_earning] * n),
        pd.Series([min_pau] * n),
    )
    expected = [0.0] * len(months)
    for (i, _), value in zip(
        lines, metrics.potential_earnings(units, pd.Series([rate] * n)), strict=True
    ):
        expected[i] = value
    assert values[0][0] == pytest.approx(expected)
