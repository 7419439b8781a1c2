"""The pages a user gets, built from their role (each restricted page checks again)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from fcu.access import User

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "pages"
APP_NAME = "FCU"
LOGO = str(Path(__file__).with_name("logo.svg"))


def browser_title(current: st.Page) -> str:
    """The browser tab's title: the page's, then the app's ("Tenants · FCU")."""
    return f"{current.title} · {APP_NAME}"


def page(file: str, title: str, icon: str, **kwargs) -> st.Page:
    return st.Page(str(PAGES / file), title=title, icon=icon, **kwargs)


def pages_for(user: User | None) -> list:
    if user is None or not user.has_access:
        return [page("help.py", "Help", ":material/help:", default=True)]
    pages = [
        page("my_work.py", "My work", ":material/checklist:"),
        page("tenants.py", "Tenants", ":material/apartment:", default=True),
        page(
            "tenant.py",
            "Tenant details",
            ":material/domain:",
            url_path="tenant",
            visibility="hidden",
        ),
        page("referrals.py", "Referrals", ":material/assignment_ind:"),
    ]
    if user.sees_revenue:
        pages.append(page("earnings.py", "Earnings", ":material/payments:"))
    if user.is_admin:
        pages.append(page("data.py", "Data", ":material/upload_file:"))
        pages.append(page("admin.py", "Admin", ":material/manage_accounts:"))
    pages.append(page("help.py", "Help", ":material/help:"))
    return pages
