"""Message templates: strict placeholders, escaped HTML, plain text as written, and a check of the whole folder."""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mailbot.errors import TemplateError
from mailbot.policy.templates import (
    TemplateRenderer,
    date_text,
    sample_context,
    time_text,
)

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "message_templates"
NY = ZoneInfo("America/New_York")


def oof_sample(**changes: Any) -> dict[str, Any]:
    """The first shipped sample (with a backup and a main number), with some values replaced."""
    context = dict(sample_context()["oof_internal"][0])
    for dotted, value in changes.items():
        key, _, field = dotted.partition("__")
        context[key] = {**context[key], field: value} if field else value
    return context


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the shipped templates that a test may break."""
    return Path(shutil.copytree(SHIPPED, tmp_path / "message_templates"))


def problem(folder: Path, filename: str, source: str, name: str = "oof_external") -> str:
    (folder / filename).write_text(source, encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        TemplateRenderer(folder).render(name, oof_sample())
    return str(caught.value)


def test_the_shipped_templates_pass_the_check() -> None:
    """Every shipped template renders with every sample context."""
    assert [] == TemplateRenderer(SHIPPED).check_all()


def test_the_return_sentence_reads_in_house_style() -> None:
    """Both forms of both replies say when the person is back, with a 12-hour time and lowercase am."""
    for name in ("oof_internal", "oof_external"):
        rendered = TemplateRenderer(SHIPPED).render(name, oof_sample())
        for form in (rendered.html, rendered.text):
            assert "I will return on Tuesday, December 1 at 8:00 am." in form


@pytest.mark.parametrize(
    ("hour", "minute", "expected"), [(0, 5, "12:05 am"), (8, 0, "8:00 am"), (12, 0, "12:00 pm"), (13, 30, "1:30 pm")]
)
def test_times_are_twelve_hour_without_a_leading_zero(hour: int, minute: int, expected: str) -> None:
    """Midnight is 12 am, noon is 12 pm, and the hour has no leading zero."""
    assert expected == time_text(datetime(2026, 12, 1, hour, minute, tzinfo=NY))


def test_dates_name_the_weekday_and_month() -> None:
    """A date reads like "Thursday, March 4", whatever the machine's locale."""
    assert "Thursday, March 4" == date_text(datetime(2027, 3, 4, tzinfo=NY))


def test_an_unknown_placeholder_is_named_with_the_known_ones(folder: Path) -> None:
    """A misspelt top-level name is reported with its file, line and the placeholders that exist."""
    message = problem(folder, "oof_external.html.j2", "<p>Hello</p>\n<p>{{ persn.name }}</p>\n")
    expected = (
        "oof_external.html.j2 line 2 uses {{ persn.name }}, which is not a known placeholder; "
        "known: absence, backup, organisation, person, return."
    )
    assert expected == message


def test_an_unknown_field_lists_the_fields_of_its_placeholder(folder: Path) -> None:
    """A misspelt field names the placeholder's real fields."""
    message = problem(folder, "oof_external.html.j2", "{{ person.nmae }}")
    expected = (
        "oof_external.html.j2 line 1 uses {{ person.nmae }}, which is not a known placeholder; "
        "known: person.email, person.first_name, person.name, person.phone."
    )
    assert expected == message


def test_an_optional_placeholder_used_bare_says_to_wrap_it(folder: Path) -> None:
    """Using backup's fields without {% if backup %} fails when nobody covers, and the message says so."""
    (folder / "oof_external.txt.j2").write_text("{{ backup.name }}", encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        TemplateRenderer(folder).render_file("oof_external.txt.j2", oof_sample(backup=None))
    expected = (
        "oof_external.txt.j2 line 1 uses {{ backup.name }}, but backup can be empty here; "
        "put it inside {% if backup %} ... {% endif %}."
    )
    assert expected == str(caught.value)


def test_a_syntax_error_names_the_file_and_line(folder: Path) -> None:
    """An unclosed block is reported with the file and line, once."""
    message = problem(folder, "oof_external.txt.j2", "Hi\n{% if backup %}\n")
    assert message.startswith("oof_external.txt.j2 line 2: Unexpected end of template.")
    assert not message.endswith("..")


def test_a_missing_template_names_the_file(folder: Path) -> None:
    """Rendering a message whose file does not exist names the missing file and the folder."""
    (folder / "oof_external.txt.j2").unlink()
    with pytest.raises(TemplateError) as caught:
        TemplateRenderer(folder).render("oof_external", oof_sample())
    assert f"The template oof_external.txt.j2 is missing from {folder}." == str(caught.value)


def test_the_sandbox_refuses_python_internals(folder: Path) -> None:
    """A template cannot reach Python internals through a placeholder."""
    message = problem(folder, "oof_external.html.j2", "{{ person.__class__.__mro__ }}")
    assert "oof_external.html.j2 line 1: access to attribute '__class__' of 'dict' object is unsafe." == message


def test_hostile_names_and_reasons_are_escaped_in_html() -> None:
    """A name or reason holding markup arrives in the HTML as text, never as a tag."""
    hostile = "<script>alert(1)</script>"
    context = oof_sample(person__first_name=hostile, absence__reason=hostile)
    html = TemplateRenderer(SHIPPED).render("oof_internal", context).html
    assert ("<script>" in html, html.count("&lt;script&gt;alert(1)&lt;/script&gt;")) == (False, 2)


def test_plain_text_is_not_escaped() -> None:
    """The text form shows a name exactly as written, ampersands and apostrophes included."""
    context = oof_sample(person__name="Siobhán O'Brien & Co <x>")
    assert "Siobhán O'Brien & Co <x>" in TemplateRenderer(SHIPPED).render("oof_external", context).text


def test_the_departed_reply_falls_back_to_the_main_number() -> None:
    """With no successor on record, the departed reply points to the organisation's main number."""
    context = {**sample_context()["departed"][0], "successor": None}
    text = TemplateRenderer(SHIPPED).render("departed", context).text
    assert "Please call us on +1 555 0100 and we will be glad to help." in text


def test_check_all_reports_a_template_without_sample_data_and_a_lone_form(folder: Path) -> None:
    """A new template with no sample, and a message with only one of its two forms, are both reported."""
    (folder / "year_review.txt.j2").write_text("Hi", encoding="utf-8")
    (folder / "departed.txt.j2").unlink()
    expected = [
        "departed.txt.j2 is missing next to departed.html.j2.",
        "year_review.txt.j2: no sample data; add 'year_review' to SAMPLES in mailbot.policy.templates.",
    ]
    assert expected == TemplateRenderer(folder).check_all()


def test_text_only_templates_need_no_html_twin(folder: Path) -> None:
    """The voicemail script is read aloud, so its text form alone passes; a broken one is still reported."""
    (folder / "voicemail_script.txt.j2").write_text("Hello, {{ persn.name }}.", encoding="utf-8")
    [problem] = TemplateRenderer(folder).check_all()
    assert problem.startswith("voicemail_script.txt.j2 line 1 uses {{ persn.name }}, which is not a known placeholder")


def test_check_all_finds_a_typo_in_a_branch_only_some_samples_reach(folder: Path) -> None:
    """The samples cover "no backup" too, so a typo in that branch is found."""
    source = (SHIPPED / "oof_internal.txt.j2").read_text(encoding="utf-8")
    (folder / "oof_internal.txt.j2").write_text(source.replace("organisation.main_number }}", "org.phone }}"))
    problems = TemplateRenderer(folder).check_all()
    assert 1 == len(problems) and "uses {{ org.phone }}" in problems[0]


def test_the_oof_context_has_the_documented_placeholders() -> None:
    """The placeholders are the ones message_templates/README.md documents."""
    context = sample_context()["oof_external"][0]
    assert ["absence", "backup", "organisation", "person", "return"] == sorted(context)
    fields = {key: sorted(context[key]) for key in ("absence", "backup", "organisation", "person", "return")}
    expected = {
        "absence": ["end", "reason", "start"],
        "backup": ["email", "first_name", "name", "phone"],
        "organisation": ["main_number", "name"],
        "person": ["email", "first_name", "name", "phone"],
        "return": ["date_text", "datetime", "time_text"],
    }
    assert expected == fields


def _renamed(value: Any, names: dict[str, str]) -> Any:
    """A sample context with every name in `names` replaced wherever it is written (plain dicts, lists, text),
    except in texts another template already rendered (the weekly status quotes the voicemail script)."""
    if isinstance(value, str):
        for old, new in names.items():
            value = value.replace(old, new)
        return value
    if isinstance(value, dict):
        kept = ("script", "script_lines", "status_text")
        return {key: item if key in kept else _renamed(item, names) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_renamed(item, names) for item in value)
    return value


def test_names_ending_in_a_full_stop_end_a_sentence_with_one_stop() -> None:
    """An organisation "Nordlicht Mitgliederservice e.V." and a "James Okafor Jr." read "e.V." and "Jr." at the end
    of a sentence in every shipped template, never "e.V.." or "Jr..", in HTML and text alike."""
    names = {"Riverside Members' Association": "Nordlicht Mitgliederservice e.V.", "James Okafor": "James Okafor Jr.",
             "Member Help Desk": "Hilfe e.V.", "Help desk": "Hilfe e.V."}  # fmt: skip
    renderer = TemplateRenderer(SHIPPED)
    doubled = []
    for path in sorted(SHIPPED.glob("[!_]*.j2")):
        name = path.name.removesuffix(".html.j2").removesuffix(".txt.j2")
        for context in sample_context()[name]:
            rendered = renderer.render_file(path.name, _renamed(context, names))
            doubled += [
                f"{path.name}: {line.strip()}" for line in rendered.splitlines() if re.search(r"\.\.(?!\.)", line)
            ]
    assert [] == doubled, "\n".join(doubled)
