"""Exports and commands: the figures of the fixture feed, as each role and scope gets them."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from fcu import export, portfolio
from fcu.access import User, redact
from tests.fixtures import ALPHA, BETA, DELTA, FIXTURE_FEED, GAMMA, ROOT

EXEC_TENANTS_CSV = (
    "tenant_id,tenant_name,tenant_domain,country,segment,mpn_ids,claimed_workloads,mau,pau,"
    "usage_pct,usage_change_1m,mau_change_1m,usage_change_3m,mau_change_3m,"
    "potential_earnings,unclaimed_opportunity,next_action_date,flags\n"
    # Alpha in 2026-09: exchange 800 / 1000 = 80 % (intune and viva have no line): -29.33
    # points, -40 MAU; no line in 2026-07, so no 3-month change. Beta has October alone.
    f"{ALPHA},Alpha Corp,alpha.example,US,commercial,M11,exchange,760,1500,50.67,-29.33,-40,,,"
    "2000.0,0.0,,no_survey_contact\n"
    f"{BETA},Beta School,beta.example,GB,education,M12,exchange,600,500,120.0,,,,,0.0,0.0,,"
    "over_100;education;no_survey_contact\n"
)


def fcu_cli(db_path, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fcu", "--db", str(db_path), *args],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
    )


def test_tenants_export_for_an_executive_is_exact(db, user):
    assert export.render(db, user("exec@northwind.example"), "tenants").decode() == EXEC_TENANTS_CSV


def test_report_viewer_gets_no_revenue_columns(db, user):
    text = export.render(db, user("report@northwind.example"), "tenants").decode()
    header = text.splitlines()[0].split(",")
    assert "potential_earnings" not in header and "unclaimed_opportunity" not in header
    workloads = export.render(db, user("report@northwind.example"), "workloads").decode()
    header = workloads.splitlines()[0].split(",")
    assert not {"potential_earnings", "rate_per_unit", "opportunity_units"} & set(header)
    assert "2000" not in workloads


@pytest.mark.parametrize(
    "email, tenant_ids",
    [
        ("exec@northwind.example", {ALPHA, BETA}),
        ("exec.m11@northwind.example", {ALPHA}),
        ("report.m12@northwind.example", {BETA}),
        ("admin@fabrikam.example", {ALPHA, DELTA}),
        ("norole@northwind.example", set()),
    ],
)
def test_scope_and_partner_decide_the_tenants(db, user, email, tenant_ids):
    frame = portfolio.tenants(db, user(email))
    assert set(frame["tenant_id"]) == tenant_ids
    assert GAMMA not in set(frame["tenant_id"])  # under 150 licences: listed nowhere


def test_workloads_hide_other_partners_claims(db, user):
    rows = export.TABLES["workloads"](db, user("exec@northwind.example"))
    alpha = rows[rows.tenant_id == ALPHA].set_index("workload")
    assert sorted(alpha.index) == ["exchange", "intune", "viva"]  # teams is P2's
    assert alpha.loc["exchange", "claim_id"] == "C1"
    assert alpha.loc["exchange", "hwm"] == 800
    assert alpha.loc["exchange", "opportunity_units"] == 200
    assert pd.isna(alpha.loc["intune", "claim_id"])  # denied claim: unclaimed again
    fabrikam = export.TABLES["workloads"](db, user("admin@fabrikam.example"))
    delta = fabrikam[fabrikam.tenant_id == DELTA].set_index("workload")
    assert delta.loc["teams", "opportunity_units"] == 50  # cap binds
    assert delta.loc["exchange", "potential_earnings"] == 5000.0  # unclaimed opportunity


def test_tenant_view_gives_one_answer_for_unknown_foreign_and_out_of_scope(db, user):
    scoped = user("exec.m11@northwind.example")
    answers = {
        portfolio.tenant_view(db, scoped, tenant_id).status
        for tenant_id in [BETA, DELTA, "bbbbbbbb-0000-0000-0000-000000000000", "nonsense", ""]
    }
    assert answers == {"not_found"}
    assert portfolio.tenant_view(db, scoped, GAMMA).status == "not_in_fasttrack"
    assert portfolio.tenant_view(db, scoped, ALPHA.upper()).status == "visible"


def test_formulas_are_neutralised_and_personal_data_masked():
    reporter = User("r@x.example", "P1", "report")
    frame = pd.DataFrame(
        {
            "tenant_name": ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "Plain"],
            "author": ["a@b.example"] * 5,
            "risks": ["mail me at a@b.example"] * 5,
        }
    )
    out = export.prepare(frame, reporter)
    assert out["tenant_name"].tolist() == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "Plain",
    ]
    assert set(out["author"]) == {"•••"}
    masked = redact(reporter, frame, text_columns=("risks",))
    assert set(masked["risks"]) == {"mail me at •••"}


def test_cli_export_matches_and_unknown_user_fails(db_path):
    done = fcu_cli(db_path, "export", "tenants", "--user", "EXEC@northwind.example")
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode() == EXEC_TENANTS_CSV
    missing = fcu_cli(db_path, "export", "tenants", "--user", "ghost@nowhere.example")
    assert missing.returncode == 1
    assert b"No user 'ghost@nowhere.example' exists" in missing.stderr
    norole = fcu_cli(db_path, "export", "tenants", "--user", "norole@northwind.example")
    assert norole.returncode == 1 and b"has no role yet" in norole.stderr


def test_cli_parquet_export(db_path, tmp_path):
    out = tmp_path / "t.parquet"
    done = fcu_cli(
        db_path,
        "export",
        "workloads",
        "--user",
        "exec@northwind.example",
        "--format",
        "parquet",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert len(pd.read_parquet(out)) == 5


def test_cli_load_refusal_lists_problems_and_exits_1(db_path, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "partners.csv").write_text("partner_id,partner_name,mpn_id,location_name\nP1,,M1,x\n")
    done = fcu_cli(db_path, "load", str(bad))
    assert done.returncode == 1
    err = done.stderr.decode()
    assert "partners.csv:2: partner_name: value missing" in err
    assert "tenants.csv:-: -: file is missing" in err
    assert "the database is unchanged" in err


def test_cli_users_add_rejects_foreign_mpn(db_path):
    done = fcu_cli(
        db_path,
        "users",
        "add",
        "new@northwind.example",
        "--partner",
        "P1",
        "--role",
        "report",
        "--scope",
        "M21",
    )
    assert done.returncode == 1
    assert b"M21 are not locations of partner P1" in done.stderr
    ok = fcu_cli(
        db_path,
        "users",
        "add",
        "New@Northwind.example",
        "--partner",
        "P1",
        "--role",
        "report",
        "--scope",
        "M11,M12",
    )
    assert ok.returncode == 0, ok.stderr
    listing = fcu_cli(db_path, "users", "list").stdout.decode()
    assert "new@northwind.example" in listing and "MPN locations M11, M12" in listing


def test_tenants_csv_neutralises_formula_names(tmp_path):
    import shutil

    from fcu import feed, users
    from fcu.db import Database

    folder = tmp_path / "feed"
    shutil.copytree(FIXTURE_FEED, folder)
    path = folder / "tenants.csv"
    path.write_text(path.read_text().replace("Alpha Corp", '=HYPERLINK("x")'))
    database = Database(tmp_path / "f.duckdb")
    assert feed.load_feed(database, folder).ok
    users.save_user(database, "t", User("e@northwind.example", "P1", "executive"))
    text = export.tenants_csv(database, User("e@northwind.example", "P1", "executive")).decode()
    assert '"\'=HYPERLINK(""x"")"' in text
    frame = export.prepare(
        export.TABLES["workloads"](database, User("e@n.example", "P1", "executive")),
        User("e@n.example", "P1", "executive"),
    )
    assert set(frame["tenant_name"]) == {'\'=HYPERLINK("x")', "Beta School"}


def test_dates_export_as_dates_and_the_latest_note_decides_the_next_action(db, user):
    from fcu import notes

    exec_user = user("exec@northwind.example")
    notes.add_note(
        db, exec_user, ALPHA, notes.NoteInput(next_actions="Call", next_action_date="2026-12-01")
    )
    text = export.render(db, exec_user, "notes").decode()
    assert "2026-12-01" in text and "2026-12-01 00:00:00" not in text
    assert portfolio.tenants(db, exec_user).set_index("tenant_id").loc[ALPHA, "next_action_date"]
    notes.add_note(db, exec_user, ALPHA, notes.NoteInput(risks="No date this time"))
    latest = portfolio.tenants(db, exec_user).set_index("tenant_id").loc[ALPHA, "next_action_date"]
    assert pd.isna(latest)
