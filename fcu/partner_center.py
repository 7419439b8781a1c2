"""Partner Center Insights reports as FCU's feed.

What a FastTrack Ready Partner has is Partner Center Insights: its scheduled reports and
downloads deliver **OfficeUsage** (per tenant, workload and month) and **EMSUsage** (per
subscription and month), and **CustomersAndTenants** (domains and countries). Claims,
referrals and the rate card have no public API: the partner keeps them as FCU's own
``claims.csv``, ``referrals.csv`` and ``rate_card.csv``.

``load_reports(db, folder, partner_id)`` reads such a folder (files recognised by their
header, CSV or TSV, with or without a byte-order mark), turns the reports into the seven
tables of FCU's feed (written as files to a private temporary folder), and loads those with
``fcu.feed.load_feed``: the same rules, figures and all-or-nothing swap. Every problem names
the partner's own file and line: the reader's own checks (GUIDs, counts, months, duplicates)
do from the start, and the feed's problems in the tables made here are traced back to the
report line each row came from (``_Made``). The mapping rules are in the README
("Partner Center as the source").

The reports are staged in a DuckDB database of their own in the temporary folder (like
``fcu.sample``, a file-to-file step): FCU's database is touched only by ``load_feed``.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pycountry

from fcu import feed
from fcu.db import Database
from fcu.feed import FeedError, LoadResult, Problem, Progress

MAX_LISTED = feed.MAX_LISTED_PER_RULE  # problems of one kind listed before the rest are counted
READABLE = (".csv", ".tsv", ".txt")  # a report is comma- or tab-separated text
OWN_FILES = ("claims", "referrals", "rate_card", "tenants")  # FCU's own files beside them
REPLACED = ("partners", "workloads", "usage")  # FCU files the reports stand in for
NO_DOMAIN = "(not in the reports)"  # a tenant domain when no CustomersAndTenants names it

# Known workload names, compared in lower case without spaces -> FCU's workload key.
WORKLOAD_NAMES = {
    "exchange": "exchange",
    "exchangeonline": "exchange",
    "sharepoint": "sharepoint",
    "sharepointonline": "sharepoint",
    "onedrive": "onedrive",
    "onedriveforbusiness": "onedrive",
    "teams": "teams",
    "microsoftteams": "teams",
    "office365proplus": "m365_apps",
    "microsoft365apps": "m365_apps",
    "microsoft365appsforenterprise": "m365_apps",
}
# FCU's workloads that the reports give: key -> display name.
KNOWN_WORKLOADS = {
    "exchange": "Exchange Online",
    "sharepoint": "SharePoint Online",
    "onedrive": "OneDrive for Business",
    "teams": "Microsoft Teams",
    "m365_apps": "Microsoft 365 Apps",
    "entra_id": "Microsoft Entra ID P1",
    "intune": "Microsoft Intune",
    "purview": "Microsoft Purview Information Protection",
}
# EMSUsage column prefix -> workload key (paid units and active users summed over subscriptions).
EMS_WORKLOADS = {"AADP": "entra_id", "Intune": "intune", "Azip": "purview"}


@dataclass(frozen=True)
class Report:
    kind: str
    signature: tuple[str, ...]  # any of these columns says a file is this report
    needed: tuple[str, ...]  # columns FCU reads, in the report's spelling
    optional: tuple[str, ...] = ()


REPORTS = (
    Report(
        "OfficeUsage",
        ("WorkloadName",),
        (
            "CustomerTenantId",
            "WorkloadName",
            "Month",
            "PaidAvailableUnits",
            "MonthlyActiveUsers",
            "CustomerName",
            "CustomerMarket",
            "CustomerSegment",
            "MPNId",
            "PartnerName",
            "PartnerLocation",
        ),
        ("IsDuplicateRowForPGA",),
    ),
    Report(
        "EMSUsage",
        ("SubscriptionId", "AADPPaidAvailableUnits"),
        (
            "SubscriptionId",
            "Month",
            "CustomerTenantId",
            "CustomerName",
            "CustomerSegment",
            "CustomerMarket",
            "MPNId",
            "PartnerName",
            "PartnerLocation",
            *(f"{p}PaidAvailableUnits" for p in EMS_WORKLOADS),
            *(f"{p}MonthlyActiveUsers" for p in EMS_WORKLOADS),
        ),
    ),
    Report(
        "CustomersAndTenants",
        ("TenantDomainName",),
        ("CustomerTenantId", "TenantDomainName"),
        ("CustomerTenantCountry",),
    ),
)
KINDS = {r.kind: r for r in REPORTS}

# The feed's columns as the reports name them, for problems found in the tables made here.
REPORT_COLUMNS = {
    "partners": {
        "partner_id": "--partner",
        "partner_name": "PartnerName",
        "mpn_id": "MPNId",
        "location_name": "PartnerLocation",
    },
    "tenants": {
        "tenant_id": "CustomerTenantId",
        "tenant_name": "CustomerName",
        "tenant_domain": "TenantDomainName",
        "country": "CustomerMarket",
        "segment": "CustomerSegment",
        "eligible_licenses": "PaidAvailableUnits",
    },
    "workloads": {"workload": "WorkloadName", "display_name": "WorkloadName"},
    "usage": {
        "tenant_id": "CustomerTenantId",
        "workload": "WorkloadName",
        "month": "Month",
        "mau": "MonthlyActiveUsers",
        "pau": "PaidAvailableUnits",
        "tenant_id+workload+month": "CustomerTenantId+WorkloadName+Month",
    },
}


# -- small rules, one value at a time ------------------------------------------------------
def workload_key(name: str) -> tuple[str, str, bool]:
    """A report's WorkloadName -> (FCU workload key, display name, known to FCU)."""
    written = " ".join(name.split())
    key = WORKLOAD_NAMES.get("".join(written.lower().split()))
    if key:
        return key, KNOWN_WORKLOADS[key], True
    return re.sub(r"[^a-z0-9]", "_", written.lower()), written, False


_ISO_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}.*)?")
_US_DAY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?: +\d{1,2}:\d{2}.*)?")


def parse_month(text: str | None) -> str | None:
    """``YYYY-MM``, ``YYYY-MM-DD`` or ``M/D/YYYY`` (each optionally with a time) -> YYYY-MM."""
    text = (text or "").strip()
    if m := _ISO_MONTH.fullmatch(text):
        year, month, day = int(m[1]), int(m[2]), 1
    elif m := _ISO_DAY.fullmatch(text):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif m := _US_DAY.fullmatch(text):
        year, month, day = int(m[3]), int(m[1]), int(m[2])
    else:
        return None
    try:
        date(year, month, day)
    except ValueError:
        return None
    return f"{year:04d}-{month:02d}"


def country_code(text: str | None) -> str | None:
    """A country name or ISO 3166 code (alpha-2, alpha-3, numeric) -> alpha-2, by pycountry.

    Names are looked up as pycountry knows them (official and common names too); a leading
    "The" and a trailing "SAR" are ignored; a name that is part of exactly one country's
    name ("Russia" of "Russian Federation") is that country. Anything else is unknown."""
    text = " ".join((text or "").split())
    if not text:
        return None
    tries = [text, re.sub(r"^the\s+|\s+s\.?a\.?r\.?$", "", text, flags=re.IGNORECASE)]
    for candidate in tries:
        try:
            return pycountry.countries.lookup(candidate).alpha_2
        except LookupError:
            continue
    wanted = tries[-1].lower()
    if len(wanted) < 4:
        return None
    hits = {
        c.alpha_2
        for c in pycountry.countries
        for name in (c.name, getattr(c, "official_name", ""), getattr(c, "common_name", ""))
        if name and wanted in name.lower()
    }
    return hits.pop() if len(hits) == 1 else None


def segment_of(text: str | None) -> str:
    value = (text or "").lower()
    if "educ" in value:
        return "education"
    if "gov" in value or "public" in value:
        return "government"
    return "commercial"


# -- the outcome ---------------------------------------------------------------------------
@dataclass
class FileRead:
    name: str
    kind: str  # a report's kind, or an FCU file ("claims", ...)
    rows: int = 0
    duplicates_dropped: int = 0


@dataclass
class PartnerCenterLoad:
    """What ``load_reports`` did: the feed's LoadResult and what it read from where."""

    partner_id: str
    result: LoadResult
    files: list[FileRead] = field(default_factory=list)
    new_workloads: list[tuple[str, str]] = field(default_factory=list)  # key, name as written
    kept: list[str] = field(default_factory=list)  # FCU files kept from the previous load
    absent: list[str] = field(default_factory=list)  # FCU files neither given nor loaded before
    others: list[str] = field(default_factory=list)  # other partners in FCU, left as they were

    @property
    def ok(self) -> bool:
        return self.result.ok

    @property
    def problems(self) -> list[Problem]:
        return self.result.problems

    def summary(self) -> str:
        r = self.result
        if not r.ok:
            return (
                f"Partner Center reports of {self.partner_id} refused: {r.problem_count} "
                "problem(s); the database is unchanged."
            )
        lines = [
            f"Partner Center reports of {self.partner_id} loaded in {r.seconds:.1f} s. "
            f"Current month: {r.current_month}."
        ]
        for f in self.files:
            dropped = (
                f" ({f.duplicates_dropped:,} duplicate-flagged rows dropped)"
                if f.duplicates_dropped
                else ""
            )
            lines.append(f"  {f.name:<28}{f.kind:<20}{f.rows:>12,} rows{dropped}")
        for name in self.kept:
            lines.append(f"  {name + '.csv':<28}not given: the ones already loaded are kept")
        for name in self.absent:
            lines.append(f"  {name + '.csv':<28}not given and none loaded before: empty")
        if self.others:
            lines.append(
                "Other partners in FCU, left as they were (their MPN locations, claims, "
                "referrals and the tenants only they reach): " + ", ".join(self.others) + "."
            )
        if self.new_workloads:
            lines.append("New workloads (names FCU does not know, loaded as their own):")
            lines += [f"  {key}: {name}" for key, name in self.new_workloads]
        lines.append(
            "FCU's tables: "
            + ", ".join(f"{Path(n).stem} {c:,}" for n, c in r.rows.items())
            + " rows."
        )
        return "\n".join(lines)


# -- reading a folder ------------------------------------------------------------------------
def accepts(name: str) -> bool:
    """Whether a file of an uploaded zip may be a report or one of FCU's own files."""
    path = Path(name)
    if path.name.startswith(".") or path.name.startswith("__MACOSX"):
        return False
    suffix = path.suffix.lower()
    return suffix in READABLE or (suffix == ".parquet" and path.stem.lower() in OWN_FILES)


@dataclass
class _Source:
    path: Path
    kind: str
    header: list[str]  # as written (byte-order mark and spaces removed)
    delim: str

    def column(self, name: str) -> int | None:
        """Position of a column (by the report's name, any case), or None."""
        lowered = [h.lower() for h in self.header]
        return lowered.index(name.lower()) if name.lower() in lowered else None


def _header(path: Path) -> tuple[list[str], str] | None:
    with path.open("rb") as fh:
        raw = fh.readline(1 << 20)
    text = raw.decode("utf-8-sig", errors="replace").rstrip("\r\n")
    if not text.strip():
        return None
    delim = "\t" if "\t" in text else ","
    return [h.strip().strip('"').strip() for h in text.split(delim)], delim


def _recognise(path: Path) -> tuple[_Source | None, list[Problem]]:
    name = path.name
    stem = path.stem.lower()
    if path.suffix.lower() == ".parquet":
        return (_Source(path, stem, [], ","), []) if stem in OWN_FILES else (None, [])
    head = _header(path)
    if head is None:
        return None, [Problem(name, 1, None, "file is empty; a report starts with its header")]
    header, delim = head
    lowered = {h.lower() for h in header}
    for report in REPORTS:
        if any(s.lower() in lowered for s in report.signature):
            missing = [c for c in report.needed if c.lower() not in lowered]
            twice = sorted({h for h in header if [x.lower() for x in header].count(h.lower()) > 1})
            problems = [
                Problem(name, 1, c, f"the {report.kind} report's column is missing")
                for c in missing
            ] + [Problem(name, 1, c, "column appears twice in the header") for c in twice]
            return _Source(path, report.kind, header, delim), problems
    if stem in OWN_FILES and path.suffix.lower() == ".csv":
        return _Source(path, stem, header, delim), []
    if stem in REPLACED:
        return None, [
            Problem(
                name,
                None,
                None,
                f"{stem} is made from the Partner Center reports; remove {name}, or load "
                "FCU's seven-file feed without --partner",
            )
        ]
    known = ", ".join(r.kind for r in REPORTS)
    return None, [
        Problem(
            name,
            1,
            None,
            f"the header is not one of a report FCU reads ({known}) nor of FCU's "
            f"{', '.join(f + '.csv' for f in OWN_FILES)}; it starts: {', '.join(header[:4])}",
        )
    ]


def find_sources(folder: Path) -> tuple[list[_Source], list[Problem]]:
    """The folder's reports and FCU files, recognised by header (reports) or name (FCU's)."""
    sources: list[_Source] = []
    problems: list[Problem] = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        if path.suffix.lower() not in (*READABLE, ".parquet"):
            continue
        source, found = _recognise(path)
        problems += found
        if source is not None:
            sources.append(source)
    for own in OWN_FILES:
        given = [s.path.name for s in sources if s.kind == own]
        if len(given) > 1:
            problems.append(Problem(given[1], None, None, f"{given[0]} is {own} too; keep one"))
    return sources, problems


# -- staging the reports (in the reader's own DuckDB) ----------------------------------------
def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _shown(expr: str) -> str:
    return f"'''' || left(CAST({expr} AS VARCHAR), 40) || ''''"


# The staged columns of each report: (name in the report, name staged, type read as). Tenant
# IDs are read as GUIDs and counts as numbers by DuckDB's CSV reader itself, whose rejects
# give the line of a value that is neither; counts are read as DOUBLE (its BIGINT would round
# 12.5) and checked to be whole and not negative.
_STAGED = {
    "OfficeUsage": (
        ("CustomerTenantId", "tenant", "UUID"),
        ("WorkloadName", "workload_raw", "VARCHAR"),
        ("Month", "month_raw", "VARCHAR"),
        ("PaidAvailableUnits", "pau", "DOUBLE"),
        ("MonthlyActiveUsers", "mau", "DOUBLE"),
        ("CustomerName", "name", "VARCHAR"),
        ("CustomerMarket", "market", "VARCHAR"),
        ("CustomerSegment", "segment", "VARCHAR"),
        ("MPNId", "mpn", "VARCHAR"),
        ("PartnerName", "pname", "VARCHAR"),
        ("PartnerLocation", "ploc", "VARCHAR"),
        ("IsDuplicateRowForPGA", "dup_raw", "VARCHAR"),
    ),
    "EMSUsage": (
        ("CustomerTenantId", "tenant", "UUID"),
        ("SubscriptionId", "subscription", "VARCHAR"),
        ("Month", "month_raw", "VARCHAR"),
        ("CustomerName", "name", "VARCHAR"),
        ("CustomerMarket", "market", "VARCHAR"),
        ("CustomerSegment", "segment", "VARCHAR"),
        ("MPNId", "mpn", "VARCHAR"),
        ("PartnerName", "pname", "VARCHAR"),
        ("PartnerLocation", "ploc", "VARCHAR"),
        *(
            (f"{p}{what}", f"{p.lower()}_{short}", "DOUBLE")
            for p in EMS_WORKLOADS
            for what, short in (("PaidAvailableUnits", "pau"), ("MonthlyActiveUsers", "mau"))
        ),
    ),
    "CustomersAndTenants": (
        ("CustomerTenantId", "tenant", "UUID"),
        ("TenantDomainName", "domain", "VARCHAR"),
        ("CustomerTenantCountry", "country", "VARCHAR"),
    ),
}
_COUNTS = {
    kind: [(report, staged) for report, staged, kind_ in cols if kind_ == "DOUBLE"]
    for kind, cols in _STAGED.items()
}
_CONVERT = re.compile(r'Could not convert string "(.*)" to')
GUID_EXAMPLE = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


class _Reader:
    """The reports of one folder staged as tables ``t<i>`` (one per file) and checked."""

    def __init__(self, con: duckdb.DuckDBPyConnection, partner_id: str) -> None:
        self.con, self.partner_id = con, partner_id
        self.problems: list[Problem] = []
        self.count = 0  # every problem, listed or not
        self.names: dict[int, str] = {}  # file index -> file name
        self.kinds: dict[str, list[int]] = {r.kind: [] for r in REPORTS}
        self.reads: list[FileRead] = []

    def stage(self, i: int, source: _Source) -> None:
        """One report into t<i>: its staged columns, typed; bad values are problems."""
        self.names[i] = source.path.name
        types = ["VARCHAR"] * len(source.header)
        picks, column_of = [], {}
        for report_name, staged, kind in _STAGED[source.kind]:
            pos = source.column(report_name)
            if pos is None:
                picks.append(f"CAST(NULL AS {kind}) AS {staged}")
                continue
            types[pos] = kind
            column_of[f"c{pos}"] = (source.header[pos], kind)
            picks.append(f"c{pos} AS {staged}")
        columns = "{" + ", ".join(f"'c{n}': '{t}'" for n, t in enumerate(types)) + "}"
        self.con.execute(
            f"CREATE TABLE t{i} AS SELECT {', '.join(picks)} FROM read_csv(?, header = true, "
            f"auto_detect = false, columns = {columns}, delim = ?, quote = '\"', escape = '\"', "
            "encoding = 'utf-8', max_line_size = 1048576, null_padding = false, "
            f"store_rejects = true, rejects_table = 'rej{i}', rejects_scan = 'rejscan{i}')",
            [str(source.path), source.delim],
        )
        rejected = self.con.execute(
            f"SELECT line, column_name, error_type, error_message FROM rej{i} ORDER BY line"
        ).fetchall()
        for line, column, error_type, message in rejected[:MAX_LISTED]:
            name, kind = column_of.get(column or "", (None, None))
            self._add(source.path.name, int(line), name, _reject_text(error_type, message, kind))
        self.count += max(len(rejected) - MAX_LISTED, 0)
        if rejected:  # rejected lines are left out: keep where the line numbers shift
            self.con.execute(
                f"CREATE TABLE shift{i} AS SELECT line - 2 - (row_number() OVER (ORDER BY line)"
                f" - 1) AS shift_at FROM (SELECT DISTINCT line FROM rej{i})"
            )
        self.con.execute(f"DROP TABLE rej{i}; DROP TABLE rejscan{i}")
        self.kinds[source.kind].append(i)
        rows = self.con.execute(f"SELECT count(*) FROM t{i}").fetchone()[0]
        self.reads.append(FileRead(source.path.name, source.kind, rows + len(rejected)))

    def line(self, i: int) -> str:
        """SQL for the file line of a row of t<i> (the header is line 1)."""
        shifted = self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [f"shift{i}"]
        ).fetchone()[0]
        if not shifted:
            return "rowid + 2"
        return f"rowid + 2 + (SELECT count(*) FROM shift{i} s WHERE s.shift_at <= t.rowid)"

    def rows(self, kind: str, columns: str = "*") -> str:
        """SQL over every file of a kind: f (file index), line and the staged columns."""
        parts = [
            f"SELECT {i} AS f, {self.line(i)} AS line, {columns} FROM t{i} AS t"
            for i in self.kinds[kind]
        ]
        if not parts:
            empty = ", ".join(f"CAST(NULL AS {t}) AS {n}" for _, n, t in _STAGED[kind])
            return f"SELECT * FROM (SELECT 0 AS f, 0 AS line, {empty}) WHERE false"
        return " UNION ALL ".join(parts)

    def _add(self, file: str, line: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(file, line, column, message))
        self.count += 1

    def rule(self, sql: str, column: str) -> None:
        """Problems from a query of (f, line, message): the first MAX_LISTED, and the count."""
        total = self.con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]
        if not total:
            return
        listed = self.con.execute(
            f"SELECT f, line, message FROM ({sql}) ORDER BY f, line LIMIT {MAX_LISTED}"
        ).fetchall()
        for f, line, message in listed:
            self.problems.append(Problem(self.names[f], int(line), column, message))
        self.count += total
        if total > len(listed):
            first = self.names[listed[0][0]]
            self.problems.append(
                Problem(first, None, column, f"... and {total - len(listed):,} more like these")
            )


def _reject_text(error_type: str | None, message: str | None, kind: str | None) -> str:
    if error_type == "CAST" and kind:
        got = _CONVERT.search(message or "")
        value = got.group(1) if got else "the value"
        value = value if len(value) <= 40 else value[:37] + "..."
        if kind == "UUID":
            return f"'{value}' is not a GUID such as {GUID_EXAMPLE}"
        return f"'{value}' is not a whole number"
    if error_type in ("TOO MANY COLUMNS", "MISSING COLUMNS"):
        return (
            f"wrong number of values on the line ({message}); check for a stray "
            "separator or a missing quote"
        )
    if error_type in ("INVALID ENCODING", "INVALID UNICODE"):
        return "the line is not valid UTF-8; save the report as UTF-8"
    if error_type == "UNQUOTED VALUE":
        return "a value has a stray double quote; quote the whole value and double inner quotes"
    if error_type == "LINE SIZE OVER MAXIMUM":
        return "the line is too long to be a report row"
    return (message or error_type or "unreadable line").splitlines()[0]


# -- what is made, and where each made row came from ----------------------------------------
@dataclass
class _Made:
    """The feed files written from the reports, and the source of each of their rows."""

    folder: Path
    # made file name -> per row (from 1): the (file name, line) it came from, or None
    origins: dict[str, list[tuple[str, int] | None]] = field(default_factory=dict)
    reports_db: Path | None = None  # the reader's database, to trace a usage row back
    lines_sql: str = ""  # (f, line) of the report rows of a usage key (tenant, workload, month)
    file_names: dict[int, str] = field(default_factory=dict)  # report index -> file name
    kept_keys: dict[str, list[str]] = field(default_factory=dict)  # kept file -> key per row
    # given file -> (its first line of other partners' rows appended to it, their keys)
    appended: dict[str, tuple[int, list[str]]] = field(default_factory=dict)
    partner_id: str = ""
    tenants_given: bool = False

    country_named: set[int] = field(default_factory=set)  # tenants rows whose country we named
    _traced: dict = field(default_factory=dict)

    def explain(self, problems: list[Problem]) -> tuple[list[Problem], int]:
        """The feed's problems in the partner's files' terms (see feed.Explain)."""
        # A made file is Parquet, where a value that is not of its type is read as empty:
        # its "value missing" adds nothing to the "'x' is not ..." of the same cell.
        cast = {(p.file, p.line, p.column) for p in problems if " is not " in p.message}
        self._traced = self._usage_origins(problems)
        named = [
            self.name(p)
            for p in problems
            if not (
                p.file == "tenants.parquet"
                and p.column == "country"
                and p.line in self.country_named
            )
            and not (p.message == "value missing" and (p.file, p.line, p.column) in cast)
        ]
        return named, len(named) - len(problems)

    def name(self, p: Problem) -> Problem:
        stem = Path(p.file).stem
        if stem in self.kept_keys:
            key = self.kept_keys[stem][p.line - 2] if p.line and p.line >= 2 else None
            what = f"{stem} already in FCU (no {stem}.csv given)"
            message = self._in_report_terms(p.message)
            return Problem(what, None, p.column, f"{key}: {message}" if key else message)
        if stem in self.appended and p.line and p.line >= self.appended[stem][0]:
            key = self.appended[stem][1][p.line - self.appended[stem][0]]
            what = f"{stem} of other partners already in FCU"
            return Problem(what, None, p.column, f"{key}: {self._in_report_terms(p.message)}")
        if stem in OWN_FILES and p.file not in self.origins:
            return Problem(p.file, p.line, p.column, self._in_report_terms(p.message))
        columns = REPORT_COLUMNS.get(stem, {})
        column = columns.get(p.column or "", p.column)
        if stem == "usage":
            origin = self._traced.get((p.line, p.message))
        else:
            rows = self.origins.get(p.file, [])
            origin = rows[p.line - 1] if p.line and 0 < p.line <= len(rows) else None
        if origin is None:
            return Problem(f"{stem} made from the reports", p.line, column, p.message)
        file, line = origin
        if file == "tenants.csv":
            column = p.column
        return Problem(file, line, column, self._in_report_terms(p.message))

    def _usage_origins(self, problems: list[Problem]) -> dict[tuple[int, str], tuple[str, int]]:
        """(usage row, message) -> the report line it came from. A usage row is traced by
        its key: the feed names every row after the first of a repeated key, so the k-th
        of those is the (k+1)-th report line of that key."""
        rows = sorted({p.line for p in problems if p.file == "usage.parquet" and p.line})
        if not rows or self.reports_db is None:
            return {}
        con = duckdb.connect(str(self.reports_db), read_only=True)
        try:
            keys = con.execute(
                "SELECT file_row_number + 1, CAST(tenant_id AS VARCHAR), workload, month "
                "FROM read_parquet(?, file_row_number = true) WHERE file_row_number + 1 "
                "IN (SELECT unnest(?)) ORDER BY 1",
                [str(self.folder / "usage.parquet"), rows],
            ).fetchall()
            by_key: dict[tuple, list[int]] = {}
            for row, *key in keys:
                by_key.setdefault(tuple(key), []).append(row)
            found = {}
            for key, key_rows in by_key.items():
                lines = con.execute(self.lines_sql, [*key, *key]).fetchall()
                for k, row in enumerate(key_rows):
                    for p in problems:
                        if p.file == "usage.parquet" and p.line == row and lines:
                            at = min(k + 1 if "duplicate" in p.message else 0, len(lines) - 1)
                            f, line = lines[at]
                            found[(row, p.message)] = (self.file_names[f], int(line))
            return found
        finally:
            con.close()

    def _in_report_terms(self, message: str) -> str:
        tenants = "the reports (OfficeUsage, EMSUsage)" + (
            " or tenants.csv" if self.tenants_given else ""
        )
        return (
            message.replace("is not in tenants.csv", f"is not a tenant of {tenants}")
            .replace("not in workloads.csv", "not a workload of the reports nor one FCU knows")
            .replace(
                "is not in partners.csv", f"is not the partner of this load ({self.partner_id})"
            )
            .replace(
                "duplicate key: an earlier line has the same mpn_id",
                "this MPNId is already a location of another partner in FCU",
            )
            .replace("in partners.csv", "in the reports' MPNId column")
            .replace(
                "duplicate key: an earlier line has the same tenant_id, workload, month",
                "an earlier row of the reports has the same tenant, workload and month "
                "(workload names read as FCU's workloads)",
            )
        )


# -- the load ----------------------------------------------------------------------------------
def load_reports(
    db: Database,
    folder: str | Path,
    partner_id: str,
    *,
    loaded_by: str = "command line",
    progress: Progress | None = None,
) -> PartnerCenterLoad:
    """Check and load a folder of Partner Center reports as partner ``partner_id``'s feed.

    All or nothing, as ``fcu.feed.load_feed`` (which does the load): a refused load changes
    nothing, and every problem names the file and line of the folder's own files. Raises
    FeedError (a sentence) when the folder holds no report at all."""
    folder = Path(folder)
    partner_id = (partner_id or "").strip()
    if not partner_id:
        raise FeedError("Name the partner whose reports these are (--partner ID).")
    if not folder.is_dir():
        raise FeedError(f"{folder} is not a folder. Give the folder that holds the reports.")

    def say(fraction: float, text: str) -> None:
        if progress is not None:
            progress(fraction, text)

    sources, found = find_sources(folder)
    if not any(s.kind in ("OfficeUsage", "EMSUsage") for s in sources) and not found:
        raise FeedError(
            f"{folder} holds no OfficeUsage or EMSUsage report. Download them from Partner "
            "Center Insights (see the README) into the folder, then load again."
        )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fcu-partner-center-") as tmp:
        work = Path(tmp)
        out = work / "feed"
        out.mkdir()
        outcome = PartnerCenterLoad(partner_id, LoadResult(False))
        made = _Made(out, partner_id=partner_id, reports_db=work / "reports.duckdb")
        con = duckdb.connect(str(work / "reports.duckdb"), config=_config(work))
        try:
            reader = _Reader(con, partner_id)
            reader.problems += found
            reader.count += len(found)
            reports = [s for s in sources if s.kind in KINDS]
            for i, source in enumerate(reports):
                say(0.02 + 0.25 * i / max(len(reports), 1), f"Reading {source.path.name}")
                if not any(p.file == source.path.name and p.line == 1 for p in found):
                    try:
                        reader.stage(i, source)
                    except duckdb.Error as exc:
                        reader._add(source.path.name, None, None, f"unreadable: {_first(exc)}")
            say(0.3, "Checking the reports")
            _check(reader)
            say(0.35, "Making FCU's tables from the reports")
            _make(reader, made, outcome)
            own = {s.kind: s for s in sources if s.kind in OWN_FILES}
            if "tenants" in own:
                made.tenants_given = True
                _override_tenants(reader, made, own["tenants"])
            others = _Others.of(db, partner_id)
            if others is not None:
                say(0.37, "Keeping the other partners' part of the feed")
                others.keep(db, con, made, outcome, work)
            say(0.4, "Adding claims, referrals and the rate card")
            _own_files(db, own, made, outcome, partner_id, others, reader)
        finally:
            con.close()
        outcome.files = reader.reads + [
            FileRead(s.path.name, s.kind, _rows(s.path)) for s in own.values()
        ]

        def explain(problems: list[Problem]) -> tuple[list[Problem], int]:
            named, dropped = made.explain(problems)
            return reader.problems + named, reader.count + dropped

        outcome.result = feed.load_feed(
            db,
            out,
            loaded_by=loaded_by,
            progress=lambda f, text: say(0.4 + 0.6 * f, text),
            source=f"Partner Center reports of {partner_id} in {folder}",
            explain=explain,
        )
    outcome.result.seconds = time.perf_counter() - started
    return outcome


def _config(work: Path) -> dict:
    return {
        "memory_limit": os.environ.get("FCU_DUCKDB_MEMORY", "1GB"),
        "temp_directory": str(work / "spill"),
        "preserve_insertion_order": True,
    }


def _first(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


def _rows(path: Path) -> int:
    if path.suffix == ".parquet":
        return duckdb.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()[0]
    with path.open("rb") as fh:
        return max(sum(1 for line in fh if line.strip()) - 1, 0)


def _check(r: _Reader) -> None:
    """The reports' own rules past the reading: missing IDs, counts, flags, months, names,
    repeated rows. (A value that is not a GUID or a number was a problem when read.)"""
    con = r.con
    for kind in ("OfficeUsage", "EMSUsage", "CustomersAndTenants"):
        if r.kinds[kind]:
            r.rule(
                f"SELECT f, line, 'value missing' AS message FROM ({r.rows(kind)}) "
                "WHERE tenant IS NULL",
                "CustomerTenantId",
            )
        for report_name, staged in _COUNTS[kind]:
            if r.kinds[kind]:
                shown = (
                    f"CASE WHEN {staged} = round({staged}) THEN CAST(CAST({staged} AS BIGINT) "
                    f"AS VARCHAR) ELSE CAST({staged} AS VARCHAR) END"
                )
                r.rule(
                    f"SELECT f, line, '''' || {shown} || CASE WHEN {staged} < 0 THEN "
                    "''' is below 0' ELSE ''' is not a whole number' END AS message FROM "
                    f"({r.rows(kind)}) WHERE {staged} < 0 OR {staged} <> round({staged}) "
                    f"OR isinf({staged}) OR isnan({staged})",
                    report_name,
                )
    # small columns are read once per distinct value into maps
    usage_kinds = [k for k in ("OfficeUsage", "EMSUsage") if r.kinds[k]]
    months = {
        v
        for k in usage_kinds
        for (v,) in con.execute(f"SELECT DISTINCT month_raw FROM ({r.rows(k)})").fetchall()
    }
    _table(con, "month_map", {"raw": list(months), "month": [parse_month(v) for v in months]})
    office = r.rows("OfficeUsage")
    flags = {v for (v,) in con.execute(f"SELECT DISTINCT dup_raw FROM ({office})").fetchall()}
    known_flags = {"": False, "0": False, "false": False, "1": True, "true": True}
    _table(
        con,
        "flag_map",
        {
            "raw": [v or "" for v in flags],
            "dup": [known_flags.get((v or "").strip().lower()) for v in flags],
        },
    )
    if r.kinds["OfficeUsage"]:
        r.rule(
            f"SELECT f, line, {_shown('dup_raw')} || ' is not 1, 0, True or False' AS message "
            f"FROM ({r.rows('OfficeUsage')}) o JOIN flag_map d ON d.raw = coalesce(o.dup_raw, '') "
            "WHERE d.dup IS NULL",
            "IsDuplicateRowForPGA",
        )
        r.rule(
            f"SELECT f, line, 'value missing' AS message FROM ({r.rows('OfficeUsage')}) "
            "WHERE trim(coalesce(workload_raw, '')) = ''",
            "WorkloadName",
        )
    for kind in usage_kinds:
        r.rule(
            f"SELECT f, line, CASE WHEN trim(coalesce(u.month_raw, '')) = '' THEN "
            f"'value missing' ELSE {_shown('u.month_raw')} || ' is not a month as YYYY-MM, "
            "YYYY-MM-DD or M/D/YYYY' END AS message FROM "
            f"({r.rows(kind)}) u JOIN month_map m ON m.raw IS NOT DISTINCT FROM u.month_raw "
            "WHERE m.month IS NULL",
            "Month",
        )
    if r.kinds["EMSUsage"]:
        r.rule(
            "SELECT f, line, 'value missing' AS message FROM "
            f"({r.rows('EMSUsage')}) WHERE trim(coalesce(subscription, '')) = ''",
            "SubscriptionId",
        )
        # one row per subscription and month: a repeated one would be counted twice
        ems = r.rows("EMSUsage", "subscription, month_raw")
        repeated = con.execute(
            f"SELECT count(*) FROM (SELECT subscription, month_raw FROM ({ems}) "
            "WHERE subscription <> '' GROUP BY ALL HAVING count(*) > 1)"
        ).fetchone()[0]
        if repeated:
            r.rule(
                "SELECT f, line, 'an earlier line has the same SubscriptionId and Month' "
                "AS message FROM (SELECT f, line, row_number() OVER (PARTITION BY "
                f"subscription, month_raw ORDER BY f, line) AS n FROM ({ems}) "
                "WHERE subscription <> '') WHERE n > 1",
                "SubscriptionId",
            )
    if r.kinds["CustomersAndTenants"]:
        r.rule(
            "SELECT f, line, 'an earlier line has the same CustomerTenantId' AS message FROM "
            "(SELECT f, line, row_number() OVER (PARTITION BY tenant ORDER BY f, line) AS n "
            f"FROM ({r.rows('CustomersAndTenants')}) WHERE tenant IS NOT NULL) WHERE n > 1",
            "CustomerTenantId",
        )


def _table(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, list]) -> None:
    """A small table in the reader's database (from Arrow, not row by row): text columns,
    and true/false ones (named ``dup``)."""
    data = pa.table(
        {k: pa.array(v, pa.bool_() if k == "dup" else pa.string()) for k, v in columns.items()}
    )
    con.register("_incoming", data)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _incoming")
    finally:
        con.unregister("_incoming")


# Usage from the reports, one SQL: OfficeUsage rows as they are (duplicate-flagged ones
# dropped), EMSUsage summed over the tenant's subscriptions per month, a workload with no
# units and no users in any month of EMSUsage left out (a subscription without it). Rows
# with a bad value are left out too (they are problems already).
_WHOLE = "({c} IS NULL OR ({c} >= 0 AND {c} = round({c})))"


def _usage_sql(r: _Reader) -> str:
    ems_parts = " UNION ALL ".join(
        f"SELECT tenant, month, '{key}' AS workload, sum({p.lower()}_pau) AS pau, "
        f"sum({p.lower()}_mau) AS mau FROM ems GROUP BY ALL"
        for p, key in EMS_WORKLOADS.items()
    )
    ems_ok = " AND ".join(_WHOLE.format(c=f"e.{c}") for _, c in _COUNTS["EMSUsage"])
    office_ok = " AND ".join(_WHOLE.format(c=f"o.{c}") for _, c in _COUNTS["OfficeUsage"])
    return (
        f"WITH ems AS (SELECT e.*, m.month FROM ({r.rows('EMSUsage')}) e JOIN month_map m "
        f"ON m.raw = e.month_raw WHERE e.tenant IS NOT NULL AND m.month IS NOT NULL AND {ems_ok}), "
        f"ems_usage AS ({ems_parts}), "
        "ems_kept AS (SELECT e.* FROM ems_usage e SEMI JOIN (SELECT tenant, workload FROM "
        "ems_usage GROUP BY ALL HAVING sum(coalesce(pau, 0)) + sum(coalesce(mau, 0)) > 0) k "
        "USING (tenant, workload)) "
        "SELECT o.tenant AS tenant_id, w.workload, m.month, "
        "CAST(coalesce(o.mau, 0) AS BIGINT) AS mau, CAST(coalesce(o.pau, 0) AS BIGINT) AS pau "
        f"FROM ({r.rows('OfficeUsage')}) o JOIN workload_map w ON w.raw = o.workload_raw "
        "JOIN month_map m ON m.raw = o.month_raw JOIN flag_map d "
        "ON d.raw = coalesce(o.dup_raw, '') "
        f"WHERE NOT d.dup AND o.tenant IS NOT NULL AND m.month IS NOT NULL AND {office_ok} "
        "UNION ALL SELECT tenant, workload, month, CAST(coalesce(mau, 0) AS BIGINT), "
        "CAST(coalesce(pau, 0) AS BIGINT) FROM ems_kept"
    )


def _make(r: _Reader, made: _Made, outcome: PartnerCenterLoad) -> None:
    """Write partners, workloads, tenants and usage (Parquet) from the staged reports."""
    con, out = r.con, made.folder
    # workloads: known ones, and each other name as its own
    office = r.rows("OfficeUsage")
    raw = [v for (v,) in con.execute(f"SELECT DISTINCT workload_raw FROM ({office})").fetchall()]
    mapped = {v: workload_key(v) for v in raw if v and v.strip()}
    _table(con, "workload_map", {"raw": list(mapped), "workload": [k[0] for k in mapped.values()]})
    workloads = dict(KNOWN_WORKLOADS)
    new: dict[str, tuple[str, int, int]] = {}
    for value, (key, display, known) in sorted(mapped.items()):
        if not known and key not in workloads and key not in new:
            f, line = con.execute(
                f"SELECT f, line FROM ({office}) WHERE workload_raw = ? ORDER BY f, line LIMIT 1",
                [value],
            ).fetchone()
            new[key] = (display, f, line)
    outcome.new_workloads = [(k, v[0]) for k, v in sorted(new.items())]
    rows = [(k, d, None) for k, d in workloads.items()]
    rows += [(k, d, (r.names[f], line)) for k, (d, f, line) in sorted(new.items())]
    _write(out / "workloads.parquet", ["workload", "display_name"], [x[:2] for x in rows])
    made.origins["workloads.parquet"] = [x[2] for x in rows]

    usage = out / "usage.parquet"
    con.execute(f"COPY ({_usage_sql(r)}) TO ? (FORMAT parquet)", [str(usage)])
    made.file_names = dict(r.names)
    ems_keys = ", ".join(f"'{k}'" for k in EMS_WORKLOADS.values())
    made.lines_sql = (
        f"SELECT f, line FROM ({r.rows('OfficeUsage')}) o JOIN workload_map w "
        "ON w.raw = o.workload_raw JOIN month_map m ON m.raw = o.month_raw JOIN flag_map d "
        "ON d.raw = coalesce(o.dup_raw, '') WHERE NOT d.dup AND CAST(o.tenant AS VARCHAR) = ? "
        f"AND w.workload = ? AND m.month = ? UNION ALL SELECT f, line FROM ({r.rows('EMSUsage')})"
        " e JOIN month_map m ON m.raw = e.month_raw WHERE CAST(e.tenant AS VARCHAR) = ? AND "
        f"? IN ({ems_keys}) AND m.month = ? ORDER BY f, line"
    )
    for i in r.kinds["OfficeUsage"]:
        dropped = con.execute(
            f"SELECT count(*) FROM t{i} o JOIN flag_map d ON d.raw = coalesce(o.dup_raw, '') "
            "WHERE d.dup"
        ).fetchone()[0]
        next(x for x in r.reads if x.name == r.names[i]).duplicates_dropped = dropped
    con.execute(
        "CREATE TABLE eligible AS SELECT tenant_id AS tenant, max(pau) AS eligible "
        "FROM read_parquet(?) WHERE month = (SELECT max(month) FROM read_parquet(?)) "
        "GROUP BY ALL",
        [str(usage), str(usage)],
    )

    # every report row with its tenant, MPN and month, whether kept or duplicate-flagged
    con.execute(
        "CREATE VIEW report_rows AS "
        + " UNION ALL ".join(
            "SELECT x.tenant, coalesce(m.month, '') AS month, x.f, x.line, x.name, x.market, "
            f"x.segment, x.mpn, x.ploc, x.pname FROM ({r.rows(k)}) x LEFT JOIN month_map m "
            "ON m.raw = x.month_raw WHERE x.tenant IS NOT NULL"
            for k in ("OfficeUsage", "EMSUsage")
        )
    )
    _make_tenants(r, made)
    _make_partners(r, made)


def _make_tenants(r: _Reader, made: _Made) -> None:
    """Each tenant's latest row (by month, then file and line) names it; CustomersAndTenants
    gives its domain and country; its eligible licences are its largest PAU this month."""
    con = r.con
    ct = r.rows("CustomersAndTenants")
    rows = con.execute(
        "WITH latest AS (SELECT tenant, arg_max(struct_pack(name, market, segment, f, line), "
        "(month, f, line)) AS x FROM report_rows GROUP BY tenant), "
        f"ct AS (SELECT * FROM ({ct}) WHERE tenant IS NOT NULL QUALIFY row_number() OVER "
        "(PARTITION BY tenant ORDER BY f, line) = 1), "
        "SELECT CAST(l.tenant AS VARCHAR) AS tenant_id, l.x.name, l.x.market, l.x.segment, "
        "l.x.f, l.x.line, ct.domain, ct.country, ct.f, ct.line, coalesce(e.eligible, 0) "
        "FROM latest l LEFT JOIN ct USING (tenant) LEFT JOIN eligible e USING (tenant) "
        "ORDER BY tenant_id"
    ).fetchall()
    codes: dict[str, str | None] = {}
    out_rows, origins = [], []
    for tid, name, market, segment, f, line, domain, country, ct_f, ct_line, eligible in rows:
        if (country or "").strip():
            given, column, where = country, "CustomerTenantCountry", (ct_f, ct_line)
        else:
            given, column, where = market, "CustomerMarket", (f, line)
        if given not in codes:
            codes[given] = country_code(given)
        code = codes[given]
        if code is None:
            made.country_named.add(len(out_rows) + 1)
            r._add(
                r.names[where[0]],
                int(where[1]),
                column,
                "value missing: FCU needs the tenant's country"
                if not (given or "").strip()
                else f"{_quoted(given)} is not a country name or ISO 3166 code FCU knows; "
                "write its ISO code (e.g. US, GB)",
            )
        out_rows.append(
            (tid, name, domain or NO_DOMAIN, code or "", segment_of(segment), str(eligible))
        )
        origins.append((r.names[f], int(line)))
    _write(
        made.folder / "tenants.parquet",
        ["tenant_id", "tenant_name", "tenant_domain", "country", "segment", "eligible_licenses"],
        out_rows,
    )
    made.origins["tenants.parquet"] = origins


def _make_partners(r: _Reader, made: _Made) -> None:
    """The partner and its MPN locations: each MPNId with its latest PartnerLocation (of
    every row, duplicate-flagged ones too); the partner's name is its latest PartnerName."""
    con = r.con
    name_row = con.execute(
        "SELECT arg_max(pname, (month, f, line)) FROM report_rows WHERE trim(pname) <> ''"
    ).fetchone()
    partner_name = (name_row[0] if name_row else None) or made.partner_id
    rows = con.execute(
        "SELECT mpn, arg_max(struct_pack(ploc, f, line), (month, f, line)) AS x "
        "FROM report_rows WHERE coalesce(mpn, '') <> '' GROUP BY mpn ORDER BY mpn"
    ).fetchall()
    out_rows, origins = [], []
    for mpn, latest in rows:
        location = (latest["ploc"] or "").strip() or mpn
        out_rows.append((made.partner_id, partner_name.strip(), mpn, location))
        origins.append((r.names[latest["f"]], int(latest["line"])))
    _write(
        made.folder / "partners.parquet",
        ["partner_id", "partner_name", "mpn_id", "location_name"],
        out_rows,
    )
    made.origins["partners.parquet"] = origins


def _quoted(value: str) -> str:
    return "'" + (value if len(value) <= 40 else value[:37] + "...") + "'"


def _write(path: Path, columns: list[str], rows: Sequence[tuple]) -> None:
    """A small table of text columns as Parquet, rows in the order given."""
    values = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    data = {
        c: pa.array([None if v is None else str(v) for v in vs], pa.string())
        for c, vs in zip(columns, values, strict=True)
    }
    pq.write_table(pa.table(data), path)


# -- FCU's own files: given, else kept from the previous load --------------------------------
_KEPT_SQL = {  # the rows of each FCU file as its CSV holds them, and the file's key
    "claims": (
        "SELECT claim_id, tenant_id, workload, partner_id, mpn_id, status, submitted_on, "
        "approved_on FROM feed_claims",
        "claim_id",
    ),
    "referrals": (
        "SELECT rfa_id, tenant_id, partner_id, mpn_id, strftime(assigned_at, "
        "'%Y-%m-%dT%H:%M:%SZ') AS assigned_at, array_to_string(workloads, ';') AS workloads, "
        "au_pct, source FROM feed_referrals",
        "rfa_id",
    ),
    "rate_card": (
        "SELECT workload, rate_per_unit, max_earning, min_pau FROM feed_rate_card",
        "workload",
    ),
}
_EMPTY = {
    "claims": "claim_id,tenant_id,workload,partner_id,mpn_id,status,submitted_on,approved_on\n",
    "referrals": "rfa_id,tenant_id,partner_id,mpn_id,assigned_at,workloads,au_pct,source\n",
    "rate_card": "workload,rate_per_unit,max_earning,min_pau\n",
}
PARTNER_FILES = ("claims", "referrals")  # FCU files whose rows belong to one partner


def _own_files(
    db: Database,
    own: dict[str, _Source],
    made: _Made,
    outcome: PartnerCenterLoad,
    partner_id: str,
    others: _Others | None,
    reader: _Reader,
) -> None:
    """Copy the FCU files given (byte for byte, so their lines stay); keep the partner's
    claims and referrals, and the rate card, of the previous load where none is given. The
    other partners' claims and referrals stay whether the partner's are given or kept."""
    out = made.folder
    for name in ("claims", "referrals", "rate_card"):
        source = own.get(name)
        sql, key = _KEPT_SQL[name]
        if source is not None:
            target = out / f"{name}{source.path.suffix.lower()}"
            shutil.copyfile(source.path, target)
            if others is not None and name in PARTNER_FILES:
                others.check_given(source, partner_id, reader)
                others.append(db, reader.con, name, source, target, made)
            continue
        if db.table_exists(f"feed_{name}"):
            frame = db.df(
                f"{sql} ORDER BY partner_id <> ?, {key}"
                if name in PARTNER_FILES
                else f"{sql} WHERE ? IS NOT NULL ORDER BY {key}",
                [partner_id],
            )
            frame.to_csv(out / f"{name}.csv", index=False)
            made.kept_keys[name] = [str(k) for k in frame[key]]
            outcome.kept.append(name)
        else:
            (out / f"{name}.csv").write_text(_EMPTY[name], encoding="utf-8")
            outcome.absent.append(name)


# -- the other partners: a load of one partner's reports leaves the rest of FCU as it was -----
@dataclass
class _Others:
    """The part of the feed in FCU that belongs to partners other than this load's: their
    MPN locations, claims and referrals, and the tenants only they reach (through those, or
    claims made in FCU) with their usage. A tenant this load's reports name is the reports'
    (its name, country, licences and usage), whoever else reaches it."""

    partner_id: str
    ids: list[str]  # the other partners, in order

    @classmethod
    def of(cls, db: Database, partner_id: str) -> _Others | None:
        if not db.table_exists("feed_partners"):
            return None
        ids = [
            p
            for (p,) in db.execute(
                "SELECT DISTINCT partner_id FROM feed_partners WHERE partner_id <> ? ORDER BY 1",
                [partner_id],
            )
        ]
        return cls(partner_id, ids) if ids else None

    def keep(self, db, con, made: _Made, outcome: PartnerCenterLoad, work: Path) -> None:
        """Add their rows to the partners, workloads, tenants and usage made from the
        reports (their MPN locations first: an MPN of the reports that is already theirs
        is then named on the reports' row)."""
        out, p = made.folder, self.partner_id
        outcome.others = self.ids
        partners = db.df(
            "SELECT partner_id, partner_name, mpn_id, location_name FROM feed_partners "
            "WHERE partner_id <> ? ORDER BY partner_id, mpn_id",
            [p],
        )
        self._prepend(out / "partners.parquet", partners, made, "other partners' MPN locations")
        made_ids = {
            str(t).lower()
            for t in pq.read_table(out / "tenants.parquet", columns=["tenant_id"])
            .column(0)
            .to_pylist()
        }
        reached = db.execute(
            "SELECT DISTINCT lower(CAST(tenant_id AS VARCHAR)) FROM (SELECT tenant_id FROM "
            "feed_claims WHERE partner_id <> $p UNION ALL SELECT tenant_id FROM feed_referrals "
            "WHERE partner_id <> $p UNION ALL SELECT tenant_id FROM app_claims "
            "WHERE partner_id <> $p) ORDER BY 1",
            {"p": p},
        )
        kept = [t for (t,) in reached if t not in made_ids]
        tenants = db.df(
            "SELECT tenant_id, tenant_name, tenant_domain, country, segment, eligible_licenses "
            "FROM feed_tenants WHERE lower(tenant_id) IN (SELECT unnest($t::VARCHAR[])) "
            "ORDER BY tenant_id",
            {"t": kept},
        )
        self._append_rows(out / "tenants.parquet", tenants, made, "other partners' tenants")
        kept_usage = work / "kept_usage.parquet"
        db.execute(
            "COPY (SELECT tenant_id, workload, month, mau, pau, entitlements FROM feed_usage "
            "WHERE lower(CAST(tenant_id AS VARCHAR)) IN (SELECT unnest($t::VARCHAR[]))) "
            "TO $f (FORMAT parquet)",
            {"t": kept, "f": str(kept_usage)},
        )
        usage, merged = out / "usage.parquet", work / "usage_merged.parquet"
        con.execute(
            "COPY (SELECT * FROM read_parquet($a) UNION ALL BY NAME SELECT * FROM "
            "read_parquet($b)) TO $c (FORMAT parquet)",
            {"a": str(usage), "b": str(kept_usage), "c": str(merged)},
        )
        merged.replace(usage)
        known = set(pq.read_table(out / "workloads.parquet", columns=["workload"])[0].to_pylist())
        used = db.df(
            "SELECT workload, display_name FROM feed_workloads WHERE workload IN (SELECT "
            "workload FROM read_parquet($f) UNION SELECT workload FROM feed_claims WHERE "
            "partner_id <> $p) ORDER BY workload",
            {"f": str(kept_usage), "p": p},
        )
        used = used[~used["workload"].isin(known)]
        self._append_rows(out / "workloads.parquet", used, made, "workloads already in FCU")

    def check_given(self, source: _Source, partner_id: str, reader: _Reader) -> None:
        """A claims or referrals file given with this load holds this partner's rows only:
        one of another partner's is theirs to give (checked here, since that partner is
        in FCU's partners)."""
        frame = _own_frame(source)
        column = next((c for c in frame.columns if c.lower() == "partner_id"), None)
        if column is None:
            return
        for line, value in zip(range(2, len(frame) + 2), frame[column], strict=True):
            if value.strip() in self.ids:
                reader._add(
                    source.path.name,
                    line,
                    "partner_id",
                    f"{_quoted(value)} is another partner in FCU; this load is "
                    f"{partner_id}'s, whose rows only it may hold",
                )

    def append(self, db, con, name: str, source: _Source, target: Path, made: _Made) -> None:
        """Add the other partners' rows of ``name`` after the given file's own lines."""
        sql, key = _KEPT_SQL[name]
        theirs = db.df(f"{sql} WHERE partner_id <> ? ORDER BY {key}", [self.partner_id])
        if theirs.empty:
            return
        if target.suffix == ".parquet":
            con.register("_theirs", theirs.astype("string"))
            merged = target.with_name(f"{name}_merged.parquet")
            con.execute(
                "COPY (SELECT * FROM read_parquet($a) UNION ALL BY NAME SELECT * FROM _theirs) "
                "TO $b (FORMAT parquet)",
                {"a": str(target), "b": str(merged)},
            )
            con.unregister("_theirs")
            merged.replace(target)
            first = pq.read_metadata(target).num_rows - len(theirs) + 2
        else:
            header = [h.lower() for h in source.header]
            rows = [
                ["" if pd.isna(v) else str(v) for v in r]
                for r in theirs.reindex(columns=header).itertuples(index=False)
            ]
            text = target.read_bytes()
            with target.open("a", encoding="utf-8", newline="") as fh:
                if text and not text.endswith((b"\n", b"\r")):
                    fh.write("\n")
                csv.writer(fh, delimiter=source.delim, lineterminator="\n").writerows(rows)
            first = len(_own_frame(source)) + 2
        made.appended[name] = (first, [str(k) for k in theirs[key]])

    @staticmethod
    def _prepend(path: Path, rows: pd.DataFrame, made: _Made, what: str) -> None:
        mine = pq.read_table(path)
        _write(path, list(rows.columns), [*rows.itertuples(index=False), *_tuples(mine)])
        made.origins[path.name] = [(f"{what} already in FCU", None)] * len(rows) + made.origins[
            path.name
        ]

    @staticmethod
    def _append_rows(path: Path, rows: pd.DataFrame, made: _Made, what: str) -> None:
        if rows.empty:
            return
        mine = pq.read_table(path)
        columns = mine.column_names
        _write(path, columns, [*_tuples(mine), *rows[columns].itertuples(index=False)])
        made.origins[path.name] = made.origins[path.name] + [
            (f"{what} already in FCU", None)
        ] * len(rows)


def _tuples(table: pa.Table) -> list[tuple]:
    return list(zip(*(c.to_pylist() for c in table.columns), strict=True))


def _own_frame(source: _Source) -> pd.DataFrame:
    """One of FCU's own files, every value as text (to read a column by line)."""
    if source.path.suffix.lower() == ".parquet":
        return pq.read_table(source.path).to_pandas().astype("string").fillna("")
    return pd.read_csv(
        source.path,
        sep=source.delim,
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
        skipinitialspace=True,
    )


def _override_tenants(r: _Reader, made: _Made, source: _Source) -> None:
    """tenants.csv, when given, replaces the made rows of the tenants it names (eligible
    licences and every other column) and adds the ones no report names."""
    expected = [c.name for c in feed.SPECS["tenants"].columns]
    header = [h.lower() for h in source.header]
    if sorted(header) != sorted(expected):
        r._add(
            source.path.name,
            1,
            None,
            "the header must be the columns of FCU's tenants.csv: " + ",".join(expected),
        )
        return
    con = r.con
    columns = "{" + ", ".join(f"'{h}': 'VARCHAR'" for h in header) + "}"
    con.execute(
        "CREATE TABLE given_tenants AS SELECT * FROM read_csv(?, header = true, "
        f"auto_detect = false, columns = {columns}, delim = ',', quote = '\"', escape = '\"')",
        [str(source.path)],
    )
    given = con.execute(
        f"SELECT {', '.join(expected)}, rowid + 2 FROM given_tenants ORDER BY rowid"
    ).fetchall()
    made_path = made.folder / "tenants.parquet"
    current = con.execute("SELECT * FROM read_parquet(?)", [str(made_path)]).fetchall()
    origins = made.origins["tenants.parquet"]
    by_id = {}
    for *values, line in given:
        by_id[_guid_text(values[0])] = (tuple(values), ("tenants.csv", int(line)))
    rows, where = [], []
    for values, origin in zip(current, origins, strict=True):
        replaced = by_id.pop(values[0], None)
        rows.append(replaced[0] if replaced else values)
        where.append(replaced[1] if replaced else origin)
    for values, origin in by_id.values():
        rows.append(values)
        where.append(origin)
    made_path.unlink()
    _write(made_path, expected, rows)
    made.origins["tenants.parquet"] = where


def _guid_text(value: str | None) -> str:
    try:
        return str(uuid.UUID((value or "").strip()))
    except ValueError:
        return value or ""
