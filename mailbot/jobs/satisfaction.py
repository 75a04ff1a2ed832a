"""The member survey, asked once per answered request: as a short e-mail from mailbot's mailbox (after each sync)
and/or as a line at the end of the status update drafts mailbot saves (touchpoint_reminders.py).

Once per request: the survey's row (its request key is unique) and a claimed key are written in the transaction
that sends, so reruns, restarts and runs at the same time ask nobody twice, and a failed send asks again next run.
Only a member's e-mail answered by a reply or marked Done is asked, never a phone message, staff or a machine.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from mailbot.domain import OutgoingMessage, Touchpoint, Tracked
from mailbot.errors import BackendError
from mailbot.jobs.deps import Deps, JobResult
from mailbot.jobs.open_items import calendar_of, mailbox_name, person_by_email
from mailbot.policy.classify import SlaRules
from mailbot.policy.satisfaction import (
    NewScore,
    SurveyKeys,
    SurveyLine,
    SurveyRules,
    due_for_message,
    may_survey,
    render_survey,
    request_key,
    score_lines,
    survey_line,
    survey_message,
)
from mailbot.policy.templates import TemplateRenderer
from mailbot.store import SurveyRecord

LOOKBACK = timedelta(days=1)  # answers older than this (plus the delay) when first seen are not asked about
NO_KEY = "the member survey is on, but mailbot has no key to sign its links (service.yaml `survey:`)"


def send_surveys(deps: Deps, now: datetime, result: JobResult) -> None:
    """Ask each member whose request was answered lately (and is no longer in progress) how we did, once."""
    settings, store = deps.settings, deps.store
    rules = SurveyRules.from_settings(settings)
    if not rules.sends("message"):
        return
    if deps.survey is None:
        result.problems.append(NO_KEY)
        return
    since = now - rules.delay - LOOKBACK
    followed = {_thread(tp) for tp in store.touchpoints()}
    waiting = {_thread(t) for t in store.open_tracked()}  # the member wrote again in the thread: not answered yet
    finished = [t for t in (store.get_tracked(*key) for key in store.requests_done(since)) if t is not None]
    candidates = {(t.mailbox, t.message_id): t for t in [*store.tracked_answered(since), *finished]}
    sla, renderer = SlaRules.from_settings(settings), TemplateRenderer(settings.templates_dir)
    for tracked in candidates.values():
        thread = _thread(tracked)
        if not may_survey(tracked, sla) or thread in waiting:
            continue
        if not due_for_message(tracked, thread in followed, now, rules):
            continue
        asked = store.survey_for(request_key(tracked))
        drafted_only = asked is not None and asked.delivered == "draft" and asked.score is None
        if asked is None or (drafted_only and now < asked.expires_at and not store.was_claimed(_key(tracked))):
            _ask(deps, deps.survey, tracked, asked, now, rules, renderer, result)


def draft_survey(deps: Deps, touchpoint: Touchpoint, now: datetime) -> SurveyLine | None:
    """The survey line for a status update draft, when policy wants one there: the request's survey (asked now,
    or the one asked before, whose links then stay the same), or None (off, dry run, expired, answered)."""
    rules = SurveyRules.from_settings(deps.settings)
    tracked = deps.store.get_tracked(touchpoint.mailbox, touchpoint.message_id)
    if not rules.sends("draft") or deps.survey is None or deps.dry_run or tracked is None:
        return None
    key = request_key(tracked)
    survey = deps.store.survey_for(key)
    if survey is None:
        deps.store.add_survey(_record(tracked, key, "draft", now, rules))
        survey = deps.store.survey_for(key)  # ours, or the one another run added meanwhile
    if survey is None or survey.score is not None or survey.expires_at <= now:
        return None
    tz = calendar_of(deps.settings, tracked.mailbox).tz
    return survey_line(deps.survey, survey.id, survey.expires_at, tz, rules.question)


def _ask(
    deps: Deps, keys: SurveyKeys, tracked: Tracked, drafted: SurveyRecord | None, now: datetime, rules: SurveyRules,
    renderer: TemplateRenderer, result: JobResult,
) -> None:  # fmt: skip
    """Send the survey e-mail; a survey whose links so far waited only in a status update draft (which may never
    have gone out) is sent with the same links, so the request still has one survey and one answer."""
    settings, store = deps.settings, deps.store
    key = request_key(tracked)
    record = drafted or _record(tracked, key, "message", now, rules)
    where = mailbox_name(settings, tracked.mailbox) or _owner_name(deps, tracked)
    if deps.dry_run:
        result.changes.append(f"would ask {tracked.sender} how we did with {tracked.subject!r}")
        return
    line = survey_line(keys, record.id, record.expires_at, calendar_of(settings, tracked.mailbox).tz, rules.question)
    organisation = settings.policy.organisation
    message = render_survey(survey_message(tracked, where, line, (organisation.name, organisation.main_number)),
                            renderer)  # fmt: skip
    sender = settings.service.backend.service_account
    try:
        with store.transaction():  # the claim, the survey and the send together: a failed send is tried again
            claimed = store.claim(_key(tracked), now, tracked.mailbox)
            if not claimed or (drafted is None and not store.add_survey(record)):
                deps.log.info("another run asked it first", what="survey")
                return
            deps.backend.send(sender, OutgoingMessage((tracked.sender,), message.subject, message.html, message.text))
            store.audit(now, "mailbot", "survey_sent", tracked.message_id, None, message.subject,
                        f"survey {record.id} about a request in {tracked.mailbox}")  # fmt: skip
    except BackendError as exc:
        result.problems.append(f"survey about a request in {tracked.mailbox} not sent: {exc}")
        return
    deps.log.info("survey sent", mailbox=tracked.mailbox, survey=record.id)
    result.changes.append(f"asked {tracked.sender} how we did with {tracked.subject!r}")


def _key(tracked: Tracked) -> str:
    """The key claimed when the survey e-mail about a request is sent."""
    return f"survey:{request_key(tracked)}"


def _record(tracked: Tracked, key: str, delivered: str, now: datetime, rules: SurveyRules) -> SurveyRecord:
    return SurveyRecord(secrets.token_urlsafe(18), key, tracked.mailbox, tracked.message_id, tracked.owner_id,
                        delivered, now, now + rules.expires)  # fmt: skip


def _owner_name(deps: Deps, tracked: Tracked) -> str:
    person = person_by_email(deps.settings, tracked.mailbox)
    return person.name if person else tracked.mailbox


def _thread(item: Tracked | Touchpoint) -> tuple[str, str]:
    return item.mailbox.lower(), item.conversation_id or item.message_id


def new_scores(deps: Deps, team: set[str], since: datetime, now: datetime, tz: ZoneInfo) -> tuple[str, ...]:
    """The digest's lines: scores members gave since `since` about requests of `team` (person ids) and of the
    shared mailboxes they answer, newest first."""
    settings = deps.settings
    names = {p.id: p.name for p in settings.people() if p.id in team}
    names |= {str(b.email).lower(): b.name for b in settings.roster.shared_mailboxes if team.intersection(b.owners)}
    scores = [
        NewScore(names[s.owner_id], s.subject, s.score, s.comment, s.answered_at)
        for s in deps.store.scores_since(since)
        if s.owner_id in names
    ]
    return score_lines(scores, now, tz)
