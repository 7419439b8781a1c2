"""Reading a feed folder (FCU's own CSV or Parquet files) into the staging tables.

The staging layer: each file is read by DuckDB straight into ``stg_<file>``, typed by the
contract, and nothing else (no rule, no figure). Values that do not parse are caught by
DuckDB's reject tables (CSV) or by TRY_CAST (Parquet) with their line numbers; a line left
out shifts the line numbers of the rows after it, kept in ``stg_<file>__shift`` (see
``contract.line_expr``). ``read_folder`` hands the result to the rules as a ``Staged``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path

import duckdb

from fcu.db import LOAD_PREFIXES
from fcu.feed.contract import CONTRACT, KINDS, FeedError, FileSpec, Problem, Staged


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


def read_folder(
    cur: duckdb.DuckDBPyConnection, folder: Path, say: Callable[[float, str], None]
) -> Staged:
    """Read every file of a feed folder into its ``stg_<file>`` table; say each file read."""
    if not folder.is_dir():
        raise FeedError(f"{folder} is not a folder. Give the folder that holds the feed's files.")
    files, problems = find_files(folder)
    staged = Staged(problems=problems)
    for i, spec in enumerate(CONTRACT):
        path = files.get(spec.name)
        if path is None:
            continue
        staged.names[spec.name] = path.name
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
        staged.problems += found
        if not found:
            staged.checked.add(spec.name)
        elif _exists(cur, f"stg_{spec.name}") and not any(
            p.line is None or p.line <= 1 for p in found
        ):
            staged.checked.add(spec.name)  # still checked, so that every problem is listed
    return staged


def drop_staging(cur: duckdb.DuckDBPyConnection) -> None:
    """Drop every table of a load's staging layer (stg_*, and the readers' scratch tables),
    named by the prefixes ``fcu.db`` also drops after a killed load."""
    names = cur.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND ("
        + " OR ".join(f"starts_with(table_name, '{p}')" for p in LOAD_PREFIXES)
        + ")"
    ).fetchall()
    for (name,) in names:
        cur.execute(f'DROP TABLE IF EXISTS "{name}"')


def _exists(cur: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        cur.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]
        ).fetchone()[0]
    )


# -- CSV ----------------------------------------------------------------------------------
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
    # Names and types come from the contract, never from the file.
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


# -- Parquet ------------------------------------------------------------------------------
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
