"""Configuration: the shipped example loads, and a broken copy reports every problem with file and key."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from mailbot.config import load_settings
from mailbot.config.schema import SCHEMAS, schema_text
from mailbot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
MARIA_DEPUTY = "    deputy: jokafor "  # Maria Reyes's deputy in the shipped people.yaml


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def line_with(path: Path, text: str) -> int:
    """The 1-based number of the first line of `path` that contains `text`."""
    return next(number for number, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def problems_of(service_file: Path, **kwargs: bool) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(service_file, **kwargs)
    return caught.value.problems


def test_shipped_example_loads() -> None:
    """The example organisation in config/ passes validation with its secrets resolved."""
    settings = load_settings(ROOT / "service.yaml", resolve_secrets=True)
    assert ["abrandt", "jokafor", "lchen", "mreyes", "pnovak"] == sorted(p.id for p in settings.people())
    assert ["main"] == list(settings.calendars)


def test_people_get_their_office_timezone() -> None:
    """A person without a timezone of their own takes the office's."""
    settings = load_settings(ROOT / "service.yaml")
    assert "America/New_York" == settings.person("lchen").timezone


def test_every_problem_is_reported_at_once(example_config: Path) -> None:
    """Mistakes in three files come back together, each naming its file, line and key."""
    edit(example_config, "dry_run: false", "dry_rn: false")
    edit(example_config.parent / "config/people.yaml", "backup: lchen", "backup: nobody")
    edit(example_config.parent / "config/policy.yaml", "timezone: America/New_York", "timezone: Mars/Olympus")
    problems = problems_of(example_config)
    assert 3 == len(problems), problems
    service, people, policy = sorted(problems, key=lambda p: ("service" not in p, "people" not in p))
    assert f"{example_config}:" in service and "dry_rn: unknown key; did you mean 'dry_run'?" in service
    assert "people.yaml:" in people and "people[1].backup: 'nobody' is not a person id" in people
    assert "policy.yaml:" in policy and "offices.main.timezone:" in policy and "Mars/Olympus" in policy


def test_problem_names_the_line(example_config: Path) -> None:
    """A problem points at the line in the file where the bad value stands."""
    people_file = example_config.parent / "config/people.yaml"
    okafor = "james.okafor@example.org\n    team: Member Services\n    office: "
    edit(people_file, okafor + "main", okafor + "annex")
    line = 1 + people_file.read_text().splitlines().index("    office: annex")
    [problem] = problems_of(example_config)
    assert problem.startswith(f"{people_file}:{line}: people[1].office: 'annex' is not an office")


def test_inline_password_is_refused(example_config: Path) -> None:
    """A password written into service.yaml is rejected with the way to do it instead."""
    edit(example_config, "password: {env: MAILBOT_EWS_PASSWORD}", "password: hunter2")
    [problem] = problems_of(example_config)
    assert "backend.ews.password: secrets are never written inline; use {env: VARIABLE}" in problem
    assert "hunter2" not in problem


def test_missing_secret_is_reported_for_a_real_server(example_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pointing at a real Exchange makes check look for the secrets (the member survey's key too, while the survey is
    on) and say in one sentence each where it looked."""
    monkeypatch.delenv("MAILBOT_EWS_PASSWORD", raising=False)
    monkeypatch.delenv("MAILBOT_SURVEY_SECRET", raising=False)
    edit(example_config, "sandbox: true", "sandbox: false")
    password, survey = problems_of(example_config, resolve_secrets=True)
    assert "backend.ews.password: The secret in environment variable MAILBOT_EWS_PASSWORD is not set" in password
    line = line_with(example_config, "secret: {env: MAILBOT_SURVEY_SECRET}")
    assert (f"{example_config}:{line}: survey.secret: The secret in environment variable MAILBOT_SURVEY_SECRET is not "
            "set; export it before starting mailbot.") == survey  # fmt: skip


def test_secret_from_file_resolves(example_config: Path, tmp_path: Path) -> None:
    """A secret kept in a file is read from its first line."""
    (tmp_path / "ews.secret").write_text("s3cret\n")
    edit(example_config, "sandbox: true", "sandbox: false")
    edit(example_config, "password: {env: MAILBOT_EWS_PASSWORD}", "password: {file: ews.secret}")
    settings = load_settings(example_config, resolve_secrets=True)
    ews = settings.service.backend.ews
    assert ews is not None and ews.password is not None
    assert "s3cret" == ews.password.resolve(example_config.parent).get_secret_value()


def test_graph_secret_and_ca_bundle_are_checked(example_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """For Graph, check looks for the client secret and the CA bundle IT named, and reports both at once."""
    monkeypatch.delenv("MAILBOT_GRAPH_CLIENT_SECRET", raising=False)
    edit(example_config, "sandbox: true", "sandbox: false")
    edit(example_config, "kind: ews ", "kind: graph")
    edit(example_config, "  max_concurrent_per_mailbox: 4", "  ca_bundle: ca.pem\n    max_concurrent_per_mailbox: 4")
    problems = problems_of(example_config, resolve_secrets=True)
    bundle, secret = line_with(example_config, "ca_bundle: ca.pem"), line_with(example_config, "client_secret:")
    expected = [f"{example_config}:{bundle}: backend.graph.ca_bundle: {example_config.parent / 'ca.pem'} is not a "
                f"file.", f"{example_config}:{secret}: backend.graph.client_secret: The secret in environment "
                "variable MAILBOT_GRAPH_CLIENT_SECRET is not set; export it before starting mailbot."]  # fmt: skip
    assert expected == problems


BUNDLE_SETTINGS = {  # how each CA bundle setting names trusted-ca.pem in a copy of the shipped service.yaml
    "backend.ews.ca_bundle": [("sandbox: true", "sandbox: false"),
                              ("    auth: ntlm", "    ca_bundle: trusted-ca.pem\n    auth: ntlm")],
    "backend.graph.ca_bundle": [("sandbox: true", "sandbox: false"), ("kind: ews ", "kind: graph "),
                                ("  max_concurrent_per_mailbox: 4",
                                 "  ca_bundle: trusted-ca.pem\n    max_concurrent_per_mailbox: 4")],
    "backend.sandbox_ca_bundle": [("  service_account:", "  sandbox_url: https://127.0.0.1:8765\n  sandbox_ca_bundle: "
                                   "trusted-ca.pem\n  service_account:")],
}  # fmt: skip


@pytest.mark.parametrize("setting", BUNDLE_SETTINGS)
@pytest.mark.parametrize(("content", "problem"), [(None, "is not a file"), ("not a certificate\n",
                                                                          "holds no PEM certificates")])  # fmt: skip
def test_a_ca_bundle_missing_or_without_certificates_names_its_line(
    example_config: Path, monkeypatch: pytest.MonkeyPatch, setting: str, content: str | None, problem: str
) -> None:
    """Each CA bundle setting is checked before connecting: a missing file, or one that holds no PEM certificate,
    is reported at the setting's line, like every other problem."""
    monkeypatch.setenv("MAILBOT_EWS_PASSWORD", "s3cret")
    monkeypatch.setenv("MAILBOT_GRAPH_CLIENT_SECRET", "s3cret")
    bundle = example_config.parent / "trusted-ca.pem"
    if content is not None:
        bundle.write_text(content)
    for old, new in BUNDLE_SETTINGS[setting]:
        edit(example_config, old, new)
    [found] = problems_of(example_config, resolve_secrets=True)
    line = line_with(example_config, "trusted-ca.pem")
    assert found.startswith(f"{example_config}:{line}: {setting}: {bundle} {problem}")


def test_graph_is_reached_over_https_only(example_config: Path) -> None:
    """An identity platform written with http:// is refused at its line: msal takes no tokens from one."""
    edit(example_config, "    max_concurrent_per_mailbox: 4", "    authority: http://login.example.org\n"
         "    max_concurrent_per_mailbox: 4")  # fmt: skip
    [problem] = problems_of(example_config)
    expected = (f"{example_config}:{line_with(example_config, 'authority:')}: backend.graph.authority: must be an "
                "https:// URL (the identity platform and Graph answer on nothing else)")  # fmt: skip
    assert expected == problem


def test_graph_allows_at_most_four_requests_per_mailbox(example_config: Path) -> None:
    """Exchange Online's limit of four concurrent requests per mailbox cannot be configured away."""
    edit(example_config, "max_concurrent_per_mailbox: 4", "max_concurrent_per_mailbox: 8")
    [problem] = problems_of(example_config)
    assert "backend.graph.max_concurrent_per_mailbox: Input should be less than or equal to 4" in problem


def test_broken_yaml_names_the_line(example_config: Path) -> None:
    """A YAML syntax error is reported with its line, not a traceback."""
    edit(example_config, "  level: info", "  level: [info")
    [problem] = problems_of(example_config)
    assert f"{example_config}:" in problem and "is not valid YAML" in problem


def test_broken_yaml_away_from_its_organisation_is_the_one_problem(tmp_path: Path) -> None:
    """A service.yaml that is not YAML says so alone, not also that people.yaml and policy.yaml cannot be read."""
    service_file = tmp_path / "service.yaml"
    service_file.write_text("backend:\n  kind: ews\n   bad: [\n")
    [problem] = problems_of(service_file)
    assert problem.startswith(f"{service_file}:3: is not valid YAML")


def test_an_invalid_service_yaml_still_checks_the_organisation_it_names(example_config: Path) -> None:
    """With another key of service.yaml wrong, people.yaml is read from the `organisation` folder it names."""
    (example_config.parent / "config").rename(example_config.parent / "org")
    edit(example_config, "  level: info", "  level: chatty")
    edit(example_config, "organisation: config", "organisation: org")
    edit(example_config.parent / "org/people.yaml", "backup: lchen", "backup: nobody")
    problems = problems_of(example_config)
    assert 2 == len(problems), problems
    assert any("logging.level" in p for p in problems) and any("'nobody' is not a person id" in p for p in problems)


def test_tracking_starts_at_the_first_run_unless_a_date_is_given(example_config: Path) -> None:
    """The shipped policy tracks mail from the first sync on; a date there becomes a date."""
    shipped = load_settings(ROOT / "service.yaml").policy.tracking.since
    assert ("first run", date(2026, 11, 1)) == (shipped, load_settings(example_config).policy.tracking.since)


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("last monday", "'last monday' is neither `first run` nor a date written YYYY-MM-DD (e.g. 2026-11-02)"),
        ('"2026-11-31"', "'2026-11-31' is not a date: day is out of range for month"),
        ("2026-11-02T09:00", "'2026-11-02T09:00' has a time; write the day alone, e.g. 2026-11-02"),
        ("2026-11-02 09:00:00", "'2026-11-02T09:00:00' has a time; write the day alone, e.g. 2026-11-02"),
    ],
)
def test_a_tracking_start_that_is_no_date_names_its_line(example_config: Path, written: str, reason: str) -> None:
    """Anything but `first run` or a calendar date is refused at tracking.since, on its line."""
    policy = example_config.parent / "config/policy.yaml"
    edit(policy, "since: 2026-11-01", f"since: {written}")
    line = next(n for n, text in enumerate(policy.read_text().splitlines(), 1) if "since:" in text)
    assert [f"{policy}:{line}: tracking.since: {reason}"] == problems_of(example_config)


def test_an_impossible_unquoted_date_names_its_line(example_config: Path) -> None:
    """YAML reads 2026-02-30 as a date and the calendar refuses it: a problem with its line, not a traceback."""
    policy = example_config.parent / "config/policy.yaml"
    edit(policy, "since: 2026-11-01", "since: 2026-02-30")
    line = next(n for n, text in enumerate(policy.read_text().splitlines(), 1) if "since:" in text)
    assert [f"{policy}:{line}: is not a valid date (day is out of range for month)."] == problems_of(example_config)


def test_departed_person_needs_successor(example_config: Path) -> None:
    """Departed staff without a successor are refused, because their mail would go nowhere."""
    edit(example_config.parent / "config/people.yaml", "    successor: abrandt\n", "")
    [problem] = problems_of(example_config)
    assert "people[4]: departed staff need a `successor`" in problem


def test_a_supervisor_names_a_deputy(example_config: Path) -> None:
    """A supervisor's `deputy` is read from people.yaml; nobody has one unless it is written there."""
    shipped = load_settings(example_config)
    edit(example_config.parent / "config/people.yaml", MARIA_DEPUTY, "    deputy: abrandt ")
    assert ("jokafor", None) == (shipped.person("mreyes").deputy, shipped.person("jokafor").deputy)
    assert "abrandt" == load_settings(example_config).person("mreyes").deputy


@pytest.mark.parametrize(
    ("deputy", "expected"),
    [("pnovak", "people[0].deputy: 'pnovak' has left (status: departed); a deputy must be active"),
     ("mreyes", "people[0]: a person cannot be their own deputy"),
     ("mrayes", "people[0].deputy: 'mrayes' is not a person id in the roster")],
)  # fmt: skip
def test_a_deputy_must_be_another_active_person(example_config: Path, deputy: str, expected: str) -> None:
    """A deputy who has left, the supervisor themselves, or an unknown id is named with its line in people.yaml."""
    people = example_config.parent / "config/people.yaml"
    edit(people, MARIA_DEPUTY, f"    deputy: {deputy} ")
    [problem] = problems_of(example_config)
    line = line_with(people, f"deputy: {deputy}") if "own" not in expected else line_with(people, "- id: mreyes")
    assert f"{people}:{line}: {expected}" == problem


def test_bad_hours_are_reported(example_config: Path) -> None:
    """Office hours that close before they open are reported under the office's hours key."""
    edit(example_config.parent / "config/policy.yaml", '"08:00-17:00"', '"17:00-08:00"')
    [problem] = problems_of(example_config)
    assert "offices.main.hours:" in problem


def test_unknown_country_is_reported(example_config: Path) -> None:
    """A country the holidays package does not know is reported under the office's holidays."""
    edit(example_config.parent / "config/policy.yaml", "country: US", "country: ZZ")
    [problem] = problems_of(example_config)
    assert "offices.main.holidays: Country ZZ not available" in problem


def test_missing_ics_is_reported(example_config: Path) -> None:
    """A holidays file that is not there is reported, naming the file."""
    (example_config.parent / "config/holidays.ics").unlink()
    [problem] = problems_of(example_config)
    assert "offices.main.holidays: cannot read" in problem and "holidays.ics" in problem


def test_holidays_come_from_ics_and_country() -> None:
    """The office is closed on the organisation's own days, yearly ones included, and on public holidays."""
    calendar = load_settings(ROOT / "service.yaml").calendars["main"]
    closed = [d for d in (date(2026, 11, 26), date(2026, 11, 27), date(2027, 12, 24)) if d in calendar.holidays]
    assert [date(2026, 11, 26), date(2026, 11, 27), date(2027, 12, 24)] == closed
    assert date(2026, 11, 25) not in calendar.holidays


def test_relative_sqlite_path_follows_service_file(example_config: Path) -> None:
    """A relative SQLite path is taken relative to service.yaml, not the directory mailbot was started in."""
    settings = load_settings(example_config)
    expected = "sqlite:///" + str(example_config.parent.resolve() / "state/mailbot.sqlite3")
    assert expected == settings.state_url()


def test_password_in_database_url_is_refused(example_config: Path) -> None:
    """A database URL carrying a password is refused in favour of a secret reference."""
    edit(example_config, "url: sqlite:///state/mailbot.sqlite3", "url: postgresql://mb:pw@db/mailbot")
    [problem] = problems_of(example_config)
    assert "state.url: put the database password in `state.password`" in problem


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schemas_are_current(name: str) -> None:
    """The JSON Schemas in config/schema match the models, so editors validate what mailbot validates."""
    committed = json.loads((ROOT / "config/schema" / name).read_text())
    assert json.loads(schema_text(SCHEMAS[name])) == committed


def test_database_password_joins_the_url_only_when_connecting(
    example_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database password comes from its secret reference and is added only for connecting."""
    monkeypatch.setenv("MAILBOT_DB_PASSWORD", "pa55")
    edit(
        example_config,
        "url: sqlite:///state/mailbot.sqlite3",
        "url: postgresql://mailbot@db.example.org/mailbot\n  password: {env: MAILBOT_DB_PASSWORD}",
    )
    settings = load_settings(example_config, resolve_secrets=True)
    assert "postgresql://mailbot@db.example.org/mailbot" == settings.state_url()
    assert "postgresql://mailbot:pa55@db.example.org/mailbot" == settings.state_url(with_password=True)


@pytest.mark.parametrize(
    ("lines", "at", "expected"),
    [
        # Where the missing key would go: the backend section, at its first line.
        ("  sandbox_url: https://127.0.0.1:8765\n", "  kind: ews",
         "backend.sandbox_ca_bundle: needed with an https:// sandbox_url"),
        ("  sandbox_ca_bundle: sandbox-ca.pem\n", "sandbox_ca_bundle:",
         "backend.sandbox_ca_bundle: goes with sandbox_url"),
    ],
)  # fmt: skip
def test_a_served_sandbox_needs_the_ca_bundle_it_wrote(
    example_config: Path, lines: str, at: str, expected: str
) -> None:
    """A sandbox at an https:// sandbox_url is trusted through the CA bundle `sandbox serve --tls` wrote, which
    check asks for; a bundle without a URL is a mistake too."""
    edit(example_config, "  service_account:", lines + "  service_account:")
    [problem] = problems_of(example_config, resolve_secrets=True)
    assert problem.startswith(f"{example_config}:{line_with(example_config, at)}: {expected}")
