"""The sandbox Exchange through exchangelib, over HTTP, with every EWS message checked against Microsoft's schema.

These tests pin down that exchangelib, unmodified, talks to the sandbox as it does to Exchange Server.
"""

from __future__ import annotations

import base64
import copy
import time
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from exchangelib import EWSDateTime, EWSTimeZone, Message, OofSettings
from exchangelib.errors import (
    ErrorImpersonateUserDenied,
    ErrorInvalidScheduledOofDuration,
    ErrorInvalidSyncStateData,
    ErrorNonExistentMailbox,
    ErrorSchemaValidation,
    TransportError,
    UnauthorizedError,
)
from exchangelib.extended_properties import ExtendedProperty
from exchangelib.fields import ExtendedPropertyField, FieldPath
from exchangelib.services import GetItem, SyncFolderItems
from exchangelib.util import TNS
from sandbox_fixtures import CONVERT_ID, ews_account

from mailbot.exchange.ews_read import AUTO_RESPONSE_SUPPRESS, PREVIEW
from mailbot.sandbox import SandboxServer

NY = ZoneInfo("America/New_York")
EWS_NY, EWS_UTC = EWSTimeZone("America/New_York"), EWSTimeZone("UTC")
LI, JAMES, MARIA, ANNA = (f"{n}@example.org" for n in ("li.chen", "james.okafor", "maria.reyes", "anna.brandt"))


def ny(*parts: int) -> EWSDateTime:
    return EWSDateTime(*parts, tzinfo=EWS_NY)


def local(moment: datetime, zone: ZoneInfo | Any = NY) -> datetime:
    """A plain datetime in `zone` (EWSDateTime.astimezone only takes exchangelib's own zones)."""
    return datetime.fromtimestamp(moment.timestamp(), tz=zone)


class UncheckedOofSettings(OofSettings):  # type: ignore[misc]
    """OofSettings without exchangelib's own checks, so the server's refusal can be seen."""

    def clean(self, version: Any = None) -> None:
        super(OofSettings, self).clean(version=version)  # the field defaults, not the time checks
        self.start, self.end = self.start.astimezone(EWS_UTC), self.end.astimezone(EWS_UTC)


# -- protocol and folders ------------------------------------------------------------------------------


def test_version_probe_finds_exchange_2016(sandbox: SandboxServer) -> None:
    """exchangelib's ConvertId probe reads Exchange 2016 from the ServerVersionInfo header."""
    version = ews_account(sandbox, LI).version
    assert ("15.1.2507.6", "Exchange2016") == (str(version.build), version.api_version)


def test_distinguished_folders_resolve(sandbox: SandboxServer) -> None:
    """Inbox, Sent Items, Drafts and Calendar resolve with their names, classes and counts."""
    account = ews_account(sandbox, JAMES)
    folders = [account.inbox, account.sent, account.drafts, account.calendar]
    expected = [("Inbox", "IPF.Note", 4), ("Sent Items", "IPF.Note", 3), ("Drafts", "IPF.Note", 0),
                ("Calendar", "IPF.Appointment", 1)]  # fmt: skip
    assert expected == [(f.name, f.folder_class, f.total_count) for f in folders]


def test_missing_credentials_get_401_offering_each_scheme(sandbox: SandboxServer) -> None:
    """A request without credentials is answered 401 offering Negotiate, NTLM and Basic, as Exchange's IIS does."""
    response = requests.post(sandbox.ews_url, data=CONVERT_ID, timeout=5)
    assert (401, 'Negotiate, NTLM, Basic realm="sandbox"') == (response.status_code,
                                                              response.headers["WWW-Authenticate"])  # fmt: skip


def test_wrong_password_is_unauthorized(sandbox: SandboxServer) -> None:
    """A wrong password makes exchangelib raise UnauthorizedError."""
    with pytest.raises(UnauthorizedError):
        _ = ews_account(sandbox, LI, password="wrong", fail_fast=True).version


def test_bearer_token_is_accepted(sandbox: SandboxServer) -> None:
    """A bearer token issued by the organisation authenticates like the service account's password."""
    token = sandbox.org.issue_token()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/xml; charset=utf-8"}
    response = requests.post(sandbox.ews_url, data=CONVERT_ID, headers=headers, timeout=5)
    assert (200, True) == (response.status_code, b"ServerVersionInfo" in response.content)


def test_impersonation_outside_the_grant_is_denied(sandbox: SandboxServer) -> None:
    """Impersonating the departed Petr Novak is denied, while Li Chen's mailbox still answers."""
    with pytest.raises(ErrorImpersonateUserDenied):
        _ = ews_account(sandbox, "petr.novak@example.org").inbox
    assert "Inbox" == ews_account(sandbox, LI).inbox.name


def test_delegate_access_follows_the_same_grant(sandbox: SandboxServer) -> None:
    """Without impersonation, the mailbox named in each request decides: Li's answers, Petr's is denied."""
    from exchangelib.errors import ErrorAccessDenied

    assert "Disabled" == ews_account(sandbox, LI, impersonation=False).oof_settings.state
    with pytest.raises(ErrorAccessDenied):
        _ = ews_account(sandbox, "petr.novak@example.org", impersonation=False).oof_settings


def test_impersonating_an_unknown_mailbox_is_refused(sandbox: SandboxServer) -> None:
    """Impersonating an address without a mailbox raises ErrorNonExistentMailbox."""
    with pytest.raises(ErrorNonExistentMailbox):
        _ = ews_account(sandbox, "nobody@example.org").inbox


def test_unimplemented_operation_is_a_schema_fault(sandbox: SandboxServer) -> None:
    """An operation the sandbox does not implement comes back as an ErrorSchemaValidation fault."""
    with pytest.raises(ErrorSchemaValidation):
        list(ews_account(sandbox, LI).protocol.get_roomlists())


def test_schema_validation_is_really_on(sandbox: SandboxServer) -> None:
    """The strict sandbox the fixtures start refuses a request that breaks the EWS schema, as Exchange does."""
    bad = CONVERT_ID.replace('DestinationFormat="EwsId"', 'DestinationFormat="Morse"')
    assert bad != CONVERT_ID
    answer = requests.post(sandbox.ews_url, data=bad.encode(), auth=("mailbot@example.org", "sandbox-password"),
                           timeout=10)  # fmt: skip
    assert (500, True) == (answer.status_code, b">ErrorSchemaValidation<" in answer.content)
    assert 1 == len(sandbox.ews.schema_violations) and "'Morse'" in sandbox.ews.schema_violations[0]
    sandbox.ews.schema_violations.clear()  # seen on purpose; the fixture fails a test on any other


# -- calendar ------------------------------------------------------------------------------------------


def test_weekly_meeting_keeps_local_time_across_dst(sandbox: SandboxServer) -> None:
    """The Monday 10:00 team meeting stays at 10:00 New York time when daylight saving ends on 1 November."""
    view = ews_account(sandbox, MARIA).calendar.view(start=ny(2026, 10, 26), end=ny(2026, 11, 10))
    meetings = [i for i in view if i.subject == "Member Services team meeting"]
    expected = [(datetime(2026, 10, 26, 10, 0), 14), (datetime(2026, 11, 2, 10, 0), 15),
                (datetime(2026, 11, 9, 10, 0), 15)]  # fmt: skip
    actual = [(local(m.start).replace(tzinfo=None), local(m.start, UTC).hour) for m in meetings]
    assert expected == actual
    assert {("Occurrence", True, "Busy")} == {(m.type, m.is_recurring, m.legacy_free_busy_status) for m in meetings}


def test_calendar_view_skips_an_excluded_date(sandbox: SandboxServer) -> None:
    """The weekly 1:1 has no occurrence on the excluded Wednesday before Thanksgiving."""
    view = ews_account(sandbox, MARIA).calendar.view(start=ny(2026, 11, 16), end=ny(2026, 12, 5))
    assert [date(2026, 11, 18), date(2026, 12, 2)] == [local(i.start).date() for i in view
                                                       if i.subject == "1:1 James"]  # fmt: skip


def test_all_day_vacation_spans_the_weekend(sandbox: SandboxServer) -> None:
    """Li Chen's all-day vacation reads as Friday 27 to Monday 30 November (exchangelib's inclusive end), OOF."""
    view = ews_account(sandbox, LI).calendar.view(start=ny(2026, 11, 23), end=ny(2026, 12, 5))
    vacation = next(i for i in view if i.subject == "Vacation")
    expected = (True, date(2026, 11, 27), date(2026, 11, 30), "OOF", ["Vacation"], "Single")
    actual = (vacation.is_all_day, vacation.start, vacation.end, vacation.legacy_free_busy_status,
              vacation.categories, vacation.type)  # fmt: skip
    assert expected == actual


def test_event_created_through_ews_shows_in_the_view(sandbox: SandboxServer) -> None:
    """A calendar item saved through exchangelib appears in the organisation and in calendar views."""
    from exchangelib import CalendarItem

    account = ews_account(sandbox, JAMES)
    item = CalendarItem(account=account, folder=account.calendar, subject="Dentist", start=ny(2026, 11, 24, 15),
                        end=ny(2026, 11, 24, 16), legacy_free_busy_status="OOF", categories=["Private"])  # fmt: skip
    item.save(send_meeting_invitations="SendToNone")
    view = account.calendar.view(start=ny(2026, 11, 24), end=ny(2026, 11, 25))
    assert [("Dentist", "OOF", ["Private"])] == [(i.subject, i.legacy_free_busy_status, i.categories) for i in view]


# -- automatic replies ---------------------------------------------------------------------------------


def test_a_persons_own_oof_is_read_back(sandbox: SandboxServer) -> None:
    """Anna Brandt's own scheduled automatic reply reads back with its UTC window and texts."""
    settings = ews_account(sandbox, ANNA).oof_settings
    expected = ("Scheduled", "All", datetime(2026, 11, 23, 5, 0, tzinfo=UTC), datetime(2026, 11, 25, 5, 0, tzinfo=UTC))
    assert expected == (settings.state, settings.external_audience, settings.start, settings.end)
    assert settings.internal_reply.startswith("I'm at a training")


def test_scheduled_oof_round_trips_in_utc(sandbox: SandboxServer) -> None:
    """A scheduled reply set in New York time is stored and returned in UTC, texts and audience intact."""
    # exchangelib refuses a schedule that has ended by the wall clock, so the reply is for a week to come.
    first = date.fromordinal(datetime.now(UTC).date().toordinal() + 7)
    back = date.fromordinal(first.toordinal() + 4)
    account = ews_account(sandbox, LI)
    account.oof_settings = OofSettings(
        state="Scheduled", start=ny(first.year, first.month, first.day), end=ny(back.year, back.month, back.day),
        external_audience="Known", internal_reply="<p>Back on Tuesday</p>", external_reply="<p>Back soon</p>",
    )  # fmt: skip
    settings = account.oof_settings
    start = datetime(first.year, first.month, first.day, tzinfo=NY).astimezone(UTC)
    end = datetime(back.year, back.month, back.day, tzinfo=NY).astimezone(UTC)
    expected = ("Scheduled", "Known", start, end, "<p>Back on Tuesday</p>", "<p>Back soon</p>")
    assert expected == (settings.state, settings.external_audience, settings.start, settings.end,
                        settings.internal_reply, settings.external_reply)  # fmt: skip
    assert start == sandbox.org.get_oof(LI).start


def test_disabling_oof_round_trips(sandbox: SandboxServer) -> None:
    """Turning Anna's automatic reply off reads back as Disabled."""
    account = ews_account(sandbox, ANNA)
    account.oof_settings = OofSettings(state="Disabled")
    assert "Disabled" == account.oof_settings.state


@pytest.mark.parametrize(
    ("start", "end"),
    [(ny(2026, 11, 30), ny(2026, 11, 27)), (ny(2026, 11, 20), ny(2026, 11, 22))],
    ids=["end-before-start", "already-over"],
)
def test_invalid_scheduled_duration_is_refused(sandbox: SandboxServer, start: EWSDateTime, end: EWSDateTime) -> None:
    """The server refuses a scheduled reply that ends before it starts or has already ended."""
    settings = UncheckedOofSettings(state="Scheduled", start=start, end=end, internal_reply="x", external_reply="x")
    with pytest.raises(ErrorInvalidScheduledOofDuration):
        ews_account(sandbox, LI).oof_settings = settings
    assert "disabled" == sandbox.org.get_oof(LI).state


# -- synchronisation -----------------------------------------------------------------------------------


def test_full_sync_returns_every_message_as_a_create(sandbox: SandboxServer) -> None:
    """A sync without state returns each message in the Inbox once, as a create."""
    changes = list(ews_account(sandbox, "help@example.org").inbox.sync_items())
    assert ["create"] * 3 == [kind for kind, _ in changes]
    assert {m.subject for m in sandbox.org.messages("help@example.org", "inbox")} == {i.subject for _, i in changes}


def test_incremental_sync_reports_create_update_and_delete(sandbox: SandboxServer) -> None:
    """After a full sync, a new message, a category change and a deletion come back as exactly those changes."""
    inbox = ews_account(sandbox, LI).inbox
    before = {item.subject: item.id for _, item in inbox.sync_items()}
    state = inbox.item_sync_state
    sandbox.org.deliver_external([LI], "Pat Member <pat.member@gmail.example>", "Card arrived", "Thanks!")
    sandbox.org.set_categories(LI, before["Change of address"], ["Done"])
    sandbox.org.delete_item(LI, before["Member newsletter"])
    changes = list(inbox.sync_items(sync_state=state))
    actual = [(kind, item.subject if kind != "delete" else item.id) for kind, item in changes]
    expected = [("create", "Card arrived"), ("update", "Change of address"),
                ("delete", before["Member newsletter"])]  # fmt: skip
    assert expected == actual
    assert ["Done"] == changes[1][1].categories
    assert [] == list(inbox.sync_items(sync_state=inbox.item_sync_state))


def test_sync_pages_by_max_changes(sandbox: SandboxServer) -> None:
    """With two changes per call, James's four messages take two pages and the first says more remain."""
    account = ews_account(sandbox, JAMES)
    service = SyncFolderItems(account=account)
    pages = []
    state = None
    while True:
        kwargs = {"shape": "IdOnly", "additional_fields": None, "ignore": None, "sync_scope": None}
        pages.append(len(list(service.call(folder=account.inbox, sync_state=state, max_changes_returned=2, **kwargs))))
        pages.append(service.includes_last_item_in_range)
        if service.includes_last_item_in_range:
            break
        state = service.sync_state
    assert [2, False, 2, True] == pages


def test_invalid_sync_state_is_refused(sandbox: SandboxServer) -> None:
    """A made-up sync state, or one issued for another folder, raises ErrorInvalidSyncStateData."""
    account = ews_account(sandbox, LI)
    list(account.sent.sync_items())
    for state in ("bm90IGEgc3RhdGU=", account.sent.item_sync_state):
        with pytest.raises(ErrorInvalidSyncStateData):
            list(account.inbox.sync_items(sync_state=state))


# -- messages ------------------------------------------------------------------------------------------


def test_get_item_returns_threading_details(sandbox: SandboxServer) -> None:
    """A member's follow-up carries its Message-ID, In-Reply-To, References and the thread's conversation."""
    account = ews_account(sandbox, JAMES)
    items = {m.subject: m for m in account.inbox.all()}
    first, follow_up = items["Question about my membership renewal"], items["Re: Question about my membership renewal"]
    expected = ("<renewal-3@gmail.example>", "<renewal-2@example.org>",
                "<renewal-1@gmail.example> <renewal-2@example.org>", first.conversation_id.id)  # fmt: skip
    actual = (follow_up.message_id, follow_up.in_reply_to, follow_up.references, follow_up.conversation_id.id)
    assert expected == actual
    assert ("Pat Member", "pat.member@gmail.example") == (follow_up.sender.name, follow_up.sender.email_address)
    headers = {h.name: h.value for h in follow_up.headers}
    assert ("<renewal-3@gmail.example>", "Pat Member <pat.member@gmail.example>") == (
        headers["Message-ID"], headers["From"])  # fmt: skip


def test_auto_reply_headers_and_voicemail_class_come_through(sandbox: SandboxServer) -> None:
    """An auto-reply keeps its Auto-Submitted header, and a voicemail its unified-messaging item class."""
    james = {m.subject: m for m in ews_account(sandbox, JAMES).inbox.all()}
    headers = {h.name: h.value for h in james["Automatic reply: Your benefits statement"].headers}
    assert ("auto-replied", "All") == (headers["Auto-Submitted"], headers["X-Auto-Response-Suppress"])
    help_desk = ews_account(sandbox, "help@example.org").inbox.all()
    voicemail = next(m for m in help_desk if m.subject.startswith("Voice Mail from"))
    assert ("IPM.Note.Microsoft.Voicemail.UM.CA", False) == (voicemail.item_class, voicemail.is_read)


class _RawGetItem(GetItem):  # type: ignore[misc]
    """GetItem answering each item's element as the server sent it."""

    def _elem_to_obj(self, elem: Any) -> Any:
        return copy.deepcopy(elem)


class _SuppressAsString(ExtendedProperty):  # type: ignore[misc]
    property_tag, property_type = 0x3FDF, "String"


def _extended(elem: Any) -> list[tuple[dict[str, str], str]]:
    return [(dict(p.find(f"{{{TNS}}}ExtendedFieldURI").attrib), p.findtext(f"{{{TNS}}}Value"))
            for p in elem.findall(f"{{{TNS}}}ExtendedProperty")]  # fmt: skip


def test_preview_and_auto_response_suppress_come_as_exchange_sends_them(sandbox: SandboxServer) -> None:
    """Asked for item:Preview and, by tag, PidTagAutoResponseSuppress (0x3FDF, Integer): the body's first 256
    characters, and the property with its tag as Exchange writes it back, on the auto-reply that has it only; asked
    as a string it is another property, which no item has."""
    account = ews_account(sandbox, JAMES)
    body = "I am writing to complain. " * 20
    sandbox.org.deliver_external([JAMES], "Pat Member <pat.member@gmail.example>", "Long", body)
    items = {m.subject: m for m in account.inbox.all().only("subject")}
    wanted = [items[s] for s in ("Automatic reply: Your benefits statement", "Long")]
    as_string = ExtendedPropertyField("as_string", value_cls=_SuppressAsString)
    fields = [FieldPath(field=f) for f in (PREVIEW, AUTO_RESPONSE_SUPPRESS, as_string)]
    auto, long = _RawGetItem(account=account).call(items=wanted, additional_fields=fields, shape="IdOnly")
    expected_auto = [({"PropertyTag": "0x3fdf", "PropertyType": "Integer"}, "-1")]
    assert (expected_auto, []) == (_extended(auto), _extended(long))
    short = next(m.body_text for m in sandbox.org.messages(JAMES, "inbox") if m.subject == wanted[0].subject)
    assert (body[:256], short) == (long.findtext(f"{{{TNS}}}Preview"), auto.findtext(f"{{{TNS}}}Preview"))


def test_send_and_save_reaches_a_colleague_and_sent_items(sandbox: SandboxServer) -> None:
    """A reply sent and saved lands in the colleague's Inbox and the sender's Sent Items, in the same thread."""
    account = ews_account(sandbox, JAMES)
    Message(account=account, subject="Re: Question about my membership renewal", body="Covered, Li.",
            to_recipients=[LI, "pat.member@gmail.example"], in_reply_to="<renewal-3@gmail.example>",
            references="<renewal-1@gmail.example> <renewal-3@gmail.example>").send_and_save()  # fmt: skip
    sent = next(m for m in sandbox.org.messages(JAMES, "sentitems") if m.body_text == "Covered, Li.")
    received = next(m for m in sandbox.org.messages(LI, "inbox") if m.message_id == sent.message_id)
    thread = next(m for m in sandbox.org.messages(JAMES, "inbox") if m.message_id == "<renewal-1@gmail.example>")
    assert (sent.conversation_id, thread.conversation_id) == (received.conversation_id, sent.conversation_id)
    assert [("pat.member@gmail.example",)] == [e.recipients for e in sandbox.org.outbox()]


def test_save_only_lands_in_drafts(sandbox: SandboxServer) -> None:
    """A message saved (not sent) waits in the sender's Drafts and goes nowhere."""
    account = ews_account(sandbox, LI)
    Message(account=account, folder=account.drafts, subject="Your new card", body="<p>Dear Jordan</p>",
            to_recipients=["jordan.lee@mail.example"]).save()  # fmt: skip
    assert [("Your new card", True)] == [(m.subject, m.is_draft) for m in sandbox.org.messages(LI, "drafts")]
    assert [] == sandbox.org.outbox()
    assert ["Your new card"] == [m.subject for m in account.drafts.all()]


def test_categories_set_through_ews_reach_the_organisation(sandbox: SandboxServer) -> None:
    """Setting categories with exchangelib's save(update_fields=...) changes the stored message."""
    account = ews_account(sandbox, LI)
    item = next(m for m in account.inbox.all() if m.subject == "Change of address")
    item.categories = ["In progress"]
    item.save(update_fields=["categories"])
    assert ("In progress",) == sandbox.org.get_item(LI, item.id).categories  # type: ignore[union-attr]


# -- faults --------------------------------------------------------------------------------------------


def test_server_busy_is_retried_after_the_back_off(sandbox: SandboxServer) -> None:
    """ErrorServerBusy with a 200 ms back-off is waited out and retried under FaultTolerance."""
    account = ews_account(sandbox, LI, max_wait=5)
    _ = account.version
    sandbox.faults.server_busy(times=1, back_off_ms=200)
    started = time.monotonic()
    assert "Disabled" == account.oof_settings.state
    assert (["server_busy"], True) == (sandbox.faults.fired, time.monotonic() - started >= 0.2)


def test_server_busy_fails_fast_without_fault_tolerance(sandbox: SandboxServer) -> None:
    """Under FailFast, ErrorServerBusy reaches the caller with the server's back-off in seconds."""
    from exchangelib.errors import ErrorServerBusy

    account = ews_account(sandbox, LI, fail_fast=True)
    _ = account.version
    sandbox.faults.server_busy(back_off_ms=1500)
    with pytest.raises(ErrorServerBusy) as raised:
        _ = account.oof_settings
    assert 1.5 == raised.value.back_off


def test_http_503_is_retried_after_retry_after(sandbox: SandboxServer) -> None:
    """A 503 with Retry-After: 1 is waited out and retried under FaultTolerance."""
    account = ews_account(sandbox, LI, max_wait=5)
    _ = account.version
    sandbox.faults.http_503(times=1, retry_after=1)
    assert "Disabled" == account.oof_settings.state
    assert ["http_503"] == sandbox.faults.fired


def test_http_429_fault_answers_too_many_requests_with_retry_after(sandbox: SandboxServer) -> None:
    """The http_429 fault makes EWS answer 429 with the armed Retry-After, then answer normally again."""
    sandbox.faults.http_429(times=1, retry_after=7)
    headers = {"Authorization": "Basic " + base64.b64encode(b"mailbot@example.org:sandbox-password").decode()}
    first, second = (requests.post(sandbox.ews_url, data=CONVERT_ID, headers=headers, timeout=5) for _ in range(2))
    assert (429, "7", 200) == (first.status_code, first.headers.get("Retry-After"), second.status_code)


def test_dropped_connection_is_a_transport_error_then_recovers(sandbox: SandboxServer) -> None:
    """A connection closed without an answer surfaces as a TransportError (exchangelib does not retry it with a
    single session), and the next request succeeds."""
    account = ews_account(sandbox, LI, max_wait=5)
    _ = account.version
    sandbox.faults.drop_connection(times=1)
    with pytest.raises(TransportError, match="Connection aborted"):
        _ = account.oof_settings
    assert "Disabled" == account.oof_settings.state


def test_slow_answers_still_arrive(sandbox: SandboxServer) -> None:
    """A slow server (300 ms) still answers."""
    account = ews_account(sandbox, LI)
    _ = account.version
    sandbox.faults.slow(0.3, times=1)
    started = time.monotonic()
    assert "Inbox" == account.inbox.name
    assert time.monotonic() - started >= 0.3


# -- admin API -----------------------------------------------------------------------------------------


def test_admin_api_injects_mail_that_sync_then_sees(sandbox: SandboxServer) -> None:
    """Mail injected through POST /admin/messages is the one create the next sync reports."""
    inbox = ews_account(sandbox, ANNA).inbox
    list(inbox.sync_items())
    state = inbox.item_sync_state
    body = {"to": [ANNA], "from": "Chris Okoro <c.okoro@webmail.example>", "subject": "Form sent",
            "body": "Posted today.", "headers": {"X-Mailer": "Webmail"}}  # fmt: skip
    created = requests.post(f"{sandbox.admin_url}/messages", json=body, timeout=5).json()["created"]
    changes = list(inbox.sync_items(sync_state=state))
    assert [("create", created[0]["item_id"], "Form sent")] == [(k, i.id, i.subject) for k, i in changes]


def test_admin_api_moves_the_clock_and_arms_faults(sandbox: SandboxServer) -> None:
    """The admin API advances the fixed clock and arms a fault that the next EWS request meets."""
    now = requests.post(f"{sandbox.admin_url}/clock", json={"advance_minutes": 90}, timeout=5).json()["now"]
    assert "2026-11-23T09:30:00-05:00" == now
    requests.post(f"{sandbox.admin_url}/faults", json={"kind": "slow", "seconds": 0.01, "times": 1}, timeout=5)
    response = requests.post(sandbox.ews_url, data=CONVERT_ID, timeout=5, headers={
        "Authorization": "Basic " + base64.b64encode(b"mailbot@example.org:sandbox-password").decode()})  # fmt: skip
    assert (200, ["slow"]) == (response.status_code, sandbox.faults.fired)


def test_admin_api_adds_moves_and_removes_an_absence(sandbox: SandboxServer) -> None:
    """An absence added, moved and removed through the admin API shows in, moves in and leaves the calendar."""
    calendar = ews_account(sandbox, ANNA).calendar

    def absences() -> list[date]:
        return [i.start for i in calendar.view(start=ny(2026, 12, 1), end=ny(2026, 12, 31)) if i.subject == "Course"]

    event = {"mailbox": ANNA, "subject": "Course", "start": "2026-12-07", "end": "2026-12-09", "show_as": "oof"}
    item_id = requests.post(f"{sandbox.admin_url}/events", json=event, timeout=5).json()["item_id"]
    assert [date(2026, 12, 7)] == absences()
    path = f"{sandbox.admin_url}/events/{requests.utils.quote(item_id, safe='')}"
    requests.patch(path, json={"start": "2026-12-14", "end": "2026-12-16"}, timeout=5).raise_for_status()
    assert [date(2026, 12, 14)] == absences()
    requests.delete(path, timeout=5).raise_for_status()
    assert [] == absences()


# -- attachments ---------------------------------------------------------------------------------------------


def test_an_inline_image_is_kept_and_read_back_as_exchange_returns_it(sandbox: SandboxServer) -> None:
    """A message sent with an inline image arrives with it: GetItem lists it (not as a file: HasAttachments is
    false) and GetAttachment returns its content."""
    from exchangelib import FileAttachment, HTMLBody, Mailbox

    li, james = ews_account(sandbox, LI), ews_account(sandbox, JAMES)
    message = Message(account=li, folder=li.sent, subject="Chart", body=HTMLBody('<img src="cid:c@m">'),
                      to_recipients=[Mailbox(email_address=JAMES)])  # fmt: skip
    message.attach(FileAttachment(name="c.png", content_type="image/png", content_id="c@m", is_inline=True,
                                  content=b"\x89PNG chart"))  # fmt: skip
    message.send_and_save()
    [stored] = [m for m in sandbox.org.messages(JAMES, "inbox") if m.subject == "Chart"]
    [item] = list(james.fetch(ids=[(stored.item_id, None)]))
    [attachment] = item.attachments
    assert (False, "c.png", "c@m", True, 10, b"\x89PNG chart") == (
        item.has_attachments, attachment.name, attachment.content_id, attachment.is_inline, attachment.size,
        attachment.content,
    )  # fmt: skip
