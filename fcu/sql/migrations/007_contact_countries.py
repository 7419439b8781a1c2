"""Contacts' Country/Region becomes an ISO 3166 alpha-2 code (fcu.countries), picked from a
list. A country stored before as free text is converted where it names one country exactly
(ignoring case: an alpha-2 code, or pycountry's name, official name or common name): the
contact gets the code, a new version and an audit row. Any other text ("UK", a typo) is
kept as written and listed by ``python -m fcu contacts countries`` for a person to choose.

Numbered 007: 006 is taken by another branch (migrations are applied by number, any gap
allowed; fcu.db).
"""

from fcu import audit, countries

ACTOR = "fcu (migration 007)"


def apply(cur) -> None:
    rows = cur.execute(
        "SELECT contact_id, partner_id, tenant_id, country FROM contacts "
        "WHERE country IS NOT NULL AND country <> ''"
    ).fetchall()
    for contact_id, partner_id, tenant_id, country in rows:
        code = countries.code_of(country)
        if code is None or code == country:
            continue
        cur.execute(
            "UPDATE contacts SET country = ?, version = version + 1, updated_by = ?, "
            "updated_at = current_timestamp WHERE contact_id = ?",
            [code, ACTOR, contact_id],
        )
        audit.record(
            cur,
            actor=ACTOR,
            action="contact.country",
            partner_id=partner_id,
            tenant_id=tenant_id,
            entity_key=str(contact_id),
            before={"country": country},
            after={"country": code},
        )
