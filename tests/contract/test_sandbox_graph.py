"""The sandbox's Microsoft Graph front end, driven as any Graph client drives Graph: plain HTTPS requests with
app-only tokens that msal fetched from the sandbox's token endpoint.

The answers follow the shapes of Microsoft's documented examples, as issue 7's Graph wire contract fixes them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msal
import pytest
import requests

from mailbot.clock import FixedClock
from mailbot.sandbox import SandboxCA, SandboxServer
from mailbot.sandbox.graph_wire import rest_id
from mailbot.sandbox.records import OofConfig

TENANT, CLIENT_ID = "00000000-0000-0000-0000-000000000000", "11111111-2222-3333-4444-555555555555"
SECRET = "sandbox-client-secret"
GRAPH_SCOPE, EWS_SCOPE = "https://graph.microsoft.com/.default", "https://outlook.office365.com/.default"
LI, JAMES, ANNA, PETR = (f"{n}@example.org" for n in ("li.chen", "james.okafor", "anna.brandt", "petr.novak"))
NY = ZoneInfo("America/New_York")
CHALLENGE = ('Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
             'client_id="00000003-0000-0000-c000-000000000000"')  # fmt: skip
WEEK = {"startDateTime": "2026-11-23T00:00:00-05:00", "endDateTime": "2026-12-05T00:00:00-05:00"}
REPLIES = "mailboxSettings/automaticRepliesSetting"  # a plain GET about one mailbox
THREADING = ("singleValueExtendedProperties($filter=id eq 'String 0x001A' or id eq 'String 0x1042' or "
             "id eq 'String 0x1039')")  # fmt: skip


def token(server: SandboxServer, ca: SandboxCA, scope: str = GRAPH_SCOPE) -> str:
    """An app-only access token for `scope`, from msal against the sandbox's token endpoint."""
    app = msal.ConfidentialClientApplication(CLIENT_ID, client_credential=SECRET, authority=f"{server.authority}/"
                                             f"{TENANT}", instance_discovery=False, validate_authority=False,
                                             http_client=ca.requests_session())  # fmt: skip
    return str(app.acquire_token_for_client(scopes=[scope])["access_token"])


class Graph:
    """A bare Graph client for one sandbox: a requests session holding a bearer token, paths under /v1.0."""

    def __init__(self, server: SandboxServer, ca: SandboxCA, access_token: str) -> None:
        self.server, self.ca = server, ca
        self.use(access_token)

    def use(self, access_token: str) -> None:
        self.token, self.session = access_token, self.session_with(access_token)

    def session_with(self, access_token: str) -> requests.Session:
        session = self.ca.requests_session()
        session.headers["Authorization"] = f"Bearer {access_token}"
        return session

    def call(self, method: str, path: str, **options: Any) -> requests.Response:
        url = path if path.startswith("https://") else self.server.graph_url + path
        return self.session.request(method, url, timeout=10, **options)

    def get(self, path: str, **options: Any) -> requests.Response:
        return self.call("GET", path, **options)

    def post(self, path: str, body: Any, **options: Any) -> requests.Response:
        return self.call("POST", path, json=body, **options)


@pytest.fixture
def graph(tls_sandbox: SandboxServer, sandbox_ca: SandboxCA) -> Graph:
    """A Graph client with a Graph token for the example organisation's app."""
    return Graph(tls_sandbox, sandbox_ca, token(tls_sandbox, sandbox_ca))


def error(response: requests.Response) -> tuple[int, str, str]:
    body = response.json()["error"]
    return response.status_code, body["code"], body["message"]


def collect(graph: Graph, first: requests.Response) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every item of a paged answer, following @odata.nextLink; and the last page."""
    page = first.json()
    items = list(page["value"])
    while "@odata.nextLink" in page:
        page = graph.get(page["@odata.nextLink"], headers=dict(first.request.headers)).json()
        items += page["value"]
    return items, page


def object_id(graph: Graph, address: str) -> str:
    """The user's directory object id, looked up as a client must before it can use presence."""
    return str(graph.get(f"/users/{address}?$select=id").json()["id"])


def clock(server: SandboxServer) -> FixedClock:
    assert isinstance(server.org.clock, FixedClock)
    return server.org.clock


# -- authentication --------------------------------------------------------------------------------------


def test_a_request_without_a_token_gets_a_bearer_challenge(graph: Graph) -> None:
    """No Authorization header: 401 InvalidAuthenticationToken with Graph's Bearer challenge and error envelope."""
    answer = graph.ca.requests_session().get(f"{graph.server.graph_url}/users/{LI}/{REPLIES}", timeout=5)
    inner = answer.json()["error"]["innerError"]
    assert (401, "InvalidAuthenticationToken", CHALLENGE) == (*error(answer)[:2], answer.headers["WWW-Authenticate"])
    assert ({"date", "request-id", "client-request-id"}, "2026-11-23T13:00:00") == (set(inner), inner["date"])


def test_an_exchange_token_is_refused_by_graph_and_a_graph_token_by_ews(graph: Graph) -> None:
    """Each front end takes only tokens issued for its own resource."""
    ews_token = token(graph.server, graph.ca, EWS_SCOPE)
    refused = graph.session_with(ews_token).get(f"{graph.server.graph_url}/users/{LI}/{REPLIES}", timeout=5)
    ews = graph.session.post(graph.server.ews_url, data=b"", timeout=5)
    assert ((401, "InvalidAuthenticationToken", "Invalid audience."), 401) == (error(refused), ews.status_code)


def test_a_token_ended_early_is_refused(graph: Graph) -> None:
    """After the organisation ends every token, the same token gets 401 "Access token has expired ..."."""
    assert 200 == graph.get(f"/users/{LI}/{REPLIES}").status_code
    graph.server.org.expire_tokens()
    expected = (401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
    assert expected == error(graph.get(f"/users/{LI}/{REPLIES}"))


def test_unknown_and_forbidden_mailboxes(graph: Graph) -> None:
    """An unknown mailbox is 404 ErrorInvalidUser; one outside the app's access policy is 403 ErrorAccessDenied."""
    unknown, forbidden = graph.get(f"/users/nobody@example.org/{REPLIES}"), graph.get(f"/users/{PETR}/{REPLIES}")
    assert (404, "ErrorInvalidUser", "The requested user 'nobody@example.org' is invalid.") == error(unknown)
    assert (403, "ErrorAccessDenied") == error(forbidden)[:2]


def test_every_answer_carries_request_ids_and_odata_json(graph: Graph) -> None:
    """Responses echo client-request-id, add a request-id, and use Graph's OData JSON content type."""
    answer = graph.get(f"/users/{LI}/{REPLIES}", headers={"client-request-id": "abc-123"})
    expected = ("abc-123", True, "application/json; odata.metadata=minimal; odata.streaming=true; "
                "IEEE754Compatible=false; charset=utf-8")  # fmt: skip
    headers = answer.headers
    assert expected == (headers["client-request-id"], bool(headers["request-id"]), headers["Content-Type"])


# -- calendarView ------------------------------------------------------------------------------------------


def test_calendar_view_events_have_the_documented_shape(graph: Graph) -> None:
    """An occurrence carries the event resource's properties, its series id, and start/end in the Windows zone
    the Prefer header named, acknowledged in Preference-Applied."""
    prefer = {"Prefer": 'outlook.timezone="Eastern Standard Time"'}
    answer = graph.get(f"/users/{LI}/calendarView", params=WEEK, headers=prefer)
    meeting = answer.json()["value"][0]
    expected_keys = {
        "@odata.etag", "id", "createdDateTime", "lastModifiedDateTime", "changeKey", "categories", "transactionId",
        "originalStartTimeZone", "originalEndTimeZone", "iCalUId", "reminderMinutesBeforeStart", "isReminderOn",
        "hasAttachments", "subject", "bodyPreview", "importance", "sensitivity", "isAllDay", "isCancelled",
        "isOrganizer", "responseRequested", "seriesMasterId", "showAs", "type", "webLink", "onlineMeetingUrl",
        "isOnlineMeeting", "onlineMeetingProvider", "allowNewTimeProposals", "isDraft", "hideAttendees",
        "responseStatus", "body", "start", "end", "location", "locations", "recurrence", "attendees", "organizer",
        "onlineMeeting",
    }  # fmt: skip
    assert expected_keys == set(meeting)
    summary = (meeting["subject"], meeting["type"], meeting["showAs"], meeting["start"], meeting["end"])
    assert ("Member Services team meeting", "occurrence", "busy",
            {"dateTime": "2026-11-23T10:00:00.0000000", "timeZone": "Eastern Standard Time"},
            {"dateTime": "2026-11-23T11:00:00.0000000", "timeZone": "Eastern Standard Time"}) == summary  # fmt: skip
    assert (True, 'outlook.timezone="Eastern Standard Time"') == (
        bool(meeting["seriesMasterId"]),
        answer.headers["Preference-Applied"],
    )


def test_calendar_view_converts_to_iana_zones_and_defaults_to_utc(graph: Graph) -> None:
    """Without Prefer the times are UTC; with an IANA name they are local and so labelled; all-day events keep
    their own midnights either way."""
    fields = {**WEEK, "$select": "subject,start,isAllDay"}
    utc = graph.get(f"/users/{LI}/calendarView", params=fields).json()["value"]
    local = graph.get(f"/users/{LI}/calendarView", params=fields,
                      headers={"Prefer": 'outlook.timezone="America/New_York"'}).json()["value"]  # fmt: skip
    assert [("Member Services team meeting", {"dateTime": "2026-11-23T15:00:00.0000000", "timeZone": "UTC"}),
            ("Vacation", {"dateTime": "2026-11-27T00:00:00.0000000", "timeZone": "UTC"})] == [
        (e["subject"], e["start"]) for e in utc[:2]]  # fmt: skip
    assert {"dateTime": "2026-11-23T10:00:00.0000000", "timeZone": "America/New_York"} == local[0]["start"]
    assert {"@odata.etag", "id", "subject", "start", "isAllDay"} == set(local[0])


def test_calendar_view_pages_with_links_built_from_the_request_host(graph: Graph) -> None:
    """$top=1 pages the week one event at a time; each nextLink names the host the client used (localhost here)
    and the pages together hold what one page holds."""
    via_localhost = graph.server.graph_url.replace("127.0.0.1", "localhost")
    first = graph.get(f"{via_localhost}/users/{LI}/calendarView", params={**WEEK, "$top": "1"})
    items, _ = collect(graph, first)
    whole = graph.get(f"/users/{LI}/calendarView", params=WEEK).json()["value"]
    assert (True, [e["id"] for e in whole]) == (first.json()["@odata.nextLink"].startswith(via_localhost),
                                                [e["id"] for e in items])  # fmt: skip
    assert 3 == len(items)


def test_calendar_view_page_size_can_be_preferred(graph: Graph) -> None:
    """`Prefer: odata.maxpagesize=2` pages by two and says so in Preference-Applied."""
    answer = graph.get(f"/users/{LI}/calendarView", params=WEEK, headers={"Prefer": "odata.maxpagesize=2"})
    assert (2, True, "odata.maxpagesize=2") == (len(answer.json()["value"]), "@odata.nextLink" in answer.json(),
                                                answer.headers["Preference-Applied"])  # fmt: skip


def test_calendar_view_refusals(graph: Graph) -> None:
    """A missing window and an unknown time zone are refused with Graph's codes."""
    no_window = graph.get(f"/users/{LI}/calendarView")
    bad_zone = graph.get(f"/users/{LI}/calendarView", params=WEEK, headers={"Prefer": 'outlook.timezone="Mars"'})
    assert [(400, "ErrorInvalidParameter"), (400, "TimeZoneNotSupportedException")] == [
        error(no_window)[:2], error(bad_zone)[:2]]  # fmt: skip


# -- automatic replies -------------------------------------------------------------------------------------


def test_automatic_replies_read_as_documented(graph: Graph) -> None:
    """Anna's scheduled reply: Graph's status and audience names, scheduled times in UTC."""
    answer = graph.get(f"/users/{ANNA}/mailboxSettings/automaticRepliesSetting").json()
    expected = {
        "@odata.context": f"{graph.server.graph_url}/$metadata#users('anna.brandt%40example.org')/mailboxSettings/"
        "automaticRepliesSetting",
        "status": "scheduled",
        "externalAudience": "all",
        "internalReplyMessage": "I'm at a training on Monday and Tuesday and back on Wednesday. Li Chen covers for me.",
        "externalReplyMessage": "Thank you for your message. I am back on Wednesday; for urgent matters call "
        "+1 555 0100.",
        "scheduledStartDateTime": {"dateTime": "2026-11-23T05:00:00.0000000", "timeZone": "UTC"},
        "scheduledEndDateTime": {"dateTime": "2026-11-25T05:00:00.0000000", "timeZone": "UTC"},
    }
    assert expected == answer


def test_patching_mailbox_settings_schedules_replies_given_in_a_windows_zone(graph: Graph) -> None:
    """A PATCH with times in "Eastern Standard Time" stores them as instants and answers the whole settings."""
    eastern = "Eastern Standard Time"
    change = {"automaticRepliesSetting": {
        "status": "scheduled", "externalAudience": "contactsOnly", "internalReplyMessage": "Away",
        "externalReplyMessage": "",
        "scheduledStartDateTime": {"dateTime": "2026-11-27T00:00:00.0000000", "timeZone": eastern},
        "scheduledEndDateTime": {"dateTime": "2026-12-01T00:00:00.0000000", "timeZone": eastern}}}  # fmt: skip
    answer = graph.call("PATCH", f"/users/{LI}/mailboxSettings", json=change)
    stored = graph.server.org.get_oof(LI)
    start, end = datetime(2026, 11, 27, 5, tzinfo=UTC), datetime(2026, 12, 1, 5, tzinfo=UTC)
    expected = OofConfig("scheduled", "known", start, end, "Away", "")
    assert (200, expected) == (answer.status_code, stored)
    assert {"automaticRepliesSetting", "timeZone", "language", "workingHours"} <= set(answer.json())
    assert "Eastern Standard Time" == answer.json()["timeZone"]


def test_a_schedule_that_ends_in_the_past_is_refused(graph: Graph) -> None:
    """Exchange's check holds on Graph too: 400 ErrorInvalidScheduledOofDuration, and nothing changes."""
    change = {"automaticRepliesSetting": {"status": "scheduled",
              "scheduledStartDateTime": {"dateTime": "2026-11-01T00:00:00", "timeZone": "UTC"},
              "scheduledEndDateTime": {"dateTime": "2026-11-02T00:00:00", "timeZone": "UTC"}}}  # fmt: skip
    answer = graph.call("PATCH", f"/users/{LI}/mailboxSettings", json=change)
    expected = (400, "ErrorInvalidScheduledOofDuration", "The scheduled Oof duration is invalid.")
    assert (expected, "disabled") == (error(answer), graph.server.org.get_oof(LI).state)


# -- messages and delta --------------------------------------------------------------------------------------


def test_delta_round_trip_pages_then_reports_new_and_removed_mail(graph: Graph) -> None:
    """The first round pages James's inbox two at a time and ends in a deltaLink; the next round from it reports
    a new message and, with @removed, one deleted since."""
    prefer = {"Prefer": "odata.maxpagesize=2"}
    first = graph.get(f"/users/{JAMES}/mailFolders/inbox/messages/delta", params={"$select": "id,categories"},
                      headers=prefer)  # fmt: skip
    items, last = collect(graph, first)
    org = graph.server.org
    inbox = [rest_id(m.item_id) for m in org.messages(JAMES, "inbox")]
    assert ("odata.maxpagesize=2", inbox) == (first.headers["Preference-Applied"], [i["id"] for i in items])
    assert ("@odata.nextLink" in first.json(), "$deltatoken=" in last["@odata.deltaLink"]) == (True, True)
    arrived = org.deliver_external([JAMES], "Pat Member <pat.member@gmail.example>", "One more thing", "Hello")[0]
    gone = org.messages(JAMES, "inbox")[0]
    org.delete_item(JAMES, gone.item_id, hard=True)
    changes = graph.get(last["@odata.deltaLink"], headers=prefer).json()
    expected = [{"@odata.type": "#microsoft.graph.message", "id": rest_id(arrived.item_id),
                 "@odata.etag": f'W/"{arrived.change_key}"', "categories": []},
                {"@odata.type": "#microsoft.graph.message", "id": rest_id(gone.item_id),
                 "@removed": {"reason": "deleted"}}]  # fmt: skip
    assert (expected, True) == (changes["value"], "@odata.deltaLink" in changes)


def test_delta_refuses_a_token_from_another_folder_with_410(graph: Graph) -> None:
    """A deltatoken issued for Li's inbox, used on James's, is 410 SyncStateNotFound; so is a made-up one."""
    link = collect(graph, graph.get(f"/users/{LI}/mailFolders/inbox/messages/delta"))[1]["@odata.deltaLink"]
    foreign = graph.get(link.replace(LI, JAMES))
    made_up = graph.get(f"/users/{JAMES}/mailFolders/inbox/messages/delta", params={"$deltatoken": "bm9wZQ=="})
    assert [(410, "SyncStateNotFound")] * 2 == [error(foreign)[:2], error(made_up)[:2]]


def test_a_message_has_the_documented_default_properties(graph: Graph) -> None:
    """Without $select a message shows the default property set (no internetMessageHeaders), times in UTC."""
    stored = next(m for m in graph.server.org.messages(LI, "inbox") if m.subject == "Change of address")
    answer = graph.get(f"/users/{LI}/messages/{rest_id(stored.item_id)}").json()
    expected_keys = {
        "@odata.context", "@odata.etag", "id", "createdDateTime", "lastModifiedDateTime", "changeKey", "categories",
        "receivedDateTime", "sentDateTime", "hasAttachments", "internetMessageId", "subject", "bodyPreview",
        "importance", "parentFolderId", "conversationId", "isDeliveryReceiptRequested", "isReadReceiptRequested",
        "isRead", "isDraft", "webLink", "inferenceClassification", "body", "sender", "from", "toRecipients",
        "ccRecipients", "bccRecipients", "replyTo", "flag",
    }  # fmt: skip
    assert expected_keys == set(answer)
    dana = {"emailAddress": {"name": "Dana Whitfield", "address": "dana.w@outlook.example"}}
    assert ("2026-11-23T00:30:00Z", dana) == (answer["receivedDateTime"], answer["from"])


def test_a_message_shows_selected_properties_headers_and_threading_properties(graph: Graph) -> None:
    """$select with internetMessageHeaders and the $expand filter for 0x001A, 0x1042 and 0x1039 show a reply's
    headers, class, In-Reply-To and References."""
    reply = next(m for m in graph.server.org.messages(JAMES, "inbox") if m.in_reply_to)
    fields = {"$select": "id,subject,internetMessageHeaders", "$expand": THREADING}
    answer = graph.get(f"/users/{JAMES}/messages/{rest_id(reply.item_id)}", params=fields)
    body = answer.json()
    headers = {h["name"]: h["value"] for h in body["internetMessageHeaders"]}
    assert [{"id": "String 0x1a", "value": "IPM.Note"}, {"id": "String 0x1042", "value": "<renewal-2@example.org>"},
            {"id": "String 0x1039", "value": "<renewal-1@gmail.example> <renewal-2@example.org>"}] == (
        body["singleValueExtendedProperties"])  # fmt: skip
    assert ("<renewal-3@gmail.example>", "<renewal-2@example.org>") == (headers["Message-ID"], headers["In-Reply-To"])
    assert {"@odata.context", "@odata.etag", "id", "subject", "internetMessageHeaders",
            "singleValueExtendedProperties"} == set(body)  # fmt: skip


def test_body_preview_and_auto_response_suppress_show_as_graph_shows_them(graph: Graph) -> None:
    """bodyPreview is the body's first 255 characters as text; PidTagAutoResponseSuppress, expanded as
    'Integer 0x3FDF', comes as "Integer 0x3fdf" with its value as text, on the auto-reply that has it only."""
    body = "I am writing to complain. " * 20
    graph.server.org.deliver_external([JAMES], "Pat Member <pat.member@gmail.example>", "Long", body)
    inbox = {m.subject: m for m in graph.server.org.messages(JAMES, "inbox")}
    fields = {"$select": "id,bodyPreview", "$expand": "singleValueExtendedProperties($filter=id eq 'Integer 0x3FDF' "
              "or id eq 'String 0x3FDF')"}  # fmt: skip
    auto, long = (graph.get(f"/users/{JAMES}/messages/{rest_id(inbox[s].item_id)}", params=fields).json()
                  for s in ("Automatic reply: Your benefits statement", "Long"))  # fmt: skip
    expected = ([{"id": "Integer 0x3fdf", "value": "-1"}], [], body[:255])
    assert expected == (auto["singleValueExtendedProperties"], long["singleValueExtendedProperties"],
                        long["bodyPreview"])  # fmt: skip


def test_unknown_items_and_properties_are_refused(graph: Graph) -> None:
    """A message id the mailbox lacks is 404 ErrorItemNotFound; a $select of no such property is a 400."""
    missing = graph.get(f"/users/{LI}/messages/AAMkAGnothere=")
    bad_select = graph.get(f"/users/{LI}/mailFolders/inbox/messages/delta", params={"$select": "id,colour"})
    assert [(404, "ErrorItemNotFound"), (400, "RequestBroker--ParseUri")] == [error(missing)[:2],
                                                                              error(bad_select)[:2]]  # fmt: skip


# -- $batch -----------------------------------------------------------------------------------------------------


def test_batch_answers_each_request_with_its_own_status(graph: Graph) -> None:
    """Sub-requests with URLs relative to /v1.0 are answered each with id, status, headers and body."""
    requests_ = [
        {"id": "1", "method": "GET", "url": f"/users/{LI}/{REPLIES}"},
        {"id": "2", "method": "GET", "url": f"users/{PETR}/{REPLIES}"},
        {"id": "3", "method": "GET", "url": f"/users/{ANNA}/mailboxSettings/automaticRepliesSetting"},
    ]
    answer = graph.post("/$batch", {"requests": requests_})
    responses = {r["id"]: r for r in answer.json()["responses"]}
    assert [("1", 200), ("2", 403), ("3", 200)] == [(i, responses[i]["status"]) for i in "123"]
    assert ("scheduled", "ErrorAccessDenied", True) == (
        responses["3"]["body"]["status"], responses["2"]["body"]["error"]["code"],
        responses["1"]["headers"]["Content-Type"].startswith("application/json"))  # fmt: skip


def test_a_batch_of_more_than_twenty_is_refused(graph: Graph) -> None:
    """21 requests in one batch are refused as a whole with 400 BadRequest."""
    requests_ = [{"id": str(i), "method": "GET", "url": f"/users/{LI}/{REPLIES}"} for i in range(21)]
    status, code, message = error(graph.post("/$batch", {"requests": requests_}))
    assert (400, "BadRequest", True) == (status, code, message.startswith("Batch request limit exceeded"))


def test_a_throttled_sub_request_fails_alone_with_retry_after(graph: Graph) -> None:
    """An http_429 fault meets one sub-request: its sub-response is 429 with Retry-After, the others succeed."""
    graph.server.faults.http_429(times=1, retry_after=2)
    requests_ = [{"id": str(i), "method": "GET", "url": f"/users/{LI}/{REPLIES}"} for i in range(3)]
    responses = graph.post("/$batch", {"requests": requests_}).json()["responses"]
    seen = [(r["status"], r["headers"].get("Retry-After"), r["body"].get("error", {}).get("code")) for r in responses]
    assert [(200, None, None), (200, None, None), (429, "2", "TooManyRequests")] == sorted(seen, key=lambda s: s[0])


def test_a_batch_mixing_chained_and_independent_requests_is_refused(graph: Graph) -> None:
    """A batch where some requests depend on others and some do not is refused whole with Graph's 400, and none
    of it runs."""
    send = {"message": {"subject": "Hi", "toRecipients": [{"emailAddress": {"address": JAMES}}]}}
    requests_ = [
        {"id": "1", "method": "GET", "url": f"/users/{LI}/{REPLIES}"},
        {"id": "2", "method": "GET", "url": f"/users/{LI}/{REPLIES}", "dependsOn": ["1"]},
        {"id": "3", "method": "POST", "url": f"/users/{LI}/sendMail", "body": send,
         "headers": {"Content-Type": "application/json"}},
    ]  # fmt: skip
    sent = len(graph.server.org.messages(LI, "sentitems"))
    refused = error(graph.post("/$batch", {"requests": requests_}))
    assert ((400, "BadRequest", "Batch should be either fully sequential or fully parallel"), sent) == (
        refused, len(graph.server.org.messages(LI, "sentitems")))  # fmt: skip


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda r: r[1].update(dependsOn=["3"]), "Invalid dependency for request Id 2"),
        (lambda r: r[1].update(dependsOn=["nine"]), "Invalid dependency for request Id 2"),
        (lambda r: r[2].update(id="ONE"), "Batch request ids must be unique"),
        (lambda r: r[0].update(method="GET", body={}), "Request one has a body, so its headers must give"),
        (lambda r: r[0].update(url="https://graph.microsoft.com/v1.0/users"), "Request one needs a method"),
    ],
)
def test_malformed_batches_are_refused_whole(
    graph: Graph, change: Callable[[list[dict[str, Any]]], None], expected: str
) -> None:
    """A dependency on a later or unknown request, a repeated id (ids ignore case), a body without its Content-Type
    or an absolute URL makes Graph refuse the whole batch with 400 BadRequest."""
    requests_ = [{"id": i, "method": "GET", "url": f"/users/{LI}/{REPLIES}"} for i in ("one", "2", "3")]
    requests_[2]["dependsOn"], requests_[1]["dependsOn"] = ["2"], ["one"]
    change(requests_)
    status, code, message = error(graph.post("/$batch", {"requests": requests_}))
    assert (400, "BadRequest", True) == (status, code, message.startswith(expected))


def test_a_sequential_batch_runs_in_order_and_stops_at_a_failure(graph: Graph) -> None:
    """In a fully sequential batch the requests run one at a time; after one fails, those depending on it get 424
    Failed Dependency without running."""
    urls = [f"/users/{LI}/{REPLIES}", f"/users/{LI}/{REPLIES}", f"/users/{PETR}/{REPLIES}", f"/users/{LI}/{REPLIES}"]
    requests_ = [{"id": str(n), "method": "GET", "url": url, **({"dependsOn": [str(n - 1)]} if n else {})}
                 for n, url in enumerate(urls)]  # fmt: skip
    graph.server.faults.slow(0.05, times=4)
    statuses = [r["status"] for r in graph.post("/$batch", {"requests": requests_}).json()["responses"]]
    assert ([200, 200, 403, 424], 1, ["slow"] * 3) == (
        statuses, graph.server.graph.peak_concurrency(LI), graph.server.faults.fired)  # fmt: skip


def test_a_parallel_batch_of_five_for_one_mailbox_has_one_throttled(graph: Graph) -> None:
    """Graph runs a parallel batch's requests side by side: with five for one mailbox, the fifth is over Exchange
    Online's limit of 4 and alone gets 429 MailboxConcurrency with Retry-After: 1."""
    requests_ = [{"id": str(n), "method": "GET", "url": f"/users/{LI}/{REPLIES}"} for n in range(5)]
    responses = graph.post("/$batch", {"requests": requests_}).json()["responses"]
    throttled = [(r["status"], r["body"]["error"]["code"], r["body"]["error"]["message"], r["headers"]["Retry-After"])
                 for r in responses if r["status"] != 200]  # fmt: skip
    assert [(429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.", "1")] == throttled
    assert (5, 5) == (len(responses), graph.server.graph.peak_concurrency(LI))  # the refused one counts too


# -- throttling and faults --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arm", "expected"),
    [
        (lambda f: f.server_busy(back_off_ms=1500), (429, "ApplicationThrottled", "2")),
        (lambda f: f.http_429(retry_after=3), (429, "TooManyRequests", "3")),
        (lambda f: f.http_503(retry_after=4), (503, "ServiceUnavailable", "4")),
    ],
)
def test_throttling_faults_answer_with_retry_after(
    graph: Graph, arm: Callable[[Any], Any], expected: tuple[int, str, str]
) -> None:
    """server_busy, http_429 and http_503 answer Graph's status and code with Retry-After in whole seconds."""
    arm(graph.server.faults)
    answer = graph.get(f"/users/{LI}/{REPLIES}")
    assert expected == (*error(answer)[:2], answer.headers["Retry-After"])
    assert 200 == graph.get(f"/users/{LI}/{REPLIES}").status_code


def test_a_dropped_connection_fails_the_request_only(graph: Graph) -> None:
    """The drop_connection fault closes the socket without an answer; the next request is answered."""
    graph.server.faults.drop_connection(times=1)
    with pytest.raises(requests.ConnectionError):
        graph.get(f"/users/{LI}/{REPLIES}")
    assert 200 == graph.get(f"/users/{LI}/{REPLIES}").status_code


def test_the_admin_api_arms_http_429_for_graph_too(graph: Graph) -> None:
    """An http_429 fault armed by name through the admin API meets the next Graph request."""
    arm = {"kind": "http_429", "times": 1, "retry_after": 5}
    graph.ca.requests_session().post(f"{graph.server.admin_url}/faults", json=arm, timeout=5).raise_for_status()
    answer = graph.get(f"/users/{LI}/{REPLIES}")
    assert (429, "5", ["http_429"]) == (answer.status_code, answer.headers["Retry-After"], graph.server.faults.fired)


def test_the_fifth_concurrent_request_for_a_mailbox_is_throttled(graph: Graph) -> None:
    """Six slow requests for one mailbox at once: four are served, two get 429 MailboxConcurrency with
    Retry-After: 1, and the peak shows the client went over the limit; other mailboxes are not affected."""
    graph.server.faults.slow(0.5, times=4)
    start = threading.Barrier(6)
    answers: list[requests.Response] = []

    def one() -> None:
        session = graph.session_with(graph.token)  # a session per thread, as requests wants
        start.wait()
        answers.append(session.get(f"{graph.server.graph_url}/users/{LI}/{REPLIES}", timeout=10))

    threads = [threading.Thread(target=one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    throttled = [(*error(a), a.headers["Retry-After"]) for a in answers if a.status_code == 429]
    assert [(429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.", "1")] * 2 == throttled
    assert (True, 0) == (graph.server.graph.peak_concurrency(LI) >= 5, graph.server.graph.peak_concurrency(ANNA))


def test_a_mailbox_over_its_request_rate_waits_for_the_window(graph: Graph) -> None:
    """Past the requests an app may make to a mailbox in 10 minutes (10,000; three here), the next is 429 with
    Retry-After until the oldest leaves the window on the sandbox clock; other mailboxes are not affected."""
    graph.server.graph.rate.limit = 3
    statuses = [graph.get(f"/users/{LI}/{REPLIES}").status_code for _ in range(3)]
    clock(graph.server).advance(minutes=4)
    refused = graph.get(f"/users/{LI}/{REPLIES}")
    assert ([200] * 3, (429, "ApplicationThrottled"), "360", 200) == (
        statuses, error(refused)[:2], refused.headers["Retry-After"],
        graph.get(f"/users/{ANNA}/{REPLIES}").status_code)  # fmt: skip
    clock(graph.server).advance(minutes=6)
    assert 200 == graph.get(f"/users/{LI}/{REPLIES}").status_code


# -- sending, drafts and presence -------------------------------------------------------------------------------


def test_send_mail_goes_through_the_organisation_with_threading(graph: Graph) -> None:
    """sendMail is 202; the message reaches James's inbox as a reply (In-Reply-To from 0x1042), leaves for the
    outside address, and a copy stays in Sent Items."""
    message = {"subject": "Re: Renewal", "body": {"contentType": "HTML", "content": "<p>See you</p>"},
               "toRecipients": [{"emailAddress": {"address": JAMES}}],
               "ccRecipients": [{"emailAddress": {"address": "pat.member@gmail.example", "name": "Pat Member"}}],
               "singleValueExtendedProperties": [{"id": "String 0x1042", "value": "<renewal-3@gmail.example>"}],
               "internetMessageHeaders": [{"name": "x-mailbot-key", "value": "k1"}]}  # fmt: skip
    answer = graph.post(f"/users/{LI}/sendMail", {"message": message, "saveToSentItems": True})
    org = graph.server.org
    received = next(m for m in org.messages(JAMES, "inbox") if m.subject == "Re: Renewal")
    sent = [m.subject for m in org.messages(LI, "sentitems")]
    assert (202, b"", "<renewal-3@gmail.example>", "k1") == (
        answer.status_code, answer.content, received.in_reply_to, received.header("x-mailbot-key"))  # fmt: skip
    assert (["Re: Renewal"], ("pat.member@gmail.example",)) == (sent, org.outbox()[-1].recipients)


def test_send_mail_without_saving_keeps_no_copy_and_refuses_standard_headers(graph: Graph) -> None:
    """saveToSentItems false leaves Sent Items alone; an In-Reply-To internet header is refused as Graph does."""
    message = {"subject": "Hi", "body": {"contentType": "Text", "content": "Hello"},
               "toRecipients": [{"emailAddress": {"address": JAMES}}]}  # fmt: skip
    quiet = graph.post(f"/users/{LI}/sendMail", {"message": message, "saveToSentItems": False})
    headers = [{"name": "In-Reply-To", "value": "<x@example.org>"}]
    refused = graph.post(f"/users/{LI}/sendMail", {"message": {**message, "internetMessageHeaders": headers}})
    assert (202, []) == (quiet.status_code, graph.server.org.messages(LI, "sentitems"))
    assert (400, "InvalidInternetMessageHeader") == error(refused)[:2]


def test_creating_a_message_makes_a_draft(graph: Graph) -> None:
    """POST /messages answers 201 with the draft (isDraft true), which waits in the mailbox's Drafts."""
    body = {"subject": "Nudge", "body": {"contentType": "HTML", "content": "<p>Reminder</p>"},
            "toRecipients": [{"emailAddress": {"address": JAMES}}]}  # fmt: skip
    answer = graph.post(f"/users/{LI}/messages", body)
    drafts = graph.server.org.messages(LI, "drafts")
    created = answer.json()
    assert (201, True, "Nudge") == (answer.status_code, created["isDraft"], created["subject"])
    assert [created["id"]] == [rest_id(d.item_id) for d in drafts]


def test_delete_moves_a_message_to_deleted_items_and_permanent_delete_purges_it(graph: Graph) -> None:
    """DELETE leaves the message in Deleted Items; POST .../permanentDelete leaves it nowhere a client sees; both
    answer 204, and a message already gone is 404."""
    body = {"subject": "Check", "toRecipients": [{"emailAddress": {"address": LI}}]}
    first, second = (graph.post(f"/users/{LI}/messages", body).json()["id"] for _ in range(2))
    deleted = graph.call("DELETE", f"/users/{LI}/messages/{first}").status_code
    purged = graph.call("POST", f"/users/{LI}/messages/{second}/permanentDelete").status_code
    again = error(graph.call("POST", f"/users/{LI}/messages/{second}/permanentDelete"))[:2]
    org = graph.server.org
    assert (204, 204, (404, "ErrorItemNotFound")) == (deleted, purged, again)
    assert ([], ["Check"]) == ([m.subject for m in org.messages(LI, "drafts")],
                               [m.subject for m in org.messages(LI, "deleteditems")])  # fmt: skip


def test_a_status_message_shows_until_it_expires_on_the_sandbox_clock(graph: Graph) -> None:
    """A status message with an expiry in New York time shows in presence, in UTC, until the sandbox clock passes
    it; presence then follows the calendar (Li's team meeting)."""
    expiry = {"dateTime": "2026-11-23T10:30:00.0000000", "timeZone": "America/New_York"}
    status = {
        "statusMessage": {"message": {"content": "Back at 10:30", "contentType": "text"}, "expiryDateTime": expiry}
    }
    li = object_id(graph, LI)
    assert 200 == graph.post(f"/users/{li}/presence/setStatusMessage", status).status_code
    presence = graph.get(f"/users/{li}/presence").json()
    assert {"message": {"content": "Back at 10:30", "contentType": "text"},
            "expiryDateTime": {"dateTime": "2026-11-23T15:30:00.0000000", "timeZone": "UTC"},
            "publishedDateTime": "2026-11-23T13:00:00Z"} == presence["statusMessage"]  # fmt: skip
    assert ("Available", ("Back at 10:30", datetime(2026, 11, 23, 10, 30, tzinfo=NY))) == (
        presence["availability"], graph.server.org.status_message(LI))  # fmt: skip
    clock(graph.server).advance(hours=2, minutes=30)  # 10:30 in New York: the hour's token has expired too
    graph.use(token(graph.server, graph.ca))
    later = graph.get(f"/users/{li}/presence").json()
    assert (None, "Busy", "InAMeeting") == (later["statusMessage"], later["availability"], later["activity"])


def test_presence_shows_automatic_replies_as_out_of_office(graph: Graph) -> None:
    """Anna's automatic replies are on: her presence reads Away / OutOfOffice with her internal reply."""
    presence = graph.get(f"/users/{object_id(graph, ANNA)}/presence").json()
    expected = ("Away", "OutOfOffice", True, {"@odata.context", "id", "availability", "activity", "statusMessage",
                                              "outOfOfficeSettings"})  # fmt: skip
    assert expected == (presence["availability"], presence["activity"],
                        presence["outOfOfficeSettings"]["isOutOfOffice"], set(presence))  # fmt: skip


def test_a_user_is_found_by_address_or_object_id(graph: Graph) -> None:
    """GET /users/{x} finds a user by user principal name or by the stable GUID it reports, selects properties,
    and is a directory read that a mailbox's access policy does not block."""
    li = graph.get(f"/users/{LI}?$select=id").json()
    again = graph.get(f"/users/{li['id']}").json()
    petr = graph.get(f"/users/{PETR}?$select=id,mail")
    assert ({"@odata.context", "id"}, LI, 36, (200, PETR)) == (
        set(li), again["userPrincipalName"], len(li["id"]), (petr.status_code, petr.json()["mail"]))  # fmt: skip
    assert li["id"] == object_id(graph, LI.upper())


def test_an_unknown_user_is_not_found(graph: Graph) -> None:
    """A user principal name the directory lacks is 404 Request_ResourceNotFound, as Entra ID words it."""
    status, code, message = error(graph.get("/users/nobody@example.org?$select=id"))
    assert (404, "Request_ResourceNotFound", True) == (status, code, message.startswith("Resource 'nobody@"))


def test_users_are_found_by_primary_address_with_a_filter(graph: Graph) -> None:
    """GET /users with `$filter=mail eq '...'` finds a user by address, whatever its case; an unknown address finds
    no one."""
    found = graph.get("/users", params={"$filter": f"mail eq '{LI.upper()}'", "$select": "id"}).json()
    nobody = graph.get("/users", params={"$filter": "mail eq 'nobody@example.org'"}).json()
    assert ([{"id": object_id(graph, LI)}], []) == (found["value"], nobody["value"])


def test_a_user_whose_principal_name_is_not_the_address(graph: Graph) -> None:
    """The directory knows a user by id or user principal name only, so an address that is not the UPN is not found
    there, and filtering on `mail` finds the user."""
    graph.server.org.add_mailbox("sam.oneil@example.org", "Sam O'Neil", upn="soneil@example.onmicrosoft.com")
    by_address = graph.get("/users/sam.oneil@example.org?$select=id")
    by_upn = graph.get("/users/soneil@example.onmicrosoft.com?$select=id,mail").json()
    by_mail = graph.get("/users", params={"$filter": "mail eq 'sam.oneil@example.org'", "$select": "id"}).json()
    assert (404, "sam.oneil@example.org", [{"id": by_upn["id"]}]) == (
        by_address.status_code, by_upn["mail"], by_mail["value"])  # fmt: skip


@pytest.mark.parametrize("clause", ["endsWith(mail, '@example.org')", "displayName eq 'Li Chen'", "mail eq li"])
def test_other_user_filters_are_refused(graph: Graph, clause: str) -> None:
    """A filter the sandbox does not answer (a function, another property, a bare word) is 400, not ignored."""
    assert (400, "Request_UnsupportedQuery") == error(graph.get("/users", params={"$filter": clause}))[:2]


def test_mailbox_routes_take_an_object_id_too(graph: Graph) -> None:
    """Mail and settings routes accept the user's object id as well as the address, and count as that mailbox."""
    answer = graph.get(f"/users/{object_id(graph, ANNA)}/{REPLIES}")
    assert (200, "scheduled", 1) == (
        answer.status_code, answer.json()["status"], graph.server.graph.peak_concurrency(ANNA))  # fmt: skip


def test_presence_refuses_an_address(graph: Graph) -> None:
    """Presence takes only the object id: an e-mail address there is refused with 400, setting nothing."""
    status = {"statusMessage": {"message": {"content": "Away", "contentType": "text"}}}
    refused = graph.post(f"/users/{LI}/presence/setStatusMessage", status)
    assert ((400, "BadRequest"), 400, None) == (
        error(refused)[:2], graph.get(f"/users/{LI}/presence").status_code,
        graph.server.org.status_message(LI))  # fmt: skip


def test_presence_is_outside_the_mailbox_access_policy_and_names_the_user_by_id(graph: Graph) -> None:
    """Presence is a Teams service: the access policy that keeps the app out of Petr's mailbox does not reach it, it
    takes no mailbox slot, and its answer names him by object id."""
    petr = object_id(graph, PETR)
    presence = graph.get(f"/users/{petr}/presence")
    context = f"{graph.server.graph_url}/$metadata#users('{petr}')/presence/$entity"
    assert (200, context, petr, 0) == (
        presence.status_code, presence.json()["@odata.context"], presence.json()["id"],
        graph.server.graph.peak_concurrency(PETR))  # fmt: skip
    assert (403, "ErrorAccessDenied") == error(graph.get(f"/users/{petr}/{REPLIES}"))[:2]


def test_an_answer_names_the_user_as_the_path_does(graph: Graph) -> None:
    """Asked by object id, an answer's @odata.context names the user by that id, as Graph echoes the path."""
    anna = object_id(graph, ANNA)
    answer = graph.get(f"/users/{anna}/{REPLIES}").json()
    assert f"{graph.server.graph_url}/$metadata#users('{anna}')/{REPLIES}" == answer["@odata.context"]


def test_an_inline_image_sent_with_sendmail_is_kept_and_listed_as_graph_lists_it(graph: Graph) -> None:
    """The fileAttachment arrives with the message: hasAttachments stays false for an inline image, and the message's
    attachments (and each by its id) come back with name, content id, inline flag and content."""
    picture = {"@odata.type": "#microsoft.graph.fileAttachment", "name": "c.png", "contentType": "image/png",
               "contentBytes": "iVBORw0=", "contentId": "c@m", "isInline": True}  # fmt: skip
    message = {"subject": "Chart", "body": {"contentType": "HTML", "content": '<img src="cid:c@m">'},
               "toRecipients": [{"emailAddress": {"address": JAMES}}], "attachments": [picture]}  # fmt: skip
    assert 202 == graph.post(f"/users/{LI}/sendMail", {"message": message}).status_code
    [stored] = [m for m in graph.server.org.messages(JAMES, "inbox") if m.subject == "Chart"]
    path = f"/users/{JAMES}/messages/{rest_id(stored.item_id)}"
    [listed] = graph.get(f"{path}/attachments").json()["value"]
    one = graph.get(f"{path}/attachments/{listed['id']}").json()
    keys = ("name", "contentType", "contentBytes", "contentId", "isInline", "size")
    assert (False, ["c.png", "image/png", "iVBORw0=", "c@m", True, 5], listed["id"], 404) == (
        graph.get(path).json()["hasAttachments"], [listed[k] for k in keys], one["id"],
        graph.get(f"{path}/attachments/AAAA").status_code,
    )  # fmt: skip
