"""Contacts' Country/Region from the ISO 3166 list: exact names matched to their code, the
codes stored and shown by name, migration 007 converting free text from before the list, and
the command that lists what it could not match."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from fcu import cli, contacts, countries
from fcu import db as fcu_db
from fcu.workspace import WorkspaceError
from tests.fixtures import ALPHA, BETA, EXEC
from tests.unit.test_contacts import CUSTOMER


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("GB", "GB"),
        ("gb", "GB"),
        ("United Kingdom", "GB"),  # pycountry's name
        ("  united kingdom ", "GB"),
        ("United Kingdom of Great Britain and Northern Ireland", "GB"),  # official name
        ("Taiwan", "TW"),  # common name
        ("Korea, Republic of", "KR"),
        ("UNITED STATES", "US"),
        ("UK", None),  # not a name of the standard: a person chooses
        ("Britain", None),
        ("Untied States", None),
        ("", None),
        (None, None),
    ],
)
def test_only_exact_names_and_codes_are_matched(text, code):
    assert countries.code_of(text) == code


def test_the_list_is_every_iso_country_by_name():
    codes = countries.by_name()
    assert len(codes) == len(countries.CODES) == 249
    names = [countries.name(c) for c in codes]
    assert names[:3] == ["Afghanistan", "Åland Islands", "Albania"]
    assert countries.name("GB") == "United Kingdom" and countries.name("TW") == "Taiwan"
    assert countries.name("not a code") == "not a code"  # free text from before: as written


def test_a_contact_stores_the_code_and_refuses_anything_else(db, user):
    exec_ = user(EXEC)
    kim = contacts.create_contact(db, exec_, ALPHA, replace(CUSTOMER, country="GB"))
    assert contacts.contacts(db, exec_, ALPHA).set_index("contact_id").loc[kim, "country"] == "GB"
    with pytest.raises(WorkspaceError, match="'UK' is not a country or region of ISO 3166"):
        contacts.create_contact(db, exec_, BETA, replace(CUSTOMER, country="UK"))


def _legacy(db, exec_, texts: list[str]) -> list[int]:
    """Contacts as stored before the list: Country/Region typed freely."""
    ids = []
    for number, text in enumerate(texts):
        contact = replace(CUSTOMER, email=f"c{number}@alpha.example", country="US")
        contact_id = contacts.create_contact(db, exec_, ALPHA, contact)
        db.execute("UPDATE contacts SET country = ? WHERE contact_id = ?", [text, contact_id])
        ids.append(contact_id)
    return ids


def test_migration_007_converts_exact_names_and_lists_the_rest(db_path, user, capsys):
    db = fcu_db.Database(db_path)
    texts = ["United Kingdom", "germany", "DE", "UK", "<i>Narnia</i>"]
    ids = _legacy(db, user(EXEC), texts)
    db.execute("DELETE FROM schema_version WHERE version = 7")  # as a database before 007
    db.migrate()
    stored = dict(db.execute("SELECT contact_id, country FROM contacts"))
    assert [stored[i] for i in ids] == ["GB", "DE", "DE", "UK", "<i>Narnia</i>"]
    versions = dict(db.execute("SELECT contact_id, version FROM contacts"))
    assert [versions[i] for i in ids] == [2, 2, 1, 1, 1]  # the converted ones changed
    audited = db.execute(
        "SELECT entity_key, before, after FROM audit WHERE action = 'contact.country' "
        "ORDER BY entity_key"
    )
    assert [(int(k), json.loads(b), json.loads(a)) for k, b, a in audited] == [
        (ids[0], {"country": "United Kingdom"}, {"country": "GB"}),
        (ids[1], {"country": "germany"}, {"country": "DE"}),
    ]
    review = contacts.countries_to_review(db)
    assert list(review["contact_id"]) == ids[3:]
    db.close()
    assert cli.main(["--db", str(db_path), "contacts", "countries"]) == 0
    out = capsys.readouterr().out
    assert f"P1        {ALPHA}" in out and "'UK'" in out and "'<i>Narnia</i>'" in out
    assert "2 contact(s) to review" in out
    assert "kim" not in out.lower() and "@" not in out  # no names or emails


def test_the_command_says_when_nothing_is_left_to_review(db_path, capsys):
    assert cli.main(["--db", str(db_path), "contacts", "countries"]) == 0
    assert capsys.readouterr().out.startswith("Every contact's Country/Region is an ISO 3166")


def test_migrations_are_applied_by_number_gaps_allowed():
    assert fcu_db.SCHEMA_VERSION == max(fcu_db.MIGRATIONS) >= 7
    assert fcu_db.MIGRATIONS[7].name == "007_contact_countries.py"
