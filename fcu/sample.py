"""Deterministic, realistic synthetic data feed.

``write_sample_feed`` writes the seven files of the feed contract (see PRODUCT.md, "The data
feed") into a folder: partners, workloads, tenants, usage, claims, referrals and rate card.
The same ``(tenants, seed, end_month or as_of, fmt)`` always gives byte-identical files:
every random draw comes from numpy ``Generator`` objects seeded from ``seed``. Only the
default reads the clock: without ``end_month`` the sample is dated as of today (``as_of``),
so a demo is live: its current month is the last complete one, its referrals were assigned
over the last 30 days (a quarter within the last 7) and its claims submitted lately.

The feed is built to exercise the product, not just to fill it:

* names with commas, apostrophes and non-ASCII letters (CSV quoting, UTF-8);
* education tenants whose MAU exceeds PAU (Usage % over 100 %);
* workloads that grow, stay flat or decline (high-water mark in an earlier month);
* rows with PAU 0, workloads with PAU under 150, tenants under 150 licences (some claimed);
* entitlements equal to PAU, empty (default) or slightly different;
* active claims by a main partner, other partners' claims on other workloads, denied and
  disassociated claims; at most one active claim per tenant and workload;
* referrals with and without AU %, recent and older ones, on claimed and unclaimed tenants;
* a rate card with a rate of 0, an empty ``min_pau`` and two workloads left out.

Large feeds are streamed: usage rows are generated in fixed-size chunks of tenant-workloads
and written by DuckDB from an Arrow stream, so 100,000 tenants (about 24 million usage rows)
take seconds and a few hundred MB.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from fcu.metrics import CLAIM_STATUSES

__all__ = ["FILES", "WORKLOADS", "PARTNERS", "RATE_CARD", "write_sample_feed"]

FILES = (
    "partners",
    "workloads",
    "tenants",
    "usage",
    "claims",
    "referrals",
    "rate_card",
)

N_MONTHS = 24

# Tenant-workloads per generated usage chunk. Fixed: chunking drives the order of the random
# draws, so changing it changes the output (but never its determinism).
_TW_CHUNK = 16_384

# --------------------------------------------------------------------------------------------
# Fixed reference data
# --------------------------------------------------------------------------------------------

# partner_id, partner_name, short name, MPN prefix, location cities
PARTNERS: tuple[tuple[str, str, str, int, tuple[str, ...]], ...] = (
    (
        "P1",
        "Northwind Cloud Partners",
        "Northwind",
        41,
        ("Seattle", "Chicago", "London", "Sydney"),
    ),
    ("P2", "Fabrikam Adoption Services", "Fabrikam", 42, ("Dallas", "Toronto", "Frankfurt")),
    ("P3", "Tailspin Modern Work", "Tailspin", 43, ("Amsterdam", "Bengaluru")),
)
_PARTNER_SHARE = np.array([0.5, 0.3, 0.2])

# key, display name, adoption probability, PAU coverage of eligible licences (low, high)
_WORKLOAD_SPEC: tuple[tuple[str, str, float, float, float], ...] = (
    ("exchange", "Exchange Online", 0.98, 0.90, 1.00),
    ("sharepoint", "SharePoint Online", 0.92, 0.85, 1.00),
    ("onedrive", "OneDrive for Business", 0.92, 0.85, 1.00),
    ("teams", "Microsoft Teams", 0.97, 0.88, 1.00),
    ("m365_apps", "Microsoft 365 Apps", 0.90, 0.60, 1.00),
    ("intune", "Microsoft Intune", 0.72, 0.40, 0.95),
    ("entra_id", "Microsoft Entra ID P1", 0.85, 0.70, 1.00),
    ("defender_endpoint", "Microsoft Defender for Endpoint", 0.66, 0.30, 0.90),
    ("defender_office", "Microsoft Defender for Office 365", 0.70, 0.50, 1.00),
    ("defender_identity", "Microsoft Defender for Identity", 0.50, 0.30, 0.90),
    ("purview", "Microsoft Purview Information Protection", 0.50, 0.10, 0.70),
    ("viva", "Microsoft Viva", 0.35, 0.05, 0.50),
    ("windows", "Windows Enterprise", 0.62, 0.20, 0.80),
    ("copilot", "Microsoft 365 Copilot", 0.40, 0.01, 0.15),
)
WORKLOADS: tuple[tuple[str, str], ...] = tuple((k, d) for k, d, *_ in _WORKLOAD_SPEC)
_WL_KEYS = [k for k, _ in WORKLOADS]
_WL = {k: i for i, k in enumerate(_WL_KEYS)}
_N_WL = len(WORKLOADS)

# Illustrative rate card: made-up numbers to exercise the earnings maths. These are NOT
# Microsoft's real FastTrack incentive rates; an operator loads its own.
# workload, rate_per_unit (USD), max_earning (USD), min_pau (None = empty = default 150).
# viva and windows are left out on purpose ("no rate card row"); entra_id has rate 0.
RATE_CARD: tuple[tuple[str, str, str, int | None], ...] = (
    ("exchange", "2.50", "10000.00", 150),
    ("sharepoint", "3.00", "12000.00", 150),
    ("onedrive", "2.50", "8000.00", 150),
    ("teams", "4.00", "20000.00", 150),
    ("m365_apps", "3.50", "15000.00", 150),
    ("intune", "6.00", "30000.00", 150),
    ("entra_id", "0.00", "5000.00", 150),
    ("defender_endpoint", "8.00", "40000.00", 150),
    ("defender_office", "5.00", "25000.00", None),
    ("defender_identity", "7.50", "30000.00", 150),
    ("purview", "10.00", "45000.00", 150),
    ("copilot", "25.00", "60000.00", 300),
)

# country, weight, cities, legal-form suffixes, local first words (some non-ASCII)
_COUNTRIES: tuple[tuple[str, float, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "US",
        30,
        ("Seattle", "Denver", "Austin", "Boston", "Chicago", "Portland", "Atlanta"),
        ("Inc.", "LLC", "Corp.", "Group"),
        (),
    ),
    ("GB", 9, ("Leeds", "Bristol", "Manchester", "Glasgow", "Cardiff"), ("Ltd", "plc"), ()),
    (
        "DE",
        8,
        ("München", "Köln", "Hamburg", "Düsseldorf", "Stuttgart"),
        ("GmbH", "AG", "GmbH & Co. KG"),
        ("Müller", "Grünwald", "Südstern", "Bäckerhaus", "Nordlicht"),
    ),
    (
        "FR",
        6,
        ("Lyon", "Nantes", "Bordeaux", "Marseille", "Lille"),
        (", S.A.", "SAS", "SARL"),
        ("Café", "Lumière", "Élan", "Château", "Crème"),
    ),
    ("NL", 4, ("Utrecht", "Rotterdam", "Eindhoven", "Groningen"), ("B.V.", "N.V."), ()),
    ("IN", 6, ("Pune", "Bengaluru", "Chennai", "Hyderabad"), ("Pvt. Ltd.", "Limited"), ()),
    ("JP", 5, ("Osaka", "Nagoya", "Sapporo", "Fukuoka"), ("K.K.", "Co., Ltd."), ()),
    ("AU", 4, ("Perth", "Brisbane", "Adelaide", "Hobart"), ("Pty Ltd",), ()),
    (
        "BR",
        4,
        ("São Paulo", "Curitiba", "Recife", "Belo Horizonte"),
        ("Ltda.", ", S.A."),
        ("Ação", "São Jorge", "Horizonte", "Estrela"),
    ),
    ("CA", 5, ("Québec", "Calgary", "Halifax", "Ottawa"), ("Inc.", "Ltd"), ()),
    (
        "ES",
        3,
        ("Sevilla", "Málaga", "Bilbao", "Valencia"),
        (", S.L.", ", S.A."),
        ("Peña", "Montaña", "Niño", "Olivar"),
    ),
    ("IT", 3, ("Torino", "Bologna", "Genova", "Napoli"), ("S.p.A.", "S.r.l."), ()),
    (
        "SE",
        2,
        ("Göteborg", "Malmö", "Uppsala", "Västerås"),
        ("AB",),
        ("Ålund", "Björk", "Fjäll", "Sjöberg"),
    ),
    ("CH", 2, ("Zürich", "Genève", "Basel"), ("AG", "SA"), ()),
    ("MX", 2, ("Monterrey", "Guadalajara", "Puebla"), (", S.A. de C.V.",), ("Peña", "Águila")),
    ("SG", 2, ("Singapore",), ("Pte. Ltd.",), ()),
    ("IE", 2, ("Cork", "Galway", "Limerick"), ("Ltd", "DAC"), ()),
    ("PL", 2, ("Kraków", "Gdańsk", "Wrocław", "Łódź"), ("Sp. z o.o.", "S.A."), ("Wisła", "Łąka")),
    ("DK", 1, ("Aarhus", "Odense", "København"), ("A/S", "ApS"), ("Øster", "Fjord")),
    ("NO", 1, ("Bergen", "Tromsø", "Trondheim"), ("AS", "ASA"), ("Fjord", "Nordkapp")),
    ("ZA", 1, ("Durban", "Pretoria", "Cape Town"), ("(Pty) Ltd",), ()),
    ("NZ", 1, ("Auckland", "Wellington", "Dunedin"), ("Limited",), ()),
    ("BE", 1, ("Gent", "Liège", "Antwerpen"), ("NV", "SRL"), ()),
    ("AT", 1, ("Graz", "Linz", "Salzburg"), ("GmbH",), ("Österreich", "Alpenglück")),
    ("FI", 1, ("Tampere", "Espoo", "Oulu"), ("Oy",), ("Järvi", "Pohjola")),
)

_FIRST_WORDS = (
    "Alpine", "Coho", "Contoso", "Litware", "Adatum", "Woodgrove", "Proseware", "Lucerne",
    "Wingtip", "Humongous", "Trey", "Relecloud", "Munson's", "Margie's", "Blue Yonder",
    "Wide World", "Fourth Coffee", "Graphic Design", "Southridge", "VanArsdel", "Lamna",
    "Consolidated", "Liberty", "Riverbend", "Summit", "Harbor", "Cedar", "Granite",
    "Silverline", "Redwood", "Evergreen", "Ironbridge", "Kestrel", "Meridian", "Northgate",
    "Oakridge", "Pinnacle", "Sterling", "Trailhead", "Vertex", "Willow Creek", "Zephyr",
    "O'Connell", "Baker's", "Bluewater", "Copperfield", "Driftwood", "Falcon", "Golden Gate",
    "Highland", "Juniper", "Lakeside", "Maple Leaf", "Nimbus", "Orchid", "Polaris",
    "Quarry Hill", "Rainier", "Sequoia", "Tidewater",
)  # fmt: skip
_INDUSTRIES = (
    "Ski House", "Winery", "Airlines", "Bank", "Publishing", "Toys", "Importers", "Traders",
    "Logistics", "Pharmaceuticals", "Energy", "Insurance", "Motors", "Foods", "Hotels",
    "Consulting", "Engineering", "Health", "Labs", "Outfitters", "Travel", "Architects",
    "Manufacturing", "Retail", "Capital", "Freight", "Media", "Systems", "Textiles", "Brewing",
    "Dental", "Legal", "Realty", "Robotics", "Studios", "Analytics", "Marine", "Aerospace",
    "Bakery", "Clinics", "Electric", "Farms", "Furniture", "Medical", "Mining", "Solar",
    "Steel", "Telecom", "Water", "Chemicals",
)  # fmt: skip
_GENERIC_SUFFIXES = ("Group", "Holdings", "Partners", "& Co.")
_EDU_PATTERNS = (
    "University of {city}",
    "{city} Community College",
    "{city} School District",
    "{city} Institute of Technology",
    "{word} Academy",
    "{word} College",
)
_GOV_PATTERNS = (
    "City of {city}",
    "{city} County Council",
    "{city} Water Authority",
    "{city} Regional Health Authority",
    "Department of {topic}",
    "{city} Transit Agency",
)
_GOV_TOPICS = (
    "Revenue", "Transport", "Education", "Health", "Agriculture", "Justice", "Environment",
    "Labour", "Housing", "Culture",
)  # fmt: skip

_SEGMENTS = ("commercial", "education", "government")
_SEGMENT_P = np.array([0.80, 0.12, 0.08])

_CLAIM_SCHEMA = [
    "claim_id",
    "tenant_id",
    "workload",
    "partner_id",
    "mpn_id",
    "status",
    "submitted_on",
    "approved_on",
]
_USAGE_SCHEMA = pa.schema(
    [
        ("tenant_id", pa.dictionary(pa.int32(), pa.string())),
        ("workload", pa.dictionary(pa.int32(), pa.string())),
        ("month", pa.dictionary(pa.int32(), pa.string())),
        ("mau", pa.int32()),
        ("pau", pa.int32()),
        ("entitlements", pa.int32()),
    ]
)
_REFERRAL_SOURCES = ("FastTrack Center", "Partner Center", "Microsoft seller")
_REFERRAL_SOURCE_P = np.array([0.5, 0.3, 0.2])


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def write_sample_feed(
    out_dir: str | Path,
    tenants: int,
    seed: int = 7,
    fmt: str = "csv",
    end_month: str | None = None,
    as_of: date | None = None,
) -> dict[str, int]:
    """Write the seven contract files into out_dir; return rows per file name.

    ``tenants`` is the number of tenants (at least 1); usage holds 24 consecutive months
    ending at ``end_month`` (``YYYY-MM``; claims and referrals dated back from that month's
    end), or, without it, at the last complete month before ``as_of`` (default: today;
    claims and referrals dated back from ``as_of``, referrals within its last 30 days).
    ``fmt`` is ``"csv"`` (UTF-8, header line, ``\\n`` line endings, quoted only where
    needed) or ``"parquet"`` (same columns). Existing files of the same names are replaced.
    Returns e.g. ``{"usage.csv": 24_000_123, ...}``.
    """
    if isinstance(tenants, bool) or not isinstance(tenants, int | np.integer) or tenants < 1:
        raise ValueError(f"tenants must be a positive integer, got {tenants!r}")
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', got {fmt!r}")
    if end_month is not None and as_of is not None:
        raise ValueError("give end_month or as_of, not both")
    if end_month is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", end_month):
        raise ValueError(f"end_month must look like YYYY-MM, got {end_month!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    if end_month is None:
        as_of = as_of or date.today()
        end_month = last_complete_month(as_of)
    gen = _Generator(int(tenants), int(seed), end_month, as_of)
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="fcu-sample-") as tmp:
        config = {
            "memory_limit": "512MB",
            "temp_directory": tmp,
            "preserve_insertion_order": True,  # output order = generation order
        }
        con = duckdb.connect(config=config)
        try:
            con.sql("SET enable_progress_bar = false")
            writer = _Writer(con, out, fmt)
            counts.update(writer.table("partners", gen.partners()))
            counts.update(writer.table("workloads", gen.workloads()))
            counts.update(writer.table("tenants", gen.tenants_table()))
            counts.update(writer.table("rate_card", gen.rate_card()))
            counts.update(writer.table("claims", gen.claims_table()))
            counts.update(writer.stream("usage", _USAGE_SCHEMA, gen.usage_batches()))
            # Referrals last: their AU % comes from the usage just generated.
            counts.update(writer.table("referrals", gen.referrals_table()))
        finally:
            con.close()
    return {f"{name}.{fmt}": counts[f"{name}.{fmt}"] for name in FILES}


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


class _Writer:
    """Write Arrow data to CSV or Parquet through DuckDB (order preserved)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, out: Path, fmt: str) -> None:
        self.con, self.out, self.fmt = con, out, fmt

    def _write(self, name: str, rel: duckdb.DuckDBPyRelation) -> str:
        fname = f"{name}.{self.fmt}"
        path = self.out / fname
        if path.exists():
            path.unlink()
        if self.fmt == "csv":
            rel.write_csv(str(path), header=True, sep=",", quotechar='"', escapechar='"')
        else:
            rel.write_parquet(str(path), compression="zstd")
        return fname

    def table(self, name: str, spec: tuple[pa.Table, str]) -> dict[str, int]:
        table, projection = spec
        rel = self.con.from_arrow(table).project(projection)
        return {self._write(name, rel): table.num_rows}

    def stream(
        self, name: str, schema: pa.Schema, batches: Iterator[pa.RecordBatch]
    ) -> dict[str, int]:
        rows = 0

        def counted() -> Iterator[pa.RecordBatch]:
            nonlocal rows
            for batch in batches:
                rows += batch.num_rows
                yield batch

        reader = pa.RecordBatchReader.from_batches(schema, counted())
        fname = self._write(name, self.con.from_arrow(reader))
        return {fname: rows}


def _cols(*names: str) -> str:
    return ", ".join(names)


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------


class _Generator:
    """All random draws, in a fixed order, from generators seeded by ``seed``."""

    def __init__(self, n: int, seed: int, end_month: str, as_of: date | None = None) -> None:
        self.n = n
        self.rng = np.random.default_rng([seed, 0])
        self.usage_rng = np.random.default_rng([seed, 1])
        year, month = (int(x) for x in end_month.split("-"))
        end = np.datetime64(f"{year:04d}-{month:02d}", "M")
        self.months = np.arange(end - (N_MONTHS - 1), end + 1)  # datetime64[M]
        self.month_labels = [str(m) for m in self.months]
        # Claims and referrals are dated back from here: the end of end_month, or as_of
        # (its midnight, UTC) for a sample dated as of a day.
        self.live = as_of is not None
        after_end = (end + 1).astype("datetime64[D]")  # the first day after end_month
        self.period_end = np.datetime64(as_of.isoformat(), "D") if self.live else after_end
        self.last_day = self.period_end - np.timedelta64(1, "D")

        self._partner_tables()
        self._tenants()
        self._usage_plan()
        self._claims()
        # Filled while usage is streamed, read by the referrals.
        self.end_mau = np.zeros(n, dtype=np.float64)
        self.end_pau = np.zeros(n, dtype=np.float64)

    # ---- partners, workloads, rate card ---------------------------------------------------

    def _partner_tables(self) -> None:
        rows = []
        for pid, pname, short, prefix, cities in PARTNERS:
            for j, city in enumerate(cities):
                rows.append((pid, pname, f"{prefix}{j + 1:05d}", f"{short} {city}"))
        self.partner_rows = rows
        self.partner_ids = [p[0] for p in PARTNERS]
        # MPN ids per partner index, and count of locations
        self.mpns = [[r[2] for r in rows if r[0] == pid] for pid in self.partner_ids]
        self.n_locs = np.array([len(m) for m in self.mpns])
        self.mpn_flat = [m for ms in self.mpns for m in ms]
        self.mpn_offset = np.concatenate([[0], np.cumsum(self.n_locs)[:-1]])

    def partners(self) -> tuple[pa.Table, str]:
        cols = list(zip(*self.partner_rows, strict=True))
        names = ["partner_id", "partner_name", "mpn_id", "location_name"]
        table = pa.table({n: pa.array(c, pa.string()) for n, c in zip(names, cols, strict=True)})
        return table, _cols(*names)

    def workloads(self) -> tuple[pa.Table, str]:
        table = pa.table(
            {
                "workload": pa.array([k for k, _ in WORKLOADS]),
                "display_name": pa.array([d for _, d in WORKLOADS]),
            }
        )
        return table, "workload, display_name"

    def rate_card(self) -> tuple[pa.Table, str]:
        table = pa.table(
            {
                "workload": pa.array([r[0] for r in RATE_CARD]),
                "rate_per_unit": pa.array([r[1] for r in RATE_CARD]),
                "max_earning": pa.array([r[2] for r in RATE_CARD]),
                "min_pau": pa.array([r[3] for r in RATE_CARD], pa.int32()),
            }
        )
        proj = (
            "workload, CAST(rate_per_unit AS DECIMAL(10,2)) AS rate_per_unit, "
            "CAST(max_earning AS DECIMAL(12,2)) AS max_earning, min_pau"
        )
        return table, proj

    # ---- tenants ----------------------------------------------------------------------------

    def _tenants(self) -> None:
        n, rng = self.n, self.rng
        self.tenant_ids = _guids(rng, n)
        weights = np.array([c[1] for c in _COUNTRIES], dtype=float)
        self.country_idx = rng.choice(len(_COUNTRIES), size=n, p=weights / weights.sum())
        self.segment = rng.choice(3, size=n, p=_SEGMENT_P)
        small = rng.random(n) < 0.05
        licences = np.exp(rng.uniform(np.log(150), np.log(50_000), size=n))
        self.eligible = np.where(
            small, rng.integers(5, 150, size=n), np.floor(licences).astype(np.int64)
        ).astype(np.int64)

        # Showcase tenants: a few random tenants forced to carry each edge case, so that every
        # feature is present whatever the seed (from about a dozen tenants up).
        self.show: dict[str, int] = {}
        if n >= 12:
            picks = rng.permutation(n)[:10]
            names = (
                "edu_over",
                "small_claimed",
                "other_partner",
                "denied",
                "disassociated",
                "declining",
                "pau_zero",
                "name_comma",
                "name_apostrophe",
                "name_accent",
            )
            self.show = {k: int(i) for k, i in zip(names, picks, strict=True)}
            self.segment[self.show["edu_over"]] = 1
            self.eligible[self.show["edu_over"]] = max(self.eligible[self.show["edu_over"]], 800)
            self.eligible[self.show["small_claimed"]] = 60 + int(rng.integers(0, 80))
            for key in ("name_comma", "name_apostrophe", "name_accent"):
                self.segment[self.show[key]] = 0
            self.country_idx[self.show["name_comma"]] = _country_index("FR")
            self.country_idx[self.show["name_accent"]] = _country_index("SE")

        self.tenant_names, self.tenant_domains = self._names()

    def _names(self) -> tuple[list[str], list[str]]:
        n, rng = self.n, self.rng
        r_first = rng.integers(0, len(_FIRST_WORDS), size=n)
        r_ind = rng.integers(0, len(_INDUSTRIES), size=n)
        r_local = rng.random(n)
        r_local_pick = rng.integers(0, 1 << 30, size=n)
        r_suffix = rng.random(n)
        r_suffix_pick = rng.integers(0, 1 << 30, size=n)
        r_city = rng.integers(0, 1 << 30, size=n)
        r_pattern = rng.integers(0, 1 << 30, size=n)
        r_topic = rng.integers(0, len(_GOV_TOPICS), size=n)

        forced = {}
        if self.show:
            forced = {
                self.show["name_comma"]: ("Café Lumière", ", S.A."),
                self.show["name_apostrophe"]: ("Margie's Travel", "Group"),
                self.show["name_accent"]: ("Ålund Fjäll Energy", "AB"),
            }

        # Python lists: scalar access to numpy arrays in a loop is slow.
        country, segment = self.country_idx.tolist(), self.segment.tolist()
        r_first, r_ind, r_local = r_first.tolist(), r_ind.tolist(), r_local.tolist()
        r_local_pick, r_suffix = r_local_pick.tolist(), r_suffix.tolist()
        r_suffix_pick, r_city = r_suffix_pick.tolist(), r_city.tolist()
        r_pattern, r_topic = r_pattern.tolist(), r_topic.tolist()

        names: list[str] = []
        domains: list[str] = []
        seen_names: set[str] = set()
        seen_domains: set[str] = set()
        next_k: dict[str, int] = {}
        slugs: dict[str, str] = {}
        for i in range(n):
            _, _, cities, legal, local = _COUNTRIES[country[i]]
            city = cities[r_city[i] % len(cities)]
            seg = segment[i]
            if i in forced:
                base, suffix = forced[i]
            elif seg == 0:
                if local and r_local[i] < 0.3:
                    first = local[r_local_pick[i] % len(local)]
                else:
                    first = _FIRST_WORDS[r_first[i]]
                base = f"{first} {_INDUSTRIES[r_ind[i]]}"
                suffix = ""
                if r_suffix[i] < 0.45:
                    suffix = legal[r_suffix_pick[i] % len(legal)]
                elif r_suffix[i] < 0.6:
                    suffix = _GENERIC_SUFFIXES[r_suffix_pick[i] % len(_GENERIC_SUFFIXES)]
            else:
                patterns = _EDU_PATTERNS if seg == 1 else _GOV_PATTERNS
                pattern = patterns[r_pattern[i] % len(patterns)]
                base = pattern.format(
                    city=city, word=_FIRST_WORDS[r_first[i]], topic=_GOV_TOPICS[r_topic[i]]
                )
                suffix = ""
            name = base + suffix if suffix.startswith(",") else f"{base} {suffix}".strip()
            # Unique names: qualify a repeated name with the city, then with a number.
            if name in seen_names:
                plain, name = name, f"{name} ({city})"
                while name in seen_names:
                    k = next_k.get(plain, 2)
                    next_k[plain] = k + 1
                    name = f"{plain} ({city} {k})"
            seen_names.add(name)
            names.append(name)

            slug = slugs.get(base)
            if slug is None:
                slug = slugs[base] = _slug(base)[:24] or "tenant"
            dom = slug
            while dom in seen_domains:
                k = next_k.get("@" + slug, 2)
                next_k["@" + slug] = k + 1
                dom = f"{slug}{k}"
            seen_domains.add(dom)
            domains.append(f"{dom}.onmicrosoft.com")
        return names, domains

    def tenants_table(self) -> tuple[pa.Table, str]:
        countries = [c[0] for c in _COUNTRIES]
        table = pa.table(
            {
                "tenant_id": self.tenant_ids,
                "tenant_name": pa.array(self.tenant_names, pa.string()),
                "tenant_domain": pa.array(self.tenant_domains, pa.string()),
                "country": pa.DictionaryArray.from_arrays(
                    self.country_idx.astype(np.int32), pa.array(countries)
                ),
                "segment": pa.DictionaryArray.from_arrays(
                    self.segment.astype(np.int32), pa.array(_SEGMENTS)
                ),
                "eligible_licenses": pa.array(self.eligible, pa.int64()),
            }
        )
        return table, _cols(*table.column_names)

    # ---- usage ------------------------------------------------------------------------------

    def _usage_plan(self) -> None:
        """Choose each tenant's workloads and each tenant-workload's trajectory."""
        n, rng = self.n, self.rng
        adopt = np.array([s[2] for s in _WORKLOAD_SPEC])
        used = rng.random((n, _N_WL)) < adopt
        used[~used.any(axis=1), _WL["exchange"]] = True
        show = self.show
        if show:
            used[show["edu_over"], [_WL["exchange"], _WL["teams"]]] = True
            used[show["other_partner"], [_WL["exchange"], _WL["sharepoint"], _WL["teams"]]] = True
            used[show["declining"], _WL["sharepoint"]] = True
            used[show["pau_zero"], _WL["copilot"]] = True
            used[show["small_claimed"], _WL["exchange"]] = True
        self.used = used

        # Tenant-workloads in (tenant, workload) order: usage rows come out sorted that way.
        ti, wi = np.nonzero(used)
        t = len(ti)
        self.tw_tenant = ti.astype(np.int32)
        self.tw_workload = wi.astype(np.int32)

        lo = np.array([s[3] for s in _WORKLOAD_SPEC])[wi]
        hi = np.array([s[4] for s in _WORKLOAD_SPEC])[wi]
        pau_end = np.rint(self.eligible[ti] * rng.uniform(lo, hi)).astype(np.float64)
        pau_start = np.rint(pau_end * rng.uniform(0.75, 1.05, size=t))
        # Some purchases start inside the window (PAU 0 before): mostly Copilot and Viva.
        p_late = np.full(_N_WL, 0.03)
        p_late[[_WL["copilot"], _WL["viva"], _WL["purview"], _WL["defender_identity"]]] = [
            0.6,
            0.2,
            0.1,
            0.1,
        ]
        late = rng.random(t) < p_late[wi]
        start = np.where(late, rng.integers(1, N_MONTHS - 3, size=t), 0)
        # Trials: PAU 0 throughout, a handful of active users.
        p_trial = np.full(_N_WL, 0.005)
        p_trial[[_WL["copilot"], _WL["viva"]]] = 0.04
        trial = rng.random(t) < p_trial[wi]

        # Trend: 0 grow, 1 flat, 2 decline; Copilot mostly grows.
        p_trend = np.tile([0.60, 0.25, 0.15], (_N_WL, 1))
        p_trend[_WL["copilot"]] = [0.85, 0.10, 0.05]
        p_trend[_WL["viva"]] = [0.40, 0.30, 0.30]
        u = rng.random(t)
        cum = np.cumsum(p_trend[wi], axis=1)
        trend = (u[:, None] >= cum[:, :2]).sum(axis=1)

        # Ratios MAU/PAU at month 0, the peak month and the last month.
        a0 = rng.uniform(0.05, 0.45, size=t)
        a1 = np.minimum(a0 + rng.uniform(0.15, 0.55, size=t), 0.97)
        flat = rng.uniform(0.25, 0.90, size=t)
        rpeak = rng.uniform(0.50, 0.95, size=t)
        d0 = rpeak * rng.uniform(0.50, 0.90, size=t)
        d1 = rpeak * rng.uniform(0.35, 0.80, size=t)
        bend = rng.uniform(0.3, 0.7, size=t)
        peak = rng.integers(4, N_MONTHS - 5, size=t)
        over1 = rng.uniform(1.05, 1.60, size=t)
        over0 = over1 * rng.uniform(0.70, 1.00, size=t)
        over = (
            (self.segment[ti] == 1)
            & np.isin(wi, [_WL[k] for k in ("exchange", "sharepoint", "onedrive", "teams")])
            & (rng.random(t) < 0.45)
        )
        ent_mode_u = rng.random(t)
        ent_factor = rng.uniform(0.85, 1.10, size=t)

        if show:
            k = _tw_index(ti, wi, show["edu_over"], _WL["teams"])
            over[k], trial[k], late[k], start[k] = True, False, False, 0
            pau_end[k] = pau_start[k] = max(pau_end[k], 500.0)
            k = _tw_index(ti, wi, show["declining"], _WL["sharepoint"])
            trend[k], trial[k], late[k], start[k] = 2, False, False, 0
            pau_end[k] = pau_start[k] = max(pau_end[k], 300.0)
            rpeak[k], d0[k], d1[k], peak[k] = 0.9, 0.5, 0.4, 10
            k = _tw_index(ti, wi, show["pau_zero"], _WL["copilot"])
            trial[k] = True

        a_first = np.select([trend == 0, trend == 1], [a0, flat], d0)
        a_last = np.select([trend == 0, trend == 1], [a1, flat], d1)
        a_peak = np.select([trend == 0, trend == 1], [a0 + (a1 - a0) * bend, flat], rpeak)
        pk = np.where(trend == 2, peak, N_MONTHS // 2)
        a_first = np.where(over, over0, a_first)
        a_last = np.where(over, over1, a_last)
        a_peak = np.where(over, (over0 + over1) / 2, a_peak)
        pk = np.where(over, N_MONTHS // 2, pk)
        pau_start = np.where(trial, 0.0, pau_start)
        pau_end = np.where(trial, 0.0, pau_end)
        start = np.where(trial, 0, start)

        # Entitlements: 0 equal to PAU (80 %), 1 empty (12 %), 2 a bit different (8 %).
        ent_mode = np.select([ent_mode_u < 0.80, ent_mode_u < 0.92], [0, 1], 2)

        self.plan = {
            "pau_start": pau_start.astype(np.float32),
            "pau_end": pau_end.astype(np.float32),
            "start": start.astype(np.int8),
            "trial": trial,
            "a_first": a_first.astype(np.float32),
            "a_peak": a_peak.astype(np.float32),
            "a_last": a_last.astype(np.float32),
            "pk": pk.astype(np.int8),
            "ent_mode": ent_mode.astype(np.int8),
            "ent_factor": ent_factor.astype(np.float32),
        }

    def usage_batches(self) -> Iterator[pa.RecordBatch]:
        rng, plan = self.usage_rng, self.plan
        tenant_dict = self.tenant_ids
        wl_dict = pa.array(_WL_KEYS)
        month_dict = pa.array(self.month_labels)
        m = np.arange(N_MONTHS, dtype=np.float32)[None, :]
        total = len(self.tw_tenant)
        for lo in range(0, total, _TW_CHUNK):
            hi = min(lo + _TW_CHUNK, total)
            c = hi - lo

            def col(name: str, lo: int = lo, hi: int = hi) -> np.ndarray:
                return plan[name][lo:hi, None]

            ti = self.tw_tenant[lo:hi]
            wi = self.tw_workload[lo:hi]
            frac = m / (N_MONTHS - 1)
            pau = np.rint(col("pau_start") + (col("pau_end") - col("pau_start")) * frac)
            pau = np.where(m < col("start"), 0.0, pau)

            pk = col("pk").astype(np.float32)
            rise = col("a_first") + (col("a_peak") - col("a_first")) * (m / pk)
            fall = col("a_peak") + (col("a_last") - col("a_peak")) * (
                (m - pk) / (N_MONTHS - 1 - pk)
            )
            ratio = np.where(m <= pk, rise, fall)
            noise = np.exp(0.05 * rng.standard_normal((c, N_MONTHS), dtype=np.float32))
            mau = np.rint(pau * ratio * noise)
            trial_mau = rng.integers(0, 30, size=(c, N_MONTHS)) * (
                rng.random((c, N_MONTHS), dtype=np.float32) < 0.8
            )
            mau = np.where(col("trial"), trial_mau, mau)
            mau = np.maximum(mau, 0).astype(np.int32)
            pau = pau.astype(np.int32)

            mode = col("ent_mode")
            ent = np.where(mode == 2, np.rint(pau * col("ent_factor")), pau).astype(np.int32)
            ent_null = np.broadcast_to(mode == 1, ent.shape)

            self.end_mau += np.bincount(ti, weights=mau[:, -1], minlength=self.n)
            self.end_pau += np.bincount(ti, weights=pau[:, -1], minlength=self.n)

            rows = c * N_MONTHS
            yield pa.record_batch(
                [
                    pa.DictionaryArray.from_arrays(pa.array(np.repeat(ti, N_MONTHS)), tenant_dict),
                    pa.DictionaryArray.from_arrays(pa.array(np.repeat(wi, N_MONTHS)), wl_dict),
                    pa.DictionaryArray.from_arrays(
                        pa.array(np.tile(np.arange(N_MONTHS, dtype=np.int32), c)), month_dict
                    ),
                    pa.array(mau.reshape(rows)),
                    pa.array(pau.reshape(rows)),
                    pa.array(ent.reshape(rows), mask=ent_null.reshape(rows)),
                ],
                schema=_USAGE_SCHEMA,
            )

    # ---- claims -----------------------------------------------------------------------------

    def _claims(self) -> None:
        n, rng, used, show = self.n, self.rng, self.used, self.show
        n_used = used.sum(axis=1)
        # Each tenant's used workloads in a random order (unused ones last).
        order = np.argsort(np.where(used, rng.random((n, _N_WL)), 2.0), axis=1, kind="stable")

        has_main = rng.random(n) < 0.90
        main_p = rng.choice(3, size=n, p=_PARTNER_SHARE)
        k_main = np.minimum(rng.choice(np.arange(1, 7), size=n, p=_K_MAIN_P), n_used)
        has_other = has_main & (rng.random(n) < 0.1667) & (n_used > k_main)
        other_p = (main_p + rng.integers(1, 3, size=n)) % 3
        k_other = np.minimum(rng.choice([1, 2], size=n, p=[0.7, 0.3]), n_used - k_main)
        has_bad = rng.random(n) < 0.08
        n_bad = rng.choice([1, 2], size=n, p=[0.75, 0.25])
        main_loc = rng.integers(0, 1 << 30, size=n) % self.n_locs[main_p]

        if show:
            has_main[show["small_claimed"]] = True
            i = show["other_partner"]
            has_main[i], has_other[i] = True, True
            k_main[i] = min(k_main[i], n_used[i] - 1)
            k_other[i] = max(1, min(k_other[i], n_used[i] - k_main[i]))
            has_bad[[show["denied"], show["disassociated"]]] = True
        k_main = np.where(has_main, k_main, 0)
        k_other = np.where(has_other, k_other, 0)
        n_bad = np.where(has_bad, n_bad, 0)

        j = np.arange(_N_WL)[None, :]
        # Main partner: the first k_main workloads of the random order.
        mi, mj = np.nonzero(j < k_main[:, None])
        # Other partner: the next k_other ones (never the main partner's).
        oi, oj = np.nonzero((j >= k_main[:, None]) & (j < (k_main + k_other)[:, None]))
        # Denied / disassociated: any used workload, any partner (may overlap active claims).
        bi = np.repeat(np.arange(n), n_bad)
        bj = rng.integers(0, 1 << 30, size=len(bi)) % n_used[bi]
        b_partner = np.where(
            rng.random(len(bi)) < 0.5, rng.integers(0, 3, size=len(bi)), other_p[bi]
        )
        b_status = np.where(rng.random(len(bi)) < 0.55, 3, 4)  # 3 denied, 4 disassociated
        if show and len(bi):
            first = np.searchsorted(bi, [show["denied"], show["disassociated"]])
            b_status[first[0]] = 3
            b_status[first[1]] = 4

        active_status = rng.choice(3, size=len(mi) + len(oi), p=[0.14, 0.72, 0.14])
        tenant = np.concatenate([mi, oi, bi])
        workload = np.concatenate([order[mi, mj], order[oi, oj], order[bi, bj]])
        partner = np.concatenate([main_p[mi], other_p[oi], b_partner])
        status = np.concatenate([active_status, b_status])
        total = len(tenant)

        # Location: the main partner usually files under the tenant's usual MPN.
        loc_rand = rng.integers(0, 1 << 30, size=total) % self.n_locs[partner]
        usual = (partner == main_p[tenant]) & (rng.random(total) < 0.85)
        loc = np.where(usual, main_loc[tenant], loc_rand)

        # Dates (days before the last day of end_month) by status.
        lo_days = np.array([0, 35, 10, 30, 60])[status]
        hi_days = np.array([30, 1000, 120, 700, 1000])[status]
        back = rng.integers(0, 1 << 30, size=total) % (hi_days - lo_days + 1) + lo_days
        submitted = self.last_day - back.astype("timedelta64[D]")
        lag_hi = np.where(status == 2, 8, 30)
        lag = 2 + rng.integers(0, 1 << 30, size=total) % (lag_hi - 1)
        lag = np.minimum(lag, back)
        approved = submitted + lag.astype("timedelta64[D]")
        approved_null = ~np.isin(status, [1, 2])

        # Claim numbers rise with submission date, with gaps.
        by_date = np.lexsort((tenant, submitted))
        numbers = np.empty(total, dtype=np.int64)
        numbers[by_date] = 100_000 + np.cumsum(rng.integers(1, 12, size=total))

        out = np.lexsort((numbers, workload, tenant))
        self.claim_cols = {
            "tenant": tenant[out],
            "workload": workload[out],
            "partner": partner[out],
            "loc": loc[out],
            "status": status[out],
            "submitted": submitted[out],
            "approved": approved[out],
            "approved_null": approved_null[out],
            "number": numbers[out],
        }
        active = status[out] < 3
        # Partner index -> tenants it holds an active claim on.
        self.claimed_by = [
            np.unique(tenant[out][active & (partner[out] == p)]) for p in range(len(PARTNERS))
        ]
        self.main_p, self.main_loc = main_p, main_loc
        self.has_main = has_main

    def claims_table(self) -> tuple[pa.Table, str]:
        c = self.claim_cols
        statuses = CLAIM_STATUSES
        flat_loc = self.mpn_offset[c["partner"]] + c["loc"]
        table = pa.table(
            {
                "claim_id": pa.array([f"CPOR-{x:07d}" for x in c["number"]], pa.string()),
                "tenant_id": pa.DictionaryArray.from_arrays(
                    c["tenant"].astype(np.int32), self.tenant_ids
                ),
                "workload": pa.DictionaryArray.from_arrays(
                    c["workload"].astype(np.int32), pa.array(_WL_KEYS)
                ),
                "partner_id": pa.DictionaryArray.from_arrays(
                    c["partner"].astype(np.int32), pa.array(self.partner_ids)
                ),
                "mpn_id": pa.DictionaryArray.from_arrays(
                    flat_loc.astype(np.int32), pa.array(self.mpn_flat)
                ),
                "status": pa.DictionaryArray.from_arrays(
                    c["status"].astype(np.int32), pa.array(statuses)
                ),
                "submitted_on": pa.array(c["submitted"], pa.date32()),
                "approved_on": pa.array(c["approved"], pa.date32(), mask=c["approved_null"]),
            }
        )
        return table, _cols(*_CLAIM_SCHEMA)

    # ---- referrals --------------------------------------------------------------------------

    def referrals_table(self) -> tuple[pa.Table, str]:
        n, rng = self.n, self.rng
        total = n // 5
        per_partner = np.rint(total * _PARTNER_SHARE).astype(np.int64)
        per_partner = np.maximum(per_partner, 20 if n >= 50 else 1)
        partner = np.repeat(np.arange(len(PARTNERS)), per_partner)
        m = len(partner)

        in_ft = np.flatnonzero(self.eligible >= 150)
        if len(in_ft) == 0:
            in_ft = np.arange(n)
        tenant = np.empty(m, dtype=np.int64)
        on_claimed = rng.random(m) < 0.85
        pick = rng.integers(0, 1 << 40, size=m)
        for p in range(len(PARTNERS)):
            claimed = self.claimed_by[p]
            claimed = claimed[self.eligible[claimed] >= 150]
            unclaimed = np.setdiff1d(in_ft, self.claimed_by[p])
            for want_claimed in (True, False):
                sel = (partner == p) & (on_claimed == want_claimed)
                pool = claimed if want_claimed else unclaimed
                if len(pool) == 0:
                    pool = unclaimed if want_claimed else claimed
                if len(pool) == 0:
                    pool = in_ft
                tenant[sel] = pool[pick[sel] % len(pool)]

        # Workloads asked for: 1-3 of the tenant's workloads, in workload order.
        k = np.minimum(rng.choice([1, 2, 3], size=m, p=[0.55, 0.30, 0.15]), 14)
        used = self.used[tenant]
        order = np.argsort(np.where(used, rng.random((m, _N_WL)), 2.0), axis=1, kind="stable")
        k = np.minimum(k, used.sum(axis=1))
        chosen = np.zeros((m, _N_WL), dtype=bool)
        rows, cols = np.nonzero(np.arange(_N_WL)[None, :] < k[:, None])
        chosen[rows, order[rows, cols]] = True
        wl_text = [";".join(_WL_KEYS[j] for j in np.flatnonzero(row)) for row in chosen]

        # Assignment time: 25 % in the last 10 days, 65 % 10-90 days back, 10 % older; dated
        # as of a day, 25 % in its last 7 days and the rest 7-30 days back (the same draws).
        band = rng.choice(3, size=m, p=[0.25, 0.65, 0.10])
        lo_days, hi_days = ([0, 7, 7], [7, 30, 30]) if self.live else ([0, 10, 90], [10, 90, 270])
        lo_min = np.maximum(np.array(lo_days) * 1440, 1)[band]
        hi_min = (np.array(hi_days) * 1440)[band]
        back = lo_min + rng.integers(0, 1 << 40, size=m) % (hi_min - lo_min)
        end_minute = self.period_end.astype("datetime64[m]")
        assigned = end_minute - back.astype("timedelta64[m]")
        days_ago = back / 1440.0

        # AU %: the tenant's usage at the end month, give or take; often not known yet.
        p_null = np.select([days_ago < 3, days_ago < 10], [0.95, 0.6], 0.2)
        with np.errstate(divide="ignore", invalid="ignore"):
            au = 100.0 * self.end_mau[tenant] / self.end_pau[tenant]
        au = au * rng.uniform(0.92, 1.04, size=m)
        fallback = rng.uniform(5.0, 95.0, size=m)
        au_null = (rng.random(m) < p_null) | ~np.isfinite(au)
        if m >= 2:
            if au_null.all():
                au_null[0] = False
                au[0] = fallback[0] if not np.isfinite(au[0]) else au[0]
            if not au_null.any():
                au_null[-1] = True
        au = np.where(np.isfinite(au), np.round(au, 1), np.round(fallback, 1))

        source = rng.choice(len(_REFERRAL_SOURCES), size=m, p=_REFERRAL_SOURCE_P)
        loc_rand = rng.integers(0, 1 << 30, size=m) % self.n_locs[partner]
        own = self.has_main[tenant] & (self.main_p[tenant] == partner)
        loc = np.where(own, self.main_loc[tenant], loc_rand)

        # RFA numbers rise with assignment time.
        out = np.lexsort((partner, tenant, assigned))
        numbers = 1_000 + np.cumsum(rng.integers(1, 6, size=m))
        assigned_txt = np.char.add(np.datetime_as_string(assigned[out], unit="s"), "Z")
        table = pa.table(
            {
                "rfa_id": pa.array([f"RFA-{x:06d}" for x in numbers], pa.string()),
                "tenant_id": pa.DictionaryArray.from_arrays(
                    tenant[out].astype(np.int32), self.tenant_ids
                ),
                "partner_id": pa.DictionaryArray.from_arrays(
                    partner[out].astype(np.int32), pa.array(self.partner_ids)
                ),
                "mpn_id": pa.DictionaryArray.from_arrays(
                    (self.mpn_offset[partner] + loc)[out].astype(np.int32),
                    pa.array(self.mpn_flat),
                ),
                "assigned_at": pa.array(assigned_txt.tolist(), pa.string()),
                "workloads": pa.array([wl_text[i] for i in out], pa.string()),
                "au_pct": pa.array(au[out], pa.float64(), mask=au_null[out]),
                "source": pa.DictionaryArray.from_arrays(
                    source[out].astype(np.int32), pa.array(_REFERRAL_SOURCES)
                ),
            }
        )
        proj = (
            "rfa_id, tenant_id, partner_id, mpn_id, assigned_at, workloads, "
            "CAST(au_pct AS DECIMAL(10,1)) AS au_pct, source"
        )
        return table, proj


_K_MAIN_P = np.array([0.20, 0.20, 0.20, 0.15, 0.15, 0.10])


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _guids(rng: np.random.Generator, n: int) -> pa.Array:
    """n distinct random (version 4) GUIDs, lowercase and hyphenated."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexed = [row.tobytes().hex() for row in raw]
    out, seen = [], set()
    for h in hexed:
        while h in seen:  # astronomically unlikely; keep it deterministic anyway
            h = f"{(int(h, 16) + 1) % (1 << 128):032x}"
        seen.add(h)
        out.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return pa.array(out, pa.string())


def _tw_index(ti: np.ndarray, wi: np.ndarray, tenant: int, workload: int) -> int:
    """Position of (tenant, workload) in the sorted tenant-workload arrays."""
    lo = np.searchsorted(ti, tenant, side="left")
    hi = np.searchsorted(ti, tenant, side="right")
    return int(lo + np.flatnonzero(wi[lo:hi] == workload)[0])


def _country_index(code: str) -> int:
    return next(i for i, c in enumerate(_COUNTRIES) if c[0] == code)


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", ascii_text.lower())


# --------------------------------------------------------------------------------------------
# The same sample as Partner Center's reports
# --------------------------------------------------------------------------------------------

# The sample's workloads as OfficeUsage names them (spellings vary on purpose; copilot's name
# is one FCU does not know, so it loads as a workload of its own). EMSUsage gives intune,
# entra_id and purview; the sample's other workloads are in neither report.
PARTNER_CENTER_NAMES = {
    "exchange": "Exchange",
    "sharepoint": "SharePoint Online",
    "onedrive": "OneDrive for Business",
    "teams": "Teams",
    "m365_apps": "Microsoft 365 Apps for enterprise",
    "copilot": "Microsoft 365 Copilot",
}
_EMS = (("AADP", "entra_id"), ("Intune", "intune"), ("Azip", "purview"))
PARTNER_CENTER_FILES = (
    "OfficeUsage.csv",
    "EMSUsage.csv",
    "CustomersAndTenants.csv",
    "claims.csv",
    "referrals.csv",
    "rate_card.csv",
)


def last_complete_month(as_of: date) -> str:
    """'2026-11' for any day of December 2026: the month before ``as_of``'s."""
    first = as_of.replace(day=1)
    previous = first.fromordinal(first.toordinal() - 1)
    return f"{previous.year:04d}-{previous.month:02d}"


def write_partner_center_sample(
    out_dir: str | Path,
    tenants: int,
    seed: int = 7,
    end_month: str | None = None,
    as_of: date | None = None,
) -> dict[str, int]:
    """Write the sample of ``write_sample_feed`` as partner P1's Partner Center reports.

    OfficeUsage.csv (ISO months, about 3 % of tenants' rows repeated under a second MPN and
    flagged IsDuplicateRowForPGA), EMSUsage.csv (US dates with a time; every fifth tenant's
    units split over two subscriptions), CustomersAndTenants.csv, and P1's claims.csv,
    referrals.csv and rate_card.csv in FCU's form, on the workloads the reports give. Load it
    with ``python -m fcu load DIR --partner P1``. Returns rows per file name.
    """
    from fcu.partner_center import workload_key  # the key an unknown name loads as

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    keys = {k: workload_key(n)[0] for k, n in PARTNER_CENTER_NAMES.items()}
    keys.update({k: k for _, k in _EMS})
    pid, pname, *_ = PARTNERS[0]
    with tempfile.TemporaryDirectory(prefix="fcu-sample-pc-") as tmp:
        feed_dir = Path(tmp) / "feed"
        write_sample_feed(feed_dir, tenants, seed, fmt="parquet", end_month=end_month, as_of=as_of)
        con = duckdb.connect(config={"memory_limit": "1GB", "temp_directory": tmp, "threads": 2})
        try:
            con.execute("SET enable_progress_bar = false")
            for name in FILES:  # usage is read where it is used; a view holds no parameter
                path = str(feed_dir / f"{name}.parquet").replace("'", "''")
                kind = "VIEW" if name == "usage" else "TABLE"
                con.execute(f"CREATE {kind} {name} AS SELECT * FROM read_parquet('{path}')")
            return _partner_center_files(con, out, keys, pid, pname)
        finally:
            con.close()


def _partner_center_files(
    con: duckdb.DuckDBPyConnection, out: Path, keys: dict[str, str], pid: str, pname: str
) -> dict[str, int]:
    import pycountry

    con.execute("CREATE TABLE names (workload VARCHAR, name VARCHAR, key VARCHAR)")
    con.executemany(
        "INSERT INTO names VALUES (?, ?, ?)",
        [(k, PARTNER_CENTER_NAMES.get(k), key) for k, key in keys.items()],
    )
    con.execute("CREATE TABLE markets (country VARCHAR, market VARCHAR)")
    con.executemany(
        "INSERT INTO markets VALUES (?, ?)",
        [(c[0], pycountry.countries.get(alpha_2=c[0]).name) for c in _COUNTRIES],
    )
    # Each tenant of P1's: its position, the MPN it is attributed to (that of P1's first
    # active claim on it, else one of P1's locations) and a second MPN for repeated rows.
    con.execute(
        "CREATE TABLE pc_tenants AS SELECT t.rowid AS n, t.*, mk.market, "
        "CASE t.segment WHEN 'education' THEN 'Education' WHEN 'government' THEN 'Government' "
        "WHEN 'commercial' THEN CASE WHEN t.eligible_licenses < 300 THEN 'SMB' "
        "ELSE 'Enterprise' END END AS customer_segment, "
        "coalesce(c.mpn_id, l.mpns[1 + t.rowid % len(l.mpns)]) AS mpn, "
        "l.mpns[1 + (t.rowid + 1) % len(l.mpns)] AS second_mpn, "
        "t.rowid % 33 = 5 AS repeated, t.rowid % 5 = 2 AS two_subscriptions, "
        "1000000 + t.rowid AS tpid "
        "FROM tenants t JOIN markets mk USING (country) "
        "CROSS JOIN (SELECT list(mpn_id ORDER BY mpn_id) AS mpns FROM partners "
        "WHERE partner_id = ?) l LEFT JOIN (SELECT tenant_id, min(mpn_id) AS mpn_id FROM claims "
        f"WHERE partner_id = ? AND status IN ({', '.join(map(repr, CLAIM_STATUSES[:3]))}) "
        "GROUP BY ALL) c USING (tenant_id)",
        [pid, pid],
    )
    con.execute(
        "CREATE TABLE locations AS SELECT mpn_id, location_name FROM partners WHERE partner_id = ?",
        [pid],
    )
    counts: dict[str, int] = {}

    def write(name: str, sql: str, params: list | None = None) -> None:
        path = out / name
        path.unlink(missing_ok=True)
        done = con.execute(
            f"COPY ({sql}) TO ? (HEADER, DELIMITER ',')", [*(params or []), str(path)]
        )
        counts[name] = int(done.fetchone()[0])

    office = (
        "SELECT t.tenant_id AS CustomerTenantId, t.tpid AS CustomerTpid, nm.name AS WorkloadName, "
        "u.month || '-01' AS Month, u.pau AS PaidAvailableUnits, u.mau AS MonthlyActiveUsers, "
        "t.tenant_name AS CustomerName, t.market AS CustomerMarket, "
        "t.customer_segment AS CustomerSegment, {mpn} AS MPNId, ? AS PartnerName, "
        "loc.location_name AS PartnerLocation, 'CPOR' AS PartnerAttributionType, "
        "{flag} AS IsDuplicateRowForPGA, t.n, nm.workload AS w, u.month AS m, {order} AS o "
        "FROM usage u JOIN names nm ON nm.workload = u.workload AND nm.name IS NOT NULL "
        "JOIN pc_tenants t USING (tenant_id) JOIN locations loc ON loc.mpn_id = {mpn} {where}"
    )
    first = office.format(mpn="t.mpn", flag="'False'", order="0", where="")
    again = office.format(mpn="t.second_mpn", flag="'True'", order="1", where="WHERE t.repeated")
    columns = (
        "CustomerTenantId, CustomerTpid, WorkloadName, Month, PaidAvailableUnits, "
        "MonthlyActiveUsers, CustomerName, CustomerMarket, CustomerSegment, MPNId, PartnerName, "
        "PartnerLocation, PartnerAttributionType, IsDuplicateRowForPGA"
    )
    write(
        "OfficeUsage.csv",
        f"SELECT {columns} FROM ({first} UNION ALL {again}) ORDER BY n, w, m, o",
        [pname, pname],
    )

    ems_units = ", ".join(
        f"coalesce(sum(u.pau) FILTER (WHERE u.workload = '{key}'), 0) AS {p}_pau, "
        f"coalesce(sum(u.mau) FILTER (WHERE u.workload = '{key}'), 0) AS {p}_mau"
        for p, key in _EMS
    )
    # one subscription, or two splitting every count (the first gets the odd unit)
    share = "CASE WHEN s.k = 1 THEN ({c} + {c} % 2) // 2 ELSE {c} // 2 END"
    report_name = {"pau": "PaidAvailableUnits", "mau": "MonthlyActiveUsers"}
    per_sub = ", ".join(
        f"CASE WHEN t.two_subscriptions THEN {share.format(c=f'e.{p}_{what}')} "
        f"ELSE e.{p}_{what} END AS {p}{report_name[what]}"
        for what in ("pau", "mau")
        for p, _ in _EMS
    )
    ems = (
        "WITH e AS (SELECT u.tenant_id, u.month, "
        f"{ems_units} FROM usage u WHERE u.workload IN ('entra_id', 'intune', 'purview') "
        "GROUP BY ALL), subs AS (SELECT * FROM (VALUES (1), (2)) v(k)) "
        "SELECT lower(printf('%08x-0000-4000-8000-%012x', t.tpid, s.k)) AS SubscriptionId, "
        "'2024-11-01' AS SubscriptionStartDate, '2027-10-31' AS SubscriptionEndDate, "
        "'Active' AS SubscriptionStatus, "
        "CAST(CAST(substr(e.month, 6, 2) AS INTEGER) AS VARCHAR) || '/1/' || "
        "substr(e.month, 1, 4) || ' 12:00:00 AM' AS Month, "
        "CASE s.k WHEN 1 THEN 'Enterprise Mobility + Security E3' "
        "ELSE 'Enterprise Mobility + Security E5' END AS SKU, "
        "CASE s.k WHEN 1 THEN 'efccb6f7-5641-4e0e-bd10-b4976e1bf68e' "
        "ELSE 'b05e124f-c7cc-45a0-a6aa-8cf78c946968' END AS SKUId, 'Paid' AS FreeVsPaidSKU, "
        "'Indirect' AS SalesModel, 'CSP' AS DetailedSalesModel, t.tenant_name AS CustomerName, "
        "t.tenant_id AS CustomerTenantId, t.tpid AS CustomerTpid, "
        "t.customer_segment AS CustomerSegment, t.market AS CustomerMarket, t.mpn AS MPNId, "
        "? AS PartnerName, loc.location_name AS PartnerLocation, 'CPOR' AS PartnerAttachType, "
        f"'Direct' AS PartnerHierarchy, {per_sub}, "
        "greatest(AADPPaidAvailableUnits, IntunePaidAvailableUnits, AzipPaidAvailableUnits) "
        "AS PaidAvailableUnits, greatest(AADPMonthlyActiveUsers, IntuneMonthlyActiveUsers, "
        "AzipMonthlyActiveUsers) AS MonthlyActiveUsers "
        "FROM e JOIN pc_tenants t USING (tenant_id) JOIN locations loc ON loc.mpn_id = t.mpn "
        "JOIN subs s ON s.k = 1 OR t.two_subscriptions ORDER BY t.n, s.k, e.month"
    )
    ems_columns = (
        "SubscriptionId, SubscriptionStartDate, SubscriptionEndDate, SubscriptionStatus, "
        "Month, SKU, SKUId, FreeVsPaidSKU, SalesModel, DetailedSalesModel, CustomerName, "
        "CustomerTenantId, CustomerTpid, CustomerSegment, CustomerMarket, MPNId, PartnerName, "
        "PartnerLocation, PartnerAttachType, PartnerHierarchy, PaidAvailableUnits, "
        "MonthlyActiveUsers, AADPPaidAvailableUnits, IntunePaidAvailableUnits, "
        "AzipPaidAvailableUnits, AADPMonthlyActiveUsers, IntuneMonthlyActiveUsers, "
        "AzipMonthlyActiveUsers"
    )
    write("EMSUsage.csv", f"SELECT {ems_columns} FROM ({ems})", [pname])
    write(
        "CustomersAndTenants.csv",
        "SELECT tenant_id AS CustomerTenantId, tenant_domain AS TenantDomainName, "
        "country AS CustomerTenantCountry, tenant_name AS CustomerName FROM pc_tenants ORDER BY n",
    )
    write(
        "claims.csv",
        "SELECT c.claim_id, c.tenant_id, nm.key AS workload, c.partner_id, c.mpn_id, c.status, "
        "c.submitted_on, c.approved_on FROM claims c JOIN names nm USING (workload) "
        "WHERE c.partner_id = ? ORDER BY c.claim_id",
        [pid],
    )
    write(
        "referrals.csv",
        "SELECT rfa_id, tenant_id, partner_id, mpn_id, assigned_at, array_to_string(ws, ';') "
        "AS workloads, au_pct, source FROM (SELECT r.*, list_filter(list_transform("
        "string_split(r.workloads, ';'), lambda w: map_extract_value(m.m, w)), "
        "lambda x: x IS NOT NULL) "
        "AS ws FROM referrals r, (SELECT map(list(workload), list(key)) AS m FROM names) m "
        "WHERE r.partner_id = ?) WHERE len(ws) > 0 ORDER BY rfa_id",
        [pid],
    )
    write(
        "rate_card.csv",
        "SELECT nm.key AS workload, r.rate_per_unit, r.max_earning, r.min_pau FROM rate_card r "
        "JOIN names nm USING (workload) ORDER BY nm.key",
    )
    return {name: counts[name] for name in PARTNER_CENTER_FILES}
