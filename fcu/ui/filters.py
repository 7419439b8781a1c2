"""The Tenants page's filter widgets, kept in step with a TenantFilters in session state.

Streamlit forgets a widget's value while another page is shown, so each run copies the
widgets into ``keys.TENANT_FILTERS`` and, when the widgets come back, seeds them from it:
filters survive a visit to a tenant and back. Stored values that the current user's
options no longer hold (another demo user, a new feed) are dropped before drawing.
"""

from __future__ import annotations

import math
from dataclasses import replace

import streamlit as st

from fcu.access import User
from fcu.portfolio import (
    CLAIM_STATUS_LABELS,
    FLAGS,
    MOVEMENTS,
    USAGE_BANDS,
    FilterOptions,
    TenantFilters,
)
from fcu.ui import keys, tables


def _seed(key: str, value: object) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def _set(key: str, value: object) -> None:
    """Write a widget's state only when it changes (each write counts as a new value)."""
    if st.session_state.get(key) != value:
        st.session_state[key] = value


def _keep(key: str, allowed) -> None:
    """Drop stored choices that are not options any more (a widget would refuse them)."""
    _set(key, [v for v in st.session_state[key] if v in allowed])


def usage_bounds(options: FilterOptions) -> tuple[float, float]:
    return 0.0, float(math.ceil(options.max_usage_pct))


def tenant_filters(user: User, options: FilterOptions) -> TenantFilters:
    """Draw the filters and return those in force (also stored for the next visit)."""
    stored: TenantFilters = st.session_state.get(keys.TENANT_FILTERS, TenantFilters())
    low, high = usage_bounds(options)
    choices = {
        keys.TENANT_WORKLOADS: (stored.workloads, options.workloads),
        keys.TENANT_STATUSES: (stored.claim_statuses, CLAIM_STATUS_LABELS),
        keys.TENANT_COUNTRIES: (stored.countries, options.countries),
        keys.TENANT_MPNS: (stored.mpn_ids, options.mpn_ids),
        keys.TENANT_FLAGS: (stored.flags, FLAGS),
    }
    _seed(keys.TENANT_SEARCH, stored.search)
    _seed(keys.TENANT_MOVEMENT, stored.movement)
    _seed(keys.TENANT_BAND, stored.usage_band or None)
    _seed(
        keys.TENANT_USAGE,
        (
            low if stored.usage_min is None else stored.usage_min,
            high if stored.usage_max is None else stored.usage_max,
        ),
    )
    for key, (values, allowed) in choices.items():
        _seed(key, list(values))
        _keep(key, allowed)
    sorts = tables.sort_choices(user)
    _seed(keys.TENANT_SORT, stored.sort)
    if st.session_state[keys.TENANT_SORT] not in sorts:
        _set(keys.TENANT_SORT, "tenant_name")
    _seed(keys.TENANT_DESCENDING, stored.descending)
    lo, hi = st.session_state[keys.TENANT_USAGE]
    _set(keys.TENANT_USAGE, (min(max(lo, low), high), max(min(hi, high), low)))

    top = st.columns([2, 2, 1, 1])
    top[0].text_input(
        "Search",
        key=keys.TENANT_SEARCH,
        max_chars=200,
        placeholder="Tenant name, domain or Tenant ID",
    )
    top[1].slider(
        "Usage %",
        min_value=low,
        max_value=high,
        step=1.0,
        key=keys.TENANT_USAGE,
        format="%.0f",
        help="MAU / PAU × 100. The full range also keeps tenants with no Usage % yet.",
    )
    top[2].selectbox("Sort by", list(sorts), key=keys.TENANT_SORT, format_func=sorts.__getitem__)
    top[3].toggle("Descending", key=keys.TENANT_DESCENDING)
    row = st.columns(5)
    row[0].multiselect(
        "Workload",
        list(options.workloads),
        key=keys.TENANT_WORKLOADS,
        format_func=lambda w: options.workloads.get(w, w),
        help="Tenants on which you hold an active claim on any of these workloads.",
    )
    row[1].multiselect(
        "Claim status",
        list(CLAIM_STATUS_LABELS),
        key=keys.TENANT_STATUSES,
        format_func=CLAIM_STATUS_LABELS.__getitem__,
    )
    row[2].multiselect("Country", options.countries, key=keys.TENANT_COUNTRIES)
    row[3].multiselect(
        "MPN location",
        list(options.mpn_ids),
        key=keys.TENANT_MPNS,
        format_func=lambda m: f"{m} · {options.mpn_ids.get(m, '')}",
    )
    row[4].multiselect("Flags", list(FLAGS), key=keys.TENANT_FLAGS, format_func=FLAGS.get)
    row = st.columns([1, 2])
    row[0].selectbox(
        "Movement",
        ["", *MOVEMENTS],
        key=keys.TENANT_MOVEMENT,
        format_func=lambda m: MOVEMENTS.get(m, "Any"),
        help="Tenants whose Usage % fell or rose since last month.",
    )
    row[1].pills(
        "Usage % band",
        list(USAGE_BANDS),
        key=keys.TENANT_BAND,
        help="Pick a band here or on the chart below; pick it again to show every band.",
    )

    lo, hi = st.session_state[keys.TENANT_USAGE]
    current = replace(
        stored,
        search=st.session_state[keys.TENANT_SEARCH].strip(),
        usage_min=None if lo <= low else float(lo),
        usage_max=None if hi >= high else float(hi),
        workloads=tuple(st.session_state[keys.TENANT_WORKLOADS]),
        claim_statuses=tuple(st.session_state[keys.TENANT_STATUSES]),
        countries=tuple(st.session_state[keys.TENANT_COUNTRIES]),
        mpn_ids=tuple(st.session_state[keys.TENANT_MPNS]),
        flags=tuple(st.session_state[keys.TENANT_FLAGS]),
        movement=st.session_state[keys.TENANT_MOVEMENT] or "",
        usage_band=st.session_state[keys.TENANT_BAND] or "",
        sort=st.session_state[keys.TENANT_SORT],
        descending=bool(st.session_state[keys.TENANT_DESCENDING]),
    )
    if current != stored:  # new rows: back to the first page
        st.session_state[keys.TENANT_PAGE] = 1
        if keys.TENANT_PAGER in st.session_state:
            _set(keys.TENANT_PAGER, 1)
    st.session_state[keys.TENANT_FILTERS] = current
    return current


def pick_band() -> None:
    """The band chart's click: the picked bar's band becomes the Usage % band filter."""
    points = st.session_state[keys.TENANT_BAND_CHART].selection.points
    picked = points[0].get("x") if points else None
    st.session_state[keys.TENANT_BAND] = picked if picked in USAGE_BANDS else None


def page_number(total_rows: int) -> int:
    """Draw the page selector when the rows span pages; the 1-based page in force."""
    pages = max(1, math.ceil(total_rows / tables.PAGE_SIZE))
    if pages == 1:
        st.session_state[keys.TENANT_PAGE] = 1
        return 1
    _seed(keys.TENANT_PAGER, st.session_state.get(keys.TENANT_PAGE, 1))
    _set(keys.TENANT_PAGER, min(max(1, int(st.session_state[keys.TENANT_PAGER])), pages))
    chosen = st.pagination(pages, key=keys.TENANT_PAGER, width="stretch")
    st.session_state[keys.TENANT_PAGE] = chosen
    return chosen
