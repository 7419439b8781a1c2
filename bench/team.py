"""The team store against the embedded one: the Tenants rerun with 5,000 status notes.

Both stores get the same feed (the team store by `python -m fcu --database-url ... load`,
timed) and the same 5,000 notes spread over the partner's tenants; the `pages` worker then
measures the Tenants rerun on each, alternating (embedded, team, embedded, team) so that the
machine's load weighs on both alike. The PostgreSQL server is FCU_BENCH_DATABASE_URL's, else a
cluster of the bench's own started by .ci/postgres (Debian's postgresql), else none: the
measurement is skipped with a line saying why.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

NOTES = 5_000
ROUNDS = 2


def _server(root: Path, say: Callable[[str], None]) -> tuple[str, Callable[[], None]] | None:
    import os

    url = os.environ.get("FCU_BENCH_DATABASE_URL")
    if url:
        return url, lambda: None
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        say("team store: skipped (no PostgreSQL here; set FCU_BENCH_DATABASE_URL)")
        return None
    folder = Path(tempfile.mkdtemp(prefix="fcu-bench-pg-"))
    folder.chmod(0o755)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    script = str(root / ".ci" / "postgres")
    url = subprocess.check_output([script, "start", str(folder), str(port)], text=True).strip()

    def stop() -> None:
        subprocess.run([script, "stop", str(folder)], check=False)
        shutil.rmtree(folder, ignore_errors=True)

    return url, stop


def _notes_sql(partner: str) -> str:
    """5,000 notes over the partner's tenants, up to ten on a tenant (the same rows in either
    store)."""
    return (
        "INSERT INTO notes (partner_id, tenant_id, risks, next_actions, next_action_date, "
        "next_action_owner, author) "
        f"SELECT '{partner}', tenant_id, 'bench note ' || n, 'call the customer', "
        "DATE '2026-12-01' + CAST(n % 60 AS INTEGER), 'admin@northwind.example', "
        "'admin@northwind.example' FROM (SELECT tenant_id, row_number() OVER () AS n "
        "FROM {tenants} AS src CROSS JOIN (VALUES (1), (2), (3), (4), (5), (6), (7), (8), "
        "(9), (10)) AS copies(c) LIMIT {count}) AS picked"
    )


def measure_team(
    *,
    root: Path,
    feed: Path,
    db: Path,
    work: Path,
    env: dict,
    email: str,
    repeat: int,
    run: Callable[..., object],
    worker: Callable[..., object],
    say: Callable[[str], None],
) -> dict:
    """{"team_load_s", "embedded_rerun": [...], "team_rerun": [...]} or {} when skipped."""
    import duckdb
    import psycopg

    server = _server(root, say)
    if server is None:
        return {}
    base, stop = server
    name = f"fcu_bench_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        url = base.rsplit("/", 1)[0] + "/" + name
        data = work / "team-data"
        team_env = {**env, "FCU_DATABASE_URL": url, "FCU_DATA_DIR": str(data)}
        py = [sys.executable, "-m", "fcu"]
        say("team store: python -m fcu --database-url ... load")
        loaded = run([*py, "load", str(feed)], env=team_env)
        subprocess.run(
            [*py, "users", "add", email, "--partner", "P1", "--role", "executive", "--admin"],
            cwd=root,
            check=True,
            stdout=subprocess.DEVNULL,
            env=team_env,
        )
        embedded = work / "embedded-notes.duckdb"
        shutil.copy(db, embedded)
        with duckdb.connect(str(embedded)) as con:
            tenants = "(SELECT tenant_id FROM feed_partner_tenant WHERE partner_id = 'P1')"
            con.execute(_notes_sql("P1").format(tenants=tenants, count=NOTES))
        with psycopg.connect(url, autocommit=True) as conn:
            ids = [
                r[0]
                for r in duckdb.connect(str(embedded), read_only=True)
                .execute("SELECT DISTINCT tenant_id FROM notes LIMIT 10000")
                .fetchall()
            ]
            conn.execute("CREATE TEMP TABLE t (tenant_id VARCHAR)")
            with conn.cursor().copy("COPY t FROM STDIN") as copy:
                for tenant in ids:
                    copy.write_row([tenant])
            conn.execute(_notes_sql("P1").format(tenants="t", count=NOTES))
        out: dict = {"team_load_s": loaded.seconds, "embedded_rerun": [], "team_rerun": []}
        common = ["--email", email, "--repeat", str(repeat)]
        for i in range(ROUNDS):
            say(f"team store: Tenants rerun, embedded then team ({i + 1}/{ROUNDS})")
            done = worker("pages", "--db", str(embedded), *common, env={**env})
            out["embedded_rerun"] += done.result["tenants_rerun"]
            done = worker("pages", "--db", str(embedded), *common, env=team_env)
            out["team_rerun"] += done.result["tenants_rerun"]
        return out
    finally:
        try:
            with psycopg.connect(base, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        finally:
            stop()
