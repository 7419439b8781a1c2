"""Data (admins): load a feed by upload, and see what was loaded, when and by whom."""

import os

import streamlit as st

from fcu import access, loads, sync
from fcu.feed import FeedError
from fcu.ui import auth, keys, layout, tables, work
from fcu.ui.data import clear_caches, database

user = layout.require(auth.current_user(), admin=True)
layout.header("Data")
limit_mb = st.get_option("server.maxUploadSize")
db = database()
PROBLEM_HEADINGS = {"file": "File", "line": "Line", "column": "Column", "message": "Problem"}
OPERATORS_ONLY = (
    "The feed holds every partner's data, so the operators of this FCU load it (named in "
    "FCU_OPERATORS on the server), or it is loaded with `python -m fcu load`. Below: when the "
    "feed changed."
)


REPORTS = "Partner Center reports"


def upload() -> bool:
    """The upload and its outcome; True when a load was just refused (its problems shown)."""
    st.caption(
        "Load a new feed: upload a zip of the feed's files (partners, tenants, workloads, "
        "usage, claims, referrals, rate_card as .csv or .parquet) or the files themselves, "
        "then press Check and load. A feed with any problem changes nothing and every problem "
        "is listed below by file, line and column: fix them and upload again. A good feed "
        f"replaces the previous one for everyone. Uploads up to {limit_mb:,} MB."
    )
    source = st.radio(
        "The upload holds", ["FCU's feed files", REPORTS], horizontal=True, key=keys.DATA_SOURCE
    )
    partner = None
    if source == REPORTS:
        st.caption(
            "A partner's OfficeUsage and EMSUsage reports (and CustomersAndTenants) from "
            "Partner Center Insights, as downloaded (CSV or TSV), with its claims.csv, "
            "referrals.csv and rate_card.csv (those not given stay as loaded). The reports "
            "become the whole feed: this partner's tenants, usage and MPN locations."
        )
        partner = st.selectbox(
            "Partner whose reports these are", loads.partner_choices(db), key=keys.DATA_PARTNER
        )
    uploads = st.file_uploader(
        "Feed files or a zip of them" if partner is None else "Reports or a zip of them",
        type=["zip", "csv", "parquet"] + (["tsv", "txt"] if partner is not None else []),
        accept_multiple_files=True,
        key=keys.DATA_UPLOAD,
    )
    if not st.button("Check and load", type="primary", disabled=not uploads):
        return False
    bar = st.progress(0.0, text="Starting")
    files = [(f.name, f.getvalue()) for f in uploads]

    def shown(fraction: float, text: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text)

    try:
        if partner is None:
            outcome = loads.load_upload(db, user, files, progress=shown)
        else:
            outcome = loads.load_reports_upload(db, user, files, partner, progress=shown)
    except FeedError as exc:
        bar.empty()
        st.error(tables.plain(exc))
        return False
    bar.progress(1.0, text="Done")
    result = outcome if partner is None else outcome.result
    if result.ok:
        clear_caches()
        st.success(f"Feed loaded in {result.seconds:.1f} s. Current month: {result.current_month}.")
        if partner is not None:
            st.code(outcome.summary(), language=None)
        return False
    st.error(
        f"Feed refused: {result.problem_count:,} problem(s); nothing was changed. "
        "Fix them in the files and upload again."
    )
    problems = loads.problems_frame(result.problems)
    st.dataframe(problems, hide_index=True, column_config=PROBLEM_HEADINGS)
    return True


def partner_center_sync() -> None:
    """The last sync from the Partner Center Insights API, the next one, and Sync now."""
    st.subheader("Partner Center sync")
    st.caption(sync.describe(db))
    for at, message in sync.failures(db):
        st.warning(f"{at:%Y-%m-%d %H:%M} UTC: {message}")
    partner = os.environ.get("FCU_SYNC_PARTNER", "")
    if partner and st.button("Sync now"):
        with st.spinner("Syncing from Partner Center"):
            done = sync.sync(
                db, partner, with_dir=os.environ.get("FCU_SYNC_WITH") or None, started_by=user.email
            )
        (st.success if done.ok else st.error)(done.message.splitlines()[0])
        if done.ok:
            clear_caches()


if access.is_operator(user):
    just_refused = upload()
    partner_center_sync()
else:
    st.caption(OPERATORS_ONLY)
    just_refused = False

with layout.fetching():
    work.digest_report(db, user)  # who gets the digest, and failed sends still to retry

st.subheader("Loads")
with layout.fetching():
    past = loads.history(db, user)
    refused = loads.last_refused(db, user)
if past.empty:
    st.caption("No feed has been loaded yet.")
else:
    st.dataframe(
        past,
        hide_index=True,
        column_config={
            "load_id": "Load",
            "started_at": st.column_config.DatetimeColumn("Started (UTC)"),
            "finished_at": st.column_config.DatetimeColumn("Finished (UTC)"),
            "loaded_by": "By",
            "outcome": "Outcome",
            "current_month": "Current month",
            "rows_per_file": "Rows per file",
            "error_count": "Problems",
        },
    )
if refused is not None and not just_refused:  # (just listed above otherwise)
    when, problems = refused
    st.subheader("Problems of the last refused load")
    st.caption(f"Refused at {when:%Y-%m-%d %H:%M} UTC; the feed in use is the one before it.")
    st.dataframe(problems, hide_index=True, column_config=PROBLEM_HEADINGS)
