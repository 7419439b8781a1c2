"""Service intent notes: the guideline checks and the current note with its history."""

from __future__ import annotations

import pytest

from fcu import export, intent, portfolio
from fcu.workspace import StaleEdit, WorkspaceError
from tests.fixtures import ALPHA, EXEC

pytestmark = pytest.mark.both_stores  # the same checks on the team store (fcu.team)

GOOD = "The customer has no intent to adopt Exchange Online because it uses another mail vendor."


def kinds(warnings: list[str]) -> list[str]:
    return [w.split(" ")[0] for w in warnings]


def test_a_good_note_earns_no_warning():
    assert intent.check(GOOD) == []
    assert intent.check("") == []
    assert intent.check("Blocked by the proxy; the network team is unable to open ports.") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("For now the customer waits because of budget.", "Ambiguous timing ('for now')"),
        ("Currently blocked due to proxy.", "Ambiguous timing ('currently')"),
        ("Not deployed yet because of licences.", "'yet'"),
        ("They are still unable to assign licences.", "'still'"),
        ("At the moment blocked by licensing.", "'at the moment'"),
        ("The customer plans to roll out Teams to all staff.", "No reason given"),
        ("Met with the CIO; blocked due to proxy.", "engagement log ('met with')"),
        ("Workshop held because of interest.", "'workshop'"),
        ("Blocked due to proxy, see call on 2026-10-03.", "'call', '2026-10-03'"),
        ("Unable to deploy since 3 October.", "'3 October'"),
        ("Blocked. Unable to proceed. Issues with proxy.", "Runs to 3 sentences"),
    ],
)
def test_each_guideline_is_checked(text, expected):
    assert any(expected in w for w in intent.check(text)), intent.check(text)


def test_repeating_another_workloads_note_is_flagged():
    warnings = intent.check(GOOD, {"Microsoft Teams": GOOD.upper() + " "})
    assert "Repeats the note of Microsoft Teams" in " ".join(warnings)
    assert intent.check(GOOD, {"Microsoft Teams": "Blocked due to proxy issues."}) == []
    assert "another workload" in " ".join(intent.check(GOOD, [GOOD]))


def test_one_current_note_per_workload_with_history(db, user):
    first, warnings = intent.save_intent(db, user(EXEC), ALPHA, "exchange", "For now nothing.")
    assert kinds(warnings) == ["Ambiguous", "No"]
    second, warnings = intent.save_intent(db, user(EXEC), ALPHA, "exchange", GOOD, based_on=first)
    assert warnings == []
    _, warnings = intent.save_intent(db, user("report@northwind.example"), ALPHA, "viva", GOOD)
    assert "Repeats the note of Exchange Online" in " ".join(warnings)
    current = intent.current(db, user(EXEC), ALPHA).set_index("workload")
    assert current.loc["exchange", "intent_id"] == second
    assert list(intent.history(db, user(EXEC), ALPHA, "exchange")["intent_id"]) == [second, first]
    assert db.scalar("SELECT count(*) FROM audit WHERE action = 'intent.save'") == 3


def test_warned_notes_can_be_filtered_on_the_tenants_page(db, user):
    warned = portfolio.TenantFilters(flags=("intent_warnings",))
    intent.save_intent(db, user(EXEC), ALPHA, "exchange", "For now nothing.")
    assert list(portfolio.tenants(db, user(EXEC), warned)["tenant_name"]) == ["Alpha Corp"]
    latest = int(intent.current(db, user(EXEC), ALPHA).iloc[0]["intent_id"])
    intent.save_intent(db, user(EXEC), ALPHA, "exchange", GOOD, based_on=latest)
    assert portfolio.tenants(db, user(EXEC), warned).empty


def test_refusals(db, user):
    with pytest.raises(WorkspaceError, match="The intent note is empty"):
        intent.save_intent(db, user(EXEC), ALPHA, "exchange", "   ")
    with pytest.raises(WorkspaceError, match="2,001 characters long"):
        intent.save_intent(db, user(EXEC), ALPHA, "exchange", "x" * 2001)
    with pytest.raises(WorkspaceError, match="not one you can see"):
        intent.save_intent(db, user(EXEC), ALPHA, "teams", GOOD)
    first, _ = intent.save_intent(db, user(EXEC), ALPHA, "exchange", GOOD)
    with pytest.raises(StaleEdit, match="Reload the page"):
        intent.save_intent(db, user(EXEC), ALPHA, "exchange", GOOD + " Again.", based_on=None)
    assert len(intent.history(db, user(EXEC), ALPHA)) == 1


def test_export_is_scoped_and_masked(db, user):
    intent.save_intent(db, user(EXEC), ALPHA, "exchange", GOOD + " Ask kim@alpha.example.")
    assert b"kim@alpha.example" in export.render(db, user(EXEC), "intent-notes")
    masked = export.render(db, user("report@northwind.example"), "intent-notes").decode()
    assert "Ask •••" in masked and EXEC not in masked
    assert b"vendor" not in export.render(db, user("admin@fabrikam.example"), "intent-notes")
