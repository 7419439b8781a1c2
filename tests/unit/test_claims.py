"""Claim workload: a submitted app claim with a new number; refused when anyone holds one;
kept across feed loads until the feed carries a claim for that tenant-workload."""

from __future__ import annotations

import shutil
from datetime import date

import pandas as pd
import pytest

from fcu import claims, export, feed, portfolio
from fcu.workspace import WorkspaceError
from tests.fixtures import ALPHA, DELTA, EXEC, FIXTURE_FEED

pytestmark = pytest.mark.both_stores  # the same checks on the team store (fcu.team)

DAY = date(2026, 11, 2)


def workload_row(db, user, workload):
    frame = portfolio.tenant_workloads(db, user, ALPHA).set_index("workload")
    return frame.loc[workload]


def test_claim_an_unclaimed_workload(db, user):
    exec_ = user(EXEC)
    assert claims.claim_locations(db, exec_) == {
        "M11": "Northwind Seattle",
        "M12": "Northwind London",
    }
    claim = claims.claim_workload(db, exec_, ALPHA, "intune", "M12", today=DAY)
    assert (claim.claim_id, claim.status, claim.mpn_id) == ("APP-000001", "submitted", "M12")
    row = workload_row(db, exec_, "intune")
    assert (row["claim_id"], row["claim_status"], row["mpn_id"]) == (
        "APP-000001",
        "submitted",
        "M12",
    )
    tenant = portfolio.tenants(db, exec_).set_index("tenant_name").loc["Alpha Corp"]
    assert list(tenant["claimed_workloads"]) == ["exchange", "intune"]
    assert db.scalar("SELECT entity_key FROM audit WHERE action = 'claim.add'") == "APP-000001"
    second = claims.claim_workload(db, exec_, ALPHA, "viva", "M11", today=DAY)
    assert second.claim_id == "APP-000002"
    csv = export.render(db, exec_, "claims").decode()
    row = [line for line in csv.splitlines() if line.startswith("APP-000001,")]
    assert len(row) == 1 and row[0].endswith(",,app")
    assert row[0].startswith(f"APP-000001,{ALPHA},Alpha Corp,intune,M12,submitted,2026-11-02")
    assert "C1," in csv and "C2," not in csv  # C2 is Fabrikam's
    assert b"APP-0000" not in export.render(db, user("admin@fabrikam.example"), "claims")


def test_refused_when_anyone_holds_an_active_claim(db, user):
    claims.claim_workload(db, user(EXEC), ALPHA, "intune", "M11", today=DAY)
    with pytest.raises(WorkspaceError, match="Your partner already holds an active claim on Micro"):
        claims.claim_workload(db, user("admin@northwind.example"), ALPHA, "intune", "M11")
    with pytest.raises(WorkspaceError, match="Another partner already holds an active claim"):
        claims.claim_workload(db, user("admin@fabrikam.example"), ALPHA, "intune", "M21")
    with pytest.raises(WorkspaceError, match="Your partner already holds"):
        claims.claim_workload(db, user(EXEC), ALPHA, "exchange", "M11")  # C1
    assert db.scalar("SELECT count(*) FROM app_claims") == 1


def test_refused_outside_scope_or_listing(db, user):
    with pytest.raises(WorkspaceError, match="from your scope: M11"):
        claims.claim_workload(db, user("exec.m11@northwind.example"), ALPHA, "intune", "M12")
    with pytest.raises(WorkspaceError, match="not in the feed"):
        claims.claim_workload(db, user(EXEC), ALPHA, "faxing", "M11")
    with pytest.raises(WorkspaceError, match="not one you can work on"):
        claims.claim_workload(db, user(EXEC), DELTA, "exchange", "M11")
    assert db.scalar("SELECT count(*) FROM app_claims") == 0


def test_app_claims_survive_feed_loads_until_the_feed_carries_one(db, user, tmp_path):
    exec_ = user(EXEC)
    claims.claim_workload(db, exec_, ALPHA, "intune", "M12", today=DAY)
    assert feed.load_feed(db, FIXTURE_FEED, loaded_by="tests").ok  # the same feed again
    assert workload_row(db, exec_, "intune")["claim_id"] == "APP-000001"
    # A later feed carries Northwind's claim for Alpha's intune: it takes over.
    later = tmp_path / "feed"
    shutil.copytree(FIXTURE_FEED, later)
    with (later / "claims.csv").open("a") as out:
        out.write(f"C8,{ALPHA},intune,P1,M12,approved,2026-11-02,2026-11-03\n")
    lines = (later / "claims.csv").read_text().splitlines()
    (later / "claims.csv").write_text("\n".join(lines) + "\n")
    assert feed.load_feed(db, later, loaded_by="tests").ok
    row = workload_row(db, exec_, "intune")
    assert (row["claim_id"], row["claim_status"]) == ("C8", "approved")
    assert "APP-000001" not in export.render(db, exec_, "claims").decode()


def test_a_claim_the_feed_denied_can_be_made_again(db, user, tmp_path):
    exec_ = user(EXEC)
    claims.claim_workload(db, exec_, ALPHA, "viva", "M11", today=DAY)
    later = tmp_path / "feed"
    shutil.copytree(FIXTURE_FEED, later)
    with (later / "claims.csv").open("a") as out:
        out.write(f"C9,{ALPHA},viva,P1,M11,denied,2026-11-02,\n")
    assert feed.load_feed(db, later, loaded_by="tests").ok
    assert pd.isna(workload_row(db, exec_, "viva")["claim_id"])  # unclaimed again
    again = claims.claim_workload(db, exec_, ALPHA, "viva", "M12", today=date(2026, 11, 20))
    assert again.claim_id == "APP-000002"
    assert workload_row(db, exec_, "viva")["claim_id"] == "APP-000002"
