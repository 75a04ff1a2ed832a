"""`mailbot demo`: a simulated week at the example organisation, on the embedded sandbox Exchange.

The week is the one the demo is started in (or the week of --now), from its Monday to the Tuesday after; the
scenario and the story are relative to that Monday and assume nothing about which days are holidays. The
sandbox plays the members and the staff (mail arriving, replies, a voicemail returned by phone); mailbot runs
its real jobs on a fast clock, through the real backend service.yaml names (EWS, or Graph over HTTPS), with
SQLite state in a temporary folder. Nothing here prints: the CLI shows the progress and the summary.
"""

from __future__ import annotations

import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from http import HTTPStatus
from pathlib import Path
from zoneinfo import ZoneInfo

from mailbot.assessment.satisfaction import Satisfaction, satisfaction
from mailbot.clock import FixedClock
from mailbot.config import Settings
from mailbot.errors import ConfigError
from mailbot.jobs import Deps, JobResult, run_job
from mailbot.jobs.apply_oof import apply_oof
from mailbot.jobs.digest import digest
from mailbot.jobs.nudge import nudge
from mailbot.jobs.sync_mail import sync_mail
from mailbot.jobs.weekly_status import JOB as WEEKLY_STATUS
from mailbot.jobs.weekly_status import URGENT, weekly_status
from mailbot.policy.messages import standalone_html
from mailbot.policy.satisfaction import SurveyKeys
from mailbot.runtime import open_deps, serve_sandbox
from mailbot.sandbox import Organisation, load_scenario
from mailbot.service.survey import SurveyApp, SurveyServer
from mailbot.store import SqlStore

DAYS = 9  # Monday to the Tuesday after, when Li is back from her vacation over the weekend
STEP = timedelta(hours=1)
SYNC = timedelta(minutes=5)  # after something happens, the next sync
PAT, DANA, RIVERA = (
    "Pat Member <pat.member@gmail.example>",
    "dana.w@outlook.example",
    "Sam Rivera <sam.rivera@mail.example>",
)
LI, JAMES, ANNA, HELP = "li.chen@example.org", "james.okafor@example.org", "anna.brandt@example.org", "help@example.org"
MARIA, PETR = "maria.reyes@example.org", "petr.novak@example.org"
CAST = {MARIA: "Maria Reyes", JAMES: "James Okafor", LI: "Li Chen", ANNA: "Anna Brandt", PETR: "Petr Novak",
        HELP: "the Member Help Desk"}  # fmt: skip

Act = Callable[[Organisation], str]


def _reply(mailbox: str, subject: str, text: str, *, inbox: str | None = None) -> Act:
    """Staff answering the member message with `subject` in `inbox` (their own by default), in its thread."""

    def act(org: Organisation) -> str:
        original = next(m for m in org.messages(inbox or mailbox, "inbox") if m.subject == subject)
        references = (*original.references, original.message_id)
        org.send(mailbox, [original.author.email], f"Re: {subject.removeprefix('Re: ')}", f"<p>{text}</p>", text,
                 in_reply_to=original.message_id, references=references)  # fmt: skip
        return f"{org.mailbox(mailbox).name} answers {original.author.name or original.author.email}: {subject}"

    return act


def _member(mailbox: str, sender: str, subject: str, text: str, message_id: str, **extra: object) -> Act:
    def act(org: Organisation) -> str:
        org.deliver_external([mailbox], sender, subject, text, message_id=message_id, **extra)  # type: ignore[arg-type]
        return f"{sender.split(' <')[0]} writes to {org.mailbox(mailbox).name}: {subject}"

    return act


def _mark(mailbox: str, subject: str, category: str, *, by: str | None = None) -> Act:
    def act(org: Organisation) -> str:
        for message in org.messages(mailbox, "inbox"):
            if message.subject == subject:
                org.set_categories(mailbox, message.item_id, [category])
        if by is None:
            return f"{org.mailbox(mailbox).name} marks {subject!r} {category}"
        return f"{org.mailbox(by).name} marks {subject!r} {category} in {org.mailbox(mailbox).name}'s mailbox"

    return act


def _book_day_off(mailbox: str, day: date, subject: str = "Vacation") -> Act:
    """Someone adds a day off to their calendar mid-week: their weekly status is re-sent the next morning."""

    def act(org: Organisation) -> str:
        org.add_event(mailbox, subject, day, day + timedelta(days=1), show_as="oof")
        return f"{org.mailbox(mailbox).name} books {day:%A} off ({subject})"

    return act


def _grant(mailbox: str, why: str) -> Act:
    """IT gives the service account the impersonation right it lacked on `mailbox` (mailbot reads it from then on)."""

    def act(org: Organisation) -> str:
        org.grant_impersonation(mailbox)
        return f"IT lets mailbot impersonate {org.mailbox(mailbox).name}'s mailbox ({why})"

    return act


def _rate(name: str, member: str, subject: str, score: int, comment: str = "") -> Act:
    """A member answers the survey about `subject` through its link, as in their mail program: an HTTP GET of the
    link for `score` at the survey endpoint mailbot serves, then, with a `comment`, the page's form."""

    def act(org: Organisation) -> str:
        survey = next((e.message for e in reversed(org.outbox())
                       if member in e.recipients and subject in e.message.subject), None)  # fmt: skip
        body = f"{survey.body_html or ''} {survey.body_text}" if survey else ""
        found = re.search(rf"(https?://[^\s\"<>]+)/{score}\b", body)
        if found is None:
            return f"{name} finds no survey about {subject!r} to answer"
        status = _http(f"{found[1]}/{score}")
        said = f"{name} answers the survey about {subject!r}: {score} of 5"
        if status == HTTPStatus.CONFLICT:
            return f"{name} clicks {score} of 5 on the survey about {subject!r} too: refused (HTTP 409), the first " \
                   "answer counts"  # fmt: skip
        if status != HTTPStatus.OK:
            return f"{said}, but the survey page answers HTTP {status}"
        if comment:
            status = _http(f"{found[1]}/comment", {"comment": comment})
            said += f' and comments "{comment}"' + ("" if status == HTTPStatus.OK else f" (HTTP {status})")
        return said

    return act


def _http(url: str, form: dict[str, str] | None = None) -> int:
    """The status of a GET (or, with `form`, a POST) to the demo's own survey endpoint, never through a proxy."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(urllib.request.Request(url, data=data), timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _moment(monday: date, day: int, hhmm: str, tz: ZoneInfo) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime.combine(monday + timedelta(days=day), time(hour, minute), tzinfo=tz)


def story(monday: date, tz: ZoneInfo, day_off: date) -> list[tuple[datetime, Act]]:
    """What the people do in the week from `monday` (Maria books `day_off` off late the evening before); mailbot
    only watches, decides and nudges. Nothing in it depends on which days are holidays."""

    def _at(day: int, hhmm: str) -> datetime:
        return _moment(monday, day, hhmm, tz)

    return [
        (_at(0, "09:30"), _reply(JAMES, "Re: Question about my membership renewal", "Yes, retirees too.")),
        (_at(0, "10:10"), _member(LI, "Morgan Ellis <m.ellis@mail.example>", "Direct deposit form",
                                  "Where do I find the direct deposit form?", "<dd-1@mail.example>")),
        (_at(0, "11:00"), _reply(LI, "Change of address", "Thanks Dana, your address is updated.")),
        (_at(0, "13:55"), _member(HELP, "Unified Messaging <um@example.org>",
                                  "Voice Mail from +1 555 0142 (18 seconds)",
                                  "Casey Brooks, please call back about my statement.", "<vm-2@example.org>",
                                  message_class="IPM.Note.Microsoft.Voicemail.UM.CA")),
        (_at(0, "15:30"), _mark(HELP, "Thank you!", "No reply needed")),
        (_at(0, "15:45"), _reply(JAMES, "Lost membership card", "We have ordered a replacement card; I will write "
                                 "again when it ships.", inbox=HELP)),
        (_at(0, "15:50"), _mark(HELP, "Lost membership card", "In progress")),
        (_moment(day_off - timedelta(days=1), 0, "16:30", tz), _book_day_off(MARIA, day_off)),
        (_at(1, "08:40"), _mark(HELP, "Voice Mail from +1 555 0142 (18 seconds)", "Done")),
        (_at(1, "08:45"), _mark(HELP, "Voice Mail from +1 555 0199 (42 seconds)", "Done")),
        (_at(1, "09:10"), _reply(LI, "Direct deposit form", "It is on the member portal under Forms.")),
        (_at(1, "10:00"), _member(ANNA, "Robin Hale <robin.hale@gmail.example>", "Pension options",
                                  "Could someone explain the pension options?", "<pension-2@gmail.example>")),
        (_at(1, "16:00"), _member(JAMES, RIVERA, "Automatic reply: Statement", "I am away until next week.",
                                  "<auto-9@mail.example>", headers={"Auto-Submitted": "auto-replied"})),
        (_at(2, "08:10"), _grant(PETR, "he has left; Anna Brandt answers his mail")),
        (_at(2, "09:15"), _reply(ANNA, "Benefits claim form", "Please send it to claims@example.org.")),
        (_at(2, "09:30"), _reply(ANNA, "Pension options", "Happy to, I will call you this afternoon.")),
        (_at(2, "09:35"), _mark(PETR, "Pension question", "Done", by=ANNA)),  # her reply answered Robin's note to Petr
        (_at(2, "11:00"), _reply(JAMES, "Lost membership card", "A replacement card is on its way.", inbox=HELP)),
        (_at(2, "11:05"), _mark(HELP, "Lost membership card", "Done")),
        (_at(2, "16:20"), _member(LI, PAT, "Opening hours", "Is the office open on Saturdays?",
                                  "<hours-4@gmail.example>")),
        (_at(5, "11:00"), _member(HELP, "Taylor Quinn <tq@mail.example>", "Weekend question",
                                  "Can I update my beneficiary online?", "<weekend-1@mail.example>")),
        (_at(7, "08:30"), _member(LI, "Morgan Ellis <m.ellis@mail.example>", "Card PIN",
                                  "My new card came without a PIN letter.", "<pin-1@mail.example>")),
        (_at(7, "14:20"), _reply(JAMES, "Opening hours", "No, on weekdays only; the member portal is always open.",
                                 inbox=LI)),
        (_at(7, "15:00"), _reply(JAMES, "Weekend question", "Yes, on the member portal.", inbox=HELP)),
        (_at(8, "08:20"), _reply(LI, "Card PIN", "The PIN letter follows separately; it should arrive this week.")),
        (_at(8, "09:05"), _reply(LI, "Re: Question about my membership renewal", "Following up for James.",
                                 inbox=JAMES)),
        # Members answer the survey mailbot sends an hour after their request was answered (or marked Done).
        (_at(0, "14:00"), _rate("Dana Whitfield", DANA, "Change of address", 5)),
        (_at(0, "14:05"), _rate("Dana Whitfield", DANA, "Change of address", 1)),  # a second score: refused
        (_at(1, "15:00"), _rate("Morgan Ellis", "m.ellis@mail.example", "Direct deposit form", 4,
                                "Found it, thank you. A direct link would have saved me a search.")),
        (_at(2, "15:30"), _rate("Jordan Lee", "jordan.lee@mail.example", "Lost membership card", 5)),
        (_at(3, "10:00"), _rate("Pat Member", "pat.member@gmail.example", "Question about my membership renewal", 3)),
    ]  # fmt: skip


@dataclass
class DaySummary:
    day: date
    tracked: int = 0
    answered: int = 0
    nudges: list[str] = field(default_factory=list)
    oof: list[str] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)
    weekly: list[str] = field(default_factory=list)
    surveys: list[str] = field(default_factory=list)  # members asked how we did
    happenings: list[str] = field(default_factory=list)


@dataclass
class DemoResult:
    days: list[DaySummary]
    digest_path: Path | None
    open_at_end: int
    within_deadline: int
    answered: int
    problems: list[str]
    surveys: Satisfaction | None = None  # the member survey's week, while policy.yaml has it on


class Demo:
    """The week as a sequence of ticks; iterate `ticks()` (the CLI shows a progress bar), then read `result`."""

    def __init__(self, settings: Settings, folder: Path, now: datetime, days: int = DAYS) -> None:
        self.office = next(iter(settings.calendars.values()))  # the example organisation has one office
        self.tz = self.office.tz
        local = now.astimezone(self.tz).date()
        self.monday = local - timedelta(days=local.weekday())
        # The demo shows a week of a running installation: it went live the week before, so the scenario's
        # weekend mail is tracked (with `first run` it would be left out, as on a real go-live).
        live = settings.with_tracking_since(self.monday - timedelta(days=7))
        self.settings = live.with_state_url(f"sqlite:///{folder / 'demo-state.sqlite3'}")
        self.folder, self.days = folder, max(1, min(days, DAYS))
        self.start = self._at(0, "07:00")
        self.clock = FixedClock(self.start)
        self.org = load_scenario(self.settings.sandbox_scenario, clock=self.clock, week=self.monday)
        _check_cast(self.settings, self.org)
        self._days: dict[date, DaySummary] = {}
        self._problems: list[str] = []
        self._digest_path: Path | None = None
        self.result: DemoResult | None = None
        self._story = story(self.monday, self.tz, self._day_off())

    def moments(self) -> list[datetime]:
        """Every hour from 07:00 to 19:00 on each day, the digest and weekly status times from service.yaml, and a
        sync a few minutes after each thing people do (the service syncs every few minutes)."""
        jobs = self.settings.service.jobs
        moments = []
        for day in range(self.days):
            moment = self._at(day, "07:00")
            while moment <= self._at(day, "19:00"):
                moments.append(moment)
                moment += STEP
            moments += [self._at(day, jobs.digest.at), self._at(day, jobs.weekly_status.at)]
        end = self._at(self.days - 1, "19:00")
        moments += [when + SYNC for when, _ in self._story if when + SYNC <= end]
        return sorted(set(moments))

    def ticks(self) -> Iterator[datetime]:
        with self._world() as (org, deps):
            acts = sorted(self._story, key=lambda event: event[0])
            for moment in self.moments():
                while acts and acts[0][0] <= moment:
                    when, act = acts.pop(0)
                    self.clock.set(when)
                    self._day(when).happenings.append(f"{when:%H:%M} {act(org)}")
                self.clock.set(moment)
                self._run_jobs(deps, moment)
                yield moment
            self.result = self._finish(deps)

    @contextmanager
    def _world(self) -> Iterator[tuple[Organisation, Deps]]:
        backend = self.settings.service.backend
        with (
            serve_sandbox(self.org, backend.kind, strict=backend.sandbox_strict, tls=True) as (_, access),
            open_deps(self.settings, self.clock, sandbox=access) as deps,
            self._survey(deps) as keys,
        ):
            yield self.org, replace(deps, survey=keys)

    @contextmanager
    def _survey(self, deps: Deps) -> Iterator[SurveyKeys | None]:
        """The member survey's endpoint as `mailbot run` serves it, on a free local port, with a key of its own:
        the links in the demo's surveys lead there (None while policy.yaml has the survey off)."""
        policy = self.settings.policy
        if not policy.satisfaction.enabled:
            yield None
            return
        secret = secrets.token_urlsafe(32)
        app = SurveyApp(SurveyKeys(secret, ""), deps.store, self.clock, policy.organisation.name,
                        policy.satisfaction.comment_max)  # fmt: skip
        server = SurveyServer(app, "127.0.0.1", 0).start()
        try:
            yield SurveyKeys(secret, server.url)
        finally:
            server.stop()

    def _run_jobs(self, deps: Deps, now: datetime) -> None:
        summary = self._day(now)
        synced = run_job("sync_mail", sync_mail, deps, now)
        summary.tracked += sum(c.startswith("tracking ") for c in synced.changes)
        summary.answered += sum(c.startswith("closed ") for c in synced.changes)
        summary.surveys += [c for c in synced.changes if c.startswith("asked ")]
        if now.minute == 0 and now.hour % 2 == 1:  # every other hour, as a service would
            summary.oof += run_job("apply_oof", apply_oof, deps, now).changes
        if now.minute == 0:
            summary.nudges += run_job("nudge", nudge, deps, now).changes
        if f"{now:%H:%M}" == self.settings.service.jobs.weekly_status.at:  # daily; it decides what is news
            summary.weekly += run_job(WEEKLY_STATUS, weekly_status, deps, now).changes
        else:  # a change to today or the next business day goes out at once, as the service does at the sync's pace
            summary.weekly += run_job(URGENT, _urgent_weekly_status, deps, now).changes
        if f"{now:%H:%M}" == self.settings.service.jobs.digest.at:
            self._digest(deps, now, summary)
        self._problems += [p for p in synced.problems if p not in self._problems]

    def _digest(self, deps: Deps, now: datetime, summary: DaySummary) -> None:
        result = run_job("digest", digest, deps, now)
        summary.digests += result.changes
        for built in result.details.values():
            if built.sent:
                path = self.folder / f"digest-{built.supervisor.id}-{built.day.isoformat()}.html"
                path.write_text(standalone_html(built.message), encoding="utf-8")
                self._digest_path = path

    def _day_off(self) -> date:
        """Maria's day off: the week's last business day from Tuesday on after which the office closes (a Friday, or
        the day before a holiday), so her automatic reply must run on to the next opening; the last business day of
        the week when no such day exists."""
        days = [self.monday + timedelta(days=n) for n in range(4, 0, -1)]
        open_days = [d for d in days if self.office.is_business_day(d)]
        bridging = [d for d in open_days if not self.office.is_business_day(d + timedelta(days=1))]
        return (bridging or open_days or days)[0]

    def _at(self, day: int, hhmm: str) -> datetime:
        return _moment(self.monday, day, hhmm, self.tz)

    def _day(self, at: datetime) -> DaySummary:
        day = at.astimezone(self.tz).date()
        return self._days.setdefault(day, DaySummary(day))

    def _finish(self, deps: Deps) -> DemoResult:
        tracked = deps.store.tracked_received(self.start - timedelta(days=30))
        answered = [t for t in tracked if t.answered_at is not None and t.resolution == "reply"]
        on_time = [t for t in answered if t.answered_at is not None and t.answered_at <= t.due_at]
        surveys = None
        if self.settings.policy.satisfaction.enabled and isinstance(deps.store, SqlStore):
            owners = [p.id for p in self.settings.people()]
            owners += [str(b.email).lower() for b in self.settings.roster.shared_mailboxes]
            surveys = satisfaction(deps.store.engine, self.start - timedelta(days=30), self.clock.now(), owners)
        return DemoResult(
            days=[self._days[d] for d in sorted(self._days)], digest_path=self._digest_path,
            open_at_end=sum(t.answered_at is None for t in tracked), within_deadline=len(on_time),
            answered=len(answered), problems=self._problems, surveys=surveys,
        )  # fmt: skip


def _urgent_weekly_status(deps: Deps, now: datetime) -> JobResult:
    return weekly_status(deps, now, urgent_only=True)


def _check_cast(settings: Settings, org: Organisation) -> None:
    """The story plays the example organisation's people: refuse, before anything runs, a configuration whose
    people.yaml or sandbox scenario lacks them (another organisation's), instead of failing midweek."""
    served = {p.email for p in settings.people()} | {str(b.email).lower() for b in settings.roster.shared_mailboxes}
    in_sandbox = {m.email for m in org.mailboxes()}
    missing = [name for email, name in CAST.items() if email not in served or email not in in_sandbox]
    if missing:
        cast = ", ".join(CAST.values())
        raise ConfigError(
            f"The demo plays a week at the example organisation ({cast}, of example.org), and "
            f"{settings.service_file} serves no {_or(missing)} (people.yaml and the sandbox scenario): run the demo "
            "with the service.yaml shipped with mailbot; try your own organisation with `mailbot check` and "
            "`mailbot run --once`."
        )


def _or(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
