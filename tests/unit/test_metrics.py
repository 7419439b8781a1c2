"""The numbers of PRODUCT.md, on hand-computed cases."""

import math

import pandas as pd
import pytest

from fcu import metrics


def frame(**columns):
    return pd.DataFrame(columns)


def test_usage_pct_is_not_capped_and_has_no_value_without_pau():
    pct = metrics.usage_pct(pd.Series([700, 600, 0, 5]), pd.Series([1000, 500, 0, None]))
    assert pct[0] == pytest.approx(70.0)
    assert pct[1] == pytest.approx(120.0)  # MAU > PAU: over 100 %, never capped
    assert math.isnan(pct[2])  # PAU 0: no value
    assert math.isnan(pct[3])


def units(pau, hwm, rate, cap, min_pau):
    return int(
        metrics.opportunity_units(
            pd.Series([pau]),
            pd.Series([hwm]),
            pd.Series([rate]),
            pd.Series([cap]),
            pd.Series([min_pau]),
        )[0]
    )


def test_opportunity_units_hand_computed_cases():
    assert units(1000, 800, 10.0, 5000.0, 150) == 200  # PAU − HWM
    assert units(1000, 300, 2.0, 100.0, None) == 50  # cap binds: ⌊100 / 2⌋
    assert units(1000, 100, 10.0, 5000.0, 150) == 500  # cap binds at 500
    assert units(500, 600, 10.0, 5000.0, 150) == 0  # MAU above PAU: nothing left
    assert units(100, 50, 5.0, 1000.0, 150) == 0  # PAU under min_pau
    assert units(200, 50, 5.0, 1000.0, 300) == 0  # PAU under a higher min_pau
    assert units(400, 10, None, None, None) == 0  # no rate card row
    assert units(400, 10, 0.0, 1000.0, 150) == 0  # rate 0
    assert units(0, 0, 10.0, 5000.0, 150) == 0  # PAU 0
    assert units(150, 0, 3.0, 1000.0, None) == 150  # PAU exactly min_pau (default 150)


def test_potential_earnings_are_units_times_rate():
    earned = metrics.potential_earnings(pd.Series([200, 0, 7]), pd.Series([10.0, 5.0, None]))
    assert list(earned) == [2000.0, 0.0, 0.0]


def test_high_water_mark_comes_from_an_earlier_month():
    history = frame(
        tenant_id=["t"] * 3 + ["u"],
        workload=["exchange"] * 4,
        month=["2026-08", "2026-09", "2026-10", "2026-10"],
        mau=[600, 800, 700, 5],
    )
    hwm = metrics.high_water_mark(history)
    assert hwm[("t", "exchange")] == 800
    assert hwm[("u", "exchange")] == 5
    running = metrics.running_high_water_mark(history)
    assert list(running) == [600, 800, 800, 5]


def test_workload_figures_for_the_fixture_alpha_exchange():
    out = metrics.workload_figures(
        frame(
            mau=[700],
            pau=[1000],
            hwm=[800],
            rate_per_unit=[10.0],
            max_earning=[5000.0],
            min_pau=[150],
        )
    )
    assert out.loc[0, "usage_pct"] == pytest.approx(70.0)
    assert out.loc[0, "opportunity_units"] == 200
    assert out.loc[0, "opportunity_value"] == pytest.approx(2000.0)


def test_tenant_figures_flag_under_use():
    out = metrics.tenant_figures(frame(mau=[240, 600, 0], pau=[700, 500, 0]))
    assert out["usage_pct"].round(2).tolist()[:2] == [34.29, 120.0]
    assert out["underused"].tolist() == [True, False, False]


def test_target_uplift_earns_the_units_between_hwm_and_target():
    row = frame(
        pau=[1000, 1000, 100],
        hwm=[300, 900, 10],
        rate_per_unit=[10.0, 10.0, 10.0],
        max_earning=[5000.0, 5000.0, 5000.0],
        min_pau=[150, 150, 150],
    )
    earned = metrics.target_uplift(row, 80)
    # 800 − 300 = 500 units (cap 500) → 5,000; already above target → 0; PAU < min → 0
    assert earned.tolist() == [5000.0, 0.0, 0.0]
