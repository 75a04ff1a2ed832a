"""Logging: JSON lines for services, and secrets never reach the log."""

from __future__ import annotations

import io
import json
import logging

import structlog

from mailbot.logging import REDACTED, configure_logging, get_logger, redact_text


def json_lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_secret_keys_are_blanked() -> None:
    """Values under password, token and client-secret keys are replaced whatever they hold."""
    stream = io.StringIO()
    configure_logging("json", stream=stream)
    get_logger().info("connecting", password="hunter2", access_token="abc", client_secret="xyz", user="svc")
    [line] = json_lines(stream)
    assert {"password": REDACTED, "access_token": REDACTED, "client_secret": REDACTED, "user": "svc"} == {
        k: line[k] for k in ("password", "access_token", "client_secret", "user")
    }


def test_secrets_inside_text_are_scrubbed() -> None:
    """Bearer tokens, JWTs and URL passwords in free text are cut out of the message."""
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXBhcnQ"
    text = f"GET / Authorization: Bearer abcdef123456 db=postgresql://mb:pw@db/x token {jwt} client_secret=s3"
    expected = f"GET / Authorization: Bearer {REDACTED} db=postgresql://mb:{REDACTED}@db/x token {REDACTED}"
    assert expected + f" client_secret={REDACTED}" == redact_text(text)


def test_nested_values_are_redacted() -> None:
    """A secret inside a nested mapping, as in a logged request, is redacted too."""
    stream = io.StringIO()
    configure_logging("json", stream=stream)
    get_logger().info("request", headers={"Authorization": "Basic dXNlcjpwYXNz", "Accept": "text/xml"})
    [line] = json_lines(stream)
    assert {"Authorization": REDACTED, "Accept": "text/xml"} == line["headers"]


def test_library_logs_go_through_the_same_redaction() -> None:
    """Warnings from libraries using the standard logging module are JSON and redacted as well."""
    stream = io.StringIO()
    configure_logging("json", stream=stream)
    logging.getLogger("exchangelib.protocol").warning("retrying with Bearer abcdefghijkl")
    [line] = json_lines(stream)
    assert f"retrying with Bearer {REDACTED}" == line["event"]
    assert "warning" == line["level"]


def test_console_format_is_readable() -> None:
    """The console renderer writes a human line with the event and its fields."""
    stream = io.StringIO()
    configure_logging("console", stream=stream)
    get_logger().info("oof set", person="lchen")
    assert "oof set" in stream.getvalue() and "person" in stream.getvalue()


def test_level_filters_debug() -> None:
    """At the info level, debug events are dropped."""
    stream = io.StringIO()
    configure_logging("json", level="info", stream=stream)
    get_logger().debug("noise")
    assert "" == stream.getvalue()


def teardown_module() -> None:
    structlog.reset_defaults()
