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


def style(fig: go.Figure, title: str, *, height: int, legend: str = "top") -> go.Figure:
    """FCU's one figure style: the title at the top left, the legend in a band of its own
    under it (``"top"``, for a few series) or beside the plot (``"right"``, for many), so the
    two never overlap each other or the axes; readable fonts; no plotly toolbar clutter."""
    layout = {
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
        "hoverlabel": {"font_size": 13},
        "separators": ".,",
    }
    if legend == "top":
        layout["legend"] = {
            "orientation": "h",
            "yref": "container",
            "y": 1 - TITLE_PX / height,
            "yanchor": "top",
            "x": 0,
            "xanchor": "left",
        }
        layout["margin"] = {"t": TITLE_PX + LEGEND_ROW_PX + 8, "b": 10, "l": 10, "r": 10}
    else:
        layout["legend"] = {
            "orientation": "v",
            "x": 1.02,
            "xanchor": "left",
            "y": 1,
            "yanchor": "top",
        }
        layout["margin"] = {"t": TITLE_PX + 8, "b": 10, "l": 10, "r": 10}
    fig.update_layout(**layout)
    return fig


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
    names = rows[label].map(tables.chart_label)
    fig = go.Figure()
    for column, name in SERIES:
        fig.add_bar(
            y=names,
            x=rows[column],
            name=name,
            orientation="h",
            marker_color=COLOURS[name],
            text=rows[column],
            texttemplate="%{x:,.0f} USD",
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}<br>%{x:,.0f} USD<extra>" + name + "</extra>",
        )
    fig.update_layout(barmode="group", bargap=0.25, uniformtext={"minsize": 11, "mode": "show"})
    fig.update_yaxes(autorange="reversed", automargin=True, title=None, ticksuffix="  ")
    top = rows[[c for c, _ in SERIES]].to_numpy().max() if len(rows) else 0
    fig.update_xaxes(
        title="USD",
        tickformat=",.0f",
        range=[0, (top or 1) * 1.3],  # room for the value at the longest bar's end
        automargin=True,
    )
    height = TITLE_PX + LEGEND_ROW_PX + 60 + 2 * BAR_PX * max(len(rows), 1)
    return style(fig, title, height=max(height, 260))


MONTH_TICKS = 6  # at most this many month labels on an axis (each "Oct 2026" ~60 px)


def month_axis(fig: go.Figure, month_count: int) -> None:
    """A true date axis for YYYY-MM months: ticks as "Oct 2026", never rotated, on the
    first of a month every one, two, ... months so that at most ``MONTH_TICKS`` show (left to
    itself plotly ticks a three-month axis every half month: "Aug 2026" twice)."""
    fig.update_xaxes(
        type="date",
        tickformat=MONTH_FORMAT,
        tickangle=0,
        dtick=f"M{max(1, math.ceil(month_count / MONTH_TICKS))}",
        title=None,
        automargin=True,
        hoverformat=MONTH_FORMAT,
    )


def months(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.astype(str) + "-01", format="%Y-%m-%d")


def over_months(frame: pd.DataFrame) -> go.Figure:
    """Lines of potential earnings and unclaimed opportunity per month."""
    fig = go.Figure()
    for column, name in SERIES:
        fig.add_scatter(
            x=months(frame["month"]),
            y=frame[column],
            name=name,
            mode="lines+markers",
            line_color=COLOURS[name],
            hovertemplate="%{x|" + MONTH_FORMAT + "}: %{y:,.0f} USD<extra>" + name + "</extra>",
        )
    month_axis(fig, frame["month"].nunique())
    fig.update_yaxes(title="USD", tickformat=",.0f", rangemode="tozero", automargin=True)
    return style(fig, "Over the months", height=400)


def usage_bands(bands: pd.DataFrame, picked: str) -> go.Figure:
    """The Tenants page's picture: tenants per Usage % band, the picked band in colour."""
    colours = ["#1565C0" if not picked or b == picked else "#B0BEC5" for b in bands["band"]]
    fig = go.Figure(
        go.Bar(
            x=bands["band"],
            y=bands["tenants"],
            marker_color=colours,
            text=bands["tenants"],
            texttemplate="%{y:,}",
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}: %{y:,} tenants<extra></extra>",
        )
    )
    fig.update_xaxes(type="category", title=None, fixedrange=True)
    # Whole tenants: below 5, a tick per tenant (plotly would tick 0, 0.5, 1: "0, 1, 1").
    step = 1 if bands["tenants"].max() < 5 else None
    fig.update_yaxes(
        title="Tenants", tickformat=",d", dtick=step, rangemode="tozero", fixedrange=True
    )
    fig.update_layout(showlegend=False, clickmode="event+select", dragmode=False)
    return style(fig, "Tenants by Usage % band (click a bar to filter)", height=240)


@st.cache_data(max_entries=256, ttl=900, show_spinner=False)
def _trend_figure(key: FeedKey, user: User, tenant_id: str, field: str, label: str):
    trend = data.tenant_trend(user, tenant_id)
    figure = go.Figure()
    for name, rows in trend.groupby("display_name", sort=True):
        workload = tables.chart_label(name)
        figure.add_trace(
            go.Scatter(
                x=months(rows["month"]),
                y=rows[field],
                name=workload,
                mode="lines+markers",
                hovertemplate="%{x|" + MONTH_FORMAT + "}: %{y:,.0f}<extra>" + workload + "</extra>",
            )
        )
    month_axis(figure, trend["month"].nunique())
    figure.update_yaxes(title=label, tickformat=",.0f", rangemode="tozero")
    figure.update_layout(legend_title_text="Workload")
    return style(figure, f"{label} per workload", height=380, legend="right")


def trend_figure(user: User, tenant_id: str, field: str, label: str) -> go.Figure:
    """The Tenant details trend chart of one field, cached per user, tenant and load."""
    return _trend_figure(feed_key(), user, tenant_id, field, label)


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def _csv(frame: pd.DataFrame, user: User, name: str) -> bytes:
    return export.to_csv(export.prepare(frame, user, name))


def csv_of(frame: pd.DataFrame, user: User, name: str) -> bytes:
    """The CSV of one of the page's (small) tables, cached on its content: a rerun that
    moves the what-if slider need not write the five CSVs again."""
    return _csv(frame, user, name)
