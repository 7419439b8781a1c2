"""Jobs the running app does once a day at an hour set in the environment (the Partner
Center sync, the digest by email): one background thread per job and process."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

log = logging.getLogger("fcu")
_started = threading.Lock()
_threads: dict[str, threading.Thread] = {}


def hour(variable: str) -> int | None:
    """The hour (0-23, UTC) named by an environment variable, or None when unset or invalid."""
    value = os.environ.get(variable, "").strip()
    if not value.isdigit() or not 0 <= int(value) <= 23:
        return None
    return int(value)


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def next_run(now: datetime, at_hour: int) -> datetime:
    """The next time it is ``at_hour``:00 UTC after ``now`` (naive UTC times)."""
    at = now.replace(hour=at_hour, minute=0, second=0, microsecond=0)
    return at if at > now else at + timedelta(days=1)


def start(name: str, at_hour: int | None, job: Callable[[], None]) -> bool:
    """Run ``job()`` every day at ``at_hour`` UTC in a daemon thread named ``name`` (once per
    process, however often this is asked). False when no hour is set."""
    if at_hour is None:
        return False
    with _started:
        if name in _threads:
            return True

        thread = threading.Thread(target=loop, args=(name, at_hour, job), name=name, daemon=True)
        thread.start()
        _threads[name] = thread
    return True


def loop(
    name: str,
    at_hour: int,
    job: Callable[[], None],
    *,
    now: Callable[[], datetime] = utc_now,
    sleep: Callable[[float], None] = time.sleep,
    days: int | None = None,
) -> None:
    """Wait until the next ``at_hour``:00 UTC, run ``job()``, again (``days`` times, or for
    ever). A job that raises is logged and the loop goes on to the next day."""
    done = 0
    while days is None or done < days:
        sleep(max((next_run(now(), at_hour) - now()).total_seconds(), 1))
        try:
            job()
        except Exception:  # the thread must outlive one bad day
            log.exception("the daily job %s failed", name)
        done += 1
