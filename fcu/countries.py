"""Countries by their ISO 3166-1 alpha-2 code, as the feed gives them and contacts store
them, with the names people read (from pycountry's copy of the ISO standard)."""

from __future__ import annotations

import unicodedata
from functools import cache

import pycountry

CODES: frozenset[str] = frozenset(c.alpha_2 for c in pycountry.countries)


@cache
def name(code: object) -> str:
    """ "United Kingdom" for "GB"; an unknown or empty code comes back as written."""
    if code is None or code != code:  # None, or a frame's NaN
        return ""
    country = pycountry.countries.get(alpha_2=str(code).upper()) if code else None
    if country is None:
        return str(code)
    return getattr(country, "common_name", None) or country.name


@cache
def by_name() -> tuple[str, ...]:
    """Every alpha-2 code, in the order of the names people read (a picker's options)."""
    return tuple(sorted(CODES, key=lambda code: _sort_key(name(code))))


def _sort_key(text: str) -> str:  # "Åland Islands" among the A's
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


@cache
def _exact_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for text in (
            country.alpha_2,
            country.name,
            getattr(country, "official_name", None),
            getattr(country, "common_name", None),
        ):
            if text:
                names.setdefault(text.casefold(), country.alpha_2)
    return names


def code_of(text: object) -> str | None:
    """The alpha-2 code that ``text`` names exactly (ignoring case and surrounding spaces):
    an alpha-2 code itself, or pycountry's name, official name or common name of one
    country. None for anything else ("UK", "Britain", a typo): a person must choose."""
    if text is None:
        return None
    return _exact_names().get(str(text).strip().casefold())
