"""The command line: the only module that prints or exits. Errors become one sentence and exit code 2."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from mailbot import __version__
from mailbot.clock import Clock, FixedClock, SystemClock, parse_now, parse_time
from mailbot.errors import MailbotError
from mailbot.logging import configure_logging

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_CONFIG = "service.yaml"
BACKENDS = ("ews", "graph")
BACKEND_HELP = "Use this backend instead of service.yaml's backend.kind (e.g. graph, to try Exchange Online)."


class Context:
    """What every command receives: where the configuration is and what time it is."""

    def __init__(self, config: Path, clock: Clock, debug: bool, backend: str | None = None) -> None:
        self.config, self.clock, self.debug, self.backend = config, clock, debug, backend

    def settings(self, *, resolve_secrets: bool = False) -> Any:
        """Load the configuration and switch logging to what service.yaml asks for."""
        from mailbot.config import load_settings

        settings = load_settings(self.config, resolve_secrets=resolve_secrets, backend_kind=self.backend)
        if os.environ.get("MAILBOT_SANDBOX_STRICT") == "1":
            settings = settings.with_strict_sandbox()
        # One-off commands talk to a person: only warnings and errors go to the log unless --debug.
        # The long-running service (`mailbot run`) uses the level from service.yaml.
        log = settings.service.logging
        configure_logging(log.format, "debug" if self.debug else "warning")
        return settings


def common_options(func: F) -> F:
    """--config, --now and --debug on every command, so they can follow the command name."""

    @click.option(
        "--config",
        "config",
        type=click.Path(path_type=Path),
        default=None,
        help=f"service.yaml to use (default: $MAILBOT_CONFIG or ./{DEFAULT_CONFIG}).",
    )
    @click.option(
        "--now",
        "now",
        metavar="ISO-8601",
        default=None,
        help="Pretend it is this time (e.g. 2026-12-04T16:00-05:00), for reproducible runs.",
    )
    @click.option("--debug", is_flag=True, default=False, help="Show tracebacks and debug logs.")
    @click.option("--backend", type=click.Choice(BACKENDS), default=None, help=BACKEND_HELP)
    @functools.wraps(func)
    def wrapper(config: Path | None, now: str | None, debug: bool, backend: str | None, **kwargs: Any) -> Any:
        parent = click.get_current_context().find_root().params
        config = config or parent.get("config") or Path(os.environ.get("MAILBOT_CONFIG") or DEFAULT_CONFIG)
        now = now or parent.get("now")
        debug = debug or bool(parent.get("debug"))
        backend = backend or parent.get("backend")
        click.get_current_context().meta["debug"] = debug
        configure_logging("auto", "debug" if debug else "warning")
        clock: Clock = FixedClock(parse_now(now)) if now else SystemClock()
        return func(Context(config, clock, debug, backend), **kwargs)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", type=click.Path(path_type=Path), default=None, help="service.yaml to use.")
@click.option("--now", metavar="ISO-8601", default=None, help="Pretend it is this time.")
@click.option("--debug", is_flag=True, default=False, help="Show tracebacks and debug logs.")
@click.option("--backend", type=click.Choice(BACKENDS), default=None, help=BACKEND_HELP)
@click.version_option(__version__, prog_name="mailbot")
def cli(config: Path | None, now: str | None, debug: bool, backend: str | None) -> None:
    """mailbot keeps your Exchange service level: out-of-office, unanswered mail, nudges, digests."""
    click.get_current_context().meta["debug"] = debug


@cli.command()
@click.option(
    "--connect", is_flag=True, help="Then contact Exchange and prove, mailbox by mailbox, every right mailbot needs."
)
@common_options
def check(ctx: Context, connect: bool) -> None:
    """Validate service.yaml, the organisation folder, the templates and the sandbox scenario (loaded as a run at
    this time would load it); exit 2 listing every problem.

    With --connect, also prove on every mailbox each right mailbot needs (it leaves nothing behind but one message
    from the service mailbox to itself); exit 1 if any mailbox is not fully usable.
    """
    from mailbot.preflight import preflight
    from mailbot.report import describe_settings

    settings = ctx.settings(resolve_secrets=True)
    click.echo(describe_settings(settings, ctx.clock.now(), preflight(settings, ctx.clock)))
    if connect:
        _check_connect(ctx, settings)


def _check_connect(ctx: Context, settings: Any) -> None:
    """Print one line per mailbox as it is checked, then a sentence per refused right and a summary."""
    from mailbot.jobs.check_access import check_access
    from mailbot.report_access import advice, mailbox_line, summary
    from mailbot.runtime import open_backend

    backend = settings.service.backend
    click.echo(f"\nProving on each mailbox what mailbot needs ({backend.kind}, acting as {backend.service_account}):")
    found = []
    with open_backend(settings, ctx.clock) as exchange:
        for access in check_access(settings, exchange, ctx.clock.now(), dry_run=settings.service.dry_run):
            click.echo(mailbox_line(access))
            found.append(access)
    sentences = [sentence for access in found for sentence in advice(access, backend.kind)]
    if sentences:
        click.echo("")
    for sentence in sentences:
        click.echo(sentence)
    click.echo("\n" + summary(found))
    sys.exit(0 if all(access.usable for access in found) else 1)


@cli.group()
def config() -> None:
    """Configuration helpers."""


@config.command("schema")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("config/schema"),
    show_default=True,
    help="Folder to write the JSON Schemas into.",
)
@common_options
def config_schema(ctx: Context, out: Path) -> None:
    """Write JSON Schemas of service.yaml, people.yaml and policy.yaml for editors."""
    from mailbot.config import export_schemas

    for path in export_schemas(out):
        click.echo(f"wrote {path}")


@cli.command()
@click.option(
    "--received",
    metavar="ISO-8601",
    default=None,
    help="When the message arrived (default: now); without an offset, in the office's time.",
)
@click.option("--kind", type=click.Choice(["email", "voicemail"]), default="email", show_default=True)
@click.option("--office", default=None, help="Office whose hours apply (default: the only/first one).")
@common_options
def deadline(ctx: Context, received: str | None, kind: str, office: str | None) -> None:
    """Show when a message received at a given time must be answered, under the policy."""
    from mailbot.report import deadline_office, describe_deadline

    settings = ctx.settings()
    if received:  # a time without an offset is the office's own time of day
        zone = settings.calendars[deadline_office(settings, office)].tz
        at = parse_time(received, "--received", zone, str(zone))
    else:
        at = ctx.clock.now()
    click.echo(describe_deadline(settings, at, kind, office))


@cli.group()
def oof() -> None:
    """Out-of-office replies kept in step with calendars."""


def _oof_run(ctx: Context, person: str | None, *, dry_run: bool) -> None:
    from mailbot.jobs.apply_oof import JOB, apply_oof
    from mailbot.report import describe_oof

    settings = ctx.settings(resolve_secrets=True)
    _known_person(settings, person)
    result = _run_job(ctx, settings, JOB, lambda d, now: apply_oof(d, now, only=person), dry_run=dry_run)
    for outcome in result.details.values():
        click.echo(describe_oof(outcome) + "\n")
    _exit_with_problems(result, "could not manage ")


def _known_person(settings: Any, person: str | None) -> None:
    """A person named on the command line must be in people.yaml (an unknown id lists the known ones)."""
    if person is not None and person not in {p.id for p in settings.people()}:
        from mailbot.errors import UnknownNameError

        raise UnknownNameError("person", person, [p.id for p in settings.people()])


@oof.command("plan")
@click.argument("person", required=False)
@common_options
def oof_plan(ctx: Context, person: str | None) -> None:
    """Show what mailbot would do with each person's automatic replies (changes nothing)."""
    _oof_run(ctx, person, dry_run=True)


@oof.command("apply")
@click.argument("person", required=False)
@click.option("--dry-run", is_flag=True, help="Decide and show, but change nothing.")
@common_options
def oof_apply(ctx: Context, person: str | None, dry_run: bool) -> None:
    """Set, update or clear automatic replies from calendars; a person's own reply is left alone."""
    _oof_run(ctx, person, dry_run=dry_run)


@cli.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for the demo's state and digests (default: a new temporary folder).",
)
@click.option("--days", type=click.IntRange(1, 9), default=9, show_default=True, help="Simulate only the first days.")
@common_options
def demo(ctx: Context, out: Path | None, days: int) -> None:
    """A simulated week at the example organisation on the embedded sandbox Exchange: this week, or the week of
    --now (about a minute)."""
    import tempfile

    from mailbot.demo import Demo
    from mailbot.report import describe_demo

    settings = ctx.settings()
    folder = out or Path(tempfile.mkdtemp(prefix="mailbot-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    run = Demo(settings, folder, ctx.clock.now(), days)
    through = "Microsoft Graph" if settings.service.backend.kind == "graph" else "EWS"
    monday = run.monday
    click.echo(f"Simulating {settings.policy.organisation.name}'s week from {monday:%A} {monday.day} "
               f"{monday:%B %Y} on the sandbox Exchange through {through} (state in {folder})")  # fmt: skip
    with click.progressbar(run.ticks(), length=len(run.moments()), label="week",
                           item_show_func=lambda at: f"{at:%a %d %b %H:%M}" if at else "") as ticks:  # fmt: skip
        for _ in ticks:
            pass
    assert run.result is not None
    click.echo(describe_demo(run.result))


@cli.group()
def track() -> None:
    """Member mail tracked against the service standard."""


def _run_job(ctx: Context, settings: Any, job: str, step: Any, *, dry_run: bool, progress: bool = False) -> Any:
    """Run one job step once, now, on the configured backend (or the embedded sandbox).

    With `progress`, a bar on stderr shows how far the job got through the mailboxes, if stderr is a terminal.
    """
    from dataclasses import replace

    from mailbot.jobs.deps import run_job
    from mailbot.runtime import open_deps

    with open_deps(settings, ctx.clock, dry_run=dry_run) as deps, _progress_bar(progress and not ctx.debug) as bar:
        result = run_job(job, step, replace(deps, progress=bar) if bar else deps, ctx.clock.now())
    if result.aborted:  # nothing was handled (e.g. the server refused the credentials): an error, not a partial run
        _fail(result.problems[0], 2)
    return result


@contextlib.contextmanager
def _progress_bar(wanted: bool) -> Iterator[Any]:
    """A jobs.deps.Progress drawn by rich on a terminal's stderr (gone when done); on stderr that is no terminal
    (nohup, cron, a log file) plain lines, for a first sync only (a later one is quick and would fill the log)."""
    if not wanted:
        yield None
        return
    if not sys.stderr.isatty():
        yield _progress_lines()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("mailboxes"),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def report(task: str, done: int, total: int) -> None:
            if task not in tasks:
                tasks[task] = bar.add_task(task, total=total)
            bar.update(tasks[task], completed=done, total=total)

        yield report


def _progress_lines() -> Any:
    """A jobs.deps.Progress printing a few plain lines on stderr while a first sync reads the mailboxes."""
    import time

    from mailbot.jobs.sync_mail import FIRST_SYNC
    from mailbot.progress import ProgressLines

    lines, started = ProgressLines(), time.monotonic()

    def report(task: str, done: int, total: int) -> None:
        if task.startswith(FIRST_SYNC) and (line := lines.line(task, done, total, time.monotonic() - started)):
            click.echo(line, err=True)

    return report


def _print_changes(result: Any, despite_problems: str | None = None) -> None:
    """What the job changed; "nothing to do" only when nothing failed either (next to problems it would mislead:
    then `despite_problems`, if given, says what holds for the rest)."""
    for change in result.changes:
        click.echo(change)
    if not result.changes and not result.problems:
        click.echo("nothing to do")
    elif not result.changes and despite_problems:
        click.echo(despite_problems)


def _exit_with_problems(result: Any, prefix: str = "") -> None:
    """Each problem on stderr, then exit 1 if there were any: some mailboxes could not be handled, the rest were
    (a job that failed as a whole already ended with exit 2 in _run_job)."""
    for problem in result.problems:
        click.echo(f"mailbot: {prefix}{problem}", err=True)
    sys.exit(1 if result.problems else 0)


@track.command("sync")
@click.option("--dry-run", is_flag=True, help="Show what would be tracked or closed; change nothing.")
@common_options
def track_sync(ctx: Context, dry_run: bool) -> None:
    """Read new mail in every watched mailbox: start clocks on member mail, stop them on answers."""
    from mailbot.jobs.sync_mail import JOB, sync_mail

    result = _run_job(ctx, ctx.settings(resolve_secrets=True), JOB, sync_mail, dry_run=dry_run, progress=True)
    _print_changes(result, "nothing new in the mailboxes that could be read")
    _exit_with_problems(result)


@cli.command()
@common_options
def status(ctx: Context) -> None:
    """A table of open member messages and requests in progress per owner, overdue first (from the state
    database)."""
    from mailbot.jobs.open_items import open_items
    from mailbot.jobs.progress import in_progress
    from mailbot.report import status_table
    from mailbot.store import open_store

    settings = ctx.settings(resolve_secrets=True)
    with open_store(settings.state_url(with_password=True)) as store:
        items, progress = open_items(settings, store, ctx.clock.now()), in_progress(settings, store)
    click.echo(status_table(settings, items, ctx.clock.now(), progress))


@cli.command()
@click.option("--dry-run", is_flag=True, help="Show who would be nudged; send nothing.")
@common_options
def nudge(ctx: Context, dry_run: bool) -> None:
    """Tell owners (or their backups) about member mail due soon or overdue; each level once."""
    from mailbot.jobs.nudge import JOB
    from mailbot.jobs.nudge import nudge as nudge_job

    result = _run_job(ctx, ctx.settings(resolve_secrets=True), JOB, nudge_job, dry_run=dry_run)
    _print_changes(result)
    _exit_with_problems(result)


@cli.command()
@click.option("--print", "print_", is_flag=True, help="Render the digests and print the text (sends nothing).")
@click.option("--send", is_flag=True, help="Send each supervisor today's digest (once a day).")
@click.option("--html", "html_dir", type=click.Path(path_type=Path), default=None, help="Also write HTML files here.")
@click.option("--supervisor", default=None, help="Only this supervisor's digest (person id).")
@click.option("--dry-run", is_flag=True, help="With --send: render but send nothing.")
@common_options
def digest(
    ctx: Context, print_: bool, send: bool, html_dir: Path | None, supervisor: str | None, dry_run: bool
) -> None:
    """The end-of-day digest for supervisors: open member mail, voicemails, who is away."""
    from mailbot.jobs.digest import JOB, unsent
    from mailbot.jobs.digest import digest as digest_job
    from mailbot.policy.messages import standalone_html

    if print_ == send:
        raise click.UsageError("Choose one of --print or --send.")
    settings = ctx.settings(resolve_secrets=True)
    result = _run_job(
        ctx,
        settings,
        JOB,
        lambda d, now: digest_job(d, now, send=send, only=supervisor, charts=send or html_dir is not None),
        dry_run=dry_run or print_,
    )
    for built in result.details.values():
        if print_:
            click.echo(f"To: {built.recipient.name} <{built.recipient.email}>\nSubject: {built.message.subject}\n")
            click.echo(built.message.text)
        if html_dir is not None:
            html_dir.mkdir(parents=True, exist_ok=True)
            path = html_dir / f"digest-{built.supervisor.id}-{built.day.isoformat()}.html"
            path.write_text(standalone_html(built.message), encoding="utf-8")
            click.echo(f"wrote {path}")
    for change in result.changes:
        click.echo(change)
    if send and not result.problems:
        for line in unsent(settings, ctx.clock.now(), only=supervisor, any_sent=bool(result.changes)):
            click.echo(line)
    _exit_with_problems(result)


@cli.command("report")
@click.option(
    "--period",
    "period",
    default="week",
    show_default=True,
    metavar="week|month|quarter|year|FROM..TO",
    help="The week, month, quarter or year containing --now, or ISO dates FROM..TO (both included).",
)
@click.option("--team", default=None, help="Only this team (as people.yaml spells it).")
@click.option("--person", default=None, help="Only this person (person id).")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder for the report files.")
@click.option("--state", default=None, metavar="URL", help="Read this state database instead of service.yaml's.")
@common_options
def report_command(
    ctx: Context, period: str, team: str | None, person: str | None, out: Path, state: str | None
) -> None:
    """Figures on how member mail was answered in a period: messages.csv, figures.csv, report.html and .pdf."""
    from mailbot.assessment.command import ReportError, write_report
    from mailbot.store import open_store
    from mailbot.store.engine import database_url, sqlite_file

    settings = ctx.settings(resolve_secrets=state is None)
    url = state or settings.state_url(with_password=True)
    database = sqlite_file(database_url(url))
    if database is not None and not Path(database).is_file():
        # Opening it would create an empty database, and the report would say nothing was received.
        where = "--state" if state else "service.yaml's state.url"
        raise ReportError(f"There is no state database at {database} (from {where}); check the path.")
    with open_store(url) as store:
        for path in write_report(settings, store, ctx.clock.now(), period, team, person, out):
            click.echo(f"wrote {path}")


@cli.command("weekly-status")
@click.argument("person", required=False)
@click.option("--print", "print_", is_flag=True, help="Show each person's script and status text; send nothing.")
@click.option("--dry-run", is_flag=True, help="Decide and show who would get it; send nothing.")
@common_options
def weekly_status_command(ctx: Context, person: str | None, print_: bool, dry_run: bool) -> None:
    """Mail each person their voicemail script and status text for the week (again only if the week changed)."""
    from mailbot.jobs.weekly_status import JOB, weekly_status
    from mailbot.report import describe_weekly

    settings = ctx.settings(resolve_secrets=True)
    _known_person(settings, person)
    result = _run_job(ctx, settings, JOB, lambda d, now: weekly_status(d, now, only=person), dry_run=dry_run or print_)
    for outcome in result.details.values():
        click.echo(describe_weekly(outcome, show_text=print_) + ("\n" if print_ else ""))
    if not result.details and not result.problems:
        off = not settings.policy.weekly_status.enabled
        click.echo("nothing to do: " + ("the weekly status is off in policy.yaml" if off else "nobody active chosen"))
    _exit_with_problems(result)


@cli.group()
def templates() -> None:
    """Style-guide message templates."""


@templates.command("check")
@common_options
def templates_check(ctx: Context) -> None:
    """Render every template with sample data; exit 2 on an unknown placeholder or broken template."""
    from mailbot.errors import TemplateError
    from mailbot.policy.templates import TemplateRenderer

    folder = ctx.settings().templates_dir
    problems = TemplateRenderer(folder).check_all()
    if problems:
        raise TemplateError(f"The templates in {folder} have problems:\n" + "\n".join(f"  - {p}" for p in problems))
    click.echo(f"templates OK: {len(list(folder.glob('*.j2')))} files in {folder}")


@cli.group()
def sandbox() -> None:
    """The sandbox Exchange (EWS and Microsoft Graph on this machine) for trials, demos and tests."""


@sandbox.command("serve")
@click.option(
    "--scenario", type=click.Path(path_type=Path), default=None, help="Scenario YAML (default: from service.yaml)."
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=int)
@click.option("--strict", is_flag=True, help="Check every EWS message against Microsoft's schema, as Exchange does.")
@click.option(
    "--tls/--no-tls",
    default=None,
    help="Serve HTTPS with a certificate from a CA made on the spot (default: when the backend is graph, which "
    "needs it).",
)
@click.option(
    "--ca-bundle",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Where to write that CA's certificate, for backend.sandbox_ca_bundle (default: sandbox-ca.pem beside "
    "service.yaml).",
)
@common_options
def sandbox_serve(
    ctx: Context, scenario: Path | None, host: str, port: int, strict: bool, tls: bool | None, ca_bundle: Path | None
) -> None:
    """Serve the sandbox Exchange until interrupted; point backend.sandbox_url at it."""
    from mailbot.report import describe_served_sandbox
    from mailbot.runtime import serve_sandbox
    from mailbot.sandbox import load_scenario

    settings = ctx.settings()
    path = scenario or settings.sandbox_scenario
    org = load_scenario(path, clock=ctx.clock)
    strict = strict or settings.service.backend.sandbox_strict
    kind = settings.service.backend.kind
    secure = kind == "graph" if tls is None else tls
    bundle = (ca_bundle or settings.service_file.parent / "sandbox-ca.pem").resolve() if secure else None
    with serve_sandbox(org, kind, host=host, port=port, strict=strict, tls=secure, ca_file=bundle) as (server, _):
        click.echo(describe_served_sandbox(path, server.url, bundle, settings.service_file, strict=strict))
        _wait_for_stop()
    click.echo("sandbox stopped")


def _wait_for_stop() -> None:
    """Block until Ctrl-C or SIGTERM (what a service manager or `kill` sends)."""
    import signal
    import threading

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()


@cli.command("run")
@click.option("--once", is_flag=True, help="Run what is due now (missed runs included), then exit.")
@common_options
def run_service_command(ctx: Context, once: bool) -> None:
    """Run as a service: jobs at the times in service.yaml, /healthz and /metrics; SIGTERM stops it cleanly."""
    from mailbot.clock import OffsetClock
    from mailbot.service.loop import run_once, run_service

    settings = ctx.settings(resolve_secrets=True)
    log = settings.service.logging
    configure_logging(log.format, "debug" if ctx.debug else log.level, stream=sys.stdout)
    # --now sets where the service's clock starts; from there it moves on at the pace of the wall clock.
    clock = OffsetClock(ctx.clock.now(), SystemClock()) if isinstance(ctx.clock, FixedClock) else ctx.clock
    if not once:
        sys.exit(run_service(settings, clock, environ=os.environ))  # the running service speaks through its log
    _end_once(run_once(settings, clock, environ=os.environ))


def _end_once(results: list[Any]) -> None:
    """`run --once` ends like every command: a job that could not run at all is one sentence and exit 2 (the same
    cause for several jobs is said once); problems in some mailboxes are listed, exit 1."""
    aborted: dict[str, list[str]] = {}
    for result in results:
        if result.aborted:
            aborted.setdefault(result.problems[0], []).append(result.job)
    for problem, jobs in aborted.items():
        click.echo(f"mailbot: {_and(jobs)} could not run: {problem}", err=True)
    if aborted:
        sys.exit(2)
    problems = list(dict.fromkeys(f"{result.job}: {p}" for result in results for p in result.problems))
    for problem in problems:
        click.echo(f"mailbot: {problem}", err=True)
    sys.exit(1 if problems else 0)


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


@cli.group("service")
def service_group() -> None:
    """Installing mailbot as a system service."""


@service_group.command("unit")
@click.option("--user", default="mailbot", show_default=True, help="Dedicated user (and group) the service runs as.")
@click.option(
    "--config", "config_file", default="/etc/mailbot/service.yaml", show_default=True, help="service.yaml it reads."
)
@click.option("--state-dir", default="/var/lib/mailbot", show_default=True, help="The one folder it may write to.")
def service_unit(user: str, config_file: str, state_dir: str) -> None:
    """Print a hardened systemd unit for `mailbot run` (save it as /etc/systemd/system/mailbot.service)."""
    from mailbot.service.unit import mailbot_command, render_unit

    command = mailbot_command(sys.argv[0], sys.executable)
    config_path, state_path = str(Path(config_file).absolute()), str(Path(state_dir).absolute())
    click.echo(render_unit(command, user=user, config=config_path, state_dir=state_path), nl=False)


@cli.group()
def db() -> None:
    """The state database: where mailbot remembers what it did."""


@db.command("status")
@common_options
def db_status(ctx: Context) -> None:
    """Show which state database is configured and whether its schema is current (changes nothing)."""
    from mailbot.store.engine import head_revision
    from mailbot.store.store import open_store

    settings = ctx.settings(resolve_secrets=True)
    with open_store(settings.state_url(with_password=True), migrate=False) as store:
        current, head = store.schema_version(), head_revision()
        click.echo(f"state database: {store.describe()}")
        click.echo(f"schema: {current or 'empty'} (this mailbot: {head})")
        click.echo("up to date" if current == head else "needs `mailbot db upgrade`")


@db.command("upgrade")
@common_options
def db_upgrade(ctx: Context) -> None:
    """Create or migrate the state database schema to this version of mailbot."""
    from mailbot.store.store import open_store

    settings = ctx.settings(resolve_secrets=True)
    with open_store(settings.state_url(with_password=True)) as store:
        click.echo(f"state database {store.describe()} is at schema {store.schema_version()}")


def _fail(message: str, code: int) -> None:
    click.echo(f"mailbot: {message}", err=True)
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `mailbot` console script."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="mailbot", standalone_mode=False)
    except click.exceptions.Abort:
        _fail("aborted.", 130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except MailbotError as exc:
        if debug:
            traceback.print_exc()
        _fail(str(exc), 2)
    except KeyboardInterrupt:
        _fail("interrupted.", 130)
    except Exception as exc:
        if debug:
            traceback.print_exc()
            sys.exit(1)
        _fail(f"unexpected {type(exc).__name__}: {exc} (run again with --debug for the traceback).", 1)
