"""Load service.yaml and the organisation folder, check everything, and report every problem in one error."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ValidationError
from sqlalchemy import make_url

from mailbot.config.connection import connection_problems, survey_problems
from mailbot.config.holidays import IcsHolidays, OfficeHolidays, country_holidays
from mailbot.config.organisation import OfficeConfig, PersonConfig, Policy, Roster, TrackingPolicy
from mailbot.config.problems import located, read_yaml, validation_problems
from mailbot.config.service import BackendSettings, ServiceConfig
from mailbot.domain import Person, PersonStatus
from mailbot.errors import ConfigError
from mailbot.policy.business_time import BusinessCalendar, parse_weekly_hours

M = TypeVar("M", bound=BaseModel)
SANDBOX_SURVEY_SECRET = "mailbot sandbox survey key: not for real members"  # the trial key (README)


@dataclass(frozen=True)
class Settings:
    """Everything mailbot knows from its configuration, validated and cross-checked."""

    service: ServiceConfig
    roster: Roster
    policy: Policy
    service_file: Path
    organisation_dir: Path
    calendars: dict[str, BusinessCalendar] = field(default_factory=dict)

    @property
    def templates_dir(self) -> Path:
        return self.service_file.parent / self.service.templates

    @property
    def sandbox_scenario(self) -> Path:
        return self.service_file.parent / self.service.backend.sandbox_scenario

    @property
    def sandbox_ca_bundle(self) -> Path | None:
        bundle = self.service.backend.sandbox_ca_bundle
        return None if bundle is None else self.service_file.parent / bundle

    def with_state_url(self, url: str) -> Settings:
        """The same settings with the state database somewhere else (the demo keeps its own)."""
        state = self.service.state.model_copy(update={"url": url, "password": None})
        return replace(self, service=self.service.model_copy(update={"state": state}))

    def with_strict_sandbox(self) -> Settings:
        """The same settings with the embedded sandbox checking every EWS message against the schema."""
        backend = self.service.backend.model_copy(update={"sandbox_strict": True})
        return replace(self, service=self.service.model_copy(update={"backend": backend}))

    def with_tracking_since(self, since: date | str) -> Settings:
        """The same settings with another `tracking.since` (a date or "first run"), as if policy.yaml said so."""
        tracking = TrackingPolicy.model_validate({"since": since})
        return replace(self, policy=self.policy.model_copy(update={"tracking": tracking}))

    def survey_secret(self) -> str | None:
        """The key that signs survey links, read now; None while the survey is off.

        On the sandbox, whose members are simulated, an unset key falls back to a fixed trial key; anywhere else
        a missing one is a ConfigError (`mailbot check` names it first).
        """
        survey = self.service.survey
        if not self.policy.satisfaction.enabled or survey is None:
            return None
        try:
            if survey.secret is None:
                raise ConfigError("The member survey has no `secret` in service.yaml's `survey:` section.")
            return survey.secret.resolve(self.service_file.parent).get_secret_value()
        except ConfigError:
            if self.service.backend.sandbox:
                return SANDBOX_SURVEY_SECRET
            raise

    def people(self) -> list[Person]:
        return [_person(p, self.policy) for p in self.roster.people]

    def person(self, person_id: str) -> Person:
        return next(p for p in self.people() if p.id == person_id)

    def calendar_for(self, person: Person) -> BusinessCalendar:
        return self.calendars[person.office]

    @property
    def first_office(self) -> BusinessCalendar:
        """The first office of policy.yaml (there is always one): where times for the whole organisation are told."""
        return next(iter(self.calendars.values()))

    def state_url(self, *, with_password: bool = False) -> str:
        """The state URL; a relative SQLite path is taken from service.yaml's folder, not the cwd.

        With `with_password`, the secret named by `state.password` is put into the URL for connecting.
        """
        state = self.service.state
        url = state.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite:///:memory:":
            return prefix + str((self.service_file.parent / url[len(prefix) :]).resolve())
        if with_password and state.password is not None:
            secret = state.password.resolve(self.service_file.parent).get_secret_value()
            return make_url(url).set(password=secret).render_as_string(hide_password=False)
        return url


def _person(p: PersonConfig, policy: Policy) -> Person:
    return Person(
        id=p.id, name=p.name, email=str(p.email).lower(), team=p.team, office=p.office,
        timezone=p.timezone or policy.offices[p.office].timezone, supervisor=p.supervisor, backup=p.backup,
        phone=p.phone, status=p.status, successor=p.successor, deputy=p.deputy,
    )  # fmt: skip


def load_settings(
    service_file: Path | str, *, resolve_secrets: bool = False, backend_kind: str | None = None
) -> Settings:
    """Read and check all configuration; raises ConfigError listing every problem with file and key.

    `backend_kind` replaces service.yaml's backend.kind (the command line's --backend).
    """
    service_file = Path(service_file)
    problems: list[str] = []
    service, root = _validated(service_file, ServiceConfig, problems)
    organisation = service.organisation if service else _organisation(root)
    if organisation is None:  # service.yaml is unreadable, or names no usable folder: nothing else can be found
        raise ConfigError(f"The configuration in {service_file} has problems:", problems)
    if service is not None and backend_kind is not None:
        service = _with_backend_kind(service_file, root, service, backend_kind, problems)
    org_dir = service_file.parent / organisation
    if not org_dir.is_dir():
        problems.append(located(service_file, root, ("organisation",), f"folder {org_dir} does not exist."))
        raise ConfigError(f"The configuration in {service_file} has problems:", problems)
    roster, people_root = _validated(org_dir / "people.yaml", Roster, problems)
    policy, policy_root = _validated(org_dir / "policy.yaml", Policy, problems)
    calendars: dict[str, BusinessCalendar] = {}
    if roster is not None:
        problems += _cross_check(org_dir, roster, policy, people_root)
    if policy is not None:
        calendars = _calendars(org_dir, policy, policy_root, problems)
    if service is not None and resolve_secrets:
        problems += connection_problems(service_file, service, root)
        problems += survey_problems(service_file, service, policy is not None and policy.satisfaction.enabled, root)
    if problems or service is None or roster is None or policy is None:
        raise ConfigError(f"The configuration in {service_file} has problems:", problems)
    return Settings(service, roster, policy, service_file, org_dir, calendars)


def _organisation(root: yaml.Node | None) -> Path | None:
    """Where people.yaml and policy.yaml are, read from a service.yaml that failed validation elsewhere.

    None when service.yaml could not be read or parsed, or its `organisation` is no folder name: then the
    organisation's files are not looked for, so their absence is not reported as a second, misleading problem.
    """
    if not isinstance(root, yaml.MappingNode):
        return None
    for key, value in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "organisation":
            is_text = isinstance(value, yaml.ScalarNode) and value.tag == "tag:yaml.org,2002:str" and value.value
            return Path(value.value) if is_text else None
    return Path("config")


def _with_backend_kind(
    service_file: Path, root: yaml.Node | None, service: ServiceConfig, kind: str, problems: list[str]
) -> ServiceConfig:
    try:
        backend = BackendSettings.model_validate({**service.backend.model_dump(), "kind": kind})
    except ValidationError as exc:
        reason = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        problems.append(located(service_file, root, ("backend",), f"--backend {kind}: {reason}"))
        return service
    return service.model_copy(update={"backend": backend})


def _validated(path: Path, model: type[M], problems: list[str]) -> tuple[M | None, yaml.Node | None]:
    """The file's model (None if invalid) and its YAML tree, for the line numbers of later findings."""
    data, root = read_yaml(path, problems)
    if root is None:
        return None, None
    try:
        return model.model_validate(data if data is not None else {}), root
    except ValidationError as exc:
        problems.extend(validation_problems(path, model, exc, root))
        return None, root


def _cross_check(org_dir: Path, roster: Roster, policy: Policy | None, root: yaml.Node | None) -> list[str]:
    """References between people, offices and mailboxes; each finding names people.yaml, the line and the key."""
    people_file = org_dir / "people.yaml"
    ids = {p.id for p in roster.people}
    departed = {p.id for p in roster.people if p.status is PersonStatus.DEPARTED}
    found: list[str] = []

    def report(loc: tuple[str | int, ...], message: str) -> None:
        found.append(located(people_file, root, loc, message))

    for name, counts in (("id", Counter(p.id for p in roster.people)),
                         ("email", Counter(str(p.email).lower() for p in roster.people))):  # fmt: skip
        for i, p in enumerate(roster.people):
            value = p.id if name == "id" else str(p.email).lower()
            if counts[value] > 1:
                report(("people", i, name), f"{value!r} appears {counts[value]} times; each must be unique")
    for i, p in enumerate(roster.people):
        for ref in ("supervisor", "backup", "successor", "deputy"):
            value = getattr(p, ref)
            if value is not None and value not in ids:
                report(("people", i, ref), f"{value!r} is not a person id in the roster")
        if p.deputy in departed:
            report(("people", i, "deputy"), f"{p.deputy!r} has left (status: departed); a deputy must be active")
        if policy is not None and p.office not in policy.offices:
            report(("people", i, "office"), f"{p.office!r} is not an office in policy.yaml ({_names(policy)})")
    for i, box in enumerate(roster.shared_mailboxes):
        for j, owner in enumerate(box.owners):
            if owner not in ids:
                report(("shared_mailboxes", i, "owners", j), f"{owner!r} is not a person id in the roster")
        if policy is not None and box.office not in policy.offices:
            report(("shared_mailboxes", i, "office"), f"{box.office!r} is not an office in policy.yaml")
    return found


def _names(policy: Policy) -> str:
    return "offices: " + ", ".join(sorted(policy.offices))


def _calendars(
    org_dir: Path, policy: Policy, root: yaml.Node | None, problems: list[str]
) -> dict[str, BusinessCalendar]:
    policy_file = org_dir / "policy.yaml"
    calendars: dict[str, BusinessCalendar] = {}
    for name, office in policy.offices.items():
        try:
            holidays = _office_holidays(org_dir, office)
        except ValueError as exc:
            problems.append(located(policy_file, root, ("offices", name, "holidays"), str(exc)))
            continue
        # Hours and timezone were already checked by the model's validators.
        hours = parse_weekly_hours(office.hours)
        calendars[name] = BusinessCalendar(ZoneInfo(office.timezone), hours, holidays)
    return calendars


def _office_holidays(org_dir: Path, office: OfficeConfig) -> OfficeHolidays:
    source = office.holidays
    ics = IcsHolidays.from_file(org_dir / source.ics) if source.ics else None
    country = country_holidays(source.country, source.subdivision) if source.country else None
    return OfficeHolidays(ics, country)
