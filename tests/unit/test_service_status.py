"""Service status: taxonomy-driven rows whose counts must sum to the entitlements."""

from __future__ import annotations

import json

import pytest

from fcu import export, service_status
from fcu.service_status import StatusRow, TaxonomyError
from fcu.workspace import StaleEdit, WorkspaceError
from tests.fixtures import ALPHA, BETA, EXEC

pytestmark = pytest.mark.both_stores  # the same checks on the team store (fcu.team)


def test_the_shipped_taxonomy_has_the_documented_shape():
    tax = service_status.load_taxonomy()
    assert tax.l2_options("In progress") == []
    assert "Technical" in tax.l2_options("Blocked")
    assert "Network or proxy" in tax.l3_options("Blocked", "Technical")
    assert "No intent" in tax.no_intent
    assert tax.l3_options("No intent", "Cost") == []


def test_status_starts_empty_with_total_entitlements(db, user):
    # Exchange on Alpha: the current month's entitlements are empty, so PAU (1,000).
    status = service_status.status(db, user(EXEC), ALPHA, "exchange")
    assert (status.total_entitlements, status.version, status.rows) == (1000, 0, ())
    assert status.claimed
    assert service_status.status(db, user(EXEC), ALPHA, "intune").total_entitlements == 100


def test_save_and_read_back(db, user):
    rows = [
        StatusRow("Deployed", count=600),
        StatusRow("Blocked", "Technical", "Network or proxy", 300),
        {"l1": "No intent", "l2": "Cost", "l3": None, "count": 100},
    ]
    assert service_status.save_status(db, user(EXEC), ALPHA, "exchange", rows, 0) == 1
    status = service_status.status(db, user("report@northwind.example"), ALPHA, "exchange")
    assert status.version == 1 and status.updated_by == EXEC
    assert status.rows[1] == StatusRow("Blocked", "Technical", "Network or proxy", 300)
    assert db.scalar("SELECT count(*) FROM audit WHERE action = 'service_status.save'") == 1
    csv = export.render(db, user(EXEC), "service-status").decode().splitlines()
    assert csv[0] == "tenant_id,workload,row,l1,l2,l3,count,version,updated_by,updated_at"
    assert csv[2].startswith(f"{ALPHA},exchange,2,Blocked,Technical,Network or proxy,300,1,{EXEC}")
    assert export.render(db, user("admin@fabrikam.example"), "service-status").count(b"\n") == 1


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [("Deployed", None, None, 900)],
            "add up to 900 but the workload has 1,000 entitlements: add 100",
        ),
        ([("Deployed", None, None, 1100)], "remove 100 so they match"),
        ([], "Add at least one row"),
        ([("Done", None, None, 1000)], "Row 1: choose an L1 status"),
        ([("In progress", "Technical", None, 1000)], "Row 1: In progress takes no L2 status"),
        ([("Blocked", None, None, 1000)], "Row 1: Blocked needs an L2 status"),
        ([("Blocked", "Technical", None, 1000)], "Row 1: Technical needs an L3 status"),
        ([("Blocked", "Technical", "Data residency", 1000)], "Row 1: Technical needs an L3"),
        ([("No intent", "Cost", "Too dear", 1000)], "Row 1: Cost takes no L3 status"),
        ([("Deployed", None, None, 999.5)], "Row 1: the count must be a whole number."),
        ([("Deployed", None, None, -1), ("Deployed", None, None, 1001)], "between 0 and"),
        (
            [("Deployed", None, None, 500), ("Deployed", "", "", 500)],
            "Rows 1 and 2 have the same status; put their counts in one row.",
        ),
    ],
)
def test_refusals_say_what_to_fix(db, user, rows, message):
    with pytest.raises(WorkspaceError) as refused:
        service_status.save_status(db, user(EXEC), ALPHA, "exchange", rows, 0)
    assert message in str(refused.value)
    assert db.scalar("SELECT count(*) FROM service_status") == 0


def test_a_save_based_on_an_old_version_is_refused(db, user):
    first = [("Deployed", None, None, 1000)]
    second = [("In progress", None, None, 1000)]
    service_status.save_status(db, user(EXEC), ALPHA, "exchange", first, 0)
    with pytest.raises(StaleEdit) as refused:
        service_status.save_status(
            db, user("admin@northwind.example"), ALPHA, "exchange", second, 0
        )
    assert "Someone else saved this workload's status" in str(refused.value)
    assert "Reload the page" in str(refused.value)
    assert service_status.status(db, user(EXEC), ALPHA, "exchange").rows[0].l1 == "Deployed"
    assert service_status.save_status(db, user(EXEC), ALPHA, "exchange", second, 1) == 2


def test_only_visible_workloads_and_tenants(db, user):
    with pytest.raises(WorkspaceError, match="not one you can see"):  # P2's teams claim
        service_status.status(db, user(EXEC), ALPHA, "teams")
    with pytest.raises(WorkspaceError, match="not one you can work on"):
        service_status.save_status(
            db,
            user("exec.m11@northwind.example"),
            BETA,
            "exchange",
            [("Deployed", None, None, 500)],
            0,
        )


def test_an_operator_taxonomy_is_used_and_a_broken_one_explained(tmp_path, monkeypatch):
    path = tmp_path / "tax.json"
    path.write_text(json.dumps({"l1": {"Live": {"l2": {}}, "Stuck": {"l2": {"Why": ["A"]}}}}))
    monkeypatch.setenv("FCU_TAXONOMY", str(path))
    assert service_status.load_taxonomy().l1_options == ["Live", "Stuck"]
    path.write_text("{not json")
    with pytest.raises(TaxonomyError, match="not in the expected shape"):
        service_status.load_taxonomy(path)
