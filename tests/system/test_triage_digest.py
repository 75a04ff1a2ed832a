"""The digest for triage through the `mailbot` command on each backend: the scoreboard first, each item linked to the
message in Outlook on the web, and an IT problem told once, not again the next day while it is unchanged.

In the example organisation Petr Novak's mailbox is off limits to mailbot, so every `track sync` fails to read it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

MONDAY_MORNING, MONDAY_EVENING = "2026-11-23T09:00-05:00", "2026-11-23T17:30-05:00"
TUESDAY_MORNING, TUESDAY_EVENING = "2026-11-24T09:00-05:00", "2026-11-24T17:30-05:00"
PROBLEM = "Petr Novak: mailbot could not read the mailbox"
LINK = re.compile(r"^ +(https://\S+/owa/\?ItemID=(\S+)&exvsurl=1&viewmodel=ReadMessageItem)$", re.MULTILINE)


def mailbot(config: Path, backend: str, *args: str, now: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")}
    return subprocess.run([sys.executable, "-m", "mailbot", *args, "--config", config.name, "--backend", backend,
                           "--now", now], cwd=config.parent, capture_output=True, text=True, timeout=180,
                          env=environment)  # fmt: skip


@pytest.mark.parametrize("backend", ["ews", "graph"])
def test_the_digest_leads_with_the_scoreboard_links_each_item_and_tells_an_it_problem_once(
    example_config: Path, backend: str
) -> None:
    """Monday's digest starts with the scoreboard, links every item, and ends with Petr's unreadable mailbox; on
    Tuesday, the same problem unchanged, the digest no longer repeats it."""
    mailbot(example_config, backend, "track", "sync", now=MONDAY_MORNING)
    monday = mailbot(example_config, backend, "digest", "--print", now=MONDAY_EVENING)
    sent = mailbot(example_config, backend, "digest", "--send", now=MONDAY_EVENING)
    mailbot(example_config, backend, "track", "sync", now=TUESDAY_MORNING)
    tuesday = mailbot(example_config, backend, "digest", "--print", now=TUESDAY_EVENING)
    assert (0, 0, 0) == (monday.returncode, sent.returncode, tuesday.returncode), monday.stderr + tuesday.stderr
    text = monday.stdout
    board = text.index("Who                          Overdue  Due soon  Open  On time this week")
    links = LINK.findall(text)
    items = len(re.findall(r"^  (OVERDUE|DUE SOON|ON TRACK) ", text, re.MULTILINE))
    assert (True, True, True) == (board < text.index("\n== "), text.index(PROBLEM) > text.index("\n== "), items > 0)
    assert (items, []) == (len(links), [item_id for _, item_id in links if re.search(r"[+/=]", item_id)])
    assert (PROBLEM in tuesday.stdout, "Needs your attention" in tuesday.stdout) == (False, False), tuesday.stdout
