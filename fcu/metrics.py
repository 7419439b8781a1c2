"""The numbers of PRODUCT.md ("The numbers"), as vectorised pandas functions.

SQL gathers the inputs (current-month MAU and PAU, the high-water mark, the rate card);
these functions compute the figures, and the load stores their results for the pages.
A missing value is NaN/NA, never an exception.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DEFAULT_MIN_PAU = 150
FASTTRACK_MIN_LICENSES = 150  # fewer eligible licences: not in FastTrack
UNDERUSED_BELOW_PCT = 50.0  # a tenant under this Usage % is flagged as under-used
# A tenant whose Usage % moved by at least this many points since the previous month is
# "falling" or "rising" (the Tenants page's Movement filter).
MOVER_POINTS = 5.0
# A claim's statuses. Which of them are active (the claim holds its workload) is defined once,
# in SQL: is_active_claim in fcu/sql/migrations/003_claims.sql.
CLAIM_STATUSES = ("submitted", "approved", "approved-pending-data", "denied", "disassociated")


def _num(values: pd.Series | float | int) -> pd.Series:
    return pd.to_numeric(pd.Series(values), errors="coerce").astype("float64")


def usage_pct(mau: pd.Series, pau: pd.Series) -> pd.Series:
    """MAU / PAU × 100; no value (NaN) where PAU is 0 or unknown. Never capped at 100."""
    mau, pau = _num(mau), _num(pau)
    return (mau / pau.where(pau > 0)) * 100.0


def high_water_mark(history: pd.DataFrame, by: list[str] | None = None) -> pd.Series:
    """Highest MAU of each tenant-workload over every month in ``history``."""
    by = by or ["tenant_id", "workload"]
    return history.groupby(by, sort=True)["mau"].max()


def running_high_water_mark(history: pd.DataFrame, by: list[str] | None = None) -> pd.Series:
    """For each row, the highest MAU of its tenant-workload up to and including its month."""
    by = by or ["tenant_id", "workload"]
    ordered = history.sort_values([*by, "month"])
    return ordered.groupby(by, sort=False)["mau"].cummax().reindex(history.index)


def opportunity_units(
    pau: pd.Series,
    hwm: pd.Series,
    rate_per_unit: pd.Series,
    max_earning: pd.Series,
    min_pau: pd.Series,
) -> pd.Series:
    """min(max(PAU − HWM, 0), ⌊max_earning / rate⌋); 0 with no rate row, rate 0 or PAU < min_pau."""
    pau = _num(pau)
    units = opportunity_units_of_arrays(
        pau.to_numpy(),
        _num(hwm).to_numpy(),
        _num(rate_per_unit).to_numpy(),
        _num(max_earning).to_numpy(),
        _num(min_pau).to_numpy(),
    )
    return pd.Series(units, index=pau.index)


def opportunity_units_of_arrays(
    pau: np.ndarray, hwm: np.ndarray, rate: np.ndarray, cap: np.ndarray, min_pau: np.ndarray
) -> np.ndarray:
    """``opportunity_units`` on float arrays (NaN: no value), for the load's month grids."""
    hwm = np.where(np.isnan(hwm), 0.0, hwm)
    floor_pau = np.where(np.isnan(min_pau), float(DEFAULT_MIN_PAU), min_pau)
    # NaN compares false: no rate, no cap or no PAU is not eligible
    eligible = (rate > 0) & ~np.isnan(cap) & (pau >= floor_pau)
    with np.errstate(invalid="ignore"):
        unit_cap = np.floor(cap / np.where(rate > 0, rate, 1.0))
        units = np.minimum(np.maximum(pau - hwm, 0.0), unit_cap)
    return np.where(eligible, units, 0.0).astype("int64")


def potential_earnings(units: pd.Series, rate_per_unit: pd.Series) -> pd.Series:
    """Opportunity units × rate (USD); 0 where there is no rate."""
    return (_num(units) * _num(rate_per_unit).fillna(0.0)).fillna(0.0)


def workload_figures(frame: pd.DataFrame) -> pd.DataFrame:
    """Per tenant-workload figures from mau, pau, hwm, rate_per_unit, max_earning, min_pau."""
    units = opportunity_units(
        frame["pau"], frame["hwm"], frame["rate_per_unit"], frame["max_earning"], frame["min_pau"]
    )
    return pd.DataFrame(
        {
            "usage_pct": usage_pct(frame["mau"], frame["pau"]).to_numpy(),
            "opportunity_units": units.to_numpy(),
            "opportunity_value": potential_earnings(units, frame["rate_per_unit"]).to_numpy(),
        }
    )


def tenant_figures(frame: pd.DataFrame) -> pd.DataFrame:
    """Per partner-tenant figures from summed mau and pau over the visible workloads."""
    pct = usage_pct(frame["mau"], frame["pau"])
    return pd.DataFrame(
        {"usage_pct": pct.to_numpy(), "underused": (pct < UNDERUSED_BELOW_PCT).to_numpy()}
    )


def target_uplift(frame: pd.DataFrame, target_pct: float) -> pd.Series:
    """Earnings (USD) if each workload's MAU rose to ``target_pct`` of its PAU.

    The Earnings what-if: units earned are those between the HWM and the target MAU,
    capped like any opportunity, and 0 where the workload earns nothing (no rate card
    row, rate 0, PAU under min_pau). The target is never above PAU's opportunity.
    """
    pau = _num(frame["pau"])
    target_mau = np.floor(pau.fillna(0.0) * float(target_pct) / 100.0)
    full = opportunity_units(
        pau, frame["hwm"], frame["rate_per_unit"], frame["max_earning"], frame["min_pau"]
    )
    gained = (target_mau - _num(frame["hwm"]).fillna(0.0)).clip(lower=0.0)
    units = np.minimum(gained, full.astype("float64"))
    return potential_earnings(units, frame["rate_per_unit"])
