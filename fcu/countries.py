"""Countries by their ISO 3166-1 alpha-2 code, as the feed gives them, with the names people
read (from pycountry's copy of the ISO standard)."""

from __future__ import annotations

from functools import cache

import pycountry

CODES: frozenset[str] = frozenset(c.alpha_2 for c in pycountry.countries)


@cache
def name(code: object) -> str:
    """ "United Kingdom" for "GB"; an unknown or empty code comes back as written."""
    country = pycountry.countries.get(alpha_2=str(code).upper()) if code else None
    if country is None:
        return "" if code is None else str(code)
    return getattr(country, "common_name", None) or country.name
