"""The service's parts: metrics text, health status, systemd notifications and the unit file."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mailbot.service.health import HealthState
from mailbot.service.metrics import Metrics
from mailbot.service.notify import Notifier, watchdog_seconds
from mailbot.service.unit import mailbot_command, render_unit

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def health() -> HealthState:
    return HealthState(T0, "sync_mail", timedelta(minutes=5))


def test_metrics_are_written_in_the_prometheus_text_format() -> None:
    """Counters, gauges and a summary come out as HELP, TYPE and sample lines."""
    metrics = Metrics()
    metrics.inc("mailbot_job_runs_total", job="sync_mail", outcome="ok")
    metrics.set("mailbot_items_open", 16)
    metrics.observe("mailbot_job_duration_seconds", 0.25, job="sync_mail")
    text = metrics.render()
    assert '# TYPE mailbot_job_runs_total counter\nmailbot_job_runs_total{job="sync_mail",outcome="ok"} 1\n' in text
    assert "# TYPE mailbot_items_open gauge\nmailbot_items_open 16\n" in text
    assert 'mailbot_job_duration_seconds_sum{job="sync_mail"} 0.25\n' in text
    assert 'mailbot_job_duration_seconds_count{job="sync_mail"} 1\n' in text
    assert "mailbot_nudges_sent_total 0\n" in text


def test_label_values_are_escaped() -> None:
    """Quotes, backslashes and newlines in a label value cannot break the format."""
    metrics = Metrics()
    metrics.inc("mailbot_exchange_errors_total", operation="send", kind='a"b\\c\nd')
    assert 'mailbot_exchange_errors_total{kind="a\\"b\\\\c\\nd",operation="send"} 1' in metrics.render()


def test_health_is_ok_when_exchange_answers_and_the_sync_completes() -> None:
    """A sync with one failing mailbox still counts as completed: the service is ok."""
    state = health()
    state.record_probe(True, T0)
    state.record_run("sync_mail", T0, "partial", "petr.novak@example.org: may not impersonate")
    status, document = state.report(T0 + timedelta(minutes=14))
    assert ("ok", []) == (status, document["reasons"])
    assert "petr.novak@example.org: may not impersonate" == document["jobs"]["sync_mail"]["last_error"]


def test_health_is_failing_after_three_sync_intervals_without_a_completed_sync() -> None:
    """No sync finished for more than fifteen minutes (three five-minute intervals): failing."""
    state = health()
    state.record_probe(True, T0)
    status, document = state.report(T0 + timedelta(minutes=16))
    assert "failing" == status
    assert ["no completed sync_mail since 2026-11-23T14:00:00+00:00"] == document["reasons"]


def test_health_is_failing_when_exchange_is_unreachable() -> None:
    """The last reachability check failed: failing, whatever the jobs did."""
    state = health()
    state.record_probe(False, T0)
    status, document = state.report(T0)
    assert ("failing", {"reachable": False, "checked_at": T0.isoformat()}) == (status, document["backend"])


def test_a_job_that_raised_degrades_the_service() -> None:
    """A job whose last run raised makes the service degraded, not failing."""
    state = health()
    state.record_probe(True, T0)
    state.record_run("nudge", T0, "error", "RuntimeError: boom")
    status, document = state.report(T0)
    assert ("degraded", ["last nudge run failed"]) == (status, document["reasons"])


def test_sd_notify_sends_one_datagram_to_the_socket(tmp_path: Path) -> None:
    """READY=1 and the status travel together in one datagram to $NOTIFY_SOCKET."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind(str(tmp_path / "notify"))
        Notifier.from_env({"NOTIFY_SOCKET": str(tmp_path / "notify")}).ready("serving")
        assert b"READY=1\nSTATUS=serving" == listener.recv(4096)


def test_progress_becomes_systemd_status_lines_each_sent_once(tmp_path: Path) -> None:
    """A job's progress shows as STATUS= ("first sync (inboxes): 1 of 2 mailboxes"); a repeat is not re-sent."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind(str(tmp_path / "notify"))
        listener.setblocking(False)
        notifier = Notifier.from_env({"NOTIFY_SOCKET": str(tmp_path / "notify")})
        for done in (0, 1, 1, 2):
            notifier.progress("first sync (inboxes)", done, 2)
        notifier.status("next: sync_mail at 2026-11-23T09:05-05:00")
        heard = []
        while True:
            try:
                heard.append(listener.recv(4096).decode())
            except BlockingIOError:
                break
    expected = [f"STATUS=first sync (inboxes): {n} of 2 mailboxes" for n in (0, 1, 2)]
    assert [*expected, "STATUS=next: sync_mail at 2026-11-23T09:05-05:00"] == heard


def test_sd_notify_reaches_an_abstract_socket() -> None:
    """A NOTIFY_SOCKET starting with @ names a socket in the abstract namespace."""
    name = f"mailbot-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind("\0" + name)
        assert Notifier(f"@{name}").send("WATCHDOG=1")
        assert b"WATCHDOG=1" == listener.recv(4096)


def test_without_systemd_nothing_is_sent() -> None:
    """Without NOTIFY_SOCKET notifications are skipped quietly."""
    assert False is Notifier.from_env({}).send("READY=1")


def test_watchdog_timeout_comes_from_systemd_for_this_process_only() -> None:
    """WATCHDOG_USEC is honoured, unless WATCHDOG_PID names another process."""
    assert 120.0 == watchdog_seconds({"WATCHDOG_USEC": "120000000"})
    assert 120.0 == watchdog_seconds({"WATCHDOG_USEC": "120000000", "WATCHDOG_PID": str(os.getpid())})
    assert None is watchdog_seconds({"WATCHDOG_USEC": "120000000", "WATCHDOG_PID": "1"})


def test_python_m_mailbot_is_started_again_through_the_interpreter() -> None:
    """Run as `python -m mailbot`, the unit starts the same interpreter with -m mailbot."""
    assert ["/opt/mailbot/bin/python", "-m", "mailbot"] == mailbot_command(
        "/opt/mailbot/lib/mailbot/__main__.py", "/opt/mailbot/bin/python"
    )


def test_an_installation_under_home_keeps_home_readable() -> None:
    """ProtectHome=yes would hide a mailbot installed under /home, so home becomes read-only instead."""
    unit = render_unit(["/home/it/venv/bin/mailbot"], user="mailbot", config="/etc/mailbot/service.yaml",
                       state_dir="/var/lib/mailbot")  # fmt: skip
    assert "ProtectHome=read-only" in unit.splitlines()
    assert "ExecStart=/home/it/venv/bin/mailbot run --config /etc/mailbot/service.yaml" in unit.splitlines()
