"""The Earnings page's figures: cached reads of ``fcu.earnings`` and the plotly charts
drawn from them (potential earnings beside unclaimed opportunity)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from fcu import earnings
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
    """One earnings table for a user (the month history takes seconds at 100,000 tenants,
    so it is computed once per user and load; ``clear_caches`` empties it after writes)."""
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


def _layout(fig: go.Figure, title: str, x_title: str) -> go.Figure:
    fig.update_layout(
        title=title,
        barmode="group",
        xaxis_title=x_title,
        yaxis_title="USD",
        yaxis_tickformat=",.0f",
        legend={"orientation": "h", "y": -0.25},
        margin={"t": 50, "b": 10, "l": 10, "r": 10},
        height=360,
    )
    return fig


def breakdown(frame: pd.DataFrame, label: str, title: str, x_title: str) -> go.Figure:
    """Grouped bars of potential earnings and unclaimed opportunity per ``label``."""
    fig = go.Figure()
    for column, name in (("potential_earnings", POTENTIAL), ("unclaimed_opportunity", UNCLAIMED)):
        fig.add_bar(
            x=frame[label].map(tables.chart_label),
            y=frame[column],
            name=name,
            marker_color=COLOURS[name],
            hovertemplate="%{x}: %{y:,.0f} USD<extra>" + name + "</extra>",
        )
    return _layout(fig, title, x_title)


def over_months(frame: pd.DataFrame) -> go.Figure:
    """Lines of potential earnings and unclaimed opportunity per month."""
    fig = go.Figure()
    for column, name in (("potential_earnings", POTENTIAL), ("unclaimed_opportunity", UNCLAIMED)):
        fig.add_scatter(
            x=frame["month"],
            y=frame[column],
            name=name,
            mode="lines+markers",
            line_color=COLOURS[name],
            hovertemplate="%{x}: %{y:,.0f} USD<extra>" + name + "</extra>",
        )
    fig.update_xaxes(type="category")
    return _layout(fig, "Over the months", "Month")


@st.cache_data(max_entries=256, ttl=900, show_spinner=False)
def _trend_figure(key: FeedKey, user: User, tenant_id: str, field: str, label: str):
    trend = data.tenant_trend(user, tenant_id)
    figure = go.Figure()
    for name, rows in trend.groupby("display_name", sort=True):
        figure.add_trace(
            go.Scatter(
                x=rows["month"], y=rows[field], name=tables.chart_label(name), mode="lines+markers"
            )
        )
    figure.update_layout(
        title=f"{label} per workload",
        xaxis_title="Month",
        yaxis_title=label,
        legend_title="Workload",
    )
    figure.update_xaxes(type="category")
    return figure


def trend_figure(user: User, tenant_id: str, field: str, label: str) -> go.Figure:
    """The Tenant details trend chart of one field, cached per user, tenant and load."""
    return _trend_figure(feed_key(), user, tenant_id, field, label)
