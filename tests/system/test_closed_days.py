"""Days the office is closed, as staff and supervisors read them through the commands, on each backend: named in
the weekly status and the digest, and the reason `digest --send` sends nothing, office by office."""

from __future__ import annotations

from pathlib import Path

from test_cli_connect import mailbot


def test_the_digest_on_a_closing_day_says_the_office_is_closed(example_config: Path, backend_kind: str) -> None:
    """On the Friday after Thanksgiving the digest says the office is closed for everyone, and for Li, on vacation,
    that she is away as well; `digest --send` says that is why nothing was sent."""
    options = ("--config", example_config, "--backend", backend_kind, "--now", "2026-11-27T17:15-05:00")
    printed, sent = mailbot("digest", "--print", *options), mailbot("digest", "--send", *options)
    lines = printed.stdout.splitlines()
    assert (0, 0) == (printed.returncode, sent.returncode), printed.stderr + sent.stderr
    assert 3 == lines.count("Office closed today (day after Thanksgiving).")  # Anna, James, the help desk
    assert [] == [line for line in lines if line.startswith("In the office")]
    li = lines[lines.index("== Li Chen, Member Services ==") + 1]
    assert li.startswith("Office closed today (day after Thanksgiving); away until Tuesday, December 1"), li
    assert ["nothing sent: the office is closed today (day after Thanksgiving)"] == sent.stdout.splitlines()


def test_a_weekday_the_office_never_opens_is_named_too(example_config: Path, backend_kind: str) -> None:
    """`digest --send` on a Saturday says the office is closed on Saturdays' terms: closed today (Saturday)."""
    options = ("--config", example_config, "--backend", backend_kind, "--now", "2026-11-28T17:15-05:00")
    sent = mailbot("digest", "--send", *options)
    assert ["nothing sent: the office is closed today (Saturday)"] == sent.stdout.splitlines()


def test_with_two_offices_each_says_its_own_closure(two_offices: Path, backend_kind: str) -> None:
    """On Australia Day the Sydney office is closed and Berlin is open: `digest --send` sends Maria in Berlin her
    digest and says Sydney's was not sent and why; James's script in Sydney names the day, in Sydney's hours."""
    options = ("--config", two_offices, "--backend", backend_kind)
    sent = mailbot("digest", "--send", *options, "--now", "2027-01-26T17:20+11:00")  # 07:20 in Berlin
    weekly = mailbot("weekly-status", "jokafor", "--print", *options, "--now", "2027-01-25T07:30+11:00")
    printed = mailbot("digest", "--print", "--supervisor", "abrandt", *options, "--now", "2027-01-26T17:20+11:00")
    assert (0, 0, 0) == (sent.returncode, weekly.returncode, printed.returncode), sent.stderr + weekly.stderr
    assert "nothing sent for the sydney office: it is closed today (Australia Day)" in sent.stdout.splitlines()
    assert 1 == sum(line.startswith("sent Maria Reyes the digest") for line in sent.stdout.splitlines())
    assert "    | The office is closed on Tuesday for Australia Day." in weekly.stdout.splitlines()
    james = printed.stdout.splitlines()
    assert "Office closed today (Australia Day)." == james[james.index("== James Okafor, Member Services ==") + 1]
