"""Complaints: noted while the inbox is synced, escalated to the supervisors in the same run, listed in the digest.

Noting happens in the page's transaction with the sync state, so a crash cannot lose a complaint; the e-mails
go after the replies of the run are matched, each claimed with its send, so a rerun never repeats one and a
complaint already answered is not escalated (a first sync of old mail must not flood the supervisors).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from mailbot.domain import MailItem, OutgoingMessage, Person, Tracked
from mailbot.errors import BackendError
from mailbot.jobs.deps import Deps, JobResult
from mailbot.jobs.open_items import answerers_of, calendar_of, open_item
from mailbot.policy.complaint import (
    ESCALATED,
    ComplaintRules,
    ComplaintView,
    build_escalation,
    complaint_reason,
    complaint_view,
    render_escalation,
)
from mailbot.policy.templates import TemplateRenderer
from mailbot.store import ComplaintRecord


def note_complaints(deps: Deps, items: Sequence[MailItem], counted: Sequence[Tracked], now: datetime) -> list[str]:
    """Remember the member messages among `items` that are complaints; what was new, in words."""
    rules = ComplaintRules.from_settings(deps.settings)
    members = {(t.mailbox, t.message_id) for t in counted}
    noted = []
    for item in items:
        why = (
            complaint_reason(item.subject, item.categories, rules, item.preview)
            if (item.mailbox, item.message_id) in members
            else None
        )
        if why is None:
            continue
        if deps.dry_run:
            noted.append(f"would escalate the complaint {item.subject!r} in {item.mailbox}: {why}")
        elif deps.store.note_complaint(item.mailbox, item.message_id, now, why):
            noted.append(f"complaint {item.subject!r} in {item.mailbox}: {why}")
    return noted


def escalate_complaints(deps: Deps, now: datetime, result: JobResult) -> None:
    """E-mail each complaint not yet escalated to the supervisors of whoever answers it; settle it when done."""
    if deps.dry_run:
        return  # nothing was noted, so nothing waits
    renderer = TemplateRenderer(deps.settings.templates_dir)
    for record in deps.store.unsettled_complaints():
        tracked = deps.store.get_tracked(record.mailbox, record.message_id)
        if tracked is None or tracked.answered_at is not None:
            _settle(deps, record, now, "answered before it could be escalated")
            continue
        owners = answerers_of(deps.settings, tracked.mailbox)
        supervisors = _supervisors(deps, owners)
        if not supervisors:
            _settle(deps, record, now, "not escalated: nobody is listed as supervisor")
            continue
        view = _view(deps, tracked, owners, record.reason, now)
        if all([_escalate(deps, record, view, supervisor, now, renderer, result) for supervisor in supervisors]):
            _settle(deps, record, now, ESCALATED + ", ".join(s.name for s in supervisors))


def complaints_for(deps: Deps, supervisor: Person, now: datetime) -> list[ComplaintView]:
    """The complaints still unanswered that `supervisor` looks after, oldest first, for the digest."""
    views = []
    for record in deps.store.open_complaints():
        tracked = deps.store.get_tracked(record.mailbox, record.message_id)
        if tracked is None:
            continue
        owners = answerers_of(deps.settings, tracked.mailbox)
        if any(s.id == supervisor.id for s in _supervisors(deps, owners)):
            views.append(_view(deps, tracked, owners, record.reason, now))
    return views


def _supervisors(deps: Deps, owners: Sequence[Person]) -> list[Person]:
    ids = dict.fromkeys(owner.supervisor for owner in owners if owner.supervisor)
    return [deps.settings.person(i) for i in ids if i]


def _view(deps: Deps, tracked: Tracked, owners: Sequence[Person], why: str, now: datetime) -> ComplaintView:
    tz = calendar_of(deps.settings, tracked.mailbox).tz
    return complaint_view(open_item(deps.settings, tracked, now), owners, why, now, tz)


def _escalate(
    deps: Deps,
    record: ComplaintRecord,
    view: ComplaintView,
    supervisor: Person,
    now: datetime,
    renderer: TemplateRenderer,
    result: JobResult,
) -> bool:
    """Send one supervisor the escalation unless they had it; True when they have it now."""
    store, sender = deps.store, deps.settings.service.backend.service_account
    key = f"complaint:{supervisor.id}:{record.mailbox}:{record.message_id}"
    model = build_escalation(
        supervisor, view, now, ZoneInfo(supervisor.timezone), deps.settings.policy.organisation.name
    )
    message = render_escalation(model, renderer)
    try:
        with store.transaction():  # the claim and the send together: a failed send is tried again next run
            if not store.claim(key, now, supervisor.email):
                return True
            deps.backend.send(sender, OutgoingMessage((supervisor.email,), message.subject, message.html, message.text))
            store.audit(now, "mailbot", "complaint_escalated", record.message_id, None, message.subject, record.reason)
    except BackendError as exc:
        result.problems.append(f"complaint escalation to {supervisor.name} not sent: {exc}")
        return False
    result.changes.append(f"escalated to {supervisor.name}: {message.subject}")
    return True


def _settle(deps: Deps, record: ComplaintRecord, now: datetime, outcome: str) -> None:
    deps.store.settle_complaint(record.mailbox, record.message_id, now, outcome)
