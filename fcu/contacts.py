"""Contacts of a tenant: the customer's people (surveyed after FastTrack work) and the partner's.

Customer contacts need name, email, country/region (stored as its ISO 3166 alpha-2 code,
``fcu.countries``), survey language, services assisted with and whether they are survey
eligible; partner contacts need name, email and services, and have no survey eligibility.
One email appears once per tenant (per partner). Only users who may see personal data
change contacts; edits and deletes carry the version they started from, so a change made
meanwhile by someone else is never overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from fcu import audit, countries, portfolio
from fcu.access import User, normalise_email, valid_email
from fcu.db import Database
from fcu.workspace import (
    MAX_SHORT,
    RELOAD,
    StaleEdit,
    WorkspaceError,
    clean_text,
    scoped_sql,
    writable_tenant,
    write_checked,
)

KINDS = {"customer": "Customer", "partner": "Partner"}
SURVEY_LANGUAGES = (
    "Chinese (Simplified)",
    "Chinese (Traditional)",
    "Dutch",
    "English",
    "French",
    "German",
    "Italian",
    "Japanese",
    "Korean",
    "Polish",
    "Portuguese (Brazil)",
    "Spanish",
    "Swedish",
    "Turkish",
)
CONTACT_COLUMNS = [
    "contact_id",
    "tenant_id",
    "kind",
    "name",
    "email",
    "country",
    "survey_language",
    "services",
    "survey_eligible",
    "version",
    "created_by",
    "created_at",
    "updated_by",
    "updated_at",
]


@dataclass(frozen=True)
class ContactInput:
    kind: str  # 'customer' | 'partner'
    name: str = ""
    email: str = ""
    country: str = ""
    survey_language: str = ""
    services: tuple[str, ...] = ()
    survey_eligible: bool | None = None  # customer: must be answered; partner: ignored


def _workloads(db: Database) -> dict[str, str]:
    return dict(db.execute("SELECT workload, display_name FROM feed_workloads"))


def _checked(db: Database, contact: ContactInput) -> dict:
    if contact.kind not in KINDS:
        raise WorkspaceError("Choose whether this is a Customer or a Partner contact.")
    customer = contact.kind == "customer"
    missing = []
    name = clean_text(contact.name, "Name", MAX_SHORT)
    email = normalise_email(clean_text(contact.email, "Email", 254))
    typed_country = clean_text(contact.country, "Country/Region", MAX_SHORT) if customer else ""
    country = countries.code_of(typed_country) or ""
    language = clean_text(contact.survey_language, "Survey language", MAX_SHORT)
    services = tuple(dict.fromkeys(str(s).strip() for s in contact.services if str(s).strip()))
    if not name:
        missing.append("Name")
    if not email:
        missing.append("Email")
    if customer and not typed_country:
        missing.append("Country/Region")
    if customer and not language:
        missing.append("Survey language")
    if not services:
        missing.append("Services assisted with")
    if customer and contact.survey_eligible is None:
        missing.append("Survey eligible")
    if missing:
        raise WorkspaceError(
            f"A {KINDS[contact.kind].lower()} contact needs {_join(missing)}: fill "
            f"{'it' if len(missing) == 1 else 'them'} in and save again."
        )
    if not valid_email(email):
        raise WorkspaceError(
            f"{email[:80]!r} is not an email address; write one such as name@example.com."
        )
    if customer and not country:
        raise WorkspaceError(
            f"Country/Region {typed_country[:40]!r} is not a country or region of ISO 3166: "
            "choose one from the list."
        )
    if customer and language not in SURVEY_LANGUAGES:
        raise WorkspaceError(
            f"Survey language {language[:40]!r} is not offered; choose one of "
            f"{', '.join(SURVEY_LANGUAGES)}."
        )
    known = _workloads(db)
    unknown = [s for s in services if s not in known]
    if unknown:
        raise WorkspaceError(
            f"Services assisted with must be workloads of the feed "
            f"({', '.join(sorted(known.values()))}); {_join([u[:40] for u in unknown])} "
            "is not one."
        )
    return {
        "kind": contact.kind,
        "name": name,
        "email": email,
        "country": country or None,
        "survey_language": (language or None) if customer else None,
        "services": list(services),
        "survey_eligible": bool(contact.survey_eligible) if customer else False,
    }


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _ensure_editor(user: User) -> None:
    if not user.can_edit_contacts:
        raise WorkspaceError(
            "Report viewers cannot change contacts; ask an Executive report viewer of your "
            "partner to make this change."
        )


def _duplicate(cur, user: User, tenant: str, email: str, contact_id: int | None) -> None:
    clash = cur.execute(
        "SELECT contact_id FROM contacts WHERE partner_id = ? AND tenant_id = ? AND email = ? "
        "AND contact_id IS DISTINCT FROM ?",
        [user.partner_id, tenant, email, contact_id],
    ).fetchone()
    if clash:
        raise WorkspaceError(
            f"{email} is already a contact of this tenant; edit that contact instead."
        )


def _current(cur, user: User, tenant: str, contact_id: int) -> dict:
    row = cur.execute(
        f"SELECT {', '.join(CONTACT_COLUMNS)} FROM contacts "
        "WHERE contact_id = ? AND partner_id = ? AND tenant_id = ?",
        [int(contact_id), user.partner_id, tenant],
    ).fetchone()
    if row is None:
        raise StaleEdit(f"This contact no longer exists; someone may have deleted it. {RELOAD}")
    return dict(zip(CONTACT_COLUMNS, row, strict=True))


def create_contact(db: Database, user: User, tenant_id: str, contact: ContactInput) -> int:
    """Add a contact to a tenant and return its ID."""
    _ensure_editor(user)
    tenant = writable_tenant(db, user, tenant_id)
    row = _checked(db, contact)

    def work(cur: duckdb.DuckDBPyConnection) -> int:
        _duplicate(cur, user, tenant, row["email"], None)
        contact_id = cur.execute(
            "INSERT INTO contacts (partner_id, tenant_id, kind, name, email, country, "
            "survey_language, services, survey_eligible, created_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING contact_id",
            [
                user.partner_id,
                tenant,
                row["kind"],
                row["name"],
                row["email"],
                row["country"],
                row["survey_language"],
                row["services"],
                row["survey_eligible"],
                user.email,
            ],
        ).fetchone()[0]
        audit.record(
            cur,
            actor=user.email,
            action="contact.add",
            partner_id=user.partner_id,
            tenant_id=tenant,
            entity_key=str(contact_id),
            after=row,
        )
        return int(contact_id)

    return write_checked(db, work)


def _stale(before: dict, version: int) -> None:
    if int(before["version"]) != int(version):
        raise StaleEdit(f"Someone else changed this contact after you opened it. {RELOAD}")


def edit_contact(
    db: Database, user: User, tenant_id: str, contact_id: int, contact: ContactInput, version: int
) -> int:
    """Change a contact last read at ``version``; returns the new version."""
    _ensure_editor(user)
    tenant = writable_tenant(db, user, tenant_id)
    row = _checked(db, contact)

    def work(cur: duckdb.DuckDBPyConnection) -> int:
        before = _current(cur, user, tenant, contact_id)
        _stale(before, version)
        _duplicate(cur, user, tenant, row["email"], int(contact_id))
        new_version = cur.execute(
            "UPDATE contacts SET kind = ?, name = ?, email = ?, country = ?, "
            "survey_language = ?, services = ?, survey_eligible = ?, version = version + 1, "
            "updated_by = ?, updated_at = current_timestamp "
            "WHERE contact_id = ? AND version = ? RETURNING version",
            [
                row["kind"],
                row["name"],
                row["email"],
                row["country"],
                row["survey_language"],
                row["services"],
                row["survey_eligible"],
                user.email,
                int(contact_id),
                int(version),
            ],
        ).fetchone()[0]
        audit.record(
            cur,
            actor=user.email,
            action="contact.edit",
            partner_id=user.partner_id,
            tenant_id=tenant,
            entity_key=str(contact_id),
            before=before,
            after=row,
        )
        return int(new_version)

    return write_checked(db, work)


def delete_contact(db: Database, user: User, tenant_id: str, contact_id: int, version: int) -> None:
    """Remove a contact last read at ``version`` (the audit keeps what it held)."""
    _ensure_editor(user)
    tenant = writable_tenant(db, user, tenant_id)

    def work(cur: duckdb.DuckDBPyConnection) -> None:
        before = _current(cur, user, tenant, contact_id)
        _stale(before, version)
        cur.execute("DELETE FROM contacts WHERE contact_id = ?", [int(contact_id)])
        audit.record(
            cur,
            actor=user.email,
            action="contact.delete",
            partner_id=user.partner_id,
            tenant_id=tenant,
            entity_key=str(contact_id),
            before=before,
        )

    write_checked(db, work)


def contacts(db: Database, user: User, tenant_id: str) -> pd.DataFrame:
    """The partner's contacts of a tenant the user may see (unredacted: redact to show)."""
    return contacts_of(db, user, portfolio.tenant_view(db, user, tenant_id))


def contacts_of(db: Database, user: User, view: portfolio.TenantView) -> pd.DataFrame:
    """``contacts`` of a tenant already looked up for this user (``portfolio.tenant_view``)."""
    if view.status != "visible":
        return pd.DataFrame(columns=CONTACT_COLUMNS)
    return db.df(
        f"SELECT {', '.join(CONTACT_COLUMNS)} FROM contacts WHERE partner_id = ? AND "
        "tenant_id = ? ORDER BY kind, lower(name), contact_id",
        [user.partner_id, view.tenant_id],
    )


def has_survey_contact(db: Database, user: User, tenant_id: str) -> bool:
    """Whether a customer contact of the tenant is survey eligible (else the page warns)."""
    return survey_contact_in(contacts(db, user, tenant_id))


def survey_contact_in(frame: pd.DataFrame) -> bool:
    """Whether these contacts (as ``contacts`` returns them) hold a survey-eligible customer."""
    return bool(((frame["kind"] == "customer") & frame["survey_eligible"].astype(bool)).any())


def contacts_table(db: Database, user: User) -> pd.DataFrame:
    if not db.table_exists("feed_partner_tenant"):
        return pd.DataFrame(columns=CONTACT_COLUMNS)
    where, params = scoped_sql(user, "c")
    return db.df(
        f"SELECT {', '.join('c.' + c for c in CONTACT_COLUMNS)} FROM contacts c WHERE {where} "
        "ORDER BY c.tenant_id, c.kind, c.contact_id",
        params,
    )


def countries_to_review(db: Database) -> pd.DataFrame:
    """Contacts whose Country/Region is not an ISO 3166 alpha-2 code: free text kept from
    before the country list (migration 007 converted the exact names) for a person to
    choose again. Every partner's: for the operator's command, never a page."""
    frame = db.df(
        "SELECT partner_id, tenant_id, contact_id, country FROM contacts "
        "WHERE country IS NOT NULL ORDER BY partner_id, tenant_id, contact_id"
    )
    return frame[~frame["country"].isin(countries.CODES)].reset_index(drop=True)
