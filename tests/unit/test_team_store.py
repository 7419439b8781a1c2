"""The team store across processes (fcu.team): the checks a save makes hold when the writers
are different processes on one PostgreSQL; a save confirmed to its user survives the loss of
its process; a load from another process is seen whole or not at all."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from dataclasses import replace

import pytest

from fcu import notes, users
from fcu.access import get_user
from fcu.notes import NoteInput
from fcu.team import TeamDatabase
from tests.fixtures import ADMIN, ALPHA, EXEC, PYTHON, ROOT

# Each race: what every one of its two processes does; the outcome each prints.
RACES = ("status", "contact", "claim", "referral", "intent", "admin")
SECOND_ADMIN = "second.admin@northwind.example"


def _worker(url: str, folder: str, race: str, number: int, go: str, prior: int) -> None:
    """One writer process: open the store, say it is ready, wait for the file ``go`` (made
    once every writer is ready), make one save (an intent note based on ``prior``, the note
    both saw as current)."""
    from fcu import claims, contacts, intent, referrals, service_status
    from fcu.access import AccessDenied
    from fcu.contacts import ContactInput
    from fcu.workspace import StaleEdit, WorkspaceError

    db = TeamDatabase(url, folder)
    exec_ = get_user(db, EXEC)
    me, other = (ADMIN, SECOND_ADMIN) if number == 0 else (SECOND_ADMIN, ADMIN)
    actor = get_user(db, me)  # signed in while still an admin
    print("ready", flush=True)
    while not os.path.exists(go):
        time.sleep(0.001)
    try:
        if race == "status":
            rows = [("Deployed", None, None, 1000)]
            service_status.save_status(db, exec_, ALPHA, "exchange", rows, 0)
        elif race == "contact":
            contact = ContactInput(
                kind="partner", name=f"P{number}", email="same@x.example", services=("exchange",)
            )
            contacts.create_contact(db, exec_, ALPHA, contact)
        elif race == "claim":
            claims.claim_workload(db, exec_, ALPHA, "intune", "M11")
        elif race == "referral":
            referrals.accept(db, exec_, "R1", 0)
        elif race == "intent":
            intent.save_intent(
                db, exec_, ALPHA, "exchange", f"Blocked by the proxy {number}.", prior
            )
        elif race == "admin":  # each admin takes the other's admin rights away
            users.save_user(db, me, replace(get_user(db, other), is_admin=False), acting_for=actor)
        outcome = "saved"
    except StaleEdit as exc:
        outcome = f"stale: {exc}"
    except (WorkspaceError, users.UserError, AccessDenied) as exc:
        outcome = f"refused: {exc}"
    print(json.dumps({"race": race, "outcome": outcome}), flush=True)
    db.close()


def _spawn(url, folder, race, number, go, prior) -> subprocess.Popen:
    code = (
        "import sys; from tests.unit.test_team_store import _worker; "
        "_worker(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], "
        "int(sys.argv[6]))"
    )
    return subprocess.Popen(
        [PYTHON, "-c", code, url, str(folder), race, str(number), str(go), str(prior)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_every_check_holds_with_writers_in_two_processes(team_store, tmp_path):
    url, folder = team_store
    db = TeamDatabase(url, folder)
    admin = get_user(db, ADMIN)
    second = replace(admin, email=SECOND_ADMIN, display_name="Second Admin")
    users.save_user(db, ADMIN, second, acting_for=admin)
    from fcu import intent

    prior, _ = intent.save_intent(db, get_user(db, EXEC), ALPHA, "exchange", "Blocked.")

    go = tmp_path / "go"  # made once every process has opened the store: all save at once
    workers = [_spawn(url, folder, race, n, go, prior) for race in RACES for n in (0, 1)]
    for worker in workers:
        if worker.stdout.readline().strip() != "ready":
            go.touch()  # the others go on and end
            pytest.fail(f"a writer stopped before the start: {worker.communicate()[1]}")
    go.touch()
    outcomes: dict[str, list[str]] = {race: [] for race in RACES}
    for worker in workers:
        out, err = worker.communicate(timeout=240)
        assert worker.returncode == 0, err
        line = json.loads(out.strip().splitlines()[-1])
        outcomes[line["race"]].append(line["outcome"])

    for race, seen in outcomes.items():
        assert len(seen) == 2 and seen.count("saved") == 1, (race, seen)
    assert "after you opened it" in " ".join(outcomes["status"])
    assert db.scalar("SELECT count(*) FROM contacts WHERE email = 'same@x.example'") == 1
    assert db.scalar("SELECT version FROM service_status") == 1
    assert db.scalar("SELECT count(*) FROM app_claims WHERE workload = 'intune'") == 1
    assert db.scalar("SELECT count(*) FROM audit WHERE action LIKE 'referral%'") == 1
    assert db.scalar("SELECT count(*) FROM intent_notes") == 2
    admins = db.scalar("SELECT count(*) FROM users WHERE partner_id = 'P1' AND is_admin")
    assert admins == 1  # one took the other's rights; the last admin's could not be taken
    db.close()


def test_a_confirmed_note_survives_its_process_being_killed(team_store):
    url, folder = team_store
    code = (
        "import sys, time; from fcu.team import TeamDatabase; from fcu import notes; "
        "from fcu.access import get_user; from fcu.notes import NoteInput; "
        "db = TeamDatabase(sys.argv[1], sys.argv[2]); "
        f"n = notes.add_note(db, get_user(db, {EXEC!r}), {ALPHA!r}, NoteInput(risks='kept')); "
        "print(n, flush=True); time.sleep(600)"
    )
    child = subprocess.Popen(
        [PYTHON, "-c", code, url, str(folder)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    note_id = int(child.stdout.readline())  # the save is confirmed: the user saw "Note saved"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    db = TeamDatabase(url, folder)
    kept = notes.notes(db, get_user(db, EXEC), ALPHA)
    assert list(kept["note_id"]) == [note_id]
    assert list(kept["risks"]) == ["kept"]
    db.close()


def test_a_load_from_another_process_is_seen_whole_or_not_at_all(team_store, big_feed):
    url, folder = team_store
    db = TeamDatabase(url, folder)
    seen: set[tuple] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            seen.add(
                tuple(
                    db.one(
                        "SELECT (SELECT current_month FROM feed_meta), "
                        "(SELECT count(*) FROM feed_tenants), "
                        "(SELECT max(month) FROM feed_usage)"
                    )
                )
            )

    reader = threading.Thread(target=read)
    reader.start()
    try:
        loaded = subprocess.run(
            [PYTHON, "-m", "fcu", "--database-url", url, "load", str(big_feed)],
            cwd=ROOT,
            env={**os.environ, "FCU_DATA_DIR": str(folder)},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert loaded.returncode == 0, loaded.stderr
        time.sleep(0.5)
    finally:
        stop.set()
        reader.join()
    assert seen == {("2026-10", 4, "2026-10"), ("2026-11", 400, "2026-11")}
    db.close()


@pytest.mark.parametrize("command", [["users", "list"], ["contacts", "countries"]])
def test_commands_run_while_another_process_holds_the_store(team_store, command):
    url, folder = team_store
    holder = TeamDatabase(url, folder)  # as an app process would
    done = subprocess.run(
        [PYTHON, "-m", "fcu", "--database-url", url, *command],
        cwd=ROOT,
        env={**os.environ, "FCU_DATA_DIR": str(folder)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    holder.close()
    assert done.returncode == 0, done.stderr
    assert "in use by another FCU process" not in done.stderr


def test_notes_added_by_another_process_are_shown_at_the_next_read(team_store):
    url, folder = team_store
    one, two = TeamDatabase(url, folder), TeamDatabase(url, folder)
    notes.add_note(one, get_user(one, EXEC), ALPHA, NoteInput(risks="from one"))
    assert list(notes.notes(two, get_user(two, EXEC), ALPHA)["risks"]) == ["from one"]
    one.close()
    two.close()


def test_parameters_are_given_in_postgresql_form():
    from fcu.team import postgres_sql

    assert postgres_sql("SELECT ? WHERE a = $partner") == "SELECT %s WHERE a = %(partner)s"
    # text in quotes and the modulo operator are kept as they are
    assert postgres_sql("SELECT '?', \"$x\", n % 2 FROM t") == "SELECT '?', \"$x\", n %% 2 FROM t"


def test_an_unreachable_server_is_one_sentence_without_the_password(tmp_path):
    from fcu.db import DatabaseError

    with pytest.raises(DatabaseError) as refused:
        TeamDatabase("postgresql://fcu:secret-word@127.0.0.1:9/fcu?connect_timeout=2", tmp_path)
    message = str(refused.value)
    assert "cannot be reached" in message and "FCU_DATABASE_URL" in message
    assert "secret-word" not in message


def test_two_processes_starting_on_a_new_database_migrate_it_once(postgres_url, tmp_path):
    import uuid

    import psycopg

    from fcu.db import SCHEMA_VERSION

    name = f"fcu_new_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = postgres_url.rsplit("/", 1)[0] + "/" + name
    code = "import sys; from fcu.team import TeamDatabase; TeamDatabase(sys.argv[1], sys.argv[2])"
    starts = [
        subprocess.Popen([PYTHON, "-c", code, url, str(tmp_path)], cwd=ROOT, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for start in starts:
        assert start.wait(timeout=120) == 0, start.stderr.read()
    with psycopg.connect(url) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY 1")]
        conn.execute(f"INSERT INTO schema_version (version) VALUES ({SCHEMA_VERSION + 1})")
    assert versions == sorted(set(versions)) and versions[-1] == SCHEMA_VERSION

    from fcu.db import DatabaseError

    with pytest.raises(DatabaseError, match="newer FCU"):
        TeamDatabase(url, tmp_path)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def test_connections_the_server_dropped_are_replaced_before_the_next_save(team_store):
    import psycopg

    url, folder = team_store
    db = TeamDatabase(url, folder)
    exec_ = get_user(db, EXEC)
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True) as conn:  # as a server restart would
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
    notes.add_note(db, exec_, ALPHA, NoteInput(risks="after the restart"))
    assert list(notes.notes(db, exec_, ALPHA)["risks"]) == ["after the restart"]
    db.close()


def test_a_load_while_another_process_loads_is_refused_with_a_sentence(team_store, big_feed):
    import psycopg

    from fcu import feed
    from fcu.db import LOAD_RUNNING

    url, folder = team_store
    db = TeamDatabase(url, folder)
    with psycopg.connect(url, autocommit=True) as other:  # the other process's load
        other.execute("SELECT pg_advisory_lock(7266)")
        with pytest.raises(feed.FeedError, match=LOAD_RUNNING):
            feed.load_feed(db, big_feed)
    assert db.scalar("SELECT current_month FROM feed_meta") == "2026-10"  # unchanged
    assert not list(folder.glob("feeds/.building-*"))
    db.close()
