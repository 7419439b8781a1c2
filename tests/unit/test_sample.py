"""Tests for the synthetic sample feed (fcu.sample)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from fcu.sample import last_complete_month, write_sample_feed

N = 400
END = "2026-10"  # the month these tests were written for (the default dates as of today)

HEADERS = {
    "partners": ["partner_id", "partner_name", "mpn_id", "location_name"],
    "workloads": ["workload", "display_name"],
    "tenants": [
        "tenant_id",
        "tenant_name",
        "tenant_domain",
        "country",
        "segment",
        "eligible_licenses",
    ],
    "usage": ["tenant_id", "workload", "month", "mau", "pau", "entitlements"],
    "claims": [
        "claim_id",
        "tenant_id",
        "workload",
        "partner_id",
        "mpn_id",
        "status",
        "submitted_on",
        "approved_on",
    ],
    "referrals": [
        "rfa_id",
        "tenant_id",
        "partner_id",
        "mpn_id",
        "assigned_at",
        "workloads",
        "au_pct",
        "source",
    ],
    "rate_card": ["workload", "rate_per_unit", "max_earning", "min_pau"],
}
WORKLOAD_KEYS = [
    "exchange",
    "sharepoint",
    "onedrive",
    "teams",
    "m365_apps",
    "intune",
    "entra_id",
    "defender_endpoint",
    "defender_office",
    "defender_identity",
    "purview",
    "viva",
    "windows",
    "copilot",
]
ISO_COUNTRIES = set(
    "US GB DE FR NL IN JP AU BR CA ES IT SE CH MX SG IE PL DK NO ZA NZ BE AT FI".split()
)
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ACTIVE = ("submitted", "approved", "approved-pending-data")


def _open(folder: Path, fmt: str = "csv") -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per feed file, every column as text."""
    con = duckdb.connect()
    for name in HEADERS:
        path = str(folder / f"{name}.{fmt}")
        if fmt == "csv":
            rel = con.read_csv(path, header=True, all_varchar=True)
        else:
            rel = con.read_parquet(path)
        rel.create_view(name)
    return con


def _one(con: duckdb.DuckDBPyConnection, sql: str):
    return con.sql(sql).fetchall()[0][0]


def check_rules(
    folder: Path, n_tenants: int, last_day: str | None = None
) -> duckdb.DuckDBPyConnection:
    """Assert every contract rule of PRODUCT.md and the generator's own promises (claims
    dated up to ``last_day``, by default the last month's end)."""
    for name, header in HEADERS.items():
        with open(folder / f"{name}.csv", encoding="utf-8", newline="") as f:
            first = f.readline()
        assert first == ",".join(header) + "\n", name
        assert b"\r" not in (folder / f"{name}.csv").read_bytes()
    con = _open(folder)

    # Fixed tables.
    assert con.sql(
        "SELECT partner_id, count(*) FROM partners GROUP BY 1 ORDER BY 1"
    ).fetchall() == [
        ("P1", 4),
        ("P2", 3),
        ("P3", 2),
    ]
    assert _one(con, "SELECT bool_and(regexp_full_match(mpn_id, '\\d{7}')) FROM partners")
    assert [r[0] for r in con.sql("SELECT workload FROM workloads").fetchall()] == WORKLOAD_KEYS
    assert _one(con, "SELECT count(*) FROM rate_card") == 12
    assert _one(con, "SELECT count(*) FROM tenants") == n_tenants

    # Keys are unique.
    for table, key in [
        ("partners", "mpn_id"),
        ("workloads", "workload"),
        ("tenants", "tenant_id"),
        ("tenants", "tenant_domain"),
        ("usage", "tenant_id, workload, month"),
        ("claims", "claim_id"),
        ("referrals", "rfa_id"),
        ("rate_card", "workload"),
    ]:
        dupes = _one(con, f"SELECT count(*) - count(DISTINCT ({key})) FROM {table}")
        assert dupes == 0, (table, key)

    # Values are well formed.
    tenants = con.sql("SELECT tenant_id, country, segment, eligible_licenses FROM tenants")
    for tenant_id, country, segment, eligible in tenants.fetchall():
        assert GUID.match(tenant_id), tenant_id
        assert country in ISO_COUNTRIES
        assert segment in ("commercial", "education", "government")
        assert int(eligible) >= 0
    months = [r[0] for r in con.sql("SELECT DISTINCT month FROM usage ORDER BY 1").fetchall()]
    assert all(re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", m) for m in months)
    assert len(months) == 24
    assert _one(
        con,
        """SELECT bool_and(mau::INT >= 0 AND pau::INT >= 0
                            AND coalesce(entitlements::INT, 0) >= 0) FROM usage""",
    )
    # Every tenant-workload has all 24 months, and every tenant has usage.
    assert _one(con, "SELECT count(*) FROM usage") == 24 * _one(
        con, "SELECT count(DISTINCT (tenant_id, workload)) FROM usage"
    )
    assert _one(con, "SELECT count(DISTINCT tenant_id) FROM usage") == n_tenants

    # Every key resolves.
    for child, col, parent, pcol in [
        ("usage", "tenant_id", "tenants", "tenant_id"),
        ("usage", "workload", "workloads", "workload"),
        ("claims", "tenant_id", "tenants", "tenant_id"),
        ("claims", "workload", "workloads", "workload"),
        ("claims", "partner_id", "partners", "partner_id"),
        ("referrals", "tenant_id", "tenants", "tenant_id"),
        ("referrals", "partner_id", "partners", "partner_id"),
        ("rate_card", "workload", "workloads", "workload"),
    ]:
        missing = _one(
            con,
            f"SELECT count(*) FROM {child} c ANTI JOIN {parent} p ON c.{col} = p.{pcol}",
        )
        assert missing == 0, (child, col)
    for child in ("claims", "referrals"):
        wrong_mpn = _one(
            con,
            f"""SELECT count(*) FROM {child} c ANTI JOIN partners p
                ON c.partner_id = p.partner_id AND c.mpn_id = p.mpn_id""",
        )
        assert wrong_mpn == 0, child

    # Claims: only on workloads with usage, one active claim per tenant-workload, dates.
    assert (
        _one(
            con,
            """SELECT count(*) FROM claims c ANTI JOIN (SELECT DISTINCT tenant_id, workload
               FROM usage) u ON c.tenant_id = u.tenant_id AND c.workload = u.workload""",
        )
        == 0
    )
    assert (
        _one(
            con,
            f"""SELECT count(*) FROM (SELECT tenant_id, workload FROM claims
                WHERE status IN {ACTIVE} GROUP BY ALL HAVING count(*) > 1)""",
        )
        == 0
    )
    claims = con.sql("SELECT claim_id, status, submitted_on, approved_on FROM claims").fetchall()
    last_day = last_day or f"{months[-1]}-31"
    for claim_id, status, submitted, approved in claims:
        assert re.fullmatch(r"CPOR-\d{7,}", claim_id)
        assert status in ACTIVE + ("denied", "disassociated")
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", submitted)
        if status in ("approved", "approved-pending-data"):
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", approved)
            assert submitted <= approved <= last_day
        else:
            assert approved is None
        assert submitted <= last_day

    # Referrals.
    referrals = con.sql(
        "SELECT rfa_id, assigned_at, workloads, au_pct, source FROM referrals"
    ).fetchall()
    for rfa_id, assigned, workloads, au_pct, source in referrals:
        assert re.fullmatch(r"RFA-\d{6,}", rfa_id)
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", assigned)
        keys = workloads.split(";")
        assert 1 <= len(keys) <= 3 and len(set(keys)) == len(keys)
        assert set(keys) <= set(WORKLOAD_KEYS)
        assert au_pct is None or re.fullmatch(r"\d+\.\d", au_pct)
        assert source in ("FastTrack Center", "Partner Center", "Microsoft seller")
    # Rate card values.
    for _, rate, max_earning, min_pau in con.sql("SELECT * FROM rate_card").fetchall():
        assert float(rate) >= 0 and float(max_earning) >= 0
        assert min_pau is None or int(min_pau) > 0
    return con


@pytest.fixture(scope="module")
def feed(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("feed")
    counts = write_sample_feed(folder, N, seed=11, end_month=END)
    return folder, counts


@pytest.fixture(scope="module")
def con(feed) -> duckdb.DuckDBPyConnection:
    return check_rules(feed[0], N)


def test_rules_hold(con):
    assert con is not None  # check_rules asserted them all


def test_row_counts(feed, con):
    folder, counts = feed
    assert list(counts) == [
        "partners.csv",
        "workloads.csv",
        "tenants.csv",
        "usage.csv",
        "claims.csv",
        "referrals.csv",
        "rate_card.csv",
    ]
    for name in HEADERS:
        assert counts[f"{name}.csv"] == _one(con, f"SELECT count(*) FROM {name}"), name
    assert counts["partners.csv"] == 9
    assert counts["workloads.csv"] == 14
    assert counts["tenants.csv"] == N
    # About ten workloads per tenant, 24 months each.
    assert 8 * 24 * N <= counts["usage.csv"] <= 12 * 24 * N
    assert N // 5 <= counts["referrals.csv"] <= N // 5 + 60


def test_deterministic(feed, tmp_path):
    folder, _ = feed
    again = tmp_path / "again"
    write_sample_feed(again, N, seed=11, end_month=END)
    for name in HEADERS:
        assert (folder / f"{name}.csv").read_bytes() == (again / f"{name}.csv").read_bytes()
    other = tmp_path / "other"
    write_sample_feed(other, N, seed=12, end_month=END)
    assert (folder / "usage.csv").read_bytes() != (other / "usage.csv").read_bytes()
    assert (folder / "tenants.csv").read_bytes() != (other / "tenants.csv").read_bytes()


def test_segments_and_licences(con):
    shares = dict(
        con.sql(
            "SELECT segment, count(*) / sum(count(*)) OVER () FROM tenants GROUP BY 1"
        ).fetchall()
    )
    assert 0.7 < shares["commercial"] < 0.9
    assert 0.05 < shares["education"] < 0.2
    assert 0.02 < shares["government"] < 0.15
    small = _one(con, "SELECT count(*) FROM tenants WHERE eligible_licenses::INT < 150")
    assert 0 < small < N * 0.12
    assert _one(con, "SELECT max(eligible_licenses::INT) FROM tenants") <= 50_000


def test_names_exercise_quoting_and_utf8(feed, con):
    names = [r[0] for r in con.sql("SELECT tenant_name FROM tenants").fetchall()]
    assert "Café Lumière, S.A." in names
    assert any("'" in n for n in names)
    assert any("," in n for n in names)
    assert any(not n.isascii() for n in names)
    raw = (feed[0] / "tenants.csv").read_text(encoding="utf-8")
    assert '"Café Lumière, S.A."' in raw
    domains = [r[0] for r in con.sql("SELECT tenant_domain FROM tenants").fetchall()]
    assert all(re.fullmatch(r"[a-z0-9]+\.onmicrosoft\.com", d) for d in domains)


def test_usage_realism(con):
    # Education tenants with MAU over PAU (Usage % above 100 %).
    assert (
        _one(
            con,
            """SELECT count(*) FROM usage u JOIN tenants t USING (tenant_id)
               WHERE t.segment = 'education' AND u.mau::INT > u.pau::INT AND u.pau::INT > 0""",
        )
        > 0
    )
    # PAU 0 rows, with MAU 0 or small.
    assert _one(con, "SELECT count(*) FROM usage WHERE pau::INT = 0 AND mau::INT = 0") > 0
    assert _one(con, "SELECT count(*) FROM usage WHERE pau::INT = 0 AND mau::INT > 0") > 0
    assert _one(con, "SELECT max(mau::INT) FROM usage WHERE pau::INT = 0") < 50
    # Workloads with PAU under 150.
    assert _one(con, "SELECT count(*) FROM usage WHERE pau::INT BETWEEN 1 AND 149") > 0
    # Entitlements: mostly PAU, sometimes empty, sometimes different.
    ent = con.sql(
        """SELECT count(*) FILTER (entitlements = pau), count(*) FILTER (entitlements IS NULL),
                  count(*) FILTER (entitlements <> pau), count(*) FROM usage"""
    ).fetchall()[0]
    assert ent[0] > 0.6 * ent[3] and ent[1] > 0 and ent[2] > 0
    # Declining workloads: the high-water mark sits well before the current month.
    declining = _one(
        con,
        """WITH x AS (SELECT tenant_id, workload,
                        max(mau::INT) AS hwm,
                        arg_max(month, mau::INT) AS hwm_month,
                        max_by(mau::INT, month) AS last_mau, max(month) AS last_month
                      FROM usage GROUP BY ALL)
           SELECT count(*) FROM x
           WHERE hwm_month < last_month AND last_mau < 0.8 * hwm AND hwm >= 100""",
    )
    assert declining > 0
    # Most workloads grow: overall usage rises over the window.
    first, last = con.sql(
        """SELECT sum(mau::INT) FILTER (month = (SELECT min(month) FROM usage))
                / sum(pau::INT) FILTER (month = (SELECT min(month) FROM usage)),
                  sum(mau::INT) FILTER (month = (SELECT max(month) FROM usage))
                / sum(pau::INT) FILTER (month = (SELECT max(month) FROM usage))
           FROM usage"""
    ).fetchall()[0]
    assert last > first


def test_claims_realism(con):
    tenants_with_active = _one(
        con, f"SELECT count(DISTINCT tenant_id) FROM claims WHERE status IN {ACTIVE}"
    )
    assert 0.8 * N <= tenants_with_active <= 0.97 * N
    # Tenants under 150 licences that are claimed anyway.
    assert (
        _one(
            con,
            f"""SELECT count(DISTINCT c.tenant_id) FROM claims c JOIN tenants t USING (tenant_id)
                WHERE t.eligible_licenses::INT < 150 AND c.status IN {ACTIVE}""",
        )
        > 0
    )
    # Another partner holds an active claim on a different workload of the same tenant.
    multi = _one(
        con,
        f"""SELECT count(*) FROM (SELECT tenant_id FROM claims WHERE status IN {ACTIVE}
            GROUP BY 1 HAVING count(DISTINCT partner_id) > 1)""",
    )
    assert 0.05 * N <= multi <= 0.3 * N
    statuses = dict(con.sql("SELECT status, count(*) FROM claims GROUP BY 1").fetchall())
    assert set(statuses) == set(ACTIVE) | {"denied", "disassociated"}
    # Main partners: P1 > P2 > P3 by tenants.
    by_partner = dict(
        con.sql(
            f"""SELECT partner_id, count(DISTINCT tenant_id) FROM claims
                WHERE status IN {ACTIVE} GROUP BY 1"""
        ).fetchall()
    )
    assert by_partner["P1"] > by_partner["P2"] > by_partner["P3"]
    per_tenant = con.sql(
        f"""SELECT max(k) FROM (SELECT tenant_id, partner_id, count(*) AS k FROM claims
            WHERE status IN {ACTIVE} GROUP BY ALL)"""
    ).fetchall()[0][0]
    assert per_tenant <= 6


def test_referrals_realism(con):
    per_partner = dict(con.sql("SELECT partner_id, count(*) FROM referrals GROUP BY 1").fetchall())
    assert set(per_partner) == {"P1", "P2", "P3"}
    assert min(per_partner.values()) >= 20
    with_au, without_au = con.sql(
        "SELECT count(au_pct), count(*) FILTER (au_pct IS NULL) FROM referrals"
    ).fetchall()[0]
    assert with_au > 0 and without_au > 0
    assert 0.15 < without_au / (with_au + without_au) < 0.5
    # Mostly within 90 days before the end of the last month, some in the last 10 days.
    end = _one(con, "SELECT max(month) FROM usage")
    recent = con.sql(
        f"""SELECT count(*) FILTER (assigned_at::TIMESTAMPTZ
                                    >= '{end}-01'::DATE + INTERVAL 1 MONTH - INTERVAL 90 DAY),
                   count(*) FILTER (assigned_at::TIMESTAMPTZ
                                    >= '{end}-01'::DATE + INTERVAL 1 MONTH - INTERVAL 10 DAY),
                   count(*) FILTER (assigned_at::TIMESTAMPTZ
                                    >= '{end}-01'::DATE + INTERVAL 1 MONTH),
                   count(*)
            FROM referrals"""
    ).fetchall()[0]
    assert recent[0] > 0.8 * recent[3] and recent[1] > 0 and recent[2] == 0
    # Mostly on tenants the partner has an active claim on, some on others.
    on_claimed = _one(
        con,
        f"""SELECT count(*) FROM referrals r SEMI JOIN (SELECT tenant_id, partner_id FROM claims
            WHERE status IN {ACTIVE}) c ON r.tenant_id = c.tenant_id
                                        AND r.partner_id = c.partner_id""",
    )
    assert 0.6 * recent[3] < on_claimed < recent[3]


def test_rate_card(con):
    rows = {r[0]: r[1:] for r in con.sql("SELECT * FROM rate_card").fetchall()}
    assert "viva" not in rows and "windows" not in rows
    assert any(float(r[0]) == 0 for r in rows.values())
    assert any(r[2] is None for r in rows.values())
    assert any(r[2] == "300" for r in rows.values())
    assert all(re.fullmatch(r"\d+\.\d\d", r[0]) for r in rows.values())


@pytest.mark.parametrize("n", [1, 2, 10, 12, 50])
def test_small_feeds(tmp_path, n):
    counts = write_sample_feed(tmp_path, n, seed=3, end_month=END)
    con = check_rules(tmp_path, n)
    assert counts["tenants.csv"] == n
    per_partner = dict(con.sql("SELECT partner_id, count(*) FROM referrals GROUP BY 1").fetchall())
    assert min(per_partner.values()) >= (20 if n >= 50 else 1)


def test_other_end_month(tmp_path):
    write_sample_feed(tmp_path, 20, seed=5, end_month="2025-02")
    con = check_rules(tmp_path, 20)
    months = [r[0] for r in con.sql("SELECT DISTINCT month FROM usage ORDER BY 1").fetchall()]
    assert months[0] == "2023-03" and months[-1] == "2025-02"
    assert _one(con, "SELECT max(assigned_at) FROM referrals") < "2025-03-01"


@pytest.mark.parametrize(
    ("as_of", "last_month"),
    [(date(2026, 12, 2), "2026-11"), (date(2027, 1, 1), "2026-12"), (date(2027, 3, 31), "2027-02")],
)
def test_a_sample_dated_as_of_a_day(tmp_path, as_of, last_month):
    """The live demo's sample: its last month is the month before the day, its referrals
    were assigned over the 30 days before it (a quarter or so within 7 days), its claims
    submitted up to the day before; the same day gives the same files."""
    write_sample_feed(tmp_path / "a", 200, seed=7, as_of=as_of)
    con = check_rules(tmp_path / "a", 200, last_day=(as_of - timedelta(days=1)).isoformat())
    months = [r[0] for r in con.sql("SELECT DISTINCT month FROM usage ORDER BY 1").fetchall()]
    assert months[-1] == last_month and len(months) == 24
    day = f"TIMESTAMPTZ '{as_of.isoformat()} 00:00:00+00'"
    week, month, older, later, total = con.sql(
        f"""SELECT count(*) FILTER (t >= {day} - INTERVAL 7 DAY AND t < {day}),
                   count(*) FILTER (t >= {day} - INTERVAL 30 DAY AND t < {day}),
                   count(*) FILTER (t < {day} - INTERVAL 30 DAY),
                   count(*) FILTER (t >= {day}), count(*)
            FROM (SELECT assigned_at::TIMESTAMPTZ AS t FROM referrals)"""
    ).fetchall()[0]
    assert month == total and older == later == 0
    assert 0.1 * total < week < 0.5 * total
    latest_claim = _one(con, "SELECT max(submitted_on) FROM claims")
    assert latest_claim < as_of.isoformat() and latest_claim >= f"{last_month}-01"
    write_sample_feed(tmp_path / "b", 200, seed=7, as_of=as_of)
    for name in HEADERS:
        assert (tmp_path / "a" / f"{name}.csv").read_bytes() == (
            tmp_path / "b" / f"{name}.csv"
        ).read_bytes()


def test_without_a_date_the_sample_is_dated_as_of_today(tmp_path):
    write_sample_feed(tmp_path, 12, seed=3)
    con = check_rules(tmp_path, 12, last_day=date.today().isoformat())
    assert _one(con, "SELECT max(month) FROM usage") == last_complete_month(date.today())


def test_parquet(tmp_path):
    counts = write_sample_feed(tmp_path / "pq", 60, seed=11, fmt="parquet", end_month=END)
    write_sample_feed(tmp_path / "csv", 60, seed=11, end_month=END)
    assert set(counts) == {f"{name}.parquet" for name in HEADERS}
    pq = _open(tmp_path / "pq", "parquet")
    csv = _open(tmp_path / "csv")
    for name, header in HEADERS.items():
        assert pq.sql(f"SELECT * FROM {name}").columns == header
        assert counts[f"{name}.parquet"] == _one(pq, f"SELECT count(*) FROM {name}")
        # Same content as the CSV feed, compared as text.
        cols = ", ".join(f"{c}::VARCHAR" for c in header)
        assert (
            pq.sql(f"SELECT {cols} FROM {name}").fetchall()
            == csv.sql(f"SELECT {cols} FROM {name}").fetchall()
        ), name


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tenants": 0},
        {"tenants": -3},
        {"tenants": 10, "fmt": "xlsx"},
        {"tenants": 10, "end_month": "2026-13"},
        {"tenants": 10, "end_month": "October"},
        {"tenants": 10, "end_month": "2026-10", "as_of": date(2026, 12, 2)},
    ],
)
def test_bad_arguments(tmp_path, kwargs):
    with pytest.raises(ValueError):
        write_sample_feed(tmp_path, **kwargs)


def test_the_commands_date_the_sample_as_asked(tmp_path, capsys):
    from fcu import cli
    from fcu.db import Database
    from fcu.portfolio import feed_status

    out = tmp_path / "feed"
    assert cli.main(["sample", "--tenants", "20", "--as-of", "2026-12-02", "--out", str(out)]) == 0
    assert max(line.split(",")[2] for line in (out / "usage.csv").read_text().splitlines()[1:]) == (
        "2026-11"
    )
    path = tmp_path / "fcu.duckdb"
    assert cli.main(["--db", str(path), "init", "--tenants", "30", "--as-of", "2027-01-15"]) == 0
    db = Database(path)
    try:
        assert feed_status(db).current_month == "2026-12"
    finally:
        db.close()
    for wrong in (["--as-of", "2026-13-01"], ["--as-of", "2026-12-02", "--end-month", "2026-10"]):
        with pytest.raises(SystemExit) as stopped:
            cli.main(["sample", "--tenants", "5", "--out", str(tmp_path / "x"), *wrong])
        assert stopped.value.code == 2
    assert "is not a date: write it as YYYY-MM-DD" in capsys.readouterr().err
