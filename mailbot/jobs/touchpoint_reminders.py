"""Touchpoint reminders: when a member is due a status update, draft it and nudge whoever acts for the owner.

Runs with the nudge job. Each due update (a touchpoint and its due time) gets at most one draft and, per
owner, one nudge when it falls due and one more on each business day it stays overdue (to the owner or whoever
acts for them); all are keyed claims, so reruns, restarts and runs at the same time repeat nothing, and the next
reply to the member makes a new due time with new keys. The draft goes where the person who will send it can reach
it: a shared mailbox's own Drafts, else the recipient's (the backup's while the owner is away). It answers the
member's latest message in the thread.
Status updates are drafts for a person to send; the only mail mailbot itself sends members is the optional survey
(jobs/satisfaction.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, replace
from datetime import UTC, datetime
from functools import partial
from zoneinfo import ZoneInfo

from mailbot.domain import OutgoingMessage, Person, Touchpoint
from mailbot.errors import BackendError
from mailbot.jobs.deps import Deps, JobResult, duty_key, send_claimed, told
from mailbot.jobs.open_items import answerers_of, calendar_of, mailbox_name
from mailbot.jobs.presence import Whereabouts, route
from mailbot.jobs.satisfaction import draft_survey
from mailbot.policy.messages import Message
from mailbot.policy.templates import TemplateRenderer
from mailbot.policy.touchpoint import TouchpointRules, draft_model, reminder_day, render_draft, update_due
from mailbot.policy.touchpoint_nudge import UpdateLine, build_touchpoint_nudge, drafts_text, render_touchpoint_nudge


def remind_touchpoints(deps: Deps, now: datetime, result: JobResult) -> None:
    """Draft and nudge every status update that is due; a person out of office hours is reminded later."""
    settings, store = deps.settings, deps.store
    rules = TouchpointRules.from_settings(settings)
    places: dict[str, Whereabouts] = {}
    inbox: dict[str, list[tuple[UpdateLine, str]]] = defaultdict(list)
    for tp in store.touchpoints():
        calendar = calendar_of(settings, tp.mailbox)
        due = update_due(tp.last_touch_at, calendar, rules)
        if now < due:
            continue
        again = reminder_day(due, now, calendar)  # an update left overdue is reminded again each business day
        for owner in answerers_of(settings, tp.mailbox):
            day = ("again", again.isoformat()) if again else ()
            about = (tp.mailbox, tp.message_id, due.astimezone(UTC).isoformat(), *day)
            if not told(deps, "touchpoint", owner, *about):  # once per owner, like nudges (see nudge.py)
                recipient, covering, reason = route(deps, owner, now, places)
                line = UpdateLine(tp, due, owner, covering, reason, mailbox_name(settings, tp.mailbox))
                inbox[recipient.id].append((line, duty_key("touchpoint", owner.id, *about)))
    renderer = TemplateRenderer(settings.templates_dir)
    for recipient_id, entries in sorted(inbox.items()):
        recipient = settings.person(recipient_id)
        if not settings.calendar_for(recipient).is_open(now):
            continue  # like nudges: office hours only; nothing is claimed until then
        drafted = [(replace(line, drafts=_draft(deps, line, recipient, now, renderer, result)), key)
                   for line, key in entries]  # fmt: skip
        compose = partial(_message, recipient, now, settings.policy.organisation.name, renderer)
        if deps.dry_run:
            result.changes.append(f"would nudge {recipient.name}: {compose([line for line, _ in drafted]).subject}")
            continue
        send_claimed(deps, recipient, drafted, compose, now, result, what="touchpoint nudge",
                     action="touchpoint_nudge_sent", counted="update(s) due")  # fmt: skip


def _message(
    recipient: Person, now: datetime, organisation: str, renderer: TemplateRenderer, lines: list[UpdateLine]
) -> Message:
    model = build_touchpoint_nudge(recipient, lines, now, ZoneInfo(recipient.timezone), organisation)
    return render_touchpoint_nudge(model, renderer)


def _due_key(tp: Touchpoint, due: datetime) -> str:
    return f"{tp.mailbox}:{tp.message_id}:{due.astimezone(UTC).isoformat()}"


def _draft(
    deps: Deps, line: UpdateLine, recipient: Person, now: datetime, renderer: TemplateRenderer, result: JobResult
) -> str:
    """Save the draft update once per due update; where it waits, as the recipient reads it ("" if nowhere)."""
    store, tp = deps.store, line.touchpoint
    key = f"touchpoint-draft:{_due_key(tp, line.due_at)}"
    saved_in = store.claim_detail(key)
    if saved_in is None:
        target = tp.mailbox if line.mailbox_name else recipient.email
        message, outgoing = _compose(deps, tp, line.mailbox_name, recipient, now, renderer)
        if deps.dry_run:
            result.changes.append(f"would save a draft update to {tp.sender} in the Drafts of {target}")
            return drafts_text(target, recipient, line.mailbox_name)
        try:
            with store.transaction():  # the claim and the draft together: a failed save is tried again next run
                if not store.claim(key, now, target):  # another run saved it meanwhile: theirs is the draft
                    return drafts_text(store.claim_detail(key) or target, recipient, line.mailbox_name)
                deps.backend.save_draft(target, outgoing)
                store.audit(now, "mailbot", "touchpoint_draft_saved", tp.message_id, None, message.subject,
                            f"draft status update in the Drafts of {target}")  # fmt: skip
        except BackendError as exc:
            result.problems.append(f"draft update to {tp.sender} not saved in {target}: {exc}")
            return ""
        result.changes.append(f"saved a draft update to {tp.sender} in the Drafts of {target}")
        saved_in = target
    return drafts_text(saved_in, recipient, line.mailbox_name)


def _compose(
    deps: Deps, tp: Touchpoint, shared_name: str, signer: Person, now: datetime, renderer: TemplateRenderer
) -> tuple[Message, OutgoingMessage]:
    """The draft answering the member's latest message in the thread, signed by the mailbox that will send it."""
    settings = deps.settings
    thread = deps.store.conversation_tracked(tp.mailbox, tp.conversation_id) if tp.conversation_id else []
    latest = thread[-1] if thread else None
    calendar = calendar_of(settings, tp.mailbox)
    organisation = settings.policy.organisation
    signature = (shared_name, organisation.main_number) if shared_name else (signer.name, signer.phone)
    rules = TouchpointRules.from_settings(settings)
    model = draft_model(tp, signature, now, calendar, rules, (organisation.name, organisation.main_number),
                        latest.subject if latest else "")  # fmt: skip
    survey = draft_survey(deps, tp, now) if latest is not None else None
    message = render_draft(replace(model, survey=asdict(survey)) if survey else model, renderer)
    member = latest.sender if latest else tp.sender
    reply_to = latest.message_id if latest else tp.message_id
    return message, OutgoingMessage((member,), message.subject, message.html, message.text, in_reply_to=reply_to)
