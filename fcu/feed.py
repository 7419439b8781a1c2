"""The feed: its contract, its checks and its all-or-nothing load.

A feed is a folder of seven files (CSV, or Parquet with the same columns). Each file is
read by DuckDB straight into a typed staging table; values that do not parse are caught
by DuckDB's reject tables with their line numbers, and every other rule (ranges, formats,
keys, references) is one SQL query per rule over the staging tables. Only when no rule
fails are the derived tables built and the staging tables swapped in, in one transaction.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from fcu import precompute
from fcu.db import Database
from fcu.metrics import ACTIVE_CLAIM_STATUSES, CLAIM_STATUSES, DEFAULT_MIN_PAU

# How many problems of one kind (file, column, rule) are listed before the rest are counted.
MAX_LISTED_PER_RULE = 200
MAX_TEXT = 256  # characters in any feed text value
SEGMENTS = ("commercial", "education", "government")

ISO_COUNTRIES = frozenset(
    """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO
    BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK
    DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR
    GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM
    KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP
    MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL
    PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST
    SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG
    VI VN VU WF WS YE YT ZA ZM ZW""".split()
)

# column kind -> (DuckDB type, what a good value looks like)
KINDS: dict[str, tuple[str, str]] = {
    "text": ("VARCHAR", "text"),
    "guid": ("UUID", "a GUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
    "int": ("BIGINT", "a whole number"),
    "number": ("DOUBLE", "a number"),
    "date": ("DATE", "a date as YYYY-MM-DD"),
    "timestamp": ("TIMESTAMPTZ", "an ISO 8601 time such as 2026-10-28T14:05:00Z"),
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"
    required: bool = True  # a value must be present
    optional_column: bool = False  # the column itself may be left out of the file


@dataclass(frozen=True)
class FileSpec:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


CONTRACT: tuple[FileSpec, ...] = (
    FileSpec(
        "partners",
        (Column("partner_id"), Column("partner_name"), Column("mpn_id"), Column("location_name")),
        ("mpn_id",),
    ),
    FileSpec(
        "tenants",
        (
            Column("tenant_id", "guid"),
            Column("tenant_name"),
            Column("tenant_domain"),
            Column("country"),
            Column("segment"),
            Column("eligible_licenses", "int"),
        ),
        ("tenant_id",),
    ),
    FileSpec("workloads", (Column("workload"), Column("display_name")), ("workload",)),
    FileSpec(
        "usage",
        (
            Column("tenant_id", "guid"),
            Column("workload"),
            Column("month"),
            Column("mau", "int"),
            Column("pau", "int"),
            Column("entitlements", "int", required=False, optional_column=True),
        ),
        ("tenant_id", "workload", "month"),
    ),
    FileSpec(
        "claims",
        (
            Column("claim_id"),
            Column("tenant_id", "guid"),
            Column("workload"),
            Column("partner_id"),
            Column("mpn_id"),
            Column("status"),
            Column("submitted_on", "date"),
            Column("approved_on", "date", required=False),
        ),
        ("claim_id",),
    ),
    FileSpec(
        "referrals",
        (
            Column("rfa_id"),
            Column("tenant_id", "guid"),
            Column("partner_id"),
            Column("mpn_id"),
            Column("assigned_at", "timestamp"),
            Column("workloads"),
            Column("au_pct", "number", required=False),
            Column("source", required=False),
        ),
        ("rfa_id",),
    ),
    FileSpec(
        "rate_card",
        (
            Column("workload"),
            Column("rate_per_unit", "number"),
            Column("max_earning", "number"),
            Column("min_pau", "int", required=False, optional_column=True),
        ),
        ("workload",),
    ),
)
SPECS = {spec.name: spec for spec in CONTRACT}

log = logging.getLogger("fcu")


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        line = "-" if self.line is None else str(self.line)
        return f"{self.file}:{line}: {self.column or '-'}: {self.message}"


@dataclass
class LoadResult:
    ok: bool
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0  # every problem, including those past the listing cap
    rows: dict[str, int] = field(default_factory=dict)
    current_month: str | None = None
    seconds: float = 0.0
    load_id: int | None = None
    loaded_by: str = ""
    source: str = ""
    step_seconds: dict[str, float] = field(default_factory=dict)  # how long each step took
    started_at: datetime = field(default_factory=datetime.now)

    def summary(self) -> str:
        if not self.ok:
            return f"Feed refused: {self.problem_count} problem(s); the database is unchanged."
        lines = [f"Feed loaded in {self.seconds:.1f} s. Current month: {self.current_month}."]
        lines += [f"  {name:<16}{count:>14,} rows" for name, count in self.rows.items()]
        return "\n".join(lines)


class FeedError(Exception):
    """The folder or upload cannot be read as a feed at all (message is a sentence)."""


# -- locating the files -----------------------------------------------------------------
def find_files(folder: Path) -> tuple[dict[str, Path], list[Problem]]:
    found: dict[str, Path] = {}
    problems: list[Problem] = []
    for spec in CONTRACT:
        candidates = [folder / f"{spec.name}.csv", folder / f"{spec.name}.parquet"]
        present = [p for p in candidates if p.is_file()]
        if not present:
            problems.append(
                Problem(
                    f"{spec.name}.csv",
                    None,
                    None,
                    f"file is missing from {folder}; add {spec.name}.csv (or .parquet)",
                )
            )
        elif len(present) > 1:
            problems.append(
                Problem(
                    f"{spec.name}.csv",
                    None,
                    None,
                    f"both {spec.name}.csv and {spec.name}.parquet are present; keep one",
                )
            )
        else:
            found[spec.name] = present[0]
    return found, problems


# An upload's zip may expand to at most this much in all, and no member past its first
# 10 MB to more than MAX_ZIP_RATIO times its compressed size (a feed's CSVs compress 5-20
# times; a zip bomb a thousand): both are read as they are written, never trusted from
# the zip's own header.
MAX_EXPANDED_MB = int(os.environ.get("FCU_MAX_EXPANDED_MB", "8192"))
MAX_ZIP_RATIO = 200
_RATIO_FREE = 10 << 20
_CHUNK = 1 << 20


def _duplicate(base: str) -> FeedError:
    return FeedError(
        f"The upload holds {base} more than once (in the zip's folders, in two zips, or as "
        "a file beside a zip). Keep one copy of each file and upload again."
    )


def extract_upload(
    data: bytes | dict[str, bytes],
    into: Path,
    accept: Callable[[str], bool] | None = None,
) -> Path:
    """Write an uploaded zip (or {file name: bytes}) into a folder; return that folder.

    ``accept`` says which of a zip's file names to take (default: the feed's file names).
    Raises FeedError (a sentence) for a zip that cannot be read, expands past the limits,
    or holds a feed file twice (also when the folder already holds it from another upload).
    """
    into.mkdir(parents=True, exist_ok=True)
    if isinstance(data, dict):
        for name, content in data.items():
            target = into / Path(name).name
            if target.exists():
                raise _duplicate(target.name)
            target.write_bytes(content)
        return into
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            wanted = {f"{s.name}.{ext}" for s in CONTRACT for ext in ("csv", "parquet")}
            budget = MAX_EXPANDED_MB << 20
            for info in archive.infolist():
                base = Path(info.filename).name
                if info.is_dir() or not (accept(base) if accept else base in wanted):
                    continue
                target = into / base
                if target.exists():
                    raise _duplicate(base)
                budget -= _unzip_member(archive, info, target, budget)
    except zipfile.BadZipFile as exc:
        raise FeedError(
            "The upload is not a readable zip file. Upload a zip of the feed's files, "
            "or the files themselves."
        ) from exc
    return into


def _unzip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int):
    """Copy one member out in chunks, counting what it expands to; return its size."""
    written = 0
    with archive.open(info) as source, target.open("wb") as out:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > budget:
                raise FeedError(
                    f"The zip expands to more than {MAX_EXPANDED_MB:,} MB, more than FCU "
                    "reads from one upload. Upload the files themselves, or load the folder "
                    "with `python -m fcu load`."
                )
            if written > _RATIO_FREE and written > MAX_ZIP_RATIO * max(info.compress_size, 1):
                raise FeedError(
                    f"{Path(info.filename).name} in the zip expands to more than "
                    f"{MAX_ZIP_RATIO} times its compressed size, which no feed file does. "
                    "Zip the feed's files again and upload that zip."
                )
            out.write(chunk)
    return written


# -- reading one file into a staging table -----------------------------------------------
def _read_header(path: Path) -> list[str] | None:
    with path.open("rb") as fh:
        raw = fh.readline(1 << 20)
    if not raw.strip():
        return None
    text = raw.decode("utf-8-sig", errors="replace")
    row = next(csv.reader([text]), [])
    return [name.strip().lower() for name in row]


def _header_problems(spec: FileSpec, fname: str, header: list[str] | None) -> list[Problem]:
    if header is None:
        expected = ",".join(c.name for c in spec.columns if not c.optional_column)
        return [Problem(fname, 1, None, f"file is empty; its first line must be: {expected}")]
    problems = []
    known = {c.name for c in spec.columns}
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(Problem(fname, 1, name, "column appears twice in the header"))
        seen.add(name)
        if name not in known:
            shown = name if name else "(empty)"
            problems.append(
                Problem(
                    fname,
                    1,
                    shown,
                    "unknown column; expected only " + ", ".join(c.name for c in spec.columns),
                )
            )
    for col in spec.columns:
        if col.name not in seen and not col.optional_column:
            problems.append(Problem(fname, 1, col.name, "required column is missing"))
    return problems


_CONVERT = re.compile(r'Could not convert string "(.*)" to')


def _reject_message(spec: FileSpec, row: tuple) -> tuple[str | None, str]:
    column, error_type, message = row
    if error_type == "CAST" and column:
        col = spec.column(column)
        got = _CONVERT.search(message or "")
        value = got.group(1) if got else "the value"
        if len(value) > 40:
            value = value[:37] + "..."
        return column, f"'{value}' is not {KINDS[col.kind][1]}"
    if error_type in ("TOO MANY COLUMNS", "MISSING COLUMNS"):
        return None, (
            f"wrong number of values on the line ({message}); "
            "check for a stray comma or a missing quote"
        )
    if error_type in ("INVALID ENCODING", "INVALID UNICODE"):
        return None, "the line is not valid UTF-8; save the file as UTF-8"
    if error_type == "UNQUOTED VALUE":
        return (
            None,
            "a value has a stray double quote; quote the whole value and double inner quotes",
        )
    if error_type == "LINE SIZE OVER MAXIMUM":
        return None, "the line is too long to be a feed record"
    return column, (message or error_type or "unreadable line").splitlines()[0]


def _stage_csv(
    cur: duckdb.DuckDBPyConnection, spec: FileSpec, path: Path, header: list[str]
) -> list[Problem]:
    fname = path.name
    types = {name: KINDS[spec.column(name).kind][0] for name in header}
    columns_sql = "{" + ", ".join(f"'{n}': '{t}'" for n, t in types.items()) + "}"
    rej, scan = f"rej_{spec.name}", f"rejscan_{spec.name}"
    cur.execute(f"DROP TABLE IF EXISTS {rej}; DROP TABLE IF EXISTS {scan}")
    select = _select_with_defaults(spec, header)
    # Names and types come from the contract above, never from the file.
    cur.execute(
        f"CREATE OR REPLACE TABLE stg_{spec.name} AS SELECT {select} FROM read_csv(?, "
        f"header = true, auto_detect = false, columns = {columns_sql}, delim = ',', "
        "quote = '\"', escape = '\"', encoding = 'utf-8', max_line_size = 1048576, "
        f"store_rejects = true, rejects_table = '{rej}', rejects_scan = '{scan}')",
        [str(path)],
    )
    problems = []
    rows = cur.execute(
        f"SELECT line, column_name, error_type, error_message FROM {rej} ORDER BY line, column_idx"
    ).fetchall()
    for line, *rest in rows:
        column, message = _reject_message(spec, tuple(rest))
        problems.append(Problem(fname, int(line), column, message))
    if rows:
        # Rejected lines are left out of the staging table, so a row's line number is its
        # rowid + 2 plus the rejected lines before it: keep where each shift starts.
        cur.execute(
            f"CREATE OR REPLACE TABLE stg_{spec.name}__shift AS SELECT line - 2 - "
            f"(row_number() OVER (ORDER BY line) - 1) AS shift_at FROM "
            f"(SELECT DISTINCT line FROM {rej})"
        )
    cur.execute(f"DROP TABLE IF EXISTS {rej}; DROP TABLE IF EXISTS {scan}")
    return problems


def line_expr(cur: duckdb.DuckDBPyConnection, name: str, alias: str, parquet: bool) -> str:
    """SQL for the file line (CSV, after the header) or row number (Parquet) of a staged row."""
    if parquet:
        return f"{alias}.rowid + 1"
    shifted = cur.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [f"stg_{name}__shift"]
    ).fetchone()[0]
    if not shifted:
        return f"{alias}.rowid + 2"
    return (
        f"{alias}.rowid + 2 + (SELECT count(*) FROM stg_{name}__shift s "
        f"WHERE s.shift_at <= {alias}.rowid)"
    )


def _stage_parquet(cur: duckdb.DuckDBPyConnection, spec: FileSpec, path: Path) -> list[Problem]:
    fname = path.name
    try:
        names = [
            r[0].strip().lower()
            for r in cur.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
        ]
    except duckdb.Error as exc:
        return [Problem(fname, None, None, f"not a readable Parquet file ({_first_line(exc)})")]
    problems = _header_problems(spec, fname, names)
    if problems:
        return problems
    cur.execute(
        f"CREATE OR REPLACE TABLE raw_{spec.name} AS SELECT * FROM read_parquet(?)",
        [str(path)],
    )
    casts, checks = [], []
    for name in names:
        col = spec.column(name)
        duck = KINDS[col.kind][0]
        casts.append(f'TRY_CAST("{name}" AS {duck}) AS {name}')
        checks.append(
            f"SELECT rowid + 1, '{name}', CAST(\"{name}\" AS VARCHAR) FROM raw_{spec.name} "
            f'WHERE "{name}" IS NOT NULL AND TRY_CAST("{name}" AS {duck}) IS NULL'
        )
    for line, name, value in cur.execute(" UNION ALL ".join(checks)).fetchall():
        kind = spec.column(name).kind
        problems.append(Problem(fname, int(line), name, f"'{value}' is not {KINDS[kind][1]}"))
    cur.execute(
        f"CREATE OR REPLACE TABLE stg_{spec.name} AS SELECT "
        f"{_select_with_defaults(spec, names)} FROM (SELECT {', '.join(casts)} "
        f"FROM raw_{spec.name})"
    )
    cur.execute(f"DROP TABLE raw_{spec.name}")
    return problems


def _select_with_defaults(spec: FileSpec, present: list[str]) -> str:
    """Columns in contract order; an optional column left out of the file comes back empty."""
    parts = []
    for col in spec.columns:
        if col.name in present:
            parts.append(col.name)
        else:
            parts.append(f"CAST(NULL AS {KINDS[col.kind][0]}) AS {col.name}")
    return ", ".join(parts)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__


# -- the rules -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    file: str
    column: str
    where: str  # SQL condition over stg_<file> aliased as t, true for a bad row
    message: str  # SQL expression giving the message for a bad row
    needs: tuple[str, ...] = ()  # other staging tables the rule reads
    # For the big usage table: a cheap SQL count over a small table; 0 skips the full scan.
    only_if: str | None = None


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _shown(expr: str) -> str:
    """SQL that quotes a value for a message, shortened."""
    return f"'''' || left(CAST({expr} AS VARCHAR), 40) || ''''"


def rules() -> list[Rule]:
    out: list[Rule] = []
    for spec in CONTRACT:
        for col in spec.columns:
            if col.required:
                out.append(Rule(spec.name, col.name, f"t.{col.name} IS NULL", _q("value missing")))
            if col.kind == "text":
                out.append(
                    Rule(
                        spec.name,
                        col.name,
                        f"length(t.{col.name}) > {MAX_TEXT}",
                        _q(f"longer than {MAX_TEXT} characters"),
                    )
                )
                if col.required:
                    out.append(
                        Rule(
                            spec.name,
                            col.name,
                            f"t.{col.name} IS NOT NULL AND trim(t.{col.name}) = ''",
                            _q("value is blank"),
                        )
                    )
            if col.kind in ("int", "number"):
                out.append(
                    Rule(
                        spec.name,
                        col.name,
                        f"t.{col.name} < 0 OR isnan(t.{col.name}) OR isinf(t.{col.name})"
                        if col.kind == "number"
                        else f"t.{col.name} < 0",
                        _shown(f"t.{col.name}") + " || ' is below 0'",
                    )
                )
    countries = ", ".join(_q(c) for c in sorted(ISO_COUNTRIES))
    out += [
        Rule(
            "tenants",
            "country",
            f"t.country NOT IN ({countries})",
            _shown("t.country") + " || ' is not an ISO 3166 alpha-2 country code (e.g. US, GB)'",
        ),
        Rule(
            "tenants",
            "segment",
            f"t.segment NOT IN ({', '.join(map(_q, SEGMENTS))})",
            _shown("t.segment") + f" || ' is not one of {', '.join(SEGMENTS)}'",
        ),
        Rule(
            "usage",
            "month",
            "t.month IN (SELECT month FROM stg_months WHERE NOT valid)",
            _shown("t.month") + " || ' is not a month as YYYY-MM'",
            only_if="SELECT count(*) FROM stg_months WHERE NOT valid",
        ),
        Rule(
            "claims",
            "status",
            f"t.status NOT IN ({', '.join(map(_q, CLAIM_STATUSES))})",
            _shown("t.status") + f" || ' is not one of {', '.join(CLAIM_STATUSES)}'",
        ),
        Rule(
            "claims",
            "approved_on",
            "t.approved_on < t.submitted_on",
            _q("approved before it was submitted"),
        ),
        Rule(
            "partners",
            "partner_name",
            "t.partner_name IS DISTINCT FROM (SELECT min(p.partner_name) FROM stg_partners p "
            "WHERE p.partner_id = t.partner_id) AND t.partner_id IS NOT NULL",
            "'partner ' || "
            + _shown("t.partner_id")
            + " || ' has another name on an earlier line'",
        ),
    ]
    # references
    # usage's references are checked on its per tenant-workload aggregate first
    for column, target in (("tenant_id", "tenants"), ("workload", "workloads")):
        bad = (
            f"SELECT DISTINCT {column} FROM stg_usage_tw WHERE {column} NOT IN "
            f"(SELECT CAST({column} AS VARCHAR) FROM stg_{target} WHERE {column} IS NOT NULL)"
        )
        out.append(
            Rule(
                "usage",
                column,
                f"CAST(t.{column} AS VARCHAR) IN ({bad})",
                _shown(f"t.{column}") + f" || ' is not in {target}.csv'",
                needs=(target,),
                only_if=f"SELECT count(*) FROM ({bad})",
            )
        )
    refs = [
        ("claims", "tenant_id", "tenants", "tenant_id"),
        ("claims", "workload", "workloads", "workload"),
        ("claims", "partner_id", "partners", "partner_id"),
        ("referrals", "tenant_id", "tenants", "tenant_id"),
        ("referrals", "partner_id", "partners", "partner_id"),
        ("rate_card", "workload", "workloads", "workload"),
    ]
    for file, column, target, target_col in refs:
        out.append(
            Rule(
                file,
                column,
                f"t.{column} IS NOT NULL AND t.{column} NOT IN "
                f"(SELECT {target_col} FROM stg_{target} WHERE {target_col} IS NOT NULL)",
                _shown(f"t.{column}") + f" || ' is not in {target}.csv'",
                needs=(target,),
            )
        )
    for file in ("claims", "referrals"):
        out.append(
            Rule(
                file,
                "mpn_id",
                "t.mpn_id IS NOT NULL AND t.partner_id IS NOT NULL AND NOT EXISTS (SELECT 1 "
                "FROM stg_partners p WHERE p.mpn_id = t.mpn_id AND p.partner_id = t.partner_id)",
                _shown("t.mpn_id")
                + " || ' is not an MPN location of partner ' || "
                + _shown("t.partner_id")
                + " || ' in partners.csv'",
                needs=("partners",),
            )
        )
    out.append(
        Rule(
            "referrals",
            "workloads",
            "t.workloads IS NOT NULL AND EXISTS (SELECT 1 FROM "
            "unnest(string_split(t.workloads, ';')) "
            "AS w(key) WHERE trim(w.key) NOT IN (SELECT workload FROM stg_workloads "
            "WHERE workload IS NOT NULL))",
            "'has a workload that is not in workloads.csv: ' || " + _shown("t.workloads"),
            needs=("workloads",),
        )
    )
    # keys: every line after the first of a duplicated key
    for spec in CONTRACT:
        if spec.name == "usage":
            continue  # checked through its per tenant-workload aggregate, see precompute
        out.append(
            Rule(
                spec.name,
                "+".join(spec.key),
                f"t.rowid IN (SELECT rowid FROM (SELECT rowid, row_number() OVER "
                f"(PARTITION BY {', '.join(spec.key)} ORDER BY rowid) AS n FROM stg_{spec.name} "
                f"WHERE {' AND '.join(f'{k} IS NOT NULL' for k in spec.key)}) WHERE n > 1)",
                _q("duplicate key: an earlier line has the same " + ", ".join(spec.key)),
            )
        )
    active = ", ".join(map(_q, ACTIVE_CLAIM_STATUSES))
    out.append(
        Rule(
            "claims",
            "status",
            f"t.rowid IN (SELECT rowid FROM (SELECT rowid, row_number() OVER (PARTITION BY "
            f"tenant_id, workload ORDER BY rowid) AS n FROM stg_claims WHERE status IN ({active})) "
            "WHERE n > 1)",
            "'a second active claim on this tenant and workload (at most one partner may hold "
            "an active claim); an earlier line already has one'",
        )
    )
    return out


def check_staged(
    cur: duckdb.DuckDBPyConnection, staged: set[str], names: dict[str, str]
) -> tuple[list[Problem], int]:
    """Run every rule whose tables are staged; return listed problems and the total count."""
    problems: list[Problem] = []
    total = 0
    for rule in rules():
        if rule.file not in staged or any(n not in staged for n in rule.needs):
            continue
        if rule.only_if and not cur.execute(rule.only_if).fetchone()[0]:
            continue
        fname = names[rule.file]
        line = line_expr(cur, rule.file, "t", fname.endswith(".parquet"))
        sql = (
            f"SELECT {line} AS line, {rule.message} AS message "
            f"FROM stg_{rule.file} AS t WHERE {rule.where}"
        )
        count = cur.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]
        if not count:
            continue
        total += count
        listed = cur.execute(f"{sql} ORDER BY line LIMIT {MAX_LISTED_PER_RULE}").fetchall()
        for line, message in listed:
            problems.append(Problem(fname, int(line), rule.column, message))
        if count > len(listed):
            problems.append(
                Problem(
                    fname,
                    None,
                    rule.column,
                    f"... and {count - len(listed):,} more lines with the same problem",
                )
            )
    return problems, total


# -- the load ------------------------------------------------------------------------------
FINAL_TABLES = (
    "partners",
    "tenants",
    "workloads",
    "usage",
    "claims",
    "referrals",
    "rate_card",
    "tenant_workload",
    "partner_tenant",
    "meta",
)
Progress = Callable[[float, str], None]
# Given the feed's problems: the same named in another format's terms, with that format's
# own problems added, and how many it added (listed or not). See load_feed.
Explain = Callable[[list[Problem]], tuple[list[Problem], int]]


def _drop_staging(cur: duckdb.DuckDBPyConnection) -> None:
    names = [
        r[0]
        for r in cur.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND "
            "(table_name LIKE 'stg\\_%' ESCAPE '\\' OR table_name LIKE 'rej\\_%' ESCAPE '\\' "
            "OR table_name LIKE 'rejscan\\_%' ESCAPE '\\' OR table_name LIKE 'raw\\_%' ESCAPE '\\')"
        ).fetchall()
    ]
    for name in names:
        cur.execute(f'DROP TABLE IF EXISTS "{name}"')


def _finalise_small_tables(cur: duckdb.DuckDBPyConnection, current_month: str) -> None:
    """Cast GUIDs to text and apply defaults in the small tables (usage stays as read)."""
    cur.execute(
        "CREATE OR REPLACE TABLE stg_tenants AS SELECT CAST(tenant_id AS VARCHAR) AS tenant_id, "
        "tenant_name, tenant_domain, country, segment, eligible_licenses FROM stg_tenants"
    )
    cur.execute(
        "CREATE OR REPLACE TABLE stg_claims AS SELECT claim_id, CAST(tenant_id AS VARCHAR) "
        "AS tenant_id, workload, partner_id, mpn_id, status, submitted_on, approved_on "
        "FROM stg_claims"
    )
    cur.execute(
        "CREATE OR REPLACE TABLE stg_referrals AS SELECT rfa_id, CAST(tenant_id AS VARCHAR) "
        "AS tenant_id, partner_id, mpn_id, CAST(assigned_at AS TIMESTAMP) AS assigned_at, "
        "list_filter(list_transform(string_split(workloads, ';'), lambda w: trim(w)), "
        "lambda w: w <> '') "
        "AS workloads, au_pct, source FROM stg_referrals"
    )
    cur.execute(
        "CREATE OR REPLACE TABLE stg_rate_card_final AS SELECT workload, rate_per_unit, "
        f"max_earning, coalesce(min_pau, {DEFAULT_MIN_PAU}) AS min_pau FROM stg_rate_card"
    )
    cur.execute(
        "CREATE OR REPLACE TABLE stg_meta AS SELECT CAST(? AS VARCHAR) AS current_month, "
        "CAST(current_timestamp AS TIMESTAMP) AS loaded_at",
        [current_month],
    )


def _usage_key_problems(cur: duckdb.DuckDBPyConnection, fname: str) -> tuple[list[Problem], int]:
    """Duplicate (tenant_id, workload, month) lines, found through the per-pair aggregate."""
    bad_pairs = cur.execute(
        "SELECT count(*) FROM stg_usage_tw WHERE n_rows <> n_months"
    ).fetchone()[0]
    if not bad_pairs:
        return [], 0
    line = line_expr(cur, "usage", "u", fname.endswith(".parquet"))
    sql = (
        f"SELECT line FROM (SELECT {line} AS line, row_number() OVER (PARTITION BY "
        "u.tenant_id, u.workload, u.month ORDER BY u.rowid) AS n FROM stg_usage u "
        "WHERE (CAST(u.tenant_id AS VARCHAR), u.workload) IN "
        "(SELECT (tenant_id, workload) FROM stg_usage_tw WHERE n_rows <> n_months)) WHERE n > 1"
    )
    total = cur.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]
    listed = cur.execute(f"{sql} ORDER BY line LIMIT {MAX_LISTED_PER_RULE}").fetchall()
    column = "tenant_id+workload+month"
    message = "duplicate key: an earlier line has the same tenant_id, workload, month"
    problems = [Problem(fname, int(line), column, message) for (line,) in listed]
    if total > len(listed):
        problems.append(
            Problem(fname, None, column, f"... and {total - len(listed):,} more duplicate lines")
        )
    return problems, total


def load_feed(
    db: Database,
    folder: str | Path,
    *,
    loaded_by: str = "command line",
    progress: Progress | None = None,
    source: str | None = None,
    explain: Explain | None = None,
) -> LoadResult:
    """Check and load a feed folder; all or nothing. Records the attempt in ``loads``.

    A reader of another format (``fcu.partner_center``) that wrote the folder passes what
    the load is recorded as coming from (``source``) and ``explain`` (see ``Explain``), so
    that every problem names the file and line the partner has.
    """
    folder = Path(folder)
    started = time.perf_counter()
    result = LoadResult(False, loaded_by=loaded_by, source=source or str(folder))
    mark = [started, "Starting"]

    def say(fraction: float, text: str) -> None:
        now = time.perf_counter()
        result.step_seconds[mark[1]] = now - mark[0]
        mark[:] = [now, text]
        if progress is not None:
            progress(fraction, text)

    if not db.feed_lock.acquire(blocking=False):
        raise FeedError("Another feed load is running. Wait for it to finish, then try again.")
    try:
        result = _load_locked(db, folder, say, result, explain)
    finally:
        db.feed_lock.release()
    say(1.0, "Done")
    result.seconds = time.perf_counter() - started
    log.info(
        "feed load %s in %.1f s: %s",
        "done" if result.ok else "refused",
        result.seconds,
        ", ".join(f"{k} {v:.1f} s" for k, v in result.step_seconds.items()),
    )
    if not result.ok:
        db.write(lambda cur: _record_load(cur, result))
    return result


def _record_load(cur: duckdb.DuckDBPyConnection, result: LoadResult) -> None:
    errors = "\n".join(str(p) for p in result.problems[:1000]) or None
    result.load_id = cur.execute(
        "INSERT INTO loads (started_at, finished_at, loaded_by, source, outcome, current_month, "
        "rows_per_file, error_count, errors) VALUES (?, current_timestamp, ?, ?, ?, ?, "
        "MAP(?::VARCHAR[], ?::BIGINT[]), ?, ?) RETURNING load_id",
        [
            result.started_at,
            result.loaded_by,
            result.source,
            "loaded" if result.ok else "refused",
            result.current_month,
            list(result.rows),
            list(result.rows.values()),
            result.problem_count,
            errors,
        ],
    ).fetchone()[0]


def _load_locked(
    db: Database, folder: Path, say: Progress, result: LoadResult, explain: Explain | None = None
) -> LoadResult:
    if not folder.is_dir():
        raise FeedError(f"{folder} is not a folder. Give the folder that holds the feed's files.")
    files, problems = find_files(folder)
    total = len(problems)
    cur = db.cursor()
    try:
        _drop_staging(cur)
        staged: set[str] = set()
        names: dict[str, str] = {}
        for i, spec in enumerate(CONTRACT):
            path = files.get(spec.name)
            if path is None:
                continue
            names[spec.name] = path.name
            say(0.05 + 0.5 * i / len(CONTRACT), f"Reading {path.name}")
            try:
                if path.suffix == ".parquet":
                    found = _stage_parquet(cur, spec, path)
                else:
                    header = _read_header(path)
                    found = _header_problems(spec, path.name, header)
                    if not found:
                        found = _stage_csv(cur, spec, path, header or [])
            except duckdb.Error as exc:
                found = [Problem(path.name, None, None, f"unreadable: {_first_line(exc)}")]
            problems += found
            total += len(found)
            if not found:
                staged.add(spec.name)
            elif db.table_exists(f"stg_{spec.name}") and not any(
                p.line is None or p.line <= 1 for p in found
            ):
                staged.add(spec.name)  # still checked, so that every problem is listed

        current_month = None
        if "usage" in staged:
            say(0.6, "Summing usage per tenant and workload")
            current_month = precompute.build_usage_tw(cur)
            if current_month is None:
                problems.append(
                    Problem(
                        names["usage"],
                        None,
                        None,
                        "no line has a valid month, so the feed has no current month",
                    )
                )
                total += 1
            else:
                found, count = _usage_key_problems(cur, names["usage"])
                problems += found
                total += count
        say(0.7, "Checking values, keys and references")
        found, count = check_staged(cur, staged, names)
        problems += found
        total += count
        if explain is not None:
            problems, added = explain(problems)
            total += added

        if problems:
            _drop_staging(cur)
            result.problems = sorted(problems, key=_problem_order)
            result.problem_count = total
            return result

        say(0.8, "Computing figures")
        rows = {
            names[s.name]: cur.execute(f"SELECT count(*) FROM stg_{s.name}").fetchone()[0]
            for s in CONTRACT
        }
        _finalise_small_tables(cur, current_month)
        precompute.build_tenant_workload(cur)
        say(0.9, "Computing partner portfolios")
        precompute.build_partner_tenant(cur)
        say(0.95, "Replacing the feed")
        result.ok, result.rows, result.current_month = True, rows, current_month
        _swap_in(db, result)
        say(0.97, "Checkpointing the database file")
        _drop_staging(cur)
        try:
            cur.execute("CHECKPOINT")
        except duckdb.Error:
            pass  # a reader holds a snapshot; DuckDB checkpoints later on its own
        return result
    except BaseException:
        try:
            _drop_staging(cur)
        except duckdb.Error:
            pass
        raise
    finally:
        cur.close()


def _swap_in(db: Database, result: LoadResult) -> None:
    """Replace every feed table at once, in one transaction, and record the load."""

    def swap(cur: duckdb.DuckDBPyConnection) -> None:
        for name in FINAL_TABLES:
            source = "stg_rate_card_final" if name == "rate_card" else f"stg_{name}"
            cur.execute(f"DROP TABLE IF EXISTS feed_{name}")
            cur.execute(f"ALTER TABLE {source} RENAME TO feed_{name}")
        for name in precompute.ON_DEMAND_TABLES:  # built later from the new feed
            cur.execute(f"DROP TABLE IF EXISTS {name}")
        _record_load(cur, result)

    db.write(swap, attempts=3)


def _problem_order(p: Problem) -> tuple:
    order = [f"{s.name}." for s in CONTRACT]
    rank = next((i for i, prefix in enumerate(order) if p.file.startswith(prefix)), 99)
    return (rank, p.file, p.line is not None, p.line or 0, p.column or "", p.message)
