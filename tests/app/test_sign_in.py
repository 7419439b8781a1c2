"""Sign-in as people meet it (AppTest): OpenID Connect when [auth] is configured, demo mode
when it is not, and FCU_REQUIRE_SIGN_IN. The real browser flow is tests/e2e/test_oidc_sign_in.py.

``at.secrets`` decides the mode for the app code (an entry other than ``auth`` keeps a
developer's own .streamlit/secrets.toml out of the test); ``at.user`` is what Streamlit's
signed cookie would give ``st.user``.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from fcu.ui import auth
from tests.fixtures import ADMIN_PAGE, ALPHA, PAGE_FILES, TENANTS_PAGE, app_test

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-test-cookie-secret-of-forty-characters!",
    "client_id": "fcu-test",
    "client_secret": "fcu-test-secret",
    "server_metadata_url": "http://127.0.0.1:9400/.well-known/openid-configuration",
}
TENANT_NAMES = ("Alpha Corp", "Beta School", "Gamma Small", "Delta Gov")


def app(
    *, oidc: bool, user: dict | None = None, demo_email: str | None = None, auth: dict = AUTH
) -> AppTest:
    """dashboard.py, run: with ``auth`` as its [auth] secrets when ``oidc`` (else demo mode),
    ``user`` as the signed cookie's claims (none: not signed in) and the demo picker's email
    set to ``demo_email``."""
    user = user if user is not None else {"is_logged_in": False}
    return app_test(demo_email, auth=auth if oidc else None, user=user)


def texts(at: AppTest) -> str:
    """Everything a person reads on the screen, main area and sidebar."""
    parts = [
        e.value
        for kind in ("title", "header", "subheader", "markdown", "caption", "text")
        for e in at.get(kind)
    ]
    parts += [e.value for kind in ("error", "warning", "info", "success") for e in at.get(kind)]
    parts += [b.label for b in at.button]
    return "\n".join(str(p) for p in parts)


def signed_in(email: str) -> dict:
    return {"is_logged_in": True, "email": email, "name": "Someone", "sub": f"sub-{email.lower()}"}


def assert_no_data(at: AppTest) -> None:
    shown = texts(at)
    for name in TENANT_NAMES:
        assert name not in shown
    assert not at.dataframe and not at.table and not at.metric
    assert not any(s.label == "Signed in as" for s in at.selectbox), "no demo picker"


def test_oidc_asks_for_sign_in_and_shows_nothing_else(app_env):
    at = app(oidc=True, demo_email="admin@northwind.example")
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert "Sign in with your work account" in texts(at)
    assert "Demo mode" not in texts(at)
    assert_no_data(at)


# Streamlit runs a script of pages/ on its own (without dashboard.py) for the first run of a
# server process, when that run's URL names the page: each page must refuse by itself.
def page_alone(name: str, *, oidc: bool, user: dict, demo_email: str | None = None) -> AppTest:
    return app_test(
        demo_email,
        f"pages/{name}",
        params={"tenant": ALPHA},
        alone=True,
        auth=AUTH if oidc else None,
        user=user,
    )


@pytest.mark.parametrize("name", PAGE_FILES)
def test_no_page_or_url_reveals_data_before_sign_in(app_env, name):
    at = page_alone(
        name, oidc=True, user={"is_logged_in": False}, demo_email="admin@northwind.example"
    )
    assert not at.exception
    assert_no_data(at)


@pytest.mark.parametrize("name", PAGE_FILES)
def test_no_page_reveals_data_when_demo_mode_is_refused(app_env, monkeypatch, name):
    monkeypatch.setenv("FCU_REQUIRE_SIGN_IN", "1")
    at = page_alone(name, oidc=False, user={}, demo_email="admin@northwind.example")
    assert not at.exception
    assert_no_data(at)


def test_signed_in_email_is_matched_case_insensitively(app_env):
    at = app(oidc=True, user=signed_in("Exec@NorthWind.Example"))
    assert not at.exception
    shown = texts(at)
    assert "Signed in as exec@northwind.example" in shown
    assert "Executive report viewer · Entire organisation" in shown
    assert "Sign out" in [b.label for b in at.button]
    assert "Demo mode" not in shown
    assert not any(s.label == "Signed in as" for s in at.selectbox)


def test_demo_email_in_session_state_is_ignored_when_signed_in(app_env):
    # A report viewer cannot become the admin by setting the demo picker's session key.
    at = app(
        oidc=True, user=signed_in("report@northwind.example"), demo_email="admin@northwind.example"
    )
    shown = texts(at)
    assert "Report viewer · Entire organisation" in shown
    assert "(admin)" not in shown and "Executive" not in shown
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(ADMIN_PAGE)  # no Admin page in their navigation


@pytest.mark.parametrize("email", ["stranger@contoso.example", "norole@northwind.example"])
def test_a_person_without_a_user_record_or_role_sees_only_help(app_env, email):
    at = app(oidc=True, user=signed_in(email))
    assert not at.exception
    shown = texts(at)
    assert f"Signed in as {email}" in shown
    assert "Sign out" in [b.label for b in at.button]
    assert "You have no role in FCU yet" in shown
    assert "Executive report viewer" in shown and "Report viewer" in shown  # the roles
    assert_no_data(at)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(TENANTS_PAGE)  # Help is their only page
    assert_no_data(page_alone("tenant.py", oidc=True, user=signed_in(email)))


@pytest.mark.parametrize(
    "claims",
    [{"sub": "abc"}, {"email": "  "}, {"email": "exec@northwind.example", "email_verified": False}],
)
def test_a_sign_in_without_a_verified_email_is_explained(app_env, claims):
    at = app(oidc=True, user={"is_logged_in": True, **claims})
    assert [e.value for e in at.error] == [auth.NO_EMAIL]
    assert_no_data(at)


def test_an_incomplete_auth_section_is_explained_and_nothing_runs(app_env):
    at = app(oidc=True, auth={k: v for k, v in AUTH.items() if k != "client_secret"})
    assert len(at.error) == 1 and "[auth] client_secret is missing." in at.error[0].value
    assert not at.button
    assert_no_data(at)


def test_demo_mode_without_auth(app_env, monkeypatch):
    monkeypatch.delenv("FCU_REQUIRE_SIGN_IN", raising=False)
    at = app(oidc=False, demo_email="report@northwind.example")
    assert not at.exception
    assert at.sidebar.selectbox[0].label == "Signed in as"
    assert "Demo mode" in texts(at)
    assert "Sign out" not in [b.label for b in at.button]


def test_required_sign_in_refuses_demo_mode(app_env, monkeypatch):
    monkeypatch.setenv("FCU_REQUIRE_SIGN_IN", "1")
    at = app(oidc=False, demo_email="admin@northwind.example")
    assert not at.exception
    assert [e.value for e in at.error] == [auth.HOW_TO_CONFIGURE]
    assert texts(at) == auth.HOW_TO_CONFIGURE  # one sentence, nothing else
    assert not at.selectbox and not at.button and not at.sidebar.children
