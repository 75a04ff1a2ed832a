"""Seed an Organisation from a YAML scenario (config/sandbox.yaml): mailboxes, calendars, mail, OOF.

Times are ISO 8601 or relative to the week the sandbox starts in ("monday 09:30", see relative.py), so a scenario
works in any week. Every problem is reported at once, with file, line and key, in one ConfigError.

Each entry's ids (item ids, Message-ID, conversation, calendar ids) derive from what it says as written (ids.Seeds),
so loading the scenario again, in the same week or another, gives the same items the same identities: mailbot
restarted against a restarted sandbox meets the same Exchange and tracks nothing twice.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from mailbot.clock import Clock, FixedClock
from mailbot.config.problems import Loc, key_path, line_of, read_yaml, validation_problems
from mailbot.errors import ConfigError
from mailbot.sandbox.events import When, at_midnight, check_timezone
from mailbot.sandbox.ids import Seeds
from mailbot.sandbox.item_types import item_class_for
from mailbot.sandbox.org import Organisation
from mailbot.sandbox.records import Address, OofConfig, SandboxError
from mailbot.sandbox.relative import is_relative, scenario_when, week_of
from mailbot.sandbox.scenario_models import EventModel, InboxModel, MailboxModel, ScenarioModel, SentModel, Time


def load_scenario(
    source: Path | str | dict[str, Any], clock: Clock | None = None, *, week: date | None = None
) -> Organisation:
    """An Organisation seeded from a scenario file (or an already-parsed dict); without `clock`, a
    FixedClock at the scenario's `clock:`.

    Relative times count from the Monday of `week` (any day in it); by default the week of `clock`, or else of
    the scenario's absolute `clock:`. Tests pin a week; the CLI passes its clock (today, or --now).
    """
    problems: list[str] = []
    path = Path("<scenario>") if isinstance(source, dict) else Path(source)
    data, root = (source, None) if isinstance(source, dict) else read_yaml(path, problems)
    if problems:
        raise ConfigError(f"The sandbox scenario {path} cannot be read.", problems)
    try:
        model = ScenarioModel.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise ConfigError(
            f"The sandbox scenario {path} is invalid.", validation_problems(path, ScenarioModel, exc, root)
        ) from None
    seeder = _Seeder(path, root, model)
    org = seeder.build(clock, week)
    org.week = seeder.monday  # what `mailbot check` names: the one rule for the sandbox's week is the seeder's
    if seeder.problems:
        raise ConfigError(f"The sandbox scenario {path} is invalid.", seeder.problems)
    return org


class _Seeder:
    def __init__(self, path: Path, root: yaml.Node | None, model: ScenarioModel) -> None:
        self.path, self.root, self.model = path, root, model
        self.problems: list[str] = []
        self.seeds = Seeds()

    def problem(self, loc: Loc, message: str) -> None:
        line = line_of(self.root, loc)
        self.problems.append(f"{self.path}:{line}: {key_path(loc)}: {message}" if line else
                             f"{self.path}: {key_path(loc)}: {message}")  # fmt: skip

    def build(self, clock: Clock | None, week: date | None) -> Organisation:
        m = self.model
        clock = self._start(clock, week)
        grants = None if m.impersonation == "all" else m.impersonation
        org = Organisation(clock, m.domains, m.service_account.email, m.service_account.password, grants)
        seen: set[str] = set()
        for i, box in enumerate(m.mailboxes):
            if box.email.lower() in seen:
                self.problem(("mailboxes", i, "email"), f"{box.email} is listed twice")
            seen.add(box.email.lower())
            self._guard(("mailboxes", i, "timezone"), lambda b=box: check_timezone(b.timezone or m.timezone))
            org.add_mailbox(box.email, box.name, box.kind, _valid_zone(box.timezone or m.timezone), box.upn)
        for k, app in enumerate(m.apps):
            self._guard(("apps", k), lambda a=app: org.register_app(a.tenant_id, a.client_id, secret=a.secret,
                                                                    certificate_pem=a.certificate))  # fmt: skip
        for j, email in enumerate(grants or []):
            if email.lower() not in seen:
                self.problem(("impersonation", j), f"{email} is not one of the scenario's mailboxes")
        mail: list[tuple[datetime, Loc, Any]] = []
        for i, box in enumerate(m.mailboxes):
            zone = _valid_zone(box.timezone or m.timezone)
            self._oof(org, box, ("mailboxes", i, "oof"), zone)
            for k, event in enumerate(box.calendar):
                self._event(org, box.email, event, ("mailboxes", i, "calendar", k), zone)
            for k, inbox in enumerate(box.inbox):
                loc: Loc = ("mailboxes", i, "inbox", k)
                at = self._moment((*loc, "received"), inbox.received, zone)
                mail.append((at, loc, (box.email, inbox, self._seed(box.email, "inbox", inbox))))
            for k, sent in enumerate(box.sent):
                loc = ("mailboxes", i, "sent", k)
                at = self._moment((*loc, "sent"), sent.sent, zone)
                mail.append((at, loc, (box.email, sent, self._seed(box.email, "sent", sent))))
        # Chronological order, so a reply finds the message it answers and joins its conversation; mail dated later
        # than the clock arrives when the clock gets there.
        for at, loc, (owner, entry, seed) in sorted(mail, key=lambda x: x[0]):
            self._guard(loc, lambda o=owner, e=entry, t=at, s=seed: self._mail(org, o, e, t, s))
        org.clear_outbox()  # seeded history is not news: the outbox shows only what is sent from now on
        return org

    def _start(self, clock: Clock | None, week: date | None) -> Clock:
        """Fix the week relative times count from, and the clock the sandbox starts at."""
        m, zone = self.model, _valid_zone(self.model.timezone)
        anchor = week if week is not None else clock.now() if clock is not None else None
        if anchor is None and m.clock is not None:
            if is_relative(m.clock):
                self.problem(("clock",), f"{m.clock!r} counts from the sandbox's week: the caller must give a clock")
            else:
                with suppress(ValueError):  # a bad clock is reported below
                    anchor = scenario_when(m.clock, date(2000, 1, 3), zone)  # absolute: any week will do
        self.monday = week_of(anchor if anchor is not None else date(2000, 1, 3), zone)
        start = self._moment(("clock",), m.clock, zone) if m.clock is not None else None  # checked either way
        if clock is not None:
            return clock
        if start is None:
            self.problem(("clock",), "is required unless the caller passes a clock")
        return FixedClock(start or datetime(2000, 1, 1, tzinfo=UTC))

    def _oof(self, org: Organisation, box: MailboxModel, loc: Loc, zone: str) -> None:
        o = box.oof
        config = OofConfig(
            o.state, o.audience, self._moment((*loc, "start"), o.start, zone) if o.start else None,
            self._moment((*loc, "end"), o.end, zone) if o.end else None, o.internal, o.external,
        )  # fmt: skip
        # Seeded state is history: a scheduled reply may have ended already, as Exchange keeps it after its end.
        self._guard(loc, lambda: org.set_oof(box.email, config, as_of=config.start))

    def _event(self, org: Organisation, owner: str, e: EventModel, loc: Loc, zone: str) -> None:
        tz = e.timezone or zone
        if e.timezone is not None and _valid_zone(tz) != tz:
            self.problem((*loc, "timezone"), f"{tz!r} is not an IANA timezone (e.g. America/New_York).")
            return
        start, end = self._when((*loc, "start"), e.start, tz), self._when((*loc, "end"), e.end, tz)
        found = [self._when((*loc, "exdates", k), x, tz) for k, x in enumerate(e.exdates)]
        exdates = [x for x in found if x is not None]
        if start is None or end is None or len(exdates) < len(found):
            return
        # Made by the week's start, or by its own if earlier: the same entry whatever the clock (seed: see _seed).
        created = min(at_midnight(start, tz), at_midnight(self.monday, zone))
        seed = self.seeds(owner.lower(), "calendar", e.subject, _as_written(e.start))
        self._guard(loc, lambda: org.add_event(
            owner, e.subject, start, end, seed=seed, created=created, all_day=e.all_day, show_as=e.show_as,
            categories=e.categories, rrule=e.rrule, exdates=exdates, timezone=tz, cancelled=e.cancelled,
            location=e.location, body_text=e.body,
        ))  # fmt: skip

    def _seed(self, owner: str, folder: str, entry: InboxModel | SentModel) -> str:
        """An entry's seed: what it says as written (a relative time as such, so the week does not matter), less
        what an owner changes later (categories, read), so marking it Done keeps the message."""
        said = entry.model_dump(mode="json", by_alias=True, exclude_defaults=True, exclude={"categories", "read"})
        return self.seeds(owner.lower(), folder, said)

    def _mail(self, org: Organisation, owner: str, entry: InboxModel | SentModel, at: datetime, seed: str) -> None:
        item_class_for(entry.item_type, entry.message_class)  # refused now, also for mail that arrives later
        org.schedule(at, partial(_deliver, org, owner, entry, at, seed))

    def _when(self, loc: Loc, value: Time, zone: str) -> When | None:
        try:
            return scenario_when(value, self.monday, zone)
        except ValueError as exc:
            self.problem(loc, str(exc))
            return None

    def _moment(self, loc: Loc, value: Time, zone: str) -> datetime:
        found = self._when(loc, value, zone)
        return at_midnight(found, zone) if found is not None else datetime(2000, 1, 1, tzinfo=UTC)

    def _guard(self, loc: Loc, action: Any) -> None:
        try:
            action()
        except (SandboxError, ValueError) as exc:
            self.problem(loc, str(exc))


def _valid_zone(name: str) -> str:
    try:
        return check_timezone(name)
    except ValueError:
        return "UTC"  # already reported; keep seeding to find the other problems


def _as_written(value: Time) -> str:
    return value if isinstance(value, str) else value.isoformat()


def _deliver(org: Organisation, owner: str, entry: InboxModel | SentModel, at: datetime, seed: str) -> None:
    """Seed one mail of the scenario at its time: sent from its mailbox, from a colleague's, or from outside."""
    said: dict[str, Any] = {
        "cc": entry.cc, "in_reply_to": entry.in_reply_to, "references": entry.references, "seed": seed,
        "message_id": entry.message_id, "message_class": entry.message_class, "item_type": entry.item_type,
    }  # fmt: skip
    if isinstance(entry, SentModel):
        org.send(owner, entry.to, entry.subject, entry.html, entry.body, at=at, categories=entry.categories, **said)
        return
    recipients = entry.to or [owner]
    sender_email = Address.parse(entry.sender).email.lower()
    if sender_email in {m.email for m in org.mailboxes()}:  # a colleague's mail: sent from their mailbox
        org.send(sender_email, recipients, entry.subject, entry.html, entry.body, at=at, **said)
        return
    org.deliver_external(
        recipients, entry.sender, entry.subject, entry.body, body_html=entry.html, received_at=at,
        headers=entry.headers, categories=entry.categories, is_read=entry.read, **said,
    )  # fmt: skip
