"""The feed load: every problem located, nothing changed on refusal, figures right on success."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from fcu import feed
from fcu.db import Database
from tests.fixtures import FIXTURE_FEED


@pytest.fixture
def feed_dir(tmp_path) -> Path:
    target = tmp_path / "feed"
    shutil.copytree(FIXTURE_FEED, target)
    (target / "README.md").unlink()
    return target


def edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def append(folder: Path, name: str, line: str) -> None:
    with (folder / name).open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def snapshot(db: Database) -> dict:
    tables = [
        r[0]
        for r in db.execute(
            "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'feed%' ORDER BY 1"
        )
    ]
    return {t: db.execute(f"SELECT * FROM {t} ORDER BY ALL") for t in tables}


def messages(result) -> list[str]:
    return [str(p) for p in result.problems]


def test_fixture_feed_loads_with_rows_and_current_month(tmp_path):
    database = Database(tmp_path / "x.duckdb")
    result = feed.load_feed(database, FIXTURE_FEED)
    assert result.ok
    assert result.current_month == "2026-10"
    assert result.rows["usage.csv"] == 13
    assert result.rows["claims.csv"] == 7
    assert database.scalar("SELECT current_month FROM feed_meta") == "2026-10"
    loads = database.execute("SELECT outcome, current_month FROM loads")
    assert loads == [("loaded", "2026-10")]
    assert not database.execute(
        "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'stg%'"
    )


def test_problems_in_several_files_are_all_listed_and_nothing_changes(db, feed_dir):
    before = snapshot(db)
    edit(feed_dir, "tenants.csv", ",US,commercial,1000", ",USA,commercial,-5")
    edit(feed_dir, "usage.csv", "exchange,2026-08,600", "exchange,2026-13,abc")
    append(feed_dir, "usage.csv", "aaaaaaaa-0000-0000-0000-000000000001,teams,2026-10,1,2,2")
    append(feed_dir, "usage.csv", "not-a-guid,exchange,2026-10,1,2,2")
    append(feed_dir, "usage.csv", "bbbbbbbb-0000-0000-0000-000000000009,exchange,2026-10,1,2,")
    append(
        feed_dir,
        "claims.csv",
        "C8,aaaaaaaa-0000-0000-0000-000000000001,exchange,P2,M11,approved,2026-01-01,",
    )
    append(
        feed_dir,
        "claims.csv",
        "C1,aaaaaaaa-0000-0000-0000-000000000002,teams,P1,M11,pending,2026-01-01,",
    )
    edit(feed_dir, "referrals.csv", "exchange;teams", "exchange;sway")
    result = feed.load_feed(db, feed_dir)
    assert not result.ok
    got = messages(result)
    expected = [
        "tenants.csv:2: country: 'USA' is not an ISO 3166 alpha-2 country code (e.g. US, GB)",
        "tenants.csv:2: eligible_licenses: '-5' is below 0",
        "usage.csv:2: mau: 'abc' is not a whole number",
        "usage.csv:16: tenant_id: 'not-a-guid' is not a GUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301",
        "usage.csv:17: tenant_id: 'bbbbbbbb-0000-0000-0000-000000000009' is not in tenants.csv",
        "usage.csv:15: tenant_id+workload+month: duplicate key: an earlier line has the same tenant_id, workload, month",
        "claims.csv:9: mpn_id: 'M11' is not an MPN location of partner 'P2' in partners.csv",
        "claims.csv:9: status: a second active claim on this tenant and workload (at most one partner may hold an active claim); an earlier line already has one",
        "claims.csv:10: claim_id: duplicate key: an earlier line has the same claim_id",
        "claims.csv:10: status: 'pending' is not one of submitted, approved, approved-pending-data, denied, disassociated",
        "referrals.csv:2: workloads: has a workload that is not in workloads.csv: 'exchange;sway'",
    ]
    for line in expected:
        assert line in got, f"missing: {line}\n got: {got}"
    assert result.problem_count >= len(expected)
    assert snapshot(db) == before
    assert db.execute(
        "SELECT outcome, error_count > 0 FROM loads ORDER BY load_id DESC LIMIT 1"
    ) == [("refused", True)]


def test_bad_month_reported_once_the_line_parses(db, feed_dir):
    edit(feed_dir, "usage.csv", "exchange,2026-08,600", "exchange,2026-13,600")
    result = feed.load_feed(db, feed_dir)
    assert "usage.csv:2: month: '2026-13' is not a month as YYYY-MM" in messages(result)


def test_missing_file_empty_file_and_bad_headers(db, feed_dir):
    (feed_dir / "rate_card.csv").unlink()
    (feed_dir / "workloads.csv").write_text("")
    edit(feed_dir, "tenants.csv", "tenant_id,tenant_name", "tenant,tenant_name")
    result = feed.load_feed(db, feed_dir)
    got = messages(result)
    assert any(m.startswith("rate_card.csv:-: -: file is missing") for m in got)
    assert "workloads.csv:1: -: file is empty; its first line must be: workload,display_name" in got
    assert (
        "tenants.csv:1: tenant: unknown column; expected only tenant_id, tenant_name, tenant_domain, country, segment, eligible_licenses"
        in got
    )
    assert "tenants.csv:1: tenant_id: required column is missing" in got


def test_wrong_number_of_values_and_bad_encoding_are_located(db, feed_dir):
    append(feed_dir, "partners.csv", "P3,Extra,M31")
    with (feed_dir / "workloads.csv").open("ab") as fh:
        fh.write(b"purview,Purview \xff\xfe\n")
    got = messages(feed.load_feed(db, feed_dir))
    assert any(m.startswith("partners.csv:5: -: wrong number of values") for m in got), got
    assert "workloads.csv:6: -: the line is not valid UTF-8; save the file as UTF-8" in got


def test_bom_crlf_and_quoted_values_load(tmp_path, feed_dir):
    for path in feed_dir.glob("*.csv"):
        text = path.read_text(encoding="utf-8").replace("\n", "\r\n")
        path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    database = Database(tmp_path / "y.duckdb")
    result = feed.load_feed(database, feed_dir)
    assert result.ok, messages(result)
    assert (
        database.scalar("SELECT tenant_name FROM feed_tenants WHERE tenant_id LIKE '%0004'")
        == "Delta Gov, Ministry"
    )


def test_parquet_feed_gives_the_same_figures(tmp_path, feed_dir):
    con = duckdb.connect()
    parquet_dir = tmp_path / "pq"
    parquet_dir.mkdir()
    for path in feed_dir.glob("*.csv"):
        con.execute(
            f"COPY (SELECT * FROM read_csv('{path}', all_varchar=true)) "
            f"TO '{parquet_dir / (path.stem + '.parquet')}' (FORMAT parquet)"
        )
    a, b = Database(tmp_path / "a.duckdb"), Database(tmp_path / "b.duckdb")
    assert feed.load_feed(a, feed_dir).ok
    result = feed.load_feed(b, parquet_dir)
    assert result.ok, messages(result)
    q = "SELECT * FROM feed_partner_tenant ORDER BY partner_id, tenant_id"
    assert a.execute(q) == b.execute(q)


def test_a_later_feed_replaces_the_earlier_and_keeps_the_workspace(db, feed_dir):
    db.execute(
        "INSERT INTO notes (partner_id, tenant_id, risks, author) VALUES ('P1', 'x', 'r', 'a@b.c')"
    )
    edit(feed_dir, "usage.csv", "exchange,2026-10,700,1000,", "exchange,2026-11,700,1000,")
    result = feed.load_feed(db, feed_dir)
    assert result.ok, messages(result)
    assert db.scalar("SELECT current_month FROM feed_meta") == "2026-11"
    assert db.scalar("SELECT count(*) FROM notes") == 1
    assert db.scalar("SELECT count(*) FROM users") == 7


def test_every_problem_counted_even_past_the_listing_cap(db, feed_dir, monkeypatch):
    monkeypatch.setattr(feed, "MAX_LISTED_PER_RULE", 2)
    for i in range(5):
        append(feed_dir, "workloads.csv", f"w{i},")
    result = feed.load_feed(db, feed_dir)
    got = messages(result)
    assert "workloads.csv:6: display_name: value missing" in got
    assert "workloads.csv:-: display_name: ... and 3 more lines with the same problem" in got
    assert result.problem_count == 5


def test_usage_without_a_valid_month_is_refused_with_every_line(db, feed_dir):
    path = feed_dir / "usage.csv"
    lines = path.read_text().splitlines()
    path.write_text(
        "\n".join([lines[0]] + [ln.replace(",2026-", ",26-") for ln in lines[1:]]) + "\n"
    )
    result = feed.load_feed(db, feed_dir)
    got = messages(result)
    assert "usage.csv:-: -: no line has a valid month, so the feed has no current month" in got
    assert "usage.csv:2: month: '26-08' is not a month as YYYY-MM" in got
    assert sum("is not a month" in m for m in got) == 13
