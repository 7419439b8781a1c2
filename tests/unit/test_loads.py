"""Loading a feed by upload (the Data page's fcu side): same checks as `python -m fcu load`,
all or nothing, recorded with who loaded it; the history of loads and the last refusal."""

from __future__ import annotations

import io
import zipfile

import pytest

from fcu import loads, portfolio
from fcu.access import AccessDenied
from fcu.feed import FeedError
from tests.fixtures import FIXTURE_FEED


@pytest.fixture(autouse=True)
def operator(monkeypatch):
    """Northwind's admin runs this FCU (FCU_OPERATORS): the one who may load from the app."""
    monkeypatch.setenv("FCU_OPERATORS", "admin@northwind.example")


def feed_files(shift_months: bool = False, bad: bool = False) -> dict[str, bytes]:
    """The fixture feed's files; months moved one later (current month 2026-11), or broken."""
    files = {p.name: p.read_bytes() for p in sorted(FIXTURE_FEED.glob("*.csv"))}
    usage = files["usage.csv"].decode()
    if shift_months:
        for old, new in (("2026-10", "2026-11"), ("2026-09", "2026-10"), ("2026-08", "2026-09")):
            usage = usage.replace(f",{old},", f",{new},")
    if bad:
        usage = usage.replace(",700,1000,", ",-5,1000,").replace(",viva,", ",vivaa,")
    files["usage.csv"] = usage.encode()
    return files


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(f"feed/{name}", content)
    return buffer.getvalue()


def test_a_good_zip_replaces_the_feed_and_is_recorded(db, user):
    admin = user("admin@northwind.example")
    steps: list[tuple[float, str]] = []
    result = loads.load_upload(
        db,
        admin,
        [("feed.zip", zipped(feed_files(shift_months=True)))],
        progress=lambda f, t: steps.append((f, t)),
    )
    assert result.ok and result.current_month == "2026-11"
    assert portfolio.feed_status(db).current_month == "2026-11"
    assert steps and steps[0][0] < steps[-1][0] <= 1.0
    latest = loads.history(db, admin).iloc[0]
    assert (latest["loaded_by"], latest["outcome"], latest["current_month"]) == (
        "admin@northwind.example",
        "loaded",
        "2026-11",
    )
    assert "usage.csv 13" in latest["rows_per_file"]
    assert loads.last_refused(db, admin) is None


def test_loose_files_load_like_a_zip(db, user):
    files = feed_files(shift_months=True)
    result = loads.load_upload(db, user("admin@northwind.example"), list(files.items()))
    assert result.ok and result.current_month == "2026-11"


def test_a_bad_feed_changes_nothing_and_lists_every_problem(db, user):
    admin = user("admin@northwind.example")
    before = db.scalar("SELECT count(*) FROM feed_usage")
    result = loads.load_upload(db, admin, [("feed.zip", zipped(feed_files(bad=True)))])
    assert not result.ok
    problems = loads.problems_frame(result.problems)
    assert list(problems.columns) == ["file", "line", "column", "message"]
    found = {(r.file, r.line, r.column) for r in problems.itertuples()}
    assert ("usage.csv", 4, "mau") in found  # 700 → -5 on line 4
    assert ("usage.csv", 9, "workload") in found  # unknown workload 'vivaa'
    assert portfolio.feed_status(db).current_month == "2026-10"
    assert db.scalar("SELECT count(*) FROM feed_usage") == before
    when, listed = loads.last_refused(db, admin)
    assert {(r.file, r.line, r.column) for r in listed.itertuples()} == found
    assert loads.history(db, admin).iloc[0]["outcome"] == "refused"
    assert loads.history(db, admin).iloc[0]["error_count"] == result.problem_count


def test_a_missing_file_is_named(db, user):
    files = feed_files()
    del files["claims.csv"]
    result = loads.load_upload(db, user("admin@northwind.example"), list(files.items()))
    assert not result.ok
    assert any(p.file == "claims.csv" and "missing" in p.message for p in result.problems)


def test_unreadable_upload_and_no_files_are_sentences(db, user):
    admin = user("admin@northwind.example")
    with pytest.raises(FeedError, match="not a readable zip"):
        loads.load_upload(db, admin, [("feed.zip", b"PK\x03\x04 not really")])
    with pytest.raises(FeedError, match="Choose the feed's files"):
        loads.load_upload(db, admin, [])


@pytest.mark.parametrize("email", ["exec@northwind.example", "report@northwind.example"])
def test_only_admins_load_or_read_the_history(db, user, email):
    with pytest.raises(AccessDenied):
        loads.load_upload(db, user(email), [("feed.zip", zipped(feed_files()))])
    with pytest.raises(AccessDenied):
        loads.history(db, user(email))
    assert db.scalar("SELECT count(*) FROM loads") == 1
