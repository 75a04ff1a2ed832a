"""What `mailbot check` verifies beyond the configuration files: what every run relies on when it starts.

The templates must render, and with `backend.sandbox: true` (and no `sandbox_url`) the scenario must load at
the clock the run would use (today, or --now) and hold a mailbox for everyone mailbot serves. So check never
says OK for a setup that the next `mailbot run` refuses.
"""

from __future__ import annotations

from mailbot.clock import Clock
from mailbot.config import Settings
from mailbot.errors import ConfigError
from mailbot.policy.templates import TemplateRenderer


def preflight(settings: Settings, clock: Clock) -> list[str]:
    """Summary lines for what was checked; a ConfigError lists every problem found."""
    folder = settings.templates_dir
    problems = [f"{folder}/{p}" for p in TemplateRenderer(folder).check_all()]
    lines = [f"  templates: {len(list(folder.glob('*.j2')))} files in {folder}, all render"]
    backend = settings.service.backend
    if backend.sandbox and not backend.sandbox_url:
        try:
            lines.append(_sandbox(settings, clock, problems))
        except ConfigError as exc:
            problems += exc.problems or [str(exc)]
    if problems:
        raise ConfigError("`mailbot check` found problems that `mailbot run` would meet:", problems)
    return lines


def _sandbox(settings: Settings, clock: Clock, problems: list[str]) -> str:
    """Load the scenario as the run would, and find the people and mailboxes it lacks."""
    from mailbot.jobs.check_access import mailboxes
    from mailbot.sandbox import load_scenario

    path = settings.sandbox_scenario
    org = load_scenario(path, clock=clock)
    present = {m.email for m in org.mailboxes()}
    problems += [
        f"{path}: mailboxes: {'the service account' if roles == ('service',) else name} <{email}> has no mailbox "
        "in the sandbox scenario"
        for name, email, roles in mailboxes(settings)
        if email not in present
    ]
    week = org.week  # the week as the scenario loader chose it: the one rule, for check and run alike
    assert week is not None, "load_scenario sets the week"
    return f"  sandbox: {path}, {len(present)} mailboxes, in the week from Mon {week.day} {week:%b %Y}"
