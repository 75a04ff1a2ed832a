"""Telling the truth about people, through the commands, on each backend (EWS and Graph): a colleague's own reply
with no end date, a departed colleague's mail, and a day off before a holiday, as staff and supervisors see them
(the nudge in the sandbox mailbox, the digest text, the automatic reply on the server).

mailbot runs as it would against a real server: the configuration points at a sandbox this test serves, so its
mailboxes, calendars and clock can be set up and read.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from test_cli_connect import mailbot, real_server, right_secret

from mailbot.sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
LI, JAMES, ANNA, MARIA, PETR = ("li.chen@example.org", "james.okafor@example.org", "anna.brandt@example.org",
                                "maria.reyes@example.org", "petr.novak@example.org")  # fmt: skip
MAILBOT = "mailbot@example.org"


class Office:
    """mailbot's commands against `server`, run at a given time with the sandbox's clock moved along."""

    def __init__(self, config: Path, server: SandboxServer, kind: str) -> None:
        self.config, self.server = real_server(config, server, kind), server
        self.secret = right_secret(server, kind)

    def run(self, now: str, *command: str) -> Any:
        self.server.org.clock.set(datetime.fromisoformat(now))
        return mailbot(*command, "--config", self.config, "--now", now, env=self.secret)

    def nudges(self, mailbox: str) -> list[str]:
        """The nudges in the mailbox, oldest first, each body on one line."""
        mail = [m for m in self.server.org.messages(mailbox, "inbox") if m.author.email == MAILBOT]
        return [" ".join(m.body_text.split()) for m in mail if not m.subject.startswith("Service level digest")]


def scenario(**changes: dict[str, Any]) -> dict[str, Any]:
    """The example scenario, each named mailbox's entries replaced (e.g. its `oof` or `calendar`)."""
    loaded = yaml.safe_load((ROOT / "config/sandbox.yaml").read_text())
    for mailbox in loaded["mailboxes"]:
        mailbox.update(changes.get(mailbox["email"], {}))
    return dict(loaded)


OWN_REPLY = {"state": "enabled", "audience": "all", "internal": "I'm out.", "external": "I am out of the office."}
MONDAY_TO_TUESDAY = [{"subject": "Vacation", "start": "monday", "end": "wednesday", "show_as": "oof"}]


# --- Away with their own automatic reply -----------------------------------------------------------------


def test_an_own_reply_with_no_end_date_gives_no_return_time(
    example_config: Path, make_sandbox: Any, backend_kind: str
) -> None:
    """Anna's own reply is on with no end and her calendar is empty: Li's nudge and Maria's digest say she is away
    with her own reply and no return date; James's own reply is on too, but his calendar says he is back Wednesday,
    and so do they."""
    server = make_sandbox(scenario(**{ANNA: {"oof": OWN_REPLY, "calendar": []},
                                      JAMES: {"oof": OWN_REPLY, "calendar": MONDAY_TO_TUESDAY}}))  # fmt: skip
    office = Office(example_config, server, backend_kind)
    office.run("2026-11-23T09:00-05:00", "track", "sync")
    office.run("2026-11-23T15:00-05:00", "nudge")
    printed = office.run("2026-11-23T17:15-05:00", "digest", "--print")
    [to_li] = office.nudges(LI)
    assert "Covering for Anna Brandt Anna Brandt is away (own automatic reply, no return date)." in to_li
    assert "Covering for James Okafor James Okafor is away until Wednesday, November 25." in to_li
    lines = printed.stdout.splitlines()
    assert "Away (own automatic reply, no return date); Li Chen covers." == lines[lines.index(
        "== Anna Brandt, Benefits ==") + 1]  # fmt: skip
    assert ("Away until Wednesday, November 25 at 8:00 am; their own automatic reply is on; Li Chen covers."
            == lines[lines.index("== James Okafor, Member Services ==") + 1])  # fmt: skip
    assert [] == [line for line in lines if "tomorrow;" in line]


# --- A departed colleague's mail ---------------------------------------------------------------------------


def test_a_departed_colleagues_mail_goes_to_the_successor_or_the_successors_backup(
    example_config: Path, make_sandbox: Any, backend_kind: str
) -> None:
    """Petr has left and Anna answers his mail: while she is at a training on Monday, Li (her backup) is nudged
    about Robin's pension question, told it is Petr's mail and Anna's; back on Wednesday Anna gets it herself with
    new mail for Petr. Maria, their supervisor, gets no nudge and sees Petr's mail in her digest, with who covers."""
    seeded = scenario()
    seeded["impersonation"].append(PETR)
    server = make_sandbox(seeded)
    office = Office(example_config, server, backend_kind)
    office.run("2026-11-23T09:00-05:00", "track", "sync")
    office.run("2026-11-23T15:00-05:00", "nudge")
    monday = office.run("2026-11-23T17:15-05:00", "digest", "--print").stdout
    tuesday = datetime(2026, 11, 24, 10, tzinfo=ZoneInfo("America/New_York"))
    server.org.deliver_external([PETR], "Robin Hale <robin.hale@gmail.example>", "Pension forms", "Which forms?",
                                received_at=tuesday)  # fmt: skip
    office.run("2026-11-25T08:55-05:00", "track", "sync")
    office.run("2026-11-25T09:00-05:00", "nudge")
    printed = office.run("2026-11-25T17:15-05:00", "digest", "--print")
    [to_li] = [text for text in office.nudges(LI) if "Petr" in text]
    [to_anna] = office.nudges(ANNA)
    assert ("Covering for Petr Novak Petr Novak has left; Anna Brandt answers Petr's mail now and is away until "
            "Wednesday, November 25.") in to_li and "Pension question" in to_li  # fmt: skip
    assert "Covering for Petr Novak Petr Novak has left; Petr's mail is yours now." in to_anna
    assert (True, True) == ("Pension question" in to_anna, "Pension forms" in to_anna)
    assert [] == office.nudges(MARIA)
    petr = printed.stdout[printed.stdout.index("== Petr Novak (departed)") :]
    assert "Has left; Anna Brandt covers." in petr and "Pension question" in petr and "Pension forms" in petr
    # On Monday the digest names who the nudges went to while Anna was away.
    assert "Has left; Li Chen covers." in monday[monday.index("== Petr Novak (departed)") :]


# --- A day off before a holiday, in an office unlike the example's ------------------------------------------

SYDNEY = ZoneInfo("Australia/Sydney")


def sydney_office(config: Path) -> None:
    """The example organisation in Sydney: 7:30 am to 4:00 pm, Fridays to 1:00 pm, the public holidays of New South
    Wales (Australia Day, Tuesday 26 January 2027)."""
    policy_file = config.parent / "config/policy.yaml"
    policy = yaml.safe_load(policy_file.read_text())
    policy["offices"]["main"] = {"timezone": SYDNEY.key, "hours": {"mon-thu": "07:30-16:00", "fri": "07:30-13:00"},
                                 "holidays": {"country": "AU", "subdivision": "NSW"}}  # fmt: skip
    policy_file.write_text(yaml.safe_dump(policy))


def test_a_day_off_before_a_holiday_keeps_the_reply_until_the_office_opens(
    example_config: Path, make_sandbox: Any, backend_kind: str
) -> None:
    """James's Monday off before Australia Day: his reply runs from Monday to 7:30 am on Wednesday and says so,
    stays as it is all through the holiday, and is turned off once he is back."""
    sydney_office(example_config)
    seeded = scenario()
    seeded["timezone"] = SYDNEY.key
    server = make_sandbox(seeded)
    server.org.add_event(JAMES, "Day off", date(2027, 1, 25), date(2027, 1, 26), show_as="oof")
    office = Office(example_config, server, backend_kind)
    office.run("2027-01-22T10:00+11:00", "oof", "apply")
    set_reply = server.org.get_oof(JAMES)
    holiday = [office.run(now, "oof", "apply", "jokafor") for now in ("2027-01-25T20:00+11:00",
                                                                      "2027-01-26T11:00+11:00")]  # fmt: skip
    on_holiday = server.org.get_oof(JAMES)
    back = office.run("2027-01-27T08:00+11:00", "oof", "apply", "jokafor")
    start, end = datetime(2027, 1, 25, tzinfo=SYDNEY), datetime(2027, 1, 27, 7, 30, tzinfo=SYDNEY)
    assert ("scheduled", start, end) == (set_reply.state, set_reply.start, set_reply.end)
    assert "I will return on Wednesday, January 27 at 7:30 am" in " ".join(set_reply.external_reply.split())
    assert set_reply == on_holiday
    assert [(0, "James Okafor <james.okafor@example.org>: mailbot keeps the automatic reply")] * 2 == [
        (run.returncode, run.stdout.splitlines()[0]) for run in holiday]  # fmt: skip
    assert (0, "disabled") == (back.returncode, server.org.get_oof(JAMES).state)
