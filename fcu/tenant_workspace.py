"""What the Tenant details page shows of the partner's workspace on one tenant, read once
per run: ``read(db, user, view, workloads)`` returns a frozen ``TenantWorkspace``.

The page checks the tenant once (``portfolio.tenant_view``) and passes the visible view
on; nothing here asks again. Each owner module keeps its SQL (``notes.notes_of``,
``contacts.contacts_of``, ...); this module only gathers their answers. Writes do not go
through here: each checks the tenant and its input afresh (``fcu.workspace``).

It sits above the owner modules (they import ``fcu.workspace`` for the write rules), so
that no module imports one that imports it back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pandas as pd

from fcu import claims, contacts, intent, notes, service_status
from fcu.access import User
from fcu.db import Database
from fcu.portfolio import TenantView
from fcu.service_status import WorkloadStatus


@dataclass(frozen=True, eq=False)
class TenantWorkspace:
    """One tenant's workspace as one user may see it (frames unredacted: redact to show).

    The frames are this run's own copies; nothing changes them after ``read``.
    """

    view: TenantView  # status 'visible'
    workloads: pd.DataFrame = field(repr=False)  # visible workloads, the partner's claims first
    names: Mapping[str, str]  # visible workload -> display name, in the order above
    notes: pd.DataFrame = field(repr=False)  # every status note, newest first
    contacts: pd.DataFrame = field(repr=False)
    statuses: Mapping[str, WorkloadStatus]  # per visible workload (version 0: never saved)
    intent_notes: pd.DataFrame = field(repr=False)  # every intent note, newest first
    intent_names: Mapping[str, str]  # display names of the workloads with intent notes
    claim_locations: Mapping[str, str]  # MPN ID -> location; empty when nothing is claimable

    @property
    def tenant_id(self) -> str:
        return str(self.view.tenant_id)

    @property
    def note_count(self) -> int:
        return len(self.notes)

    @property
    def saved_status_count(self) -> int:
        """Workloads whose service status has been saved."""
        return sum(1 for s in self.statuses.values() if s.version)

    @property
    def intent_count(self) -> int:
        """Workloads with a current intent note."""
        return int(self.intent_notes["workload"].nunique())

    @property
    def has_survey_contact(self) -> bool:
        return contacts.survey_contact_in(self.contacts)

    @property
    def unclaimed(self) -> pd.DataFrame:
        """The visible workloads no partner has claimed yet."""
        return self.workloads[self.workloads["claim_id"].isna()]

    def status(self, workload: str) -> WorkloadStatus:
        return self.statuses[workload]

    def intent_history(self, workload: str) -> pd.DataFrame:
        """The workload's intent notes, newest (the current one) first."""
        frame = self.intent_notes
        return frame[frame["workload"] == workload].reset_index(drop=True)

    def other_intent_notes(self, workload: str) -> dict[str, str]:
        """Current intent notes of the other workloads, by display name (``intent.check``)."""
        return intent.other_notes_in(
            intent.current_in(self.intent_notes), workload, dict(self.intent_names)
        )


def read(db: Database, user: User, view: TenantView, workloads: pd.DataFrame) -> TenantWorkspace:
    """The workspace of a tenant ``portfolio.tenant_view`` gave as visible to ``user``, with
    its workloads as ``portfolio.tenant_workloads`` gave them (the page's cached copy)."""
    if view.status != "visible":
        raise ValueError("read() takes a tenant the user may see (portfolio.tenant_view)")
    names = dict(zip(workloads["workload"], workloads["display_name"], strict=True))
    history = intent.history_of(db, user, view)
    intent_names = {w: names[w] for w in history["workload"] if w in names}
    if len(intent_names) < history["workload"].nunique():  # a workload no longer listed here
        intent_names = intent.workload_names(db)
    claimable = workloads["claim_id"].isna().any()
    return TenantWorkspace(
        view=view,
        workloads=workloads,
        names=MappingProxyType(names),
        notes=notes.notes_of(db, user, view),
        contacts=contacts.contacts_of(db, user, view),
        statuses=MappingProxyType(service_status.statuses_of(db, user, view, workloads)),
        intent_notes=history,
        intent_names=MappingProxyType(intent_names),
        claim_locations=MappingProxyType(claims.claim_locations(db, user) if claimable else {}),
    )
