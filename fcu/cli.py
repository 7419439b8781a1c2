"""`python -m fcu …`: create the database, load and generate feeds, manage users, export, and
list contacts to review."""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from datetime import date
from pathlib import Path

from fcu import access, export, feed, partner_center, store, users
from fcu.access import AccessDenied, User
from fcu.db import Database, DatabaseError

SAMPLE_TENANTS = 300
SAMPLE_SEED = 7


def demo_users(db: Database) -> list[User]:
    """One user of each role and scope for the first partner, and an admin for each other."""
    partners = db.execute(
        "SELECT partner_id, min(partner_name), list(mpn_id ORDER BY mpn_id) FROM feed_partners "
        "GROUP BY partner_id ORDER BY partner_id"
    )
    out: list[User] = []
    for i, (pid, name, mpns) in enumerate(partners):
        domain = name.split()[0].lower() + ".example"
        short = name.split()[0]
        out.append(User(f"admin@{domain}", pid, "executive", True, None, f"Avery Admin ({short})"))
        if i:
            continue
        first = (mpns[0],)
        out += [
            User(f"exec@{domain}", pid, "executive", False, None, f"Emery Executive ({short})"),
            User(f"report@{domain}", pid, "report", False, None, f"Riley Report ({short})"),
            User(
                f"exec.{mpns[0]}@{domain}",
                pid,
                "executive",
                False,
                first,
                f"Sam Scoped Executive ({short}, MPN {mpns[0]})",
            ),
            User(
                f"report.{mpns[0]}@{domain}",
                pid,
                "report",
                False,
                first,
                f"Robin Scoped Report ({short}, MPN {mpns[0]})",
            ),
            User(f"norole@{domain}", pid, None, False, None, f"Nico No-role ({short})"),
        ]
    return out


def init(
    db: Database,
    tenants: int = SAMPLE_TENANTS,
    seed: int = SAMPLE_SEED,
    *,
    end_month: str | None = None,
    as_of: date | None = None,
) -> str:
    """Create the schema; when no feed is loaded yet, load a sample (dated as of today unless
    ``end_month`` or ``as_of`` says otherwise) and add demo users."""
    if db.table_exists("feed_meta"):
        return f"{db.describe()} is ready (a feed is loaded)."
    from fcu.sample import write_sample_feed

    with tempfile.TemporaryDirectory(prefix="fcu-sample-") as tmp:
        write_sample_feed(tmp, tenants=tenants, seed=seed, end_month=end_month, as_of=as_of)
        result = feed.load_feed(db, tmp, loaded_by="fcu init (sample feed)")
    if not result.ok:
        raise SystemExit("The sample feed did not load:\n" + "\n".join(map(str, result.problems)))
    if not access.list_users(db):
        users.add_many(db, demo_users(db))
    return f"{db.describe()} now holds a sample of {tenants} tenants and demo users."


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        message = f"{text!r} is not a date: write it as YYYY-MM-DD"
        raise argparse.ArgumentTypeError(message) from None


def _dating(parser: argparse.ArgumentParser) -> None:
    """The sample's dates: as of today by default, or a given day, or ending at a month."""
    when = parser.add_mutually_exclusive_group()
    when.add_argument(
        "--as-of",
        type=_day,
        help="date the sample as of this day (YYYY-MM-DD; default today): its last month is "
        "the month before, its referrals were assigned over the 30 days before it",
    )
    when.add_argument(
        "--end-month", help="end the sample's usage at this month (YYYY-MM), dated from its end"
    )


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m fcu", description=__doc__)
    p.add_argument("--db", help="database file (default: $FCU_DB or data/fcu.duckdb)")
    p.add_argument(
        "--database-url",
        help="PostgreSQL for a team, postgresql://... (default: $FCU_DATABASE_URL; without it "
        "FCU runs on the database file); the feed's files go under $FCU_DATA_DIR (data/)",
    )
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("init", help="create the database; fill it with a sample when empty")
    s.add_argument("--tenants", type=int, default=SAMPLE_TENANTS)
    _dating(s)

    s = sub.add_parser("load", help="check and load a feed folder (all or nothing)")
    s.add_argument("folder")
    s.add_argument(
        "--partner",
        help="the folder holds this partner's Partner Center reports (OfficeUsage, EMSUsage, "
        "CustomersAndTenants) beside its claims.csv, referrals.csv and rate_card.csv",
    )

    s = sub.add_parser("sample", help="write a deterministic sample feed")
    s.add_argument("--tenants", type=int, required=True)
    s.add_argument("--seed", type=int, default=SAMPLE_SEED)
    s.add_argument("--out", required=True)
    s.add_argument(
        "--format",
        choices=("csv", "parquet", "partner-center"),
        default="csv",
        help="partner-center: partner P1's OfficeUsage, EMSUsage and CustomersAndTenants "
        "reports with its claims, referrals and rate card (load with --partner P1)",
    )
    _dating(s)

    s = sub.add_parser(
        "sync", help="download a partner's reports from Partner Center Insights and load them"
    )
    s.add_argument("--partner", help="the partner whose reports these are")
    s.add_argument(
        "--with",
        dest="with_dir",
        help="folder of the partner's claims.csv, referrals.csv, rate_card.csv (without it, "
        "those already loaded stay)",
    )
    s.add_argument("--sign-in", action="store_true", help="sign in to Partner Center once")

    u = sub.add_parser("users", help="list, add, change or remove users")
    usub = u.add_subparsers(dest="users_command", required=True)
    a = usub.add_parser("add", help="add a user, or change one")
    a.add_argument("email")
    a.add_argument("--partner", required=True)
    a.add_argument("--role", choices=("executive", "report", "none"), required=True)
    a.add_argument("--admin", action="store_true")
    a.add_argument("--scope", default="all", help="'all' or MPN IDs separated by commas")
    a.add_argument("--name", help="display name")
    usub.add_parser("list", help="list users")
    r = usub.add_parser("remove", help="remove a user")
    r.add_argument("email")
    d = usub.add_parser("digest", help="turn a user's daily digest by email on or off")
    d.add_argument("email")
    d.add_argument("state", choices=("on", "off"))

    g = sub.add_parser("digest", help="send today's digest to each user who asked for it")
    g.add_argument("--today", type=_day, help="the day to send for (YYYY-MM-DD; default today)")

    c = sub.add_parser("calendar", help="write a user's next actions as a calendar (.ics)")
    c.add_argument("--user", required=True, help="email of the user whose next actions")
    c.add_argument("--team", action="store_true", help="every owner's (admins and executives)")
    c.add_argument("--out", help="file to write (default: standard output)")

    c = sub.add_parser("contacts", help="contacts to review")
    csub = c.add_subparsers(dest="contacts_command", required=True)
    csub.add_parser(
        "countries",
        help="list contacts whose Country/Region is free text no ISO 3166 country matches",
    )

    e = sub.add_parser("export", help="export a table as a user sees it")
    e.add_argument("table", choices=sorted(export.TABLES))
    e.add_argument("--user", required=True, help="email of the user whose view to export")
    e.add_argument("--format", choices=("csv", "parquet"), default="csv")
    e.add_argument("--out", help="file to write (default: standard output)")
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    args = _parser().parse_args(argv)
    if args.command == "sample":
        from fcu.sample import write_partner_center_sample, write_sample_feed

        if args.format == "partner-center":
            rows = write_partner_center_sample(
                args.out, args.tenants, args.seed, end_month=args.end_month, as_of=args.as_of
            )
        else:
            rows = write_sample_feed(
                args.out,
                args.tenants,
                args.seed,
                args.format,
                end_month=args.end_month,
                as_of=args.as_of,
            )
        for name, count in rows.items():
            print(f"{name:<24}{count:>14,} rows")
        print(f"Sample feed written to {args.out}")
        if args.format == "partner-center":
            print(f"Load it with: python -m fcu load {args.out} --partner P1")
        return 0
    try:
        db = store.open_database(args.db, args.database_url)
    except DatabaseError as exc:
        print(exc, file=sys.stderr)
        return 1
    try:
        return _run(db, args)
    except (AccessDenied, users.UserError, feed.FeedError) as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        db.close()


def _run(db: Database, args: argparse.Namespace) -> int:
    if args.command == "init":
        print(init(db, tenants=args.tenants, end_month=args.end_month, as_of=args.as_of))
        return 0
    if args.command == "load":
        if args.partner is not None:
            result = partner_center.load_reports(
                db, args.folder, args.partner, loaded_by="command line"
            )
        else:
            result = feed.load_feed(db, args.folder, loaded_by="command line")
        if not result.ok:
            for problem in result.problems:
                print(problem, file=sys.stderr)
            print(result.summary(), file=sys.stderr)
            return 1
        print(result.summary())
        return 0
    if args.command == "users":
        return _users(db, args)
    if args.command == "sync":
        return _sync(db, args)
    if args.command == "digest":
        return _digest(db, args)
    if args.command == "calendar":
        from fcu import ics, mail

        user = access.require_user(db, args.user)
        return _write_out(ics.calendar(db, user, base_url=_base_url(mail), team=args.team), args)
    if args.command == "contacts":
        return _contacts_countries(db)
    if args.command == "export":
        user = access.require_user(db, args.user)
        return _write_out(export.render(db, user, args.table, args.format), args)
    return 2


def _write_out(data: bytes, args: argparse.Namespace) -> int:
    """``data`` to the owner-only file ``--out``, else to standard output."""
    if args.out:
        export.write_private(Path(args.out), data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


def _sync(db: Database, args: argparse.Namespace) -> int:
    from fcu import sync

    try:
        if args.sign_in:
            print(sync.sign_in(lambda text: print(text, file=sys.stderr, flush=True)))
            return 0
        if not args.partner:
            print("Name the partner to sync: --partner ID.", file=sys.stderr)
            return 2
        result = sync.sync(db, args.partner, with_dir=args.with_dir, started_by="command line")
    except sync.SyncError as exc:
        print(exc, file=sys.stderr)
        return 1
    if not result.ok:
        for problem in result.load.problems if result.load is not None else []:
            print(problem, file=sys.stderr)
        print(result.message, file=sys.stderr)
        return 1
    print(result.message)
    return 0


def _base_url(mail) -> str:
    try:
        return mail.settings().base_url
    except mail.MailError:
        return ""


def _digest(db: Database, args: argparse.Namespace) -> int:
    from fcu import digest, mail, workqueue

    try:
        result = digest.run(db, args.today or workqueue.today())
    except (digest.DigestError, mail.MailError) as exc:
        print(exc, file=sys.stderr)
        return 1
    if not result.ok:
        print(result.summary(), file=sys.stderr)
        return 1
    print(result.summary())
    return 0


def _contacts_countries(db: Database) -> int:
    """The contacts whose Country/Region migration 007 could not match to an ISO code (no
    names or emails: an operator passes the tenant and contact on to its partner)."""
    from fcu import contacts

    review = contacts.countries_to_review(db)
    if review.empty:
        print("Every contact's Country/Region is an ISO 3166 country.")
        return 0
    print(f"{'partner':<10}{'tenant':<38}{'contact':>8}  country/region as written")
    for row in review.itertuples():
        print(f"{row.partner_id:<10}{row.tenant_id:<38}{row.contact_id:>8}  {row.country!r}")
    print(
        f"{len(review)} contact(s) to review: open each on Tenant details (Contacts, Edit) and "
        "choose the Country/Region from the list."
    )
    return 0


def _users(db: Database, args: argparse.Namespace) -> int:
    if args.users_command == "list":
        print(f"{'email':<44}{'partner':<10}{'role':<34}scope")
        for user in access.list_users(db):
            print(f"{user.email:<44}{user.partner_id:<10}{user.role_label:<34}{user.scope_label}")
        return 0
    if args.users_command == "digest":
        from fcu import digest

        on = digest.set_subscription(db, "command line", args.email, args.state == "on")
        email = access.normalise_email(args.email)
        print(f"Daily digest {'on' if on else 'off'} for {email}.")
        return 0
    if args.users_command == "remove":
        users.remove_user(db, "command line", args.email)
        print(f"Removed {access.normalise_email(args.email)}.")
        return 0
    role = None if args.role == "none" else args.role
    saved = users.save_user(
        db,
        "command line",
        User(args.email, args.partner, role, args.admin, users.parse_scope(args.scope), args.name),
    )
    print(f"Saved {saved.email}: {saved.role_label}, {saved.scope_label}.")
    return 0
