"""Partner Center reports as the feed (`python -m fcu load DIR --partner ID`).

The folder tests/data/partner_center holds partner P1's reports: OfficeUsage.csv (UTF-8 with
a byte-order mark, CRLF, US dates with a time, duplicate-flagged rows), EMSUsage.tsv (tab-
separated, ISO times, two subscriptions S1 and S2 of Alpha Corp), CustomersAndTenants.csv,
and FCU's claims.csv, referrals.csv and rate_card.csv. Known answers, current month 2026-10
(PRODUCT.md, "The numbers"):

- Alpha Corp (…0001, US via CustomersAndTenants, "Enterprise" -> commercial):
  exchange (C1 approved) MAU 700, PAU 1000 (the duplicate-flagged 999/9999 row under M12 is
  dropped), HWM 800 (2026-09): min(1000-800, 5000/10) = 200 units x 10 = 2,000 USD;
  teams unclaimed 180/200, HWM 180: min(20, 100/2) = 20 units x 2 = 40 USD unclaimed;
  entra_id (C8 approved) = AADP summed over S1 and S2: PAU 300+200 = 500, MAU 200+100 = 300,
  HWM 300 (2026-09 had 150): min(200, 1000/1) = 200 units x 1 = 200 USD;
  intune (C3 denied: unclaimed) PAU 100+50 = 150, MAU 40+20 = 60, HWM 60, PAU 150 >= min_pau
  150: min(90, 1000/5) = 90 units x 5 = 450 USD unclaimed; purview (Azip all 0) not listed.
  Tenant: MAU 700+180+300+60 = 1240, PAU 1000+200+500+150 = 1850, 67.03 %,
  potential 2,000 + 200 = 2,200, unclaimed 40 + 450 = 490; eligible licences 1000 (its
  largest PAU this month).
- Beta School (…0002, written in upper case, "United Kingdom" -> GB, education):
  exchange (C4 submitted) 600/500 = 120 %, HWM 600 -> 0 units; "Viva Engage" is a name FCU
  does not know: workload viva_engage, 40/500, no rate -> 0. Tenant 640/1000 = 64 %.
- Gamma Small (…0003, "Germany" from CustomerMarket): largest PAU 100 < 150 licences: listed
  nowhere, though claimed (C5).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fcu import db as fcu_db
from fcu import export, feed, partner_center, users
from fcu.access import User
from fcu.feed import FeedError

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "tests" / "data" / "partner_center"
ALPHA = "aaaaaaaa-0000-0000-0000-000000000001"
BETA = "aaaaaaaa-0000-0000-0000-000000000002"
EXEC = User("exec@northwind.example", "P1", "executive", False, None, "Emery Executive")

TENANTS_CSV = (
    "tenant_id,tenant_name,tenant_domain,country,segment,mpn_ids,claimed_workloads,mau,pau,"
    "usage_pct,usage_change_1m,mau_change_1m,usage_change_3m,mau_change_3m,"
    "potential_earnings,unclaimed_opportunity,next_action_date,flags\n"
    f"{ALPHA},Alpha Corp,alpha.example,US,commercial,M11,entra_id;exchange,1240,1850,67.03,"
    "-2.97,260,,,2200.0,490.0,,no_survey_contact\n"
    f"{BETA},Beta School,beta.example,GB,education,M12,exchange,640,1000,64.0,-46.0,90,,,"
    "0.0,0.0,,over_100;education;no_survey_contact\n"
)
WORKLOADS_CSV = (
    "tenant_id,tenant_name,workload,claim_id,claim_status,mau,pau,usage_pct,hwm,"
    "opportunity_units,rate_per_unit,potential_earnings\n"
    f"{ALPHA},Alpha Corp,entra_id,C8,approved,300,500,60.0,300,200,1.0,200.0\n"
    f"{ALPHA},Alpha Corp,exchange,C1,approved,700,1000,70.0,800,200,10.0,2000.0\n"
    f"{ALPHA},Alpha Corp,intune,,,60,150,40.0,60,90,5.0,450.0\n"
    f"{ALPHA},Alpha Corp,teams,,,180,200,90.0,180,20,2.0,40.0\n"
    f"{BETA},Beta School,exchange,C4,submitted,600,500,120.0,600,0,10.0,0.0\n"
    f"{BETA},Beta School,viva_engage,,,40,500,8.0,40,0,,0.0\n"
)


def fcu_cli(db_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fcu", "--db", str(db_path), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def reports(tmp_path) -> Path:
    """A private copy of the reports folder, to corrupt at will."""
    folder = tmp_path / "reports"
    shutil.copytree(REPORTS, folder)
    return folder


@pytest.fixture
def loaded(tmp_path) -> fcu_db.Database:
    database = fcu_db.Database(tmp_path / "loaded.duckdb")
    outcome = partner_center.load_reports(database, REPORTS, "P1", loaded_by="tests")
    assert outcome.ok, [str(p) for p in outcome.problems]
    users.add_many(database, [EXEC], actor="tests")
    yield database
    database.close()


def test_the_command_loads_the_reports_and_the_exports_show_the_formulas_figures(tmp_path):
    db_file = tmp_path / "fcu.duckdb"
    done = fcu_cli(db_file, "load", str(REPORTS), "--partner", "P1")
    assert done.returncode == 0, done.stderr
    assert "Partner Center reports of P1 loaded" in done.stdout
    assert "Current month: 2026-10." in done.stdout
    assert "(2 duplicate-flagged rows dropped)" in done.stdout
    assert "viva_engage: Viva Engage" in done.stdout  # the new workload, listed
    add = ["users", "add", EXEC.email, "--partner", "P1", "--role", "executive"]
    assert fcu_cli(db_file, *add).returncode == 0
    tenants = fcu_cli(db_file, "export", "tenants", "--user", EXEC.email)
    assert tenants.stdout == TENANTS_CSV
    workloads = fcu_cli(db_file, "export", "workloads", "--user", EXEC.email)
    assert workloads.stdout == WORKLOADS_CSV


def test_the_partner_and_its_mpn_locations_come_from_the_reports(loaded):
    partners = loaded.execute(
        "SELECT partner_id, partner_name, mpn_id, location_name FROM feed_partners ORDER BY 3"
    )
    # M12 is named by a duplicate-flagged row and by Beta's rows: still a location
    assert partners == [
        ("P1", "Northwind Cloud Partners", "M11", "Northwind Seattle"),
        ("P1", "Northwind Cloud Partners", "M12", "Northwind London"),
    ]
    tenants = loaded.execute(
        "SELECT tenant_name, tenant_domain, country, segment, eligible_licenses "
        "FROM feed_tenants ORDER BY tenant_id"
    )
    assert tenants == [
        ("Alpha Corp", "alpha.example", "US", "commercial", 1000),
        ("Beta School", "beta.example", "GB", "education", 500),
        ("Gamma Small", partner_center.NO_DOMAIN, "DE", "commercial", 100),
    ]
    assert loaded.execute(
        "SELECT display_name FROM feed_workloads WHERE workload = ?", ["viva_engage"]
    ) == [("Viva Engage",)]


def corrupt(folder: Path) -> None:
    office = folder / "OfficeUsage.csv"
    lines = office.read_text(encoding="utf-8-sig").splitlines()
    lines[2] = lines[2].replace(ALPHA, "not-a-guid")  # line 3
    lines[3] = lines[3].replace(",1000,700,", ",1000,lots,")  # line 4
    lines[5] = lines[5].replace(",200,180,", ",-200,180,")  # line 6
    lines[6] = lines[6].replace("9/1/2026 12:00:00 AM", "13/45/2026")  # line 7
    lines[8] = lines[8].replace(",CPOR,1", ",CPOR,maybe")  # line 9
    office.write_text("\ufeff" + "\r\n".join(lines) + "\r\n", encoding="utf-8")
    ems = folder / "EMSUsage.tsv"
    rows = ems.read_text().splitlines()
    ems.write_text("\n".join([*rows, rows[3]]) + "\n")  # S2 2026-10 twice: line 5
    claims = folder / "claims.csv"
    claims.write_text(
        claims.read_text()
        + "C9,bbbbbbbb-0000-0000-0000-000000000009,exchange,P1,M11,approved,2026-01-10,\n"
        + f"C10,{ALPHA},teams,P2,M99,approved,2026-01-10,\n"
    )
    countries = folder / "CustomersAndTenants.csv"
    countries.write_text(countries.read_text().replace(",US,", ",Atlantis,"))


def test_corrupted_reports_are_refused_by_file_and_line_and_change_nothing(loaded, reports):
    before = {t: export.render(loaded, EXEC, t) for t in ("tenants", "workloads", "claims")}
    corrupt(reports)
    outcome = partner_center.load_reports(loaded, reports, "P1", loaded_by="tests")
    assert not outcome.ok
    assert [str(p) for p in outcome.problems] == [
        "claims.csv:7: tenant_id: 'bbbbbbbb-0000-0000-0000-000000000009' is not a tenant of "
        "the reports (OfficeUsage, EMSUsage)",
        "claims.csv:8: mpn_id: 'M99' is not an MPN location of partner 'P2' in the reports' "
        "MPNId column",
        "claims.csv:8: partner_id: 'P2' is not the partner of this load (P1)",
        "CustomersAndTenants.csv:2: CustomerTenantCountry: 'Atlantis' is not a country name or "
        "ISO 3166 code FCU knows; write its ISO code (e.g. US, GB)",
        "EMSUsage.tsv:5: SubscriptionId: an earlier line has the same SubscriptionId and Month",
        "OfficeUsage.csv:3: CustomerTenantId: 'not-a-guid' is not a GUID such as "
        "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
        "OfficeUsage.csv:4: MonthlyActiveUsers: 'lots' is not a whole number",
        "OfficeUsage.csv:6: PaidAvailableUnits: '-200' is below 0",
        "OfficeUsage.csv:7: Month: '13/45/2026' is not a month as YYYY-MM, YYYY-MM-DD or M/D/YYYY",
        "OfficeUsage.csv:9: IsDuplicateRowForPGA: 'maybe' is not 1, 0, True or False",
    ]
    assert outcome.result.problem_count == 10
    assert "refused: 10 problem(s); the database is unchanged" in outcome.summary()
    after = {t: export.render(loaded, EXEC, t) for t in before}
    assert after == before
    last = loaded.one("SELECT outcome, errors FROM loads ORDER BY load_id DESC LIMIT 1")
    assert last[0] == "refused" and "OfficeUsage.csv:4: MonthlyActiveUsers:" in last[1]


def test_the_command_prints_the_problems_and_exits_1(tmp_path, reports):
    corrupt(reports)
    done = fcu_cli(tmp_path / "fcu.duckdb", "load", str(reports), "--partner", "P1")
    assert done.returncode == 1
    assert "OfficeUsage.csv:7: Month: '13/45/2026' is not a month" in done.stderr
    assert "the database is unchanged" in done.stderr


def test_a_duplicate_row_not_flagged_is_a_problem(loaded, reports):
    office = reports / "OfficeUsage.csv"
    text = office.read_text(encoding="utf-8-sig")
    office.write_text(text.replace(",CPOR,True", ",CPOR,False"), encoding="utf-8-sig")
    outcome = partner_center.load_reports(loaded, reports, "P1")
    assert [str(p) for p in outcome.problems] == [
        "OfficeUsage.csv:5: CustomerTenantId+WorkloadName+Month: an earlier row of the "
        "reports has the same tenant, workload and month (workload names read as FCU's "
        "workloads)"
    ]


def test_headers_decide_what_a_file_is(loaded, reports):
    (reports / "OfficeUsage.csv").rename(reports / "download (3).csv")  # names do not matter
    (reports / "notes.csv").write_text("when,what\n2026-10-01,call\n")
    ems = reports / "EMSUsage.tsv"
    ems.write_text(ems.read_text().replace("\tAzipMonthlyActiveUsers", "\tAzipMAU"))
    outcome = partner_center.load_reports(loaded, reports, "P1")
    assert [str(p) for p in outcome.problems] == [
        "EMSUsage.tsv:1: AzipMonthlyActiveUsers: the EMSUsage report's column is missing",
        "notes.csv:1: -: the header is not one of a report FCU reads (OfficeUsage, EMSUsage, "
        "CustomersAndTenants) nor of FCU's claims.csv, referrals.csv, rate_card.csv, "
        "tenants.csv; it starts: when, what",
    ]
    (reports / "notes.csv").unlink()
    (reports / "usage.csv").write_text("tenant_id,workload,month,mau,pau\n")
    ems.write_text(ems.read_text().replace("\tAzipMAU", "\tAzipMonthlyActiveUsers"))
    outcome = partner_center.load_reports(loaded, reports, "P1")
    assert [str(p) for p in outcome.problems] == [
        "usage.csv:-: -: usage is made from the Partner Center reports; remove usage.csv, or "
        "load FCU's seven-file feed without --partner"
    ]


def test_a_folder_without_reports_is_refused_in_a_sentence(loaded, tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "claims.csv").write_text((REPORTS / "claims.csv").read_text())
    with pytest.raises(FeedError, match="holds no OfficeUsage or EMSUsage report"):
        partner_center.load_reports(loaded, folder, "P1")


def test_without_claims_referrals_or_rate_card_the_loaded_ones_stay(loaded, reports):
    for name in ("claims.csv", "referrals.csv", "rate_card.csv"):
        (reports / name).unlink()
    outcome = partner_center.load_reports(loaded, reports, "P1")
    assert outcome.ok, [str(p) for p in outcome.problems]
    assert outcome.kept == ["claims", "referrals", "rate_card"]
    assert "claims.csv                  not given: the ones already loaded are kept" in (
        outcome.summary()
    )
    assert export.render(loaded, EXEC, "tenants").decode() == TENANTS_CSV
    assert loaded.scalar("SELECT count(*) FROM feed_referrals") == 2


def test_a_kept_claim_on_a_tenant_gone_from_the_reports_is_named(loaded, reports):
    for name in ("claims.csv", "referrals.csv"):
        (reports / name).unlink()
    office = reports / "OfficeUsage.csv"
    lines = office.read_text(encoding="utf-8-sig").splitlines()
    office.write_text("\r\n".join(lines[:-1]) + "\r\n", encoding="utf-8-sig")  # no Gamma
    outcome = partner_center.load_reports(loaded, reports, "P1")
    assert [str(p) for p in outcome.problems] == [
        "claims already in FCU (no claims.csv given):-: tenant_id: C5: "
        "'aaaaaaaa-0000-0000-0000-000000000003' is not a tenant of the reports "
        "(OfficeUsage, EMSUsage)"
    ]


def test_a_tenants_file_overrides_the_eligible_licences(loaded, reports):
    (reports / "tenants.csv").write_text(
        "tenant_id,tenant_name,tenant_domain,country,segment,eligible_licenses\n"
        "aaaaaaaa-0000-0000-0000-000000000003,Gamma Small GmbH,gamma.example,DE,commercial,"
        "400\n"
    )
    outcome = partner_center.load_reports(loaded, reports, "P1")
    assert outcome.ok, [str(p) for p in outcome.problems]
    rows = export.TABLES["tenants"](loaded, EXEC)
    gamma = rows[rows.tenant_name == "Gamma Small GmbH"]
    assert gamma[["tenant_domain", "mau", "pau"]].values.tolist() == [["gamma.example", 50, 100]]
    (reports / "tenants.csv").write_text(
        "tenant_id,tenant_name,tenant_domain,country,segment,eligible_licenses\n"
        "aaaaaaaa-0000-0000-0000-000000000003,Gamma Small GmbH,gamma.example,DE,commercial,"
        "many\n"
    )
    outcome = partner_center.load_reports(loaded, reports, "P1")
    assert [str(p) for p in outcome.problems] == [
        "tenants.csv:2: eligible_licenses: 'many' is not a whole number"
    ]


@pytest.mark.parametrize(
    "name, key, display, known",
    [
        ("Exchange", "exchange", "Exchange Online", True),
        ("exchange  online", "exchange", "Exchange Online", True),
        ("SharePoint Online", "sharepoint", "SharePoint Online", True),
        ("OneDrive for Business", "onedrive", "OneDrive for Business", True),
        ("ONEDRIVE", "onedrive", "OneDrive for Business", True),
        ("Microsoft Teams", "teams", "Microsoft Teams", True),
        ("Office 365 ProPlus", "m365_apps", "Microsoft 365 Apps", True),
        ("Microsoft 365 Apps for enterprise", "m365_apps", "Microsoft 365 Apps", True),
        ("Microsoft 365 Copilot", "microsoft_365_copilot", "Microsoft 365 Copilot", False),
        ("Teams Phone (PSTN)", "teams_phone__pstn_", "Teams Phone (PSTN)", False),
    ],
)
def test_workload_names_map_to_keys(name, key, display, known):
    assert partner_center.workload_key(name) == (key, display, known)


@pytest.mark.parametrize(
    "text, month",
    [
        ("2026-10", "2026-10"),
        ("2026-10-01", "2026-10"),
        ("2026-10-01T00:00:00Z", "2026-10"),
        ("2026-10-01 00:00:00", "2026-10"),
        ("10/1/2026", "2026-10"),
        ("10/01/2026 12:00:00 AM", "2026-10"),
        ("2/29/2028", "2028-02"),
        ("2/30/2026", None),
        ("13/1/2026", None),
        ("2026-13", None),
        ("1/10/26", None),
        ("October 2026", None),
        ("", None),
    ],
)
def test_months_are_read_in_three_forms(text, month):
    assert partner_center.parse_month(text) == month


@pytest.mark.parametrize(
    "text, code",
    [
        ("US", "US"),
        ("gbr", "GB"),
        ("United Kingdom", "GB"),
        ("Germany", "DE"),
        ("The Netherlands", "NL"),
        ("Russia", "RU"),
        ("Hong Kong SAR", "HK"),
        ("Korea, Republic of", "KR"),
        ("Korea", None),  # two countries' names hold it
        ("Atlantis", None),
        ("", None),
    ],
)
def test_markets_are_countries_by_pycountry(text, code):
    assert partner_center.country_code(text) == code


@pytest.mark.parametrize(
    "text, segment",
    [
        ("Education", "education"),
        ("Higher Education", "education"),
        ("Government", "government"),
        ("Public Sector", "government"),
        ("Enterprise", "commercial"),
        ("SMB", "commercial"),
        ("", "commercial"),
    ],
)
def test_segments(text, segment):
    assert partner_center.segment_of(text) == segment


def test_the_sample_as_reports_loads_with_the_seven_file_samples_usage(tmp_path):
    """`fcu sample --format partner-center` writes the sample's own data as P1's reports: the
    usage FCU loads from them is the seven-file sample's on the workloads the reports give
    (copilot under the key its unknown name maps to; EMS workloads summed back over the split
    subscriptions), less EMS workloads with no units and no users in any month."""
    from fcu.sample import PARTNER_CENTER_NAMES, write_partner_center_sample, write_sample_feed

    first, second, seven = tmp_path / "pc1", tmp_path / "pc2", tmp_path / "seven"
    counts = write_partner_center_sample(first, tenants=120, seed=3, end_month="2026-10")
    write_partner_center_sample(second, tenants=120, seed=3, end_month="2026-10")
    for name in counts:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    header = (first / "OfficeUsage.csv").read_text().splitlines()[0]
    assert header == (  # the documented columns, in order
        "CustomerTenantId,CustomerTpid,WorkloadName,Month,PaidAvailableUnits,"
        "MonthlyActiveUsers,CustomerName,CustomerMarket,CustomerSegment,MPNId,PartnerName,"
        "PartnerLocation,PartnerAttributionType,IsDuplicateRowForPGA"
    )
    write_sample_feed(seven, tenants=120, seed=3, end_month="2026-10")

    database = fcu_db.Database(tmp_path / "pc.duckdb")
    outcome = partner_center.load_reports(database, first, "P1")
    assert outcome.ok, [str(p) for p in outcome.problems[:5]]
    assert outcome.new_workloads == [("microsoft_365_copilot", "Microsoft 365 Copilot")]
    assert next(f for f in outcome.files if f.kind == "OfficeUsage").duplicates_dropped > 0
    keys = {k: partner_center.workload_key(n)[0] for k, n in PARTNER_CENTER_NAMES.items()}
    keys |= {"entra_id": "entra_id", "intune": "intune", "purview": "purview"}
    mapping = ", ".join(f"('{k}', '{v}')" for k, v in keys.items())
    loaded = database.execute(
        "SELECT CAST(tenant_id AS VARCHAR), workload, month, mau, pau FROM feed_usage ORDER BY ALL"
    )
    expected = database.execute(
        f"WITH m(workload, key) AS (VALUES {mapping}), u AS (SELECT tenant_id, m.key AS "
        "workload, month, mau, pau FROM read_csv(?) JOIN m USING (workload)) "
        "SELECT CAST(tenant_id AS VARCHAR), workload, month, mau, pau FROM u "
        "WHERE (tenant_id, workload) IN (SELECT (tenant_id, workload) FROM u GROUP BY ALL "
        "HAVING sum(mau) + sum(pau) > 0 OR workload NOT IN ('entra_id', 'intune', 'purview')) "
        "ORDER BY ALL",
        [str(seven / "usage.csv")],
    )
    database.close()
    assert loaded == expected and len(loaded) > 1000


def test_counts_are_whole_numbers_and_an_empty_count_is_zero(loaded, reports):
    office = reports / "OfficeUsage.csv"
    text = office.read_text(encoding="utf-8-sig")
    text = text.replace(
        "Microsoft Teams,10/1/2026 12:00:00 AM,200,180,",
        "Microsoft Teams,10/1/2026 12:00:00 AM,200.0,,",
    )
    office.write_text(text, encoding="utf-8-sig")
    outcome = partner_center.load_reports(loaded, reports, "P1")
    assert outcome.ok, [str(p) for p in outcome.problems]
    teams = loaded.execute(
        "SELECT mau, pau FROM feed_usage WHERE workload = 'teams' AND month = '2026-10'"
    )
    assert teams == [(0, 200)]
    office.write_text(text.replace(",200.0,,", ",200.5,,"), encoding="utf-8-sig")
    outcome = partner_center.load_reports(loaded, reports, "P1")
    assert [str(p) for p in outcome.problems] == [
        "OfficeUsage.csv:6: PaidAvailableUnits: '200.5' is not a whole number"
    ]


# -- a load of one partner's reports leaves the other partners as they were ------------------
FEED_SMALL = ROOT / "tests" / "data" / "feed_small"  # P1 (M11, M12) and P2 (M21)
FABRIKAM = User("admin@fabrikam.example", "P2", "executive", True, None, "Fran Fabrikam")
DELTA = "aaaaaaaa-0000-0000-0000-000000000004"  # P2's alone (C6, R2); in no report of P1


@pytest.fixture
def two_partners(tmp_path) -> fcu_db.Database:
    """FCU's own feed with P1 and P2, then P1 moves to its Partner Center reports."""
    database = fcu_db.Database(tmp_path / "two.duckdb")
    assert feed.load_feed(database, FEED_SMALL, loaded_by="tests").ok
    users.add_many(database, [EXEC, FABRIKAM], actor="tests")
    yield database
    database.close()


def line_of(csv_text: bytes, tenant: str) -> str:
    return next(line for line in csv_text.decode().splitlines() if line.startswith(tenant))


def test_another_partners_part_of_the_feed_stays_as_it_was(two_partners):
    before = {t: export.render(two_partners, FABRIKAM, t) for t in ("tenants", "referrals")}
    outcome = partner_center.load_reports(two_partners, REPORTS, "P1", loaded_by="tests")
    assert outcome.ok, [str(p) for p in outcome.problems]
    assert "Other partners in FCU, left as they were" in outcome.summary()
    assert outcome.others == ["P2"]
    after = {t: export.render(two_partners, FABRIKAM, t) for t in before}
    # Delta is P2's alone: its line, its usage and P2's referral on it are as they were
    assert line_of(after["tenants"], DELTA) == line_of(before["tenants"], DELTA)
    assert after["referrals"] == before["referrals"]
    # Alpha is named by P1's reports: its figures are the reports' for P2 too (teams 180/200)
    workloads = export.TABLES["workloads"](two_partners, FABRIKAM)
    teams = workloads[(workloads["tenant_id"] == ALPHA) & (workloads["workload"] == "teams")]
    assert teams[["claim_id", "mau", "pau"]].values.tolist() == [["C2", 180, 200]]
    assert two_partners.execute(
        "SELECT partner_id, mpn_id, location_name FROM feed_partners ORDER BY mpn_id"
    ) == [
        ("P1", "M11", "Northwind Seattle"),
        ("P1", "M12", "Northwind London"),
        ("P2", "M21", "Fabrikam Berlin"),
    ]
    # P1's view is the reports', less Alpha's teams, which P2 holds (C2): 1240 - 180 = 1060
    # MAU, 1850 - 200 = 1650 PAU, 64.24 %, unclaimed 490 - 40 = 450
    mine = export.render(two_partners, EXEC, "tenants")
    assert line_of(mine, ALPHA) == (
        f"{ALPHA},Alpha Corp,alpha.example,US,commercial,M11,entra_id;exchange,1060,1650,64.24,"
        "-5.76,80,,,2200.0,450.0,,no_survey_contact"
    )
    assert line_of(mine, BETA) == TENANTS_CSV.splitlines()[2]


def test_claims_of_another_partner_in_this_partners_file_are_refused(two_partners, reports):
    claims = reports / "claims.csv"
    lines = claims.read_text(encoding="utf-8").splitlines()
    lines.append(f"C99,{DELTA},exchange,P2,M21,submitted,2026-10-01,")
    claims.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = export.render(two_partners, FABRIKAM, "tenants")
    outcome = partner_center.load_reports(two_partners, reports, "P1", loaded_by="tests")
    assert not outcome.ok
    assert [str(p) for p in outcome.problems] == [
        f"claims.csv:{len(lines)}: partner_id: 'P2' is another partner in FCU; this load is "
        "P1's, whose rows only it may hold"
    ]
    assert export.render(two_partners, FABRIKAM, "tenants") == before


def test_an_mpn_of_another_partner_in_the_reports_is_named_on_its_line(two_partners, reports):
    office = reports / "OfficeUsage.csv"
    text = office.read_text(encoding="utf-8-sig")
    office.write_text(text.replace(",M12,", ",M21,"), encoding="utf-8-sig")
    outcome = partner_center.load_reports(two_partners, reports, "P1", loaded_by="tests")
    assert not outcome.ok
    named = [str(p) for p in outcome.problems]
    assert any(
        p.startswith("OfficeUsage.csv:")
        and "this MPNId is already a location of another partner in FCU" in p
        for p in named
    ), named
