"""FCU's charts are plain specifications handed to plotly unchecked (``charts.figure``): each
one is checked here in full by plotly, and must draw the same figure once checked."""

import base64
import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from fcu.portfolio import USAGE_BANDS
from fcu.ui import charts


def _plain(value):
    """A figure's JSON with plotly's packed arrays ({dtype, bdata}) read back as lists."""
    if isinstance(value, dict) and set(value) == {"dtype", "bdata"}:
        raw = base64.b64decode(value["bdata"])
        return np.frombuffer(raw, dtype=np.dtype(value["dtype"])).tolist()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v != {}}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _json(figure: go.Figure) -> dict:
    return _plain(json.loads(pio.to_json(figure, validate=False)))


EARNINGS = pd.DataFrame(
    {
        "display_name": [f"Workload <b>{i}</b>" for i in range(14)],
        "potential_earnings": [100.0 * i for i in range(14)],
        "unclaimed_opportunity": [7.0 * i for i in range(14)],
    }
)
MONTHS = pd.DataFrame(
    {
        "month": ["2026-08", "2026-09", "2026-10"],
        "potential_earnings": [1.0, 2.0, 3.0],
        "unclaimed_opportunity": [3.0, 2.0, 1.0],
    }
)
TREND = pd.DataFrame(
    {
        "display_name": ["Exchange", "Exchange", "Teams", "Teams"],
        "month": ["2026-09", "2026-10", "2026-09", "2026-10"],
        "mau": [10, 12, 3, 5],
    }
)
BANDS = {band: 3 * i for i, band in enumerate(USAGE_BANDS)}


def _trend() -> go.Figure:
    spec = charts.trend_spec(TREND, "mau", "MAU")
    return charts.figure(spec["data"], spec["layout"])


@pytest.mark.parametrize(
    "build",
    [
        lambda: charts.usage_bands(BANDS, "25–50 %"),
        lambda: charts.usage_bands(dict.fromkeys(USAGE_BANDS, 1), ""),
        lambda: charts.breakdown(EARNINGS, "display_name", "By workload", "Workload"),
        lambda: charts.breakdown(EARNINGS.head(0), "display_name", "By workload", "Workload"),
        lambda: charts.over_months(MONTHS),
        _trend,
    ],
    ids=["bands", "bands-few", "breakdown", "breakdown-empty", "months", "trend"],
)
def test_every_chart_is_a_valid_plotly_figure(build):
    drawn = build()
    checked = go.Figure(drawn.to_dict())  # plotly's full check: raises on a wrong property
    assert _json(checked) == _json(drawn)


def test_the_band_chart_shows_every_band_and_the_picked_one_in_colour():
    bar = charts.usage_bands(BANDS, "25–50 %").to_dict()["data"][0]
    assert list(bar["x"]) == list(USAGE_BANDS) and list(bar["y"]) == list(BANDS.values())
    colours = dict(zip(bar["x"], bar["marker"]["color"], strict=True))
    assert [band for band, colour in colours.items() if colour == "#1565C0"] == ["25–50 %"]


def test_a_breakdown_lists_the_ten_largest_then_the_rest_summed():
    bars = charts.breakdown(EARNINGS, "display_name", "By workload", "Workload").to_dict()
    names = list(bars["data"][0]["y"])
    assert names[0] == "Workload &lt;b&gt;13&lt;/b&gt;"  # largest on top, shown as text
    assert names[-1] == "All 4 others" and len(names) == 11
    assert bars["data"][0]["x"][-1] == pytest.approx(100.0 * (0 + 1 + 2 + 3))
