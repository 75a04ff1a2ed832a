"""The member survey: which answered requests are asked "How did we do?", the signed links, and what they say.

A survey belongs to one request (a tracked member message) and is asked once. Its links carry only an opaque
survey id, signed with the organisation's key (itsdangerous), and the score: no member data. Whether a link has
expired or was used is the store's to say (jobs and the endpoint take `now`), never the token's timestamp.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from itsdangerous import BadSignature, URLSafeSerializer

from mailbot.domain import MessageKind, Tracked
from mailbot.policy.classify import SlaRules, _sender_reason
from mailbot.policy.messages import Message, one_line
from mailbot.policy.templates import TemplateRenderer, date_text, time_text

if TYPE_CHECKING:  # type only: policy stays importable without the config layer
    from mailbot.config.loader import Settings

SCORES = (1, 2, 3, 4, 5)
SCORE_WORDS = {1: "poor", 2: "fair", 3: "good", 4: "very good", 5: "excellent"}
ANSWERED = ("reply", "done")  # how a request ended that is worth asking about (not no_reply_needed, removed)
_SALT = "mailbot.survey.v1"


@dataclass(frozen=True)
class SurveyRules:
    """policy.yaml's `satisfaction`, as plain values."""

    enabled: bool = False
    deliver: tuple[str, ...] = ("message",)
    question: str = "How did we do?"
    delay: timedelta = timedelta(minutes=60)
    expires: timedelta = timedelta(days=14)
    comment_max: int = 1000

    @classmethod
    def from_settings(cls, settings: Settings) -> SurveyRules:
        rule = settings.policy.satisfaction
        return cls(rule.enabled, tuple(rule.deliver), rule.question, timedelta(minutes=rule.delay_minutes),
                   timedelta(days=rule.expires_days), rule.comment_max)  # fmt: skip

    def sends(self, how: str) -> bool:
        return self.enabled and how in self.deliver


class SurveyKeys:
    """Makes and reads the signed tokens of survey links, and the links themselves (`base`: survey.public_url)."""

    def __init__(self, secret: str, base: str) -> None:
        self._serializer = URLSafeSerializer(secret, salt=_SALT)
        self.base = base.rstrip("/")

    def token(self, survey_id: str) -> str:
        return self._serializer.dumps(survey_id)

    def survey_id(self, token: str) -> str | None:
        """The survey id a token carries, or None when it was not signed with this key (forged or mangled)."""
        try:
            value = self._serializer.loads(token)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None

    def link(self, survey_id: str, score: int) -> str:
        return f"{self.base}/{self.token(survey_id)}/{score}"


def request_key(tracked: Tracked) -> str:
    """One key per request: its conversation in its mailbox (several messages of one thread are one request)."""
    thread = tracked.conversation_id or tracked.message_id
    return hashlib.sha256(f"{tracked.mailbox.lower()}\n{thread}".encode()).hexdigest()


def may_survey(tracked: Tracked, sla: SlaRules) -> bool:
    """A member's e-mail answered by a reply or marked Done; never a phone message (the caller's address is the
    phone system's), staff, an address nobody reads, or mail a machine sent (never tracked in the first place)."""
    return (
        tracked.kind is MessageKind.EMAIL
        and tracked.resolution in ANSWERED
        and tracked.answered_at is not None
        and not sla.is_staff(tracked.sender)
        and _sender_reason(tracked.sender, sla) is None
    )


def due_for_message(tracked: Tracked, in_progress: bool, now: datetime, rules: SurveyRules) -> bool:
    """The survey message goes out once the answer is `delay` old and the request is not in progress (a reply to
    a request marked In progress is a status update: the survey waits until it is marked Done)."""
    return tracked.answered_at is not None and now >= tracked.answered_at + rules.delay and not in_progress


@dataclass(frozen=True)
class SurveyLine:
    """The question and its five links, as the survey and touchpoint_draft templates show them."""

    question: str
    links: tuple[dict[str, Any], ...]  # score, label ("5 excellent"), url
    expires_text: str  # Tuesday, December 15


def survey_line(keys: SurveyKeys, survey_id: str, expires_at: datetime, tz: ZoneInfo, question: str) -> SurveyLine:
    links = tuple({"score": s, "label": f"{s} {SCORE_WORDS[s]}", "url": keys.link(survey_id, s)} for s in SCORES)
    return SurveyLine(question, links, date_text(expires_at.astimezone(tz)))


@dataclass(frozen=True)
class SurveyMessage:
    """The short survey e-mail to a member; asdict(model) is the survey templates' context."""

    subject: str
    member: dict[str, str]  # name ("" when the member gave none), email
    request: dict[str, str]  # subject, mailbox (who answered: a person's or shared mailbox's name)
    survey: dict[str, Any]  # SurveyLine as a dict
    organisation: dict[str, Any]  # name, main_number (may be empty)


def survey_message(
    tracked: Tracked, mailbox_name: str, line: SurveyLine, organisation: tuple[str, str | None]
) -> SurveyMessage:
    subject = one_line(tracked.subject) or "your request"
    return SurveyMessage(
        subject=f"{line.question} {subject}"[:200],
        member={"name": one_line(tracked.sender_name), "email": one_line(tracked.sender)},
        request={"subject": subject, "mailbox": one_line(mailbox_name)},
        survey=asdict(line),
        organisation={"name": organisation[0], "main_number": organisation[1]},
    )


def render_survey(model: SurveyMessage, renderer: TemplateRenderer) -> Message:
    rendered = renderer.render("survey", asdict(model))
    return Message(model.subject, rendered.html, rendered.text)


@dataclass(frozen=True)
class NewScore:
    """A score a member gave, for the digest: whose request, which, when, and the comment."""

    owner: str  # the owner's name, or the shared mailbox's
    subject: str
    score: int
    comment: str
    answered_at: datetime


def score_lines(scores: Sequence[NewScore], today: datetime, tz: ZoneInfo) -> tuple[str, ...]:
    """One line per new score, newest first: 'Li Chen: 5 of 5 (excellent) for "Direct deposit form", today at
    10:05 am: "Quick and clear."'"""
    lines = []
    for s in sorted(scores, key=lambda s: s.answered_at, reverse=True):
        at = s.answered_at.astimezone(tz)
        day = "today" if at.date() == today.astimezone(tz).date() else date_text(at)
        comment = f': "{one_line(s.comment, 300)}"' if s.comment.strip() else ""
        lines.append(f'{s.owner}: {s.score} of 5 ({SCORE_WORDS[s.score]}) for "{one_line(s.subject, 120)}", '
                     f"{day} at {time_text(at)}{comment}")  # fmt: skip
    return tuple(lines)
