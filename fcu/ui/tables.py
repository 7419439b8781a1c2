"""How portfolio figures look on a page: number formats, column labels and table shapes.

Tables handed to ``st.dataframe`` are built here from ``fcu.portfolio`` frames and always
pass through ``fcu.access.redact`` first, so a Report viewer never gets a revenue column.
"""

from __future__ import annotations

import html
import math
import re
from urllib.parse import quote

import pandas as pd
import streamlit as st

from fcu.access import User, redact
from fcu.portfolio import CLAIM_STATUS_LABELS, FLAGS
from fcu.ui import auth

PAGE_SIZE = 50
UNCLAIMED = "Unclaimed — can be claimed"
NO_VALUE = "—"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")

# The movers' columns (portfolio.CHANGE_COLUMNS): their label on Tenants, their shorter
# one in Tenant details' wider workloads table, and what each says.
CHANGE_LABELS = {
    "usage_change_1m": ("Usage % vs last month", "Δ Usage % 1m"),
    "mau_change_1m": ("MAU vs last month", "Δ MAU 1m"),
    "usage_change_3m": ("Usage % vs 3 months ago", "Δ Usage % 3m"),
    "mau_change_3m": ("MAU vs 3 months ago", "Δ MAU 3m"),
}
CHANGE_HELP = {
    "usage_change_1m": "Points of Usage % gained (+) or lost (−) since last month.",
    "mau_change_1m": "Monthly active users gained or lost since last month.",
    "usage_change_3m": "Points of Usage % gained (+) or lost (−) in three months.",
    "mau_change_3m": "Monthly active users gained or lost in three months.",
}


# Tenants table: portfolio column -> label a user reads.
TENANT_LABELS = {
    "tenant_name": "Tenant name",
    "tenant_id": "Tenant ID",
    "usage_link": "Usage %",
    "mau": "MAU",
    "pau": "PAU",
    "claimed_workloads": "Claimed workloads",
    **{c: CHANGE_LABELS[c][0] for c in ("usage_change_1m", "mau_change_1m", "usage_change_3m")},
    "potential_earnings": "Potential earnings",
    "unclaimed_opportunity": "Unclaimed opportunity",
    "next_action_date": "Next action date",
    "flags": "Flags",
}
# The Earnings tables' money columns, as st.dataframe shows them.
USD_COLUMNS = {
    "potential_earnings": st.column_config.NumberColumn("Potential (USD)", format="%,.0f"),
    "unclaimed_opportunity": st.column_config.NumberColumn("Unclaimed (USD)", format="%,.0f"),
}
# Sort choices (portfolio.SORTABLE keys) in the order offered.
SORT_LABELS = {
    "tenant_name": "Tenant name",
    "usage_pct": "Usage %",
    "mau": "MAU",
    "pau": "PAU",
    "potential_earnings": "Potential earnings",
    "unclaimed_opportunity": "Unclaimed opportunity",
    "next_action_date": "Next action date",
    "usage_change_1m": "Usage % change since last month",
    "mau_change_1m": "MAU change since last month",
    "usage_change_3m": "Usage % change since 3 months ago",
    "mau_change_3m": "MAU change since 3 months ago",
    "country": "Country",
    "tenant_id": "Tenant ID",
}


def plain(text: object) -> str:
    """Text from the feed or a user, safe to show where Streamlit renders markdown."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def chart_label(text: object) -> str:
    """Text from the feed or a user, safe as a plotly label, legend or hover text (plotly
    renders a subset of HTML there, links included): shown as written."""
    return html.escape(str(text), quote=False)


def pct(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return NO_VALUE
    return f"{float(value):,.1f} %"


def count(value: object) -> str:
    if value is None or pd.isna(value):
        return NO_VALUE
    return f"{int(value):,}"


def usd(value: object) -> str:
    if value is None or pd.isna(value):
        return NO_VALUE
    return f"${float(value):,.0f}"


def minute(value: object) -> str:
    """A stored time to the minute ('2026-11-25 12:00', UTC as stored); '' for none."""
    if value is None or pd.isna(value):
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def sort_choices(user: User) -> dict[str, str]:
    """Sort columns this user may order by (no revenue order for a Report viewer)."""
    hidden = set() if user.sees_revenue else {"potential_earnings", "unclaimed_opportunity"}
    return {k: v for k, v in SORT_LABELS.items() if k not in hidden}


def tenant_link(tenant_id: str, usage_pct: object, extra: str | None = None) -> str:
    """The tenant page's address; the Usage % rides along so the link column can show it.
    ``extra``: ``auth.link_query()``, when a whole table's links ask it once."""
    shown = NO_VALUE if usage_pct is None or pd.isna(usage_pct) else f"{float(usage_pct):.1f}"
    extra = auth.link_query() if extra is None else extra
    return f"tenant?tenant={quote(tenant_id)}&usage={shown}{extra}"


def tenants_table(frame: pd.DataFrame, user: User, workload_names: dict[str, str]) -> pd.DataFrame:
    """One page of portfolio.tenants(...) shaped for the Tenants table."""
    out = redact(user, frame).copy()
    extra = auth.link_query()
    out["usage_link"] = [
        tenant_link(t, u, extra) for t, u in zip(out["tenant_id"], out["usage_pct"], strict=True)
    ]
    out["claimed_workloads"] = [
        ", ".join(workload_names.get(w, w) for w in (ws if ws is not None else ()))
        for ws in out["claimed_workloads"]
    ]
    out["flags"] = [
        ", ".join(FLAGS.get(f, f) for f in (fs if fs is not None else ())) for fs in out["flags"]
    ]
    out["next_action_date"] = pd.to_datetime(out["next_action_date"]).dt.date
    columns = [c for c in TENANT_LABELS if c in out.columns]
    return out[columns].rename(columns=TENANT_LABELS).reset_index(drop=True)


def change_column_config(short: bool = False) -> dict:
    """How st.dataframe shows the change columns (labelled as ``CHANGE_LABELS`` say)."""
    return {
        CHANGE_LABELS[column][short]: st.column_config.NumberColumn(
            format="%+.1f" if column.startswith("usage") else "%+d", help=help_text
        )
        for column, help_text in CHANGE_HELP.items()
    }


def tenants_column_config() -> dict:
    return {
        "Usage %": st.column_config.LinkColumn(
            "Usage %",
            help="MAU / PAU × 100 over the workloads you see. Click to open the tenant.",
            display_text=r"usage=([^&]+)",
        ),
        **change_column_config(),
        "MAU": st.column_config.NumberColumn("MAU", format="localized"),
        "PAU": st.column_config.NumberColumn("PAU", format="localized"),
        "Potential earnings": st.column_config.NumberColumn(format="dollar"),
        "Unclaimed opportunity": st.column_config.NumberColumn(format="dollar"),
        "Next action date": st.column_config.DateColumn(format="YYYY-MM-DD"),
    }


def claim_text(claim_id: object, status: object) -> str:
    if claim_id is None or pd.isna(claim_id):
        return UNCLAIMED
    return f"{claim_id} ({CLAIM_STATUS_LABELS.get(str(status), str(status))})"


def incentives(rate_per_unit: object) -> str:
    """'Yes' when the workload has a rate card row (it can earn), else 'No'."""
    return "No" if rate_per_unit is None or pd.isna(rate_per_unit) else "Yes"


def workloads_table(frame: pd.DataFrame, user: User) -> pd.DataFrame:
    """portfolio.tenant_workloads(...) shaped for the Tenant details page: the figures, then
    their change since last month and three months ago (numbers, formatted by
    ``change_column_config(short=True)``; none where the workload had no usage line then)."""
    out = redact(user, frame)
    table = pd.DataFrame(
        {
            "Workload": out["display_name"],
            "Claim": [
                claim_text(c, s) for c, s in zip(out["claim_id"], out["claim_status"], strict=True)
            ],
            "MPN location": out["mpn_id"].fillna(""),
            "Incentives available": frame["rate_per_unit"].map(incentives),
            "Usage %": out["usage_pct"].map(pct),
            "MAU": out["mau"].map(count),
            "PAU": out["pau"].map(count),
            "HWM": out["hwm"].map(count),
        }
    )
    for column, (_, label) in CHANGE_LABELS.items():
        table[label] = out[column].to_numpy()
    if "potential_earnings" in out.columns:
        table["Potential earnings"] = out["potential_earnings"].map(usd)
    return table.reset_index(drop=True)
