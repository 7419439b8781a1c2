"""The sign-in settings: FCU_REQUIRE_SIGN_IN, and the checks of an [auth] section."""

from __future__ import annotations

import tomllib

import pytest

from fcu import config
from tests.fixtures import ROOT

GOOD = {
    "redirect_uri": "https://fcu.example.com/oauth2callback",
    "cookie_secret": "x" * 48,
    "client_id": "00000000-0000-0000-0000-000000000000",
    "client_secret": "secret",
    "server_metadata_url": (
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/"
        ".well-known/openid-configuration"
    ),
}


@pytest.mark.parametrize(
    ("value", "required"),
    [("1", True), ("true", True), (" YES ", True), ("on", True), ("0", False), ("", False)],
)
def test_require_sign_in_reads_the_environment(value, required):
    assert config.require_sign_in({"FCU_REQUIRE_SIGN_IN": value}) is required


def test_require_sign_in_is_off_by_default():
    assert config.require_sign_in({}) is False


def test_a_complete_section_has_no_problems():
    assert config.auth_problems(GOOD) == []


def test_loopback_http_is_allowed_for_development():
    section = GOOD | {
        "redirect_uri": "http://localhost:{port}/oauth2callback",
        "server_metadata_url": "http://127.0.0.1:9400/.well-known/openid-configuration",
    }
    assert config.auth_problems(section) == []


@pytest.mark.parametrize("key", config.AUTH_KEYS)
def test_each_missing_setting_is_named(key):
    section = {k: v for k, v in GOOD.items() if k != key}
    assert config.auth_problems(section) == [f"[auth] {key} is missing."]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"redirect_uri": "https://fcu.example.com/"}, "must end with /oauth2callback"),
        ({"redirect_uri": "http://fcu.example.com/oauth2callback"}, "redirect_uri must be"),
        ({"server_metadata_url": "http://idp.example.com/x"}, "server_metadata_url must be"),
        ({"cookie_secret": "short"}, "cookie_secret must be a random string"),
        ({"client_secret": "   "}, "client_secret is missing"),
    ],
)
def test_wrong_settings_are_explained(change, words):
    problems = config.auth_problems(GOOD | change)
    assert len(problems) == 1 and words in problems[0]


def test_the_example_secrets_file_has_every_setting_and_only_placeholders():
    example = tomllib.loads((ROOT / ".streamlit" / "secrets.toml.example").read_text())
    section = example["auth"]
    assert set(config.AUTH_KEYS) <= set(section)
    assert section["redirect_uri"].endswith("/oauth2callback")
    assert "login.microsoftonline.com" in section["server_metadata_url"]
    # The example must not be usable as is: its cookie secret is a placeholder to replace.
    assert config.auth_problems(section) != []
