"""Hostile users, in the pages (AppTest): markup and formulas typed into every free-text field
and carried in the feed's text columns and keys (the ``hostile_db`` workspace) are shown as
text; every URL parameter is checked. Exports, oversized input and Streamlit's protections:
tests/unit/test_hostile_input.py; the page in a real browser: tests/e2e/test_injected_markup.py.
"""

from __future__ import annotations

import json

import pytest

from tests.fixtures import (
    ADMIN,
    ADMIN_PAGE,
    ALPHA,
    BETA,
    DELTA,
    EARNINGS_PAGE,
    EXEC,
    FEED_KEYS,
    FEED_TEXT,
    HOSTILE_CONTACT,
    HOSTILE_DECLINE,
    HOSTILE_DISPLAY_NAME,
    HOSTILE_INTENT,
    HOSTILE_NOTE,
    HOSTILE_RFA,
    MARKUP,
    REFERRALS_PAGE,
    REPORT,
    TENANT_PAGE,
    as_text,
    markdown_shown,
)


# -- what a page shows ----------------------------------------------------------------------
def _check_shown_as_text(at, expected: list[str]) -> None:
    assert not at.exception, [e.message for e in at.exception]
    rendered = markdown_shown(at)
    for payload in MARKUP:
        for text in rendered:
            assert payload not in text, f"rendered as markdown: {payload!r} in {text!r}"
    shown = as_text(at)
    for payload in expected:
        assert payload in shown, f"not shown as text: {payload!r}"


def test_tenants_page_shows_markup_as_text(app_on, hostile_db):
    at = app_on(hostile_db, EXEC)
    _check_shown_as_text(at, [FEED_TEXT[("tenants", "tenant_name", "Alpha Corp")]])


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ("workloads", [FEED_TEXT[("workloads", "display_name", "Exchange Online")]]),
        ("notes", [HOSTILE_NOTE.risks, HOSTILE_NOTE.next_actions, HOSTILE_NOTE.onboarding_scope]),
        ("contacts", [HOSTILE_CONTACT.name]),
        ("service_status", [FEED_TEXT[("workloads", "display_name", "Exchange Online")]]),
        ("intent", [HOSTILE_INTENT]),
    ],
)
def test_tenant_page_shows_every_field_as_text(app_on, hostile_db, section, expected):
    params = {"tenant": ALPHA, "section": section}
    at = app_on(hostile_db, EXEC, TENANT_PAGE, params=params)
    _check_shown_as_text(at, [FEED_TEXT[("tenants", "tenant_name", "Alpha Corp")], *expected])


def test_referrals_page_shows_source_and_reason_as_text(app_on, hostile_db):
    at = app_on(hostile_db, EXEC, REFERRALS_PAGE, params={"rfa": "R3"})
    _check_shown_as_text(at, [HOSTILE_DECLINE])
    at = app_on(hostile_db, EXEC, REFERRALS_PAGE, params={"rfa": HOSTILE_RFA})
    _check_shown_as_text(at, [FEED_TEXT[("referrals", "source", "FastTrack Center")], HOSTILE_RFA])


def test_beta_shows_its_domain_and_mpn_id_as_text(app_on, hostile_db):
    at = app_on(hostile_db, EXEC, TENANT_PAGE, params={"tenant": BETA})
    _check_shown_as_text(
        at, [FEED_TEXT[("tenants", "tenant_domain", "beta.example")], FEED_KEYS["M12"]]
    )


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_charts_show_feed_text_as_text(app_on, hostile_db):
    """Plotly renders a subset of HTML in labels, legends and hovers: none comes from the
    feed. Earnings (workload names, MPN IDs) and the Tenant details trends."""
    markup = [p for p in MARKUP if "<" in p]
    charts = []
    for page, params in ((EARNINGS_PAGE, {}), (TENANT_PAGE, {"tenant": ALPHA})):  # trends
        at = app_on(hostile_db, EXEC, page, params=params)
        assert not at.exception
        charts += [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert charts
    strings = [s for chart in charts for s in _strings(chart["data"])]
    for payload in markup:
        assert not [s for s in strings if payload in s], payload
    assert any("&lt;b&gt;Online&lt;/b&gt;" in s for s in strings)  # there, as text


def test_admin_page_shows_display_names_as_text(app_on, hostile_db):
    at = app_on(hostile_db, ADMIN, ADMIN_PAGE)
    _check_shown_as_text(at, [HOSTILE_DISPLAY_NAME])


def test_the_sidebar_shows_the_signed_in_name_as_text(app_on, hostile_db):
    at = app_on(hostile_db, EXEC)
    _check_shown_as_text(at, [HOSTILE_DISPLAY_NAME])


# -- URL parameters -------------------------------------------------------------------------
ODD_TENANTS = [
    "aaaaaaaa-0000-0000-0000-00000000ffff",  # unknown
    DELTA,  # another partner's
    "not-a-guid",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "A" * 10_000,
    "",
    ALPHA.upper() + "x",
]


def test_odd_tenant_ids_give_one_answer(app_on, db_path):
    answers = set()
    for value in ODD_TENANTS:
        at = app_on(db_path, EXEC, TENANT_PAGE, params={"tenant": value})
        assert not at.exception, value
        answers.add(tuple(w.value for w in at.warning))
        assert not at.dataframe, value  # no figures of any tenant
    assert len(answers) == 1, answers
    assert all(answers.pop())


@pytest.mark.parametrize(
    "page_file, params",
    [
        ("pages/tenant.py", {"tenant": BETA, "rfa": "<script>", "x": "1" * 5000}),
        ("pages/referrals.py", {"rfa": "R2"}),  # another partner's referral
        ("pages/referrals.py", {"rfa": "' OR 1=1 --"}),
        ("pages/tenants.py", {"tenant": "junk", "page": "-1", "sort": "drop table"}),
        ("pages/earnings.py", {"target": "1e999"}),
        ("pages/tenant.py", {"as": "admin@fabrikam.example", "tenant": DELTA}),
    ],
)
def test_odd_query_strings_do_not_crash_or_leak(app_on, db_path, page_file, params):
    email = EXEC if "earnings" in page_file else REPORT
    at = app_on(db_path, email, page_file, params=params)
    assert not at.exception
    shown = as_text(at)
    assert "Delta Gov" not in shown and "Fabrikam" not in shown
    assert "R2" not in [str(o) for e in at.selectbox for o in e.options]
