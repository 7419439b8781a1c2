"""The Earnings page's figures: cached reads of ``fcu.earnings`` and the plotly charts
drawn from them (potential earnings beside unclaimed opportunity)."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from fcu import earnings, export
from fcu.access import User
from fcu.ui import data, tables
from fcu.ui.data import FeedKey, database_of, feed_key

# name -> fcu.earnings function; each checks the user's right to revenue itself.
FRAMES = {
    "earnings_by_workload": earnings.by_workload,
    "earnings_by_mpn": earnings.by_mpn,
    "earnings_by_country": earnings.by_country,
    "earnings_by_month": earnings.by_month,
    "earnings_top_tenants": earnings.top_tenants,
}


@st.cache_data(max_entries=64, ttl=3600, show_spinner="Summing the portfolio…")
def _earnings_frame(key: FeedKey, name: str, user: User) -> pd.DataFrame:
    return FRAMES[name](database_of(key), user)


def earnings_frame(name: str, user: User) -> pd.DataFrame:
    """One earnings table for a user, cached per user and load (``clear_caches`` empties it
    after writes); the load precomputed the whole portfolio's."""
    return _earnings_frame(feed_key(), name, user)


@st.cache_data(max_entries=256, ttl=3600, show_spinner=False)
def _what_if(key: FeedKey, user: User, target_pct: float) -> earnings.WhatIf:
    return earnings.what_if(database_of(key), user, target_pct)


def what_if(user: User, target_pct: float) -> earnings.WhatIf:
    """earnings.what_if, cached per user, target and load."""
    return _what_if(feed_key(), user, target_pct)


POTENTIAL = "Potential earnings (claimed)"
UNCLAIMED = "Unclaimed opportunity"
COLOURS = {POTENTIAL: "#2E7D32", UNCLAIMED: "#F9A825"}
SERIES = (("potential_earnings", POTENTIAL), ("unclaimed_opportunity", UNCLAIMED))
TOP = 10  # bars drawn per breakdown; the rest are summed into one
TITLE_PX, LEGEND_ROW_PX, BAR_PX = 36, 26, 22
MONTH_FORMAT = "%b %Y"


def figure(data: list[dict], layout: dict) -> go.Figure:
    """A plotly figure from its specification, as FCU's charts are written: plain dicts of
    traces and layout. Plotly's own check of every property costs 5-20 ms a chart on each
    rerun, so it is skipped here (``_validate=False``, plotly's flag for figures it builds
    itself); tests/unit/test_chart_specs.py checks each chart's specification once, in full."""
    return go.Figure({"data": data, "layout": layout}, _validate=False)


def style(title: str, *, height: int, legend: str = "top", **layout) -> dict:
    """FCU's one figure style, as a layout: the title at the top left, the legend in a band
    of its own under it (``"top"``, for a few series) or beside the plot (``"right"``, for
    many), so the two never overlap each other or the axes; readable fonts; no plotly
    toolbar clutter. ``layout`` holds the chart's own layout properties."""
    styled = {
        "title": {
            "text": title,
            "x": 0,
            "xanchor": "left",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 8, "l": 4},
        },
        "height": height,
        "font": {"size": 13},
        "hoverlabel": {"font": {"size": 13}},
        "separators": ".,",
    }
    if legend == "top":
        styled["legend"] = {
            "orientation": "h",
            "yref": "container",
            "y": 1 - TITLE_PX / height,
            "yanchor": "top",
            "x": 0,
            "xanchor": "left",
        }
        styled["margin"] = {"t": TITLE_PX + LEGEND_ROW_PX + 8, "b": 10, "l": 10, "r": 10}
    else:
        styled["legend"] = {
            "orientation": "v",
            "x": 1.02,
            "xanchor": "left",
            "y": 1,
            "yanchor": "top",
        }
        styled["margin"] = {"t": TITLE_PX + 8, "b": 10, "l": 10, "r": 10}
    return {**layout, **styled}


def values(series: pd.Series) -> list:
    """A column as the plain list a figure's specification holds."""
    return series.tolist()


def ranked(frame: pd.DataFrame, label: str, top: int = TOP) -> pd.DataFrame:
    """The ``top`` rows by total (potential + unclaimed), largest first, and the rest summed
    into one last row ("All N others")."""
    figures = [column for column, _ in SERIES]
    order = frame.assign(_total=frame[figures].sum(axis=1))
    order = order.sort_values(["_total", label], ascending=[False, True], kind="stable")
    head, rest = order.head(top), order.iloc[top:]
    rows = head[[label, *figures]].copy()
    rows[label] = rows[label].map(str)
    if len(rest):
        other = {label: f"All {len(rest)} others", **{c: rest[c].sum() for c in figures}}
        rows = pd.concat([rows, pd.DataFrame([other])], ignore_index=True)
    return rows.reset_index(drop=True)


def breakdown(frame: pd.DataFrame, label: str, title: str, axis_title: str) -> go.Figure:
    """Horizontal bars of potential earnings and unclaimed opportunity per ``label``: the ten
    largest by total, largest on top, full labels, the USD value at each bar's end."""
    rows = ranked(frame, label)
    names = values(rows[label].map(tables.chart_label))
    bars = [
        {
            "type": "bar",
            "y": names,
            "x": values(rows[column]),
            "name": name,
            "orientation": "h",
            "marker": {"color": COLOURS[name]},
            "text": [str(v) for v in rows[column]],  # (drawn by texttemplate)
            "texttemplate": "%{x:,.0f} USD",
            "textposition": "outside",
            "cliponaxis": False,
            "hovertemplate": "%{y}<br>%{x:,.0f} USD<extra>" + name + "</extra>",
        }
        for column, name in SERIES
    ]
    top = rows[[c for c, _ in SERIES]].to_numpy().max() if len(rows) else 0
    height = TITLE_PX + LEGEND_ROW_PX + 60 + 2 * BAR_PX * max(len(rows), 1)
    layout = style(
        title,
        height=max(height, 260),
        barmode="group",
        bargap=0.25,
        uniformtext={"minsize": 11, "mode": "show"},
        yaxis={"autorange": "reversed", "automargin": True, "ticksuffix": "  "},
        xaxis={
            "title": {"text": "USD"},
            "tickformat": ",.0f",
            "range": [0, float(top or 1) * 1.3],  # room for the value at the longest bar's end
            "automargin": True,
        },
    )
    return figure(bars, layout)


MONTH_TICKS = 6  # at most this many month labels on an axis (each "Oct 2026" ~60 px)


def month_axis(month_count: int) -> dict:
    """A true date axis for YYYY-MM months: ticks as "Oct 2026", never rotated, on the
    first of a month every one, two, ... months so that at most ``MONTH_TICKS`` show (left to
    itself plotly ticks a three-month axis every half month: "Aug 2026" twice)."""
    return {
        "type": "date",
        "tickformat": MONTH_FORMAT,
        "tickangle": 0,
        "dtick": f"M{max(1, math.ceil(month_count / MONTH_TICKS))}",
        "automargin": True,
        "hoverformat": MONTH_FORMAT,
    }


def months(values: pd.Series) -> list[str]:
    """YYYY-MM months as the dates (the first of each month) a date axis places."""
    return [f"{month}-01" for month in values.astype(str)]


def over_months(frame: pd.DataFrame) -> go.Figure:
    """Lines of potential earnings and unclaimed opportunity per month."""
    lines = [
        {
            "type": "scatter",
            "x": months(frame["month"]),
            "y": values(frame[column]),
            "name": name,
            "mode": "lines+markers",
            "line": {"color": COLOURS[name]},
            "hovertemplate": "%{x|" + MONTH_FORMAT + "}: %{y:,.0f} USD<extra>" + name + "</extra>",
        }
        for column, name in SERIES
    ]
    layout = style(
        "Over the months",
        height=400,
        xaxis=month_axis(frame["month"].nunique()),
        yaxis={
            "title": {"text": "USD"},
            "tickformat": ",.0f",
            "rangemode": "tozero",
            "automargin": True,
        },
    )
    return figure(lines, layout)


def usage_bands(bands: dict[str, int], picked: str) -> go.Figure:
    """The Tenants page's picture: tenants per Usage % band, the picked band in colour."""
    names, counts = list(bands), list(bands.values())
    colours = ["#1565C0" if not picked or b == picked else "#B0BEC5" for b in names]
    bar = {
        "type": "bar",
        "x": names,
        "y": counts,
        "marker": {"color": colours},
        "text": [str(n) for n in counts],
        "texttemplate": "%{y:,}",
        "textposition": "outside",
        "cliponaxis": False,
        "hovertemplate": "%{x}: %{y:,} tenants<extra></extra>",
    }
    # Whole tenants: below 5, a tick per tenant (plotly would tick 0, 0.5, 1: "0, 1, 1").
    y_axis = {
        "title": {"text": "Tenants"},
        "tickformat": ",d",
        "rangemode": "tozero",
        "fixedrange": True,
    }
    if max(counts, default=0) < 5:
        y_axis["dtick"] = 1
    layout = style(
        "Tenants by Usage % band (click a bar to filter)",
        height=240,
        xaxis={"type": "category", "fixedrange": True},
        yaxis=y_axis,
        showlegend=False,
        clickmode="event+select",
        dragmode=False,
    )
    return figure([bar], layout)


def trend_spec(trend: pd.DataFrame, field: str, label: str) -> dict:
    """The Tenant details trend chart of one field (portfolio.tenant_trend's rows): a line
    per workload, as a figure's specification."""
    lines = []
    for name, rows in trend.groupby("display_name", sort=True):
        workload = tables.chart_label(name)
        lines.append(
            {
                "type": "scatter",
                "x": months(rows["month"]),
                "y": values(rows[field]),
                "name": workload,
                "mode": "lines+markers",
                "hovertemplate": "%{x|"
                + MONTH_FORMAT
                + "}: %{y:,.0f}<extra>"
                + workload
                + "</extra>",
            }
        )
    layout = style(
        f"{label} per workload",
        height=380,
        legend="right",
        xaxis=month_axis(trend["month"].nunique()),
        yaxis={"title": {"text": label}, "tickformat": ",.0f", "rangemode": "tozero"},
    )
    layout["legend"]["title"] = {"text": "Workload"}
    return {"data": lines, "layout": layout}


@st.cache_data(max_entries=256, ttl=900, show_spinner=False)
def _trend_spec(key: FeedKey, user: User, tenant_id: str, field: str, label: str) -> dict:
    return trend_spec(data.tenant_trend(user, tenant_id), field, label)


def trend_figure(user: User, tenant_id: str, field: str, label: str) -> go.Figure:
    """The Tenant details trend chart of one field, cached per user, tenant and load (as its
    specification: a cached figure would be checked again by plotly on every read)."""
    spec = _trend_spec(feed_key(), user, tenant_id, field, label)
    return figure(spec["data"], spec["layout"])


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def _csv(frame: pd.DataFrame, user: User, name: str) -> bytes:
    return export.to_csv(export.prepare(frame, user, name))


def csv_of(frame: pd.DataFrame, user: User, name: str) -> bytes:
    """The CSV of one of the page's (small) tables, cached on its content: a rerun that
    moves the what-if slider need not write the five CSVs again."""
    return _csv(frame, user, name)
