"""Style-guide message templates: Jinja2, sandboxed, StrictUndefined, HTML escaped and plain text not.

Every message exists twice, <name>.html.j2 and <name>.txt.j2. The context builders live here too, so the
placeholders a template may use are defined in one place, shared by real messages and `check_all`'s samples.
The only I/O is reading template files through the loader.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, cast
from zoneinfo import ZoneInfo

import jinja2
from jinja2 import (
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    TemplateRuntimeError,
    TemplateSyntaxError,
    UndefinedError,
    select_autoescape,
)
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import missing

from mailbot.domain import Absence, Person
from mailbot.errors import TemplateError

Context = Mapping[str, Any]
# Words that never go into a mailbox as HTML: a greeting read aloud, a one-line status. Only <name>.txt.j2.
TEXT_ONLY = frozenset({"voicemail_script", "status_text"})
_SUFFIXES = (".html.j2", ".txt.j2")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")  # fmt: skip


def date_text(at: datetime) -> str:
    """'Tuesday, December 1': written out by hand, because strftime follows the machine's locale."""
    return f"{_DAYS[at.weekday()]}, {_MONTHS[at.month - 1]} {at.day}"


def time_text(at: datetime) -> str:
    """'8:00 am', '12:30 pm': the house style, which no strftime code gives portably (%p is locale-bound)."""
    return f"{at.hour % 12 or 12}:{at.minute:02d} {'am' if at.hour < 12 else 'pm'}"


def full_stop(text: object) -> str:
    """`text` ending a sentence: with a full stop, unless it ends in one already ("Nordlicht e.V.", "Yahoo!"), so a
    name placed at the end of a sentence never gives "e.V..". In templates: {{ organisation.name | full_stop }}."""
    words = str(text).rstrip()
    return words if words.endswith((".", "!", "?", "…")) else words + "."


@dataclass(frozen=True)
class RenderedText:
    """One message in both forms: HTML for the mailbox, plain text for previews and tests."""

    html: str
    text: str


class _UnknownPlaceholder(UndefinedError):
    """An undefined placeholder, remembering its name and the object it was looked up on."""

    def __init__(self, message: str, *, name: str | None, owner: Any) -> None:
        super().__init__(message)
        self.name, self.owner = name, owner


class _Strict(StrictUndefined):
    """StrictUndefined whose error carries the failing name, so the message can name it and list the known."""

    __slots__ = ()

    def __init__(
        self, hint: str | None = None, obj: Any = missing, name: str | None = None,
        exc: type[TemplateRuntimeError] = UndefinedError,
    ) -> None:  # fmt: skip
        super().__init__(hint, obj, name, exc)
        if exc is UndefinedError:  # keep other kinds, e.g. the sandbox's SecurityError for unsafe attributes
            self._undefined_exception = cast(type[UndefinedError], partial(_UnknownPlaceholder, name=name, owner=obj))


class TemplateRenderer:
    """Renders <name>.html.j2 and <name>.txt.j2 from one folder; every failure is a TemplateError sentence."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._env = SandboxedEnvironment(
            loader=FileSystemLoader(self.folder),
            undefined=_Strict,
            # Names ending .html.j2 escape; .txt.j2 must not, or "O'Brien" would read O&#39;Brien.
            autoescape=select_autoescape(enabled_extensions=("html.j2",), disabled_extensions=("txt.j2",)),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self._env.filters.update(long_date=date_text, clock=time_text, full_stop=full_stop)

    def render(self, name: str, context: Context) -> RenderedText:
        """Both forms of the message `name`, e.g. render("oof_internal", oof_context(...))."""
        return RenderedText(self.render_file(name + ".html.j2", context), self.render_file(name + ".txt.j2", context))

    def render_text(self, name: str, context: Context) -> str:
        """The plain-text-only message `name` (see TEXT_ONLY), e.g. the voicemail script read aloud."""
        return self.render_file(name + ".txt.j2", context)

    def render_file(self, filename: str, context: Context) -> str:
        """One template file rendered; any failure becomes a TemplateError naming the file and line."""
        try:
            return self._env.get_template(filename).render(context)
        except TemplateNotFound as exc:
            raise TemplateError(f"The template {exc.name} is missing from {self.folder}.") from None
        except TemplateSyntaxError as exc:
            raise TemplateError(_syntax_sentence(exc, filename)) from None
        except _UnknownPlaceholder as exc:
            raise TemplateError(self._placeholder_problem(exc, filename, context)) from None
        except jinja2.TemplateError as exc:  # e.g. the sandbox refusing an attribute
            where, line = _template_line(exc.__traceback__, filename)
            raise TemplateError(f"{where} line {line}: {str(exc).rstrip('.')}.") from None

    def check_all(self, samples: Mapping[str, Sequence[Context]] | None = None) -> list[str]:
        """Render every template in the folder with sample data; one sentence per problem, [] if all is well."""
        samples = sample_context() if samples is None else samples
        problems: list[str] = []
        for path in sorted(self.folder.glob("*.j2")):
            name = next((path.name[: -len(s)] for s in _SUFFIXES if path.name.endswith(s)), None)
            syntax = self._syntax_problems(path.name)
            if syntax or path.name.startswith("_"):  # a layout or partial is rendered through its users
                problems += syntax
            elif name is None:
                problems.append(f"{path.name}: name templates <name>.html.j2 and <name>.txt.j2.")
            elif name not in samples:
                problems.append(f"{path.name}: no sample data; add {name!r} to SAMPLES in {__name__}.")
            else:
                twins = [] if name in TEXT_ONLY else _twin_problems(path, name)
                problems += [p for p in twins if p not in problems]
                problems += self._render_problems(path.name, samples[name])
        return problems

    def _render_problems(self, filename: str, contexts: Sequence[Context]) -> list[str]:
        found: list[str] = []
        for context in contexts:
            try:
                self.render_file(filename, context)
            except TemplateError as exc:
                found += [str(exc)] if str(exc) not in found else []
        return found

    def _syntax_problems(self, filename: str) -> list[str]:
        try:
            self._env.get_template(filename)
        except TemplateSyntaxError as exc:
            return [_syntax_sentence(exc, filename)]
        return []

    def _placeholder_problem(self, exc: _UnknownPlaceholder, filename: str, context: Context) -> str:
        where, line = _template_line(exc.__traceback__, filename)
        name = exc.name or "?"
        expression = _expression(self._source_line(where, line), name, top_level=exc.owner is missing)
        parent = "" if exc.owner is missing else expression.rpartition(".")[0]
        if exc.owner is None:
            return f"{where} line {line} uses {{{{ {expression} }}}}, but {parent} can be empty here; " \
                   f"put it inside {{% if {parent} %}} ... {{% endif %}}."  # fmt: skip
        keys = context if exc.owner is missing else exc.owner if isinstance(exc.owner, Mapping) else {}
        known = ", ".join(f"{parent}.{key}" if parent else str(key) for key in sorted(keys))
        return f"{where} line {line} uses {{{{ {expression} }}}}, which is not a known placeholder; known: {known}."

    def _source_line(self, filename: str, line: int) -> str:
        try:
            return (self.folder / filename).read_text(encoding="utf-8").splitlines()[line - 1]
        except (OSError, IndexError):
            return ""


def _syntax_sentence(exc: TemplateSyntaxError, filename: str) -> str:
    return f"{exc.name or filename} line {exc.lineno}: {(exc.message or 'syntax error').rstrip('.')}."


def _twin_problems(path: Path, name: str) -> list[str]:
    """Both forms must exist: a mailbox takes HTML, previews and tests take the text."""
    return [f"{name}{s} is missing next to {path.name}." for s in _SUFFIXES if not (path.parent / (name + s)).exists()]


def _template_line(tb: TracebackType | None, default: str) -> tuple[str, int]:
    """The template file and line where rendering failed; Jinja rewrites tracebacks to point there."""
    where, line = default, 0
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            where, line = Path(tb.tb_frame.f_code.co_filename).name, tb.tb_lineno
        tb = tb.tb_next
    return where, line


def _expression(source: str, name: str, *, top_level: bool) -> str:
    """The dotted placeholder as written on the failing line, e.g. persn.name for the undefined `persn`."""
    word = re.escape(name)
    pattern = rf"(?<![\w.]){word}(?:\.\w+)*" if top_level else rf"[A-Za-z_][\w.]*?\.{word}\b"
    match = re.search(pattern, source)
    return match.group(0) if match else name


# --- Context builders: the placeholders each template gets (documented in message_templates/README.md) ---


def person_context(person: Person | None) -> dict[str, Any] | None:
    if person is None:
        return None
    return {"name": person.name, "first_name": person.name.split()[0], "email": person.email, "phone": person.phone}


def organisation_context(name: str, main_number: str | None) -> dict[str, Any]:
    return {"name": name, "main_number": main_number}


def oof_context(
    person: Person, absence: Absence, return_at: datetime, backup: Person | None, organisation: Mapping[str, Any]
) -> dict[str, Any]:
    """For oof_internal and oof_external; return_at should already be in the office's timezone."""
    return {
        "person": person_context(person),
        "return": {"date_text": date_text(return_at), "time_text": time_text(return_at), "datetime": return_at},
        "absence": {"start": absence.start, "end": absence.end, "reason": absence.reason},
        "backup": person_context(backup),
        "organisation": dict(organisation),
    }


def departed_context(person: Person, successor: Person | None, organisation: Mapping[str, Any]) -> dict[str, Any]:
    """For departed: the permanent reply naming who answers now."""
    return {
        "person": person_context(person),
        "successor": person_context(successor),
        "organisation": dict(organisation),
    }


# --- Sample data for `check_all`: one entry per template name, each a few contexts covering its branches ---

_NY = ZoneInfo("America/New_York")
_ORG = organisation_context("Riverside Members' Association", "+1 555 0100")
_AWAY = Person("jokafor", "James Okafor", "james.okafor@example.org", "Member Services", "main", _NY.key)
_COVER = Person("lchen", "Li Chen", "li.chen@example.org", "Member Services", "main", _NY.key, phone="+1 555 0100 x215")
_VACATION = Absence("jokafor", datetime(2026, 11, 25, tzinfo=_NY), datetime(2026, 12, 1, tzinfo=_NY), "Vacation")
_BACK = datetime(2026, 12, 1, 8, tzinfo=_NY)


def _oof_samples() -> list[Context]:
    no_number = organisation_context(_ORG["name"], None)
    return [oof_context(_AWAY, _VACATION, _BACK, cover, org) for cover in (_COVER, None) for org in (_ORG, no_number)]


def _departed_samples() -> list[Context]:
    return [departed_context(_AWAY, successor, _ORG) for successor in (_COVER, None)]


def _digest_samples() -> Sequence[Context]:
    from mailbot.policy.message_samples import digest_samples  # here, not on top: digest.py imports this module

    return digest_samples()


def _nudge_samples() -> Sequence[Context]:
    from mailbot.policy.message_samples import nudge_samples  # here, not on top: nudge.py imports this module

    return nudge_samples()


def _followup_samples(name: str) -> Callable[[], Sequence[Context]]:
    """Samples for touchpoint_draft, touchpoint_nudge and complaint_escalation, imported when first needed."""

    def build() -> Sequence[Context]:
        from mailbot.policy import followup_samples  # here, not on top: their builders import this module

        samples: Sequence[Context] = getattr(followup_samples, f"{name}_samples")()
        return samples

    return build


def _weekly_samples(name: str) -> Callable[[], Sequence[Context]]:
    """Samples for weekly_status, voicemail_script and status_text, imported when first needed."""

    def build() -> Sequence[Context]:
        from mailbot.policy import weekly_samples  # here, not on top: weekly_message imports this module

        samples: Sequence[Context] = getattr(weekly_samples, f"{name}_samples")()
        return samples

    return build


# Adding a template is one entry here: name -> sample contexts.
SAMPLES: dict[str, Callable[[], Sequence[Context]]] = {
    "oof_internal": _oof_samples,
    "oof_external": _oof_samples,
    "departed": _departed_samples,
    "digest": _digest_samples,
    "nudge": _nudge_samples,
    "weekly_status": _weekly_samples("weekly_status"),
    "voicemail_script": _weekly_samples("voicemail_script"),
    "status_text": _weekly_samples("status_text"),
    "touchpoint_draft": _followup_samples("draft"),
    "touchpoint_nudge": _followup_samples("touchpoint_nudge"),
    "complaint_escalation": _followup_samples("escalation"),
    "survey": _followup_samples("survey"),
}


def sample_context() -> dict[str, Sequence[Context]]:
    """Realistic sample contexts for every known template name, for `TemplateRenderer.check_all`."""
    return {name: build() for name, build in SAMPLES.items()}
