"""The Exchange port's contract: every backend passes it against the sandbox Exchange over real HTTP.

One suite, every backend: EWS over HTTP with Basic auth (each request and response validated against Microsoft's
schema, see sandbox_fixtures), the same inside the service's counting decorator, EWS as Exchange Server is run
(NTLM over HTTPS, trusting the test CA through its CA bundle), and Microsoft Graph over HTTPS with app-only tokens
from the sandbox's identity platform.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests
from sandbox_fixtures import EXAMPLE_SCENARIO

from mailbot.domain import ExternalAudience, InlineImage, ItemKind, OofSettings, OofState, OutgoingMessage, ShowAs
from mailbot.errors import BackendError, MailboxAccessDenied, MailboxError, SyncStateInvalid
from mailbot.exchange.base import ExchangeBackend, SandboxAccess
from mailbot.exchange.ews import EwsBackend, EwsConnection
from mailbot.exchange.graph import GraphBackend, sandbox_connection
from mailbot.runtime import sandbox_access
from mailbot.sandbox import SandboxServer
from mailbot.sandbox.item_types import ITEM_TYPES
from mailbot.sandbox.records import StoredAttachment
from mailbot.service.counting import CountingBackend
from mailbot.service.metrics import Metrics

NY = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")
LI, JAMES, ANNA, HELP = "li.chen@example.org", "james.okafor@example.org", "anna.brandt@example.org", "help@example.org"
PETR = "petr.novak@example.org"
PAT = "Pat Member <pat.member@gmail.example>"
# How each type of item a mail folder can hold reaches mailbot, whichever protocol carried it.
KINDS = {"Message": ItemKind.MESSAGE, "Item": ItemKind.OTHER, "PostItem": ItemKind.POST,
         "MeetingRequest": ItemKind.MEETING, "MeetingResponse": ItemKind.MEETING,
         "MeetingCancellation": ItemKind.MEETING, "MeetingMessage": ItemKind.MEETING,
         "SharingMessage": ItemKind.SHARING}  # fmt: skip
# The sandbox's faults for throttling in each of the ways Exchange words it (Graph: 429 with Retry-After).
# A 2 x 1 px grey PNG, as small as an image gets.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAAAAAA6fptVAAAADUlEQVR4nGNgYGBgAAAABQABpfZFQAAAAABJRU5ErkJggg=="
)
THROTTLING = ("exceeded_connection_count", "server_busy", "wrapped_server_busy")


def ews_backend(server: SandboxServer, *, password: str | None = None) -> ExchangeBackend:
    access = SandboxAccess(server.url, server.org.service_account, password or server.org.service_password)
    return EwsBackend(EwsConnection(access.ews_url, "basic", access.username, access.password, retry_max_wait=5))


def ntlm_ews_backend(server: SandboxServer, *, password: str | None = None) -> ExchangeBackend:
    """EWS as production runs it: NTLM as DOMAIN\\user over HTTPS, trusting exactly the test CA (`ca_bundle`)."""
    connection = EwsConnection(server.ews_url, "ntlm", "EXAMPLE\\mailbot", password or server.org.service_password,
                               retry_max_wait=5, verify=str(server.ca_bundle_path))  # fmt: skip
    return EwsBackend(connection)


def counting_ews_backend(server: SandboxServer, **kwargs: Any) -> ExchangeBackend:
    """EWS inside the service's counting decorator, which must not change what the port does."""
    return CountingBackend(ews_backend(server, **kwargs), Metrics(), lambda: None)


def graph_backend(server: SandboxServer, *, password: str | None = None) -> ExchangeBackend:
    """Graph as runtime wires it to a sandbox: the scenario's app, trusting only the sandbox's CA; `password` is
    the client secret."""
    access = sandbox_access(server.org, server.url, server.ca_bundle_path)
    wrong = {"client_secret": password} if password else {}
    return GraphBackend(sandbox_connection(access, retry_max_wait=5, **wrong))


BACKENDS: dict[str, Callable[..., ExchangeBackend]] = {
    "ews": ews_backend,
    "ews+counting": counting_ews_backend,
    "ews+ntlm": ntlm_ews_backend,
    "graph": graph_backend,
}
TLS = {"graph", "ews+ntlm"}  # msal and bearer tokens want HTTPS, as does Exchange Server; the others use plain HTTP
PRESENCE = {"graph"}  # backends that can set a Teams/Outlook status message


@pytest.fixture(params=sorted(BACKENDS))
def kind(request: pytest.FixtureRequest) -> str:
    """Which backend the test runs on."""
    return str(request.param)


@pytest.fixture
def serve(kind: str, request: pytest.FixtureRequest) -> Callable[..., SandboxServer]:
    """Start sandboxes the way `kind` needs them: HTTPS signed by the test CA (TLS), plain HTTP otherwise."""
    maker: Callable[..., SandboxServer] = request.getfixturevalue("make_tls_sandbox" if kind in TLS else "make_sandbox")
    return maker


@pytest.fixture
def sandbox(serve: Callable[..., SandboxServer]) -> SandboxServer:
    """The example organisation (config/sandbox.yaml), served as this backend kind needs it."""
    return serve(EXAMPLE_SCENARIO)


@pytest.fixture
def connect(kind: str) -> Iterator[Callable[..., ExchangeBackend]]:
    """A way to connect this backend kind to a sandbox; everything connected is closed afterwards."""
    opened: list[ExchangeBackend] = []

    def make(server: SandboxServer, **kwargs: Any) -> ExchangeBackend:
        backend = BACKENDS[kind](server, **kwargs)
        opened.append(backend)
        return backend

    yield make
    for backend in opened:
        backend.close()


@pytest.fixture
def backend(connect: Callable[..., ExchangeBackend], sandbox: SandboxServer) -> ExchangeBackend:
    return connect(sandbox)


class _CountingApp:
    """A sandbox front end (a WSGI app) that counts the HTTP requests reaching it; a $batch is one request."""

    def __init__(self, app: Any) -> None:
        self.app, self.requests = app, 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        self.requests += 1
        return self.app(environ, start_response)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NY)


class TestCalendar:
    def test_recurring_meeting_keeps_its_wall_time_across_dst(self, backend: ExchangeBackend) -> None:
        """A weekly 10:00 meeting begun in summer is still at 10:00 New York time after the clocks went back."""
        events = backend.calendar_view(LI, at("2026-10-26T00:00"), at("2026-11-10T00:00"))
        starts = [e.start.astimezone(NY) for e in events if e.subject == "Member Services team meeting"]
        assert [at("2026-10-26T10:00"), at("2026-11-02T10:00"), at("2026-11-09T10:00")] == starts
        assert all(e.recurring for e in events if e.subject == "Member Services team meeting")

    def test_all_day_vacation_spans_its_days(self, backend: ExchangeBackend) -> None:
        """An all-day vacation Friday to Monday comes back as one all-day, out-of-office event."""
        [vacation] = [e for e in backend.calendar_view(LI, at("2026-11-23T00:00"), at("2026-12-05T00:00"))
                      if e.subject == "Vacation"]  # fmt: skip
        expected = (at("2026-11-27T00:00"), at("2026-12-01T00:00"), True, ShowAs.OOF, ("Vacation",))
        actual = (vacation.start.astimezone(NY), vacation.end.astimezone(NY), vacation.all_day, vacation.show_as,
                  vacation.categories)  # fmt: skip
        assert expected == actual

    def test_events_come_in_start_order(self, backend: ExchangeBackend) -> None:
        """Events are ordered by start, so the absence policy can merge neighbours."""
        events = backend.calendar_view(LI, at("2026-11-01T00:00"), at("2026-12-31T00:00"))
        assert sorted(events, key=lambda e: e.start) == events

    def test_moved_event_shows_in_the_next_read(self, backend: ExchangeBackend, sandbox: SandboxServer) -> None:
        """An event moved on the server is read at its new time."""
        [entry] = [e for e in sandbox.org.events(LI) if e.subject == "Vacation"]
        sandbox.org.update_event(
            LI, entry.item_id, start=at("2026-12-04T00:00").date(), end=at("2026-12-08T00:00").date()
        )
        [vacation] = [e for e in backend.calendar_view(LI, at("2026-11-23T00:00"), at("2026-12-31T00:00"))
                      if e.subject == "Vacation"]  # fmt: skip
        assert at("2026-12-04T00:00") == vacation.start.astimezone(NY)

    def test_a_long_window_comes_whole(self, backend: ExchangeBackend) -> None:
        """Sixteen months of a weekly meeting come back complete and in order, however many pages that takes."""
        events = backend.calendar_view(LI, at("2026-09-01T00:00"), at("2028-01-01T00:00"))
        mondays = [e.start.astimezone(NY).date() for e in events if e.subject == "Member Services team meeting"]
        assert (69, at("2026-09-07T00:00").date(), at("2027-12-27T00:00").date()) == (
            len(set(mondays)), mondays[0], mondays[-1])  # fmt: skip


class TestAutomaticReplies:
    def test_scheduled_reply_round_trips_in_utc(self, backend: ExchangeBackend) -> None:
        """A scheduled reply written is read back the same, its times as the same instants."""
        wanted = OofSettings(OofState.SCHEDULED, "<p>Back Tuesday</p>", "<p>Back Tuesday, call +1 555 0100</p>",
                             ExternalAudience.KNOWN, at("2026-11-27T00:00"), at("2026-12-01T08:00"))  # fmt: skip
        backend.set_oof(LI, wanted)
        got = backend.get_oof(LI)
        assert (wanted.state, wanted.external_audience, wanted.start, wanted.end) == (
            got.state, got.external_audience, got.start, got.end)  # fmt: skip
        assert "Back Tuesday" in got.internal_reply and "+1 555 0100" in got.external_reply

    def test_a_persons_own_reply_is_read_as_set(self, backend: ExchangeBackend) -> None:
        """Anna's own scheduled reply from the scenario is read with its text and times."""
        got = backend.get_oof(ANNA)
        assert (OofState.SCHEDULED, at("2026-11-23T00:00"), at("2026-11-25T00:00")) == (got.state, got.start, got.end)
        assert "training" in got.internal_reply

    def test_disabling_round_trips(self, backend: ExchangeBackend) -> None:
        """Turning replies off is read back as disabled."""
        backend.set_oof(ANNA, OofSettings(OofState.DISABLED, "x", "y"))
        assert OofState.DISABLED == backend.get_oof(ANNA).state

    def test_reversed_schedule_is_refused_for_that_mailbox(self, backend: ExchangeBackend) -> None:
        """A schedule ending before it starts is refused as a problem of that mailbox."""
        bad = OofSettings(
            OofState.SCHEDULED, "a", "b", ExternalAudience.ALL, at("2026-12-01T00:00"), at("2026-11-27T00:00")
        )
        with pytest.raises(MailboxError, match=LI):
            backend.set_oof(LI, bad)

    def test_replies_written_back_as_read_stay_as_they_were(
        self, backend: ExchangeBackend, sandbox: SandboxServer
    ) -> None:
        """Writing back what was read changes nothing: replies off without text, a running schedule, a reply on."""
        before = {box: sandbox.org.get_oof(box) for box in (LI, ANNA, JAMES)}
        for box in before:
            backend.set_oof(box, backend.get_oof(box))
        assert before == {box: sandbox.org.get_oof(box) for box in before}

    def test_schedule_already_over_is_refused_by_the_server(self, backend: ExchangeBackend) -> None:
        """A schedule that ended before the server's now is refused like Exchange refuses it."""
        past = OofSettings(
            OofState.SCHEDULED, "a", "b", ExternalAudience.ALL, at("2026-11-01T00:00"), at("2026-11-02T00:00")
        )
        with pytest.raises(MailboxError, match=LI):
            backend.set_oof(LI, past)


class TestSync:
    def test_first_sync_returns_the_whole_inbox(self, backend: ExchangeBackend) -> None:
        """Syncing from nothing returns every message in the inbox with its details."""
        batch = backend.sync_folder(JAMES, "inbox", None)
        subjects = sorted(i.subject for i in batch.items)
        expected = [
            "Automatic reply: Your benefits statement",
            "Question about my membership renewal",
            "Re: Question about my membership renewal",
            "Undeliverable: Your benefits statement",
        ]
        assert expected == subjects
        assert not batch.more

    def test_details_carry_threading_and_headers(self, backend: ExchangeBackend) -> None:
        """A member's follow-up carries its message id, In-Reply-To, References, conversation and headers."""
        items = {i.message_id: i for i in backend.sync_folder(JAMES, "inbox", None).items}
        follow_up = items["<renewal-3@gmail.example>"]
        assert ("<renewal-2@example.org>", ("<renewal-1@gmail.example>", "<renewal-2@example.org>")) == (
            follow_up.in_reply_to, follow_up.references)  # fmt: skip
        assert follow_up.conversation_id == items["<renewal-1@gmail.example>"].conversation_id != ""
        assert ("pat.member@gmail.example", "Pat Member") == (follow_up.sender, follow_up.sender_name)
        assert at("2026-11-21T10:15") == follow_up.received_at
        auto = next(i for i in items.values() if i.subject.startswith("Automatic reply"))
        assert "auto-replied" == dict((k.lower(), v) for k, v in auto.headers)["auto-submitted"]

    def test_the_opening_of_the_body_comes_with_each_message(
        self, backend: ExchangeBackend, sandbox: SandboxServer
    ) -> None:
        """Each message brings the first 255 characters or more of its body as text, not the whole body."""
        body = "This is unacceptable. " + "I have waited three weeks for my refund and nobody answers. " * 10
        sandbox.org.deliver_external([LI], PAT, "Refund", body, received_at=at("2026-11-23T09:00"))
        [item] = [i for i in backend.sync_folder(LI, "inbox", None).items if i.subject == "Refund"]
        assert (True, True) == (body.startswith(item.preview), 255 <= len(item.preview) < len(body))

    def test_exchanges_auto_response_suppress_property_comes_with_each_message(self, backend: ExchangeBackend) -> None:
        """An auto-reply sent with X-Auto-Response-Suppress: All carries Exchange's PidTagAutoResponseSuppress (-1);
        a member's message, sent without the header, has none."""
        items = {i.subject: i for i in backend.sync_folder(JAMES, "inbox", None).items}
        assert (-1, None) == (items["Automatic reply: Your benefits statement"].auto_response_suppress,
                              items["Question about my membership renewal"].auto_response_suppress)  # fmt: skip

    def test_voicemail_is_recognisable_by_message_class(self, backend: ExchangeBackend) -> None:
        """A voicemail in the shared help desk mailbox keeps its Unified Messaging message class."""
        items = backend.sync_folder(HELP, "inbox", None).items
        voicemail = next(i for i in items if i.subject.startswith("Voice Mail"))
        assert "IPM.Note.Microsoft.Voicemail.UM.CA" == voicemail.message_class

    def test_incremental_sync_returns_only_what_is_new(self, backend: ExchangeBackend, sandbox: SandboxServer) -> None:
        """After a full sync, the next one returns exactly the message that arrived since."""
        state = backend.sync_folder(LI, "inbox", None).state
        sandbox.org.deliver_external([LI], "Pat Member <pat.member@gmail.example>", "Card", "Hello",
                                     received_at=at("2026-11-23T09:00"))  # fmt: skip
        batch = backend.sync_folder(LI, "inbox", state)
        assert (["Card"], ()) == ([i.subject for i in batch.items], batch.deleted)
        assert [] == list(backend.sync_folder(LI, "inbox", batch.state).items)

    def test_sync_resumes_after_a_restart(
        self, connect: Callable[..., ExchangeBackend], sandbox: SandboxServer
    ) -> None:
        """A saved sync state carries over to a new backend, as after a service restart."""
        first = connect(sandbox)
        state = first.sync_folder(LI, "inbox", None).state
        first.close()
        sandbox.org.deliver_external(
            [LI], "dana.w@outlook.example", "Moved again", "Hi", received_at=at("2026-11-23T10:00")
        )
        batch = connect(sandbox).sync_folder(LI, "inbox", state)
        assert ["Moved again"] == [i.subject for i in batch.items]

    def test_category_change_and_delete_show_up(self, backend: ExchangeBackend, sandbox: SandboxServer) -> None:
        """An owner's category (e.g. Done) comes back as a changed item, and a deletion as a deleted id."""
        first = backend.sync_folder(LI, "inbox", None)
        newsletter = next(i for i in first.items if i.subject.startswith("Member newsletter"))
        stored = {m.subject: m.item_id for m in sandbox.org.messages(LI, "inbox")}  # ids differ between protocols
        sandbox.org.set_categories(LI, stored["Change of address"], ["Done"])
        sandbox.org.delete_item(LI, stored[newsletter.subject])
        batch = backend.sync_folder(LI, "inbox", first.state)
        assert ([("Change of address", ("Done",))], (newsletter.item_id,)) == (
            [(i.subject, i.categories) for i in batch.items], batch.deleted)  # fmt: skip

    def test_sync_pages_when_asked_for_few_changes(self, backend: ExchangeBackend) -> None:
        """With one change per call the folder comes in pages that say more is waiting."""
        page = backend.sync_folder(JAMES, "inbox", None, max_changes=1)
        pages = [page]
        while page.more:
            page = backend.sync_folder(JAMES, "inbox", page.state, max_changes=1)
            pages.append(page)
        assert [1, 1, 1, 1] == [len(p.items) for p in pages if p.items]
        assert 4 == len({i.item_id for p in pages for i in p.items})

    def test_details_come_in_bulk(
        self, kind: str, backend: ExchangeBackend, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Thirty new messages are synced with all their details in a few requests (on Graph, $batches of as many
        as the mailbox may run at once), not one request per message."""
        for n in range(30):
            sandbox.org.deliver_external([LI], "Pat Member <pat.member@gmail.example>", f"Question {n}", "Hello",
                                         received_at=at("2026-11-23T07:00"))  # fmt: skip
        backend.get_oof(LI)  # connected (and, for EWS, the server version settled) before counting
        front = "graph" if kind == "graph" else "ews"
        counted = _CountingApp(getattr(sandbox, front))  # the sandbox's front end, counting real HTTP requests
        monkeypatch.setattr(sandbox, front, counted)
        batch = backend.sync_folder(LI, "inbox", None)
        assert (32, True) == (len(batch.items), counted.requests <= len(batch.items) // 3)

    def test_sent_items_sync_separately(self, backend: ExchangeBackend) -> None:
        """Sent Items sync on their own, with the reply's threading."""
        items = backend.sync_folder(JAMES, "sent", None).items
        reply = next(i for i in items if i.message_id == "<renewal-2@example.org>")
        assert ("sent", "<renewal-1@gmail.example>") == (reply.folder, reply.in_reply_to)

    def test_invalid_state_asks_for_a_full_resync(self, backend: ExchangeBackend) -> None:
        """A sync state the server no longer knows is reported as such, so the job can start over."""
        with pytest.raises(SyncStateInvalid):
            backend.sync_folder(LI, "inbox", "H4sIAAAAAAAEAO29B2AcSZYlJi9tynt/")

    def test_garbled_state_asks_for_a_full_resync(self, backend: ExchangeBackend) -> None:
        """A saved state garbled in storage is refused by the server as invalid, so the job can start over."""
        state = backend.sync_folder(LI, "inbox", None).state
        with pytest.raises(SyncStateInvalid):
            backend.sync_folder(LI, "inbox", state[:-6] + "AAAAAA")

    def test_each_message_comes_with_its_link_in_outlook_on_the_web(self, backend: ExchangeBackend) -> None:
        """Every synced message carries the address that opens it in Outlook on the web, naming it by its own id
        (EWS's WebClientReadFormQueryString, Graph's webLink)."""
        items = backend.sync_folder(JAMES, "inbox", None).items
        links = [urlsplit(i.web_link) for i in items]
        opened = [parse_qs(link.query).get("ItemID", [""])[0] for link in links]
        assert ([i.item_id for i in items], {("/owa/",)}) == (opened, {(link.path,) for link in links})

    def test_get_message_returns_details(self, backend: ExchangeBackend) -> None:
        """One message can be fetched by id with the same details as in a sync."""
        synced = backend.sync_folder(HELP, "inbox", None).items[0]
        assert synced == backend.get_message(HELP, synced.item_id)


class TestItemTypes:
    @pytest.mark.parametrize("item_type", ITEM_TYPES)
    def test_no_item_type_stalls_a_mailbox(
        self, item_type: str, backend: ExchangeBackend, sandbox: SandboxServer
    ) -> None:
        """An item of any type Exchange puts in an Inbox or Sent Items is read with its kind and class, the sync
        state moves past it, and the next sync of that folder is empty."""
        states = {f: backend.sync_folder(LI, f, None).state for f in ("inbox", "sent")}
        sandbox.org.deliver_external([LI], PAT, f"In: {item_type}", "Hello", item_type=item_type,
                                     received_at=at("2026-11-23T09:00"))  # fmt: skip
        sandbox.org.send(LI, ["pat.member@gmail.example"], f"Out: {item_type}", None, "Hello", item_type=item_type)
        seen, after = [], []
        for folder, state in states.items():
            batch = backend.sync_folder(LI, folder, state)  # type: ignore[arg-type]
            seen += [(i.subject, i.kind, i.folder) for i in batch.items]
            following = backend.sync_folder(LI, folder, batch.state)  # type: ignore[arg-type]
            after += [*following.items, *following.deleted]
        expected = [(f"In: {item_type}", KINDS[item_type], "inbox"), (f"Out: {item_type}", KINDS[item_type], "sent")]
        assert (expected, []) == (seen, after)

    def test_a_meeting_request_keeps_its_class_and_sender(
        self, backend: ExchangeBackend, sandbox: SandboxServer
    ) -> None:
        """A member's meeting request comes with its message class and sender, for the policy to judge."""
        sandbox.org.deliver_external([LI], PAT, "Can we meet?", "Tuesday?", item_type="MeetingRequest")
        [item] = [i for i in backend.sync_folder(LI, "inbox", None).items if i.subject == "Can we meet?"]
        assert ("IPM.Schedule.Meeting.Request", "pat.member@gmail.example") == (item.message_class, item.sender)


class TestSending:
    def test_send_delivers_inside_and_keeps_a_copy(self, backend: ExchangeBackend, sandbox: SandboxServer) -> None:
        """A message sent as Li reaches James's inbox and stays in Li's Sent Items, one message id for both."""
        backend.send(LI, OutgoingMessage((JAMES,), "Your items due today", "<p>2 items</p>", "2 items"))
        inbox = [i for i in backend.sync_folder(JAMES, "inbox", None).items if i.subject == "Your items due today"]
        sent = [i for i in backend.sync_folder(LI, "sent", None).items if i.subject == "Your items due today"]
        assert 1 == len(inbox) == len(sent)
        assert (LI, inbox[0].message_id) == (inbox[0].sender, sent[0].message_id)

    def test_mail_to_members_leaves_the_organisation(self, backend: ExchangeBackend, sandbox: SandboxServer) -> None:
        """Mail to an outside address goes out, not into any mailbox."""
        backend.send(JAMES, OutgoingMessage(("pat.member@gmail.example",), "Re: renewal", "<p>Yes</p>", "Yes",
                                            in_reply_to="<renewal-3@gmail.example>"))  # fmt: skip
        [entry] = sandbox.org.outbox()
        assert (["pat.member@gmail.example"], "<renewal-3@gmail.example>") == (
            list(entry.recipients), entry.message.in_reply_to)  # fmt: skip

    def test_draft_lands_in_drafts(self, backend: ExchangeBackend, sandbox: SandboxServer) -> None:
        """A saved draft is in the owner's Drafts, nothing is sent, and the id returned names the draft."""
        item_id = backend.save_draft(
            JAMES, OutgoingMessage(("pat.member@gmail.example",), "Update", "<p>Soon</p>", "Soon")
        )
        drafts = sandbox.org.messages(JAMES, "drafts")
        assert (["Update"], [], "Update") == (
            [d.subject for d in drafts],
            sandbox.org.outbox(),
            backend.get_message(JAMES, item_id).subject,
        )

    def test_a_deleted_draft_is_gone_for_good(self, backend: ExchangeBackend, sandbox: SandboxServer) -> None:
        """A draft deleted is neither in Drafts nor in Deleted Items, and the rest of the mailbox is as it was."""
        inbox = sandbox.org.messages(JAMES, "inbox")
        item_id = backend.save_draft(JAMES, OutgoingMessage((JAMES,), "Check", "<p>Check</p>", "Check"))
        backend.delete_draft(JAMES, item_id)
        assert ([], [], inbox) == (
            sandbox.org.messages(JAMES, "drafts"),
            sandbox.org.messages(JAMES, "deleteditems"),
            sandbox.org.messages(JAMES, "inbox"),
        )

    def test_deleting_a_draft_already_gone_fails_for_that_mailbox(self, backend: ExchangeBackend) -> None:
        """A draft that is no longer there cannot be deleted again: a failure of that mailbox, not of Exchange."""
        item_id = backend.save_draft(JAMES, OutgoingMessage((JAMES,), "Check", "<p>Check</p>", "Check"))
        backend.delete_draft(JAMES, item_id)
        with pytest.raises(MailboxError, match=JAMES):
            backend.delete_draft(JAMES, item_id)


class TestInlineImages:
    def test_an_inline_image_travels_with_the_message_and_is_kept_as_sent(
        self, backend: ExchangeBackend, sandbox: SandboxServer
    ) -> None:
        """An image the HTML shows by cid: reaches James's inbox and Li's Sent Items as an inline attachment with its
        content id, type and bytes, and does not count as a file attachment (HasAttachments, hasAttachments)."""
        image = InlineImage("chart@mailbot", "chart.png", "image/png", PNG)
        html = '<p><img src="cid:chart@mailbot" width="2" height="1" alt="On time this week"></p>'
        backend.send(LI, OutgoingMessage((JAMES,), "With a chart", html, "On time this week", inline=(image,)))
        copies = [m for box, folder in ((JAMES, "inbox"), (LI, "sentitems")) for m in sandbox.org.messages(box, folder)
                  if m.subject == "With a chart"]  # fmt: skip
        kept = StoredAttachment("chart.png", "image/png", PNG, "chart@mailbot", True)
        assert ([(kept,), (kept,)], [False, False], [True, True]) == (
            [m.attachments for m in copies], [m.has_attachments for m in copies],
            ['src="cid:chart@mailbot"' in (m.body_html or "") for m in copies],
        )  # fmt: skip

    def test_the_admin_api_shows_a_messages_attachments(self, backend: ExchangeBackend, sandbox: SandboxServer) -> None:
        """Tests and demos outside the process see each attachment's name, content id, inline flag and content."""
        image = InlineImage("chart@mailbot", "chart.png", "image/png", PNG)
        backend.send(
            LI, OutgoingMessage((JAMES,), "With a chart", '<img src="cid:chart@mailbot">', "", inline=(image,))
        )
        inbox = requests.get(
            f"{sandbox.admin_url}/mailboxes/{JAMES}/inbox", timeout=5, verify=str(sandbox.ca_bundle_path or "") or True
        ).json()
        [attachments] = [m["attachments"] for m in inbox if m["subject"] == "With a chart"]
        expected = [{"name": "chart.png", "content_type": "image/png", "content": base64.b64encode(PNG).decode(),
                     "content_id": "chart@mailbot", "is_inline": True}]  # fmt: skip
        assert expected == attachments

    def test_an_image_over_the_servers_limit_is_refused_for_that_mailbox(
        self, kind: str, backend: ExchangeBackend, sandbox: SandboxServer
    ) -> None:
        """Graph takes attachments under 3 MB with sendMail, Exchange 2016 messages up to 10 MB: beyond, the send
        fails for that mailbox and nothing is delivered."""
        size = 3 * 1024 * 1024 if kind == "graph" else 10 * 1024 * 1024 + 1
        image = InlineImage("big@mailbot", "big.png", "image/png", b"\x89PNG" + bytes(size - 4))
        with pytest.raises(MailboxError, match=f"{LI}: (ErrorMessageSizeExceeded|RequestEntityTooLarge)"):
            backend.send(LI, OutgoingMessage((JAMES,), "Too big", '<img src="cid:big@mailbot">', "", inline=(image,)))
        assert [] == [m for m in sandbox.org.messages(JAMES, "inbox") if m.subject == "Too big"]


class TestStatusMessage:
    def test_status_message_is_set_where_the_protocol_has_one(
        self, kind: str, backend: ExchangeBackend, sandbox: SandboxServer
    ) -> None:
        """Graph shows the person's status message until it expires and says so; EWS has none and says that."""
        expires = at("2026-11-30T07:30")
        done = backend.set_status_message(LI, "On vacation until Tuesday", expires)
        expected = (True, ("On vacation until Tuesday", expires)) if kind in PRESENCE else (False, None)
        assert expected == (done, sandbox.org.status_message(LI))


class TestAccess:
    def test_impersonation_denied_fails_only_that_mailbox(self, backend: ExchangeBackend) -> None:
        """A mailbox the service account may not impersonate fails alone; the next mailbox still works."""
        with pytest.raises(MailboxError, match=PETR):
            backend.get_oof(PETR)
        assert OofState.DISABLED == backend.get_oof(LI).state

    def test_a_refusal_of_access_is_told_from_other_mailbox_failures(self, backend: ExchangeBackend) -> None:
        """A mailbox off limits to mailbot is an access refusal; a mailbox that does not exist is another failure."""
        with pytest.raises(MailboxAccessDenied, match=PETR):
            backend.sync_folder(PETR, "inbox", None, max_changes=1)
        with pytest.raises(MailboxError) as missing:
            backend.get_oof("nobody@example.org")
        assert not isinstance(missing.value, MailboxAccessDenied)

    def test_wrong_password_is_a_backend_error(
        self, connect: Callable[..., ExchangeBackend], sandbox: SandboxServer
    ) -> None:
        """Credentials the server refuses make one sentence about the service account, not a traceback."""
        with pytest.raises(BackendError, match="credentials"):
            connect(sandbox, password="wrong").get_oof(LI)

    def test_a_credential_the_server_ended_early_is_replaced(
        self, backend: ExchangeBackend, sandbox: SandboxServer
    ) -> None:
        """After the server ends every token early (as a revocation does), the next call still succeeds."""
        backend.get_oof(LI)
        sandbox.org.expire_tokens()
        assert OofState.DISABLED == backend.get_oof(LI).state


class TestFaults:
    def test_server_busy_is_waited_out(self, backend: ExchangeBackend, sandbox: SandboxServer) -> None:
        """The server asking to back off (EWS ErrorServerBusy, Graph 429 ApplicationThrottled) is honoured and the
        call then succeeds."""
        backend.get_oof(LI)  # connect first, so the fault hits a real operation
        sandbox.faults.server_busy(times=2, back_off_ms=200)
        assert OofState.DISABLED == backend.get_oof(LI).state

    def test_http_503_with_retry_after_is_retried(self, backend: ExchangeBackend, sandbox: SandboxServer) -> None:
        """A 503 with Retry-After is retried and the call then succeeds."""
        backend.get_oof(LI)
        sandbox.faults.http_503(times=1, retry_after=1)
        assert 4 == len(backend.sync_folder(JAMES, "inbox", None).items)

    def test_429_is_retried_after_the_time_it_asks(self, backend: ExchangeBackend, sandbox: SandboxServer) -> None:
        """A 429 Too Many Requests is retried no sooner than its Retry-After, and the call then succeeds."""
        backend.get_oof(LI)
        sandbox.faults.http_429(times=1, retry_after=1)
        started = time.monotonic()
        state = backend.get_oof(ANNA).state
        assert (OofState.SCHEDULED, True) == (state, time.monotonic() - started >= 0.9)

    def test_throttling_past_the_patience_is_one_error(self, backend: ExchangeBackend, sandbox: SandboxServer) -> None:
        """A server asking for a longer back-off than the backend may wait ends in one BackendError, not a hang."""
        backend.get_oof(LI)
        sandbox.faults.http_429(times=1, retry_after=30)
        with pytest.raises(BackendError):
            backend.get_oof(LI)

    def test_concurrent_calls_stay_within_the_mailbox_limit(
        self, kind: str, backend: ExchangeBackend, sandbox: SandboxServer
    ) -> None:
        """Twelve calls at once for one mailbox all succeed, with never more than four in flight (Graph counts)."""
        backend.get_oof(LI)
        sandbox.faults.slow(0.2, times=12)  # so that the calls overlap on the server
        states: list[OofState] = []
        threads = [threading.Thread(target=lambda: states.append(backend.get_oof(LI).state)) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [OofState.DISABLED] * 12 == states
        if kind == "graph":  # the Graph front end counts requests in flight per mailbox, as Exchange Online limits them
            assert 2 <= sandbox.graph.peak_concurrency(LI) <= 4

    def test_throttling_in_the_middle_of_a_sync_is_waited_out(
        self, backend: ExchangeBackend, sandbox: SandboxServer
    ) -> None:
        """A request throttled halfway through a sync (on Graph, one request inside the $batch) is repeated, and
        the sync completes with every detail."""
        backend.get_oof(LI)
        sandbox.faults.slow(0.0, times=1).http_429(times=1, retry_after=1)  # the second request is the throttled one
        items = backend.sync_folder(JAMES, "inbox", None).items
        assert (4, ["slow", "http_429"]) == (len({i.message_id for i in items}), sandbox.faults.fired)

    @pytest.mark.parametrize("throttling", THROTTLING)
    def test_each_way_of_throttling_is_waited_out(
        self, throttling: str, backend: ExchangeBackend, sandbox: SandboxServer
    ) -> None:
        """Throttling twice in a row, in each of the ways Exchange words it (a SOAP fault ErrorServerBusy, an
        ErrorInternalServerError wrapping it, ErrorExceededConnectionCount), is waited out and the sync completes."""
        backend.get_oof(LI)
        sandbox.faults.arm(throttling, times=2, back_off_ms=200)
        items = backend.sync_folder(JAMES, "inbox", None).items
        assert (4, [throttling] * 2) == (len(items), sandbox.faults.fired)

    @pytest.mark.parametrize("throttling", THROTTLING)
    def test_throttling_past_the_patience_fails_only_that_mailbox(
        self, throttling: str, backend: ExchangeBackend, sandbox: SandboxServer
    ) -> None:
        """A back-off longer than the backend may wait fails that mailbox alone, by name, for this run; the next
        mailbox is served."""
        backend.get_oof(LI)
        sandbox.faults.arm(throttling, times=1, back_off_ms=30_000)
        with pytest.raises(MailboxError, match=f"^{JAMES}: .*back off"):
            backend.sync_folder(JAMES, "inbox", None)
        assert OofState.SCHEDULED == backend.get_oof(ANNA).state

    def test_dropped_connection_is_retried(self, backend: ExchangeBackend, sandbox: SandboxServer) -> None:
        """A connection dropped without an answer is retried and the call then succeeds."""
        backend.get_oof(LI)
        sandbox.faults.drop_connection(times=1)
        assert OofState.SCHEDULED == backend.get_oof(ANNA).state

    def test_slow_answers_still_arrive(self, backend: ExchangeBackend, sandbox: SandboxServer) -> None:
        """A slow server still answers within the client's patience."""
        sandbox.faults.slow(0.3, times=2)
        assert 3 == len(backend.sync_folder(HELP, "inbox", None).items)

    def test_calls_meet_at_a_gate_and_are_answered(self, backend: ExchangeBackend, sandbox: SandboxServer) -> None:
        """Two calls held at a gate for two pass it together and are answered; a call nobody joins at its gate goes
        on when the gate's time is up (the sandbox's meeting point for tests of runs at the same time)."""
        backend.get_oof(LI)
        sandbox.faults.gate(parties=2)
        states: list[OofState] = []
        threads = [threading.Thread(target=lambda: states.append(backend.get_oof(LI).state)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        sandbox.faults.gate(parties=2, seconds=0.1)
        assert ([OofState.DISABLED] * 2, OofState.SCHEDULED) == (states, backend.get_oof(ANNA).state)
