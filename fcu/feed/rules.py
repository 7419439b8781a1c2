"""The feed's rules: the checks a staged feed must pass, and their messages.

Like the data tests beside jaffle_shop's staging models (not null, accepted values, unique,
relationships), each rule is one SQL condition over ``stg_<file>`` (aliased ``t``) that is
true for a bad row, with a SQL expression for the row's message. ``check_staged`` runs
every rule whose tables a reader staged and lists each bad row with its line.

The big usage table is checked through its per tenant-workload aggregate (``stg_usage_tw``
and ``stg_months``, built by ``fcu.precompute.build_usage_tw`` before the rules run), so
that a clean feed is not scanned once per rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from fcu.feed.contract import (
    CONTRACT,
    ISO_COUNTRIES,
    MAX_TEXT,
    SEGMENTS,
    Problem,
    Staged,
    line_expr,
)
from fcu.metrics import CLAIM_STATUSES


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
    out.append(
        Rule(
            "claims",
            "status",
            "t.rowid IN (SELECT rowid FROM (SELECT rowid, row_number() OVER (PARTITION BY "
            "tenant_id, workload ORDER BY rowid) AS n FROM stg_claims "
            "WHERE is_active_claim(status)) WHERE n > 1)",
            "'a second active claim on this tenant and workload (at most one partner may hold "
            "an active claim); an earlier line already has one'",
        )
    )
    return out


def check_staged(
    cur: duckdb.DuckDBPyConnection, staged: Staged, *, listed_per_rule: int
) -> tuple[list[Problem], int]:
    """Run every rule whose tables are staged; return listed problems and the total count.

    The rules of one file are counted in one scan of its table (a clean feed is read once
    per file, not once per rule); each rule with bad rows then lists its first
    ``listed_per_rule`` lines and counts the rest."""
    checked = staged.checked
    by_file: dict[str, list[Rule]] = {}
    for rule in rules():
        if rule.file not in checked or any(n not in checked for n in rule.needs):
            continue
        if rule.only_if and not cur.execute(rule.only_if).fetchone()[0]:
            continue
        by_file.setdefault(rule.file, []).append(rule)
    problems: list[Problem] = []
    total = 0
    for file, chosen in by_file.items():
        counted = ", ".join(f"count(*) FILTER (WHERE {rule.where})" for rule in chosen)
        counts = cur.execute(f"SELECT {counted} FROM stg_{file} AS t").fetchone()
        for rule, count in zip(chosen, counts, strict=True):
            if count:
                total += count
                problems += _listed(cur, staged.names[file], rule, count, listed_per_rule)
    return problems, total


def _listed(
    cur: duckdb.DuckDBPyConnection, fname: str, rule: Rule, count: int, listed_per_rule: int
) -> list[Problem]:
    """The first bad lines of one rule, and a line that counts the rest."""
    line = line_expr(cur, rule.file, "t", fname.endswith(".parquet"))
    listed = cur.execute(
        f"SELECT {line} AS line, {rule.message} AS message FROM stg_{rule.file} AS t "
        f"WHERE {rule.where} ORDER BY line LIMIT {listed_per_rule}"
    ).fetchall()
    problems = [Problem(fname, int(line), rule.column, message) for line, message in listed]
    if count > len(listed):
        more = f"... and {count - len(listed):,} more lines with the same problem"
        problems.append(Problem(fname, None, rule.column, more))
    return problems


def usage_key_problems(
    cur: duckdb.DuckDBPyConnection, fname: str, *, listed_per_rule: int
) -> tuple[list[Problem], int]:
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
    listed = cur.execute(f"{sql} ORDER BY line LIMIT {listed_per_rule}").fetchall()
    column = "tenant_id+workload+month"
    message = "duplicate key: an earlier line has the same tenant_id, workload, month"
    problems = [Problem(fname, int(line), column, message) for (line,) in listed]
    if total > len(listed):
        problems.append(
            Problem(fname, None, column, f"... and {total - len(listed):,} more duplicate lines")
        )
    return problems, total
