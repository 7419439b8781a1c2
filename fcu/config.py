"""Settings read from the environment, and the checks of the sign-in configuration.

No streamlit here: the app (fcu/ui/auth.py) hands in the ``[auth]`` section it read from
``.streamlit/secrets.toml``, and this module says what, if anything, is wrong with it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

REQUIRE_SIGN_IN = "FCU_REQUIRE_SIGN_IN"
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
AUTH_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")
MIN_COOKIE_SECRET = 32
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# Entra ID's metadata addresses that admit accounts of any directory, not one tenant's.
MULTI_ORGANISATION = frozenset({"common", "organizations", "consumers"})
# cookie_secret values printed in the README and the example file: for a trial on this
# machine only (anyone who read them could sign cookies for a public FCU).
EXAMPLE_COOKIE_SECRETS = frozenset(
    {
        "local-trial-only-0123456789abcdefghijklmnop",
        "<python -c 'import secrets; print(secrets.token_urlsafe(48))'>",
    }
)


def require_sign_in(environ: Mapping[str, str] | None = None) -> bool:
    """True when FCU_REQUIRE_SIGN_IN asks the app to refuse demo mode."""
    value = (os.environ if environ is None else environ).get(REQUIRE_SIGN_IN, "")
    return value.strip().lower() in TRUE_WORDS


OPERATORS = "FCU_OPERATORS"


def operators(environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """The emails of the people who run this FCU (FCU_OPERATORS, comma-separated): the only
    ones who may replace the feed from the Data page, which every partner's figures share."""
    value = (os.environ if environ is None else environ).get(OPERATORS, "")
    return frozenset(e.strip().lower() for e in value.split(",") if e.strip())


def _is_url(value: str, *, loopback_http: bool) -> bool:
    parts = urlsplit(value)
    if not parts.hostname:
        return False
    if parts.scheme == "https":
        return True
    # Plain http only for a provider or app on this machine (development and tests).
    return loopback_http and parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS


def _is_loopback(url: str) -> bool:
    return urlsplit(url.replace("{port}", "8501")).hostname in LOOPBACK_HOSTS


def _multi_organisation(metadata_url: str) -> bool:
    segments = {s.lower() for s in urlsplit(metadata_url.strip()).path.split("/") if s}
    return bool(segments & MULTI_ORGANISATION)


def allowed_tenants(section: Mapping[str, object]) -> frozenset[str]:
    """``[auth] allowed_tenants``: the Entra ID directory IDs (the ``tid`` claim) whose
    accounts may sign in; empty means the one directory of server_metadata_url."""
    value = section.get("allowed_tenants") or ()
    if isinstance(value, str):
        value = [value]
    return frozenset(str(v).strip().lower() for v in value if str(v).strip())


def auth_problems(section: Mapping[str, object]) -> list[str]:
    """What is missing or wrong in an ``[auth]`` section, as sentences (empty when usable)."""
    problems: list[str] = []
    for key in AUTH_KEYS:
        value = section.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"[auth] {key} is missing.")
    if problems:
        return problems
    redirect_uri = str(section["redirect_uri"]).strip()
    if not redirect_uri.endswith("/oauth2callback"):
        problems.append("[auth] redirect_uri must end with /oauth2callback.")
    if not _is_url(redirect_uri.replace("{port}", "8501"), loopback_http=True):
        problems.append(
            "[auth] redirect_uri must be an https:// address (http:// only on localhost)."
        )
    if not _is_url(str(section["server_metadata_url"]).strip(), loopback_http=True):
        problems.append(
            "[auth] server_metadata_url must be an https:// address (http:// only on localhost)."
        )
    secret = str(section["cookie_secret"]).strip()
    if secret in EXAMPLE_COOKIE_SECRETS and not _is_loopback(redirect_uri):
        problems.append(
            "[auth] cookie_secret is the README's example, which is for a trial on this "
            "machine only: generate your own (see below)."
        )
    if _multi_organisation(str(section["server_metadata_url"])) and not allowed_tenants(section):
        problems.append(
            "[auth] server_metadata_url admits accounts of every Entra ID directory "
            "(/common/, /organizations/ or /consumers/): use your directory's own address "
            "(/<Directory (tenant) ID>/v2.0/...), or list the directory IDs allowed to sign "
            'in as allowed_tenants = ["<Directory (tenant) ID>", ...].'
        )
    if len(secret) < MIN_COOKIE_SECRET:
        problems.append(
            f"[auth] cookie_secret must be a random string of at least {MIN_COOKIE_SECRET} "
            'characters (for example the output of `python -c "import secrets; '
            'print(secrets.token_urlsafe(48))"`).'
        )
    return problems
